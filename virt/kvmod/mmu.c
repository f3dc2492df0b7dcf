// SPDX-License-Identifier: GPL-2.0-only
/*
 * Keeping the guest's stage-2 mappings in step with the host's page tables.
 *
 * Guest memory is ordinary process memory: the host may unmap, migrate or
 * swap it at any time. An MMU notifier tells us before that happens; we drop
 * the affected stage-2 entries and flush the TLBs, and a fault that raced
 * with the invalidation notices it through the sequence count and retries.
 *
 * The same notifier lets host reclaim (and idle page tracking) see guest
 * accesses, which never touch the host's own page table: aging clears the
 * stage-2 leaves' access records, and the next guest access sets them
 * again (or faults, where the hardware does not update them).
 */

#include <linux/kvmod_host.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>

static inline struct kvmod_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct kvmod_vm, mmu_notifier);
}

/**
 * kvmod_mmu_flush() - flush the VM's stage-2 TLB entries on every CPU
 * @vm: the VM, with @vm->mmu_lock held
 */
void kvmod_mmu_flush(struct kvmod_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	vm->stat.remote_tlb_flush_requests++;
	kvmod_arch_flush_remote_tlbs(vm);
	vm->stat.remote_tlb_flush++;
}

/* An operation on the stage-2 leaves of guest frames [@start, @end). */
typedef bool (*gfn_range_fn)(struct kvmod_vm *vm, u64 start, u64 end, bool arg);

static bool unmap_gfns(struct kvmod_vm *vm, u64 start, u64 end, bool unused)
{
	return kvmod_arch_unmap_gfn_range(vm, start, end);
}

/*
 * Apply @fn to what [@start, @end) of host addresses backs in each slot;
 * true when any call returned true. The interval tree finds the slots
 * concerned in O(log n) for the many small ranges reclaim and aging send.
 */
static bool hva_range_op(struct kvmod_vm *vm, unsigned long start,
			 unsigned long end, gfn_range_fn fn, bool arg)
{
	struct interval_tree_node *node;
	struct kvmod_memslot *slot;
	bool flush = false;
	int i;

	lockdep_assert_held(&vm->mmu_lock);
	if (end <= start)
		return false;
	for (i = 0; i < KVMOD_ADDRESS_SPACE_NUM; i++) {
		for (node = interval_tree_iter_first(&vm->memslots[i].hva_tree, start, end - 1);
		     node; node = interval_tree_iter_next(node, start, end - 1)) {
			unsigned long s, e;
			u64 gfn_start, gfn_end;

			slot = container_of(node, struct kvmod_memslot, hva_node);
			s = slot->userspace_addr;
			e = s + (slot->npages << PAGE_SHIFT);
			gfn_start = slot->base_gfn + ((max(start, s) - s) >> PAGE_SHIFT);
			gfn_end = slot->base_gfn +
				  ((min(end, e) - s + PAGE_SIZE - 1) >> PAGE_SHIFT);
			flush |= fn(vm, gfn_start, gfn_end, arg);
		}
	}
	return flush;
}

static int kvmod_mn_invalidate_range_start(struct mmu_notifier *mn,
					   const struct mmu_notifier_range *range)
{
	struct kvmod_vm *vm = mn_to_vm(mn);
	bool flush;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	/* From here on, no fault may install a mapping of the old pages. */
	vm->mmu_invalidate_in_progress++;
	flush = hva_range_op(vm, range->start, range->end, unmap_gfns, false);
	if (flush)
		kvmod_mmu_flush(vm);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	return 0;
}

static void kvmod_mn_invalidate_range_end(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	struct kvmod_vm *vm = mn_to_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidate_seq++;
	/* Faults that saw in_progress drop to zero must see the new seq. */
	smp_wmb();
	vm->mmu_invalidate_in_progress--;
	spin_unlock(&vm->mmu_lock);
}

/* The process is exiting: its memory goes, and so must every mapping. */
static void kvmod_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvmod_vm *vm = mn_to_vm(mn);
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	if (hva_range_op(vm, 0, ULONG_MAX, unmap_gfns, false))
		kvmod_mmu_flush(vm);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
}

