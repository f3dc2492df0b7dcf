// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory slots: validation of KVM_SET_USER_MEMORY_REGION(2) and the
 * guest-frame lookup.
 *
 * Slots of one address space never overlap. A maple tree maps each slot's
 * guest frame range to the slot: finding the slot of a frame, or any slot in
 * a range, is O(log n) and lockless (RCU-safe), which keeps lookups and
 * updates fast with tens of thousands of slots. Writers hold slots_lock; a
 * removed slot is freed only after an SRCU grace period, so a reader inside
 * the VM's SRCU read-side section never sees freed memory. MMU notifiers
 * find slots by host address in an interval tree instead, under mmu_lock.
 */

#include <kunit/visibility.h>
#include <linux/kvmod_host.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

/**
 * kvmod_memslot_find() - find a slot intersecting a range of guest frames
 * @slots: the address space's slots
 * @gfn: first frame of the range
 * @npages: length of the range, at least 1
 *
 * Safe without locks inside an SRCU read-side section of the VM, or with the
 * VM's slots_lock held.
 *
 * Return: a slot that intersects [@gfn, @gfn + @npages), or NULL.
 */
struct kvmod_memslot *kvmod_memslot_find(struct kvmod_memslots *slots,
					 u64 gfn, u64 npages)
{
	unsigned long index = gfn;

	return mt_find(&slots->gfn_tree, &index, gfn + npages - 1);
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_memslot_find);

/* Is any slot other than @skip in [start, end)? */
static bool range_taken(struct kvmod_memslots *slots, u64 start, u64 end,
			const struct kvmod_memslot *skip)
{
	struct kvmod_memslot *s;

	if (start >= end)
		return false;
	s = kvmod_memslot_find(slots, start, end - start);
	if (!s || s != skip)
		return s;
	/* Only @skip found: look on both of its sides. */
	return range_taken(slots, start, s->base_gfn, skip) ||
	       range_taken(slots, s->base_gfn + s->npages, end, skip);
}

/**
 * kvmod_memslot_check_region() - state-free checks of a memory region request
 * @mem: the request as userspace gave it
 * @valid_flags: KVM_MEM_* flags this VM accepts
 *
 * The checks and their order follow upstream KVM, so that a VMM sees the same
 * errno for the same mistake.
 *
 * Return: 0 if the request is well formed, -EINVAL if not.
 */
int kvmod_memslot_check_region(const struct kvm_userspace_memory_region2 *mem,
			       u32 valid_flags)
{
	u16 as_id = mem->slot >> 16;
	u16 id = mem->slot;

	if (mem->flags & ~valid_flags)
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->memory_size))
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->guest_phys_addr))
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->userspace_addr) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr))
		return -EINVAL;
	if (as_id >= KVMOD_ADDRESS_SPACE_NUM || id >= KVMOD_USER_MEM_SLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > KVMOD_MEM_MAX_NR_PAGES)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_memslot_check_region);

/*
 * The host mappings behind a slot about to be installed, as upstream checks
 * them: -EPERM for a writable slot over memory the process cannot write
 * (where the VM asks for that), -EINVAL for dirty logging over PFN maps
 * (no struct page to log). Holes are fine: the guest's accesses there
 * fail at fault time. A VM without an address space (KUnit's) has none.
 */
static int check_vmas(struct kvmod_vm *vm, const struct kvm_userspace_memory_region2 *mem)
{
	VMA_ITERATOR(vmi, vm->mm, mem->userspace_addr);
	struct vm_area_struct *vma;
	int r = 0;

	if (!vm->mm)
		return 0;
	mmap_read_lock(vm->mm);
	for_each_vma_range(vmi, vma, mem->userspace_addr + mem->memory_size) {
		if (vm->slots_need_vm_write && !(mem->flags & KVM_MEM_READONLY) &&
		    !(vma->vm_flags & VM_WRITE)) {
			r = -EPERM;
			break;
		}
		if (vma->vm_flags & VM_PFNMAP && mem->flags & KVM_MEM_LOG_DIRTY_PAGES) {
			r = -EINVAL;
			break;
		}
	}
	mmap_read_unlock(vm->mm);
	return r;
}

static void free_slot(struct kvmod_memslot *slot)
{
	if (!slot)
		return;
	kvfree(slot->dirty_bitmap);
	kfree(slot);
}

