// SPDX-License-Identifier: GPL-2.0-only
/*
 * RISC-V vCPUs: creation and reset, loading guest state onto a CPU, the
 * run loop's hooks (virt/kvmod/run.c) and interrupt injection.
 */

#define pr_fmt(fmt) "kvmod: " fmt

#include <linux/kvmod_host.h>
#include <linux/uaccess.h>
#include <asm/csr.h>
#include <asm/hwcap.h>
#include <asm/sbi.h>

#include "riscv.h"

/* The world switch uses fixed offsets; keep them honest. */
static_assert(offsetof(struct kvmod_riscv_context, sstatus) == KVMOD_CTX_SSTATUS);
static_assert(offsetof(struct kvmod_riscv_context, hstatus) == KVMOD_CTX_HSTATUS);
static_assert(sizeof(struct kvmod_riscv_context) == KVMOD_CTX_SIZE);
static_assert(offsetof(struct kvmod_riscv_switch, host) == KVMOD_SW_HOST);
static_assert(offsetof(struct kvmod_riscv_switch, host_stvec) == KVMOD_SW_HOST_STVEC);
static_assert(offsetof(struct kvmod_riscv_switch, host_sscratch) == KVMOD_SW_HOST_SSCRATCH);
static_assert(offsetof(struct kvmod_riscv_switch, scause) == KVMOD_SW_SCAUSE);
static_assert(offsetof(struct kvmod_riscv_switch, stval) == KVMOD_SW_STVAL);
static_assert(offsetof(struct kvmod_riscv_switch, htval) == KVMOD_SW_HTVAL);
static_assert(offsetof(struct kvmod_riscv_switch, htinst) == KVMOD_SW_HTINST);
static_assert(offsetof(struct kvmod_riscv_trap, stval) == KVMOD_TRAP_STVAL);
static_assert(offsetof(struct user_regs_struct, t6) == KVMOD_CTX_REG(31));

/* Exceptions the guest handles itself; the rest come to us. */
#define KVMOD_HEDELEG	(BIT(EXC_INST_MISALIGNED) | BIT(EXC_INST_ILLEGAL) | \
			 BIT(EXC_BREAKPOINT) | BIT(EXC_LOAD_MISALIGNED) | \
			 BIT(EXC_STORE_MISALIGNED) | BIT(EXC_SYSCALL) | \
			 BIT(EXC_INST_PAGE_FAULT) | BIT(EXC_LOAD_PAGE_FAULT) | \
			 BIT(EXC_STORE_PAGE_FAULT))
/* VS-level interrupts go straight to the guest. */
#define KVMOD_HIDELEG	(BIT(IRQ_VS_SOFT) | BIT(IRQ_VS_TIMER) | BIT(IRQ_VS_EXT))
/* Interrupts whose vsip bit the guest itself may clear. */
#define KVMOD_GUEST_CLEARS	(BIT(IRQ_VS_SOFT) | BIT(IRQ_PMU_OVF))

#define RISCV_STAT(f) \
	KVMOD_STAT_DESC(offsetof(struct kvmod_vcpu_stat, arch),		\
			struct kvmod_arch_vcpu_stat, f, CUMULATIVE, NONE, 0)

static const struct kvmod_stat_desc riscv_vcpu_stats[] = {
	RISCV_STAT(ecall_exit_stat),
	RISCV_STAT(wfi_exit_stat),
	RISCV_STAT(hstateen_imsic_enabled),
	RISCV_STAT(hstateen_aia_enabled),
	RISCV_STAT(hstateen_aia_isel_enabled),
	RISCV_STAT(hstateen_envcfg_enabled),
	RISCV_STAT(hstateen_sstateen0_enabled),
	RISCV_STAT(imsic_hw_attach),
	RISCV_STAT(imsic_sw_access),
	RISCV_STAT(csr_exit_user),
	RISCV_STAT(csr_exit_kernel),
};

static_assert(ARRAY_SIZE(riscv_vcpu_stats) * sizeof(u64) ==
	      sizeof(struct kvmod_arch_vcpu_stat));

const struct kvmod_stat_desc *kvmod_arch_vcpu_stats(unsigned int *nr)
{
	*nr = ARRAY_SIZE(riscv_vcpu_stats);
	return riscv_vcpu_stats;
}

/**
 * kvmod_riscv_isa_enabled() - whether the guest has an extension
 * @vcpu: the vCPU
 * @ext: host extension id (RISCV_ISA_EXT_*)
 *
 * Return: true when enabled for this vCPU.
 */
