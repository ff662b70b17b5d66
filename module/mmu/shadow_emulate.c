// SPDX-License-Identifier: GPL-2.0
/*
 * Emulation of the guest's writes to its own (shadowed, write-protected)
 * page tables, and the guest code fetches the shadow MMU needs.
 *
 * The write is emulated by minikvm's instruction emulator in its
 * page-table-write mode (minikvm_emulate_pt_write()): every access goes
 * through the guest's tables, the write to the table lands in guest RAM
 * and drops the sptes made from the entries it changed
 * (minikvm_mmu_emulated_ram_write() below).  An instruction the emulator
 * cannot do comes back as -EOPNOTSUPP, nothing changed and nothing
 * injected: the fault path then unshadows the table and lets the guest
 * write it (unprotect and retry).
 *
 * Context: the vCPU thread, in KVM_RUN, no mmu_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "../emulate/emulate.h"
#include "../x86.h"
#include "shadow.h"

/* Read @len bytes of guest code at linear @la (stops at a missing page). */
static int __fetch(struct minikvm_vcpu *vcpu, u64 la, u8 *buf, int len)
{
	struct paging_access a = {
		.pfec = PF_FETCH,
		.cpl = minikvm_x86_call(get_cpl)(vcpu),
	};
	int done = 0;

	if (a.cpl == 3)
		a.pfec |= PF_USER;
	while (done < len) {
		int chunk = min_t(int, len - done, PAGE_SIZE - ((la + done) & ~PAGE_MASK));
		struct minikvm_memslot *slot;
		struct guest_walk w;
		hva_t hva;

		if (paging_walk(&vcpu->mmu.shadow->regs, &mmu_guest_mem_ops, vcpu,
				la + done, &a, &w))
			break;
		slot = minikvm_gfn_to_memslot(vcpu->vm, w.gfn);
		if (!slot)
			break;
		hva = minikvm_gfn_to_hva_memslot(slot, w.gfn) +
		      ((la + done) & ~PAGE_MASK);
		if (copy_from_user(buf + done, (void __user *)hva, chunk))
			break;
		done += chunk;
	}
	return done;
}

/**
 * minikvm_mmu_shadow_fetch - read guest code through the guest's tables.
 * @vcpu: the vCPU (shadow paging).
 * @la: the linear address.
 * @buf: where to.
 * @len: how many bytes at most.
 *
 * Return: the number of bytes read; fewer than @len where a page is not
 * mapped or not executable at the current CPL.
 */
int minikvm_mmu_shadow_fetch(struct minikvm_vcpu *vcpu, u64 la, u8 *buf, int len)
{
	int idx, n;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	n = __fetch(vcpu, la, buf, len);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return n;
}

/**
 * shadow_emulate_pt_write - emulate the instruction that wrote a shadowed
 *	guest page table.
 * @vcpu: the vCPU, outside the fault's SRCU section.
 *
 * Return: what minikvm_emulate_pt_write() returns: MINIKVM_EXIT_RESUME
 * (emulated, or a guest exception queued), MINIKVM_EXIT_USERSPACE (an
 * operand is MMIO), -EOPNOTSUPP (not emulated: nothing changed), or
 * another -errno for KVM_RUN.
 */
int shadow_emulate_pt_write(struct minikvm_vcpu *vcpu)
{
	return minikvm_emulate_pt_write(vcpu);
}

/**
 * minikvm_mmu_emulated_ram_write - the instruction emulator wrote guest RAM.
 * @vcpu: the vCPU that ran the instruction (in KVM_RUN; may sleep).
 * @gpa: where it wrote.
 * @len: how many bytes (one piece, within one page).
 *
 * On a shadow-paging VM a write to a shadowed guest page table drops the
 * sptes made from the entries it changed, as shadow_emulate_pt_write()
 * does for the stores it emulates itself.  Nothing to do on a TDP VM.
 */
void minikvm_mmu_emulated_ram_write(struct minikvm_vcpu *vcpu, gpa_t gpa,
				    unsigned int len)
{
	struct minikvm_vm *vm = vcpu->vm;
	LIST_HEAD(invalid);
	bool tracked;
	int idx;

	if (!minikvm_mmu_is_shadow(&vm->mmu))
		return;
	read_lock(&vm->mmu.lock);
	tracked = shadow_gfn_is_tracked(vm, gpa_to_gfn(gpa));
	read_unlock(&vm->mmu.lock);
	if (!tracked)
		return;

	/* Rechecked inside: the frame may have been unshadowed meanwhile. */
	idx = srcu_read_lock(&vm->srcu);
	write_lock(&vm->mmu.lock);
	shadow_pt_written(vcpu, gpa, len, &invalid);
	/* The old entry may be cached: gone before the guest goes on. */
	minikvm_flush_remote_tlbs(vm);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
	srcu_read_unlock(&vm->srcu, idx);
	shadow_stat_add(vm, SHADOW_STAT_EMULATED_PT_WRITES, 1);
}
