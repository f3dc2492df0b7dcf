/* SPDX-License-Identifier: GPL-2.0-only */
/* Running kvmod-vmm (installed next to the tests) and collecting its output. */
#ifndef KVMOD_VMM_EXEC_H
#define KVMOD_VMM_EXEC_H

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/**
 * struct vmm_result - what a kvmod-vmm run printed
 * @out: its stdout, NUL-terminated (truncated if long)
 * @err: its stderr, likewise
 */
struct vmm_result {
	char out[16384];
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

/* Run @path with @argv; returns its exit status (-1 if it did not exit). */
static inline int vmm_exec(const char *path, struct vmm_result *r, const char **argv)
{
	int out[2], err[2], status;
	size_t no = 0, ne = 0;
	struct pollfd p[2];
	pid_t pid;
	ssize_t n;

	if (pipe(out) || pipe(err))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	p[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0)
			break;
		if (p[0].revents) {
			n = drain(out[0], r->out, sizeof(r->out), &no);
			if (n <= 0)
				p[0].fd = -1;
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
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif /* KVMOD_VMM_EXEC_H */
