// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod_fuzz: a fuzzer for the KVM API as kvmod implements it (/dev/kvm).
 *
 * Design. Worker threads (-j) share one pool of typed fds (pool.c): the
 * system fd, VMs, vCPUs (each with its kvm_run mapping), devices, stats
 * fds, eventfds and some wrong fds (a pipe, /dev/null, numbers never
 * opened). Each thread repeatedly picks an operation from a weighted table
 * (table.c): an ioctl for one fd kind, an mmap, munmap, close, pread, or a
 * change to guest memory. An operation takes a random fd of its kind, or
 * on purpose one of another kind, and arguments that look valid, sit on a
 * boundary or are hostile (args.c, arch.c): NULL, kernel and unaligned
 * pointers, structs that straddle into a PROT_NONE page, overlapping and
 * huge memory slots, slots whose memory is later unmapped, mprotected or
 * dropped (mem.c). KVM_RUN runs random guest code (guest.c) and is bounded
 * by a periodic per-thread timer whose signal ends it with EINTR. Threads
 * close fds and unmap kvm_run while other threads use them.
 *
 * Memory the kernel may write is always ours to lose: a thread's scratch
 * buffer, the guest memory arena or a PROT_NONE reservation; guest memory
 * slots only ever cover those (host_range_safe()), so neither the kernel
 * nor a guest can scribble over the fuzzer. Reads and writes of memory
 * that other threads may unmap go through probe_copy().
 *
 * Failures (exit status 1, "not ok"): a call stuck for longer than the
 * watchdog limit (-w, 10 s), a result that breaks the uAPI contract (a
 * bogus fd, API version or mmap size, a negative return other than -1,
 * an errno of the kernel's internal range, ENOSYS from a KVM ioctl, EFAULT
 * though every buffer was valid), or a fault of the fuzzer itself. Other
 * errnos are fine: kvmod may differ from upstream there.
 *
 * Reproducing. Every thread draws from its own PRNG, seeded from the seed
 * (-s, printed first) and its index, and keeps a ring of its last RING_LEN
 * calls. A failure prints the seed and all rings: the failing thread only
 * records it and stops (a fault takes it out of its loop), the main thread
 * dumps once all threads stopped, or GRACE_S later if some do not.
 * "-j 1 -s SEED" replays a single-threaded run call by call; with several
 * threads, each thread gets the same random stream again, but the threads
 * interleave differently.
 *
 *   kvmod_fuzz                    make check: 20000 calls, <= 120 s, 4 threads
 *   kvmod_fuzz -n 1000000 -t 3600 -s SEED    a soak
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

struct fuzz fz = {
	.budget = 20000,
	.seconds = 120,
	.watchdog = 10,
	.nthreads = 4,
};

__thread struct thr *self;
/*
 * Volatile: only on_fault() reads it, so to the compiler the store before
 * probe_copy()'s memcpy() is dead, and it was gone from the binary.
 */
static __thread sigjmp_buf *volatile probe_env;
/* Where a worker goes when it faults outside probe_copy(): out. */
static __thread sigjmp_buf *volatile fault_exit;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int dying;		/* the failure is being dumped */
static pthread_barrier_t start;
static atomic_bool stopped_by_time;
static unsigned int op_total;

