// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the leaf size a stage-2 fault chooses: as large as the
 * host's mapping, only where the block lies inside the slot with the same
 * offset on both sides, and one page while the slot logs dirty pages.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>

#define PMD_PAGES	(1ULL << (PMD_SHIFT - PAGE_SHIFT))
#define PUD_PAGES	(1ULL << (PUD_SHIFT - PAGE_SHIFT))

/* A slot of @npages at @base_gfn, backed from host address @hva. */
static struct kvmod_memslot slot_at(u64 base_gfn, u64 npages, unsigned long hva)
{
	return (struct kvmod_memslot){
		.base_gfn = base_gfn, .npages = npages, .userspace_addr = hva,
	};
}

static unsigned long hva_of(const struct kvmod_memslot *s, u64 gfn)
{
	return kvmod_memslot_hva(s, gfn);
}

/* The host's leaf size caps the guest's. */
static void fit_follows_host_size(struct kunit *test)
{
	struct kvmod_memslot s = slot_at(0, 2 * PUD_PAGES, PUD_SIZE);
	u64 gfn = PUD_PAGES + 5;

	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, gfn, hva_of(&s, gfn), PAGE_SHIFT),
			PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, gfn, hva_of(&s, gfn), PMD_SHIFT),
			PMD_SHIFT);
	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, gfn, hva_of(&s, gfn), PUD_SHIFT),
			PUD_SHIFT);
}

/* Guest and host offsets within the block differ: pages only. */
static void fit_needs_same_offset(struct kunit *test)
{
	struct kvmod_memslot s = slot_at(1, 4 * PMD_PAGES, PMD_SIZE);
	u64 gfn = 2 * PMD_PAGES;

	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, gfn, hva_of(&s, gfn), PMD_SHIFT),
			PAGE_SHIFT);
	/* Shifted by a whole block, the offsets agree again. */
	s = slot_at(PMD_PAGES, 4 * PMD_PAGES, 3 * PMD_SIZE);
	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, gfn, hva_of(&s, gfn), PMD_SHIFT),
			PMD_SHIFT);
}

/* A block reaching past either end of the slot is not mapped whole. */
static void fit_stays_inside_slot(struct kunit *test)
{
	/* The slot starts one page into a block and ends one page short. */
	struct kvmod_memslot s = slot_at(PMD_PAGES + 1, 2 * PMD_PAGES - 2,
					 PMD_SIZE + PAGE_SIZE);
	u64 first = PMD_PAGES + 1, last = 3 * PMD_PAGES - 2;

	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, first, hva_of(&s, first), PMD_SHIFT),
			PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, last, hva_of(&s, last), PMD_SHIFT),
			PAGE_SHIFT);
	/* A 1 GiB host leaf over a slot of two 2 MiB blocks: 2 MiB at most. */
	s = slot_at(PUD_PAGES, 2 * PMD_PAGES, PUD_SIZE);
	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, PUD_PAGES + PMD_PAGES,
						  hva_of(&s, PUD_PAGES + PMD_PAGES), PUD_SHIFT),
			PMD_SHIFT);
	/* The very last block of the slot fits exactly. */
	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, PUD_PAGES + 2 * PMD_PAGES - 1,
						  hva_of(&s, PUD_PAGES + 2 * PMD_PAGES - 1),
						  PMD_SHIFT),
			PMD_SHIFT);
}

/* Dirty logging needs a fault per page. */
static void fit_page_while_logging(struct kunit *test)
{
	struct kvmod_memslot s = slot_at(0, PUD_PAGES, PUD_SIZE);

	s.flags = KVM_MEM_LOG_DIRTY_PAGES;
	KUNIT_EXPECT_EQ(test, kvmod_mmu_fit_shift(&s, 7, hva_of(&s, 7), PUD_SHIFT),
			PAGE_SHIFT);
}

static struct kunit_case kvmod_fault_cases[] = {
	KUNIT_CASE(fit_follows_host_size),
	KUNIT_CASE(fit_needs_same_offset),
	KUNIT_CASE(fit_stays_inside_slot),
	KUNIT_CASE(fit_page_while_logging),
	{}
};

static struct kunit_suite kvmod_fault_suite = {
	.name = "kvmod_fault",
	.test_cases = kvmod_fault_cases,
};

kunit_test_suite(kvmod_fault_suite);
