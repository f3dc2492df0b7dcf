// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET_ONE_REG, KVM_SET_ONE_REG and KVM_GET_REG_LIST for RISC-V, with
 * upstream's register encodings (arch/riscv/include/uapi/asm/kvm.h):
 * CONFIG, CORE, CSR (general, AIA and Smstateen), TIMER, FP_F, FP_D, VECTOR
 * (vector.c), ISA_EXT and SBI_EXT. Unknown
 * registers read -ENOENT, a wrong size -EINVAL, and configuration that
 * is frozen once the vCPU ran -EBUSY.
 */

#include <linux/kvmod_host.h>
#include <linux/uaccess.h>
#include <asm/cacheflush.h>
#include <asm/cpufeature.h>
#include <asm/csr.h>
#include <asm/delay.h>
#include <asm/hwcap.h>
#include <asm/pgtable.h>

#include "riscv.h"

#define REG_ULONG	(KVM_REG_RISCV | KVM_REG_SIZE_U64)
#define REG_U32		(KVM_REG_RISCV | KVM_REG_SIZE_U32)
#define REG_U64		(KVM_REG_RISCV | KVM_REG_SIZE_U64)

#define NR_CONFIG	(sizeof(struct kvm_riscv_config) / sizeof(unsigned long))
#define NR_CORE		(sizeof(struct kvm_riscv_core) / sizeof(unsigned long))
#define NR_CSR		(sizeof(struct kvm_riscv_csr) / sizeof(unsigned long))
#define NR_TIMER	(sizeof(struct kvm_riscv_timer) / sizeof(u64))
#define NR_FP		33	/* f0..f31, fcsr */
#define SIP_MASK	(BIT(IRQ_S_SOFT) | BIT(IRQ_S_TIMER) | BIT(IRQ_S_EXT))

static bool config_reg_exists(struct kvmod_vcpu *vcpu, unsigned long idx)
{
	/* Block sizes exist while the guest has the extension. */
	switch (idx) {
	case KVM_REG_RISCV_CONFIG_REG(zicbom_block_size):
		return kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_ZICBOM);
	case KVM_REG_RISCV_CONFIG_REG(zicboz_block_size):
		return kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_ZICBOZ);
	default:
		return idx < NR_CONFIG;
	}
}

static int config_get(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val)
{
	if (!config_reg_exists(vcpu, idx))
		return -ENOENT;
	switch (idx) {
	case KVM_REG_RISCV_CONFIG_REG(isa):
		*val = vcpu->arch.isa[0] & GENMASK(25, 0);
		break;
	case KVM_REG_RISCV_CONFIG_REG(zicbom_block_size):
		*val = riscv_cbom_block_size;
		break;
	case KVM_REG_RISCV_CONFIG_REG(zicboz_block_size):
		*val = riscv_cboz_block_size;
		break;
	case KVM_REG_RISCV_CONFIG_REG(mvendorid):
		*val = vcpu->arch.mvendorid;
		break;
	case KVM_REG_RISCV_CONFIG_REG(marchid):
		*val = vcpu->arch.marchid;
		break;
	case KVM_REG_RISCV_CONFIG_REG(mimpid):
		*val = vcpu->arch.mimpid;
		break;
	case KVM_REG_RISCV_CONFIG_REG(satp_mode):
		*val = satp_mode >> SATP_MODE_SHIFT;
		break;
	}
	return 0;
}

/* Machine ids are what the guest was told: settable until it runs. */
static int set_id(struct kvmod_vcpu *vcpu, unsigned long *reg, u64 val)
{
	if (*reg == val)
		return 0;
	if (vcpu->ran_once)
		return -EBUSY;
	*reg = val;
	return 0;
}

