// SPDX-License-Identifier: GPL-2.0-only
/*
 * IMSIC interrupt files (AIA), one per vCPU. MSIs arrive as writes to the
 * file's MMIO page (from the guest, through the in-kernel MMIO bus) or
 * through KVM_SIGNAL_MSI and the APLIC; the guest reaches its file's
 * registers through siselect/sireg and claims interrupts through stopei.
 *
 * The state lives in a hardware guest file of the host CPU the vCPU runs
 * on when the VM's mode allows (AUTO, HWACCEL) and that CPU has one free
 * (hgei.c); hstatus.VGEIN then sends the guest's accesses and its VS
 * external interrupt straight to it. Otherwise, or while the vCPU waits to
 * be loaded on another CPU, it lives in the software file here: the guest's
 * accesses (hstatus.VGEIN = 0) raise virtual-instruction exceptions, which
 * land here once hstateen.c has opened their gates, and the file drives
 * hvip.VSEIP. A vCPU loaded on another CPU than its hardware file's takes
 * the state back into the software file (an IPI to the old CPU, which
 * alone can read the file) and moves it into a file of the new CPU. The
 * lock orders everything: an MSI goes where the state is at that moment.
 */

#define pr_fmt(fmt) "kvmod: " fmt

#include <linux/irqchip/riscv-imsic.h>
#include <linux/kvmod_host.h>
#include <linux/unaligned.h>
#include <asm/csr.h>

#include "riscv.h"

#define EIDELIVERY_ON	BIT(0)

static unsigned int nr_ids(struct kvmod_vcpu *vcpu)
{
	return vcpu->vm->arch.aia ? kvmod_riscv_aia_nr_ids(vcpu->vm) : 0;
}

/*
 * The 64-bit eip/eie registers (RV64: even numbers) of a hardware file: all
 * of them move, so that a file is empty when the next vCPU gets it.
 */
static unsigned int hw_words(void)
{
	return min(kvmod_riscv_hgei_nr_ids() / BITS_PER_LONG + 1,
		   (unsigned int)BITS_TO_LONGS(KVMOD_RISCV_IMSIC_MAX_IDS));
}

/*
 * Hardware file -> software file, then empty the hardware file. On the
 * file's CPU, f->lock held.
 */
static void hw_save(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned int n = f->hw_file, i;

	lockdep_assert_held(&f->lock);
	f->eidelivery = kvmod_riscv_hgei_rmw(n, IMSIC_EIDELIVERY, ~0UL, 0);
	f->eithreshold = kvmod_riscv_hgei_rmw(n, IMSIC_EITHRESHOLD, ~0UL, 0);
	for (i = 0; i < hw_words(); i++) {
		f->eie[i] = kvmod_riscv_hgei_rmw(n, IMSIC_EIE0 + 2 * i, ~0UL, 0);
		f->eip[i] = kvmod_riscv_hgei_rmw(n, IMSIC_EIP0 + 2 * i, ~0UL, 0);
	}
}

/* An empty software file, delivery off; f->lock held. */
static void sw_clear(struct kvmod_riscv_imsic *f)
{
	lockdep_assert_held(&f->lock);
	f->eidelivery = 0;
	f->eithreshold = 0;
	bitmap_zero(f->eip, KVMOD_RISCV_IMSIC_MAX_IDS);
	bitmap_zero(f->eie, KVMOD_RISCV_IMSIC_MAX_IDS);
}

/* Software file -> hardware file @n of this CPU, software file emptied; f->lock held. */
static void hw_restore(struct kvmod_vcpu *vcpu, unsigned int n)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned int i;

	for (i = 0; i < hw_words(); i++) {
		kvmod_riscv_hgei_rmw(n, IMSIC_EIP0 + 2 * i, ~0UL, f->eip[i]);
		kvmod_riscv_hgei_rmw(n, IMSIC_EIE0 + 2 * i, ~0UL, f->eie[i]);
	}
	kvmod_riscv_hgei_rmw(n, IMSIC_EITHRESHOLD, ~0UL, f->eithreshold);
	kvmod_riscv_hgei_rmw(n, IMSIC_EIDELIVERY, ~0UL, f->eidelivery);
	sw_clear(f);
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

