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
 * @asid: the ASID, valid on @asid_cpu while @asid_generation matches.
 * @exit_code: the exit being handled, copied from the VMCB after the run.
 * @next_rip: where the intercepted instruction ends, 0 if unknown.
 * @nmi_masked: NMIs are blocked: one was injected and its IRET has not
 *	completed yet (without vNMI the CPU does not track this for us).
 * @awaiting_iret_completion: the IRET intercept fired at @nmi_iret_rip;
 *	NMIs unblock as soon as RIP has moved on.
 * @nmi_singlestep: RFLAGS.TF is set to exit after one instruction, to
 *	open an NMI window; @nmi_singlestep_guest_rflags holds the guest's
 *	own TF and RF.
 * @dr_passthrough: the guest accesses DR0-7 without exits; they are
 *	loaded before VMRUN and read back, with the intercepts restored,
 *	after the next exit.
 * @entry_dr6: the guest's DR6 at the last entry.
 * @tpr_window_prio: the priority class of the virtual interrupt armed by
 *	svm_enable_tpr_window(), -1 when none is.
 * @vintr_prio_inclusive: this CPU takes a virtual interrupt whose
 *	priority equals V_TPR (QEMU does; the APM asks for greater), learnt
 *	from a window that opened too early.
 */
struct vcpu_svm {
	struct minikvm_vcpu vcpu;
	struct vmcb *vmcb;
	hpa_t vmcb_pa;

	u32 asid;
	int asid_cpu;
	u64 asid_generation;

	u32 exit_code;
	u64 next_rip;

	bool nmi_masked;
	bool awaiting_iret_completion;
	u64 nmi_iret_rip;
	bool nmi_singlestep;
	u64 nmi_singlestep_guest_rflags;

	bool dr_passthrough;
	u64 entry_dr6;

	int tpr_window_prio;
	bool vintr_prio_inclusive;
};

static inline struct vcpu_svm *to_svm(struct minikvm_vcpu *vcpu)
{
	return container_of(vcpu, struct vcpu_svm, vcpu);
}

static inline void svm_set_intercept(struct vcpu_svm *svm, unsigned int bit)
{
	svm->vmcb->control.intercepts[bit / 32] |= BIT(bit % 32);
}

static inline void svm_clr_intercept(struct vcpu_svm *svm, unsigned int bit)
{
	svm->vmcb->control.intercepts[bit / 32] &= ~BIT(bit % 32);
}

static inline bool svm_is_intercept(struct vcpu_svm *svm, unsigned int bit)
{
	return svm->vmcb->control.intercepts[bit / 32] & BIT(bit % 32);
}

void __minikvm_svm_vmrun(hpa_t vmcb_pa, u64 *regs, hpa_t host_save_pa);

/* svm.c */
int svm_skip_emulated_instruction(struct minikvm_vcpu *vcpu);
void svm_set_dr_intercepts(struct vcpu_svm *svm);

/* svm_events.c */
void svm_inject_exception(struct minikvm_vcpu *vcpu);
void svm_inject_nmi(struct minikvm_vcpu *vcpu);
void svm_inject_irq(struct minikvm_vcpu *vcpu);
void svm_cancel_injection(struct minikvm_vcpu *vcpu);
void svm_complete_interrupts(struct vcpu_svm *svm);
bool svm_interrupt_allowed(struct minikvm_vcpu *vcpu);
bool svm_nmi_allowed(struct minikvm_vcpu *vcpu);
bool svm_get_nmi_mask(struct minikvm_vcpu *vcpu);
void svm_set_nmi_mask(struct minikvm_vcpu *vcpu, bool masked);
u32 svm_get_interrupt_shadow(struct minikvm_vcpu *vcpu);
void svm_set_interrupt_shadow(struct minikvm_vcpu *vcpu, u32 mask);
void svm_enable_irq_window(struct minikvm_vcpu *vcpu);
void svm_enable_nmi_window(struct minikvm_vcpu *vcpu);
void svm_enable_tpr_window(struct minikvm_vcpu *vcpu, int prio);
u64 svm_guest_rflags(struct vcpu_svm *svm);
int svm_handle_iret(struct vcpu_svm *svm);
int svm_handle_vintr(struct vcpu_svm *svm);
int svm_handle_db(struct vcpu_svm *svm);

/* svm_exits.c */
int svm_handle_exit(struct minikvm_vcpu *vcpu);

#endif /* MINIKVM_MODULE_SVM_SVM_H */
