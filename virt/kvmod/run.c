// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN: the loop every architecture shares, the kick that makes a vCPU
 * leave the guest, halting, and the deferred-exit queue.
 *
 * Without preempt notifiers (only KVM selects them) a vCPU's registers are
 * on the CPU only inside a preemption-disabled stretch of KVM_RUN: loaded,
 * entered as often as exits can be handled there, then put back before
 * anything that may sleep. An exit handler that has to sleep (fault guest
 * memory in, halt, read a perf counter) queues the work and returns
 * %KVMOD_EXIT_SLOW; the loop puts the vCPU and runs the queue.
 *
 * The queue runs in the order of enum kvmod_defer, whatever order the work
 * was queued in: first the completion of an exit userspace handled (at the
 * start of the next KVM_RUN, before kvm_run.immediate_exit is looked at, as
 * upstream completes), then a stage-2 fault, then other work that sleeps,
 * and halting last, so that work queued before it may make the vCPU
 * runnable. A step is dequeued before it runs; one that does not return
 * %KVMOD_EXIT_GUEST ends the pass, and the later steps stay queued for the
 * next pass (the next KVM_RUN's, at the latest).
 */

#include <linux/context_tracking.h>
#include <linux/kvmod_host.h>
#include <linux/preempt.h>
#include <linux/sched/signal.h>
#include <linux/vtime.h>
#include <kunit/visibility.h>

/**
 * kvmod_vcpu_defer() - queue exit work that must run with the vCPU put
 * @vcpu: the vCPU, in an exit handler on its own thread
 * @step: where the work runs in the queue's order
 * @fn: the work; returns what an exit handler returns, never
 *	%KVMOD_EXIT_SLOW
 *
 * One piece of work per step: a second one for a busy step is a bug and
 * replaces the first.
 *
 * Return: what the exit handler returns next: %KVMOD_EXIT_USER for
 * %KVMOD_DEFER_USER (kvm_run already describes the exit), else
 * %KVMOD_EXIT_SLOW.
 */
int kvmod_vcpu_defer(struct kvmod_vcpu *vcpu, enum kvmod_defer step,
		     kvmod_defer_fn fn)
{
	WARN_ON_ONCE(test_bit(step, &vcpu->deferred) && vcpu->defer_fn[step] != fn);
	vcpu->defer_fn[step] = fn;
	__set_bit(step, &vcpu->deferred);
	return step == KVMOD_DEFER_USER ? KVMOD_EXIT_USER : KVMOD_EXIT_SLOW;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_vcpu_defer);

/**
 * kvmod_vcpu_run_deferred() - run the queued exit work in its order
 * @vcpu: the vCPU, put, preemptible, on its own thread
 *
 * Return: %KVMOD_EXIT_GUEST once the queue is empty; otherwise what the
 * step that ended the pass returned (%KVMOD_EXIT_USER or an errno).
 */
int kvmod_vcpu_run_deferred(struct kvmod_vcpu *vcpu)
{
	unsigned long step;
	int r;

	while (vcpu->deferred) {
		step = __ffs(vcpu->deferred);
		__clear_bit(step, &vcpu->deferred);
		r = vcpu->defer_fn[step](vcpu);
		if (r != KVMOD_EXIT_GUEST)
			return r;
	}
	return KVMOD_EXIT_GUEST;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_vcpu_run_deferred);

/**
 * kvmod_vcpu_cancel_deferred() - forget all queued exit work (vCPU reset)
 * @vcpu: the vCPU, on its own thread or with its mutex held
 */
void kvmod_vcpu_cancel_deferred(struct kvmod_vcpu *vcpu)
{
	vcpu->deferred = 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_vcpu_cancel_deferred);

static int halt_step(struct kvmod_vcpu *vcpu)
{
	int r = kvmod_vcpu_halt(vcpu);

	return r ? r : KVMOD_EXIT_GUEST;
}

/**
 * kvmod_vcpu_defer_halt() - halt once the vCPU is put (WFI, a suspend)
 * @vcpu: the vCPU, in an exit handler, its guest already past the
 *	instruction that halts
 *
 * A signal ends the halt early, which the architectures allow.
 *
 * Return: %KVMOD_EXIT_SLOW.
 */
int kvmod_vcpu_defer_halt(struct kvmod_vcpu *vcpu)
{
	return kvmod_vcpu_defer(vcpu, KVMOD_DEFER_HALT, halt_step);
}

/**
 * kvmod_vcpu_kick() - make a vCPU notice new requests or interrupts
 * @vcpu: the vCPU
 *
 * Wakes it when halted; interrupts the guest when it runs on another CPU.
 */
void kvmod_vcpu_kick(struct kvmod_vcpu *vcpu)
{
	int cpu;

	rcuwait_wake_up(&vcpu->wait);

	/*
	 * Only a vCPU in the guest needs an IPI: one outside it checks its
	 * requests, with interrupts off, after setting IN_GUEST_MODE.
	 */
	if (cmpxchg(&vcpu->mode, KVMOD_IN_GUEST_MODE,
		    KVMOD_EXITING_GUEST_MODE) != KVMOD_IN_GUEST_MODE)
		return;
	/*
	 * Any interrupt makes the guest exit. An asynchronous function call
	 * may be sent from any context, timers included; one in flight is
	 * enough, and the bit keeps the csd to one sender at a time.
	 */
	cpu = READ_ONCE(vcpu->cpu);
	preempt_disable();
	if (cpu >= 0 && cpu != smp_processor_id() &&
	    !test_and_set_bit(0, &vcpu->kick_inflight) &&
	    smp_call_function_single_async(cpu, &vcpu->kick_csd))
		clear_bit(0, &vcpu->kick_inflight);
	preempt_enable();
}

static void kvmod_vcpu_kick_sync_fn(void *info)
{
}

/**
 * kvmod_vcpu_kick_sync() - make a vCPU leave the guest, and wait for it
 * @vcpu: the vCPU, which has a request pending that must be handled
 *	before it runs guest code again (a TLB flush, say)
 *
 * Returns once @vcpu is outside the guest; it then handles its requests
 * before it enters again. Needs interrupts enabled.
 */
void kvmod_vcpu_kick_sync(struct kvmod_vcpu *vcpu)
{
	int cpu;

	rcuwait_wake_up(&vcpu->wait);
	if (cmpxchg(&vcpu->mode, KVMOD_IN_GUEST_MODE,
		    KVMOD_EXITING_GUEST_MODE) == KVMOD_OUTSIDE_GUEST_MODE)
		return;
	/* In the guest, or just kicked by someone else: wait for the exit. */
	cpu = READ_ONCE(vcpu->cpu);
	preempt_disable();
	if (cpu >= 0 && cpu != smp_processor_id() &&
	    READ_ONCE(vcpu->mode) != KVMOD_OUTSIDE_GUEST_MODE)
		smp_call_function_single(cpu, kvmod_vcpu_kick_sync_fn, NULL, 1);
	preempt_enable();
}

/* The interrupt is the message: the guest has exited once this runs. */
static void kvmod_vcpu_kick_fn(void *info)
{
	struct kvmod_vcpu *vcpu = info;

	clear_bit_unlock(0, &vcpu->kick_inflight);
}

/**
 * kvmod_vcpu_run_init() - prepare a new vCPU's kick and halt machinery
 * @vcpu: the vCPU, not yet published
 */
void kvmod_vcpu_run_init(struct kvmod_vcpu *vcpu)
{
	rcuwait_init(&vcpu->wait);
	INIT_CSD(&vcpu->kick_csd, kvmod_vcpu_kick_fn, vcpu);
}

/**
 * kvmod_vcpu_exit_pending() - whether the vCPU thread must leave the guest
 * @vcpu: the vCPU, called by its own thread
 *
 * Return: true on a pending request, signal or reschedule.
 */
bool kvmod_vcpu_exit_pending(struct kvmod_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests) || signal_pending(current) ||
	       need_resched();
}