double now_s(void)
{
	return now_ns() / 1e9;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* All of it: the kick signal may interrupt a write. */
static void put_out(const char *buf, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(STDOUT_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= w;
	}
}

/*
 * One line to stdout in one write(), so threads' lines do not mix. No
 * lock once dying: the dump must not wait for a thread that is stuck.
 */
void out(const char *fmt, ...)
{
	bool lock = !atomic_load(&dying);
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (lock)
		pthread_mutex_lock(&out_lock);
	put_out(buf, n);
	if (lock)
		pthread_mutex_unlock(&out_lock);
}

/*
 * The first failure wins; every thread stops at its next operation. fz.stop
 * is set only here, once fail_msg is written: the dump waits for it.
 */
void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	int expected = 0;

	if (!atomic_compare_exchange_strong(&fz.failed, &expected, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(fz.fail_msg, sizeof(fz.fail_msg), fmt, ap);
	va_end(ap);
	atomic_store(&fz.stop, 1);
}

static void summary(void)
{
	unsigned long errs[NR_ERRNO] = { 0 };
	unsigned int i, k, used = 0, shown = 0;
	char hist[320];
	int len = 0;

	for (i = 0; i < (unsigned int)fz.nthreads; i++)
		for (k = 0; k < NR_ERRNO; k++)
			errs[k] += fz.thr[i].errs[k];
	for (k = 0; k < nr_ops; k++) {
		for (i = 0; i < (unsigned int)fz.nthreads; i++) {
			if (fz.thr[i].op_calls[k]) {
				used++;
				break;
			}
		}
	}
	/* The most frequent results first, until the line is full. */
	while (shown < 12 && len < (int)sizeof(hist) - 40) {
		unsigned int best = 0;

		for (k = 1; k < NR_ERRNO; k++)
			if (errs[k] > errs[best])
				best = k;
		if (!errs[best])
			break;
		len += snprintf(hist + len, sizeof(hist) - len, "%s%s %lu",
				shown ? ", " : "", !best ? "ok" :
				best == NR_ERRNO - 1 ? "other" : err_name(best),
				errs[best]);
		if (len >= (int)sizeof(hist))
			len = sizeof(hist) - 1;
		errs[best] = 0;
		shown++;
	}
	hist[len] = 0;
	out("# summary: seed %llu, calls %lu, ops %u/%u, ioctl numbers %u, wall %.1f s%s; "
	    "results: %s", (unsigned long long)fz.seed, atomic_load(&fz.calls), used,
	    nr_ops, distinct_ioctls(), now_s() - fz.t0,
	    atomic_load(&stopped_by_time) ? " (time limit)" : "", hist);
}

/* With -j 1, the same seed replays the same calls. */
static void print_repro(void)
{
	out("# reproduce: kvmod_fuzz -s %llu -j %d -n %lu -t %.0f",
	    (unsigned long long)fz.seed, fz.nthreads, fz.budget, fz.seconds);
}

/* write() and snprintf() only: it may run in a signal handler. */
static void dump_fail(void)
{
	out("# FAIL: %s", fz.fail_msg);
	print_repro();
	dump_rings();
	summary();
	out("1..1");
	out("not ok 1 - kvmod_fuzz seed %llu: %s", (unsigned long long)fz.seed,
	    fz.fail_msg);
}

/* The faulting instruction and its caller's return address. */
static void fault_regs(const void *uc, unsigned long *pc, unsigned long *ra)
{
	const ucontext_t *u = uc;

#if defined(__riscv)
	*pc = u->uc_mcontext.__gregs[REG_PC];
	*ra = u->uc_mcontext.__gregs[REG_RA];
#elif defined(__aarch64__)
	*pc = u->uc_mcontext.pc;
	*ra = u->uc_mcontext.regs[30];
#else
	*pc = *ra = 0;
#endif
}

static void fault_fail(int sig, const siginfo_t *si, const void *uc)
{
	struct thr *t = self;
	bool in_call = t && atomic_load(&t->busy_since);
	unsigned long pc, ra;

	fault_regs(uc, &pc, &ra);
	fuzz_fail("%s (si_code %d) at address %p, pc %#lx ra %#lx, in thread %d, op %s%s",
		  sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
		  si->si_code, si->si_addr, pc, ra, t ? t->idx : -1,
		  t && t->op >= 0 ? ops[t->op].name : "-",
		  in_call ? ", during its call in progress: sent by the kernel" : "");
}

/*
 * SIGSEGV/SIGBUS: expected inside probe_copy(), a failure anywhere else.
 * A worker leaves its loop and the main thread dumps, once the others
 * stopped; elsewhere (start-up, watchdog) this thread dumps at once.
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	if (probe_env)
		siglongjmp(*probe_env, 1);
	fault_fail(sig, si, uc);
	if (fault_exit)
		siglongjmp(*fault_exit, 1);
	if (atomic_exchange(&dying, 1))
		for (;;)
			pause();	/* another thread dumps and exits */
	dump_fail();
	_exit(1);
}

/* The timer's signal only has to interrupt KVM_RUN. */
static void on_kick(int sig)
{
}

bool probe_copy(void *dst, const void *src, size_t len)
{
	sigjmp_buf env;

	if (sigsetjmp(env, 1)) {
		probe_env = NULL;
		return false;
	}
	probe_env = &env;
	/* And the copy must not move out from between the two stores. */
	atomic_signal_fence(memory_order_seq_cst);
	memcpy(dst, src, len);
	atomic_signal_fence(memory_order_seq_cst);
	probe_env = NULL;
	return true;
}

/*
 * Once, before the threads run: a probe that does not catch its fault is
 * a fault of the fuzzer, and its dump names probe_copy()'s pc.
 */
static void probe_selftest(void)
{
	uint8_t b;

	if (probe_copy(&b, fz.thr[0].scratch + SCRATCH_SIZE, 1))
		fuzz_fail("probe_copy() read a PROT_NONE guard page");
}

/*
 * Periodic, not one-shot: a kick that fires before the thread reaches
 * KVM_RUN would otherwise leave a spinning guest running forever.
 */
void kick_arm(struct thr *t, unsigned int ms)
{
	struct itimerspec its = {
		.it_value = { 0, ms * 1000000L },
		.it_interval = { 0, ms * 1000000L },
	};

	if (t->has_timer)
		timer_settime(t->timer, 0, &its, NULL);
}

void kick_disarm(struct thr *t)
{
	struct itimerspec its = { 0 };

	if (t->has_timer)
		timer_settime(t->timer, 0, &its, NULL);
}

static void kick_setup(struct thr *t)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = KICK_SIGNAL,
	};

	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	t->has_timer = !timer_create(CLOCK_MONOTONIC, &sev, &t->timer);
	if (!t->has_timer)
		out("# thread %d: timer_create: %s (KVM_RUN skipped)", t->idx,
		    strerror(errno));
}