static int config_set(struct kvmod_vcpu *vcpu, unsigned long idx, u64 val)
{
	u64 cur;
	int r;

	switch (idx) {
	case KVM_REG_RISCV_CONFIG_REG(isa):
		return kvmod_riscv_isa_config_set(vcpu, val);
	case KVM_REG_RISCV_CONFIG_REG(mvendorid):
		return set_id(vcpu, &vcpu->arch.mvendorid, val);
	case KVM_REG_RISCV_CONFIG_REG(marchid):
		return set_id(vcpu, &vcpu->arch.marchid, val);
	case KVM_REG_RISCV_CONFIG_REG(mimpid):
		return set_id(vcpu, &vcpu->arch.mimpid, val);
	default:
		/* Read-only facts of the host: only their value is accepted. */
		r = config_get(vcpu, idx, &cur);
		if (r)
			return r;
		return val == cur ? 0 : -EINVAL;
	}
}

static int core_get(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val)
{
	struct kvmod_riscv_context *g = &vcpu->arch.sw.guest;

	if (idx == KVM_REG_RISCV_CORE_REG(mode))
		*val = (g->sstatus & SR_SPP) ? KVM_RISCV_MODE_S : KVM_RISCV_MODE_U;
	else if (idx < KVM_REG_RISCV_CORE_REG(mode))
		*val = ((unsigned long *)&g->regs)[idx];
	else
		return -ENOENT;
	return 0;
}

static int core_set(struct kvmod_vcpu *vcpu, unsigned long idx, u64 val)
{
	struct kvmod_riscv_context *g = &vcpu->arch.sw.guest;

	if (idx == KVM_REG_RISCV_CORE_REG(mode)) {
		if (val == KVM_RISCV_MODE_S)
			g->sstatus |= SR_SPP;
		else if (val == KVM_RISCV_MODE_U)
			g->sstatus &= ~SR_SPP;
		else
			return -EINVAL;
	} else if (idx < KVM_REG_RISCV_CORE_REG(mode)) {
		((unsigned long *)&g->regs)[idx] = val;
	} else {
		return -ENOENT;
	}
	return 0;
}

/* sstatus.MXR; <asm/csr.h> of 6.12 has no name for it. */
#define KVMOD_SR_MXR		BIT(19)

/*
 * The guest's S-mode CSRs that ONE_REG reaches, with the fields a write
 * may set (the others read as zero, as WARL fields do). A value goes to
 * the hardware's VS CSRs as is at the next vCPU load, so nothing outside
 * the architected fields may pass: an emulator that keeps such bits (QEMU
 * ORs vsstatus into mstatus on guest entry) would otherwise let userspace
 * set the host's mstatus.TW/TSR/MPRV through a guest's sstatus.
 */
struct csr_reg {
	size_t off;		/* in struct kvmod_riscv_csr */
	unsigned long wmask;	/* 0: no such register */
};

#define CSR_REG(name, field, mask)					\
	[KVM_REG_RISCV_CSR_REG(name)] = {				\
		offsetof(struct kvmod_riscv_csr, field), (mask) }

static const struct csr_reg csr_regs[] = {
	CSR_REG(sstatus, vsstatus, SR_SIE | SR_SPIE | SR_SPP | SR_FS | SR_VS |
		SR_SUM | KVMOD_SR_MXR),
	CSR_REG(sie, vsie, IE_SIE | IE_TIE | IE_EIE | SIP_LCOFIP),
	/* Modes 0 (direct) and 1 (vectored); 2 and 3 are reserved. */
	CSR_REG(stvec, vstvec, ~2UL),
	CSR_REG(sscratch, vsscratch, ~0UL),
	CSR_REG(sepc, vsepc, ~1UL),
	CSR_REG(scause, vscause, ~0UL),
	CSR_REG(stval, vstval, ~0UL),
	CSR_REG(satp, vsatp, ~0UL),
	CSR_REG(scounteren, scounteren, GENMASK(31, 0)),
	CSR_REG(senvcfg, senvcfg, ENVCFG_FIOM | ENVCFG_CBIE | ENVCFG_CBCFE |
		ENVCFG_CBZE),
};

static const struct csr_reg *csr_reg(unsigned long idx)
{
	if (idx >= ARRAY_SIZE(csr_regs) || !csr_regs[idx].wmask)
		return NULL;
	return &csr_regs[idx];
}

static unsigned long *csr_slot(struct kvmod_vcpu *vcpu, const struct csr_reg *r)
{
	return (unsigned long *)((char *)&vcpu->arch.csr + r->off);
}

