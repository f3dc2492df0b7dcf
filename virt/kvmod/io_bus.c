// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest physical ranges emulated in the kernel (interrupt controller
 * registers, MSI doorbells, ioeventfds): an access outside memory goes to
 * the ranges registered for its address before it would exit to
 * userspace. Ranges change rarely (device setup, a VMM turning virtqueue
 * notifications on or off), so an array read under RCU, replaced whole on
 * change, is enough.
 */

#include <linux/kvmod_host.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

/**
 * struct kvmod_io_bus - the VM's in-kernel MMIO ranges
 * @rcu: frees the old array after readers are done
 * @nr: number of ranges
 * @range: the ranges; shared ones first, so that an ioeventfd inside a
 *	device's range sees its exact writes first
 */
struct kvmod_io_bus {
	struct rcu_head rcu;
	unsigned int nr;
	struct kvmod_io_range range[] __counted_by(nr);
};

static struct kvmod_io_bus *bus_locked(struct kvmod_vm *vm)
{
	return rcu_dereference_protected(vm->io_bus, lockdep_is_held(&vm->lock));
}

static bool overlaps(const struct kvmod_io_range *r, u64 addr, u64 len)
{
	return addr < r->addr + r->len && r->addr < addr + len;
}

static void bus_replace(struct kvmod_vm *vm, struct kvmod_io_bus *old,
			struct kvmod_io_bus *new)
{
	rcu_assign_pointer(vm->io_bus, new);
	if (old)
		kvfree_rcu(old, rcu);
}

/* Does @r, not shared, overlap a range of @list that is not shared either? */
static bool clashes(const struct kvmod_io_range *r, const struct kvmod_io_range *list,
		    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!list[i].ops->shared && overlaps(&list[i], r->addr, r->len))
			return true;
	return false;
}

/* Appends the ranges of @from whose ops are (not) shared to @to at *@at. */
static void copy_ranges(struct kvmod_io_range *to, unsigned int *at,
			const struct kvmod_io_range *from, unsigned int n, bool shared)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (from[i].ops->shared == shared)
			to[(*at)++] = from[i];
}

/**
 * kvmod_io_bus_register_ranges() - emulate several ranges, all or none
 * @vm: the VM, with its lock held
 * @add: the ranges (each @len at least 1); @opaque identifies a range to
 *	kvmod_io_bus_unregister()
 * @n: how many
 *
 * A device with several ranges registers them in one go, so that a failure
 * leaves none of them behind: undoing a registration may fail too.
 *
 * Return: 0, -EEXIST when a range that is not shared overlaps another such
 * range (registered or in @add), -ENOMEM.
 */
int kvmod_io_bus_register_ranges(struct kvmod_vm *vm, const struct kvmod_io_range *add,
				 unsigned int n)
{
	struct kvmod_io_bus *old = bus_locked(vm), *new;
	unsigned int i, nr = old ? old->nr : 0, at = 0;

	lockdep_assert_held(&vm->lock);
	for (i = 0; i < n; i++)
		if (!add[i].ops->shared &&
		    ((old && clashes(&add[i], old->range, nr)) || clashes(&add[i], add, i)))
			return -EEXIST;
	new = kvzalloc(struct_size(new, range, nr + n), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->nr = nr + n;
	/* Shared ranges first, each kind in the order of registration. */
	if (old)
		copy_ranges(new->range, &at, old->range, nr, true);
	copy_ranges(new->range, &at, add, n, true);
	if (old)
		copy_ranges(new->range, &at, old->range, nr, false);
	copy_ranges(new->range, &at, add, n, false);
	bus_replace(vm, old, new);
	return 0;
}

/**
 * kvmod_io_bus_register() - emulate [@addr, @addr + @len) in the kernel
 * @vm: the VM, with its lock held
 * @addr: first guest physical address
 * @len: length in bytes, at least 1
 * @ops: the accessors, called in atomic context
 * @opaque: passed to them; identifies the range to
 *	kvmod_io_bus_unregister()
 *
 * Return: 0, -EEXIST when a range that is not shared overlaps another
 * such range, -ENOMEM.
 */
int kvmod_io_bus_register(struct kvmod_vm *vm, u64 addr, u64 len,
			  const struct kvmod_io_ops *ops, void *opaque)
{
	struct kvmod_io_range r = {
		.addr = addr, .len = len, .ops = ops, .opaque = opaque,
	};

	return kvmod_io_bus_register_ranges(vm, &r, 1);
}

/**
 * kvmod_io_bus_unregister() - stop emulating the range of @opaque
 * @vm: the VM, with its lock held
 * @opaque: what the range was registered with
 *
 * vCPUs may still be in the range's accessors: wait for an RCU grace
 * period before freeing what they use.
 *
 * Return: 0; -ENOENT when no range has @opaque; -ENOMEM, the range kept.
 */
int kvmod_io_bus_unregister(struct kvmod_vm *vm, const void *opaque)
{
	struct kvmod_io_bus *old = bus_locked(vm), *new;
	unsigned int i, j;

	lockdep_assert_held(&vm->lock);
	for (i = 0; old && i < old->nr; i++)
		if (old->range[i].opaque == opaque)
			break;
	if (!old || i == old->nr)
		return -ENOENT;
	new = kvzalloc(struct_size(new, range, old->nr - 1), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->nr = old->nr - 1;
	for (i = 0, j = 0; i < old->nr; i++)
		if (old->range[i].opaque != opaque)
			new->range[j++] = old->range[i];
	bus_replace(vm, old, new);
	return 0;
}

/**
 * kvmod_io_bus_destroy() - drop every range of a dying VM
 * @vm: the VM
 */
void kvmod_io_bus_destroy(struct kvmod_vm *vm)
{
	kvfree(rcu_dereference_protected(vm->io_bus, true));
}

/**
 * kvmod_io_bus_access() - let an in-kernel device handle an access
 * @vcpu: the vCPU that made it
 * @addr: guest physical address
 * @len: 1, 2, 4 or 8 bytes
 * @write: a store of @data, else a load into @data
 * @data: the little-endian bytes
 *
 * Return: true when a registered range took the access.
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
	for (i = 0; bus && i < bus->nr && !done; i++) {
		r = &bus->range[i];
		if (addr < r->addr || addr + len > r->addr + r->len)
			continue;
		if (write) {
			done = r->ops->write(vcpu, r->opaque, addr - r->addr, len, data);
		} else if (r->ops->read) {
			r->ops->read(vcpu, r->opaque, addr - r->addr, len, data);
			done = true;
		}
	}
	rcu_read_unlock();
	return done;
}
