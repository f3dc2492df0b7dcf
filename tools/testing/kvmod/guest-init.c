// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the guest that `make run` and the boot test run on kvmod: says
 * which kernel came up (uname -a), with how many CPUs and which interrupt
 * controllers, runs a short workload on every CPU, reports on each virtio
 * disk (/dev/vd*: its size and first line, then a line written to its
 * second sector and read back, which a read-only disk refuses), echoes a
 * console line when the command line asks for it (kvmod_guest.echo), then
 * fetches a file over TFTP when the command line names one
 * (kvmod_guest.tftp=NAME: eth0 configured as a user-mode network expects,
 * the file asked of the TFTP server at the network's gateway), then
 * powers the VM off (SBI SRST on RISC-V), which ends kvmod-vmm with
 * status 0. Every report is one "kvmod-guest: ..." line for the tests.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
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
#include <sys/socket.h>
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

static char cmdline[1024];

/* The first "isa" line of /proc/cpuinfo: the extensions Linux took up. */
static void report_isa(void)
{
	char line[1024];
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "isa\t", 4))
			continue;
		line[strcspn(line, "\n")] = 0;
		printf("kvmod-guest: isa: %s\n", line + strcspn(line, ":") + 2);
		break;
	}
	if (f)
		fclose(f);
}

static void read_cmdline(void)
{
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
}

/* The value of kvmod_guest.NAME=VALUE on the command line into @val. */
static int param(const char *name, char *val, size_t len)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "kvmod_guest.%s=", name);
	p = strstr(cmdline, key);
	if (!p)
		return -1;
	p += strlen(key);
	snprintf(val, len, "%.*s", (int)strcspn(p, "\n\t "), p);
	return 0;
}

/* eth0 up as 10.0.2.15/24, the address QEMU's user-mode network leases. */
static int net_up(int s)
{
	struct sockaddr_in *sin;
	struct ifreq ifr = {};

	snprintf(ifr.ifr_name, IFNAMSIZ, "eth0");
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.2.15", &sin->sin_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr))
		return -1;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) || ioctl(s, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/*
 * With kvmod_guest.tftp=NAME: the first block of NAME from the TFTP server
 * at 10.0.2.2 (RFC 1350: read request, data block 1, acknowledgment).
 * Packets go both ways through the network device: its queue
 * notifications and its interrupts.
 */
static void tftp_fetch(void)
{
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(69) };
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	unsigned char req[128], buf[600];
	char name[64];
	struct pollfd p;
	int s, n = -1, try, len;

	if (param("tftp", name, sizeof(name)))
		return;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || net_up(s)) {
		printf("kvmod-guest: net eth0: cannot configure: %s\n", strerror(errno));
		return;
	}
	inet_pton(AF_INET, "10.0.2.2", &srv.sin_addr);
	len = snprintf((char *)req + 2, sizeof(req) - 2, "%s%coctet%c", name, 0, 0) + 2;
	req[0] = 0;
	req[1] = 1;	/* RRQ */
	p = (struct pollfd) { .fd = s, .events = POLLIN };
	for (try = 0; try < 5 && n < 4; try++) {
		sendto(s, req, len, 0, (struct sockaddr *)&srv, sizeof(srv));
		if (poll(&p, 1, 2000) == 1)
			n = recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &flen);
	}
	if (n < 4 || buf[1] != 3 || buf[3] != 1) {
		printf("kvmod-guest: net eth0: tftp %s: no data (%d bytes)\n", name, n);
		close(s);
		return;
	}
	/* Acknowledge block 1 to the server's transfer port. */
	buf[1] = 4;
	sendto(s, buf, 4, 0, (struct sockaddr *)&from, flen);
	buf[n] = 0;
	buf[4 + strcspn((char *)buf + 4, "\n")] = 0;
	printf("kvmod-guest: net eth0: tftp %s: %d bytes: %s\n", name, n - 4, buf + 4);
	close(s);
}

/* With kvmod_guest.echo on the command line: one console line, echoed. */
static void echo_line(void)
{
	char line[256];
	struct pollfd p = { .fd = 0, .events = POLLIN };

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
	read_cmdline();
	uname(&u);
	printf("kvmod-guest: uname -a: %s %s %s %s %s\n", u.sysname, u.nodename,
	       u.release, u.version, u.machine);
	printf("kvmod-guest: Linux %s %s up on kvmod with %ld CPUs\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN));
	irqchips();
	report_isa();
	fflush(stdout);
	workload();
	fflush(stdout);
	disks();
	fflush(stdout);
	tftp_fetch();
	fflush(stdout);
	echo_line();
	fflush(stdout);
	/* The UART driver sends from a buffer: let it finish before power-off. */
	tcdrain(1);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
