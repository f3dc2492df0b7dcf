// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel AIA (KVM_DEV_TYPE_RISCV_AIA): attributes and their errors
 * (bad values, unaligned IMSIC addresses, a missing vCPU, init twice,
 * changes after init), MSIs reaching each vCPU's interrupt file through
 * KVM_SIGNAL_MSI and through the guest's own IMSIC page, claimed through
 * stopei, with the identities the guest did not enable left pending, and
 * wired sources (KVM_IRQ_LINE) forwarded by the APLIC to the hart the
 * guest programmed; an MSI waking a vCPU halted in WFI; a file following
 * its vCPU to another host CPU with what was pending (and the guest's
 * stores to its page following it too).
 *
 * Every case runs twice: with software interrupt files (mode EMUL) and
 * with the host's hardware guest files (mode HWACCEL; skipped on a host
 * without them). The vCPU statistics tell which served: hardware files
 * are attached and the guest's stopei/sireg accesses never trap, software
 * ones emulate every such access.
 */

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/resource.h>

#include "aia.h"
#include "guest.h"

/*
 * The hart's interrupt file on (eidelivery 1, threshold 0), identities 5
 * and 9 enabled, supervisor external interrupts enabled in sie.
 */
#define FILE_ON								\
	"li t0, 0x70\n csrw 0x150, t0\n li t0, 1\n csrw 0x151, t0\n"	\
	"li t0, 0x72\n csrw 0x150, t0\n csrw 0x151, zero\n"		\
	"li t0, 0xc0\n csrw 0x150, t0\n li t0, 0x220\n csrw 0x151, t0\n"	\
	"li t0, 0x200\n csrs sie, t0\n"

/*
 * Each hart: file on (eidelivery 1, threshold 0), identities 5 and 9
 * enabled, external interrupts on; reports 1 "ready", then reports 2 with
 * the stopei value (claiming it) of every interrupt it takes.
 */
GUEST_CODE(imsic,
	   "lla t0, 9f\n csrw stvec, t0\n"
	   FILE_ON
	   G_REPORT(1)
	   "csrsi sstatus, 2\n"
	   "1: wfi\n j 1b\n"
	   ".balign 4\n"
	   "9: csrr a1, 0xdb0\n csrrw a0, 0x15c, zero\n" G_REPORT(2) "sret\n");

/* The same, but hart 0 sends itself identity 9 by a store to its page. */
GUEST_CODE(imsic_self,
	   "lla t0, 9f\n csrw stvec, t0\n"
	   FILE_ON
	   G_REPORT(1)
	   "csrsi sstatus, 2\n"
	   "li t0, " IMSIC_STR "\n li t1, 9\n sw t1, 0(t0)\n"
	   "1: wfi\n j 1b\n"
	   ".balign 4\n"
	   "9: csrrw a0, 0x15c, zero\n" G_REPORT(2) "sret\n");

/* The same, sending itself identity 9 again after each interrupt. */
GUEST_CODE(imsic_self_loop,
	   "lla t0, 9f\n csrw stvec, t0\n"
	   FILE_ON
	   G_REPORT(1)
	   "csrsi sstatus, 2\n"
	   "1: li t0, " IMSIC_STR "\n li t1, 9\n sw t1, 0(t0)\n 2: wfi\n j 2b\n"
	   ".balign 4\n"
	   "9: csrrw a0, 0x15c, zero\n" G_REPORT(2)
	   "lla t0, 1b\n csrw sepc, t0\n sret\n");

/*
 * Hart 0 programs the APLIC at 0x0c000000 (MSI mode): source 1 level-high
 * to hart 0 as identity 9, source 2 rising-edge to hart 1 as identity 5,
 * both enabled; then its own file as above, and reports each interrupt.
 */
GUEST_CODE(aplic,
	   "lla t0, 9f\n csrw stvec, t0\n"
	   "li t0, 0x0c000000\n li t1, 0x100\n sw t1, 0(t0)\n"
	   "li t1, 6\n sw t1, 4(t0)\n li t1, 4\n sw t1, 8(t0)\n"
	   "li t2, 0x3004\n add t2, t0, t2\n li t1, 9\n sw t1, 0(t2)\n"
	   "li t1, 0x40005\n sw t1, 4(t2)\n"
	   "li t2, 0x1edc\n add t2, t0, t2\n li t1, 1\n sw t1, 0(t2)\n"
	   "li t1, 2\n sw t1, 0(t2)\n"
	   FILE_ON
	   G_REPORT(1)
	   "csrsi sstatus, 2\n"
	   "1: wfi\n j 1b\n"
	   ".balign 4\n"
	   "9: csrrw a0, 0x15c, zero\n" G_REPORT(2) "sret\n");

#define MORE_VCPUS	6

FIXTURE(aia) {
	struct guest g;
	int dev;
	int vcpu1;
	struct kvm_run *run1;
	int more[MORE_VCPUS];		/* vCPUs 2.. when a case asks for them */
	struct kvm_run *more_run[MORE_VCPUS];
	int nr_more;
	bool no_hw;
};

