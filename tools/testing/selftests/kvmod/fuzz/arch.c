// SPDX-License-Identifier: GPL-2.0-only
/*
 * What differs between riscv64 and arm64: register ids, VM types, device
 * types and attributes, interrupt numbers. Plausible values mostly (the
 * ones a VMM would use), the rest random, so that both the accepting and
 * the refusing paths run.
 */
#include "fuzz.h"

#if defined(__riscv)

static uint64_t arch_reg_id(struct thr *t)
{
	static const uint64_t types[] = {
		KVM_REG_RISCV_CONFIG, KVM_REG_RISCV_CORE, KVM_REG_RISCV_CSR,
		KVM_REG_RISCV_TIMER, KVM_REG_RISCV_FP_F, KVM_REG_RISCV_FP_D,
		KVM_REG_RISCV_ISA_EXT, KVM_REG_RISCV_SBI_EXT, KVM_REG_RISCV_VECTOR,
		KVM_REG_RISCV_SBI_STATE,
	};
	uint64_t type = one_in(t, 10) ? rnd(t, 256) << KVM_REG_RISCV_TYPE_SHIFT :
			PICK(t, types);
	uint64_t sub = one_in(t, 3) ? rnd(t, 4) << KVM_REG_RISCV_SUBTYPE_SHIFT : 0;
	uint64_t idx = one_in(t, 8) ? rnd(t, 0x10000) : rnd(t, 72);
	uint64_t size = type == KVM_REG_RISCV_FP_F ? KVM_REG_SIZE_U32 : KVM_REG_SIZE_U64;

	if (one_in(t, 6))
		size = rnd(t, 16) << KVM_REG_SIZE_SHIFT;
	return KVM_REG_RISCV | size | type | sub | idx;
}

unsigned long gen_vm_type(struct thr *t)
{
	return one_in(t, 4) ? gen_u64(t) : 0;
}

uint32_t gen_dev_type(struct thr *t)
{
	unsigned int x = rnd(t, 10);

	if (x < 6)
		return KVM_DEV_TYPE_RISCV_AIA;
	if (x < 8)
		return rnd(t, KVM_DEV_TYPE_MAX + 2);
	return gen_u32(t);
}

static uint64_t aia_config_val(struct thr *t, uint64_t attr)
{
	static const uint64_t ids[] = { 63, 64, 255, 256, 2047, 2048, 2049, 0 };
	static const uint64_t srcs[] = { 0, 1, 96, 1023, 1024, 1025 };

	switch (attr) {
	case KVM_DEV_RISCV_AIA_CONFIG_MODE:
		return rnd(t, 4);
	case KVM_DEV_RISCV_AIA_CONFIG_IDS:
		return PICK(t, ids);
	case KVM_DEV_RISCV_AIA_CONFIG_SRCS:
		return PICK(t, srcs);
	case KVM_DEV_RISCV_AIA_CONFIG_GROUP_SHIFT:
		return 23 + rnd(t, 35);
	default:
		return rnd(t, 18);
	}
}

void gen_dev_attr(struct thr *t, __u32 *group, __u64 *attr, uint64_t *val)
{
	*group = one_in(t, 8) ? gen_u32(t) : rnd(t, 6);
	*val = gen_u64(t);
	switch (*group) {
	case KVM_DEV_RISCV_AIA_GRP_CONFIG:
		*attr = rnd(t, 8);
		*val = aia_config_val(t, *attr);
		break;
	case KVM_DEV_RISCV_AIA_GRP_ADDR:
		*attr = rnd(t, 6);
		*val = *attr ? 0x28000000ULL + (*attr - 1) * KVM_DEV_RISCV_IMSIC_SIZE :
			       0x0c000000ULL;
		if (one_in(t, 4))
			*val = gen_gpa(t);
		break;
	case KVM_DEV_RISCV_AIA_GRP_CTRL:
		*attr = one_in(t, 2) ? KVM_DEV_RISCV_AIA_CTRL_INIT : rnd(t, 4);
		break;
	case KVM_DEV_RISCV_AIA_GRP_APLIC:
		*attr = rnd(t, KVM_DEV_RISCV_APLIC_SIZE) & ~3ULL;
		break;
	case KVM_DEV_RISCV_AIA_GRP_IMSIC:
		*attr = KVM_DEV_RISCV_AIA_IMSIC_MKATTR(rnd(t, 5), rnd(t, 0x100));
		break;
	default:
		*attr = gen_u64(t);
	}
	if (one_in(t, 12))
		*attr = gen_u64(t);
}

