// SPDX-License-Identifier: GPL-2.0-only
/*
 * A Linux guest boots on kvmod under kvmod-vmm: the staged guest kernel
 * (/guest/Image, the host's own) and initramfs (/init is
 * tools/testing/kvmod/guest-init.c) with 2 vCPUs, a writable and a
 * read-only virtio disk, and the console answering the guest's prompt.
 * The guest reports each thing it saw on a "kvmod-guest:" line; this test
 * checks every one and what the guest left on the disk images, and that
 * the VMM ended with status 0 (the guest powered off) well before its
 * timeout: a panic, a hang or a lost interrupt fails it.
 */

#include <stdlib.h>
#include <sys/stat.h>

#include "guest.h"
#include "../vmm_exec.h"

#define GUEST_IMAGE	"/guest/Image"
#define GUEST_INITRD	"/guest/initramfs.cpio"

FIXTURE(boot) {
	char vmm[PATH_MAX];
	char rw[64], ro[64];
	int rw_fd, ro_fd;
};

FIXTURE_SETUP(boot)
{
	self->rw_fd = -1;
	self->ro_fd = -1;
	if (access(GUEST_IMAGE, R_OK) || access(GUEST_INITRD, R_OK))
		SKIP(return, "no guest staged in /guest");
	if (vmm_path(self->vmm, sizeof(self->vmm)))
		SKIP(return, "no kvmod-vmm next to this test");
	self->rw_fd = make_disk(self->rw, sizeof(self->rw), "KVMOD-DISK-RW");
	self->ro_fd = make_disk(self->ro, sizeof(self->ro), "KVMOD-DISK-RO");
	ASSERT_GE(self->rw_fd, 0);
	ASSERT_GE(self->ro_fd, 0);
}

FIXTURE_TEARDOWN(boot)
{
	if (self->rw_fd >= 0) {
		close(self->rw_fd);
		unlink(self->rw);
	}
	if (self->ro_fd >= 0) {
		close(self->ro_fd);
		unlink(self->ro);
	}
}

TEST_F_TIMEOUT(boot, two_cpus_disks_and_console, 400)
{
	char ro_arg[80], line[256], sector[512];
	const char *argv[] = {
		"kvmod-vmm", "run", "--kernel", GUEST_IMAGE, "--initrd", GUEST_INITRD,
		"--cpus", "2", "--mem", "256M", "--disk", self->rw, "--disk", ro_arg,
		"--cmdline", "console=ttyS0 earlycon=sbi panic=-1 kvmod_guest.echo",
		"--timeout", "300", NULL,
	};
	struct vmm_result *r = calloc(1, sizeof(*r));
	int status;

	ASSERT_NE(NULL, r);
	snprintf(ro_arg, sizeof(ro_arg), "%s,ro", self->ro);
	status = vmm_exec_io(self->vmm, r, argv, "kvmod-guest: type a line:",
			     "hello from the host\n");
	expect_vmm_ok(_metadata, r, status);
	EXPECT_NE(NULL, strstr(r->out, "kvmod-guest: uname -a: Linux "));
	EXPECT_NE(NULL, strstr(r->out, "up on kvmod with 2 CPUs"));
	/* Interrupts come through the in-kernel AIA: the APLIC and the IMSICs. */
	EXPECT_NE(NULL, strstr(line_of(r->out, "kvmod-guest: interrupt controllers:", line,
				       sizeof(line)), "APLIC"));
	expect_guest_cbo(_metadata, r->out);
	EXPECT_STREQ("kvmod-guest: workload: 2 of 2 CPUs",
		     line_of(r->out, "kvmod-guest: workload: ", line, 35));
	EXPECT_STREQ("kvmod-guest: disk /dev/vda: 2048 sectors, says: KVMOD-DISK-RW",
		     line_of(r->out, "kvmod-guest: disk /dev/vda: 2048", line, sizeof(line)));
	EXPECT_STREQ("kvmod-guest: disk /dev/vda: wrote and read back sector 1",
		     line_of(r->out, "kvmod-guest: disk /dev/vda: wr", line, sizeof(line)));
	EXPECT_STREQ("kvmod-guest: disk /dev/vdb: 2048 sectors, says: KVMOD-DISK-RO",
		     line_of(r->out, "kvmod-guest: disk /dev/vdb: 2048", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(r->out, "kvmod-guest: disk /dev/vdb: write refused"))
		TH_LOG("%s", line_of(r->out, "kvmod-guest: disk /dev/vdb: w", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(r->out, "kvmod-guest: 2 disk(s)"));
	EXPECT_NE(NULL, strstr(r->out, "kvmod-guest: console read: hello from the host"));

	/* What the guest wrote is in the writable image; the other is as it was. */
	ASSERT_EQ(sizeof(sector), pread(self->rw_fd, sector, sizeof(sector), 512));
	EXPECT_EQ(0, strncmp(sector, "KVMOD-GUEST-WROTE ", 18));
	EXPECT_NE(NULL, strstr(sector, " on /dev/vda\n"));
	ASSERT_EQ(sizeof(sector), pread(self->ro_fd, sector, sizeof(sector), 512));
	EXPECT_EQ(0, sector[0]);
	free(r);
}

TEST_HARNESS_MAIN
