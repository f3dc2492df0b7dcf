// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest loads and stores outside memory, once the architecture has decoded
 * them: a store to a coalesced zone is queued in the ring, an access an
 * in-kernel range takes (interrupt controllers, ioeventfds) completes at
 * once, anything else becomes KVM_EXIT_MMIO and completes on the next
 * KVM_RUN with the data userspace left in kvm_run. Either way the
 * architecture finishes the instruction in kvmod_arch_mmio_complete().
 */

#include <linux/kvmod_host.h>

/* The access userspace emulated: a load takes the bytes it left in kvm_run. */
static int mmio_finish(struct kvmod_vcpu *vcpu)
{
	kvmod_arch_mmio_complete(vcpu, vcpu->run->mmio.data);
	return KVMOD_EXIT_GUEST;
}

/**
 * kvmod_mmio_access() - emulate a decoded guest access outside memory
 * @vcpu: the vCPU, in its exit handler; the architecture has recorded
 *	what kvmod_arch_mmio_complete() needs to finish the instruction
 * @gpa: guest physical address
 * @len: 1, 2, 4 or 8 bytes
 * @write: a store of @data, else a load
 * @data: the store's little-endian bytes; scratch space for a load
 *
 * Return: false when the access completed in the kernel (and
 * kvmod_arch_mmio_complete() ran); true when kvm_run holds a
 * KVM_EXIT_MMIO for userspace, completed on the next KVM_RUN.
 */
bool kvmod_mmio_access(struct kvmod_vcpu *vcpu, u64 gpa, unsigned int len,
		       bool write, void *data)
{
	struct kvm_run *run = vcpu->run;

	if ((write && kvmod_coalesced_mmio_write(vcpu->vm, gpa, len, data)) ||
	    kvmod_io_bus_access(vcpu, gpa, len, write, data)) {
		vcpu->stat.mmio_exit_kernel++;
		kvmod_arch_mmio_complete(vcpu, data);
		return false;
	}
	vcpu->stat.mmio_exit_user++;
	kvmod_vcpu_defer(vcpu, KVMOD_DEFER_USER, mmio_finish);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, data, len);
	return true;
}
