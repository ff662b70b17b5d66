// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow pages: found by (gfn, role) in a hash, linked to their parents,
 * zapped (unlinked, then freed after a TLB flush) and reclaimed when a VM
 * has more than its budget.
 *
 * Everything runs under mmu_lock held for write.  A zapped page leaves the
 * hash at once, but its memory is only freed after every vCPU has flushed
 * its TLB (shadow_commit_zap()), since the CPU may still walk it until
 * then; a zapped root still in use by a vCPU lives on until the vCPU drops
 * it (shadow_put_root()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/swap.h>

#include "../x86.h"
#include "shadow.h"

/**
 * shadow_sp_leaf_gfn - the (first) guest frame leaf spte @idx of @sp maps.
 * @sp: a shadow page of level 1, or 2 for a 2 MiB leaf.
 * @idx: the spte's index.
 *
 * Return: the gfn.
 */
gfn_t shadow_sp_leaf_gfn(struct minikvm_mmu_page *sp, int idx)
{
	if (sp_role(sp).direct)
		return sp->gfn + idx * TDP_PAGES_PER_LEVEL(sp->level);
	return sp->gfns[idx];
}

/* ------------------------------------------------------------------ */
/* Allocation                                                          */

/**
 * shadow_topup - fill the vCPU's caches before mmu_lock is taken.
 * @vcpu: the vCPU.
 *
 * Page tables (each with its page of gfns) and reverse-map descriptors:
 * enough for the deepest fault.
 *
 * Return: 0 or -ENOMEM.
 */
int shadow_topup(struct minikvm_vcpu *vcpu)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;
	int i, r;

	r = mmu_topup_cache(vcpu);
	if (r)
		return r;
	for (i = 0; i < vcpu->mmu.nr_cached; i++) {
		struct minikvm_mmu_page *sp = vcpu->mmu.cache[i];

		if (sp->gfns)
			continue;
		sp->gfns = (gfn_t *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!sp->gfns)
			return -ENOMEM;
	}
	while (sv->nr_descs < SHADOW_DESC_CACHE) {
		struct pte_list_desc *d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);

		if (!d)
			return -ENOMEM;
		sv->descs[sv->nr_descs++] = d;
	}
	return 0;
}

/* A new shadow page on the hash and the active list. */
static struct minikvm_mmu_page *new_sp(struct minikvm_vcpu *vcpu, gfn_t gfn,
				       union shadow_role role)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vcpu->vm);
	struct minikvm_mmu_page *sp = mmu_alloc_sp(vcpu);

	if (!sp)
		return NULL;
	sp->gfn = gfn;
	sp->role = role.word;
	sp->level = role.level;
	INIT_HLIST_HEAD(&sp->parents);
	hlist_add_head(&sp->hash_link,
		       &shadow->hash[hash_64(gfn, SHADOW_HASH_BITS)]);
	list_add(&sp->link, &shadow->active);
	shadow->nr_pages++;
	shadow_stat_add(vcpu->vm, SHADOW_STAT_PAGES, 1);
	shadow_stat_add(vcpu->vm, SHADOW_STAT_PAGES_CREATED, 1);
	return sp;
}

/**
 * shadow_get_page - the shadow page of (@gfn, @role), created if needed.
 * @vcpu: the faulting vCPU (its caches are topped up).
 * @gfn: the guest table's frame, or the first frame of a direct page.
 * @role: the role.
 * @created: set when the page is new; for an indirect page the guest
 *	table was then write-protected (and TLBs flushed if it was mapped
 *	writable), unless it is an unsync last-level table (see below).
 * @invalid: collects unsync pages zapped on the way.
 *
 * A new page of a frame that is unsync (shadow_sync.c) starts unsync too
 * if it is a last-level page; a higher-level one first zaps the unsync
 * pages, since a table shadowed above the last level must stay in sync.
 * An existing unsync page is synced before it is returned: the caller
 * links it below a new parent (shadow_sync_before_link()).
 *
 * Return: the page, or NULL if the VM is bugged (empty cache).
 */
