// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the guest that `make run` boots on kvmod: says which kernel came
 * up, with how many CPUs and which interrupt controllers, then powers the VM
 * off (SBI SRST on RISC-V), which ends kvmod-vmm with status 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

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
	irqchips();
	fflush(stdout);
	/* The UART driver sends from a buffer: let it finish before power-off. */
	tcdrain(1);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
