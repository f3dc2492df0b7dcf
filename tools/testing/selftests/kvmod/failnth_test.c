// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allocation failures in every generic call that creates or changes state:
 * each case fails the 1st, 2nd, 3rd... allocation of one call (fail-nth,
 * see failnth.h) until the call gets through all of them. Error paths run
 * once in a blue moon otherwise: a leaked descriptor, a half-made vCPU that
 * keeps its id, a slot left in the tree without its bitmap, or an errno
 * other than ENOMEM would go unnoticed until a VMM met them under memory
 * pressure. What fails a case: an errno other than ENOMEM, something of a
 * failed call still visible (a descriptor, a module reference, a slot, an
 * assignment), a call that succeeded despite the fault but made something
 * that does not work, and, in the kernel log (klog-clean), a slub_debug or
 * lockdep report from the error path. The architecture's devices have a
 * sweep of their own, in the architecture's directory.
 */

#include <sys/eventfd.h>
#include <sys/mman.h>

#include "failnth.h"

#define MEM_PAGES	64
#define GPA_A		0x40000000ULL
#define GPA_B		0x50000000ULL
#define PROBE_SLOT	1
#define IOE_ADDR	0x10000000ULL
#define ZONE_ADDR	0x20000000ULL

FIXTURE(fn) {
	struct failnth f;
	struct failnth_counts before;
	int kvm, vm, vcpu, efd;
	int own_vm;		/* a VM of its own, for each vCPU create */
	int fd;			/* what a create made, or -1 */
	void *mem;		/* MEM_PAGES pages for slots */
	uint64_t size;
};

FIXTURE_SETUP(fn)
{
	self->vm = -1;
	self->vcpu = -1;
	self->efd = -1;
	self->fd = -1;
	self->own_vm = -1;
	self->kvm = kvm_open(_metadata);
	self->vm = vm_create(_metadata, self->kvm);
	self->size = MEM_PAGES * getpagesize();
	self->mem = mmap(NULL, self->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
	/* Last: once the knobs are set, only the teardown restores them. */
	failnth_setup(_metadata, &self->f);
}

/*
 * In the parent, after the test process is gone (its descriptors with
 * it), even if it crashed: the fault-injection knobs are global.
 */
FIXTURE_TEARDOWN_PARENT(fn)
{
	EXPECT_EQ(0, failnth_restore(&self->f));
}

/* The state before a create: counted, so a failed one can be checked. */
static void count_before(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	self->fd = -1;
	failnth_count(&self->before);
}

static int created(struct _test_data_fn *self, int fd)
{
	self->fd = fd;
	return fd < 0 ? errno : 0;
}

/* KVM_CREATE_VM */

static int vm_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return created(self, ioctl(self->kvm, KVM_CREATE_VM, VM_TYPE_DEFAULT));
}

/* The new VM takes a vCPU and a slot; then it goes. */
static void vm_done(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;
	int vcpu = ioctl(self->fd, KVM_CREATE_VCPU, 0);

	ASSERT_LE(0, vcpu) TH_LOG("KVM_CREATE_VCPU on the new VM: %s", strerror(errno));
	ASSERT_EQ(0, set_region(self->fd, 0, 0, GPA_A, self->size, self->mem));
	close(vcpu);
	close(self->fd);
	self->fd = -1;
}

static void vm_failed(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	failnth_same_counts(_metadata, &self->before);
	self->fd = vm_create(_metadata, self->kvm);
	vm_done(_metadata, ctx);
}

TEST_F_TIMEOUT(fn, create_vm, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_CREATE_VM", .prepare = count_before, .run = vm_run,
		.failed = vm_failed, .done = vm_done, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

/* KVM_CREATE_VCPU: on a new VM each time, id 0 */

static void vcpu_prepare(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	self->own_vm = vm_create(_metadata, self->kvm);
	count_before(_metadata, ctx);
}

static int vcpu_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return created(self, ioctl(self->own_vm, KVM_CREATE_VCPU, 0));
}

