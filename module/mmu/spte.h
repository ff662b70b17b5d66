/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The spte ("shadow page table entry") encoding: one 64-bit entry of the
 * two-dimensional page table that maps guest frames to host frames.
 *
 * The same MMU drives AMD NPT and (later) Intel EPT.  The bits common to
 * both formats are fixed here (the address, Writable in bit 1, the huge-page
 * bit 7, and minikvm's own software bits); the ones that differ (what makes
 * an entry present, the Accessed/Dirty bits, where the software
 * Host-writable/MMU-writable bits can live, the MMIO pattern) are provided
 * by the backend at load time through minikvm_spte_set_masks().
 *
 * Four kinds of spte, told apart by the predicates below:
 *
 *   kind           SPTE_MMU_PRESENT  hardware-present  what else
 *   free           0                 0                 the value 0
 *   frozen         0                 0                 exactly FROZEN_SPTE
 *   MMIO           0                 0                 backend's mmio pattern
 *                                                      + memslot generation
 *   shadow-present 1                 1                 table or leaf
 *
 * Every other value is a bug.
 */
#ifndef MINIKVM_MODULE_MMU_SPTE_H
#define MINIKVM_MODULE_MMU_SPTE_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/cache.h>
#include <asm/page.h>
#include <asm/pgtable_types.h>

#include "../types.h"

/* Levels: PG_LEVEL_4K (1) is the last level, the root is level 4. */
#define TDP_ROOT_LEVEL		4
#define TDP_MAX_HUGE_LEVEL	PG_LEVEL_1G
#define SPTE_LEVEL_BITS		9
#define SPTE_ENT_PER_PAGE	BIT(SPTE_LEVEL_BITS)

/* Frames mapped by one spte at @level: 1, 512, 512 * 512, ... */
#define TDP_PAGES_PER_LEVEL(level)	(1ULL << (((level) - 1) * SPTE_LEVEL_BITS))

static inline gfn_t gfn_round_for_level(gfn_t gfn, int level)
{
	return gfn & -TDP_PAGES_PER_LEVEL(level);
}

/* Index of @gfn's entry in its table at @level. */
static inline unsigned int spte_index(gfn_t gfn, int level)
{
	return (gfn >> ((level - 1) * SPTE_LEVEL_BITS)) & (SPTE_ENT_PER_PAGE - 1);
}

/* Bits that mean the same in NPT and EPT entries. */
#define SPTE_WRITABLE		BIT_ULL(1)
#define SPTE_HUGE		BIT_ULL(7)	/* PS: a leaf above level 1 */
#define SPTE_PFN_MASK		GENMASK_ULL(51, 12)

/*
 * Software bits of minikvm, ignored by the hardware of both formats.
 *
 * SPTE_MMU_PRESENT marks an spte that maps something (a table or a page).
 * The MMU tests it instead of the hardware-present bits, so that MMIO and
 * frozen sptes, which are not present to the hardware either, are never
 * taken for mappings.
 */
#define SPTE_MMU_PRESENT	BIT_ULL(11)

/*
 * The frozen value: a non-present spte that a thread holding mmu_lock for
 * read writes while it takes a subtree out of the table, or while it must
 * flush TLBs before the entry may be reused.  Nobody else modifies a frozen
 * spte; a walker that meets one backs off and retries.  The value has no
 * address bits (nothing can be speculated through it) and no
 * SPTE_MMU_PRESENT.
 */
#define FROZEN_SPTE		0x5a0ULL
static_assert(!(FROZEN_SPTE & (SPTE_MMU_PRESENT | SPTE_PFN_MASK | BIT_ULL(0))));

/*
 * An MMIO spte caches "no memslot here" for a gfn, tagged with the low bits
 * of the memslots generation it was made under.  Any memslot change bumps
 * the generation, so a stale MMIO spte no longer matches and the fault
 * takes the slow path again; when the tag wraps, every MMIO spte is zapped
 * (mmu.c).  It carries no address.
 */
#define MMIO_SPTE_GEN_SHIFT	52
#define MMIO_SPTE_GEN_BITS	10
#define MMIO_SPTE_GEN_MASK	GENMASK_ULL(MMIO_SPTE_GEN_SHIFT + MMIO_SPTE_GEN_BITS - 1, \
					    MMIO_SPTE_GEN_SHIFT)
#define MMIO_GEN_MASK		(BIT_ULL(MMIO_SPTE_GEN_BITS) - 1)
static_assert(!(MMIO_SPTE_GEN_MASK & (SPTE_MMU_PRESENT | SPTE_PFN_MASK)));
static_assert(!(MMIO_SPTE_GEN_MASK & FROZEN_SPTE));

