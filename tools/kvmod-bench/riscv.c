// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-bench (RISC-V): round trips that a VMM pays for, timed from
 * userspace on whatever /dev/kvm this host has (kvmod or upstream KVM):
 *
 *   mmio-exit   a guest store to unbacked memory, out to userspace and back
 *   sbi-kernel  an SBI call the hypervisor answers itself (BASE spec version)
 *
 * Each line: "bench NAME: N iterations, X ns/iteration".
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "riscv-guest.h"

#define GUEST_BASE	0x80000000UL
#define GUEST_SIZE	0x10000UL

static void die(const char *what)
{
	fprintf(stderr, "kvmod-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void set_reg(int vcpu, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };

	if (ioctl(vcpu, KVM_SET_ONE_REG, &r))
		die("KVM_SET_ONE_REG");
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void run_bench(int kvm, const char *name, const char *start,
		      const char *end, unsigned long iters)
{
	struct kvm_userspace_memory_region mem = {
		.guest_phys_addr = GUEST_BASE, .memory_size = GUEST_SIZE,
	};
	unsigned long exits = 0;
	struct kvm_run *run;
	int vm, vcpu, size;
	double t0, t1;
	void *ram;

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	ram = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap");
	memcpy(ram, start, end - start);
	mem.userspace_addr = (uintptr_t)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mem))
		die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size < 0)
		die("KVM_CREATE_VCPU");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	set_reg(vcpu, KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE |
		KVM_REG_RISCV_CORE_REG(regs.pc), GUEST_BASE);
	set_reg(vcpu, KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE |
		KVM_REG_RISCV_CORE_REG(regs.a0), iters);

	t0 = now_ns();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0))
			die("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_RISCV_SBI &&
		    run->riscv_sbi.extension_id == 0x08000042)
			break;
		if (run->exit_reason != KVM_EXIT_MMIO) {
			fprintf(stderr, "kvmod-bench: %s: exit %u\n", name, run->exit_reason);
			exit(1);
		}
		exits++;
	}
	t1 = now_ns();
	if (start == mmio_loop && exits != iters) {
		fprintf(stderr, "kvmod-bench: %s: %lu exits, expected %lu\n", name,
			exits, iters);
		exit(1);
	}
	printf("bench %s: %lu iterations, %.0f ns/iteration\n", name, iters,
	       (t1 - t0) / iters);
	munmap(run, size);
	close(vcpu);
	close(vm);
	munmap(ram, GUEST_SIZE);
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0)
		die("/dev/kvm");
	/* A first short run maps the guest's code: no faults in the timing. */
	run_bench(kvm, "warmup", mmio_loop, mmio_loop_end, 100);
	run_bench(kvm, "mmio-exit", mmio_loop, mmio_loop_end, iters);
	run_bench(kvm, "sbi-kernel", sbi_loop, sbi_loop_end, iters);
	return 0;
}