FIXTURE_VARIANT(aia) {
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(aia, sw_files) {
	.mode = KVM_DEV_RISCV_AIA_MODE_EMUL,
};

FIXTURE_VARIANT_ADD(aia, hw_files) {
	.mode = KVM_DEV_RISCV_AIA_MODE_HWACCEL,
};

FIXTURE_SETUP(aia)
{
	memset(&self->g, 0, sizeof(self->g));
	self->dev = -1;
	self->vcpu1 = -1;
	self->run1 = NULL;
	self->nr_more = 0;
	self->no_hw = false;
}

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"

/* Takes host CPU 1 offline (0) or online (1); 0 or the errno. */
static int cpu1_online(int on)
{
	int fd = open(CPU1_ONLINE, O_WRONLY), r = 0;

	if (fd < 0)
		return errno;
	if (write(fd, on ? "1" : "0", 1) != 1)
		r = errno;
	close(fd);
	return r;
}

FIXTURE_TEARDOWN(aia)
{
	int i;

	/* A case that failed half-way must not leave the host a CPU short. */
	if (!access(CPU1_ONLINE, W_OK))
		cpu1_online(1);
	for (i = 0; i < self->nr_more; i++) {
		munmap(self->more_run[i], self->g.run_size);
		close(self->more[i]);
	}
	if (self->run1)
		munmap(self->run1, self->g.run_size);
	if (self->vcpu1 >= 0)
		close(self->vcpu1);
	if (self->dev >= 0)
		close(self->dev);
	if (self->g.run)
		guest_teardown(&self->g);
}

/*
 * VM with vCPUs 0 and 1 (and @more after them), the AIA set up with their
 * IMSIC pages (hart index = vCPU index), @srcs wired sources with the
 * APLIC at 0x0c000000, initialized.
 */
static void setup_aia_n(struct __test_metadata *_metadata, struct _test_data_aia *self,
			uint32_t mode, const char *start, const char *end, uint32_t srcs,
			int more)
{
	uint64_t addr = 0x0c000000;
	uint32_t hart_bits = more ? 3 : 1, ids = 255;
	int i, r;

	guest_setup(_metadata, &self->g, start, end);
	self->vcpu1 = add_vcpu(_metadata, &self->g, 1);
	self->run1 = mmap(NULL, self->g.run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  self->vcpu1, 0);
	ASSERT_NE(MAP_FAILED, self->run1);
	for (i = 0; i < more && i < MORE_VCPUS; i++) {
		self->more[i] = add_vcpu(_metadata, &self->g, 2 + i);
		self->more_run[i] = mmap(NULL, self->g.run_size, PROT_READ | PROT_WRITE,
					 MAP_SHARED, self->more[i], 0);
		ASSERT_NE(MAP_FAILED, self->more_run[i]);
		self->nr_more++;
	}
	self->dev = create_aia(self->g.vm);
	if (self->dev == -ENODEV)
		return;
	ASSERT_GE(self->dev, 0);
	r = attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_MODE, &mode);
	if (r == EINVAL && mode != KVM_DEV_RISCV_AIA_MODE_EMUL) {
		self->no_hw = true;
		return;
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_IDS, &ids));
	ASSERT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_HART_BITS,
			  &hart_bits));
	ASSERT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_SRCS,
			  &srcs));
	ASSERT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			  KVM_DEV_RISCV_AIA_ADDR_APLIC, &addr));
	for (i = 0; i < 2 + self->nr_more; i++) {
		addr = IMSIC_BASE + i * 0x1000;
		ASSERT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
				  KVM_DEV_RISCV_AIA_ADDR_IMSIC(i), &addr));
	}
	ASSERT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
			  KVM_DEV_RISCV_AIA_CTRL_INIT, NULL));
}

static void setup_aia(struct __test_metadata *_metadata, struct _test_data_aia *self,
		      uint32_t mode, const char *start, const char *end, uint32_t srcs)
{
	setup_aia_n(_metadata, self, mode, start, end, srcs, 0);
}

/* Why the host cannot run a case of this variant, or NULL. */
static const char *unsupported(struct _test_data_aia *self)
{
	if (self->dev == -ENODEV)
		return "no AIA in this host";
	if (self->no_hw)
		return "no hardware guest interrupt files in this host";
	return NULL;
}

/* A vCPU's statistic @name. */
static long long vcpu_stat(int vcpu, const char *name)
{
	int fd = ioctl(vcpu, KVM_GET_STATS_FD, NULL);
	long long v;

	if (fd < 0)
		return -1;
	v = stat_value(fd, name);
	close(fd);
	return v;
}

/* Which kind of file served @vcpu: hardware ones never trap stopei/sireg. */
static void check_files(struct __test_metadata *_metadata, uint32_t mode, int vcpu)
{
	if (mode == KVM_DEV_RISCV_AIA_MODE_EMUL) {
		EXPECT_EQ(0, vcpu_stat(vcpu, "imsic_hw_attach"));
		EXPECT_LT(0, vcpu_stat(vcpu, "imsic_sw_access"));
	} else {
		EXPECT_LT(0, vcpu_stat(vcpu, "imsic_hw_attach"));
		EXPECT_EQ(0, vcpu_stat(vcpu, "imsic_sw_access"));
	}
}

static int line(int vm, uint32_t irq, uint32_t level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(vm, KVM_IRQ_LINE, &l) ? errno : 0;
}

