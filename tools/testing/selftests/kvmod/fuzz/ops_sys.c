// SPDX-License-Identifier: GPL-2.0-only
/*
 * Operations on the system fd, fd lifecycles (open, eventfd, close), stats
 * fd reads and ioctl numbers nothing implements.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fuzz.h"
#include "ops.h"

void begin(struct thr *t, const struct op *op, struct tgt *tg)
{
	pick_target(t, op->kind, tg);
	rec_begin(t, op->name, tg->e.kind, tg->e.fd);
}

/* True if the fd of @tg was of its kind throughout the call just made. */
bool was_right(const struct tgt *tg)
{
	return tg->right && pool_alive(tg->e.kind, tg->e.gen);
}

void op_api_version(struct thr *t, const struct op *op)
{
	uint64_t arg = one_in(t, 4) ? gen_u64(t) : 0;
	struct tgt tg;
	long r;

	begin(t, op, &tg);
	rec_note(t, "arg=%#llx ", (unsigned long long)arg);
	r = tg_ioctl(t, &tg, op->req, arg, CF_KNOWN);
	if (r >= 0 && r != KVM_API_VERSION && was_right(&tg))
		fuzz_fail("KVM_GET_API_VERSION returned %ld, not %d", r, KVM_API_VERSION);
}

void op_create_vm(struct thr *t, const struct op *op)
{
	unsigned long type = gen_vm_type(t);
	struct fd_ent e = { .kind = K_VM };
	struct tgt tg;
	long r;

	begin(t, op, &tg);
	rec_note(t, "type=%#lx ", type);
	r = tg_ioctl(t, &tg, op->req, type, CF_KNOWN);
	/* Only /dev/kvm creates VMs: whatever succeeded is a new VM fd. */
	if (!check_new_fd(t, r))
		return;
	e.fd = r;
	add_entry(t, &e);
}

void op_check_extension(struct thr *t, const struct op *op)
{
	uint64_t cap = one_in(t, 4) ? gen_u64(t) : rnd(t, 260);
	struct tgt tg;

	begin(t, op, &tg);
	rec_note(t, "cap=%llu ", (unsigned long long)cap);
	tg_ioctl(t, &tg, op->req, cap, CF_KNOWN);
}

void op_mmap_size(struct thr *t, const struct op *op)
{
	uint64_t arg = one_in(t, 4) ? gen_u64(t) : 0;
	struct tgt tg;
	long r;

	begin(t, op, &tg);
	rec_note(t, "arg=%#llx ", (unsigned long long)arg);
	r = tg_ioctl(t, &tg, op->req, arg, CF_KNOWN);
	if (r < 0 || !was_right(&tg))
		return;
	if (r < fz.page || r % fz.page)
		fuzz_fail("KVM_GET_VCPU_MMAP_SIZE returned %ld: not whole pages", r);
	else
		atomic_store(&fz.mmap_size, r);
}

/* KVM_GET_STATS_FD on any kind; VMs and vCPUs give a new stats fd. */
void op_get_stats_fd(struct thr *t, const struct op *op)
{
	struct fd_ent e = { .kind = K_STATS };
	struct tgt tg;
	long r;

	begin(t, op, &tg);
	r = tg_ioctl(t, &tg, op->req, one_in(t, 8) ? gen_u64(t) : 0, CF_KNOWN);
	if (!check_new_fd(t, r))
		return;
	e.fd = r;
	add_entry(t, &e);
}

void op_open_kvm(struct thr *t, const struct op *op)
{
	struct fd_ent e = { .kind = K_SYS };

	rec_begin(t, op->name, K_SYS, -1);
	busy_enter(t);
	e.fd = rec_end(t, open("/dev/kvm", O_RDWR | O_CLOEXEC));
	if (e.fd >= 0)
		add_entry(t, &e);
}

void op_eventfd(struct thr *t, const struct op *op)
{
	struct fd_ent e = { .kind = K_EVENTFD };
	int flags = EFD_NONBLOCK | EFD_CLOEXEC | (one_in(t, 4) ? EFD_SEMAPHORE : 0);
	unsigned int init = one_in(t, 4) ? rnd(t, 4) : 0;

	rec_begin(t, op->name, K_NONE, -1);
	rec_note(t, "init=%u flags=%#x ", init, flags);
	busy_enter(t);
	e.fd = rec_end(t, eventfd(init, flags));
	if (e.fd >= 0)
		add_entry(t, &e);
}

