// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SBI PMU extension (SBI 2.0, chapter 11) for guests, on host perf
 * events.
 *
 * The guest sees logical counters: hardware ones first, numbered like the
 * counter CSRs (0 cycle, 2 instret, 3.. hpmcounter3..; 1 is time and no
 * counter), as many as the host's SBI PMU driver has, then one firmware
 * counter per SBI firmware event. A configured hardware counter is a
 * pinned host perf event of the vCPU thread that counts only while the
 * guest runs (exclude_host); the guest's mode filters become the event's
 * guest filters (hosts without Sscofpmf cannot filter: there the event
 * counts the whole vCPU thread). Firmware counters count what kvmod's SBI does for the
 * guest (timer programming, IPIs, remote fences, injected traps).
 *
 * Counter CSRs are never given to the guest directly while the extension
 * is on (hcounteren.CY/IR/HPM clear): a read traps as a virtual
 * instruction and is answered from the perf event, and reading a counter
 * the guest has not configured gets an illegal instruction, as on a
 * machine whose firmware has not enabled it.
 *
 * perf's calls sleep, so SBI PMU calls and counter reads are finished in
 * the run loop's sleepable part (see the "slow exit" in exit.c): the
 * fast-path handlers only decide whether that is needed.
 *
 * With Sscofpmf a counter's host event samples with a period that ends
 * exactly where the guest's counter wraps; the overflow then raises the
 * guest's local counter-overflow interrupt (LCOFI, injected through
 * hvien/hvip: see vcpu.c) and is reported in the snapshot's overflow
 * bitmap. Periods are capped at 2^62: perf refuses 2^63 and more, and
 * QEMU's PMU loses the next overflow of a counter once it was programmed
 * that far out. A counter further from its wrap (2^62 events: over a
 * century at GHz rates) is simply re-armed when the capped period ends.
 */

#include <linux/kvmod_host.h>
#include <linux/perf_event.h>
#include <linux/perf/riscv_pmu.h>
#include <asm/csr.h>
#include <asm/sbi.h>

#include "riscv.h"

#define PMU_NO_EVENT		SBI_PMU_EVENT_IDX_INVALID
#define PMU_FW_WIDTH		63	/* firmware counters: 64 bits */
#define PMU_FIXED_WIDTH		63	/* cycle and instret: 64 bits */
#define PMU_SHMEM_DISABLE	(-1UL)
#define PMU_SNAPSHOT_SIZE	4096
#define PMU_HW_MAX		32	/* CSRs cycle..hpmcounter31 */
#define PMU_MAX_PERIOD		BIT_ULL(62)

/* Offsets in the snapshot area (struct riscv_pmu_snapshot_data). */
#define SNAP_OVERFLOW		0
#define SNAP_VALUE(i)		(8 + 8 * (i))

static_assert(PMU_HW_MAX + SBI_PMU_FW_MAX <= KVMOD_RISCV_PMU_MAX);

/* Host facts, found once at module load. */
static unsigned int pmu_nr_hw;		/* guest's hardware counters, gap included */
static unsigned int pmu_hpm_width;	/* width - 1 of hpmcounter3.. */

/**
 * kvmod_riscv_pmu_init() - find the host PMU the guest counters build on
 *
 * Without the host's SBI PMU driver guests have no PMU extension.
 */
void kvmod_riscv_pmu_init(void)
{
	u32 width, nr;

	if (!IS_ENABLED(CONFIG_RISCV_PMU_SBI) ||
	    riscv_pmu_get_hpm_info(&width, &nr) || nr < 2)
		return;
	/* The host's cycle, instret and hpmcounters, plus the time gap. */
	pmu_nr_hw = min(nr + 1, (u32)PMU_HW_MAX);
	pmu_hpm_width = width ? width : PMU_FIXED_WIDTH;
}

/**
 * kvmod_riscv_pmu_available() - whether guests can have the PMU extension
 *
 * Return: true when the host has an SBI PMU with counters.
 */
