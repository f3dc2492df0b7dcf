/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault-injection sweeps for kvmod's selftests: an operation runs with its
 * 1st, 2nd, 3rd... allocation failing (/proc/thread-self/fail-nth) until it
 * runs without reaching the injected fault. Each attempt the fault failed
 * must report ENOMEM and leave nothing behind; each one that succeeded
 * anyway (the kernel fell back or retried) must have made a working object.
 *
 * fail-nth counts the fault-injection points the thread passes; reading it
 * back gives 0 once the N-th failed, else what is left of the count. Only
 * failslab and fail_page_alloc are configured: allocations that may sleep
 * count too, page allocations of any order, nothing is logged when a fault
 * is injected, and probability 0 keeps anything but fail-nth from failing.
 */
#ifndef KVMOD_FAILNTH_H
#define KVMOD_FAILNTH_H

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvmod_util.h"

#define FAILNTH_FILE	"/proc/thread-self/fail-nth"
#define FAILNTH_DEBUGFS	"/sys/kernel/debug/"
/* A sweep bound: kvmod's operations pass tens of injection points. */
#define FAILNTH_MAX	2000
/* Seconds per sweep: VM creation and teardown are slow on TCG. */
#define FAILNTH_TIMEOUT	120

/*
 * Set in this order, restored backwards: nothing may inject on its own or
 * log before the filters open. "times" is only restored (each fail-nth
 * fault counts down from it). ignore-gfp-highmem stays Y: __GFP_HIGHMEM
 * marks the page allocations of vmalloc() and of the percpu allocator
 * (no kvmod allocation has it, there is no highmem on 64-bit), whose
 * failures the kernel reports with a stack dump (warn_alloc(), pcpu_alloc()),
 * and the plan's klog-clean step fails on "Call Trace".
 */
static const struct {
	const char *name, *value;
} failnth_knobs[] = {
	{ "failslab/verbose", "0" },
	{ "failslab/probability", "0" },
	{ "failslab/times", NULL },
	{ "failslab/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/verbose", "0" },
	{ "fail_page_alloc/probability", "0" },
	{ "fail_page_alloc/times", NULL },
	{ "fail_page_alloc/ignore-gfp-highmem", "Y" },
	{ "fail_page_alloc/min-order", "0" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
};

#define FAILNTH_NR_KNOBS	ARRAY_SIZE(failnth_knobs)

/* A sweeping thread's state; fixtures keep it for the teardown's restore. */
struct failnth {
	int fd;				/* FAILNTH_FILE, of the sweeping thread */
	unsigned int nr_saved;		/* knobs changed, saved[] holds their values */
	char saved[FAILNTH_NR_KNOBS][24];
};

/**
 * struct failnth_op - one operation to sweep
 * @name: for the log
 * @prepare: brings the state the operation starts from (no fault); or NULL
 * @run: the operation, one system call and nothing that could allocate;
 *	0 or its errno
 * @failed: after a failure: checks that nothing of it is left, and brings
 *	back the state before @prepare
 * @done: after a success: checks that the result works, then undoes it
 *	(the state before @prepare)
 * @must_fail: the operation allocates: some fault must make it fail
 *
 * The errno of a failure is always ENOMEM: every descriptor and object the
 * operations create is an allocation, and a failed one is ENOMEM. A new
 * descriptor (alloc_fd()) allocates only to grow the fd table, past 64
 * open files, which no sweep reaches, so EMFILE/ENFILE cannot be the
 * honest result of an injected fault here.
 */
struct failnth_op {
	const char *name;
	void (*prepare)(struct __test_metadata *_metadata, void *ctx);
	int (*run)(void *ctx);
	void (*failed)(struct __test_metadata *_metadata, void *ctx);
	void (*done)(struct __test_metadata *_metadata, void *ctx);
	bool must_fail;
};

static inline int failnth_knob_read(const char *knob, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), FAILNTH_DEBUGFS "%s", knob);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? errno : EIO;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static inline int failnth_knob_write(const char *knob, const char *val)
{
	ssize_t len = strlen(val);
	char path[128];
	int fd, r = 0;

	snprintf(path, sizeof(path), FAILNTH_DEBUGFS "%s", knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, val, len) != len)
		r = errno ? errno : EIO;
	close(fd);
	return r;
}

/* Puts the knobs back as they were. Return: how many could not be. */
static inline int failnth_restore(struct failnth *f)
{
	int bad = 0;

	while (f->nr_saved) {
		f->nr_saved--;
		bad += !!failnth_knob_write(failnth_knobs[f->nr_saved].name,
					    f->saved[f->nr_saved]);
	}
	return bad;
}

