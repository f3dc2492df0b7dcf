// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm on arm64: booting needs the arm64 vCPU core (KVM_ARM_VCPU_INIT),
 * which kvmod does not have yet, so "run" says so instead of trying. What
 * the common devices ask of the arch is there already: their interrupts are
 * GIC SPIs.
 */
#include <stdio.h>

#include "fdt.h"
#include "vmm.h"

const uint64_t vmm_arch_ram_base = 0x40000000UL;
/* Devices take SPIs from the first up, the UART first. */
const unsigned int vmm_arch_irq_base;

#define GIC_SPI			0
#define IRQ_TYPE_LEVEL_HIGH	4

void vmm_arch_fdt_irq(struct fdt *f, unsigned int line)
{
	fdt_prop_cells(f, "interrupts", (uint32_t[]){ GIC_SPI, line, IRQ_TYPE_LEVEL_HIGH }, 3);
}

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
