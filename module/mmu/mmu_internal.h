/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structures shared by the files of module/mmu/ and nobody else: the page
 * table page descriptor, the page fault descriptor and its results, and
 * the assertion helpers.
 */
#ifndef MINIKVM_MODULE_MMU_MMU_INTERNAL_H
#define MINIKVM_MODULE_MMU_MMU_INTERNAL_H

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>

#include "../minikvm.h"
#include "spte.h"

/*
 * Cheap consistency checks that only debug kernels (lockdep or DEBUG_VM)
 * pay for.  Conditions that would let a guest or user hurt the host use
 * MINIKVM_BUG_ON() instead, always.
 */
#if IS_ENABLED(CONFIG_PROVE_LOCKING) || IS_ENABLED(CONFIG_DEBUG_VM)
#define MINIKVM_MMU_WARN_ON(x)	WARN_ON_ONCE(x)
#else
#define MINIKVM_MMU_WARN_ON(x)	BUILD_BUG_ON_INVALID(x)
#endif

/*
 * A pointer to an spte in a TDP page table.  Page table pages are freed
 * through call_rcu() once unlinked, so every access goes through
 * rcu_dereference() within rcu_read_lock(); sparse checks that it does.
 */
typedef u64 __rcu *tdp_ptep_t;

/**
 * struct minikvm_mmu_page - one page of a TDP page table.
 * @link: roots only: the entry in vm->mmu.roots (an RCU list, changed under
 *	vm->mmu.roots_lock).
 * @rcu_head: for the call_rcu() that frees the page once it is unlinked.
 * @spt: the 512 sptes (one page); page_private() of its page points back
 *	here (sptep_to_sp()).
 * @gfn: the first guest frame mapped through this table.
 * @level: the level of the sptes in @spt (TDP_ROOT_LEVEL for a root).
 * @invalid: roots only: set under mmu_lock held for write when the root is
 *	retired (minikvm_tdp_mmu_invalidate_all_roots()); read under
 *	mmu_lock, or with READ_ONCE() by a vCPU deciding to reload.
 * @zap_pending: roots only, under mmu_lock for write: invalidated, not yet
 *	zapped; the zapper owns the list's reference.
 * @root_refcount: roots only: one reference for the list while the root is
 *	valid, one per vCPU using it, one per walker iterating over it.
 *
 * Shadow MMU only (shadow.h), all under mmu_lock held for write (@link is
 * then the entry on the shadow MMU's active list, or on a list of zapped
 * pages waiting for the TLB flush; @invalid: zapped, off the hash):
 * @hash_link: in the shadow page hash.
 * @role: union shadow_role.
 * @gfns: indirect pages: the guest frame each leaf spte maps.
 * @parents: the sptes pointing to this page (struct pte_list_desc).
 * @root_count: vCPUs using it as their root (or caching it as one).
 * @unsync: a level-1 indirect page left writable in the guest, whose
 *	sptes may lag behind the guest table (shadow_sync.c).
 * @unsync_child_bitmap: one bit per spte whose child is unsync or has
 *	such bits itself; may have stale bits, which a sync walk clears.
 */
struct minikvm_mmu_page {
	struct list_head link;
	struct rcu_head rcu_head;
	u64 *spt;
	gfn_t gfn;
	int level;
	bool invalid;
	bool zap_pending;
	refcount_t root_refcount;

	struct hlist_node hash_link;
	u32 role;
	gfn_t *gfns;
	struct hlist_head parents;
	int root_count;
	bool unsync;
	DECLARE_BITMAP(unsync_child_bitmap, SPTE_ENT_PER_PAGE);
};

static inline struct minikvm_mmu_page *table_to_sp(void *spt)
{
	return (struct minikvm_mmu_page *)page_private(virt_to_page(spt));
}

/* The page table page holding @sptep. */
static inline struct minikvm_mmu_page *sptep_to_sp(u64 *sptep)
{
	return table_to_sp((void *)((unsigned long)sptep & PAGE_MASK));
}

