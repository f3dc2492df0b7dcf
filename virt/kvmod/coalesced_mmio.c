// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced MMIO: guest writes to registered zones (typically device
 * registers whose writes need no immediate answer) are queued in a ring
 * shared with userspace instead of exiting one by one. The ring is one page
 * per VM, mapped by every vCPU fd at KVM_COALESCED_MMIO_PAGE_OFFSET. The
 * kernel only ever advances ring->last and userspace ring->first; both are
 * userspace-writable, so every index is checked before use.
 */

#include <linux/kvmod_host.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

/* Upstream's bound on I/O bus devices, which zones are there. */
#define KVMOD_MAX_COALESCED_ZONES	1000

/**
 * struct kvmod_coalesced_zones - the zones of a VM, replaced as a whole
 * @rcu: frees a replaced set once no vCPU looks at it
 * @nr: number of zones
 * @zone: the zones, in registration order
 */
struct kvmod_coalesced_zones {
	struct rcu_head rcu;
	unsigned int nr;
	struct kvm_coalesced_mmio_zone zone[];
};

/**
 * kvmod_coalesced_mmio_init() - the ring page of a new VM
 * @vm: the VM
 *
 * Return: 0 or -ENOMEM.
 */
int kvmod_coalesced_mmio_init(struct kvmod_vm *vm)
{
	spin_lock_init(&vm->ring_lock);
	vm->coalesced_ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	return vm->coalesced_ring ? 0 : -ENOMEM;
}

/**
 * kvmod_coalesced_mmio_destroy() - free the ring and zones of a dead VM
 * @vm: the VM
 */
void kvmod_coalesced_mmio_destroy(struct kvmod_vm *vm)
{
	kfree(rcu_dereference_protected(vm->coalesced_zones, true));
	free_page((unsigned long)vm->coalesced_ring);
}

static bool zone_contains(const struct kvm_coalesced_mmio_zone *z, u64 addr,
			  u64 len)
{
	return addr >= z->addr && addr + len <= z->addr + z->size &&
	       addr + len >= addr;
}

/* Replace the zone set: copy @old without zones containing @drop, add @add. */
static int update_zones(struct kvmod_vm *vm,
			const struct kvm_coalesced_mmio_zone *add,
			const struct kvm_coalesced_mmio_zone *drop)
{
	struct kvmod_coalesced_zones *old, *new;
	unsigned int i, n = 0, nr;

	old = rcu_dereference_protected(vm->coalesced_zones,
					lockdep_is_held(&vm->lock));
	nr = old ? old->nr : 0;
	if (add && nr >= KVMOD_MAX_COALESCED_ZONES)
		return -ENOSPC;
	new = kzalloc(struct_size(new, zone, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (drop && zone_contains(&old->zone[i], drop->addr, drop->size))
			continue;
		new->zone[n++] = old->zone[i];
	}
	if (add)
		new->zone[n++] = *add;
	new->nr = n;
	rcu_assign_pointer(vm->coalesced_zones, new);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/**
 * kvmod_vm_ioctl_coalesced_mmio() - KVM_(UN)REGISTER_COALESCED_MMIO
 * @vm: the VM
 * @ioctl: which of the two
 * @argp: struct kvm_coalesced_mmio_zone from userspace
 *
 * Unregistering removes every zone that contains the given range.
 *
 * Return: 0; -EFAULT; -EINVAL for a PIO zone (these architectures have
 * no port I/O) or a range that wraps; -ENOSPC past 1000 zones; -ENOMEM.
 */
long kvmod_vm_ioctl_coalesced_mmio(struct kvmod_vm *vm, unsigned int ioctl,
				   void __user *argp)
{
	struct kvm_coalesced_mmio_zone zone;
	long r;

	if (copy_from_user(&zone, argp, sizeof(zone)))
		return -EFAULT;
	if (zone.pio || zone.addr + zone.size < zone.addr)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (ioctl == KVM_REGISTER_COALESCED_MMIO)
		r = update_zones(vm, &zone, NULL);
	else
		r = update_zones(vm, NULL, &zone);
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * kvmod_coalesced_mmio_write() - queue a guest MMIO write if it may be
 * @vm: the VM
 * @gpa: guest physical address written
 * @len: bytes written (1..8)
 * @data: the bytes, little-endian
 *
 * Any context, including with preemption disabled.
 *
 * Return: true when queued (the write is complete for the guest); false
 * when no zone covers it or the ring is full, and the write must exit.
 */
bool kvmod_coalesced_mmio_write(struct kvmod_vm *vm, u64 gpa, u32 len,
				const void *data)
{
	struct kvm_coalesced_mmio_ring *ring = vm->coalesced_ring;
	struct kvmod_coalesced_zones *zones;
	struct kvm_coalesced_mmio *e;
	bool found = false;
	unsigned int i;
	u32 last;

	rcu_read_lock();
	zones = rcu_dereference(vm->coalesced_zones);
	for (i = 0; zones && i < zones->nr && !found; i++)
		found = zone_contains(&zones->zone[i], gpa, len);
	rcu_read_unlock();
	if (!found)
		return false;

	spin_lock(&vm->ring_lock);
	last = READ_ONCE(ring->last);
	if (last >= KVM_COALESCED_MMIO_MAX ||
	    (last + 1) % KVM_COALESCED_MMIO_MAX == READ_ONCE(ring->first)) {
		spin_unlock(&vm->ring_lock);
		return false;
	}
	e = &ring->coalesced_mmio[last];
	e->phys_addr = gpa;
	e->len = len;
	e->pio = 0;
	memcpy(e->data, data, len);
	/* The entry before the index that publishes it. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
	spin_unlock(&vm->ring_lock);
	return true;
}
