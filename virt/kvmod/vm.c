// SPDX-License-Identifier: GPL-2.0-only
/*
 * VM file descriptors: creation, lifetime and the VM ioctls.
 *
 * A VM lives while its fd or any vCPU fd is open (each holds a reference);
 * the vCPUs themselves belong to the VM and go with it.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvmod_host.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

/**
 * kvmod_vm_get() - take a reference on a VM
 * @vm: the VM
 */
void kvmod_vm_get(struct kvmod_vm *vm)
{
	kref_get(&vm->ref);
}

static void kvmod_vm_free(struct kref *ref)
{
	struct kvmod_vm *vm = container_of(ref, struct kvmod_vm, ref);
	struct kvmod_vcpu *vcpu;
	unsigned long i;

	/* Nothing may inject into vCPUs or devices that are going. */
	kvmod_irq_destroy(vm);
	xa_for_each(&vm->vcpus, i, vcpu)
		kvmod_vcpu_destroy(vcpu);
	xa_destroy(&vm->vcpus);
	kvmod_ioeventfd_destroy(vm);
	kvmod_devices_destroy(vm);
	kvmod_io_bus_destroy(vm);
	xa_destroy(&vm->vcpu_ids);
	/* No invalidation may walk the slots or page tables freed below. */
	kvmod_mmu_destroy(vm);
	kvmod_memslots_destroy(vm);
	kvmod_arch_vm_destroy(vm);
	kvmod_coalesced_mmio_destroy(vm);
	cleanup_srcu_struct(&vm->irq_srcu);
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kfree(vm);
}

/**
 * kvmod_vm_put() - drop a reference; the last one frees the VM
 * @vm: the VM
 */
void kvmod_vm_put(struct kvmod_vm *vm)
{
	kref_put(&vm->ref, kvmod_vm_free);
}

static int kvmod_vm_release(struct inode *inode, struct file *file)
{
	kvmod_vm_put(file->private_data);
	return 0;
}

/* Both ioctls share the leading fields; the v1 one lacks guest_memfd. */
static int kvmod_vm_ioctl_set_memory_region(struct kvmod_vm *vm,
					    unsigned int ioctl,
					    void __user *argp)
{
	struct kvm_userspace_memory_region2 mem = {};
	size_t size = ioctl == KVM_SET_USER_MEMORY_REGION ?
		      sizeof(struct kvm_userspace_memory_region) : sizeof(mem);

	BUILD_BUG_ON(offsetof(struct kvm_userspace_memory_region, userspace_addr) !=
		     offsetof(struct kvm_userspace_memory_region2, userspace_addr));

	if (copy_from_user(&mem, argp, size))
		return -EFAULT;
	if (ioctl == KVM_SET_USER_MEMORY_REGION &&
	    (mem.flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)))
		return -EINVAL;
	return kvmod_set_memory_region(vm, &mem);
}

static long kvmod_vm_ioctl_enable_cap(struct kvmod_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	switch (cap.cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		if (!kvmod_check_extension(vm, cap.cap))
			return -EINVAL;
		return kvmod_vm_enable_dirty_log_protect(vm, cap.args[0]);
	default:
		return -EINVAL;
	}
}