/* The table a shadow-present non-leaf spte points to. */
static inline tdp_ptep_t spte_to_child_pt(u64 spte, int level)
{
	if (!is_shadow_present_spte(spte) || is_last_spte(spte, level))
		return NULL;
	return (tdp_ptep_t)__va(spte & SPTE_PFN_MASK);
}

/* Page fault error code bits (NPT EXITINFO1 / the #PF error code). */
#define PFERR_PRESENT	BIT_ULL(0)
#define PFERR_WRITE	BIT_ULL(1)
#define PFERR_USER	BIT_ULL(2)
#define PFERR_RSVD	BIT_ULL(3)
#define PFERR_FETCH	BIT_ULL(4)

/**
 * struct minikvm_page_fault - one TDP fault on its way through the MMU.
 * @gfn: the faulting guest frame.
 * @error_code: PFERR_* bits from the exit.
 * @present: the spte was present (a protection fault).
 * @write: the access was a write.
 * @slot: the memslot of @gfn in the fault's memslots snapshot, or NULL.
 * @mmio_gen: the generation of that snapshot (for MMIO sptes).
 * @hva: the host address of @gfn (slow path).
 * @mmu_seq: vm->mmu.invalidate_seq before the page was looked up; a
 *	different value under mmu_lock means an invalidation ran since.
 * @page: the page faulted in, referenced until the fault ends.
 * @pfn: its frame, rounded down to @goal_level once that is known.
 * @host_writable: the host mapping is writable.
 * @map_writable: install the leaf writable (not for a read of a logging
 *	slot: the first write must be seen, to log the page).
 * @max_level: the largest leaf the memslot allows here.
 * @goal_level: the level of the leaf to install.
 */
struct minikvm_page_fault {
	gfn_t gfn;
	u64 error_code;
	bool present;
	bool write;

	struct minikvm_memslot *slot;
	u64 mmio_gen;

	hva_t hva;
	unsigned long mmu_seq;
	struct page *page;
	hfn_t pfn;
	bool host_writable;
	bool map_writable;
	int max_level;
	int goal_level;
};

/*
 * Results of the fault handlers.  Positive, so that they never mix with
 * the -errno of a failed allocation or page lookup.
 */
enum {
	RET_PF_CONTINUE = 0,	/* internal: go on with the next step */
	RET_PF_RETRY,		/* back to the guest, which faults again if needed */
	RET_PF_EMULATE,		/* no memslot, or a write to a read-only one: emulate */
	RET_PF_INVALID,		/* the fast path cannot fix it: slow path */
	RET_PF_FIXED,		/* a new or more permissive spte is in place */
	RET_PF_SPURIOUS,	/* someone else fixed it already */
};

/* Statistics, see stats.c. */
static inline void mmu_stat_add(struct minikvm_vm *vm, enum minikvm_mmu_vm_stat s,
				s64 n)
{
	atomic64_add(n, &vm->mmu.stats[s]);
}

/* Only the vCPU's own thread writes its counters: no atomics needed. */
static inline void vcpu_stat_inc(struct minikvm_vcpu *vcpu,
				 enum minikvm_mmu_vcpu_stat s)
{
	WRITE_ONCE(vcpu->mmu.stats[s], vcpu->mmu.stats[s] + 1);
}

/* mmu.c */
struct minikvm_mmu_page *mmu_alloc_sp(struct minikvm_vcpu *vcpu);
struct minikvm_mmu_page *mmu_alloc_sp_gfp(gfp_t gfp);
void mmu_free_sp(struct minikvm_mmu_page *sp);
void mmu_free_sp_rcu(struct minikvm_mmu_page *sp);
int mmu_topup_cache(struct minikvm_vcpu *vcpu);
bool mmu_slot_huge_level_ok(const struct minikvm_memslot *slot, gfn_t gfn,
			    int level);

/* faultin.c */
int mmu_faultin_page(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f);
void mmu_release_page(struct minikvm_page_fault *f, bool mapped);
int host_mapping_level(struct minikvm_vm *vm, hva_t hva);

/* notifier.c */
bool mmu_invalidate_retry(struct minikvm_vm *vm, unsigned long mmu_seq,
			  hva_t hva);

#endif /* MINIKVM_MODULE_MMU_MMU_INTERNAL_H */
