// SPDX-License-Identifier: GPL-2.0
/*
 * The TDP MMU: every change to the page tables goes through this file.
 *
 * Who changes sptes, and how:
 *
 *  - Page faults, under mmu_lock held for read, several at once.  Each
 *    change is one try_cmpxchg64() from the value the walker read; losing
 *    the race means the spte changed under us, and the fault is retried
 *    from the guest (RET_PF_RETRY) rather than building on a stale value.
 *  - The fast page fault (fault.c), with no lock at all: it only sets the
 *    Writable bit of a present leaf, with one cmpxchg.
 *  - The CPU, which sets the Accessed and Dirty bits of leaves with locked
 *    operations of its own.
 *  - Exclusive operations, under mmu_lock held for write.  Even they store
 *    with xchg: the fast path and the CPU still race with them, and xchg
 *    returns the value actually replaced, so no Dirty bit is lost.
 *
 * Removing a table (a zap, or a huge leaf replacing it) under the read lock
 * is the delicate case: other faults may be walking into that table right
 * now.  The remover first swaps the parent entry (cmpxchg), then freezes
 * every child entry with xchg(FROZEN_SPTE), so that a walker already inside
 * fails its cmpxchg and retries, and hands the page to call_rcu(): walkers
 * are RCU readers, so nobody still reads it when it is freed.  The TLB
 * flush for the removal is done before the remover leaves its RCU read-side
 * section, hence before the page can be freed and reused.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/swap.h>

#include "tdp_iter.h"
#include "tdp_mmu.h"

/* ------------------------------------------------------------------ */
/* Roots                                                               */

/*
 * The next root after @prev (the first if NULL), referenced; drops the
 * reference on @prev.  Invalid roots are skipped if @only_valid.
 *
 * The list is RCU-protected: a root whose last reference goes is unlinked
 * under roots_lock and freed through call_rcu(), so following ->next of
 * @prev is safe even if @prev was just unlinked, and refcount_inc_not_zero()
 * tells a live root from a dying one.
 */
static struct minikvm_mmu_page *tdp_mmu_next_root(struct minikvm_vm *vm,
						  struct minikvm_mmu_page *prev,
						  bool only_valid)
{
	struct minikvm_mmu_page *next;

	lockdep_assert_held(&vm->mmu.lock);

	rcu_read_lock();
	if (prev)
		next = list_next_or_null_rcu(&vm->mmu.roots, &prev->link,
					     typeof(*prev), link);
	else
		next = list_first_or_null_rcu(&vm->mmu.roots, typeof(*next), link);

	while (next) {
		if ((!only_valid || !next->invalid) &&
		    refcount_inc_not_zero(&next->root_refcount))
			break;
		next = list_next_or_null_rcu(&vm->mmu.roots, &next->link,
					     typeof(*next), link);
	}
	rcu_read_unlock();

	if (prev)
		minikvm_tdp_mmu_put_root(vm, prev);
	return next;
}

/*
 * Callers iterate with
 *
 *	root = NULL;
 *	while ((root = tdp_mmu_next_root(vm, root, only_valid)))
 *
 * holding a reference on each root, so the body may drop mmu_lock (yield):
 * the root cannot be freed meanwhile, and stays on the list where MMU
 * notifiers find it.  A body that leaves the loop early puts the root.
 */

/**
 * minikvm_tdp_mmu_put_root - drop a reference on a root.
 * @vm: the VM.
 * @root: the root.
 *
 * The list holds a reference on every valid root, so the last reference
 * only goes once the root was invalidated and zapped: an empty root, whose
 * one page is freed after an RCU grace period (walkers may still hold it).
 *
 * Context: any; takes roots_lock (a spinlock).
 */
void minikvm_tdp_mmu_put_root(struct minikvm_vm *vm, struct minikvm_mmu_page *root)
{
	if (!refcount_dec_and_test(&root->root_refcount))
		return;

	MINIKVM_BUG_ON(!READ_ONCE(root->invalid), vm);

	spin_lock(&vm->mmu.roots_lock);
	list_del_rcu(&root->link);
	spin_unlock(&vm->mmu.roots_lock);
	mmu_free_sp_rcu(root);
}

/**
 * minikvm_tdp_mmu_get_vcpu_root - a valid root for @vcpu, referenced.
 * @vcpu: the vCPU; its page cache was topped up (a new root may be needed).
 *
 * Every vCPU of a VM shares one valid root; a new one is made after the
 * previous was invalidated.
 *
 * Context: mmu_lock held for write, so two vCPUs never both make one.
 * Return: the root, or NULL if the page cache was empty (a bug).
 */
struct minikvm_mmu_page *minikvm_tdp_mmu_get_vcpu_root(struct minikvm_vcpu *vcpu)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *root;

	lockdep_assert_held_write(&vm->mmu.lock);

	/* RCU: a vCPU may be unlinking a dying root without mmu_lock. */
	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->mmu.roots, link) {
		if (!root->invalid && refcount_inc_not_zero(&root->root_refcount)) {
			rcu_read_unlock();
			return root;
		}
	}
	rcu_read_unlock();

	root = mmu_alloc_sp(vcpu);
	if (!root)
		return NULL;
	root->level = TDP_ROOT_LEVEL;
	root->gfn = 0;
	/* One reference for the list, one for @vcpu. */
	refcount_set(&root->root_refcount, 2);

	spin_lock(&vm->mmu.roots_lock);
	list_add_rcu(&root->link, &vm->mmu.roots);
	spin_unlock(&vm->mmu.roots_lock);
	return root;
}

