// SPDX-License-Identifier: GPL-2.0
/*
 * First-cut nested page table: a 4-level x86-64 table per VM that maps guest
 * frames to pinned host pages, 4 KiB at a time.
 *
 * Life of a mapping: a nested page fault looks the frame up in the memslots,
 * pins the user page behind it (FOLL_WRITE | FOLL_LONGTERM: COW is broken
 * and the page stays the one userspace sees) and installs a present,
 * writable, executable leaf.  Deleting or moving a memslot removes the
 * leaves in two phases under mmu_lock: first the leaves become non-present
 * (keeping the pfn and a "zapped" software bit), then every vCPU is forced
 * out of the guest and told to flush its TLB, and only then are the pages
 * unpinned.  No guest can reach a page after it was given back.
 *
 * Without MMU notifiers the table does not follow later changes to the
 * userspace mapping (munmap, mremap): the guest keeps the pinned page until
 * the memslot goes.  KVM_CAP_SYNC_MMU is therefore not advertised.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/page.h>

#include "../compat.h"
#include "../minikvm.h"
#include "../x86.h"
#include "../emulate/emulate.h"
#include "mmu.h"
#include "npt.h"

static u64 *npt_table_of(u64 entry)
{
	return __va(npt_entry_hpa(entry));
}

/* The largest frame a 4-level table and this CPU's physical bits allow. */
gfn_t minikvm_mmu_max_gfn(void)
{
	unsigned int bits = min_t(unsigned int, boot_cpu_data.x86_phys_bits, 48);

	return (1ULL << (bits - PAGE_SHIFT)) - 1;
}

hpa_t minikvm_mmu_root_hpa(struct minikvm_vm *vm)
{
	return __pa(vm->mmu.root);
}

int minikvm_mmu_init(struct minikvm_vm *vm)
{
	mutex_init(&vm->mmu.lock);
	vm->mmu.root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	return vm->mmu.root ? 0 : -ENOMEM;
}

/*
 * Find the leaf entry for @gfn, allocating missing tables when @alloc.
 * Returns NULL when a table is missing and !@alloc, or on -ENOMEM.
 */
VISIBLE_IF_KUNIT u64 *npt_walk(struct minikvm_vm *vm, gfn_t gfn, bool alloc)
{
	u64 *table = vm->mmu.root;
	u64 *entry;
	int level;

	lockdep_assert_held(&vm->mmu.lock);

	for (level = NPT_LEVELS; level > 1; level--) {
		entry = &table[npt_index(gfn, level)];
		if (!(*entry & NPT_PRESENT)) {
			u64 *child;

			if (!alloc)
				return NULL;
			child = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!child)
				return NULL;
			*entry = npt_table_entry(__pa(child));
		}
		table = npt_table_of(*entry);
	}
	return &table[npt_index(gfn, 1)];
}

/*
 * Install @page at @gfn.  Return: 0, -EEXIST when another vCPU mapped the
 * frame first (the caller then drops its pin), or -ENOMEM.
 */
static int npt_install(struct minikvm_vm *vm, gfn_t gfn, struct page *page)
{
	u64 *leaf;

	lockdep_assert_held(&vm->mmu.lock);

	leaf = npt_walk(vm, gfn, true);
	if (!leaf)
		return -ENOMEM;
	if (*leaf)
		return -EEXIST;
	*leaf = npt_leaf_entry(page_to_phys(page));
	return 0;
}

static bool npt_is_mapped(struct minikvm_vm *vm, gfn_t gfn)
{
	u64 *leaf = npt_walk(vm, gfn, false);

	return leaf && (*leaf & NPT_PRESENT);
}

/* Snapshot of what a fault needs from the memslot, taken under mmu_lock. */
struct npt_fault {
	gfn_t gfn;
	hva_t hva;
	unsigned long seq;
};

/*
 * Return: 1 when the fault can go on to pin, 0 when the frame is already
 * mapped (a racing vCPU did it), -ENOENT when no memslot covers the frame.
 */
static int npt_fault_lookup(struct minikvm_vm *vm, struct npt_fault *f)
{
	struct minikvm_memslot *slot;

	lockdep_assert_held(&vm->mmu.lock);

	slot = minikvm_gfn_to_memslot(vm, f->gfn);
	if (!slot)
		return -ENOENT;
	if (npt_is_mapped(vm, f->gfn))
		return 0;
	f->hva = minikvm_gfn_to_hva_memslot(slot, f->gfn);
	f->seq = vm->mmu.seq;
	return 1;
}

static int npt_pin(hva_t hva, struct page **page)
{
	long n;

	n = minikvm_pin_user_page(hva, FOLL_WRITE, page);
	if (n == 1)
		return 0;
	return n < 0 ? (int)n : -EFAULT;
}

/**
 * minikvm_mmu_page_fault - resolve a nested page fault.
 * @vcpu: the faulting vCPU, in KVM_RUN.
 * @gpa: the guest physical address from the exit.
 * @error_code: the nested page fault error code.
 *
 * Return: MINIKVM_EXIT_RESUME when the guest can retry the access, what the
 * instruction emulator returns for a frame outside every memslot (MMIO), or
 * -EFAULT when the memslot's userspace range cannot be pinned writable.
 */
