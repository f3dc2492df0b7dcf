// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the guest that `make run` and the boot test run on kvmod: says
 * which kernel came up (uname -a), with how many CPUs and which interrupt
 * controllers, runs a short workload on every CPU, reports on each virtio
 * disk (/dev/vd*: its size and first line, then a line written to its
 * second sector and read back, which a read-only disk refuses), echoes a
 * console line when the command line asks for it (kvmod_guest.echo), then
 * powers the VM off (SBI SRST on RISC-V), which ends kvmod-vmm with
 * status 0. Every report is one "kvmod-guest: ..." line for the tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define SECTOR	512

/* The irq chips the kernel uses (/sys/kernel/irq/N/chip_name), each once. */
static void irqchips(void)
{
	char names[16][64], path[64], buf[64];
	int n = 0, i, irq;
	FILE *f;

	mkdir("/sys", 0755);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	for (irq = 0; irq < 4096; irq++) {
		snprintf(path, sizeof(path), "/sys/kernel/irq/%d/chip_name", irq);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = 0;
			for (i = 0; i < n && strcmp(names[i], buf); i++)
				;
			if (i == n && n < 16)
				snprintf(names[n++], sizeof(names[0]), "%s", buf);
		}
		fclose(f);
	}
	printf("kvmod-guest: interrupt controllers:");
	for (i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

/* A pseudo-random walk a CPU cannot shortcut: the result depends on each step. */
static uint64_t work(uint64_t seed, long n)
{
	uint64_t x = seed | 1;
	long i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

/*
 * One process pinned to each online CPU; each checks it runs there and
 * returns its walk's result, which must match the parent's own run of it.
 */
static void workload(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), i, ok = 0;
	const long steps = 2000000;
	struct timespec t0, t1;
	pid_t pids[64];
	int status;

	if (cpus > 64)
		cpus = 64;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < cpus; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i, &set);
			if (sched_setaffinity(0, sizeof(set), &set) || sched_getcpu() != i)
				_exit(255);
			_exit(work(i + 1, steps) % 251);
		}
	}
	for (i = 0; i < cpus; i++) {
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i])
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status) == work(i + 1, steps) % 251)
			ok++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("kvmod-guest: workload: %ld of %ld CPUs ran their part (%ld ms)\n", ok, cpus,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
}

/* /dev/vda, /dev/vdb, ...: size, first line, and a write of sector 1. */
static void disks(void)
{
	char path[32], line[SECTOR + 1], msg[SECTOR], back[SECTOR];
	unsigned long long bytes;
	struct utsname u;
	int i, fd, wfd;

	uname(&u);
	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/dev/vd%c", 'a' + i);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			break;
		memset(line, 0, sizeof(line));
		if (ioctl(fd, BLKGETSIZE64, &bytes) || pread(fd, line, SECTOR, 0) != SECTOR) {
			printf("kvmod-guest: disk %s: cannot read: %s\n", path, strerror(errno));
			close(fd);
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		printf("kvmod-guest: disk %s: %llu sectors, says: %s\n", path, bytes / SECTOR, line);
		memset(msg, 0, sizeof(msg));
		snprintf(msg, sizeof(msg), "KVMOD-GUEST-WROTE %s on %s\n", u.release, path);
		/* A read-only disk refuses at open or at the write (EACCES, EPERM). */
		wfd = open(path, O_RDWR | O_SYNC);
		if (wfd < 0 || pwrite(wfd, msg, SECTOR, SECTOR) != SECTOR || fsync(wfd)) {
			printf("kvmod-guest: disk %s: write refused: %s\n", path, strerror(errno));
		} else {
			/* Past the page cache: what the device now holds. */
			ioctl(wfd, BLKFLSBUF, 0);
			if (pread(fd, back, SECTOR, SECTOR) == SECTOR && !memcmp(back, msg, SECTOR))
				printf("kvmod-guest: disk %s: wrote and read back sector 1\n", path);
			else
				printf("kvmod-guest: disk %s: sector 1 reads back wrong\n", path);
		}
		if (wfd >= 0)
			close(wfd);
		close(fd);
	}
	printf("kvmod-guest: %d disk(s)\n", i);
}

/* With kvmod_guest.echo on the command line: one console line, echoed. */
static void echo_line(void)
{
	char cmdline[1024] = "", line[256];
	struct pollfd p = { .fd = 0, .events = POLLIN };
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	if (!strstr(cmdline, "kvmod_guest.echo"))
		return;
	printf("kvmod-guest: type a line:\n");
	fflush(stdout);
	if (poll(&p, 1, 60000) != 1 || !fgets(line, sizeof(line), stdin)) {
		printf("kvmod-guest: no console input\n");
		return;
	}
	line[strcspn(line, "\r\n")] = 0;
	printf("kvmod-guest: console read: %s\n", line);
}

int main(void)
{
	struct utsname u;
	int fd;

	/* The initramfs has no device nodes: devtmpfs provides the console. */
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	mkdir("/proc", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	uname(&u);
	printf("kvmod-guest: uname -a: %s %s %s %s %s\n", u.sysname, u.nodename,
	       u.release, u.version, u.machine);
	printf("kvmod-guest: Linux %s %s up on kvmod with %ld CPUs\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN));
	irqchips();
	fflush(stdout);
	workload();
	fflush(stdout);
	disks();
	fflush(stdout);
	echo_line();
	fflush(stdout);
	/* The UART driver sends from a buffer: let it finish before power-off. */
	tcdrain(1);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
