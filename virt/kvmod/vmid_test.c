// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for VMIDs: allocation up to what the hardware has, the
 * fall-back to the shared VMID 0 and reuse after a free, and which
 * flushes a CPU needs when the VM or vCPU it runs changes.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>
#include <linux/preempt.h>

/* With 2 VMID bits: 1..3 are given out once each, then 0 is shared. */
static void vmid_rollover(struct kunit *test)
{
	struct kvmod_vm *vm = kunit_kcalloc(test, 5, sizeof(*vm), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, vm);
	for (i = 0; i < 5; i++)
		kvmod_vmid_alloc(&vm[i], 2);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_GE(test, vm[i].vmid, 1);
		KUNIT_EXPECT_LE(test, vm[i].vmid, 3);
	}
	KUNIT_EXPECT_NE(test, vm[0].vmid, vm[1].vmid);
	KUNIT_EXPECT_NE(test, vm[0].vmid, vm[2].vmid);
	KUNIT_EXPECT_NE(test, vm[1].vmid, vm[2].vmid);
	/* Out of VMIDs: shared, and still told apart by serial. */
	KUNIT_EXPECT_EQ(test, vm[3].vmid, 0);
	KUNIT_EXPECT_EQ(test, vm[4].vmid, 0);
	KUNIT_EXPECT_NE(test, vm[3].serial, vm[4].serial);
	KUNIT_EXPECT_GT(test, vm[4].serial, vm[0].serial);

	/* A freed VMID goes to the next VM. */
	kvmod_vmid_free(&vm[1]);
	kvmod_vmid_alloc(&vm[1], 2);
	KUNIT_EXPECT_GE(test, vm[1].vmid, 1);
	for (i = 0; i < 5; i++)
		kvmod_vmid_free(&vm[i]);

	/* No VMID bits at all: every VM shares 0. */
	kvmod_vmid_alloc(&vm[0], 0);
	KUNIT_EXPECT_EQ(test, vm[0].vmid, 0);
	kvmod_vmid_free(&vm[0]);
}

static void vmid_load_flushes(struct kunit *test)
{
	struct kvmod_vm *vm = kunit_kcalloc(test, 3, sizeof(*vm), GFP_KERNEL);
	struct kvmod_vcpu *v = kunit_kcalloc(test, 4, sizeof(*v), GFP_KERNEL);
	unsigned int i, f[6];

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_NOT_NULL(test, v);
	/* vm[0] and vm[1] share VMID 0; vm[2] has its own. */
	kvmod_vmid_alloc(&vm[0], 0);
	kvmod_vmid_alloc(&vm[1], 0);
	vm[2].vmid = 5;
	vm[2].serial = kvmod_new_serial();
	v[0].vm = &vm[0];
	v[1].vm = &vm[0];
	v[2].vm = &vm[1];
	v[3].vm = &vm[2];
	for (i = 0; i < 4; i++)
		v[i].serial = kvmod_new_serial();

	/* One CPU throughout: the records are per CPU. */
	preempt_disable();
	f[0] = kvmod_vmid_load(&v[0]);
	f[1] = kvmod_vmid_load(&v[0]);
	f[2] = kvmod_vmid_load(&v[1]);
	f[3] = kvmod_vmid_load(&v[2]);
	f[4] = kvmod_vmid_load(&v[3]);
	f[5] = kvmod_vmid_load(&v[0]);
	preempt_enable();

	/* First on this CPU, of a VM sharing VMID 0: everything. */
	KUNIT_EXPECT_EQ(test, f[0], KVMOD_FLUSH_VMID | KVMOD_FLUSH_VCPU);
	/* The same vCPU again: nothing. */
	KUNIT_EXPECT_EQ(test, f[1], 0);
	/* Another vCPU of the same VM: its private entries only. */
	KUNIT_EXPECT_EQ(test, f[2], KVMOD_FLUSH_VCPU);
	/* Another VM on VMID 0: everything. */
	KUNIT_EXPECT_EQ(test, f[3], KVMOD_FLUSH_VMID | KVMOD_FLUSH_VCPU);
	/* A VM with a VMID of its own: the vCPU's entries only. */
	KUNIT_EXPECT_EQ(test, f[4], KVMOD_FLUSH_VCPU);
	/* Back to the first VM, which lost VMID 0 here meanwhile. */
	KUNIT_EXPECT_EQ(test, f[5], KVMOD_FLUSH_VMID | KVMOD_FLUSH_VCPU);
}

static struct kunit_case kvmod_vmid_cases[] = {
	KUNIT_CASE(vmid_rollover),
	KUNIT_CASE(vmid_load_flushes),
	{}
};

static struct kunit_suite kvmod_vmid_suite = {
	.name = "kvmod_vmid",
	.test_cases = kvmod_vmid_cases,
};

kunit_test_suite(kvmod_vmid_suite);