/* What a VMM sets up: mode, APLIC and IMSIC addresses, then init. */
unsigned int gen_dev_setup(struct thr *t, struct attr_step *s, unsigned int max)
{
	unsigned int n = 0, i, harts = 1 + rnd(t, 8);

	if (max < harts + 3)
		return 0;
	s[n++] = (struct attr_step){ KVM_DEV_RISCV_AIA_GRP_CONFIG,
		KVM_DEV_RISCV_AIA_CONFIG_MODE, rnd(t, 3) };
	s[n++] = (struct attr_step){ KVM_DEV_RISCV_AIA_GRP_ADDR,
		KVM_DEV_RISCV_AIA_ADDR_APLIC, 0x0c000000 };
	for (i = 0; i < harts; i++)
		s[n++] = (struct attr_step){ KVM_DEV_RISCV_AIA_GRP_ADDR,
			KVM_DEV_RISCV_AIA_ADDR_IMSIC(i),
			0x28000000ULL + i * KVM_DEV_RISCV_IMSIC_SIZE };
	s[n++] = (struct attr_step){ KVM_DEV_RISCV_AIA_GRP_CTRL,
		KVM_DEV_RISCV_AIA_CTRL_INIT, 0 };
	return n;
}

uint32_t gen_irq(struct thr *t)
{
	static const uint32_t edge[] = { 0, 1023, 1024, 1025, 4095 };
	unsigned int x = rnd(t, 10);

	if (x < 6)
		return rnd(t, 96);
	if (x < 8)
		return PICK(t, edge);
	return gen_u32(t);
}

/* IMSIC interrupt files of the first harts, as a VMM places them. */
static uint64_t msi_addr(struct thr *t)
{
	return 0x28000000ULL + rnd(t, 5) * KVM_DEV_RISCV_IMSIC_SIZE;
}

uint32_t gen_interrupt(struct thr *t)
{
	unsigned int x = rnd(t, 4);

	if (x == 0)
		return KVM_INTERRUPT_SET;
	if (x == 1)
		return KVM_INTERRUPT_UNSET;
	return gen_u32(t);
}

#elif defined(__aarch64__)

static uint64_t arch_reg_id(struct thr *t)
{
	static const uint64_t coproc[] = {
		KVM_REG_ARM_CORE, KVM_REG_ARM_DEMUX, KVM_REG_ARM64_SYSREG,
		KVM_REG_ARM_FW, KVM_REG_ARM64_SVE, KVM_REG_ARM_FW_FEAT_BMAP,
	};
	static const uint64_t sizes[] = {
		KVM_REG_SIZE_U32, KVM_REG_SIZE_U128, KVM_REG_SIZE_U2048,
	};
	uint64_t cp = one_in(t, 10) ? rnd(t, 0x10000) << KVM_REG_ARM_COPROC_SHIFT :
		      PICK(t, coproc);
	uint64_t size = one_in(t, 4) ? PICK(t, sizes) : KVM_REG_SIZE_U64;
	uint64_t idx;

	if (cp == KVM_REG_ARM64_SYSREG)
		idx = rnd(t, 4) << KVM_REG_ARM64_SYSREG_OP0_SHIFT |
		      rnd(t, 8) << KVM_REG_ARM64_SYSREG_OP1_SHIFT |
		      rnd(t, 16) << KVM_REG_ARM64_SYSREG_CRN_SHIFT |
		      rnd(t, 16) << KVM_REG_ARM64_SYSREG_CRM_SHIFT |
		      rnd(t, 8) << KVM_REG_ARM64_SYSREG_OP2_SHIFT;
	else
		idx = one_in(t, 4) ? rnd(t, 0x10000) : rnd(t, 0x110);
	if (one_in(t, 8))
		size = rnd(t, 16) << KVM_REG_SIZE_SHIFT;
	return KVM_REG_ARM64 | size | cp | idx;
}

/* The IPA size in the low byte; 0 is 40 bits. */
unsigned long gen_vm_type(struct thr *t)
{
	unsigned int x = rnd(t, 8);

	if (x < 4)
		return 0;
	if (x < 7)
		return 30 + rnd(t, 24);
	return gen_u64(t);
}

uint32_t gen_dev_type(struct thr *t)
{
	static const uint32_t gic[] = {
		KVM_DEV_TYPE_ARM_VGIC_V3, KVM_DEV_TYPE_ARM_VGIC_V3,
		KVM_DEV_TYPE_ARM_VGIC_V2, KVM_DEV_TYPE_ARM_VGIC_ITS,
		KVM_DEV_TYPE_ARM_PV_TIME,
	};
	unsigned int x = rnd(t, 10);

	if (x < 6)
		return PICK(t, gic);
	if (x < 8)
		return rnd(t, KVM_DEV_TYPE_MAX + 2);
	return gen_u32(t);
}

