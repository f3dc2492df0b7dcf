// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fd pool all threads share. Entries are copied out under the lock and
 * used without it, so an fd may be closed, and its number reused, while
 * another thread is in an ioctl on it: that is part of the game. The pool
 * never closes the fuzzer's own files (stdio, the wrong fds): their numbers
 * stay taken, so a stale number only ever reaches a KVM fd, an eventfd or
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#define POOL_CAP	16
#define VCPUS_PER_VM	4
#define NR_ORPHANS	8	/* kvm_run mappings that outlive their fd */
#define NEVER_OPEN_FD	1000	/* far above the pool's fds */

static const int kind_cap[NR_KINDS] = {
	[K_SYS] = 2, [K_VM] = 8, [K_VCPU] = 16, [K_DEV] = 8,
	[K_STATS] = 12, [K_EVENTFD] = 12, [K_WRONG] = POOL_CAP,
};

static const char *const kind_names[NR_KINDS] = {
	"sys", "vm", "vcpu", "dev", "stats", "eventfd", "wrong",
};

static struct {
	pthread_mutex_t lock;
	struct fd_ent ent[NR_KINDS][POOL_CAP];
	uint64_t next_gen;
	struct { void *p; size_t len; } orphan[NR_ORPHANS];
	unsigned int norphans;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .next_gen = 1 };

const char *kind_name(int kind)
{
	return kind >= 0 && kind < NR_KINDS ? kind_names[kind] : "-";
}

static int count(enum fd_kind kind)
{
	int i, n = 0;

	for (i = 0; i < kind_cap[kind]; i++)
		n += !!pool.ent[kind][i].gen;
	return n;
}

/* The @n-th used entry of @kind. */
static struct fd_ent *nth(enum fd_kind kind, int n)
{
	int i;

	for (i = 0; i < kind_cap[kind]; i++)
		if (pool.ent[kind][i].gen && !n--)
			return &pool.ent[kind][i];
	return NULL;
}

static struct fd_ent *find(enum fd_kind kind, uint64_t gen)
{
	int i;

	for (i = 0; i < kind_cap[kind]; i++)
		if (pool.ent[kind][i].gen == gen)
			return &pool.ent[kind][i];
	return NULL;
}

static struct fd_ent *pick_locked(struct thr *t, enum fd_kind kind)
{
	int n = count(kind);

	return n ? nth(kind, rnd(t, n)) : NULL;
}

bool pool_pick(struct thr *t, enum fd_kind kind, struct fd_ent *out)
{
	struct fd_ent *e;

	pthread_mutex_lock(&pool.lock);
	e = pick_locked(t, kind);
	if (e)
		*out = *e;
	pthread_mutex_unlock(&pool.lock);
	return e;
}

/* Removes a random entry: the caller closes it. */
bool pool_take(struct thr *t, enum fd_kind kind, struct fd_ent *out)
{
	struct fd_ent *e;

	pthread_mutex_lock(&pool.lock);
	e = pick_locked(t, kind);
	if (e) {
		*out = *e;
		e->gen = 0;
	}
	pthread_mutex_unlock(&pool.lock);
	return e;
}

bool pool_alive(enum fd_kind kind, uint64_t gen)
{
	bool r;

	if (kind < 0 || kind >= NR_KINDS)
		return false;
	pthread_mutex_lock(&pool.lock);
	r = find(kind, gen);
	pthread_mutex_unlock(&pool.lock);
	return r;
}

/* The oldest entry of @kind, or of the vCPUs of VM @vm_gen. */
static struct fd_ent *oldest(enum fd_kind kind, uint64_t vm_gen)
{
	struct fd_ent *o = NULL;
	int i;

	for (i = 0; i < kind_cap[kind]; i++) {
		struct fd_ent *e = &pool.ent[kind][i];

		if (e->gen && (!vm_gen || e->vm_gen == vm_gen) &&
		    (!o || e->gen < o->gen))
			o = e;
	}
	return o;
}

static int vcpus_of(uint64_t vm_gen)
{
	int i, n = 0;

	for (i = 0; i < kind_cap[K_VCPU]; i++)
		n += pool.ent[K_VCPU][i].gen && pool.ent[K_VCPU][i].vm_gen == vm_gen;
	return n;
}

/*
 * Adds @e (its gen is set here). A full kind, or a VM with its share of
 * vCPUs, gives up its oldest entry: returned in @evicted, to be closed.
 */
bool pool_add(struct fd_ent *e, struct fd_ent *evicted)
{
	struct fd_ent *slot = NULL;
	bool ev = false;
	int i;

	pthread_mutex_lock(&pool.lock);
	if (e->kind == K_VCPU && vcpus_of(e->vm_gen) >= VCPUS_PER_VM)
		slot = oldest(K_VCPU, e->vm_gen);
	for (i = 0; !slot && i < kind_cap[e->kind]; i++)
		if (!pool.ent[e->kind][i].gen)
			slot = &pool.ent[e->kind][i];
	if (!slot)
		slot = oldest(e->kind, 0);
	if (slot->gen) {
		*evicted = *slot;
		ev = true;
	}
	e->gen = pool.next_gen++;
	*slot = *e;
	pthread_mutex_unlock(&pool.lock);
	return ev;
}

