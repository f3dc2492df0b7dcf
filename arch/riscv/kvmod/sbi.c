// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SBI the guest's kernel calls (ecall from VS-mode), implementing
 * version 2.0 of the RISC-V SBI specification: BASE, TIME, IPI, RFENCE,
 * HSM, SRST, PMU (pmu.c) and STA (sta.c) in the kernel; the legacy
 * console, DBCN and the experimental and vendor ranges are forwarded to
 * userspace as KVM_EXIT_RISCV_SBI.
 * Each extension but BASE can be switched off per vCPU (ONE_REG SBI_EXT)
 * before the vCPU first runs; a guest then finds it absent.
 */

#include <linux/kvmod_host.h>
#include <linux/version.h>
#include <asm/csr.h>
#include <asm/sbi.h>

#include "riscv.h"

#define KVMOD_SBI_IMPL_ID_KVM	3	/* KVM's id in the SBI implementation registry */
#define KVMOD_SBI_IMPL_VERSION	1

/* SBI v0.1 legacy calls: one EID each (the host kernel may lack v0.1). */
#define KVMOD_SBI_V01_SET_TIMER		0x0
#define KVMOD_SBI_V01_CONSOLE_PUTCHAR	0x1
#define KVMOD_SBI_V01_CONSOLE_GETCHAR	0x2
#define KVMOD_SBI_V01_CLEAR_IPI		0x3
#define KVMOD_SBI_V01_SHUTDOWN		0x8

struct sbi_ret {
	long error;
	unsigned long value;
};

enum sbi_action {
	SBI_DONE,		/* return error/value to the guest */
	SBI_TO_USER,		/* forward to userspace */
	SBI_SYSTEM_EVENT,	/* kvm_run.system_event is filled in */
	SBI_SLEEP,		/* completed; the vCPU stops or suspends */
	SBI_SLOW,		/* to be done in the run loop's sleepable part */
};

/* Extensions by KVM_RISCV_SBI_EXT_* number: the EID range each covers. */
static const struct {
	unsigned long first, last;
	bool available;
	bool default_off;
} sbi_exts[KVM_RISCV_SBI_EXT_MAX] = {
	[KVM_RISCV_SBI_EXT_V01] = { KVMOD_SBI_V01_SET_TIMER, KVMOD_SBI_V01_SHUTDOWN, true },
	[KVM_RISCV_SBI_EXT_TIME] = { SBI_EXT_TIME, SBI_EXT_TIME, true },
	[KVM_RISCV_SBI_EXT_IPI] = { SBI_EXT_IPI, SBI_EXT_IPI, true },
	[KVM_RISCV_SBI_EXT_RFENCE] = { SBI_EXT_RFENCE, SBI_EXT_RFENCE, true },
	[KVM_RISCV_SBI_EXT_SRST] = { SBI_EXT_SRST, SBI_EXT_SRST, true },
	[KVM_RISCV_SBI_EXT_HSM] = { SBI_EXT_HSM, SBI_EXT_HSM, true },
	/* Available when the host has an SBI PMU to build counters on. */
	[KVM_RISCV_SBI_EXT_PMU] = { SBI_EXT_PMU, SBI_EXT_PMU, true },
	[KVM_RISCV_SBI_EXT_EXPERIMENTAL] = { SBI_EXT_EXPERIMENTAL_START,
					     SBI_EXT_EXPERIMENTAL_END, true },
	[KVM_RISCV_SBI_EXT_VENDOR] = { SBI_EXT_VENDOR_START,
				       SBI_EXT_VENDOR_END, true },
	/* Upstream's default: the VMM must own a console before the guest writes it. */
	[KVM_RISCV_SBI_EXT_DBCN] = { SBI_EXT_DBCN, SBI_EXT_DBCN, true, true },
	/* Available when the host scheduler accounts run delays. */
	[KVM_RISCV_SBI_EXT_STA] = { SBI_EXT_STA, SBI_EXT_STA, true },
};