int minikvm_mmu_page_fault(struct minikvm_vcpu *vcpu, gpa_t gpa, u64 error_code)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct npt_fault f = { .gfn = gpa_to_gfn(gpa) };
	struct page *page;
	int r;

retry:
	mutex_lock(&vm->mmu.lock);
	r = npt_fault_lookup(vm, &f);
	mutex_unlock(&vm->mmu.lock);
	if (r == -ENOENT)
		return minikvm_emulate_mmio_fault(vcpu, gpa, error_code);
	if (r == 0)
		return MINIKVM_EXIT_RESUME;

	/* May sleep and fault in the page: done without mmu_lock. */
	r = npt_pin(f.hva, &page);
	if (r)
		return r;

	mutex_lock(&vm->mmu.lock);
	if (vm->mmu.seq != f.seq) {
		/* A memslot changed meanwhile: the hva may be stale. */
		mutex_unlock(&vm->mmu.lock);
		unpin_user_page(page);
		goto retry;
	}
	r = npt_install(vm, f.gfn, page);
	mutex_unlock(&vm->mmu.lock);

	if (r)
		unpin_user_page(page);
	if (r == -ENOMEM)
		return r;
	return MINIKVM_EXIT_RESUME;
}

/* Phase 1 of removal: make the leaves in [start, end) non-present. */
static bool npt_zap_range(struct minikvm_vm *vm, gfn_t start, gfn_t end)
{
	bool zapped = false;
	gfn_t gfn;
	u64 *leaf;

	lockdep_assert_held(&vm->mmu.lock);

	for (gfn = start; gfn < end; gfn++) {
		leaf = npt_walk(vm, gfn, false);
		if (!leaf) {
			/* Skip to the next level-1 table. */
			gfn |= NPT_ENTRIES - 1;
			continue;
		}
		if (*leaf & NPT_PRESENT) {
			*leaf = npt_zapped_entry(*leaf);
			zapped = true;
		}
	}
	return zapped;
}

/* Phase 2: give back the pages of leaves zapped in phase 1. */
static void npt_unpin_zapped(struct minikvm_vm *vm, gfn_t start, gfn_t end)
{
	struct page *page;
	gfn_t gfn;
	u64 *leaf;

	lockdep_assert_held(&vm->mmu.lock);

	for (gfn = start; gfn < end; gfn++) {
		leaf = npt_walk(vm, gfn, false);
		if (!leaf) {
			gfn |= NPT_ENTRIES - 1;
			continue;
		}
		if (!(*leaf & NPT_ZAPPED))
			continue;
		/* Mapped writable: the guest may have written it. */
		page = pfn_to_page(PHYS_PFN(npt_entry_hpa(*leaf)));
		unpin_user_pages_dirty_lock(&page, 1, true);
		*leaf = 0;
		cond_resched();
	}
}

/**
 * minikvm_mmu_unmap_memslot - remove every mapping of @slot's frames.
 * @vm: the VM; the caller holds vm->slots_lock and vm->mmu.lock and has
 *	already unpublished @slot, so no new fault can map its frames.
 * @slot: the memslot going away (or moving).
 *
 * On return no vCPU can reach the slot's old pages.
 */
void minikvm_mmu_unmap_memslot(struct minikvm_vm *vm,
			       const struct minikvm_memslot *slot)
{
	gfn_t start = slot->base_gfn, end = slot->base_gfn + slot->npages;

	lockdep_assert_held(&vm->slots_lock);
	lockdep_assert_held(&vm->mmu.lock);

	/* Faults that pinned a page of this slot must retry. */
	vm->mmu.seq++;
	if (!npt_zap_range(vm, start, end))
		return;
	minikvm_make_all_vcpus_request(vm, MINIKVM_REQ_TLB_FLUSH);
	npt_unpin_zapped(vm, start, end);
}

/* Unpin every leaf of @table at @level and free the tables below it. */
static void npt_free_table(u64 *table, int level)
{
	struct page *page;
	int i;

	for (i = 0; i < NPT_ENTRIES; i++) {
		u64 entry = table[i];

		if (!(entry & (NPT_PRESENT | NPT_ZAPPED)))
			continue;
		if (level > 1) {
			npt_free_table(npt_table_of(entry), level - 1);
			continue;
		}
		page = pfn_to_page(PHYS_PFN(npt_entry_hpa(entry)));
		unpin_user_pages_dirty_lock(&page, 1, true);
	}
	free_page((unsigned long)table);
}

/* VM teardown: no vCPU can run any more, nobody else holds the table. */
void minikvm_mmu_destroy(struct minikvm_vm *vm)
{
	if (!vm->mmu.root)
		return;
	npt_free_table(vm->mmu.root, NPT_LEVELS);
	vm->mmu.root = NULL;
}
