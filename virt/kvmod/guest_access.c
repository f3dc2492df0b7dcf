// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading and writing guest physical memory from the host, for what the
 * hypervisor keeps in areas the guest names (SBI steal time, PMU
 * snapshots, ...). The data goes through the VMM's mapping of the memory
 * slot, so it is coherent with the guest; writes are dirty-logged.
 * Process context: the copies may fault pages in.
 */

#include <linux/kvmod_host.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

/* Copy one piece that lies within a single guest page. */
static int access_page(struct kvmod_vm *vm, u64 gpa, void *data,
		       unsigned long len, bool write)
{
	struct kvmod_memslot *slot;
	void __user *hva;
	u64 gfn = gpa >> PAGE_SHIFT;
	int idx, r = -EFAULT;

	idx = srcu_read_lock(&vm->srcu);
	slot = kvmod_gfn_to_memslot(vm, gfn);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY)))
		goto out;
	hva = (void __user *)(kvmod_memslot_hva(slot, gfn) + offset_in_page(gpa));
	if (write) {
		if (copy_to_user(hva, data, len))
			goto out;
		kvmod_memslot_mark_dirty(slot, gfn);
	} else if (copy_from_user(data, hva, len)) {
		goto out;
	}
	r = 0;
out:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

static int access_guest(struct kvmod_vm *vm, u64 gpa, void *data,
			unsigned long len, bool write)
{
	while (len) {
		unsigned long n = min_t(unsigned long, len,
					PAGE_SIZE - offset_in_page(gpa));
		int r = access_page(vm, gpa, data, n, write);

		if (r)
			return r;
		gpa += n;
		data += n;
		len -= n;
	}
	return 0;
}

/**
 * kvmod_read_guest() - copy from guest physical memory
 * @vm: the VM
 * @gpa: guest physical address
 * @data: destination
 * @len: bytes to copy
 *
 * Return: 0, or -EFAULT when part of the range is not guest memory or
 * cannot be read.
 */
int kvmod_read_guest(struct kvmod_vm *vm, u64 gpa, void *data,
		     unsigned long len)
{
	return access_guest(vm, gpa, data, len, false);
}

/**
 * kvmod_write_guest() - copy into guest physical memory
 * @vm: the VM
 * @gpa: guest physical address
 * @data: source
 * @len: bytes to copy
 *
 * Return: 0, or -EFAULT when part of the range is not writable guest
 * memory (outside every slot, or in a read-only slot).
 */
int kvmod_write_guest(struct kvmod_vm *vm, u64 gpa, const void *data,
		      unsigned long len)
{
	return access_guest(vm, gpa, (void *)data, len, true);
}

/**
 * kvmod_gpa_is_memory() - whether a guest range is backed by memory slots
 * @vm: the VM
 * @gpa: first byte
 * @len: length in bytes, at least 1
 * @write: the range must also be writable
 *
 * Return: true when every page of the range is in a slot (a writable one
 * when @write). A hint only: slots may change right after.
 */
bool kvmod_gpa_is_memory(struct kvmod_vm *vm, u64 gpa, unsigned long len,
			 bool write)
{
	u64 gfn, last = (gpa + len - 1) >> PAGE_SHIFT;
	struct kvmod_memslot *slot;
	bool ok = true;
	int idx;

	if (!len || gpa + len - 1 < gpa)
		return false;
	idx = srcu_read_lock(&vm->srcu);
	for (gfn = gpa >> PAGE_SHIFT; ok && gfn <= last; gfn++) {
		slot = kvmod_gfn_to_memslot(vm, gfn);
		ok = slot && !(write && (slot->flags & KVM_MEM_READONLY));
	}
	srcu_read_unlock(&vm->srcu, idx);
	return ok;
}