/* Smstateen's sstateen0: a guest with the extension has it. */
static unsigned long *smstateen_slot(struct kvmod_vcpu *vcpu, unsigned long idx)
{
	if ((idx & KVM_REG_RISCV_SUBTYPE_MASK) != KVM_REG_RISCV_CSR_SMSTATEEN ||
	    (idx & ~KVM_REG_RISCV_SUBTYPE_MASK) !=
	    KVM_REG_RISCV_CSR_SMSTATEEN_REG(sstateen0) ||
	    !kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SMSTATEEN))
		return NULL;
	return &vcpu->arch.csr.sstateen0;
}

/* The AIA's CSRs: a guest with Ssaia has them. */
static int aia_reg(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val, bool set)
{
	if ((idx & KVM_REG_RISCV_SUBTYPE_MASK) != KVM_REG_RISCV_CSR_AIA ||
	    !kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SSAIA))
		return -ENOENT;
	return kvmod_riscv_aia_csr(vcpu, idx & ~KVM_REG_RISCV_SUBTYPE_MASK, val, set);
}

static int csrreg_get(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val)
{
	unsigned long *slot = smstateen_slot(vcpu, idx);
	const struct csr_reg *r;

	if ((idx & KVM_REG_RISCV_SUBTYPE_MASK) == KVM_REG_RISCV_CSR_AIA)
		return aia_reg(vcpu, idx, val, false);
	if (slot) {
		*val = *slot;
		return 0;
	}
	if ((idx & KVM_REG_RISCV_SUBTYPE_MASK) != KVM_REG_RISCV_CSR_GENERAL)
		return -ENOENT;
	if (idx == KVM_REG_RISCV_CSR_REG(sip)) {
		*val = (READ_ONCE(vcpu->arch.irqs_pending) >> VSIP_TO_HVIP_SHIFT) &
		       SIP_MASK;
		return 0;
	}
	r = csr_reg(idx);
	if (!r)
		return -ENOENT;
	*val = *csr_slot(vcpu, r);
	return 0;
}

static int csrreg_set(struct kvmod_vcpu *vcpu, unsigned long idx, u64 val)
{
	unsigned long *slot = smstateen_slot(vcpu, idx);
	const struct csr_reg *r;
	unsigned int bit;

	if ((idx & KVM_REG_RISCV_SUBTYPE_MASK) == KVM_REG_RISCV_CSR_AIA)
		return aia_reg(vcpu, idx, &val, true);
	if (slot) {
		/* WARL: the CSR keeps what the hardware implements at the next load. */
		*slot = val;
		return 0;
	}
	if ((idx & KVM_REG_RISCV_SUBTYPE_MASK) != KVM_REG_RISCV_CSR_GENERAL)
		return -ENOENT;
	if (idx == KVM_REG_RISCV_CSR_REG(sip)) {
		for (bit = IRQ_S_SOFT; bit <= IRQ_S_EXT; bit += 4)
			kvmod_riscv_set_irq(vcpu, bit + VSIP_TO_HVIP_SHIFT,
					    val & BIT(bit));
		return 0;
	}
	r = csr_reg(idx);
	if (!r)
		return -ENOENT;
	*csr_slot(vcpu, r) = val & r->wmask;
	return 0;
}

