// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AIA's APLIC, emulated in MSI delivery mode: wired sources (driven by
 * KVM_IRQ_LINE) become MSIs to the vCPUs' interrupt files. One domain, no
 * children (sourcecfg.D reads 0); the MSI address registers read zero:
 * the target hart index picks the vCPU whose IMSIC page has that index
 * under the AIA's group/hart/guest bits, as hardware would compute it.
 *
 * Pending bits follow the spec's MSI-mode rules: an edge source becomes
 * pending on its active edge; a level source when its rectified input
 * rises (or by a set-pending write while it is high), and it stops being
 * pending when the input drops. A pending, enabled source is forwarded at
 * once (domaincfg.IE set) and its pending bit cleared; Linux re-triggers
 * level sources that stay high through setipnum.
 */

#include <linux/irqchip/riscv-aplic.h>
#include <linux/kvmod_host.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#include "riscv.h"

#define TARGET_MASK	(APLIC_TARGET_HART_IDX | APLIC_TARGET_GUEST_IDX | \
			 APLIC_TARGET_EIID)

/**
 * struct aplic_source - one wired interrupt source
 * @cfg: sourcecfg (the source mode)
 * @target: target (hart index, guest index, EIID)
 * @input: the wire's level
 * @pending: waiting to be forwarded
 * @enabled: may be forwarded
 */
struct aplic_source {
	u32 cfg;
	u32 target;
	bool input;
	bool pending;
	bool enabled;
};

/**
 * struct kvmod_riscv_aplic - the APLIC's state
 * @lock: everything below
 * @vm: the VM
 * @domaincfg: IE (the only writable bit)
 * @genmsi: last genmsi value
 * @nr: wired sources (1..@nr)
 * @src: the sources; [0] unused
 */
struct kvmod_riscv_aplic {
	spinlock_t lock;	/* the registers and sources */
	struct kvmod_vm *vm;
	u32 domaincfg;
	u32 genmsi;
	unsigned int nr;
	struct aplic_source src[];
};

/* A pending MSI, sent once the APLIC's lock is dropped. */
struct aplic_msi {
	u32 target;
	bool valid;
};

static u32 mode(const struct aplic_source *s)
{
	return s->cfg & APLIC_SOURCECFG_SM_MASK;
}

static bool active(const struct aplic_source *s)
{
	return mode(s) != APLIC_SOURCECFG_SM_INACTIVE;
}

static bool rectified(const struct aplic_source *s)
{
	switch (mode(s)) {
	case APLIC_SOURCECFG_SM_EDGE_RISE:
	case APLIC_SOURCECFG_SM_LEVEL_HIGH:
		return s->input;
	case APLIC_SOURCECFG_SM_EDGE_FALL:
	case APLIC_SOURCECFG_SM_LEVEL_LOW:
		return !s->input;
	default:
		return false;
	}
}

static bool level(const struct aplic_source *s)
{
	return mode(s) == APLIC_SOURCECFG_SM_LEVEL_HIGH ||
	       mode(s) == APLIC_SOURCECFG_SM_LEVEL_LOW;
}

/* A set-pending write: level sources only while their input is active. */
static void set_pending(struct aplic_source *s)
{
	if (active(s) && (!level(s) || rectified(s)))
		s->pending = true;
}

/* Forward @s if it can go; @msi receives what to send. Lock held. */
static void forward(struct kvmod_riscv_aplic *a, struct aplic_source *s,
		    struct aplic_msi *msi)
{
	lockdep_assert_held(&a->lock);
	if (!s->pending || !s->enabled || !(a->domaincfg & APLIC_DOMAINCFG_IE))
		return;
	s->pending = false;
	msi->target = s->target;
	msi->valid = true;
}

/* Deliver an MSI for a target register value, locks dropped. */
static void send(struct kvmod_vm *vm, u32 target)
{
	kvmod_riscv_aia_msi_to_hart(vm, (target >> APLIC_TARGET_HART_IDX_SHIFT) &
				    APLIC_TARGET_HART_IDX_MASK,
				    (target >> APLIC_TARGET_GUEST_IDX_SHIFT) &
				    APLIC_TARGET_GUEST_IDX_MASK,
				    target & APLIC_TARGET_EIID_MASK);
}

/* Forward everything that can go; called after any state change. */
static void flush(struct kvmod_riscv_aplic *a)
{
	struct aplic_msi msi;
	unsigned long flags;
	unsigned int i;

	for (i = 1; i <= a->nr; i++) {
		msi.valid = false;
		spin_lock_irqsave(&a->lock, flags);
		forward(a, &a->src[i], &msi);
		spin_unlock_irqrestore(&a->lock, flags);
		if (msi.valid)
			send(a->vm, msi.target);
	}
}

/**
 * kvmod_riscv_aplic_set_line() - a wired source's new level
 * @a: the APLIC
 * @irq: source number, 1..nr_sources
 * @lvl: the wire's level
 *
 * Return: 0, or -EINVAL for a source the APLIC does not have.
 */
