// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allocation failures in the in-kernel AIA's calls (see ../failnth.h):
 * KVM_CREATE_DEVICE, its KVM_DEV_RISCV_AIA_CTRL_INIT (which puts the APLIC
 * and every vCPU's IMSIC page on the MMIO bus), KVM_SET_GSI_ROUTING and
 * KVM_IRQFD, each failed at its 1st, 2nd, 3rd... allocation. A failed call
 * must say ENOMEM and leave nothing that makes the next attempt fail (a
 * device the VM thinks it has, a range on the bus, half a routing table,
 * an irqfd on the eventfd); a call that succeeded despite the fault must
 * have made something that works: MSIs reach the interrupt files, wired
 * sources are taken, eventfds raise their routed identity. The generic
 * calls have a sweep of their own.
 */

#include <sys/eventfd.h>

#include "../failnth.h"
#include "aia.h"

#define NR_VCPUS	2
#define SRCS		4
#define GSI		10
#define NR_ROUTES	4

FIXTURE(fn) {
	struct failnth f;
	struct failnth_counts before;
	int kvm, vm, vcpu[NR_VCPUS], dev, efd;
	int fd;				/* what a create made, or -1 */
	struct kvm_create_device cd;
	struct kvm_irq_routing *table;	/* GSI + i to identity 5 + i, vCPU 0 */
};

/* The table the routing case sets, built before any fault is armed. */
static struct kvm_irq_routing *new_table(void)
{
	struct kvm_irq_routing *t = calloc(1, sizeof(*t) + NR_ROUTES * sizeof(t->entries[0]));
	int i;

	if (!t)
		return NULL;
	t->nr = NR_ROUTES;
	for (i = 0; i < NR_ROUTES; i++)
		t->entries[i] = (struct kvm_irq_routing_entry){
			.gsi = GSI + i, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = IMSIC_BASE, .data = 5 + i },
		};
	return t;
}

FIXTURE_SETUP(fn)
{
	struct kvm_create_device test = { .type = KVM_DEV_TYPE_RISCV_AIA,
					  .flags = KVM_CREATE_DEVICE_TEST };
	int i, vm;

	self->vm = -1;
	self->dev = -1;
	self->efd = -1;
	self->fd = -1;
	for (i = 0; i < NR_VCPUS; i++)
		self->vcpu[i] = -1;
	self->kvm = kvm_open(_metadata);
	vm = vm_create(_metadata, self->kvm);
	i = ioctl(vm, KVM_CREATE_DEVICE, &test) ? errno : 0;
	close(vm);
	/* A host without Ssaia: the skip lists decide (aia_test's reason). */
	if (i == ENODEV)
		SKIP(return, "no AIA in this host");
	ASSERT_EQ(0, i);
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
	self->table = new_table();
	ASSERT_NE(NULL, self->table);
	/* Last: once the knobs are set, only the teardown restores them. */
	failnth_setup(_metadata, &self->f);
}

/* In the parent, even after a crash: the fault-injection knobs are global. */
FIXTURE_TEARDOWN_PARENT(fn)
{
	EXPECT_EQ(0, failnth_restore(&self->f));
}

/* A new VM with vCPUs 0 and 1. */
static void vm_up(struct __test_metadata *_metadata, struct _test_data_fn *self)
{
	int i;

	self->vm = vm_create(_metadata, self->kvm);
	for (i = 0; i < NR_VCPUS; i++) {
		self->vcpu[i] = ioctl(self->vm, KVM_CREATE_VCPU, i);
		ASSERT_LE(0, self->vcpu[i]) TH_LOG("vCPU %d: %s", i, strerror(errno));
	}
}

static void vm_down(struct _test_data_fn *self)
{
	int i;

	if (self->dev >= 0)
		close(self->dev);
	for (i = 0; i < NR_VCPUS; i++)
		close(self->vcpu[i]);
	close(self->vm);
	self->dev = -1;
	self->vm = -1;
}

/* A VM with an initialized AIA (software files) and GSI routed to identity 9. */
static void aia_up(struct __test_metadata *_metadata, struct _test_data_fn *self)
{
	vm_up(_metadata, self);
	self->dev = create_aia(self->vm);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, aia_init(self->dev, KVM_DEV_RISCV_AIA_MODE_EMUL, NR_VCPUS, SRCS));
	ASSERT_EQ(0, route_msi(self->vm, 1, GSI, KVM_IRQ_ROUTING_MSI));
}

static int irq_line(int vm, uint32_t irq, uint32_t level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(vm, KVM_IRQ_LINE, &l) ? errno : 0;
}

/* An initialized AIA works: an MSI reaches vCPU 1's file, a wired source is taken. */
static void aia_works(struct __test_metadata *_metadata, struct _test_data_fn *self)
{
	uint64_t eip = 0;

	ASSERT_EQ(0, msi(self->vm, IMSIC_BASE + 0x1000, 5));
	ASSERT_EQ(0, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 1, 0x80, &eip));
	ASSERT_EQ(1ULL << 5, eip);
	ASSERT_EQ(0, irq_line(self->vm, 1, 1));
}

/* KVM_CREATE_DEVICE, on a new VM each time */

static void device_prepare(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	vm_up(_metadata, self);
	self->fd = -1;
	self->cd = (struct kvm_create_device){ .type = KVM_DEV_TYPE_RISCV_AIA };
	failnth_count(&self->before);
}

static int device_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	if (ioctl(self->vm, KVM_CREATE_DEVICE, &self->cd))
		return errno;
	self->fd = self->cd.fd;
	return 0;
}

