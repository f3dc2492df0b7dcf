// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod on RISC-V: host capability checks, limits and VM-level hooks.
 * The host runs in HS-mode; guests need the H extension.
 */

#define pr_fmt(fmt) "kvmod: " fmt

#include <linux/kvmod_host.h>
#include <linux/preempt.h>
#include <asm/cpufeature.h>
#include <asm/csr.h>

/* Widest guest physical address the G-stage translation supports. */
static unsigned int kvmod_riscv_gpa_bits;

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
	pr_info("RISC-V H extension present, guest physical addresses of %u bits\n",
		kvmod_riscv_gpa_bits);
	return 0;
}

void kvmod_arch_exit(void)
{
}

unsigned int kvmod_arch_max_vcpus(void)
{
	return KVMOD_RISCV_MAX_VCPUS;
}

long kvmod_arch_check_extension(struct kvmod_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_VM_GPA_BITS:
		return vm ? vm->phys_bits : kvmod_riscv_gpa_bits;
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
	return 0;
}

void kvmod_arch_vm_destroy(struct kvmod_vm *vm)
{
}

long kvmod_arch_vm_ioctl(struct kvmod_vm *vm, unsigned int ioctl,
			 unsigned long arg)
{
	return -EINVAL;
}

int kvmod_arch_vcpu_create(struct kvmod_vcpu *vcpu)
{
	return 0;
}

void kvmod_arch_vcpu_destroy(struct kvmod_vcpu *vcpu)
{
}

long kvmod_arch_vcpu_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
			   unsigned long arg)
{
	return -EINVAL;
}