/* kvm_run maps, the id is taken; then vCPU and VM go. */
static void vcpu_done(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;
	struct kvm_run *run = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
				   MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, run);
	EXPECT_EQ(0, run->immediate_exit);
	munmap(run, getpagesize());
	ASSERT_EQ(EEXIST, ioctl_errno(self->own_vm, KVM_CREATE_VCPU, 0));
	close(self->fd);
	close(self->own_vm);
	self->fd = -1;
	self->own_vm = -1;
}

/* No descriptor, and no half-made vCPU holding id 0. */
static void vcpu_failed(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	failnth_same_counts(_metadata, &self->before);
	self->fd = ioctl(self->own_vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, self->fd) TH_LOG("id 0 after a failed create: %s", strerror(errno));
	vcpu_done(_metadata, ctx);
}

TEST_F_TIMEOUT(fn, create_vcpu, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_CREATE_VCPU", .prepare = vcpu_prepare, .run = vcpu_run,
		.failed = vcpu_failed, .done = vcpu_done, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

/*
 * Memory slots: slot 0 at GPA_A or GPA_B, or none. Whether a slot covers
 * an address: another one over it is refused (EEXIST) or created and
 * deleted at once.
 */
static bool taken(struct __test_metadata *_metadata, struct _test_data_fn *self, uint64_t gpa)
{
	int r = set_region(self->vm, PROBE_SLOT, 0, gpa, self->size, self->mem);

	ASSERT_TRUE(!r || r == EEXIST) TH_LOG("probing %#llx: %s",
					      (unsigned long long)gpa, strerror(r));
	if (!r)
		ASSERT_EQ(0, set_region(self->vm, PROBE_SLOT, 0, gpa, 0, self->mem));
	return r == EEXIST;
}

/* Slot 0 is at @at (0: there is none); then it goes. */
static void slot_is(struct __test_metadata *_metadata, struct _test_data_fn *self, uint64_t at)
{
	ASSERT_EQ(at == GPA_A, taken(_metadata, self, GPA_A));
	ASSERT_EQ(at == GPA_B, taken(_metadata, self, GPA_B));
	ASSERT_EQ(at ? 0 : EINVAL, set_region(self->vm, 0, 0, at, 0, self->mem));
}

static void slot_at_a(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	ASSERT_EQ(0, set_region(self->vm, 0, 0, GPA_A, self->size, self->mem));
}

static int slot_create_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return set_region(self->vm, 0, 0, GPA_A, self->size, self->mem);
}

static void slot_create_failed(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	slot_is(_metadata, self, 0);
	/* The same request again: nothing of the failed one is in the way. */
	slot_at_a(_metadata, ctx);
	slot_is(_metadata, self, GPA_A);
}

static void slot_create_done(struct __test_metadata *_metadata, void *ctx)
{
	slot_is(_metadata, ctx, GPA_A);
}

TEST_F_TIMEOUT(fn, slot_create, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "slot create", .run = slot_create_run,
		.failed = slot_create_failed, .done = slot_create_done, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

static int slot_delete_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return set_region(self->vm, 0, 0, GPA_A, 0, self->mem);
}

static void slot_delete_done(struct __test_metadata *_metadata, void *ctx)
{
	slot_is(_metadata, ctx, 0);
}

/*
 * Deleting allocates only tree nodes, and those it may not fail to get
 * (__GFP_NOFAIL, or retried so): every injected fault is absorbed.
 */
TEST_F_TIMEOUT(fn, slot_delete, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "slot delete", .prepare = slot_at_a, .run = slot_delete_run,
		.failed = slot_create_done, .done = slot_delete_done,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

static int slot_move_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return set_region(self->vm, 0, 0, GPA_B, self->size, self->mem);
}