/* With KVM_DIRTY_LOG_INITIALLY_SET every page starts out dirty. */
static int alloc_dirty_bitmap(struct kvmod_memslot *slot, bool all_dirty)
{
	slot->dirty_bitmap = kvcalloc(BITS_TO_LONGS(slot->npages), sizeof(long),
				      GFP_KERNEL_ACCOUNT);
	if (!slot->dirty_bitmap)
		return -ENOMEM;
	if (all_dirty)
		bitmap_set(slot->dirty_bitmap, 0, slot->npages);
	return 0;
}

/* Map a slot's frames to @entry (NULL: unmap). */
static void store_range(struct kvmod_memslots *slots,
			const struct kvmod_memslot *slot, void *entry)
{
	/*
	 * A store needs at most a few small tree nodes. It must not fail
	 * half-way through an update, after which nothing could be undone
	 * without allocating again, so it waits for memory instead.
	 */
	WARN_ON_ONCE(mtree_store_range(&slots->gfn_tree, slot->base_gfn,
				       slot->base_gfn + slot->npages - 1, entry,
				       GFP_KERNEL_ACCOUNT | __GFP_NOFAIL));
}

/*
 * Install @new in place of @old (either may be NULL); cannot fail. Called
 * with slots_lock held and, for a new id, its by_id entry reserved.
 *
 * Two indexes, two kinds of reader: vCPU faults find slots in gfn_tree,
 * MMU notifiers find them in hva_tree. The invariant: every stage-2 entry
 * a slot gave is reachable by the notifiers until it is zapped, or the
 * host could free a page the guest still maps. So a slot enters hva_tree
 * before gfn_tree and leaves gfn_tree before hva_tree, with a grace period
 * and the zap in between:
 *
 * 1. @old leaves gfn_tree (an in-place flags change swaps it for @new in
 *    one step: same frames, same host range, so @old's by_id entry still
 *    covers what faults through @new map). A vCPU faulting on a moved or
 *    deleted range meanwhile finds no slot and exits as MMIO, as upstream.
 * 2. Grace period: no fault can still be mapping through @old.
 * 3. @old's stage-2 entries are zapped; none can come back.
 * 4. hva_tree and by_id switch to @new (or drop @old); @new enters
 *    gfn_tree.
 * 5. Grace period: no fault or notifier still holds @old; it is freed.
 */
static void replace_slot(struct kvmod_vm *vm, struct kvmod_memslots *slots,
			 struct kvmod_memslot *old, struct kvmod_memslot *new)
{
	bool in_place = old && new && old->base_gfn == new->base_gfn;

	lockdep_assert_held(&vm->slots_lock);
	if (old) {
		store_range(slots, old, in_place ? new : NULL);
		/* Expedited: VMMs update slots in bursts. */
		synchronize_srcu_expedited(&vm->srcu);
		kvmod_mmu_unmap_slot(vm, old);
		slots->nr_pages -= old->npages;
		slots->nr_slots--;
	}
	/* Notifiers walk hva_tree under mmu_lock: change it under it too. */
	spin_lock(&vm->mmu_lock);
	if (old)
		interval_tree_remove(&old->hva_node, &slots->hva_tree);
	if (new)
		interval_tree_insert(&new->hva_node, &slots->hva_tree);
	spin_unlock(&vm->mmu_lock);
	if (new) {
		xa_store(&slots->by_id, new->id, new, GFP_KERNEL_ACCOUNT);
		if (!in_place)
			store_range(slots, new, new);
		slots->nr_pages += new->npages;
		slots->nr_slots++;
	} else {
		xa_erase(&slots->by_id, old->id);
	}
	if (old) {
		synchronize_srcu_expedited(&vm->srcu);
		free_slot(old);
	}
}

/**
 * kvmod_set_memory_region() - create, move, change or delete a memory slot
 * @vm: the VM
 * @mem: the request; a zero @mem->memory_size deletes the slot
 *
 * Return: 0 on success; -EINVAL for a malformed request, a change to a
 * slot's size, host address or read-only flag, or dirty logging over PFN
 * maps; -EEXIST when the range overlaps another slot; -EFAULT when the
 * range is beyond what the VM can map; -EPERM for a writable slot over
 * read-only host memory where the VM refuses that; -ENOMEM.
 */
