/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmod: the arch-neutral core's types and the hooks each architecture
 * implements. The core (virt/kvmod/) never tests for an architecture; it calls
 * the kvmod_arch_*() functions declared at the end of this file instead.
 */
#ifndef __LINUX_KVMOD_HOST_H
#define __LINUX_KVMOD_HOST_H

#include <linux/interval_tree.h>
#include <linux/kvm.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/maple_tree.h>
#include <linux/mmu_notifier.h>
#include <linux/rcuwait.h>
#include <linux/signal_types.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/xarray.h>

/*
 * vCPU requests every architecture has (bits of kvmod_vcpu.requests); an
 * architecture numbers its own from KVMOD_REQ_ARCH_BASE.
 */
#define KVMOD_REQ_POWER		0	/* power state changed: look again */
#define KVMOD_REQ_RESET		1	/* load the reset state (CPU start) */
#define KVMOD_REQ_TLB_FLUSH	2	/* stage-2 changed: flush before entry */
#define KVMOD_REQ_ARCH_BASE	8

#include <asm/kvmod_host.h>

/* Upstream's limits for arm64 and riscv, which VMMs and selftests probe. */
#define KVMOD_USER_MEM_SLOTS		32767
#define KVMOD_ADDRESS_SPACE_NUM		1
#define KVMOD_MEM_MAX_NR_PAGES		((1UL << 31) - 1)
/* What KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 offers. */
#define KVMOD_DIRTY_LOG_MANUAL_CAPS	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
					 KVM_DIRTY_LOG_INITIALLY_SET)

/**
 * struct kvmod_memslot - one guest physical memory region
 * @base_gfn: first guest frame number of the region
 * @npages: number of pages in the region (never zero)
 * @userspace_addr: host virtual address backing @base_gfn
 * @flags: KVM_MEM_* flags given by userspace
 * @id: slot id within its address space
 * @as_id: address space id
 * @dirty_bitmap: one bit per page while KVM_MEM_LOG_DIRTY_PAGES is set
 * @hva_node: in the address space's @hva_tree, over the host addresses
 *	backing the slot
 */
struct kvmod_memslot {
	u64 base_gfn;
	u64 npages;
	u64 userspace_addr;
	u32 flags;
	u16 id;
	u16 as_id;
	unsigned long *dirty_bitmap;
	struct interval_tree_node hva_node;
};

/**
 * struct kvmod_memslots - the memory slots of one address space
 * @gfn_tree: guest frame ranges to slots; readers look up without locks
 *	under the VM's SRCU, writers hold the VM's slots_lock
 * @by_id: slot id to slot
 * @hva_tree: host address ranges to slots (they may overlap), for MMU
 *	notifiers; changed and read under the VM's mmu_lock
 * @nr_pages: pages covered by all slots
 * @nr_slots: number of slots
 */
struct kvmod_memslots {
	struct maple_tree gfn_tree;
	struct xarray by_id;
	struct rb_root_cached hva_tree;
	u64 nr_pages;
	unsigned int nr_slots;
};

/**
 * struct kvmod_stat_desc - a binary statistics descriptor and its name
 * @desc: the descriptor as KVM_GET_STATS_FD presents it
 * @name: the statistic's name
 */
struct kvmod_stat_desc {
	struct kvm_stats_desc desc;
	char name[KVM_STATS_NAME_SIZE];
};

/**
 * KVMOD_STAT_DESC() - descriptor of one u64 counter
 * @base: offset of @stype within the stats struct of the fd (struct
 *	kvmod_vm_stat or struct kvmod_vcpu_stat), 0 when it is that struct
 * @stype: the struct holding the counter
 * @field: the counter, whose name is the stat's name
 * @type: KVM_STATS_TYPE_* suffix (CUMULATIVE, INSTANT, ...)
 * @unit: KVM_STATS_UNIT_* suffix (NONE, SECONDS, ...)
 * @exp: power-of-ten exponent of the unit
 */
