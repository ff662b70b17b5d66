// SPDX-License-Identifier: GPL-2.0
/*
 * The MMU notifier: how minikvm follows changes to the host mappings of
 * guest memory (munmap, madvise, migration, swap, compaction, KSM, THP
 * splits, COW breaks) without pinning a single page.
 *
 * The host calls invalidate_range_start() before it changes or frees the
 * pages of a range and invalidate_range_end() after.  We zap the sptes of
 * the range in start, so the guest loses access before the host changes
 * anything.  The hard part is a fault racing with the invalidation: it may
 * have referenced the old page (GUP) just before the host changed its page
 * table, and must not install it after our zap.  The retry protocol:
 *
 *   fault                              invalidation
 *   -----                              ------------
 *   seq = invalidate_seq               start: under mmu_lock (write):
 *   smp_rmb()                                 in_progress++, range += [s, e)
 *   GUP(hva) -> page                          zap sptes of [s, e)
 *   read_lock(mmu_lock)                (host changes its page tables)
 *   retry if in_progress && hva in     end:   under mmu_lock (write):
 *     range, or seq != invalidate_seq         invalidate_seq++
 *   install the spte                          smp_wmb()
 *   read_unlock(mmu_lock)                     in_progress--
 *
 * If the fault takes mmu_lock before start, start zaps what it installed.
 * If after start but before end, it sees in_progress.  If after end, it
 * sees the new seq - unless it sampled seq after end too, in which case it
 * referenced the new page and installing it is right.  The smp_wmb() makes
 * sure a fault never sees in_progress drop without also seeing seq move.
 *
 * The range [s, e) is in host addresses, so it covers memslots created
 * while the invalidation is in flight.  Memslot publication itself waits
 * for in-flight invalidations (minikvm_mmu_memslots_update_begin()), so the
 * memslots an invalidation zapped by stay the ones faults use until end.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mmu_notifier.h>
#include <linux/sched.h>
#include <linux/srcu.h>
#include <linux/wait.h>

#include "../compat.h"
#include "shadow.h"
#include "tdp_mmu.h"

static struct minikvm_vm *notifier_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct minikvm_vm, mmu.notifier);
}

/**
 * mmu_invalidate_retry - must a fault that sampled @mmu_seq start over?
 * @vm: the VM.
 * @mmu_seq: vm->mmu.invalidate_seq when the fault started.
 * @hva: the host address the fault referenced.
 *
 * Context: mmu_lock held (the fields only change under it for write).
 */
bool mmu_invalidate_retry(struct minikvm_vm *vm, unsigned long mmu_seq,
			  hva_t hva)
{
	struct minikvm_mmu *mmu = &vm->mmu;

	lockdep_assert_held(&mmu->lock);

	if (unlikely(mmu->invalidate_in_progress) &&
	    hva >= mmu->invalidate_start && hva < mmu->invalidate_end)
		return true;
	return mmu->invalidate_seq != mmu_seq;
}

/* The host-address range [start, end) as gfns of @slot: [*gstart, *gend). */
static bool slot_hva_range(const struct minikvm_memslot *slot, hva_t start,
			   hva_t end, gfn_t *gstart, gfn_t *gend)
{
	hva_t s = max(start, slot->userspace_addr);
	hva_t e = min(end, slot->userspace_addr + (slot->npages << PAGE_SHIFT));

	if (s >= e)
		return false;
	*gstart = slot->base_gfn + ((s - slot->userspace_addr) >> PAGE_SHIFT);
	*gend = slot->base_gfn + ((e - slot->userspace_addr + PAGE_SIZE - 1) >> PAGE_SHIFT);
	return true;
}

/* Zap the mappings of [start, end) in every memslot that maps it. */
static bool zap_hva_range(struct minikvm_vm *vm, hva_t start, hva_t end,
			  bool may_block)
{
	struct minikvm_memslots *slots = minikvm_memslots(vm);
	bool flush = false;
	gfn_t gs, ge;
	int i;

	lockdep_assert_held_write(&vm->mmu.lock);

	for (i = 0; i < slots->nr; i++) {
		if (!slot_hva_range(slots->slots[i], start, end, &gs, &ge))
			continue;
		if (minikvm_mmu_is_shadow(&vm->mmu))
			flush |= shadow_zap_gfn_range(vm, gs, ge);
		else
			flush = minikvm_tdp_mmu_zap_leafs(vm, gs, ge, may_block,
							  flush);
	}
	return flush;
}

