// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm info: what /dev/kvm reports, then a VM and a vCPU created and
 * their kvm_run area mapped, as any VMM would before booting a guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vmm.h"

#define CAP(name) { #name, KVM_CAP_##name }

static const struct {
	const char *name;
	long cap;
} caps[] = {
	CAP(USER_MEMORY), CAP(USER_MEMORY2), CAP(NR_MEMSLOTS),
	CAP(MULTI_ADDRESS_SPACE), CAP(NR_VCPUS), CAP(MAX_VCPUS),
	CAP(MAX_VCPU_ID), CAP(CHECK_EXTENSION_VM), CAP(READONLY_MEM),
	CAP(ONE_REG), CAP(IRQCHIP), CAP(IRQFD), CAP(IOEVENTFD),
	CAP(COALESCED_MMIO), CAP(SYNC_MMU), CAP(BINARY_STATS_FD),
#if defined(__aarch64__)
	CAP(ARM_VM_IPA_SIZE), CAP(ARM_PSCI_0_2), CAP(ARM_PMU_V3),
#else
	CAP(VM_GPA_BITS),
#endif
};

static int print_usage(FILE *f)
{
	fputs("usage: kvmod-vmm info [--dev PATH]\n", f);
	return f == stdout ? 0 : 2;
}

int vmm_info_main(int argc, char **argv)
{
	const char *dev = "/dev/kvm";
	int kvm, vm, vcpu, ver, size;
	struct kvm_run *run;
	size_t i;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--help"))
			return print_usage(stdout);
		if (!strcmp(argv[i], "--dev") && i + 1 < (size_t)argc) {
			dev = argv[++i];
			continue;
		}
		fprintf(stderr, "kvmod-vmm info: bad argument '%s'\n", argv[i]);
		return print_usage(stderr);
	}

	kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		vmm_perror("open %s", dev);
		return 1;
	}
	ver = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		fprintf(stderr, "kvmod-vmm: %s speaks API version %d, not %d\n",
			dev, ver, KVM_API_VERSION);
		return 1;
	}
	printf("%s: KVM API version %d\n", dev, ver);
	for (i = 0; i < ARRAY_SIZE(caps); i++)
		printf("  KVM_CAP_%-22s %d\n", caps[i].name,
		       ioctl(kvm, KVM_CHECK_EXTENSION, caps[i].cap));

	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (size < (int)sizeof(*run) || vm < 0) {
		vmm_perror("KVM_GET_VCPU_MMAP_SIZE/KVM_CREATE_VM");
		return 1;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0) {
		vmm_perror("KVM_CREATE_VCPU");
		return 1;
	}
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED) {
		vmm_perror("mmap kvm_run");
		return 1;
	}
	printf("created VM fd %d, vCPU 0 fd %d, kvm_run mapped (%d bytes)\n",
	       vm, vcpu, size);
	munmap(run, size);
	close(vcpu);
	close(vm);
	close(kvm);
	return 0;
}
