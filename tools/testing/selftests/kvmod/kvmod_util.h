/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by kvmod's uAPI selftests. */
#ifndef KVMOD_SELFTEST_UTIL_H
#define KVMOD_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"

/* Default VM type: arm64's type 0 means a 40-bit IPA, riscv has only 0. */
#define VM_TYPE_DEFAULT	0UL

static inline int kvm_open(struct __test_metadata *_metadata)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	ASSERT_GE(fd, 0) TH_LOG("open /dev/kvm: %s", strerror(errno));
	return fd;
}

static inline int vm_create(struct __test_metadata *_metadata, int kvm)
{
	int fd = ioctl(kvm, KVM_CREATE_VM, VM_TYPE_DEFAULT);

	ASSERT_GE(fd, 0) TH_LOG("KVM_CREATE_VM: %s", strerror(errno));
	return fd;
}

/* Runs an ioctl expected to fail; yields its errno (0 if it succeeded). */
static inline int ioctl_errno(int fd, unsigned long req, unsigned long arg)
{
	int r = ioctl(fd, req, arg);

	if (r >= 0) {
		/* A stray fd from a wrongly succeeding create must not leak. */
		if (req == KVM_CREATE_VM || req == KVM_CREATE_VCPU)
			close(r);
		return 0;
	}
	return errno;
}

static inline int set_region(int vm, uint32_t slot, uint32_t flags, uint64_t gpa,
			     uint64_t size, void *host)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r) ? errno : 0;
}

static inline int set_region_v1(int vm, uint32_t slot, uint32_t flags, uint64_t gpa,
				uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) ? errno : 0;
}

/* What a racing thread saw: its calls, and those that returned what they must not. */
struct errno_tally {
	unsigned long calls, bad;
	int last_bad;
};

/* Counts a call that returned @err (0 for success); @ok1, @ok2 are allowed. */
static inline void tally(struct errno_tally *t, int err, int ok1, int ok2)
{
	t->calls++;
	if (err != ok1 && err != ok2) {
		t->bad++;
		t->last_bad = err;
	}
}

/* Seconds on the monotonic clock, for tests bounded in time. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The number in a sysfs or procfs file, or -1. */
static inline long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* References to the module: each open fd and mapping of ours holds one. */
static inline long module_refcnt(void)
{
	return read_long("/sys/module/kvmod/refcnt");
}

/*
 * Lowers RLIMIT_NOFILE to the lowest free descriptor, so that the next one
 * the process asks for fails with EMFILE; @saved gets the old limit.
 * 0 or the errno.
 */
static inline int no_free_fd(struct rlimit *saved)
{
	struct rlimit low;
	int fd;

	if (getrlimit(RLIMIT_NOFILE, saved))
		return errno;
	fd = dup(0);
	if (fd < 0)
		return errno;
	close(fd);
	low = (struct rlimit){ .rlim_cur = fd, .rlim_max = saved->rlim_max };
	return setrlimit(RLIMIT_NOFILE, &low) ? errno : 0;
}

#endif /* KVMOD_SELFTEST_UTIL_H */
