// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow page fault: a #PF the guest took on the shadow tables.
 *
 *  1. Walk the guest's tables (paging.c), without mmu_lock: a denied
 *     access is the guest's own #PF, injected with the exact error code.
 *  2. A write to a guest page table (a tracked frame) is emulated, or the
 *     frame is unshadowed and the write retried (write_track.c).
 *  3. Reference the host page (may sleep), as the TDP fault does.
 *  4. Under mmu_lock held for write: find or create the shadow page of
 *     each level on the way (which write-protects the guest tables they
 *     shadow), re-read the guest entries the walk used — a guest table
 *     that was not yet shadowed may have changed since — and install the
 *     leaf with the permissions of the whole guest walk.
 *
 * The whole fault runs inside the VM's SRCU read side (memslots).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "../emulate/emulate.h"
#include "../x86.h"
#include "shadow.h"

/* ------------------------------------------------------------------ */
/* Building the shadow path                                            */

/* The guest permissions of levels @top .. @level of @w, ANDed. */
static unsigned int access_above(const struct paging_regs *r,
				 const struct guest_walk *w, int level)
{
	unsigned int access = ACC_ALL;
	int l;

	for (l = w->root_level; l >= level; l--) {
		if (r->mode == PAGING_PAE && l == 3)
			continue;	/* PDPTEs grant everything */
		access &= paging_gpte_access(r, w->pte[l]);
	}
	return access;
}

/*
 * Which shadow page goes below an entry of @parent_level on the way to
 * @gva: the shadow of the guest table at @parent_level - 1 when the guest
 * walk went that deep, else (a guest huge page, or no paging) a direct
 * page for the frames the entry covers.
 */
static void child_of(const struct paging_regs *r, const struct guest_walk *w,
		     gva_t gva, int parent_level, gfn_t *gfn,
		     union shadow_role *role)
{
	int level = parent_level - 1;

	*role = shadow_base_role(r);
	role->level = level;
	if (r->mode != PAGING_NONE && w->level <= level) {
		*gfn = w->table_gfn[level];
		role->access = access_above(r, w, parent_level);
		if (r->mode == PAGING_32)
			role->quadrant = level == 2 ? (gva >> 30) & 3 :
						      (gva >> 21) & 1;
		return;
	}
	role->direct = 1;
	role->access = w->access;
	*gfn = w->gfn & ~(TDP_PAGES_PER_LEVEL(parent_level) - 1);
}

/*
 * The highest level of @w whose entry sits in guest memory (the PDPTEs of
 * PAE paging are the registers loaded at the last CR3 write).
 */
static int walk_top_level(const struct paging_regs *r,
			  const struct guest_walk *w)
{
	return r->mode == PAGING_PAE ? 2 : w->root_level;
}

/*
 * Is the guest entry of @level that the walk @w used no longer what it
 * read?  Levels without such an entry (no paging, the PDPTEs, below the
 * guest's leaf) never change.  Under a spinning lock: no sleeping, so a
 * read that would fault counts as a change.
 */
static bool guest_entry_changed(struct minikvm_vcpu *vcpu,
				const struct paging_regs *r,
				const struct guest_walk *w, int level)
{
	int size = r->mode == PAGING_32 ? 4 : 8;
	u64 now = 0;
	hva_t hva;

	if (r->mode == PAGING_NONE || level > walk_top_level(r, w) ||
	    level < w->level)
		return false;
	hva = mmu_guest_gpa_to_hva(vcpu, w->pte_gpa[level], NULL);
	if (!hva || copy_from_user_nofault(&now, (void __user *)hva, size))
		return true;
	return now != w->pte[level];
}

/*
 * The guest entries of levels @top down to @bottom that the walk used
 * must still be what they were, now that their tables are write-protected.
 */
static bool guest_entries_changed(struct minikvm_vcpu *vcpu,
				  const struct paging_regs *r,
				  const struct guest_walk *w, int top, int bottom)
{
	int level;

	for (level = top; level >= bottom; level--)
		if (guest_entry_changed(vcpu, r, w, level))
			return true;
	return false;
}

