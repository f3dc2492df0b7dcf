// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the memory slot logic: request validation, the update
 * rules (create, move, flags, delete) and lookups with many slots.
 */

#include <kunit/test.h>
#include <linux/kvmod_host.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#define GIB	BIT_ULL(30)
/* A plausible user address: page aligned and below every TASK_SIZE. */
#define UADDR	0x10000000ULL

static struct kvm_userspace_memory_region2 region(u32 slot, u64 gpa, u64 size)
{
	return (struct kvm_userspace_memory_region2) {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = UADDR,
	};
}

static void check_region_valid(struct kunit *test)
{
	struct kvm_userspace_memory_region2 m = region(0, 0x80000000, 2 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, kvmod_memslot_check_region(&m, 0), 0);
	m.flags = KVM_MEM_LOG_DIRTY_PAGES;
	KUNIT_EXPECT_EQ(test, kvmod_memslot_check_region(&m, KVM_MEM_LOG_DIRTY_PAGES), 0);
	m.slot = KVMOD_USER_MEM_SLOTS - 1;
	KUNIT_EXPECT_EQ(test, kvmod_memslot_check_region(&m, KVM_MEM_LOG_DIRTY_PAGES), 0);
	m.memory_size = 0;	/* deletion request */
	KUNIT_EXPECT_EQ(test, kvmod_memslot_check_region(&m, KVM_MEM_LOG_DIRTY_PAGES), 0);
}

static void check_region_invalid(struct kunit *test)
{
	const struct kvm_userspace_memory_region2 good = region(1, 0x80000000, PAGE_SIZE);
	struct kvm_userspace_memory_region2 m;

#define EXPECT_BAD(field, value) do {					\
		m = good;						\
		m.field = (value);					\
		KUNIT_EXPECT_EQ_MSG(test, kvmod_memslot_check_region(&m,	\
				KVM_MEM_READONLY), -EINVAL,		\
				#field " = " #value);			\
	} while (0)

	EXPECT_BAD(flags, KVM_MEM_LOG_DIRTY_PAGES);	/* not in valid_flags */
	EXPECT_BAD(flags, BIT(31));
	EXPECT_BAD(memory_size, PAGE_SIZE + 1);
	EXPECT_BAD(memory_size, PAGE_SIZE / 2);
	EXPECT_BAD(guest_phys_addr, 0x80000000 + 8);
	EXPECT_BAD(userspace_addr, UADDR + 1);
	EXPECT_BAD(slot, KVMOD_USER_MEM_SLOTS);
	EXPECT_BAD(slot, 0xffff);
	EXPECT_BAD(slot, 1 << 16);			/* address space 1 */
	EXPECT_BAD(guest_phys_addr, -(u64)PAGE_SIZE);	/* wraps around */
	EXPECT_BAD(memory_size, (KVMOD_MEM_MAX_NR_PAGES + 1) << PAGE_SHIFT);
#undef EXPECT_BAD
}

struct memslot_test_ctx {
	struct kvmod_vm *vm;
};

static int memslot_test_init(struct kunit *test)
{
	struct memslot_test_ctx *ctx;
	struct kvmod_vm *vm;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!ctx || !vm || init_srcu_struct(&vm->srcu)) {
		kfree(vm);
		return -ENOMEM;
	}
	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	kvmod_memslots_init(vm);
	vm->phys_bits = 40;
	vm->slot_gfn_limit = BIT_ULL(40 - PAGE_SHIFT);
	vm->memslot_flags = KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY;
	ctx->vm = vm;
	test->priv = ctx;
	return 0;
}

static void memslot_test_exit(struct kunit *test)
{
	struct memslot_test_ctx *ctx = test->priv;

	kvmod_memslots_destroy(ctx->vm);
	cleanup_srcu_struct(&ctx->vm->srcu);
	kfree(ctx->vm);
}

static int set(struct kunit *test, u32 slot, u64 gpa, u64 size, u32 flags)
{
	struct memslot_test_ctx *ctx = test->priv;
	struct kvm_userspace_memory_region2 m = region(slot, gpa, size);

	m.flags = flags;
	return kvmod_set_memory_region(ctx->vm, &m);
}

static struct kvmod_memslot *find(struct kunit *test, u64 gpa)
{
	struct memslot_test_ctx *ctx = test->priv;

	return kvmod_memslot_find(&ctx->vm->memslots[0], gpa >> PAGE_SHIFT, 1);
}