/**
 * kvmod_vcpu_halt() - sleep until the vCPU has something to do
 * @vcpu: the vCPU, called by its own thread outside the guest
 *
 * Requests that can wait for the next entry (TLB flushes, say) do not end
 * the sleep: kvmod_arch_vcpu_runnable() says what does. The guest's timer
 * keeps running meanwhile: kvmod_arch_vcpu_blocking() hands it to the
 * host, kvmod_arch_vcpu_unblocking() takes it back.
 *
 * Return: 0 when the vCPU became runnable; -EINTR on a signal.
 */
int kvmod_vcpu_halt(struct kvmod_vcpu *vcpu)
{
	ktime_t start = ktime_get();
	int r;

	WRITE_ONCE(vcpu->stat.blocking, 1);
	kvmod_arch_vcpu_blocking(vcpu);
	r = rcuwait_wait_event(&vcpu->wait, kvmod_arch_vcpu_runnable(vcpu),
			       TASK_INTERRUPTIBLE);
	kvmod_arch_vcpu_unblocking(vcpu);
	WRITE_ONCE(vcpu->stat.blocking, 0);
	vcpu->stat.halt_wait_ns += ktime_to_ns(ktime_sub(ktime_get(), start));
	if (!r)
		vcpu->stat.halt_wakeup++;
	return r;
}