TEST_F(aia, attributes_and_errors)
{
	struct kvm_create_device test = { .type = KVM_DEV_TYPE_RISCV_AIA,
					  .flags = KVM_CREATE_DEVICE_TEST };
	uint64_t addr;
	uint32_t v;

	guest_setup(_metadata, &self->g, imsic_start, imsic_end);
	if (ioctl(self->g.vm, KVM_CREATE_DEVICE, &test) && errno == ENODEV)
		SKIP(return, "no AIA in this host");
	self->dev = create_aia(self->g.vm);
	ASSERT_GE(self->dev, 0);
	EXPECT_EQ(-EEXIST, create_aia(self->g.vm));

	/*
	 * Defaults, and what values are refused. The mode is AUTO by default
	 * where the host has hardware guest files, and HWACCEL/AUTO are
	 * refused where it has none (as upstream).
	 */
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_MODE, &v));
	if (v == KVM_DEV_RISCV_AIA_MODE_AUTO) {
		v = KVM_DEV_RISCV_AIA_MODE_HWACCEL;
		EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, 0,
				  KVM_DEV_RISCV_AIA_CONFIG_MODE, &v));
		/* Files must fit the hardware ones: 2047 identities do not here. */
		v = 2047;
		EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, 0,
				       KVM_DEV_RISCV_AIA_CONFIG_IDS, &v));
	} else {
		EXPECT_EQ(KVM_DEV_RISCV_AIA_MODE_EMUL, v);
		v = KVM_DEV_RISCV_AIA_MODE_HWACCEL;
		EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, 0,
				       KVM_DEV_RISCV_AIA_CONFIG_MODE, &v));
		v = KVM_DEV_RISCV_AIA_MODE_AUTO;
		EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, 0,
				       KVM_DEV_RISCV_AIA_CONFIG_MODE, &v));
	}
	v = 3;
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, 0,
			       KVM_DEV_RISCV_AIA_CONFIG_MODE, &v));
	v = variant->mode;
	if (attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_MODE, &v))
		SKIP(return, "no hardware guest interrupt files in this host");
	v = 64;
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, 0,
			       KVM_DEV_RISCV_AIA_CONFIG_IDS, &v));
	v = 127;
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_IDS, &v));
	v = 0;
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_IDS, &v));
	EXPECT_EQ(127, v);
	v = 23;
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, 0,
			       KVM_DEV_RISCV_AIA_CONFIG_GROUP_SHIFT, &v));
	v = KVM_DEV_RISCV_AIA_SRCS_MAX;
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, 0,
			       KVM_DEV_RISCV_AIA_CONFIG_SRCS, &v));
	EXPECT_EQ(ENXIO, attr(self->dev, KVM_HAS_DEVICE_ATTR, 0, 99, NULL));
	EXPECT_EQ(ENXIO, attr(self->dev, KVM_HAS_DEVICE_ATTR, 77, 0, NULL));
	EXPECT_EQ(0, attr(self->dev, KVM_HAS_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
			  KVM_DEV_RISCV_AIA_CTRL_INIT, NULL));

	/* IMSIC pages: aligned, for an existing vCPU; all set before init. */
	addr = IMSIC_BASE + 4;
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			       KVM_DEV_RISCV_AIA_ADDR_IMSIC(0), &addr));
	addr = IMSIC_BASE;
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			       KVM_DEV_RISCV_AIA_ADDR_IMSIC(5), &addr));
	/* Not yet initialized: upstream's errnos. */
	EXPECT_EQ(EBUSY, msi(self->g.vm, IMSIC_BASE, 5));
	EXPECT_EQ(EBUSY, line(self->g.vm, 1, 1));
	EXPECT_EQ(ENODEV, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0x80, &addr));
	EXPECT_EQ(ENODEV, attr(self->dev, KVM_HAS_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			       KVM_DEV_RISCV_AIA_IMSIC_MKATTR(0, 0x80), NULL));
	self->vcpu1 = add_vcpu(_metadata, &self->g, 1);
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			  KVM_DEV_RISCV_AIA_ADDR_IMSIC(0), &addr));
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
			       KVM_DEV_RISCV_AIA_CTRL_INIT, NULL));	/* vCPU 1 has none */
	/* Two files on one page. */
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			  KVM_DEV_RISCV_AIA_ADDR_IMSIC(1), &addr));
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
			       KVM_DEV_RISCV_AIA_CTRL_INIT, NULL));
	addr = IMSIC_BASE + 0x1000;
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			  KVM_DEV_RISCV_AIA_ADDR_IMSIC(1), &addr));
	addr = 0;
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			  KVM_DEV_RISCV_AIA_ADDR_IMSIC(1), &addr));
	EXPECT_EQ(IMSIC_BASE + 0x1000, addr);
	/* More wired sources than identities to forward them as (upstream: EINVAL). */
	addr = APLIC_BASE;
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			  KVM_DEV_RISCV_AIA_ADDR_APLIC, &addr));
	v = 128;
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_SRCS, &v));
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
			       KVM_DEV_RISCV_AIA_CTRL_INIT, NULL));
	v = 127;
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_SRCS, &v));
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
			  KVM_DEV_RISCV_AIA_CTRL_INIT, NULL));
	/* Once initialized: no second init, no configuration change. */
	EXPECT_EQ(EBUSY, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_CTRL,
			      KVM_DEV_RISCV_AIA_CTRL_INIT, NULL));
	v = 255;
	EXPECT_EQ(EBUSY, attr(self->dev, KVM_SET_DEVICE_ATTR, 0, KVM_DEV_RISCV_AIA_CONFIG_IDS, &v));
	EXPECT_EQ(EBUSY, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_ADDR,
			      KVM_DEV_RISCV_AIA_ADDR_IMSIC(1), &addr));
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE, 5));

	/* KVM_SIGNAL_MSI, KVM_IRQ_LINE and file registers: upstream's errnos. */
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE + 0x10000, 5));	/* no file there */
	EXPECT_EQ(ENODEV, msi(self->g.vm, IMSIC_BASE, 0));		/* identity 0 */
	EXPECT_EQ(ENODEV, msi(self->g.vm, IMSIC_BASE + 8, 5));	/* not seteipnum */
	EXPECT_EQ(EINVAL, msi(self->g.vm, IMSIC_BASE, 128));		/* past 127 */
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE + 4, 5 << 24));	/* big-endian */
	EXPECT_EQ(0, ioctl(self->g.vm, KVM_SIGNAL_MSI, &(struct kvm_msi){
		.address_lo = IMSIC_BASE, .data = 5, .flags = KVM_MSI_VALID_DEVID }) ? errno : 0);
	EXPECT_EQ(EINVAL, ioctl(self->g.vm, KVM_SIGNAL_MSI, &(struct kvm_msi){
		.address_lo = IMSIC_BASE, .data = 5, .flags = 2 }) ? errno : 0);
	EXPECT_EQ(0, line(self->g.vm, 127, 1));
	EXPECT_EQ(ENODEV, line(self->g.vm, 0, 1));
	EXPECT_EQ(ENODEV, line(self->g.vm, 128, 1));
	EXPECT_EQ(ENODEV, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 7, 0x80, &addr));
	EXPECT_EQ(ENOENT, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0x71, &addr));
	EXPECT_EQ(ENOENT, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0x100, &addr));
	EXPECT_EQ(EINVAL, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0x81, &addr));
	/* 127 identities: two 64-bit words of each kind. */
	EXPECT_EQ(0, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0x82, &addr));
	EXPECT_EQ(0, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0xc2, &addr));
	EXPECT_EQ(EINVAL, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0x84, &addr));
	EXPECT_EQ(EINVAL, imsic_reg(self->dev, KVM_SET_DEVICE_ATTR, 0, 0xc4, &addr));
	EXPECT_EQ(0, attr(self->dev, KVM_HAS_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			  KVM_DEV_RISCV_AIA_IMSIC_MKATTR(1, 0xc2), NULL));
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_HAS_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			       KVM_DEV_RISCV_AIA_IMSIC_MKATTR(1, 0x84), NULL));
}

