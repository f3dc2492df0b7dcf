// SPDX-License-Identifier: GPL-2.0-only
/*
 * VM fd operations: vCPUs, memory slots, dirty logs, capabilities,
 * interrupt routing and injection, eventfds, devices, coalesced MMIO.
 */
#include <string.h>

#include "fuzz.h"
#include "ops.h"

#define VM_VCPU_LIMIT	8	/* new ids per VM; then only taken or bad ones */

static uint32_t gen_vcpu_id(struct thr *t, int created)
{
	static const uint32_t edge[] = { 1023, 1024, 4095, 4096, 0xffffffff, 1u << 20 };

	if (created >= VM_VCPU_LIMIT)
		return one_in(t, 2) ? rnd(t, VM_VCPU_LIMIT) : PICK(t, edge);
	if (one_in(t, 8))
		return PICK(t, edge);
	return rnd(t, created + 2);
}

void op_create_vcpu(struct thr *t, const struct op *op)
{
	struct fd_ent e = { .kind = K_VCPU };
	struct tgt tg;
	uint32_t id;
	long r;

	begin(t, op, &tg);
	id = gen_vcpu_id(t, pool_vm_vcpus(tg.e.gen, 0));
	rec_note(t, "id=%u ", id);
	r = tg_ioctl(t, &tg, op->req, id, CF_KNOWN);
	/* Only VM fds create vCPUs: whatever succeeded is a new vCPU fd. */
	if (!check_new_fd(t, r))
		return;
	e.fd = r;
	pool_vm_vcpus(tg.e.gen, 1);
	e.vm_fd = tg.e.fd;
	e.vm_gen = tg.e.gen;
	e.run = map_run(t, e.fd, &e.run_len);
	add_entry(t, &e);
}

static uint32_t gen_slot_flags(struct thr *t, uint64_t size)
{
	static const uint32_t flags[] = {
		0, 0, 0, 0, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_LOG_DIRTY_PAGES,
		KVM_MEM_READONLY, KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES,
		KVM_MEM_GUEST_MEMFD,
	};
	uint32_t f = one_in(t, 10) ? gen_u32(t) : PICK(t, flags);

	/* A dirty bitmap is one bit a page: keep the kernel's share small. */
	if (size > DIRTY_LOG_MAX)
		f &= ~KVM_MEM_LOG_DIRTY_PAGES;
	return f;
}

/* Both versions; v1 is the head of v2. */
void op_set_region(struct thr *t, const struct op *op)
{
	struct kvm_userspace_memory_region2 m = { 0 };
	size_t len = op->req == KVM_SET_USER_MEMORY_REGION2 ? sizeof(m) :
		     sizeof(struct kvm_userspace_memory_region);
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	m.slot = gen_slot_id(t);
	m.guest_phys_addr = gen_gpa(t);
	gen_slot_host(t, &m.userspace_addr, &m.memory_size);
	m.flags = gen_slot_flags(t, m.memory_size);
	if (one_in(t, 8)) {
		m.guest_memfd = gen_fd(t, K_EVENTFD);
		m.guest_memfd_offset = gen_u64(t);
	}
	if (one_in(t, 16))
		m.pad1 = gen_u32(t);
	if (one_in(t, 16))
		PICK(t, m.pad2) = gen_u64(t);
	arg = arg_struct(t, &m, len, &owned);
	rec_note(t, "slot=%#x fl=%#x gpa=%#llx size=%#llx ua=%#llx at %s ", m.slot,
		 m.flags, (unsigned long long)m.guest_phys_addr,
		 (unsigned long long)m.memory_size,
		 (unsigned long long)m.userspace_addr, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN);
}

void op_get_dirty_log(struct thr *t, const struct op *op)
{
	struct kvm_dirty_log d = { .slot = gen_slot_id(t) };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	/* Slots we dirty-log are at most DIRTY_LOG_MAX: 4 KiB of bitmap covers them. */
	d.padding2 = arg_data(t, 4096, &owned);
	if (one_in(t, 16))
		d.padding1 = gen_u32(t);
	arg = arg_struct(t, &d, sizeof(d), &owned);
	rec_note(t, "slot=%#x bitmap=%s at %s ", d.slot,
		 ptr_name(t, d.padding2), ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN);
}

void op_clear_dirty_log(struct thr *t, const struct op *op)
{
	static const uint32_t nums[] = { 0, 1, 63, 64, 128, 4096, 16384, 0xffffffff };
	struct kvm_clear_dirty_log c = { .slot = gen_slot_id(t) };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	c.first_page = one_in(t, 3) ? gen_u64(t) : 64 * rnd(t, 64);
	c.num_pages = one_in(t, 4) ? PICK(t, nums) : 64 * (1 + rnd(t, 16));
	c.padding2 = arg_data(t, 4096, &owned);
	arg = arg_struct(t, &c, sizeof(c), &owned);
	rec_note(t, "slot=%#x first=%#llx num=%u bitmap=%s at %s ", c.slot,
		 (unsigned long long)c.first_page, c.num_pages,
		 ptr_name(t, c.padding2), ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN);
}