void gen_dev_attr(struct thr *t, __u32 *group, __u64 *attr, uint64_t *val)
{
	static const uint64_t nr_irqs[] = { 0, 32, 64, 96, 1020, 1024, 1056 };
	static const uint64_t addr_types[] = {
		KVM_VGIC_V3_ADDR_TYPE_DIST, KVM_VGIC_V3_ADDR_TYPE_REDIST,
		KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION,
	};

	*group = one_in(t, 8) ? gen_u32(t) : rnd(t, 10);
	*val = gen_u64(t);
	switch (*group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		*attr = one_in(t, 4) ? rnd(t, 8) : PICK(t, addr_types);
		*val = one_in(t, 2) ? 0x08000000ULL + rnd(t, 4) * 0x10000 : gen_gpa(t);
		break;
	case KVM_DEV_ARM_VGIC_GRP_NR_IRQS:
		*attr = 0;
		*val = PICK(t, nr_irqs);
		break;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		*attr = one_in(t, 2) ? KVM_DEV_ARM_VGIC_CTRL_INIT : rnd(t, 5);
		break;
	default:
		/* Register groups: an MPIDR in the high half, an offset below. */
		*attr = rnd(t, 4) << 32 | (rnd(t, 0x10000) & ~3ULL);
	}
	if (one_in(t, 12))
		*attr = gen_u64(t);
}

/* What a VMM sets up: distributor, redistributors, SPIs, then init. */
unsigned int gen_dev_setup(struct thr *t, struct attr_step *s, unsigned int max)
{
	unsigned int n = 0;

	if (max < 4)
		return 0;
	s[n++] = (struct attr_step){ KVM_DEV_ARM_VGIC_GRP_ADDR,
		KVM_VGIC_V3_ADDR_TYPE_DIST, 0x08000000 };
	s[n++] = (struct attr_step){ KVM_DEV_ARM_VGIC_GRP_ADDR,
		KVM_VGIC_V3_ADDR_TYPE_REDIST, 0x080a0000 };
	s[n++] = (struct attr_step){ KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
		32 * (2 + rnd(t, 4)) };
	s[n++] = (struct attr_step){ KVM_DEV_ARM_VGIC_GRP_CTRL,
		KVM_DEV_ARM_VGIC_CTRL_INIT, 0 };
	return n;
}

uint32_t gen_irq(struct thr *t)
{
	uint32_t type = one_in(t, 8) ? rnd(t, 16) : rnd(t, 3);
	uint32_t num = one_in(t, 2) ? 32 + rnd(t, 96) : rnd(t, 32);

	if (one_in(t, 8))
		return gen_u32(t);
	return type << KVM_ARM_IRQ_TYPE_SHIFT | rnd(t, 4) << KVM_ARM_IRQ_VCPU_SHIFT |
	       (one_in(t, 8) ? rnd(t, 0x10000) : num);
}

/* The GICv3 ITS doorbell a VMM would use. */
static uint64_t msi_addr(struct thr *t)
{
	return 0x08080000ULL + 0x10040;
}

uint32_t gen_interrupt(struct thr *t)
{
	return gen_u32(t);
}

#else
#error "kvmod_fuzz: riscv64 or arm64 only"
#endif

uint64_t gen_reg_id(struct thr *t)
{
	unsigned int x = rnd(t, 100);

	if (x < 25 && t->nreg_ids)
		return t->reg_ids[rnd(t, t->nreg_ids)];
	if (x < 30)
		return gen_u64(t);
	if (x < 35)
		return guest_pc_id();
	return arch_reg_id(t);
}

void gen_msi(struct thr *t, struct kvm_msi *m)
{
	uint64_t a = one_in(t, 3) ? gen_gpa(t) : msi_addr(t);

	m->address_lo = a;
	m->address_hi = a >> 32;
	m->data = one_in(t, 4) ? gen_u32(t) : rnd(t, 2048);
	m->flags = one_in(t, 4) ? (one_in(t, 2) ? KVM_MSI_VALID_DEVID : gen_u32(t)) : 0;
	m->devid = one_in(t, 2) ? rnd(t, 16) : gen_u32(t);
	if (one_in(t, 10))
		gen_fill(t, m->pad, sizeof(m->pad));
}
