// SPDX-License-Identifier: GPL-2.0
/*
 * The TDP walker (see tdp_iter.h).  Three moves, tried in this order:
 * down into the table a non-leaf spte points to, right to the next entry of
 * the current table, and up to the parent (whose entry was visited already,
 * so up is always followed by right).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "tdp_iter.h"

/* Point @sptep at @gfn's entry in the current table and read it. */
static void tdp_iter_refresh_sptep(struct tdp_iter *iter)
{
	iter->sptep = iter->pt_path[iter->level - 1] +
		      spte_index(iter->gfn, iter->level);
	iter->old_spte = tdp_read_spte(iter->sptep);
}

/*
 * Go back to the root and walk again towards @target_gfn: used at the start
 * and after mmu_lock was dropped, when any table below the root may have
 * been replaced.
 */
void tdp_iter_restart(struct tdp_iter *iter)
{
	iter->yielded = false;
	iter->yielded_gfn = iter->target_gfn;
	iter->level = iter->root_level;
	iter->gfn = gfn_round_for_level(iter->target_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	iter->valid = true;
}

/**
 * tdp_iter_start - begin a walk of @root at the entry translating @start.
 * @iter: the iterator.
 * @root: the root; the caller holds a reference or mmu_lock.
 * @min_level: the lowest level to visit.
 * @start: the first gfn of interest.
 */
void tdp_iter_start(struct tdp_iter *iter, struct minikvm_mmu_page *root,
		    int min_level, gfn_t start)
{
	if (WARN_ON_ONCE(!root || root->level < PG_LEVEL_4K ||
			 root->level > TDP_ROOT_LEVEL)) {
		iter->valid = false;
		return;
	}

	iter->target_gfn = start;
	iter->root_level = root->level;
	iter->min_level = min_level;
	iter->pt_path[root->level - 1] = (tdp_ptep_t)root->spt;
	tdp_iter_restart(iter);
}

static bool try_step_down(struct tdp_iter *iter)
{
	tdp_ptep_t child;

	if (iter->level == iter->min_level)
		return false;

	/*
	 * Read the spte again: it may have been zapped or split since the
	 * walker (or its caller) last looked.  Stepping into the table the
	 * old value pointed to would be safe (RCU keeps it), but pointless.
	 */
	iter->old_spte = tdp_read_spte(iter->sptep);
	child = spte_to_child_pt(iter->old_spte, iter->level);
	if (!child)
		return false;

	iter->level--;
	iter->pt_path[iter->level - 1] = child;
	iter->gfn = gfn_round_for_level(iter->target_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

static bool try_step_side(struct tdp_iter *iter)
{
	if (spte_index(iter->gfn, iter->level) == SPTE_ENT_PER_PAGE - 1)
		return false;

	iter->gfn += TDP_PAGES_PER_LEVEL(iter->level);
	iter->target_gfn = iter->gfn;
	iter->sptep++;
	iter->old_spte = tdp_read_spte(iter->sptep);
	return true;
}

static bool try_step_up(struct tdp_iter *iter)
{
	if (iter->level == iter->root_level)
		return false;

	iter->level++;
	iter->gfn = gfn_round_for_level(iter->gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

/**
 * tdp_iter_next - the next spte in pre-order.
 * @iter: the iterator; @iter->valid becomes false past the last entry of
 *	the root (the caller's range check usually stops it earlier).
 */
void tdp_iter_next(struct tdp_iter *iter)
{
	if (iter->yielded) {
		tdp_iter_restart(iter);
		return;
	}

	if (try_step_down(iter))
		return;

	do {
		if (try_step_side(iter))
			return;
	} while (try_step_up(iter));
	iter->valid = false;
}
