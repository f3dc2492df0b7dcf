// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hardware IMSIC guest interrupt files (AIA): the host side.
 *
 * Each host CPU's IMSIC may have guest interrupt files, numbered 1..GEILEN
 * (the bits hgeie implements), at the pages after its supervisor file
 * (imsic_get_global_config(): guest index bits, per-CPU addresses). A vCPU
 * running on a CPU may own one of that CPU's files (imsic.c decides);
 * hstatus.VGEIN then routes its stopei/sireg accesses and its VS external
 * interrupt to the file, without traps. This file keeps the per-CPU pools
 * of free files, reaches a file's registers from HS-mode (through
 * vsiselect/vsireg with hstatus.VGEIN pointing at it) and handles the
 * supervisor guest external interrupt (SGEI): a file of a vCPU that is not
 * running got an interrupt, so the vCPU is woken.
 *
 * Pools follow CPU hotplug: a CPU coming online gets one (if its hgeie has
 * as many files as the others), a CPU going offline first moves every
 * vCPU state in its files back into software files.
 */

#define pr_fmt(fmt) "kvmod: " fmt

#include <linux/cpuhotplug.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/irqchip/riscv-imsic.h>
#include <linux/irqdomain.h>
#include <linux/kvmod_host.h>
#include <linux/percpu.h>
#include <asm/csr.h>
#include <asm/irq.h>

#include "riscv.h"

/**
 * struct hgei_pool - one CPU's guest interrupt files
 * @lock: @free and @owner
 * @free: bit n set while file n is unused
 * @owner: the vCPU owning each file
 * @pa: physical address of file 0 (the supervisor file)
 * @va: the files, mapped (file n at @va + n pages)
 */
struct hgei_pool {
	raw_spinlock_t lock;	/* taken in the SGEI handler */
	unsigned long free;
	struct kvmod_vcpu *owner[BITS_PER_LONG];
	phys_addr_t pa;
	void __iomem *va;
};

static DEFINE_PER_CPU(struct hgei_pool, hgei_pools);
static const struct imsic_global_config *hgei_gc;
static unsigned int hgei_nr;		/* files per CPU, 0: none */
static unsigned int hgei_nr_ids;	/* identities of each file */
static int sgei_irq;
static int hgei_cpuhp;			/* the hotplug state, once set up */
static cpumask_t hgei_cpus;		/* CPUs whose pool takes allocations */

/**
 * kvmod_riscv_hgei_files() - hardware guest files per host CPU
 *
 * Return: how many each CPU offers, 0 when the host has none.
 */
unsigned int kvmod_riscv_hgei_files(void)
{
	return hgei_nr;
}

/* The hgeie bits this CPU implements: GEILEN..1 (bit 0 never is). */
static unsigned long hgeie_bits(void)
{
	unsigned long bits;

	csr_write(CSR_HGEIE, -1UL);
	bits = csr_read(CSR_HGEIE) & ~1UL;
	csr_write(CSR_HGEIE, 0);
	return bits;
}

static DEFINE_PER_CPU(unsigned long, hgei_bits);

static void probe_geilen(void *info)
{
	this_cpu_write(hgei_bits, hgeie_bits());
}

static irqreturn_t sgei_handler(int irq, void *dev)
{
	struct hgei_pool *pool = this_cpu_ptr(&hgei_pools);
	unsigned long pending = csr_read(CSR_HGEIP) & csr_read(CSR_HGEIE);
	unsigned int n;

	/* Level-triggered: stop each source here; the vCPU re-arms it. */
	csr_clear(CSR_HGEIE, pending);
	raw_spin_lock(&pool->lock);
	for_each_set_bit(n, &pending, BITS_PER_LONG) {
		struct kvmod_vcpu *vcpu = pool->owner[n];

		if (!vcpu)
			continue;
		WRITE_ONCE(vcpu->arch.imsic.hw_wake, true);
		kvmod_vcpu_kick(vcpu);
	}
	raw_spin_unlock(&pool->lock);
	return IRQ_HANDLED;
}

/*
 * A CPU comes online (or is online at load): its pool, if its hgeie has
 * the files the others have, and its SGEI. SGEI's enable bit is in hie,
 * not sie (which the INTC driver's unmask writes): both are set.
 */
