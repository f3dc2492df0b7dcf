// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IOEVENTFD as a VMM sees it without running a guest: which
 * assignments are refused and with which errno, which ones collide, what
 * deassigning needs, and that a VM with thousands of them (no limit
 * upstream) is created and torn down cleanly. Whether guest stores signal
 * them is in the architecture's ioeventfd test.
 */

#include <sys/eventfd.h>

#include "kvmod_util.h"

#define ADDR	0x10000000ULL

FIXTURE(ioe) {
	int kvm, vm, efd, efd2;
};

FIXTURE_SETUP(ioe)
{
	self->kvm = kvm_open(_metadata);
	self->vm = vm_create(_metadata, self->kvm);
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	self->efd2 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_GE(self->efd, 0);
	ASSERT_GE(self->efd2, 0);
}

FIXTURE_TEARDOWN(ioe)
{
	close(self->efd2);
	close(self->efd);
	close(self->vm);
	close(self->kvm);
}

static int ioe(int vm, int fd, uint64_t addr, uint32_t len, uint32_t flags,
	       uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return ioctl_errno(vm, KVM_IOEVENTFD, (unsigned long)&a);
}

TEST_F(ioe, bad_arguments)
{
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(EINVAL, ioe(self->vm, self->efd, ADDR, 3, 0, 0));
	EXPECT_EQ(EINVAL, ioe(self->vm, self->efd, ADDR, 16, 0, 0));
	/* The range may not wrap around the address space. */
	EXPECT_EQ(EINVAL, ioe(self->vm, self->efd, ~0ULL - 2, 4, 0, 0));
	EXPECT_EQ(EINVAL, ioe(self->vm, self->efd, ~0ULL - 3, 4, 0, 0));
	EXPECT_EQ(0, ioe(self->vm, self->efd, ~0ULL - 4, 4, 0, 0));
	EXPECT_EQ(EINVAL, ioe(self->vm, self->efd, ADDR, 4, 1U << 5, 0));
	EXPECT_EQ(EINVAL, ioe(self->vm, self->efd, ADDR, 4, 1U << 31, 0));
	/* Any length cannot match data. */
	EXPECT_EQ(EINVAL, ioe(self->vm, self->efd, ADDR, 0, KVM_IOEVENTFD_FLAG_DATAMATCH, 1));
	EXPECT_EQ(EBADF, ioe(self->vm, -1, ADDR, 4, 0, 0));
	EXPECT_EQ(EINVAL, ioe(self->vm, pipefd[0], ADDR, 4, 0, 0));
	EXPECT_EQ(EFAULT, ioctl_errno(self->vm, KVM_IOEVENTFD, 8));
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(ioe, collisions)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;

	EXPECT_EQ(0, ioe(self->vm, self->efd, ADDR, 4, dm, 1));
	EXPECT_EQ(EEXIST, ioe(self->vm, self->efd, ADDR, 4, dm, 1));
	/* Another value at the same place and size: both may stay. */
	EXPECT_EQ(0, ioe(self->vm, self->efd2, ADDR, 4, dm, 2));
	/* A wildcard or any-length one would match what they match. */
	EXPECT_EQ(EEXIST, ioe(self->vm, self->efd2, ADDR, 4, 0, 0));
	EXPECT_EQ(EEXIST, ioe(self->vm, self->efd2, ADDR, 0, 0, 0));
	/* Another size or address does not collide. */
	EXPECT_EQ(0, ioe(self->vm, self->efd2, ADDR, 2, 0, 0));
	EXPECT_EQ(0, ioe(self->vm, self->efd2, ADDR + 4, 0, 0, 0));
	EXPECT_EQ(EEXIST, ioe(self->vm, self->efd, ADDR + 4, 8, dm, 3));
	/* PIO and virtio-ccw assignments live on buses of their own. */
	EXPECT_EQ(0, ioe(self->vm, self->efd, ADDR, 4, KVM_IOEVENTFD_FLAG_PIO, 0));
	EXPECT_EQ(EEXIST, ioe(self->vm, self->efd, ADDR, 4, KVM_IOEVENTFD_FLAG_PIO, 0));
	EXPECT_EQ(0, ioe(self->vm, self->efd, ADDR, 4,
			 KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, 0));
}

TEST_F(ioe, deassign)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t de = KVM_IOEVENTFD_FLAG_DEASSIGN;

	EXPECT_EQ(ENOENT, ioe(self->vm, self->efd, ADDR, 4, de, 0));
	ASSERT_EQ(0, ioe(self->vm, self->efd, ADDR, 4, dm, 7));
	/* Everything must name the assignment: fd, address, size, value. */
	EXPECT_EQ(ENOENT, ioe(self->vm, self->efd2, ADDR, 4, de | dm, 7));
	EXPECT_EQ(ENOENT, ioe(self->vm, self->efd, ADDR + 4, 4, de | dm, 7));
	EXPECT_EQ(ENOENT, ioe(self->vm, self->efd, ADDR, 8, de | dm, 7));
	EXPECT_EQ(ENOENT, ioe(self->vm, self->efd, ADDR, 4, de | dm, 8));
	EXPECT_EQ(ENOENT, ioe(self->vm, self->efd, ADDR, 4, de, 7));
	EXPECT_EQ(ENOENT, ioe(self->vm, self->efd, ADDR, 4, de | dm | KVM_IOEVENTFD_FLAG_PIO, 7));
	EXPECT_EQ(EBADF, ioe(self->vm, -1, ADDR, 4, de | dm, 7));
	EXPECT_EQ(0, ioe(self->vm, self->efd, ADDR, 4, de | dm, 7));
	EXPECT_EQ(ENOENT, ioe(self->vm, self->efd, ADDR, 4, de | dm, 7));
	/* Gone for good: the same assignment is accepted again. */
	EXPECT_EQ(0, ioe(self->vm, self->efd, ADDR, 4, dm, 7));
	/* The VM holds the eventfd: closing the fd keeps it assigned. */
	close(self->efd2);
	EXPECT_EQ(0, ioe(self->vm, self->efd, ADDR + 8, 0, 0, 0));
	self->efd2 = eventfd(0, EFD_CLOEXEC);
	EXPECT_EQ(EEXIST, ioe(self->vm, self->efd2, ADDR + 8, 0, 0, 0));
}

/* Upstream sets no limit on ioeventfds: a VMM with many queues needs many. */
TEST_F(ioe, many)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	uint32_t i;
	int fails = 0;

	for (i = 0; i < 3000; i++)
		fails += !!ioe(self->vm, self->efd, ADDR + 4 * (i / 4), 4, dm, i % 4);
	EXPECT_EQ(0, fails);
	for (i = 0; i < 3000; i += 2)
		fails += !!ioe(self->vm, self->efd, ADDR + 4 * (i / 4), 4,
			       dm | KVM_IOEVENTFD_FLAG_DEASSIGN, i % 4);
	EXPECT_EQ(0, fails);
	/* The rest goes with the VM, in the fixture's teardown. */
}

TEST_HARNESS_MAIN