static void slot_move_done(struct __test_metadata *_metadata, void *ctx)
{
	slot_is(_metadata, ctx, GPA_B);
}

TEST_F_TIMEOUT(fn, slot_move, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "slot move", .prepare = slot_at_a, .run = slot_move_run,
		.failed = slot_create_done, .done = slot_move_done, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

/* Dirty logging switched on and off on slot 0 at GPA_A. */

static int dirty_log(struct _test_data_fn *self)
{
	uint64_t bitmap[(MEM_PAGES + 63) / 64];
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

	return ioctl(self->vm, KVM_GET_DIRTY_LOG, &log) ? errno : 0;
}

/* Slot 0 logs (0) or not (ENOENT); then it goes. */
static void logging_is(struct __test_metadata *_metadata, struct _test_data_fn *self, int log)
{
	ASSERT_EQ(log, dirty_log(self));
	slot_is(_metadata, self, GPA_A);
}

static void log_on_slot(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	ASSERT_EQ(0, set_region(self->vm, 0, KVM_MEM_LOG_DIRTY_PAGES, GPA_A, self->size,
				self->mem));
}

static int log_on_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return set_region(self->vm, 0, KVM_MEM_LOG_DIRTY_PAGES, GPA_A, self->size, self->mem);
}

static void logging(struct __test_metadata *_metadata, void *ctx)
{
	logging_is(_metadata, ctx, 0);
}

static void not_logging(struct __test_metadata *_metadata, void *ctx)
{
	logging_is(_metadata, ctx, ENOENT);
}

/* The bitmap and the slot that replaces the old one are allocated. */
TEST_F_TIMEOUT(fn, dirty_log_on, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "dirty logging on", .prepare = slot_at_a, .run = log_on_run,
		.failed = not_logging, .done = logging, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

TEST_F_TIMEOUT(fn, dirty_log_off, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "dirty logging off", .prepare = log_on_slot, .run = slot_create_run,
		.failed = logging, .done = not_logging, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

/* KVM_GET_STATS_FD, of the VM and of a vCPU (self->vcpu) */

static int vm_stats_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return created(self, ioctl(self->vm, KVM_GET_STATS_FD, NULL));
}

static int vcpu_stats_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return created(self, ioctl(self->vcpu, KVM_GET_STATS_FD, NULL));
}

/* The header reads and names descriptors; then the fd goes. */
static void stats_done(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;
	struct kvm_stats_header h;

	ASSERT_EQ((ssize_t)sizeof(h), pread(self->fd, &h, sizeof(h), 0));
	EXPECT_EQ(48, h.name_size);	/* upstream's KVM_STATS_NAME_SIZE */
	EXPECT_LT(0, h.num_desc);
	close(self->fd);
	self->fd = -1;
}

static void stats_failed(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	failnth_same_counts(_metadata, &self->before);
}

TEST_F_TIMEOUT(fn, vm_stats_fd, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_GET_STATS_FD (VM)", .prepare = count_before, .run = vm_stats_run,
		.failed = stats_failed, .done = stats_done, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

TEST_F_TIMEOUT(fn, vcpu_stats_fd, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_GET_STATS_FD (vCPU)", .prepare = count_before,
		.run = vcpu_stats_run, .failed = stats_failed, .done = stats_done,
		.must_fail = true,
	};

	self->vcpu = ioctl(self->vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, self->vcpu);
	failnth_sweep(_metadata, &self->f, &op, self);
}

/* KVM_IOEVENTFD: self->efd on 4 bytes at IOE_ADDR, any value */

static int ioe(struct _test_data_fn *self, uint32_t flags)
{
	struct kvm_ioeventfd a = { .addr = IOE_ADDR, .len = 4, .fd = self->efd,
				   .flags = flags };

	return ioctl(self->vm, KVM_IOEVENTFD, &a) ? errno : 0;
}