static void create_and_find(struct kunit *test)
{
	struct memslot_test_ctx *ctx = test->priv;
	struct kvmod_memslot *s;

	KUNIT_ASSERT_EQ(test, set(test, 0, 0x80000000, 16 * PAGE_SIZE, 0), 0);
	KUNIT_ASSERT_EQ(test, set(test, 5, 0x10000, PAGE_SIZE, KVM_MEM_READONLY), 0);

	s = find(test, 0x80000000 + 15 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->id, 0);
	KUNIT_EXPECT_EQ(test, s->npages, 16);
	KUNIT_EXPECT_NULL(test, find(test, 0x80000000 + 16 * PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, find(test, 0x80000000 - PAGE_SIZE));
	s = find(test, 0x10000);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->id, 5);
	KUNIT_EXPECT_EQ(test, s->flags, KVM_MEM_READONLY);
	KUNIT_EXPECT_EQ(test, ctx->vm->memslots[0].nr_slots, 2);
	KUNIT_EXPECT_EQ(test, ctx->vm->memslots[0].nr_pages, 17);
}

static void overlap_rejected(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, set(test, 0, 0x100000, 4 * PAGE_SIZE, 0), 0);
	/* Same range, inside, straddling either end, enclosing. */
	KUNIT_EXPECT_EQ(test, set(test, 1, 0x100000, 4 * PAGE_SIZE, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, 1, 0x101000, PAGE_SIZE, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, 1, 0x0ff000, 2 * PAGE_SIZE, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, 1, 0x103000, 2 * PAGE_SIZE, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, 1, 0x080000, 1024 * PAGE_SIZE, 0), -EEXIST);
	/* Adjacent on both sides is fine. */
	KUNIT_EXPECT_EQ(test, set(test, 1, 0x0ff000, PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, set(test, 2, 0x104000, PAGE_SIZE, 0), 0);
}