int kvmod_riscv_aplic_set_line(struct kvmod_riscv_aplic *a, u32 irq, bool lvl)
{
	struct aplic_source *s;
	unsigned long flags;
	bool was;

	if (!irq || irq > a->nr)
		return -EINVAL;
	s = &a->src[irq];
	spin_lock_irqsave(&a->lock, flags);
	was = rectified(s);
	s->input = lvl;
	if (!was && rectified(s))
		s->pending = true;
	else if (level(s) && !rectified(s))
		s->pending = false;
	spin_unlock_irqrestore(&a->lock, flags);
	flush(a);
	return 0;
}

/* Bits of sources 32k..32k+31 for which @test holds. Lock held. */
static u32 bits(struct kvmod_riscv_aplic *a, unsigned int k,
		bool (*test)(const struct aplic_source *s))
{
	unsigned int i;
	u32 v = 0;

	lockdep_assert_held(&a->lock);
	for (i = 0; i < 32; i++)
		if (32 * k + i && 32 * k + i <= a->nr && test(&a->src[32 * k + i]))
			v |= BIT(i);
	return v;
}

static bool is_pending(const struct aplic_source *s)
{
	return s->pending;
}

static bool is_enabled(const struct aplic_source *s)
{
	return s->enabled;
}

/* Apply @fn to each source of a 32-bit bitmap write. Lock held. */
static void each(struct kvmod_riscv_aplic *a, unsigned int k, u32 v,
		 void (*fn)(struct aplic_source *s))
{
	unsigned int i;

	lockdep_assert_held(&a->lock);
	for (i = 0; i < 32; i++)
		if ((v & BIT(i)) && 32 * k + i && 32 * k + i <= a->nr)
			fn(&a->src[32 * k + i]);
}

static void clear_pending(struct aplic_source *s)
{
	s->pending = false;
}

static void enable(struct aplic_source *s)
{
	if (active(s))
		s->enabled = true;
}

static void disable(struct aplic_source *s)
{
	s->enabled = false;
}

static struct aplic_source *num(struct kvmod_riscv_aplic *a, u32 v)
{
	return v && v <= a->nr ? &a->src[v] : NULL;
}

static u32 reg_read(struct kvmod_riscv_aplic *a, u32 off)
{
	struct aplic_source *s;

	lockdep_assert_held(&a->lock);
	if (off == APLIC_DOMAINCFG)
		return APLIC_DOMAINCFG_RDONLY | APLIC_DOMAINCFG_DM |
		       (a->domaincfg & APLIC_DOMAINCFG_IE);
	if (off >= APLIC_SOURCECFG_BASE && off < APLIC_SOURCECFG_BASE + 4 * 1023) {
		s = num(a, (off - APLIC_SOURCECFG_BASE) / 4 + 1);
		return s ? s->cfg : 0;
	}
	if (off >= APLIC_SETIP_BASE && off < APLIC_SETIP_BASE + 128)
		return bits(a, (off - APLIC_SETIP_BASE) / 4, is_pending);
	if (off >= APLIC_CLRIP_BASE && off < APLIC_CLRIP_BASE + 128)
		return bits(a, (off - APLIC_CLRIP_BASE) / 4, rectified);
	if (off >= APLIC_SETIE_BASE && off < APLIC_SETIE_BASE + 128)
		return bits(a, (off - APLIC_SETIE_BASE) / 4, is_enabled);
	if (off == APLIC_GENMSI)
		return a->genmsi;
	if (off >= APLIC_TARGET_BASE && off < APLIC_TARGET_BASE + 4 * 1023) {
		s = num(a, (off - APLIC_TARGET_BASE) / 4 + 1);
		return s ? s->target : 0;
	}
	/* MSI address registers, *num registers, clrie, IDCs: read zero. */
	return 0;
}

/* A register write; @msi gets a genmsi to send. Lock held. */
static void reg_write(struct kvmod_riscv_aplic *a, u32 off, u32 v,
		      struct aplic_msi *msi)
{
	struct aplic_source *s;

