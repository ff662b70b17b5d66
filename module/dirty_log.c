// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging: KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG and
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, with KVM's rules and errnos.
 *
 * A logging slot has a bitmap with one bit per page.  A page is logged when
 * the MMU makes it writable (fault.c), never later: so a page whose bit is
 * clear is write-protected in the tables, and the guest's next write to it
 * faults and logs it.  Collecting the log therefore clears bits first and
 * write-protects the pages after, both under mmu_lock held for write, and
 * flushes TLBs before the log is reported: a write that happens after the
 * report faults, and is logged for the next report.
 *
 * Without manual protection, KVM_GET_DIRTY_LOG does both (and reports what
 * it cleared).  With it, KVM_GET_DIRTY_LOG only reports, and userspace
 * clears (and re-protects) the pages it has dealt with, in chunks of 64,
 * with KVM_CLEAR_DIRTY_LOG.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "minikvm.h"

/* What KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 reports and accepts. */
#define MINIKVM_DIRTY_LOG_MANUAL_CAPS	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
					 KVM_DIRTY_LOG_INITIALLY_SET)

static unsigned long dirty_bitmap_bytes(unsigned long npages)
{
	return ALIGN(npages, BITS_PER_LONG) / 8;
}

/* The second half of the allocation: the ioctls' buffer. */
static unsigned long *second_dirty_bitmap(const struct minikvm_memslot *slot)
{
	return slot->dirty_bitmap + dirty_bitmap_bytes(slot->npages) / sizeof(long);
}

/**
 * minikvm_dirty_bitmap_alloc - the bitmap of a slot that starts logging.
 * @vm: the VM.
 * @npages: the slot's size.
 *
 * Context: vm->slots_lock held.
 * Return: the bitmap (empty, or full with KVM_DIRTY_LOG_INITIALLY_SET), or
 * NULL.
 */
unsigned long *minikvm_dirty_bitmap_alloc(struct minikvm_vm *vm,
					  unsigned long npages)
{
	unsigned long *bitmap;

	lockdep_assert_held(&vm->slots_lock);

	bitmap = kvzalloc(2 * dirty_bitmap_bytes(npages), GFP_KERNEL_ACCOUNT);
	if (bitmap && (vm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET))
		bitmap_set(bitmap, 0, npages);
	return bitmap;
}

/**
 * minikvm_mark_page_dirty_in_slot - log a page the guest may now write.
 * @slot: its memslot, logging or not.
 * @gfn: the page.
 *
 * Context: the caller holds vm->srcu (the bitmap stays allocated) and has
 * just made the page writable.
 */
void minikvm_mark_page_dirty_in_slot(const struct minikvm_memslot *slot,
				     gfn_t gfn)
{
	if (slot->dirty_bitmap)
		set_bit_le(gfn - slot->base_gfn, slot->dirty_bitmap);
}

/* The logging slot named by a dirty log ioctl's @id, or an errno. */
static struct minikvm_memslot *dirty_log_slot(struct minikvm_vm *vm, u32 id)
{
	struct minikvm_memslot *slot;

	lockdep_assert_held(&vm->slots_lock);

	if ((id >> 16) || (u16)id >= MINIKVM_USER_MEM_SLOTS)
		return ERR_PTR(-EINVAL);
	slot = xa_load(&vm->slots.by_id, (u16)id);
	if (!slot || !slot->dirty_bitmap)
		return ERR_PTR(-ENOENT);
	return slot;
}

/*
 * Take the bits of @mask out of word @i of the bitmap and write-protect
 * those pages.  Return: true if a TLB flush is needed.
 */
static bool collect_word(struct minikvm_vm *vm, struct minikvm_memslot *slot,
			 unsigned long i, unsigned long mask)
{
	atomic_long_t *word = (atomic_long_t *)&slot->dirty_bitmap[i];

	lockdep_assert_held_write(&vm->mmu.lock);

	/* Only bits that were set: a page we did not report stays logged. */
	mask &= atomic_long_fetch_andnot(mask, word);
	if (!mask)
		return false;
	return minikvm_mmu_wrprot_dirty_masked(vm, slot, i * BITS_PER_LONG, mask);
}

/* Report and clear the whole log into the second bitmap. */
static void get_and_clear_log(struct minikvm_vm *vm, struct minikvm_memslot *slot,
			      unsigned long *buf)
{
	unsigned long i, n = dirty_bitmap_bytes(slot->npages) / sizeof(long);
	bool flush = false;

	write_lock(&vm->mmu.lock);
	for (i = 0; i < n; i++) {
		buf[i] = READ_ONCE(slot->dirty_bitmap[i]);
		if (buf[i])
			flush |= collect_word(vm, slot, i, buf[i]);
	}
	write_unlock(&vm->mmu.lock);

	if (flush)
		minikvm_flush_remote_tlbs(vm);
}

