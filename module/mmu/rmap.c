// SPDX-License-Identifier: GPL-2.0
/*
 * Lists of spte pointers: the reverse map (guest frame -> the leaf sptes
 * that map it) and every shadow page's parent list (the sptes that point
 * to it), and the range operations built on the reverse map for the MMU
 * notifier and dirty logging.
 *
 * A list is a chain of struct pte_list_desc, each holding up to
 * PTE_LIST_EXT pointers.  The reverse map is a hash of descriptors keyed
 * by gfn; a gfn's descriptors share one bucket.  Descriptors are taken
 * from the vCPU's cache, filled before mmu_lock, and freed with kfree()
 * (allowed under a spinning lock).  Everything runs under mmu_lock held
 * for write.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "../x86.h"
#include "shadow.h"

struct pte_list_desc *shadow_alloc_desc(struct minikvm_vcpu *vcpu)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;
	struct pte_list_desc *desc;

	if (MINIKVM_BUG_ON(!sv->nr_descs, vcpu->vm))
		return NULL;
	desc = sv->descs[--sv->nr_descs];
	memset(desc, 0, sizeof(*desc));
	return desc;
}

void shadow_free_desc(struct pte_list_desc *desc)
{
	kfree(desc);
}

struct hlist_head *rmap_bucket(struct minikvm_vm *vm, gfn_t gfn)
{
	return &to_shadow(vm)->rmap[hash_64(gfn, RMAP_HASH_BITS)];
}

/**
 * pte_list_add - add @sptep to the list at @head.
 * @vcpu: pays for a new descriptor if needed.
 * @head: the list (parent list, or a reverse map bucket).
 * @sptep: the entry.
 * @gfn: the reverse map's key (0 for parent lists).
 */
void pte_list_add(struct minikvm_vcpu *vcpu, struct hlist_head *head,
		  u64 *sptep, gfn_t gfn)
{
	struct pte_list_desc *desc;

	lockdep_assert_held_write(&vcpu->vm->mmu.lock);

	hlist_for_each_entry(desc, head, link) {
		if (desc->gfn == gfn && desc->n < PTE_LIST_EXT) {
			desc->sptes[desc->n++] = sptep;
			return;
		}
	}
	desc = shadow_alloc_desc(vcpu);
	if (!desc)
		return;
	desc->gfn = gfn;
	desc->sptes[desc->n++] = sptep;
	hlist_add_head(&desc->link, head);
}

/**
 * pte_list_remove - remove @sptep from the list at @head.
 * @vm: the VM.
 * @head: the list.
 * @sptep: the entry, which must be on it (else the VM is bugged).
 * @gfn: the key it was added with.
 */
void pte_list_remove(struct minikvm_vm *vm, struct hlist_head *head,
		     u64 *sptep, gfn_t gfn)
{
	struct pte_list_desc *desc;
	int i;

	lockdep_assert_held_write(&vm->mmu.lock);

	hlist_for_each_entry(desc, head, link) {
		if (desc->gfn != gfn)
			continue;
		for (i = 0; i < desc->n; i++) {
			if (desc->sptes[i] != sptep)
				continue;
			desc->sptes[i] = desc->sptes[--desc->n];
			if (!desc->n) {
				hlist_del(&desc->link);
				shadow_free_desc(desc);
			}
			return;
		}
	}
	MINIKVM_BUG_ON(1, vm);
}

static enum minikvm_mmu_vm_stat pages_stat(u64 *sptep)
{
	return sptep_to_sp(sptep)->level > PG_LEVEL_4K ? MMU_STAT_PAGES_2M :
							  MMU_STAT_PAGES_4K;
}

/* Every leaf spte (4 KiB, or 2 MiB at level 2) is on the reverse map. */
void rmap_add(struct minikvm_vcpu *vcpu, u64 *sptep, gfn_t gfn)
{
	gfn_t key = rmap_key(gfn, sptep_to_sp(sptep)->level);

	pte_list_add(vcpu, rmap_bucket(vcpu->vm, key), sptep, key);
	mmu_stat_add(vcpu->vm, pages_stat(sptep), 1);
}

void rmap_remove(struct minikvm_vm *vm, u64 *sptep, gfn_t gfn)
{
	gfn_t key = rmap_key(gfn, sptep_to_sp(sptep)->level);

	pte_list_remove(vm, rmap_bucket(vm, key), sptep, key);
	mmu_stat_add(vm, pages_stat(sptep), -1);
	mmu_stat_add(vm, MMU_STAT_LEAF_ZAPS, 1);
}