/**
 * struct minikvm_spte_masks - what differs between NPT and EPT entries.
 * @present: set in every shadow-present spte, table or leaf: makes the
 *	hardware walk it (NPT: Present and User, as NPT treats every guest
 *	access as a user access; EPT: Read and Execute).
 * @accessed: the hardware Accessed bit of leaves.
 * @dirty: the hardware Dirty bit of leaves.
 * @host_writable: software, ignored by hardware (see the truth table).
 * @mmu_writable: software, ignored by hardware (see the truth table).
 * @mmio_mask: the bits that identify an MMIO spte ...
 * @mmio_value: ... and their value there; must not be shadow-present.
 * @max_level: the largest leaf the hardware accepts (PG_LEVEL_2M or 1G).
 *
 * Set once at module load, before any VM exists; read-only afterwards.
 */
struct minikvm_spte_masks {
	u64 present;
	u64 accessed;
	u64 dirty;
	u64 host_writable;
	u64 mmu_writable;
	u64 mmio_mask;
	u64 mmio_value;
	int max_level;
};

extern struct minikvm_spte_masks minikvm_spte;

int minikvm_spte_set_masks(const struct minikvm_spte_masks *masks);

static inline bool is_shadow_present_spte(u64 spte)
{
	return spte & SPTE_MMU_PRESENT;
}

static inline bool is_frozen_spte(u64 spte)
{
	return spte == FROZEN_SPTE;
}

static inline bool is_mmio_spte(u64 spte)
{
	return (spte & minikvm_spte.mmio_mask) == minikvm_spte.mmio_value;
}

static inline bool is_huge_spte(u64 spte)
{
	return spte & SPTE_HUGE;
}

/* A leaf maps memory; at level 1 every present spte is one. */
static inline bool is_last_spte(u64 spte, int level)
{
	return level == PG_LEVEL_4K || is_huge_spte(spte);
}

static inline hfn_t spte_to_pfn(u64 spte)
{
	return (spte & SPTE_PFN_MASK) >> PAGE_SHIFT;
}

static inline bool is_writable_spte(u64 spte)
{
	return spte & SPTE_WRITABLE;
}

static inline bool is_mmu_writable_spte(u64 spte)
{
	return spte & minikvm_spte.mmu_writable;
}

static inline bool is_accessed_spte(u64 spte)
{
	return spte & minikvm_spte.accessed;
}

static inline bool is_dirty_spte(u64 spte)
{
	return spte & minikvm_spte.dirty;
}

static inline u32 mmio_spte_generation(u64 spte)
{
	return (spte & MMIO_SPTE_GEN_MASK) >> MMIO_SPTE_GEN_SHIFT;
}

/*
 * Why a shadow-present leaf may be non-writable, and the three bits that
 * say so.  Host-writable: the host mapping allowed writes when the page was
 * faulted in (clear for a read-only host mapping, e.g. the zero page or a
 * page shared copy-on-write).  MMU-writable: the MMU itself has no reason
 * to keep the page read-only.  Writable: the hardware bit.
 *
 *   Host-writable | MMU-writable | Writable
 *   --------------+--------------+---------
 *   1             | 1            | 1         writable
 *   1             | 1            | 0         write-protected for dirty
 *                 |              |           logging: the fast page fault
 *                 |              |           may set Writable without
 *                 |              |           mmu_lock (one cmpxchg)
 *   0             | 0            | 0         read-only in the host: a write
 *                 |              |           must take the slow path, which
 *                 |              |           faults the page in for write
 *                 |              |           (breaking COW) and replaces the
 *                 |              |           spte
 *
 * (1, 0, 0) is what a shadow MMU will use for write-tracked guest page
 * tables; the TDP MMU never creates it.  Everything else is invalid:
 * Writable implies MMU-writable implies Host-writable.
 *
 * Host-writable never changes on a present spte.  MMU-writable is only
 * cleared under mmu_lock held for write, followed by a TLB flush.  Writable
 * is cleared under mmu_lock (dirty logging) and set by the fast page fault
 * with no lock at all, which is why every write of a present leaf is atomic.
 */
static inline bool is_valid_writable_combination(u64 spte)
{
	if (is_writable_spte(spte) && !is_mmu_writable_spte(spte))
		return false;
	return !is_mmu_writable_spte(spte) ||
	       (spte & minikvm_spte.host_writable);
}

u64 make_leaf_spte(hfn_t pfn, int level, bool host_writable, bool writable);
u64 make_nonleaf_spte(u64 *child_table);
u64 make_mmio_spte(u64 generation);
u64 make_split_spte(u64 huge_spte, int child_level, unsigned int index);

#endif /* MINIKVM_MODULE_MMU_SPTE_H */
