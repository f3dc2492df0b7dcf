// SPDX-License-Identifier: GPL-2.0-only
/*
 * G-stage (guest physical to host physical) translation: the page tables
 * hgatp points at, the leaves faults install and TLB maintenance.
 *
 * The tables are filled only on guest faults: the core (virt/kvmod/fault.c)
 * finds the host frame and the leaf size, kvmod_arch_mmu_map() writes the
 * leaf. Leaves are always accessed and, when writable, dirty: the page is
 * marked dirty when mapped writable, so hardware never needs to update A/D
 * bits. Aging (the host's reclaim, idle page tracking) clears A; the next
 * access faults (or Svadu sets A) and the fault maps the page again.
 *
 * An unmap that empties a whole table detaches it, so the range can get a
 * huge leaf again (after dirty logging, say); detached tables are freed once
 * the TLB flush that follows every unmap has finished on all CPUs. A huge
 * leaf is never put where a table still is (the fault maps a smaller leaf
 * instead); a table may replace a huge leaf, and CPUs still caching that
 * leaf see the same memory until the next unmap flushes the VMID.
 */

#define pr_fmt(fmt) "kvmod: " fmt

#include <linux/idr.h>
#include <linux/kvmod_host.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/cacheflush.h>
#include <asm/cpufeature.h>
#include <asm/csr.h>
#include <asm/sbi.h>

#include "riscv.h"

#define GPTE_V		BIT(0)
#define GPTE_R		BIT(1)
#define GPTE_W		BIT(2)
#define GPTE_X		BIT(3)
#define GPTE_U		BIT(4)
#define GPTE_A		BIT(6)
#define GPTE_D		BIT(7)
#define GPTE_PBMT_IO	(2ULL << 61)
#define GPTE_LEAF	(GPTE_R | GPTE_W | GPTE_X)
#define GPTE_PFN_SHIFT	10
#define GPTE_PFN_MASK	GENMASK_ULL(53, 10)

/* The root table of every GxxX4 mode has 2 more index bits (16 KiB). */
#define GSTAGE_ROOT_ORDER	2

/* What this CPU's hgatp holds: writing it again is not free. */
static DEFINE_PER_CPU(unsigned long, kvmod_riscv_cur_hgatp);

static unsigned int gstage_levels(void)
{
	/* 41 -> 3 (Sv39x4), 50 -> 4 (Sv48x4), 59 -> 5 (Sv57x4) */
	return (kvmod_riscv_gpa_bits - PAGE_SHIFT - 2) / 9;
}

static unsigned int level_shift(unsigned int level)
{
	return PAGE_SHIFT + 9 * level;
}

static unsigned long level_index(u64 gpa, unsigned int level)
{
	unsigned long mask = level == gstage_levels() - 1 ? 0x7ff : 0x1ff;

	return (gpa >> level_shift(level)) & mask;
}

static u64 *pte_table(u64 pte)
{
	return pfn_to_kaddr((pte & GPTE_PFN_MASK) >> GPTE_PFN_SHIFT);
}

/**
 * kvmod_riscv_gstage_init() - empty G-stage tables and a VMID for a new VM
 * @vm: the VM
 *
 * Return: 0 or -ENOMEM.
 */
int kvmod_riscv_gstage_init(struct kvmod_vm *vm)
{
	unsigned long mode;
	struct page *root;

	root = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, GSTAGE_ROOT_ORDER);
	if (!root)
		return -ENOMEM;
	vm->arch.pgd = page_address(root);
	INIT_LIST_HEAD(&vm->arch.dead_tables);

	kvmod_vmid_alloc(vm, kvmod_riscv_vmid_bits);

	switch (kvmod_riscv_gpa_bits) {
	case 59:
		mode = HGATP_MODE_SV57X4;
		break;
	case 50:
		mode = HGATP_MODE_SV48X4;
		break;
	default:
		mode = HGATP_MODE_SV39X4;
		break;
	}
	vm->arch.hgatp = (mode << HGATP_MODE_SHIFT) |
			 ((unsigned long)vm->vmid << HGATP_VMID_SHIFT) |
			 (page_to_pfn(root) & HGATP_PPN);
	return 0;
}