static void signals_setup(void)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;	/* no SA_RESTART: KVM_RUN must end */
	sigaction(KICK_SIGNAL, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN);
}

static const struct op *pick_op(struct thr *t)
{
	unsigned int i, x = rnd(t, op_total);

	for (i = 0; x >= ops[i].weight; i++)
		x -= ops[i].weight;
	return &ops[i];
}

static void run_ops(struct thr *t)
{
	double deadline = fz.t0 + fz.seconds;
	const struct op *op;

	while (!atomic_load(&fz.stop)) {
		if (atomic_load(&fz.calls) >= fz.budget)
			break;
		if (now_s() >= deadline) {
			atomic_store(&stopped_by_time, true);
			break;
		}
		op = pick_op(t);
		t->op = op - ops;
		op->fn(t, op);
	}
}

/*
 * No thread starts before all are created: once they run, the only new
 * mappings are of vCPU fds and of the arena, so a stale kvm_run address
 * that one thread unmaps can never be another thread's stack.
 */
static void *worker(void *arg)
{
	struct thr *t = arg;
	sigjmp_buf env;

	self = t;
	kick_setup(t);
	pthread_barrier_wait(&start);
	atomic_store(&t->state, TS_RUNNING);
	if (!sigsetjmp(env, 1)) {
		fault_exit = &env;
		run_ops(t);
		atomic_store(&t->state, TS_DONE);
	} else {
		atomic_store(&t->busy_since, 0);
		atomic_store(&t->state, TS_DIED);
	}
	fault_exit = NULL;
	kick_disarm(t);
	return NULL;
}

/* The main thread dumps, once the other threads had a moment to stop. */
static void hang(int i)
{
	struct thr *t = &fz.thr[i];
	struct rec *r = &t->ring[(t->nrec - 1) % RING_LEN];

	fuzz_fail("thread %d stuck for %.0f s in call %lu: %s on %s fd %d %.*s", i,
		  fz.watchdog, r->seq, r->what, kind_name(r->kind), r->fd,
		  (int)sizeof(r->args), r->args);
}

/*
 * Finds calls that never return; KVM_RUN included, its timer ends it. Time
 * counts in steps of at most WATCH_STEP, so that a pause of the whole
 * machine (a busy host) does not look like a stuck call.
 */
#define WATCH_STEP	500000000ULL

static void *watchdog(void *arg)
{
	uint64_t limit = fz.watchdog * 1e9, last = now_ns(), now, step;
	uint64_t seen[MAX_THREADS] = { 0 }, stuck[MAX_THREADS] = { 0 };
	atomic_int *done = arg;
	int i;

	while (!atomic_load(done)) {
		usleep(100000);
		now = now_ns();
		step = now - last < WATCH_STEP ? now - last : WATCH_STEP;
		last = now;
		for (i = 0; i < fz.nthreads; i++) {
			uint64_t b = atomic_load(&fz.thr[i].busy_since);

			/* A call is known by the time it began. */
			stuck[i] = b && b == seen[i] ? stuck[i] + step : 0;
			seen[i] = b;
			if (stuck[i] > limit) {
				hang(i);
				stuck[i] = 0;
			}
		}
	}
	return NULL;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-s SEED] [-n CALLS] [-t SECONDS] [-j THREADS] [-w SECONDS] [-v]\n"
		"  -s  seed (default: from the clock; printed first)\n"
		"  -n  stop after this many calls (default 20000)\n"
		"  -t  stop after this many seconds (default 120)\n"
		"  -j  threads (default 4, at most %d)\n"
		"  -w  a call running longer than this fails (default 10)\n"
		"  -v  print every call when it returns; -vv also when it starts\n", argv0, MAX_THREADS);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	bool seeded = false;
	int c;

	while ((c = getopt(argc, argv, "s:n:t:j:w:vh")) != -1) {
		switch (c) {
		case 's':
			fz.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			fz.budget = strtoul(optarg, NULL, 0);
			break;
		case 't':
			fz.seconds = strtod(optarg, NULL);
			break;
		case 'j':
			fz.nthreads = atoi(optarg);
			break;
		case 'w':
			fz.watchdog = strtod(optarg, NULL);
			break;
		case 'v':
			fz.verbose++;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind < argc || fz.nthreads < 1 || fz.nthreads > MAX_THREADS ||
	    fz.seconds <= 0 || fz.watchdog <= 0)
		usage(argv[0]);
	if (!seeded)
		fz.seed = (now_ns() ^ (uint64_t)getpid() << 32) % 1000000000000ULL;
}

