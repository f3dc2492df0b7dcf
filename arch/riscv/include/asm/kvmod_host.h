/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmod: RISC-V state embedded in the core's VM and vCPU structures. */
#ifndef __ASM_RISCV_KVMOD_HOST_H
#define __ASM_RISCV_KVMOD_HOST_H

/* Offsets into struct kvmod_riscv_switch for switch.S; checked in vcpu.c. */
#define KVMOD_CTX_REG(n)		((n) * 8)	/* x<n>; slot 0 is pc */
#define KVMOD_CTX_SSTATUS		256
#define KVMOD_CTX_HSTATUS		264
#define KVMOD_CTX_SIZE			272
#define KVMOD_SW_GUEST			0
#define KVMOD_SW_HOST			KVMOD_CTX_SIZE
#define KVMOD_SW_HOST_STVEC		(2 * KVMOD_CTX_SIZE)
#define KVMOD_SW_HOST_SSCRATCH		(KVMOD_SW_HOST_STVEC + 8)
#define KVMOD_SW_SCAUSE			(KVMOD_SW_HOST_STVEC + 16)
#define KVMOD_SW_STVAL			(KVMOD_SW_HOST_STVEC + 24)
#define KVMOD_SW_HTVAL			(KVMOD_SW_HOST_STVEC + 32)
#define KVMOD_SW_HTINST			(KVMOD_SW_HOST_STVEC + 40)

/* struct kvmod_riscv_trap, filled by kvmod_riscv_unpriv_read_insn() */
#define KVMOD_TRAP_SCAUSE		0
#define KVMOD_TRAP_STVAL		8

#ifndef __ASSEMBLY__

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <asm/hwcap.h>
#include <asm/kvm.h>
#include <asm/ptrace.h>
#include <asm/sbi.h>

/* Upstream's KVM_MAX_VCPUS for RISC-V, which VMMs may rely on. */
#define KVMOD_RISCV_MAX_VCPUS	1024

/* RISC-V's vCPU requests, after the core's (include/linux/kvmod_host.h). */
#define KVMOD_REQ_FENCE_I	(KVMOD_REQ_ARCH_BASE + 0)	/* remote fence.i */
#define KVMOD_REQ_HFENCE_VVMA	(KVMOD_REQ_ARCH_BASE + 1)	/* remote sfence.vma */
#define KVMOD_REQ_STEAL_UPDATE	(KVMOD_REQ_ARCH_BASE + 2)	/* publish steal time */
#define KVMOD_REQ_PMU_OVERFLOW	(KVMOD_REQ_ARCH_BASE + 3)	/* re-arm a wrapped counter */

/**
 * struct kvmod_riscv_context - registers switch.S saves and restores
 * @regs: x1..x31, with the pc in the slot of x0
 * @sstatus: HS-level sstatus while in this context
 * @hstatus: hstatus while in this context
 */
struct kvmod_riscv_context {
	struct user_regs_struct regs;
	unsigned long sstatus;
	unsigned long hstatus;
};

/**
 * struct kvmod_riscv_switch - what the world switch reads and writes
 * @guest: guest registers
 * @host: host callee-saved registers and CSRs while the guest runs
 * @host_stvec: host trap vector
 * @host_sscratch: host sscratch
 * @scause: cause of the last exit
 * @stval: stval of the last exit
 * @htval: htval of the last exit (guest physical address >> 2)
 * @htinst: htinst of the last exit (transformed instruction or 0)
 */
struct kvmod_riscv_switch {
	struct kvmod_riscv_context guest;
	struct kvmod_riscv_context host;
	unsigned long host_stvec;
	unsigned long host_sscratch;
	unsigned long scause;
	unsigned long stval;
	unsigned long htval;
	unsigned long htinst;
};

/** struct kvmod_riscv_trap - a trap taken while reading guest memory */
struct kvmod_riscv_trap {
	unsigned long scause;
	unsigned long stval;
};

