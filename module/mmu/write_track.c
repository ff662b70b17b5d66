// SPDX-License-Identifier: GPL-2.0
/*
 * Write tracking of shadowed guest page tables.
 *
 * A guest frame is "tracked" while at least one indirect shadow page
 * shadows it: every leaf spte mapping it is then read-only (and not
 * MMU-writable), so each guest write to it faults.  The fault either
 * emulates the write and zaps the sptes made from the entry it changed
 * (shadow_pt_written()), or, if the instruction cannot be emulated,
 * unshadows the frame and lets the guest write (shadow_unprotect_gfn()).
 *
 * Floods: a frame written again and again (the guest reuses a former
 * page table as data, or rewrites a whole table) is unshadowed after
 * SHADOW_FLOOD_WRITES emulated writes in a row, and so is one written
 * across an entry boundary (that is no page-table update).
 *
 * Everything runs under mmu_lock held for write.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>

#include "../x86.h"
#include "shadow.h"

static struct hlist_head *gfn_bucket(struct minikvm_vm *vm, gfn_t gfn)
{
	return &to_shadow(vm)->hash[hash_64(gfn, SHADOW_HASH_BITS)];
}

/**
 * shadow_gfn_is_tracked - is @gfn shadowed as a guest page table?
 * @vm: the VM.
 * @gfn: the guest frame.
 *
 * Return: true if leaf sptes mapping @gfn must stay read-only: it has an
 * indirect shadow page that is not unsync.
 */
bool shadow_gfn_is_tracked(struct minikvm_vm *vm, gfn_t gfn)
{
	struct minikvm_mmu_page *sp;

	lockdep_assert_held(&vm->mmu.lock);

	/* An unsync frame is written freely (shadow_sync.c). */
	hlist_for_each_entry(sp, gfn_bucket(vm, gfn), hash_link)
		if (sp->gfn == gfn && !sp_role(sp).direct && !sp->unsync)
			return true;
	return false;
}

/**
 * shadow_write_protect_gfn - map @gfn read-only everywhere.
 * @vm: the VM.
 * @gfn: a guest frame that just became a shadowed page table.
 *
 * 2 MiB leaves covering @gfn are zapped: the range is mapped with 4 KiB
 * leaves while it holds a guest page table.
 *
 * Return: true if a writable spte changed: flush TLBs before the shadow
 * page is used.
 */
bool shadow_write_protect_gfn(struct minikvm_vm *vm, gfn_t gfn)
{
	/* A 2 MiB leaf over a guest table would make all of it read-only. */
	bool flush = shadow_zap_huge_range(vm, gfn, gfn + 1);

	return shadow_wrprot_gfn_range(vm, gfn, gfn + 1, true) || flush;
}

/**
 * shadow_unprotect_gfn - stop shadowing @gfn as a page table.
 * @vm: the VM.
 * @gfn: the guest frame.
 * @invalid: collects the zapped shadow pages.
 *
 * Return: true if anything was zapped.
 */
bool shadow_unprotect_gfn(struct minikvm_vm *vm, gfn_t gfn,
			  struct list_head *invalid)
{
	struct minikvm_mmu_page *sp;
	struct hlist_node *tmp;
	bool zapped = false;

	lockdep_assert_held_write(&vm->mmu.lock);

	hlist_for_each_entry_safe(sp, tmp, gfn_bucket(vm, gfn), hash_link)
		if (sp->gfn == gfn && !sp_role(sp).direct)
			zapped |= shadow_zap_page(vm, sp, invalid);
	return zapped;
}

/*
 * Drop the sptes of @sp made from guest entry @gi (an index in the guest
 * table).  A 32-bit guest table has 1024 entries, shadowed in quadrants.
 */
static void drop_guest_entry(struct minikvm_vm *vm, struct minikvm_mmu_page *sp,
			     unsigned int gi)
{
	union shadow_role role = sp_role(sp);
	unsigned int first;

	if (role.mode != PAGING_32) {
		shadow_drop_spte(vm, &sp->spt[gi]);
		return;
	}
	if (role.level == PG_LEVEL_4K) {
		first = role.quadrant * 512;
		if (gi >= first && gi < first + 512)
			shadow_drop_spte(vm, &sp->spt[gi - first]);
		return;
	}
	/* Level 2: a 4 MiB guest entry is two 2 MiB shadow entries. */
	first = role.quadrant * 256;
	if (gi >= first && gi < first + 256) {
		shadow_drop_spte(vm, &sp->spt[2 * (gi - first)]);
		shadow_drop_spte(vm, &sp->spt[2 * (gi - first) + 1]);
	}
}

/* Count a write to @gfn; Return: true if it makes a flood. */
static bool is_flood(struct minikvm_vcpu *vcpu, gfn_t gfn)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;

	if (sv->last_pt_write_gfn != gfn) {
		sv->last_pt_write_gfn = gfn;
		sv->pt_write_count = 0;
	}
	return ++sv->pt_write_count >= SHADOW_FLOOD_WRITES;
}

/**
 * shadow_pt_written - the guest wrote @bytes at @gpa of a tracked frame.
 * @vcpu: the writing vCPU (the write is done already).
 * @gpa: where.
 * @bytes: how many (1 to 8).
 * @invalid: collects shadow pages zapped by a flood.
 *
 * The sptes made from the entry written are dropped (the next access
 * faults them in again from the new entry).  The caller flushes TLBs.
 */
void shadow_pt_written(struct minikvm_vcpu *vcpu, gpa_t gpa, int bytes,
		       struct list_head *invalid)
{
	struct minikvm_vm *vm = vcpu->vm;
	gfn_t gfn = gpa_to_gfn(gpa);
	unsigned int offset = gpa & ~PAGE_MASK;
	struct minikvm_mmu_page *sp;
	struct hlist_node *tmp;
	bool flood;

	lockdep_assert_held_write(&vm->mmu.lock);

	flood = is_flood(vcpu, gfn);
	hlist_for_each_entry_safe(sp, tmp, gfn_bucket(vm, gfn), hash_link) {
		unsigned int size;

		if (sp->gfn != gfn || sp_role(sp).direct)
			continue;
		size = sp_role(sp).mode == PAGING_32 ? 4 : 8;
		if (flood || (offset & (size - 1)) + bytes > size) {
			shadow_zap_page(vm, sp, invalid);
			shadow_stat_add(vm, SHADOW_STAT_FLOOD_ZAPS, 1);
			continue;
		}
		drop_guest_entry(vm, sp, offset / size);
	}
	if (flood)
		vcpu->mmu.shadow->pt_write_count = 0;
}
