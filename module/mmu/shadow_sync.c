// SPDX-License-Identifier: GPL-2.0
/*
 * Unsync (out-of-sync) shadow pages and their resync.
 *
 * A guest that edits a last-level page table would otherwise trap on every
 * store (write_track.c).  Instead, the first write to such a table may
 * leave it "unsync": its frame is mapped writable again and the guest
 * writes it at full speed, while the shadow page keeps the sptes it had.
 * That is safe because the architecture lets a CPU keep using a stale
 * translation until the guest flushes it: after changing a PTE the guest
 * must execute INVLPG, load CR3 or otherwise flush its TLB before it may
 * rely on the change, and a stale spte is visible only where a real TLB
 * could be stale too.  A not-present entry made present needs no flush,
 * and needs none here: a missing spte faults and the fault walks the
 * guest's current table.
 *
 * The rules (Documentation/mmu.rst has the why):
 *  - only level-1 indirect pages go unsync, and only when every indirect
 *    shadow page of the frame is one (a frame also shadowed as a higher
 *    table stays write-protected, its writes emulated);
 *  - all indirect pages of an unsync frame are unsync: a new level-1 page
 *    of the frame starts unsync, a new higher-level page first zaps them
 *    (shadow_get_page());
 *  - a frame is "tracked" (write-protected) iff it has an indirect page
 *    that is not unsync (shadow_gfn_is_tracked());
 *  - each table has a bitmap with a bit per spte whose child is unsync or
 *    has bits of its own, set up to the roots when a page goes unsync or
 *    is linked below another table.  Bits may be stale (the child was
 *    unlinked or synced through another parent); a sync walk clears them.
 *    A table with a non-empty bitmap has its bit set in every parent.
 *  - syncing a frame write-protects it first (and flushes every vCPU's
 *    TLB), and only then compares the guest's entries with the sptes, so
 *    no guest write can slip in between; an spte that no longer matches
 *    its entry is dropped (the next access faults it in again).
 *  - an unsync page found in the hash is synced before it is linked
 *    below a new parent: while unlinked, no sync walk reached it.
 *
 * Context: everything here runs under mmu_lock held for write, inside the
 * VM's SRCU read side (guest tables are read through the memslots) with
 * page faults disabled for those reads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "../events.h"
#include "../emulate/emulate.h"
#include "../x86.h"
#include "shadow.h"

static struct hlist_head *gfn_bucket(struct minikvm_vm *vm, gfn_t gfn)
{
	return &to_shadow(vm)->hash[hash_64(gfn, SHADOW_HASH_BITS)];
}

static bool is_indirect_of(struct minikvm_mmu_page *sp, gfn_t gfn)
{
	return sp->gfn == gfn && !sp_role(sp).direct;
}

/* ------------------------------------------------------------------ */
/* Going unsync                                                        */

/**
 * shadow_mark_parents_unsync - @sptep now leads to an unsync page.
 * @vm: the VM.
 * @sptep: a link spte whose child is unsync or has unsync children.
 *
 * Sets the spte's bit in its table and, if that was the table's first,
 * goes on to the table's own parents.
 */
void shadow_mark_parents_unsync(struct minikvm_vm *vm, u64 *sptep)
{
	struct minikvm_mmu_page *sp = sptep_to_sp(sptep);
	struct pte_list_desc *desc;
	int i;

	lockdep_assert_held_write(&vm->mmu.lock);

	if (__test_and_set_bit(sptep - sp->spt, sp->unsync_child_bitmap))
		return;
	/* Other bits were set: the parents have theirs already. */
	if (bitmap_weight(sp->unsync_child_bitmap, SPTE_ENT_PER_PAGE) > 1)
		return;
	hlist_for_each_entry(desc, &sp->parents, link)
		for (i = 0; i < desc->n; i++)
			shadow_mark_parents_unsync(vm, desc->sptes[i]);
}

