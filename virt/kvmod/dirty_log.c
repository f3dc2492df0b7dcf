// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty page logging: KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG and the
 * manual-protect capability.
 *
 * A slot with KVM_MEM_LOG_DIRTY_PAGES has a bitmap; the stage-2 fault path
 * sets a page's bit when it maps the page writable, and maps pages of such
 * slots read-only on reads. Harvesting a bit write-protects the page again
 * so the next write faults and sets it anew; TLBs are flushed once per
 * ioctl, before it returns: a write through a stale entry until then
 * lands in a page the ioctl reports dirty, which userspace reads only
 * afterwards. Without
 * manual protect, KVM_GET_DIRTY_LOG harvests everything it reports; with
 * it, KVM_GET_DIRTY_LOG only reports and KVM_CLEAR_DIRTY_LOG harvests.
 */

#include <kunit/visibility.h>
#include <linux/kvmod_host.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

/*
 * Write-protect the pages of @mask (bit i: @gfn + i). mmu_lock is taken
 * per word, so that faults are not held off for a whole slot.
 *
 * Return: true when a mapping changed and TLBs need a flush.
 */
static bool protect_word(struct kvmod_vm *vm, u64 gfn, unsigned long mask)
{
	bool changed;

	spin_lock(&vm->mmu_lock);
	changed = kvmod_arch_write_protect_gfns(vm, gfn, mask);
	spin_unlock(&vm->mmu_lock);
	return changed;
}

/* One flush for everything an ioctl protected. */
static void flush_if(struct kvmod_vm *vm, bool flush)
{
	if (!flush)
		return;
	spin_lock(&vm->mmu_lock);
	kvmod_mmu_flush(vm);
	spin_unlock(&vm->mmu_lock);
}

/* The slot a dirty-log ioctl names, with slots_lock held. */
static struct kvmod_memslot *log_slot(struct kvmod_vm *vm, u32 slot)
{
	u16 as_id = slot >> 16, id = (u16)slot;
	struct kvmod_memslot *s;

	lockdep_assert_held(&vm->slots_lock);
	if (as_id >= KVMOD_ADDRESS_SPACE_NUM || id >= KVMOD_USER_MEM_SLOTS)
		return ERR_PTR(-EINVAL);
	s = xa_load(&vm->memslots[as_id].by_id, id);
	if (!s || !s->dirty_bitmap)
		return ERR_PTR(-ENOENT);
	return s;
}

static int get_dirty_log(struct kvmod_vm *vm, struct kvm_dirty_log *log)
{
	struct kvmod_memslot *slot = log_slot(vm, log->slot);
	unsigned long *buf, i, n;
	bool flush = false;
	int r;

	if (IS_ERR(slot))
		return PTR_ERR(slot);
	n = BITS_TO_LONGS(slot->npages);

	/* With manual protect the bits stay until KVM_CLEAR_DIRTY_LOG. */
	if (vm->manual_dirty_log_protect)
		return copy_to_user(log->dirty_bitmap, slot->dirty_bitmap,
				    n * sizeof(long)) ? -EFAULT : 0;

	buf = kvcalloc(n, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!READ_ONCE(slot->dirty_bitmap[i]))
			continue;
		buf[i] = xchg(&slot->dirty_bitmap[i], 0);
		/* A write after the swap still lands in a page reported dirty. */
		flush |= protect_word(vm, slot->base_gfn + i * BITS_PER_LONG, buf[i]);
	}
	flush_if(vm, flush);
	r = copy_to_user(log->dirty_bitmap, buf, n * sizeof(long)) ? -EFAULT : 0;
	kvfree(buf);
	return r;
}

/**
 * kvmod_dirty_clear_ok() - whether KVM_CLEAR_DIRTY_LOG may clear a range
 * @npages: pages of the slot
 * @first: first page to clear
 * @num: pages to clear
 *
 * Upstream's rule: whole 64-page words, starting on a word, inside the
 * slot; only a range reaching the slot's end may end inside a word.
 *
 * Return: true when the range is acceptable.
 */