bool kvmod_riscv_isa_enabled(const struct kvmod_vcpu *vcpu, unsigned int ext)
{
	return test_bit(ext, vcpu->arch.isa);
}

static bool guest_has_fp(const struct kvmod_vcpu *vcpu)
{
	return kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_f) ||
	       kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_d);
}

/* henvcfg follows the extensions the guest has; fixed once it runs. */
static unsigned long guest_henvcfg(const struct kvmod_vcpu *vcpu)
{
	unsigned long cfg = ENVCFG_FIOM;

	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SSTC))
		cfg |= ENVCFG_STCE;
	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SVPBMT))
		cfg |= ENVCFG_PBMTE;
	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_ZICBOM))
		cfg |= (ENVCFG_CBIE_INV << ENVCFG_CBIE_SHIFT) | ENVCFG_CBCFE;
	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_ZICBOZ))
		cfg |= ENVCFG_CBZE;
	return cfg;
}

/*
 * Local interrupts (13 and up) kvmod injects through hvip: the counter
 * overflow with Sscofpmf. hideleg cannot pass the host's own LCOFI on
 * (and must not: host perf owns it), so the guest gets it through hvien,
 * which AIA provides; isa.c offers Sscofpmf only then.
 */
static unsigned long guest_hvien(const struct kvmod_vcpu *vcpu)
{
	if (kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SSCOFPMF))
		return BIT(IRQ_PMU_OVF);
	return 0;
}

/*
 * The register files the guest may use: sstatus.FS and .VS Initial for the
 * extensions it has, Off (every instruction of them illegal) otherwise.
 */
static void set_unit_enables(struct kvmod_vcpu *vcpu)
{
	unsigned long *sstatus = &vcpu->arch.sw.guest.sstatus;

	*sstatus &= ~(SR_FS | SR_VS);
	if (guest_has_fp(vcpu))
		*sstatus |= SR_FS_INITIAL;
	if (kvmod_riscv_vector_enabled(vcpu))
		*sstatus |= SR_VS_INITIAL;
}

/* Architectural reset: S-mode, interrupts off, translation off. */
static void vcpu_reset(struct kvmod_vcpu *vcpu, unsigned long pc,
		       unsigned long a1)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	struct kvmod_riscv_context *g = &a->sw.guest;

	memset(g, 0, sizeof(*g));
	g->regs.pc = pc;
	g->regs.a0 = vcpu->vcpu_id;
	g->regs.a1 = a1;
	g->sstatus = SR_SPP | SR_SPIE;
	set_unit_enables(vcpu);
	g->hstatus = (2UL << HSTATUS_VSXL_SHIFT) | HSTATUS_VTW |
		     HSTATUS_SPVP | HSTATUS_SPV;
	memset(&a->csr, 0, sizeof(a->csr));
	memset(&a->fp, 0, sizeof(a->fp));
	kvmod_riscv_vector_reset(vcpu);
	a->irqs_pending = 0;
	a->irqs_pending_mask = 0;
	/* Nothing the old state left half done applies to the new one. */
	kvmod_vcpu_cancel_deferred(vcpu);
	hrtimer_cancel(&a->timer.hrt);
	a->timer.compare = U64_MAX;
	kvmod_riscv_sta_reset(vcpu);
	kvmod_riscv_pmu_reset(vcpu);
	kvmod_riscv_imsic_reset(vcpu);
}

int kvmod_arch_vcpu_create(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	int r;

	r = kvmod_riscv_vector_init(vcpu);
	if (r)
		return r;
	kvmod_riscv_isa_init(vcpu);
	kvmod_riscv_sbi_init_vcpu(vcpu);
	kvmod_riscv_hstateen_init(vcpu);
	kvmod_riscv_imsic_init(vcpu);
	kvmod_riscv_timer_init(vcpu);
	a->mvendorid = riscv_cached_mvendorid(0);
	a->marchid = riscv_cached_marchid(0);
	a->mimpid = riscv_cached_mimpid(0);
	a->hedeleg = KVMOD_HEDELEG;
	vcpu_reset(vcpu, 0, 0);
	/* Secondary harts wait for an SBI HSM start (or KVM_SET_MP_STATE). */
	vcpu->power_off = vcpu->vcpu_idx != 0;
	return 0;
}

void kvmod_arch_vcpu_destroy(struct kvmod_vcpu *vcpu)
{
	kvmod_riscv_timer_destroy(vcpu);
	kvmod_riscv_pmu_destroy(vcpu);
	kvmod_riscv_vector_destroy(vcpu);
	kvmod_riscv_imsic_destroy(vcpu);
}