bool kvmod_riscv_pmu_available(void)
{
	return pmu_nr_hw;
}

static unsigned int nr_counters(void)
{
	return pmu_nr_hw + SBI_PMU_FW_MAX;
}

static bool is_hw(unsigned int idx)
{
	return idx < pmu_nr_hw;
}

static unsigned int ctr_width(unsigned int idx)
{
	if (!is_hw(idx))
		return PMU_FW_WIDTH;
	return idx == 0 || idx == 2 ? PMU_FIXED_WIDTH : pmu_hpm_width;
}

static u64 ctr_mask(unsigned int idx)
{
	return GENMASK_ULL(ctr_width(idx), 0);
}

/* A counter the guest may name: every index below the total but time's. */
static bool ctr_exists(unsigned long idx)
{
	return idx < nr_counters() && idx != 1;
}

static bool guest_has_pmu(struct kvmod_vcpu *vcpu)
{
	return kvmod_riscv_sbi_ext_on(vcpu, KVM_RISCV_SBI_EXT_PMU);
}

static bool guest_has_sscofpmf(struct kvmod_vcpu *vcpu)
{
	return kvmod_riscv_isa_enabled(vcpu, RISCV_ISA_EXT_SSCOFPMF);
}

/**
 * kvmod_riscv_pmu_fw_event() - count a firmware event of the guest
 * @vcpu: the vCPU the event belongs to
 * @event: SBI_PMU_FW_* number
 *
 * Any context: remote "received" events are counted by the sender.
 */
void kvmod_riscv_pmu_fw_event(struct kvmod_vcpu *vcpu, unsigned int event)
{
	atomic64_inc(&vcpu->arch.pmu.fw_count[event]);
}

/* The host perf count behind a counter: its event's, or its fw event's. */
static u64 source_count(struct kvmod_riscv_pmu *pmu, unsigned int idx)
{
	struct kvmod_riscv_pmc *pmc = &pmu->pmc[idx];
	u64 enabled, running;

	if (is_hw(idx))
		return perf_event_read_value(pmc->event, &enabled, &running);
	return atomic64_read(&pmu->fw_count[pmc->event_idx & SBI_PMU_EVENT_IDX_CODE_MASK]);
}

/* The guest-visible value of a configured counter. Sleeps. */
static u64 ctr_read(struct kvmod_riscv_pmu *pmu, unsigned int idx)
{
	struct kvmod_riscv_pmc *pmc = &pmu->pmc[idx];

	if (!pmc->started)
		return pmc->value;
	return (pmc->value + source_count(pmu, idx) - pmc->base) & ctr_mask(idx);
}

/* Sample where the guest counter wraps, so perf reports its overflow. */
static void ctr_arm_overflow(struct kvmod_riscv_pmu *pmu, unsigned int idx)
{
	struct kvmod_riscv_pmc *pmc = &pmu->pmc[idx];
	/* Events until the wrap, less one: 2^64 does not fit. */
	u64 left = ctr_mask(idx) - ctr_read(pmu, idx);

	if (!is_hw(idx) || !pmc->event->attr.sample_period)
		return;
	pmc->wrap_armed = left < PMU_MAX_PERIOD;
	perf_event_period(pmc->event, pmc->wrap_armed ? left + 1 : PMU_MAX_PERIOD);
}

static void ctr_start(struct kvmod_riscv_pmu *pmu, unsigned int idx)
{
	struct kvmod_riscv_pmc *pmc = &pmu->pmc[idx];

	clear_bit(idx, pmu->overflow);
	if (is_hw(idx))
		ctr_arm_overflow(pmu, idx);
	pmc->base = source_count(pmu, idx);
	pmc->started = true;
	if (is_hw(idx))
		perf_event_enable(pmc->event);
}

static void ctr_stop(struct kvmod_riscv_pmu *pmu, unsigned int idx)
{
	struct kvmod_riscv_pmc *pmc = &pmu->pmc[idx];

	if (is_hw(idx))
		perf_event_disable(pmc->event);
	pmc->value = ctr_read(pmu, idx);
	pmc->started = false;
}

