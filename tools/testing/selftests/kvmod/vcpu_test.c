// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_CREATE_VCPU and the vCPU fd: id and count limits, the shared kvm_run
 * mapping, lifetime against the VM fd, and use from another process.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kvmod_util.h"

FIXTURE(vcpu) {
	int kvm, vm, mmap_size;
};

FIXTURE_SETUP(vcpu)
{
	self->kvm = kvm_open(_metadata);
	self->vm = vm_create(_metadata, self->kvm);
	self->mmap_size = ioctl(self->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_GT(self->mmap_size, 0);
}

FIXTURE_TEARDOWN(vcpu)
{
	close(self->vm);
	close(self->kvm);
}

TEST_F(vcpu, create)
{
	int a = ioctl(self->vm, KVM_CREATE_VCPU, 0);
	int b = ioctl(self->vm, KVM_CREATE_VCPU, 7);

	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(a, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(EEXIST, ioctl_errno(self->vm, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, ioctl_errno(self->vm, KVM_CREATE_VCPU, 7));
	/* A vCPU fd is not a VM fd. */
	EXPECT_EQ(EINVAL, ioctl_errno(a, KVM_CREATE_VCPU, 1));
	EXPECT_EQ(EINVAL, ioctl_errno(a, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	close(a);
	close(b);
	/* Closing the fd does not free the id: the vCPU lives with the VM. */
	EXPECT_EQ(EEXIST, ioctl_errno(self->vm, KVM_CREATE_VCPU, 0));
}

TEST_F(vcpu, id_limit)
{
	long max_id = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	int fd;

	/* Unreported (riscv, as upstream): ids are limited by MAX_VCPUS. */
	if (!max_id)
		max_id = ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	ASSERT_GT(max_id, 0);
	EXPECT_EQ(EINVAL, ioctl_errno(self->vm, KVM_CREATE_VCPU, max_id));
	EXPECT_EQ(EINVAL, ioctl_errno(self->vm, KVM_CREATE_VCPU, -1UL));
	EXPECT_EQ(EINVAL, ioctl_errno(self->vm, KVM_CREATE_VCPU, 1UL << 32));
	fd = ioctl(self->vm, KVM_CREATE_VCPU, max_id - 1);
	EXPECT_GE(fd, 0);
	close(fd);
}

TEST_F(vcpu, count_limit)
{
	long max = ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	struct rlimit rl = { max + 64, max + 64 };
	long i;

	ASSERT_GT(max, 0);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	/* Ids spread out from the top, so the count limit is what bites. */
	for (i = 0; i < max; i++) {
		int fd = ioctl(self->vm, KVM_CREATE_VCPU, max - 1 - i);

		ASSERT_GE(fd, 0) TH_LOG("vCPU %ld: %s", i, strerror(errno));
		close(fd);
	}
	EXPECT_EQ(EINVAL, ioctl_errno(self->vm, KVM_CREATE_VCPU, max));
}

TEST_F(vcpu, run_mapping)
{
	int fd = ioctl(self->vm, KVM_CREATE_VCPU, 0);
	struct kvm_run *a, *b;

	ASSERT_GE(fd, 0);
	a = mmap(NULL, self->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, self->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	/* A fresh vCPU's kvm_run is zeroed and both mappings share it. */
	EXPECT_EQ(0, a->exit_reason);
	EXPECT_EQ(0, a->immediate_exit);
	a->immediate_exit = 1;
	EXPECT_EQ(1, b->immediate_exit);
	/* The mapping keeps the vCPU alive after its fd and the VM fd close. */
	close(fd);
	close(self->vm);
	self->vm = vm_create(_metadata, self->kvm);
	EXPECT_EQ(1, a->immediate_exit);
	munmap(a, self->mmap_size);
	munmap(b, self->mmap_size);
}

TEST_F(vcpu, mapping_beyond_size)
{
	int fd = ioctl(self->vm, KVM_CREATE_VCPU, 0);
	size_t len = self->mmap_size + getpagesize();
	const char *p;
	int status;
	pid_t pid;

	ASSERT_GE(fd, 0);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* The area itself reads fine ... */
	EXPECT_EQ(0, p[0]);
	/* ... one byte past it kills with SIGBUS. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		signal(SIGBUS, SIG_DFL);
		_exit(p[self->mmap_size] + 100);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		TH_LOG("child status %#x", status);
	munmap((void *)p, len);
	close(fd);
}

TEST_F(vcpu, signal_mask)
{
	struct {
		struct kvm_signal_mask hdr;
		uint64_t set;
	} mask = { .hdr.len = 8, .set = 1ULL << (SIGUSR1 - 1) };
	int fd = ioctl(self->vm, KVM_CREATE_VCPU, 0);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, ioctl(fd, KVM_SET_SIGNAL_MASK, &mask));
	/* The kernel's sigset is 8 bytes on both arches: nothing else fits. */
	mask.hdr.len = 4;
	EXPECT_EQ(EINVAL, ioctl_errno(fd, KVM_SET_SIGNAL_MASK, (unsigned long)&mask));
	mask.hdr.len = 16;
	EXPECT_EQ(EINVAL, ioctl_errno(fd, KVM_SET_SIGNAL_MASK, (unsigned long)&mask));
	EXPECT_EQ(EFAULT, ioctl_errno(fd, KVM_SET_SIGNAL_MASK, 8));
	/* NULL drops the mask. */
	EXPECT_EQ(0, ioctl(fd, KVM_SET_SIGNAL_MASK, NULL));
	close(fd);
}

TEST_F(vcpu, stats_fd)
{
	struct kvm_stats_header h;
	char id[64];
	int fd = ioctl(self->vm, KVM_CREATE_VCPU, 3);
	int st;

	ASSERT_GE(fd, 0);
	st = ioctl(fd, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(st, 0);
	ASSERT_EQ(sizeof(h), pread(st, &h, sizeof(h), 0));
	/* KVM_STATS_NAME_SIZE, which the uAPI header keeps to the kernel. */
	EXPECT_EQ(48, h.name_size);
	EXPECT_LT(0, h.num_desc);
	EXPECT_EQ(sizeof(h), h.id_offset);
	ASSERT_EQ(h.name_size, pread(st, id, h.name_size, h.id_offset));
	EXPECT_EQ(0, strncmp(id, "kvm-", 4));
	EXPECT_NE(NULL, strstr(id, "/vcpu-3"));
	/* Read-only; reading past the end gives nothing. */
	EXPECT_EQ(-1, write(st, &h, sizeof(h)));
	EXPECT_EQ(0, pread(st, &h, sizeof(h), 1 << 20));
	/* The stats fd outlives the vCPU and VM fds. */
	close(fd);
	close(self->vm);
	self->vm = vm_create(_metadata, self->kvm);
	EXPECT_EQ(sizeof(h), pread(st, &h, sizeof(h), 0));
	close(st);
}

/* Power state: the first vCPU runs; STOPPED and RUNNABLE round-trip. */
TEST_F(vcpu, mp_state)
{
	int v0 = ioctl(self->vm, KVM_CREATE_VCPU, 0);
	struct kvm_mp_state mp = { .mp_state = 0xff };

	ASSERT_GE(v0, 0);
	EXPECT_EQ(1, ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_MP_STATE));
	ASSERT_EQ(0, ioctl(v0, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	mp.mp_state = KVM_MP_STATE_STOPPED;
	ASSERT_EQ(0, ioctl(v0, KVM_SET_MP_STATE, &mp));
	mp.mp_state = 0xff;
	ASSERT_EQ(0, ioctl(v0, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_STOPPED, mp.mp_state);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	ASSERT_EQ(0, ioctl(v0, KVM_SET_MP_STATE, &mp));
	ASSERT_EQ(0, ioctl(v0, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	/* States neither architecture offers (HALTED is x86's). */
	mp.mp_state = KVM_MP_STATE_HALTED;
	EXPECT_EQ(EINVAL, ioctl_errno(v0, KVM_SET_MP_STATE, (unsigned long)&mp));
	mp.mp_state = 1000;
	EXPECT_EQ(EINVAL, ioctl_errno(v0, KVM_SET_MP_STATE, (unsigned long)&mp));
	EXPECT_EQ(EFAULT, ioctl_errno(v0, KVM_GET_MP_STATE, 8));
	EXPECT_EQ(EFAULT, ioctl_errno(v0, KVM_SET_MP_STATE, 8));
	close(v0);
}

TEST_F(vcpu, unknown_ioctl)
{
	int fd = ioctl(self->vm, KVM_CREATE_VCPU, 0);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(EINVAL, ioctl_errno(fd, _IO(KVMIO, 0xfe), 0));
	EXPECT_EQ(EINVAL, ioctl_errno(fd, KVM_GET_API_VERSION, 0));
	close(fd);
}

TEST_F(vcpu, vm_fd_closed_first)
{
	int fd = ioctl(self->vm, KVM_CREATE_VCPU, 3);

	ASSERT_GE(fd, 0);
	close(self->vm);
	/* The vCPU fd keeps the VM alive and keeps answering. */
	EXPECT_EQ(EINVAL, ioctl_errno(fd, _IO(KVMIO, 0xfe), 0));
	close(fd);
	self->vm = vm_create(_metadata, self->kvm);
}

TEST_F(vcpu, other_process)
{
	int fd = ioctl(self->vm, KVM_CREATE_VCPU, 0);
	pid_t pid;
	int status;

	ASSERT_GE(fd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int a = ioctl_errno(fd, _IO(KVMIO, 0xfe), 0);
		int b = ioctl_errno(self->vm, KVM_CREATE_VCPU, 1);

		_exit(a == EIO && b == EIO ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

TEST_HARNESS_MAIN