/* VSEIP follows the software file (a hardware one drives it itself); f->lock held. */
static void update(struct kvmod_vcpu *vcpu)
{
	kvmod_riscv_set_irq(vcpu, IRQ_VS_EXT,
			    !vcpu->arch.imsic.hw_file && top_id(vcpu) != 0);
}

/* On the hardware file's CPU: take the state back into the software file. */
static void detach_here(void *info)
{
	struct kvmod_vcpu *vcpu = info;
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned long flags;

	spin_lock_irqsave(&f->lock, flags);
	if (f->hw_file && f->hw_cpu == smp_processor_id()) {
		hw_save(vcpu);
		kvmod_riscv_hgei_free(f->hw_file);
		f->hw_file = 0;
		f->hw_cpu = -1;
		update(vcpu);
	}
	spin_unlock_irqrestore(&f->lock, flags);
}

/* No more guest stores straight into the hardware file's page. */
static void unmap_page(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	struct kvmod_vm *vm = vcpu->vm;
	u64 gfn = f->addr >> PAGE_SHIFT;

	spin_lock(&vm->mmu_lock);
	WRITE_ONCE(f->map_ok, false);
	if (f->addr != KVMOD_RISCV_AIA_NO_ADDR && kvmod_arch_unmap_gfn_range(vm, gfn, gfn + 1))
		kvmod_mmu_flush(vm);
	spin_unlock(&vm->mmu_lock);
}

/*
 * The state into the software file, wherever it is: first no guest store
 * can reach the hardware file (they trap and are injected, in order, under
 * the lock), then its CPU empties it. Interrupts on; the vCPU is not
 * running.
 */
static void detach(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned long flags;
	int cpu = READ_ONCE(f->hw_cpu);

	if (!READ_ONCE(f->hw_file))
		return;
	unmap_page(vcpu);
	if (!smp_call_function_single(cpu, detach_here, vcpu, 1))
		return;
	/*
	 * The CPU is offline: hgei.c moved every live vCPU's state out
	 * before it went, so this one's VM was already dying then.
	 */
	pr_warn_once("IMSIC guest file state of a dying VM lost with CPU %d\n", cpu);
	spin_lock_irqsave(&f->lock, flags);
	f->hw_file = 0;
	f->hw_cpu = -1;
	spin_unlock_irqrestore(&f->lock, flags);
}

/* Whether the vCPU's state may live in a hardware file. */
static bool hw_allowed(struct kvmod_vcpu *vcpu)
{
	return kvmod_riscv_aia_hw_mode(vcpu->vm) &&
	       kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SSAIA);
}

/**
 * kvmod_riscv_imsic_load() - where the file lives while the vCPU runs here
 * @vcpu: the vCPU being loaded (preemption off, interrupts on)
 *
 * Moves the state into a hardware file of this CPU when it may (and one
 * is free) and points hstatus.VGEIN at it; else VGEIN is 0 and the
 * software file serves.
 */
void kvmod_riscv_imsic_load(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned long *hstatus = &vcpu->arch.sw.guest.hstatus;
	int cpu = smp_processor_id();
	unsigned long flags;
	unsigned int n;

	*hstatus &= ~HSTATUS_VGEIN;
	WRITE_ONCE(f->hw_wake, false);
	if (f->hw_file && f->hw_cpu != cpu)
		detach(vcpu);
	if (!f->hw_file && hw_allowed(vcpu)) {
		n = kvmod_riscv_hgei_alloc(vcpu);
		if (n) {
			spin_lock_irqsave(&f->lock, flags);
			hw_restore(vcpu, n);
			WRITE_ONCE(f->hw_cpu, cpu);
			WRITE_ONCE(f->hw_file, n);
			update(vcpu);
			spin_unlock_irqrestore(&f->lock, flags);
			/* Guest stores may go straight to it from now on. */
			spin_lock(&vcpu->vm->mmu_lock);
			WRITE_ONCE(f->map_ok, true);
			spin_unlock(&vcpu->vm->mmu_lock);
			vcpu->stat.arch.imsic_hw_attach++;
		}
	}
	if (f->hw_file) {
		/* Running: the guest sees it; no wake-ups for this file. */
		csr_clear(CSR_HGEIE, BIT(f->hw_file));
		*hstatus |= (unsigned long)f->hw_file << HSTATUS_VGEIN_SHIFT;
	}
}

