// SPDX-License-Identifier: GPL-2.0-only
/*
 * SBI STA (steal-time accounting): the guest names a 64-byte area of its
 * memory and the hypervisor keeps the time the vCPU was runnable but not
 * running there, as the host scheduler measured it (sched_info.run_delay).
 * Updates follow the spec's protocol: sequence odd while writing.
 */

#include <linux/kvmod_host.h>
#include <linux/sched.h>
#include <asm/sbi.h>

#include "riscv.h"

#define STA_SHMEM_INVALID	(-1UL)

/* Offsets in struct sbi_sta_struct (SBI 2.0, chapter 16). */
#define STA_SEQUENCE		0
#define STA_STEAL		8

/**
 * kvmod_riscv_sta_available() - whether the host can account steal time
 *
 * Return: true when the scheduler tracks run delays (CONFIG_SCHED_INFO).
 */
bool kvmod_riscv_sta_available(void)
{
	return IS_ENABLED(CONFIG_SCHED_INFO);
}

static u64 run_delay(void)
{
#ifdef CONFIG_SCHED_INFO
	return current->sched_info.run_delay;
#else
	return 0;
#endif
}

/**
 * kvmod_riscv_sta_record() - publish the steal time since the last update
 * @vcpu: the vCPU, called by its thread before it enters the guest
 *
 * A guest area that is no longer in memory is dropped, as the spec allows.
 */
void kvmod_riscv_sta_record(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	struct kvmod_vm *vm = vcpu->vm;
	u64 gpa = a->sta_shmem, now = run_delay();
	__le64 steal;
	__le32 seq;
	u32 s;

	if (gpa == STA_SHMEM_INVALID)
		return;
	if (kvmod_read_guest(vm, gpa + STA_SEQUENCE, &seq, sizeof(seq)) ||
	    kvmod_read_guest(vm, gpa + STA_STEAL, &steal, sizeof(steal)))
		goto fault;
	s = le32_to_cpu(seq);
	seq = cpu_to_le32(s + 1);
	steal = cpu_to_le64(le64_to_cpu(steal) + (now - a->sta_last));
	if (kvmod_write_guest(vm, gpa + STA_SEQUENCE, &seq, sizeof(seq)))
		goto fault;
	/* Odd sequence before the new value, even again after it. */
	smp_wmb();
	if (kvmod_write_guest(vm, gpa + STA_STEAL, &steal, sizeof(steal)))
		goto fault;
	/* The value before the even sequence that says it is complete. */
	smp_wmb();
	seq = cpu_to_le32(s + 2);
	if (kvmod_write_guest(vm, gpa + STA_SEQUENCE, &seq, sizeof(seq)))
		goto fault;
	a->sta_last = now;
	return;
fault:
	/* No longer writable memory: the area is dropped, as the spec allows. */
	a->sta_shmem = STA_SHMEM_INVALID;
}

/**
 * kvmod_riscv_sta_ecall() - SBI STA set_shmem
 * @vcpu: the loaded vCPU
 * @fid: function id
 * @lo: low XLEN bits of the area's physical address (all ones: disable)
 * @hi: high bits (must be 0 on RV64, or all ones to disable)
 * @flags: must be 0
 *
 * The area is written (sequence, steal) at the next entry; that needs a
 * sleepable context, so it is deferred to the run loop.
 *
 * Return: an SBI error code.
 */
long kvmod_riscv_sta_ecall(struct kvmod_vcpu *vcpu, unsigned long fid,
			   unsigned long lo, unsigned long hi,
			   unsigned long flags)
{
	if (fid != SBI_EXT_STA_STEAL_TIME_SET_SHMEM)
		return SBI_ERR_NOT_SUPPORTED;
	if (flags)
		return SBI_ERR_INVALID_PARAM;
	if (lo == STA_SHMEM_INVALID && hi == STA_SHMEM_INVALID) {
		vcpu->arch.sta_shmem = STA_SHMEM_INVALID;
		return SBI_SUCCESS;
	}
	if (lo & 63)
		return SBI_ERR_INVALID_PARAM;
	if (hi)
		return SBI_ERR_INVALID_ADDRESS;

	if (!kvmod_gpa_is_memory(vcpu->vm, lo, sizeof(struct sbi_sta_struct), true))
		return SBI_ERR_INVALID_ADDRESS;

	vcpu->arch.sta_shmem = lo;
	vcpu->arch.sta_last = run_delay();
	kvmod_make_request(KVMOD_REQ_STEAL_UPDATE, vcpu);
	return SBI_SUCCESS;
}

/**
 * kvmod_riscv_sta_reset() - no area after a reset
 * @vcpu: the vCPU
 */
void kvmod_riscv_sta_reset(struct kvmod_vcpu *vcpu)
{
	vcpu->arch.sta_shmem = STA_SHMEM_INVALID;
}

/**
 * kvmod_riscv_sta_reg() - ONE_REG access to SBI_STA shmem_lo/shmem_hi
 * @vcpu: the vCPU
 * @idx: KVM_REG_RISCV_SBI_STA_REG(shmem_lo or shmem_hi)
 * @val: value read or to write
 * @set: write when true
 *
 * Return: 0; -ENOENT for another register or without STA; -EINVAL for an
 * address the spec forbids.
 */
int kvmod_riscv_sta_reg(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val,
			bool set)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	bool valid = a->sta_shmem != STA_SHMEM_INVALID;

	if (!kvmod_riscv_sta_available())
		return -ENOENT;
	switch (idx) {
	case KVM_REG_RISCV_SBI_STA_REG(shmem_lo):
		if (!set) {
			*val = a->sta_shmem;
			return 0;
		}
		if (*val != STA_SHMEM_INVALID && (*val & 63))
			return -EINVAL;
		a->sta_shmem = *val;
		a->sta_last = run_delay();
		return 0;
	case KVM_REG_RISCV_SBI_STA_REG(shmem_hi):
		if (!set) {
			*val = valid ? 0 : STA_SHMEM_INVALID;
			return 0;
		}
		/* RV64 addresses fit shmem_lo: hi is 0, or all ones with lo. */
		if (*val == STA_SHMEM_INVALID) {
			a->sta_shmem = STA_SHMEM_INVALID;
			return 0;
		}
		return *val ? -EINVAL : 0;
	default:
		return -ENOENT;
	}
}
