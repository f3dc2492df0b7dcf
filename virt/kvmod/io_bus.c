// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest physical ranges emulated in the kernel (interrupt controller
 * registers, MSI doorbells): an access outside memory goes to the device
 * registered for its address before it would exit to userspace. The
 * ranges are few and fixed once a device is set up, so a small array read
 * under RCU, replaced whole on change, is enough.
 */

#include <linux/kvmod_host.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

/**
 * struct kvmod_io_bus - the VM's in-kernel MMIO ranges
 * @rcu: frees the old array after readers are done
 * @nr: number of ranges
 * @range: the ranges, unordered
 */
struct kvmod_io_bus {
	struct rcu_head rcu;
	unsigned int nr;
	struct kvmod_io_range range[] __counted_by(nr);
};

/**
 * kvmod_io_bus_register() - emulate [@addr, @addr + @len) in the kernel
 * @vm: the VM, with its lock held
 * @addr: first guest physical address
 * @len: length in bytes
 * @ops: the accessors, called in atomic context
 * @opaque: passed to them
 *
 * Return: 0, -EEXIST when the range overlaps a registered one, -ENOMEM.
 */
int kvmod_io_bus_register(struct kvmod_vm *vm, u64 addr, u64 len,
			  const struct kvmod_io_ops *ops, void *opaque)
{
	struct kvmod_io_bus *old, *new;
	unsigned int i, nr;

	lockdep_assert_held(&vm->lock);
	old = rcu_dereference_protected(vm->io_bus, lockdep_is_held(&vm->lock));
	nr = old ? old->nr : 0;
	for (i = 0; i < nr; i++)
		if (addr < old->range[i].addr + old->range[i].len &&
		    old->range[i].addr < addr + len)
			return -EEXIST;
	new = kzalloc(struct_size(new, range, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->nr = nr + 1;
	if (nr)
		memcpy(new->range, old->range, nr * sizeof(new->range[0]));
	new->range[nr] = (struct kvmod_io_range) {
		.addr = addr, .len = len, .ops = ops, .opaque = opaque,
	};
	rcu_assign_pointer(vm->io_bus, new);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/**
 * kvmod_io_bus_destroy() - drop every range of a dying VM
 * @vm: the VM
 */
void kvmod_io_bus_destroy(struct kvmod_vm *vm)
{
	kfree(rcu_dereference_protected(vm->io_bus, true));
}

/**
 * kvmod_io_bus_access() - let an in-kernel device handle an access
 * @vcpu: the vCPU that made it
 * @addr: guest physical address
 * @len: 1, 2, 4 or 8 bytes
 * @write: a store of @data, else a load into @data
 * @data: the little-endian bytes
 *
 * Return: true when a registered range covered the access (and handled it).
 */
bool kvmod_io_bus_access(struct kvmod_vcpu *vcpu, u64 addr, unsigned int len,
			 bool write, void *data)
{
	const struct kvmod_io_range *r;
	struct kvmod_io_bus *bus;
	bool done = false;
	unsigned int i;

	rcu_read_lock();
	bus = rcu_dereference(vcpu->vm->io_bus);
	for (i = 0; bus && i < bus->nr; i++) {
		r = &bus->range[i];
		if (addr < r->addr || addr + len > r->addr + r->len)
			continue;
		if (write)
			r->ops->write(vcpu, r->opaque, addr - r->addr, len, data);
		else
			r->ops->read(vcpu, r->opaque, addr - r->addr, len, data);
		done = true;
		break;
	}
	rcu_read_unlock();
	return done;
}
