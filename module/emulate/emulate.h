/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 instruction emulator, as the rest of minikvm sees it.
 *
 * - The MMU calls minikvm_emulate_mmio_fault() for a guest access to a GPA
 *   no memslot backs (or a write to a read-only one): the instruction is
 *   emulated, its MMIO goes to an in-kernel device (mmio_bus.h) or out to
 *   userspace as KVM_EXIT_MMIO.
 * - The next KVM_RUN completes an exit to userspace the emulator made
 *   (through vcpu->complete_userspace_exit): the exit userspace handled
 *   is finished and the instruction goes on.
 * - The I/O intercept of INS/OUTS calls minikvm_emulate_string_io().
 * - The shadow MMU calls minikvm_emulate_pt_write() for a write to a
 *   write-protected guest page table: an instruction the emulator cannot
 *   do is handed back (-EOPNOTSUPP), not failed, so that the MMU can
 *   unprotect the table and let the guest retry.
 * - The shadow MMU calls minikvm_emulate_tlb_insn() for an intercepted
 *   INVLPG or INVPCID: the emulator decodes it, makes its checks and calls
 *   back minikvm_mmu_invlpg() or minikvm_mmu_invpcid(); anything else at
 *   RIP is handed back (-EOPNOTSUPP).
 * - A backend without NRIPS calls minikvm_emulate_skip_instruction() to
 *   step over an intercepted instruction: its length is decoded.
 * - The hypercall code calls minikvm_emulate_patch_insn() to replace the
 *   other vendor's hypercall instruction at RIP by its own.
 *
 * All of them run on the vCPU's thread under vcpu->mutex, and return what
 * an exit handler returns: MINIKVM_EXIT_RESUME, MINIKVM_EXIT_USERSPACE
 * with vcpu->run filled in, or -errno for KVM_RUN.
 */
#ifndef MINIKVM_MODULE_EMULATE_EMULATE_H
#define MINIKVM_MODULE_EMULATE_EMULATE_H

#include <linux/bits.h>
#include <linux/types.h>

#include "../types.h"

struct minikvm_vcpu;

/*
 * Error code bits for minikvm_emulate_mmio_fault(), beside PFERR_*: the
 * fault hit the CPU's own access to a guest page table (the nested page
 * fault's bit 33), or the caller knows no GPA (the emulator then
 * translates every access through guest paging).
 */
#define MINIKVM_PFERR_GUEST_PAGE	BIT_ULL(33)
#define MINIKVM_PFERR_NO_GPA		BIT_ULL(62)

struct kvm_enable_cap;
struct minikvm_vm;

int minikvm_emulator_create(struct minikvm_vcpu *vcpu);
void minikvm_emulator_destroy(struct minikvm_vcpu *vcpu);
void minikvm_emulator_reset(struct minikvm_vcpu *vcpu);
int minikvm_vm_enable_exit_on_emulation_failure(struct minikvm_vm *vm,
						const struct kvm_enable_cap *cap);

int minikvm_emulate_mmio_fault(struct minikvm_vcpu *vcpu, gpa_t gpa,
			       u64 error_code);
int minikvm_emulate_skip_instruction(struct minikvm_vcpu *vcpu,
				     unsigned int min_len);
int minikvm_emulate_string_io(struct minikvm_vcpu *vcpu);
int minikvm_emulate_pt_write(struct minikvm_vcpu *vcpu);
int minikvm_emulate_tlb_insn(struct minikvm_vcpu *vcpu);
int minikvm_emulate_patch_insn(struct minikvm_vcpu *vcpu, const u8 *old,
			       const u8 *new, unsigned int len);

#endif /* MINIKVM_MODULE_EMULATE_EMULATE_H */