/**
 * kvmod_riscv_imsic_page_owner() - the vCPU whose file has a page
 * @vm: the VM
 * @gpa: any address in the page
 *
 * Return: the vCPU whose IMSIC page contains @gpa, or NULL.
 */
struct kvmod_vcpu *kvmod_riscv_imsic_page_owner(struct kvmod_vm *vm, u64 gpa)
{
	u64 page = gpa & ~(u64)(IMSIC_MMIO_PAGE_SZ - 1);
	struct kvmod_vcpu *v;
	unsigned long i;

	xa_for_each(&vm->vcpus, i, v)
		if (v->arch.imsic.addr == page)
			return v;
	return NULL;
}

/**
 * kvmod_riscv_imsic_msi() - an MSI: a write to a file's seteipnum register
 * @vm: the VM, its AIA initialized
 * @msi: the address and data
 *
 * Any context.
 *
 * Return: 0, also when no file has the page (dropped, as on hardware);
 * -ENODEV for identity 0 or an offset other than seteipnum_le/be; -EINVAL
 * for an identity past the file's.
 */
int kvmod_riscv_imsic_msi(struct kvmod_vm *vm, const struct kvm_msi *msi)
{
	u64 addr = (u64)msi->address_hi << 32 | msi->address_lo;
	struct kvmod_vcpu *vcpu = kvmod_riscv_imsic_page_owner(vm, addr);
	u64 off = addr & (IMSIC_MMIO_PAGE_SZ - 1);
	u32 id = msi->data;

	if (!vcpu)
		return 0;
	if (!id || (off != IMSIC_MMIO_SETIPNUM_LE && off != IMSIC_MMIO_SETIPNUM_BE))
		return -ENODEV;
	if (off == IMSIC_MMIO_SETIPNUM_BE)
		id = swab32(id);
	if (id > nr_ids(vcpu))
		return -EINVAL;
	kvmod_riscv_imsic_inject(vcpu, id);
	return 0;
}

/**
 * kvmod_riscv_imsic_hw_page() - whether @gpa is a hardware file's page now
 * @vm: the VM
 * @gpa: a faulting guest address outside memory
 *
 * A hint, from any context: kvmod_riscv_imsic_map_page() decides.
 *
 * Return: true when a guest access there should map the page.
 */
bool kvmod_riscv_imsic_hw_page(struct kvmod_vm *vm, u64 gpa)
{
	struct kvmod_vcpu *v;

	if (!kvmod_riscv_aia_hw_mode(vm))
		return false;
	v = kvmod_riscv_imsic_page_owner(vm, gpa);
	return v && READ_ONCE(v->arch.imsic.map_ok);
}

/**
 * struct map_check - what a page mapping is made for
 * @f: the file
 * @n: its hardware file then
 * @cpu: and that file's CPU
 */
struct map_check {
	struct kvmod_riscv_imsic *f;
	unsigned int n;
	int cpu;
};

/* Under mmu_lock: the file is still there and may be mapped. */
static bool map_still_valid(void *arg)
{
	struct map_check *c = arg;

	return READ_ONCE(c->f->map_ok) && READ_ONCE(c->f->hw_file) == c->n &&
	       READ_ONCE(c->f->hw_cpu) == c->cpu;
}

/**
 * kvmod_riscv_imsic_map_page() - map a hardware file's page for the guest
 * @vcpu: the vCPU that faulted on it (preemptible)
 * @gpa: the faulting address
 *
 * MSIs the guest stores there then reach the file without exits (IPIs
 * between vCPUs, mostly). The mapping goes before the file does (detach()).
 *
 * Return: %KVMOD_EXIT_GUEST to retry the access (which takes the MMIO path
 * if the file moved meanwhile); -ENOMEM.
 */