/*
 * Walk down from the root to @target_level (1, or 2 for a 2 MiB leaf),
 * linking shadow pages.
 *
 * At each level the walk's guest entry is read again before its link is
 * followed or made.  Its table is write-protected by then (the shadow
 * page we are in shadows it, and tables above the last level are never
 * unsync), so from then on a guest write to the entry traps and drops the
 * link.  Trusting the walk's older copy instead could link below a table
 * the guest has already replaced (nothing would ever drop that link), or
 * follow a link that another vCPU made for the new table while using the
 * old table's entries below it.  The caller checks the levels from
 * @target_level down to the guest's leaf.
 *
 * Return: the sptep of the leaf; ERR_PTR(-EAGAIN) when a guest entry
 * changed since the walk (retry the fault), ERR_PTR(-ENOMEM).
 */
static u64 *shadow_path(struct minikvm_vcpu *vcpu, const struct guest_walk *w,
			gva_t gva, int target_level, struct list_head *invalid)
{
	const struct paging_regs *r = &vcpu->mmu.shadow->regs;
	struct minikvm_mmu_page *sp = vcpu->mmu.root;
	int level;

	lockdep_assert_held_write(&vcpu->vm->mmu.lock);

	for (level = sp->level; level > target_level; level--) {
		bool pae_root = sp_role(sp).pae_root;
		u64 *sptep = &sp->spt[shadow_index(gva, level, pae_root)];
		struct minikvm_mmu_page *child;
		union shadow_role role;
		bool created;
		gfn_t gfn;

		if (guest_entry_changed(vcpu, r, w, level))
			return ERR_PTR(-EAGAIN);
		/* A 2 MiB leaf where a table is wanted now: replace it. */
		if (is_shadow_present_spte(*sptep) && is_huge_spte(*sptep)) {
			shadow_drop_spte(vcpu->vm, sptep);
			minikvm_flush_remote_tlbs(vcpu->vm);
		}
		if (is_shadow_present_spte(*sptep)) {
			sp = table_to_sp(__va(*sptep & SPTE_PFN_MASK));
			continue;
		}
		child_of(r, w, gva, level, &gfn, &role);
		child = shadow_get_page(vcpu, gfn, role, &created, invalid);
		if (!child)
			return ERR_PTR(-ENOMEM);
		shadow_link_child(vcpu, sptep, child);
		sp = child;
	}
	return &sp->spt[shadow_index(gva, target_level, false)];
}

/**
 * struct shadow_fault - one shadow fault on its way.
 * @gva: the faulting linear address.
 * @pfec: the #PF error code.
 * @walk: the guest walk.
 * @tdp: the host side, as for a TDP fault (slot, hva, page, seq).
 * @pt_write: a write to a shadowed guest page table, to be emulated
 *	outside the SRCU section (or the table unprotected).
 * @emulate: the instruction is to be emulated, with @emulate_gpa (no
 *	memslot, or a write to a read-only one), outside the SRCU section.
 * @emulate_gpa: the guest physical address the access was translated to.
 * @level: the leaf to install: PG_LEVEL_4K, or PG_LEVEL_2M where the
 *	guest, the memslot and the host all map the 2 MiB range as one.
 */
struct shadow_fault {
	gva_t gva;
	u32 pfec;
	bool pt_write;
	bool emulate;
	gpa_t emulate_gpa;
	int level;
	struct guest_walk walk;
	struct minikvm_page_fault tdp;
};

/*
 * A shadow leaf of @pfn with the hardware permissions of @access and the
 * writable bits the caller decided (spte.h's truth table); no Accessed
 * bit, 4 KiB.
 */
static u64 shadow_leaf_spte(hfn_t pfn, unsigned int access, bool host_writable,
			    bool mmu_writable, bool writable)
{
	u64 spte = SPTE_MMU_PRESENT | _PAGE_PRESENT | ((u64)pfn << PAGE_SHIFT);

	if (access & ACC_USER)
		spte |= _PAGE_USER;
	if (!(access & ACC_EXEC))
		spte |= _PAGE_NX;
	if (host_writable)
		spte |= minikvm_spte.host_writable;
	if (mmu_writable)
		spte |= minikvm_spte.mmu_writable;
	if (writable)
		spte |= SPTE_WRITABLE | minikvm_spte.dirty;
	return spte;
}

