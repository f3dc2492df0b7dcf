// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the guest that `make run` boots on kvmod: says which kernel came
 * up and with how many CPUs, then powers the VM off (SBI SRST on RISC-V),
 * which ends kvmod-vmm with status 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

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
	uname(&u);
	printf("kvmod-guest: Linux %s %s up on kvmod with %ld CPUs\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);
	/* The UART driver sends from a buffer: let it finish before power-off. */
	tcdrain(1);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