/* ------------------------------------------------------------------ */
/* Bookkeeping of spte changes                                         */

/*
 * The guest may have written a page through a writable spte without the
 * host knowing: tell the host's page cache and reclaim, as the CPU's
 * Dirty bit would for the host's own mapping.  The page is alive: a
 * shadow-present leaf exists only while the host maps the page (an MMU
 * notifier removes it first), and we are removing that leaf now.
 */
static void host_page_set_dirty(hfn_t pfn)
{
	struct page *page;

	if (!pfn_valid(pfn))
		return;
	page = pfn_to_page(pfn);
	if (!PageReserved(page))
		SetPageDirty(page);
}

static void host_page_set_accessed(hfn_t pfn)
{
	struct page *page;

	if (!pfn_valid(pfn))
		return;
	page = pfn_to_page(pfn);
	if (!PageReserved(page))
		mark_page_accessed(page);
}

static void handle_removed_pt(struct minikvm_vm *vm, tdp_ptep_t pt, bool shared);

/* Does the change take a leaf's Accessed/Dirty state away? */
static bool leaf_state_lost(u64 old_spte, u64 new_spte, bool is_leaf, u64 bit)
{
	if (!(old_spte & bit))
		return false;
	if (!is_shadow_present_spte(new_spte))
		return true;
	/* A split keeps the state in the new children. */
	return is_leaf && (spte_to_pfn(old_spte) != spte_to_pfn(new_spte) ||
			   !(new_spte & bit));
}

/**
 * handle_changed_spte - everything that follows from one spte change.
 * @vm: the VM.
 * @gfn: the first gfn the spte maps.
 * @old_spte: the value replaced (as returned by the cmpxchg/xchg).
 * @new_spte: the value stored.
 * @level: the level of the spte.
 * @shared: mmu_lock is held for read only.
 *
 * Page counts, the host page's dirty/accessed state, and for a table that
 * left the tree, the whole subtree below it.
 */
static void handle_changed_spte(struct minikvm_vm *vm, gfn_t gfn, u64 old_spte,
				u64 new_spte, int level, bool shared)
{
	bool was_present = is_shadow_present_spte(old_spte);
	bool is_present = is_shadow_present_spte(new_spte);
	bool was_leaf = was_present && is_last_spte(old_spte, level);
	bool is_leaf = is_present && is_last_spte(new_spte, level);

	MINIKVM_MMU_WARN_ON(gfn & (TDP_PAGES_PER_LEVEL(level) - 1));

	if (old_spte == new_spte)
		return;

	/*
	 * A present leaf is never pointed at another page directly: the MMU
	 * notifier zaps it before the host changes its mapping.  If it
	 * happened anyway the guest could reach a page the host gave away.
	 */
	if (MINIKVM_BUG_ON(was_leaf && is_leaf &&
			   spte_to_pfn(old_spte) != spte_to_pfn(new_spte), vm))
		return;

	if (is_leaf)
		MINIKVM_MMU_WARN_ON(!is_valid_writable_combination(new_spte));

	/* Free, MMIO and frozen values come and go with no bookkeeping. */
	if (!was_present && !is_present)
		return;

	if (was_leaf != is_leaf)
		mmu_stat_add(vm, MMU_STAT_PAGES_4K + level - 1, is_leaf ? 1 : -1);
	if (was_leaf && !is_present)
		mmu_stat_add(vm, MMU_STAT_LEAF_ZAPS, 1);

	if (was_leaf && leaf_state_lost(old_spte, new_spte, is_leaf,
					minikvm_spte.dirty))
		host_page_set_dirty(spte_to_pfn(old_spte));
	if (was_leaf && leaf_state_lost(old_spte, new_spte, is_leaf,
					minikvm_spte.accessed))
		host_page_set_accessed(spte_to_pfn(old_spte));

	/* A table left the tree: zapped, or replaced by a huge leaf. */
	if (was_present && !was_leaf && (is_leaf || !is_present))
		handle_removed_pt(vm, spte_to_child_pt(old_spte, level), shared);
}

/* Freeze one entry of a removed table; return the value it had. */
static u64 freeze_removed_spte(tdp_ptep_t sptep, bool shared)
{
	u64 *p = rcu_dereference(sptep);
	u64 old_spte;

	if (!shared) {
		/*
		 * Nobody can make a non-present entry present while we hold
		 * mmu_lock for write.  A present leaf still needs the xchg:
		 * the fast path may have read the parent before it was zapped
		 * and be setting Writable here, and the CPU may still set
		 * Dirty through a TLB entry that was not flushed yet.
		 */
		old_spte = READ_ONCE(*p);
		if (!is_shadow_present_spte(old_spte))
			return old_spte;
		return xchg(p, FROZEN_SPTE);
	}

	/*
	 * Readers may be using this table right now.  After the xchg, any
	 * cmpxchg they attempt here fails, and they back off when they see
	 * FROZEN_SPTE.  If the entry is frozen already, another thread owns
	 * it (a zap waiting for its TLB flush) and will store its final value
	 * shortly: wait for that value, then take it.
	 */
	for (;;) {
		old_spte = xchg(p, FROZEN_SPTE);
		if (!is_frozen_spte(old_spte))
			return old_spte;
		cpu_relax();
	}
}

