// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmod-vmm: the VM's devices. Each device registers the guest physical
 * range of its registers, its interrupt line and how it describes itself in
 * the device tree; MMIO exits and the device tree go through this table, so
 * a new device needs no change to either. The table is filled before the
 * vCPU threads start and only read after, so lookups take no lock.
 */
#include <stdio.h>

#include "fdt.h"
#include "vmm.h"

/**
 * vmm_device_register() - add a device to the VM
 * @vm: the VM, whose vCPUs do not run yet
 * @d: the device, its name, range, interrupt line and ops set
 *
 * Return: 0, or -1 with the reason printed (its range overlaps another
 * device's, or the table is full).
 */
int vmm_device_register(struct vmm_vm *vm, struct vmm_device *d)
{
	const struct vmm_device *o;
	int i;

	for (i = 0; i < vm->nr_devices; i++) {
		o = vm->devices[i];
		if (d->base < o->base + o->size && o->base < d->base + d->size) {
			fprintf(stderr, "kvmod-vmm: %s at %#llx overlaps %s at %#llx\n",
				d->name, (unsigned long long)d->base, o->name,
				(unsigned long long)o->base);
			return -1;
		}
	}
	if (vm->nr_devices == VMM_MAX_DEVICES) {
		fprintf(stderr, "kvmod-vmm: %s: more than %d devices\n", d->name,
			VMM_MAX_DEVICES);
		return -1;
	}
	d->vm = vm;
	vm->devices[vm->nr_devices++] = d;
	return 0;
}

/**
 * vmm_device_find() - the device whose registers take a guest address
 * @vm: the VM
 * @addr: guest physical address
 *
 * A handful of devices: a linear search is as fast as anything.
 *
 * Return: the device, or NULL when none has @addr.
 */
struct vmm_device *vmm_device_find(struct vmm_vm *vm, uint64_t addr)
{
	struct vmm_device *d;
	int i;

	for (i = 0; i < vm->nr_devices; i++) {
		d = vm->devices[i];
		if (addr >= d->base && addr - d->base < d->size)
			return d;
	}
	return NULL;
}

/**
 * vmm_irq_alloc() - an interrupt line for a new device
 * @vm: the VM
 *
 * Lines are given in the order devices are created, from the arch's
 * vmm_arch_irq_base up, so a device keeps its line from run to run.
 *
 * Return: the line.
 */
unsigned int vmm_irq_alloc(struct vmm_vm *vm)
{
	return vmm_arch_irq_base + vm->nr_irqs++;
}

/**
 * vmm_fdt_node_name() - a device's node name: its name and unit address
 * @d: the device
 * @parent: the path of the node that holds it and a slash, or "" for the
 *	name alone
 * @buf: where the name goes
 * @size: bytes at @buf
 */
void vmm_fdt_node_name(const struct vmm_device *d, const char *parent, char *buf,
		       size_t size)
{
	snprintf(buf, size, "%s%s@%llx", parent, d->name, (unsigned long long)d->base);
}

/**
 * vmm_fdt_device_begin() - open a device's node, with its compatible and reg
 * @f: the device tree, in a node with 2 address and 2 size cells
 * @d: the device
 * @compatible: what its driver matches
 *
 * The device adds its other properties and closes the node.
 */
void vmm_fdt_device_begin(struct fdt *f, const struct vmm_device *d,
			  const char *compatible)
{
	char name[64];
	uint32_t reg[] = { d->base >> 32, d->base, d->size >> 32, d->size };

	vmm_fdt_node_name(d, "", name, sizeof(name));
	fdt_begin_node(f, name);
	fdt_prop_string(f, "compatible", compatible);
	fdt_prop_cells(f, "reg", reg, 4);
}

/**
 * vmm_fdt_devices() - the nodes of all devices, in the order they registered
 * @vm: the VM
 * @f: the device tree, in the node that holds them
 */
void vmm_fdt_devices(struct vmm_vm *vm, struct fdt *f)
{
	int i;

	for (i = 0; i < vm->nr_devices; i++)
		vm->devices[i]->ops->fdt(vm->devices[i], f);
}