/**
 * kvmod_riscv_set_irq() - raise or lower a VS-level interrupt
 * @vcpu: the target vCPU
 * @irq: IRQ_VS_SOFT, IRQ_VS_TIMER, IRQ_VS_EXT or IRQ_PMU_OVF (by its hvip bit)
 * @level: raise when true
 *
 * Any context; the vCPU picks the change up before it next enters.
 */
void kvmod_riscv_set_irq(struct kvmod_vcpu *vcpu, unsigned int irq, bool level)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;

	if (level)
		set_bit(irq, &a->irqs_pending);
	else
		clear_bit(irq, &a->irqs_pending);
	/* The value before the mask: the vCPU reads the mask first. */
	smp_mb__before_atomic();
	set_bit(irq, &a->irqs_pending_mask);
	if (level)
		kvmod_vcpu_kick(vcpu);
}

/*
 * With the AIA and no hardware guest file (hstatus.VGEIN 0), vstopi shows a
 * VS external interrupt only through hvictl: name IID 9 with priority 1
 * while VSEIP is pending, else priority 0 (none).
 */
static void write_hvictl(unsigned long hvip)
{
	unsigned long prio = (hvip & BIT(IRQ_VS_EXT)) ? 1 : 0;

	if (kvmod_riscv_has_ssaia)
		csr_write(CSR_HVICTL, (IRQ_S_EXT << HVICTL_IID_SHIFT) | prio);
}

/* Interrupts off, about to enter: hand new interrupt levels to hvip. */
static void flush_interrupts(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	unsigned long mask, val;

	if (!READ_ONCE(a->irqs_pending_mask))
		return;
	mask = xchg(&a->irqs_pending_mask, 0);
	val = READ_ONCE(a->irqs_pending) & mask;
	a->csr.hvip = (a->csr.hvip & ~mask) | val;
	csr_write(CSR_HVIP, a->csr.hvip);
	write_hvictl(a->csr.hvip);
}

/*
 * After an exit: the guest may have cleared its own software or counter
 * overflow interrupt; a level raised meanwhile (mask bit set) wins.
 */
static void sync_interrupts(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	unsigned long hvip = csr_read(CSR_HVIP);
	unsigned long changed = (a->csr.hvip ^ hvip) & KVMOD_GUEST_CLEARS;
	unsigned int irq;

	for_each_set_bit(irq, &changed, BITS_PER_LONG) {
		if (test_bit(irq, &a->irqs_pending_mask))
			continue;
		if (hvip & BIT(irq))
			set_bit(irq, &a->irqs_pending);
		else
			clear_bit(irq, &a->irqs_pending);
	}
	a->csr.hvip = hvip;
}

bool kvmod_arch_vcpu_runnable(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	unsigned long pending;

	/* Started or stopped: the run loop must look at once. */
	if (test_bit(KVMOD_REQ_POWER, &vcpu->requests))
		return true;
	if (kvmod_vcpu_stopped(vcpu))
		return false;
	pending = READ_ONCE(a->irqs_pending);
	if (kvmod_riscv_timer_pending(vcpu))
		pending |= BIT(IRQ_VS_TIMER);
	/* A hardware guest file signalled (hgei.c); the guest sees it as VSEIP. */
	if (READ_ONCE(a->imsic.hw_wake))
		pending |= BIT(IRQ_VS_EXT);
	/*
	 * vsie holds S-level enable bits, one below their VS-level ones;
	 * local interrupts (13 and up) keep their numbers.
	 */
	return pending & (KVMOD_HIDELEG | a->hvien) &
	       ((READ_ONCE(a->csr.vsie) << VSIP_TO_HVIP_SHIFT) |
		(READ_ONCE(a->csr.vsie) & ~GENMASK(IRQ_S_GEXT, 0)));
}

