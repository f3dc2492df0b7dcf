// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_SET_USER_MEMORY_REGION and KVM_SET_USER_MEMORY_REGION2: creation,
 * move, flag changes, deletion, and the exact errno for each bad request.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kvmod_util.h"

#define PAGE	4096UL
#define MEM	(64 * PAGE)
#define GPA	0x80000000UL

FIXTURE(slots) {
	int kvm, vm;
	char *mem;
};

FIXTURE_SETUP(slots)
{
	self->kvm = kvm_open(_metadata);
	self->vm = vm_create(_metadata, self->kvm);
	self->mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(slots)
{
	munmap(self->mem, MEM);
	close(self->vm);
	close(self->kvm);
}

TEST_F(slots, create_both_ioctls)
{
	EXPECT_EQ(0, set_region(self->vm, 0, 0, GPA, MEM / 2, self->mem));
	EXPECT_EQ(0, set_region_v1(self->vm, 1, 0, GPA + MEM / 2, MEM / 2,
				   self->mem + MEM / 2));
	/* Read-only slots exactly when the capability says so. */
	EXPECT_EQ(ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) ? 0 : EINVAL,
		  set_region(self->vm, 2, KVM_MEM_READONLY, 0x1000, PAGE, self->mem));
	EXPECT_EQ(0, set_region_v1(self->vm, 3, KVM_MEM_LOG_DIRTY_PAGES, 0x2000, PAGE,
				   self->mem));
	/* The same request twice is a no-op, not an overlap. */
	EXPECT_EQ(0, set_region(self->vm, 0, 0, GPA, MEM / 2, self->mem));
}

TEST_F(slots, bad_alignment)
{
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, GPA + 1, PAGE, self->mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, GPA, PAGE - 1, self->mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, GPA, PAGE + 8, self->mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, GPA, PAGE, self->mem + 16));
}

TEST_F(slots, bad_flags)
{
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 1U << 31, GPA, PAGE, self->mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 1U << 3, GPA, PAGE, self->mem));
	/* guest_memfd is not offered, and never through the v1 ioctl. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, KVM_MEM_GUEST_MEMFD, GPA, PAGE,
				     self->mem));
	EXPECT_EQ(EINVAL, set_region_v1(self->vm, 0, KVM_MEM_GUEST_MEMFD, GPA, PAGE,
					self->mem));
}

TEST_F(slots, bad_slot_ids)
{
	EXPECT_EQ(EINVAL, set_region(self->vm, 32767, 0, GPA, PAGE, self->mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0xffff, 0, GPA, PAGE, self->mem));
	/* Address space 1 does not exist on this architecture. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 1 << 16, 0, GPA, PAGE, self->mem));
	EXPECT_EQ(0, set_region(self->vm, 32766, 0, GPA, PAGE, self->mem));
}

TEST_F(slots, bad_addresses)
{
	/* Wraps past the top of the guest address space. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, -PAGE, 2 * PAGE, self->mem));
	/* Host range that is not user memory. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, GPA, PAGE,
				     (void *)0xffffffffffff0000UL));
	/* More pages than a slot can hold. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, 0, 1UL << 43, self->mem));
	/* Guest addresses the VM cannot map. */
	EXPECT_EQ(EFAULT, set_region(self->vm, 0, 0, 1UL << 59, PAGE, self->mem));
	EXPECT_EQ(EFAULT, ioctl(self->vm, KVM_SET_USER_MEMORY_REGION2, (void *)8) ?
		  errno : 0);
}

/* The top of the guest physical address space, as upstream draws it. */
TEST_F(slots, top_of_guest_space)
{
#if defined(__riscv)
	long bits = ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_VM_GPA_BITS);
	/* Upstream riscv refuses a slot reaching the very last page. */
	int last = EFAULT;
#else
	long bits = 40;		/* VM type 0: a 40-bit IPA space */
	int last = 0;
#endif
	uint64_t top;

	ASSERT_GT(bits, 32);
	top = 1UL << bits;
	EXPECT_EQ(last, set_region(self->vm, 0, 0, top - PAGE, PAGE, self->mem));
	set_region(self->vm, 0, 0, 0, 0, NULL);
	EXPECT_EQ(last, set_region(self->vm, 1, 0, top - 2 * PAGE, 2 * PAGE, self->mem));
	set_region(self->vm, 1, 0, 0, 0, NULL);
	EXPECT_EQ(0, set_region(self->vm, 2, 0, top - 3 * PAGE, PAGE, self->mem));
	EXPECT_EQ(EFAULT, set_region(self->vm, 3, 0, top, PAGE, self->mem));
}

/*
 * A writable slot over memory the process may only read: upstream riscv
 * refuses it at once (EPERM), arm64 takes it (a guest store then fails).
 * With KVM_MEM_READONLY, or once the memory is writable, it is fine.
 */