/* Signals an eventfd: what irqfds inject. All eventfds are non-blocking. */
void op_eventfd_write(struct thr *t, const struct op *op)
{
	uint64_t v[2] = { one_in(t, 4) ? gen_u64(t) : 1, 0 };
	size_t len = one_in(t, 8) ? rnd(t, sizeof(v) + 1) : 8;
	struct tgt tg;

	begin(t, op, &tg);
	rec_note(t, "v=%#llx len=%zu ", (unsigned long long)v[0], len);
	busy_enter(t);
	rec_end(t, write(tg.e.fd, v, len));
}

/* Consumes an eventfd: what ioeventfds signal. */
void op_eventfd_read(struct thr *t, const struct op *op)
{
	size_t len = one_in(t, 8) ? rnd(t, 17) : 8;
	struct tgt tg;

	begin(t, op, &tg);
	rec_note(t, "len=%zu ", len);
	busy_enter(t);
	rec_end(t, read(tg.e.fd, t->scratch + STRUCT_AREA, len));
}

/* Closes a random fd, perhaps while another thread is in an ioctl on it. */
void op_close(struct thr *t, const struct op *op)
{
	static const enum fd_kind kinds[] = {
		K_VCPU, K_VCPU, K_VCPU, K_VM, K_VM, K_DEV, K_DEV, K_STATS,
		K_STATS, K_EVENTFD, K_EVENTFD, K_SYS,
	};
	struct fd_ent e;

	if (pool_take(t, PICK(t, kinds), &e))
		drop_entry(t, &e);
}

/* pread() of a stats fd at random offsets and sizes. */
void op_stats_read(struct thr *t, const struct op *op)
{
	static const size_t sizes[] = { 0, 1, 8, sizeof(struct kvm_stats_header), 4096 };
	size_t len = one_in(t, 3) ? rnd(t, DATA_SIZE + 1) :
		     PICK(t, sizes);
	int64_t off = one_in(t, 3) ? (int64_t)gen_u64(t) : (int64_t)rnd(t, 4096);
	struct tgt tg;
	uint64_t buf;
	bool owned;
	long r;

	begin(t, op, &tg);
	buf = arg_data(t, len, &owned);
	rec_note(t, "buf=%s len=%zu off=%lld ", ptr_name(t, buf), len, (long long)off);
	busy_enter(t);
	r = rec_end(t, pread(tg.e.fd, (void *)(uintptr_t)buf, len, off));
	if (r > (long)len)
		fuzz_fail("pread of %zu bytes returned %ld", len, r);
}

/* ioctl types whose generic handlers could touch more than the call's fd. */
static bool blocked_type(unsigned int type)
{
	return type == 0 || type == 'T' || type == 'X' || type == 'f' ||
	       type == 'v' || type == 0x94 || type == 0x12;
}

static bool known_req(unsigned long req)
{
	static const unsigned long extra[] = {
		KVM_RUN, KVM_CREATE_VM, KVM_CREATE_VCPU, KVM_GET_STATS_FD,
		KVM_CREATE_DEVICE, KVM_SET_SIGNAL_MASK, KVM_CREATE_GUEST_MEMFD,
	};
	unsigned int i;

	for (i = 0; i < nr_ops; i++)
		if (ops[i].req == req)
			return true;
	for (i = 0; i < ARRAY_SIZE(extra); i++)
		if (extra[i] == req)
			return true;
	return false;
}

/*
 * An ioctl number nothing of kvmod implements: KVM's type mostly, with
 * random direction, number and size. Never one that blocks (KVM_RUN
 * without its timer), makes fds nobody closes, or reaches generic file
 * ioctls that could change more than this fd.
 */
static unsigned long gen_unknown_req(struct thr *t)
{
	unsigned long req;

	do {
		unsigned int type = one_in(t, 4) ? rnd(t, 256) : KVMIO;
		unsigned int size = one_in(t, 2) ? rnd(t, 64) : rnd(t, 1 << 14);

		req = _IOC(rnd(t, 4), type, rnd(t, 256), size);
		if (one_in(t, 16))
			req = (uint32_t)rnd64(t);
	} while (blocked_type(_IOC_TYPE(req)) || known_req(req));
	return req;
}

void op_unknown_ioctl(struct thr *t, const struct op *op)
{
	unsigned long req = gen_unknown_req(t);
	uint8_t junk[256];
	struct fd_ent e;
	uint64_t arg;
	bool owned;

	if (!pool_pick(t, rnd(t, NR_KINDS), &e))
		return;
	gen_fill(t, junk, sizeof(junk));
	if (one_in(t, 3))
		arg = rnd(t, 0x1000);		/* a small number, or the NULL page */
	else
		arg = arg_struct(t, junk, sizeof(junk), &owned);
	rec_begin(t, op->name, e.kind, e.fd);
	rec_note(t, "req=%#lx arg=%s ", req, ptr_name(t, arg));
	rec_ioctl(t, req, arg);
}