/**
 * handle_removed_pt - dispose of a table that is no longer linked.
 * @vm: the VM.
 * @pt: the table; unreachable from the root since its parent changed.
 * @shared: mmu_lock is held for read only.
 *
 * Every child is frozen (and its own subtree removed, recursively), then
 * the page is freed after a grace period.  The entries stay FROZEN_SPTE:
 * walkers that are still inside see that and retry from the root.
 */
static void handle_removed_pt(struct minikvm_vm *vm, tdp_ptep_t pt, bool shared)
{
	struct minikvm_mmu_page *sp = sptep_to_sp(rcu_dereference(pt));
	int i;

	for (i = 0; i < SPTE_ENT_PER_PAGE; i++) {
		gfn_t gfn = sp->gfn + i * TDP_PAGES_PER_LEVEL(sp->level);
		u64 old_spte = freeze_removed_spte(pt + i, shared);

		handle_changed_spte(vm, gfn, old_spte, FROZEN_SPTE, sp->level,
				    shared);
	}
	mmu_free_sp_rcu(sp);
}

/* ------------------------------------------------------------------ */
/* Changing one spte                                                   */

/**
 * tdp_mmu_set_spte_atomic - change the spte under @iter, racing with others.
 * @vm: the VM.
 * @iter: the walker, on the spte; @iter->old_spte is what we expect.
 * @new_spte: the new value.
 *
 * Context: mmu_lock held for read, rcu_read_lock().
 * Return: 0, or -EBUSY if the spte no longer holds @iter->old_spte (a
 * racing fault, the fast path or the CPU changed it); @iter->old_spte then
 * holds the current value, so the caller can decide again.
 */
static int __must_check tdp_mmu_set_spte_atomic(struct minikvm_vm *vm,
						struct tdp_iter *iter,
						u64 new_spte)
{
	u64 *sptep = rcu_dereference(iter->sptep);

	lockdep_assert_held_read(&vm->mmu.lock);
	/* A frozen spte belongs to another thread; callers check first. */
	MINIKVM_MMU_WARN_ON(iter->yielded || is_frozen_spte(iter->old_spte));

	if (!try_cmpxchg64(sptep, &iter->old_spte, new_spte))
		return -EBUSY;

	handle_changed_spte(vm, iter->gfn, iter->old_spte, new_spte,
			    iter->level, true);
	return 0;
}

/**
 * tdp_mmu_zap_spte_atomic - zap the spte under @iter with the read lock.
 * @vm: the VM.
 * @iter: the walker, on a shadow-present spte.
 *
 * The spte is frozen until the TLBs are flushed: otherwise a racing fault
 * could install a new entry that some CPU's stale TLB entry contradicts.
 *
 * Context: mmu_lock held for read, rcu_read_lock().
 * Return: 0, or -EBUSY as tdp_mmu_set_spte_atomic().
 */
static int __must_check tdp_mmu_zap_spte_atomic(struct minikvm_vm *vm,
						struct tdp_iter *iter)
{
	u64 *sptep = rcu_dereference(iter->sptep);

	lockdep_assert_held_read(&vm->mmu.lock);
	MINIKVM_MMU_WARN_ON(iter->yielded || is_frozen_spte(iter->old_spte));

	if (!try_cmpxchg64(sptep, &iter->old_spte, FROZEN_SPTE))
		return -EBUSY;

	minikvm_flush_remote_tlbs(vm);

	/* We own the frozen spte: nobody else writes it, a plain store will do. */
	WRITE_ONCE(*sptep, 0);

	/* Only now dispose of the subtree: its readers are gone from the TLBs. */
	handle_changed_spte(vm, iter->gfn, iter->old_spte, 0, iter->level, true);
	return 0;
}

/**
 * tdp_mmu_set_spte - change the spte under @iter with the write lock.
 * @vm: the VM.
 * @iter: the walker; @iter->old_spte is updated to the value replaced.
 * @new_spte: the new value.
 *
 * No fault can race with us, but the fast path and the CPU can, on present
 * leaves: the store is an xchg, and the bookkeeping uses what it returns.
 *
 * Context: mmu_lock held for write, rcu_read_lock().
 */
static void tdp_mmu_set_spte(struct minikvm_vm *vm, struct tdp_iter *iter,
			     u64 new_spte)
{
	lockdep_assert_held_write(&vm->mmu.lock);
	MINIKVM_MMU_WARN_ON(iter->yielded || is_frozen_spte(iter->old_spte) ||
			    is_frozen_spte(new_spte));

	iter->old_spte = xchg(rcu_dereference(iter->sptep), new_spte);
	handle_changed_spte(vm, iter->gfn, iter->old_spte, new_spte,
			    iter->level, false);
}

/*
 * Clear @bits of a present leaf in place, with the read or write lock.  No
 * bookkeeping: only Writable or Accessed are ever cleared this way.
 * Return: the old value.
 */
