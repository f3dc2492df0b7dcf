// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the deferred-exit queue: steps run in their fixed order
 * whatever order they were queued in, a step that ends the pass leaves the
 * later ones queued, and a reset forgets them all.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>

/* Which steps ran, in order, as a string of step numbers. */
static char trace[16];
static int fail_step = -1;

static int record(struct kvmod_vcpu *vcpu, enum kvmod_defer step)
{
	size_t n = strlen(trace);

	if (n + 1 < sizeof(trace))
		trace[n] = '0' + step;
	return (int)step == fail_step ? -EFAULT : KVMOD_EXIT_GUEST;
}

static int user_step(struct kvmod_vcpu *vcpu)
{
	return record(vcpu, KVMOD_DEFER_USER);
}

static int fault_step(struct kvmod_vcpu *vcpu)
{
	return record(vcpu, KVMOD_DEFER_FAULT);
}

static int sleep_step(struct kvmod_vcpu *vcpu)
{
	return record(vcpu, KVMOD_DEFER_SLEEP);
}

static int halt_step(struct kvmod_vcpu *vcpu)
{
	return record(vcpu, KVMOD_DEFER_HALT);
}

static struct kvmod_vcpu *new_vcpu(struct kunit *test)
{
	struct kvmod_vcpu *vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	memset(trace, 0, sizeof(trace));
	fail_step = -1;
	return vcpu;
}

/* Queued backwards, run forwards; the queue ends empty. */
static void defer_runs_in_step_order(struct kunit *test)
{
	struct kvmod_vcpu *vcpu = new_vcpu(test);

	KUNIT_EXPECT_EQ(test, kvmod_vcpu_defer(vcpu, KVMOD_DEFER_HALT, halt_step),
			KVMOD_EXIT_SLOW);
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_defer(vcpu, KVMOD_DEFER_SLEEP, sleep_step),
			KVMOD_EXIT_SLOW);
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_defer(vcpu, KVMOD_DEFER_FAULT, fault_step),
			KVMOD_EXIT_SLOW);
	/* Completing a user exit: the handler returns to userspace. */
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_defer(vcpu, KVMOD_DEFER_USER, user_step),
			KVMOD_EXIT_USER);
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_run_deferred(vcpu), KVMOD_EXIT_GUEST);
	KUNIT_EXPECT_STREQ(test, trace, "0123");
	KUNIT_EXPECT_EQ(test, vcpu->deferred, 0UL);
	/* Nothing queued: nothing runs. */
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_run_deferred(vcpu), KVMOD_EXIT_GUEST);
	KUNIT_EXPECT_STREQ(test, trace, "0123");
}

/* A failing fault ends the pass; the halt after it waits for the next. */
static void defer_failure_keeps_later_steps(struct kunit *test)
{
	struct kvmod_vcpu *vcpu = new_vcpu(test);

	kvmod_vcpu_defer(vcpu, KVMOD_DEFER_HALT, halt_step);
	kvmod_vcpu_defer(vcpu, KVMOD_DEFER_FAULT, fault_step);
	fail_step = KVMOD_DEFER_FAULT;
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_run_deferred(vcpu), -EFAULT);
	KUNIT_EXPECT_STREQ(test, trace, "1");
	/* The failed step is gone (a refault queues it again), the halt stays. */
	KUNIT_EXPECT_EQ(test, vcpu->deferred, BIT(KVMOD_DEFER_HALT));
	fail_step = -1;
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_run_deferred(vcpu), KVMOD_EXIT_GUEST);
	KUNIT_EXPECT_STREQ(test, trace, "13");
}

/* A user exit's completion queued behind a pending sleep still runs first. */
static void defer_user_completion_first(struct kunit *test)
{
	struct kvmod_vcpu *vcpu = new_vcpu(test);

	kvmod_vcpu_defer(vcpu, KVMOD_DEFER_SLEEP, sleep_step);
	kvmod_vcpu_defer(vcpu, KVMOD_DEFER_USER, user_step);
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_run_deferred(vcpu), KVMOD_EXIT_GUEST);
	KUNIT_EXPECT_STREQ(test, trace, "02");
}

/* A reset drops everything queued for the old state. */
static void defer_cancel(struct kunit *test)
{
	struct kvmod_vcpu *vcpu = new_vcpu(test);

	kvmod_vcpu_defer(vcpu, KVMOD_DEFER_USER, user_step);
	kvmod_vcpu_defer(vcpu, KVMOD_DEFER_HALT, halt_step);
	kvmod_vcpu_cancel_deferred(vcpu);
	KUNIT_EXPECT_EQ(test, kvmod_vcpu_run_deferred(vcpu), KVMOD_EXIT_GUEST);
	KUNIT_EXPECT_STREQ(test, trace, "");
}

static struct kunit_case kvmod_defer_cases[] = {
	KUNIT_CASE(defer_runs_in_step_order),
	KUNIT_CASE(defer_failure_keeps_later_steps),
	KUNIT_CASE(defer_user_completion_first),
	KUNIT_CASE(defer_cancel),
	{}
};

static struct kunit_suite kvmod_defer_suite = {
	.name = "kvmod_defer",
	.test_cases = kvmod_defer_cases,
};

kunit_test_suite(kvmod_defer_suite);