void kvmod_arch_vcpu_load(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	struct kvmod_riscv_csr *c = &a->csr;

	vcpu->cpu = smp_processor_id();
	/*
	 * Delegation and environment first: vsie and vsip are views masked
	 * by hideleg (and hvien), so on a CPU where it is still clear (no guest ran there
	 * yet) the guest's interrupt enables would be dropped.
	 */
	csr_write(CSR_HEDELEG, a->hedeleg);
	csr_write(CSR_HIDELEG, KVMOD_HIDELEG);
	if (kvmod_riscv_has_ssaia)
		csr_write(CSR_HVIEN, a->hvien);
	csr_write(CSR_HCOUNTEREN, a->hcounteren);
	csr_write(CSR_HENVCFG, a->henvcfg);
	/* Gates the guest opened so far (hstateen.c); sstateen0 is its own. */
	if (kvmod_riscv_has_smstateen) {
		csr_write(CSR_HSTATEEN0, a->hstateen0);
		a->host_sstateen0 = csr_swap(CSR_SSTATEEN0, c->sstateen0);
	}
	csr_write(CSR_VSSTATUS, c->vsstatus);
	csr_write(CSR_VSIE, c->vsie);
	csr_write(CSR_VSTVEC, c->vstvec);
	csr_write(CSR_VSSCRATCH, c->vsscratch);
	csr_write(CSR_VSEPC, c->vsepc);
	csr_write(CSR_VSCAUSE, c->vscause);
	csr_write(CSR_VSTVAL, c->vstval);
	csr_write(CSR_VSATP, c->vsatp);
	csr_write(CSR_HVIP, c->hvip);
	write_hvictl(c->hvip);
	kvmod_riscv_aia_load(vcpu);
	kvmod_riscv_imsic_load(vcpu);
	a->host_scounteren = csr_swap(CSR_SCOUNTEREN, c->scounteren);
	a->host_senvcfg = csr_swap(CSR_SENVCFG, c->senvcfg);
	kvmod_riscv_timer_load(vcpu);
	kvmod_riscv_gstage_load(vcpu);
	if (guest_has_fp(vcpu)) {
		kvmod_riscv_fp_save(&a->host_fp);
		kvmod_riscv_fp_restore(&a->fp);
	}
	kvmod_riscv_vector_load(vcpu);
}

void kvmod_arch_vcpu_put(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	struct kvmod_riscv_csr *c = &a->csr;

	if (guest_has_fp(vcpu)) {
		if ((a->sw.guest.sstatus & SR_FS) == SR_FS_DIRTY) {
			kvmod_riscv_fp_save(&a->fp);
			a->sw.guest.sstatus = (a->sw.guest.sstatus & ~SR_FS) |
					      SR_FS_CLEAN;
		}
		kvmod_riscv_fp_restore(&a->host_fp);
	}
	c->vsstatus = csr_read(CSR_VSSTATUS);
	c->vsie = csr_read(CSR_VSIE);
	c->vstvec = csr_read(CSR_VSTVEC);
	c->vsscratch = csr_read(CSR_VSSCRATCH);
	c->vsepc = csr_read(CSR_VSEPC);
	c->vscause = csr_read(CSR_VSCAUSE);
	c->vstval = csr_read(CSR_VSTVAL);
	c->vsatp = csr_read(CSR_VSATP);
	c->hvip = csr_read(CSR_HVIP);
	kvmod_riscv_aia_put(vcpu);
	kvmod_riscv_imsic_put(vcpu);
	c->scounteren = csr_swap(CSR_SCOUNTEREN, a->host_scounteren);
	c->senvcfg = csr_swap(CSR_SENVCFG, a->host_senvcfg);
	if (kvmod_riscv_has_smstateen)
		c->sstateen0 = csr_swap(CSR_SSTATEEN0, a->host_sstateen0);
	kvmod_riscv_timer_put(vcpu);
	/*
	 * Delegation stays: VS-level interrupts (vstimecmp, hvip) may stay
	 * pending and must never reach the host. hgatp stays: nothing uses it
	 * while V=0, and rewriting it costs a TLB flush on some
	 * implementations (QEMU's among them).
	 */
	vcpu->cpu = -1;
}

/**
 * kvmod_riscv_redirect_trap() - deliver an exception to the guest
 * @vcpu: the loaded vCPU whose last exit caused it
 * @cause: exception code
 * @tval: value for vstval
 *
 * Does what the hardware does for a trap into VS-mode.
 */
void kvmod_riscv_redirect_trap(struct kvmod_vcpu *vcpu, unsigned long cause,
			       unsigned long tval)
{
	struct kvmod_riscv_context *g = &vcpu->arch.sw.guest;
	unsigned long vsstatus = csr_read(CSR_VSSTATUS);

	/* What the guest's firmware counters call trap handling. */
	if (cause == EXC_INST_ILLEGAL)
		kvmod_riscv_pmu_fw_event(vcpu, SBI_PMU_FW_ILLEGAL_INSN);
	else if (cause == EXC_LOAD_ACCESS)
		kvmod_riscv_pmu_fw_event(vcpu, SBI_PMU_FW_ACCESS_LOAD);
	else if (cause == EXC_STORE_ACCESS)
		kvmod_riscv_pmu_fw_event(vcpu, SBI_PMU_FW_ACCESS_STORE);

	vsstatus &= ~(SR_SPP | SR_SPIE);
	if (g->sstatus & SR_SPP)
		vsstatus |= SR_SPP;
	if (vsstatus & SR_SIE)
		vsstatus |= SR_SPIE;
	vsstatus &= ~SR_SIE;
	csr_write(CSR_VSSTATUS, vsstatus);
	csr_write(CSR_VSCAUSE, cause);
	csr_write(CSR_VSTVAL, tval);
	csr_write(CSR_VSEPC, g->regs.pc);
	/* Exceptions always use the base address, even in vectored mode. */
	g->regs.pc = csr_read(CSR_VSTVEC) & ~3UL;
	g->sstatus |= SR_SPP;
}

