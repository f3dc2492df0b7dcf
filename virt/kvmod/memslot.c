// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory slots: validation of KVM_SET_USER_MEMORY_REGION(2) and the
 * guest-frame lookup.
 *
 * Slots of one address space never overlap, so a tree ordered by guest frame
 * finds the slot holding a frame in O(log n), which keeps lookups and updates
 * fast with tens of thousands of slots. The tree is a latch tree: it keeps two
 * copies so that vCPUs can look up slots without any lock while an update is
 * under way. Writers hold slots_lock; a removed slot is freed only after an
 * SRCU grace period, so a reader never sees freed memory.
 */

#include <kunit/visibility.h>
#include <linux/kvmod_host.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

/* A range of guest frames; the key of every tree search. */
struct kvmod_gfn_range {
	u64 start;
	u64 end;	/* exclusive */
};

static inline struct kvmod_memslot *to_slot(struct latch_tree_node *n)
{
	return container_of(n, struct kvmod_memslot, gfn_node);
}

static __always_inline bool slot_less(struct latch_tree_node *a,
				      struct latch_tree_node *b)
{
	return to_slot(a)->base_gfn < to_slot(b)->base_gfn;
}

/* Zero when the slot intersects the range: slots are disjoint, so at most
 * one ordering is consistent with every slot.
 */
static __always_inline int slot_comp(void *key, struct latch_tree_node *n)
{
	const struct kvmod_gfn_range *r = key;
	const struct kvmod_memslot *s = to_slot(n);

	if (r->end <= s->base_gfn)
		return -1;
	if (r->start >= s->base_gfn + s->npages)
		return 1;
	return 0;
}

static const struct latch_tree_ops kvmod_slot_ops = {
	.less = slot_less,
	.comp = slot_comp,
};

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
	struct kvmod_gfn_range r = { .start = gfn, .end = gfn + npages };
	struct latch_tree_node *n;

	n = latch_tree_find(&r, &slots->gfn_tree, &kvmod_slot_ops);
	return n ? to_slot(n) : NULL;
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

static void free_slot(struct kvmod_memslot *slot)
{
	if (!slot)
		return;
	kvfree(slot->dirty_bitmap);
	kfree(slot);
}

static int alloc_dirty_bitmap(struct kvmod_memslot *slot)
{
	slot->dirty_bitmap = kvcalloc(BITS_TO_LONGS(slot->npages), sizeof(long),
				      GFP_KERNEL_ACCOUNT);
	return slot->dirty_bitmap ? 0 : -ENOMEM;
}

/* Install @new in place of @old (either may be NULL). Called with slots_lock. */
static int replace_slot(struct kvmod_vm *vm, struct kvmod_memslots *slots,
			struct kvmod_memslot *old, struct kvmod_memslot *new)
{
	int r;

	if (new) {
		r = xa_err(xa_store(&slots->by_id, new->id, new, GFP_KERNEL_ACCOUNT));
		if (r)
			return r;
	} else {
		xa_erase(&slots->by_id, old->id);
	}

	if (old) {
		latch_tree_erase(&old->gfn_node, &slots->gfn_tree, &kvmod_slot_ops);
		slots->nr_pages -= old->npages;
		slots->nr_slots--;
	}
	if (new) {
		latch_tree_insert(&new->gfn_node, &slots->gfn_tree, &kvmod_slot_ops);
		slots->nr_pages += new->npages;
		slots->nr_slots++;
	}

	/*
	 * A moved slot is briefly in neither tree copy: a vCPU faulting on it
	 * then sees no slot and retries. No reader may hold @old once freed.
	 */
	if (old) {
		synchronize_srcu(&vm->srcu);
		free_slot(old);
	}
	return 0;
}

/**
 * kvmod_set_memory_region() - create, move, change or delete a memory slot
 * @vm: the VM
 * @mem: the request; a zero @mem->memory_size deletes the slot
 *
 * Return: 0 on success; -EINVAL for a malformed request or a change to a
 * slot's size, host address or read-only flag; -EEXIST when the range
 * overlaps another slot; -EFAULT when the range is beyond what the VM can
 * map; -ENOMEM.
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
		r = old ? replace_slot(vm, slots, old, NULL) : -EINVAL;
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
	if (base_gfn + npages > BIT_ULL(vm->phys_bits - PAGE_SHIFT))
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

	r = 0;
	if (new->flags & KVM_MEM_LOG_DIRTY_PAGES)
		r = alloc_dirty_bitmap(new);
	if (!r)
		r = replace_slot(vm, slots, old, new);
	if (r)
		free_slot(new);
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
		seqcount_latch_init(&vm->memslots[i].gfn_tree.seq);
		xa_init(&vm->memslots[i].by_id);
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
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_memslots_destroy);
