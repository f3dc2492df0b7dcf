// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every call the fuzzer makes goes into its thread's ring, through the
 * watchdog's busy marker and the checks of what it returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz.h"

/* Distinct ioctl numbers seen, +1 so that 0 means empty. */
#define NR_SEEN		2048
static _Atomic uint64_t seen[NR_SEEN];
static atomic_uint nr_seen;

struct rec *rec_begin(struct thr *t, const char *what, int kind, int fd)
{
	struct rec *r = &t->ring[t->nrec % RING_LEN];

	r->seq = atomic_fetch_add(&fz.calls, 1);
	r->what = what;
	r->kind = kind;
	r->fd = fd;
	r->ret = 0;
	r->err = 0;
	r->done = false;
	r->args[0] = 0;
	t->nrec++;
	t->calls++;
	if (t->op >= 0)
		t->op_calls[t->op]++;
	return r;
}

static struct rec *cur(struct thr *t)
{
	return &t->ring[(t->nrec - 1) % RING_LEN];
}

/* Appends to the current call's argument summary. */
void rec_note(struct thr *t, const char *fmt, ...)
{
	struct rec *r = cur(t);
	size_t len = strlen(r->args);
	va_list ap;

	if (len >= sizeof(r->args) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(r->args + len, sizeof(r->args) - len, fmt, ap);
	va_end(ap);
}

static void print_rec(const char *prefix, int idx, const struct rec *r);

/* A call enters the kernel: with -vv, say so (a hang then shows which). */
void busy_enter(struct thr *t)
{
	if (fz.verbose > 1)
		print_rec("# ", t->idx, cur(t));
	atomic_store(&t->busy_since, now_ns());
}

const char *err_name(int err)
{
	static __thread char buf[16];
	const char *s = err < 512 ? strerrorname_np(err) : NULL;

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}

static void print_rec(const char *prefix, int idx, const struct rec *r)
{
	char res[48];

	if (!r->done)
		snprintf(res, sizeof(res), "(in progress)");
	else if (r->ret == -1)
		snprintf(res, sizeof(res), "-1 %s", err_name(r->err));
	else
		snprintf(res, sizeof(res), "%ld", r->ret);
	/* Bounded: the thread may be writing it while a failure is dumped. */
	out("%s[t%d #%lu] %s %s fd=%d %.*s= %s", prefix, idx, r->seq, r->what,
	    kind_name(r->kind), r->fd, (int)strnlen(r->args, sizeof(r->args)),
	    r->args, res);
}

/*
 * Ends the current call: @r is what the syscall returned (-1 with errno
 * for a failure). Checks what no call may ever return.
 */
long rec_end(struct thr *t, long r)
{
	int err = r == -1 ? errno : 0;
	struct rec *c = cur(t);

	atomic_store(&t->busy_since, 0);
	c->ret = r;
	c->err = err;
	c->done = true;
	t->errs[err < NR_ERRNO - 1 ? err : NR_ERRNO - 1]++;
	if (fz.verbose)
		print_rec("# ", t->idx, c);
	if (r < -1)
		fuzz_fail("%s returned %ld: negative but not -1 (an errno beyond -4095)",
			  c->what, r);
	/* 512 and up: ERESTARTSYS, ENOIOCTLCMD, ... never reach userspace. */
	if (err >= 512)
		fuzz_fail("%s failed with errno %d, a kernel-internal error code",
			  c->what, err);
	errno = err;
	return r;
}

void note_ioctl_nr(unsigned long req)
{
	uint64_t v = (uint64_t)req + 1, e;
	unsigned int h = (unsigned int)(v * 0x9e3779b97f4a7c15ULL >> 40), i;

	for (i = 0; i < 16; i++) {
		_Atomic uint64_t *s = &seen[(h + i) % NR_SEEN];

		e = atomic_load(s);
		if (e == v)
			return;
		if (!e) {
			if (atomic_compare_exchange_strong(s, &e, v)) {
				atomic_fetch_add(&nr_seen, 1);
				return;
			}
			if (e == v)
				return;
		}
	}
}

unsigned int distinct_ioctls(void)
{
	return atomic_load(&nr_seen);
}

/* The ioctl on the current call's fd; syscall() keeps a long result. */
long rec_ioctl(struct thr *t, unsigned long req, uint64_t arg)
{
	int fd = cur(t)->fd;

	note_ioctl_nr(req);
	busy_enter(t);
	return rec_end(t, syscall(SYS_ioctl, fd, req, (unsigned long)arg));
}

/*
 * Checks that depend on the call: only where the fd is of the right kind
 * and was not closed meanwhile (an entry leaves the pool before its fd is
 * closed), and only for errnos no argument can explain.
 */
void check_call(struct thr *t, const struct tgt *tg, unsigned int cf)
{
	struct rec *r = cur(t);

	if (r->ret != -1 || !tg->right || !pool_alive(tg->e.kind, tg->e.gen))
		return;
	if ((cf & CF_KNOWN) && r->err == ENOSYS)
		fuzz_fail("%s on a %s fd failed with ENOSYS", r->what,
			  kind_name(tg->e.kind));
	if ((cf & CF_OWNED) && r->err == EFAULT)
		fuzz_fail("%s failed with EFAULT though all its buffers were valid (%s)",
			  r->what, r->args);
}

long tg_ioctl(struct thr *t, const struct tgt *tg, unsigned long req,
	      uint64_t arg, unsigned int cf)
{
	long r = rec_ioctl(t, req, arg);

	check_call(t, tg, cf);
	return r;
}

/*
 * A call that returns a new fd: it must be open (nothing closes it
 * meanwhile, as it is in no pool yet) and must not be one that was open
 * already.
 */
bool check_new_fd(struct thr *t, long fd)
{
	if (fd < 0)
		return false;
	if (fd > INT_MAX || fcntl(fd, F_GETFD) == -1) {
		fuzz_fail("%s returned %ld, which is not an open fd", cur(t)->what, fd);
		return false;
	}
	if ((fd <= STDERR_FILENO && fz.stdio_open & 1u << fd) || pool_has_fd(fd)) {
		fuzz_fail("%s returned fd %ld, which was open before", cur(t)->what, fd);
		return false;
	}
	return true;
}

/* Every thread's ring, whether it stopped, died or is still in a call. */
void dump_rings(void)
{
	static const char *const state[] = {
		[TS_NEW] = "not started", [TS_RUNNING] = "still running",
		[TS_DONE] = "stopped", [TS_DIED] = "died of the fault",
	};
	int i;

	for (i = 0; i < fz.nthreads; i++) {
		struct thr *t = &fz.thr[i];
		unsigned long n = t->nrec, k;

		out("# thread %d (%s): %lu calls; its last %lu, oldest first:", i,
		    state[atomic_load(&t->state) & 3], t->calls,
		    n < RING_LEN ? n : RING_LEN);
		for (k = n < RING_LEN ? 0 : n - RING_LEN; k < n; k++)
			print_rec("#   ", i, &t->ring[k % RING_LEN]);
	}
}