static void mark_unsync(struct minikvm_vm *vm, struct minikvm_mmu_page *sp)
{
	struct pte_list_desc *desc;
	int i;

	sp->unsync = true;
	shadow_stat_add(vm, SHADOW_STAT_UNSYNC_PAGES, 1);
	shadow_stat_add(vm, SHADOW_STAT_UNSYNCED, 1);
	hlist_for_each_entry(desc, &sp->parents, link)
		for (i = 0; i < desc->n; i++)
			shadow_mark_parents_unsync(vm, desc->sptes[i]);
}

/**
 * shadow_can_unsync - may the guest table at @gfn go unsync?
 * @vm: the VM.
 * @gfn: a frame shadowed as a guest page table.
 *
 * Every indirect shadow page of @gfn must be a last-level one: a higher
 * table's sptes point to shadow pages built from its entries, and a stale
 * one would outlive the guest's flush of a single address.  minikvm has
 * no other reason to write-track a frame (no nested paging, no external
 * page-track users); one would be checked here.
 *
 * Return: true if shadow_try_unsync() would succeed.
 */
bool shadow_can_unsync(struct minikvm_vm *vm, gfn_t gfn)
{
	struct minikvm_mmu_page *sp;
	bool any = false;

	lockdep_assert_held(&vm->mmu.lock);

	hlist_for_each_entry(sp, gfn_bucket(vm, gfn), hash_link) {
		if (!is_indirect_of(sp, gfn))
			continue;
		if (sp->level != PG_LEVEL_4K)
			return false;
		any = true;
	}
	return any;
}

/**
 * shadow_try_unsync - let the guest write the table at @gfn directly.
 * @vm: the VM.
 * @gfn: a tracked frame the guest writes.
 *
 * Return: true if every shadow page of @gfn is unsync now (the frame is
 * no longer tracked and may be mapped writable).
 */
bool shadow_try_unsync(struct minikvm_vm *vm, gfn_t gfn)
{
	struct minikvm_mmu_page *sp;

	lockdep_assert_held_write(&vm->mmu.lock);

	if (!shadow_can_unsync(vm, gfn))
		return false;
	hlist_for_each_entry(sp, gfn_bucket(vm, gfn), hash_link)
		if (is_indirect_of(sp, gfn) && !sp->unsync)
			mark_unsync(vm, sp);
	return true;
}

/**
 * shadow_gfn_has_unsync - is the guest table at @gfn unsync?
 * @vm: the VM.
 * @gfn: the guest frame.
 *
 * Return: true if an indirect shadow page of @gfn is unsync.
 */
bool shadow_gfn_has_unsync(struct minikvm_vm *vm, gfn_t gfn)
{
	struct minikvm_mmu_page *sp;

	lockdep_assert_held(&vm->mmu.lock);

	hlist_for_each_entry(sp, gfn_bucket(vm, gfn), hash_link)
		if (is_indirect_of(sp, gfn) && sp->unsync)
			return true;
	return false;
}

/**
 * shadow_zap_unsync_gfn - zap the unsync pages of @gfn.
 * @vm: the VM.
 * @gfn: a frame about to be shadowed as a higher-level table.
 * @invalid: collects the zapped pages.
 */
void shadow_zap_unsync_gfn(struct minikvm_vm *vm, gfn_t gfn,
			   struct list_head *invalid)
{
	struct minikvm_mmu_page *sp;
	struct hlist_node *tmp;

	lockdep_assert_held_write(&vm->mmu.lock);

	hlist_for_each_entry_safe(sp, tmp, gfn_bucket(vm, gfn), hash_link) {
		if (!is_indirect_of(sp, gfn) || !sp->unsync)
			continue;
		shadow_zap_page(vm, sp, invalid);
		shadow_stat_add(vm, SHADOW_STAT_UNSYNC_ZAPS, 1);
	}
}

/* ------------------------------------------------------------------ */
/* Syncing                                                             */

/**
 * shadow_gpte_hva - where the guest entry behind spte @i of @sp lives.
 * @vm: the VM.
 * @sp: an indirect level-1 shadow page.
 * @i: the spte's index; entries @i.. of one aligned window are contiguous.
 * @size: set to the size of a guest entry (4 with 2-level paging, else 8).
 *
 * Return: the host address, or 0 when the table has no usable memslot.
 */
