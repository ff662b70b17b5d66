// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of a fault: which page backs a guest frame, whether the
 * host maps it writable, and how large the host's mapping is.
 *
 * Guest memory is not pinned.  A fault takes a reference on the page only
 * for as long as it installs the spte (so the page cannot be freed in
 * between), and drops it right after; from then on the MMU notifier keeps
 * the spte and the host mapping in step (notifier.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/swap.h>

#include "mmu_internal.h"

/* Map a GUP failure to what KVM_RUN reports. */
static int faultin_error(long n)
{
	if (n == -EINTR || n == -ERESTARTSYS)
		return -EINTR;
	return -EFAULT;
}

/**
 * mmu_faultin_page - reference the page behind @f->hva.
 * @vcpu: the faulting vCPU (its thread's mm is the VM's).
 * @f: the fault; @f->page, @f->pfn and @f->host_writable are filled in.
 *
 * A write faults the page in for writing (breaking COW).  A read maps the
 * page writable anyway when the host already maps it writable, which saves
 * the guest a second fault on its first write; otherwise read-only (e.g.
 * the shared zero page), and the first write comes back here.
 *
 * Context: may sleep; no MMU lock held.
 * Return: 0, -EFAULT (no usable page: bad address, read-only mapping for a
 * write, hardware poison), or -EINTR (fatal signal).
 */
int mmu_faultin_page(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f)
{
	struct page *page, *wpage;
	long n;

	/* No mmap_lock: succeeds when the host pte is present and writable. */
	if (get_user_page_fast_only(f->hva, FOLL_WRITE, &page)) {
		f->host_writable = true;
		goto out;
	}

	n = get_user_pages_unlocked(f->hva, 1, &page, f->write ? FOLL_WRITE : 0);
	if (n != 1)
		return faultin_error(n);
	f->host_writable = f->write;

	if (!f->write && get_user_page_fast_only(f->hva, FOLL_WRITE, &wpage)) {
		put_page(page);
		page = wpage;
		f->host_writable = true;
	}
out:
	f->page = page;
	f->pfn = page_to_pfn(page);
	return 0;
}

/**
 * mmu_release_page - drop the fault's reference on its page.
 * @f: the fault.
 * @mapped: the page was mapped by the fault (or already was): tell reclaim
 *	it is in use, as a host access would.
 */
void mmu_release_page(struct minikvm_page_fault *f, bool mapped)
{
	if (!f->page)
		return;
	if (mapped && !PageReserved(f->page))
		mark_page_accessed(f->page);
	put_page(f->page);
	f->page = NULL;
}

/**
 * host_mapping_level - the size of the host's mapping of @hva.
 * @vm: the VM, whose mm maps @hva.
 * @hva: a host address.
 *
 * Walks the host page tables without mmap_lock, like GUP-fast: with IRQs
 * off, page table pages cannot be freed under the walk (x86 frees them
 * after an IPI or an RCU-sched grace period, neither of which completes
 * while this CPU has IRQs off).  Each entry is read exactly once, because a
 * table may turn into a huge leaf meanwhile and two reads could mix them.
 *
 * The answer may be stale as soon as IRQs are back on; the caller relies
 * on the MMU notifier protocol (mmu_invalidate_retry()) to notice: any
 * change of the host mapping invalidates the whole huge range.
 *
 * Return: PG_LEVEL_4K, PG_LEVEL_2M or PG_LEVEL_1G.
 */
int host_mapping_level(struct minikvm_vm *vm, hva_t hva)
{
	int level = PG_LEVEL_4K;
	unsigned long flags;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);

	pgd = READ_ONCE(*pgd_offset(vm->mm, hva));
	if (pgd_none(pgd))
		goto out;
	/* With 4-level paging the p4d is the pgd: use our copy, not a re-read. */
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (!p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		level = PG_LEVEL_1G;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	if (pmd_present(pmd) && pmd_leaf(pmd))
		level = PG_LEVEL_2M;
out:
	local_irq_restore(flags);
	return level;
}
