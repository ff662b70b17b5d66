// SPDX-License-Identifier: GPL-2.0
/*
 * The MMU's lifecycle: page table pages, the per-vCPU page cache, loading
 * a root before entering the guest, VM setup and teardown, and what the
 * MMU does when memslots change (fast zap, MMIO generations, dirty logging
 * on and off).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../x86.h"
#include "mmu_internal.h"
#include "shadow.h"
#include "tdp_mmu.h"

static struct kmem_cache *mmu_page_header_cache;

/*
 * The CPU has nested paging (set by the backend at load, read-only
 * afterwards).  Without it every VM uses the shadow MMU.
 */
bool minikvm_tdp_available;

/*
 * tdp=N gives KVM_CREATE_VM's default type the shadow MMU as well, on a CPU
 * that has nested paging: programs written for /dev/kvm (the upstream KVM
 * selftests) then run on the shadow MMU of the per-VM mode, as stock KVM's
 * kvm_amd.npt=0 would give them.  Read-only once loaded.
 */
static bool tdp = true;
module_param(tdp, bool, 0444);
MODULE_PARM_DESC(tdp, "Nested paging for default VMs; N: every VM uses the shadow MMU");

/* ------------------------------------------------------------------ */
/* Page table pages                                                    */

/**
 * mmu_alloc_sp_gfp - a zeroed page table and its descriptor.
 * @gfp: allocation flags (GFP_NOWAIT variants under mmu_lock).
 *
 * Return: the descriptor, or NULL.
 */
struct minikvm_mmu_page *mmu_alloc_sp_gfp(gfp_t gfp)
{
	struct minikvm_mmu_page *sp;

	sp = kmem_cache_zalloc(mmu_page_header_cache, gfp);
	if (!sp)
		return NULL;
	sp->spt = (u64 *)get_zeroed_page(gfp);
	if (!sp->spt) {
		kmem_cache_free(mmu_page_header_cache, sp);
		return NULL;
	}
	/* sptep_to_sp() goes from any entry back to @sp. */
	set_page_private(virt_to_page(sp->spt), (unsigned long)sp);
	return sp;
}

/* Free a page table that nobody can reach (never linked, or after RCU). */
void mmu_free_sp(struct minikvm_mmu_page *sp)
{
	if (sp->gfns)
		free_page((unsigned long)sp->gfns);
	set_page_private(virt_to_page(sp->spt), 0);
	free_page((unsigned long)sp->spt);
	kmem_cache_free(mmu_page_header_cache, sp);
}

static void mmu_free_sp_rcu_callback(struct rcu_head *head)
{
	mmu_free_sp(container_of(head, struct minikvm_mmu_page, rcu_head));
}

/*
 * Free a page table that was unlinked: lockless walkers (RCU readers) may
 * still be reading it, so wait for a grace period.  The callback touches
 * nothing but the page and its descriptor, so it may run after the VM is
 * gone; module unload waits for it with rcu_barrier().
 */
void mmu_free_sp_rcu(struct minikvm_mmu_page *sp)
{
	call_rcu(&sp->rcu_head, mmu_free_sp_rcu_callback);
}

/**
 * mmu_topup_cache - fill @vcpu's page cache before taking mmu_lock.
 * @vcpu: the vCPU.
 *
 * A fault needs at most one new table per level below the root; having
 * them beforehand means nothing is allocated under the lock.
 *
 * Return: 0 or -ENOMEM.
 */
int mmu_topup_cache(struct minikvm_vcpu *vcpu)
{
	struct minikvm_vcpu_mmu *mmu = &vcpu->mmu;

	while (mmu->nr_cached < MMU_CACHE_CAPACITY) {
		struct minikvm_mmu_page *sp = mmu_alloc_sp_gfp(GFP_KERNEL_ACCOUNT);

		if (!sp)
			return -ENOMEM;
		mmu->cache[mmu->nr_cached++] = sp;
	}
	return 0;
}

/*
 * A page table from the cache.  The cache holds enough for any fault, so
 * running dry is a bug: the VM is killed rather than the fault allocating
 * under mmu_lock.
 */
struct minikvm_mmu_page *mmu_alloc_sp(struct minikvm_vcpu *vcpu)
{
	struct minikvm_vcpu_mmu *mmu = &vcpu->mmu;

	if (MINIKVM_BUG_ON(!mmu->nr_cached, vcpu->vm))
		return NULL;
	return mmu->cache[--mmu->nr_cached];
}

static void mmu_free_cache(struct minikvm_vcpu *vcpu)
{
	while (vcpu->mmu.nr_cached)
		mmu_free_sp(vcpu->mmu.cache[--vcpu->mmu.nr_cached]);
}

