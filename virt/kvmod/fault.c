// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stage-2 fault-in: from a guest frame to the host memory behind it, and
 * the largest leaf that may map it. The architecture only writes the leaf
 * (kvmod_arch_mmu_map()).
 *
 * Nothing is pinned: the MMU notifier (mmu.c) removes a mapping when the
 * host's changes, and a fault that raced with the change sees it through
 * the notifier sequence and maps nothing. Host memory comes in two kinds:
 * - ordinary pages (anonymous, shmem, hugetlb, THP), through GUP. A read
 *   maps writable when the host page already is (no COW to break), so a
 *   later store does not fault again;
 * - VM_PFNMAP / VM_IO mappings (device BARs, udmabuf), which GUP refuses:
 *   their frames are read from the host page table, faulted in first if
 *   need be, and mapped without a page reference; frames with no struct
 *   page are device memory.
 * GUP's errors stay distinct: a poisoned page raises SIGBUS (BUS_MCEERR_AR)
 * on the vCPU thread, as a host process touching it would get; a signal
 * that interrupts the fault ends KVM_RUN with -EINTR and the guest
 * refaults later; -ENOMEM and -EFAULT reach userspace.
 */

#include <linux/kvmod_host.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
#include <kunit/visibility.h>
#include <asm/kvmod_pgtable.h>

/**
 * kvmod_mmu_cache_topup() - fill a vCPU's page-table page cache
 * @vcpu: the vCPU about to map a stage-2 leaf
 *
 * Fills it to the tables one mapping may add
 * (kvmod_arch_mmu_tables_needed()). Called before mmu_lock is taken, so
 * that mapping never allocates.
 *
 * Return: 0 or -ENOMEM.
 */
int kvmod_mmu_cache_topup(struct kvmod_vcpu *vcpu)
{
	struct kvmod_mmu_cache *c = &vcpu->mmu_cache;
	unsigned int min = kvmod_arch_mmu_tables_needed(vcpu->vm);

	if (WARN_ON_ONCE(min > ARRAY_SIZE(c->pages)))
		return -EINVAL;
	while (c->nr < min) {
		void *p = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!p)
			return -ENOMEM;
		c->pages[c->nr++] = p;
	}
	return 0;
}

/**
 * kvmod_mmu_cache_alloc() - take a zeroed page from a topped-up cache
 * @c: the cache
 *
 * Return: the page's address; the caller topped up enough.
 */
void *kvmod_mmu_cache_alloc(struct kvmod_mmu_cache *c)
{
	if (WARN_ON_ONCE(!c->nr))
		return NULL;
	return c->pages[--c->nr];
}

/**
 * kvmod_mmu_cache_free() - release the spare pages (vCPU destruction)
 * @c: the cache
 */
void kvmod_mmu_cache_free(struct kvmod_mmu_cache *c)
{
	while (c->nr)
		free_page((unsigned long)c->pages[--c->nr]);
}

/*
 * The size (a shift) of the host leaf that maps @hva in @mm, read
 * locklessly as GUP-fast does: interrupts off keep the tables from being
 * freed under us, and the MMU notifier sequence catches any change.
 */
static unsigned int host_shift(struct mm_struct *mm, unsigned long hva)
{
	unsigned int shift = PAGE_SHIFT;
	unsigned long flags;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (!pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*kvmod_host_p4d_offset(&pgd, hva));
	if (!p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*kvmod_host_pud_offset(&p4d, hva));
	if (!pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		shift = PUD_SHIFT;
		goto out;
	}
	pmd = pmdp_get_lockless(pmd_offset(&pud, hva));
	if (pmd_present(pmd) && pmd_leaf(pmd))
		shift = PMD_SHIFT;
out:
	local_irq_restore(flags);
	return shift;
}

/**
 * kvmod_mmu_fit_shift() - the largest leaf that maps a frame correctly
 * @slot: the slot holding @gfn
 * @gfn: the guest frame
 * @hva: its host address
 * @max_shift: the host's own leaf size there (PAGE_SHIFT, PMD_SHIFT or
 *	PUD_SHIFT)
 *
 * A leaf of 2^shift bytes may map @gfn when it is no larger than the
 * host's, lies wholly inside @slot, and @gfn and @hva have the same offset
 * in it; never more than a page while the slot logs dirty pages (each page
 * must fault for its bit).
 *
 * Return: PAGE_SHIFT, PMD_SHIFT or PUD_SHIFT.
 */
unsigned int kvmod_mmu_fit_shift(const struct kvmod_memslot *slot, u64 gfn,
				 unsigned long hva, unsigned int max_shift)
{
	static const unsigned int shifts[] = { PUD_SHIFT, PMD_SHIFT };
	unsigned int i;
	u64 n;

	if (slot->flags & KVM_MEM_LOG_DIRTY_PAGES)
		return PAGE_SHIFT;
	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		if (shifts[i] > max_shift)
			continue;
		n = 1ULL << (shifts[i] - PAGE_SHIFT);
		if (((hva >> PAGE_SHIFT) ^ gfn) & (n - 1))
			continue;
		if ((gfn & ~(n - 1)) >= slot->base_gfn &&
		    (gfn | (n - 1)) < slot->base_gfn + slot->npages)
			return shifts[i];
	}
	return PAGE_SHIFT;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_mmu_fit_shift);

/*
 * Whether every store to @slot must fault: read-only slots exit as MMIO,
 * logging slots set their dirty bit in the write fault. A load then maps
 * the page read-only even where the host would allow writing.
 */
static bool stores_fault(const struct kvmod_memslot *slot)
{
	return slot->flags & (KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES);
}