struct minikvm_mmu_page *shadow_get_page(struct minikvm_vcpu *vcpu, gfn_t gfn,
					 union shadow_role role, bool *created,
					 struct list_head *invalid)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vcpu->vm);
	struct minikvm_mmu_page *sp;

	lockdep_assert_held_write(&vcpu->vm->mmu.lock);

	*created = false;
	hlist_for_each_entry(sp, &shadow->hash[hash_64(gfn, SHADOW_HASH_BITS)],
			     hash_link) {
		if (sp->gfn == gfn && sp->role == role.word) {
			/* Its sptes may predate guest flushes it missed. */
			if (!shadow_sync_before_link(vcpu, sp, invalid))
				break;
			/* Recently used: reclaim takes it last. */
			list_move(&sp->link, &shadow->active);
			return sp;
		}
	}

	sp = new_sp(vcpu, gfn, role);
	if (!sp)
		return NULL;
	*created = true;
	if (role.direct)
		return sp;
	if (shadow_gfn_has_unsync(vcpu->vm, gfn)) {
		if (role.level == PG_LEVEL_4K &&
		    shadow_try_unsync(vcpu->vm, gfn))
			return sp;
		shadow_zap_unsync_gfn(vcpu->vm, gfn, invalid);
	}
	/*
	 * From now on a write to the guest table must be seen: map the
	 * frame read-only wherever it is mapped.  Its leaf sptes made later
	 * are read-only too (shadow_gfn_is_tracked()).
	 */
	if (shadow_write_protect_gfn(vcpu->vm, gfn)) {
		shadow_stat_add(vcpu->vm, SHADOW_STAT_WRPROT, 1);
		minikvm_flush_remote_tlbs(vcpu->vm);
	}
	return sp;
}

/*
 * The entry of a table pointing to @child.  PAE roots hold PDPTEs, which
 * have no R/W or U/S bits (they are reserved there).
 */
static u64 make_link_spte(struct minikvm_mmu_page *parent,
			  struct minikvm_mmu_page *child)
{
	if (sp_role(parent).pae_root)
		return SPTE_MMU_PRESENT | _PAGE_PRESENT | __pa(child->spt);
	return make_nonleaf_spte(child->spt);
}

/**
 * shadow_link_child - point the empty @sptep at @child.
 * @vcpu: the vCPU (its descriptor cache pays for the parent pointer).
 * @sptep: a non-present spte of a non-leaf shadow page.
 * @child: the page one level down.
 */
void shadow_link_child(struct minikvm_vcpu *vcpu, u64 *sptep,
		       struct minikvm_mmu_page *child)
{
	lockdep_assert_held_write(&vcpu->vm->mmu.lock);

	pte_list_add(vcpu, &child->parents, sptep, 0);
	WRITE_ONCE(*sptep, make_link_spte(sptep_to_sp(sptep), child));
	/* The new parent must lead a sync walk to what is unsync below. */
	if (child->unsync ||
	    !bitmap_empty(child->unsync_child_bitmap, SPTE_ENT_PER_PAGE))
		shadow_mark_parents_unsync(vcpu->vm, sptep);
}

/* The host frame behind a leaf we drop: the guest may have written it. */
static void leaf_dropped(u64 spte)
{
	hfn_t pfn = spte_to_pfn(spte);
	struct page *page;

	if (!pfn_valid(pfn))
		return;
	page = pfn_to_page(pfn);
	if (PageReserved(page))
		return;
	if (is_writable_spte(spte))
		SetPageDirty(page);
	if (is_accessed_spte(spte))
		mark_page_accessed(page);
}

/**
 * shadow_drop_spte - clear one spte and its bookkeeping.
 * @vm: the VM.
 * @sptep: the spte; nothing happens if it is not present.
 *
 * A leaf leaves the reverse map; a link leaves its child's parent list
 * (the child stays on the hash, unreachable, until reused or reclaimed).
 * The caller flushes TLBs.
 */
void shadow_drop_spte(struct minikvm_vm *vm, u64 *sptep)
{
	struct minikvm_mmu_page *sp = sptep_to_sp(sptep);
	u64 spte = *sptep;

	lockdep_assert_held_write(&vm->mmu.lock);

	if (!is_shadow_present_spte(spte)) {
		/* An MMIO spte: nothing to unlink, just forget it. */
		if (spte)
			WRITE_ONCE(*sptep, 0);
		return;
	}
	if (is_last_spte(spte, sp->level)) {
		rmap_remove(vm, sptep, shadow_sp_leaf_gfn(sp, sptep - sp->spt));
		leaf_dropped(spte);
	} else {
		struct minikvm_mmu_page *child = table_to_sp(__va(spte & SPTE_PFN_MASK));

		pte_list_remove(vm, &child->parents, sptep, 0);
	}
	WRITE_ONCE(*sptep, 0);
}