/* ------------------------------------------------------------------ */
/* Global facts                                                        */

/* The largest frame a 4-level table and this CPU's physical bits allow. */
gfn_t minikvm_mmu_max_gfn(void)
{
	unsigned int bits = min_t(unsigned int, boot_cpu_data.x86_phys_bits, 48);

	return (1ULL << (bits - PAGE_SHIFT)) - 1;
}

/**
 * mmu_slot_huge_level_ok - may @slot map @gfn with a leaf at @level?
 * @slot: the memslot.
 * @gfn: a gfn of the slot.
 * @level: a huge level.
 *
 * The whole huge range must lie in the slot, and the slot's guest and host
 * addresses must agree modulo the huge page size (else the host's huge
 * page does not line up with the guest's).
 */
bool mmu_slot_huge_level_ok(const struct minikvm_memslot *slot, gfn_t gfn,
			    int level)
{
	u64 pages = TDP_PAGES_PER_LEVEL(level);
	gfn_t base = gfn_round_for_level(gfn, level);

	if (base < slot->base_gfn ||
	    base + pages > slot->base_gfn + slot->npages)
		return false;
	return !((slot->base_gfn ^ (slot->userspace_addr >> PAGE_SHIFT)) &
		 (pages - 1));
}

/**
 * minikvm_flush_remote_tlbs - flush every vCPU's guest TLB.
 * @vm: the VM.
 *
 * On return no vCPU runs the guest with a translation from before the call
 * (see minikvm_make_all_vcpus_request()).  Never sleeps: it is called with
 * mmu_lock held, in either mode.
 */
void minikvm_flush_remote_tlbs(struct minikvm_vm *vm)
{
	minikvm_make_all_vcpus_request(vm, MINIKVM_REQ_TLB_FLUSH);
}

/* ------------------------------------------------------------------ */
/* The vCPU's root                                                     */

hpa_t minikvm_mmu_root_hpa(struct minikvm_vcpu *vcpu)
{
	return vcpu->mmu.root ? __pa(vcpu->mmu.root->spt) : 0;
}

static int mmu_load_root(struct minikvm_vcpu *vcpu)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *root;
	int r;

	if (vcpu->mmu.root) {
		minikvm_tdp_mmu_put_root(vm, vcpu->mmu.root);
		vcpu->mmu.root = NULL;
	}

	r = mmu_topup_cache(vcpu);
	if (r)
		return r;

	write_lock(&vm->mmu.lock);
	root = minikvm_tdp_mmu_get_vcpu_root(vcpu);
	write_unlock(&vm->mmu.lock);
	if (!root)
		return -EIO;

	vcpu->mmu.root = root;
	minikvm_x86_call(load_mmu_pgd)(vcpu, __pa(root->spt));
	/*
	 * The TLB may hold translations of a previous root under this
	 * vCPU's ASID: flush them before the first entry on the new one.
	 */
	set_bit(MINIKVM_REQ_TLB_FLUSH, &vcpu->requests);
	return 0;
}

/**
 * minikvm_mmu_reload - make sure @vcpu enters the guest on a valid root.
 * @vcpu: the vCPU, about to enter (preemption still enabled).
 *
 * The request bit is cleared before the root is looked at, and the
 * invalidation marks the root before it sets the bit (smp_wmb() in
 * minikvm_tdp_mmu_invalidate_all_roots()): either we see the root invalid
 * now, or the bit is set again after our clear and the entry path, which
 * checks requests after publishing IN_GUEST_MODE, comes back here.
 *
 * Return: 0, -ENOMEM, or -EIO if the VM is bugged.
 */
int minikvm_mmu_reload(struct minikvm_vcpu *vcpu)
{
	struct minikvm_mmu_page *root;

	if (READ_ONCE(vcpu->vm->bugged))
		return -EIO;
	if (minikvm_mmu_is_shadow(&vcpu->vm->mmu))
		return shadow_mmu_reload(vcpu);

	/* Full barrier: orders the clear before the read of root->invalid. */
	test_and_clear_bit(MINIKVM_REQ_MMU_RELOAD, &vcpu->requests);
	root = vcpu->mmu.root;
	if (likely(root && !READ_ONCE(root->invalid)))
		return 0;
	return mmu_load_root(vcpu);
}

/* Drop the vCPU's root and page cache; the VM's MMU is still alive. */
void minikvm_mmu_vcpu_destroy(struct minikvm_vcpu *vcpu)
{
	if (minikvm_mmu_is_shadow(&vcpu->vm->mmu))
		shadow_vcpu_destroy(vcpu);
	else if (vcpu->mmu.root)
		minikvm_tdp_mmu_put_root(vcpu->vm, vcpu->mmu.root);
	vcpu->mmu.root = NULL;
	mmu_free_cache(vcpu);
}