bool kvmod_dirty_clear_ok(u64 npages, u64 first, u32 num)
{
	if (first & 63)
		return false;
	if (first > npages || num > npages - first)
		return false;
	return num == npages - first || !(num & 63);
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_dirty_clear_ok);

/**
 * kvmod_dirty_word_mask() - the bits of one bitmap word a clear may touch
 * @i: index of the word within the range
 * @num: pages in the range
 * @bits: the bits userspace asked to clear in that word
 *
 * Return: @bits without those past the range's last page.
 */
unsigned long kvmod_dirty_word_mask(unsigned long i, u32 num, unsigned long bits)
{
	unsigned long last = (num - 1) / BITS_PER_LONG;

	if (!num || i > last)
		return 0;
	if (i == last && num % BITS_PER_LONG)
		bits &= BIT(num % BITS_PER_LONG) - 1;
	return bits;
}
EXPORT_SYMBOL_IF_KUNIT(kvmod_dirty_word_mask);

static int clear_dirty_log(struct kvmod_vm *vm, struct kvm_clear_dirty_log *log)
{
	struct kvmod_memslot *slot = log_slot(vm, log->slot);
	unsigned long __user *ubits = log->dirty_bitmap;
	unsigned long i, n, mask;
	bool flush = false;
	int r = 0;
	u64 first;

	if (IS_ERR(slot))
		return PTR_ERR(slot);
	if (!vm->manual_dirty_log_protect ||
	    !kvmod_dirty_clear_ok(slot->npages, log->first_page, log->num_pages))
		return -EINVAL;

	first = log->first_page / BITS_PER_LONG;
	n = BITS_TO_LONGS(log->num_pages);
	for (i = 0; i < n; i++) {
		/* What was protected before a fault still needs its flush. */
		if (get_user(mask, ubits + i)) {
			r = -EFAULT;
			break;
		}
		/* Bits past the slot's end are ignored. */
		mask = kvmod_dirty_word_mask(i, log->num_pages, mask);
		mask &= atomic_long_fetch_andnot(mask,
				(atomic_long_t *)&slot->dirty_bitmap[first + i]);
		if (mask)
			flush |= protect_word(vm, slot->base_gfn +
					      (first + i) * BITS_PER_LONG, mask);
	}
	flush_if(vm, flush);
	return r;
}

/**
 * kvmod_vm_ioctl_dirty_log() - KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG
 * @vm: the VM
 * @ioctl: which of the two
 * @argp: struct kvm_dirty_log or struct kvm_clear_dirty_log
 *
 * Return: 0; -EFAULT; -EINVAL for a bad slot number, a clear without
 * manual protect or a misaligned clear range; -ENOENT when the slot does
 * not exist or does not log; -ENOMEM.
 */
long kvmod_vm_ioctl_dirty_log(struct kvmod_vm *vm, unsigned int ioctl,
			      void __user *argp)
{
	struct kvm_clear_dirty_log clear;
	struct kvm_dirty_log log;
	long r;

	if (ioctl == KVM_GET_DIRTY_LOG) {
		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
	} else if (copy_from_user(&clear, argp, sizeof(clear))) {
		return -EFAULT;
	}

	/* Slots cannot change (or lose their bitmap) meanwhile. */
	mutex_lock(&vm->slots_lock);
	if (ioctl == KVM_GET_DIRTY_LOG)
		r = get_dirty_log(vm, &log);
	else
		r = clear_dirty_log(vm, &clear);
	mutex_unlock(&vm->slots_lock);
	return r;
}

/**
 * kvmod_vm_enable_dirty_log_protect() - KVM_ENABLE_CAP of
 *	KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2
 * @vm: the VM
 * @flags: KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, KVM_DIRTY_LOG_INITIALLY_SET
 *
 * Return: 0, or -EINVAL for unknown flags or INITIALLY_SET alone.
 */
int kvmod_vm_enable_dirty_log_protect(struct kvmod_vm *vm, u64 flags)
{
	if (flags & ~(u64)KVMOD_DIRTY_LOG_MANUAL_CAPS)
		return -EINVAL;
	if (flags == KVM_DIRTY_LOG_INITIALLY_SET)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	vm->manual_dirty_log_protect = flags;
	mutex_unlock(&vm->slots_lock);
	return 0;
}