/* KVM_RISCV_SBI_EXT_* of an EID, or -1 (BASE and unknown EIDs). */
static int sbi_ext_index(unsigned long eid)
{
	int i;

	for (i = 0; i < KVM_RISCV_SBI_EXT_MAX; i++)
		if (eid >= sbi_exts[i].first && eid <= sbi_exts[i].last)
			return i;
	return -1;
}

static bool sbi_ext_available(unsigned long idx)
{
	if (idx == KVM_RISCV_SBI_EXT_STA)
		return kvmod_riscv_sta_available();
	if (idx == KVM_RISCV_SBI_EXT_PMU)
		return kvmod_riscv_pmu_available();
	return sbi_exts[idx].available;
}

/**
 * kvmod_riscv_sbi_ext_on() - whether a vCPU's guest has an SBI extension
 * @vcpu: the vCPU
 * @idx: KVM_RISCV_SBI_EXT_* number
 *
 * Return: true when kvmod implements it and it is enabled for @vcpu.
 */
bool kvmod_riscv_sbi_ext_on(struct kvmod_vcpu *vcpu, int idx)
{
	return sbi_ext_available(idx) && !test_bit(idx, vcpu->arch.sbi_disabled);
}

/**
 * kvmod_riscv_sbi_init_vcpu() - the default set of SBI extensions
 * @vcpu: a new vCPU
 */
void kvmod_riscv_sbi_init_vcpu(struct kvmod_vcpu *vcpu)
{
	int i;

	for (i = 0; i < KVM_RISCV_SBI_EXT_MAX; i++)
		if (sbi_exts[i].default_off)
			set_bit(i, vcpu->arch.sbi_disabled);
}

/**
 * kvmod_riscv_sbi_ext_get() - ONE_REG read of an SBI extension's state
 * @vcpu: the vCPU
 * @ext: KVM_RISCV_SBI_EXT_* number
 * @val: 1 when enabled
 *
 * Return: 0, or -ENOENT for an extension kvmod does not implement.
 */
int kvmod_riscv_sbi_ext_get(struct kvmod_vcpu *vcpu, unsigned long ext,
			    unsigned long *val)
{
	if (ext >= KVM_RISCV_SBI_EXT_MAX || !sbi_ext_available(ext))
		return -ENOENT;
	*val = !test_bit(ext, vcpu->arch.sbi_disabled);
	return 0;
}

/**
 * kvmod_riscv_sbi_ext_set() - ONE_REG write of an SBI extension's state
 * @vcpu: the vCPU
 * @ext: KVM_RISCV_SBI_EXT_* number
 * @val: 1 to enable, 0 to disable
 *
 * Return: 0; -ENOENT for an extension kvmod does not implement; -EINVAL
 * for a value other than 0 or 1; -EBUSY once the vCPU has run.
 */
int kvmod_riscv_sbi_ext_set(struct kvmod_vcpu *vcpu, unsigned long ext,
			    unsigned long val)
{
	if (ext >= KVM_RISCV_SBI_EXT_MAX || !sbi_ext_available(ext))
		return -ENOENT;
	if (val > 1)
		return -EINVAL;
	if (vcpu->ran_once)
		return val == !test_bit(ext, vcpu->arch.sbi_disabled) ? 0 : -EBUSY;
	assign_bit(ext, vcpu->arch.sbi_disabled, !val);
	return 0;
}

/*
 * Apply @fn to every vCPU in an SBI hart mask. All ids are resolved before
 * anything is done, so an invalid mask has no effect; each is looked up
 * once, so a vCPU being created meanwhile is either in the call or not.
 */
