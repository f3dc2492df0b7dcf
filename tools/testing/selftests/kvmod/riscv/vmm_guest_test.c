// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm with guests that misbehave, each a minimal "Image" (the RISC-V
 * boot header around a few instructions):
 * - one stores to and loads from an address no device has, then shuts down
 *   through SBI SRST with the loaded value as the reason. The VMM must drop
 *   the store, read zero (another reason is refused by the SRST call and
 *   the guest would spin until the timeout), say so once on stderr, and
 *   exit 0;
 * - one drives a virtio-blk disk like a broken driver: a descriptor cycle.
 *   The device must mark itself DEVICE_NEEDS_RESET with a configuration
 *   interrupt instead of looping, use no buffer, and come back after a
 *   reset; the guest prints Y (all seen) or N on the UART.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>

#include "guest.h"
#include "../vmm_exec.h"

/*
 * The disk's registers at 0x10001000 (virtio-mmio 2), its queue in RAM at
 * 0x81000000 (descriptors), 0x81001000 (driver ring), 0x81002000 (device
 * ring): one request whose two descriptors point at each other.
 */
GUEST_CODE(virtio_cycle,
	   "li t0, 0x10001000\n lw t1, 0(t0)\n li t2, 0x74726976\n bne t1, t2, 8f\n"
	   /* ACKNOWLEDGE | DRIVER, then VERSION_1 (feature 32), FEATURES_OK */
	   "li t1, 3\n sw t1, 0x70(t0)\n li t1, 1\n sw t1, 0x24(t0)\n sw t1, 0x20(t0)\n"
	   "sw zero, 0x24(t0)\n sw zero, 0x20(t0)\n li t1, 0xb\n sw t1, 0x70(t0)\n"
	   "lw t1, 0x70(t0)\n andi t1, t1, 8\n beqz t1, 8f\n"
	   /* queue 0: 8 entries at the three addresses */
	   "sw zero, 0x30(t0)\n li t1, 8\n sw t1, 0x38(t0)\n"
	   "li t3, 0x81000000\n sw t3, 0x80(t0)\n sw zero, 0x84(t0)\n"
	   "li t4, 0x81001000\n sw t4, 0x90(t0)\n sw zero, 0x94(t0)\n"
	   "li t5, 0x81002000\n sw t5, 0xa0(t0)\n sw zero, 0xa4(t0)\n"
	   /* desc 0: 16 bytes, NEXT -> 1; desc 1: 1 byte, WRITE|NEXT -> 0 */
	   "li t1, 0x81003000\n sd t1, 0(t3)\n li t1, 16\n sw t1, 8(t3)\n"
	   "li t1, 0x00010001\n sw t1, 12(t3)\n"
	   "li t1, 0x81003010\n sd t1, 16(t3)\n li t1, 1\n sw t1, 24(t3)\n"
	   "li t1, 3\n sw t1, 28(t3)\n"
	   /* driver ring: flags 0, idx 1, ring[0] = 0 */
	   "li t1, 0x00010000\n sw t1, 0(t4)\n sh zero, 4(t4)\n sw zero, 0(t5)\n fence\n"
	   "li t1, 1\n sw t1, 0x44(t0)\n li t1, 0xf\n sw t1, 0x70(t0)\n sw zero, 0x50(t0)\n"
	   /* NEEDS_RESET, a configuration interrupt, no used buffer */
	   "lw t1, 0x70(t0)\n andi t1, t1, 0x40\n beqz t1, 8f\n"
	   "lw t1, 0x60(t0)\n andi t1, t1, 2\n beqz t1, 8f\n"
	   "lhu t1, 2(t5)\n bnez t1, 8f\n"
	   /* a reset clears it all */
	   "sw zero, 0x70(t0)\n lw t1, 0x70(t0)\n bnez t1, 8f\n lw t1, 0x60(t0)\n bnez t1, 8f\n"
	   "li a0, 'Y'\n j 9f\n"
	   "8: li a0, 'N'\n"
	   "9: li t6, 0x10000000\n sb a0, 0(t6)\n li a0, 10\n sb a0, 0(t6)\n"
	   "li a7, 0x53525354\n li a6, 0\n li a0, 0\n li a1, 0\n ecall\n"
	   "1: j 1b\n");

