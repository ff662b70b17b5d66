// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page-table walker (paging.c) on a vCPU's guest memory: the
 * one walker of minikvm.  The shadow MMU walks with the paging state it
 * keeps (struct minikvm_shadow_vcpu @regs, PAE PDPTEs cached at the CR3
 * load); the instruction emulator, on a TDP or a shadow VM, walks with
 * the control registers of its own snapshot through
 * minikvm_mmu_gva_to_gpa().
 *
 * Guest memory is reached through the memslots' userspace mappings;
 * Accessed/Dirty updates are a user cmpxchg and are logged in the dirty
 * bitmap.  Context: the vCPU's thread; the callers of mmu_guest_mem_ops
 * hold vm->srcu, minikvm_mmu_gva_to_gpa() takes it itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>

#include "../x86.h"
#include "shadow.h"

/* The host address of @gpa, or 0.  Context: vm->srcu held. */
hva_t mmu_guest_gpa_to_hva(struct minikvm_vcpu *vcpu, gpa_t gpa,
			   struct minikvm_memslot **slotp)
{
	struct minikvm_memslot *slot = minikvm_gfn_to_memslot(vcpu->vm,
							      gpa_to_gfn(gpa));

	if (!slot || (slot->flags & MINIKVM_MEMSLOT_INVALID))
		return 0;
	if (slotp)
		*slotp = slot;
	return minikvm_gfn_to_hva_memslot(slot, gpa_to_gfn(gpa)) +
	       (gpa & ~PAGE_MASK);
}

static int guest_read(void *ctx, gpa_t gpa, int size, u64 *val)
{
	hva_t hva = mmu_guest_gpa_to_hva(ctx, gpa, NULL);
	u32 v32;

	if (!hva)
		return -ENOENT;
	if (size == 4) {
		if (get_user(v32, (u32 __user *)hva))
			return -EFAULT;
		*val = v32;
		return 0;
	}
	return get_user(*val, (u64 __user *)hva) ? -EFAULT : 0;
}

/* cmpxchg on a guest entry through its host mapping; see guest_try_update(). */
static int cmpxchg_user32(hva_t hva, u32 old, u32 new)
{
	u32 __user *p = (u32 __user *)hva;

	if (!access_ok(p, sizeof(*p)))
		return -EFAULT;
	/* 0: replaced, 1: the entry held another value, -EFAULT. */
	return __try_cmpxchg_user(p, &old, new, efault32);
}

static int cmpxchg_user64(hva_t hva, u64 old, u64 new)
{
	u64 __user *p = (u64 __user *)hva;

	if (!access_ok(p, sizeof(*p)))
		return -EFAULT;
	/* 0: replaced, 1: the entry held another value, -EFAULT. */
	return __try_cmpxchg_user(p, &old, new, efault64);
}

/*
 * Set Accessed/Dirty in a guest entry as the CPU would: atomically, in
 * the memory the guest sees (its host mapping), failing if the guest
 * changed the entry meanwhile.  Return: 0, 1 (changed), or -errno.
 */
static int guest_try_update(void *ctx, gpa_t gpa, int size, u64 old, u64 new)
{
	struct minikvm_vcpu *vcpu = ctx;
	struct minikvm_memslot *slot;
	hva_t hva = mmu_guest_gpa_to_hva(vcpu, gpa, &slot);
	int r;

	if (!hva)
		return -ENOENT;
	r = size == 4 ? cmpxchg_user32(hva, old, new) :
			cmpxchg_user64(hva, old, new);
	if (!r && (slot->flags & KVM_MEM_LOG_DIRTY_PAGES))
		minikvm_mark_page_dirty_in_slot(slot, gpa_to_gfn(gpa));
	return r;
}

const struct paging_mem_ops mmu_guest_mem_ops = {
	.read = guest_read,
	.try_update = guest_try_update,
};

/**
 * mmu_paging_regs - the walker's view of a guest paging state.
 * @vcpu: the vCPU (its CPUID gives MAXPHYADDR and the vendor).
 * @cr0: the guest's CR0.
 * @cr3: the guest's CR3.
 * @cr4: the guest's CR4.
 * @efer: the guest's EFER.
 * @r: filled in; the PAE PDPTEs are left zero.
 */
void mmu_paging_regs(const struct minikvm_vcpu *vcpu, u64 cr0, u64 cr3,
		     u64 cr4, u64 efer, struct paging_regs *r)
{
	*r = (struct paging_regs){
		.mode = paging_mode_of(cr0, cr4, efer),
		.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer,
		.maxphyaddr = vcpu->cpuid.maxphyaddr,
		.gbpages = boot_cpu_has(X86_FEATURE_GBPAGES),
		.amd = vcpu->cpuid.amd_compatible,
	};
}

/**
 * minikvm_mmu_gva_to_gpa - translate a linear address with the guest's
 *	page tables, as the CPU would for this access.
 * @vcpu: the vCPU, on its thread (may sleep: guest memory is user memory).
 * @s: the guest's control registers (CR0, CR3, CR4, EFER) at the access.
 * @gva: the linear address (truncated to 32 bits outside long mode).
 * @a: the access: PF_WRITE/PF_USER/PF_FETCH, CPL and RFLAGS.AC.
 * @gpa: the guest physical address, on success.
 * @error_code: the #PF error code, when the walk faults.
 *
 * With CR0.PG clear the address is the physical one.  PAE PDPTEs are read
 * from guest memory at every walk (AMD's nested paging has no PDPTE
 * registers); only their P bit is checked.  Accessed and Dirty are set as
 * for paging_walk().  A table outside guest memory reads as not present,
 * and an entry whose A/D update cannot be written faults as not present.
 *
 * Return: 0, or 1 with *@error_code (the caller raises #PF at @gva).
 */
int minikvm_mmu_gva_to_gpa(struct minikvm_vcpu *vcpu, const struct kvm_sregs *s,
			   gva_t gva, const struct paging_access *a, gpa_t *gpa,
			   u32 *error_code)
{
	struct guest_walk w;
	struct paging_regs r;
	int idx, ret;

	mmu_paging_regs(vcpu, s->cr0, s->cr3, s->cr4, s->efer, &r);
	idx = srcu_read_lock(&vcpu->vm->srcu);
	if (r.mode == PAGING_PAE) {
		gpa_t pdpte_gpa = (r.cr3 & GENMASK_ULL(31, 5)) + ((gva >> 30) & 3) * 8;
		u64 pdpte = 0;

		/* An unreadable PDPTE is not present: the walk faults. */
		if (mmu_guest_mem_ops.read(vcpu, pdpte_gpa, 8, &pdpte))
			pdpte = 0;
		r.pdptrs[(gva >> 30) & 3] = pdpte;
	}
	ret = paging_walk(&r, &mmu_guest_mem_ops, vcpu, gva, a, &w);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	if (ret < 0) {
		*error_code = paging_access_error_code(&r, a->pfec);
		return 1;
	}
	if (ret) {
		*error_code = w.error_code;
		return 1;
	}
	*gpa = gfn_to_gpa(w.gfn) | (gva & ~PAGE_MASK);
	return 0;
}
