// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's supervisor timer.
 *
 * Guest time is host time plus a per-VM offset (htimedelta). With Sstc the
 * deadline lives in vstimecmp while the vCPU is loaded and the hardware
 * raises VSTIP itself; an hrtimer is armed only to wake a halted vCPU.
 * Without Sstc the hrtimer raises VSTIP (through hvip) when the deadline
 * the guest set with SBI set_timer passes.
 */

#include <linux/hrtimer.h>
#include <linux/kvmod_host.h>
#include <linux/math64.h>
#include <asm/csr.h>
#include <asm/delay.h>
#include <asm/timex.h>

#include "riscv.h"

/**
 * kvmod_riscv_guest_time() - the time CSR as the guest reads it now
 * @vm: the VM
 *
 * Return: host time plus the VM's offset, in timebase ticks.
 */
u64 kvmod_riscv_guest_time(struct kvmod_vm *vm)
{
	return get_cycles64() + vm->arch.time_delta;
}

/* Rounded up: an hrtimer must not expire before the tick it stands for. */
static u64 ticks_to_ns(u64 ticks)
{
	return mul_u64_u64_div_u64(ticks, NSEC_PER_SEC, riscv_timebase) + 1;
}

static enum hrtimer_restart kvmod_riscv_timer_fn(struct hrtimer *hrt)
{
	struct kvmod_riscv_timer *t = container_of(hrt, struct kvmod_riscv_timer, hrt);
	struct kvmod_vcpu *vcpu = container_of(t, struct kvmod_vcpu, arch.timer);
	u64 now = kvmod_riscv_guest_time(vcpu->vm);

	/*
	 * The monotonic clock and the time CSR may disagree by a rounding
	 * step. Early, a halted vCPU would find no timer pending and sleep
	 * on with nothing left to wake it: wait for the deadline instead.
	 * The deadline is stable here: the vCPU changes it only after
	 * cancelling this timer.
	 */
	if (t->compare > now) {
		hrtimer_forward_now(hrt, ns_to_ktime(ticks_to_ns(t->compare - now)));
		return HRTIMER_RESTART;
	}
	if (!kvmod_riscv_has_sstc)
		kvmod_riscv_set_irq(vcpu, IRQ_VS_TIMER, true);
	else
		kvmod_vcpu_kick(vcpu);
	return HRTIMER_NORESTART;
}

/* Start the hrtimer for the current deadline, or raise VSTIP at once. */
static void arm_hrtimer(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_timer *t = &vcpu->arch.timer;
	u64 now = kvmod_riscv_guest_time(vcpu->vm);

	if (t->compare <= now) {
		if (!kvmod_riscv_has_sstc)
			kvmod_riscv_set_irq(vcpu, IRQ_VS_TIMER, true);
		return;
	}
	hrtimer_start(&t->hrt, ns_to_ktime(ticks_to_ns(t->compare - now)),
		      HRTIMER_MODE_REL);
}

/**
 * kvmod_riscv_timer_armed() - whether the guest has a deadline set
 * @vcpu: the vCPU
 *
 * Return: true unless the compare value is the "never" value U64_MAX.
 */
bool kvmod_riscv_timer_armed(const struct kvmod_vcpu *vcpu)
{
	return vcpu->arch.timer.compare != U64_MAX;
}

/**
 * kvmod_riscv_timer_init() - a new vCPU's timer, not armed
 * @vcpu: the vCPU
 */
void kvmod_riscv_timer_init(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_timer *t = &vcpu->arch.timer;

	hrtimer_init(&t->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	t->hrt.function = kvmod_riscv_timer_fn;
	t->compare = U64_MAX;
}

/**
 * kvmod_riscv_timer_destroy() - stop the timer of a vCPU going away
 * @vcpu: the vCPU
 */
void kvmod_riscv_timer_destroy(struct kvmod_vcpu *vcpu)
{
	hrtimer_cancel(&vcpu->arch.timer.hrt);
}

/**
 * kvmod_riscv_timer_set() - program the guest's next timer deadline
 * @vcpu: the vCPU; loaded when called from an SBI call, not from ONE_REG
 * @compare: guest time of the interrupt; U64_MAX disarms
 *
 * As the SBI specification says, this also clears a pending timer
 * interrupt until the new deadline passes.
 */
void kvmod_riscv_timer_set(struct kvmod_vcpu *vcpu, u64 compare)
{
	struct kvmod_riscv_timer *t = &vcpu->arch.timer;

	t->compare = compare;
	if (kvmod_riscv_has_sstc) {
		if (vcpu->cpu >= 0 && vcpu->cpu == raw_smp_processor_id())
			csr_write(CSR_VSTIMECMP, compare);
		return;
	}
	hrtimer_cancel(&t->hrt);
	kvmod_riscv_set_irq(vcpu, IRQ_VS_TIMER, false);
	if (kvmod_riscv_timer_armed(vcpu))
		arm_hrtimer(vcpu);
}

/**
 * kvmod_riscv_timer_load() - give the CPU the guest's time and deadline
 * @vcpu: the vCPU being loaded
 */
void kvmod_riscv_timer_load(struct kvmod_vcpu *vcpu)
{
	csr_write(CSR_HTIMEDELTA, vcpu->vm->arch.time_delta);
	if (kvmod_riscv_has_sstc)
		csr_write(CSR_VSTIMECMP, vcpu->arch.timer.compare);
}

/**
 * kvmod_riscv_timer_put() - take the deadline back from the CPU
 * @vcpu: the vCPU being unloaded
 */
void kvmod_riscv_timer_put(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_timer *t = &vcpu->arch.timer;

	if (kvmod_riscv_has_sstc) {
		/* The guest writes vstimecmp directly. */
		t->compare = csr_read(CSR_VSTIMECMP);
	}
}

/**
 * kvmod_riscv_timer_pending() - whether the guest's timer interrupt is due
 * @vcpu: the vCPU, not loaded
 *
 * Return: true when VSTIP is (or would be) set.
 */
bool kvmod_riscv_timer_pending(struct kvmod_vcpu *vcpu)
{
	if (kvmod_riscv_has_sstc)
		return vcpu->arch.timer.compare <= kvmod_riscv_guest_time(vcpu->vm);
	return test_bit(IRQ_VS_TIMER, &vcpu->arch.irqs_pending);
}

/*
 * The halt hooks: the guest timer is all a halted RISC-V vCPU hands to the
 * host. With Sstc the deadline lives in vstimecmp, which nothing watches
 * while the vCPU sleeps: an hrtimer stands in for it.
 */
void kvmod_arch_vcpu_blocking(struct kvmod_vcpu *vcpu)
{
	/* Without Sstc the hrtimer is running whenever a deadline is set. */
	if (kvmod_riscv_has_sstc && kvmod_riscv_timer_armed(vcpu))
		arm_hrtimer(vcpu);
}

void kvmod_arch_vcpu_unblocking(struct kvmod_vcpu *vcpu)
{
	if (kvmod_riscv_has_sstc)
		hrtimer_cancel(&vcpu->arch.timer.hrt);
}