/* Does the reverse map entry keyed @key map a gfn in [start, end)? */
static bool key_overlaps(gfn_t key, gfn_t start, gfn_t end)
{
	gfn_t gfn = key & ~RMAP_HUGE_TAG;
	gfn_t last = key & RMAP_HUGE_TAG ? gfn + SHADOW_HUGE_PAGES - 1 : gfn;

	return gfn < end && last >= start;
}

/* ------------------------------------------------------------------ */
/* Range operations                                                    */

/* What the range walk does to one spte; Return: flush needed. */
typedef bool (*rmap_fn_t)(struct minikvm_vm *vm, u64 *sptep, void *data);

/*
 * Call @fn on every leaf spte mapping a gfn in [start, end), scanning the
 * whole hash once.  @fn must not remove sptes from the reverse map.
 */
static bool rmap_walk_range(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			    rmap_fn_t fn, void *data)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vm);
	struct pte_list_desc *desc;
	struct hlist_node *tmp;
	bool ret = false;
	unsigned long b;
	int i;

	lockdep_assert_held_write(&vm->mmu.lock);

	for (b = 0; b < ARRAY_SIZE(shadow->rmap); b++) {
		hlist_for_each_entry_safe(desc, tmp, &shadow->rmap[b], link) {
			if (!key_overlaps(desc->gfn, start, end))
				continue;
			for (i = desc->n - 1; i >= 0; i--)
				ret |= fn(vm, desc->sptes[i], data);
		}
	}
	return ret;
}

/**
 * shadow_zap_gfn_range - unmap guest frames [@start, @end).
 * @vm: the VM.
 * @start: first gfn.
 * @end: last gfn + 1.
 *
 * Return: true if the caller must flush TLBs.
 */
bool shadow_zap_gfn_range(struct minikvm_vm *vm, gfn_t start, gfn_t end)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vm);
	struct pte_list_desc *desc;
	struct hlist_node *tmp;
	bool flush = false;
	unsigned long b;

	lockdep_assert_held_write(&vm->mmu.lock);

	for (b = 0; b < ARRAY_SIZE(shadow->rmap); b++) {
		hlist_for_each_entry_safe(desc, tmp, &shadow->rmap[b], link) {
			if (!key_overlaps(desc->gfn, start, end))
				continue;
			/* Each drop removes the last entry; the last frees desc. */
			while (desc->n > 1)
				shadow_drop_spte(vm, desc->sptes[desc->n - 1]);
			shadow_drop_spte(vm, desc->sptes[0]);
			flush = true;
		}
	}
	return flush;
}

struct wrprot_args {
	bool mmu_too;
};

static bool wrprot_one(struct minikvm_vm *vm, u64 *sptep, void *data)
{
	struct wrprot_args *args = data;
	u64 spte = *sptep, new = spte & ~SPTE_WRITABLE;

	if (args->mmu_too)
		new &= ~minikvm_spte.mmu_writable;
	if (new == spte)
		return false;
	WRITE_ONCE(*sptep, new);
	/* The CPU may have dirtied the page through it. */
	if (is_writable_spte(spte)) {
		hfn_t pfn = spte_to_pfn(spte);

		if (pfn_valid(pfn) && !PageReserved(pfn_to_page(pfn)))
			SetPageDirty(pfn_to_page(pfn));
	}
	return is_writable_spte(spte);
}

/* wrprot_one() on the sptes keyed @key. */
static bool wrprot_key(struct minikvm_vm *vm, gfn_t key, struct wrprot_args *args)
{
	struct pte_list_desc *desc;
	bool flush = false;
	int i;

	hlist_for_each_entry(desc, rmap_bucket(vm, key), link) {
		if (desc->gfn != key)
			continue;
		for (i = 0; i < desc->n; i++)
			flush |= wrprot_one(vm, desc->sptes[i], args);
	}
	return flush;
}

/**
 * shadow_wrprot_gfn_range - make the leaves of [@start, @end) read-only.
 * @vm: the VM.
 * @start: first gfn.
 * @end: last gfn + 1.
 * @mmu_too: clear MMU-writable as well (write tracking of guest tables);
 *	dirty logging keeps it.
 *
 * Return: true if a writable spte changed (flush TLBs).
 */