/* VM and vCPU: the dirty-log protection cap mostly, others at random. */
void op_enable_cap(struct thr *t, const struct op *op)
{
	struct kvm_enable_cap c = { 0 };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	c.cap = one_in(t, 2) ? KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 :
		one_in(t, 2) ? rnd(t, 260) : gen_u32(t);
	c.flags = one_in(t, 8) ? gen_u32(t) : 0;
	c.args[0] = one_in(t, 3) ? gen_u64(t) : rnd(t, 4);
	if (one_in(t, 6))
		c.args[1 + rnd(t, 3)] = gen_u64(t);
	if (one_in(t, 16))
		gen_fill(t, c.pad, sizeof(c.pad));
	arg = arg_struct(t, &c, sizeof(c), &owned);
	rec_note(t, "cap=%u flags=%#x arg0=%#llx at %s ", c.cap, c.flags,
		 (unsigned long long)c.args[0], ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

static uint32_t gen_gsi(struct thr *t)
{
	static const uint32_t edge[] = { 0, 1023, 1024, 4095, 4096, 0xffffffff };

	if (one_in(t, 6))
		return PICK(t, edge);
	return one_in(t, 2) ? rnd(t, 32) : gen_u32(t);
}

void op_irqfd(struct thr *t, const struct op *op)
{
	static const uint32_t flags[] = {
		0, 0, 0, KVM_IRQFD_FLAG_DEASSIGN, KVM_IRQFD_FLAG_DEASSIGN,
		KVM_IRQFD_FLAG_RESAMPLE, KVM_IRQFD_FLAG_RESAMPLE,
		KVM_IRQFD_FLAG_RESAMPLE | KVM_IRQFD_FLAG_DEASSIGN,
	};
	struct kvm_irqfd f = { 0 };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	f.fd = gen_fd(t, K_EVENTFD);
	f.gsi = gen_gsi(t);
	f.flags = one_in(t, 10) ? gen_u32(t) : PICK(t, flags);
	f.resamplefd = gen_fd(t, K_EVENTFD);
	if (one_in(t, 16))
		gen_fill(t, f.pad, sizeof(f.pad));
	arg = arg_struct(t, &f, sizeof(f), &owned);
	rec_note(t, "fd=%d gsi=%u flags=%#x resample=%d at %s ", (int)f.fd, f.gsi,
		 f.flags, (int)f.resamplefd, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

void op_ioeventfd(struct thr *t, const struct op *op)
{
	struct kvm_ioeventfd io = { 0 };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	io.datamatch = one_in(t, 2) ? rnd(t, 256) : gen_u64(t);
	switch (rnd(t, 4)) {
	case 0:
		io.addr = gen_gpa(t);
		break;
	case 1:
		io.addr = rnd(t, 0x10000);	/* a port, for KVM_IOEVENTFD_FLAG_PIO */
		break;
	default:
		io.addr = 0x10000000 + 8 * rnd(t, 64);
	}
	io.len = rnd(t, 10);
	io.fd = gen_fd(t, K_EVENTFD);
	io.flags = one_in(t, 10) ? gen_u32(t) : rnd(t, 1 << kvm_ioeventfd_flag_nr_max);
	if (one_in(t, 16))
		gen_fill(t, io.pad, sizeof(io.pad));
	arg = arg_struct(t, &io, sizeof(io), &owned);
	rec_note(t, "addr=%#llx len=%u fd=%d flags=%#x dm=%#llx at %s ",
		 (unsigned long long)io.addr, io.len, io.fd, io.flags,
		 (unsigned long long)io.datamatch, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

static void gen_route(struct thr *t, struct kvm_irq_routing_entry *r)
{
	struct kvm_msi m;

	memset(r, 0, sizeof(*r));
	r->gsi = one_in(t, 4) ? gen_gsi(t) : rnd(t, 8);
	r->type = one_in(t, 8) ? gen_u32(t) : 1 + rnd(t, 2);	/* IRQCHIP or MSI */
	r->flags = one_in(t, 6) ? (one_in(t, 2) ? KVM_MSI_VALID_DEVID : gen_u32(t)) : 0;
	if (r->type == KVM_IRQ_ROUTING_IRQCHIP) {
		r->u.irqchip.irqchip = one_in(t, 6) ? gen_u32(t) : 0;
		r->u.irqchip.pin = one_in(t, 3) ? gen_u32(t) : rnd(t, 64);
		return;
	}
	gen_msi(t, &m);
	r->u.msi.address_lo = m.address_lo;
	r->u.msi.address_hi = m.address_hi;
	r->u.msi.data = m.data;
	r->u.msi.devid = m.devid;
	if (one_in(t, 16))
		r->pad = gen_u32(t);
}

/* Built in place in scratch: tables get too big to copy around. */
void op_gsi_routing(struct thr *t, const struct op *op)
{
	static const uint32_t edge[] = { 0, 4095, 4096, 4097, 65536, 0xffffffff };
	struct kvm_irq_routing *rt = (void *)t->scratch;
	const uint32_t room = (SCRATCH_SIZE - sizeof(*rt)) / sizeof(rt->entries[0]);
	uint32_t nr, i;
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	nr = one_in(t, 5) ? PICK(t, edge) : rnd(t, one_in(t, 4) ? 1024 : 16);
	rt->nr = nr;
	rt->flags = one_in(t, 10) ? gen_u32(t) : 0;
	for (i = 0; i < nr && i < room; i++)
		gen_route(t, &rt->entries[i]);
	arg = (uintptr_t)rt;
	owned = nr <= room;
	if (one_in(t, 10)) {
		arg = arg_struct(t, rt, sizeof(*rt) + sizeof(rt->entries[0]), &owned);
		owned = owned && nr <= 1;
	}
	rec_note(t, "nr=%u flags=%#x at %s ", nr, rt->flags, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

void op_irq_line(struct thr *t, const struct op *op)
{
	struct kvm_irq_level l = { .irq = gen_irq(t) };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	l.level = one_in(t, 8) ? gen_u32(t) : rnd(t, 2);
	arg = arg_struct(t, &l, sizeof(l), &owned);
	rec_note(t, "irq=%#x level=%u at %s ", l.irq, l.level, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

void op_signal_msi(struct thr *t, const struct op *op)
{
	struct kvm_msi m = { 0 };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	gen_msi(t, &m);
	arg = arg_struct(t, &m, sizeof(m), &owned);
	rec_note(t, "addr=%#x:%#x data=%#x flags=%#x devid=%#x at %s ", m.address_hi,
		 m.address_lo, m.data, m.flags, m.devid, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}

void op_create_device(struct thr *t, const struct op *op)
{
	struct kvm_create_device cd = { .type = gen_dev_type(t), .fd = -1 };
	struct fd_ent e = { .kind = K_DEV };
	struct tgt tg;
	uint64_t arg;
	bool owned;
	long r;

	begin(t, op, &tg);
	cd.flags = one_in(t, 8) ? gen_u32(t) :
		   one_in(t, 3) ? KVM_CREATE_DEVICE_TEST : 0;
	arg = arg_struct(t, &cd, sizeof(cd), &owned);
	rec_note(t, "type=%u flags=%#x at %s ", cd.type, cd.flags, ptr_name(t, arg));
	r = tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
	if (r || (cd.flags & KVM_CREATE_DEVICE_TEST) || !owned || !was_right(&tg))
		return;
	/* A real creation reports the device's fd in the struct. */
	arg_back(t, arg, &cd, sizeof(cd));
	e.fd = cd.fd;
	e.dev_type = cd.type;
	if (e.fd < 0)
		fuzz_fail("KVM_CREATE_DEVICE succeeded but reported fd %d", e.fd);
	else if (check_new_fd(t, e.fd))
		add_entry(t, &e);
}

/* KVM_REGISTER_COALESCED_MMIO and KVM_UNREGISTER_COALESCED_MMIO. */
void op_coalesced(struct thr *t, const struct op *op)
{
	static const uint32_t sizes[] = { 0, 1, 2, 4, 8, 4096, 0x10000, 0xffffffff };
	struct kvm_coalesced_mmio_zone z = { 0 };
	struct tgt tg;
	uint64_t arg;
	bool owned;

	begin(t, op, &tg);
	switch (rnd(t, 4)) {
	case 0:
		z.addr = gen_gpa(t);
		break;
	case 1:
		z.addr = rnd(t, 0x10000);
		break;
	default:
		z.addr = 0x10000000 + 8 * rnd(t, 16);
	}
	z.size = one_in(t, 4) ? gen_u32(t) : PICK(t, sizes);
	z.pio = one_in(t, 8) ? gen_u32(t) : one_in(t, 4);
	arg = arg_struct(t, &z, sizeof(z), &owned);
	rec_note(t, "addr=%#llx size=%#x pio=%u at %s ", (unsigned long long)z.addr,
		 z.size, z.pio, ptr_name(t, arg));
	tg_ioctl(t, &tg, op->req, arg, CF_KNOWN | (owned ? CF_OWNED : 0));
}