static void free_table(u64 *table, unsigned int level)
{
	unsigned int i, n = level == gstage_levels() - 1 ? 2048 : 512;

	if (level > 0) {
		for (i = 0; i < n; i++)
			if ((table[i] & GPTE_V) && !(table[i] & GPTE_LEAF))
				free_table(pte_table(table[i]), level - 1);
	}
	if (level == gstage_levels() - 1)
		free_pages((unsigned long)table, GSTAGE_ROOT_ORDER);
	else
		free_page((unsigned long)table);
}

/**
 * kvmod_riscv_gstage_destroy() - free the tables and the VMID of a dead VM
 * @vm: the VM; no vCPU runs any more
 */
void kvmod_riscv_gstage_destroy(struct kvmod_vm *vm)
{
	if (!vm->arch.pgd)
		return;
	/* The next VM given this VMID must not find our translations. */
	kvmod_arch_flush_remote_tlbs(vm);
	free_table(vm->arch.pgd, gstage_levels() - 1);
	vm->arch.pgd = NULL;
	kvmod_vmid_free(vm);
}

/* Free the tables unmaps detached; mmu_lock held, or the VM is dying. */
static void free_dead_tables(struct kvmod_vm *vm)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &vm->arch.dead_tables, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

static void flush_local_vmid(void *info)
{
	kvmod_riscv_hfence_gvma_vmid((unsigned long)info);
}

void kvmod_arch_flush_remote_tlbs(struct kvmod_vm *vm)
{
	unsigned long vmid = vm->vmid;

	/* Cleared entries before the CPU set; pairs with gstage_load(). */
	smp_mb();
	/* Both ways wait until every CPU has fenced. */
	if (!cpumask_empty(&vm->arch.ran_on) &&
	    sbi_remote_hfence_gvma_vmid(&vm->arch.ran_on, 0, ULONG_MAX, vmid))
		/* No SBI remote fence: an IPI that fences on each CPU. */
		on_each_cpu_mask(&vm->arch.ran_on, flush_local_vmid,
				 (void *)vmid, 1);
	/* No walker can hold a detached table any more. */
	free_dead_tables(vm);
}

/* The VM's leaf counters by level (pages_4k, pages_2m, pages_1g). */
static u64 *leaf_stat(struct kvmod_vm *vm, unsigned int level)
{
	static u64 ignored;

	switch (level) {
	case 0:
		return &vm->stat.pages_4k;
	case 1:
		return &vm->stat.pages_2m;
	case 2:
		return &vm->stat.pages_1g;
	default:
		return &ignored;	/* 512 GiB leaves: never made */
	}
}

/*
 * Find the valid leaves covering [@start, @end) with any bit of @test set,
 * and clear @clear in them (all bits: unmap; a huge leaf goes entirely).
 * Return: whether any leaf had a bit of @test.
 */
static bool change_range(struct kvmod_vm *vm, u64 *table, unsigned int level,
			 u64 start, u64 end, u64 test, u64 clear)
{
	u64 size = BIT_ULL(level_shift(level));
	bool changed = false;
	u64 addr, next;

	for (addr = start; addr < end; addr = next) {
		u64 *pte = &table[level_index(addr, level)];

		next = min(end, (addr & ~(size - 1)) + size);
		if (!(*pte & GPTE_V))
			continue;
		if (level == 0 || (*pte & GPTE_LEAF)) {
			if (!(*pte & test))
				continue;
			changed = true;
			if (!clear)
				continue;
			WRITE_ONCE(*pte, *pte & ~clear);
			if (!(*pte & GPTE_V))
				(*leaf_stat(vm, level))--;
		} else {
			changed |= change_range(vm, pte_table(*pte), level - 1,
						addr, next, test, clear);
			/* Unmapped whole: detach the (now empty) table. */
			if (clear == ~0ULL && next - addr == size) {
				list_add(&virt_to_page(pte_table(*pte))->lru,
					 &vm->arch.dead_tables);
				WRITE_ONCE(*pte, 0);
				changed = true;
			}
		}
	}
	return changed;
}