bool kvmod_arch_vcpu_enter(struct kvmod_vcpu *vcpu)
{
	flush_interrupts(vcpu);
	kvmod_riscv_vector_enter(vcpu);
	kvmod_riscv_switch_to_guest(&vcpu->arch.sw);
	kvmod_riscv_vector_exit(vcpu);
	sync_interrupts(vcpu);
	return vcpu->arch.sw.scause & CAUSE_IRQ_FLAG;
}

/* An HSM start: the entry point in pc, its opaque argument in a1. */
void kvmod_arch_vcpu_reset(struct kvmod_vcpu *vcpu, unsigned long pc,
			   unsigned long arg)
{
	vcpu_reset(vcpu, pc, arg);
}

void kvmod_arch_vcpu_requests(struct kvmod_vcpu *vcpu)
{
	if (kvmod_check_request(KVMOD_REQ_STEAL_UPDATE, vcpu))
		kvmod_riscv_sta_record(vcpu);
	if (kvmod_check_request(KVMOD_REQ_PMU_OVERFLOW, vcpu))
		kvmod_riscv_pmu_handle_overflow(vcpu);
}

int kvmod_arch_vcpu_run_prepare(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;

	a->henvcfg = guest_henvcfg(vcpu);
	/* Once per vCPU lifetime (resets keep opened gates): the ISA is fixed now. */
	if (!a->hstateen_set) {
		a->hstateen0 = kvmod_riscv_hstateen_initial(vcpu);
		a->hstateen_set = true;
		/* Extensions userspace turned off since creation: off for real. */
		set_unit_enables(vcpu);
	}
	a->hvien = guest_hvien(vcpu);
	a->hcounteren = kvmod_riscv_pmu_hcounteren(vcpu);
	/* The thread may have waited since the last KVM_RUN. */
	kvmod_make_request(KVMOD_REQ_STEAL_UPDATE, vcpu);
	return 0;
}

static long vcpu_interrupt(struct kvmod_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq == KVM_INTERRUPT_SET)
		kvmod_riscv_set_irq(vcpu, IRQ_VS_EXT, true);
	else if (irq.irq == KVM_INTERRUPT_UNSET)
		kvmod_riscv_set_irq(vcpu, IRQ_VS_EXT, false);
	else
		return -EINVAL;
	return 0;
}

static long vcpu_set_guest_debug(struct kvmod_vcpu *vcpu, void __user *argp)
{
	struct kvm_guest_debug dbg;

	if (copy_from_user(&dbg, argp, sizeof(dbg)))
		return -EFAULT;
	if (dbg.control & ~KVM_GUESTDBG_ENABLE)
		return -EINVAL;
	/* With debugging on, ebreak exits to userspace instead of the guest. */
	vcpu->arch.guest_debug = dbg.control & KVM_GUESTDBG_ENABLE;
	if (vcpu->arch.guest_debug)
		vcpu->arch.hedeleg = KVMOD_HEDELEG & ~BIT(EXC_BREAKPOINT);
	else
		vcpu->arch.hedeleg = KVMOD_HEDELEG;
	return 0;
}

long kvmod_arch_vcpu_async_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
				 unsigned long arg)
{
	/* kvmod_riscv_set_irq() is atomic and kicks: no mutex needed. */
	if (ioctl == KVM_INTERRUPT)
		return vcpu_interrupt(vcpu, (void __user *)arg);
	return -ENOIOCTLCMD;
}

long kvmod_arch_vcpu_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_SET_GUEST_DEBUG:
		return vcpu_set_guest_debug(vcpu, argp);
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG:
	case KVM_GET_REG_LIST:
		return kvmod_riscv_vcpu_onereg_ioctl(vcpu, ioctl, argp);
	default:
		return -EINVAL;
	}
}
