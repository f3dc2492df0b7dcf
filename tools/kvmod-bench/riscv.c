// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-bench (RISC-V): round trips that a VMM pays for, timed from
 * userspace on whatever /dev/kvm this host has (kvmod or upstream KVM):
 *
 *   mmio-exit     a guest store to unbacked memory, out to userspace and back
 *   sbi-kernel    an SBI call the hypervisor answers itself (BASE spec version)
 *   envcfg-lazy   senvcfg read and written by the guest, gates opened lazily
 *   envcfg-eager  the same with kvmod's hstateen_lazy=0 (always-on gates);
 *                 upstream KVM has no such parameter and opens them eagerly
 *
 * Each line: "bench NAME: N iterations, X ns/iteration, E exits" (exits
 * from the vCPU's "exits" statistic, -1 where the kernel has none).
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

/* The vCPU's "exits" statistic, or -1. */
static long long vcpu_exits(int vcpu)
{
	struct kvm_stats_header h;
	long long val = -1;
	char *descs;
	size_t dsz;
	uint32_t i;
	int fd = ioctl(vcpu, KVM_GET_STATS_FD, NULL);

	if (fd < 0)
		return -1;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		goto out;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = calloc(h.num_desc, dsz);
	if (descs && pread(fd, descs, h.num_desc * dsz, h.desc_offset) ==
		     (ssize_t)(h.num_desc * dsz)) {
		for (i = 0; i < h.num_desc; i++) {
			struct kvm_stats_desc *d = (void *)(descs + i * dsz);
			uint64_t v;

			if (!strcmp(d->name, "exits") &&
			    pread(fd, &v, sizeof(v), h.data_offset + d->offset) == sizeof(v))
				val = v;
		}
	}
	free(descs);
out:
	close(fd);
	return val;
}

/* kvmod's hstateen_lazy parameter: old value, or -1 without it. */
static int set_hstateen_lazy(int on)
{
	FILE *f = fopen("/sys/module/kvmod/parameters/hstateen_lazy", "r+");
	int old = -1;
	char c;

	if (!f)
		return -1;
	if (fscanf(f, " %c", &c) == 1)
		old = c == 'Y' || c == '1';
	rewind(f);
	fputs(on ? "1" : "0", f);
	fclose(f);
	return old;
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
	long long total;
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
	total = vcpu_exits(vcpu);
	if (start == mmio_loop && exits != iters) {
		fprintf(stderr, "kvmod-bench: %s: %lu exits, expected %lu\n", name,
			exits, iters);
		exit(1);
	}
	/* Every call answered, with a version (SBI 2.0: 0x2000000). */
	if (start == sbi_loop && (run->riscv_sbi.args[0] || !run->riscv_sbi.args[1])) {
		fprintf(stderr, "kvmod-bench: %s: %lu calls failed, version %#lx\n", name,
			(unsigned long)run->riscv_sbi.args[0],
			(unsigned long)run->riscv_sbi.args[1]);
		exit(1);
	}
	printf("bench %s: %lu iterations, %.0f ns/iteration, %lld exits\n", name,
	       iters, (t1 - t0) / iters, total);
	munmap(run, size);
	close(vcpu);
	close(vm);
	munmap(ram, GUEST_SIZE);
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int lazy;

	if (kvm < 0)
		die("/dev/kvm");
	/*
	 * A first short run warms the host (caches, the page allocator, the
	 * KVM_RUN path). It maps nothing for the others: every bench makes a
	 * VM of its own and pays its own few first faults, which its
	 * iterations amortise.
	 */
	run_bench(kvm, "warmup", mmio_loop, mmio_loop_end, 100);
	run_bench(kvm, "mmio-exit", mmio_loop, mmio_loop_end, iters);
	run_bench(kvm, "sbi-kernel", sbi_loop, sbi_loop_end, iters);
	run_bench(kvm, "envcfg-lazy", envcfg_loop, envcfg_loop_end, iters);
	/* vCPUs take the mode when created; restore it right after. */
	lazy = set_hstateen_lazy(0);
	run_bench(kvm, "envcfg-eager", envcfg_loop, envcfg_loop_end, iters);
	if (lazy >= 0)
		set_hstateen_lazy(lazy);
	return 0;
}