static u64 tdp_mmu_clear_spte_bits(struct tdp_iter *iter, u64 bits)
{
	atomic64_t *sptep = (atomic64_t *)rcu_dereference(iter->sptep);

	return (u64)atomic64_fetch_and(~bits, sptep);
}

/**
 * tdp_mmu_iter_cond_resched - yield mmu_lock if someone needs it.
 * @vm: the VM.
 * @iter: the walker; marked yielded, so that its next step restarts from
 *	the root (tables may have been removed while we slept).
 * @flush: TLB flushes are pending: they are done before the lock goes, as
 *	the next holder may rely on them.
 * @shared: mmu_lock is held for read (else write).
 *
 * Only yields after the walk made progress since the last yield: a walk
 * that keeps yielding at the same gfn would never end.
 *
 * Return: true if it yielded; the caller must `continue` its loop.
 */
static bool __must_check tdp_mmu_iter_cond_resched(struct minikvm_vm *vm,
						   struct tdp_iter *iter,
						   bool flush, bool shared)
	__must_hold(RCU)
{
	if (iter->target_gfn == iter->yielded_gfn)
		return false;
	if (!need_resched() && !rwlock_needbreak(&vm->mmu.lock))
		return false;

	if (flush)
		minikvm_flush_remote_tlbs(vm);

	rcu_read_unlock();
	if (shared)
		cond_resched_rwlock_read(&vm->mmu.lock);
	else
		cond_resched_rwlock_write(&vm->mmu.lock);
	rcu_read_lock();

	iter->yielded = true;
	return true;
}

/* ------------------------------------------------------------------ */
/* Zapping                                                             */

/* Zap every entry at @zap_level (and everything below) in @root. */
static void __tdp_mmu_zap_root(struct minikvm_vm *vm,
			       struct minikvm_mmu_page *root, int zap_level)
{
	gfn_t end = minikvm_mmu_max_gfn() + 1;
	struct tdp_iter iter;

	for_each_tdp_pte_min_level(iter, root, zap_level, 0, end) {
		if (tdp_mmu_iter_cond_resched(vm, &iter, false, false))
			continue;
		if (!is_shadow_present_spte(iter.old_spte) ||
		    iter.level > zap_level)
			continue;
		tdp_mmu_set_spte(vm, &iter, 0);
	}
}

/*
 * Empty @root.  No TLB flush: only invalid roots (which no vCPU enters any
 * more, and every vCPU flushes its TLB when it loads a new root) and the
 * roots of a VM whose vCPUs can never run again are zapped this way.
 *
 * Bottom-up, level by level, so that no single step frees a huge subtree
 * without a chance to yield.
 */
static void tdp_mmu_zap_root(struct minikvm_vm *vm, struct minikvm_mmu_page *root)
{
	int level;

	lockdep_assert_held_write(&vm->mmu.lock);

	rcu_read_lock();
	for (level = PG_LEVEL_4K; level <= root->level; level++)
		__tdp_mmu_zap_root(vm, root, level);
	rcu_read_unlock();
}

static bool tdp_mmu_zap_leafs(struct minikvm_vm *vm, struct minikvm_mmu_page *root,
			      gfn_t start, gfn_t end, bool can_yield, bool flush)
{
	struct tdp_iter iter;

	rcu_read_lock();
	for_each_tdp_pte(iter, root, start, end) {
		if (can_yield &&
		    tdp_mmu_iter_cond_resched(vm, &iter, flush, false)) {
			flush = false;
			continue;
		}
		if (!is_shadow_present_spte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
		tdp_mmu_set_spte(vm, &iter, 0);
		flush = true;
	}
	rcu_read_unlock();
	return flush;
}

/**
 * minikvm_tdp_mmu_zap_leafs - remove every leaf mapping a gfn in [start, end).
 * @vm: the VM.
 * @start: first gfn.
 * @end: first gfn past the range.
 * @can_yield: the caller may sleep (mmu_lock may be dropped and retaken).
 * @flush: a TLB flush is already pending.
 *
 * All roots, invalid ones included: a root being zapped by another thread
 * (which yielded) still maps pages that the caller, typically an MMU
 * notifier, needs gone before it returns.
 *
 * Only leaves are removed, no table is freed, so the flush may be left to
 * the caller (it must happen before mmu_lock is released).
 *
 * Context: mmu_lock held for write.
 * Return: true if a TLB flush is needed.
 */
bool minikvm_tdp_mmu_zap_leafs(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			       bool can_yield, bool flush)
{
	struct minikvm_mmu_page *root = NULL;

	lockdep_assert_held_write(&vm->mmu.lock);

	end = min(end, minikvm_mmu_max_gfn() + 1);
	while ((root = tdp_mmu_next_root(vm, root, false)))
		flush = tdp_mmu_zap_leafs(vm, root, start, end, can_yield, flush);
	return flush;
}

/**
 * minikvm_tdp_mmu_invalidate_all_roots - retire every root ("fast zap").
 * @vm: the VM.
 *
 * Marks the roots invalid, so that no fault adds to them and every vCPU
 * loads a fresh root before it enters the guest again; the caller kicks
 * the vCPUs (still under the lock) and then zaps the retired roots with
 * minikvm_tdp_mmu_zap_invalidated_roots(), which inherits the list's
 * reference on each.
 *
 * Context: mmu_lock held for write: no fault is using a root while it
 * becomes invalid.
 */
void minikvm_tdp_mmu_invalidate_all_roots(struct minikvm_vm *vm)
{
	struct minikvm_mmu_page *root;

	lockdep_assert_held_write(&vm->mmu.lock);

	/* vCPUs drop references without mmu_lock: walk the list under RCU. */
	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->mmu.roots, link) {
		if (root->invalid)
			continue;
		/* Pairs with the test_and_clear_bit() in minikvm_mmu_reload(). */
		WRITE_ONCE(root->invalid, true);
		root->zap_pending = true;
	}
	rcu_read_unlock();
	/* The vCPU requests made next must not be seen before the flags. */
	smp_wmb();
}

