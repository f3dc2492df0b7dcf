// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binary statistics (KVM_GET_STATS_FD on a VM or vCPU fd).
 *
 * The file is laid out as upstream documents it: a struct kvm_stats_header,
 * the id string, the descriptors (each followed by its name) and then the
 * values, one u64 per descriptor. Everything before the values is built
 * once when the fd is created; the values are read live from the counters.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvmod_host.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define VM_STAT(f, type, unit, exp) \
	KVMOD_STAT_DESC(0, struct kvmod_vm_stat, f, type, unit, exp)
#define VCPU_STAT(f, type, unit, exp) \
	KVMOD_STAT_DESC(0, struct kvmod_vcpu_stat, f, type, unit, exp)

static const struct kvmod_stat_desc vm_stats[] = {
	VM_STAT(remote_tlb_flush, CUMULATIVE, NONE, 0),
	VM_STAT(remote_tlb_flush_requests, CUMULATIVE, NONE, 0),
	VM_STAT(pages_4k, INSTANT, NONE, 0),
	VM_STAT(pages_2m, INSTANT, NONE, 0),
	VM_STAT(pages_1g, INSTANT, NONE, 0),
	VM_STAT(irqfd_deferred, CUMULATIVE, NONE, 0),
};

static const struct kvmod_stat_desc vcpu_stats[] = {
	VCPU_STAT(halt_wakeup, CUMULATIVE, NONE, 0),
	VCPU_STAT(halt_wait_ns, CUMULATIVE, SECONDS, -9),
	VCPU_STAT(blocking, INSTANT, BOOLEAN, 0),
	VCPU_STAT(exits, CUMULATIVE, NONE, 0),
	VCPU_STAT(signal_exits, CUMULATIVE, NONE, 0),
	VCPU_STAT(mmio_exit_user, CUMULATIVE, NONE, 0),
	VCPU_STAT(mmio_exit_kernel, CUMULATIVE, NONE, 0),
};

/**
 * struct kvmod_stats_file - what one stats fd serves
 * @vm: the VM, referenced while the fd is open
 * @values: the counters (struct kvmod_vm_stat or struct kvmod_vcpu_stat)
 * @nr: number of descriptors, so of values
 * @meta_size: bytes of header, id and descriptors
 * @meta: header, id and descriptors, as read
 */
struct kvmod_stats_file {
	struct kvmod_vm *vm;
	const u64 *values;
	unsigned int nr;
	size_t meta_size;
	u8 meta[];
};

static ssize_t kvmod_stats_read(struct file *file, char __user *buf,
				size_t size, loff_t *ppos)
{
	struct kvmod_stats_file *sf = file->private_data;
	size_t total = sf->meta_size + sf->nr * sizeof(u64);
	loff_t pos = *ppos;
	size_t done = 0;

	if (pos < 0)
		return -EINVAL;
	while (done < size && pos < total) {
		size_t n;

		if (pos < sf->meta_size) {
			n = min(size - done, sf->meta_size - (size_t)pos);
			if (copy_to_user(buf + done, sf->meta + pos, n))
				return done ? done : -EFAULT;
		} else {
			/* One value at a time: each is read whole, never torn. */
			size_t idx = (pos - sf->meta_size) / sizeof(u64);
			size_t skip = (pos - sf->meta_size) % sizeof(u64);
			u64 v = READ_ONCE(sf->values[idx]);

			n = min(size - done, sizeof(u64) - skip);
			if (copy_to_user(buf + done, (u8 *)&v + skip, n))
				return done ? done : -EFAULT;
		}
		done += n;
		pos += n;
	}
	*ppos = pos;
	return done;
}

static int kvmod_stats_release(struct inode *inode, struct file *file)
{
	struct kvmod_stats_file *sf = file->private_data;

	kvmod_vm_put(sf->vm);
	kfree(sf);
	return 0;
}

static const struct file_operations kvmod_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= kvmod_stats_read,
	.release	= kvmod_stats_release,
	.llseek		= noop_llseek,
};