/*
 * KVM_CREATE_DEVICE without a free descriptor fails with EMFILE and leaves
 * no device behind: the VM gets its AIA once descriptors are free again.
 */
TEST(create_without_descriptors_leaves_nothing)
{
	struct kvm_create_device test = { .type = KVM_DEV_TYPE_RISCV_AIA,
					  .flags = KVM_CREATE_DEVICE_TEST };
	int kvm = kvm_open(_metadata), vm = vm_create(_metadata, kvm), fd;
	struct rlimit saved;

	if (ioctl(vm, KVM_CREATE_DEVICE, &test) && errno == ENODEV)
		SKIP(return, "no AIA in this host");
	/* No interrupt controller device yet: no routing table (upstream). */
	EXPECT_EQ(EINVAL, route_msi(vm, 1, 10, KVM_IRQ_ROUTING_MSI));
	ASSERT_EQ(0, no_free_fd(&saved));
	EXPECT_EQ(-EMFILE, create_aia(vm));
	EXPECT_EQ(-EMFILE, create_aia(vm));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &saved));
	fd = create_aia(vm);
	EXPECT_LE(0, fd);
	EXPECT_EQ(-EEXIST, create_aia(vm));
	close(fd);
	close(vm);
	close(kvm);
}

/*
 * File registers past the VM's identities, after the vCPU ran (in the
 * hardware variant its state then sits in a host guest file): no such
 * register, in either mode. Reaching one in a hardware file is an illegal
 * instruction in the host, which used to take the host down from one ioctl.
 */
TEST_F(aia, imsic_registers_past_the_file)
{
	static const uint32_t past[] = { 0x88, 0xbe, 0xc8, 0xfe };
	uint64_t v = 0;
	unsigned int i;

	setup_aia(_metadata, self, variant->mode, imsic_start, imsic_end, 0);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	check_files(_metadata, variant->mode, self->g.vcpu);
	/* 255 identities: words 0-3 of each kind exist. */
	EXPECT_EQ(0, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, 0x86, &v));
	EXPECT_EQ(0, imsic_reg(self->dev, KVM_SET_DEVICE_ATTR, 0, 0xc6, &v));
	for (i = 0; i < ARRAY_SIZE(past); i++) {
		EXPECT_EQ(EINVAL, imsic_reg(self->dev, KVM_GET_DEVICE_ATTR, 0, past[i], &v))
			TH_LOG("register %#x", past[i]);
		EXPECT_EQ(EINVAL, imsic_reg(self->dev, KVM_SET_DEVICE_ATTR, 0, past[i], &v))
			TH_LOG("register %#x", past[i]);
	}
	/* The file still works afterwards: identity 5 reaches the guest. */
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE, 5));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((5 << 16) | 5, self->g.run->riscv_sbi.args[0]);
}

