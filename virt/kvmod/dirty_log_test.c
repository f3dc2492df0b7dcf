// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the dirty-log word arithmetic: which KVM_CLEAR_DIRTY_LOG
 * ranges are accepted, and which bits of each bitmap word a clear touches.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>

/* Word-aligned starts, whole words, inside the slot; a tail only at the end. */
static const struct {
	u64 npages;
	u64 first;
	u32 num;
	bool ok;
} clear_cases[] = {
	/* A slot of 200 pages: three whole words and 8 pages. */
	{ 200, 0, 200, true },
	{ 200, 0, 64, true },
	{ 200, 64, 136, true },
	{ 200, 192, 8, true },
	{ 256, 256, 0, true },
	{ 200, 0, 0, true },
	/* Not on a word boundary, even at the slot's end. */
	{ 200, 200, 0, false },
	{ 200, 1, 63, false },
	{ 200, 32, 64, false },
	/* A partial word that does not reach the end. */
	{ 200, 0, 65, false },
	{ 200, 128, 8, false },
	/* Past the slot, including ranges whose end would wrap. */
	{ 200, 0, 201, false },
	{ 200, 256, 0, false },
	{ 200, 192, U32_MAX, false },
	{ 200, U64_MAX - 63, 64, false },
};

static void clear_range_rules(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(clear_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, kvmod_dirty_clear_ok(clear_cases[i].npages,
							       clear_cases[i].first,
							       clear_cases[i].num),
				    clear_cases[i].ok, "case %u", i);
}

/* Only the range's own pages in its last word; nothing past it. */
static const struct {
	unsigned long word;
	u32 num;
	unsigned long bits;
	unsigned long mask;
} mask_cases[] = {
	/* 200 pages: words 0..2 whole, word 3 keeps its low 8 bits. */
	{ 0, 200, ~0UL, ~0UL },
	{ 2, 200, ~0UL, ~0UL },
	{ 3, 200, ~0UL, 0xffUL },
	{ 3, 200, 0x1f0UL, 0xf0UL },
	{ 4, 200, ~0UL, 0 },
	/* A range of whole words keeps whole last words. */
	{ 1, 128, ~0UL, ~0UL },
	{ 2, 128, ~0UL, 0 },
	/* One page; no pages. */
	{ 0, 1, ~0UL, 1 },
	{ 0, 0, ~0UL, 0 },
};

static void word_masks(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mask_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, kvmod_dirty_word_mask(mask_cases[i].word,
								mask_cases[i].num,
								mask_cases[i].bits),
				    mask_cases[i].mask, "case %u", i);
}

static struct kunit_case kvmod_dirty_log_cases[] = {
	KUNIT_CASE(clear_range_rules),
	KUNIT_CASE(word_masks),
	{}
};

static struct kunit_suite kvmod_dirty_log_suite = {
	.name = "kvmod_dirty_log",
	.test_cases = kvmod_dirty_log_cases,
};

kunit_test_suite(kvmod_dirty_log_suite);