/*
 * The leaf's hardware permissions.  With CR0.WP clear a supervisor may
 * write a read-only page: the leaf is made writable but supervisor-only,
 * so that a user access faults again and gets the read-only user view
 * (the CPU runs with CR0.WP set).  The first write to a clean page must
 * fault so that the guest's Dirty bit gets set.
 */
static u64 make_shadow_leaf(struct minikvm_vcpu *vcpu, struct shadow_fault *sf,
			    bool tracked)
{
	const struct paging_regs *r = &vcpu->mmu.shadow->regs;
	struct minikvm_page_fault *f = &sf->tdp;
	unsigned int access = sf->walk.access;
	bool write = sf->pfec & PF_WRITE;
	bool writable, mmu_writable;
	u64 spte;

	if (write && !(access & ACC_WRITE) && !(sf->pfec & PF_USER) &&
	    !(r->cr0 & X86_CR0_WP)) {
		access |= ACC_WRITE;
		access &= ~ACC_USER;
		if (r->cr4 & X86_CR4_SMEP)
			access &= ~ACC_EXEC;
	}
	mmu_writable = (access & ACC_WRITE) && f->host_writable && !tracked;
	writable = mmu_writable && (write || sf->walk.dirty);
	if (f->slot->flags & KVM_MEM_LOG_DIRTY_PAGES)
		writable &= write;

	spte = minikvm_spte.accessed;
	if (sf->level > PG_LEVEL_4K)
		spte |= SPTE_HUGE;
	return spte | shadow_leaf_spte(f->pfn, access, f->host_writable,
				       mmu_writable, writable);
}

/* Is a guest table shadowed in the 2 MiB range of @gfn? */
static bool huge_range_tracked(struct minikvm_vm *vm, gfn_t gfn)
{
	gfn_t base = gfn & ~(gfn_t)(SHADOW_HUGE_PAGES - 1);
	int i;

	for (i = 0; i < SHADOW_HUGE_PAGES; i++)
		if (shadow_gfn_is_tracked(vm, base + i))
			return true;
	return false;
}

/*
 * A 2 MiB leaf needs a guest mapping of at least 2 MiB (or no paging), a
 * memslot and host mapping that line up, no dirty logging, and no guest
 * page table in the range (those must stay write-protected 4 KiB pages).
 */
static int leaf_level(struct minikvm_vcpu *vcpu, struct shadow_fault *sf)
{
	struct minikvm_page_fault *f = &sf->tdp;

	if (sf->walk.level < PG_LEVEL_2M &&
	    vcpu->mmu.shadow->regs.mode != PAGING_NONE)
		return PG_LEVEL_4K;
	if ((f->slot->flags & KVM_MEM_LOG_DIRTY_PAGES) ||
	    !mmu_slot_huge_level_ok(f->slot, f->gfn, PG_LEVEL_2M) ||
	    host_mapping_level(vcpu->vm, f->hva) < PG_LEVEL_2M ||
	    huge_range_tracked(vcpu->vm, f->gfn))
		return PG_LEVEL_4K;
	return PG_LEVEL_2M;
}

/*
 * Is the leaf of @gfn to be read-only because @gfn is a shadowed guest
 * table?  A write to a last-level table makes it unsync instead, when it
 * may (shadow_sync.c), so that the guest's next writes do not trap.
 */
static bool leaf_tracked(struct minikvm_vcpu *vcpu, struct shadow_fault *sf,
			 gfn_t gfn)
{
	struct minikvm_vm *vm = vcpu->vm;

	if (!shadow_gfn_is_tracked(vm, gfn))
		return false;
	if (!(sf->pfec & PF_WRITE) || !sf->tdp.host_writable ||
	    sf->level != PG_LEVEL_4K)
		return true;
	return !shadow_try_unsync(vm, gfn);
}