/* The device initializes and works; then the VM goes. */
static void device_done(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	self->dev = self->fd;
	ASSERT_EQ(0, aia_init(self->dev, KVM_DEV_RISCV_AIA_MODE_EMUL, NR_VCPUS, SRCS));
	aia_works(_metadata, self);
	vm_down(self);
}

/* No descriptor, and no device the VM still counts (EEXIST) either. */
static void device_failed(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	failnth_same_counts(_metadata, &self->before);
	self->fd = create_aia(self->vm);
	ASSERT_LE(0, self->fd) TH_LOG("after a failed create: %s", strerror(-self->fd));
	device_done(_metadata, ctx);
}

TEST_F_TIMEOUT(fn, create_device, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_CREATE_DEVICE", .prepare = device_prepare, .run = device_run,
		.failed = device_failed, .done = device_done, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

/* KVM_DEV_RISCV_AIA_CTRL_INIT, of a device configured on a new VM */

static void init_prepare(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	vm_up(_metadata, self);
	self->dev = create_aia(self->vm);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, aia_config(self->dev, KVM_DEV_RISCV_AIA_MODE_EMUL, NR_VCPUS, SRCS));
}

static int init_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
		    KVM_DEV_RISCV_AIA_CTRL_INIT, NULL);
}

static void init_done(struct __test_metadata *_metadata, void *ctx)
{
	aia_works(_metadata, ctx);
	vm_down(ctx);
}

/* Nothing of the failed init (an APLIC or IMSIC range left on the bus) is in the way. */
static void init_failed(struct __test_metadata *_metadata, void *ctx)
{
	int r = init_run(ctx);

	ASSERT_EQ(0, r) TH_LOG("init after a failed one: %s", strerror(r));
	init_done(_metadata, ctx);
}

TEST_F_TIMEOUT(fn, init, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_DEV_RISCV_AIA_CTRL_INIT", .prepare = init_prepare,
		.run = init_run, .failed = init_failed, .done = init_done, .must_fail = true,
	};

	failnth_sweep(_metadata, &self->f, &op, self);
}

/*
 * vCPU 0's pending identities below 64 once they are @want (or after a
 * second: irqfd_force_work defers injections to a work item); cleared.
 */
static uint64_t take_eip(struct _test_data_fn *self, uint64_t want)
{
	uint64_t eip = 0, zero = 0;
	int i;

	for (i = 0; i < 1000; i++) {
		if (imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0x80, &eip) || eip == want)
			break;
		usleep(1000);
	}
	imsic_reg(self->dev, KVM_SET_DEVICE_ATTR, 0, 0x80, &zero);
	return eip;
}

/* A write to the eventfd raises @id, and only it. */
static void raises(struct __test_metadata *_metadata, struct _test_data_fn *self, uint32_t id)
{
	uint64_t one = 1;

	ASSERT_EQ(8, write(self->efd, &one, 8));
	ASSERT_EQ(1ULL << id, take_eip(self, 1ULL << id));
}

/* KVM_SET_GSI_ROUTING: GSI to identity 9 before, to 5 after */

static void routes_old(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	ASSERT_EQ(0, route_msi(self->vm, 1, GSI, KVM_IRQ_ROUTING_MSI));
}

static int routing_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return ioctl(self->vm, KVM_SET_GSI_ROUTING, self->table) ? errno : 0;
}

static void routed_old(struct __test_metadata *_metadata, void *ctx)
{
	raises(_metadata, ctx, 9);
}

static void routed_new(struct __test_metadata *_metadata, void *ctx)
{
	raises(_metadata, ctx, 5);
}

TEST_F_TIMEOUT(fn, gsi_routing, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_SET_GSI_ROUTING", .prepare = routes_old, .run = routing_run,
		.failed = routed_old, .done = routed_new, .must_fail = true,
	};

	aia_up(_metadata, self);
	/* kvmod routes wherever it has the AIA: not offering it is a failure. */
	ASSERT_LT(0, ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	ASSERT_EQ(0, irqfd(self->vm, self->efd, GSI, 0));
	failnth_sweep(_metadata, &self->f, &op, self);
}

/* KVM_IRQFD assign: self->efd raising GSI (identity 9) */

static void drain(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;
	uint64_t count;

	ASSERT_TRUE(read(self->efd, &count, 8) == 8 || errno == EAGAIN);
}

static int irqfd_run(void *ctx)
{
	struct _test_data_fn *self = ctx;

	return irqfd(self->vm, self->efd, GSI, 0);
}

/* The irqfd raises its identity; then it goes. */
static void irqfd_done(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	raises(_metadata, self, 9);
	ASSERT_EQ(0, irqfd(self->vm, self->efd, GSI, KVM_IRQFD_FLAG_DEASSIGN));
}

/* Not assigned (deassigning finds nothing), and it assigns again. */
static void irqfd_failed(struct __test_metadata *_metadata, void *ctx)
{
	struct _test_data_fn *self = ctx;

	ASSERT_EQ(ENOENT, irqfd(self->vm, self->efd, GSI, KVM_IRQFD_FLAG_DEASSIGN));
	ASSERT_EQ(0, irqfd(self->vm, self->efd, GSI, 0));
	irqfd_done(_metadata, ctx);
}

TEST_F_TIMEOUT(fn, irqfd_assign, FAILNTH_TIMEOUT)
{
	static const struct failnth_op op = {
		.name = "KVM_IRQFD", .prepare = drain, .run = irqfd_run,
		.failed = irqfd_failed, .done = irqfd_done, .must_fail = true,
	};

	aia_up(_metadata, self);
	failnth_sweep(_metadata, &self->f, &op, self);
}

TEST_HARNESS_MAIN