static int hgei_cpu_up(unsigned int cpu)
{
	struct hgei_pool *pool = per_cpu_ptr(&hgei_pools, cpu);
	unsigned long flags;

	if ((hgeie_bits() & GENMASK(hgei_nr, 1)) != GENMASK(hgei_nr, 1))
		return 0;	/* its vCPUs use software files */
	pool->pa = per_cpu_ptr(hgei_gc->local, cpu)->msi_pa;
	pool->va = ioremap(pool->pa, (hgei_nr + 1) * IMSIC_MMIO_PAGE_SZ);
	if (!pool->va)
		return 0;
	enable_percpu_irq(sgei_irq, IRQ_TYPE_NONE);
	csr_set(CSR_HIE, BIT(IRQ_S_GEXT));
	/* Allocations may start once the pool is whole. */
	raw_spin_lock_irqsave(&pool->lock, flags);
	memset(pool->owner, 0, sizeof(pool->owner));
	pool->free = GENMASK(hgei_nr, 1);
	cpumask_set_cpu(cpu, &hgei_cpus);
	raw_spin_unlock_irqrestore(&pool->lock, flags);
	return 0;
}

/*
 * A CPU goes offline (or kvmod unloads): no more allocations here, every
 * vCPU state in its files goes back into a software file, then the pool
 * and the SGEI go. Runs on that CPU, where no vCPU is loaded meanwhile.
 */
static int hgei_cpu_down(unsigned int cpu)
{
	struct hgei_pool *pool = per_cpu_ptr(&hgei_pools, cpu);
	struct kvmod_vcpu *vcpu;
	unsigned long flags;
	unsigned int n;

	if (!pool->va)
		return 0;
	raw_spin_lock_irqsave(&pool->lock, flags);
	cpumask_clear_cpu(cpu, &hgei_cpus);
	raw_spin_unlock_irqrestore(&pool->lock, flags);
	for (n = 1; n <= hgei_nr; n++) {
		/* A reference keeps the vCPU (freed only with its VM) alive. */
		raw_spin_lock_irqsave(&pool->lock, flags);
		vcpu = pool->owner[n];
		if (vcpu && !kref_get_unless_zero(&vcpu->vm->ref))
			vcpu = NULL;
		raw_spin_unlock_irqrestore(&pool->lock, flags);
		if (!vcpu)
			continue;
		kvmod_riscv_imsic_evict(vcpu);
		kvmod_vm_put(vcpu->vm);
	}
	csr_write(CSR_HGEIE, 0);
	csr_clear(CSR_HIE, BIT(IRQ_S_GEXT));
	disable_percpu_irq(sgei_irq);
	iounmap(pool->va);
	pool->va = NULL;
	return 0;
}

/**
 * kvmod_riscv_hgei_init() - find the guest files; take the SGEI
 * @files: module parameter: at most this many files per CPU (0: none)
 *
 * Without an IMSIC with guest files (or on any error) there are none, and
 * every vCPU uses a software file.
 */
void kvmod_riscv_hgei_init(unsigned int files)
{
	const struct imsic_global_config *gc = imsic_get_global_config();
	struct irq_domain *domain;
	unsigned long common = -1UL;
	unsigned int cpu, nr;

	if (!kvmod_riscv_has_ssaia || !gc || !gc->guest_index_bits || !files)
		return;
	on_each_cpu(probe_geilen, NULL, 1);
	for_each_online_cpu(cpu)
		common &= per_cpu(hgei_bits, cpu);
	/* Files 1..nr: what every CPU's hgeie and the address layout have. */
	nr = min3((unsigned int)hweight_long(common),
		  (unsigned int)BIT(gc->guest_index_bits) - 1, files);
	if (!nr || common != GENMASK(hweight_long(common), 1))
		return;

	domain = irq_find_matching_fwnode(riscv_get_intc_hwnode(), DOMAIN_BUS_ANY);
	if (!domain)
		return;
	sgei_irq = irq_create_mapping(domain, IRQ_S_GEXT);
	if (!sgei_irq)
		return;
	if (request_percpu_irq(sgei_irq, sgei_handler, "kvmod-sgei", &hgei_pools))
		goto fail;
	/* Every CPU's lock, pool or not: allocations take it to look. */
	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&per_cpu_ptr(&hgei_pools, cpu)->lock);
	hgei_gc = gc;
	hgei_nr = nr;
	hgei_nr_ids = gc->nr_guest_ids;
	hgei_cpuhp = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "kvmod/hgei:online",
				       hgei_cpu_up, hgei_cpu_down);
	if (hgei_cpuhp < 0) {
		hgei_cpuhp = 0;
		hgei_nr = 0;
		free_percpu_irq(sgei_irq, &hgei_pools);
		goto fail;
	}
	pr_info("%u IMSIC guest interrupt files per CPU\n", nr);
	return;
fail:
	irq_dispose_mapping(sgei_irq);
	sgei_irq = 0;
}

/**
 * kvmod_riscv_hgei_exit() - give back what kvmod_riscv_hgei_init() took
 *
 * Every vCPU is gone, so every file is free.
 */
