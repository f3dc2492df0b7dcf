// SPDX-License-Identifier: GPL-2.0-only
/*
 * Software IMSIC interrupt files (AIA): one per vCPU, emulated in the
 * kernel. MSIs arrive as writes to the file's MMIO page (from the guest,
 * through the in-kernel MMIO bus) or through KVM_SIGNAL_MSI and the APLIC;
 * the guest reaches its file's registers through siselect/sireg and claims
 * interrupts through stopei. With no hardware guest file selected
 * (hstatus.VGEIN = 0) those accesses raise virtual-instruction exceptions,
 * which land here once hstateen.c has opened their gates. The file drives
 * the vCPU's VS external interrupt (hvip.VSEIP).
 */

#include <linux/irqchip/riscv-imsic.h>
#include <linux/kvmod_host.h>
#include <linux/unaligned.h>
#include <asm/csr.h>

#include "riscv.h"

#define EIDELIVERY_ON	BIT(0)

/**
 * kvmod_riscv_imsic_reset() - an empty file, delivery off
 * @vcpu: the vCPU
 */
void kvmod_riscv_imsic_reset(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned long flags;

	spin_lock_irqsave(&f->lock, flags);
	f->eidelivery = 0;
	f->eithreshold = 0;
	bitmap_zero(f->eip, KVMOD_RISCV_IMSIC_MAX_IDS);
	bitmap_zero(f->eie, KVMOD_RISCV_IMSIC_MAX_IDS);
	spin_unlock_irqrestore(&f->lock, flags);
}

/**
 * kvmod_riscv_imsic_init() - set up a new vCPU's file
 * @vcpu: the vCPU
 */
void kvmod_riscv_imsic_init(struct kvmod_vcpu *vcpu)
{
	spin_lock_init(&vcpu->arch.imsic.lock);
	vcpu->arch.imsic.addr = KVMOD_RISCV_AIA_NO_ADDR;
	kvmod_riscv_imsic_reset(vcpu);
}

static unsigned int nr_ids(struct kvmod_vcpu *vcpu)
{
	return vcpu->vm->arch.aia ? kvmod_riscv_aia_nr_ids(vcpu->vm) : 0;
}

/* The identity stopei reports: lowest pending and enabled, 0 if none. */
static unsigned int top_id(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned int n = nr_ids(vcpu) + 1, id;

	lockdep_assert_held(&f->lock);
	if (!(f->eidelivery & EIDELIVERY_ON))
		return 0;
	if (f->eithreshold && f->eithreshold < n)
		n = f->eithreshold;
	for (id = find_next_bit(f->eip, n, 1); id < n;
	     id = find_next_bit(f->eip, n, id + 1))
		if (test_bit(id, f->eie))
			return id;
	return 0;
}

/* VSEIP follows the file; f->lock held. */
static void update(struct kvmod_vcpu *vcpu)
{
	kvmod_riscv_set_irq(vcpu, IRQ_VS_EXT, top_id(vcpu) != 0);
}

/**
 * kvmod_riscv_imsic_inject() - an MSI for a vCPU's file
 * @vcpu: the target
 * @id: the interrupt identity (the MSI data)
 *
 * Any context. Identity 0 and those beyond the file's are ignored, as the
 * hardware does.
 */
void kvmod_riscv_imsic_inject(struct kvmod_vcpu *vcpu, u32 id)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned long flags;

	if (!id || id > nr_ids(vcpu))
		return;
	spin_lock_irqsave(&f->lock, flags);
	set_bit(id, f->eip);
	update(vcpu);
	spin_unlock_irqrestore(&f->lock, flags);
}

/*
 * One register of the file by its siselect number; @wmask: bits to
 * replace with @val. Return: the old value, or -EINVAL (no such register).
 */
static long reg_rmw(struct kvmod_vcpu *vcpu, unsigned long isel,
		    unsigned long wmask, unsigned long val, unsigned long *old)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned int n = nr_ids(vcpu), first, i;
	unsigned long *map, word = 0;

	lockdep_assert_held(&f->lock);
	switch (isel) {
	case IMSIC_EIDELIVERY:
		*old = f->eidelivery;
		f->eidelivery = (f->eidelivery & ~wmask) | (val & wmask & EIDELIVERY_ON);
		return 0;
	case IMSIC_EITHRESHOLD:
		*old = f->eithreshold;
		/* WARL: as many bits as identities need. */
		f->eithreshold = ((f->eithreshold & ~wmask) | (val & wmask)) &
				 (roundup_pow_of_two(n + 1) - 1);
		return 0;
	case IMSIC_EIP0 ... IMSIC_EIP63:
	case IMSIC_EIE0 ... IMSIC_EIE63:
		/* RV64 has only the even-numbered registers, 64 bits each. */
		if (isel & 1)
			return -EINVAL;
		map = isel >= IMSIC_EIE0 ? f->eie : f->eip;
		first = (isel - (isel >= IMSIC_EIE0 ? IMSIC_EIE0 : IMSIC_EIP0)) * 32;
		for (i = 0; i < BITS_PER_LONG && first + i <= n; i++)
			if (test_bit(first + i, map))
				word |= BIT(i);
		*old = word;
		for (i = 0; i < BITS_PER_LONG && first + i <= n; i++) {
			/* Identity 0 does not exist. */
			if (!(wmask & BIT(i)) || first + i == 0)
				continue;
			assign_bit(first + i, map, val & BIT(i));
		}
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * kvmod_riscv_imsic_reg() - userspace access to a file register
 * @vcpu: the vCPU
 * @isel: its siselect number (0x70-0xff)
 * @val: the value read, or to write
 * @set: write when true
 *
 * Return: 0, or -EINVAL for a number with no register.
 */
int kvmod_riscv_imsic_reg(struct kvmod_vcpu *vcpu, unsigned long isel,
			  unsigned long *val, bool set)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned long flags, old;
	long r;

	spin_lock_irqsave(&f->lock, flags);
	r = reg_rmw(vcpu, isel, set ? ~0UL : 0, *val, &old);
	if (!r && !set)
		*val = old;
	if (!r && set)
		update(vcpu);
	spin_unlock_irqrestore(&f->lock, flags);
	return r;
}