static int __get_dirty_log(struct minikvm_vm *vm, const struct kvm_dirty_log *log)
{
	struct minikvm_memslot *slot = dirty_log_slot(vm, log->slot);
	unsigned long *buf;

	if (IS_ERR(slot))
		return PTR_ERR(slot);

	if (vm->manual_dirty_log_protect) {
		/* Report only; KVM_CLEAR_DIRTY_LOG re-protects. */
		buf = slot->dirty_bitmap;
	} else {
		buf = second_dirty_bitmap(slot);
		get_and_clear_log(vm, slot, buf);
	}
	if (copy_to_user(log->dirty_bitmap, buf, dirty_bitmap_bytes(slot->npages)))
		return -EFAULT;
	return 0;
}

/**
 * minikvm_vm_ioctl_get_dirty_log - KVM_GET_DIRTY_LOG.
 * @vm: the VM.
 * @log: the argument, copied from userspace.
 *
 * Return: 0; -EINVAL for a bad slot id; -ENOENT for a slot that does not
 * exist or does not log; -EFAULT.
 */
int minikvm_vm_ioctl_get_dirty_log(struct minikvm_vm *vm,
				   const struct kvm_dirty_log *log)
{
	int r;

	mutex_lock(&vm->slots_lock);
	r = __get_dirty_log(vm, log);
	mutex_unlock(&vm->slots_lock);
	return r;
}

/* KVM's range rules: 64-page chunks, the last one may end with the slot. */
static bool clear_range_ok(const struct minikvm_memslot *slot,
			   const struct kvm_clear_dirty_log *log)
{
	if (log->first_page > slot->npages ||
	    log->num_pages > slot->npages - log->first_page)
		return false;
	return log->num_pages == slot->npages - log->first_page ||
	       !(log->num_pages & (BITS_PER_LONG - 1));
}

static int __clear_dirty_log(struct minikvm_vm *vm,
			     const struct kvm_clear_dirty_log *log)
{
	unsigned long i, n, first;
	struct minikvm_memslot *slot;
	unsigned long *buf;
	bool flush = false;

	/* KVM checks in this order: the id, the alignment, the slot, the range. */
	if ((log->slot >> 16) || (u16)log->slot >= MINIKVM_USER_MEM_SLOTS ||
	    (log->first_page & (BITS_PER_LONG - 1)))
		return -EINVAL;
	slot = dirty_log_slot(vm, log->slot);
	if (IS_ERR(slot))
		return PTR_ERR(slot);
	if (!clear_range_ok(slot, log))
		return -EINVAL;

	buf = second_dirty_bitmap(slot);
	n = DIV_ROUND_UP(log->num_pages, BITS_PER_LONG);
	if (copy_from_user(buf, log->dirty_bitmap, n * sizeof(long)))
		return -EFAULT;

	first = log->first_page / BITS_PER_LONG;
	write_lock(&vm->mmu.lock);
	for (i = 0; i < n; i++)
		if (buf[i])
			flush |= collect_word(vm, slot, first + i, buf[i]);
	write_unlock(&vm->mmu.lock);

	if (flush)
		minikvm_flush_remote_tlbs(vm);
	return 0;
}

/**
 * minikvm_vm_ioctl_clear_dirty_log - KVM_CLEAR_DIRTY_LOG.
 * @vm: the VM.
 * @log: the argument, copied from userspace.
 *
 * Clears the bits set in the user bitmap (bit 0 is @log->first_page) and
 * write-protects those pages again.
 *
 * Return: 0; -EINVAL for a bad slot id or range; -ENOENT for a slot that
 * does not exist or does not log; -EFAULT.
 */
int minikvm_vm_ioctl_clear_dirty_log(struct minikvm_vm *vm,
				     const struct kvm_clear_dirty_log *log)
{
	int r;

	mutex_lock(&vm->slots_lock);
	r = __clear_dirty_log(vm, log);
	mutex_unlock(&vm->slots_lock);
	return r;
}

/**
 * minikvm_vm_enable_dirty_log_cap - KVM_ENABLE_CAP of the dirty log.
 * @vm: the VM.
 * @cap: the argument, copied from userspace.
 *
 * Only KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: args[0] is a subset of
 * KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET (the
 * latter only with the former); 0 turns manual protection off again.
 *
 * Return: 0, or -EINVAL for anything else (as KVM for an unknown cap).
 */
int minikvm_vm_enable_dirty_log_cap(struct minikvm_vm *vm,
				    const struct kvm_enable_cap *cap)
{
	u64 allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

	if (cap->cap != KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)
		return -EINVAL;
	if (cap->args[0] & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
		allowed = MINIKVM_DIRTY_LOG_MANUAL_CAPS;
	if (cap->flags || (cap->args[0] & ~allowed))
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	vm->manual_dirty_log_protect = cap->args[0];
	mutex_unlock(&vm->slots_lock);
	return 0;
}