	lockdep_assert_held(&a->lock);
	if (off == APLIC_DOMAINCFG) {
		a->domaincfg = v & APLIC_DOMAINCFG_IE;
	} else if (off >= APLIC_SOURCECFG_BASE && off < APLIC_SOURCECFG_BASE + 4 * 1023) {
		s = num(a, (off - APLIC_SOURCECFG_BASE) / 4 + 1);
		if (!s)
			return;
		/* No child domains; reserved modes read as inactive. */
		if (v & APLIC_SOURCECFG_D)
			v = 0;
		v &= APLIC_SOURCECFG_SM_MASK;
		if (v == 2 || v == 3)
			v = APLIC_SOURCECFG_SM_INACTIVE;
		s->cfg = v;
		if (!active(s)) {
			s->pending = false;
			s->enabled = false;
		} else if (level(s)) {
			s->pending = rectified(s);
		}
	} else if (off >= APLIC_SETIP_BASE && off < APLIC_SETIP_BASE + 128) {
		each(a, (off - APLIC_SETIP_BASE) / 4, v, set_pending);
	} else if (off == APLIC_SETIPNUM || off == APLIC_SETIPNUM_LE ||
		   off == APLIC_SETIPNUM_BE) {
		s = num(a, off == APLIC_SETIPNUM_BE ? swab32(v) : v);
		if (s)
			set_pending(s);
	} else if (off >= APLIC_CLRIP_BASE && off < APLIC_CLRIP_BASE + 128) {
		each(a, (off - APLIC_CLRIP_BASE) / 4, v, clear_pending);
	} else if (off == APLIC_CLRIPNUM) {
		s = num(a, v);
		if (s)
			clear_pending(s);
	} else if (off >= APLIC_SETIE_BASE && off < APLIC_SETIE_BASE + 128) {
		each(a, (off - APLIC_SETIE_BASE) / 4, v, enable);
	} else if (off == APLIC_SETIENUM) {
		s = num(a, v);
		if (s)
			enable(s);
	} else if (off >= APLIC_CLRIE_BASE && off < APLIC_CLRIE_BASE + 128) {
		each(a, (off - APLIC_CLRIE_BASE) / 4, v, disable);
	} else if (off == APLIC_CLRIENUM) {
		s = num(a, v);
		if (s)
			disable(s);
	} else if (off == APLIC_GENMSI) {
		/* Sent at once: the busy bit never reads 1. */
		a->genmsi = v & (APLIC_TARGET_HART_IDX | APLIC_TARGET_EIID);
		msi->target = a->genmsi;
		msi->valid = true;
	} else if (off >= APLIC_TARGET_BASE && off < APLIC_TARGET_BASE + 4 * 1023) {
		s = num(a, (off - APLIC_TARGET_BASE) / 4 + 1);
		if (s)
			s->target = v & TARGET_MASK;
	}
}

/**
 * kvmod_riscv_aplic_reg() - read or write one APLIC register
 * @a: the APLIC
 * @off: register offset, 4-byte aligned, below 0x4000
 * @val: the value read, or to write
 * @write: write when true
 *
 * For the guest's accesses and for KVM_DEV_RISCV_AIA_GRP_APLIC.
 */
void kvmod_riscv_aplic_reg(struct kvmod_riscv_aplic *a, u32 off, u32 *val,
			   bool write)
{
	struct aplic_msi msi = { .valid = false };
	unsigned long flags;

	spin_lock_irqsave(&a->lock, flags);
	if (write)
		reg_write(a, off, *val, &msi);
	else
		*val = reg_read(a, off);
	spin_unlock_irqrestore(&a->lock, flags);
	if (msi.valid)
		send(a->vm, msi.target);
	if (write)
		flush(a);
}

static void mmio_read(struct kvmod_vcpu *vcpu, void *opaque, u64 offset,
		      unsigned int len, void *data)
{
	u32 v = 0;

	/* 32-bit registers, naturally aligned; anything else reads zero. */
	if (len == 4 && !(offset & 3))
		kvmod_riscv_aplic_reg(opaque, offset, &v, false);
	memset(data, 0, len);
	if (len == 4)
		put_unaligned_le32(v, data);
}

static bool mmio_write(struct kvmod_vcpu *vcpu, void *opaque, u64 offset,
		       unsigned int len, const void *data)
{
	u32 v;

	/* Other sizes are dropped: the range is the APLIC's. */
	if (len != 4 || (offset & 3))
		return true;
	v = get_unaligned_le32(data);
	kvmod_riscv_aplic_reg(opaque, offset, &v, true);
	return true;
}

static const struct kvmod_io_ops aplic_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

/**
 * kvmod_riscv_aplic_create() - an APLIC with @nr wired sources
 * @vm: the VM (its lock held)
 * @nr: number of sources
 *
 * Its registers are not mapped yet: kvmod_riscv_aplic_range() gives the
 * range to register.
 *
 * Return: the APLIC, or NULL when out of memory.
 */
struct kvmod_riscv_aplic *kvmod_riscv_aplic_create(struct kvmod_vm *vm, unsigned int nr)
{
	struct kvmod_riscv_aplic *a;

	lockdep_assert_held(&vm->lock);
	a = kzalloc(struct_size(a, src, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!a)
		return NULL;
	spin_lock_init(&a->lock);
	a->vm = vm;
	/* Source 0 does not exist; the array has a slot for it all the same. */
	a->nr = nr;
	return a;
}

/**
 * kvmod_riscv_aplic_range() - the MMIO range of an APLIC's registers
 * @a: the APLIC
 * @addr: guest physical base
 *
 * Return: the range for kvmod_io_bus_register_ranges().
 */
struct kvmod_io_range kvmod_riscv_aplic_range(struct kvmod_riscv_aplic *a, u64 addr)
{
	return (struct kvmod_io_range) {
		.addr = addr, .len = KVM_DEV_RISCV_APLIC_SIZE,
		.ops = &aplic_mmio_ops, .opaque = a,
	};
}

/**
 * kvmod_riscv_aplic_destroy() - free the APLIC of a dying VM
 * @a: the APLIC, or NULL
 */
void kvmod_riscv_aplic_destroy(struct kvmod_riscv_aplic *a)
{
	kfree(a);
}
