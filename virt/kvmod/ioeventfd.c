// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IOEVENTFD: a guest store to a chosen address (and, optionally, with a
 * chosen value) signals an eventfd instead of exiting to userspace. VMMs
 * put virtqueue notification registers there, so that a guest kicking a
 * virtio device wakes the VMM's I/O thread without stopping the vCPU.
 *
 * Matching follows upstream: the address must be exact; a length of 0
 * takes stores of any size, otherwise the size must be the same; with
 * KVM_IOEVENTFD_FLAG_DATAMATCH the value must be too. MMIO ioeventfds sit
 * on the VM's in-kernel MMIO bus as shared ranges. PIO and virtio-ccw ones
 * are accepted, as upstream accepts them on every architecture, but these
 * architectures have no such buses to dispatch, so they never fire.
 */

#include <linux/eventfd.h>
#include <linux/kvmod_host.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

/* Which bus an ioeventfd is on: its PIO / virtio-ccw flag, or none (MMIO). */
#define KVMOD_IOEVENTFD_BUS	(KVM_IOEVENTFD_FLAG_PIO | \
				 KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)

/**
 * struct kvmod_ioeventfd - one KVM_IOEVENTFD assignment
 * @node: in the VM's list, under its lock
 * @eventfd: what a matching store signals; held until freed
 * @addr: the exact guest address
 * @datamatch: the value a store must have, unless @wildcard
 * @len: the size a store must have; 0 takes any size
 * @bus: its KVMOD_IOEVENTFD_BUS flags
 * @wildcard: no KVM_IOEVENTFD_FLAG_DATAMATCH: any value matches
 */
struct kvmod_ioeventfd {
	struct list_head node;
	struct eventfd_ctx *eventfd;
	u64 addr;
	u64 datamatch;
	u32 len;
	u32 bus;
	bool wildcard;
};

/* Called with the store's bytes, for an access inside [addr, addr + len). */
static bool ioeventfd_write(struct kvmod_vcpu *vcpu, void *opaque, u64 offset,
			    unsigned int len, const void *data)
{
	struct kvmod_ioeventfd *p = opaque;
	u64 val;

	if (offset)
		return false;
	if (p->len) {
		if (len != p->len)
			return false;
		if (!p->wildcard) {
			switch (len) {
			case 1:
				val = *(const u8 *)data;
				break;
			case 2:
				val = get_unaligned_le16(data);
				break;
			case 4:
				val = get_unaligned_le32(data);
				break;
			default:
				val = get_unaligned_le64(data);
				break;
			}
			if (val != p->datamatch)
				return false;
		}
	}
	eventfd_signal(p->eventfd);
	return true;
}

static const struct kvmod_io_ops ioeventfd_ops = {
	.write = ioeventfd_write,
	.shared = true,
};

/*
 * The bus range: the stores it may take start at the address; one of any
 * length may be up to 8 bytes long (short of the top of the address space).
 */
static u64 bus_span(const struct kvmod_ioeventfd *p)
{
	u64 span = p->len ? p->len : sizeof(u64);

	return p->addr + span < p->addr ? -p->addr : span;
}

/* What @args asks to match: everything but the eventfd. */
static void key_from_args(struct kvmod_ioeventfd *k, const struct kvm_ioeventfd *args)
{
	k->addr = args->addr;
	k->len = args->len;
	k->bus = args->flags & KVMOD_IOEVENTFD_BUS;
	k->wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	/* Zero for a wildcard, so that equal keys compare equal. */
	k->datamatch = k->wildcard ? 0 : args->datamatch;
}

static void ioeventfd_free(struct kvmod_ioeventfd *p)
{
	eventfd_ctx_put(p->eventfd);
	kfree(p);
}

/* Two assignments that could both match one store. */
static bool collide(const struct kvmod_ioeventfd *a,
		    const struct kvmod_ioeventfd *b)
{
	if (a->bus != b->bus || a->addr != b->addr)
		return false;
	if (!a->len || !b->len)
		return true;
	return a->len == b->len &&
	       (a->wildcard || b->wildcard || a->datamatch == b->datamatch);
}

static int ioeventfd_assign(struct kvmod_vm *vm, const struct kvm_ioeventfd *args)
{
	struct kvmod_ioeventfd *p, *q;
	int r;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(p->eventfd)) {
		r = PTR_ERR(p->eventfd);
		kfree(p);
		return r;
	}
	key_from_args(p, args);

	mutex_lock(&vm->lock);
	r = -EEXIST;
	list_for_each_entry(q, &vm->ioeventfds, node)
		if (collide(p, q))
			goto out_unlock;
	/* Complete before vCPUs can find it on the bus. */
	r = 0;
	if (!p->bus)
		r = kvmod_io_bus_register(vm, p->addr, bus_span(p), &ioeventfd_ops, p);
	if (!r)
		list_add_tail(&p->node, &vm->ioeventfds);
out_unlock:
	mutex_unlock(&vm->lock);
	if (r)
		ioeventfd_free(p);
	return r;
}

static int ioeventfd_deassign(struct kvmod_vm *vm, const struct kvm_ioeventfd *args)
{
	struct kvmod_ioeventfd *p, *found = NULL, key;
	int r = -ENOENT;

	key.eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(key.eventfd))
		return PTR_ERR(key.eventfd);
	key_from_args(&key, args);
	mutex_lock(&vm->lock);
	list_for_each_entry(p, &vm->ioeventfds, node) {
		/* Only the assignment named in full. */
		if (p->eventfd != key.eventfd || p->addr != key.addr ||
		    p->len != key.len || p->bus != key.bus ||
		    p->wildcard != key.wildcard || p->datamatch != key.datamatch)
			continue;
		r = p->bus ? 0 : kvmod_io_bus_unregister(vm, p);
		if (!r) {
			list_del(&p->node);
			found = p;
		}
		break;
	}
	mutex_unlock(&vm->lock);
	eventfd_ctx_put(key.eventfd);
	if (found) {
		/* vCPUs that found it on the old bus may still signal it. */
		synchronize_rcu();
		ioeventfd_free(found);
	}
	return r;
}

/**
 * kvmod_vm_ioctl_ioeventfd() - KVM_IOEVENTFD
 * @vm: the VM
 * @argp: the struct kvm_ioeventfd
 *
 * Return: 0; -EFAULT; -EINVAL for a length other than 0, 1, 2, 4 or 8,
 * a range that wraps, unknown flags or DATAMATCH with length 0; -EBADF or
 * -EINVAL for an fd that is not an eventfd; -EEXIST when an assignment on
 * the same bus could match the same store; -ENOENT when deassigning what
 * was not assigned; -ENOMEM.
 */
long kvmod_vm_ioctl_ioeventfd(struct kvmod_vm *vm, void __user *argp)
{
	struct kvm_ioeventfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioeventfd_deassign(vm, &args);

	switch (args.len) {
	case 0: case 1: case 2: case 4: case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args.addr + args.len < args.addr)
		return -EINVAL;
	if (args.flags & ~KVM_IOEVENTFD_VALID_FLAG_MASK)
		return -EINVAL;
	if (!args.len && (args.flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;
	return ioeventfd_assign(vm, &args);
}

/**
 * kvmod_ioeventfd_destroy() - free every assignment of a dying VM
 * @vm: the VM; no vCPU runs any more
 */
void kvmod_ioeventfd_destroy(struct kvmod_vm *vm)
{
	struct kvmod_ioeventfd *p, *n;

	list_for_each_entry_safe(p, n, &vm->ioeventfds, node)
		ioeventfd_free(p);
}