int kvmod_riscv_imsic_map_page(struct kvmod_vcpu *vcpu, u64 gpa)
{
	struct kvmod_vcpu *owner;
	struct map_check c;

	if (!kvmod_riscv_aia_hw_mode(vcpu->vm))
		return KVMOD_EXIT_GUEST;
	owner = kvmod_riscv_imsic_page_owner(vcpu->vm, gpa);
	if (!owner)
		return KVMOD_EXIT_GUEST;
	c.f = &owner->arch.imsic;
	c.cpu = READ_ONCE(c.f->hw_cpu);
	c.n = READ_ONCE(c.f->hw_file);
	if (!c.n || c.cpu < 0)
		return KVMOD_EXIT_GUEST;
	return kvmod_riscv_gstage_map_device(vcpu, gpa & ~(u64)(IMSIC_MMIO_PAGE_SZ - 1),
					     map_still_valid, &c,
					     kvmod_riscv_hgei_pa(c.cpu, c.n));
}

/**
 * kvmod_riscv_imsic_put() - the vCPU leaves this CPU
 * @vcpu: the vCPU, on the CPU it was loaded on
 *
 * Its hardware file now wakes it (SGEI) when it gets an interrupt.
 */
void kvmod_riscv_imsic_put(struct kvmod_vcpu *vcpu)
{
	if (vcpu->arch.imsic.hw_file)
		csr_set(CSR_HGEIE, BIT(vcpu->arch.imsic.hw_file));
}

/**
 * kvmod_riscv_imsic_evict() - move the state out of a CPU going offline
 * @vcpu: the vCPU whose hardware file is on this CPU
 *
 * Called on that CPU, interrupts on, with the vCPU not loaded here.
 */
void kvmod_riscv_imsic_evict(struct kvmod_vcpu *vcpu)
{
	unmap_page(vcpu);
	detach_here(vcpu);
}

/**
 * kvmod_riscv_imsic_destroy() - give back the vCPU's hardware file
 * @vcpu: the vCPU, going away
 */
void kvmod_riscv_imsic_destroy(struct kvmod_vcpu *vcpu)
{
	detach(vcpu);
}

/**
 * kvmod_riscv_imsic_reset() - an empty file, delivery off
 * @vcpu: the vCPU, not running (interrupts on)
 */
void kvmod_riscv_imsic_reset(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned long flags;

	detach(vcpu);
	spin_lock_irqsave(&f->lock, flags);
	sw_clear(f);
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
	vcpu->arch.imsic.hw_cpu = -1;
	kvmod_riscv_imsic_reset(vcpu);
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
	if (f->hw_file) {
		kvmod_riscv_hgei_inject(f->hw_cpu, f->hw_file, id);
	} else {
		set_bit(id, f->eip);
		update(vcpu);
	}
	spin_unlock_irqrestore(&f->lock, flags);
}

/**
 * kvmod_riscv_imsic_isel_check() - whether a file implements a register
 * @vcpu: the vCPU whose file
 * @isel: its siselect number
 *
 * Delivery, threshold, and the RV64 eip/eie words (even numbers) that hold
 * identities up to the VM's highest. Words past it do not exist in a
 * hardware file of that size either: reaching one there is an illegal
 * instruction in the host.
 *
 * Return: 0; -EINVAL for an eip/eie number the file lacks; -ENOENT for a
 * number that is no file register at all (as upstream).
 */
int kvmod_riscv_imsic_isel_check(struct kvmod_vcpu *vcpu, unsigned long isel)
{
	unsigned long word;

	if (isel == IMSIC_EIDELIVERY || isel == IMSIC_EITHRESHOLD)
		return 0;
	if (isel < IMSIC_EIP0 || isel > IMSIC_EIE63)
		return -ENOENT;
	word = ((isel - IMSIC_EIP0) % (IMSIC_EIE0 - IMSIC_EIP0)) / 2;
	if (isel & 1 || word > nr_ids(vcpu) / BITS_PER_LONG)
		return -EINVAL;
	return 0;
}

/*
 * One register of the file by its siselect number, which the caller has
 * checked (kvmod_riscv_imsic_isel_check()); @wmask: bits to replace with
 * @val. Return: the old value, or -EINVAL (no such register).
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
 * struct hw_reg - a register access to run on a hardware file's CPU
 * @vcpu: whose file
 * @isel: the register
 * @wmask: bits to write
 * @val: their values
 * @old: the value read
 * @moved: the file was no longer there (try again)
 */
struct hw_reg {
	struct kvmod_vcpu *vcpu;
	unsigned long isel, wmask, val, old;
	bool moved;
};