static int timer_get(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val)
{
	struct kvmod_riscv_timer *t = &vcpu->arch.timer;

	switch (idx) {
	case KVM_REG_RISCV_TIMER_REG(frequency):
		*val = riscv_timebase;
		break;
	case KVM_REG_RISCV_TIMER_REG(time):
		*val = kvmod_riscv_guest_time(vcpu->vm);
		break;
	case KVM_REG_RISCV_TIMER_REG(compare):
		*val = t->compare;
		break;
	case KVM_REG_RISCV_TIMER_REG(state):
		*val = kvmod_riscv_timer_armed(vcpu) ? KVM_RISCV_TIMER_STATE_ON :
						       KVM_RISCV_TIMER_STATE_OFF;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

static int timer_set(struct kvmod_vcpu *vcpu, unsigned long idx, u64 val)
{
	struct kvmod_riscv_timer *t = &vcpu->arch.timer;

	switch (idx) {
	case KVM_REG_RISCV_TIMER_REG(frequency):
		return val == riscv_timebase ? 0 : -EINVAL;
	case KVM_REG_RISCV_TIMER_REG(time):
		/* One time base per VM, as on real hardware. */
		vcpu->vm->arch.time_delta = val - get_cycles64();
		return 0;
	case KVM_REG_RISCV_TIMER_REG(compare):
		t->compare = val;
		return 0;
	case KVM_REG_RISCV_TIMER_REG(state):
		if (val == KVM_RISCV_TIMER_STATE_ON)
			kvmod_riscv_timer_set(vcpu, t->compare);
		else if (val == KVM_RISCV_TIMER_STATE_OFF)
			kvmod_riscv_timer_set(vcpu, U64_MAX);
		else
			return -EINVAL;
		return 0;
	default:
		return -ENOENT;
	}
}

/* FP_F: 32-bit views of f0..f31 plus fcsr; FP_D: 64-bit plus fcsr. */
static int fp_access(struct kvmod_vcpu *vcpu, u64 id, u64 *val, bool set)
{
	bool d = (id & KVM_REG_RISCV_TYPE_MASK) == KVM_REG_RISCV_FP_D;
	unsigned long idx = id & ~(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK |
				   KVM_REG_RISCV_TYPE_MASK);
	struct __riscv_d_ext_state *fp = &vcpu->arch.fp;
	u64 size = id & KVM_REG_SIZE_MASK;

	if (!kvmod_riscv_isa_enabled(vcpu, d ? RISCV_ISA_EXT_d : RISCV_ISA_EXT_f))
		return -ENOENT;
	if (idx >= NR_FP)
		return -ENOENT;
	if (idx == 32) {
		if (size != KVM_REG_SIZE_U32)
			return -EINVAL;
		if (set)
			fp->fcsr = *val;
		else
			*val = fp->fcsr;
		return 0;
	}
	if (size != (d ? KVM_REG_SIZE_U64 : KVM_REG_SIZE_U32))
		return -EINVAL;
	if (set)
		fp->f[idx] = d ? *val : (fp->f[idx] & ~0xffffffffULL) | (u32)*val;
	else
		*val = d ? fp->f[idx] : (u32)fp->f[idx];
	return 0;
}

/* ISA_EXT and SBI_EXT: one register per extension, or 64 per bitmap word. */
static int ext_access(struct kvmod_vcpu *vcpu, u64 id, u64 *val, bool set)
{
	bool sbi = (id & KVM_REG_RISCV_TYPE_MASK) == KVM_REG_RISCV_SBI_EXT;
	int (*get)(struct kvmod_vcpu *vcpu, unsigned long ext, unsigned long *val) =
		sbi ? kvmod_riscv_sbi_ext_get : kvmod_riscv_isa_ext_get;
	int (*put)(struct kvmod_vcpu *vcpu, unsigned long ext, unsigned long val) =
		sbi ? kvmod_riscv_sbi_ext_set : kvmod_riscv_isa_ext_set;
	unsigned long max = sbi ? KVM_RISCV_SBI_EXT_MAX : KVM_RISCV_ISA_EXT_MAX;
	unsigned long sub = id & KVM_REG_RISCV_SUBTYPE_MASK;
	bool want_on = sub == KVM_REG_RISCV_ISA_MULTI_EN;
	unsigned long idx = id & 0xffff;
	unsigned long v, bit, first;
	u64 result = 0;
	int r;

	if (sub == KVM_REG_RISCV_ISA_SINGLE) {
		if (set)
			return put(vcpu, idx, *val);
		r = get(vcpu, idx, &v);
		if (!r)
			*val = v;
		return r;
	}
	if (sub != KVM_REG_RISCV_ISA_MULTI_EN && sub != KVM_REG_RISCV_ISA_MULTI_DIS)
		return -ENOENT;
	first = idx * BITS_PER_LONG;
	if (first >= max)
		return -ENOENT;

	for (bit = 0; bit < BITS_PER_LONG && first + bit < max; bit++) {
		if (set) {
			if (!(*val & BIT(bit)))
				continue;
			r = put(vcpu, first + bit, want_on);
			/* Extensions the host lacks are skipped, as upstream does. */
			if (r && r != -ENOENT)
				return r;
			continue;
		}
		/* MULTI_EN reports enabled extensions, MULTI_DIS disabled ones. */
		if (!get(vcpu, first + bit, &v) && v == want_on)
			result |= BIT(bit);
	}
	if (!set)
		*val = result;
	return 0;
}

static int reg_access(struct kvmod_vcpu *vcpu, u64 id, u64 *val, bool set)
{
	u64 type = id & KVM_REG_RISCV_TYPE_MASK;
	unsigned long idx = id & ~(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK |
				   KVM_REG_RISCV_TYPE_MASK);
	u64 size = id & KVM_REG_SIZE_MASK;

	if ((id & KVM_REG_ARCH_MASK) != KVM_REG_RISCV)
		return -EINVAL;
	if (type == KVM_REG_RISCV_FP_F || type == KVM_REG_RISCV_FP_D)
		return fp_access(vcpu, id, val, set);
	/* Everything else is XLEN (or u64 for the timer) wide. */
	if (size != KVM_REG_SIZE_U64)
		return -EINVAL;

	switch (type) {
	case KVM_REG_RISCV_CONFIG:
		return set ? config_set(vcpu, idx, *val) : config_get(vcpu, idx, val);
	case KVM_REG_RISCV_CORE:
		return set ? core_set(vcpu, idx, *val) : core_get(vcpu, idx, val);
	case KVM_REG_RISCV_CSR:
		return set ? csrreg_set(vcpu, idx, *val) : csrreg_get(vcpu, idx, val);
	case KVM_REG_RISCV_TIMER:
		return set ? timer_set(vcpu, idx, *val) : timer_get(vcpu, idx, val);
	case KVM_REG_RISCV_ISA_EXT:
	case KVM_REG_RISCV_SBI_EXT:
		return ext_access(vcpu, id, val, set);
	case KVM_REG_RISCV_SBI_STATE:
		if ((idx & KVM_REG_RISCV_SUBTYPE_MASK) != KVM_REG_RISCV_SBI_STA)
			return -ENOENT;
		return kvmod_riscv_sta_reg(vcpu, idx & ~KVM_REG_RISCV_SUBTYPE_MASK,
					   val, set);
	default:
		return -ENOENT;
	}
}

/* Emit every register, or just count them when @out is NULL. */
static unsigned long reg_list(struct kvmod_vcpu *vcpu, u64 *out)
{
	unsigned long n = 0, i, v;

#define EMIT(id) do { if (out) out[n] = (id); n++; } while (0)
	for (i = 0; i < NR_CONFIG; i++)
		if (config_reg_exists(vcpu, i))
			EMIT(REG_ULONG | KVM_REG_RISCV_CONFIG | i);
	for (i = 0; i < NR_CORE; i++)
		EMIT(REG_ULONG | KVM_REG_RISCV_CORE | i);
	for (i = 0; i < NR_CSR; i++)
		EMIT(REG_ULONG | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_GENERAL | i);
	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SSAIA))
		for (i = 0; i < sizeof(struct kvm_riscv_aia_csr) / sizeof(long); i++)
			EMIT(REG_ULONG | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA | i);
	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SMSTATEEN))
		EMIT(REG_ULONG | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN |
		     KVM_REG_RISCV_CSR_SMSTATEEN_REG(sstateen0));
	for (i = 0; i < NR_TIMER; i++)
		EMIT(REG_U64 | KVM_REG_RISCV_TIMER | i);
	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_f)) {
		for (i = 0; i < 32; i++)
			EMIT(REG_U32 | KVM_REG_RISCV_FP_F | i);
		EMIT(REG_U32 | KVM_REG_RISCV_FP_F | 32);
	}
	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_d)) {
		for (i = 0; i < 32; i++)
			EMIT(REG_U64 | KVM_REG_RISCV_FP_D | i);
		EMIT(REG_U32 | KVM_REG_RISCV_FP_D | 32);
	}
	n += kvmod_riscv_vector_reg_list(vcpu, out ? out + n : NULL);
	for (i = 0; i < KVM_RISCV_ISA_EXT_MAX; i++)
		if (!kvmod_riscv_isa_ext_get(vcpu, i, &v))
			EMIT(REG_ULONG | KVM_REG_RISCV_ISA_EXT |
			     KVM_REG_RISCV_ISA_SINGLE | i);
	for (i = 0; i < KVM_RISCV_SBI_EXT_MAX; i++)
		if (!kvmod_riscv_sbi_ext_get(vcpu, i, &v))
			EMIT(REG_ULONG | KVM_REG_RISCV_SBI_EXT |
			     KVM_REG_RISCV_SBI_SINGLE | i);
	if (kvmod_riscv_sta_available()) {
		EMIT(REG_ULONG | KVM_REG_RISCV_SBI_STATE | KVM_REG_RISCV_SBI_STA |
		     KVM_REG_RISCV_SBI_STA_REG(shmem_lo));
		EMIT(REG_ULONG | KVM_REG_RISCV_SBI_STATE | KVM_REG_RISCV_SBI_STA |
		     KVM_REG_RISCV_SBI_STA_REG(shmem_hi));
	}