/* ------------------------------------------------------------------ */
/* The VM                                                              */

/**
 * minikvm_mmu_init - the MMU state of a new VM.
 * @vm: the VM.
 * @shadow: use the shadow MMU (also forced without nested paging, or by
 *	the module parameter tdp=N).
 *
 * Return: 0 or -ENOMEM.
 */
int minikvm_mmu_init(struct minikvm_vm *vm, bool shadow)
{
	rwlock_init(&vm->mmu.lock);
	INIT_LIST_HEAD(&vm->mmu.roots);
	spin_lock_init(&vm->mmu.roots_lock);
	spin_lock_init(&vm->mmu.mn_invalidate_lock);
	init_waitqueue_head(&vm->mmu.mn_memslots_update_wq);
	if (shadow || !tdp || !minikvm_tdp_available)
		return minikvm_mmu_shadow_init(vm);
	return 0;
}

/**
 * minikvm_mmu_set_nr_mmu_pages - KVM_SET_NR_MMU_PAGES.
 * @vm: the VM.
 * @pages: the bound on shadow page-table pages.
 *
 * As in KVM, the bound is on shadow pages only: the TDP MMU's tables do
 * not count against it.
 *
 * Context: vm->slots_lock held; may sleep.
 */
void minikvm_mmu_set_nr_mmu_pages(struct minikvm_vm *vm, unsigned long pages)
{
	lockdep_assert_held(&vm->slots_lock);

	if (minikvm_mmu_is_shadow(&vm->mmu))
		shadow_set_max_pages(vm, pages);
}

/**
 * minikvm_mmu_zap_all_fast - unmap everything by retiring every root.
 * @vm: the VM.
 *
 * Cheaper than walking a live root under a contended lock: the roots are
 * marked invalid, the vCPUs are made to load a fresh (empty) root, and the
 * retired roots are zapped with nobody else using them.
 *
 * Context: vm->slots_lock held (memslot updates); may sleep.
 */
void minikvm_mmu_zap_all_fast(struct minikvm_vm *vm)
{
	lockdep_assert_held(&vm->slots_lock);

	if (minikvm_mmu_is_shadow(&vm->mmu)) {
		shadow_zap_all(vm);
		mmu_stat_add(vm, MMU_STAT_ROOTS_INVALIDATED, 1);
		return;
	}
	write_lock(&vm->mmu.lock);
	minikvm_tdp_mmu_invalidate_all_roots(vm);
	/*
	 * Kick the vCPUs while still holding the lock: when it is released,
	 * no vCPU runs on a retired root any more, so operations that only
	 * walk valid roots (dirty logging) miss no mapping that is in use.
	 */
	minikvm_make_all_vcpus_request(vm, MINIKVM_REQ_MMU_RELOAD);
	write_unlock(&vm->mmu.lock);

	minikvm_tdp_mmu_zap_invalidated_roots(vm);
	mmu_stat_add(vm, MMU_STAT_ROOTS_INVALIDATED, 1);
}

/**
 * minikvm_mmu_memslots_changed - react to a new memslots generation.
 * @vm: the VM.
 * @generation: the generation just published.
 *
 * MMIO sptes carry MMIO_SPTE_GEN_BITS bits of the generation.  When those
 * wrap, an old MMIO spte could match again: zap them all.  Called after
 * the update waited for the SRCU readers, so no fault can still install an
 * MMIO spte with a generation from before the zap.
 *
 * Context: vm->slots_lock held.
 */
void minikvm_mmu_memslots_changed(struct minikvm_vm *vm, u64 generation)
{
	if (unlikely(!(generation & MMIO_GEN_MASK)))
		minikvm_mmu_zap_all_fast(vm);
}

/**
 * minikvm_mmu_slot_log_dirty - dirty logging of @slot starts or stops.
 * @vm: the VM.
 * @slot: the memslot, already published with its new flags (and every
 *	fault that saw the old flags has finished).
 * @on: logging starts.
 * @initially_set: the bitmap starts all ones (manual protect): pages are
 *	write-protected later, by KVM_CLEAR_DIRTY_LOG.
 *
 * Starting: huge leaves are split (logging is per 4 KiB page) and every
 * leaf is write-protected, keeping MMU-writable for the fast path.
 * Stopping: the split ranges are made huge again where possible.
 *
 * Context: vm->slots_lock held; may sleep.
 */