TEST_F(aia, msi_to_each_vcpu)
{
	struct kvm_run *run;
	uint64_t eip = 0;
	int vcpu, i, stats;
	struct kvm_run *runs[2];
	uint64_t smstateen = 0;
	int vcpus[2];

	setup_aia(_metadata, self, variant->mode, imsic_start, imsic_end, 0);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	/* Whether the host has hstateen gates at all. */
	if (vcpu_reg(self->g.vcpu, KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_ISA_EXT |
		     KVM_REG_RISCV_ISA_SINGLE | KVM_RISCV_ISA_EXT_SMSTATEEN, &smstateen, false))
		smstateen = 0;
	vcpus[0] = self->g.vcpu;
	vcpus[1] = self->vcpu1;
	runs[0] = self->g.run;
	runs[1] = self->run1;
	/* Hart 1 is started here rather than through SBI HSM. */
	ASSERT_EQ(0, ioctl(self->vcpu1, KVM_SET_MP_STATE,
			   &(struct kvm_mp_state){ .mp_state = KVM_MP_STATE_RUNNABLE }));
	for (i = 0; i < 2; i++) {
		vcpu = vcpus[i];
		guest_report(_metadata, &self->g, vcpu, runs[i], 1);
		/* Identity 7 is not enabled: it stays pending, unclaimed. */
		EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE + i * 0x1000, 7));
		EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE + i * 0x1000, i ? 9 : 5));
		run = guest_report(_metadata, &self->g, vcpu, runs[i], 2);
		EXPECT_EQ(i ? (9 << 16) | 9 : (5 << 16) | 5, run->riscv_sbi.args[0]);
		/* stopi names the external interrupt too (what Linux reads first). */
		EXPECT_EQ(9, run->riscv_sbi.args[1] >> 16);
		EXPECT_NE(0, run->riscv_sbi.args[1] & 0xff);
		EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
				  KVM_DEV_RISCV_AIA_IMSIC_MKATTR(i, 0x80), &eip));
		EXPECT_EQ(1 << 7, eip);
		/* With Smstateen the guest opened its IMSIC gates lazily, once each. */
		stats = ioctl(vcpu, KVM_GET_STATS_FD, NULL);
		ASSERT_GE(stats, 0);
		EXPECT_EQ(smstateen, stat_value(stats, "hstateen_aia_isel_enabled"));
		EXPECT_EQ(smstateen, stat_value(stats, "hstateen_imsic_enabled"));
		close(stats);
		check_files(_metadata, variant->mode, vcpu);
	}
}

TEST_F(aia, msi_through_guest_page)
{
	struct kvm_run *run;

	setup_aia(_metadata, self, variant->mode, imsic_self_start, imsic_self_end, 0);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	/*
	 * The guest's store to its IMSIC page is handled in the kernel: by
	 * the MMIO bus for a software file, by the hardware file itself,
	 * mapped into the guest, without an exit.
	 */
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((9 << 16) | 9, run->riscv_sbi.args[0]);
	check_files(_metadata, variant->mode, self->g.vcpu);
	EXPECT_EQ(variant->mode == KVM_DEV_RISCV_AIA_MODE_EMUL,
		  vcpu_stat(self->g.vcpu, "mmio_exit_kernel"));
}

TEST_F(aia, aplic_sources_to_harts)
{
	struct kvm_run *run;
	uint64_t eip = 0;
	uint32_t v = 0;

	setup_aia(_metadata, self, variant->mode, aplic_start, aplic_end, 4);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	EXPECT_EQ(ENODEV, line(self->g.vm, 0, 1));	/* no source 0 (upstream: ENODEV) */
	EXPECT_EQ(ENODEV, line(self->g.vm, 5, 1));	/* past the last */

	/* Level source 1 to hart 0, identity 9. */
	EXPECT_EQ(0, line(self->g.vm, 1, 1));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((9 << 16) | 9, run->riscv_sbi.args[0]);
	/* Down and up again: a second MSI. */
	EXPECT_EQ(0, line(self->g.vm, 1, 0));
	EXPECT_EQ(0, line(self->g.vm, 1, 1));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((9 << 16) | 9, run->riscv_sbi.args[0]);

	/* Edge source 2 to hart 1 (vCPU 1, not running): pending in its file. */
	EXPECT_EQ(0, line(self->g.vm, 2, 1));
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			  KVM_DEV_RISCV_AIA_IMSIC_MKATTR(1, 0x80), &eip));
	EXPECT_EQ(1 << 5, eip);

	/* The guest's programming, read back through the APLIC group. */
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_APLIC, 0, &v));
	EXPECT_EQ(0x80000104, v);		/* read-only bit, IE, MSI mode */
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_APLIC, 4, &v));
	EXPECT_EQ(6, v);			/* level high */
	EXPECT_EQ(EINVAL, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_APLIC,
			       2, &v));		/* unaligned */
}

/*
 * Routing tables as upstream judges them (QEMU builds such tables): every
 * pin below 1024 of irqchip 0, pin 0 included; MSIs with or without a
 * device id; one entry per GSI unless both are pins of different irqchips
 * (riscv has one); flags only where the type takes them.
 */