/*
 * Takes a vCPU's kvm_run mapping away to unmap it, half of the time from a
 * vCPU that is in KVM_RUN right now if there is one.
 */
bool pool_detach_run(struct thr *t, void **p, size_t *len)
{
	struct fd_ent *c[POOL_CAP], *e;
	bool any = one_in(t, 2);
	int i, n = 0;

	pthread_mutex_lock(&pool.lock);
	for (; !n; any = true) {
		for (i = 0; i < kind_cap[K_VCPU]; i++) {
			e = &pool.ent[K_VCPU][i];
			if (e->gen && e->run && (any || e->running))
				c[n++] = e;
		}
		if (any)
			break;
	}
	e = n ? c[rnd(t, n)] : NULL;
	if (e) {
		*p = e->run;
		*len = e->run_len;
		e->run = NULL;
	}
	pthread_mutex_unlock(&pool.lock);
	return e;
}

bool pool_attach_run(uint64_t gen, void *p, size_t len)
{
	struct fd_ent *e;
	bool r = false;

	pthread_mutex_lock(&pool.lock);
	e = find(K_VCPU, gen);
	if (e && !e->run) {
		e->run = p;
		e->run_len = len;
		r = true;
	}
	pthread_mutex_unlock(&pool.lock);
	return r;
}

/* Marks a vCPU as in KVM_RUN; its kvm_run mapping now, or NULL. */
void *pool_run_begin(uint64_t gen)
{
	struct fd_ent *e;
	void *run = NULL;

	pthread_mutex_lock(&pool.lock);
	e = find(K_VCPU, gen);
	if (e) {
		e->running++;
		run = e->run;
	}
	pthread_mutex_unlock(&pool.lock);
	return run;
}

void pool_run_end(uint64_t gen)
{
	struct fd_ent *e;

	pthread_mutex_lock(&pool.lock);
	e = find(K_VCPU, gen);
	if (e && e->running)
		e->running--;
	pthread_mutex_unlock(&pool.lock);
}

/* Adds @add to VM @vm_gen's vCPU count; returns the count. */
int pool_vm_vcpus(uint64_t vm_gen, int add)
{
	struct fd_ent *e;
	int n = 0;

	pthread_mutex_lock(&pool.lock);
	e = find(K_VM, vm_gen);
	if (e) {
		e->nr_vcpus += add;
		n = e->nr_vcpus;
	}
	pthread_mutex_unlock(&pool.lock);
	return n;
}

static bool in(uint64_t a, uint64_t len, const void *p, size_t size)
{
	uint64_t b = (uintptr_t)p;

	return p && a >= b && len <= size && a - b <= size - len;
}

/* True if [@a, @a + @len) lies in a kvm_run mapping the pool knows. */
bool pool_in_run(uint64_t a, uint64_t len)
{
	bool r = false;
	unsigned int i;

	pthread_mutex_lock(&pool.lock);
	for (i = 0; i < (unsigned int)kind_cap[K_VCPU] && !r; i++)
		r = pool.ent[K_VCPU][i].gen &&
		    in(a, len, pool.ent[K_VCPU][i].run, pool.ent[K_VCPU][i].run_len);
	for (i = 0; i < pool.norphans && !r; i++)
		r = in(a, len, pool.orphan[i].p, pool.orphan[i].len);
	pthread_mutex_unlock(&pool.lock);
	return r;
}

/*
 * True if @fd is an open fd of the pool. An entry leaves the pool before
 * its fd is closed, so no call can hand out such a number as a new fd.
 */
bool pool_has_fd(long fd)
{
	bool r = false;
	int k, i;

	pthread_mutex_lock(&pool.lock);
	for (k = 0; k < NR_KINDS && !r; k++)
		for (i = 0; i < kind_cap[k] && !r; i++)
			r = pool.ent[k][i].gen && pool.ent[k][i].fd == fd &&
			    fd != NEVER_OPEN_FD;
	pthread_mutex_unlock(&pool.lock);
	return r;
}

/* Keeps a mapping whose vCPU fd was closed; the oldest goes when full. */
bool pool_orphan(void *p, size_t len, void **old, size_t *old_len)
{
	bool full;

	pthread_mutex_lock(&pool.lock);
	full = pool.norphans == NR_ORPHANS;
	if (full) {
		*old = pool.orphan[0].p;
		*old_len = pool.orphan[0].len;
		memmove(pool.orphan, pool.orphan + 1, sizeof(pool.orphan[0]) *
			(NR_ORPHANS - 1));
		pool.norphans--;
	}
	pool.orphan[pool.norphans].p = p;
	pool.orphan[pool.norphans].len = len;
	pool.norphans++;
	pthread_mutex_unlock(&pool.lock);
	return full;
}

/*
 * The fd for an operation on @kind: usually one of that kind, sometimes on
 * purpose one of another kind or a wrong fd, a wrong fd when there is none.
 */
