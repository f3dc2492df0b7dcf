// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod on arm64: host capability checks, limits and VM-level hooks.
 * Guests run from a VHE host kernel, i.e. one that itself runs at EL2.
 */

#define pr_fmt(fmt) "kvmod: " fmt

#include <linux/kvmod_host.h>
#include <asm/cpufeature.h>
#include <asm/sysreg.h>
#include <asm/virt.h>

/* Largest IPA width a VM may ask for. */
static unsigned int kvmod_arm64_ipa_limit;

/*
 * Stage-2 tables use 4K pages and four levels: 48 bits at most, whatever
 * wider physical address range the CPU reports.
 */
static unsigned int kvmod_arm64_probe_ipa_limit(void)
{
	u64 mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);
	int parange = cpuid_feature_extract_unsigned_field(mmfr0,
				ID_AA64MMFR0_EL1_PARANGE_SHIFT);

	return min(id_aa64mmfr0_parange_to_phys_shift(parange), 48U);
}

int kvmod_arch_init(void)
{
	if (!is_kernel_in_hyp_mode()) {
		pr_err("the kernel does not run at EL2 with VHE (booted at EL1, or VHE disabled)\n");
		return -ENODEV;
	}
	kvmod_arm64_ipa_limit = kvmod_arm64_probe_ipa_limit();
	pr_info("kernel at EL2 with VHE, IPA limit %u bits\n", kvmod_arm64_ipa_limit);
	return 0;
}

void kvmod_arch_exit(void)
{
}

unsigned int kvmod_arch_max_vcpus(void)
{
	return KVMOD_ARM64_MAX_VCPUS;
}

long kvmod_arch_check_extension(struct kvmod_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_ARM_VM_IPA_SIZE:
		return kvmod_arm64_ipa_limit;
	case KVM_CAP_MAX_VCPU_ID:
		/* As upstream arm64; RISC-V does not report it (reads 0). */
		return vm ? vm->max_vcpus : kvmod_arch_max_vcpus();
	default:
		return 0;
	}
}

/*
 * The type's low byte is the IPA width (0: the default of 40 bits). No other
 * bit is defined (later kernels use one for pKVM, which VHE hosts lack).
 */
int kvmod_arch_vm_init(struct kvmod_vm *vm)
{
	unsigned int ipa = vm->type & KVM_VM_TYPE_ARM_IPA_SIZE_MASK;

	if (vm->type & ~(unsigned long)KVM_VM_TYPE_ARM_IPA_SIZE_MASK)
		return -EINVAL;
	if (!ipa)
		ipa = KVMOD_ARM64_DEFAULT_IPA;
	if (ipa < KVMOD_ARM64_MIN_IPA || ipa > kvmod_arm64_ipa_limit)
		return -EINVAL;
	vm->phys_bits = ipa;
	vm->slot_gfn_limit = BIT_ULL(ipa - PAGE_SHIFT);
	return 0;
}

void kvmod_arch_vm_destroy(struct kvmod_vm *vm)
{
}

/* No in-kernel interrupt controller yet (KVM_CAP_IRQCHIP is 0): no routes. */
bool kvmod_arch_irqchip_created(struct kvmod_vm *vm)
{
	return false;
}

bool kvmod_arch_irq_route_ok(struct kvmod_vm *vm, u32 irqchip, u32 pin)
{
	return false;
}

void kvmod_arch_irq_set(struct kvmod_vm *vm, u32 irqchip, u32 pin, bool level)
{
}

/* Never called: no interrupt controller device can be created yet. */
int kvmod_arch_irq_msi(struct kvmod_vm *vm, const struct kvm_msi *msi, bool atomic)
{
	return -ENODEV;
}

const struct kvmod_device_ops *kvmod_arch_device_ops(u32 type)
{
	/* The vGICv3 comes with the arm64 vCPU core. */
	return NULL;
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

/* Upstream arm64 has no asynchronous vCPU ioctl. */
long kvmod_arch_vcpu_async_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
				 unsigned long arg)
{
	return -ENOIOCTLCMD;
}

long kvmod_arch_vcpu_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
			   unsigned long arg)
{
	return -EINVAL;
}

/* No access is decoded, so none is ever pending, until the vCPU core. */
void kvmod_arch_mmio_complete(struct kvmod_vcpu *vcpu, const void *data)
{
	WARN_ONCE(1, "kvmod: no arm64 MMIO access to complete");
}

/* KVM_ARM_VCPU_INIT does not exist yet, so no vCPU is ever initialised. */
int kvmod_arch_vcpu_run_prepare(struct kvmod_vcpu *vcpu)
{
	return -ENOEXEC;
}

/* Unreachable until the vCPU core: KVM_RUN stops at the hook above. */
void kvmod_arch_vcpu_reset(struct kvmod_vcpu *vcpu, unsigned long pc,
			   unsigned long arg)
{
	WARN_ONCE(1, "kvmod: arm64 vCPU reset without a vCPU core");
}

void kvmod_arch_vcpu_requests(struct kvmod_vcpu *vcpu)
{
}

void kvmod_arch_vcpu_load(struct kvmod_vcpu *vcpu)
{
	WARN_ONCE(1, "kvmod: arm64 vCPU load without a vCPU core");
}

void kvmod_arch_vcpu_put(struct kvmod_vcpu *vcpu)
{
}

bool kvmod_arch_vcpu_enter(struct kvmod_vcpu *vcpu)
{
	return false;
}

int kvmod_arch_vcpu_handle_exit(struct kvmod_vcpu *vcpu)
{
	return -ENOEXEC;
}

/* No vCPU halts before the vCPU core, and no timer needs the host yet. */
void kvmod_arch_vcpu_blocking(struct kvmod_vcpu *vcpu)
{
}

void kvmod_arch_vcpu_unblocking(struct kvmod_vcpu *vcpu)
{
}

bool kvmod_arch_vcpu_runnable(struct kvmod_vcpu *vcpu)
{
	return false;
}

/* No stage-2 tables exist before the arm64 vCPU core: no fault maps any. */
unsigned int kvmod_arch_mmu_tables_needed(struct kvmod_vm *vm)
{
	return 0;
}

void kvmod_arch_mmu_map(struct kvmod_vcpu *vcpu, u64 gpa, unsigned long pfn,
			unsigned int shift, unsigned int prot)
{
	WARN_ONCE(1, "kvmod: arm64 stage-2 map without a vCPU core");
}

/* Nothing to unmap either. */
bool kvmod_arch_unmap_gfn_range(struct kvmod_vm *vm, u64 start, u64 end)
{
	return false;
}

bool kvmod_arch_age_gfn_range(struct kvmod_vm *vm, u64 start, u64 end, bool clear)
{
	return false;
}

bool kvmod_arch_write_protect_gfns(struct kvmod_vm *vm, u64 gfn,
				   unsigned long mask)
{
	return false;
}

void kvmod_arch_flush_remote_tlbs(struct kvmod_vm *vm)
{
}

const struct kvmod_stat_desc *kvmod_arch_vcpu_stats(unsigned int *nr)
{
	*nr = 0;
	return NULL;
}