/* Two descriptor tables, generic then arch, as one list. */
static int stats_fd(struct kvmod_vm *vm, const char *id, const u64 *values,
		    const struct kvmod_stat_desc *a, unsigned int na,
		    const struct kvmod_stat_desc *b, unsigned int nb)
{
	/* The kernel's struct has room for the name; the file's does not. */
	const size_t fixed = offsetof(struct kvm_stats_desc, name);
	const size_t desc_size = fixed + KVM_STATS_NAME_SIZE;
	struct kvm_stats_header *h;
	struct kvmod_stats_file *sf;
	struct file *file;
	unsigned int i, n = na + nb;
	size_t meta;
	u8 *p;
	int fd;

	meta = sizeof(*h) + KVM_STATS_NAME_SIZE + n * desc_size;
	sf = kzalloc(struct_size(sf, meta, meta), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	sf->values = values;
	sf->nr = n;
	sf->meta_size = meta;

	h = (struct kvm_stats_header *)sf->meta;
	h->name_size = KVM_STATS_NAME_SIZE;
	h->num_desc = n;
	h->id_offset = sizeof(*h);
	h->desc_offset = h->id_offset + KVM_STATS_NAME_SIZE;
	h->data_offset = meta;
	strscpy(sf->meta + h->id_offset, id, KVM_STATS_NAME_SIZE);
	p = sf->meta + h->desc_offset;
	for (i = 0; i < n; i++, p += desc_size) {
		const struct kvmod_stat_desc *d = i < na ? &a[i] : &b[i - na];

		memcpy(p, &d->desc, fixed);
		strscpy(p + fixed, d->name, KVM_STATS_NAME_SIZE);
	}

	fd = kvmod_anon_fd("kvm-stats", &kvmod_stats_fops, sf, O_RDONLY, &file);
	if (fd < 0)
		goto out_free;
	/* Readers use pread() at the offsets the header gives. */
	file->f_mode |= FMODE_PREAD;
	kvmod_vm_get(vm);
	fd_install(fd, file);
	return fd;

out_free:
	kfree(sf);
	return fd;
}

/**
 * kvmod_vm_stats_fd() - KVM_GET_STATS_FD on a VM
 * @vm: the VM
 *
 * Return: a read-only fd, or -ENOMEM/-EMFILE/-ENFILE.
 */
int kvmod_vm_stats_fd(struct kvmod_vm *vm)
{
	char id[KVM_STATS_NAME_SIZE];

	snprintf(id, sizeof(id), "kvm-%d", task_pid_nr(current));
	return stats_fd(vm, id, (const u64 *)&vm->stat, vm_stats,
			ARRAY_SIZE(vm_stats), NULL, 0);
}

/**
 * kvmod_vcpu_stats_fd() - KVM_GET_STATS_FD on a vCPU
 * @vcpu: the vCPU
 *
 * Return: a read-only fd, or -ENOMEM/-EMFILE/-ENFILE.
 */
int kvmod_vcpu_stats_fd(struct kvmod_vcpu *vcpu)
{
	const struct kvmod_stat_desc *arch;
	char id[KVM_STATS_NAME_SIZE];
	unsigned int nr;

	/* Every counter has a descriptor: generic ones, then the arch's. */
	BUILD_BUG_ON(offsetof(struct kvmod_vcpu_stat, arch) !=
		     ARRAY_SIZE(vcpu_stats) * sizeof(u64));
	BUILD_BUG_ON(sizeof(struct kvmod_vm_stat) != ARRAY_SIZE(vm_stats) * sizeof(u64));
	arch = kvmod_arch_vcpu_stats(&nr);
	snprintf(id, sizeof(id), "kvm-%d/vcpu-%u", task_pid_nr(current),
		 vcpu->vcpu_id);
	return stats_fd(vcpu->vm, id, (const u64 *)&vcpu->stat, vcpu_stats,
			ARRAY_SIZE(vcpu_stats), arch, nr);
}