static void ctr_release(struct kvmod_riscv_pmu *pmu, unsigned int idx)
{
	struct kvmod_riscv_pmc *pmc = &pmu->pmc[idx];

	if (pmc->event)
		perf_event_release_kernel(pmc->event);
	pmc->event = NULL;
	pmc->event_idx = PMU_NO_EVENT;
	pmc->started = false;
	pmc->value = 0;
	clear_bit(idx, pmu->overflow);
}

/*
 * perf calls this, in interrupt context on the vCPU thread's CPU, when a
 * sampling counter's period ends: the guest counter has just wrapped, or
 * a capped period ended short of the wrap.
 */
static void ctr_overflow(struct perf_event *event, struct perf_sample_data *data,
			 struct pt_regs *regs)
{
	struct kvmod_riscv_pmc *pmc = event->overflow_handler_context;
	struct kvmod_vcpu *vcpu = pmc->vcpu;

	/* perf reloads the same period: the next end is set in the run loop. */
	kvmod_make_request(KVMOD_REQ_PMU_OVERFLOW, vcpu);
	if (!pmc->wrap_armed) {
		kvmod_vcpu_kick(vcpu);
		return;
	}
	set_bit(pmc - vcpu->arch.pmu.pmc, vcpu->arch.pmu.overflow);
	kvmod_riscv_set_irq(vcpu, IRQ_PMU_OVF, true);
}

/**
 * kvmod_riscv_pmu_handle_overflow() - re-arm sampling counters
 * @vcpu: the vCPU, from its run loop, sleepable
 */
void kvmod_riscv_pmu_handle_overflow(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;
	unsigned int idx;

	for (idx = 0; idx < pmu_nr_hw; idx++)
		if (pmu->pmc[idx].started)
			ctr_arm_overflow(pmu, idx);
}

/* The perf attribute counting SBI event @eidx with @edata, or -ENOENT. */
static int event_attr(unsigned long eidx, u64 edata, struct perf_event_attr *attr)
{
	unsigned int code = eidx & SBI_PMU_EVENT_IDX_CODE_MASK;

	switch ((eidx & SBI_PMU_EVENT_IDX_TYPE_MASK) >> 16) {
	case SBI_PMU_EVENT_TYPE_HW:
		/* SBI numbers the generic events one above perf's ids. */
		if (!code || code >= SBI_PMU_HW_GENERAL_MAX)
			return -ENOENT;
		attr->type = PERF_TYPE_HARDWARE;
		attr->config = code - 1;
		return 0;
	case SBI_PMU_EVENT_TYPE_CACHE:
		attr->type = PERF_TYPE_HW_CACHE;
		attr->config = (code >> SBI_PMU_EVENT_CACHE_ID_SHIFT) |
			       (((code & SBI_PMU_EVENT_CACHE_OP_ID_CODE_MASK) >>
				 SBI_PMU_EVENT_CACHE_OP_SHIFT) << 8) |
			       ((code & SBI_PMU_EVENT_CACHE_RESULT_ID_CODE_MASK) << 16);
		if ((attr->config & 0xff) >= PERF_COUNT_HW_CACHE_MAX ||
		    ((attr->config >> 8) & 0xff) >= PERF_COUNT_HW_CACHE_OP_MAX)
			return -ENOENT;
		return 0;
	case SBI_PMU_EVENT_TYPE_RAW:
		/* perf's raw hardware events: bits 63:62 clear, 48 bits. */
		if (code || edata & ~RISCV_PMU_RAW_EVENT_MASK)
			return -ENOENT;
		attr->type = PERF_TYPE_RAW;
		attr->config = edata;
		return 0;
	default:
		return -ENOENT;
	}
}

static bool fw_event_valid(unsigned long eidx, u64 edata)
{
	return (eidx & SBI_PMU_EVENT_IDX_TYPE_MASK) >> 16 == SBI_PMU_EVENT_TYPE_FW &&
	       (eidx & SBI_PMU_EVENT_IDX_CODE_MASK) < SBI_PMU_FW_MAX && !edata;
}