bool shadow_wrprot_gfn_range(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			     bool mmu_too)
{
	struct wrprot_args args = { .mmu_too = mmu_too };
	bool flush = false;

	lockdep_assert_held_write(&vm->mmu.lock);

	if (end - start > 64)
		return rmap_walk_range(vm, start, end, wrprot_one, &args);
	for (; start < end; start++) {
		gfn_t huge = rmap_key(start & ~(gfn_t)(SHADOW_HUGE_PAGES - 1),
				      PG_LEVEL_2M);

		flush |= wrprot_key(vm, start, &args);
		flush |= wrprot_key(vm, huge, &args);
	}
	return flush;
}

/**
 * shadow_zap_huge_range - unmap the 2 MiB leaves overlapping [@start, @end).
 * @vm: the VM.
 * @start: first gfn.
 * @end: last gfn + 1.
 *
 * Return: true if the caller must flush TLBs.
 */
bool shadow_zap_huge_range(struct minikvm_vm *vm, gfn_t start, gfn_t end)
{
	gfn_t g = start & ~(gfn_t)(SHADOW_HUGE_PAGES - 1);
	struct pte_list_desc *desc;
	struct hlist_node *tmp;
	bool flush = false;

	lockdep_assert_held_write(&vm->mmu.lock);

	for (; g < end; g += SHADOW_HUGE_PAGES) {
		gfn_t key = rmap_key(g, PG_LEVEL_2M);

		hlist_for_each_entry_safe(desc, tmp, rmap_bucket(vm, key), link) {
			if (desc->gfn != key)
				continue;
			while (desc->n > 1)
				shadow_drop_spte(vm, desc->sptes[desc->n - 1]);
			shadow_drop_spte(vm, desc->sptes[0]);
			flush = true;
		}
	}
	return flush;
}

/**
 * shadow_zap_collapsible_range - unmap the 4 KiB leaves of [@start, @end)
 *	in @slot that could fault back as 2 MiB leaves.
 * @vm: the VM.
 * @slot: the memslot (dirty logging just stopped on it).
 * @start: first gfn.
 * @end: last gfn + 1.
 *
 * Only a direct page (a guest mapping of 2 MiB or more, or no paging)
 * can get a 2 MiB leaf, and only where the memslot lines up: the 4 KiB
 * leaves of indirect pages shadow guest 4 KiB mappings and would fault
 * back as they are, so they stay.
 *
 * Return: true if the caller must flush TLBs.
 */
bool shadow_zap_collapsible_range(struct minikvm_vm *vm,
				  const struct minikvm_memslot *slot,
				  gfn_t start, gfn_t end)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vm);
	struct minikvm_mmu_page *sp;
	struct pte_list_desc *desc;
	struct hlist_node *tmp;
	bool flush = false;
	unsigned long b;
	int i;

	lockdep_assert_held_write(&vm->mmu.lock);

	for (b = 0; b < ARRAY_SIZE(shadow->rmap); b++) {
		hlist_for_each_entry_safe(desc, tmp, &shadow->rmap[b], link) {
			if ((desc->gfn & RMAP_HUGE_TAG) ||
			    !key_overlaps(desc->gfn, start, end) ||
			    !mmu_slot_huge_level_ok(slot, desc->gfn, PG_LEVEL_2M))
				continue;
			/*
			 * A drop moves the last entry to i, already seen;
			 * dropping the last one frees desc, and i is then 0.
			 */
			for (i = desc->n - 1; i >= 0; i--) {
				sp = sptep_to_sp(desc->sptes[i]);
				if (!sp_is_direct(sp) || sp->level != PG_LEVEL_4K)
					continue;
				shadow_drop_spte(vm, desc->sptes[i]);
				flush = true;
			}
		}
	}
	return flush;
}

static bool age_one(struct minikvm_vm *vm, u64 *sptep, void *data)
{
	bool test_only = *(bool *)data;
	u64 spte = *sptep;

	if (!is_accessed_spte(spte))
		return false;
	if (!test_only)
		WRITE_ONCE(*sptep, spte & ~minikvm_spte.accessed);
	return true;
}

/**
 * shadow_age_gfn_range - were [@start, @end) accessed since last asked?
 * @vm: the VM.
 * @start: first gfn.
 * @end: last gfn + 1.
 * @test_only: do not clear the Accessed bits.
 *
 * The CPU sets Accessed in the spte itself (a locked update the lock does
 * not stop): clearing it with a plain store may lose a concurrent update
 * of the same spte, which only makes a page look older than it is.
 *
 * Return: true if any was.
 */
bool shadow_age_gfn_range(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			  bool test_only)
{
	return rmap_walk_range(vm, start, end, age_one, &test_only);
}