/*
 * Prefetch: a fault that installs a 4 KiB leaf in the shadow of a guest
 * last-level table also installs leaves for the other entries of an
 * aligned window of that table, when the guest entry is present,
 * Accessed, without reserved bits, and maps RAM the host maps right now.
 * Guest memory and host page tables are only read without faulting (no
 * sleeping under mmu_lock); anything in doubt is skipped, and the guest
 * then faults on it as before.  A prefetched leaf:
 *  - starts with the Accessed bit clear, so that aging sees only the
 *    guest's own use of it (the CPU sets the bit on the first access);
 *  - is writable only when the guest entry is Dirty and every level
 *    grants write, the host maps the page writable, the frame is no
 *    shadowed guest table (those stay read-only: prefetch never makes a
 *    page unsync) and the memslot is not dirty-logged;
 *  - is only installed over a spte that is 0 (no leaf, no MMIO spte).
 */
#define SHADOW_PREFETCH_WINDOW	8

/*
 * The host page behind @gfn of @slot if the host maps it right now, as
 * GUP-fast finds it (no sleeping, nothing faulted in).  mmu_lock is held
 * for write, so no invalidation can begin until the leaf is installed
 * (and the rmap lets that invalidation find it); one already under way
 * over the address, or one finished since the fault sampled @mmu_seq,
 * means skip.  Return: the page, referenced, or NULL.
 */
static struct page *prefetch_host_page(struct minikvm_vm *vm,
				       unsigned long mmu_seq,
				       const struct minikvm_memslot *slot,
				       gfn_t gfn, bool *host_writable)
{
	hva_t hva = minikvm_gfn_to_hva_memslot(slot, gfn);
	struct page *page;

	lockdep_assert_held_write(&vm->mmu.lock);

	if (mmu_invalidate_retry(vm, mmu_seq, hva))
		return NULL;
	if (get_user_page_fast_only(hva, FOLL_WRITE, &page)) {
		*host_writable = !(slot->flags & KVM_MEM_READONLY);
		return page;
	}
	*host_writable = false;
	if (get_user_page_fast_only(hva, 0, &page))
		return page;
	return NULL;
}

static u64 make_prefetch_leaf(struct minikvm_vm *vm,
			      const struct minikvm_memslot *slot, gfn_t gfn,
			      hfn_t pfn, unsigned int access, u64 gpte,
			      bool host_writable)
{
	bool mmu_writable, writable;

	mmu_writable = (access & ACC_WRITE) && host_writable &&
		       !shadow_gfn_is_tracked(vm, gfn);
	writable = mmu_writable && (gpte & GPTE_D) &&
		   !(slot->flags & KVM_MEM_LOG_DIRTY_PAGES);
	return shadow_leaf_spte(pfn, access, host_writable, mmu_writable,
				writable);
}

/* One neighbour: Return: it was installed. */
static bool prefetch_one(struct minikvm_vcpu *vcpu, struct shadow_fault *sf,
			 struct minikvm_mmu_page *sp, int idx, u64 gpte)
{
	const struct paging_regs *r = &vcpu->mmu.shadow->regs;
	struct minikvm_vm *vm = vcpu->vm;
	const struct minikvm_memslot *slot;
	u64 *sptep = &sp->spt[idx];
	unsigned int access;
	bool host_writable;
	struct page *page;
	gfn_t gfn;

	if (*sptep || !shadow_gpte_mappable(r, gpte))
		return false;
	gfn = shadow_gpte_gfn(r, gpte);
	if (gfn > minikvm_mmu_max_gfn())
		return false;
	slot = minikvm_gfn_to_memslot(vm, gfn);
	if (!slot || (slot->flags & MINIKVM_MEMSLOT_INVALID))
		return false;
	page = prefetch_host_page(vm, sf->tdp.mmu_seq, slot, gfn, &host_writable);
	if (!page)
		return false;
	access = sp_role(sp).access & paging_gpte_access(r, gpte);
	sp->gfns[idx] = gfn;
	WRITE_ONCE(*sptep, make_prefetch_leaf(vm, slot, gfn, page_to_pfn(page),
					      access, gpte, host_writable));
	rmap_add(vcpu, sptep, gfn);
	/* From here on the MMU notifier keeps the leaf and the host in step. */
	put_page(page);
	return true;
}

/*
 * Prefetch around the 4 KiB leaf at @idx of the indirect last-level
 * shadow page @sp, just installed by the fault @sf.
 */