/* Back counter @idx with a new host event for the guest's event. */
static long ctr_configure_hw(struct kvmod_vcpu *vcpu, unsigned int idx,
			     unsigned long eidx, u64 edata, unsigned long flags)
{
	struct kvmod_riscv_pmc *pmc = &vcpu->arch.pmu.pmc[idx];
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.pinned = 1,
		.disabled = 1,
		/* Only the guest's own execution, filtered in its modes. */
		.exclude_host = 1,
		.exclude_hv = 1,
		.exclude_user = !!(flags & SBI_PMU_CFG_FLAG_SET_VUINH),
		.exclude_kernel = !!(flags & SBI_PMU_CFG_FLAG_SET_VSINH),
		.config1 = RISCV_PMU_CONFIG1_GUEST_EVENTS,
	};
	struct perf_event *event;

	if (event_attr(eidx, edata, &attr))
		return SBI_ERR_NOT_SUPPORTED;
	/* A sampling event reports the wrap; any period until started. */
	if (guest_has_sscofpmf(vcpu))
		attr.sample_period = PMU_MAX_PERIOD;
	event = perf_event_create_kernel_counter(&attr, -1, current,
						 ctr_overflow, pmc);
	if (IS_ERR(event)) {
		/*
		 * Mode filters need Sscofpmf in the host; the spec makes them
		 * hints, so without it the counter counts the vCPU thread.
		 */
		attr.exclude_host = 0;
		attr.exclude_hv = 0;
		attr.exclude_user = 0;
		attr.exclude_kernel = 0;
		attr.config1 = 0;
		event = perf_event_create_kernel_counter(&attr, -1, current,
							 ctr_overflow, pmc);
	}
	if (IS_ERR(event))
		return SBI_ERR_NOT_SUPPORTED;
	if (pmc->event)
		perf_event_release_kernel(pmc->event);
	pmc->event = event;
	return SBI_SUCCESS;
}

/* Cycle and instret count one event each; the others count anything. */
static bool hw_ctr_fits(unsigned int idx, unsigned long eidx)
{
	if (idx == 0)
		return eidx == SBI_PMU_HW_CPU_CYCLES;
	if (idx == 2)
		return eidx == SBI_PMU_HW_INSTRUCTIONS;
	return idx != 1;
}

static bool ctr_fits(unsigned int idx, unsigned long eidx, bool fw)
{
	return fw ? !is_hw(idx) : is_hw(idx) && hw_ctr_fits(idx, eidx);
}

/* Every counter of a set exists (and, with @configured, has an event). */
static bool ctr_set_valid(struct kvmod_riscv_pmu *pmu, unsigned long base,
			  unsigned long mask, bool configured)
{
	unsigned long i;

	if (!mask)
		return false;
	for_each_set_bit(i, &mask, BITS_PER_LONG)
		if (base + i < base || !ctr_exists(base + i) ||
		    (configured && pmu->pmc[base + i].event_idx == PMU_NO_EVENT))
			return false;
	return true;
}