hva_t shadow_gpte_hva(struct minikvm_vm *vm, struct minikvm_mmu_page *sp,
		      int i, int *size)
{
	union shadow_role role = sp_role(sp);
	bool legacy = role.mode == PAGING_32;
	unsigned int gi = legacy ? role.quadrant * SPTE_ENT_PER_PAGE + i : i;
	struct minikvm_memslot *slot = minikvm_gfn_to_memslot(vm, sp->gfn);

	*size = legacy ? 4 : 8;
	if (!slot || (slot->flags & MINIKVM_MEMSLOT_INVALID))
		return 0;
	return minikvm_gfn_to_hva_memslot(slot, sp->gfn) + gi * *size;
}

/*
 * The guest entry behind spte @i of the level-1 page @sp, read without
 * sleeping (mmu_lock is a spinning lock).  Return: 0, or -EFAULT.
 */
static int read_gpte(struct minikvm_vm *vm, struct minikvm_mmu_page *sp,
		     int i, u64 *gpte)
{
	int size;
	hva_t hva = shadow_gpte_hva(vm, sp, i, &size);

	*gpte = 0;
	if (!hva || copy_from_user_nofault(gpte, (void __user *)hva, size))
		return -EFAULT;
	return 0;
}

/*
 * Does leaf spte @i of @sp still say no more than guest entry @gpte?  It
 * must map the same frame, while the entry is present, Accessed, free of
 * reserved bits, and it may not grant more: not user, writable or
 * executable where the entry (with the levels above, role.access) denies
 * it, and not writable unless the entry is Dirty.  A spte granting less
 * than the entry is left alone: the access faults and the fault fixes it.
 * The CR0.WP=0 exception (a writable supervisor-only spte of a read-only
 * entry, see make_shadow_leaf()) is kept.  MMIO sptes always go.
 */
static bool spte_matches(const struct paging_regs *r,
			 struct minikvm_mmu_page *sp, int i, u64 gpte)
{
	union shadow_role role = sp_role(sp);
	u64 spte = sp->spt[i];
	unsigned int access;

	if (!is_shadow_present_spte(spte))
		return false;
	if (!shadow_gpte_mappable(r, gpte) ||
	    shadow_gpte_gfn(r, gpte) != sp->gfns[i])
		return false;
	access = role.access & paging_gpte_access(r, gpte);
	if ((spte & _PAGE_USER) && !(access & ACC_USER))
		return false;
	if (!(spte & _PAGE_NX) && !(access & ACC_EXEC))
		return false;
	if (spte & (SPTE_WRITABLE | minikvm_spte.mmu_writable)) {
		if (!(access & ACC_WRITE) &&
		    (role.cr0_wp || (spte & _PAGE_USER)))
			return false;
		if ((spte & SPTE_WRITABLE) && !(gpte & GPTE_D))
			return false;
	}
	return true;
}

/*
 * Compare spte @i of @sp with its guest entry, dropping it on a mismatch.
 * Return: 1 if it was dropped, 0 if not, -EFAULT if the guest table could
 * not be read.
 */
static int sync_spte(struct minikvm_vcpu *vcpu, struct minikvm_mmu_page *sp,
		     int i)
{
	union shadow_role role = sp_role(sp);
	struct paging_regs r;
	u64 gpte;

	if (!sp->spt[i])
		return 0;
	if (read_gpte(vcpu->vm, sp, i, &gpte))
		return -EFAULT;
	/*
	 * The page may belong to another vCPU's paging state (a frame's
	 * pages are synced together): decode the entry as its role says.
	 */
	r = vcpu->mmu.shadow->regs;
	r.mode = role.mode;
	r.efer = role.nxe ? r.efer | EFER_NX : r.efer & ~EFER_NX;
	r.cr0 = role.cr0_wp ? r.cr0 | X86_CR0_WP : r.cr0 & ~X86_CR0_WP;
	if (spte_matches(&r, sp, i, gpte))
		return 0;
	shadow_drop_spte(vcpu->vm, &sp->spt[i]);
	shadow_stat_add(vcpu->vm, SHADOW_STAT_SYNC_DROPS, 1);
	return 1;
}