static void shadow_prefetch(struct minikvm_vcpu *vcpu, struct shadow_fault *sf,
			    struct minikvm_mmu_page *sp, int idx)
{
	int first = idx & ~(SHADOW_PREFETCH_WINDOW - 1);
	u64 buf[SHADOW_PREFETCH_WINDOW];
	int i, size, n = 0;
	hva_t hva;

	lockdep_assert_held_write(&vcpu->vm->mmu.lock);

	if (sp_is_direct(sp) || sp->level != PG_LEVEL_4K)
		return;
	/* The window is aligned, so it does not cross the guest table's page. */
	hva = shadow_gpte_hva(vcpu->vm, sp, first, &size);
	if (!hva || copy_from_user_nofault(buf, (void __user *)hva,
					   SHADOW_PREFETCH_WINDOW * size))
		return;
	for (i = 0; i < SHADOW_PREFETCH_WINDOW; i++) {
		u64 gpte = size == 4 ? ((u32 *)buf)[i] : buf[i];

		if (first + i == idx)
			continue;
		/* Each rmap_add() may take one descriptor of the vCPU's cache. */
		if (!vcpu->mmu.shadow->nr_descs)
			break;
		n += prefetch_one(vcpu, sf, sp, first + i, gpte);
	}
	if (n)
		shadow_stat_add(vcpu->vm, SHADOW_STAT_PREFETCHED, n);
}

static int map_leaf(struct minikvm_vcpu *vcpu, struct shadow_fault *sf,
		    struct list_head *invalid)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *sp;
	u64 *sptep, old, new;
	gfn_t gfn;
	int idx;

	sf->level = leaf_level(vcpu, sf);
	gfn = sf->walk.gfn & ~(TDP_PAGES_PER_LEVEL(sf->level) - 1);
	sptep = shadow_path(vcpu, &sf->walk, sf->gva, sf->level, invalid);
	if (IS_ERR(sptep))
		return PTR_ERR(sptep) == -EAGAIN ? RET_PF_RETRY : -EIO;
	if (guest_entries_changed(vcpu, &vcpu->mmu.shadow->regs, &sf->walk,
				  sf->level, sf->walk.level))
		return RET_PF_RETRY;

	sp = sptep_to_sp(sptep);
	idx = sptep - sp->spt;
	/* shadow_path() follows links only for what the guest maps now. */
	if (MINIKVM_BUG_ON(!sp_is_direct(sp) &&
			   sp->gfn != sf->walk.table_gfn[sp->level], vm))
		return -EIO;
	sf->tdp.pfn &= ~(TDP_PAGES_PER_LEVEL(sf->level) - 1);
	new = make_shadow_leaf(vcpu, sf, leaf_tracked(vcpu, sf, gfn));
	old = *sptep;
	/* Another frame, or a table where the 2 MiB leaf goes: drop it first. */
	if (is_shadow_present_spte(old) &&
	    (!is_last_spte(old, sp->level) ||
	     shadow_sp_leaf_gfn(sp, idx) != gfn ||
	     spte_to_pfn(old) != sf->tdp.pfn)) {
		shadow_drop_spte(vm, sptep);
		minikvm_flush_remote_tlbs(vm);
		old = 0;
	}
	if (!sp_is_direct(sp))
		sp->gfns[idx] = gfn;
	if (MINIKVM_BUG_ON(shadow_sp_leaf_gfn(sp, idx) != gfn, vm))
		return -EIO;
	/* A permission change of a present leaf: the CPU sets A/D itself. */
	WRITE_ONCE(*sptep, new);
	if (!is_shadow_present_spte(old))
		rmap_add(vcpu, sptep, gfn);
	else if (is_writable_spte(old) && !is_writable_spte(new))
		minikvm_flush_remote_tlbs(vm);
	if (is_writable_spte(new) &&
	    (sf->tdp.slot->flags & KVM_MEM_LOG_DIRTY_PAGES))
		minikvm_mark_page_dirty_in_slot(sf->tdp.slot, sf->walk.gfn);
	/*
	 * Only around a new leaf: a fault that upgrades a present one (a
	 * write after a read, dirty logging) finds its neighbours mapped.
	 */
	if (sf->level == PG_LEVEL_4K && !is_shadow_present_spte(old))
		shadow_prefetch(vcpu, sf, sp, idx);
	return RET_PF_FIXED;
}