/**
 * minikvm_tdp_mmu_zap_invalidated_roots - zap the roots retired earlier.
 * @vm: the VM.
 *
 * Must complete before the operation that retired them returns (e.g. a
 * memslot deletion), but may yield: a notifier zap meanwhile still reaches
 * the roots, which stay on the list until their last reference goes.
 *
 * Context: takes mmu_lock for write; may sleep.
 */
void minikvm_tdp_mmu_zap_invalidated_roots(struct minikvm_vm *vm)
{
	struct minikvm_mmu_page *root = NULL;

	write_lock(&vm->mmu.lock);
	while ((root = tdp_mmu_next_root(vm, root, false))) {
		if (!root->zap_pending)
			continue;
		root->zap_pending = false;
		tdp_mmu_zap_root(vm, root);
		/* The list's reference, inherited from the invalidation. */
		minikvm_tdp_mmu_put_root(vm, root);
	}
	write_unlock(&vm->mmu.lock);
}

/**
 * minikvm_tdp_mmu_zap_all - empty every root, valid or not.
 * @vm: the VM; its mm is gone or the VM is being destroyed, so no vCPU
 *	will enter the guest again (hence no TLB flush).
 *
 * Context: mmu_lock held for write; may sleep.
 */
void minikvm_tdp_mmu_zap_all(struct minikvm_vm *vm)
{
	struct minikvm_mmu_page *root = NULL;

	lockdep_assert_held_write(&vm->mmu.lock);
	while ((root = tdp_mmu_next_root(vm, root, false)))
		tdp_mmu_zap_root(vm, root);
}

/* ------------------------------------------------------------------ */
/* The page fault                                                      */

/* Would @spte already satisfy the faulting access? */
static bool is_access_allowed(const struct minikvm_page_fault *f, u64 spte)
{
	if (f->write)
		return is_writable_spte(spte);
	return is_shadow_present_spte(spte);
}

/* Install the leaf (or MMIO spte) the fault asks for. */
static int tdp_mmu_map_target_level(struct minikvm_vcpu *vcpu,
				    struct minikvm_page_fault *f,
				    struct tdp_iter *iter)
{
	struct minikvm_vm *vm = vcpu->vm;
	u64 old_spte = iter->old_spte;
	u64 new_spte;

	if (!f->slot)
		new_spte = make_mmio_spte(f->mmio_gen);
	else
		new_spte = make_leaf_spte(f->pfn, iter->level, f->host_writable,
					  f->map_writable);

	/*
	 * Another vCPU installed a leaf that already allows the access (maybe
	 * a more permissive one than ours): keep it.
	 */
	if (is_shadow_present_spte(old_spte) && is_last_spte(old_spte, iter->level) &&
	    is_access_allowed(f, old_spte))
		return RET_PF_SPURIOUS;
	if (new_spte == old_spte)
		return RET_PF_SPURIOUS;

	if (tdp_mmu_set_spte_atomic(vm, iter, new_spte))
		return RET_PF_RETRY;

	/*
	 * A huge leaf replaced a table: CPUs may cache translations (and
	 * paging-structure entries) from the table, which is freed after
	 * this RCU read-side section.  Flush before leaving it.
	 */
	if (is_shadow_present_spte(old_spte) && !is_last_spte(old_spte, iter->level))
		minikvm_flush_remote_tlbs(vm);

	if (!f->slot) {
		vcpu_stat_inc(vcpu, MMU_STAT_PF_MMIO_SPTE_CREATED);
		return RET_PF_EMULATE;
	}
	return RET_PF_FIXED;
}

/* Link the empty table @sp at the (non-present) spte under @iter. */
static int tdp_mmu_link_sp(struct minikvm_vm *vm, struct tdp_iter *iter,
			   struct minikvm_mmu_page *sp, bool shared)
{
	u64 spte = make_nonleaf_spte(sp->spt);

	if (shared)
		return tdp_mmu_set_spte_atomic(vm, iter, spte);
	tdp_mmu_set_spte(vm, iter, spte);
	return 0;
}

static void tdp_mmu_init_child_sp(struct minikvm_mmu_page *sp,
				  const struct tdp_iter *iter)
{
	sp->gfn = iter->gfn;
	sp->level = iter->level - 1;
}