/*
 * Bring the level-1 page @sp up to date with its guest table (which is
 * write-protected already).  A table that cannot be read is zapped.
 * Return: true if an spte was dropped.
 */
static bool sync_page(struct minikvm_vcpu *vcpu, struct minikvm_mmu_page *sp,
		      struct list_head *invalid)
{
	bool dropped = false;
	int i, r;

	for (i = 0; i < SPTE_ENT_PER_PAGE; i++) {
		r = sync_spte(vcpu, sp, i);
		if (r < 0)
			return shadow_zap_page(vcpu->vm, sp, invalid);
		dropped |= r;
	}
	return dropped;
}

/*
 * Sync every unsync page of @gfn: mark them in sync, write-protect the
 * frame and flush every TLB that may still map it writable, then compare.
 * In that order, a guest store either lands before the comparison (and is
 * seen) or faults and is emulated.
 */
static void sync_gfn(struct minikvm_vcpu *vcpu, gfn_t gfn,
		     struct list_head *invalid)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *sp;
	struct hlist_node *tmp;
	bool flush = false;

	hlist_for_each_entry(sp, gfn_bucket(vm, gfn), hash_link) {
		if (!is_indirect_of(sp, gfn) || !sp->unsync)
			continue;
		sp->unsync = false;
		shadow_stat_add(vm, SHADOW_STAT_UNSYNC_PAGES, -1);
		shadow_stat_add(vm, SHADOW_STAT_SYNCS, 1);
	}
	if (shadow_write_protect_gfn(vm, gfn)) {
		shadow_stat_add(vm, SHADOW_STAT_WRPROT, 1);
		minikvm_flush_remote_tlbs(vm);
	}
	hlist_for_each_entry_safe(sp, tmp, gfn_bucket(vm, gfn), hash_link)
		if (is_indirect_of(sp, gfn) && sp->level == PG_LEVEL_4K)
			flush |= sync_page(vcpu, sp, invalid);
	/*
	 * Other vCPUs may cache what was dropped; the guest flushes its own
	 * TLBs, but the host page may go once no spte maps it any more.
	 */
	if (flush)
		minikvm_flush_remote_tlbs(vm);
}

/*
 * Visit the children of table @sp that its bitmap names: sync unsync
 * pages, descend into tables, clear the bits.  Depth: at most 3.
 */
static void sync_children(struct minikvm_vcpu *vcpu,
			  struct minikvm_mmu_page *sp,
			  struct list_head *invalid)
{
	struct minikvm_mmu_page *child;
	unsigned int i;
	u64 spte;

	for_each_set_bit(i, sp->unsync_child_bitmap, SPTE_ENT_PER_PAGE) {
		spte = sp->spt[i];
		if (is_shadow_present_spte(spte) && !is_last_spte(spte, sp->level)) {
			child = table_to_sp(__va(spte & SPTE_PFN_MASK));
			if (child->unsync)
				sync_gfn(vcpu, child->gfn, invalid);
			else if (child->level > PG_LEVEL_4K)
				sync_children(vcpu, child, invalid);
		}
		/* Stale or done: the child has nothing unsync below it now. */
		__clear_bit(i, sp->unsync_child_bitmap);
	}
}

/**
 * shadow_sync_root - sync everything unsync below @root.
 * @vcpu: the vCPU that flushes its TLB (its paging state is the root's).
 * @root: its current root.
 * @invalid: collects pages zapped because their guest table is gone.
 */
void shadow_sync_root(struct minikvm_vcpu *vcpu, struct minikvm_mmu_page *root,
		      struct list_head *invalid)
{
	lockdep_assert_held_write(&vcpu->vm->mmu.lock);

