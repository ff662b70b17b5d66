/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TDP walker: a pre-order traversal of one root's page table over a gfn
 * range, visiting each spte before the table below it.
 *
 * The walker only reads.  Callers change the spte under the iterator (see
 * tdp_mmu.c) and the walker re-reads an entry before it steps down through
 * it, so it never follows a table that was unlinked after it looked.
 *
 * Context: rcu_read_lock() held for the whole walk; unlinked tables are
 * freed through call_rcu(), so a walker may still read one it stepped into
 * before the unlink, but never memory that was reused.
 */
#ifndef MINIKVM_MODULE_MMU_TDP_ITER_H
#define MINIKVM_MODULE_MMU_TDP_ITER_H

#include "mmu_internal.h"

/* Read an spte that a concurrent cmpxchg, xchg or the CPU may change. */
static inline u64 tdp_read_spte(tdp_ptep_t sptep)
{
	return READ_ONCE(*rcu_dereference(sptep));
}

/**
 * struct tdp_iter - the state of a walk.
 * @target_gfn: the walk heads for the translation of this gfn; advanced as
 *	the walk moves right.
 * @yielded_gfn: @target_gfn when the walker last yielded mmu_lock: yielding
 *	again is only allowed after progress (forward progress guarantee).
 * @pt_path: the table visited at each level (index level - 1).
 * @sptep: the current spte.
 * @old_spte: its value when the walker read it.
 * @gfn: the first gfn the current spte maps.
 * @root_level: the level of the root.
 * @min_level: the walk does not step below this level.
 * @level: the level of the current spte.
 * @valid: false once the walk ran off the end of the root.
 * @yielded: mmu_lock was dropped (tdp_mmu_iter_cond_resched()); the next
 *	step restarts from the root, as the tables may have changed.
 */
struct tdp_iter {
	gfn_t target_gfn;
	gfn_t yielded_gfn;
	tdp_ptep_t pt_path[TDP_ROOT_LEVEL];
	tdp_ptep_t sptep;
	u64 old_spte;
	gfn_t gfn;
	int root_level;
	int min_level;
	int level;
	bool valid;
	bool yielded;
};

void tdp_iter_start(struct tdp_iter *iter, struct minikvm_mmu_page *root,
		    int min_level, gfn_t start);
void tdp_iter_next(struct tdp_iter *iter);
void tdp_iter_restart(struct tdp_iter *iter);

/* Start a walk and return the iterator, for the loop macros below. */
static inline struct tdp_iter *tdp_iter_begin(struct tdp_iter *iter,
					      struct minikvm_mmu_page *root,
					      int min_level, gfn_t start)
{
	tdp_iter_start(iter, root, min_level, start);
	return iter;
}

static inline bool tdp_iter_in_range(const struct tdp_iter *iter, gfn_t end)
{
	return iter->valid && iter->gfn < end;
}

/*
 * Every spte down to @min_level that maps part of [start, end), in
 * pre-order.  The body reads and updates @iter (a struct tdp_iter).
 */
#define for_each_tdp_pte_min_level(iter, root, min_level, start, end)	\
	for (struct tdp_iter *__it = tdp_iter_begin(&(iter), root,	\
						    min_level, start);	\
	     tdp_iter_in_range(__it, end); tdp_iter_next(__it))

#define for_each_tdp_pte(iter, root, start, end)			\
	for_each_tdp_pte_min_level(iter, root, PG_LEVEL_4K, start, end)

#endif /* MINIKVM_MODULE_MMU_TDP_ITER_H */