static long sbi_hart_mask_apply(struct kvmod_vcpu *vcpu, unsigned long hmask,
				unsigned long hbase,
				void (*fn)(struct kvmod_vcpu *target, void *data),
				void *data)
{
	struct kvmod_vcpu *targets[BITS_PER_LONG];
	struct kvmod_vm *vm = vcpu->vm;
	struct kvmod_vcpu *t;
	unsigned long i;

	if (hbase == -1UL) {
		xa_for_each(&vm->vcpus, i, t)
			fn(t, data);
		return SBI_SUCCESS;
	}
	for_each_set_bit(i, &hmask, BITS_PER_LONG) {
		targets[i] = hbase + i < hbase ? NULL : kvmod_get_vcpu_by_id(vm, hbase + i);
		if (!targets[i])
			return SBI_ERR_INVALID_PARAM;
	}
	for_each_set_bit(i, &hmask, BITS_PER_LONG)
		fn(targets[i], data);
	return SBI_SUCCESS;
}

static void send_ipi(struct kvmod_vcpu *t, void *data)
{
	struct kvmod_vcpu *from = data;

	kvmod_riscv_pmu_fw_event(from, SBI_PMU_FW_IPI_SENT);
	kvmod_riscv_pmu_fw_event(t, SBI_PMU_FW_IPI_RCVD);
	kvmod_riscv_set_irq(t, IRQ_VS_SOFT, true);
}

/*
 * Remote fences are synchronous for the caller: once the call returns, no
 * target may run guest code with the old translations. A target outside
 * the guest handles the request before it enters again.
 */
struct rfence {
	struct kvmod_vcpu *from;
	long req;
	unsigned int sent_event;	/* SBI_PMU_FW_*_SENT; _RCVD follows it */
};

static void send_request(struct kvmod_vcpu *t, void *data)
{
	const struct rfence *f = data;

	kvmod_riscv_pmu_fw_event(f->from, f->sent_event);
	kvmod_riscv_pmu_fw_event(t, f->sent_event + 1);
	kvmod_make_request(f->req, t);
	kvmod_vcpu_kick_sync(t);
}

static long sbi_base_probe(struct kvmod_vcpu *vcpu, unsigned long eid)
{
	int idx;

	if (eid == SBI_EXT_BASE)
		return 1;
	idx = sbi_ext_index(eid);
	return idx >= 0 && kvmod_riscv_sbi_ext_on(vcpu, idx);
}

static enum sbi_action sbi_base(struct kvmod_vcpu *vcpu, unsigned long fid,
				struct sbi_ret *ret)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;

	ret->error = SBI_SUCCESS;
	switch (fid) {
	case SBI_EXT_BASE_GET_SPEC_VERSION:
		ret->value = 2UL << SBI_SPEC_VERSION_MAJOR_SHIFT;
		break;
	case SBI_EXT_BASE_GET_IMP_ID:
		ret->value = KVMOD_SBI_IMPL_ID_KVM;
		break;
	case SBI_EXT_BASE_GET_IMP_VERSION:
		ret->value = KVMOD_SBI_IMPL_VERSION;
		break;
	case SBI_EXT_BASE_PROBE_EXT:
		ret->value = sbi_base_probe(vcpu, regs->a0);
		break;
	case SBI_EXT_BASE_GET_MVENDORID:
		ret->value = vcpu->arch.mvendorid;
		break;
	case SBI_EXT_BASE_GET_MARCHID:
		ret->value = vcpu->arch.marchid;
		break;
	case SBI_EXT_BASE_GET_MIMPID:
		ret->value = vcpu->arch.mimpid;
		break;
	default:
		ret->error = SBI_ERR_NOT_SUPPORTED;
	}
	return SBI_DONE;
}