void kvmod_riscv_hgei_exit(void)
{
	if (!hgei_nr)
		return;
	/* Every CPU's teardown: pools and SGEI off (no vCPU is left). */
	cpuhp_remove_state(hgei_cpuhp);
	free_percpu_irq(sgei_irq, &hgei_pools);
	irq_dispose_mapping(sgei_irq);
	hgei_nr = 0;
}

/**
 * kvmod_riscv_hgei_alloc() - take a free file of this CPU for @vcpu
 * @vcpu: the vCPU being loaded here (preemption off)
 *
 * Return: the file number, 0 when this CPU has none free.
 */
unsigned int kvmod_riscv_hgei_alloc(struct kvmod_vcpu *vcpu)
{
	struct hgei_pool *pool = this_cpu_ptr(&hgei_pools);
	unsigned long flags;
	unsigned int n = 0;

	if (!hgei_nr)
		return 0;
	raw_spin_lock_irqsave(&pool->lock, flags);
	if (cpumask_test_cpu(smp_processor_id(), &hgei_cpus) && pool->free) {
		n = __ffs(pool->free);
		__clear_bit(n, &pool->free);
		pool->owner[n] = vcpu;
	}
	raw_spin_unlock_irqrestore(&pool->lock, flags);
	return n;
}

/**
 * kvmod_riscv_hgei_free() - give back file @n of this CPU
 * @n: the file, emptied by the caller
 *
 * Called on the file's CPU. After it returns, the SGEI handler no longer
 * sees the owner.
 */
void kvmod_riscv_hgei_free(unsigned int n)
{
	struct hgei_pool *pool = this_cpu_ptr(&hgei_pools);
	unsigned long flags;

	csr_clear(CSR_HGEIE, BIT(n));
	raw_spin_lock_irqsave(&pool->lock, flags);
	pool->owner[n] = NULL;
	__set_bit(n, &pool->free);
	raw_spin_unlock_irqrestore(&pool->lock, flags);
}

/**
 * kvmod_riscv_hgei_inject() - an MSI to file @n of @cpu
 * @cpu: the CPU whose IMSIC has the file
 * @n: the file
 * @id: the identity
 *
 * Any context: a store to the file's seteipnum, as a device would do.
 */
void kvmod_riscv_hgei_inject(unsigned int cpu, unsigned int n, u32 id)
{
	writel(id, per_cpu_ptr(&hgei_pools, cpu)->va + n * IMSIC_MMIO_PAGE_SZ +
	       IMSIC_MMIO_SETIPNUM_LE);
}

/**
 * kvmod_riscv_hgei_pa() - physical address of file @n of @cpu
 * @cpu: the CPU
 * @n: the file
 *
 * Return: the address of its page, which a guest's stores may reach directly.
 */
phys_addr_t kvmod_riscv_hgei_pa(unsigned int cpu, unsigned int n)
{
	return per_cpu_ptr(&hgei_pools, cpu)->pa + n * IMSIC_MMIO_PAGE_SZ;
}

/**
 * kvmod_riscv_hgei_rmw() - a register of file @n of this CPU
 * @n: the file
 * @isel: its indirect register number (IMSIC_EIDELIVERY ... IMSIC_EIE63)
 * @wmask: bits to replace
 * @val: their new values
 *
 * Interrupts off. The guest's vsiselect is kept.
 *
 * Return: the old value.
 */
unsigned long kvmod_riscv_hgei_rmw(unsigned int n, unsigned long isel,
				   unsigned long wmask, unsigned long val)
{
	unsigned long hstatus = csr_read(CSR_HSTATUS);
	unsigned long vsiselect = csr_read(CSR_VSISELECT);
	unsigned long old;

	lockdep_assert_irqs_disabled();
	/* With V=0, vsireg reaches the file hstatus.VGEIN selects. */
	csr_write(CSR_HSTATUS, (hstatus & ~HSTATUS_VGEIN) |
		  ((unsigned long)n << HSTATUS_VGEIN_SHIFT));
	csr_write(CSR_VSISELECT, isel);
	old = csr_read(CSR_VSIREG);
	if (wmask)
		csr_write(CSR_VSIREG, (old & ~wmask) | (val & wmask));
	csr_write(CSR_VSISELECT, vsiselect);
	csr_write(CSR_HSTATUS, hstatus);
	return old;
}

/**
 * kvmod_riscv_hgei_nr_ids() - identities the hardware files have
 *
 * Return: the highest identity.
 */
unsigned int kvmod_riscv_hgei_nr_ids(void)
{
	return hgei_nr_ids;
}