/**
 * struct kvmod_riscv_csr - guest CSRs kept while the vCPU is not loaded
 * @vsstatus: vsstatus
 * @vsie: vsie
 * @vstvec: vstvec
 * @vsscratch: vsscratch
 * @vsepc: vsepc
 * @vscause: vscause
 * @vstval: vstval
 * @vsatp: vsatp
 * @hvip: the hypervisor's view of the guest's pending interrupts
 * @scounteren: the guest's scounteren (no VS copy)
 * @senvcfg: the guest's senvcfg (no VS copy)
 * @sstateen0: the guest's sstateen0 (no VS copy)
 * @vsiselect: the AIA's vsiselect
 * @hviprio1: major interrupt priorities (AIA), first half
 * @hviprio2: major interrupt priorities (AIA), second half
 *
 * Virtual-supervisor CSRs plus the supervisor CSRs that have no VS copy,
 * the AIA's and the hypervisor's view of the guest's interrupts.
 */
struct kvmod_riscv_csr {
	unsigned long vsstatus;
	unsigned long vsie;
	unsigned long vstvec;
	unsigned long vsscratch;
	unsigned long vsepc;
	unsigned long vscause;
	unsigned long vstval;
	unsigned long vsatp;
	unsigned long hvip;
	unsigned long scounteren;
	unsigned long senvcfg;
	unsigned long sstateen0;
	unsigned long vsiselect;
	unsigned long hviprio1;
	unsigned long hviprio2;
};

/**
 * struct kvmod_riscv_timer - the guest's supervisor timer
 * @hrt: wakes a halted vCPU, or raises VSTIP without Sstc
 * @compare: guest time at which the timer fires; U64_MAX: none set
 */
struct kvmod_riscv_timer {
	struct hrtimer hrt;
	u64 compare;
};

/**
 * struct kvmod_riscv_mmio - the decoded access outside memory in flight
 * @is_load: the guest loads; @rd receives the value
 * @rd: destination register of a load
 * @len: access size in bytes
 * @sign: sign-extend the loaded value
 * @insn_len: bytes to skip once done
 */
struct kvmod_riscv_mmio {
	bool is_load;
	u8 rd;
	u8 len;
	bool sign;
	u8 insn_len;
};

/* Interrupt identities an IMSIC interrupt file may have (AIA). */
#define KVMOD_RISCV_IMSIC_MAX_IDS	2048

/**
 * struct kvmod_riscv_imsic - a vCPU's IMSIC interrupt file
 * @lock: the file's state, updated by MSIs from any thread
 * @addr: guest physical address of its MMIO page, or all ones
 * @hw_file: the hardware guest file holding the state, 0 for none (the
 *	software file below holds it then)
 * @hw_cpu: the host CPU whose IMSIC has @hw_file
 * @hw_wake: @hw_file signalled an interrupt while the vCPU was not running
 * @map_ok: the G-stage may map @addr to @hw_file's page (under the VM's
 *	mmu_lock: cleared, and the page unmapped, before the file goes)
 * @eidelivery: interrupt delivery enabled (bit 0)
 * @eithreshold: identities at or above it are masked (0: none)
 * @eip: pending identities
 * @eie: enabled identities
 */
struct kvmod_riscv_imsic {
	spinlock_t lock;	/* everything below but @addr and @hw_wake */
	u64 addr;
	unsigned int hw_file;
	int hw_cpu;
	bool hw_wake;
	bool map_ok;
	u32 eidelivery;
	u32 eithreshold;
	unsigned long eip[BITS_TO_LONGS(KVMOD_RISCV_IMSIC_MAX_IDS)];
	unsigned long eie[BITS_TO_LONGS(KVMOD_RISCV_IMSIC_MAX_IDS)];
};

/* Logical SBI PMU counters a guest may have (the snapshot area's limit). */
#define KVMOD_RISCV_PMU_MAX	64

struct perf_event;
struct kvmod_vcpu;

/**
 * struct kvmod_riscv_pmc - one guest PMU counter
 * @event: host perf event behind a configured hardware counter
 * @vcpu: the owner, for perf's overflow callback
 * @event_idx: SBI event index configured, SBI_PMU_EVENT_IDX_INVALID if free
 * @started: counting
 * @wrap_armed: the host event's period ends where the guest counter wraps
 * @value: the guest-visible value when @base was taken
 * @base: host count (perf event or firmware event) at the last start
 */
struct kvmod_riscv_pmc {
	struct perf_event *event;
	struct kvmod_vcpu *vcpu;
	u32 event_idx;
	bool started;
	bool wrap_armed;
	u64 value;
	u64 base;
};

