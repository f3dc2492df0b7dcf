// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the dirty-log word arithmetic: which KVM_CLEAR_DIRTY_LOG
 * ranges are accepted, and which bits of each bitmap word a clear touches.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>

/* Word-aligned starts, whole words, inside the slot; a tail only at the end. */
static void clear_range_rules(struct kunit *test)
{
	/* A slot of 200 pages: three whole words and 8 pages. */
	KUNIT_EXPECT_TRUE(test, kvmod_dirty_clear_ok(200, 0, 200));
	KUNIT_EXPECT_TRUE(test, kvmod_dirty_clear_ok(200, 0, 64));
	KUNIT_EXPECT_TRUE(test, kvmod_dirty_clear_ok(200, 64, 136));
	KUNIT_EXPECT_TRUE(test, kvmod_dirty_clear_ok(200, 192, 8));
	KUNIT_EXPECT_TRUE(test, kvmod_dirty_clear_ok(256, 256, 0));
	KUNIT_EXPECT_TRUE(test, kvmod_dirty_clear_ok(200, 0, 0));
	/* Not on a word boundary, even at the slot's end. */
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, 200, 0));
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, 1, 63));
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, 32, 64));
	/* A partial word that does not reach the end. */
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, 0, 65));
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, 128, 8));
	/* Past the slot, including ranges whose end would wrap. */
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, 0, 201));
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, 256, 0));
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, 192, U32_MAX));
	KUNIT_EXPECT_FALSE(test, kvmod_dirty_clear_ok(200, U64_MAX - 63, 64));
}

/* Only the range's own pages in its last word; nothing past it. */
static void word_masks(struct kunit *test)
{
	/* 200 pages: words 0..2 whole, word 3 keeps its low 8 bits. */
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(0, 200, ~0UL), ~0UL);
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(2, 200, ~0UL), ~0UL);
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(3, 200, ~0UL), 0xffUL);
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(3, 200, 0x1f0UL), 0xf0UL);
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(4, 200, ~0UL), 0UL);
	/* A range of whole words keeps whole last words. */
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(1, 128, ~0UL), ~0UL);
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(2, 128, ~0UL), 0UL);
	/* One page; no pages. */
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(0, 1, ~0UL), 1UL);
	KUNIT_EXPECT_EQ(test, kvmod_dirty_word_mask(0, 0, ~0UL), 0UL);
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