#undef EMIT
	return n;
}

static long get_reg_list(struct kvmod_vcpu *vcpu, void __user *argp)
{
	struct kvm_reg_list __user *ulist = argp;
	struct kvm_reg_list list;
	unsigned long n = reg_list(vcpu, NULL);
	u64 *regs;
	long r;

	if (copy_from_user(&list, ulist, sizeof(list)))
		return -EFAULT;
	if (put_user(n, &ulist->n))
		return -EFAULT;
	if (list.n < n)
		return -E2BIG;
	regs = kcalloc(n, sizeof(*regs), GFP_KERNEL);
	if (!regs)
		return -ENOMEM;
	reg_list(vcpu, regs);
	r = copy_to_user(ulist->reg, regs, n * sizeof(*regs)) ? -EFAULT : 0;
	kfree(regs);
	return r;
}

/**
 * kvmod_riscv_vcpu_onereg_ioctl() - KVM_GET/SET_ONE_REG, KVM_GET_REG_LIST
 * @vcpu: the vCPU, not running
 * @ioctl: which of the three
 * @argp: the userspace argument
 *
 * Return: 0 or a negative errno as described at the top of this file.
 */
long kvmod_riscv_vcpu_onereg_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
				   void __user *argp)
{
	struct kvm_one_reg reg;
	u64 val = 0;
	u32 val32;
	size_t size;
	int r;

	if (ioctl == KVM_GET_REG_LIST)
		return get_reg_list(vcpu, argp);
	if (copy_from_user(&reg, argp, sizeof(reg)))
		return -EFAULT;
	/* Vector registers are vlenb wide: vector.c copies them itself. */
	if ((reg.id & KVM_REG_ARCH_MASK) == KVM_REG_RISCV &&
	    (reg.id & KVM_REG_RISCV_TYPE_MASK) == KVM_REG_RISCV_VECTOR)
		return kvmod_riscv_vector_onereg(vcpu, &reg, ioctl == KVM_SET_ONE_REG);
	size = KVM_REG_SIZE(reg.id);
	if (size != sizeof(u32) && size != sizeof(u64))
		return -EINVAL;

	if (ioctl == KVM_SET_ONE_REG) {
		if (size == sizeof(u32)) {
			if (copy_from_user(&val32, u64_to_user_ptr(reg.addr), size))
				return -EFAULT;
			val = val32;
		} else if (copy_from_user(&val, u64_to_user_ptr(reg.addr), size)) {
			return -EFAULT;
		}
		return reg_access(vcpu, reg.id, &val, true);
	}

	r = reg_access(vcpu, reg.id, &val, false);
	if (r)
		return r;
	if (size == sizeof(u32)) {
		val32 = val;
		return copy_to_user(u64_to_user_ptr(reg.addr), &val32, size) ? -EFAULT : 0;
	}
	return copy_to_user(u64_to_user_ptr(reg.addr), &val, size) ? -EFAULT : 0;
}
