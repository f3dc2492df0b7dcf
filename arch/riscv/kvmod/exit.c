// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why the guest stopped and what to do about it.
 *
 * kvmod_arch_vcpu_handle_exit() runs right after the exit, vCPU still loaded
 * and preemption off: it may use the guest's CSRs but must not sleep. What
 * has to sleep is queued with kvmod_vcpu_defer() and runs once the vCPU is
 * put (virt/kvmod/run.c).
 */

#include <kunit/visibility.h>
#include <linux/kvmod_host.h>
#include <asm/csr.h>

#include "riscv.h"

#define INSN_WFI	0x10500073UL

static int fault_step(struct kvmod_vcpu *vcpu)
{
	u64 gpa = vcpu->arch.fault_gpa;
	int r = kvmod_mmu_fault(vcpu, gpa, vcpu->arch.fault_write);

	/* Not memory: a page of a hardware interrupt file, perhaps (imsic.c). */
	return r == -ENOENT ? kvmod_riscv_imsic_map_page(vcpu, gpa) : r;
}

static int guest_page_fault(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	struct kvmod_vm *vm = vcpu->vm;
	unsigned long cause = a->sw.scause;
	bool write = cause == EXC_STORE_GUEST_PAGE_FAULT;
	u64 gpa = ((u64)a->sw.htval << 2) | (a->sw.stval & 3);

	/*
	 * Writes to read-only slots go the MMIO way, like unbacked ones; the
	 * page of a hardware interrupt file is mapped to it (the slow path).
	 */
	if (kvmod_gpa_is_memory(vm, gpa, 1, write) ||
	    (cause != EXC_INST_GUEST_PAGE_FAULT && kvmod_riscv_imsic_hw_page(vm, gpa))) {
		a->fault_gpa = gpa;
		a->fault_write = write;
		return kvmod_vcpu_defer(vcpu, KVMOD_DEFER_FAULT, fault_step);
	}
	/* Nothing to execute outside memory: what real hardware reports. */
	if (cause == EXC_INST_GUEST_PAGE_FAULT) {
		kvmod_riscv_redirect_trap(vcpu, EXC_INST_ACCESS, a->sw.stval);
		return KVMOD_EXIT_GUEST;
	}
	return kvmod_riscv_mmio_exit(vcpu, gpa, write);
}

/* The VMM's answer to a CSR access (KVM_EXIT_RISCV_CSR) into rd; past it. */
static int csr_complete(struct kvmod_vcpu *vcpu)
{
	unsigned long insn = vcpu->arch.csr_user_insn;
	unsigned int rd = (insn >> 7) & 31;

	if (rd)
		*kvmod_riscv_gpr(vcpu, rd) = vcpu->run->riscv_csr.ret_value;
	vcpu->arch.sw.guest.regs.pc += 4;
	return KVMOD_EXIT_GUEST;
}

/**
 * kvmod_riscv_csr_exit() - hand a guest CSR access to the VMM
 * @vcpu: the vCPU, the access trapped as a virtual instruction
 * @insn: the CSR instruction
 *
 * KVM_EXIT_RISCV_CSR, as upstream fills it: the VMM answers in ret_value,
 * which the guest gets on the next KVM_RUN.
 *
 * Return: %KVMOD_EXIT_USER.
 */
int kvmod_riscv_csr_exit(struct kvmod_vcpu *vcpu, unsigned long insn)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_RISCV_CSR;
	run->riscv_csr.csr_num = (insn >> 20) & 0xfff;
	kvmod_riscv_csr_operands(vcpu, insn, &run->riscv_csr.new_value,
				 &run->riscv_csr.write_mask);
	run->riscv_csr.ret_value = 0;
	vcpu->arch.csr_user_insn = insn;
	return kvmod_vcpu_defer(vcpu, KVMOD_DEFER_USER, csr_complete);
}

static int virtual_instruction(struct kvmod_vcpu *vcpu)
{
	struct kvmod_arch_vcpu *a = &vcpu->arch;
	unsigned long insn = a->sw.stval;
	int r;

	/* stval may hold the instruction; when it does not, read it. */
	if (!insn && kvmod_riscv_read_guest_insn(vcpu, &insn))
		return KVMOD_EXIT_GUEST;
	/* Counters, then closed hstateen gates, then the IMSIC file. */
	r = kvmod_riscv_pmu_csr_insn(vcpu, insn);
	if (r == -ENOENT)
		r = kvmod_riscv_hstateen_trap(vcpu, insn);
	if (r == -ENOENT)
		r = kvmod_riscv_imsic_csr_insn(vcpu, insn);
	if (r != -ENOENT) {
		if (r == KVMOD_EXIT_USER)
			vcpu->stat.arch.csr_exit_user++;
		else
			vcpu->stat.arch.csr_exit_kernel++;
		return r;
	}
	if (insn == INSN_WFI) {
		vcpu->stat.arch.wfi_exit_stat++;
		a->sw.guest.regs.pc += 4;
		return kvmod_vcpu_defer_halt(vcpu);
	}
	/* Nothing else is emulated: the guest sees what a plain CPU does. */
	kvmod_riscv_redirect_trap(vcpu, EXC_INST_ILLEGAL, insn);
	return KVMOD_EXIT_GUEST;
}

/*
 * A cause kvmod neither delegates nor handles: a hardware error (19), or
 * one newer than this code. Upstream fails KVM_RUN with -EFAULT and logs
 * it; the VMM learns more from an internal error carrying the trap
 * (KVM_CAP_INTERNAL_ERROR_DATA), and the guest, whose handler may not know
 * the cause, gets nothing it could misread.
 */
static int unexpected_exit(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_switch *sw = &vcpu->arch.sw;
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 5;
	run->internal.data[0] = sw->scause;
	run->internal.data[1] = sw->stval;
	run->internal.data[2] = sw->htval;
	run->internal.data[3] = sw->htinst;
	run->internal.data[4] = sw->guest.regs.pc;
	return KVMOD_EXIT_USER;
}

int kvmod_arch_vcpu_handle_exit(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_switch *sw = &vcpu->arch.sw;

	/* A host interrupt: already handled when interrupts came back on. */
	if (sw->scause & CAUSE_IRQ_FLAG)
		return KVMOD_EXIT_GUEST;

	switch (sw->scause) {
	case EXC_SUPERVISOR_SYSCALL:
		vcpu->stat.arch.ecall_exit_stat++;
		return kvmod_riscv_sbi_ecall(vcpu);
	case EXC_INST_GUEST_PAGE_FAULT:
	case EXC_LOAD_GUEST_PAGE_FAULT:
	case EXC_STORE_GUEST_PAGE_FAULT:
		return guest_page_fault(vcpu);
	case EXC_VIRTUAL_INST_FAULT:
		return virtual_instruction(vcpu);
	case EXC_BREAKPOINT:
		/* Only undelegated while userspace debugs the guest. */
		if (vcpu->arch.guest_debug) {
			vcpu->run->exit_reason = KVM_EXIT_DEBUG;
			return KVMOD_EXIT_USER;
		}
		return unexpected_exit(vcpu);
	case EXC_INST_ACCESS:
	case EXC_LOAD_ACCESS:
	case EXC_STORE_ACCESS:
		/* The guest's own access faults (host PMP/PMA): its to handle. */
		kvmod_riscv_redirect_trap(vcpu, sw->scause, sw->stval);
		return KVMOD_EXIT_GUEST;
	default:
		return unexpected_exit(vcpu);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_arch_vcpu_handle_exit);