/* What a fault found behind a guest frame. */
struct fault_target {
	unsigned long pfn;
	struct page *page;	/* a reference, or NULL for VM_PFNMAP memory */
	bool writable;
	bool device;
};

/*
 * One look at a VM_PFNMAP/VM_IO mapping. -ENOENT: nothing (or nothing
 * writable for a store) is mapped there yet; -EFAULT: not such a mapping.
 */
static int follow_pfnmap(struct mm_struct *mm, const struct kvmod_memslot *slot,
			 unsigned long hva, bool write, struct fault_target *t)
{
	struct follow_pfnmap_args args = { .address = hva };

	args.vma = vma_lookup(mm, hva);
	if (!args.vma || !(args.vma->vm_flags & (VM_IO | VM_PFNMAP)))
		return -EFAULT;
	if (follow_pfnmap_start(&args))
		return -ENOENT;
	if (write && !args.writable) {
		follow_pfnmap_end(&args);
		return -ENOENT;
	}
	t->pfn = args.pfn;
	/* A store must map writable (it was checked above), or it faults forever. */
	t->writable = args.writable && (write || !stores_fault(slot));
	t->device = !pfn_valid(args.pfn);
	follow_pfnmap_end(&args);
	return 0;
}

static int resolve_pfnmap(const struct kvmod_memslot *slot, unsigned long hva,
			  bool write, struct fault_target *t)
{
	struct mm_struct *mm = current->mm;
	int r;

	mmap_read_lock(mm);
	r = follow_pfnmap(mm, slot, hva, write, t);
	if (r == -ENOENT) {
		/* Let the driver's fault handler fill the entry, then look again. */
		r = fixup_user_fault(mm, hva, write ? FAULT_FLAG_WRITE : 0, NULL);
		if (!r)
			r = follow_pfnmap(mm, slot, hva, write, t);
		if (r == -ENOENT)
			r = -EFAULT;
	}
	mmap_read_unlock(mm);
	return r;
}

static int resolve(const struct kvmod_memslot *slot, unsigned long hva,
		   bool write, struct fault_target *t)
{
	unsigned int flags = FOLL_HWPOISON | FOLL_INTERRUPTIBLE;
	long n;

	if (!write && !stores_fault(slot) && get_user_page_fast_only(hva, FOLL_WRITE, &t->page)) {
		t->writable = true;
	} else {
		if (write)
			flags |= FOLL_WRITE;
		n = get_user_pages_unlocked(hva, 1, &t->page, flags);
		if (n == -EFAULT)
			return resolve_pfnmap(slot, hva, write, t);
		if (n != 1)
			return n < 0 ? n : -EFAULT;
		t->writable = write;
	}
	t->pfn = page_to_pfn(t->page);
	return 0;
}

/**
 * kvmod_mmu_fault() - map the memory behind a stage-2 fault
 * @vcpu: the faulting vCPU, put and preemptible, on its own thread
 * @gpa: guest physical address of the access
 * @write: the access was a store
 *
 * Return: %KVMOD_EXIT_GUEST to retry the access (mapped, or the slot or
 * host mapping changed meanwhile, or a signal is pending); -ENOENT when
 * @gpa is in no memory slot (the architecture may map something else
 * there); -EFAULT when the slot's host memory is not accessible; -ENOMEM.
 */
int kvmod_mmu_fault(struct kvmod_vcpu *vcpu, u64 gpa, bool write)
{
	struct kvmod_vm *vm = vcpu->vm;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct fault_target t = {};
	struct kvmod_memslot *slot;
	unsigned long hva, seq;
	unsigned int shift, prot;
	int idx, r;

	r = kvmod_mmu_cache_topup(vcpu);
	if (r)
		return r;

	idx = srcu_read_lock(&vm->srcu);
	slot = kvmod_gfn_to_memslot(vm, gfn);
	r = -ENOENT;
	if (!slot)
		goto out;
	/* Made read-only meanwhile: the refault takes the MMIO path. */
	r = KVMOD_EXIT_GUEST;
	if (write && (slot->flags & KVM_MEM_READONLY))
		goto out;
	hva = kvmod_memslot_hva(slot, gfn);
	seq = kvmod_mmu_seq_begin(vm);

	r = resolve(slot, hva, write, &t);
	if (r == -EHWPOISON) {
		send_sig_mceerr(BUS_MCEERR_AR, (void __user *)hva, PAGE_SHIFT, current);
		r = KVMOD_EXIT_GUEST;
	} else if (r == -EINTR) {
		r = KVMOD_EXIT_GUEST;
	}
	if (r)
		goto out;

	prot = t.writable ? KVMOD_PROT_WRITE : 0;
	if (t.device) {
		prot |= KVMOD_PROT_DEVICE;
		shift = PAGE_SHIFT;
	} else {
		prot |= KVMOD_PROT_EXEC;
		/* After GUP: the host maps the page now, at the size it chose. */
		shift = kvmod_mmu_fit_shift(slot, gfn, hva, host_shift(vm->mm, hva));
	}

	spin_lock(&vm->mmu_lock);
	if (!kvmod_mmu_seq_retry(vm, seq)) {
		kvmod_arch_mmu_map(vcpu, gpa, t.pfn, shift, prot);
		if (t.writable)
			kvmod_memslot_mark_dirty(slot, gfn);
	}
	spin_unlock(&vm->mmu_lock);
	if (t.page) {
		if (t.writable)
			set_page_dirty_lock(t.page);
		put_page(t.page);
	}
	r = KVMOD_EXIT_GUEST;
out:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}