static void invalidate_begin(struct minikvm_mmu *mmu, hva_t start, hva_t end)
{
	if (!mmu->invalidate_in_progress++) {
		mmu->invalidate_start = start;
		mmu->invalidate_end = end;
	} else {
		mmu->invalidate_start = min(mmu->invalidate_start, start);
		mmu->invalidate_end = max(mmu->invalidate_end, end);
	}
}

static int minikvm_mmu_notifier_invalidate_range_start(struct mmu_notifier *mn,
						       const struct mmu_notifier_range *range)
{
	struct minikvm_vm *vm = notifier_to_vm(mn);
	bool may_block = mmu_notifier_range_blockable(range);
	bool flush;
	int idx;

	/* Holds off memslot publication until invalidate_range_end(). */
	spin_lock(&vm->mmu.mn_invalidate_lock);
	vm->mmu.mn_active_invalidate_count++;
	spin_unlock(&vm->mmu.mn_invalidate_lock);

	idx = srcu_read_lock(&vm->srcu);
	write_lock(&vm->mmu.lock);
	invalidate_begin(&vm->mmu, range->start, range->end);
	/* May yield (and sleep) only if the host allows us to block. */
	flush = zap_hva_range(vm, range->start, range->end, may_block);
	/* Before start returns: the host frees the pages right after. */
	if (flush)
		minikvm_flush_remote_tlbs(vm);
	write_unlock(&vm->mmu.lock);
	srcu_read_unlock(&vm->srcu, idx);

	mmu_stat_add(vm, MMU_STAT_NOTIFIER_INVAL, 1);
	if (flush)
		mmu_stat_add(vm, MMU_STAT_NOTIFIER_ZAPPED, 1);
	return 0;
}

static void minikvm_mmu_notifier_invalidate_range_end(struct mmu_notifier *mn,
						      const struct mmu_notifier_range *range)
{
	struct minikvm_vm *vm = notifier_to_vm(mn);
	bool wake;

	write_lock(&vm->mmu.lock);
	vm->mmu.invalidate_seq++;
	/* Pairs with smp_rmb() after a fault samples invalidate_seq. */
	smp_wmb();
	if (!WARN_ON_ONCE(!vm->mmu.invalidate_in_progress))
		vm->mmu.invalidate_in_progress--;
	write_unlock(&vm->mmu.lock);

	spin_lock(&vm->mmu.mn_invalidate_lock);
	if (!WARN_ON_ONCE(!vm->mmu.mn_active_invalidate_count))
		vm->mmu.mn_active_invalidate_count--;
	wake = !vm->mmu.mn_active_invalidate_count;
	spin_unlock(&vm->mmu.mn_invalidate_lock);
	if (wake)
		wake_up(&vm->mmu.mn_memslots_update_wq);
}

/*
 * Aging: reclaim asks whether the guest used the pages of a range lately.
 * Called under the host's page table lock: no sleeping, no yielding.
 */
static int age_hva_range(struct mmu_notifier *mn, unsigned long start,
			 unsigned long end, bool test_only, bool flush)
{
	struct minikvm_vm *vm = notifier_to_vm(mn);
	bool shadow = minikvm_mmu_is_shadow(&vm->mmu);
	struct minikvm_memslots *slots;
	bool young = false;
	gfn_t gs, ge;
	int i, idx;

	idx = srcu_read_lock(&vm->srcu);
	slots = minikvm_memslots(vm);
	if (shadow) {
		write_lock(&vm->mmu.lock);
		for (i = 0; i < slots->nr; i++)
			if (slot_hva_range(slots->slots[i], start, end, &gs, &ge))
				young |= shadow_age_gfn_range(vm, gs, ge, test_only);
		if (young && flush)
			minikvm_flush_remote_tlbs(vm);
		write_unlock(&vm->mmu.lock);
		goto out;
	}
	read_lock(&vm->mmu.lock);
	for (i = 0; i < slots->nr; i++)
		if (slot_hva_range(slots->slots[i], start, end, &gs, &ge))
			young |= minikvm_tdp_mmu_age_range(vm, gs, ge, test_only);
	/*
	 * A CPU that caches the translation would not set Accessed again on
	 * the next access: flush, so that "young" stays truthful.
	 */
	if (young && flush)
		minikvm_flush_remote_tlbs(vm);
	read_unlock(&vm->mmu.lock);
out:
	srcu_read_unlock(&vm->srcu, idx);

	mmu_stat_add(vm, MMU_STAT_AGE_CALLS, 1);
	return young;
}

