// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU file descriptors: creation, the shared kvm_run page and the vCPU
 * ioctls common to every architecture.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvmod_host.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

static vm_fault_t kvmod_vcpu_fault(struct vm_fault *vmf)
{
	struct kvmod_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff != 0)
		return VM_FAULT_SIGBUS;
	page = virt_to_page(vcpu->run);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kvmod_vcpu_vm_ops = {
	.fault = kvmod_vcpu_fault,
};

static int kvmod_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &kvmod_vcpu_vm_ops;
	return 0;
}

static int kvmod_vcpu_release(struct inode *inode, struct file *file)
{
	struct kvmod_vcpu *vcpu = file->private_data;

	kvmod_vm_put(vcpu->vm);
	return 0;
}

static long kvmod_vcpu_ioctl(struct file *file, unsigned int ioctl,
			     unsigned long arg)
{
	struct kvmod_vcpu *vcpu = file->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	/* A signal while waiting for another ioctl of this vCPU aborts. */
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	r = kvmod_arch_vcpu_ioctl(vcpu, ioctl, arg);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations kvmod_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= kvmod_vcpu_release,
	.unlocked_ioctl	= kvmod_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= kvmod_vcpu_mmap,
	.llseek		= noop_llseek,
};

/**
 * kvmod_vcpu_destroy() - free a vCPU; only its VM's destruction calls it
 * @vcpu: the vCPU
 */
void kvmod_vcpu_destroy(struct kvmod_vcpu *vcpu)
{
	kvmod_arch_vcpu_destroy(vcpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

/**
 * kvmod_create_vcpu() - KVM_CREATE_VCPU: add a vCPU and return its fd
 * @vm: the VM
 * @id: vCPU id chosen by userspace
 *
 * Return: the fd; -EINVAL when @id is out of range or the VM has its
 * maximum of vCPUs; -EEXIST when @id is taken; -ENOMEM; -EMFILE/-ENFILE.
 */
int kvmod_create_vcpu(struct kvmod_vm *vm, unsigned long id)
{
	struct kvmod_vcpu *vcpu;
	int r;

	if (id >= kvmod_arch_max_vcpus())
		return -EINVAL;

	mutex_lock(&vm->lock);
	r = -EINVAL;
	if (vm->nr_vcpus >= vm->max_vcpus)
		goto out_unlock;
	r = -EEXIST;
	if (xa_load(&vm->vcpu_ids, id))
		goto out_unlock;

	r = -ENOMEM;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto out_unlock;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run)
		goto out_free;
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->vcpu_idx = vm->nr_vcpus;
	mutex_init(&vcpu->mutex);

	r = kvmod_arch_vcpu_create(vcpu);
	if (r)
		goto out_free_run;
	r = xa_insert(&vm->vcpu_ids, id, vcpu, GFP_KERNEL_ACCOUNT);
	if (r)
		goto out_arch;
	r = xa_insert(&vm->vcpus, vcpu->vcpu_idx, vcpu, GFP_KERNEL_ACCOUNT);
	if (r)
		goto out_erase_id;

	/* The fd's reference; once installed, userspace may close it at once. */
	kvmod_vm_get(vm);
	r = anon_inode_getfd("kvm-vcpu", &kvmod_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (r < 0) {
		/* Never the last reference: the VM fd is held during its ioctl. */
		refcount_dec(&vm->ref.refcount);
		xa_erase(&vm->vcpus, vcpu->vcpu_idx);
		goto out_erase_id;
	}
	vm->nr_vcpus++;
	mutex_unlock(&vm->lock);
	return r;

out_erase_id:
	xa_erase(&vm->vcpu_ids, id);
out_arch:
	kvmod_arch_vcpu_destroy(vcpu);
out_free_run:
	free_page((unsigned long)vcpu->run);
out_free:
	kfree(vcpu);
out_unlock:
	mutex_unlock(&vm->lock);
	return r;
}