static void modify_rules(struct kunit *test)
{
	struct memslot_test_ctx *ctx = test->priv;
	struct kvm_userspace_memory_region2 m;
	struct kvmod_memslot *s;

	KUNIT_ASSERT_EQ(test, set(test, 3, 0x200000, 8 * PAGE_SIZE, 0), 0);
	KUNIT_ASSERT_EQ(test, set(test, 4, 0x300000, 8 * PAGE_SIZE, 0), 0);

	/* Size, host address and read-only-ness of a slot are fixed. */
	KUNIT_EXPECT_EQ(test, set(test, 3, 0x200000, 4 * PAGE_SIZE, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, set(test, 3, 0x200000, 8 * PAGE_SIZE, KVM_MEM_READONLY),
			-EINVAL);
	m = region(3, 0x200000, 8 * PAGE_SIZE);
	m.userspace_addr += PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, kvmod_set_memory_region(ctx->vm, &m), -EINVAL);

	/* Same request again changes nothing. */
	KUNIT_EXPECT_EQ(test, set(test, 3, 0x200000, 8 * PAGE_SIZE, 0), 0);

	/* Dirty logging on and off allocates and frees the bitmap. */
	KUNIT_EXPECT_EQ(test, set(test, 3, 0x200000, 8 * PAGE_SIZE,
				  KVM_MEM_LOG_DIRTY_PAGES), 0);
	s = find(test, 0x200000);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_NOT_NULL(test, s->dirty_bitmap);
	KUNIT_EXPECT_EQ(test, set(test, 3, 0x200000, 8 * PAGE_SIZE, 0), 0);
	s = find(test, 0x200000);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_NULL(test, s->dirty_bitmap);

	/* A move may overlap its own old range but no other slot. */
	KUNIT_EXPECT_EQ(test, set(test, 3, 0x2fc000, 8 * PAGE_SIZE, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, 3, 0x204000, 8 * PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_NULL(test, find(test, 0x200000));
	s = find(test, 0x20b000);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->id, 3);
	KUNIT_EXPECT_EQ(test, ctx->vm->memslots[0].nr_slots, 2);
	KUNIT_EXPECT_EQ(test, ctx->vm->memslots[0].nr_pages, 16);
}

static void delete_rules(struct kunit *test)
{
	struct memslot_test_ctx *ctx = test->priv;

	/* Deleting a slot that does not exist. */
	KUNIT_EXPECT_EQ(test, set(test, 7, 0, 0, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, set(test, 7, 0x400000, PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, set(test, 7, 0, 0, 0), 0);
	KUNIT_EXPECT_NULL(test, find(test, 0x400000));
	KUNIT_EXPECT_EQ(test, ctx->vm->memslots[0].nr_slots, 0);
	KUNIT_EXPECT_EQ(test, ctx->vm->memslots[0].nr_pages, 0);
	/* Flags the VM does not offer are refused. */
	ctx->vm->memslot_flags = KVM_MEM_LOG_DIRTY_PAGES;
	KUNIT_EXPECT_EQ(test, set(test, 9, 0x600000, PAGE_SIZE, KVM_MEM_READONLY), -EINVAL);
	/* The id and the range are free again. */
	KUNIT_EXPECT_EQ(test, set(test, 8, 0x400000, PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, set(test, 7, 0x500000, PAGE_SIZE, 0), 0);
}

static void beyond_phys_bits(struct kunit *test)
{
	/* phys_bits is 40: the last page below 1 TiB is usable, not beyond. */
	KUNIT_EXPECT_EQ(test, set(test, 0, (1ULL << 40) - PAGE_SIZE, PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, set(test, 1, 1ULL << 40, PAGE_SIZE, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, set(test, 2, (1ULL << 40) - PAGE_SIZE, 2 * PAGE_SIZE, 0),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, 2, (1ULL << 40) - 2 * GIB, 4 * GIB, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, 2, 1ULL << 39, (1ULL << 39) + PAGE_SIZE, 0),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, 2, 1ULL << 41, PAGE_SIZE, 0), -EFAULT);
}

/* Upstream riscv keeps the last page out of slots (its >= comparison). */
static void last_page_kept_out(struct kunit *test)
{
	struct memslot_test_ctx *ctx = test->priv;

	ctx->vm->slot_gfn_limit = BIT_ULL(40 - PAGE_SHIFT) - 1;
	KUNIT_EXPECT_EQ(test, set(test, 0, (1ULL << 40) - PAGE_SIZE, PAGE_SIZE, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, set(test, 0, (1ULL << 40) - 2 * PAGE_SIZE, 2 * PAGE_SIZE, 0),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, set(test, 0, (1ULL << 40) - 2 * PAGE_SIZE, PAGE_SIZE, 0), 0);
}

/* Upstream's memslot_perf_test uses ~32K slots: lookups stay exact. */
static void many_slots(struct kunit *test)
{
	struct memslot_test_ctx *ctx = test->priv;
	const u32 n = KVMOD_USER_MEM_SLOTS;
	struct kvmod_memslot *s;
	u32 i;

	/* Slot i covers two pages at 3i pages: a one-page hole after each. */
	for (i = 0; i < n; i++) {
		u32 id = (i * 7919) % n;	/* ids out of address order */

		KUNIT_ASSERT_EQ(test, set(test, id, (u64)id * 3 * PAGE_SIZE,
					  2 * PAGE_SIZE, 0), 0);
		/* A KUnit thread does not return to userspace between them. */
		cond_resched();
	}
	KUNIT_EXPECT_EQ(test, ctx->vm->memslots[0].nr_slots, n);

	for (i = 0; i < n; i += 97) {
		u64 gpa = (u64)i * 3 * PAGE_SIZE;

		s = find(test, gpa + PAGE_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_EXPECT_EQ(test, s->id, i);
		KUNIT_EXPECT_NULL(test, find(test, gpa + 2 * PAGE_SIZE));
	}
	/* A move into the next slot is refused; into the own hole is not. */
	KUNIT_EXPECT_EQ(test, set(test, 0, 2 * PAGE_SIZE, 2 * PAGE_SIZE, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, n - 2, (u64)(n - 2) * 3 * PAGE_SIZE + 2 * PAGE_SIZE,
				  2 * PAGE_SIZE, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, n - 2, (u64)(n - 2) * 3 * PAGE_SIZE + PAGE_SIZE,
				  2 * PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, set(test, 0, (u64)n * 3 * PAGE_SIZE, 2 * PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_NULL(test, find(test, 0));
}

static struct kunit_case kvmod_memslot_cases[] = {
	KUNIT_CASE(check_region_valid),
	KUNIT_CASE(check_region_invalid),
	KUNIT_CASE(create_and_find),
	KUNIT_CASE(overlap_rejected),
	KUNIT_CASE(modify_rules),
	KUNIT_CASE(delete_rules),
	KUNIT_CASE(beyond_phys_bits),
	KUNIT_CASE(last_page_kept_out),
	KUNIT_CASE_SLOW(many_slots),
	{}
};

static struct kunit_suite kvmod_memslot_suite = {
	.name = "kvmod_memslot",
	.init = memslot_test_init,
	.exit = memslot_test_exit,
	.test_cases = kvmod_memslot_cases,
};

kunit_test_suite(kvmod_memslot_suite);

MODULE_DESCRIPTION("KUnit tests for kvmod's memory slots");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
