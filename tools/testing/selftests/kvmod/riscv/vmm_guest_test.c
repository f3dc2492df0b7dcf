// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm with a guest that touches unmapped MMIO: a minimal "Image"
 * (the RISC-V boot header around a few instructions) stores to and loads
 * from an address no device has, then shuts down through SBI SRST with the
 * loaded value as the reason. The VMM must drop the store, read zero
 * (another reason is refused by the SRST call and the guest would spin
 * until the timeout), say so once on stderr, and exit 0.
 */

#include <sys/mman.h>

#include "guest.h"
#include "../vmm_exec.h"

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

TEST(unmapped_mmio_is_dropped)
{
	char path[PATH_MAX], image[64];
	struct image_header h = {
		.code0 = 0x0400006f,		/* j 64 */
		.image_size = 0x10000,
		.version = 2,
		.magic = "RISCV",
		.magic2 = 0x05435352,		/* "RSC\x05" */
	};
	static const char *const args[] = { "kvmod-vmm", "run", "--kernel", "IMAGE",
					     "--mem", "64M", "--timeout", "20", NULL };
	const char *argv[ARRAY_SIZE(args)];
	struct vmm_result r;
	int fd;

	if (vmm_path(path, sizeof(path)))
		SKIP(return, "no kvmod-vmm next to this test");
	fd = memfd_create("image", 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(sizeof(h), write(fd, &h, sizeof(h)));
	ASSERT_EQ(unmapped_end - unmapped_start,
		  write(fd, unmapped_start, unmapped_end - unmapped_start));
	snprintf(image, sizeof(image), "/proc/self/fd/%d", fd);
	memcpy(argv, args, sizeof(argv));
	argv[3] = image;

	EXPECT_EQ(0, vmm_exec(path, &r, argv))
		TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "write of 8 bytes at unmapped 0x40000000"));
	/* Once: the load that followed is not reported again. */
	EXPECT_EQ(NULL, strstr(r.err, "read of 8 bytes"));
	close(fd);
}

TEST_HARNESS_MAIN
