// SPDX-License-Identifier: GPL-2.0
/*
 * The TDP page fault (AMD: #NPF).
 *
 * Every fault first tries the fast path: a lockless walk (RCU only) to the
 * last spte on the way to the gfn.  Three cases end there:
 *
 *  - an MMIO spte of the current memslots generation: emulate the
 *    instruction (emulate/) without looking at memslots or taking any lock;
 *  - an spte that already allows the access: another vCPU fixed it
 *    (spurious), back to the guest;
 *  - a write to a leaf that is MMU-writable but not Writable (dirty logging
 *    write-protected it): set Writable with one cmpxchg and log the page.
 *
 * Anything else takes the slow path: find the memslot, reference the host
 * page (may sleep), then take mmu_lock for read and install the mapping,
 * unless an MMU notifier invalidation ran meanwhile.  A write to a
 * read-only memslot is emulated like MMIO; reads of it map the page
 * without write access (never MMU-writable, so the fast path leaves its
 * write faults alone).
 *
 * The whole fault runs inside the VM's SRCU read-side section: the memslot
 * it looked up stays valid (a memslot update waits for the fault before it
 * frees or unmaps anything), and the dirty bitmap the fast path writes to
 * stays allocated.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/srcu.h>

#include "../x86.h"
#include "../emulate/emulate.h"
#include "tdp_mmu.h"

/* How often the fast path retries a lost cmpxchg before giving up. */
#define FAST_PF_MAX_RETRIES	4

static bool is_slot_logging(const struct minikvm_memslot *slot)
{
	return slot && (slot->flags & KVM_MEM_LOG_DIRTY_PAGES);
}

static bool is_slot_usable(const struct minikvm_memslot *slot)
{
	return !(slot->flags & MINIKVM_MEMSLOT_INVALID);
}

static bool is_slot_readonly(const struct minikvm_memslot *slot)
{
	return slot->flags & KVM_MEM_READONLY;
}

static bool is_access_allowed(const struct minikvm_page_fault *f, u64 spte)
{
	if (f->write)
		return is_writable_spte(spte);
	return is_shadow_present_spte(spte);
}

/*
 * Can the fast path fix @spte for @f by setting Writable?  A huge leaf of
 * a logging slot cannot: logging is per 4 KiB page, the slow path splits it.
 */
static bool fast_pf_can_fix(const struct minikvm_page_fault *f, u64 spte,
			    int level)
{
	if (!f->write || !is_shadow_present_spte(spte) ||
	    !is_mmu_writable_spte(spte))
		return false;
	if (!f->slot || !is_slot_usable(f->slot))
		return false;
	return level == PG_LEVEL_4K || !is_slot_logging(f->slot);
}

/*
 * One lockless attempt.  Return: a RET_PF_* result, or RET_PF_CONTINUE to
 * try again after a lost cmpxchg.
 */
static int fast_pf_try(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f)
{
	u64 *sptep, spte = 0;
	int level = 0;

	sptep = minikvm_tdp_mmu_fast_pf_get_last_sptep(vcpu, f->gfn, &spte, &level);
	if (!sptep)
		return RET_PF_INVALID;

	/*
	 * A stale MMIO spte (older generation) is left to the slow path,
	 * which finds the memslot that may exist now.
	 */
	if (is_mmio_spte(spte))
		return mmio_spte_generation(spte) == (f->mmio_gen & MMIO_GEN_MASK) ?
		       RET_PF_EMULATE : RET_PF_INVALID;

	if (is_shadow_present_spte(spte) && is_access_allowed(f, spte))
		return RET_PF_SPURIOUS;

	if (!fast_pf_can_fix(f, spte, level))
		return RET_PF_INVALID;

	/*
	 * The one lockless change to the tables.  It fails if anybody touched
	 * the spte since we read it: a write-protect that also cleared
	 * MMU-writable, a zap (the spte is frozen or gone), a fault replacing
	 * it, or the CPU setting Accessed/Dirty.  Then look again.  The page
	 * table itself cannot be freed under us: we are an RCU reader.
	 */
	if (!try_cmpxchg64(sptep, &spte, spte | SPTE_WRITABLE))
		return RET_PF_CONTINUE;

	/*
	 * Log the page after it became writable: a dirty log collector
	 * clears the bitmap before it write-protects, so whichever order we
	 * race in, the write the guest now makes is reported in this round
	 * or the next.
	 */
	if (is_slot_logging(f->slot))
		minikvm_mark_page_dirty_in_slot(f->slot, f->gfn);
	vcpu_stat_inc(vcpu, MMU_STAT_PF_FAST_DIRTY);
	return RET_PF_FIXED;
}