/*
 * Whether the guest accessed [@start, @end) since the last aging; with
 * @clear, age it. Cleared records are flushed even for clear_young: a CPU
 * still caching a leaf would not record (or fault on) the next access, and
 * the page would look idle while the guest uses it.
 */
static bool age_hva_range(struct kvmod_vm *vm, unsigned long start,
			  unsigned long end, bool clear)
{
	bool young;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	young = hva_range_op(vm, start, end, kvmod_arch_age_gfn_range, clear);
	if (young && clear)
		kvmod_mmu_flush(vm);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	return young;
}

static int kvmod_mn_clear_flush_young(struct mmu_notifier *mn, struct mm_struct *mm,
				      unsigned long start, unsigned long end)
{
	return age_hva_range(mn_to_vm(mn), start, end, true);
}

static int kvmod_mn_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			       unsigned long address)
{
	return age_hva_range(mn_to_vm(mn), address, address + 1, false);
}

static const struct mmu_notifier_ops kvmod_mmu_notifier_ops = {
	.invalidate_range_start	= kvmod_mn_invalidate_range_start,
	.invalidate_range_end	= kvmod_mn_invalidate_range_end,
	.clear_flush_young	= kvmod_mn_clear_flush_young,
	.clear_young		= kvmod_mn_clear_flush_young,
	.test_young		= kvmod_mn_test_young,
	.release		= kvmod_mn_release,
};

/**
 * kvmod_mmu_init() - start following the creating process's memory
 * @vm: the new VM; @vm->mm is current->mm
 *
 * Return: 0 or -ENOMEM.
 */
int kvmod_mmu_init(struct kvmod_vm *vm)
{
	int r;

	vm->mmu_notifier.ops = &kvmod_mmu_notifier_ops;
	r = mmu_notifier_register(&vm->mmu_notifier, vm->mm);
	if (!r)
		vm->mmu_notifier_on = true;
	return r;
}

/**
 * kvmod_mmu_destroy() - stop following the process's memory
 * @vm: the VM being freed
 */
void kvmod_mmu_destroy(struct kvmod_vm *vm)
{
	if (vm->mmu_notifier_on)
		mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}

/**
 * kvmod_mmu_unmap_slot() - drop the stage-2 mappings a slot gave
 * @vm: the VM
 * @slot: a slot no vCPU can find any more (deleted, moved or replaced)
 */
void kvmod_mmu_unmap_slot(struct kvmod_vm *vm, struct kvmod_memslot *slot)
{
	spin_lock(&vm->mmu_lock);
	if (kvmod_arch_unmap_gfn_range(vm, slot->base_gfn,
				       slot->base_gfn + slot->npages))
		kvmod_mmu_flush(vm);
	spin_unlock(&vm->mmu_lock);
}

/**
 * kvmod_mmu_seq_begin() - note the invalidation count before resolving a
 *	guest frame to a host page
 * @vm: the VM
 *
 * Return: the count to give kvmod_mmu_seq_retry().
 */
unsigned long kvmod_mmu_seq_begin(struct kvmod_vm *vm)
{
	unsigned long seq = READ_ONCE(vm->mmu_invalidate_seq);

	/* Pairs with the smp_wmb() in kvmod_mn_invalidate_range_end(). */
	smp_rmb();
	return seq;
}

/**
 * kvmod_mmu_seq_retry() - whether a page looked up since @seq may be stale
 * @vm: the VM, with @vm->mmu_lock held
 * @seq: value kvmod_mmu_seq_begin() returned
 *
 * Return: true when an invalidation ran or runs since @seq: the page must
 * not be mapped, the fault is retried.
 */
bool kvmod_mmu_seq_retry(struct kvmod_vm *vm, unsigned long seq)
{
	lockdep_assert_held(&vm->mmu_lock);
	return vm->mmu_invalidate_in_progress || vm->mmu_invalidate_seq != seq;
}
