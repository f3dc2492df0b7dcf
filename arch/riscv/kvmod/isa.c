// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ISA extensions a guest sees.
 *
 * A guest gets what the host CPU has, limited to what kvmod virtualises:
 * extensions that add only unprivileged instructions, plus those whose
 * state or controls the vCPU core switches (F/D, V, Sstc, Svpbmt, Zicbom,
 * Zicboz, Sscofpmf with the SBI PMU, Smstateen). Only extensions the
 * hardware lets us hide (through sstatus.FS, henvcfg, hstateen0 or the
 * interrupts we inject) can be disabled; the rest the guest could use
 * regardless.
 */

#include <linux/kvmod_host.h>
#include <asm/cpufeature.h>
#include <asm/hwcap.h>

#include "riscv.h"

struct isa_ext {
	u8 kvm;		/* KVM_RISCV_ISA_EXT_* */
	u8 host;	/* RISCV_ISA_EXT_* */
	bool can_disable;
};

#define EXT(name, host_id, dis) { KVM_RISCV_ISA_EXT_##name, RISCV_ISA_EXT_##host_id, dis }

static const struct isa_ext isa_exts[] = {
	EXT(A, a, false), EXT(C, c, false), EXT(D, d, true), EXT(F, f, true),
	EXT(I, i, false), EXT(M, m, false),
	EXT(SVPBMT, SVPBMT, true), EXT(SSTC, SSTC, true),
	EXT(SVINVAL, SVINVAL, false), EXT(ZIHINTPAUSE, ZIHINTPAUSE, false),
	EXT(ZICBOM, ZICBOM, true), EXT(ZICBOZ, ZICBOZ, true),
	EXT(ZBB, ZBB, false), EXT(SVNAPOT, SVNAPOT, false),
	EXT(ZBA, ZBA, false), EXT(ZBS, ZBS, false),
	EXT(ZICNTR, ZICNTR, false), EXT(ZICSR, ZICSR, false),
	EXT(ZIFENCEI, ZIFENCEI, false), EXT(ZICOND, ZICOND, false),
	EXT(ZBC, ZBC, false), EXT(ZBKB, ZBKB, false), EXT(ZBKC, ZBKC, false),
	EXT(ZBKX, ZBKX, false), EXT(ZKND, ZKND, false), EXT(ZKNE, ZKNE, false),
	EXT(ZKNH, ZKNH, false), EXT(ZKSED, ZKSED, false), EXT(ZKSH, ZKSH, false),
	EXT(ZKT, ZKT, false), EXT(ZFH, ZFH, false), EXT(ZFHMIN, ZFHMIN, false),
	EXT(ZIHINTNTL, ZIHINTNTL, false), EXT(ZFA, ZFA, false),
	EXT(ZTSO, ZTSO, false), EXT(ZACAS, ZACAS, false),
	EXT(ZIMOP, ZIMOP, false), EXT(ZCA, ZCA, false), EXT(ZCB, ZCB, false),
	EXT(ZCD, ZCD, false), EXT(ZCF, ZCF, false), EXT(ZCMOP, ZCMOP, false),
	/* Hidden by not injecting its interrupt; needs guest counters. */
	EXT(SSCOFPMF, SSCOFPMF, true),
	/* Hidden by never opening hstateen0.SSTATEEN0 (hstateen.c). */
	EXT(SMSTATEEN, SMSTATEEN, true),
	/* Hidden by never opening hstateen0's AIA gates: needs Smstateen. */
	EXT(SSAIA, SSAIA, true),
	/* Hidden by sstatus.VS Off (vector.c switches its registers). */
	EXT(V, v, true),
};

/* Single-letter extensions live in bits 0..25 of the isa bitmap. */
#define ISA_LETTERS	GENMASK(25, 0)

/* Whether a guest can have the extension on this host. */
static bool usable(const struct isa_ext *e)
{
	/* Overflows come from guest counters and reach the guest by hvien. */
	if (e->host == RISCV_ISA_EXT_SSCOFPMF &&
	    (!kvmod_riscv_pmu_available() || !kvmod_riscv_has_ssaia))
		return false;
	if (e->host == RISCV_ISA_EXT_v && !kvmod_riscv_vector_usable())
		return false;
	return __riscv_isa_extension_available(NULL, e->host);
}

