// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm on arm64: booting needs the arm64 vCPU core (KVM_ARM_VCPU_INIT),
 * which kvmod does not have yet, so "run" says so instead of trying.
 */
#include <stdio.h>

#include "vmm.h"

const uint64_t vmm_arch_ram_base = 0x40000000UL;

int vmm_arch_setup(struct vmm_vm *vm, const struct vmm_opts *o)
{
	fprintf(stderr, "kvmod-vmm: booting arm64 guests needs the arm64 vCPU core\n");
	return -1;
}

int vmm_arch_exit(struct vmm_vcpu *v)
{
	return -1;
}

void vmm_arch_dump(struct vmm_vcpu *v)
{
}
