// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU power state: running or stopped (KVM_MP_STATE_RUNNABLE / STOPPED),
 * changed by userspace (KVM_SET_MP_STATE), by the guest's firmware calls
 * (SBI HSM on RISC-V, PSCI on arm64: start at an entry point with one
 * argument, stop, system reset and off) and read by both. A stopped vCPU
 * sleeps in KVM_RUN until started. The start's entry point travels to the
 * vCPU's own thread in KVMOD_REQ_RESET, which loads the architecture's
 * reset state before the vCPU runs again.
 */

#include <linux/kvmod_host.h>
#include <linux/uaccess.h>

/**
 * kvmod_vcpu_stopped() - whether a vCPU is stopped
 * @vcpu: the vCPU
 *
 * Return: true while it is KVM_MP_STATE_STOPPED.
 */
bool kvmod_vcpu_stopped(struct kvmod_vcpu *vcpu)
{
	return READ_ONCE(vcpu->power_off);
}

/* Make the vCPU thread look at its power state now, wherever it is. */
static void power_changed(struct kvmod_vcpu *vcpu)
{
	kvmod_make_request(KVMOD_REQ_POWER, vcpu);
	kvmod_vcpu_kick(vcpu);
}

/**
 * kvmod_vcpu_power_off() - stop a vCPU; it sleeps until started
 * @vcpu: the vCPU; any thread
 */
void kvmod_vcpu_power_off(struct kvmod_vcpu *vcpu)
{
	spin_lock(&vcpu->power_lock);
	WRITE_ONCE(vcpu->power_off, true);
	spin_unlock(&vcpu->power_lock);
	power_changed(vcpu);
}

/**
 * kvmod_vcpu_start() - start a stopped vCPU at an entry point
 * @vcpu: the vCPU; any thread
 * @pc: where it starts
 * @arg: the argument it starts with (the architecture's calling
 *	convention says in which register)
 *
 * Return: 0; -EALREADY when it is not stopped (nothing changes).
 */
int kvmod_vcpu_start(struct kvmod_vcpu *vcpu, unsigned long pc, unsigned long arg)
{
	spin_lock(&vcpu->power_lock);
	if (!READ_ONCE(vcpu->power_off)) {
		spin_unlock(&vcpu->power_lock);
		return -EALREADY;
	}
	vcpu->reset_pc = pc;
	vcpu->reset_arg = arg;
	/* The entry point before the request; kvmod_make_request() orders. */
	kvmod_make_request(KVMOD_REQ_RESET, vcpu);
	WRITE_ONCE(vcpu->power_off, false);
	spin_unlock(&vcpu->power_lock);
	power_changed(vcpu);
	return 0;
}

/**
 * kvmod_vcpu_take_reset() - a pending start's entry point
 * @vcpu: the vCPU, on its own thread
 * @pc: receives the entry point
 * @arg: receives the argument
 *
 * Return: true when a start asked for a reset (now taken), false when none.
 */
bool kvmod_vcpu_take_reset(struct kvmod_vcpu *vcpu, unsigned long *pc,
			   unsigned long *arg)
{
	if (!kvmod_check_request(KVMOD_REQ_RESET, vcpu))
		return false;
	spin_lock(&vcpu->power_lock);
	*pc = vcpu->reset_pc;
	*arg = vcpu->reset_arg;
	spin_unlock(&vcpu->power_lock);
	return true;
}

/**
 * kvmod_vcpu_ioctl_mp_state() - KVM_GET_MP_STATE and KVM_SET_MP_STATE
 * @vcpu: the vCPU, with its mutex held
 * @ioctl: which of the two
 * @argp: the struct kvm_mp_state
 *
 * Return: 0; -EFAULT; -EINVAL for a state other than RUNNABLE or STOPPED.
 */
long kvmod_vcpu_ioctl_mp_state(struct kvmod_vcpu *vcpu, unsigned int ioctl,
			       void __user *argp)
{
	struct kvm_mp_state mp;

	lockdep_assert_held(&vcpu->mutex);
	if (ioctl == KVM_GET_MP_STATE) {
		mp.mp_state = kvmod_vcpu_stopped(vcpu) ? KVM_MP_STATE_STOPPED :
			      KVM_MP_STATE_RUNNABLE;
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	}
	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	if (mp.mp_state != KVM_MP_STATE_RUNNABLE && mp.mp_state != KVM_MP_STATE_STOPPED)
		return -EINVAL;
	/* The vCPU thread is not in KVM_RUN: we hold its mutex. */
	spin_lock(&vcpu->power_lock);
	WRITE_ONCE(vcpu->power_off, mp.mp_state == KVM_MP_STATE_STOPPED);
	spin_unlock(&vcpu->power_lock);
	return 0;
}

/**
 * kvmod_vm_system_event() - the guest asked for a system power-off or reset
 * @vcpu: the vCPU that asked, on its own thread
 * @type: KVM_SYSTEM_EVENT_*
 * @data: words for kvm_run.system_event.data (the reason, say)
 * @ndata: how many; more than kvm_run holds are dropped
 *
 * Every vCPU of the VM stops; kvm_run tells the VMM, whose decision what
 * happens next is. The caller returns to userspace.
 */
void kvmod_vm_system_event(struct kvmod_vcpu *vcpu, u32 type, const u64 *data,
			   unsigned int ndata)
{
	struct kvm_run *run = vcpu->run;
	struct kvmod_vcpu *t;
	unsigned long i;

	xa_for_each(&vcpu->vm->vcpus, i, t)
		kvmod_vcpu_power_off(t);
	memset(&run->system_event, 0, sizeof(run->system_event));
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = type;
	run->system_event.ndata = min_t(unsigned int, ndata,
					ARRAY_SIZE(run->system_event.data));
	memcpy(run->system_event.data, data,
	       run->system_event.ndata * sizeof(run->system_event.data[0]));
}
