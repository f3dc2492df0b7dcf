// SPDX-License-Identifier: GPL-2.0
/*
 * /init of kvmod's test host VM: runs a test plan and reports one TAP stream.
 *
 * Built static (no libc in the initramfs), cross-compiled for riscv64 and
 * arm64. The results travel on a raw virtio-blk disk (/dev/vda): console
 * output was seen to get lost when the host is loaded, so the serial console
 * only carries a human-readable copy. The disk gets, from offset 0:
 *
 *   KVMOD-RESULTS-BEGIN\n <TAP stream> KVMOD-RESULTS-END\n  then NUL bytes
 *
 * and is rewritten after every step, so a guest that dies half-way still
 * leaves the results of the steps it finished (without the END line, which the
 * host then reports as a failure).
 *
 * Plan file /etc/kvmod/plan: one step per line, words separated by blanks,
 * '#' starts a comment line. Every step is one top-level TAP test point.
 *
 *   insmod NAME PATH.ko [PARAM...]  finit_module(); failure reports the errno
 *   rmmod NAME MODULE               delete_module(), retried while busy
 *   run NAME TIMEOUT PATH [ARG...]  a program printing TAP (kselftest
 *                                   harness): its output becomes a subtest
 *                                   (indented 4 spaces); the step's own
 *                                   result comes from the exit status
 *                                   (0 pass, 4 = KSFT_SKIP skip, else fail)
 *   prog NAME TIMEOUT PATH [ARG...] any other program (upstream selftests,
 *                                   tools): output as '# ' comments, the
 *                                   exit status is the single result
 *   console NAME TIMEOUT PATH [ARG...]  a program on the console itself
 *                                   (stdin too: interactive, as for make
 *                                   run); only its exit status is reported
 *   kunit NAME                      /sys/kernel/debug/kunit/<suite>/results
 *                                   of the suites loaded so far, as subtests
 *   check-dev NAME PATH             PATH is a character device that opens
 *   insmod-refused NAME ERR PATH    finit_module() must fail with errno
 *                                   name ERR (e.g. ENODEV)
 *   klog-has NAME TEXT...           the kernel log contains TEXT
 *   klog-clean NAME                 the kernel log has no warning, BUG,
 *                                   oops, lockdep or sleep-in-atomic report
 *   kmemleak NAME                   a kmemleak scan finds no leaked object
 *                                   that kvmod allocated (other leaks are
 *                                   listed as comments); the list is then
 *                                   cleared for the next kmemleak step
 *
 * For run and prog alike, exit status 0 with TAP results at column 0 that
 * are all skips (kselftest's ksft_finished() exits 0 then) is a skip, not a
 * pass: nothing was tested.
 *
 * TIMEOUT is in seconds; on expiry the program's whole process group gets
 * SIGKILL and the step fails. No step can stop the plan: every failure is
 * reported and the next line runs. At the end: sync, power off.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PLAN_PATH	"/etc/kvmod/plan"
#define DISK_PATH	"/dev/vda"
#define BEGIN_MARK	"KVMOD-RESULTS-BEGIN\n"
#define END_MARK	"KVMOD-RESULTS-END\n"

/* Program output beyond these limits is shortened, but TAP test lines stay. */
#define OUT_HEAD_LINES	400
#define OUT_TAIL_LINES	1600

struct buf {
	char *p;
	size_t len, cap;
};

static struct buf results;	/* the TAP stream (without the markers) */
static int disk_fd = -1;
static unsigned long long disk_size;
static int console_ok;

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return;	/* out of memory: drop output, keep going */
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t r = write(fd, s, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		s += r;
		n -= r;
	}
}

/* One line of the TAP stream: to the results buffer and the console. */
static void tap(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	buf_add(&results, line, n);
	if (console_ok)
		write_all(1, line, n);
}

/* Human-only message: console, not results. */
static void say(const char *fmt, ...)
{
	va_list ap;

	if (!console_ok)
		return;
	va_start(ap, fmt);
	vdprintf(1, fmt, ap);
	va_end(ap);
}

