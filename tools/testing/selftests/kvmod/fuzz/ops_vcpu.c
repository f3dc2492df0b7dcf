// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU fd operations (KVM_RUN with guest code, registers, states, signal
 * masks, mappings of the vCPU fd) and device fd attributes.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "ops.h"

#define KICK_BIT	(KICK_SIGNAL - 1)	/* its bit in a kernel sigset */
#define CODE_WORDS	1024

/* The reg's size in bytes, from its id: 1 << 0..15. */
static size_t reg_size(uint64_t id)
{
	return 1ULL << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

/* One KVM_SET_ONE_REG or KVM_GET_ONE_REG; @val is NULL for random data. */
static long one_reg(struct thr *t, const struct tgt *tg, const char *what,
		    unsigned long req, uint64_t id, const uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id };
	bool owned_s, owned_d;
	uint64_t arg;

	if (val)
		reg.addr = arg_value(t, *val, &owned_d);
	else
		reg.addr = arg_data(t, reg_size(id), &owned_d);
	arg = arg_struct(t, &reg, sizeof(reg), &owned_s);
	rec_begin(t, what, tg->e.kind, tg->e.fd);
	rec_note(t, "id=%#llx addr=%s at %s ", (unsigned long long)id,
		 ptr_name(t, reg.addr), ptr_name(t, arg));
	if (val)
		rec_note(t, "val=%#llx ", (unsigned long long)*val);
	return tg_ioctl(t, tg, req, arg,
			CF_KNOWN | (owned_s && owned_d ? CF_OWNED : 0));
}

void op_one_reg(struct thr *t, const struct op *op)
{
	uint64_t id = gen_reg_id(t), v = gen_u64(t);
	struct tgt tg;

	pick_target(t, op->kind, &tg);
	if (op->req == KVM_SET_ONE_REG && one_in(t, 4))
		one_reg(t, &tg, op->name, op->req, id, &v);
	else
		one_reg(t, &tg, op->name, op->req, id, NULL);
}

/*
 * Maps region @r as a slot of the vCPU's VM, writes code into it and
 * points the vCPU at it. Each step may fail: the others go on anyway.
 */
static void load_guest(struct thr *t, const struct tgt *tg)
{
	unsigned int r = rnd(t, NR_REGIONS), i, n;
	uint64_t pages = REGION_SIZE / fz.page, ids[8], vals[8];
	uint64_t off = fz.page * rnd(t, pages - 1), gpa;
	struct kvm_userspace_memory_region2 m = { 0 };
	struct tgt vm = { .right = true };
	uint32_t code[CODE_WORDS];
	size_t words;

	vm.e.kind = K_VM;
	vm.e.fd = tg->e.vm_fd;
	vm.e.gen = tg->e.vm_gen;
	gpa = GUEST_RAM_GPA + (uint64_t)r * REGION_SIZE;
	m.slot = CODE_SLOT + r;
	m.flags = one_in(t, 4) ? KVM_MEM_LOG_DIRTY_PAGES : 0;
	m.guest_phys_addr = gpa;
	m.memory_size = REGION_SIZE;
	m.userspace_addr = (uintptr_t)region_addr(r);
	memcpy(t->scratch, &m, sizeof(m));
	rec_begin(t, "KVM_SET_USER_MEMORY_REGION2", K_VM, vm.e.fd);
	rec_note(t, "code slot=%u gpa=%#llx ", m.slot, (unsigned long long)gpa);
	tg_ioctl(t, &vm, KVM_SET_USER_MEMORY_REGION2, (uintptr_t)t->scratch, CF_KNOWN);

	/* Code stays within the region. */
	words = 64 + rnd(t, CODE_WORDS - 64);
	if (off + words * 4 > REGION_SIZE)
		words = (REGION_SIZE - off) / 4;
	words = guest_code(t, code, words, gpa + off);
	probe_copy(region_addr(r) + off, code, words * 4);

	n = guest_regs(t, ids, vals, 8, gpa + off);
	for (i = 0; i < n; i++)
		one_reg(t, tg, "KVM_SET_ONE_REG", KVM_SET_ONE_REG, ids[i], &vals[i]);
}

/*
 * KVM_RUN under a periodic timer of 1-4 ms whose signal ends it: no guest
 * keeps a thread past the watchdog. Other threads may close the vCPU or
 * unmap its kvm_run meanwhile.
 */