static enum sbi_action sbi_rfence(struct kvmod_vcpu *vcpu, unsigned long fid,
				  struct sbi_ret *ret)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;
	struct rfence f = { .from = vcpu };

	switch (fid) {
	case SBI_EXT_RFENCE_REMOTE_FENCE_I:
		f.req = KVMOD_REQ_FENCE_I;
		f.sent_event = SBI_PMU_FW_FENCE_I_SENT;
		break;
	case SBI_EXT_RFENCE_REMOTE_SFENCE_VMA:
	case SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID:
		/* The whole VS-stage of the target: always enough, rarely too much. */
		f.req = KVMOD_REQ_HFENCE_VVMA;
		f.sent_event = fid == SBI_EXT_RFENCE_REMOTE_SFENCE_VMA ?
			       SBI_PMU_FW_SFENCE_VMA_SENT :
			       SBI_PMU_FW_SFENCE_VMA_ASID_SENT;
		break;
	default:
		/* The guest has no H extension, so no hfence variants. */
		ret->error = SBI_ERR_NOT_SUPPORTED;
		return SBI_DONE;
	}
	ret->error = sbi_hart_mask_apply(vcpu, regs->a0, regs->a1,
					 send_request, &f);
	return SBI_DONE;
}

static enum sbi_action sbi_hsm(struct kvmod_vcpu *vcpu, unsigned long fid,
			       struct sbi_ret *ret)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;
	struct kvmod_vcpu *t;

	ret->error = SBI_SUCCESS;
	switch (fid) {
	case SBI_EXT_HSM_HART_START:
		t = kvmod_get_vcpu_by_id(vcpu->vm, regs->a0);
		if (!t) {
			ret->error = SBI_ERR_INVALID_PARAM;
			break;
		}
		/* start_addr in a1, opaque in a2 (the hart's a1 at start). */
		if (kvmod_vcpu_start(t, regs->a1, regs->a2))
			ret->error = SBI_ERR_ALREADY_AVAILABLE;
		break;
	case SBI_EXT_HSM_HART_STOP:
		kvmod_vcpu_power_off(vcpu);
		return SBI_SLEEP;
	case SBI_EXT_HSM_HART_STATUS:
		t = kvmod_get_vcpu_by_id(vcpu->vm, regs->a0);
		if (!t)
			ret->error = SBI_ERR_INVALID_PARAM;
		else
			ret->value = kvmod_vcpu_stopped(t) ?
				     SBI_HSM_STATE_STOPPED : SBI_HSM_STATE_STARTED;
		break;
	case SBI_EXT_HSM_HART_SUSPEND:
		/* Retentive suspend is a WFI; losing state is not offered. */
		if (regs->a0 == SBI_HSM_SUSPEND_RET_DEFAULT) {
			kvmod_vcpu_defer_halt(vcpu);
			return SBI_SLEEP;
		}
		if ((regs->a0 & SBI_HSM_SUSP_BASE_MASK) >= SBI_HSM_SUSP_PLAT_BASE ||
		    regs->a0 == SBI_HSM_SUSPEND_NON_RET_DEFAULT)
			ret->error = SBI_ERR_NOT_SUPPORTED;
		else
			ret->error = SBI_ERR_INVALID_PARAM;
		break;
	default:
		ret->error = SBI_ERR_NOT_SUPPORTED;
	}
	return SBI_DONE;
}

/* Every hart stops; the reason goes to the VMM in data[0]. */
static enum sbi_action system_event(struct kvmod_vcpu *vcpu, u32 type,
				    unsigned long reason)
{
	u64 data = reason;

	kvmod_vm_system_event(vcpu, type, &data, 1);
	return SBI_SYSTEM_EVENT;
}