/*
 * No memslot behind the guest frame: cache that in an MMIO spte tagged
 * with the memslots generation, so that the next access exits without a
 * guest walk (mmio_cached()).  The frame is kept in the page's gfns.
 */
static void map_mmio(struct minikvm_vcpu *vcpu, struct shadow_fault *sf)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *sp;
	LIST_HEAD(invalid);
	u64 *sptep;

	if (shadow_topup(vcpu))
		return;
	write_lock(&vm->mmu.lock);
	if (!vcpu->mmu.root || vcpu->mmu.root->invalid)
		goto out;
	sptep = shadow_path(vcpu, &sf->walk, sf->gva, PG_LEVEL_4K, &invalid);
	if (IS_ERR(sptep) || is_shadow_present_spte(*sptep) ||
	    guest_entries_changed(vcpu, &vcpu->mmu.shadow->regs, &sf->walk,
				  PG_LEVEL_4K, sf->walk.level))
		goto out;
	sp = sptep_to_sp(sptep);
	if (!sp_is_direct(sp))
		sp->gfns[sptep - sp->spt] = sf->walk.gfn;
	WRITE_ONCE(*sptep, make_mmio_spte(sf->tdp.mmio_gen));
	vcpu_stat_inc(vcpu, MMU_STAT_PF_MMIO_SPTE_CREATED);
out:
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
}

/*
 * Is the fault on an MMIO spte of the current memslots generation?  Then
 * *@gpa is the guest physical address it caches.
 */
static bool mmio_cached(struct minikvm_vcpu *vcpu, gva_t gva, u64 gen, gpa_t *gpa)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *sp;
	bool hit = false;
	int level, idx;
	u64 spte;

	read_lock(&vm->mmu.lock);
	sp = vcpu->mmu.root;
	if (!sp || sp->invalid)
		goto out;
	for (level = sp->level; level > PG_LEVEL_4K; level--) {
		spte = sp->spt[shadow_index(gva, level, sp_role(sp).pae_root)];
		if (!is_shadow_present_spte(spte) || is_huge_spte(spte))
			goto out;
		sp = table_to_sp(__va(spte & SPTE_PFN_MASK));
	}
	idx = shadow_index(gva, PG_LEVEL_4K, false);
	spte = sp->spt[idx];
	if (spte && is_mmio_spte(spte) &&
	    mmio_spte_generation(spte) == (gen & MMIO_GEN_MASK)) {
		*gpa = gfn_to_gpa(shadow_sp_leaf_gfn(sp, idx)) | (gva & ~PAGE_MASK);
		hit = true;
	}
out:
	read_unlock(&vm->mmu.lock);
	return hit;
}

static int map_locked(struct minikvm_vcpu *vcpu, struct shadow_fault *sf)
{
	struct minikvm_vm *vm = vcpu->vm;
	LIST_HEAD(invalid);
	int r;

	write_lock(&vm->mmu.lock);
	if (!vcpu->mmu.root || vcpu->mmu.root->invalid ||
	    mmu_invalidate_retry(vm, sf->tdp.mmu_seq, sf->tdp.hva))
		r = RET_PF_RETRY;
	else
		r = map_leaf(vcpu, sf, &invalid);
	shadow_make_room(vm, &invalid);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
	return r;
}

/* Reference the host page of the guest frame; Return: 0 or -errno. */
static int faultin(struct minikvm_vcpu *vcpu, struct shadow_fault *sf)
{
	struct minikvm_page_fault *f = &sf->tdp;
	struct minikvm_vm *vm = vcpu->vm;

	f->gfn = sf->walk.gfn;
	f->write = sf->pfec & PF_WRITE;
	f->hva = minikvm_gfn_to_hva_memslot(f->slot, f->gfn);
	f->mmu_seq = READ_ONCE(vm->mmu.invalidate_seq);
	smp_rmb(); /* seq before the page tables; pairs with invalidate_range_end() */
	return mmu_faultin_page(vcpu, f);
}