/* Return: a RET_PF_* result; RET_PF_INVALID sends the fault to the slow path. */
static int fast_page_fault(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f)
{
	int r = RET_PF_CONTINUE, tries = 0;

	if (f->write && f->present)
		vcpu_stat_inc(vcpu, MMU_STAT_PF_WRPROT);

	rcu_read_lock();
	while (r == RET_PF_CONTINUE && tries++ < FAST_PF_MAX_RETRIES)
		r = fast_pf_try(vcpu, f);
	rcu_read_unlock();

	return r == RET_PF_CONTINUE ? RET_PF_INVALID : r;
}

/*
 * The largest leaf the memslot, dirty logging and the host mapping allow
 * for @f, and the pfn rounded down to it.
 */
static void compute_goal_level(struct minikvm_vm *vm, struct minikvm_page_fault *f)
{
	int level;

	f->goal_level = PG_LEVEL_4K;
	if (f->max_level == PG_LEVEL_4K)
		return;

	level = min(f->max_level, host_mapping_level(vm, f->hva));
	for (; level > PG_LEVEL_4K; level--)
		if (mmu_slot_huge_level_ok(f->slot, f->gfn, level))
			break;
	f->goal_level = level;
	f->pfn &= ~(TDP_PAGES_PER_LEVEL(level) - 1);
}

/*
 * Did anything change since the fault started that makes its page or its
 * root unusable?  Both are decided under mmu_lock: a root is invalidated,
 * and an invalidation starts, only under the write lock.
 */
static bool is_page_fault_stale(struct minikvm_vcpu *vcpu,
				struct minikvm_page_fault *f)
{
	lockdep_assert_held_read(&vcpu->vm->mmu.lock);

	if (vcpu->mmu.root->invalid)
		return true;
	/* MMIO sptes depend on the memslots generation only. */
	return f->slot && mmu_invalidate_retry(vcpu->vm, f->mmu_seq, f->hva);
}

static int map_locked(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f)
{
	struct minikvm_vm *vm = vcpu->vm;
	int r;

	read_lock(&vm->mmu.lock);
	if (is_page_fault_stale(vcpu, f)) {
		r = RET_PF_RETRY;
		goto out;
	}
	if (f->slot)
		compute_goal_level(vm, f);
	r = minikvm_tdp_mmu_map(vcpu, f);
	/*
	 * Log a page the fault made writable before dropping the lock: the
	 * dirty log ioctls take the lock for write, so they see the page both
	 * writable and logged, or neither.
	 */
	if (r == RET_PF_FIXED && f->map_writable && is_slot_logging(f->slot))
		minikvm_mark_page_dirty_in_slot(f->slot, f->gfn);
out:
	read_unlock(&vm->mmu.lock);
	return r;
}

static int slow_page_fault(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f)
{
	struct minikvm_vm *vm = vcpu->vm;
	int r;

	r = mmu_topup_cache(vcpu);
	if (r)
		return r;

	/* No memslot: install an MMIO spte and exit (see RET_PF_EMULATE). */
	if (!f->slot) {
		f->goal_level = PG_LEVEL_4K;
		return map_locked(vcpu, f);
	}
	/* The slot is being deleted or moved: wait for the update to finish. */
	if (!is_slot_usable(f->slot))
		return RET_PF_RETRY;
	/* Nothing is mapped for it: the instruction is emulated. */
	if (f->write && is_slot_readonly(f->slot))
		return RET_PF_EMULATE;

	f->hva = minikvm_gfn_to_hva_memslot(f->slot, f->gfn);
	f->max_level = is_slot_logging(f->slot) ? PG_LEVEL_4K :
						  minikvm_spte.max_level;
	/*
	 * Sample the invalidation sequence before looking at the host page
	 * tables; pairs with the smp_wmb() in invalidate_range_end (the
	 * sequence is bumped before the in-progress count drops).
	 */
	f->mmu_seq = READ_ONCE(vm->mmu.invalidate_seq);
	smp_rmb(); /* seq before the page tables; pairs with invalidate_range_end() */

	r = mmu_faultin_page(vcpu, f);
	if (r)
		return r;
	if (is_slot_readonly(f->slot))
		f->host_writable = false;

	/*
	 * A read of a logging slot maps the page write-protected (but
	 * MMU-writable): only a real write, through the fast path, logs it.
	 */
	f->map_writable = f->host_writable &&
			  (f->write || !is_slot_logging(f->slot));

	r = map_locked(vcpu, f);
	mmu_release_page(f, r != RET_PF_RETRY);
	return r;
}

