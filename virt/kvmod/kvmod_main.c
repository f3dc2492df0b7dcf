// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod: a KVM-compatible hypervisor module. This file owns /dev/kvm, its
 * system ioctls and the capabilities every architecture shares.
 */

#define pr_fmt(fmt) "kvmod: " fmt

#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kvmod_host.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

/**
 * kvmod_vcpu_mmap_size() - bytes of a vCPU fd that userspace may map
 *
 * Return: the size of kvm_run plus the coalesced MMIO ring after it.
 */
unsigned int kvmod_vcpu_mmap_size(void)
{
	return (KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * PAGE_SIZE;
}

/**
 * kvmod_check_extension() - answer KVM_CHECK_EXTENSION
 * @vm: the VM asked through, or NULL for /dev/kvm
 * @ext: the KVM_CAP_* number
 *
 * Only what works is reported; an unknown capability reads 0.
 *
 * Return: the capability's value.
 */
long kvmod_check_extension(struct kvmod_vm *vm, long ext)
{
	unsigned int max = kvmod_arch_max_vcpus();

	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_USER_MEMORY2:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_BINARY_STATS_FD:
	case KVM_CAP_DEVICE_CTRL:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
		return 1;
	case KVM_CAP_NR_MEMSLOTS:
		return KVMOD_USER_MEM_SLOTS;
	case KVM_CAP_MULTI_ADDRESS_SPACE:
		/* Upstream reports it only with more than one address space. */
		return KVMOD_ADDRESS_SPACE_NUM > 1 ? KVMOD_ADDRESS_SPACE_NUM : 0;
	case KVM_CAP_NR_VCPUS:
		return min(num_online_cpus(), max);
	case KVM_CAP_MAX_VCPUS:
		return vm ? vm->max_vcpus : max;
	case KVM_CAP_IRQFD:
	case KVM_CAP_SIGNAL_MSI:
		/* With an in-kernel interrupt controller to route to. */
		return !!kvmod_arch_check_extension(vm, KVM_CAP_IRQCHIP);
	case KVM_CAP_IRQ_ROUTING:
		return kvmod_arch_check_extension(vm, KVM_CAP_IRQCHIP) ? 4096 : 0;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		/* Logging needs stage-2 tables that track host memory. */
		return kvmod_arch_check_extension(vm, KVM_CAP_SYNC_MMU) ?
		       KVMOD_DIRTY_LOG_MANUAL_CAPS : 0;
	default:
		return kvmod_arch_check_extension(vm, ext);
	}
}

static long kvmod_dev_ioctl(struct file *file, unsigned int ioctl,
			    unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return kvmod_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return kvmod_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : kvmod_vcpu_mmap_size();
	default:
		return -EINVAL;
	}
}

static const struct file_operations kvmod_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= kvmod_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice kvmod_dev = {
	.minor	= KVM_MINOR,
	.name	= "kvm",
	.fops	= &kvmod_dev_fops,
};

static int __init kvmod_init(void)
{
	int r;

	r = kvmod_arch_init();
	if (r)
		return r;
	r = kvmod_irq_init();
	if (r) {
		kvmod_arch_exit();
		return r;
	}

	r = misc_register(&kvmod_dev);
	if (r) {
		if (r == -EBUSY)
			pr_err("/dev/kvm (misc minor %d) is already registered, is KVM built in?\n",
			       KVM_MINOR);
		kvmod_irq_exit();
		kvmod_arch_exit();
		return r;
	}
	pr_info("/dev/kvm ready (API version %d)\n", KVM_API_VERSION);
	return 0;
}

static void __exit kvmod_exit(void)
{
	/* Every fd pins the module, so no VM exists any more here. */
	misc_deregister(&kvmod_dev);
	kvmod_irq_exit();
	kvmod_arch_exit();
}

module_init(kvmod_init);
module_exit(kvmod_exit);

MODULE_DESCRIPTION("kvmod: KVM-compatible hypervisor for RISC-V and arm64 hosts");
MODULE_LICENSE("GPL");
MODULE_ALIAS_MISCDEV(KVM_MINOR);
MODULE_ALIAS("devname:kvm");
