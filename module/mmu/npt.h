/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The entry format and the index arithmetic of the first-cut nested page
 * table: private to mmu/npt.c and its KUnit suite (tests/npt_kunit.c).
 *
 * Three kinds of entry, and the only bits each may carry:
 *
 *   kind      P  W  U  A  D  ZAPPED  address
 *   table     1  1  1  1  0    0     the next table
 *   leaf      1  1  1  1  1    0     the pinned guest page
 *   zapped    0  0  0  0  0    1     the page, still pinned (removal phase 1)
 *   free      0  0  0  0  0    0     0
 *
 * W and U are set on every present entry: NPT treats each guest access as a
 * user access, and the first cut maps all guest memory writable (the pin is
 * FOLL_WRITE).  An entry is writable only while it is present, so a zapped
 * leaf can never be reached, let alone written, by the guest.
 */
#ifndef MINIKVM_MODULE_MMU_NPT_H
#define MINIKVM_MODULE_MMU_NPT_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <asm/page.h>
#include <kunit/visibility.h>

#include "../types.h"

#define NPT_LEVELS		4
#define NPT_ENTRIES		512
#define NPT_PRESENT		BIT_ULL(0)
#define NPT_WRITABLE		BIT_ULL(1)
#define NPT_USER		BIT_ULL(2)
#define NPT_ACCESSED		BIT_ULL(5)
#define NPT_DIRTY		BIT_ULL(6)
/* Software bit (ignored by hardware): leaf removed, page not yet unpinned. */
#define NPT_ZAPPED		BIT_ULL(9)
#define NPT_PFN_MASK		GENMASK_ULL(51, 12)

#define NPT_TABLE_BITS	(NPT_PRESENT | NPT_WRITABLE | NPT_USER | NPT_ACCESSED)
#define NPT_LEAF_BITS	(NPT_TABLE_BITS | NPT_DIRTY)

/* Flag bits and the address never overlap; ZAPPED is an AVL bit (9-11). */
static_assert(!(NPT_PFN_MASK & (NPT_LEAF_BITS | NPT_ZAPPED)));
static_assert(NPT_ZAPPED & GENMASK_ULL(11, 9));
static_assert(NPT_ENTRIES == 1 << (PAGE_SHIFT - 3));

/* The index of @gfn's entry in its table at @level (1 = leaf table). */
static inline unsigned int npt_index(gfn_t gfn, int level)
{
	return (gfn >> (9 * (level - 1))) & (NPT_ENTRIES - 1);
}

static inline u64 npt_table_entry(hpa_t table)
{
	return (table & NPT_PFN_MASK) | NPT_TABLE_BITS;
}

static inline u64 npt_leaf_entry(hpa_t page)
{
	return (page & NPT_PFN_MASK) | NPT_LEAF_BITS;
}

/* Phase 1 of removal: not present, but the page is remembered for unpin. */
static inline u64 npt_zapped_entry(u64 leaf)
{
	return (leaf & NPT_PFN_MASK) | NPT_ZAPPED;
}

static inline hpa_t npt_entry_hpa(u64 entry)
{
	return entry & NPT_PFN_MASK;
}

struct minikvm_vm;

#if IS_ENABLED(CONFIG_KUNIT)
u64 *npt_walk(struct minikvm_vm *vm, gfn_t gfn, bool alloc);
#endif

#endif /* MINIKVM_MODULE_MMU_NPT_H */
