// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMIDs: the tag that keeps one VM's stage-2 (and, on RISC-V, VS-stage)
 * TLB entries apart from another's. Each VM gets its own while the
 * hardware has enough; past that, VMs share VMID 0 and a CPU flushes all
 * of VMID 0's entries whenever the VM using it there changes. A vCPU
 * loaded on a CPU where another vCPU of the same VM ran last must also
 * flush what is tagged per VM but private to a vCPU (guest-virtual
 * translations on RISC-V, arm64 too with VHE's shared EL1 regime). Both
 * decisions use serial numbers, never reused, instead of pointers that a
 * new VM or vCPU could be given again.
 */

#include <kunit/visibility.h>
#include <linux/atomic.h>
#include <linux/idr.h>
#include <linux/kvmod_host.h>
#include <linux/percpu.h>

static DEFINE_IDA(kvmod_vmid_ida);
static atomic64_t kvmod_serial = ATOMIC64_INIT(0);

/* Which vCPU, and which VM sharing VMID 0, last ran on each CPU. */
static DEFINE_PER_CPU(u64, kvmod_last_vcpu);
static DEFINE_PER_CPU(u64, kvmod_last_shared_vm);

/**
 * kvmod_new_serial() - a number no vCPU or VM had before
 *
 * Return: the number; per-CPU "who ran last" records compare these.
 */
u64 kvmod_new_serial(void)
{
	return atomic64_inc_return(&kvmod_serial);
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_new_serial);

/**
 * kvmod_vmid_alloc() - a VMID for a new VM
 * @vm: the VM; sets @vm->vmid and @vm->serial
 * @bits: VMID bits the hardware implements (0: none, every VM shares 0)
 *
 * Never fails: when the VMIDs run out the VM shares VMID 0, which costs
 * flushes (kvmod_vmid_load()) but not correctness.
 */
void kvmod_vmid_alloc(struct kvmod_vm *vm, unsigned int bits)
{
	int id = 0;

	if (bits)
		id = ida_alloc_range(&kvmod_vmid_ida, 1, BIT(bits) - 1, GFP_KERNEL);
	vm->vmid = id > 0 ? id : 0;
	vm->serial = kvmod_new_serial();
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_vmid_alloc);

/**
 * kvmod_vmid_free() - give a dead VM's VMID back
 * @vm: the VM, whose translations are flushed everywhere already
 */
void kvmod_vmid_free(struct kvmod_vm *vm)
{
	if (vm->vmid)
		ida_free(&kvmod_vmid_ida, vm->vmid);
	vm->vmid = 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_vmid_free);

/**
 * kvmod_vmid_load() - what this CPU must flush before running @vcpu
 * @vcpu: the vCPU being loaded, preemption disabled
 *
 * Return: %KVMOD_FLUSH_VMID when another VM used the shared VMID 0 here
 * since @vcpu's VM did (flush every entry of VMID 0), and/or
 * %KVMOD_FLUSH_VCPU when another vCPU ran here last (flush the per-vCPU
 * entries of the VMID); 0 when nothing needs flushing.
 */
unsigned int kvmod_vmid_load(struct kvmod_vcpu *vcpu)
{
	struct kvmod_vm *vm = vcpu->vm;
	unsigned int flush = 0;

	if (!vm->vmid && __this_cpu_read(kvmod_last_shared_vm) != vm->serial) {
		__this_cpu_write(kvmod_last_shared_vm, vm->serial);
		flush |= KVMOD_FLUSH_VMID | KVMOD_FLUSH_VCPU;
	}
	if (__this_cpu_read(kvmod_last_vcpu) != vcpu->serial) {
		__this_cpu_write(kvmod_last_vcpu, vcpu->serial);
		flush |= KVMOD_FLUSH_VCPU;
	}
	return flush;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_vmid_load);
