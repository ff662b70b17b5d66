/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Operations on the TDP page tables: roots, the fault's map, and the range
 * operations behind memslot changes, dirty logging and the MMU notifier.
 * Each states the mmu_lock mode it needs and asserts it.
 */
#ifndef MINIKVM_MODULE_MMU_TDP_MMU_H
#define MINIKVM_MODULE_MMU_TDP_MMU_H

#include "mmu_internal.h"

/* Roots. */
struct minikvm_mmu_page *minikvm_tdp_mmu_get_vcpu_root(struct minikvm_vcpu *vcpu);
void minikvm_tdp_mmu_put_root(struct minikvm_vm *vm, struct minikvm_mmu_page *root);
void minikvm_tdp_mmu_invalidate_all_roots(struct minikvm_vm *vm);
void minikvm_tdp_mmu_zap_invalidated_roots(struct minikvm_vm *vm);
void minikvm_tdp_mmu_zap_all(struct minikvm_vm *vm);

/* The page fault. */
int minikvm_tdp_mmu_map(struct minikvm_vcpu *vcpu, struct minikvm_page_fault *f);
u64 *minikvm_tdp_mmu_fast_pf_get_last_sptep(struct minikvm_vcpu *vcpu, gfn_t gfn,
					    u64 *spte, int *level);

/* Ranges of gfns, [start, end). */
bool minikvm_tdp_mmu_zap_leafs(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			       bool can_yield, bool flush);
bool minikvm_tdp_mmu_wrprot_range(struct minikvm_vm *vm, gfn_t start, gfn_t end);
int minikvm_tdp_mmu_split_huge_pages(struct minikvm_vm *vm, gfn_t start, gfn_t end);
void minikvm_tdp_mmu_recover_huge_pages(struct minikvm_vm *vm,
					const struct minikvm_memslot *slot);
bool minikvm_tdp_mmu_wrprot_masked(struct minikvm_vm *vm, gfn_t base,
				   unsigned long mask);
bool minikvm_tdp_mmu_age_range(struct minikvm_vm *vm, gfn_t start, gfn_t end,
			       bool test_only);

#endif /* MINIKVM_MODULE_MMU_TDP_MMU_H */