static enum sbi_action sbi_srst(struct kvmod_vcpu *vcpu, unsigned long fid,
				struct sbi_ret *ret)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;
	unsigned long type = regs->a0, reason = regs->a1;

	ret->error = SBI_ERR_NOT_SUPPORTED;
	if (fid != SBI_EXT_SRST_RESET)
		return SBI_DONE;
	/* Reasons 2..0xdfffffff and types 3..0xefffffff are reserved. */
	if (type > U32_MAX || reason > U32_MAX ||
	    (reason > SBI_SRST_RESET_REASON_SYS_FAILURE && reason < 0xe0000000UL) ||
	    (type > SBI_SRST_RESET_TYPE_WARM_REBOOT && type < 0xf0000000UL)) {
		ret->error = SBI_ERR_INVALID_PARAM;
		return SBI_DONE;
	}
	switch (type) {
	case SBI_SRST_RESET_TYPE_SHUTDOWN:
		ret->error = SBI_SUCCESS;
		return system_event(vcpu, KVM_SYSTEM_EVENT_SHUTDOWN, reason);
	case SBI_SRST_RESET_TYPE_COLD_REBOOT:
	case SBI_SRST_RESET_TYPE_WARM_REBOOT:
		ret->error = SBI_SUCCESS;
		return system_event(vcpu, KVM_SYSTEM_EVENT_RESET, reason);
	default:
		return SBI_DONE;	/* vendor-specific types: none */
	}
}

/* SBI v0.1: legacy calls, one per EID, a0 only as result. */
static enum sbi_action sbi_v01(struct kvmod_vcpu *vcpu, unsigned long eid,
			       struct sbi_ret *ret)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;

	ret->error = SBI_SUCCESS;
	switch (eid) {
	case KVMOD_SBI_V01_SET_TIMER:
		kvmod_riscv_pmu_fw_event(vcpu, SBI_PMU_FW_SET_TIMER);
		kvmod_riscv_timer_set(vcpu, regs->a0);
		return SBI_DONE;
	case KVMOD_SBI_V01_CONSOLE_PUTCHAR:
	case KVMOD_SBI_V01_CONSOLE_GETCHAR:
		return SBI_TO_USER;
	case KVMOD_SBI_V01_CLEAR_IPI:
		kvmod_riscv_set_irq(vcpu, IRQ_VS_SOFT, false);
		return SBI_DONE;
	case KVMOD_SBI_V01_SHUTDOWN:
		return system_event(vcpu, KVM_SYSTEM_EVENT_SHUTDOWN, 0);
	default:
		/* The hart-mask calls take guest pointers: use the v0.2 ones. */
		ret->error = SBI_ERR_NOT_SUPPORTED;
		return SBI_DONE;
	}
}

static enum sbi_action sbi_dispatch(struct kvmod_vcpu *vcpu,
				    struct sbi_ret *ret)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;
	unsigned long eid = regs->a7, fid = regs->a6;
	int idx;

	if (eid == SBI_EXT_BASE)
		return sbi_base(vcpu, fid, ret);
	idx = sbi_ext_index(eid);
	if (idx < 0 || !kvmod_riscv_sbi_ext_on(vcpu, idx))
		return SBI_DONE;	/* ret says SBI_ERR_NOT_SUPPORTED */

	switch (idx) {
	case KVM_RISCV_SBI_EXT_V01:
		return sbi_v01(vcpu, eid, ret);
	case KVM_RISCV_SBI_EXT_TIME:
		if (fid != SBI_EXT_TIME_SET_TIMER)
			return SBI_DONE;
		kvmod_riscv_pmu_fw_event(vcpu, SBI_PMU_FW_SET_TIMER);
		kvmod_riscv_timer_set(vcpu, regs->a0);
		ret->error = SBI_SUCCESS;
		return SBI_DONE;
	case KVM_RISCV_SBI_EXT_IPI:
		if (fid != SBI_EXT_IPI_SEND_IPI)
			return SBI_DONE;
		ret->error = sbi_hart_mask_apply(vcpu, regs->a0, regs->a1, send_ipi, vcpu);
		return SBI_DONE;
	case KVM_RISCV_SBI_EXT_RFENCE:
		return sbi_rfence(vcpu, fid, ret);
	case KVM_RISCV_SBI_EXT_HSM:
		return sbi_hsm(vcpu, fid, ret);
	case KVM_RISCV_SBI_EXT_SRST:
		return sbi_srst(vcpu, fid, ret);
	case KVM_RISCV_SBI_EXT_PMU:
		/* perf's calls sleep. */
		return SBI_SLOW;
	case KVM_RISCV_SBI_EXT_STA:
		ret->error = kvmod_riscv_sta_ecall(vcpu, fid, regs->a0, regs->a1,
						   regs->a2);
		return SBI_DONE;
	default:
		/* DBCN, experimental and vendor extensions belong to the VMM. */
		return SBI_TO_USER;
	}
}