#define KVMOD_STAT_DESC(base, stype, field, type, unit, exp)		\
	{ .desc = { .flags = KVM_STATS_TYPE_##type | KVM_STATS_UNIT_##unit |	\
			     KVM_STATS_BASE_POW10,				\
		    .exponent = (exp), .size = 1,				\
		    .offset = (base) + offsetof(stype, field) },		\
	  .name = #field }

/**
 * struct kvmod_vm_stat - VM counters, in KVM_GET_STATS_FD order
 * @remote_tlb_flush: stage-2 TLB flushes done on every CPU of the VM
 * @remote_tlb_flush_requests: stage-2 changes that asked for one
 * @pages_4k: stage-2 leaves mapping 4 KiB
 * @pages_2m: stage-2 leaves mapping 2 MiB
 * @pages_1g: stage-2 leaves mapping 1 GiB
 * @irqfd_deferred: irqfd signals injected from a work item, because the
 *	interrupt controller could not take them in atomic context
 */
struct kvmod_vm_stat {
	u64 remote_tlb_flush;
	u64 remote_tlb_flush_requests;
	u64 pages_4k;
	u64 pages_2m;
	u64 pages_1g;
	u64 irqfd_deferred;
};

/**
 * struct kvmod_vcpu_stat - vCPU counters, in KVM_GET_STATS_FD order
 * @halt_wakeup: halts that ended because the vCPU had work
 * @halt_wait_ns: nanoseconds spent halted
 * @blocking: 1 while the vCPU is halted
 * @exits: exits from the guest, for any reason
 * @signal_exits: KVM_RUN calls ended by a signal
 * @mmio_exit_user: accesses outside memory that exited to userspace
 * @mmio_exit_kernel: accesses outside memory completed in the kernel
 *	(coalesced zones, in-kernel devices, ioeventfds)
 * @arch: the architecture's counters
 */
struct kvmod_vcpu_stat {
	u64 halt_wakeup;
	u64 halt_wait_ns;
	u64 blocking;
	u64 exits;
	u64 signal_exits;
	u64 mmio_exit_user;
	u64 mmio_exit_kernel;
	struct kvmod_arch_vcpu_stat arch;
};

/**
 * struct kvmod_vm - a virtual machine, owned by its file descriptor
 * @ref: references: the VM fd and every vCPU fd hold one
 * @mm: address space of the process that created the VM; only it may use it
 * @type: machine type given to KVM_CREATE_VM
 * @lock: serialises vCPU creation and VM-wide configuration
 * @slots_lock: serialises memory slot updates
 * @srcu: protects readers of @memslots against slot removal
 * @memslots: memory slots, one set per address space
 * @vcpus: vCPUs by creation index
 * @vcpu_ids: vCPUs by the id userspace gave them
 * @nr_vcpus: number of vCPUs created
 * @max_vcpus: most vCPUs this VM may have
 * @phys_bits: guest physical address width, set by kvmod_arch_vm_init()
 * @slot_gfn_limit: memory slots must end at or below this guest frame;
 *	set by kvmod_arch_vm_init() (upstream riscv keeps the last page of
 *	the address space out of slots, arm64 does not)
 * @slots_need_vm_write: a writable slot needs writable host mappings at
 *	creation (upstream riscv refuses one over read-only memory with
 *	-EPERM; arm64 checks only when the guest writes)
 * @memslot_flags: KVM_MEM_* flags the VM's memory slots may have
 * @mmu_notifier: tells the VM when host mappings of guest memory change
 * @mmu_lock: serialises changes of the guest's stage-2 mappings
 * @mmu_invalidate_seq: bumped at the end of every invalidation
 * @mmu_invalidate_in_progress: invalidations begun but not yet ended
 * @mmu_notifier_on: @mmu_notifier is registered
 * @coalesced_ring: ring of coalesced MMIO writes, shared with userspace
 * @ring_lock: serialises writers of @coalesced_ring
 * @coalesced_zones: guest physical ranges whose writes are coalesced
 * @stat: counters for KVM_GET_STATS_FD
 * @manual_dirty_log_protect: KVM_DIRTY_LOG_* flags userspace enabled
 * @devices: in-kernel devices (KVM_CREATE_DEVICE), under @lock
 * @io_bus: guest physical ranges in-kernel devices emulate (RCU)
 * @ioeventfds: KVM_IOEVENTFD assignments, under @lock
 * @irq_srcu: protects readers of @irq_routing, which may sleep
 * @irq_routing: the GSI routing table (@irq_srcu), or NULL for the default
 * @irqfds: eventfds that raise GSIs (KVM_IRQFD)
 * @irqfds_lock: protects @irqfds
 * @irqfd_shutdowns: irqfds being freed after their eventfd hung up
 * @vmid: the VM's VMID (virt/kvmod/vmid.c); 0 is shared by the VMs that
 *	found none free
 * @serial: a number no other VM had, for per-CPU flush tracking
 * @arch: architecture state
 */
struct kvmod_vm {
	struct kref ref;
	struct mm_struct *mm;
	unsigned long type;
	struct mutex lock;	/* vCPU creation, VM-wide configuration */
	struct mutex slots_lock;	/* memory slot updates */
	struct srcu_struct srcu;
	struct kvmod_memslots memslots[KVMOD_ADDRESS_SPACE_NUM];
	struct xarray vcpus;
	struct xarray vcpu_ids;
	unsigned int nr_vcpus;
	unsigned int max_vcpus;
	unsigned int phys_bits;
	u64 slot_gfn_limit;
	bool slots_need_vm_write;
	u32 memslot_flags;
	struct mmu_notifier mmu_notifier;
	spinlock_t mmu_lock;	/* stage-2 page tables */
	unsigned long mmu_invalidate_seq;
	unsigned long mmu_invalidate_in_progress;
	bool mmu_notifier_on;
	struct kvm_coalesced_mmio_ring *coalesced_ring;
	spinlock_t ring_lock;	/* coalesced_ring producers */
	struct kvmod_coalesced_zones __rcu *coalesced_zones;
	struct kvmod_vm_stat stat;
	u64 manual_dirty_log_protect;
	struct list_head devices;
	struct kvmod_io_bus __rcu *io_bus;
	struct list_head ioeventfds;
	struct srcu_struct irq_srcu;
	struct kvmod_irq_routing __rcu *irq_routing;
	struct list_head irqfds;
	spinlock_t irqfds_lock;	/* irqfds */
	atomic_t irqfd_shutdowns;
	u32 vmid;
	u64 serial;
	struct kvmod_arch_vm arch;
};

struct kvmod_device;
struct kvmod_io_bus;
struct kvmod_irq_routing;
struct kvmod_vcpu;

/**
 * struct kvmod_io_ops - accessors of an in-kernel MMIO range
 * @read: a load of @len bytes at @offset into @data (little-endian);
 *	NULL when loads go to userspace
 * @write: a store of @len bytes of @data at @offset; returns false to
 *	leave the access to the next range or to userspace
 * @shared: ranges of these ops may overlap any other range (ioeventfds,
 *	which take only exact writes); other ranges may not overlap
 *	each other
 *
 * Both accessors run in atomic context on the accessing vCPU's thread.
 */
struct kvmod_io_ops {
	void (*read)(struct kvmod_vcpu *vcpu, void *opaque, u64 offset,
		     unsigned int len, void *data);
	bool (*write)(struct kvmod_vcpu *vcpu, void *opaque, u64 offset,
		      unsigned int len, const void *data);
	bool shared;
};

/**
 * struct kvmod_io_range - one in-kernel MMIO range
 * @addr: first guest physical address
 * @len: length in bytes
 * @ops: its accessors
 * @opaque: their argument
 */
struct kvmod_io_range {
	u64 addr;
	u64 len;
	const struct kvmod_io_ops *ops;
	void *opaque;
};

/**
 * struct kvmod_device_ops - a KVM_CREATE_DEVICE type
 * @name: name of its fd
 * @create: set up @dev->private; may refuse (-EEXIST for a second one)
 * @destroy: free it when the VM dies, after the vCPUs
 * @set_attr: KVM_SET_DEVICE_ATTR
 * @get_attr: KVM_GET_DEVICE_ATTR
 * @has_attr: KVM_HAS_DEVICE_ATTR
 *
 * All but @destroy run with the VM's lock held.
 */
struct kvmod_device_ops {
	const char *name;
	int (*create)(struct kvmod_device *dev);
	void (*destroy)(struct kvmod_device *dev);
	int (*set_attr)(struct kvmod_device *dev, const struct kvm_device_attr *attr);
	int (*get_attr)(struct kvmod_device *dev, const struct kvm_device_attr *attr);
	int (*has_attr)(struct kvmod_device *dev, const struct kvm_device_attr *attr);
};

/**
 * struct kvmod_device - an in-kernel device of a VM
 * @ops: its type
 * @vm: the VM
 * @private: the type's state
 * @node: in the VM's list
 */
struct kvmod_device {
	const struct kvmod_device_ops *ops;
	struct kvmod_vm *vm;
	void *private;
	struct list_head node;
};

/* What an exit handler tells the run loop (virt/kvmod/run.c). */
enum {
	KVMOD_EXIT_USER = 0,	/* kvm_run is filled in: return to userspace */
	KVMOD_EXIT_GUEST = 1,	/* handled: enter the guest again */
	KVMOD_EXIT_SLOW = 2,	/* work queued with kvmod_vcpu_defer(): put first */
};

/**
 * enum kvmod_defer - steps of deferred exit work, in the order they run
 * @KVMOD_DEFER_USER: finish an exit userspace handled with its answer in
 *	kvm_run (a load's data, an SBI or CSR result); runs at the start of
 *	the next KVM_RUN
 * @KVMOD_DEFER_FAULT: map the guest memory behind a stage-2 fault
 * @KVMOD_DEFER_SLEEP: finish an emulation that may sleep (a perf counter
 *	read, an in-kernel device reading guest memory)
 * @KVMOD_DEFER_HALT: wait for an interrupt; last, so that the steps
 *	before it may make the vCPU runnable
 * @KVMOD_DEFER_NR: number of steps
 */
enum kvmod_defer {
	KVMOD_DEFER_USER,
	KVMOD_DEFER_FAULT,
	KVMOD_DEFER_SLEEP,
	KVMOD_DEFER_HALT,
	KVMOD_DEFER_NR,
};

typedef int (*kvmod_defer_fn)(struct kvmod_vcpu *vcpu);

/* What a stage-2 leaf allows (kvmod_arch_mmu_map()). */
#define KVMOD_PROT_WRITE	BIT(0)	/* stores; the page is dirty already */
#define KVMOD_PROT_EXEC		BIT(1)	/* instruction fetches */
#define KVMOD_PROT_DEVICE	BIT(2)	/* device memory: uncached, no speculation */

/* Tables the deepest stage-2 walk may need; no format has more levels. */
#define KVMOD_MMU_CACHE_MAX	8

/**
 * struct kvmod_mmu_cache - zeroed pages for stage-2 tables, filled before
 *	mmu_lock is taken so that mapping never allocates
 * @nr: pages held
 * @pages: the pages
 */
struct kvmod_mmu_cache {
	unsigned int nr;
	void *pages[KVMOD_MMU_CACHE_MAX];
};

/* kvmod_vcpu.mode: where the vCPU thread is, as seen by kicks. */
enum kvmod_vcpu_mode {
	KVMOD_OUTSIDE_GUEST_MODE,
	KVMOD_IN_GUEST_MODE,
	KVMOD_EXITING_GUEST_MODE,
};

/**
 * struct kvmod_vcpu - a virtual CPU; lives as long as its VM
 * @vm: the VM it belongs to
 * @vcpu_id: id given by userspace to KVM_CREATE_VCPU
 * @vcpu_idx: creation index within the VM
 * @mutex: serialises the vCPU's ioctls
 * @run: the shared kvm_run page, mapped by userspace at offset 0 of the fd
 * @cpu: host CPU the vCPU's state is loaded on, -1 when not loaded
 * @mode: a &enum kvmod_vcpu_mode; kicks only interrupt %KVMOD_IN_GUEST_MODE
 * @requests: KVMOD_REQ_* bits the vCPU handles before it enters the guest
 * @wait: where a halted vCPU thread sleeps
 * @kick_csd: interrupts the CPU the vCPU runs on, to make it leave the guest
 * @kick_inflight: bit 0 is set while @kick_csd is queued
 * @ran_once: KVM_RUN was called; some configuration is frozen from then on
 * @deferred: steps of queued exit work (bits of &enum kvmod_defer)
 * @defer_fn: the work queued for each step
 * @mmu_cache: pages for the stage-2 tables its faults add
 * @serial: a number no other vCPU had, for per-CPU flush tracking
 * @power_lock: serialises power state changes with @reset_pc/@reset_arg
 * @power_off: stopped (KVM_MP_STATE_STOPPED): sleeps in KVM_RUN until
 *	started (virt/kvmod/power.c)
 * @reset_pc: the entry point of the last start
 * @reset_arg: the argument of the last start
 * @stat: counters for KVM_GET_STATS_FD
 * @sigset_active: KVM_SET_SIGNAL_MASK gave a mask for KVM_RUN
 * @sigset: the signals blocked while in KVM_RUN
 * @arch: architecture state
 */
struct kvmod_vcpu {
	struct kvmod_vm *vm;
	unsigned int vcpu_id;
	unsigned int vcpu_idx;
	struct mutex mutex;	/* one ioctl at a time */
	struct kvm_run *run;
	int cpu;
	int mode;
	unsigned long requests;
	struct rcuwait wait;
	call_single_data_t kick_csd;
	unsigned long kick_inflight;
	bool ran_once;
	unsigned long deferred;
	kvmod_defer_fn defer_fn[KVMOD_DEFER_NR];
	struct kvmod_mmu_cache mmu_cache;
	u64 serial;
	spinlock_t power_lock;	/* power_off, reset_pc, reset_arg */
	bool power_off;
	unsigned long reset_pc;
	unsigned long reset_arg;
	struct kvmod_vcpu_stat stat;
	bool sigset_active;
	sigset_t sigset;
	struct kvmod_arch_vcpu arch;
};

/**
 * kvmod_make_request() - ask a vCPU to do something before it next enters
 * @req: request bit (KVMOD_REQ_*)
 * @vcpu: the vCPU
 *
 * Pair with kvmod_vcpu_kick() when the vCPU may be in the guest.
 */
static inline void kvmod_make_request(int req, struct kvmod_vcpu *vcpu)
{
	/* Whatever the request asks for must be visible before the bit. */
	smp_wmb();
	set_bit(req, &vcpu->requests);
}

/**
 * kvmod_check_request() - take a pending request
 * @req: request bit (KVMOD_REQ_*)
 * @vcpu: the vCPU, called by its own thread
 *
 * Return: true when @req was pending; it is cleared.
 */
static inline bool kvmod_check_request(int req, struct kvmod_vcpu *vcpu)
{
	if (!test_bit(req, &vcpu->requests))
		return false;
	clear_bit(req, &vcpu->requests);
	/* Pairs with kvmod_make_request(). */
	smp_mb__after_atomic();
	return true;
}

/* Coalesced MMIO (virt/kvmod/coalesced_mmio.c). */
struct kvmod_coalesced_zones;
int kvmod_coalesced_mmio_init(struct kvmod_vm *vm);
void kvmod_coalesced_mmio_destroy(struct kvmod_vm *vm);
long kvmod_vm_ioctl_coalesced_mmio(struct kvmod_vm *vm, unsigned int ioctl,
				   void __user *argp);
bool kvmod_coalesced_mmio_write(struct kvmod_vm *vm, u64 gpa, u32 len,
				const void *data);

/* Dirty page logging (virt/kvmod/dirty_log.c). */
long kvmod_vm_ioctl_dirty_log(struct kvmod_vm *vm, unsigned int ioctl,
			      void __user *argp);
int kvmod_vm_enable_dirty_log_protect(struct kvmod_vm *vm, u64 flags);
bool kvmod_dirty_clear_ok(u64 npages, u64 first, u32 num);
unsigned long kvmod_dirty_word_mask(unsigned long i, u32 num, unsigned long bits);

/* Binary statistics (virt/kvmod/stats.c). */
int kvmod_vm_stats_fd(struct kvmod_vm *vm);
int kvmod_vcpu_stats_fd(struct kvmod_vcpu *vcpu);

/* Memory notifier and stage-2 invalidation (virt/kvmod/mmu.c). */
int kvmod_mmu_init(struct kvmod_vm *vm);
void kvmod_mmu_destroy(struct kvmod_vm *vm);
void kvmod_mmu_unmap_slot(struct kvmod_vm *vm, struct kvmod_memslot *slot);
void kvmod_mmu_flush(struct kvmod_vm *vm);
unsigned long kvmod_mmu_seq_begin(struct kvmod_vm *vm);
bool kvmod_mmu_seq_retry(struct kvmod_vm *vm, unsigned long seq);

/* Stage-2 fault-in (virt/kvmod/fault.c). */
int kvmod_mmu_fault(struct kvmod_vcpu *vcpu, u64 gpa, bool write);
unsigned int kvmod_mmu_fit_shift(const struct kvmod_memslot *slot, u64 gfn,
				 unsigned long hva, unsigned int max_shift);
int kvmod_mmu_cache_topup(struct kvmod_vcpu *vcpu);
void *kvmod_mmu_cache_alloc(struct kvmod_mmu_cache *c);
void kvmod_mmu_cache_free(struct kvmod_mmu_cache *c);

/* The run loop, kicks, halting, deferred exit work (virt/kvmod/run.c). */
void kvmod_vcpu_run_init(struct kvmod_vcpu *vcpu);
long kvmod_vcpu_ioctl_run(struct kvmod_vcpu *vcpu, unsigned long arg);
void kvmod_vcpu_kick(struct kvmod_vcpu *vcpu);
void kvmod_vcpu_kick_sync(struct kvmod_vcpu *vcpu);
int kvmod_vcpu_halt(struct kvmod_vcpu *vcpu);
bool kvmod_vcpu_exit_pending(struct kvmod_vcpu *vcpu);
int kvmod_vcpu_defer(struct kvmod_vcpu *vcpu, enum kvmod_defer step,
		     kvmod_defer_fn fn);
int kvmod_vcpu_defer_halt(struct kvmod_vcpu *vcpu);
int kvmod_vcpu_run_deferred(struct kvmod_vcpu *vcpu);
void kvmod_vcpu_cancel_deferred(struct kvmod_vcpu *vcpu);
struct kvmod_vcpu *kvmod_get_vcpu_by_id(struct kvmod_vm *vm, unsigned long id);

/**
 * kvmod_memslot_mark_dirty() - log a write to a guest frame
 * @slot: the slot holding @gfn
 * @gfn: the guest frame number written
 *
 * Nothing happens unless the slot logs dirty pages. Any context.
 */
static inline void kvmod_memslot_mark_dirty(struct kvmod_memslot *slot, u64 gfn)
{
	if (slot->dirty_bitmap)
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
}

/**
 * kvmod_memslot_hva() - host address of a guest frame in a slot
 * @slot: the slot holding @gfn
 * @gfn: the guest frame number
 *
 * Return: the host virtual address of the frame's first byte.
 */
static inline unsigned long kvmod_memslot_hva(const struct kvmod_memslot *slot,
					      u64 gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

/* Memory slots (virt/kvmod/memslot.c). */
int kvmod_memslot_check_region(const struct kvm_userspace_memory_region2 *mem,
			       u32 valid_flags);
int kvmod_set_memory_region(struct kvmod_vm *vm,
			    const struct kvm_userspace_memory_region2 *mem);
struct kvmod_memslot *kvmod_memslot_find(struct kvmod_memslots *slots,
					 u64 gfn, u64 npages);
void kvmod_memslots_init(struct kvmod_vm *vm);
void kvmod_memslots_destroy(struct kvmod_vm *vm);

/**
 * kvmod_gfn_to_memslot() - the memory slot holding a guest frame
 * @vm: the VM, inside its SRCU read-side section or with slots_lock held
 * @gfn: the guest frame number
 *
 * Return: the slot, or NULL when @gfn is not guest memory.
 */
static inline struct kvmod_memslot *kvmod_gfn_to_memslot(struct kvmod_vm *vm, u64 gfn)
{
	/* One address space (KVMOD_ADDRESS_SPACE_NUM). */
	return kvmod_memslot_find(&vm->memslots[0], gfn, 1);
}

/* In-kernel devices (virt/kvmod/device.c, virt/kvmod/io_bus.c). */
long kvmod_vm_ioctl_create_device(struct kvmod_vm *vm, void __user *argp);
void kvmod_devices_destroy(struct kvmod_vm *vm);
int kvmod_io_bus_register(struct kvmod_vm *vm, u64 addr, u64 len,
			  const struct kvmod_io_ops *ops, void *opaque);
int kvmod_io_bus_register_ranges(struct kvmod_vm *vm, const struct kvmod_io_range *add,
				 unsigned int n);
int kvmod_io_bus_unregister(struct kvmod_vm *vm, const void *opaque);
void kvmod_io_bus_destroy(struct kvmod_vm *vm);
bool kvmod_io_bus_access(struct kvmod_vcpu *vcpu, u64 addr, unsigned int len,
			 bool write, void *data);

/* vCPU power state (virt/kvmod/power.c). */
bool kvmod_vcpu_stopped(struct kvmod_vcpu *vcpu);
void kvmod_vcpu_power_off(struct kvmod_vcpu *vcpu);
int kvmod_vcpu_start(struct kvmod_vcpu *vcpu, unsigned long pc, unsigned long arg);
bool kvmod_vcpu_take_reset(struct kvmod_vcpu *vcpu, unsigned long *pc,
			   unsigned long *arg);
long kvmod_vcpu_ioctl_mp_state(struct kvmod_vcpu *vcpu, unsigned int ioctl,
			       void __user *argp);
void kvmod_vm_system_event(struct kvmod_vcpu *vcpu, u32 type, const u64 *data,
			   unsigned int ndata);

/* VMIDs and per-CPU flush tracking (virt/kvmod/vmid.c). */
#define KVMOD_FLUSH_VMID	BIT(0)	/* every entry of the VM's VMID */
#define KVMOD_FLUSH_VCPU	BIT(1)	/* entries private to a vCPU */
u64 kvmod_new_serial(void);
void kvmod_vmid_alloc(struct kvmod_vm *vm, unsigned int bits);
void kvmod_vmid_free(struct kvmod_vm *vm);
unsigned int kvmod_vmid_load(struct kvmod_vcpu *vcpu);

/* Guest accesses outside memory (virt/kvmod/mmio.c). */
bool kvmod_mmio_access(struct kvmod_vcpu *vcpu, u64 gpa, unsigned int len,
		       bool write, void *data);

/* Stores that signal an eventfd (virt/kvmod/ioeventfd.c). */
long kvmod_vm_ioctl_ioeventfd(struct kvmod_vm *vm, void __user *argp);
void kvmod_ioeventfd_destroy(struct kvmod_vm *vm);

/* GSI routing and irqfds (virt/kvmod/irq.c). */
void kvmod_irq_set(struct kvmod_vm *vm, u32 gsi, bool level);
long kvmod_vm_ioctl_set_gsi_routing(struct kvmod_vm *vm, void __user *argp);
long kvmod_vm_ioctl_irqfd(struct kvmod_vm *vm, void __user *argp);
long kvmod_vm_ioctl_signal_msi(struct kvmod_vm *vm, void __user *argp);
void kvmod_irq_destroy(struct kvmod_vm *vm);
int kvmod_irq_init(void);
void kvmod_irq_exit(void);

/* Host access to guest memory (virt/kvmod/guest_access.c). */
int kvmod_read_guest(struct kvmod_vm *vm, u64 gpa, void *data,
		     unsigned long len);
int kvmod_write_guest(struct kvmod_vm *vm, u64 gpa, const void *data,
		      unsigned long len);
bool kvmod_gpa_is_memory(struct kvmod_vm *vm, u64 gpa, unsigned long len,
			 bool write);

/* VMs and vCPUs (virt/kvmod/vm.c, virt/kvmod/vcpu.c). */
int kvmod_anon_fd(const char *name, const struct file_operations *fops, void *priv,
		  int flags, struct file **file);
int kvmod_create_vm(unsigned long type);
void kvmod_vm_get(struct kvmod_vm *vm);
void kvmod_vm_put(struct kvmod_vm *vm);
int kvmod_create_vcpu(struct kvmod_vm *vm, unsigned long id);
void kvmod_vcpu_destroy(struct kvmod_vcpu *vcpu);
long kvmod_check_extension(struct kvmod_vm *vm, long ext);
unsigned int kvmod_vcpu_mmap_size(void);

/*
 * Architecture hooks. Each architecture implements all of them in
 * arch/<arch>/kvmod/; a hook returning an errno fails the operation that
 * called it with that errno.
 */

/**
 * kvmod_arch_init() - check the CPU can host guests and set up global state
 *
 * Called once at module load.
 *
 * Return: 0, or -ENODEV (with a kernel log line saying why) when the
 * hardware or the host kernel's mode cannot run guests.
 */
int kvmod_arch_init(void);

/** kvmod_arch_exit() - undo kvmod_arch_init() at module unload */
void kvmod_arch_exit(void);

/**
 * kvmod_arch_check_extension() - value of an arch-specific capability
 * @vm: the VM asked through, or NULL when asked through /dev/kvm
 * @ext: KVM_CAP_* number the core does not answer itself
 *
 * Return: the capability's value, 0 when unsupported.
 */
long kvmod_arch_check_extension(struct kvmod_vm *vm, long ext);

/**
 * kvmod_arch_max_vcpus() - largest number of vCPUs per VM
 *
 * Return: the limit, which also bounds vCPU ids.
 */
unsigned int kvmod_arch_max_vcpus(void);

/**
 * kvmod_arch_vm_init() - validate the KVM_CREATE_VM type, set up @vm->arch
 * @vm: the new VM; @vm->type holds the requested type
 *
 * Sets @vm->phys_bits.
 *
 * Return: 0, or -EINVAL for a type the arch rejects.
 */
int kvmod_arch_vm_init(struct kvmod_vm *vm);

/** kvmod_arch_vm_destroy() - release @vm->arch; every vCPU is gone */
void kvmod_arch_vm_destroy(struct kvmod_vm *vm);

/**
 * kvmod_arch_vm_ioctl() - VM ioctls the core does not handle
 * @vm: the VM
 * @ioctl: ioctl number
 * @arg: ioctl argument
 *
 * Return: as the ioctl defines; -EINVAL for an unknown ioctl.
 */
long kvmod_arch_vm_ioctl(struct kvmod_vm *vm, unsigned int ioctl,
			 unsigned long arg);

/**
 * kvmod_arch_device_ops() - the in-kernel device type @type, if offered
 * @type: KVM_DEV_TYPE_*
 *
 * Return: its operations, or NULL.
 */
const struct kvmod_device_ops *kvmod_arch_device_ops(u32 type);

/**
 * kvmod_arch_irqchip_created() - whether the VM has its in-kernel
 *	interrupt controller device (created, not necessarily initialized)
 * @vm: the VM
 *
 * Return: true once KVM_CREATE_DEVICE made it: GSI routes may be set.
 */
bool kvmod_arch_irqchip_created(struct kvmod_vm *vm);

/**
 * kvmod_arch_irq_route_ok() - whether an irqchip route may be set
 * @vm: the VM
 * @irqchip: the irqchip number
 * @pin: its pin
 *
 * Return: true when the architecture's interrupt controller has the pin.
 */
bool kvmod_arch_irq_route_ok(struct kvmod_vm *vm, u32 irqchip, u32 pin);

/**
 * kvmod_arch_irq_set() - a routed irqchip pin's new level
 * @vm: the VM
 * @irqchip: the irqchip number
 * @pin: its pin
 * @level: the level
 *
 * Any context; pins the controller does not have are ignored.
 */
void kvmod_arch_irq_set(struct kvmod_vm *vm, u32 irqchip, u32 pin, bool level);

/**
 * kvmod_arch_irq_msi() - an MSI, sent by userspace or routed from a GSI
 * @vm: the VM, with its interrupt controller device created
 * @msi: address, data and, with KVM_MSI_VALID_DEVID in flags, the
 *	device id
 *
 * @atomic: the caller cannot sleep (an irqfd's wake-up); a controller that
 *	would have to (an ITS reading its tables in guest memory) delivers
 *	nothing and returns -EWOULDBLOCK, and the core retries from a work
 *	item with @atomic false
 *
 * Return: 0, also for an MSI the hardware would drop (an address no
 * controller has); -EBUSY before the controller is initialized;
 * -EWOULDBLOCK as above; what it refuses otherwise (-ENODEV, -EINVAL).
 * KVM_SIGNAL_MSI returns it; routed MSIs drop it.
 */
int kvmod_arch_irq_msi(struct kvmod_vm *vm, const struct kvm_msi *msi, bool atomic);

/** kvmod_arch_vcpu_create() - set up @vcpu->arch for a new vCPU */
int kvmod_arch_vcpu_create(struct kvmod_vcpu *vcpu);

/** kvmod_arch_vcpu_destroy() - release @vcpu->arch */
void kvmod_arch_vcpu_destroy(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_ioctl() - vCPU ioctls the core does not handle
 * @vcpu: the vCPU
 * @ioctl: ioctl number
 * @arg: ioctl argument
 *
 * Called with @vcpu->mutex held.
 * Return: as the ioctl defines; -EINVAL for an unknown ioctl.
 */
long kvmod_arch_vcpu_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
			   unsigned long arg);

/**
 * kvmod_arch_vcpu_async_ioctl() - vCPU ioctls that do not wait for KVM_RUN
 * @vcpu: the vCPU
 * @ioctl: ioctl number
 * @arg: ioctl argument
 *
 * Called without @vcpu->mutex, from any thread, possibly while the vCPU
 * runs, for the ioctls upstream documents as asynchronous (KVM_INTERRUPT
 * on RISC-V): a VMM raises interrupts on every vCPU from whichever thread
 * emulates the device, and must not wait for the target to exit.
 *
 * Return: as the ioctl defines; -ENOIOCTLCMD when @ioctl is not one of
 * them (the core then takes @vcpu->mutex and calls
 * kvmod_arch_vcpu_ioctl()).
 */
long kvmod_arch_vcpu_async_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
				 unsigned long arg);

/**
 * kvmod_arch_mmio_complete() - finish a decoded access outside memory
 * @vcpu: the vCPU, on its own thread
 * @data: a load's little-endian bytes (as many as the access was long)
 *
 * Writes a load's value where the instruction wanted it and moves the
 * guest past the instruction; what the access was, the architecture
 * recorded when it called kvmod_mmio_access(). Runs from that call when
 * the kernel completed the access, else at the start of the next KVM_RUN.
 */
void kvmod_arch_mmio_complete(struct kvmod_vcpu *vcpu, const void *data);

/**
 * kvmod_arch_vcpu_run_prepare() - get ready for a KVM_RUN
 * @vcpu: the vCPU, with @vcpu->mutex held, preemptible
 *
 * Once per KVM_RUN, after the previous exit was completed: fix what the
 * configuration made of the vCPU since it last ran.
 *
 * Return: 0, or an errno that KVM_RUN returns.
 */
int kvmod_arch_vcpu_run_prepare(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_reset() - load the state a CPU start asks for
 * @vcpu: the vCPU, on its own thread, preemptible
 * @pc: the entry point
 * @arg: the start's argument (RISC-V: a1; PSCI: x0)
 */
void kvmod_arch_vcpu_reset(struct kvmod_vcpu *vcpu, unsigned long pc,
			   unsigned long arg);

/**
 * kvmod_arch_vcpu_requests() - handle the architecture's vCPU requests
 * @vcpu: the vCPU, on its own thread, preemptible, not loaded
 *
 * Requests that need the vCPU loaded (TLB flushes) are the
 * kvmod_arch_vcpu_load() hook's.
 */
void kvmod_arch_vcpu_requests(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_load() - put the vCPU's state on this CPU
 * @vcpu: the vCPU, preemption disabled
 *
 * Sets @vcpu->cpu; flushes what the vCPU's requests ask of this CPU.
 */
void kvmod_arch_vcpu_load(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_put() - take the vCPU's state off this CPU
 * @vcpu: the loaded vCPU, preemption disabled
 *
 * Sets @vcpu->cpu to -1.
 */
void kvmod_arch_vcpu_put(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_enter() - run the guest until its next exit
 * @vcpu: the loaded vCPU; interrupts off, @vcpu->mode IN_GUEST_MODE
 *
 * Delivers pending interrupt levels, switches to the guest and back, and
 * records why it exited. Runs in an RCU quiescent state: registers and
 * the world switch only, no tracing, no locks.
 *
 * Return: true when a host interrupt made the guest exit (the core takes
 * it before it stops counting guest time).
 */
bool kvmod_arch_vcpu_enter(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_handle_exit() - handle the exit the last entry ended in
 * @vcpu: the loaded vCPU; preemption disabled, interrupts on
 *
 * Must not sleep: what has to is queued with kvmod_vcpu_defer().
 *
 * Return: %KVMOD_EXIT_GUEST, %KVMOD_EXIT_USER with kvm_run filled in,
 * %KVMOD_EXIT_SLOW, or a negative errno.
 */
int kvmod_arch_vcpu_handle_exit(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_stats() - the architecture's vCPU statistics
 * @nr: set to the number of descriptors
 *
 * Offsets are within struct kvmod_vcpu_stat (its @arch member).
 *
 * Return: the descriptors, in the order of struct kvmod_arch_vcpu_stat.
 */
const struct kvmod_stat_desc *kvmod_arch_vcpu_stats(unsigned int *nr);

/**
 * kvmod_arch_vcpu_runnable() - whether a halted vCPU should wake up
 * @vcpu: the vCPU
 *
 * Return: true when an interrupt is pending for it, or a request that
 * needs its thread now (a power state change, say).
 */
bool kvmod_arch_vcpu_runnable(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_blocking() - the vCPU thread is about to sleep halted
 * @vcpu: the vCPU, not loaded, on its own thread
 *
 * Arms what must wake it that the hardware no longer watches while it
 * sleeps (the guest timer's deadline as a host timer, say).
 */
void kvmod_arch_vcpu_blocking(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_vcpu_unblocking() - the halted vCPU thread woke up
 * @vcpu: the vCPU, on its own thread
 *
 * Undoes kvmod_arch_vcpu_blocking() before the vCPU runs again.
 */
void kvmod_arch_vcpu_unblocking(struct kvmod_vcpu *vcpu);

/**
 * kvmod_arch_mmu_tables_needed() - stage-2 tables one fault may add
 * @vm: the VM
 *
 * Return: at most %KVMOD_MMU_CACHE_MAX; the fault tops the vCPU's cache
 * up to it before taking mmu_lock.
 */
unsigned int kvmod_arch_mmu_tables_needed(struct kvmod_vm *vm);

/**
 * kvmod_arch_mmu_map() - install one stage-2 leaf
 * @vcpu: the faulting vCPU; tables come from @vcpu->mmu_cache
 * @gpa: guest physical address inside the leaf
 * @pfn: host frame of @gpa itself (the leaf's base is aligned down)
 * @shift: leaf size, PAGE_SHIFT, PMD_SHIFT or PUD_SHIFT; a smaller leaf
 *	is fine where a table is already in the way
 * @prot: KVMOD_PROT_* (read is always allowed)
 *
 * Called with the VM's mmu_lock held. Does the cache maintenance and
 * memory attributes @prot implies, and makes the vCPU flush what its TLB
 * may hold for @gpa before it next enters.
 */
void kvmod_arch_mmu_map(struct kvmod_vcpu *vcpu, u64 gpa, unsigned long pfn,
			unsigned int shift, unsigned int prot);

/**
 * kvmod_arch_unmap_gfn_range() - drop stage-2 mappings of guest frames
 * @vm: the VM, with @vm->mmu_lock held
 * @start: first guest frame
 * @end: guest frame after the last one
 *
 * Return: true when something was unmapped and TLBs need flushing.
 */
bool kvmod_arch_unmap_gfn_range(struct kvmod_vm *vm, u64 start, u64 end);

/**
 * kvmod_arch_age_gfn_range() - whether the guest used frames, and age them
 * @vm: the VM, with @vm->mmu_lock held
 * @start: first guest frame
 * @end: guest frame after the last one
 * @clear: clear the leaves' access records (the caller flushes TLBs
 *	when this returns true)
 *
 * An aged leaf must record the next guest access again, by hardware or
 * by faulting into kvmod_mmu_fault().
 *
 * Return: true when a leaf in the range was accessed since it was last
 * aged (or mapped).
 */
bool kvmod_arch_age_gfn_range(struct kvmod_vm *vm, u64 start, u64 end, bool clear);

/**
 * kvmod_arch_write_protect_gfns() - make stage-2 mappings read-only
 * @vm: the VM, with @vm->mmu_lock held
 * @gfn: guest frame of bit 0 of @mask
 * @mask: which of the BITS_PER_LONG frames from @gfn to protect
 *
 * Return: true when a mapping changed and TLBs need flushing.
 */
bool kvmod_arch_write_protect_gfns(struct kvmod_vm *vm, u64 gfn,
				   unsigned long mask);

/**
 * kvmod_arch_flush_remote_tlbs() - flush the VM's stage-2 TLB entries
 * @vm: the VM
 *
 * Every host CPU that may cache the VM's translations is flushed before
 * this returns.
 */
void kvmod_arch_flush_remote_tlbs(struct kvmod_vm *vm);

#endif /* __LINUX_KVMOD_HOST_H */