void minikvm_mmu_slot_log_dirty(struct minikvm_vm *vm,
				const struct minikvm_memslot *slot, bool on,
				bool initially_set)
{
	gfn_t start = slot->base_gfn, end = start + slot->npages;
	bool flush = false;

	lockdep_assert_held(&vm->slots_lock);

	/*
	 * Shadow: 2 MiB leaves are zapped when logging starts (they fault
	 * back as 4 KiB), and the 4 KiB ones that could be 2 MiB when it
	 * stops (they fault back as 2 MiB where the host allows).
	 */
	if (minikvm_mmu_is_shadow(&vm->mmu)) {
		write_lock(&vm->mmu.lock);
		if (!on)
			flush = shadow_zap_collapsible_range(vm, slot, start, end);
		else
			flush = shadow_zap_huge_range(vm, start, end);
		if (on && !initially_set)
			flush |= shadow_wrprot_gfn_range(vm, start, end, false);
		if (flush)
			minikvm_flush_remote_tlbs(vm);
		write_unlock(&vm->mmu.lock);
		return;
	}
	read_lock(&vm->mmu.lock);
	if (!on) {
		minikvm_tdp_mmu_recover_huge_pages(vm, slot);
	} else if (!initially_set) {
		/* Best effort: a huge leaf left over is split by its fault. */
		minikvm_tdp_mmu_split_huge_pages(vm, start, end);
		flush = minikvm_tdp_mmu_wrprot_range(vm, start, end);
	}
	read_unlock(&vm->mmu.lock);

	/* Before returning: a write through a stale TLB entry would go unlogged. */
	if (flush)
		minikvm_flush_remote_tlbs(vm);
}

/**
 * minikvm_mmu_wrprot_dirty_masked - write-protect pages just reported dirty.
 * @vm: the VM.
 * @slot: their memslot.
 * @offset: the slot-relative page of bit 0 of @mask (a multiple of 64).
 * @mask: the pages.
 *
 * Context: mmu_lock held for write; the caller flushes TLBs (once, after
 * the whole bitmap) when this returned true, before it reports the log.
 */
bool minikvm_mmu_wrprot_dirty_masked(struct minikvm_vm *vm,
				     const struct minikvm_memslot *slot,
				     gfn_t offset, unsigned long mask)
{
	gfn_t base = slot->base_gfn + offset;
	bool flush = false;

	if (!minikvm_mmu_is_shadow(&vm->mmu))
		return minikvm_tdp_mmu_wrprot_masked(vm, base, mask);
	for (; mask; mask &= mask - 1)
		flush |= shadow_wrprot_gfn_range(vm, base + __ffs(mask),
						 base + __ffs(mask) + 1, false);
	return flush;
}

/**
 * minikvm_mmu_shrinker_detach - the host's memory shrinker stops visiting
 *	@vm; it returns after a scan that was visiting @vm has finished.
 * @vm: a VM being destroyed, before its vCPUs are.
 */
void minikvm_mmu_shrinker_detach(struct minikvm_vm *vm)
{
	if (minikvm_mmu_is_shadow(&vm->mmu))
		shadow_shrink_del(vm);
}

/**
 * minikvm_mmu_destroy - free the MMU of a VM nobody can use any more.
 * @vm: the VM; its vCPUs are destroyed and its MMU notifier unregistered.
 */
void minikvm_mmu_destroy(struct minikvm_vm *vm)
{
	shadow_mmu_destroy(vm);
	write_lock(&vm->mmu.lock);
	minikvm_tdp_mmu_invalidate_all_roots(vm);
	write_unlock(&vm->mmu.lock);
	minikvm_tdp_mmu_zap_invalidated_roots(vm);

	/* Every root is gone once the list's and the vCPUs' references are. */
	WARN_ON(!list_empty(&vm->mmu.roots));
}

int minikvm_mmu_module_init(void)
{
	int r;

	mmu_page_header_cache = KMEM_CACHE(minikvm_mmu_page, SLAB_ACCOUNT);
	if (!mmu_page_header_cache)
		return -ENOMEM;
	r = minikvm_shadow_shrinker_init();
	if (r)
		goto out_cache;
	r = minikvm_mmu_stats_module_init();
	if (r)
		goto out_shrinker;
	if (!tdp)
		pr_info("tdp=N: VMs of the default type use the shadow MMU\n");
	return 0;

out_shrinker:
	minikvm_shadow_shrinker_exit();
out_cache:
	kmem_cache_destroy(mmu_page_header_cache);
	return r;
}

void minikvm_mmu_module_exit(void)
{
	minikvm_mmu_stats_module_exit();
	minikvm_shadow_shrinker_exit();
	/* Page tables freed through call_rcu() must be gone first. */
	rcu_barrier();
	kmem_cache_destroy(mmu_page_header_cache);
}