static int minikvm_mmu_notifier_clear_flush_young(struct mmu_notifier *mn,
						  struct mm_struct *mm,
						  unsigned long start,
						  unsigned long end)
{
	return age_hva_range(mn, start, end, false, true);
}

static int minikvm_mmu_notifier_clear_young(struct mmu_notifier *mn,
					    struct mm_struct *mm,
					    unsigned long start,
					    unsigned long end)
{
	return age_hva_range(mn, start, end, false, false);
}

static int minikvm_mmu_notifier_test_young(struct mmu_notifier *mn,
					   struct mm_struct *mm,
					   unsigned long address)
{
	return age_hva_range(mn, address, address + 1, true, false);
}

/*
 * The mm is going away (its last user exited): unmap everything now, the
 * pages are freed next.  No vCPU can run any more, its threads are gone.
 */
static void minikvm_mmu_notifier_release(struct mmu_notifier *mn,
					 struct mm_struct *mm)
{
	struct minikvm_vm *vm = notifier_to_vm(mn);

	if (minikvm_mmu_is_shadow(&vm->mmu)) {
		shadow_zap_all(vm);
		return;
	}
	write_lock(&vm->mmu.lock);
	minikvm_tdp_mmu_zap_all(vm);
	write_unlock(&vm->mmu.lock);
}

/*
 * change_pte (6.1 only) is not implemented: the host always calls it
 * between invalidate_range_start() and _end(), which already zapped the
 * spte, so there is nothing to change.
 */
static const struct mmu_notifier_ops minikvm_mmu_notifier_ops = {
	.invalidate_range_start	= minikvm_mmu_notifier_invalidate_range_start,
	.invalidate_range_end	= minikvm_mmu_notifier_invalidate_range_end,
	.clear_flush_young	= minikvm_mmu_notifier_clear_flush_young,
	.clear_young		= minikvm_mmu_notifier_clear_young,
	.test_young		= minikvm_mmu_notifier_test_young,
	.release		= minikvm_mmu_notifier_release,
};

/**
 * minikvm_mmu_memslots_update_begin - wait until memslots may be published.
 * @vm: the VM.
 *
 * An invalidation zaps by the memslots it saw at its start; if the memslots
 * changed before its end, a fault could map the range through a memslot the
 * invalidation did not see.  So publication waits for in-flight
 * invalidations, and new ones wait for it (they take mn_invalidate_lock).
 *
 * Context: vm->slots_lock held; may sleep.  Returns with
 * vm->mmu.mn_invalidate_lock held: publish, then call
 * minikvm_mmu_memslots_update_end().
 */
void minikvm_mmu_memslots_update_begin(struct minikvm_vm *vm)
	__acquires(&vm->mmu.mn_invalidate_lock)
{
	lockdep_assert_held(&vm->slots_lock);

	spin_lock(&vm->mmu.mn_invalidate_lock);
	while (vm->mmu.mn_active_invalidate_count) {
		spin_unlock(&vm->mmu.mn_invalidate_lock);
		wait_event(vm->mmu.mn_memslots_update_wq,
			   !READ_ONCE(vm->mmu.mn_active_invalidate_count));
		spin_lock(&vm->mmu.mn_invalidate_lock);
	}
}

void minikvm_mmu_memslots_update_end(struct minikvm_vm *vm)
	__releases(&vm->mmu.mn_invalidate_lock)
{
	spin_unlock(&vm->mmu.mn_invalidate_lock);
}

/**
 * minikvm_mmu_notifier_register - follow the host mappings of current->mm.
 * @vm: the VM, created by current.
 *
 * Return: 0 or -errno.
 */
int minikvm_mmu_notifier_register(struct minikvm_vm *vm)
{
	int r;

	/* Callbacks may run as soon as it is registered. */
	vm->mmu.notifier.ops = &minikvm_mmu_notifier_ops;
	r = mmu_notifier_register(&vm->mmu.notifier, current->mm);
	if (r)
		vm->mmu.notifier.ops = NULL;
	return r;
}

/*
 * Context: VM teardown.  Waits for running callbacks; calls release() if
 * the mm is still alive.
 */
void minikvm_mmu_notifier_unregister(struct minikvm_vm *vm)
{
	if (vm->mmu.notifier.ops)
		mmu_notifier_unregister(&vm->mmu.notifier, vm->mm);
}
