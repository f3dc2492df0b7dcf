// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stage-2 (G-stage) mapping sizes: memory the host backs with a
 * transparent huge page is mapped with one 2 MiB leaf, a 1 GiB hugetlb page
 * with one 1 GiB leaf, when the slot keeps
 * its alignment, with 4 KiB leaves when it does not or while it logs dirty
 * pages, and a host change inside a huge leaf (a page dropped) is seen by
 * the guest. Every case checks the guest reads what the host wrote to each
 * page, so a leaf that mapped the wrong memory fails.
 */

#include "guest.h"

#define DATA_GPA	0x80200000UL
#define DATA_SIZE	0x200000UL
#define HUGE		0x200000UL

/*
 * Reads the first doubleword of each of the 512 pages at DATA_GPA, counts
 * those not holding their page number, reports the count; again on resume.
 */
GUEST_CODE(walk,
	   "0: li t0, 0x80200000\n li t1, 512\n li t2, 0\n li t3, 0\n"
	   "1: ld t4, 0(t0)\n beq t4, t2, 2f\n addi t3, t3, 1\n"
	   "2: li t5, 4096\n add t0, t0, t5\n addi t2, t2, 1\n blt t2, t1, 1b\n"
	   "mv a0, t3\n" G_REPORT(1)
	   "j 0b\n");

FIXTURE(stage2) {
	struct guest g;
	void *raw;
	size_t raw_size;
	char *huge;	/* 2 MiB-aligned, two huge pages' worth */
	int vm_stats;
};

FIXTURE_SETUP(stage2)
{
	memset(&self->g, 0, sizeof(self->g));
	/* Room to align two huge pages. */
	self->raw_size = 3 * HUGE;
	self->raw = mmap(NULL, self->raw_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->raw);
	self->huge = (char *)(((uintptr_t)self->raw + HUGE - 1) & ~(HUGE - 1));
	ASSERT_EQ(0, madvise(self->huge, 2 * HUGE, MADV_HUGEPAGE));
	guest_setup(_metadata, &self->g, walk_start, walk_end);
	self->vm_stats = ioctl(self->g.vm, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(self->vm_stats, 0);
}

FIXTURE_TEARDOWN(stage2)
{
	if (self->g.run) {
		close(self->vm_stats);
		guest_teardown(&self->g);
	}
	munmap(self->raw, self->raw_size);
}

/* Page i of the slot's memory starts with i. */
static void fill(char *mem)
{
	unsigned long i;

	for (i = 0; i < DATA_SIZE / 4096; i++)
		*(uint64_t *)(mem + i * 4096) = i;
}

/* Whether the kernel backs @p with a huge page (AnonHugePages in smaps). */
static bool backed_huge(void *p)
{
	unsigned long start, end, kb, addr = (unsigned long)p;
	bool in = false, huge = false;
	char line[256];
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's header line starts with its range. */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start <= addr && addr < end;
		else if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			huge = kb >= 2048;
	}
	fclose(f);
	return huge;
}

/*
 * The data slot over @mem (flags @flags), filled: 0, -1 when the host gave
 * no huge page to test with, or the errno of the slot's creation (which
 * the caller must fail on: only the host's lack of a THP is a skip).
 */
static int data_slot(struct _test_data_stage2 *self, char *mem, uint32_t flags)
{
	fill(mem);
	if (!backed_huge(self->huge))
		return -1;
	return set_region(self->g.vm, 1, flags, DATA_GPA, DATA_SIZE, mem);
}

#define NO_THP "the host gave no transparent huge page"

static long long walk(struct __test_metadata *_metadata, struct guest *g)
{
	return (long long)guest_report(_metadata, g, g->vcpu, g->run, 1)->riscv_sbi.args[0];
}

TEST_F(stage2, huge_page_maps_one_leaf)
{
	int r = data_slot(self, self->huge, 0);

	if (r < 0)
		SKIP(return, NO_THP);
	ASSERT_EQ(0, r) TH_LOG("the data slot: %s", strerror(r));
	EXPECT_EQ(0, walk(_metadata, &self->g));
	EXPECT_EQ(1, stat_value(self->vm_stats, "pages_2m"));
	/* The code's pages only, not the 512 data pages. */
	EXPECT_GT(16, stat_value(self->vm_stats, "pages_4k"));
}