/*
 * Would unshadowing the table the guest writes never end?  The same write
 * at the same RIP failing again before the guest got anywhere else (no
 * fault at another RIP, no page-table write emulated) means the retry
 * re-shadowed the table on its way, e.g. because it is in use (Linux
 * clears the live early_top_pgt with REP STOSQ) or the write's own
 * translation goes through it.  A loop that rewrites a table at one RIP
 * does get elsewhere (its use of the new mapping faults at another RIP).
 */
static bool unprotect_is_looping(struct minikvm_vcpu *vcpu, gva_t gva)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;

	return sv->retry_armed && sv->retry_rip == vcpu->rip && sv->retry_gva == gva;
}

/* Unshadow the table the guest writes, and let it write. */
static int unprotect_and_retry(struct minikvm_vcpu *vcpu, gva_t gva, gfn_t gfn)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;
	struct minikvm_vm *vm = vcpu->vm;
	LIST_HEAD(invalid);

	sv->retry_rip = vcpu->rip;
	sv->retry_gva = gva;
	sv->retry_armed = true;
	write_lock(&vm->mmu.lock);
	shadow_unprotect_gfn(vm, gfn, &invalid);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
	shadow_stat_add(vm, SHADOW_STAT_UNPROTECTS, 1);
	return MINIKVM_EXIT_RESUME;
}

/*
 * Must a write to @gfn be emulated: is it a shadowed guest table that
 * cannot go unsync?  Decided again under mmu_lock held for write when the
 * leaf is made (leaf_tracked()); a table that stopped qualifying by then
 * gets a read-only leaf and the write faults once more.
 */
static bool write_needs_emulation(struct minikvm_vm *vm, gfn_t gfn)
{
	bool emulate;

	read_lock(&vm->mmu.lock);
	emulate = shadow_gfn_is_tracked(vm, gfn) && !shadow_can_unsync(vm, gfn);
	read_unlock(&vm->mmu.lock);
	return emulate;
}

/*
 * A write to a shadowed guest table: emulate it, or, if the page-table
 * write mode cannot, unshadow the table; the guest then writes it itself
 * (its next fault maps the frame writable).  When unshadowing does not
 * help, the full instruction emulator runs the instruction (REP string
 * stores included): its RAM writes drop the sptes they change through
 * minikvm_mmu_emulated_ram_write(), and what it cannot emulate ends in
 * KVM_EXIT_INTERNAL_ERROR with the bytes.  Runs outside the fault's SRCU
 * section, as the emulator does (it takes its own).
 */
static int pt_write(struct minikvm_vcpu *vcpu, struct shadow_fault *sf)
{
	gpa_t gpa = gfn_to_gpa(sf->walk.gfn) | (sf->gva & ~PAGE_MASK);
	int idx, r;

	r = shadow_emulate_pt_write(vcpu);
	if (r != -EOPNOTSUPP) {
		vcpu->mmu.shadow->retry_armed = false;
		return r;
	}
	if (unprotect_is_looping(vcpu, sf->gva)) {
		vcpu->mmu.shadow->retry_armed = false;
		return minikvm_emulate_mmio_fault(vcpu, gpa, sf->pfec);
	}
	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = unprotect_and_retry(vcpu, sf->gva, sf->walk.gfn);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}

/*
 * The instruction is emulated after the fault left its SRCU section (the
 * emulator takes its own, and may sleep on guest memory between them).
 */
static int emulate_later(struct shadow_fault *sf, gpa_t gpa)
{
	sf->emulate = true;
	sf->emulate_gpa = gpa;
	return MINIKVM_EXIT_RESUME;
}