static void thr_init(struct thr *t, int idx)
{
	uint8_t *p;

	t->idx = idx;
	/* Distinct, well-mixed streams per (seed, thread). */
	t->rng = fz.seed * 0x9e3779b97f4a7c15ULL + (idx + 1) * 0xbf58476d1ce4e5b9ULL;
	t->op = -1;
	t->op_calls = calloc(nr_ops, sizeof(*t->op_calls));
	p = mmap(NULL, SCRATCH_SIZE + fz.page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || !t->op_calls) {
		out("1..1");
		out("not ok 1 - kvmod_fuzz: out of memory");
		exit(1);
	}
	mprotect(p + SCRATCH_SIZE, fz.page, PROT_NONE);
	t->scratch = p;
}

static const char *arch_name(void)
{
#if defined(__riscv)
	return "riscv64";
#elif defined(__aarch64__)
	return "arm64";
#else
	return "unknown";
#endif
}

/*
 * Waits for the workers to end. After a failure only GRACE_S more: one may
 * be stuck in a call, or may have died holding the pool's lock that the
 * others now wait for. True if all ended.
 */
#define GRACE_S		2.0

static bool wait_workers(void)
{
	double fail_at = 0;
	int i, n;

	for (;;) {
		for (i = n = 0; i < fz.nthreads; i++)
			n += atomic_load(&fz.thr[i].state) >= TS_DONE;
		if (n == fz.nthreads)
			return true;
		if (atomic_load(&fz.stop)) {
			if (!fail_at)
				fail_at = now_s();
			else if (now_s() - fail_at > GRACE_S)
				return false;
		}
		usleep(10000);
	}
}

static int no_thread(int err)
{
	out("1..1");
	out("not ok 1 - kvmod_fuzz: pthread_create: %s", strerror(err));
	_exit(1);
}

int main(int argc, char **argv)
{
	pthread_t wd;
	atomic_int wd_done = 0;
	int i, fd, err;

	parse_args(argc, argv);
	for (i = 0; i <= STDERR_FILENO; i++)
		if (fcntl(i, F_GETFD) != -1)
			fz.stdio_open |= 1u << i;
	out("# kvmod_fuzz: seed %llu", (unsigned long long)fz.seed);
	out("# %s, %d threads, at most %lu calls and %.0f s", arch_name(), fz.nthreads,
	    fz.budget, fz.seconds);
	print_repro();
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		out("1..1");
		out("not ok 1 - kvmod_fuzz: cannot open /dev/kvm: %s", strerror(errno));
		return 1;
	}
	close(fd);
	out("# /dev/kvm opens: fuzzing");

	fz.page = sysconf(_SC_PAGESIZE);
	fz.t0 = now_s();
	fz.thr = calloc(fz.nthreads, sizeof(*fz.thr));
	if (!fz.thr)
		return 1;
	for (i = 0; i < fz.nthreads; i++)
		thr_init(&fz.thr[i], i);
	for (i = 0; i < (int)nr_ops; i++)
		op_total += ops[i].weight;
	signals_setup();
	probe_selftest();
	mem_init();
	self = &fz.thr[0];
	pool_init();
	self = NULL;

	pthread_barrier_init(&start, NULL, fz.nthreads + 1);
	err = pthread_create(&wd, NULL, watchdog, &wd_done);
	for (i = 0; i < fz.nthreads && !err; i++)
		err = pthread_create(&fz.thr[i].th, NULL, worker, &fz.thr[i]);
	if (err)
		return no_thread(err);
	pthread_barrier_wait(&start);
	if (!wait_workers() || atomic_load(&fz.stop)) {
		if (atomic_exchange(&dying, 1))
			for (;;)
				pause();	/* a fault elsewhere dumps */
		dump_fail();
		exit(1);
	}
	for (i = 0; i < fz.nthreads; i++)
		pthread_join(fz.thr[i].th, NULL);
	atomic_store(&wd_done, 1);
	pthread_join(wd, NULL);
	summary();
	out("1..1");
	out("ok 1 - kvmod_fuzz seed %llu", (unsigned long long)fz.seed);
	return 0;
}