/**
 * tdp_mmu_split_huge_page - replace the huge leaf under @iter by a table.
 * @vm: the VM.
 * @iter: the walker, on a huge leaf.
 * @sp: a fresh page table, initialized for the child level.
 * @shared: mmu_lock is held for read.
 *
 * The new table maps the same frames with the same bits, so CPUs that
 * still use the huge translation see the same memory: no TLB flush.  The
 * table is filled before it is linked, when nobody else can see it yet.
 *
 * Return: 0, or -EBUSY if the huge leaf changed meanwhile (@sp unused).
 */
static int tdp_mmu_split_huge_page(struct minikvm_vm *vm, struct tdp_iter *iter,
				   struct minikvm_mmu_page *sp, bool shared)
{
	int i, r;

	for (i = 0; i < SPTE_ENT_PER_PAGE; i++)
		sp->spt[i] = make_split_spte(iter->old_spte, sp->level, i);

	r = tdp_mmu_link_sp(vm, iter, sp, shared);
	if (r)
		return r;

	/* handle_changed_spte() counted the huge leaf out; count the children in. */
	mmu_stat_add(vm, MMU_STAT_PAGES_4K + sp->level - 1, SPTE_ENT_PER_PAGE);
	mmu_stat_add(vm, MMU_STAT_HUGE_SPLITS, 1);
	return 0;
}

/**
 * minikvm_tdp_mmu_map - install the translation a fault needs.
 * @vcpu: the faulting vCPU; its page cache holds enough tables.
 * @f: the fault, with @f->goal_level and @f->pfn (or no slot: MMIO).
 *
 * Walks from the vCPU's root towards @f->gfn, linking missing tables and
 * splitting huge leaves above the goal level, then installs the leaf.
 * Any lost race (a cmpxchg that fails, a frozen spte on the way) ends the
 * fault with RET_PF_RETRY: the guest faults again and the next attempt
 * sees the new state.
 *
 * Context: mmu_lock held for read; the root was checked valid under it.
 * Return: RET_PF_FIXED, RET_PF_SPURIOUS, RET_PF_EMULATE or RET_PF_RETRY.
 */
int minikvm_tdp_mmu_map(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *sp;
	struct tdp_iter iter;
	int r = RET_PF_RETRY;

	lockdep_assert_held_read(&vm->mmu.lock);

	rcu_read_lock();
	for_each_tdp_pte(iter, vcpu->mmu.root, f->gfn, f->gfn + 1) {
		/* Someone is taking this spte apart: come back later. */
		if (is_frozen_spte(iter.old_spte))
			break;

		if (iter.level == f->goal_level) {
			r = tdp_mmu_map_target_level(vcpu, f, &iter);
			break;
		}

		/* A table: step down into it. */
		if (is_shadow_present_spte(iter.old_spte) &&
		    !is_huge_spte(iter.old_spte))
			continue;

		/* Nothing here, or a huge leaf too big for this fault. */
		sp = mmu_alloc_sp(vcpu);
		if (!sp)
			break;
		tdp_mmu_init_child_sp(sp, &iter);

		if (is_shadow_present_spte(iter.old_spte))
			r = tdp_mmu_split_huge_page(vm, &iter, sp, true);
		else
			r = tdp_mmu_link_sp(vm, &iter, sp, true);
		if (r) {
			/* Never visible to anyone: free it at once. */
			mmu_free_sp(sp);
			r = RET_PF_RETRY;
			break;
		}
		/* tdp_iter_next() steps down into the new table. */
	}
	rcu_read_unlock();
	return r;
}

/**
 * minikvm_tdp_mmu_fast_pf_get_last_sptep - the lowest spte on @gfn's path.
 * @vcpu: the faulting vCPU.
 * @gfn: the gfn.
 * @spte: its value when read.
 * @level: its level.
 *
 * For the lockless fast path: no mmu_lock, the caller holds
 * rcu_read_lock() for as long as it uses the pointer (the table may be
 * unlinked meanwhile, but not freed).
 *
 * Return: the spte pointer (possibly to a non-present spte), or NULL.
 */
u64 *minikvm_tdp_mmu_fast_pf_get_last_sptep(struct minikvm_vcpu *vcpu, gfn_t gfn,
					    u64 *spte, int *level)
{
	tdp_ptep_t sptep = NULL;
	struct tdp_iter iter;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "fast page fault without RCU");

	for_each_tdp_pte(iter, vcpu->mmu.root, gfn, gfn + 1) {
		*spte = iter.old_spte;
		*level = iter.level;
		sptep = iter.sptep;
	}
	return rcu_dereference(sptep);
}

/* ------------------------------------------------------------------ */
/* Dirty logging                                                       */

static bool wrprot_root_range(struct minikvm_vm *vm, struct minikvm_mmu_page *root,
			      gfn_t start, gfn_t end)
{
	struct tdp_iter iter;
	bool changed = false;

	rcu_read_lock();
	for_each_tdp_pte(iter, root, start, end) {
retry:
		if (tdp_mmu_iter_cond_resched(vm, &iter, false, true))
			continue;
		if (!is_shadow_present_spte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level) ||
		    !is_writable_spte(iter.old_spte))
			continue;
		/* Lost a race: look at the new value (now in old_spte) again. */
		if (tdp_mmu_set_spte_atomic(vm, &iter,
					    iter.old_spte & ~SPTE_WRITABLE))
			goto retry;
		changed = true;
	}
	rcu_read_unlock();
	return changed;
}