int kvmod_set_memory_region(struct kvmod_vm *vm,
			    const struct kvm_userspace_memory_region2 *mem)
{
	struct kvmod_memslots *slots;
	struct kvmod_memslot *old, *new;
	u64 base_gfn, npages;
	int r;

	r = kvmod_memslot_check_region(mem, vm->memslot_flags);
	if (r)
		return r;
	if (!access_ok(u64_to_user_ptr(mem->userspace_addr), mem->memory_size))
		return -EINVAL;

	base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	npages = mem->memory_size >> PAGE_SHIFT;
	slots = &vm->memslots[mem->slot >> 16];

	mutex_lock(&vm->slots_lock);
	old = xa_load(&slots->by_id, (u16)mem->slot);

	if (!npages) {
		r = -EINVAL;
		if (old) {
			replace_slot(vm, slots, old, NULL);
			r = 0;
		}
		goto out;
	}

	if (old) {
		/* Only the base address and dirty logging may change. */
		r = -EINVAL;
		if (mem->userspace_addr != old->userspace_addr ||
		    npages != old->npages ||
		    ((mem->flags ^ old->flags) & KVM_MEM_READONLY))
			goto out;
		r = 0;
		if (base_gfn == old->base_gfn && mem->flags == old->flags)
			goto out;
	} else if (slots->nr_pages + npages < slots->nr_pages) {
		r = -EINVAL;
		goto out;
	}

	r = -EEXIST;
	if ((!old || base_gfn != old->base_gfn) &&
	    range_taken(slots, base_gfn, base_gfn + npages, old))
		goto out;

	/* Beyond what the guest can address: nothing could ever map it. */
	r = -EFAULT;
	if (base_gfn + npages > vm->slot_gfn_limit)
		goto out;
	r = check_vmas(vm, mem);
	if (r)
		goto out;

	r = -ENOMEM;
	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		goto out;
	new->base_gfn = base_gfn;
	new->npages = npages;
	new->userspace_addr = mem->userspace_addr;
	new->flags = mem->flags;
	new->id = (u16)mem->slot;
	new->as_id = mem->slot >> 16;
	new->hva_node.start = new->userspace_addr;
	new->hva_node.last = new->userspace_addr + (npages << PAGE_SHIFT) - 1;

	/* Everything that can fail comes before the update itself. */
	r = 0;
	if (new->flags & KVM_MEM_LOG_DIRTY_PAGES)
		r = alloc_dirty_bitmap(new, vm->manual_dirty_log_protect &
					    KVM_DIRTY_LOG_INITIALLY_SET);
	if (!r && !old)
		r = xa_reserve(&slots->by_id, new->id, GFP_KERNEL_ACCOUNT);
	if (r) {
		free_slot(new);
		goto out;
	}
	replace_slot(vm, slots, old, new);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_set_memory_region);

/**
 * kvmod_memslots_init() - empty slot sets for a new VM
 * @vm: the VM
 */
void kvmod_memslots_init(struct kvmod_vm *vm)
{
	int i;

	for (i = 0; i < KVMOD_ADDRESS_SPACE_NUM; i++) {
		/* RCU mode: lookups need no lock, nodes are freed after a grace period. */
		mt_init_flags(&vm->memslots[i].gfn_tree, MT_FLAGS_USE_RCU);
		xa_init(&vm->memslots[i].by_id);
		vm->memslots[i].hva_tree = RB_ROOT_CACHED;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_memslots_init);

/**
 * kvmod_memslots_destroy() - free every slot of a VM nobody uses any more
 * @vm: the VM
 */
void kvmod_memslots_destroy(struct kvmod_vm *vm)
{
	struct kvmod_memslot *slot;
	unsigned long id;
	int i;

	for (i = 0; i < KVMOD_ADDRESS_SPACE_NUM; i++) {
		xa_for_each(&vm->memslots[i].by_id, id, slot)
			free_slot(slot);
		xa_destroy(&vm->memslots[i].by_id);
		/* No reader is left: leave RCU mode so nodes go at once. */
		mt_clear_in_rcu(&vm->memslots[i].gfn_tree);
		mtree_destroy(&vm->memslots[i].gfn_tree);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_memslots_destroy);