/* Rewrites the results disk from offset 0: markers, TAP, NUL padding. */
static void flush_results(int done)
{
	static const char zeros[4096];
	struct buf out = { 0 };
	unsigned long long pad;

	if (disk_fd < 0)
		return;
	buf_add(&out, BEGIN_MARK, strlen(BEGIN_MARK));
	buf_add(&out, results.p ? results.p : "", results.len);
	if (done)
		buf_add(&out, END_MARK, strlen(END_MARK));
	if (!out.p)
		return;
	if (disk_size && out.len > disk_size) {
		/* Keep the END line visible even when the disk is too small. */
		static const char cut[] = "\nnot ok - results truncated: disk too small\n" END_MARK;

		if (disk_size < sizeof(cut))
			return;
		memcpy(out.p + disk_size - sizeof(cut) + 1, cut, sizeof(cut) - 1);
		out.len = disk_size;
	}
	if (pwrite(disk_fd, out.p, out.len, 0) != (ssize_t)out.len)
		say("kvmod-init: writing results to %s failed: %m\n", DISK_PATH);
	/* NULs after the text: the host reads up to the first NUL. */
	pad = sizeof(zeros) - out.len % sizeof(zeros);
	if (!disk_size || out.len + pad <= disk_size)
		if (pwrite(disk_fd, zeros, pad, out.len) < 0)
			say("kvmod-init: padding results failed: %m\n");
	fsync(disk_fd);
	free(out.p);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Replaces bytes that would corrupt the text stream (NUL, controls but \n). */
static void sanitize(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == 0 || (c < 32 && c != '\t' && c != '\n') || c == 127)
			s[i] = '?';
	}
}

static int is_test_line(const char *s)
{
	while (*s == ' ')
		s++;
	return !strncmp(s, "ok ", 3) || !strncmp(s, "not ok ", 7);
}

static int is_structure_line(const char *s)
{
	while (*s == ' ')
		s++;
	return is_test_line(s) || !strncmp(s, "1..", 3) ||
	       !strncmp(s, "# Subtest", 9);
}

/*
 * Emits captured program output: as a subtest (prefix "    ") or as
 * comments (prefix "# "). Long output keeps its head and tail; in between only
 * the lines that carry TAP structure, so no test result gets lost.
 */
static void emit_output(struct buf *o, const char *prefix)
{
	size_t nlines = 0, i = 0, skipped = 0;
	char *s, *e;

	if (!o->len)
		return;
	if (o->p[o->len - 1] != '\n')
		buf_add(o, "\n", 1);
	for (s = o->p; (e = strchr(s, '\n')); s = e + 1)
		nlines++;
	for (s = o->p; (e = strchr(s, '\n')); s = e + 1, i++) {
		*e = 0;
		if (i >= OUT_HEAD_LINES && i + OUT_TAIL_LINES < nlines &&
		    !is_structure_line(s)) {
			skipped++;
			continue;
		}
		if (skipped) {
			tap("%s# (%zu lines of output omitted)", prefix, skipped);
			skipped = 0;
		}
		tap("%s%s", prefix, s);
	}
}

static int step_no;

