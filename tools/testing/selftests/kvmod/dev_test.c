// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/kvm: the node (numbers, mode and owner as upstream's), system
 * ioctls: API version, capabilities, mmap size, VM creation and the errors
 * for bad arguments and wrong file descriptors.
 */
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kvmod_util.h"

FIXTURE(dev) {
	int kvm;
};

FIXTURE_SETUP(dev)
{
	self->kvm = kvm_open(_metadata);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->kvm);
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/kvm", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(10, major(st.st_rdev));	/* misc */
	EXPECT_EQ(232, minor(st.st_rdev));	/* KVM_MINOR */
}

/*
 * devtmpfs makes /dev/kvm as upstream's: 0600 and root's. Distributions
 * open it to group kvm with a udev rule; a module granting that itself
 * would hand the node to whatever group owns it wherever no rule exists.
 */
TEST(dev_kvm_mode)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/kvm", &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

TEST_F(dev, api_version)
{
	EXPECT_EQ(KVM_API_VERSION, ioctl(self->kvm, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(12, KVM_API_VERSION);
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_GET_API_VERSION, 1));
}

TEST_F(dev, vcpu_mmap_size)
{
	int sz = ioctl(self->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	EXPECT_GE(sz, (int)sizeof(struct kvm_run));
	EXPECT_EQ(0, sz % getpagesize());
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_GET_VCPU_MMAP_SIZE, 1));
}

TEST_F(dev, capabilities)
{
	long nr = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	long max = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	long max_id = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);

	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY2));
	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM));
	EXPECT_EQ(32767, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	/* What QEMU 10 requires before it starts (and relies on). */
	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_INTERNAL_ERROR_DATA));
	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_ANY_LENGTH));
	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_DESTROY_MEMORY_REGION_WORKS));
	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_JOIN_MEMORY_REGIONS_WORKS));
	/* One address space: upstream does not report the capability then. */
	EXPECT_EQ(0, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE));
	EXPECT_GE(nr, 1);
	EXPECT_LE(nr, sysconf(_SC_NPROCESSORS_ONLN));
	EXPECT_GE(max, nr);
#if defined(__riscv)
	/* Upstream riscv leaves it unreported; ids stay below MAX_VCPUS. */
	EXPECT_EQ(0, max_id);
#else
	EXPECT_EQ(max, max_id);
#endif
	/* Unknown and negative capability numbers read as unsupported. */
	EXPECT_EQ(0, ioctl(self->kvm, KVM_CHECK_EXTENSION, 0x7fffffff));
	EXPECT_EQ(0, ioctl(self->kvm, KVM_CHECK_EXTENSION, -1L));
}

TEST_F(dev, phys_bits_cap)
{
#if defined(__aarch64__)
	long bits = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
#else
	long bits = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_GPA_BITS);
#endif
	EXPECT_GE(bits, 32);
	EXPECT_LE(bits, 59);
}

TEST_F(dev, unknown_ioctls)
{
	/* VM and vCPU ioctls sent to /dev/kvm. */
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_RUN, 0));
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, _IO(KVMIO, 0xfe), 0));
}

TEST_F(dev, create_vm)
{
	int a = vm_create(_metadata, self->kvm);
	int b = vm_create(_metadata, self->kvm);

	EXPECT_NE(a, b);
	EXPECT_EQ(FD_CLOEXEC, fcntl(a, F_GETFD) & FD_CLOEXEC);
	/* Capabilities can be asked through a VM too. */
	EXPECT_EQ(1, ioctl(a, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS),
		  ioctl(a, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
	/* A VM fd does not answer system ioctls. */
	EXPECT_EQ(EINVAL, ioctl_errno(a, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(EINVAL, ioctl_errno(a, KVM_CREATE_VM, 0));
	/* The VM outlives /dev/kvm's fd. */
	close(self->kvm);
	EXPECT_EQ(1, ioctl(a, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	self->kvm = kvm_open(_metadata);
	close(a);
	close(b);
}

TEST_F(dev, vm_type)
{
#if defined(__aarch64__)
	long limit = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
	int fd;

	ASSERT_GE(limit, 40);
	fd = ioctl(self->kvm, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(limit));
	EXPECT_GE(fd, 0);
	close(fd);
	fd = ioctl(self->kvm, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(32));
	EXPECT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(31)));
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_CREATE_VM,
				      KVM_VM_TYPE_ARM_IPA_SIZE(limit + 1)));
	/* Type bits above the IPA size are unknown (later kernels: pKVM). */
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_CREATE_VM, 1UL << 8));
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_CREATE_VM, 1UL << 31));
#else
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_CREATE_VM, 1));
	EXPECT_EQ(EINVAL, ioctl_errno(self->kvm, KVM_CREATE_VM, 1UL << 63));
#endif
}

TEST(not_kvm)
{
	int fd = open("/proc/self/stat", O_RDONLY);

	ASSERT_GE(fd, 0);
	/* Our ioctl numbers on a foreign file, and on a closed fd. */
	EXPECT_EQ(ENOTTY, ioctl_errno(fd, KVM_CREATE_VM, 0));
	close(fd);
	EXPECT_EQ(EBADF, ioctl_errno(fd, KVM_GET_API_VERSION, 0));
}

TEST_HARNESS_MAIN