	if (bitmap_empty(root->unsync_child_bitmap, SPTE_ENT_PER_PAGE))
		return;
	shadow_stat_add(vcpu->vm, SHADOW_STAT_SYNC_WALKS, 1);
	sync_children(vcpu, root, invalid);
}

/**
 * shadow_sync_before_link - sync the unsync page @sp before it gets a
 *	new parent.
 * @vcpu: the vCPU whose fault links @sp.
 * @sp: an existing level-1 page found in the hash.
 * @invalid: collects pages zapped because their guest table is gone.
 *
 * A sync walk only reaches pages linked below the root being synced.  A
 * page unlinked while unsync (its guest PDE was rewritten, or the table
 * above it zapped or reclaimed) misses every guest TLB flush from then
 * on, while its guest table is freed and reused: its sptes may still map
 * what the table held before those flushes, e.g. another process' pages.
 * Linked again as it is, it would hand those translations to the guest,
 * where no real TLB could still hold them.  So it is synced first (with
 * every page of its frame, which stay in the same state).
 *
 * Return: true if @sp is still hashed, false if the sync zapped it.
 */
bool shadow_sync_before_link(struct minikvm_vcpu *vcpu,
			     struct minikvm_mmu_page *sp,
			     struct list_head *invalid)
{
	lockdep_assert_held_write(&vcpu->vm->mmu.lock);

	if (!sp->unsync)
		return true;
	sync_gfn(vcpu, sp->gfn, invalid);
	return !sp->invalid;
}

/**
 * minikvm_mmu_sync_roots - the guest flushed its TLB: sync its root.
 * @vcpu: the vCPU, in KVM_RUN before entry (may sleep), with its root
 *	loaded for the current paging state.
 *
 * Called for MINIKVM_REQ_TLB_FLUSH_GUEST (CR3 loads, CR0/CR4 writes that
 * flush, KVM_SET_SREGS), before the vCPU's TLB is flushed.  Cached roots
 * are synced when a CR3 load makes them current again.  Nothing to do on
 * a TDP VM.
 */
void minikvm_mmu_sync_roots(struct minikvm_vcpu *vcpu)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *root;
	LIST_HEAD(invalid);
	int idx;

	if (!minikvm_mmu_is_shadow(&vm->mmu))
		return;
	idx = srcu_read_lock(&vm->srcu);
	write_lock(&vm->mmu.lock);
	root = vcpu->mmu.root;
	if (root && !root->invalid)
		shadow_sync_root(vcpu, root, &invalid);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
	srcu_read_unlock(&vm->srcu, idx);
}

/* ------------------------------------------------------------------ */
/* INVLPG                                                              */

/* The level-1 shadow page mapping @gva under @root, or NULL. */
static struct minikvm_mmu_page *leaf_table(struct minikvm_mmu_page *root,
					   gva_t gva)
{
	struct minikvm_mmu_page *sp = root;
	int level;
	u64 spte;

	for (level = sp->level; level > PG_LEVEL_4K; level--) {
		spte = sp->spt[shadow_index(gva, level, sp_role(sp).pae_root)];
		if (!is_shadow_present_spte(spte) || is_last_spte(spte, level))
			return NULL;
		sp = table_to_sp(__va(spte & SPTE_PFN_MASK));
	}
	return sp;
}

/* Resync the leaf spte of @gva, if it is in an unsync page. */
static void invlpg_gva(struct minikvm_vcpu *vcpu, gva_t gva)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *sp;
	LIST_HEAD(invalid);
	int idx, r = 0;

	idx = srcu_read_lock(&vm->srcu);
	write_lock(&vm->mmu.lock);
	sp = vcpu->mmu.root;
	if (sp && !sp->invalid)
		sp = leaf_table(sp, gva);
	else
		sp = NULL;
	if (sp && sp->unsync) {
		r = sync_spte(vcpu, sp, shadow_index(gva, PG_LEVEL_4K, false));
		if (r < 0)
			shadow_zap_page(vm, sp, &invalid);
		if (r)
			minikvm_flush_remote_tlbs(vm);
	}
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
	srcu_read_unlock(&vm->srcu, idx);
}