static void result(int ok, const char *name, const char *fmt, ...)
{
	char why[1024] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	tap("%s %d - %s%s%s", ok ? "ok" : "not ok", step_no, name,
	    why[0] ? " " : "", why);
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

/* ---- steps ---- */

static void step_insmod(char **argv, int argc)
{
	char params[2048] = "";
	int fd, i, ret, err;

	if (argc < 3) {
		result(0, argc > 1 ? argv[1] : "insmod",
		       "# bad plan line: insmod NAME PATH [PARAMS]");
		return;
	}
	for (i = 3; i < argc; i++) {
		if (i > 3)
			strncat(params, " ", sizeof(params) - strlen(params) - 1);
		strncat(params, argv[i], sizeof(params) - strlen(params) - 1);
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		result(0, argv[1], "(open %s: %s %s)", argv[2], errname(err), strerror(err));
		return;
	}
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	if (ret)
		result(0, argv[1], "(finit_module %s: %s %s)", argv[2], errname(err),
		       strerror(err));
	else
		result(1, argv[1], NULL);
}

/* insmod-refused NAME ERRNAME PATH: loading must fail with exactly ERRNAME. */
static void step_insmod_refused(char **argv, int argc)
{
	int fd, ret, err;

	if (argc != 4) {
		result(0, argc > 1 ? argv[1] : "insmod-refused",
		       "# bad plan line: insmod-refused NAME ERRNAME PATH");
		return;
	}
	fd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		result(0, argv[1], "(open %s: %s)", argv[3], errname(err));
		return;
	}
	ret = syscall(SYS_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	if (!ret)
		result(0, argv[1], "(%s loaded; expected %s)", argv[3], argv[2]);
	else
		result(!strcmp(errname(err), argv[2]), argv[1], "(finit_module: %s)",
		       errname(err));
}

static void step_rmmod(char **argv, int argc)
{
	int tries, ret = -1, err = 0;

	if (argc != 3) {
		result(0, argc > 1 ? argv[1] : "rmmod", "# bad plan line: rmmod NAME MODULE");
		return;
	}
	/* References from just-exited test processes may take a moment to drop. */
	for (tries = 0; tries < 50; tries++) {
		ret = syscall(SYS_delete_module, argv[2], O_NONBLOCK);
		err = errno;
		if (!ret || (err != EBUSY && err != EAGAIN))
			break;
		usleep(100000);
	}
	if (ret)
		result(0, argv[1], "(delete_module %s: %s %s)", argv[2], errname(err),
		       strerror(err));
	else
		result(1, argv[1], NULL);
}

static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Appends captured bytes, made safe for the text stream. */
static void capture(struct buf *o, const char *s, size_t n)
{
	size_t start = o->len;

	buf_add(o, s, n);
	if (o->len == start + n)
		sanitize(o->p + start, n);
}

/*
 * Runs a program with a deadline, its output captured in @o, or (@o NULL)
 * with the console as its stdin, stdout and stderr. Returns its wait
 * status, -1 on timeout.
 */
static int run_program(char **argv, int timeout, struct buf *o, double *secs)
{
	int pfd[2], status = 0, timed_out = 0;
	double t0 = now(), deadline = t0 + timeout, drain_end = 0;
	pid_t pid;
	char chunk[8192];

	if (!o) {
		pfd[0] = -1;
		pfd[1] = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	} else if (pipe2(pfd, O_CLOEXEC)) {
		buf_add(o, "kvmod-init: pipe failed\n", 24);
		return 0x7f00;
	}
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		buf_add(o, "kvmod-init: fork failed\n", 24);
		return 0x7f00;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		/* Own process group: the timeout kills everything it started. */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (!o)
			dup2(pfd[1], 0);
		else if (null >= 0)
			dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (chdir("/tmp"))
			_exit(126);
		execv(argv[0], argv);
		dprintf(2, "kvmod-init: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);	/* also here: no race with the kill below */
	close(pfd[1]);
	for (; pfd[0] >= 0;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		double left = (drain_end ? drain_end : deadline) - now();
		ssize_t r;

		if (left <= 0) {
			if (drain_end)
				break;	/* something outside the group holds the pipe */
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			drain_end = now() + 5;
			continue;
		}
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		r = read(pfd[0], chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* EOF: every writer has gone */
		capture(o, chunk, r);
	}
	if (pfd[0] >= 0)
		close(pfd[0]);
	/* The main process may outlive its pipe (closed stdout): keep the deadline. */
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (now() >= deadline && !timed_out) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
		usleep(20000);
	}
	/*
	 * Nothing may leak into the next step, not even processes that left
	 * the group (the kselftest harness puts each case in its own): init is
	 * the only process that should be left, and kill(-1) spares it.
	 */
	kill(-pid, SIGKILL);
	kill(-1, SIGKILL);
	reap_orphans();
	*secs = now() - t0;
	return timed_out ? -1 : status;
}

/*
 * True if the program printed TAP results (at column 0) and all of them are
 * skips: kselftest's ksft_finished() exits 0 then, but nothing was tested.
 */
static int all_skipped(const struct buf *o)
{
	size_t total = 0, skips = 0;
	const char *s, *e;

	if (!o->len)
		return 0;
	for (s = o->p; s < o->p + o->len; s = e + 1) {
		e = memchr(s, '\n', o->p + o->len - s);
		if (!e)
			e = o->p + o->len;
		if (!strncmp(s, "not ok ", 7)) {
			total++;
		} else if (e - s > 6 && !memcmp(e - 6, ": PASS", 6)) {
			/* get-reg-list's line for a configuration that passed */
			total++;
		} else if (!strncmp(s, "1..0 ", 5) && memmem(s, e - s, "# SKIP", 6)) {
			/* kselftest's whole-program skip (TEST_REQUIRE) */
			total++;
			skips++;
		} else if (!strncmp(s, "ok ", 3)) {
			const char *h = memchr(s, '#', e - s);

			total++;
			while (h && h < e && (*h == '#' || *h == ' ' || *h == '\t'))
				h++;
			if (h && e - h >= 4 && !strncasecmp(h, "skip", 4))
				skips++;
		}
	}
	return total && skips == total;
}

/* @mode: 'r' run (TAP output), 'p' prog (comments), 'c' console (none). */
static void step_run(char **argv, int argc, int mode)
{
	struct buf o = { 0 };
	const char *name;
	double secs = 0;
	int timeout, status, skipped;
	char *end;

	if (argc < 4) {
		result(0, argc > 1 ? argv[1] : "run",
		       "# bad plan line: %s NAME TIMEOUT PATH [ARGS]", argv[0]);
		return;
	}
	name = argv[1];
	timeout = strtol(argv[2], &end, 10);
	if (*end || timeout <= 0) {
		result(0, name, "# bad timeout '%s'", argv[2]);
		return;
	}
	say("kvmod-init: running %s (timeout %d s)\n", name, timeout);
	status = run_program(argv + 3, timeout, mode == 'c' ? NULL : &o, &secs);
	skipped = all_skipped(&o);
	emit_output(&o, mode == 'r' ? "    " : "# ");
	free(o.p);
	tap("# %s: %.1f s", name, secs);
	if (status == -1)
		result(0, name, "# TIMEOUT after %d s (process group killed)", timeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && skipped)
		result(1, name, "# SKIP every sub-test skipped");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		result(1, name, NULL);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		result(1, name, "# SKIP exit status 4 (KSFT_SKIP)");
	else if (WIFEXITED(status))
		result(0, name, "# exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		result(0, name, "# killed by signal %d (%s)", WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	else
		result(0, name, "# wait status 0x%x", status);
}

static int read_file(const char *path, struct buf *o)
{
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		capture(o, chunk, r);
	close(fd);
	return r < 0 ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Each suite's results file is a KTAP document with one top-level test (the
 * suite). They become subtests 1..S of this step, renumbered.
 */
static void step_kunit(char **argv, int argc)
{
	const char *dir = "/sys/kernel/debug/kunit";
	char *names[256];
	int n = 0, i, failed = 0;
	struct dirent *de;
	DIR *d;

	if (argc != 2) {
		result(0, argc > 1 ? argv[1] : "kunit", "# bad plan line: kunit NAME");
		return;
	}
	d = opendir(dir);
	if (!d) {
		result(0, argv[1], "# no %s: %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) && n < 256)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	if (!n) {
		result(0, argv[1], "# no KUnit suite ran");
		return;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	tap("    KTAP version 1");
	tap("    1..%d", n);
	for (i = 0; i < n; i++) {
		char path[512], *s, *e;
		struct buf o = { 0 };
		int suite_ok = 0, seen = 0;

		snprintf(path, sizeof(path), "%s/%s/results", dir, names[i]);
		if (read_file(path, &o) || !o.len) {
			tap("    not ok %d %s # cannot read %s", i + 1, names[i], path);
			failed++;
			free(o.p);
			free(names[i]);
			continue;
		}
		if (o.p[o.len - 1] != '\n')
			buf_add(&o, "\n", 1);
		for (s = o.p; (e = strchr(s, '\n')); s = e + 1) {
			*e = 0;
			/* The document's own header: replaced by ours. */
			if (!strcmp(s, "KTAP version 1") || !strcmp(s, "1..1"))
				continue;
			if (!strncmp(s, "ok ", 3) || !strncmp(s, "not ok ", 7)) {
				char *rest = s + (s[0] == 'o' ? 3 : 7);

				suite_ok = s[0] == 'o';
				seen = 1;
				while (isdigit((unsigned char)*rest))
					rest++;
				tap("    %s %d%s", suite_ok ? "ok" : "not ok", i + 1, rest);
				continue;
			}
			tap("    %s", s);
		}
		if (!seen) {
			tap("    not ok %d %s # no suite result", i + 1, names[i]);
			suite_ok = 0;
		}
		failed += !suite_ok;
		free(o.p);
		free(names[i]);
	}
	if (failed)
		result(0, argv[1], "# %d of %d suites failed", failed, n);
	else
		result(1, argv[1], NULL);
}

static void step_check_dev(char **argv, int argc)
{
	struct stat st;
	int fd;

	if (argc != 3) {
		result(0, argc > 1 ? argv[1] : "check-dev", "# bad plan line: check-dev NAME PATH");
		return;
	}
	if (stat(argv[2], &st)) {
		result(0, argv[1], "# %s: %s", argv[2], strerror(errno));
		return;
	}
	if (!S_ISCHR(st.st_mode)) {
		result(0, argv[1], "# %s is not a character device", argv[2]);
		return;
	}
	fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		result(0, argv[1], "# open %s: %s", argv[2], strerror(errno));
		return;
	}
	close(fd);
	result(1, argv[1], "# %s is char %u:%u", argv[2], major(st.st_rdev), minor(st.st_rdev));
}

static const char *const bad_klog[] = {
	"WARNING:", "BUG:", "Oops", "kernel BUG", "Call Trace", "Call trace:",
	"possible circular locking", "possible recursive locking",
	"inconsistent lock state", "sleeping function called from invalid context",
	"suspicious RCU usage", "rcu_sched self-detected stall", "detected stall",
	"Unable to handle kernel", "Kernel panic", "list_add corruption",
	"list_del corruption", "refcount_t:", "UBSAN:", "KASAN:", "DEBUG_LOCKS_WARN_ON",
	"unreferenced object", "blocked for more than", "general protection fault",
	"lock held when returning to user space", "INFO: lockdep",
	/* slub_debug (check hosts boot with slub_debug=FZP): use after free and overruns. */
	"Poison overwritten", "Redzone overwritten", "Padding overwritten",
	"Object already free", "Freepointer corrupt", "Freechain corrupt",
	"Invalid object pointer", "Wrong object count",
	NULL
};

/* The whole kernel log, NUL-terminated and sanitized; NULL on failure. */
static char *read_klog(const char *name)
{
	int size, n;
	char *log;

	size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (size <= 0)
		size = 1 << 20;
	log = malloc(size + 1);
	if (!log) {
		result(0, name, "# out of memory");
		return NULL;
	}
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, size);
	if (n < 0) {
		result(0, name, "# klogctl: %s", strerror(errno));
		free(log);
		return NULL;
	}
	log[n] = 0;
	sanitize(log, n);
	return log;
}

static void step_klog_clean(char **argv, int argc)
{
	int i, bad = 0;
	char *log, *s, *e;

	if (argc != 2) {
		result(0, argc > 1 ? argv[1] : "klog-clean", "# bad plan line: klog-clean NAME");
		return;
	}
	log = read_klog(argv[1]);
	if (!log)
		return;
	for (s = log; *s; s = e) {
		e = strchr(s, '\n');
		if (e)
			*e++ = 0;
		else
			e = s + strlen(s);
		for (i = 0; bad_klog[i]; i++)
			if (strstr(s, bad_klog[i]))
				break;
		if (bad_klog[i]) {
			if (bad < 200)
				tap("# klog: %s", s);
			bad++;
		}
	}
	free(log);
	if (bad)
		result(0, argv[1], "# %d kernel log line(s) report problems", bad);
	else
		result(1, argv[1], NULL);
}

/* klog-has NAME WORD...: the kernel log holds the words, blank-separated. */
static void step_klog_has(char **argv, int argc)
{
	char text[1024] = "";
	char *log;
	int i;

	if (argc < 3) {
		result(0, argc > 1 ? argv[1] : "klog-has", "# bad plan line: klog-has NAME TEXT");
		return;
	}
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strncat(text, " ", sizeof(text) - strlen(text) - 1);
		strncat(text, argv[i], sizeof(text) - strlen(text) - 1);
	}
	log = read_klog(argv[1]);
	if (!log)
		return;
	result(!!strstr(log, text), argv[1], "# \"%s\"", text);
	free(log);
}

/* ---- kmemleak ---- */

#define KMEMLEAK_PATH "/sys/kernel/debug/kmemleak"

static int kmemleak_cmd(const char *cmd)
{
	int fd = open(KMEMLEAK_PATH, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd) ? 0 : -1;
	close(fd);
	return r;
}

/*
 * Whether one report (from "unreferenced object" to the next) is kvmod's:
 * its backtrace passes through the module ("func+0x10/0x80 [kvmod]"). The
 * comm line does not count: a fuzzer named kvmod_* drives all of the kernel.
 */
static int leak_is_kvmod(const char *s, size_t n)
{
	const char *p;

	for (p = s; p + 6 <= s + n; p++)
		if (!strncmp(p, "[kvmod", 6))
			return 1;
	return 0;
}

/* Prints a report's lines as comments, at most @max of them. */
static void leak_print(const char *s, size_t n, int max)
{
	const char *e;

	while (n && max-- > 0) {
		e = memchr(s, '\n', n);
		if (!e)
			e = s + n;
		tap("# kmemleak: %.*s", (int)(e - s), s);
		n -= e - s + (e < s + n);
		s = e + 1;
	}
}

/*
 * kmemleak NAME: objects become reportable 5 s after their allocation, and
 * a second scan drops those only a moving pointer hid in the first.
 */
static void step_kmemleak(char **argv, int argc)
{
	const char *mark = "unreferenced object";
	struct buf o = { 0 };
	int mine = 0, other = 0;
	char *s, *e;

	if (argc != 2) {
		result(0, argc > 1 ? argv[1] : "kmemleak", "# bad plan line: kmemleak NAME");
		return;
	}
	sleep(6);
	if (kmemleak_cmd("scan") || kmemleak_cmd("scan") || read_file(KMEMLEAK_PATH, &o)) {
		result(0, argv[1], "# %s: %s (the check host kernels have kmemleak)",
		       KMEMLEAK_PATH, strerror(errno));
		free(o.p);
		return;
	}
	for (s = o.p ? strstr(o.p, mark) : NULL; s; s = e) {
		e = strstr(s + 1, mark);
		if (leak_is_kvmod(s, e ? (size_t)(e - s) : strlen(s))) {
			leak_print(s, e ? (size_t)(e - s) : strlen(s), 40);
			mine++;
		} else {
			if (other < 20)
				leak_print(s, e ? (size_t)(e - s) : strlen(s), 1);
			other++;
		}
	}
	free(o.p);
	kmemleak_cmd("clear");
	if (other)
		tap("# kmemleak: %d leaked object(s) outside kvmod", other);
	if (mine)
		result(0, argv[1], "# %d leaked object(s) allocated by kvmod", mine);
	else
		result(1, argv[1], NULL);
}

/* ---- setup and plan ---- */

static void do_mount(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) && errno != EBUSY)
		say("kvmod-init: mount %s on %s: %s\n", type, dst, strerror(errno));
}