/* Drop every parent link to @sp. */
static void unlink_parents(struct minikvm_vm *vm, struct minikvm_mmu_page *sp)
{
	struct pte_list_desc *desc;

	while (!hlist_empty(&sp->parents)) {
		desc = hlist_entry(sp->parents.first, struct pte_list_desc, link);
		shadow_drop_spte(vm, desc->sptes[desc->n - 1]);
	}
}

/**
 * shadow_zap_page - take @sp out of the tables.
 * @vm: the VM.
 * @sp: a hashed shadow page, or a vCPU's PAE root (then only emptied).
 * @invalid: where the page goes to be freed by shadow_commit_zap().
 *
 * Its sptes are dropped, its parents stop pointing to it, and it leaves
 * the hash.  A root in use stays allocated (invalid) until its vCPUs drop
 * it; they are asked to load another.
 *
 * Return: true (the TLBs must be flushed before the memory is reused).
 */
bool shadow_zap_page(struct minikvm_vm *vm, struct minikvm_mmu_page *sp,
		     struct list_head *invalid)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vm);
	int i;

	lockdep_assert_held_write(&vm->mmu.lock);

	for (i = 0; i < SPTE_ENT_PER_PAGE; i++)
		shadow_drop_spte(vm, &sp->spt[i]);
	unlink_parents(vm, sp);
	if (sp_role(sp).pae_root)
		return true;

	hlist_del_init(&sp->hash_link);
	list_del(&sp->link);
	shadow->nr_pages--;
	sp->invalid = true;
	if (sp->unsync) {
		sp->unsync = false;
		shadow_stat_add(vm, SHADOW_STAT_UNSYNC_PAGES, -1);
	}
	shadow_stat_add(vm, SHADOW_STAT_PAGES, -1);
	shadow_stat_add(vm, SHADOW_STAT_PAGES_ZAPPED, 1);

	if (sp->root_count)
		minikvm_make_all_vcpus_request(vm, MINIKVM_REQ_MMU_RELOAD);
	else
		list_add(&sp->link, invalid);
	return true;
}

/**
 * shadow_commit_zap - flush TLBs, then free the pages zapped onto @invalid.
 * @vm: the VM.
 * @invalid: the zapped pages; emptied.
 *
 * Context: mmu_lock held (either mode) or not; never sleeps.
 */
void shadow_commit_zap(struct minikvm_vm *vm, struct list_head *invalid)
{
	struct minikvm_mmu_page *sp, *tmp;

	if (list_empty(invalid))
		return;
	/* No vCPU may walk the pages once this returns. */
	minikvm_flush_remote_tlbs(vm);
	list_for_each_entry_safe(sp, tmp, invalid, link) {
		list_del(&sp->link);
		mmu_free_sp_rcu(sp);
	}
}

/**
 * shadow_make_room - zap the oldest pages while the VM is over budget.
 * @vm: the VM.
 * @invalid: collects the zapped pages.
 *
 * Roots in use are skipped; zapping a table also unlinks what it pointed
 * to, which is reclaimed in later rounds.
 */
void shadow_make_room(struct minikvm_vm *vm, struct list_head *invalid)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vm);
	struct minikvm_mmu_page *sp, *tmp;

	lockdep_assert_held_write(&vm->mmu.lock);

	list_for_each_entry_safe_reverse(sp, tmp, &shadow->active, link) {
		if (shadow->nr_pages <= shadow->max_pages)
			break;
		if (sp->root_count)
			continue;
		shadow_zap_page(vm, sp, invalid);
		shadow_stat_add(vm, SHADOW_STAT_RECLAIMED, 1);
	}
}

/**
 * shadow_put_root - a vCPU stops using (or caching) @root.
 * @vm: the VM.
 * @root: a hashed root.
 * @invalid: collects it if it was zapped meanwhile and this was the last
 *	user.
 */
void shadow_put_root(struct minikvm_vm *vm, struct minikvm_mmu_page *root,
		     struct list_head *invalid)
{
	lockdep_assert_held_write(&vm->mmu.lock);

	if (MINIKVM_BUG_ON(root->root_count <= 0, vm))
		return;
	if (!--root->root_count && root->invalid)
		list_add(&root->link, invalid);
}