void pick_target(struct thr *t, enum fd_kind kind, struct tgt *tg)
{
	unsigned int x = rnd(t, 100);
	enum fd_kind k = kind;

	if (x < 5)
		k = K_WRONG;
	else if (x < 11)
		k = rnd(t, NR_KINDS - 1);
	if (!pool_pick(t, k, &tg->e)) {
		k = K_WRONG;
		pool_pick(t, k, &tg->e);
	}
	tg->right = tg->e.kind == kind;
}

static void unmap_run(struct thr *t, void *p, size_t len)
{
	rec_begin(t, "munmap", K_NONE, -1);
	rec_note(t, "kvm_run %p len=%#zx ", p, len);
	busy_enter(t);
	rec_end(t, munmap(p, len));
}

/* Closes an entry that left the pool; its kvm_run may stay mapped a while. */
void drop_entry(struct thr *t, struct fd_ent *e)
{
	void *old;
	size_t old_len;

	rec_begin(t, "close", e->kind, e->fd);
	busy_enter(t);
	rec_end(t, close(e->fd));
	if (e->kind != K_VCPU || !e->run)
		return;
	if (one_in(t, 2))
		unmap_run(t, e->run, e->run_len);
	else if (pool_orphan(e->run, e->run_len, &old, &old_len))
		unmap_run(t, old, old_len);
}

void add_entry(struct thr *t, struct fd_ent *e)
{
	struct fd_ent ev;

	if (pool_add(e, &ev))
		drop_entry(t, &ev);
}

/*
 * A vCPU's kvm_run, mapped as a VMM maps it, and its length in @len: the
 * one it was mapped with, though fz.mmap_size may change meanwhile, as a
 * longer munmap() would take a neighbour of the fuzzer's with it.
 */
void *map_run(struct thr *t, int fd, size_t *len_out)
{
	size_t len = atomic_load(&fz.mmap_size);
	void *p;

	rec_begin(t, "mmap", K_VCPU, fd);
	rec_note(t, "kvm_run len=%#zx ", len);
	busy_enter(t);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rec_end(t, p == MAP_FAILED ? -1 : 0);
	*len_out = len;
	return p == MAP_FAILED ? NULL : p;
}

static void add_wrong(int fd)
{
	struct fd_ent e = { .fd = fd, .kind = K_WRONG };
	struct fd_ent ev;

	pool_add(&e, &ev);
}

static long startup_fd(struct thr *t, const char *what, int kind, int fd,
		       unsigned long req, unsigned long arg)
{
	rec_begin(t, what, kind, fd);
	return rec_ioctl(t, req, arg);
}

/*
 * The wrong fds, and a first system fd, VM, vCPU and eventfd so that the
 * threads start with something to work on.
 */
void pool_init(void)
{
	struct thr *t = self;
	struct fd_ent e = { 0 };
	int p[2], sys;
	long vm, vcpu;
	uint64_t vm_gen;
	long sz;

	if (!pipe2(p, O_NONBLOCK | O_CLOEXEC)) {
		add_wrong(p[0]);
		add_wrong(p[1]);
	}
	add_wrong(open("/dev/null", O_RDWR | O_CLOEXEC));
	if (fcntl(NEVER_OPEN_FD, F_GETFD) == -1)
		add_wrong(NEVER_OPEN_FD);
	add_wrong(-1);

	rec_begin(t, "open", K_SYS, -1);
	busy_enter(t);
	sys = rec_end(t, open("/dev/kvm", O_RDWR | O_CLOEXEC));
	if (sys < 0)
		return;
	e.kind = K_SYS;
	e.fd = sys;
	add_entry(t, &e);
	sz = startup_fd(t, "KVM_GET_API_VERSION", K_SYS, sys, KVM_GET_API_VERSION, 0);
	if (sz != KVM_API_VERSION)
		fuzz_fail("KVM_GET_API_VERSION returned %ld, not %d", sz, KVM_API_VERSION);
	sz = startup_fd(t, "KVM_GET_VCPU_MMAP_SIZE", K_SYS, sys,
			KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < fz.page || sz % fz.page)
		fuzz_fail("KVM_GET_VCPU_MMAP_SIZE returned %ld: not whole pages", sz);
	atomic_store(&fz.mmap_size, sz >= fz.page ? (size_t)sz : 2 * fz.page);

	vm = startup_fd(t, "KVM_CREATE_VM", K_SYS, sys, KVM_CREATE_VM, 0);
	if (!check_new_fd(t, vm))
		return;
	e.kind = K_VM;
	e.fd = vm;
	add_entry(t, &e);
	vm_gen = e.gen;
	vcpu = startup_fd(t, "KVM_CREATE_VCPU", K_VM, vm, KVM_CREATE_VCPU, 0);
	if (check_new_fd(t, vcpu)) {
		pool_vm_vcpus(vm_gen, 1);
		memset(&e, 0, sizeof(e));
		e.kind = K_VCPU;
		e.fd = vcpu;
		e.vm_fd = vm;
		e.vm_gen = vm_gen;
		e.run = map_run(t, vcpu, &e.run_len);
		add_entry(t, &e);
	}
	memset(&e, 0, sizeof(e));
	e.kind = K_EVENTFD;
	e.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e.fd >= 0)
		add_entry(t, &e);
}
