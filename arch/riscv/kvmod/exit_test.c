// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for exits kvmod cannot hand to the guest: a trap cause it
 * neither delegates nor handles ends KVM_RUN with KVM_EXIT_INTERNAL_ERROR
 * carrying the trap. Such causes cannot be provoked from a guest on an
 * emulated host (no hardware errors), so the exit state is set by hand:
 * the classification only reads the saved trap registers.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>
#include <linux/slab.h>

#include "riscv.h"

/* Causes outside what the H extension lets a guest raise at HS level. */
static const unsigned long unexpected[] = {
	9,	/* environment call from HS-mode */
	11,	/* environment call from M-mode */
	14,	/* reserved */
	16,	/* double trap */
	18,	/* software check */
	19,	/* hardware error */
	24,	/* custom */
	63,	/* custom */
};

static void exit_unexpected_cause(struct kunit *test)
{
	struct kvmod_vcpu *vcpu;
	struct kvm_run *run;
	unsigned int i;

	vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);
	run = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	KUNIT_ASSERT_NOT_NULL(test, run);
	vcpu->run = run;

	for (i = 0; i < ARRAY_SIZE(unexpected); i++) {
		struct kvmod_riscv_switch *sw = &vcpu->arch.sw;

		memset(run, 0, PAGE_SIZE);
		sw->scause = unexpected[i];
		sw->stval = 0x1000 + i;
		sw->htval = 0x2000 + i;
		sw->htinst = 0x3000 + i;
		sw->guest.regs.pc = 0x80000000 + 4 * i;
		KUNIT_EXPECT_EQ_MSG(test, kvmod_arch_vcpu_handle_exit(vcpu), KVMOD_EXIT_USER,
				    "cause %lu", unexpected[i]);
		KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_INTERNAL_ERROR);
		KUNIT_EXPECT_EQ(test, run->internal.suberror,
				KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
		KUNIT_EXPECT_EQ(test, run->internal.ndata, 5);
		KUNIT_EXPECT_EQ(test, run->internal.data[0], unexpected[i]);
		KUNIT_EXPECT_EQ(test, run->internal.data[1], 0x1000 + i);
		KUNIT_EXPECT_EQ(test, run->internal.data[2], 0x2000 + i);
		KUNIT_EXPECT_EQ(test, run->internal.data[3], 0x3000 + i);
		KUNIT_EXPECT_EQ(test, run->internal.data[4], 0x80000000 + 4 * i);
	}
}

/* A host interrupt that ended the guest's time slice is no exit at all. */
static void exit_host_interrupt(struct kunit *test)
{
	struct kvmod_vcpu *vcpu;

	vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	vcpu->run = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vcpu->run);
	vcpu->arch.sw.scause = CAUSE_IRQ_FLAG | IRQ_S_EXT;
	KUNIT_EXPECT_EQ(test, kvmod_arch_vcpu_handle_exit(vcpu), KVMOD_EXIT_GUEST);
	KUNIT_EXPECT_EQ(test, vcpu->run->exit_reason, 0);
}

static struct kunit_case kvmod_riscv_exit_cases[] = {
	KUNIT_CASE(exit_unexpected_cause),
	KUNIT_CASE(exit_host_interrupt),
	{}
};

static struct kunit_suite kvmod_riscv_exit_suite = {
	.name = "kvmod_riscv_exit",
	.test_cases = kvmod_riscv_exit_cases,
};

kunit_test_suite(kvmod_riscv_exit_suite);
