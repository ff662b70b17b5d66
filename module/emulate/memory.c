// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM for the emulator: a guest physical address to the userspace
 * address of the memslot that backs it, and the dirty log of what the
 * emulator writes there.
 *
 * The memslot is looked up inside an SRCU read-side section of vm->srcu,
 * and the host address is used after the section ends, with
 * copy_{from,to}_user or a user cmpxchg.  That is safe for the host
 * whatever happens meanwhile: the address belongs to the VM's own process
 * (every KVM_RUN comes from it), was checked with access_ok() when the
 * memslot was set, and a concurrent munmap or memslot change only makes
 * the access fault or reach whatever the process maps there now, as with
 * KVM's own uaccess.  The MMU notifier keeps the TDP mappings coherent
 * with what such a write reaches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "emul.h"

/**
 * emul_gpa_to_hva - the host address backing @gpa.
 * @vm: the VM.
 * @gpa: a guest physical address.
 * @write: the access writes: a read-only memslot does not back it.
 *
 * Return: the userspace address, or 0 when no memslot backs @gpa for this
 * access (MMIO).
 */
hva_t emul_gpa_to_hva(struct minikvm_vm *vm, gpa_t gpa, bool write)
{
	struct minikvm_memslot *slot;
	hva_t hva = 0;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	slot = minikvm_gfn_to_memslot(vm, gpa_to_gfn(gpa));
	if (slot && !(slot->flags & MINIKVM_MEMSLOT_INVALID) &&
	    !(write && (slot->flags & KVM_MEM_READONLY)))
		hva = minikvm_gfn_to_hva_memslot(slot, gpa_to_gfn(gpa)) +
		      offset_in_page(gpa);
	srcu_read_unlock(&vm->srcu, idx);
	return hva;
}

/**
 * emul_mark_gpa_dirty - log a write the emulator made to guest RAM.
 * @vm: the VM.
 * @gpa: an address the write reached, after it was made (the dirty log
 *	collector clears the bit before it looks at the page, so a write
 *	logged after it is done is never lost).
 */
void emul_mark_gpa_dirty(struct minikvm_vm *vm, gpa_t gpa)
{
	struct minikvm_memslot *slot;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	slot = minikvm_gfn_to_memslot(vm, gpa_to_gfn(gpa));
	if (slot && (slot->flags & KVM_MEM_LOG_DIRTY_PAGES))
		minikvm_mark_page_dirty_in_slot(slot, gpa_to_gfn(gpa));
	srcu_read_unlock(&vm->srcu, idx);
}

/**
 * emul_cmpxchg_guest_u64 - compare-and-exchange a guest page table entry.
 * @hva: its host address (from emul_gpa_to_hva()), naturally aligned.
 * @old: the value expected.
 * @new: the value to store.
 * @wide: 8 bytes; else 4 (the low halves of @old and @new).
 *
 * Return: 0 when stored, 1 when the entry no longer held @old, -EFAULT.
 */
int emul_cmpxchg_guest_u64(hva_t hva, u64 old, u64 new, bool wide)
{
	u32 old32 = old;
	int r;

	if (wide)
		r = __try_cmpxchg_user((u64 __user *)hva, &old, new, efault64);
	else
		r = __try_cmpxchg_user((u32 __user *)hva, &old32, (u32)new,
				       efault32);
	return r < 0 ? -EFAULT : r;
}
