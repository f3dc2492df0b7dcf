// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads and stores outside guest memory become KVM_EXIT_MMIO.
 *
 * The access is decoded from htinst when the CPU provides a transformed
 * instruction, else from the instruction itself, read with HLVX through
 * the guest's own translation (so no guest mapping is trusted blindly).
 */

#include <linux/irqflags.h>
#include <kunit/visibility.h>
#include <linux/kvmod_host.h>
#include <asm/csr.h>

#include "riscv.h"

#define OPC_LOAD	0x03
#define OPC_STORE	0x23

/**
 * kvmod_riscv_read_guest_insn() - the instruction at the guest's pc
 * @vcpu: the loaded vCPU
 * @insn: the instruction, 16 or 32 bits
 *
 * Return: 0, or -EAGAIN when the guest's mapping of its pc changed under
 * us (the caller re-enters the guest and lets it fault normally).
 */
int kvmod_riscv_read_guest_insn(struct kvmod_vcpu *vcpu, unsigned long *insn)
{
	struct kvmod_riscv_switch *sw = &vcpu->arch.sw;
	struct kvmod_riscv_trap trap;
	unsigned long flags, hstatus;

	/* HLVX uses hstatus.SPVP for the privilege; the exit path must not see stvec changed. */
	local_irq_save(flags);
	hstatus = csr_swap(CSR_HSTATUS, sw->guest.hstatus);
	*insn = kvmod_riscv_unpriv_read_insn(sw->guest.regs.pc, &trap);
	csr_write(CSR_HSTATUS, hstatus);
	local_irq_restore(flags);
	return trap.scause ? -EAGAIN : 0;
}

static bool decode32(u32 insn, struct kvmod_riscv_mmio_insn *d)
{
	unsigned int funct3 = (insn >> 12) & 7;

	switch (insn & 0x7f) {
	case OPC_LOAD:
		if (funct3 == 7)
			return false;
		d->load = true;
		d->len = 1 << (funct3 & 3);
		d->sign = !(funct3 & 4) && d->len < 8;
		d->reg = (insn >> 7) & 0x1f;
		return true;
	case OPC_STORE:
		if (funct3 > 3)
			return false;
		d->load = false;
		d->len = 1 << funct3;
		d->reg = (insn >> 20) & 0x1f;
		return true;
	default:
		return false;
	}
}

static bool decode16(u16 insn, struct kvmod_riscv_mmio_insn *d)
{
	unsigned int funct3 = (insn >> 13) & 7;
	unsigned int creg = 8 + ((insn >> 2) & 7);

	switch (((insn & 3) << 3) | funct3) {
	case (0 << 3) | 2:	/* c.lw */
	case (0 << 3) | 3:	/* c.ld */
		d->load = true;
		d->reg = creg;
		break;
	case (0 << 3) | 6:	/* c.sw */
	case (0 << 3) | 7:	/* c.sd */
		d->load = false;
		d->reg = creg;
		break;
	case (2 << 3) | 2:	/* c.lwsp */
	case (2 << 3) | 3:	/* c.ldsp */
		d->load = true;
		d->reg = (insn >> 7) & 0x1f;
		break;
	case (2 << 3) | 6:	/* c.swsp */
	case (2 << 3) | 7:	/* c.sdsp */
		d->load = false;
		d->reg = (insn >> 2) & 0x1f;
		break;
	default:
		return false;
	}
	d->len = (funct3 & 1) ? 8 : 4;
	d->sign = d->load && d->len == 4;
	return true;
}

/**
 * kvmod_riscv_mmio_decode() - what an integer load or store instruction does
 * @insn: the instruction: 32-bit when its low two bits are 11, else 16-bit
 * @d: the access, when it is one
 *
 * Return: true for LB/LH/LW/LD/LBU/LHU/LWU, SB/SH/SW/SD and their RVC
 * forms (C.LW, C.LD, C.SW, C.SD and the SP-relative ones); false for
 * anything else, floating-point and atomic accesses included.
 */
bool kvmod_riscv_mmio_decode(unsigned long insn, struct kvmod_riscv_mmio_insn *d)
{
	memset(d, 0, sizeof(*d));
	if ((insn & 3) == 3)
		return decode32(insn, d);
	return decode16(insn, d);
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_riscv_mmio_decode);

/* The decoded access is done: a load's value into rd, then past it. */
void kvmod_arch_mmio_complete(struct kvmod_vcpu *vcpu, const void *data)
{
	struct kvmod_riscv_mmio *m = &vcpu->arch.mmio;
	const u8 *bytes = data;
	u64 val = 0;
	int i;

	if (m->is_load && m->rd) {
		for (i = m->len - 1; i >= 0; i--)
			val = (val << 8) | bytes[i];
		if (m->sign && m->len < 8)
			val = sign_extend64(val, m->len * 8 - 1);
		*kvmod_riscv_gpr(vcpu, m->rd) = val;
	}
	vcpu->arch.sw.guest.regs.pc += m->insn_len;
}

/**
 * kvmod_riscv_mmio_exit() - turn a guest access outside memory into an exit
 * @vcpu: the loaded vCPU
 * @gpa: guest physical address accessed
 * @write: the access was a store
 *
 * Return: %KVMOD_EXIT_USER with kvm_run.mmio filled in, or
 * %KVMOD_EXIT_GUEST when the guest gets an access fault instead (an
 * instruction that is not a plain integer load or store) or retries.
 */
int kvmod_riscv_mmio_exit(struct kvmod_vcpu *vcpu, u64 gpa, bool write)
{
	struct kvmod_riscv_switch *sw = &vcpu->arch.sw;
	struct kvmod_riscv_mmio_insn d;
	u8 data[8] = {};
	unsigned long insn;
	unsigned int insn_len, i;
	bool ok;

	if (sw->htinst & 1) {
		/* Transformed: a 32-bit form; bit 1 clear means it was 16-bit. */
		insn = sw->htinst | 2;
		insn_len = (sw->htinst & 2) ? 4 : 2;
		ok = kvmod_riscv_mmio_decode(insn, &d);
	} else if (!sw->htinst) {
		if (kvmod_riscv_read_guest_insn(vcpu, &insn))
			return KVMOD_EXIT_GUEST;
		insn_len = (insn & 3) == 3 ? 4 : 2;
		ok = kvmod_riscv_mmio_decode(insn, &d);
	} else {
		/* A pseudo-instruction: the guest's page tables are not in memory. */
		ok = false;
		insn_len = 0;
	}

	if (!ok || d.load == write) {
		kvmod_riscv_redirect_trap(vcpu, write ? EXC_STORE_ACCESS :
					  EXC_LOAD_ACCESS, sw->stval);
		return KVMOD_EXIT_GUEST;
	}

	if (write) {
		unsigned long val = d.reg ? *kvmod_riscv_gpr(vcpu, d.reg) : 0;

		for (i = 0; i < d.len; i++)
			data[i] = val >> (8 * i);
	}
	vcpu->arch.mmio = (struct kvmod_riscv_mmio) {
		.is_load = d.load,
		.rd = d.reg,
		.len = d.len,
		.sign = d.sign,
		.insn_len = insn_len,
	};
	return kvmod_mmio_access(vcpu, gpa, d.len, write, data) ?
	       KVMOD_EXIT_USER : KVMOD_EXIT_GUEST;
}