static long pmu_cfg_match(struct kvmod_vcpu *vcpu, unsigned long base,
			  unsigned long mask, unsigned long flags,
			  unsigned long eidx, u64 edata, unsigned long *out)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;
	bool fw = fw_event_valid(eidx, edata);
	unsigned long i, idx = ULONG_MAX;
	long err;

	if (!ctr_set_valid(pmu, base, mask, false))
		return SBI_ERR_INVALID_PARAM;
	if (flags & SBI_PMU_CFG_FLAG_SKIP_MATCH) {
		/* Reconfigure the caller's choice, as long as it can count this. */
		idx = base + __ffs(mask);
		if (!ctr_fits(idx, eidx, fw) || pmu->pmc[idx].started)
			return SBI_ERR_NOT_SUPPORTED;
	} else {
		for_each_set_bit(i, &mask, BITS_PER_LONG) {
			if (pmu->pmc[base + i].event_idx == PMU_NO_EVENT &&
			    ctr_fits(base + i, eidx, fw)) {
				idx = base + i;
				break;
			}
		}
		if (idx == ULONG_MAX)
			return SBI_ERR_NOT_SUPPORTED;
	}

	if (!fw) {
		err = ctr_configure_hw(vcpu, idx, eidx, edata, flags);
		if (err)
			return err;
	}
	pmu->pmc[idx].event_idx = eidx;
	if (flags & SBI_PMU_CFG_FLAG_CLEAR_VALUE)
		pmu->pmc[idx].value = 0;
	if (flags & SBI_PMU_CFG_FLAG_AUTO_START)
		ctr_start(pmu, idx);
	*out = idx;
	return SBI_SUCCESS;
}

static long pmu_start(struct kvmod_vcpu *vcpu, unsigned long base,
		      unsigned long mask, unsigned long flags, u64 ival)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;
	__le64 values[BITS_PER_LONG];
	unsigned long i;

	if (!ctr_set_valid(pmu, base, mask, true))
		return SBI_ERR_INVALID_PARAM;
	for_each_set_bit(i, &mask, BITS_PER_LONG)
		if (pmu->pmc[base + i].started)
			return SBI_ERR_ALREADY_STARTED;
	/* The two are exclusive; the explicit value wins, as in KVM. */
	if (!(flags & SBI_PMU_START_FLAG_SET_INIT_VALUE) &&
	    flags & SBI_PMU_START_FLAG_INIT_SNAPSHOT) {
		if (pmu->snapshot == PMU_SHMEM_DISABLE)
			return SBI_ERR_NO_SHMEM;
		if (kvmod_read_guest(vcpu->vm, pmu->snapshot + SNAP_VALUE(0),
				     values, sizeof(values)))
			return SBI_ERR_INVALID_ADDRESS;
	}

	for_each_set_bit(i, &mask, BITS_PER_LONG) {
		struct kvmod_riscv_pmc *pmc = &pmu->pmc[base + i];

		if (flags & SBI_PMU_START_FLAG_SET_INIT_VALUE)
			pmc->value = ival & ctr_mask(base + i);
		else if (flags & SBI_PMU_START_FLAG_INIT_SNAPSHOT)
			pmc->value = le64_to_cpu(values[i]) &
				     ctr_mask(base + i);
		ctr_start(pmu, base + i);
	}
	return SBI_SUCCESS;
}

static long pmu_snapshot_write(struct kvmod_vcpu *vcpu, unsigned long base,
			       unsigned long mask)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;
	struct kvmod_vm *vm = vcpu->vm;
	unsigned long i;
	__le64 val;
	u64 ovf;

	if (kvmod_read_guest(vm, pmu->snapshot + SNAP_OVERFLOW, &val, sizeof(val)))
		return SBI_ERR_INVALID_ADDRESS;
	ovf = le64_to_cpu(val);
	for_each_set_bit(i, &mask, BITS_PER_LONG) {
		/* Reported once; the guest clears the bitmap itself. */
		if (test_and_clear_bit(base + i, pmu->overflow))
			ovf |= BIT_ULL(i);
		val = cpu_to_le64(pmu->pmc[base + i].value);
		if (kvmod_write_guest(vm, pmu->snapshot + SNAP_VALUE(i), &val,
				      sizeof(val)))
			return SBI_ERR_INVALID_ADDRESS;
	}
	val = cpu_to_le64(ovf);
	if (kvmod_write_guest(vm, pmu->snapshot + SNAP_OVERFLOW, &val, sizeof(val)))
		return SBI_ERR_INVALID_ADDRESS;
	return SBI_SUCCESS;
}

