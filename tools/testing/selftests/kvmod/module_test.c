// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module lifetime: kvmod cannot be unloaded while any of its fds is open
 * (/dev/kvm, a VM, a vCPU, or a vCPU mapping), so no VM can outlive it.
 * Must run as root with kvmod loaded; it never actually unloads kvmod.
 */
#include <dirent.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kvmod_util.h"

static int try_unload(void)
{
	return syscall(SYS_delete_module, "kvmod", O_NONBLOCK) ? errno : 0;
}

/* Modules using kvmod's symbols would make unloading fail for them. */
static int nr_holders(void)
{
	DIR *d = opendir("/sys/module/kvmod/holders");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

TEST(busy_while_fds_open)
{
	int kvm = kvm_open(_metadata);
	int vm = vm_create(_metadata, kvm);
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *run;

	if (nr_holders() != 0)
		SKIP(return, "kvmod is loaded with holders, or not as a module");
	if (geteuid())
		SKIP(return, "needs root to try unloading");
	ASSERT_GE(vcpu, 0);
	run = mmap(NULL, size, PROT_READ, MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, run);

	EXPECT_EQ(EWOULDBLOCK, try_unload());
	close(kvm);
	EXPECT_EQ(EWOULDBLOCK, try_unload());
	close(vm);
	EXPECT_EQ(EWOULDBLOCK, try_unload());
	close(vcpu);
	/* Only the mapping is left, and it still pins the module. */
	EXPECT_EQ(EWOULDBLOCK, try_unload());
	munmap(run, size);
}

TEST_HARNESS_MAIN
