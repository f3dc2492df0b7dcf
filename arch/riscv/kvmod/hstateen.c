// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lazy enabling of hstateen0 (Smstateen): a vCPU starts with every gate
 * of VS-mode state closed and opens one on the guest's first access to
 * it, so a guest that never uses a feature never gets its state.
 *
 * Gated here: bit 58 IMSIC (stopei, the guest interrupt file), 59 AIA
 * (stopi; siph/sieh exist on RV32 only), 60 AIA_ISEL (siselect/sireg),
 * 62 HSENVCFG (senvcfg) and 63 SSTATEEN0 (sstateen0). A VS-mode access
 * behind a closed gate raises a virtual-instruction exception. When the
 * guest's ISA has the feature, the bit is set in the vCPU's hstateen0 (and
 * in the CSR, since the vCPU is loaded) and the instruction runs again (or,
 * for a software interrupt file, is emulated in the same trap): one trap
 * per bit per vCPU lifetime, no cost on later exits, loads or puts. When
 * it does not (say Ssaia switched off through ONE_REG), the guest gets an
 * illegal instruction and the gate stays closed. Without an in-kernel AIA
 * the file's accesses go to the VMM, and its gates stay closed too.
 *
 * Bits 0-31 (which make sstateen0's fields reachable from VS-mode) follow
 * the guest's ISA configuration at its first run and are never changed
 * here. Module parameter hstateen_lazy=0 opens every allowed gate at the
 * first run instead, for comparison (Documentation/virt/kvmod/
 * riscv-hstateen.rst).
 */

#include <kunit/visibility.h>
#include <linux/kvmod_host.h>
#include <linux/moduleparam.h>
#include <asm/csr.h>

#include "riscv.h"

static bool kvmod_riscv_hstateen_lazy = true;
module_param_named(hstateen_lazy, kvmod_riscv_hstateen_lazy, bool, 0644);
MODULE_PARM_DESC(hstateen_lazy,
		 "Enable RISC-V hstateen0 bits on a guest's first access (default), else at its first run");

#define NO_EXT	RISCV_ISA_EXT_MAX

/* Which CSR each gate covers, and what the guest must have for it. */
static const struct {
	u16 csr;
	u8 bit;
	u16 ext;	/* RISCV_ISA_EXT_*, or NO_EXT: every guest has it */
} gates[] = {
	{ CSR_STOPEI, SMSTATEEN0_AIA_IMSIC_SHIFT, RISCV_ISA_EXT_SSAIA },
	{ CSR_STOPI, SMSTATEEN0_AIA_SHIFT, RISCV_ISA_EXT_SSAIA },
	{ CSR_SISELECT, SMSTATEEN0_AIA_ISEL_SHIFT, RISCV_ISA_EXT_SSAIA },
	{ CSR_SIREG, SMSTATEEN0_AIA_ISEL_SHIFT, RISCV_ISA_EXT_SSAIA },
	/* senvcfg is part of the privileged architecture itself. */
	{ CSR_SENVCFG, SMSTATEEN0_HSENVCFG_SHIFT, NO_EXT },
	{ CSR_SSTATEEN0, SMSTATEEN0_SSTATEEN0_SHIFT, RISCV_ISA_EXT_SMSTATEEN },
};

static bool guest_may(const unsigned long *isa, unsigned int ext)
{
	return ext == NO_EXT || test_bit(ext, isa);
}

/**
 * kvmod_riscv_hstateen_decide() - what a virtual-instruction trap asks of
 *	hstateen0
 * @insn: the trapping instruction
 * @hstateen0: the vCPU's hstateen0
 * @isa: the guest's ISA extensions (RISCV_ISA_EXT_* bitmap)
 * @bit: the hstateen0 bit to enable, for %KVMOD_HSTATEEN_ENABLE
 *
 * Pure logic, so KUnit can check every case. A gate already open cannot
 * be why the instruction trapped: such accesses are not gated here.
 *
 * Return: the action.
 */
enum kvmod_riscv_hstateen_action
kvmod_riscv_hstateen_decide(unsigned long insn, u64 hstateen0,
			    const unsigned long *isa, unsigned int *bit)
{
	unsigned int csr, rd, i;
	bool writes;

	if (!kvmod_riscv_decode_csr(insn, &csr, &rd, &writes))
		return KVMOD_HSTATEEN_NOT_GATED;
	for (i = 0; i < ARRAY_SIZE(gates); i++) {
		if (gates[i].csr != csr)
			continue;
		if (hstateen0 & BIT_ULL(gates[i].bit))
			return KVMOD_HSTATEEN_NOT_GATED;
		if (!guest_may(isa, gates[i].ext))
			return KVMOD_HSTATEEN_ILLEGAL;
		*bit = gates[i].bit;
		return KVMOD_HSTATEEN_ENABLE;
	}
	return KVMOD_HSTATEEN_NOT_GATED;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_riscv_hstateen_decide);

/**
 * kvmod_riscv_hstateen_init() - a new vCPU takes the mode of the moment
 * @vcpu: the vCPU being created
 */
void kvmod_riscv_hstateen_init(struct kvmod_vcpu *vcpu)
{
	vcpu->arch.hstateen_eager = !READ_ONCE(kvmod_riscv_hstateen_lazy);
}

/**
 * kvmod_riscv_hstateen_initial() - hstateen0 for a vCPU's first run
 * @vcpu: the vCPU, its ISA now fixed
 *
 * Return: no gate open when lazy (the default when it was created); else
 * every gate the guest's ISA allows.
 */
u64 kvmod_riscv_hstateen_initial(struct kvmod_vcpu *vcpu)
{
	u64 val = 0;
	unsigned int i;

	if (!vcpu->arch.hstateen_eager)
		return 0;
	for (i = 0; i < ARRAY_SIZE(gates); i++)
		if (guest_may(vcpu->arch.isa, gates[i].ext))
			val |= BIT_ULL(gates[i].bit);
	return val;
}

/* Counter of each bit's lazy enabling, in struct kvmod_arch_vcpu_stat. */
static u64 *enable_stat(struct kvmod_vcpu *vcpu, unsigned int bit)
{
	struct kvmod_arch_vcpu_stat *st = &vcpu->stat.arch;

	switch (bit) {
	case SMSTATEEN0_AIA_IMSIC_SHIFT:
		return &st->hstateen_imsic_enabled;
	case SMSTATEEN0_AIA_SHIFT:
		return &st->hstateen_aia_enabled;
	case SMSTATEEN0_AIA_ISEL_SHIFT:
		return &st->hstateen_aia_isel_enabled;
	case SMSTATEEN0_HSENVCFG_SHIFT:
		return &st->hstateen_envcfg_enabled;
	default:
		return &st->hstateen_sstateen0_enabled;
	}
}

/* The gates of the interrupt file: stopei (IMSIC) and siselect/sireg (ISEL). */
static bool file_gate(unsigned int bit)
{
	return bit == SMSTATEEN0_AIA_IMSIC_SHIFT || bit == SMSTATEEN0_AIA_ISEL_SHIFT;
}

/* Open @bit for good: kept for every later load, live now. */
static void open_gate(struct kvmod_vcpu *vcpu, unsigned int bit)
{
	vcpu->arch.hstateen0 |= BIT_ULL(bit);
	csr_write(CSR_HSTATEEN0, vcpu->arch.hstateen0);
	(*enable_stat(vcpu, bit))++;
}

/**
 * kvmod_riscv_hstateen_trap() - a virtual-instruction trap behind a gate
 * @vcpu: the loaded vCPU
 * @insn: the trapping instruction
 *
 * One trap per gate per vCPU lifetime. The interrupt file's gates differ:
 * without an in-kernel AIA the access goes to the VMM (KVM_EXIT_RISCV_CSR)
 * and the gate stays closed, as upstream does; with a software file
 * (hstatus.VGEIN 0) the access would trap again once the gate is open, so
 * it is emulated in this same trap.
 *
 * Return: -ENOENT when no hstateen0 gate explains the trap; else
 * %KVMOD_EXIT_GUEST (the gate opened and the instruction runs again or was
 * emulated, or an illegal-instruction exception delivered) or
 * %KVMOD_EXIT_USER.
 */
int kvmod_riscv_hstateen_trap(struct kvmod_vcpu *vcpu, unsigned long insn)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	unsigned int bit;
	int r;

	if (!kvmod_riscv_has_smstateen)
		return -ENOENT;
	switch (kvmod_riscv_hstateen_decide(insn, a->hstateen0, a->isa, &bit)) {
	case KVMOD_HSTATEEN_ENABLE:
		if (file_gate(bit) && !kvmod_riscv_aia_ready(vcpu->vm))
			return kvmod_riscv_csr_exit(vcpu, insn);
		open_gate(vcpu, bit);
		if (file_gate(bit) && !(a->sw.guest.hstatus & HSTATUS_VGEIN)) {
			/* siselect is a plain CSR: that one just runs again. */
			r = kvmod_riscv_imsic_csr_insn(vcpu, insn);
			if (r != -ENOENT)
				return r;
		}
		return KVMOD_EXIT_GUEST;
	case KVMOD_HSTATEEN_ILLEGAL:
		kvmod_riscv_redirect_trap(vcpu, EXC_INST_ILLEGAL, insn);
		return KVMOD_EXIT_GUEST;
	default:
		return -ENOENT;
	}
}
