// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU file descriptors: creation, the shared kvm_run page and the vCPU
 * ioctls common to every architecture (KVM_RUN itself is in run.c).
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvmod_host.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>

static vm_fault_t kvmod_vcpu_fault(struct vm_fault *vmf)
{
	struct kvmod_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == KVM_COALESCED_MMIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->vm->coalesced_ring);
	else
		return VM_FAULT_SIGBUS;
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

/**
 * kvmod_get_vcpu_by_id() - find a vCPU by the id userspace gave it
 * @vm: the VM
 * @id: vCPU id
 *
 * Return: the vCPU or NULL. vCPUs live as long as their VM.
 */
struct kvmod_vcpu *kvmod_get_vcpu_by_id(struct kvmod_vm *vm, unsigned long id)
{
	return xa_load(&vm->vcpu_ids, id);
}

/* KVM_SET_SIGNAL_MASK: NULL clears the mask; the size must be a sigset's. */
static long kvmod_vcpu_set_signal_mask(struct kvmod_vcpu *vcpu,
				       void __user *argp)
{
	struct kvm_signal_mask __user *umask = argp;
	struct kvm_signal_mask mask;
	sigset_t set;

	if (!argp) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	if (mask.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, umask->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

static long kvmod_vcpu_ioctl(struct file *file, unsigned int ioctl,
			     unsigned long arg)
{
	struct kvmod_vcpu *vcpu = file->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	r = kvmod_arch_vcpu_async_ioctl(vcpu, ioctl, arg);
	if (r != -ENOIOCTLCMD)
		return r;

	/* A signal while waiting for another ioctl of this vCPU aborts. */
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	if (ioctl == KVM_RUN)
		r = kvmod_vcpu_ioctl_run(vcpu, arg);
	else if (ioctl == KVM_GET_STATS_FD)
		r = kvmod_vcpu_stats_fd(vcpu);
	else if (ioctl == KVM_SET_SIGNAL_MASK)
		r = kvmod_vcpu_set_signal_mask(vcpu, (void __user *)arg);
	else if (ioctl == KVM_GET_MP_STATE || ioctl == KVM_SET_MP_STATE)
		r = kvmod_vcpu_ioctl_mp_state(vcpu, ioctl, (void __user *)arg);
	else
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
	/* A kick still in flight would touch the freed vCPU. */
	while (test_bit(0, &vcpu->kick_inflight))
		cpu_relax();
	kvmod_arch_vcpu_destroy(vcpu);
	kvmod_mmu_cache_free(&vcpu->mmu_cache);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

/* A vCPU with its arch state, published nowhere yet. */
static struct kvmod_vcpu *vcpu_alloc(struct kvmod_vm *vm, unsigned long id)
{
	struct kvmod_vcpu *vcpu;
	int r = -ENOMEM;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return ERR_PTR(r);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run)
		goto out_free;
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->vcpu_idx = vm->nr_vcpus;
	vcpu->cpu = -1;
	vcpu->serial = kvmod_new_serial();
	mutex_init(&vcpu->mutex);
	spin_lock_init(&vcpu->power_lock);
	kvmod_vcpu_run_init(vcpu);
	r = kvmod_arch_vcpu_create(vcpu);
	if (!r)
		return vcpu;
	free_page((unsigned long)vcpu->run);
out_free:
	kfree(vcpu);
	return ERR_PTR(r);
}

/**
 * kvmod_create_vcpu() - KVM_CREATE_VCPU: add a vCPU and return its fd
 * @vm: the VM
 * @id: vCPU id chosen by userspace
 *
 * Other threads (a guest's IPIs and HSM calls, device attributes, MSIs)
 * find vCPUs through @vm->vcpu_ids and @vm->vcpus and never let go of
 * them: a vCPU is published there only once nothing can fail any more,
 * and leaves only with its VM. Its fd is installed last.
 *
 * Return: the fd; -EINVAL when @id is out of range or the VM has its
 * maximum of vCPUs; -EEXIST when @id is taken; -ENOMEM; -EMFILE/-ENFILE.
 */
int kvmod_create_vcpu(struct kvmod_vm *vm, unsigned long id)
{
	struct kvmod_vcpu *vcpu;
	struct file *file;
	int fd, r;

	if (id >= kvmod_arch_max_vcpus())
		return -EINVAL;

	mutex_lock(&vm->lock);
	r = -EINVAL;
	if (vm->nr_vcpus >= vm->max_vcpus)
		goto out_unlock;
	/* A reserved entry reads as NULL: nobody finds it yet. */
	r = xa_insert(&vm->vcpu_ids, id, NULL, GFP_KERNEL_ACCOUNT);
	if (r == -EBUSY)
		r = -EEXIST;
	if (r)
		goto out_unlock;
	r = xa_reserve(&vm->vcpus, vm->nr_vcpus, GFP_KERNEL_ACCOUNT);
	if (r)
		goto out_release_id;

	vcpu = vcpu_alloc(vm, id);
	r = PTR_ERR_OR_ZERO(vcpu);
	if (r)
		goto out_release_idx;
	fd = kvmod_anon_fd("kvm-vcpu", &kvmod_vcpu_fops, vcpu, O_RDWR, &file);
	r = fd;
	if (fd < 0)
		goto out_destroy;

	/* Nothing fails from here on. The file's reference on the VM: */
	kvmod_vm_get(vm);
	xa_store(&vm->vcpu_ids, id, vcpu, 0);
	xa_store(&vm->vcpus, vcpu->vcpu_idx, vcpu, 0);
	vm->nr_vcpus++;
	mutex_unlock(&vm->lock);
	fd_install(fd, file);
	return fd;

out_destroy:
	kvmod_vcpu_destroy(vcpu);
out_release_idx:
	xa_release(&vm->vcpus, vm->nr_vcpus);
out_release_id:
	xa_release(&vm->vcpu_ids, id);
out_unlock:
	mutex_unlock(&vm->lock);
	return r;
}
