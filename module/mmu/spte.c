// SPDX-License-Identifier: GPL-2.0
/*
 * Building sptes: leaves, tables, MMIO sptes and the children of a split
 * huge page.  The encoding and its invariants are described in spte.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/io.h>

#include "spte.h"

struct minikvm_spte_masks minikvm_spte __read_mostly;

/* Software bits the backend must keep clear of hardware meaning. */
#define SPTE_FIXED_BITS	(SPTE_WRITABLE | SPTE_HUGE | SPTE_PFN_MASK | \
			 SPTE_MMU_PRESENT)

/**
 * minikvm_spte_set_masks - install the backend's spte format.
 * @masks: the backend's bits; copied.
 *
 * Context: module load, before any VM exists.
 * Return: 0, or -EINVAL if the masks overlap the fixed bits or make an MMIO
 * spte look shadow-present or frozen.
 */
int minikvm_spte_set_masks(const struct minikvm_spte_masks *masks)
{
	u64 soft = masks->host_writable | masks->mmu_writable;

	if (WARN_ON(soft & (SPTE_FIXED_BITS | masks->present)) ||
	    WARN_ON(!(masks->mmio_mask & SPTE_MMU_PRESENT)) ||
	    WARN_ON(masks->mmio_value & ~masks->mmio_mask) ||
	    WARN_ON(masks->mmio_mask & MMIO_SPTE_GEN_MASK) ||
	    WARN_ON(!masks->mmio_value) ||
	    WARN_ON((FROZEN_SPTE & masks->mmio_mask) == masks->mmio_value) ||
	    WARN_ON(masks->max_level < PG_LEVEL_4K ||
		    masks->max_level > TDP_MAX_HUGE_LEVEL))
		return -EINVAL;

	minikvm_spte = *masks;
	return 0;
}

/**
 * make_leaf_spte - a shadow-present leaf mapping @pfn at @level.
 * @pfn: the first host frame; aligned to @level.
 * @level: PG_LEVEL_4K, or a huge level.
 * @host_writable: the host mapping allows writes.
 * @writable: map it writable now (else write-protected, but MMU-writable
 *	if @host_writable: the first write takes the fast path).
 *
 * The leaf is created Accessed, and Dirty when writable: the fault that
 * creates it is an access, and setting the bits up front saves the CPU an
 * atomic update of the entry on the first access.
 *
 * Return: the spte.
 */
u64 make_leaf_spte(hfn_t pfn, int level, bool host_writable, bool writable)
{
	u64 spte = SPTE_MMU_PRESENT | minikvm_spte.present |
		   minikvm_spte.accessed | ((u64)pfn << PAGE_SHIFT);

	WARN_ON_ONCE(pfn & (TDP_PAGES_PER_LEVEL(level) - 1));

	if (level > PG_LEVEL_4K)
		spte |= SPTE_HUGE;
	if (host_writable)
		spte |= minikvm_spte.host_writable | minikvm_spte.mmu_writable;
	if (host_writable && writable)
		spte |= SPTE_WRITABLE | minikvm_spte.dirty;
	return spte;
}

/*
 * A table entry grants every permission: the leaves below decide.  Its
 * Accessed bit is neither set nor consumed.
 */
u64 make_nonleaf_spte(u64 *child_table)
{
	return SPTE_MMU_PRESENT | minikvm_spte.present | SPTE_WRITABLE |
	       __pa(child_table);
}

u64 make_mmio_spte(u64 generation)
{
	return minikvm_spte.mmio_value |
	       ((generation & MMIO_GEN_MASK) << MMIO_SPTE_GEN_SHIFT);
}

/**
 * make_split_spte - the @index-th child of a huge leaf being split.
 * @huge_spte: the huge leaf, shadow-present.
 * @child_level: the level of the new table (one below the huge leaf's).
 * @index: 0..511, the child's place in the new table.
 *
 * The child maps the same frames with the same permissions and the same
 * Accessed/Dirty state; it is huge itself unless @child_level is 4K.
 *
 * Return: the child spte.
 */
u64 make_split_spte(u64 huge_spte, int child_level, unsigned int index)
{
	u64 child = huge_spte +
		    ((u64)index * TDP_PAGES_PER_LEVEL(child_level) << PAGE_SHIFT);

	WARN_ON_ONCE(!is_shadow_present_spte(huge_spte) ||
		     !is_huge_spte(huge_spte));

	if (child_level == PG_LEVEL_4K)
		child &= ~SPTE_HUGE;
	return child;
}
