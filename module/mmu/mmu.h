/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MMU interface used by the core and the backends.
 *
 * First cut: one nested page table (AMD NPT) per VM, 4 KiB mappings only,
 * guest pages pinned with FOLL_LONGTERM for as long as they are mapped.
 * The TDP MMU (tdp_mmu.c, RCU walks, rwlock, MMU notifiers) replaces it.
 */
#ifndef MINIKVM_MODULE_MMU_MMU_H
#define MINIKVM_MODULE_MMU_MMU_H

#include <linux/mutex.h>
#include "../types.h"

struct minikvm_vm;
struct minikvm_vcpu;
struct minikvm_memslot;

/**
 * struct minikvm_mmu - a VM's nested page table.
 * @lock: "mmu_lock": protects the table, @seq, and readers of the memslots
 *	in the fault path.  Lock order: vm->slots_lock, then @lock, then
 *	vm->lock.
 * @root: the top-level (PML4) table; constant from init to destroy.
 * @seq: bumped under @lock whenever a mapping is removed, so that a fault
 *	that dropped @lock to pin a page notices it raced with a removal.
 */
struct minikvm_mmu {
	struct mutex lock;	/* "mmu_lock", see above */
	u64 *root;
	unsigned long seq;
};

int minikvm_mmu_init(struct minikvm_vm *vm);
void minikvm_mmu_destroy(struct minikvm_vm *vm);
hpa_t minikvm_mmu_root_hpa(struct minikvm_vm *vm);
gfn_t minikvm_mmu_max_gfn(void);
int minikvm_mmu_page_fault(struct minikvm_vcpu *vcpu, gpa_t gpa, u64 error_code);
void minikvm_mmu_unmap_memslot(struct minikvm_vm *vm,
			       const struct minikvm_memslot *slot);

#endif /* MINIKVM_MODULE_MMU_MMU_H */