static bool change_gfns(struct kvmod_vm *vm, u64 start, u64 end, u64 test,
			u64 clear)
{
	u64 limit = BIT_ULL(kvmod_riscv_gpa_bits - PAGE_SHIFT);

	lockdep_assert_held(&vm->mmu_lock);
	if (!vm->arch.pgd || start >= limit)
		return false;
	return change_range(vm, vm->arch.pgd, gstage_levels() - 1,
			    start << PAGE_SHIFT, min(end, limit) << PAGE_SHIFT,
			    test, clear);
}

bool kvmod_arch_unmap_gfn_range(struct kvmod_vm *vm, u64 start, u64 end)
{
	return change_gfns(vm, start, end, ~0ULL, ~0ULL);
}

/* A cleared A bit faults on the next access (or is set by Svadu). */
bool kvmod_arch_age_gfn_range(struct kvmod_vm *vm, u64 start, u64 end, bool clear)
{
	return change_gfns(vm, start, end, GPTE_A, clear ? GPTE_A : 0);
}

/* Leaves are 4 KiB while a slot logs (faults map no more): one per bit. */
bool kvmod_arch_write_protect_gfns(struct kvmod_vm *vm, u64 gfn,
				   unsigned long mask)
{
	bool changed = false;
	unsigned long bit;

	for_each_set_bit(bit, &mask, BITS_PER_LONG)
		changed |= change_gfns(vm, gfn + bit, gfn + bit + 1,
				       GPTE_W | GPTE_D, GPTE_W | GPTE_D);
	return changed;
}

unsigned int kvmod_arch_mmu_tables_needed(struct kvmod_vm *vm)
{
	return gstage_levels() - 1;
}

/*
 * Install a leaf for @gpa at @level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), or
 * lower where a table is already in the way; @pfn is the frame of @gpa
 * itself. mmu_lock held.
 */
static void set_leaf(struct kvmod_vcpu *vcpu, u64 gpa, unsigned long pfn,
		     u64 prot, unsigned int level)
{
	struct kvmod_vm *vm = vcpu->vm;
	u64 *table = vm->arch.pgd;
	unsigned int l;
	u64 *pte;

	lockdep_assert_held(&vm->mmu_lock);
	for (l = gstage_levels() - 1; ; l--) {
		pte = &table[level_index(gpa, l)];
		if (l == level || l == 0)
			break;
		if ((*pte & GPTE_V) && !(*pte & GPTE_LEAF)) {
			table = pte_table(*pte);
			continue;
		}
		if (*pte & GPTE_V)
			(*leaf_stat(vm, l))--;	/* a huge leaf becomes a table */
		WRITE_ONCE(*pte, ((u64)virt_to_pfn(kvmod_mmu_cache_alloc(&vcpu->mmu_cache)) <<
				  GPTE_PFN_SHIFT) | GPTE_V);
		table = pte_table(*pte);
	}
	/* A table at the wanted level: map within it, one level down at a time. */
	while ((*pte & GPTE_V) && !(*pte & GPTE_LEAF)) {
		table = pte_table(*pte);
		level--;
		pte = &table[level_index(gpa, level)];
	}
	if (!(*pte & GPTE_V))
		(*leaf_stat(vm, level))++;
	pfn &= ~((1UL << (9 * level)) - 1);
	WRITE_ONCE(*pte, ((u64)pfn << GPTE_PFN_SHIFT) | prot);
}