static void open_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	console_ok = 1;
}

static void open_disk(void)
{
	int i;

	/* virtio-blk probes before init normally; allow a late probe. */
	for (i = 0; i < 100 && disk_fd < 0; i++) {
		disk_fd = open(DISK_PATH, O_WRONLY | O_CLOEXEC);
		if (disk_fd < 0)
			usleep(50000);
	}
	if (disk_fd < 0) {
		say("kvmod-init: no results disk %s: %s\n", DISK_PATH, strerror(errno));
		return;
	}
	if (ioctl(disk_fd, BLKGETSIZE64, &disk_size))
		disk_size = 0;
}

static int split(char *line, char **argv, int max)
{
	int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && n < max - 1;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	return n;
}

static int plan_line(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s && *s != '#' && *s != '\n' && *s != '\r';
}

static void power_off(void)
{
	sync();
	if (disk_fd >= 0)
		fsync(disk_fd);
	say("kvmod-init: powering off\n");
	reboot(RB_POWER_OFF);
	/* Still here: QEMU runs with -no-reboot, so a reset also ends it. */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

int main(void)
{
	struct buf plan = { 0 };
	char *s, *e;
	int total = 0;

	/* PID 1 must never die: a failure anywhere below is reported, not fatal. */
	signal(SIGPIPE, SIG_IGN);
	do_mount("devtmpfs", "/dev", "devtmpfs");
	open_console();
	do_mount("proc", "/proc", "proc");
	do_mount("sysfs", "/sys", "sysfs");
	do_mount("debugfs", "/sys/kernel/debug", "debugfs");
	do_mount("tmpfs", "/tmp", "tmpfs");
	setenv("PATH", "/tests:/bin", 1);
	setenv("HOME", "/tmp", 1);
	open_disk();

	tap("TAP version 13");
	if (read_file(PLAN_PATH, &plan) || !plan.len) {
		tap("1..1");
		step_no = 1;
		result(0, "plan", "# cannot read " PLAN_PATH);
		flush_results(1);
		power_off();
	}
	if (plan.p[plan.len - 1] != '\n')
		buf_add(&plan, "\n", 1);
	for (s = plan.p; (e = strchr(s, '\n')); s = e + 1) {
		*e = 0;
		total += plan_line(s);
		*e = '\n';
	}
	tap("1..%d", total);
	flush_results(0);

	for (s = plan.p; (e = strchr(s, '\n')); s = e + 1) {
		char *argv[128];
		int argc;

		*e = 0;
		if (!plan_line(s))
			continue;
		step_no++;
		argc = split(s, argv, 128);
		if (!strcmp(argv[0], "insmod"))
			step_insmod(argv, argc);
		else if (!strcmp(argv[0], "rmmod"))
			step_rmmod(argv, argc);
		else if (!strcmp(argv[0], "run"))
			step_run(argv, argc, 'r');
		else if (!strcmp(argv[0], "prog"))
			step_run(argv, argc, 'p');
		else if (!strcmp(argv[0], "console"))
			step_run(argv, argc, 'c');
		else if (!strcmp(argv[0], "kunit"))
			step_kunit(argv, argc);
		else if (!strcmp(argv[0], "check-dev"))
			step_check_dev(argv, argc);
		else if (!strcmp(argv[0], "klog-clean"))
			step_klog_clean(argv, argc);
		else if (!strcmp(argv[0], "klog-has"))
			step_klog_has(argv, argc);
		else if (!strcmp(argv[0], "kmemleak"))
			step_kmemleak(argv, argc);
		else if (!strcmp(argv[0], "insmod-refused"))
			step_insmod_refused(argv, argc);
		else
			result(0, argc > 1 ? argv[1] : argv[0],
			       "# unknown plan command '%s'", argv[0]);
		flush_results(0);
	}
	flush_results(1);
	power_off();
	return 0;
}
