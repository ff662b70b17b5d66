/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AMD SVM backend's private structures.
 */
#ifndef MINIKVM_MODULE_SVM_SVM_H
#define MINIKVM_MODULE_SVM_SVM_H

#include <asm/svm.h>

#include "../minikvm.h"

/**
 * struct svm_cpu_data - per host CPU state, touched only on that CPU with
 * preemption disabled.
 * @hsave: the host save area VMRUN uses (MSR_VM_HSAVE_PA).
 * @host_save: where the host's VMLOAD/VMSAVE state is kept across a run.
 * @asid_generation: bumped when ASIDs wrap; a vCPU whose generation differs
 *	gets a new ASID.  0 is never a live generation.
 * @next_asid: the next ASID to hand out; @max_asid from CPUID 0x8000000a.
 */
struct svm_cpu_data {
	struct page *hsave;
	struct page *host_save;
	u64 asid_generation;
	u32 next_asid;
	u32 max_asid;
};

/**
 * struct vcpu_svm - a vCPU on SVM.
 * @vcpu: the vendor-neutral part; to_svm() goes back.
 * @vmcb: the VMCB, one page; @vmcb_pa its physical address.
 * @efer: the guest's view of EFER (the VMCB's also has SVME set).
 * @asid: the ASID, valid on @asid_cpu while @asid_generation matches.
 * @exit_code: the exit being handled, copied from the VMCB after the run.
 */
struct vcpu_svm {
	struct minikvm_vcpu vcpu;
	struct vmcb *vmcb;
	hpa_t vmcb_pa;
	u64 efer;

	u32 asid;
	int asid_cpu;
	u64 asid_generation;

	u32 exit_code;
};

static inline struct vcpu_svm *to_svm(struct minikvm_vcpu *vcpu)
{
	return container_of(vcpu, struct vcpu_svm, vcpu);
}

void __minikvm_svm_vmrun(hpa_t vmcb_pa, u64 *regs, hpa_t host_save_pa);

/* svm.c */
void svm_vcpu_reset(struct minikvm_vcpu *vcpu);
void svm_set_efer(struct vcpu_svm *svm, u64 efer);

/* svm_exits.c */
int svm_handle_exit(struct minikvm_vcpu *vcpu);

#endif /* MINIKVM_MODULE_SVM_SVM_H */
