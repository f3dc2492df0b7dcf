/* SPDX-License-Identifier: GPL-2.0-only */
/* Running kvmod-vmm (installed next to the tests) and collecting its output. */
#ifndef KVMOD_VMM_EXEC_H
#define KVMOD_VMM_EXEC_H

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

/**
 * struct vmm_result - what a kvmod-vmm run printed
 * @out: its stdout, NUL-terminated (truncated if long)
 * @err: its stderr, likewise
 */
struct vmm_result {
	char out[262144];
	char err[16384];
};

/* The kvmod-vmm beside this test binary; 0 when it exists. */
static inline int vmm_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	snprintf(slash, len - (slash - buf), "/kvmod-vmm");
	return access(buf, X_OK);
}

/* Read what @fd has into @buf (NUL kept free); past the end, discard. */
static inline ssize_t drain(int fd, char *buf, size_t size, size_t *used)
{
	char scratch[512];
	ssize_t n;

	if (*used + 1 < size) {
		n = read(fd, buf + *used, size - 1 - *used);
		if (n > 0)
			*used += n;
		return n;
	}
	return read(fd, scratch, sizeof(scratch));
}

/**
 * vmm_exec_io() - run kvmod-vmm, answering a prompt on its console
 * @path: the binary
 * @r: receives its output
 * @argv: its arguments
 * @prompt: once its stdout shows this, @input is written to its stdin
 *	(NULL: stdin is /dev/null)
 * @input: what to type; stdin is closed after it
 *
 * Return: its exit status, -1 if it did not exit normally.
 */
static inline int vmm_exec_io(const char *path, struct vmm_result *r, const char **argv,
			      const char *prompt, const char *input)
{
	int in[2] = { -1, -1 }, out[2], err[2], status;
	size_t no = 0, ne = 0;
	struct pollfd p[2];
	pid_t pid;
	ssize_t n;

	if (pipe(out) || pipe(err) || (prompt && pipe(in)))
		return -1;
	/* A VMM gone before the prompt is a failed run, not a dead test. */
	signal(SIGPIPE, SIG_IGN);
	pid = fork();
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		/* A test killed by its timeout takes its VMM along. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(prompt ? in[0] : null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		if (prompt)
			close(in[1]);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	if (prompt)
		close(in[0]);
	p[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0)
			break;
		if (p[0].revents) {
			n = drain(out[0], r->out, sizeof(r->out), &no);
			if (n <= 0)
				p[0].fd = -1;
			r->out[no] = 0;
			if (prompt && input && in[1] >= 0 && strstr(r->out, prompt)) {
				if (write(in[1], input, strlen(input)) < 0)
					break;
				close(in[1]);
				in[1] = -1;
			}
		}
		if (p[1].revents) {
			n = drain(err[0], r->err, sizeof(r->err), &ne);
			if (n <= 0)
				p[1].fd = -1;
		}
	}
	r->out[no] = 0;
	r->err[ne] = 0;
	close(out[0]);
	close(err[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Run @path with @argv (stdin /dev/null); returns its exit status (-1 if it did not exit). */
static inline int vmm_exec(const char *path, struct vmm_result *r, const char **argv)
{
	return vmm_exec_io(path, r, argv, NULL, NULL);
}

/*
 * A boot test's VMM run: it must have exited 0 (on failure, the end of
 * the console says where the guest got to); the guest's "kvmod-guest:"
 * reports go to the log either way.
 */
static inline void expect_vmm_ok(struct __test_metadata *_metadata,
				 const struct vmm_result *r, int status)
{
	const char *p;

	EXPECT_EQ(0, status) {
		size_t n = strlen(r->out);

		TH_LOG("stderr: %s", r->err);
		TH_LOG("console (end): %s", r->out + (n > 3000 ? n - 3000 : 0));
	}
	for (p = strstr(r->out, "kvmod-guest: "); p; p = strstr(p + 1, "kvmod-guest: "))
		TH_LOG("%.*s", (int)strcspn(p, "\r\n"), p);
}

/* Size of the disk images the boot tests give their guests. */
#define DISK_BYTES	0x100000

/* A 1 MiB image whose first sector starts with @tag; its path into @path. */
static inline int make_disk(char *path, size_t len, const char *tag)
{
	char sector[512] = { 0 };
	int fd;

	snprintf(path, len, "/tmp/kvmod-disk-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	snprintf(sector, sizeof(sector), "%s\n", tag);
	if (ftruncate(fd, DISK_BYTES) || pwrite(fd, sector, sizeof(sector), 0) != sizeof(sector)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The line of @out starting with @prefix, up to its end, into @line. */
static inline const char *line_of(const char *out, const char *prefix, char *line,
				  size_t len)
{
	const char *p = strstr(out, prefix);
	size_t n;

	if (!p)
		return "";
	n = strcspn(p, "\r\n");
	snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), p);
	return line;
}

#endif /* KVMOD_VMM_EXEC_H */