/* Hand the guest its answer and step over the ecall. */
static int sbi_finish(struct kvmod_vcpu *vcpu, const struct sbi_ret *ret,
		      enum sbi_action act)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;

	regs->a0 = ret->error;
	/* Legacy calls return only a0. */
	if (regs->a7 > KVMOD_SBI_V01_SHUTDOWN)
		regs->a1 = ret->value;
	regs->pc += 4;

	switch (act) {
	case SBI_SYSTEM_EVENT:
		return KVMOD_EXIT_USER;
	case SBI_SLEEP:
		return KVMOD_EXIT_SLOW;
	default:
		return KVMOD_EXIT_GUEST;
	}
}

/* A call that needs to sleep, finished once the vCPU is put. */
static int sbi_ecall_slow(struct kvmod_vcpu *vcpu)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;
	unsigned long args[6] = { regs->a0, regs->a1, regs->a2, regs->a3,
				  regs->a4, regs->a5 };
	struct sbi_ret ret = { .value = 0 };

	/* Only the PMU takes this path. */
	ret.error = kvmod_riscv_pmu_ecall(vcpu, regs->a6, args, &ret.value);
	return sbi_finish(vcpu, &ret, SBI_DONE);
}

/* Userspace's answer to a KVM_EXIT_RISCV_SBI, at the next KVM_RUN. */
static int sbi_complete(struct kvmod_vcpu *vcpu)
{
	struct sbi_ret ret = {
		.error = vcpu->run->riscv_sbi.ret[0],
		.value = vcpu->run->riscv_sbi.ret[1],
	};

	return sbi_finish(vcpu, &ret, SBI_DONE);
}

/**
 * kvmod_riscv_sbi_ecall() - handle an ecall from VS-mode
 * @vcpu: the loaded vCPU
 *
 * Return: %KVMOD_EXIT_GUEST when answered, %KVMOD_EXIT_USER for a call
 * forwarded to userspace or a system event, %KVMOD_EXIT_SLOW when the
 * hart stops or suspends, or the call must sleep (it is finished once
 * the vCPU is put).
 */
int kvmod_riscv_sbi_ecall(struct kvmod_vcpu *vcpu)
{
	struct user_regs_struct *regs = &vcpu->arch.sw.guest.regs;
	struct sbi_ret ret = { .error = SBI_ERR_NOT_SUPPORTED };
	struct kvm_run *run = vcpu->run;
	enum sbi_action act;

	act = sbi_dispatch(vcpu, &ret);
	if (act == SBI_TO_USER) {
		run->exit_reason = KVM_EXIT_RISCV_SBI;
		run->riscv_sbi.extension_id = regs->a7;
		run->riscv_sbi.function_id = regs->a6;
		run->riscv_sbi.args[0] = regs->a0;
		run->riscv_sbi.args[1] = regs->a1;
		run->riscv_sbi.args[2] = regs->a2;
		run->riscv_sbi.args[3] = regs->a3;
		run->riscv_sbi.args[4] = regs->a4;
		run->riscv_sbi.args[5] = regs->a5;
		/* What the guest gets if the VMM does not answer. */
		run->riscv_sbi.ret[0] = SBI_ERR_NOT_SUPPORTED;
		run->riscv_sbi.ret[1] = 0;
		return kvmod_vcpu_defer(vcpu, KVMOD_DEFER_USER, sbi_complete);
	}

	if (act == SBI_SLOW)
		return kvmod_vcpu_defer(vcpu, KVMOD_DEFER_SLEEP, sbi_ecall_slow);
	return sbi_finish(vcpu, &ret, act);
}
