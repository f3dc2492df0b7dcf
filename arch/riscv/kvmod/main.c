// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod on RISC-V: host capability checks, limits and VM-level hooks.
 * The host runs in HS-mode; guests need the H extension.
 */

#define pr_fmt(fmt) "kvmod: " fmt

#include <linux/kvmod_host.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <asm/cpufeature.h>
#include <asm/csr.h>

#include "riscv.h"

/* Widest guest physical address the G-stage translation supports. */
unsigned int kvmod_riscv_gpa_bits;
/* Implemented hgatp.VMID bits; 0 means every VM shares VMID 0. */
unsigned int kvmod_riscv_vmid_bits;
/* The host has Sstc: guests get vstimecmp. */
bool kvmod_riscv_has_sstc;
/* The host has Smstateen: hstateen0 gates what VS-mode may access. */
bool kvmod_riscv_has_smstateen;
bool kvmod_riscv_has_ssaia;

/*
 * hgatp.MODE is WARL and an unsupported value leaves the register untouched,
 * so writing each mode and reading it back tells which ones the CPU has. No
 * guest runs yet, so changing hgatp here cannot disturb any translation.
 */
static unsigned int kvmod_riscv_probe_gpa_bits(void)
{
	static const struct {
		unsigned long mode;
		unsigned int gpa_bits;
	} modes[] = {
		{ HGATP_MODE_SV57X4, 59 },
		{ HGATP_MODE_SV48X4, 50 },
		{ HGATP_MODE_SV39X4, 41 },
	};
	unsigned int i, bits = 0;

	preempt_disable();
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		csr_write(CSR_HGATP, modes[i].mode << HGATP_MODE_SHIFT);
		if ((csr_read(CSR_HGATP) >> HGATP_MODE_SHIFT) == modes[i].mode) {
			bits = modes[i].gpa_bits;
			break;
		}
	}
	csr_write(CSR_HGATP, 0);
	preempt_enable();
	return bits;
}

/* hgatp.VMID is WARL too: the bits that stick are the implemented ones. */
static unsigned int kvmod_riscv_probe_vmid_bits(void)
{
	unsigned long vmid;

	preempt_disable();
	csr_write(CSR_HGATP, HGATP_VMID);
	vmid = (csr_read(CSR_HGATP) & HGATP_VMID) >> HGATP_VMID_SHIFT;
	csr_write(CSR_HGATP, 0);
	preempt_enable();
	return fls_long(vmid);
}

static unsigned int imsic_guest_files = UINT_MAX;
module_param(imsic_guest_files, uint, 0444);
MODULE_PARM_DESC(imsic_guest_files,
		 "IMSIC guest interrupt files per CPU that vCPUs may use (0: software files only)");

int kvmod_arch_init(void)
{
	if (!riscv_isa_extension_available(NULL, h)) {
		pr_err("the CPU lacks the RISC-V H (hypervisor) extension\n");
		return -ENODEV;
	}
	kvmod_riscv_gpa_bits = kvmod_riscv_probe_gpa_bits();
	if (!kvmod_riscv_gpa_bits) {
		pr_err("no G-stage translation mode (Sv39x4 or wider) available\n");
		return -ENODEV;
	}
	kvmod_riscv_vmid_bits = kvmod_riscv_probe_vmid_bits();
	kvmod_riscv_has_sstc = riscv_isa_extension_available(NULL, SSTC);
	kvmod_riscv_has_smstateen = riscv_isa_extension_available(NULL, SMSTATEEN);
	kvmod_riscv_has_ssaia = riscv_isa_extension_available(NULL, SSAIA);
	kvmod_riscv_pmu_init();
	kvmod_riscv_hgei_init(imsic_guest_files);
	pr_info("RISC-V H extension present, guest physical addresses of %u bits, %u VMID bits%s\n",
		kvmod_riscv_gpa_bits, kvmod_riscv_vmid_bits,
		kvmod_riscv_has_sstc ? ", Sstc" : "");
	return 0;
}

void kvmod_arch_exit(void)
{
	kvmod_riscv_hgei_exit();
}

unsigned int kvmod_arch_max_vcpus(void)
{
	return KVMOD_RISCV_MAX_VCPUS;
}

long kvmod_arch_check_extension(struct kvmod_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_ONE_REG:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_SET_GUEST_DEBUG:
		return 1;
	case KVM_CAP_COALESCED_MMIO:
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	case KVM_CAP_VM_GPA_BITS:
		return vm ? vm->phys_bits : kvmod_riscv_gpa_bits;
	case KVM_CAP_IRQCHIP:
		/* The in-kernel AIA (aia.c). */
		return kvmod_riscv_aia_available();
	default:
		return 0;
	}
}

/* RISC-V defines no machine types: anything but 0 is a mistake. */
int kvmod_arch_vm_init(struct kvmod_vm *vm)
{
	if (vm->type)
		return -EINVAL;
	vm->phys_bits = kvmod_riscv_gpa_bits;
	/* As upstream: a slot may not reach the last page, nor map read-only memory writable. */
	vm->slot_gfn_limit = BIT_ULL(vm->phys_bits - PAGE_SHIFT) - 1;
	vm->slots_need_vm_write = true;
	return kvmod_riscv_gstage_init(vm);
}

void kvmod_arch_vm_destroy(struct kvmod_vm *vm)
{
	kvmod_riscv_gstage_destroy(vm);
}

long kvmod_arch_vm_ioctl(struct kvmod_vm *vm, unsigned int ioctl,
			 unsigned long arg)
{
	switch (ioctl) {
	case KVM_IRQ_LINE:
		return kvmod_riscv_aia_irq_line(vm, (void __user *)arg);
	default:
		return -EINVAL;
	}
}