static long pmu_stop(struct kvmod_vcpu *vcpu, unsigned long base,
		     unsigned long mask, unsigned long flags)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;
	long err = SBI_SUCCESS, r;
	unsigned long i;

	if (!ctr_set_valid(pmu, base, mask, true))
		return SBI_ERR_INVALID_PARAM;
	if (flags & SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT &&
	    pmu->snapshot == PMU_SHMEM_DISABLE)
		return SBI_ERR_NO_SHMEM;

	for_each_set_bit(i, &mask, BITS_PER_LONG) {
		if (pmu->pmc[base + i].started)
			ctr_stop(pmu, base + i);
		else
			err = SBI_ERR_ALREADY_STOPPED;
	}
	if (flags & SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT) {
		r = pmu_snapshot_write(vcpu, base, mask);
		if (r)
			err = r;
	}
	/* The mapping goes even for a counter that was already stopped. */
	if (flags & SBI_PMU_STOP_FLAG_RESET)
		for_each_set_bit(i, &mask, BITS_PER_LONG)
			ctr_release(pmu, base + i);
	return err;
}

static long pmu_set_shmem(struct kvmod_vcpu *vcpu, unsigned long lo,
			  unsigned long hi, unsigned long flags)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;

	if (flags)
		return SBI_ERR_INVALID_PARAM;
	if (lo == PMU_SHMEM_DISABLE && hi == PMU_SHMEM_DISABLE) {
		pmu->snapshot = PMU_SHMEM_DISABLE;
		return SBI_SUCCESS;
	}
	if (!IS_ALIGNED(lo, PMU_SNAPSHOT_SIZE))
		return SBI_ERR_INVALID_PARAM;
	/* RV64: the whole address is in lo. */
	if (hi || !kvmod_gpa_is_memory(vcpu->vm, lo, PMU_SNAPSHOT_SIZE, true))
		return SBI_ERR_INVALID_ADDRESS;
	pmu->snapshot = lo;
	return SBI_SUCCESS;
}

/**
 * kvmod_riscv_pmu_ecall() - an SBI PMU call
 * @vcpu: the vCPU, put, from its run loop (perf calls sleep)
 * @fid: function id
 * @args: a0..a5 of the call
 * @value: sbiret.value
 *
 * Return: sbiret.error.
 */
long kvmod_riscv_pmu_ecall(struct kvmod_vcpu *vcpu, unsigned long fid,
			   const unsigned long *args, unsigned long *value)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;
	unsigned long idx = args[0];

	switch (fid) {
	case SBI_EXT_PMU_NUM_COUNTERS:
		*value = nr_counters();
		return SBI_SUCCESS;
	case SBI_EXT_PMU_COUNTER_GET_INFO: {
		union sbi_pmu_ctr_info info = { .value = 0 };

		if (!ctr_exists(idx))
			return SBI_ERR_INVALID_PARAM;
		info.width = ctr_width(idx);
		if (is_hw(idx))
			info.csr = CSR_CYCLE + idx;
		else
			info.type = SBI_PMU_CTR_TYPE_FW;
		*value = info.value;
		return SBI_SUCCESS;
	}
	case SBI_EXT_PMU_COUNTER_CFG_MATCH:
		return pmu_cfg_match(vcpu, args[0], args[1], args[2], args[3],
				     args[4], value);
	case SBI_EXT_PMU_COUNTER_START:
		return pmu_start(vcpu, args[0], args[1], args[2], args[3]);
	case SBI_EXT_PMU_COUNTER_STOP:
		return pmu_stop(vcpu, args[0], args[1], args[2]);
	case SBI_EXT_PMU_COUNTER_FW_READ:
	case SBI_EXT_PMU_COUNTER_FW_READ_HI:
		/* A firmware counter reads even before it is configured. */
		if (!ctr_exists(idx) || is_hw(idx))
			return SBI_ERR_INVALID_PARAM;
		/* RV64: the whole value fits the low half. */
		*value = fid == SBI_EXT_PMU_COUNTER_FW_READ ? ctr_read(pmu, idx) : 0;
		return SBI_SUCCESS;
	case SBI_EXT_PMU_SNAPSHOT_SET_SHMEM:
		return pmu_set_shmem(vcpu, args[0], args[1], args[2]);
	default:
		return SBI_ERR_NOT_SUPPORTED;
	}
}