/**
 * minikvm_tdp_mmu_wrprot_range - clear Writable on every leaf in a range.
 * @vm: the VM.
 * @start: first gfn.
 * @end: first gfn past the range.
 *
 * MMU-writable stays set: the next write takes the fast path, which makes
 * the spte writable again and logs the page dirty.
 *
 * Context: mmu_lock held for read; may yield.
 * Return: true if a TLB flush is needed (before dirty logging is relied on).
 */
bool minikvm_tdp_mmu_wrprot_range(struct minikvm_vm *vm, gfn_t start, gfn_t end)
{
	struct minikvm_mmu_page *root = NULL;
	bool changed = false;

	lockdep_assert_held_read(&vm->mmu.lock);
	while ((root = tdp_mmu_next_root(vm, root, true)))
		changed |= wrprot_root_range(vm, root, start, end);
	return changed;
}

/*
 * Write-protect the leaves of @root that map a gfn of @mask (bit i: gfn
 * @base + i).  A huge leaf is write-protected as a whole; the write fault
 * that follows splits it (dirty logging maps 4 KiB only).
 */
static bool wrprot_root_masked(struct minikvm_vm *vm, struct minikvm_mmu_page *root,
			       gfn_t base, unsigned long mask)
{
	struct tdp_iter iter;
	bool changed = false;

	rcu_read_lock();
	for_each_tdp_pte(iter, root, base + __ffs(mask), base + BITS_PER_LONG) {
		gfn_t first, last;

		if (!mask)
			break;
		if (!is_shadow_present_spte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;

		/* The bits of @mask this leaf covers. */
		first = max(iter.gfn, base) - base;
		last = min(iter.gfn + TDP_PAGES_PER_LEVEL(iter.level), base + BITS_PER_LONG) - base;
		if (!(mask & GENMASK(last - 1, first)))
			continue;
		mask &= ~GENMASK(last - 1, first);

		if (!is_writable_spte(iter.old_spte))
			continue;
		tdp_mmu_clear_spte_bits(&iter, SPTE_WRITABLE);
		changed = true;
	}
	rcu_read_unlock();
	return changed;
}

/**
 * minikvm_tdp_mmu_wrprot_masked - re-arm dirty logging for up to 64 pages.
 * @vm: the VM.
 * @base: the gfn of bit 0 of @mask.
 * @mask: the pages just reported dirty (and cleared in the bitmap).
 *
 * Context: mmu_lock held for write (dirty log ioctls), which orders this
 * against the slow path (which logs a page and makes it writable under the
 * read lock); the fast path still races, and is why the clear is atomic.
 * Return: true if a TLB flush is needed before the pages count as clean.
 */
bool minikvm_tdp_mmu_wrprot_masked(struct minikvm_vm *vm, gfn_t base,
				   unsigned long mask)
{
	struct minikvm_mmu_page *root = NULL;
	bool changed = false;

	lockdep_assert_held_write(&vm->mmu.lock);
	while ((root = tdp_mmu_next_root(vm, root, true)))
		changed |= wrprot_root_masked(vm, root, base, mask);
	return changed;
}

/*
 * A page table for splitting, allocated while we hold mmu_lock: without
 * sleeping, so it may fail.
 */
static struct minikvm_mmu_page *split_alloc_sp_atomic(void)
{
	return mmu_alloc_sp_gfp(GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);
}

/*
 * Allocate with mmu_lock and RCU dropped (the allocation may sleep); the
 * walk restarts from the root afterwards.
 */
static struct minikvm_mmu_page *split_alloc_sp_sleeping(struct minikvm_vm *vm,
							struct tdp_iter *iter)
	__must_hold(RCU) __must_hold(&vm->mmu.lock)
{
	struct minikvm_mmu_page *sp;

	rcu_read_unlock();
	read_unlock(&vm->mmu.lock);
	sp = mmu_alloc_sp_gfp(GFP_KERNEL_ACCOUNT);
	read_lock(&vm->mmu.lock);
	rcu_read_lock();
	iter->yielded = true;
	return sp;
}

static int split_root_range(struct minikvm_vm *vm, struct minikvm_mmu_page *root,
			    gfn_t start, gfn_t end)
{
	struct minikvm_mmu_page *sp = NULL;
	struct tdp_iter iter;
	int r = 0;

	rcu_read_lock();
	/*
	 * Pre-order: a 1 GiB leaf is split into 2 MiB leaves, which the walk
	 * then visits and splits in turn.
	 */
	for_each_tdp_pte_min_level(iter, root, PG_LEVEL_2M, start, end) {
retry:
		if (tdp_mmu_iter_cond_resched(vm, &iter, false, true))
			continue;
		if (!is_shadow_present_spte(iter.old_spte) ||
		    !is_huge_spte(iter.old_spte))
			continue;

		if (!sp)
			sp = split_alloc_sp_atomic();
		if (!sp) {
			sp = split_alloc_sp_sleeping(vm, &iter);
			if (!sp) {
				r = -ENOMEM;
				break;
			}
			continue;	/* the lock was dropped: restart */
		}

		tdp_mmu_init_child_sp(sp, &iter);
		if (tdp_mmu_split_huge_page(vm, &iter, sp, true))
			goto retry;
		sp = NULL;
	}
	rcu_read_unlock();

	/* A racing fault may have split the last one before us. */
	if (sp)
		mmu_free_sp(sp);
	return r;
}

/**
 * minikvm_tdp_mmu_split_huge_pages - split every huge leaf in a range to 4K.
 * @vm: the VM.
 * @start: first gfn.
 * @end: first gfn past the range.
 *
 * Used when dirty logging starts, so that the first write to each page does
 * not have to split a huge page in the guest's fault.
 *
 * Context: mmu_lock held for read; may drop it to allocate.
 * Return: 0, or -ENOMEM (huge leaves left are split on demand by faults).
 */
int minikvm_tdp_mmu_split_huge_pages(struct minikvm_vm *vm, gfn_t start, gfn_t end)
{
	struct minikvm_mmu_page *root = NULL;
	int r = 0;

	lockdep_assert_held_read(&vm->mmu.lock);
	while ((root = tdp_mmu_next_root(vm, root, true))) {
		r = split_root_range(vm, root, start, end);
		if (r) {
			minikvm_tdp_mmu_put_root(vm, root);
			break;
		}
	}
	return r;
}

/* Could the table under @iter be replaced by one huge leaf of @slot? */
static bool can_recover_huge(struct minikvm_vm *vm,
			     const struct minikvm_memslot *slot,
			     const struct tdp_iter *iter)
{
	if (iter->level > minikvm_spte.max_level ||
	    !is_shadow_present_spte(iter->old_spte) ||
	    is_last_spte(iter->old_spte, iter->level))
		return false;
	if (!mmu_slot_huge_level_ok(slot, iter->gfn, iter->level))
		return false;
	return host_mapping_level(vm, minikvm_gfn_to_hva_memslot(slot, iter->gfn)) >=
	       iter->level;
}

static void recover_root_huge_pages(struct minikvm_vm *vm,
				    struct minikvm_mmu_page *root,
				    const struct minikvm_memslot *slot)
{
	gfn_t start = slot->base_gfn, end = start + slot->npages;
	struct tdp_iter iter;

	rcu_read_lock();
	for_each_tdp_pte_min_level(iter, root, PG_LEVEL_2M, start, end) {
retry:
		if (tdp_mmu_iter_cond_resched(vm, &iter, false, true))
			continue;
		if (!can_recover_huge(vm, slot, &iter))
			continue;
		/* The next fault maps the whole range with one huge leaf. */
		if (tdp_mmu_zap_spte_atomic(vm, &iter))
			goto retry;
		mmu_stat_add(vm, MMU_STAT_HUGE_RECOVERED, 1);
	}
	rcu_read_unlock();
}

/**
 * minikvm_tdp_mmu_recover_huge_pages - undo the splits of dirty logging.
 * @vm: the VM.
 * @slot: a memslot that just stopped dirty logging.
 *
 * Zaps every table whose range the slot and the host mapping would allow
 * to map with one huge leaf; the guest's next access maps it huge.
 *
 * Context: mmu_lock held for read; current->mm is the VM's (the host page
 * tables are read).
 */
void minikvm_tdp_mmu_recover_huge_pages(struct minikvm_vm *vm,
					const struct minikvm_memslot *slot)
{
	struct minikvm_mmu_page *root = NULL;

	lockdep_assert_held_read(&vm->mmu.lock);
	while ((root = tdp_mmu_next_root(vm, root, true)))
		recover_root_huge_pages(vm, root, slot);
}

/* ------------------------------------------------------------------ */
/* Aging                                                               */

static bool age_root_range(struct minikvm_mmu_page *root, gfn_t start,
			   gfn_t end, bool test_only)
{
	struct tdp_iter iter;
	bool young = false;

	rcu_read_lock();
	for_each_tdp_pte(iter, root, start, end) {
		if (!is_shadow_present_spte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level) ||
		    !is_accessed_spte(iter.old_spte))
			continue;
		young = true;
		if (test_only)
			break;
		/*
		 * Atomic: a fault's cmpxchg on this spte fails and retries,
		 * the CPU sets Accessed again on the next access.
		 */
		tdp_mmu_clear_spte_bits(&iter, minikvm_spte.accessed);
	}
	rcu_read_unlock();
	return young;
}

/**
 * minikvm_tdp_mmu_age_range - test, and clear unless @test_only, Accessed.
 * @vm: the VM.
 * @start: first gfn.
 * @end: first gfn past the range.
 * @test_only: only report.
 *
 * Context: mmu_lock held for read; never sleeps (the aging notifiers run
 * under the host's page table lock).
 * Return: true if any leaf in the range was accessed.
 */
bool minikvm_tdp_mmu_age_range(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			       bool test_only)
{
	struct minikvm_mmu_page *root;
	bool young = false;

	lockdep_assert_held_read(&vm->mmu.lock);

	/* No yielding here: the root walk without references, under RCU. */
	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->mmu.roots, link)
		young |= age_root_range(root, start, end, test_only);
	rcu_read_unlock();
	return young;
}