TEST_F(stage2, dirty_logging_maps_small_leaves)
{
	int r = data_slot(self, self->huge, KVM_MEM_LOG_DIRTY_PAGES);

	if (r < 0)
		SKIP(return, NO_THP);
	ASSERT_EQ(0, r) TH_LOG("the data slot: %s", strerror(r));
	EXPECT_EQ(0, walk(_metadata, &self->g));
	EXPECT_EQ(0, stat_value(self->vm_stats, "pages_2m"));
	EXPECT_LE(512, stat_value(self->vm_stats, "pages_4k"));
	/* Logging off again: the slot is remapped, now with a huge leaf. */
	ASSERT_EQ(0, set_region(self->g.vm, 1, 0, DATA_GPA, DATA_SIZE, self->huge));
	EXPECT_EQ(0, walk(_metadata, &self->g));
	EXPECT_EQ(1, stat_value(self->vm_stats, "pages_2m"));
}

TEST_F(stage2, misaligned_slot_maps_small_leaves)
{
	/* Host address one page past a huge page boundary, guest's on one. */
	int r = data_slot(self, self->huge + 4096, 0);

	if (r < 0)
		SKIP(return, NO_THP);
	ASSERT_EQ(0, r) TH_LOG("the data slot: %s", strerror(r));
	EXPECT_EQ(0, walk(_metadata, &self->g));
	EXPECT_EQ(0, stat_value(self->vm_stats, "pages_2m"));
	EXPECT_LE(512, stat_value(self->vm_stats, "pages_4k"));
}

TEST_F(stage2, host_change_inside_huge_leaf)
{
	int r = data_slot(self, self->huge, 0);

	if (r < 0)
		SKIP(return, NO_THP);
	ASSERT_EQ(0, r) TH_LOG("the data slot: %s", strerror(r));
	EXPECT_EQ(0, walk(_metadata, &self->g));
	EXPECT_EQ(1, stat_value(self->vm_stats, "pages_2m"));
	/* Drop page 5: the huge page splits and the leaf must go. */
	ASSERT_EQ(0, madvise(self->huge + 5 * 4096, 4096, MADV_DONTNEED));
	EXPECT_EQ(0, stat_value(self->vm_stats, "pages_2m"));
	*(uint64_t *)(self->huge + 5 * 4096) = 5;
	EXPECT_EQ(0, walk(_metadata, &self->g));
	/* Page 5 anew: a wrong mapping would read what was there before. */
	*(uint64_t *)(self->huge + 5 * 4096) = 99;
	EXPECT_EQ(1, walk(_metadata, &self->g));
}

#define GIGA_GPA	0x100000000UL
#define GIGA		0x40000000UL
#define GIGA_FREE	"/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"

/* Reads the doublewords at 0, 512 MiB and 1 GiB - 4 KiB of GIGA_GPA. */
GUEST_CODE(giga,
	   "li t0, 0x100000000\n ld a0, 0(t0)\n"
	   "li t1, 0x20000000\n add t1, t1, t0\n ld a1, 0(t1)\n"
	   "li t1, 0x3ffff000\n add t1, t1, t0\n ld a2, 0(t1)\n"
	   G_REPORT(1));

/*
 * A 1 GiB hugetlb page behind a 1 GiB-aligned slot: one 1 GiB leaf. The
 * page must be reserved at boot (hugepagesz=1G hugepages=1; later the
 * host's memory is too fragmented for one), which the check hosts do.
 */
TEST(gigantic_page_maps_one_leaf)
{
	struct kvm_run *run;
	struct guest g;
	char *giga;
	int stats;

	if (read_long(GIGA_FREE) < 1)
		SKIP(return, "the host reserved no free 1 GiB page (hugepagesz=1G hugepages=1)");
	guest_setup(_metadata, &g, giga_start, giga_end);
	giga = mmap(NULL, GIGA, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (30 << MAP_HUGE_SHIFT), -1, 0);
	ASSERT_NE(MAP_FAILED, giga) TH_LOG("mmap of a 1 GiB page: %s", strerror(errno));
	*(uint64_t *)giga = 11;
	*(uint64_t *)(giga + GIGA / 2) = 22;
	*(uint64_t *)(giga + GIGA - 4096) = 33;
	ASSERT_EQ(0, set_region(g.vm, 1, 0, GIGA_GPA, GIGA, giga));
	stats = ioctl(g.vm, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(stats, 0);
	run = guest_report(_metadata, &g, g.vcpu, g.run, 1);
	EXPECT_EQ(11, run->riscv_sbi.args[0]);
	EXPECT_EQ(22, run->riscv_sbi.args[1]);
	EXPECT_EQ(33, run->riscv_sbi.args[2]);
	EXPECT_EQ(1, stat_value(stats, "pages_1g"));
	EXPECT_EQ(0, stat_value(stats, "pages_2m"));
	close(stats);
	guest_teardown(&g);
	munmap(giga, GIGA);
}

TEST_HARNESS_MAIN