static void hw_reg_here(void *info)
{
	struct hw_reg *a = info;
	struct kvmod_riscv_imsic *f = &a->vcpu->arch.imsic;
	unsigned long flags;

	spin_lock_irqsave(&f->lock, flags);
	if (f->hw_file && f->hw_cpu == smp_processor_id())
		a->old = kvmod_riscv_hgei_rmw(f->hw_file, a->isel, a->wmask, a->val);
	else
		a->moved = true;
	spin_unlock_irqrestore(&f->lock, flags);
}

/**
 * kvmod_riscv_imsic_reg() - userspace access to a file register
 * @vcpu: the vCPU (it may be running)
 * @isel: its siselect number (0x70-0xff)
 * @val: the value read, or to write
 * @set: write when true
 *
 * A hardware file is read or written where it is, by an IPI to its CPU.
 *
 * Return: 0; what kvmod_riscv_imsic_isel_check() says of @isel.
 */
int kvmod_riscv_imsic_reg(struct kvmod_vcpu *vcpu, unsigned long isel,
			  unsigned long *val, bool set)
{
	struct kvmod_riscv_imsic *f = &vcpu->arch.imsic;
	unsigned long flags, old;
	struct hw_reg a;
	long r;
	int cpu;

	r = kvmod_riscv_imsic_isel_check(vcpu, isel);
	if (r)
		return r;
	for (;;) {
		spin_lock_irqsave(&f->lock, flags);
		if (!f->hw_file)
			break;
		cpu = f->hw_cpu;
		spin_unlock_irqrestore(&f->lock, flags);
		a = (struct hw_reg){ .vcpu = vcpu, .isel = isel, .wmask = set ? ~0UL : 0,
				     .val = *val };
		if (smp_call_function_single(cpu, hw_reg_here, &a, 1)) {
			detach(vcpu);
			continue;
		}
		if (!a.moved) {
			if (!set)
				*val = a.old;
			return 0;
		}
	}
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
	unsigned long val, wmask, old = 0, flags, isel;
	unsigned int csr, rd;
	bool writes;
	long r = 0;

	if (!kvmod_riscv_decode_csr(insn, &csr, &rd, &writes) ||
	    (csr != CSR_SIREG && csr != CSR_STOPEI))
		return -ENOENT;
	/* No interrupt file in the kernel: the VMM decides (as upstream). */
	if (!kvmod_riscv_aia_ready(vcpu->vm))
		return kvmod_riscv_csr_exit(vcpu, insn);
	kvmod_riscv_csr_operands(vcpu, insn, &val, &wmask);

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
			r = kvmod_riscv_imsic_isel_check(vcpu, isel) ?:
			    reg_rmw(vcpu, isel, writes ? wmask : 0, val, &old);
	}
	if (!r)
		update(vcpu);
	spin_unlock_irqrestore(&f->lock, flags);

	if (r) {
		kvmod_riscv_redirect_trap(vcpu, EXC_INST_ILLEGAL, insn);
		return KVMOD_EXIT_GUEST;
	}
	vcpu->stat.arch.imsic_sw_access++;
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

static bool page_write(struct kvmod_vcpu *vcpu, void *opaque, u64 offset,
		       unsigned int len, const void *data)
{
	struct kvmod_vcpu *target = opaque;

	/* The whole page is the file's: other writes are dropped. */
	if (len != 4)
		return true;
	if (offset == IMSIC_MMIO_SETIPNUM_LE)
		kvmod_riscv_imsic_inject(target, get_unaligned_le32(data));
	else if (offset == IMSIC_MMIO_SETIPNUM_BE)
		kvmod_riscv_imsic_inject(target, get_unaligned_be32(data));
	return true;
}

static const struct kvmod_io_ops imsic_page_ops = {
	.read = page_read,
	.write = page_write,
};

/**
 * kvmod_riscv_imsic_range() - the MMIO range of a vCPU's file page
 * @vcpu: the vCPU, its address set
 *
 * Return: the range for kvmod_io_bus_register_ranges().
 */
struct kvmod_io_range kvmod_riscv_imsic_range(struct kvmod_vcpu *vcpu)
{
	return (struct kvmod_io_range) {
		.addr = vcpu->arch.imsic.addr, .len = IMSIC_MMIO_PAGE_SZ,
		.ops = &imsic_page_ops, .opaque = vcpu,
	};
}