static void routing_rules(struct __test_metadata *_metadata, int vm)
{
	const struct kvm_irq_routing_entry qemu[] = {
		ROUTE_PIN(0, 0, 0), ROUTE_PIN(1, 0, 1), ROUTE_PIN(2, 0, 2),
		ROUTE_PIN(3, 0, 1023), ROUTE_MSI(10, 0), ROUTE_MSI(11, KVM_MSI_VALID_DEVID),
		ROUTE_PIN(12, 0, 5), ROUTE_PIN(13, 0, 5),	/* two GSIs, one pin */
	};
	const struct kvm_irq_routing_entry bad[][2] = {
		{ ROUTE_MSI(10, 0), ROUTE_MSI(10, 0) },		/* one GSI, two MSIs */
		{ ROUTE_MSI(10, 0), ROUTE_PIN(10, 0, 3) },	/* MSI and pin */
		{ ROUTE_PIN(10, 0, 3), ROUTE_PIN(10, 0, 4) },	/* same irqchip twice */
		{ ROUTE_PIN(10, 1, 3), ROUTE_MSI(11, 0) },	/* irqchip 1 */
		{ ROUTE_PIN(10, 0, 1024), ROUTE_MSI(11, 0) },	/* past the pins */
		{ ROUTE_MSI(10, 2), ROUTE_MSI(11, 0) },		/* unknown MSI flag */
	};
	struct kvm_irq_routing_entry flagged = ROUTE_PIN(10, 0, 3);
	unsigned int i;

	EXPECT_EQ(0, route_table(vm, qemu, ARRAY_SIZE(qemu)));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(EINVAL, route_table(vm, bad[i], 2)) TH_LOG("table %u", i);
	flagged.flags = KVM_MSI_VALID_DEVID;			/* pins take no flags */
	EXPECT_EQ(EINVAL, route_table(vm, &flagged, 1));
	EXPECT_EQ(0, route_table(vm, qemu, 0));			/* an empty table */
}

TEST_F(aia, irqfd_and_gsi_routing)
{
	struct kvm_run *run;
	uint64_t eip = 0, one = 1;
	int efd, efd2;

	setup_aia(_metadata, self, variant->mode, aplic_start, aplic_end, 4);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	EXPECT_EQ(1, ioctl(self->g.vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD));
	EXPECT_EQ(4096, ioctl(self->g.vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	efd = eventfd(0, EFD_CLOEXEC);
	efd2 = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	ASSERT_GE(efd2, 0);

	/* Default routing: GSI 2 is APLIC source 2 (edge, to hart 1 as 5). */
	EXPECT_EQ(EINVAL, irqfd(self->g.vm, efd, 2, 0x80));
	EXPECT_EQ(EINVAL, irqfd(self->g.vm, efd, 2, KVM_IRQFD_FLAG_RESAMPLE));
	EXPECT_EQ(0, irqfd(self->g.vm, efd, 2, 0));
	EXPECT_EQ(EBUSY, irqfd(self->g.vm, efd, 2, 0));
	EXPECT_EQ(8, write(efd, &one, 8));
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			  KVM_DEV_RISCV_AIA_IMSIC_MKATTR(1, 0x80), &eip));
	EXPECT_EQ(1 << 5, eip);

	/* Deassigned, its writes go nowhere; an unknown one is ENOENT. */
	EXPECT_EQ(ENOENT, irqfd(self->g.vm, efd, 7, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(0, irqfd(self->g.vm, efd, 2, KVM_IRQFD_FLAG_DEASSIGN));
	eip = 0;
	EXPECT_EQ(0, attr(self->dev, KVM_SET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			  KVM_DEV_RISCV_AIA_IMSIC_MKATTR(1, 0x80), &eip));
	EXPECT_EQ(8, write(efd, &one, 8));
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			  KVM_DEV_RISCV_AIA_IMSIC_MKATTR(1, 0x80), &eip));
	EXPECT_EQ(0, eip);

	/* A table: GSI 10 is an MSI to vCPU 0's file, identity 9. */
	EXPECT_EQ(EINVAL, route_msi(self->g.vm, 5000, 10, KVM_IRQ_ROUTING_MSI));
	EXPECT_EQ(EINVAL, route_msi(self->g.vm, 1, 10, 99));
	EXPECT_EQ(EINVAL, route_msi(self->g.vm, 1, 4096, KVM_IRQ_ROUTING_MSI));
	EXPECT_EQ(0, route_msi(self->g.vm, 1, 10, KVM_IRQ_ROUTING_MSI));
	routing_rules(_metadata, self->g.vm);
	EXPECT_EQ(0, route_msi(self->g.vm, 1, 10, KVM_IRQ_ROUTING_MSI));
	EXPECT_EQ(0, irqfd(self->g.vm, efd2, 10, 0));
	EXPECT_EQ(8, write(efd2, &one, 8));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((9 << 16) | 9, run->riscv_sbi.args[0]);

	close(efd);
	close(efd2);	/* still assigned: goes with the hang-up, or with the VM */
}