/**
 * kvmod_riscv_imsic_csr_insn() - a trapped sireg or stopei access
 * @vcpu: the loaded vCPU
 * @insn: the instruction
 *
 * Return: -ENOENT when @insn is neither (or the VM has no AIA); else
 * %KVMOD_EXIT_GUEST, emulated or an illegal instruction delivered.
 */
int kvmod_riscv_imsic_csr_insn(struct kvmod_vcpu *vcpu, unsigned long insn)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned int csr, rd, funct3 = (insn >> 12) & 7, src = (insn >> 15) & 31;
	unsigned long val, wmask, old = 0, flags, isel;
	bool writes;
	long r = 0;

	if (!kvmod_riscv_decode_csr(insn, &csr, &rd, &writes) ||
	    (csr != CSR_SIREG && csr != CSR_STOPEI) || !vcpu->vm->arch.aia)
		return -ENOENT;
	/* Immediate forms (funct3 5-7) take rs1's number as the value; x0 is 0. */
	if (funct3 & 4 || !src)
		val = src;
	else
		val = *kvmod_riscv_gpr(vcpu, src);
	switch (funct3 & 3) {
	case 1:		/* csrrw */
		wmask = ~0UL;
		break;
	case 2:		/* csrrs */
		wmask = val;
		val = ~0UL;
		break;
	default:	/* csrrc */
		wmask = val;
		val = 0;
		break;
	}

	spin_lock_irqsave(&f->lock, flags);
	if (csr == CSR_STOPEI) {
		unsigned int id = top_id(vcpu);

		old = id ? (id << TOPEI_ID_SHIFT) | id : 0;
		/* Any write claims what the read reported. */
		if (writes && id)
			clear_bit(id, f->eip);
	} else {
		isel = csr_read(CSR_VSISELECT);
		if (isel >= ISELECT_IPRIO0 && isel <= ISELECT_IPRIO15)
			old = 0;	/* VS major priorities: read-only zero here */
		else
			r = reg_rmw(vcpu, isel, writes ? wmask : 0, val, &old);
	}
	if (!r)
		update(vcpu);
	spin_unlock_irqrestore(&f->lock, flags);

	if (r) {
		kvmod_riscv_redirect_trap(vcpu, EXC_INST_ILLEGAL, insn);
		return KVMOD_EXIT_GUEST;
	}
	if (rd)
		*kvmod_riscv_gpr(vcpu, rd) = old;
	vcpu->arch.sw.guest.regs.pc += 4;
	return KVMOD_EXIT_GUEST;
}

static void page_read(struct kvmod_vcpu *vcpu, void *opaque, u64 offset,
		      unsigned int len, void *data)
{
	/* seteipnum reads as zero. */
	memset(data, 0, len);
}

static void page_write(struct kvmod_vcpu *vcpu, void *opaque, u64 offset,
		       unsigned int len, const void *data)
{
	struct kvmod_vcpu *target = opaque;

	if (len != 4)
		return;
	if (offset == IMSIC_MMIO_SETIPNUM_LE)
		kvmod_riscv_imsic_inject(target, get_unaligned_le32(data));
	else if (offset == IMSIC_MMIO_SETIPNUM_BE)
		kvmod_riscv_imsic_inject(target, get_unaligned_be32(data));
}

static const struct kvmod_io_ops imsic_page_ops = {
	.read = page_read,
	.write = page_write,
};

/**
 * kvmod_riscv_imsic_map() - put a vCPU's file page on the MMIO bus
 * @vcpu: the vCPU, its address set
 *
 * Return: 0, -EEXIST when the page overlaps another device, -ENOMEM.
 */
int kvmod_riscv_imsic_map(struct kvmod_vcpu *vcpu)
{
	return kvmod_io_bus_register(vcpu->vm, vcpu->arch.imsic.addr,
				     IMSIC_MMIO_PAGE_SZ, &imsic_page_ops, vcpu);
}