TEST_F(slots, writable_slot_over_read_only_memory)
{
#if defined(__riscv)
	int want = EPERM;
#else
	int want = 0;
#endif
	void *ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(want, set_region(self->vm, 0, 0, GPA, 2 * PAGE, ro));
	/* Read-only slots exist exactly where the capability says so. */
	EXPECT_EQ(ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) ? 0 : EINVAL,
		  set_region(self->vm, 1, KVM_MEM_READONLY, GPA + 4 * PAGE, 2 * PAGE, ro));
	/* One read-only page of two is enough to refuse the slot. */
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(want, set_region(self->vm, 2, 0, GPA + 8 * PAGE, 2 * PAGE, ro));
	ASSERT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, set_region(self->vm, 3, 0, GPA + 12 * PAGE, 2 * PAGE, ro));
	/* Moving a slot checks again; so would a flags change. */
	ASSERT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ));
	EXPECT_EQ(want, set_region(self->vm, 3, 0, GPA + 16 * PAGE, 2 * PAGE, ro));
	/* Deleting needs no writable memory. */
	EXPECT_EQ(0, set_region(self->vm, 3, 0, 0, 0, NULL));
	munmap(ro, 2 * PAGE);
}

TEST_F(slots, overlap)
{
	ASSERT_EQ(0, set_region(self->vm, 0, 0, GPA, 4 * PAGE, self->mem));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0, GPA, 4 * PAGE, self->mem));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0, GPA + 3 * PAGE, 2 * PAGE, self->mem));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0, GPA - PAGE, 2 * PAGE, self->mem));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0, GPA - PAGE, 8 * PAGE, self->mem));
	EXPECT_EQ(0, set_region(self->vm, 1, 0, GPA + 4 * PAGE, PAGE, self->mem));
	EXPECT_EQ(0, set_region(self->vm, 2, 0, GPA - PAGE, PAGE, self->mem));
}

TEST_F(slots, modify)
{
	ASSERT_EQ(0, set_region(self->vm, 0, 0, GPA, 4 * PAGE, self->mem));
	ASSERT_EQ(0, set_region(self->vm, 1, 0, GPA + 16 * PAGE, 4 * PAGE, self->mem));
	/* Size, host address and read-only cannot change in place. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, GPA, 8 * PAGE, self->mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, GPA, 4 * PAGE, self->mem + PAGE));
	/* (refused as a change, or as a flag the VM does not offer) */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, KVM_MEM_READONLY, GPA, 4 * PAGE,
				     self->mem));
	/* Dirty logging can be switched on and off. */
	EXPECT_EQ(0, set_region(self->vm, 0, KVM_MEM_LOG_DIRTY_PAGES, GPA, 4 * PAGE,
				self->mem));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, GPA, 4 * PAGE, self->mem));
	/* Moves: onto another slot fails, over its own old range works. */
	EXPECT_EQ(EEXIST, set_region(self->vm, 0, 0, GPA + 14 * PAGE, 4 * PAGE, self->mem));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, GPA + 2 * PAGE, 4 * PAGE, self->mem));
	/* The old range's first pages are free now. */
	EXPECT_EQ(0, set_region(self->vm, 2, 0, GPA, 2 * PAGE, self->mem));
	EXPECT_EQ(EEXIST, set_region(self->vm, 3, 0, GPA + 5 * PAGE, PAGE, self->mem));
}

TEST_F(slots, delete)
{
	EXPECT_EQ(EINVAL, set_region(self->vm, 5, 0, 0, 0, NULL));
	ASSERT_EQ(0, set_region(self->vm, 5, 0, GPA, 4 * PAGE, self->mem));
	EXPECT_EQ(0, set_region(self->vm, 5, 0, 0, 0, NULL));
	EXPECT_EQ(EINVAL, set_region(self->vm, 5, 0, 0, 0, NULL));
	/* Range and id are free again. */
	EXPECT_EQ(0, set_region(self->vm, 6, 0, GPA, 4 * PAGE, self->mem));
	EXPECT_EQ(0, set_region(self->vm, 5, 0, GPA + 4 * PAGE, PAGE, self->mem));
	/* Deletion through the v1 ioctl. */
	EXPECT_EQ(0, set_region_v1(self->vm, 6, 0, 0, 0, NULL));
}

/*
 * Every slot costs an SRCU grace period (as upstream's updates do): 32767
 * of them outlast the harness's default 30 s on a KASAN host under TCG.
 */
TEST_F_TIMEOUT(slots, all_slots, 180)
{
	int nr = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	int i;

	ASSERT_GT(nr, 0);
	for (i = 0; i < nr; i++)
		ASSERT_EQ(0, set_region(self->vm, i, 0, GPA + (uint64_t)i * 2 * PAGE, PAGE,
					self->mem)) TH_LOG("slot %d", i);
	EXPECT_EQ(EINVAL, set_region(self->vm, nr, 0, 0, PAGE, self->mem));
	for (i = 0; i < nr; i += 1000)
		EXPECT_EQ(EEXIST, set_region(self->vm, nr - 1, 0,
					     GPA + (uint64_t)i * 2 * PAGE, PAGE, self->mem));
}

TEST_F(slots, other_process)
{
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (!pid) {
		/* A child shares the fd but not the address space: refused. */
		int e = set_region(self->vm, 0, 0, GPA, PAGE, self->mem);
		int c = ioctl_errno(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);

		_exit(e == EIO && c == EIO ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, set_region(self->vm, 0, 0, GPA, PAGE, self->mem));
}

TEST_HARNESS_MAIN