void kvmod_arch_mmu_map(struct kvmod_vcpu *vcpu, u64 gpa, unsigned long pfn,
			unsigned int shift, unsigned int prot)
{
	u64 pte = GPTE_V | GPTE_R | GPTE_U | GPTE_A;

	if (prot & KVMOD_PROT_WRITE)
		pte |= GPTE_W | GPTE_D;
	if (prot & KVMOD_PROT_EXEC)
		pte |= GPTE_X;
	/* Svpbmt: I/O ordering, uncached; without it the host's PMAs decide. */
	if ((prot & KVMOD_PROT_DEVICE) && riscv_has_extension_unlikely(RISCV_ISA_EXT_SVPBMT))
		pte |= GPTE_PBMT_IO;
	/* Levels of this format are 9 bits apart, as the host's are. */
	set_leaf(vcpu, gpa, pfn, pte, (shift - PAGE_SHIFT) / 9);
	/* The CPU may have cached the old entry (or its absence). */
	vcpu->arch.flush_gpa = gpa;
	kvmod_make_request(KVMOD_REQ_TLB_FLUSH, vcpu);
}

/**
 * kvmod_riscv_gstage_map_device() - map a guest page to a device page
 * @vcpu: the faulting vCPU, outside the guest and preemptible
 * @gpa: the guest page (outside every memory slot)
 * @valid: called with mmu_lock held: whether @pa is still what @gpa shows
 * @arg: its argument
 * @pa: the device page, written by the guest's stores directly
 *
 * Unmapping is the caller's too: kvmod_arch_unmap_gfn_range() and a flush,
 * under mmu_lock, after which @valid must say no.
 *
 * Return: %KVMOD_EXIT_GUEST to retry the access; -ENOMEM.
 */
int kvmod_riscv_gstage_map_device(struct kvmod_vcpu *vcpu, u64 gpa,
				  bool (*valid)(void *arg), void *arg, phys_addr_t pa)
{
	struct kvmod_vm *vm = vcpu->vm;
	int r;

	r = kvmod_mmu_cache_topup(vcpu);
	if (r)
		return r;
	spin_lock(&vm->mmu_lock);
	/* Stores and loads (zero on IMSIC pages), never instructions. */
	if (valid(arg))
		kvmod_arch_mmu_map(vcpu, gpa, pa >> PAGE_SHIFT, PAGE_SHIFT,
				   KVMOD_PROT_WRITE | KVMOD_PROT_DEVICE);
	spin_unlock(&vm->mmu_lock);
	return KVMOD_EXIT_GUEST;
}

/**
 * kvmod_riscv_gstage_load() - make this CPU translate for @vcpu's VM
 * @vcpu: the vCPU being loaded, with preemption disabled
 *
 * Writes hgatp and flushes what this CPU may still cache from another vCPU
 * (VS-stage entries are tagged by VMID only, which all vCPUs of a VM share)
 * or from another VM that used VMID 0.
 */
void kvmod_riscv_gstage_load(struct kvmod_vcpu *vcpu)
{
	struct kvmod_vm *vm = vcpu->vm;
	unsigned int flush;
	bool vvma;

	if (__this_cpu_read(kvmod_riscv_cur_hgatp) != vm->arch.hgatp) {
		csr_write(CSR_HGATP, vm->arch.hgatp);
		__this_cpu_write(kvmod_riscv_cur_hgatp, vm->arch.hgatp);
	}
	if (!cpumask_test_cpu(smp_processor_id(), &vm->arch.ran_on)) {
		cpumask_set_cpu(smp_processor_id(), &vm->arch.ran_on);
		/* Flushers clear entries, then read ran_on; we set it, then walk. */
		smp_mb__after_atomic();
	}

	flush = kvmod_vmid_load(vcpu);
	vvma = kvmod_check_request(KVMOD_REQ_HFENCE_VVMA, vcpu) ||
	       (flush & KVMOD_FLUSH_VCPU);
	if (flush & KVMOD_FLUSH_VMID)
		kvmod_riscv_hfence_gvma_all();
	if (kvmod_check_request(KVMOD_REQ_TLB_FLUSH, vcpu))
		kvmod_riscv_hfence_gvma_gpa(vcpu->arch.flush_gpa >> 2, vm->vmid);
	if (vvma)
		kvmod_riscv_hfence_vvma_all();
	if (kvmod_check_request(KVMOD_REQ_FENCE_I, vcpu))
		local_flush_icache_all();
}
