/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 instruction emulator, as the rest of minikvm sees it.
 *
 * - The MMU calls minikvm_emulate_mmio_fault() for a guest access to a GPA
 *   no memslot backs (or a write to a read-only one): the instruction is
 *   emulated, its MMIO goes to an in-kernel device (mmio_bus.h) or out to
 *   userspace as KVM_EXIT_MMIO.
 * - KVM_RUN calls minikvm_emulate_complete_mmio() first when
 *   minikvm_emulate_io_pending(): the exit userspace handled is finished
 *   and the instruction goes on.
 * - A backend without NRIPS calls minikvm_emulate_skip_instruction() to
 *   step over an intercepted instruction: its length is decoded.
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

/* Nested page fault error code: the fault hit a guest page table access. */
#define MINIKVM_NPF_GUEST_PAGE	BIT_ULL(33)

int minikvm_emulator_create(struct minikvm_vcpu *vcpu);
void minikvm_emulator_destroy(struct minikvm_vcpu *vcpu);

int minikvm_emulate_mmio_fault(struct minikvm_vcpu *vcpu, gpa_t gpa,
			       u64 error_code);
bool minikvm_emulate_io_pending(struct minikvm_vcpu *vcpu);
int minikvm_emulate_complete_mmio(struct minikvm_vcpu *vcpu);
int minikvm_emulate_skip_instruction(struct minikvm_vcpu *vcpu,
				     unsigned int min_len);

#endif /* MINIKVM_MODULE_EMULATE_EMULATE_H */