/* Saves and sets the knobs; on a failure restores them. 0 or the errno. */
static inline int failnth_knobs_set(struct failnth *f, const char **knob)
{
	unsigned int i;
	int r = 0;

	f->nr_saved = 0;
	for (i = 0; i < FAILNTH_NR_KNOBS && !r; i++) {
		*knob = failnth_knobs[i].name;
		r = failnth_knob_read(*knob, f->saved[i], sizeof(f->saved[i]));
		if (!r && failnth_knobs[i].value)
			r = failnth_knob_write(*knob, failnth_knobs[i].value);
		if (!r)
			f->nr_saved = i + 1;
	}
	if (r)
		failnth_restore(f);
	return r;
}

/*
 * The last step of a fixture's setup (nothing after it may fail: the
 * knobs would stay set), in the thread that sweeps. The check hosts have
 * fault injection: without it the test fails. The process's memory is
 * locked so that no page fault between arming and reading fail-nth takes
 * the fault meant for the operation.
 */
static inline void failnth_setup(struct __test_metadata *_metadata, struct failnth *f)
{
	const char *knob = FAILNTH_FILE;
	int r = 0;

	f->nr_saved = 0;
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE)) TH_LOG("mlockall: %s", strerror(errno));
	f->fd = open(FAILNTH_FILE, O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		r = errno;
	else
		r = failnth_knobs_set(f, &knob);
	ASSERT_EQ(0, r) TH_LOG("the host kernel lacks fault injection: %s: %s", knob,
			       strerror(r));
}

/* What is left of the count: 0 once the fault was injected; -1 on error. */
static inline long failnth_left(struct failnth *f)
{
	char buf[24];
	ssize_t n = pread(f->fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static inline int failnth_arm(struct failnth *f, unsigned int n)
{
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(f->fd, buf, len, 0) == len ? 0 : errno;
}

/*
 * One attempt of @op with the @n-th injection point failing; *@err gets
 * its errno. Return: whether the fault was injected.
 */
static inline bool failnth_attempt(struct __test_metadata *_metadata, struct failnth *f,
				   const struct failnth_op *op, void *ctx, unsigned int n,
				   int *err)
{
	int r, read_err;
	long left;

	r = failnth_arm(f, n);
	ASSERT_EQ(0, r) TH_LOG("arming fail-nth: %s", strerror(r));
	*err = op->run(ctx);
	left = failnth_left(f);
	read_err = errno;
	/* Nothing after the operation may fail: disarm first. */
	r = failnth_arm(f, 0);
	ASSERT_EQ(0, r) TH_LOG("disarming fail-nth: %s", strerror(r));
	ASSERT_LE(0, left) TH_LOG("reading fail-nth back: %s", strerror(read_err));
	return left == 0;
}

/* Open descriptors of this process, the one counting them included. */
static inline long failnth_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* What a failed create must not change. */
struct failnth_counts {
	long fds, refs;
};

static inline void failnth_count(struct failnth_counts *c)
{
	c->fds = failnth_fds();
	c->refs = module_refcnt();
}

static inline void failnth_same_counts(struct __test_metadata *_metadata,
				       const struct failnth_counts *c)
{
	ASSERT_EQ(c->fds, failnth_fds()) TH_LOG("a failed create left a descriptor");
	ASSERT_EQ(c->refs, module_refcnt()) TH_LOG("a failed create left a module reference");
}

/*
 * Sweeps @op: n = 1, 2, ... until an attempt passes all its injection
 * points and succeeds.
 */
static inline void failnth_sweep(struct __test_metadata *_metadata, struct failnth *f,
				 const struct failnth_op *op, void *ctx)
{
	unsigned int n, failed = 0;
	int err = 0;

	for (n = 1; n <= FAILNTH_MAX; n++) {
		if (op->prepare)
			op->prepare(_metadata, ctx);
		if (!failnth_attempt(_metadata, f, op, ctx, n, &err))
			break;
		if (!err) {
			op->done(_metadata, ctx);
			continue;
		}
		ASSERT_EQ(ENOMEM, err) TH_LOG("%s, fault %u injected: %s, not ENOMEM",
					      op->name, n, strerror(err));
		failed++;
		op->failed(_metadata, ctx);
	}
	ASSERT_TRUE(n <= FAILNTH_MAX)
		TH_LOG("%s: still reaching injected faults after %u", op->name, FAILNTH_MAX);
	ASSERT_EQ(0, err) TH_LOG("%s failed without an injected fault: %s", op->name,
				 strerror(err));
	op->done(_metadata, ctx);
	TH_LOG("%s: %u fault injection points, %u failed the call", op->name, n - 1, failed);
	if (op->must_fail)
		ASSERT_LT(0, failed) TH_LOG("%s: no injected fault failed it: injection off?",
					    op->name);
}

#endif /* KVMOD_FAILNTH_H */