/**
 * struct kvmod_riscv_pmu - a vCPU's SBI PMU
 * @pmc: logical counters
 * @overflow: counters that wrapped and were not yet reported
 * @fw_count: firmware events so far, by SBI_PMU_FW_* number
 * @snapshot: guest address of the snapshot area, or all ones
 * @csr_read_idx: the counter a trapped read (deferred) reads
 * @csr_read_rd: its destination register
 */
struct kvmod_riscv_pmu {
	struct kvmod_riscv_pmc pmc[KVMOD_RISCV_PMU_MAX];
	unsigned long overflow[BITS_TO_LONGS(KVMOD_RISCV_PMU_MAX)];
	atomic64_t fw_count[SBI_PMU_FW_MAX];
	unsigned long snapshot;
	u8 csr_read_idx;
	u8 csr_read_rd;
};

/**
 * struct kvmod_arch_vcpu_stat - RISC-V vCPU counters
 * @ecall_exit_stat: SBI calls
 * @wfi_exit_stat: WFI instructions
 * @hstateen_imsic_enabled: hstateen0.IMSIC opened on first access
 * @hstateen_aia_enabled: hstateen0.AIA opened on first access
 * @hstateen_aia_isel_enabled: hstateen0.AIA_ISEL opened on first access
 * @hstateen_envcfg_enabled: hstateen0.HSENVCFG opened on first access
 * @hstateen_sstateen0_enabled: hstateen0.SSTATEEN0 opened on first access
 * @imsic_hw_attach: the vCPU's IMSIC state moved into a hardware guest file
 * @imsic_sw_access: trapped stopei/sireg accesses emulated on the software file
 * @csr_exit_user: trapped CSR accesses handed to the VMM (KVM_EXIT_RISCV_CSR)
 * @csr_exit_kernel: trapped CSR accesses handled in the kernel (counters,
 *	hstateen gates, the software interrupt file)
 */
struct kvmod_arch_vcpu_stat {
	u64 ecall_exit_stat;
	u64 wfi_exit_stat;
	u64 hstateen_imsic_enabled;
	u64 hstateen_aia_enabled;
	u64 hstateen_aia_isel_enabled;
	u64 hstateen_envcfg_enabled;
	u64 hstateen_sstateen0_enabled;
	u64 imsic_hw_attach;
	u64 imsic_sw_access;
	u64 csr_exit_user;
	u64 csr_exit_kernel;
};

struct kvmod_riscv_aia;

/** struct kvmod_arch_vm - RISC-V part of a VM */
struct kvmod_arch_vm {
	struct kvmod_riscv_aia *aia;	/* the in-kernel AIA device, or NULL */
	u64 *pgd;
	struct list_head dead_tables;	/* detached, freed after the next flush */
	unsigned long hgatp;
	u64 time_delta;
	struct cpumask ran_on;
};

/** struct kvmod_arch_vcpu - RISC-V part of a vCPU */
struct kvmod_arch_vcpu {
	struct kvmod_riscv_switch sw;
	struct kvmod_riscv_csr csr;
	struct __riscv_d_ext_state fp;
	struct __riscv_d_ext_state host_fp;
	struct __riscv_v_ext_state vector;
	struct kvmod_riscv_timer timer;
	struct kvmod_riscv_mmio mmio;
	unsigned long isa[BITS_TO_LONGS(RISCV_ISA_EXT_MAX)];
	unsigned long sbi_disabled[BITS_TO_LONGS(KVM_RISCV_SBI_EXT_MAX)];
	unsigned long mvendorid;
	unsigned long marchid;
	unsigned long mimpid;
	unsigned long hedeleg;
	unsigned long hvien;
	unsigned long hcounteren;
	unsigned long henvcfg;
	u64 hstateen0;
	bool hstateen_set;
	bool hstateen_eager;
	unsigned long irqs_pending;
	unsigned long irqs_pending_mask;
	unsigned long csr_user_insn;	/* the CSR access the VMM answers */
	bool guest_debug;
	u64 flush_gpa;
	u64 fault_gpa;
	bool fault_write;
	struct kvmod_riscv_pmu pmu;
	struct kvmod_riscv_imsic imsic;
	unsigned long sta_shmem;
	u64 sta_last;
	unsigned long host_scounteren;
	unsigned long host_senvcfg;
	unsigned long host_sstateen0;
};

#endif /* __ASSEMBLY__ */
#endif /* __ASM_RISCV_KVMOD_HOST_H */