static int __shadow_page_fault(struct minikvm_vcpu *vcpu, struct shadow_fault *sf)
{
	struct paging_access a = {
		.pfec = sf->pfec & PF_ACCESS_MASK,
		.cpl = minikvm_x86_call(get_cpl)(vcpu),
		.ac = vcpu->rflags & X86_EFLAGS_AC,
	};
	struct minikvm_vm *vm = vcpu->vm;
	gpa_t gpa;
	int r;

	sf->tdp.mmio_gen = minikvm_memslots(vm)->generation;
	if (!(sf->pfec & PF_PRESENT) &&
	    mmio_cached(vcpu, sf->gva, sf->tdp.mmio_gen, &gpa)) {
		vcpu_stat_inc(vcpu, MMU_STAT_PF_MMIO_CACHED);
		return emulate_later(sf, gpa);
	}

	r = paging_walk(&vcpu->mmu.shadow->regs, &mmu_guest_mem_ops, vcpu,
			sf->gva, &a, &sf->walk);
	if (r < 0)
		return r;
	if (r) {
		minikvm_queue_page_fault(vcpu, sf->walk.error_code, sf->gva);
		shadow_stat_add(vm, SHADOW_STAT_GUEST_PF, 1);
		return MINIKVM_EXIT_RESUME;
	}

	sf->tdp.slot = minikvm_gfn_to_memslot(vm, sf->walk.gfn);
	if (!sf->tdp.slot && sf->walk.gfn <= minikvm_mmu_max_gfn())
		map_mmio(vcpu, sf);
	gpa = gfn_to_gpa(sf->walk.gfn) | (sf->gva & ~PAGE_MASK);
	/* No memslot, or a write to a read-only one: emulate (emulate.h). */
	if (!sf->tdp.slot)
		return emulate_later(sf, gpa);
	if (sf->tdp.slot->flags & MINIKVM_MEMSLOT_INVALID)
		return MINIKVM_EXIT_RESUME;
	if ((sf->pfec & PF_WRITE) && (sf->tdp.slot->flags & KVM_MEM_READONLY))
		return emulate_later(sf, gpa);

	/*
	 * Emulated (or unshadowed) once the SRCU section is left; a table
	 * that may go unsync is mapped writable below instead.
	 */
	if ((sf->pfec & PF_WRITE) && write_needs_emulation(vm, sf->walk.gfn)) {
		sf->pt_write = true;
		return MINIKVM_EXIT_RESUME;
	}

	r = shadow_topup(vcpu);
	if (r)
		return r;
	r = faultin(vcpu, sf);
	if (r)
		return r;
	/* Never writable in the guest: its writes are emulated, above. */
	if (sf->tdp.slot->flags & KVM_MEM_READONLY)
		sf->tdp.host_writable = false;
	r = map_locked(vcpu, sf);
	mmu_release_page(&sf->tdp, r != RET_PF_RETRY);
	if (r < 0)
		return r;
	if (r == RET_PF_FIXED) {
		shadow_stat_add(vm, SHADOW_STAT_FIXED, 1);
		vcpu_stat_inc(vcpu, MMU_STAT_PF_FIXED);
	} else {
		vcpu_stat_inc(vcpu, MMU_STAT_PF_RETRY);
	}
	return MINIKVM_EXIT_RESUME;
}

/**
 * minikvm_mmu_shadow_page_fault - handle a #PF intercepted in shadow mode.
 * @vcpu: the vCPU, in KVM_RUN (may sleep).
 * @gva: the faulting linear address (CR2 of the fault).
 * @error_code: the #PF error code the CPU reported.
 *
 * Return: MINIKVM_EXIT_RESUME (the access is retried, or a #PF is queued
 * for the guest), MINIKVM_EXIT_USERSPACE (no memslot or a read-only one
 * written: the instruction is emulated, e.g. KVM_EXIT_MMIO), or
 * -errno for KVM_RUN.
 */
int minikvm_mmu_shadow_page_fault(struct minikvm_vcpu *vcpu, gva_t gva,
				  u32 error_code)
{
	struct shadow_fault sf = { .gva = gva, .pfec = error_code };
	int idx, r;

	shadow_stat_add(vcpu->vm, SHADOW_STAT_FAULTS, 1);
	vcpu_stat_inc(vcpu, MMU_STAT_PF_TAKEN);
	/* The guest got past the instruction of the last unprotect-and-retry. */
	if (vcpu->mmu.shadow->retry_rip != vcpu->rip)
		vcpu->mmu.shadow->retry_armed = false;
	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = __shadow_page_fault(vcpu, &sf);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	if (sf.emulate)
		r = minikvm_emulate_mmio_fault(vcpu, sf.emulate_gpa, error_code);
	else if (sf.pt_write)
		r = pt_write(vcpu, &sf);
	return r;
}