/* Requests every architecture has, then the architecture's own. */
static void handle_requests(struct kvmod_vcpu *vcpu)
{
	unsigned long pc, arg;

	/* Power changes need no work here: the loop looks at the state. */
	kvmod_check_request(KVMOD_REQ_POWER, vcpu);
	if (kvmod_vcpu_take_reset(vcpu, &pc, &arg))
		kvmod_arch_vcpu_reset(vcpu, pc, arg);
	kvmod_arch_vcpu_requests(vcpu);
}

/*
 * Guest time is guest time: PF_VCPU (or the vtime state) while the guest
 * runs, and an RCU quiescent state, as for a return to user mode.
 */
static __always_inline void guest_time_enter(void)
{
	vtime_account_guest_enter();
	if (!context_tracking_guest_enter())
		rcu_virt_note_context_switch();
}

static __always_inline void guest_context_exit(void)
{
	if (!context_tracking_guest_exit())
		rcu_virt_note_context_switch();
}

/* Enter and handle exits while nothing needs to sleep or reschedule. */
static int run_loaded(struct kvmod_vcpu *vcpu)
{
	bool host_irq;
	int r;

	for (;;) {
		local_irq_disable();
		WRITE_ONCE(vcpu->mode, KVMOD_IN_GUEST_MODE);
		/* Pairs with the cmpxchg in kvmod_vcpu_kick(). */
		smp_mb();
		if (kvmod_vcpu_exit_pending(vcpu)) {
			WRITE_ONCE(vcpu->mode, KVMOD_OUTSIDE_GUEST_MODE);
			local_irq_enable();
			return KVMOD_EXIT_SLOW;
		}
		guest_time_enter();
		host_irq = kvmod_arch_vcpu_enter(vcpu);
		guest_context_exit();
		WRITE_ONCE(vcpu->mode, KVMOD_OUTSIDE_GUEST_MODE);
		vcpu->stat.exits++;
		/*
		 * A host interrupt that made the guest exit is taken while
		 * still counted as guest time: a tick during the guest.
		 */
		if (host_irq) {
			local_irq_enable();
			local_irq_disable();
		}
		vtime_account_guest_exit();
		local_irq_enable();

		r = kvmod_arch_vcpu_handle_exit(vcpu);
		if (r != KVMOD_EXIT_GUEST)
			return r;
	}
}

static int run_loop(struct kvmod_vcpu *vcpu)
{
	int r;

	for (;;) {
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
		handle_requests(vcpu);
		if (kvmod_vcpu_stopped(vcpu)) {
			r = kvmod_vcpu_halt(vcpu);
			if (r)
				return r;
			continue;
		}

		preempt_disable();
		kvmod_arch_vcpu_load(vcpu);
		r = run_loaded(vcpu);
		kvmod_arch_vcpu_put(vcpu);
		preempt_enable();

		if (r == KVMOD_EXIT_SLOW)
			r = kvmod_vcpu_run_deferred(vcpu);
		if (r <= 0)
			return r;
	}
}

/**
 * kvmod_vcpu_ioctl_run() - KVM_RUN
 * @vcpu: the vCPU, with its mutex held
 * @arg: must be 0
 *
 * Completes the exit userspace handled, then runs the guest until
 * userspace must act. Signals and kvm_run.immediate_exit end the run with
 * %KVM_EXIT_INTR and -EINTR.
 *
 * Return: 0 with kvm_run describing the exit, or a negative errno.
 */
long kvmod_vcpu_ioctl_run(struct kvmod_vcpu *vcpu, unsigned long arg)
{
	sigset_t saved;
	int r;

	if (arg)
		return -EINVAL;
	vcpu->ran_once = true;
	/* Signals the VMM unblocks only for the guest's time (a kick, say). */
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &saved);

	r = kvmod_vcpu_run_deferred(vcpu);
	if (r == KVMOD_EXIT_GUEST && READ_ONCE(vcpu->run->immediate_exit__unsafe))
		r = -EINTR;
	if (r == KVMOD_EXIT_GUEST) {
		vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
		r = kvmod_arch_vcpu_run_prepare(vcpu);
		if (!r)
			r = run_loop(vcpu);
	}

	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &saved, NULL);
	/*
	 * Interrupted by a signal; an immediate exit leaves the last exit
	 * in place, so a VMM may look at it again (selftests' ucalls do).
	 */
	if (r == -EINTR && !READ_ONCE(vcpu->run->immediate_exit__unsafe)) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		vcpu->stat.signal_exits++;
	}
	return r;
}