/**
 * minikvm_mmu_invlpg - the emulator ran an INVLPG.
 * @vcpu: the vCPU, in KVM_RUN (may sleep), no mmu_lock.
 * @gva: the linear address it invalidates.
 *
 * On a shadow VM the address's leaf spte is resynced if its page is
 * unsync; the vCPU's TLB is flushed (all of it: the CPU's own INVLPG did
 * not run).
 */
void minikvm_mmu_invlpg(struct minikvm_vcpu *vcpu, gva_t gva)
{
	if (vcpu->mmu.shadow)
		invlpg_gva(vcpu, gva);
	set_bit(MINIKVM_REQ_TLB_FLUSH, &vcpu->requests);
}

/**
 * minikvm_mmu_invpcid - the emulator ran an INVPCID (its checks passed).
 * @vcpu: the vCPU, in KVM_RUN.
 *
 * Whatever the type asks (one address, one PCID, everything), the whole
 * root is synced and the vCPU's TLB flushed: more than asked, which the
 * architecture allows.
 */
void minikvm_mmu_invpcid(struct minikvm_vcpu *vcpu)
{
	shadow_stat_add(vcpu->vm, SHADOW_STAT_INVLPG, 1);
	set_bit(MINIKVM_REQ_TLB_FLUSH_GUEST, &vcpu->requests);
}

/*
 * The emulator could not run the intercepted instruction (its bytes are
 * not INVLPG/INVPCID any more, or could not be fetched): with the next RIP
 * the CPU reported (NRIPS), sync everything, flush and step over it.
 */
static int tlb_insn_fallback(struct minikvm_vcpu *vcpu, u64 next_rip)
{
	if (!next_rip)
		return minikvm_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
						   vcpu->rip, 0);
	minikvm_mmu_sync_roots(vcpu);
	vcpu->rip = next_rip;
	minikvm_x86_call(set_interrupt_shadow)(vcpu, 0);
	set_bit(MINIKVM_REQ_TLB_FLUSH_GUEST, &vcpu->requests);
	return MINIKVM_EXIT_RESUME;
}

/**
 * minikvm_mmu_shadow_invlpg - the guest executed INVLPG (intercepted).
 * @vcpu: the vCPU, in KVM_RUN (may sleep).
 * @next_rip: the next RIP if the CPU reported it (NRIPS), else 0.
 *
 * The instruction emulator decodes and runs it (QEMU's SVM has no decode
 * assists to give the address): minikvm_emulate_tlb_insn(), which calls
 * back minikvm_mmu_invlpg().
 *
 * Return: what an exit handler returns; an emulation error exit when the
 * instruction is not emulated and @next_rip is unknown.
 */
int minikvm_mmu_shadow_invlpg(struct minikvm_vcpu *vcpu, u64 next_rip)
{
	int r;

	shadow_stat_add(vcpu->vm, SHADOW_STAT_INVLPG, 1);
	r = minikvm_emulate_tlb_insn(vcpu);
	return r == -EOPNOTSUPP ? tlb_insn_fallback(vcpu, next_rip) : r;
}

/**
 * minikvm_mmu_shadow_invpcid - the guest executed INVPCID (intercepted).
 * @vcpu: the vCPU, in KVM_RUN (may sleep).
 * @next_rip: the next RIP if the CPU reported it (NRIPS), else 0.
 *
 * Decoded, checked (type, descriptor, CPL: #GP) and run by the emulator,
 * which calls back minikvm_mmu_invpcid().
 *
 * Return: as minikvm_mmu_shadow_invlpg().
 */
int minikvm_mmu_shadow_invpcid(struct minikvm_vcpu *vcpu, u64 next_rip)
{
	int r;

	r = minikvm_emulate_tlb_insn(vcpu);
	return r == -EOPNOTSUPP ? tlb_insn_fallback(vcpu, next_rip) : r;
}