static int page_fault(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f)
{
	struct minikvm_memslots *slots = minikvm_memslots(vcpu->vm);
	int r;

	f->mmio_gen = slots->generation;
	f->slot = minikvm_memslots_find(slots, f->gfn);

	r = fast_page_fault(vcpu, f);
	if (r == RET_PF_FIXED)
		vcpu_stat_inc(vcpu, MMU_STAT_PF_FAST);
	else if (r == RET_PF_EMULATE)
		vcpu_stat_inc(vcpu, MMU_STAT_PF_MMIO_CACHED);
	if (r != RET_PF_INVALID)
		return r;

	r = slow_page_fault(vcpu, f);
	if (r == RET_PF_FIXED)
		vcpu_stat_inc(vcpu, MMU_STAT_PF_FIXED);
	else if (r == RET_PF_EMULATE)
		vcpu_stat_inc(vcpu, MMU_STAT_PF_EMULATE);
	return r;
}

/* Turn a RET_PF_* result into the exit handler's answer. */
static int page_fault_result(struct minikvm_vcpu *vcpu, gpa_t gpa,
			     u64 error_code, int r)
{
	switch (r) {
	case RET_PF_SPURIOUS:
		vcpu_stat_inc(vcpu, MMU_STAT_PF_SPURIOUS);
		return MINIKVM_EXIT_RESUME;
	case RET_PF_RETRY:
		vcpu_stat_inc(vcpu, MMU_STAT_PF_RETRY);
		return MINIKVM_EXIT_RESUME;
	case RET_PF_FIXED:
		return MINIKVM_EXIT_RESUME;
	case RET_PF_EMULATE:
		/* No memslot, or a write to a read-only one. */
		return minikvm_emulate_mmio_fault(vcpu, gpa, error_code);
	default:
		/* -errno: fails KVM_RUN. */
		return r < 0 ? r : -EIO;
	}
}

/**
 * minikvm_mmu_page_fault - handle a TDP fault.
 * @vcpu: the faulting vCPU, in KVM_RUN (may sleep).
 * @gpa: the guest physical address.
 * @error_code: PFERR_* bits.
 *
 * Return: MINIKVM_EXIT_RESUME to re-enter the guest (the access is retried
 * or was emulated), MINIKVM_EXIT_USERSPACE for what the emulator exits
 * with (KVM_EXIT_MMIO, KVM_EXIT_INTERNAL_ERROR), or -errno for KVM_RUN
 * (-EFAULT when the memslot's host memory cannot be faulted in, -ENOMEM,
 * -EINTR).
 */
int minikvm_mmu_page_fault(struct minikvm_vcpu *vcpu, gpa_t gpa, u64 error_code)
{
	struct minikvm_page_fault f = {
		.gfn = gpa_to_gfn(gpa),
		.error_code = error_code,
		.present = error_code & PFERR_PRESENT,
		.write = error_code & PFERR_WRITE,
	};
	struct minikvm_vm *vm = vcpu->vm;
	int idx, r;

	vcpu_stat_inc(vcpu, MMU_STAT_PF_TAKEN);

	/* Beyond the table's reach: no spte can describe it, not even MMIO. */
	if (f.gfn > minikvm_mmu_max_gfn())
		return page_fault_result(vcpu, gpa, error_code, RET_PF_EMULATE);

	idx = srcu_read_lock(&vm->srcu);
	r = page_fault(vcpu, &f);
	srcu_read_unlock(&vm->srcu, idx);

	return page_fault_result(vcpu, gpa, error_code, r);
}