void op_run(struct thr *t, const struct op *op)
{
	unsigned int ms = 1 + rnd(t, 4);
	uint8_t ie = one_in(t, 8);
	struct kvm_run *run = NULL;
	uint32_t exit_reason;
	struct tgt tg;

	pick_target(t, op->kind, &tg);
	if (!t->has_timer)
		return;
	if (tg.right && one_in(t, 2))
		load_guest(t, &tg);
	if (tg.right)
		run = pool_run_begin(tg.e.gen);
	if (run)
		probe_copy(&run->immediate_exit, &ie, 1);
	rec_begin(t, op->name, tg.e.kind, tg.e.fd);
	rec_note(t, "timer=%ums immediate_exit=%u run=%p ", ms, ie, (void *)run);
	kick_arm(t, ms);
	tg_ioctl(t, &tg, op->req, one_in(t, 16) ? gen_u64(t) : 0, CF_KNOWN);
	kick_disarm(t);
	if (run && probe_copy(&exit_reason, &run->exit_reason, sizeof(exit_reason)))
		rec_note(t, "exit=%u ", exit_reason);
	if (tg.right)
		pool_run_end(tg.e.gen);
}

static void save_reg_ids(struct thr *t, const struct kvm_reg_list *l, uint64_t n)
{
	uint64_t i, step = n / 256 + 1;

	t->nreg_ids = 0;
	for (i = 0; i < n && t->nreg_ids < 256; i += step)
		t->reg_ids[t->nreg_ids++] = l->reg[i];
}

/* Built in place in scratch, as big as asked for when that fits. */
void op_reg_list(struct thr *t, const struct op *op)
{
	static const uint64_t ns[] = { 0, 1, 2, 16, 64, 200, 400, 1000, 4000, 30000 };
	struct kvm_reg_list *l = (void *)t->scratch;
	const uint64_t room = (SCRATCH_SIZE - sizeof(*l)) / sizeof(l->reg[0]);
	uint64_t n = one_in(t, 6) ? gen_u64(t) : PICK(t, ns);
	bool owned = n <= room;
	uint64_t arg = (uintptr_t)l;
	struct tgt tg;
	long r;

	begin(t, op, &tg);
	l->n = n;
	if (one_in(t, 10)) {
		arg = arg_struct(t, l, sizeof(*l), &owned);
		owned = owned && !n;
	}
	rec_note(t, "n=%llu at %s ", (unsigned long long)n, ptr_name(t, arg));
	r = tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
	if (r || arg != (uintptr_t)l || !was_right(&tg))
		return;
	/* What it reports is read back: never past the scratch buffer. */
	if (l->n > n || l->n > room)
		fuzz_fail("KVM_GET_REG_LIST succeeded with n=%llu but reported %llu%s",
			  (unsigned long long)n, (unsigned long long)l->n,
			  l->n > n ? "" : ", more than it could have written");
	else
		save_reg_ids(t, l, l->n);
}

