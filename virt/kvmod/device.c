// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-kernel devices (KVM_CREATE_DEVICE): interrupt controllers such as the
 * RISC-V AIA and, later, the arm64 vGIC. The architecture names the types
 * it offers (kvmod_arch_device_ops()); the core gives each device an fd
 * for KVM_{SET,GET,HAS}_DEVICE_ATTR. A device belongs to its VM: its fd
 * only holds a VM reference, and the device goes when the VM does, after
 * the vCPUs, whose state it may reach into.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvmod_host.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

static int kvmod_device_release(struct inode *inode, struct file *file)
{
	struct kvmod_device *dev = file->private_data;
	struct kvmod_vm *vm = dev->vm;

	/* Never created: the file was its only owner. */
	if (list_empty(&dev->node))
		kfree(dev);
	kvmod_vm_put(vm);
	return 0;
}

static long kvmod_device_ioctl(struct file *file, unsigned int ioctl,
			       unsigned long arg)
{
	struct kvmod_device *dev = file->private_data;
	struct kvm_device_attr attr;
	int (*op)(struct kvmod_device *dev, const struct kvm_device_attr *attr);
	long r;

	if (dev->vm->mm != current->mm)
		return -EIO;
	switch (ioctl) {
	case KVM_SET_DEVICE_ATTR:
		op = dev->ops->set_attr;
		break;
	case KVM_GET_DEVICE_ATTR:
		op = dev->ops->get_attr;
		break;
	case KVM_HAS_DEVICE_ATTR:
		op = dev->ops->has_attr;
		break;
	default:
		return -ENOTTY;
	}
	if (copy_from_user(&attr, (void __user *)arg, sizeof(attr)))
		return -EFAULT;
	if (!op)
		return -EPERM;
	mutex_lock(&dev->vm->lock);
	r = op(dev, &attr);
	mutex_unlock(&dev->vm->lock);
	return r;
}

static const struct file_operations kvmod_device_fops = {
	.owner		= THIS_MODULE,
	.release	= kvmod_device_release,
	.unlocked_ioctl	= kvmod_device_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/**
 * kvmod_vm_ioctl_create_device() - KVM_CREATE_DEVICE
 * @vm: the VM
 * @argp: struct kvm_create_device; @fd is filled in
 *
 * Return: 0; -ENODEV for a type the architecture does not offer; -EINVAL
 * for unknown flags; what the type's create() returns (-EEXIST for a
 * second instance of a single one, ...); -ENOMEM; -EFAULT.
 */
long kvmod_vm_ioctl_create_device(struct kvmod_vm *vm, void __user *argp)
{
	struct kvm_create_device cd;
	const struct kvmod_device_ops *ops;
	struct kvmod_device *dev;
	struct file *file;
	int fd, r;

	if (copy_from_user(&cd, argp, sizeof(cd)))
		return -EFAULT;
	if (cd.flags & ~KVM_CREATE_DEVICE_TEST)
		return -EINVAL;
	ops = kvmod_arch_device_ops(cd.type);
	if (!ops)
		return -ENODEV;
	if (cd.flags & KVM_CREATE_DEVICE_TEST)
		return 0;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	if (!dev)
		return -ENOMEM;
	dev->ops = ops;
	dev->vm = vm;
	INIT_LIST_HEAD(&dev->node);

	/*
	 * The fd and its file first: creation publishes the device to the
	 * VM's other threads, so it must be the last step that can fail.
	 */
	fd = kvmod_anon_fd(ops->name, &kvmod_device_fops, dev, O_RDWR, &file);
	if (fd < 0) {
		kfree(dev);
		return fd;
	}
	/* The file's reference, dropped by its release. */
	kvmod_vm_get(vm);

	mutex_lock(&vm->lock);
	r = ops->create(dev);
	if (!r)
		list_add(&dev->node, &vm->devices);
	mutex_unlock(&vm->lock);
	if (r) {
		put_unused_fd(fd);
		fput(file);	/* frees the device, drops the reference */
		return r;
	}
	fd_install(fd, file);
	cd.fd = fd;
	if (copy_to_user(argp, &cd, sizeof(cd))) {
		/* The fd is live; userspace can still close it. */
		return -EFAULT;
	}
	return 0;
}

/**
 * kvmod_devices_destroy() - release a dying VM's devices
 * @vm: the VM; its vCPUs are already gone
 */
void kvmod_devices_destroy(struct kvmod_vm *vm)
{
	struct kvmod_device *dev, *next;

	list_for_each_entry_safe(dev, next, &vm->devices, node) {
		list_del(&dev->node);
		dev->ops->destroy(dev);
		kfree(dev);
	}
}