/* Assigned: a second assignment collides; then it goes. */
static void ioe_assigned(struct __test_metadata *_metadata, void *ctx)
{
	ASSERT_EQ(EEXIST, ioe(ctx, 0));
	ASSERT_EQ(0, ioe(ctx, KVM_IOEVENTFD_FLAG_DEASSIGN));
}

/* Not assigned: nothing to deassign, and it assigns (then goes). */
static void ioe_unassigned(struct __test_metadata *_metadata, void *ctx)
{
	ASSERT_EQ(ENOENT, ioe(ctx, KVM_IOEVENTFD_FLAG_DEASSIGN));
	ASSERT_EQ(0, ioe(ctx, 0));
	ioe_assigned(_metadata, ctx);
}

static void ioe_assign(struct __test_metadata *_metadata, void *ctx)
{
	ASSERT_EQ(0, ioe(ctx, 0));
}

static int ioe_assign_run(void *ctx)
{
	return ioe(ctx, 0);
}

static int ioe_deassign_run(void *ctx)
{
	return ioe(ctx, KVM_IOEVENTFD_FLAG_DEASSIGN);
}

static void ioe_gone(struct __test_metadata *_metadata, void *ctx)
{
	ASSERT_EQ(ENOENT, ioe(ctx, KVM_IOEVENTFD_FLAG_DEASSIGN));
}

TEST_F_TIMEOUT(fn, ioeventfd_assign, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_IOEVENTFD assign", .run = ioe_assign_run,
		.failed = ioe_unassigned, .done = ioe_assigned, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

/* Deassigning allocates the MMIO bus without the range. */
TEST_F_TIMEOUT(fn, ioeventfd_deassign, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_IOEVENTFD deassign", .prepare = ioe_assign,
		.run = ioe_deassign_run, .failed = ioe_assigned, .done = ioe_gone,
		.must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

#ifdef __riscv
/*
 * Coalesced MMIO zones: offered on RISC-V only (arm64 reports 0). Without
 * a guest a zone is not observable: each call must work after a failure.
 */

static int zone(struct _test_data_fn *self, unsigned long req)
{
	struct kvm_coalesced_mmio_zone z = { .addr = ZONE_ADDR, .size = 0x1000 };

	return ioctl(self->vm, req, &z) ? errno : 0;
}

static void zone_register(struct __test_metadata *_metadata, void *ctx)
{
	ASSERT_EQ(0, zone(ctx, KVM_REGISTER_COALESCED_MMIO));
}

static void zone_unregister(struct __test_metadata *_metadata, void *ctx)
{
	ASSERT_EQ(0, zone(ctx, KVM_UNREGISTER_COALESCED_MMIO));
}

static void zone_again(struct __test_metadata *_metadata, void *ctx)
{
	zone_register(_metadata, ctx);
	zone_unregister(_metadata, ctx);
}

static int zone_register_run(void *ctx)
{
	return zone(ctx, KVM_REGISTER_COALESCED_MMIO);
}

static int zone_unregister_run(void *ctx)
{
	return zone(ctx, KVM_UNREGISTER_COALESCED_MMIO);
}

static void no_check(struct __test_metadata *_metadata, void *ctx)
{
}

TEST_F_TIMEOUT(fn, coalesced_mmio, FAILNTH_TIMEOUT)
{
	static const struct failnth_op reg = {
		.name = "KVM_REGISTER_COALESCED_MMIO", .run = zone_register_run,
		.failed = zone_again, .done = zone_unregister, .must_fail = true,
	}, unreg = {
		.name = "KVM_UNREGISTER_COALESCED_MMIO", .prepare = zone_register,
		.run = zone_unregister_run, .failed = zone_unregister, .done = no_check,
		.must_fail = true,
	};

	ASSERT_LT(0, ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO));
	failnth_sweep(_metadata, &self->f, &reg, self);
	failnth_sweep(_metadata, &self->f, &unreg, self);
}
#endif

TEST_HARNESS_MAIN
