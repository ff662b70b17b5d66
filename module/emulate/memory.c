// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM for the emulator: a guest physical address to the userspace
 * address of the memslot that backs it.
 *
 * The memslot is looked up under the MMU lock (a memslot reader), and the
 * host address is used after the lock is dropped, with copy_{from,to}_user
 * or a user cmpxchg.  That is safe for the host whatever happens meanwhile:
 * the address belongs to the VM's own process (every KVM_RUN comes from
 * it), was checked with access_ok() when the memslot was set, and a
 * concurrent munmap or memslot change only makes the access fault or reach
 * whatever the process maps there now, as with KVM's own uaccess.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
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

	mutex_lock(&vm->mmu.lock);
	slot = minikvm_gfn_to_memslot(vm, gpa_to_gfn(gpa));
	if (slot && !(write && (slot->flags & KVM_MEM_READONLY)))
		hva = minikvm_gfn_to_hva_memslot(slot, gpa_to_gfn(gpa)) +
		      offset_in_page(gpa);
	mutex_unlock(&vm->mmu.lock);
	return hva;
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