static long kvmod_vm_ioctl(struct file *file, unsigned int ioctl,
			   unsigned long arg)
{
	struct kvmod_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	/* A VM belongs to the process that created it, not to its children. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return kvmod_create_vcpu(vm, arg);
	case KVM_CHECK_EXTENSION:
		return kvmod_check_extension(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_SET_USER_MEMORY_REGION2:
		return kvmod_vm_ioctl_set_memory_region(vm, ioctl, argp);
	case KVM_GET_STATS_FD:
		return kvmod_vm_stats_fd(vm);
	case KVM_ENABLE_CAP:
		return kvmod_vm_ioctl_enable_cap(vm, argp);
	case KVM_GET_DIRTY_LOG:
	case KVM_CLEAR_DIRTY_LOG:
		return kvmod_vm_ioctl_dirty_log(vm, ioctl, argp);
	case KVM_CREATE_DEVICE:
		return kvmod_vm_ioctl_create_device(vm, argp);
	case KVM_SET_GSI_ROUTING:
		return kvmod_vm_ioctl_set_gsi_routing(vm, argp);
	case KVM_IRQFD:
		return kvmod_vm_ioctl_irqfd(vm, argp);
	case KVM_SIGNAL_MSI:
		return kvmod_vm_ioctl_signal_msi(vm, argp);
	case KVM_IOEVENTFD:
		return kvmod_vm_ioctl_ioeventfd(vm, argp);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		return kvmod_vm_ioctl_coalesced_mmio(vm, ioctl, argp);
	default:
		return kvmod_arch_vm_ioctl(vm, ioctl, arg);
	}
}

static const struct file_operations kvmod_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= kvmod_vm_release,
	.unlocked_ioctl	= kvmod_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/**
 * kvmod_anon_fd() - a file descriptor and its file, not yet installed
 * @name: the anon inode's name ("kvm-vm", ...)
 * @fops: the file's operations
 * @priv: the file's private data
 * @flags: O_RDWR or O_RDONLY
 * @file: the file, for the caller to fd_install() once nothing can fail
 *
 * The fd is close-on-exec. Until fd_install(), userspace cannot reach the
 * file; on a later failure the caller gives both back (put_unused_fd(),
 * fput()).
 *
 * Return: the fd, or -EMFILE/-ENFILE/-ENOMEM.
 */
int kvmod_anon_fd(const char *name, const struct file_operations *fops, void *priv,
		  int flags, struct file **file)
{
	int fd = get_unused_fd_flags(O_CLOEXEC);

	if (fd < 0)
		return fd;
	*file = anon_inode_getfile(name, fops, priv, flags);
	if (IS_ERR(*file)) {
		put_unused_fd(fd);
		return PTR_ERR(*file);
	}
	return fd;
}

/**
 * kvmod_create_vm() - KVM_CREATE_VM: a new VM and its file descriptor
 * @type: machine type, validated by the architecture
 *
 * Return: the new fd, -EINVAL for a bad type, -ENOMEM, or -EMFILE/-ENFILE.
 */
int kvmod_create_vm(unsigned long type)
{
	struct kvmod_vm *vm;
	struct file *file;
	int fd, r;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;

	kref_init(&vm->ref);
	vm->type = type;
	vm->mm = current->mm;
	mmgrab(vm->mm);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	xa_init(&vm->vcpus);
	xa_init(&vm->vcpu_ids);
	INIT_LIST_HEAD(&vm->devices);
	INIT_LIST_HEAD(&vm->irqfds);
	INIT_LIST_HEAD(&vm->ioeventfds);
	spin_lock_init(&vm->irqfds_lock);
	kvmod_memslots_init(vm);
	vm->max_vcpus = kvmod_arch_max_vcpus();
	/* Read-only slots only where the arch can make guest writes exit. */
	vm->memslot_flags = KVM_MEM_LOG_DIRTY_PAGES;
	if (kvmod_arch_check_extension(NULL, KVM_CAP_READONLY_MEM))
		vm->memslot_flags |= KVM_MEM_READONLY;

	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto out_mm;
	r = init_srcu_struct(&vm->irq_srcu);
	if (r)
		goto out_srcu;
	r = kvmod_coalesced_mmio_init(vm);
	if (r)
		goto out_ring;
	r = kvmod_arch_vm_init(vm);
	if (r)
		goto out_ring;
	r = kvmod_mmu_init(vm);
	if (r)
		goto out_arch;

	fd = kvmod_anon_fd("kvm-vm", &kvmod_vm_fops, vm, O_RDWR, &file);
	if (fd < 0) {
		r = fd;
		goto out_arch;
	}
	fd_install(fd, file);
	return fd;

out_arch:
	kvmod_mmu_destroy(vm);
	kvmod_arch_vm_destroy(vm);
out_ring:
	kvmod_coalesced_mmio_destroy(vm);
	cleanup_srcu_struct(&vm->irq_srcu);
out_srcu:
	cleanup_srcu_struct(&vm->srcu);
out_mm:
	mmdrop(vm->mm);
	kfree(vm);
	return r;
}
