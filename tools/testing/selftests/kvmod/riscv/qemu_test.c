// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU, unchanged, on kvmod: Debian 13's own qemu-system-riscv64 (staged
 * in the test host with its libraries) boots the `make run` guest with
 * `-accel kvm -cpu host -smp 2`: on QEMU's own PLIC (interrupts raised by
 * KVM_INTERRUPT from QEMU's threads), on the in-kernel AIA (irqfds and GSI
 * routes into kvmod's APLIC and IMSICs), each alone and with a virtio-blk
 * disk (virtqueue kicks through ioeventfds) and a virtio-net device on a
 * user-mode network (a TFTP read from QEMU's own server). The guest must
 * see 2 CPUs and its interrupt controller, write its disk, read the file,
 * and power off, and QEMU must exit 0.
 */

#include <sys/stat.h>

#include "guest.h"
#include "../vmm_exec.h"

#define QEMU		"/usr/bin/qemu-system-riscv64"
#define GUEST_IMAGE	"/guest/Image"
#define GUEST_INITRD	"/guest/initramfs.cpio"
#define TFTP_DIR	"/tmp/kvmod-tftp"
#define TFTP_TEXT	"KVMOD-NET the VMM's file"

FIXTURE(qemu) {
	char disk[64];
	int disk_fd;
};

/*
 * @machine: QEMU's -M
 * @chip: an interrupt controller name the guest must list
 * @not_chip: one it must not
 * @devices: with the virtio disk and network
 * @verbose: the whole kernel log on the console (QEMU's UART), not only
 *	the guest's reports
 */
FIXTURE_VARIANT(qemu) {
	const char *machine;
	const char *chip;
	const char *not_chip;
	bool devices;
	bool verbose;
};

FIXTURE_VARIANT_ADD(qemu, plic) {
	.machine = "virt", .chip = "SiFive PLIC", .not_chip = "APLIC",
};

FIXTURE_VARIANT_ADD(qemu, aia) {
	.machine = "virt,aia=aplic-imsic", .chip = "APLIC", .not_chip = "SiFive PLIC",
};

FIXTURE_VARIANT_ADD(qemu, plic_console) {
	.machine = "virt", .chip = "SiFive PLIC", .not_chip = "APLIC", .verbose = true,
};

FIXTURE_VARIANT_ADD(qemu, plic_virtio) {
	.machine = "virt", .chip = "SiFive PLIC", .not_chip = "APLIC", .devices = true,
};

FIXTURE_VARIANT_ADD(qemu, aia_virtio) {
	.machine = "virt,aia=aplic-imsic", .chip = "APLIC", .not_chip = "SiFive PLIC",
	.devices = true,
};

FIXTURE_SETUP(qemu)
{
	FILE *f;

	self->disk_fd = -1;
	/* Staged by make check with the test host: missing is a failure. */
	ASSERT_EQ(0, access(QEMU, X_OK));
	ASSERT_EQ(0, access(GUEST_IMAGE, R_OK));
	ASSERT_EQ(0, access(GUEST_INITRD, R_OK));
	if (!variant->devices)
		return;
	self->disk_fd = make_disk(self->disk, sizeof(self->disk), "KVMOD-DISK-QEMU");
	ASSERT_GE(self->disk_fd, 0);
	mkdir(TFTP_DIR, 0755);
	f = fopen(TFTP_DIR "/kvmod-net", "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%s\nsecond line\n", TFTP_TEXT);
	fclose(f);
}

FIXTURE_TEARDOWN(qemu)
{
	if (self->disk_fd >= 0) {
		close(self->disk_fd);
		unlink(self->disk);
	}
}

TEST_F_TIMEOUT(qemu, boot, 600)
{
	char drive[128], line[256], sector[512];
	const char *argv[40] = {
		"qemu-system-riscv64", "-accel", "kvm", "-cpu", "host", "-smp", "2",
		"-m", "256M", "-M", variant->machine, "-nographic", "-no-reboot",
		"-kernel", GUEST_IMAGE, "-initrd", GUEST_INITRD,
	};
	struct vmm_result *r = calloc(1, sizeof(*r));
	int n = 17, status;
	double t0;

	ASSERT_NE(NULL, r);
	argv[n++] = "-append";
	if (variant->devices) {
		argv[n++] = "console=ttyS0 panic=-1 quiet kvmod_guest.tftp=kvmod-net";
		snprintf(drive, sizeof(drive), "file=%s,if=none,format=raw,id=d0",
			 self->disk);
		argv[n++] = "-drive";
		argv[n++] = drive;
		argv[n++] = "-device";
		argv[n++] = "virtio-blk-device,drive=d0";
		argv[n++] = "-netdev";
		argv[n++] = "user,id=n0,tftp=" TFTP_DIR;
		argv[n++] = "-device";
		argv[n++] = "virtio-net-device,netdev=n0";
	} else if (variant->verbose) {
		argv[n++] = "console=ttyS0 panic=-1";
	} else {
		argv[n++] = "console=ttyS0 panic=-1 quiet";
	}
	argv[n] = NULL;

	t0 = now();
	status = vmm_exec(QEMU, r, argv);
	TH_LOG("QEMU ran %.1f s, %zu bytes on the console", now() - t0, strlen(r->out));
	expect_vmm_ok(_metadata, r, status);
	EXPECT_NE(NULL, strstr(r->out, "up on kvmod with 2 CPUs"));
	line_of(r->out, "kvmod-guest: interrupt controllers:", line, sizeof(line));
	EXPECT_NE(NULL, strstr(line, variant->chip)) TH_LOG("%s", line);
	EXPECT_EQ(NULL, strstr(line, variant->not_chip)) TH_LOG("%s", line);
	expect_guest_cbo(_metadata, r->out);
	EXPECT_STREQ("kvmod-guest: workload: 2 of 2 CPUs",
		     line_of(r->out, "kvmod-guest: workload: ", line, 35));
	if (!variant->devices) {
		EXPECT_NE(NULL, strstr(r->out, "kvmod-guest: 0 disk(s)"));
		free(r);
		return;
	}
	EXPECT_STREQ("kvmod-guest: disk /dev/vda: 2048 sectors, says: KVMOD-DISK-QEMU",
		     line_of(r->out, "kvmod-guest: disk /dev/vda: 2048", line, sizeof(line)));
	EXPECT_STREQ("kvmod-guest: disk /dev/vda: wrote and read back sector 1",
		     line_of(r->out, "kvmod-guest: disk /dev/vda: wr", line, sizeof(line)));
	EXPECT_STREQ("kvmod-guest: net eth0: tftp kvmod-net: 37 bytes: " TFTP_TEXT,
		     line_of(r->out, "kvmod-guest: net eth0:", line, sizeof(line)));
	ASSERT_EQ(sizeof(sector), pread(self->disk_fd, sector, sizeof(sector), 512));
	EXPECT_EQ(0, strncmp(sector, "KVMOD-GUEST-WROTE ", 18));
	free(r);
}

TEST_HARNESS_MAIN