GUEST_CODE(unmapped,
	   "li t0, 0x40000000\n li t1, 0x1234\n sd t1, 0(t0)\n ld t2, 0(t0)\n"
	   "li a7, 0x53525354\n li a6, 0\n li a0, 0\n mv a1, t2\n ecall\n"
	   "1: j 1b\n");

/* The RISC-V Image header: jump over it, magic numbers at 48 and 56. */
struct image_header {
	uint32_t code0, code1;
	uint64_t text_offset, image_size, flags;
	uint32_t version, res1;
	uint64_t res2;
	char magic[8];
	uint32_t magic2, res3;
};

/* An Image of @code in a memfd; its /proc path into @image. Return: the fd. */
static int make_image(const char *start, const char *end, char *image, size_t len)
{
	struct image_header h = {
		.code0 = 0x0400006f,		/* j 64 */
		.image_size = 0x10000,
		.version = 2,
		.magic = "RISCV",
		.magic2 = 0x05435352,		/* "RSC\x05" */
	};
	int fd = memfd_create("image", 0);

	if (fd < 0 || write(fd, &h, sizeof(h)) != sizeof(h) ||
	    write(fd, start, end - start) != end - start)
		return -1;
	snprintf(image, len, "/proc/self/fd/%d", fd);
	return fd;
}

TEST(unmapped_mmio_is_dropped)
{
	char path[PATH_MAX], image[64];
	const char *argv[] = { "kvmod-vmm", "run", "--kernel", image,
			       "--mem", "64M", "--timeout", "20", NULL };
	struct vmm_result r;
	int fd;

	if (vmm_path(path, sizeof(path)))
		SKIP(return, "no kvmod-vmm next to this test");
	fd = make_image(unmapped_start, unmapped_end, image, sizeof(image));
	ASSERT_GE(fd, 0);

	EXPECT_EQ(0, vmm_exec(path, &r, argv))
		TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "write of 8 bytes at unmapped 0x40000000"));
	/* Once: the load that followed is not reported again. */
	EXPECT_EQ(NULL, strstr(r.err, "read of 8 bytes"));
	close(fd);
}

TEST(virtio_descriptor_cycle_needs_reset)
{
	char path[PATH_MAX], image[64], disk[] = "/tmp/kvmod-vmm-disk-XXXXXX";
	const char *argv[] = { "kvmod-vmm", "run", "--kernel", image, "--mem", "64M",
			       "--disk", disk, "--timeout", "20", NULL };
	struct vmm_result r;
	int fd, dfd, kvm;

	if (vmm_path(path, sizeof(path)))
		SKIP(return, "no kvmod-vmm next to this test");
	/* Disks need the in-kernel interrupt controller (a host with Ssaia). */
	kvm = open("/dev/kvm", O_RDWR);
	ASSERT_GE(kvm, 0);
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0) {
		close(kvm);
		SKIP(return, "no in-kernel interrupt controller on this host");
	}
	close(kvm);
	fd = make_image(virtio_cycle_start, virtio_cycle_end, image, sizeof(image));
	ASSERT_GE(fd, 0);
	dfd = mkstemp(disk);
	ASSERT_GE(dfd, 0);
	ASSERT_EQ(0, ftruncate(dfd, 1 << 20));

	EXPECT_EQ(0, vmm_exec(path, &r, argv))
		TH_LOG("stderr: %s", r.err);
	EXPECT_STREQ("Y\n", r.out);
	EXPECT_NE(NULL, strstr(r.err, "virtio device at 0x10001000: driver error, needs a reset"));
	close(dfd);
	unlink(disk);
	close(fd);
}

TEST_HARNESS_MAIN