/* kvmod's fault-injection switch: every irqfd injection from the work item. */
static int force_irqfd_work(bool on)
{
	int fd = open("/sys/module/kvmod/parameters/irqfd_force_work", O_WRONLY);
	int r;

	if (fd < 0)
		return errno;
	r = write(fd, on ? "Y" : "N", 1) == 1 ? 0 : errno;
	close(fd);
	return r;
}

/*
 * An interrupt controller that cannot take an irqfd's MSI in the eventfd's
 * wake-up (an ITS) gets it from a work item instead. No RISC-V controller
 * refuses, so the module's switch forces that path: the MSI must still
 * reach the guest, be counted, and an edge still waiting for the work item
 * when the irqfd is deassigned must be delivered, not lost.
 */
TEST_F(aia, irqfd_injected_from_work)
{
	uint64_t eip = 0, one = 1;
	struct kvm_run *run;
	int efd, stats;

	setup_aia(_metadata, self, variant->mode, aplic_start, aplic_end, 4);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	stats = ioctl(self->g.vm, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(stats, 0);
	EXPECT_EQ(0, route_msi(self->g.vm, 1, 10, KVM_IRQ_ROUTING_MSI));
	EXPECT_EQ(0, irqfd(self->g.vm, efd, 10, 0));

	ASSERT_EQ(0, force_irqfd_work(true));
	EXPECT_EQ(8, write(efd, &one, 8));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((9 << 16) | 9, run->riscv_sbi.args[0]);
	EXPECT_EQ(1, stat_value(stats, "irqfd_deferred"));

	/* Signalled and deassigned at once: the queued edge still lands. */
	EXPECT_EQ(8, write(efd, &one, 8));
	EXPECT_EQ(0, irqfd(self->g.vm, efd, 10, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(0, force_irqfd_work(false));
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			  KVM_DEV_RISCV_AIA_IMSIC_MKATTR(0, 0x80), &eip));
	EXPECT_TRUE(eip & (1 << 9));
	EXPECT_EQ(2, stat_value(stats, "irqfd_deferred"));

	/* Switched off: the wake-up injects by itself again. */
	EXPECT_EQ(0, irqfd(self->g.vm, efd, 10, 0));
	EXPECT_EQ(8, write(efd, &one, 8));
	EXPECT_EQ(2, stat_value(stats, "irqfd_deferred"));
	force_irqfd_work(false);
	close(stats);
	close(efd);
}

/**
 * struct sender - sends an MSI to a halted vCPU, then watches the clock
 * @vm: the VM
 * @main: the thread in KVM_RUN
 * @done: KVM_RUN returned
 */
struct sender {
	int vm;
	pthread_t main;
	bool done;
};

static void *send_msi(void *arg)
{
	struct sender *s = arg;
	int i;

	usleep(200000);			/* the vCPU is in WFI by now */
	msi(s->vm, IMSIC_BASE, 5);
	/* Not woken within 5 s: end KVM_RUN with a signal (the test fails). */
	for (i = 0; i < 50 && !__atomic_load_n(&s->done, __ATOMIC_ACQUIRE); i++)
		usleep(100000);
	if (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
		pthread_kill(s->main, SIGUSR1);
	return NULL;
}

TEST_F(aia, msi_wakes_halted_vcpu)
{
	struct sender s;
	struct kvm_run *run;
	pthread_t t;

	setup_aia(_metadata, self, variant->mode, imsic_start, imsic_end, 0);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	ASSERT_EQ(0, kick_signal_install());
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	/* KVM_RUN: the guest halts in WFI; an MSI from another thread wakes it. */
	s = (struct sender){ .vm = self->g.vm, .main = pthread_self() };
	ASSERT_EQ(0, pthread_create(&t, NULL, send_msi, &s));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	__atomic_store_n(&s.done, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ((5 << 16) | 5, run->riscv_sbi.args[0]);
	EXPECT_LT(0, vcpu_stat(self->g.vcpu, "halt_wakeup"));
	check_files(_metadata, variant->mode, self->g.vcpu);
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Runs vCPU 0 to its next interrupt: identity 5 must be what it claims,
 * with 7 (sent earlier, never enabled) still pending in its file.
 */
static void expect_5_claimed_7_pending(struct __test_metadata *_metadata,
				       struct _test_data_aia *self)
{
	struct kvm_run *run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	uint64_t eip = 0;

	EXPECT_EQ((5 << 16) | 5, run->riscv_sbi.args[0]);
	EXPECT_EQ(0, attr(self->dev, KVM_GET_DEVICE_ATTR, KVM_DEV_RISCV_AIA_GRP_IMSIC,
			  KVM_DEV_RISCV_AIA_IMSIC_MKATTR(0, 0x80), &eip));
	EXPECT_EQ(1 << 7, eip);
}

TEST_F(aia, file_follows_vcpu_to_another_cpu)
{
	long long attached;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one host CPU");
	setup_aia(_metadata, self, variant->mode, imsic_start, imsic_end, 0);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	ASSERT_EQ(0, pin(0));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	attached = vcpu_stat(self->g.vcpu, "imsic_hw_attach");
	/* Pending in the file on CPU 0: 7 (not enabled) and 5. */
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE, 7));
	EXPECT_EQ(0, pin(1));
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE, 5));
	/* On CPU 1 the guest takes 5; 7 is still pending there. */
	expect_5_claimed_7_pending(_metadata, self);
	/* A hardware file of CPU 1 took over from CPU 0's. */
	if (variant->mode != KVM_DEV_RISCV_AIA_MODE_EMUL)
		EXPECT_EQ(attached + 1, vcpu_stat(self->g.vcpu, "imsic_hw_attach"));
	check_files(_metadata, variant->mode, self->g.vcpu);
}

