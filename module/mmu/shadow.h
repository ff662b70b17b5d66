/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow MMU: page tables the CPU walks instead of the guest's own,
 * when there is no nested paging (or the VM asked for shadow paging).
 *
 * Each shadow page shadows one guest page table (or, "direct", a range of
 * guest frames the guest maps with one huge page or not at all) for one
 * role (level, paging mode, accumulated permissions, ...), and is found
 * again by (gfn, role) in a hash.  A leaf spte maps the host page behind
 * the guest frame the guest's entry names, with the permissions of the
 * whole guest walk.  A reverse map finds the sptes that map a guest frame
 * (for the MMU notifier, dirty logging and write protection); parent
 * pointers find the sptes that point to a shadow page (to unlink it).
 *
 * Tables above the last level are kept exactly in sync with the guest's:
 * every guest frame shadowed as such a table is mapped read-only, and a
 * write to it is emulated (or, when it cannot be, the frame is unshadowed
 * and the write retried).  A last-level table may instead go out of sync
 * ("unsync", shadow_sync.c): the guest writes it freely, and its shadow is
 * brought up to date when the guest flushes its TLB (CR3 load, INVLPG,
 * CR0/CR4 writes that flush).
 *
 * Everything here runs under mmu_lock held for write: the shadow MMU does
 * not take the lockless paths of the TDP MMU (Documentation/mmu.rst).
 *
 * Files: paging.c (the guest walker; guest_walk.c runs it on guest
 * memory, for this MMU and the emulator), shadow_page.c (shadow pages, the
 * hash, roots, the budget), rmap.c (reverse map and parent pointers),
 * write_track.c (write protection, page-table writes, floods),
 * shadow_fault.c (the #PF path), shadow_emulate.c (page-table writes),
 * shadow_sync.c (unsync pages and their resync).
 */
#ifndef MINIKVM_MODULE_MMU_SHADOW_H
#define MINIKVM_MODULE_MMU_SHADOW_H

#include <linux/list.h>
#include <linux/types.h>

#include "mmu_internal.h"
#include "paging.h"

#define SHADOW_HASH_BITS	10
#define RMAP_HASH_BITS		12
#define SHADOW_PREV_ROOTS	3

/* Shadow pages a VM may have before the oldest are reclaimed. */
#define SHADOW_DEFAULT_MAX_PAGES	4096

/* Emulated writes to one shadow page with no use in between: a flood. */
#define SHADOW_FLOOD_WRITES	3

/**
 * union shadow_role - what a shadow page is, besides its gfn.
 * @level: the level of its sptes (1: 4 KiB leaves).
 * @mode: the guest's paging mode (enum paging_mode).
 * @quadrant: 32-bit guests: which part of the guest table (a guest table
 *	of 1024 entries is shadowed by 2 (level 1) or 4 (level 2) pages).
 * @direct: it maps a contiguous range of guest frames, not a guest table.
 * @access: ACC_* granted by the guest levels above.
 * @cr0_wp: the guest's CR0.WP (it changes how supervisor writes map).
 * @nxe: the guest's EFER.NXE (it decides what NX means in its entries).
 * @pae_root: the per-vCPU PAE root (4 PDPTEs, below 4 GiB, not hashed).
 */
union shadow_role {
	u32 word;
	struct {
		unsigned int level:4;
		unsigned int mode:2;
		unsigned int quadrant:2;
		unsigned int direct:1;
		unsigned int access:3;
		unsigned int cr0_wp:1;
		unsigned int nxe:1;
		unsigned int pae_root:1;
	};
};

/* Per-VM shadow statistics, shown with the MMU's (stats.c). */
enum shadow_stat {
	SHADOW_STAT_PAGES,		/* shadow pages now */
	SHADOW_STAT_PAGES_CREATED,	/* shadow pages ever created */
	SHADOW_STAT_PAGES_ZAPPED,	/* shadow pages zapped */
	SHADOW_STAT_RECLAIMED,		/* ... of them to stay in budget */
	SHADOW_STAT_FAULTS,		/* #PF exits handled */
	SHADOW_STAT_GUEST_PF,		/* ... reflected to the guest */
	SHADOW_STAT_FIXED,		/* ... fixed by a new spte */
	SHADOW_STAT_EMULATED_PT_WRITES,	/* page-table writes emulated */
	SHADOW_STAT_FLOOD_ZAPS,		/* pages unshadowed by write floods */
	SHADOW_STAT_UNPROTECTS,		/* frames unshadowed to retry a write */
	SHADOW_STAT_ROOT_SWITCHES,	/* root loads (CR3 and mode changes) */
	SHADOW_STAT_PREV_ROOT_HITS,	/* ... served by a cached root */
	SHADOW_STAT_WRPROT,		/* guest tables write-protected */
	SHADOW_STAT_UNSYNC_PAGES,	/* unsync pages now */
	SHADOW_STAT_UNSYNCED,		/* pages ever made unsync */
	SHADOW_STAT_SYNCS,		/* unsync pages synced (and protected) */
	SHADOW_STAT_SYNC_DROPS,		/* ... sptes dropped by syncs and INVLPG */
	SHADOW_STAT_SYNC_WALKS,		/* sync walks from a root */
	SHADOW_STAT_INVLPG,		/* INVLPGs intercepted */
	SHADOW_STAT_UNSYNC_ZAPS,	/* unsync pages zapped (a new role) */
	SHADOW_STAT_PREFETCHED,		/* leaves prefetched on faults */
	NR_SHADOW_STATS,
};

/**
 * struct minikvm_shadow_mmu - a shadow-paging VM's MMU state.
 * @hash: shadow pages by gfn (hash_64(gfn)); all of a gfn's pages are in
 *	one bucket.
 * @rmap: reverse map descriptors by gfn.
 * @active: every hashed shadow page, most recently created first.
 * @nr_pages: pages on @active.
 * @max_pages: the budget; above it the oldest non-root pages go.
 * @stats: enum shadow_stat counters.
 * @vm: the VM (for the shrinker).
 * @shrink_link: on the shrinker's list of shadow VMs, under its mutex
 *	(shadow_shrink.c).
 *
 * All fields but @stats, @vm and @shrink_link are protected by mmu_lock
 * held for write.
 */
struct minikvm_shadow_mmu {
	struct hlist_head hash[1 << SHADOW_HASH_BITS];
	struct hlist_head rmap[1 << RMAP_HASH_BITS];
	struct list_head active;
	unsigned long nr_pages;
	unsigned long max_pages;
	atomic64_t stats[NR_SHADOW_STATS];
	struct minikvm_vm *vm;
	struct list_head shrink_link;
};

/* Reverse-map and parent-pointer entries per descriptor. */
#define PTE_LIST_EXT	13

/**
 * struct pte_list_desc - a chunk of a list of sptep pointers.
 * @link: in the rmap hash bucket, or in a shadow page's parent list.
 * @gfn: rmap only: the guest frame the sptes map.
 * @n: entries used.
 * @sptes: the entries.
 */
struct pte_list_desc {
	struct hlist_node link;
	gfn_t gfn;
	int n;
	u64 *sptes[PTE_LIST_EXT];
};

#define SHADOW_DESC_CACHE	12

/**
 * struct minikvm_shadow_vcpu - a vCPU's shadow MMU state; only its thread
 * touches it, except the root fields, also read under mmu_lock.
 * @regs: the guest paging state (guest CR0/CR3/CR4/EFER, PDPTEs).
 * @pae_root: the vCPU's PAE-format root (legacy-mode guests), allocated
 *	below 4 GiB as the CPU wants.
 * @prev_roots: long-mode roots of recent CR3s, referenced.
 * @prev_cr3: their CR3s.
 * @need_root: the paging state changed: load a root for it.
 * @descs: descriptors allocated before mmu_lock is taken.
 * @nr_descs: how many.
 * @last_pt_write_gfn: the last page-table frame written by emulation.
 * @pt_write_count: consecutive emulated writes to it.
 * @retry_rip: RIP of the last unprotect-and-retry, if @retry_armed.
 * @retry_gva: the address that write faulted on.
 * @retry_armed: the guest has not got past @retry_rip since: the same
 *	write failing there again means the retry cannot help (see
 *	unprotect_and_retry()).
 */
struct minikvm_shadow_vcpu {
	struct paging_regs regs;
	struct minikvm_mmu_page *pae_root;
	struct minikvm_mmu_page *prev_roots[SHADOW_PREV_ROOTS];
	u64 prev_cr3[SHADOW_PREV_ROOTS];
	bool need_root;
	struct pte_list_desc *descs[SHADOW_DESC_CACHE];
	int nr_descs;
	gfn_t last_pt_write_gfn;
	int pt_write_count;
	u64 retry_rip;
	gva_t retry_gva;
	bool retry_armed;
};

static inline union shadow_role sp_role(const struct minikvm_mmu_page *sp)
{
	union shadow_role role = { .word = sp->role };

	return role;
}

static inline bool sp_is_direct(const struct minikvm_mmu_page *sp)
{
	return sp_role(sp).direct;
}

static inline struct minikvm_shadow_mmu *to_shadow(struct minikvm_vm *vm)
{
	return vm->mmu.shadow;
}

static inline void shadow_stat_add(struct minikvm_vm *vm, enum shadow_stat s,
				   s64 n)
{
	atomic64_add(n, &vm->mmu.shadow->stats[s]);
}

/* Index of @gva in a shadow table at @level (the PAE root has four). */
static inline unsigned int shadow_index(gva_t gva, int level, bool pae_root)
{
	if (pae_root)
		return (gva >> 30) & 3;
	return (gva >> (12 + 9 * (level - 1))) & 0x1ff;
}

/* shadow_page.c */
struct minikvm_mmu_page *shadow_get_page(struct minikvm_vcpu *vcpu, gfn_t gfn,
					 union shadow_role role, bool *created,
					 struct list_head *invalid);
void shadow_link_child(struct minikvm_vcpu *vcpu, u64 *sptep,
		       struct minikvm_mmu_page *child);
bool shadow_zap_page(struct minikvm_vm *vm, struct minikvm_mmu_page *sp,
		     struct list_head *invalid);
void shadow_commit_zap(struct minikvm_vm *vm, struct list_head *invalid);
void shadow_drop_spte(struct minikvm_vm *vm, u64 *sptep);
void shadow_make_room(struct minikvm_vm *vm, struct list_head *invalid);
int shadow_topup(struct minikvm_vcpu *vcpu);
void shadow_put_root(struct minikvm_vm *vm, struct minikvm_mmu_page *root,
		     struct list_head *invalid);
gfn_t shadow_sp_leaf_gfn(struct minikvm_mmu_page *sp, int idx);

/* rmap.c */
struct pte_list_desc *shadow_alloc_desc(struct minikvm_vcpu *vcpu);
void shadow_free_desc(struct pte_list_desc *desc);
void pte_list_add(struct minikvm_vcpu *vcpu, struct hlist_head *head,
		  u64 *sptep, gfn_t gfn);
void pte_list_remove(struct minikvm_vm *vm, struct hlist_head *head,
		     u64 *sptep, gfn_t gfn);
void rmap_add(struct minikvm_vcpu *vcpu, u64 *sptep, gfn_t gfn);
void rmap_remove(struct minikvm_vm *vm, u64 *sptep, gfn_t gfn);
struct hlist_head *rmap_bucket(struct minikvm_vm *vm, gfn_t gfn);
bool shadow_zap_gfn_range(struct minikvm_vm *vm, gfn_t start, gfn_t end);
bool shadow_wrprot_gfn_range(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			     bool mmu_too);
bool shadow_age_gfn_range(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			  bool test_only);
bool shadow_zap_huge_range(struct minikvm_vm *vm, gfn_t start, gfn_t end);
bool shadow_zap_collapsible_range(struct minikvm_vm *vm,
				  const struct minikvm_memslot *slot,
				  gfn_t start, gfn_t end);

/*
 * The reverse map keys a 2 MiB leaf by its first gfn with this tag: range
 * operations see the whole range it covers, per-gfn lookups look for the
 * huge key of the 2 MiB range as well.
 */
#define RMAP_HUGE_TAG		BIT_ULL(63)
#define SHADOW_HUGE_PAGES	512

static inline gfn_t rmap_key(gfn_t gfn, int level)
{
	return level > PG_LEVEL_4K ? gfn | RMAP_HUGE_TAG : gfn;
}

/* write_track.c */
bool shadow_gfn_is_tracked(struct minikvm_vm *vm, gfn_t gfn);
bool shadow_write_protect_gfn(struct minikvm_vm *vm, gfn_t gfn);
bool shadow_unprotect_gfn(struct minikvm_vm *vm, gfn_t gfn,
			  struct list_head *invalid);
void shadow_pt_written(struct minikvm_vcpu *vcpu, gpa_t gpa, int bytes,
		       struct list_head *invalid);

/* shadow_root.c */
union shadow_role shadow_base_role(const struct paging_regs *r);
int shadow_mmu_reload(struct minikvm_vcpu *vcpu);
void shadow_vcpu_destroy(struct minikvm_vcpu *vcpu);
void shadow_zap_all(struct minikvm_vm *vm);
void shadow_set_max_pages(struct minikvm_vm *vm, unsigned long pages);
void shadow_mmu_destroy(struct minikvm_vm *vm);

/* guest_walk.c */
extern const struct paging_mem_ops mmu_guest_mem_ops;
hva_t mmu_guest_gpa_to_hva(struct minikvm_vcpu *vcpu, gpa_t gpa,
			   struct minikvm_memslot **slotp);
void mmu_paging_regs(const struct minikvm_vcpu *vcpu, u64 cr0, u64 cr3,
		     u64 cr4, u64 efer, struct paging_regs *r);

/* shadow_fault.c */
int shadow_page_fault(struct minikvm_vcpu *vcpu, gva_t gva, u32 error_code);

/* shadow_shrink.c */
void shadow_shrink_add(struct minikvm_vm *vm);
void shadow_shrink_del(struct minikvm_vm *vm);
int minikvm_shadow_shrinker_init(void);
void minikvm_shadow_shrinker_exit(void);

/* shadow_emulate.c */
int shadow_emulate_pt_write(struct minikvm_vcpu *vcpu);

/* shadow_sync.c */
bool shadow_can_unsync(struct minikvm_vm *vm, gfn_t gfn);
hva_t shadow_gpte_hva(struct minikvm_vm *vm, struct minikvm_mmu_page *sp,
		      int i, int *size);

/* The frame a guest last-level entry maps. */
static inline gfn_t shadow_gpte_gfn(const struct paging_regs *r, u64 gpte)
{
	u64 mask = r->mode == PAGING_32 ? GENMASK_ULL(31, 12) :
					  GENMASK_ULL(51, 12);

	return (gpte & mask) >> PAGE_SHIFT;
}

/*
 * May a guest last-level entry be shadowed by a leaf: present, Accessed
 * (a leaf exists only while the guest's A bit is set) and free of
 * reserved bits?
 */
static inline bool shadow_gpte_mappable(const struct paging_regs *r, u64 gpte)
{
	return (gpte & GPTE_P) && (gpte & GPTE_A) &&
	       !(gpte & paging_rsvd_bits(r, PG_LEVEL_4K, gpte));
}

bool shadow_try_unsync(struct minikvm_vm *vm, gfn_t gfn);
void shadow_mark_parents_unsync(struct minikvm_vm *vm, u64 *sptep);
bool shadow_gfn_has_unsync(struct minikvm_vm *vm, gfn_t gfn);
void shadow_zap_unsync_gfn(struct minikvm_vm *vm, gfn_t gfn,
			   struct list_head *invalid);
void shadow_sync_root(struct minikvm_vcpu *vcpu, struct minikvm_mmu_page *root,
		      struct list_head *invalid);
bool shadow_sync_before_link(struct minikvm_vcpu *vcpu,
			     struct minikvm_mmu_page *sp,
			     struct list_head *invalid);

#endif /* MINIKVM_MODULE_MMU_SHADOW_H */