void op_mp_state(struct thr *t, const struct op *op)
{
	struct kvm_mp_state s = { .mp_state = one_in(t, 4) ? gen_u32(t) : rnd(t, 11) };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	arg = arg_struct(t, &s, sizeof(s), &owned);
	rec_note(t, "state=%u at %s ", s.mp_state, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

/*
 * Any mask but one that blocks the KVM_RUN timer's signal: the kernel
 * applies it during KVM_RUN, and a guest could then spin forever.
 */
void op_signal_mask(struct thr *t, const struct op *op)
{
	static const uint32_t lens[] = { 8, 8, 8, 8, 0, 4, 16, 0xffffffff };
	uint8_t s[sizeof(struct kvm_signal_mask) + 16], *set = s + sizeof(uint32_t);
	uint32_t len = PICK(t, lens);
	struct tgt tg;
	uint64_t arg = 0;
	bool owned = true;

	begin(t, op, &tg);
	memcpy(s, &len, sizeof(len));
	gen_fill(t, set, 16);
	set[KICK_BIT / 8] &= ~(1 << (KICK_BIT % 8));
	if (!one_in(t, 6))
		arg = arg_struct(t, s, sizeof(s), &owned);
	rec_note(t, "len=%u set=%02x%02x%02x%02x.. at %s ", len, set[0], set[1],
		 set[2], set[3], ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

void op_interrupt(struct thr *t, const struct op *op)
{
	struct kvm_interrupt irq = { .irq = gen_interrupt(t) };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	arg = arg_struct(t, &irq, sizeof(irq), &owned);
	rec_note(t, "irq=%#x at %s ", irq.irq, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

void op_guest_debug(struct thr *t, const struct op *op)
{
	static const uint32_t ctl[] = {
		0, KVM_GUESTDBG_ENABLE, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
		KVM_GUESTDBG_SINGLESTEP, KVM_GUESTDBG_ENABLE | 0x30000,
	};
	struct kvm_guest_debug d = { 0 };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	d.control = one_in(t, 6) ? gen_u32(t) : PICK(t, ctl);
	d.pad = one_in(t, 10) ? gen_u32(t) : 0;
	if (one_in(t, 2))
		gen_fill(t, &d.arch, sizeof(d.arch));
	arg = arg_struct(t, &d, sizeof(d), &owned);
	rec_note(t, "control=%#x at %s ", d.control, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

/* Keeps a mapping of a vCPU fd; the thread's oldest goes when full. */
static void keep_map(struct thr *t, void *p, size_t len)
{
	unsigned int max = ARRAY_SIZE(t->xmap);

	if (t->nxmap == max) {
		rec_begin(t, "munmap", K_NONE, -1);
		rec_note(t, "%p len=%#zx ", t->xmap[0].p, t->xmap[0].len);
		busy_enter(t);
		rec_end(t, munmap(t->xmap[0].p, t->xmap[0].len));
		memmove(t->xmap, t->xmap + 1, sizeof(t->xmap[0]) * (max - 1));
		t->nxmap--;
	}
	t->xmap[t->nxmap].p = p;
	t->xmap[t->nxmap++].len = len;
}

static uint64_t gen_map_off(struct thr *t)
{
	switch (rnd(t, 8)) {
	case 0: case 1: case 2:
		return 0;
	case 3: case 4:
		return KVM_COALESCED_MMIO_PAGE_OFFSET * fz.page;
	case 5:
		return rnd(t, 8) * fz.page;
	case 6:
		return 1 + rnd(t, fz.page - 1);
	default:
		return gen_u64(t) & ~(fz.page - 1);
	}
}

/* mmap() of a vCPU fd: kvm_run, the coalesced MMIO ring, or nothing valid. */
void op_mmap_vcpu(struct thr *t, const struct op *op)
{
	static const int prot[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ,
		PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC,
	};
	size_t run_len = atomic_load(&fz.mmap_size);
	size_t len = one_in(t, 2) ? run_len : fz.page * rnd(t, 17);
	uint64_t off = gen_map_off(t);
	int pr = PICK(t, prot), fl = one_in(t, 5) ? MAP_PRIVATE : MAP_SHARED;
	uint8_t byte;
	struct tgt tg;
	void *p;

	begin(t, op, &tg);
	rec_note(t, "len=%#zx off=%#llx prot=%d flags=%#x ", len,
		 (unsigned long long)off, pr, fl);
	busy_enter(t);
	p = mmap(NULL, len, pr, fl, tg.e.fd, off);
	rec_end(t, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	rec_note(t, "= %p ", p);
	if (pr & PROT_READ)
		probe_copy(&byte, p, 1);
	if (tg.right && !off && len == run_len && pr == (PROT_READ | PROT_WRITE) &&
	    fl == MAP_SHARED && pool_attach_run(tg.e.gen, p, len))
		return;
	keep_map(t, p, len);
}

/* Unmaps a kvm_run, preferably of a vCPU in KVM_RUN right now. */
void op_munmap_run(struct thr *t, const struct op *op)
{
	size_t len;
	void *p;

	if (!pool_detach_run(t, &p, &len))
		return;
	rec_begin(t, op->name, K_VCPU, -1);
	rec_note(t, "%p len=%#zx ", p, len);
	busy_enter(t);
	rec_end(t, munmap(p, len));
}

/*
 * A device set up as a VMM would, step by step, so that interrupts then
 * reach guests: random attributes alone rarely get that far.
 */
void op_dev_setup(struct thr *t, const struct op *op)
{
	struct attr_step s[16];
	unsigned int i, n = gen_dev_setup(t, s, 16);
	struct tgt tg;

	pick_target(t, op->kind, &tg);
	for (i = 0; i < n; i++) {
		struct kvm_device_attr a = {
			.group = s[i].group,
			.attr = s[i].attr,
			.addr = (uintptr_t)(t->scratch + STRUCT_AREA),
		};

		memcpy(t->scratch + STRUCT_AREA, &s[i].val, sizeof(s[i].val));
		memcpy(t->scratch, &a, sizeof(a));
		rec_begin(t, "KVM_SET_DEVICE_ATTR", tg.e.kind, tg.e.fd);
		rec_note(t, "setup group=%u attr=%#llx val=%#llx ", a.group,
			 (unsigned long long)a.attr, (unsigned long long)s[i].val);
		tg_ioctl(t, &tg, op->req, (uintptr_t)t->scratch, CF_KNOWN);
	}
}

/* KVM_SET_DEVICE_ATTR, KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR. */
void op_dev_attr(struct thr *t, const struct op *op)
{
	struct kvm_device_attr a = { 0 };
	struct tgt tg;
	uint64_t val, arg;
	bool owned;

	begin(t, op, &tg);
	gen_dev_attr(t, &a.group, &a.attr, &val);
	a.flags = one_in(t, 8) ? gen_u32(t) : 0;
	if (op->req == KVM_SET_DEVICE_ATTR)
		a.addr = arg_value(t, val, &owned);
	else if (op->req == KVM_GET_DEVICE_ATTR)
		a.addr = arg_data(t, 64, &owned);
	else
		a.addr = one_in(t, 2) ? 0 : arg_data(t, 64, &owned);
	arg = arg_struct(t, &a, sizeof(a), &owned);
	rec_note(t, "group=%u attr=%#llx val=%#llx addr=%s at %s ", a.group,
		 (unsigned long long)a.attr, (unsigned long long)val,
		 ptr_name(t, a.addr), ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN);
}