/* The counter an instruction reads, -1 when it is no counter access, -2 for a write. */
static int csr_insn_counter(unsigned long insn, unsigned int *rd)
{
	unsigned int csr;
	bool writes;

	if (!kvmod_riscv_decode_csr(insn, &csr, rd, &writes) ||
	    csr < CSR_CYCLE || csr >= CSR_CYCLE + PMU_HW_MAX)
		return -1;
	/* Counters are read-only: any write is illegal, as in hardware. */
	return writes ? -2 : csr - CSR_CYCLE;
}

/* A trapped counter read, finished once the vCPU is put (perf may sleep). */
static int csr_read_step(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;

	/* x0 stays zero. */
	if (pmu->csr_read_rd)
		*kvmod_riscv_gpr(vcpu, pmu->csr_read_rd) = ctr_read(pmu, pmu->csr_read_idx);
	vcpu->arch.sw.guest.regs.pc += 4;
	return KVMOD_EXIT_GUEST;
}

/**
 * kvmod_riscv_pmu_csr_insn() - a trapped access to a counter CSR
 * @vcpu: the loaded vCPU
 * @insn: the instruction (a virtual-instruction exception)
 *
 * Return: -ENOENT when @insn does not access a counter CSR;
 * %KVMOD_EXIT_GUEST when the guest got an illegal-instruction exception
 * (a write, or a counter it has not configured); %KVMOD_EXIT_SLOW when the
 * read is finished once the vCPU is put.
 */
int kvmod_riscv_pmu_csr_insn(struct kvmod_vcpu *vcpu, unsigned long insn)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;
	unsigned int rd;
	int idx = csr_insn_counter(insn, &rd);

	if (idx == -1)
		return -ENOENT;
	if (idx < 0 || !guest_has_pmu(vcpu) || !is_hw(idx) ||
	    pmu->pmc[idx].event_idx == PMU_NO_EVENT) {
		kvmod_riscv_redirect_trap(vcpu, EXC_INST_ILLEGAL, insn);
		return KVMOD_EXIT_GUEST;
	}
	pmu->csr_read_idx = idx;
	pmu->csr_read_rd = rd;
	return kvmod_vcpu_defer(vcpu, KVMOD_DEFER_SLEEP, csr_read_step);
}

/**
 * kvmod_riscv_pmu_reset() - no counters configured, no snapshot area
 * @vcpu: the vCPU, sleepable
 */
void kvmod_riscv_pmu_reset(struct kvmod_vcpu *vcpu)
{
	struct kvmod_riscv_pmu *pmu = &vcpu->arch.pmu;
	unsigned int i;

	for (i = 0; i < KVMOD_RISCV_PMU_MAX; i++) {
		pmu->pmc[i].vcpu = vcpu;
		ctr_release(pmu, i);
	}
	pmu->snapshot = PMU_SHMEM_DISABLE;
}

/**
 * kvmod_riscv_pmu_destroy() - release the host events
 * @vcpu: the vCPU
 */
void kvmod_riscv_pmu_destroy(struct kvmod_vcpu *vcpu)
{
	kvmod_riscv_pmu_reset(vcpu);
}

/**
 * kvmod_riscv_pmu_hcounteren() - counters the guest may read untrapped
 * @vcpu: the vCPU
 *
 * Return: hcounteren for the vCPU: time always; cycle and instret only
 * without the PMU extension, whose counters are emulated.
 */
unsigned long kvmod_riscv_pmu_hcounteren(struct kvmod_vcpu *vcpu)
{
	return guest_has_pmu(vcpu) ? BIT(CSR_TIME - CSR_CYCLE) :
	       BIT(CSR_CYCLE - CSR_CYCLE) | BIT(CSR_TIME - CSR_CYCLE) |
	       BIT(CSR_INSTRET - CSR_CYCLE);
}