/*
 * Eight vCPUs on one host CPU: with hardware files, as many as that CPU
 * has get one and the others keep software files; every vCPU gets its
 * MSIs either way.
 */
TEST_F(aia, software_files_when_hardware_ones_run_out)
{
	int vcpus[2 + MORE_VCPUS], i, n = 2 + MORE_VCPUS, on_hw = 0;
	struct kvm_run *runs[2 + MORE_VCPUS], *run;

	setup_aia_n(_metadata, self, variant->mode, imsic_start, imsic_end, 0, MORE_VCPUS);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	ASSERT_EQ(0, pin(0));
	vcpus[0] = self->g.vcpu;
	runs[0] = self->g.run;
	vcpus[1] = self->vcpu1;
	runs[1] = self->run1;
	for (i = 0; i < MORE_VCPUS; i++) {
		vcpus[2 + i] = self->more[i];
		runs[2 + i] = self->more_run[i];
	}
	/* Each runs once (keeping what file it got), then takes an MSI. */
	for (i = 0; i < n; i++) {
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

		if (i)
			ASSERT_EQ(0, ioctl(vcpus[i], KVM_SET_MP_STATE, &mp));
		guest_report(_metadata, &self->g, vcpus[i], runs[i], 1);
	}
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE + i * 0x1000, 5));
		run = guest_report(_metadata, &self->g, vcpus[i], runs[i], 2);
		EXPECT_EQ((5 << 16) | 5, run->riscv_sbi.args[0]);
		if (vcpu_stat(vcpus[i], "imsic_hw_attach") > 0) {
			on_hw++;
			EXPECT_EQ(0, vcpu_stat(vcpus[i], "imsic_sw_access"));
		} else {
			EXPECT_LT(0, vcpu_stat(vcpus[i], "imsic_sw_access"));
		}
	}
	if (variant->mode == KVM_DEV_RISCV_AIA_MODE_EMUL) {
		EXPECT_EQ(0, on_hw);
	} else {
		/* The first vCPUs took the CPU's files; the rest had to do without. */
		EXPECT_LT(0, on_hw);
		if (on_hw == n)
			SKIP(return, "this host CPU has %d or more guest files", n);
		for (i = 0; i < n; i++)
			EXPECT_EQ(i < on_hw, vcpu_stat(vcpus[i], "imsic_hw_attach") > 0);
	}
}

/*
 * The guest's stores to its page reach its file on CPU 0, then (the page
 * remapped) on CPU 1: with hardware files, none of them exits.
 */
TEST_F(aia, guest_stores_follow_file_to_another_cpu)
{
	struct kvm_run *run;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one host CPU");
	setup_aia(_metadata, self, variant->mode, imsic_self_loop_start, imsic_self_loop_end, 0);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	ASSERT_EQ(0, pin(0));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((9 << 16) | 9, run->riscv_sbi.args[0]);
	ASSERT_EQ(0, pin(1));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((9 << 16) | 9, run->riscv_sbi.args[0]);
	check_files(_metadata, variant->mode, self->g.vcpu);
	EXPECT_EQ(variant->mode == KVM_DEV_RISCV_AIA_MODE_EMUL ? 2 : 0,
		  vcpu_stat(self->g.vcpu, "mmio_exit_kernel"));
}

/*
 * Host CPU 1 goes offline while a vCPU's state is in one of its hardware
 * files: kvmod moves it out first, so nothing pending is lost; once CPU 1
 * is back, its files serve again.
 */
TEST_F(aia, file_leaves_a_cpu_going_offline)
{
	struct kvm_run *run;
	long long attached;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || access(CPU1_ONLINE, W_OK))
		SKIP(return, "no host CPU 1 to take offline");
	setup_aia(_metadata, self, variant->mode, imsic_start, imsic_end, 0);
	if (unsupported(self))
		SKIP(return, "%s", unsupported(self));
	ASSERT_EQ(0, pin(1));
	guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 1);
	attached = vcpu_stat(self->g.vcpu, "imsic_hw_attach");
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE, 7));
	ASSERT_EQ(0, pin(0));
	ASSERT_EQ(0, cpu1_online(0));
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE, 5));
	expect_5_claimed_7_pending(_metadata, self);

	ASSERT_EQ(0, cpu1_online(1));
	ASSERT_EQ(0, pin(1));
	EXPECT_EQ(0, msi(self->g.vm, IMSIC_BASE, 5));
	run = guest_report(_metadata, &self->g, self->g.vcpu, self->g.run, 2);
	EXPECT_EQ((5 << 16) | 5, run->riscv_sbi.args[0]);
	/* On CPU 0, then on CPU 1 again. */
	if (variant->mode != KVM_DEV_RISCV_AIA_MODE_EMUL)
		EXPECT_EQ(attached + 2, vcpu_stat(self->g.vcpu, "imsic_hw_attach"));
	check_files(_metadata, variant->mode, self->g.vcpu);
}

TEST_HARNESS_MAIN