static const struct isa_ext *find_kvm(unsigned long kvm_id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(isa_exts); i++)
		if (isa_exts[i].kvm == kvm_id && usable(&isa_exts[i]))
			return &isa_exts[i];
	return NULL;
}

static const struct isa_ext *find_host(unsigned int host_id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(isa_exts); i++)
		if (isa_exts[i].host == host_id)
			return &isa_exts[i];
	return NULL;
}

/**
 * kvmod_riscv_isa_init() - enable every extension the guest may have
 * @vcpu: a new vCPU
 */
void kvmod_riscv_isa_init(struct kvmod_vcpu *vcpu)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(isa_exts); i++)
		if (usable(&isa_exts[i]))
			set_bit(isa_exts[i].host, vcpu->arch.isa);
}

/**
 * kvmod_riscv_isa_ext_get() - ONE_REG read of one ISA extension
 * @vcpu: the vCPU
 * @id: KVM_RISCV_ISA_EXT_* number
 * @val: 1 when the guest has it
 *
 * Return: 0, or -ENOENT when the guest can never have it.
 */
int kvmod_riscv_isa_ext_get(struct kvmod_vcpu *vcpu, unsigned long id,
			    unsigned long *val)
{
	const struct isa_ext *e = find_kvm(id);

	if (!e)
		return -ENOENT;
	*val = test_bit(e->host, vcpu->arch.isa);
	return 0;
}

/**
 * kvmod_riscv_isa_ext_set() - ONE_REG write of one ISA extension
 * @vcpu: the vCPU
 * @id: KVM_RISCV_ISA_EXT_* number
 * @val: 1 to enable, 0 to disable
 *
 * Return: 0; -ENOENT when the guest can never have it; -EINVAL for a
 * value other than 0/1 or disabling what cannot be hidden; -EBUSY for a
 * change after the vCPU ran.
 */
int kvmod_riscv_isa_ext_set(struct kvmod_vcpu *vcpu, unsigned long id,
			    unsigned long val)
{
	const struct isa_ext *e = find_kvm(id);

	if (!e)
		return -ENOENT;
	if (val > 1)
		return -EINVAL;
	if (val == test_bit(e->host, vcpu->arch.isa))
		return 0;
	if (vcpu->ran_once)
		return -EBUSY;
	if (!val && (!e->can_disable ||
		     (e->host == RISCV_ISA_EXT_SSAIA && !kvmod_riscv_has_smstateen)))
		return -EINVAL;
	assign_bit(e->host, vcpu->arch.isa, val);
	return 0;
}

/**
 * kvmod_riscv_isa_config_set() - ONE_REG write of CONFIG isa (letters)
 * @vcpu: the vCPU
 * @val: bitmap of single-letter extensions ('a' is bit 0)
 *
 * Return: 0; -EINVAL for letters the host lacks or that cannot be
 * hidden; -EBUSY for a change after the vCPU ran.
 */
int kvmod_riscv_isa_config_set(struct kvmod_vcpu *vcpu, unsigned long val)
{
	unsigned long cur = vcpu->arch.isa[0] & ISA_LETTERS;
	unsigned long avail = 0, change, bit;
	const struct isa_ext *e;

	for (bit = 0; bit < 26; bit++) {
		e = find_host(bit);
		if (e && __riscv_isa_extension_available(NULL, bit))
			avail |= BIT(bit);
	}
	if (val & ~avail)
		return -EINVAL;
	change = val ^ cur;
	if (!change)
		return 0;
	if (vcpu->ran_once)
		return -EBUSY;
	for_each_set_bit(bit, &change, BITS_PER_LONG)
		if (!(val & BIT(bit)) && !find_host(bit)->can_disable)
			return -EINVAL;
	vcpu->arch.isa[0] = (vcpu->arch.isa[0] & ~ISA_LETTERS) | val;
	return 0;
}
