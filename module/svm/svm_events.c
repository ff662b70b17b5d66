// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection on SVM: EVENTINJ for exceptions, NMIs and interrupts,
 * EXITINTINFO for events an exit interrupted, and the windows: V_IRQ with
 * the VINTR intercept for interrupts, the IRET intercept (and a single
 * step over the IRET, or over an interrupt shadow) for NMIs.
 *
 * Without vNMI the CPU does not track the guest's NMI blocking, so this
 * file does: an injected NMI blocks NMIs until its IRET has completed,
 * which is when the guest has moved past the IRET the intercept caught.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/traps.h>

#include "../regs.h"
#include "../x86.h"
#include "svm.h"

#define V_IRQ_INJECTION_BITS	(V_IRQ_MASK | V_INTR_PRIO_MASK | V_IGN_TPR_MASK)
#define DB_INTERCEPT		(INTERCEPT_EXCEPTION_OFFSET + X86_TRAP_DB)

static bool is_soft_exception(u8 vector)
{
	return vector == X86_TRAP_BP || vector == X86_TRAP_OF;
}

void svm_inject_exception(struct minikvm_vcpu *vcpu)
{
	struct minikvm_queued_exception *ex = &vcpu->exception;
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	if (ex->has_payload && ex->vector == X86_TRAP_PF)
		to_svm(vcpu)->vmcb->save.cr2 = ex->payload;
	minikvm_deliver_exception_payload(vcpu);

	/*
	 * INT3/INTO injected from outside push the current RIP: there is no
	 * instruction emulator to find the next one (as KVM without NRIPS
	 * would need).
	 */
	c->event_inj = ex->vector | SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT |
		       (ex->has_error_code ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = ex->error_code;
}

void svm_inject_nmi(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	svm->vmcb->control.event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI;
	svm->nmi_masked = true;
	svm_set_intercept(svm, INTERCEPT_IRET);
}

/*
 * An INTn cannot be re-injected without knowing its length; since RIP
 * still points at it, executing it again raises it again.
 */
void svm_inject_irq(struct minikvm_vcpu *vcpu)
{
	struct minikvm_queued_interrupt *intr = &vcpu->interrupt;

	if (intr->soft) {
		intr->injected = false;
		return;
	}
	to_svm(vcpu)->vmcb->control.event_inj = intr->nr | SVM_EVTINJ_VALID |
						SVM_EVTINJ_TYPE_INTR;
	vcpu->stat.irq_injections++;
}

/* The guest moved past the IRET that ended its NMI handler. */
static void check_iret_completion(struct vcpu_svm *svm)
{
	if (!svm->awaiting_iret_completion || svm->vcpu.rip == svm->nmi_iret_rip)
		return;
	svm->awaiting_iret_completion = false;
	svm->nmi_masked = false;
	set_bit(MINIKVM_REQ_EVENT, &svm->vcpu.requests);
}

/*
 * Put an interrupted event back: exceptions with their error code, NMIs
 * and external interrupts.  INTn and the INT3/INTO the guest executed
 * itself are dropped, to be raised again by the instruction RIP still
 * points at; an INT3/INTO that minikvm injected goes back like any
 * exception.
 */
static void requeue_event(struct vcpu_svm *svm, u32 info, u32 err,
			  bool injected_soft)
{
	struct minikvm_vcpu *vcpu = &svm->vcpu;
	u8 vector = info & SVM_EXITINTINFO_VEC_MASK;

	switch (info & SVM_EXITINTINFO_TYPE_MASK) {
	case SVM_EXITINTINFO_TYPE_NMI:
		vcpu->nmi_injected = true;
		break;
	case SVM_EXITINTINFO_TYPE_EXEPT:
		if (is_soft_exception(vector) && !injected_soft)
			break;
		minikvm_requeue_exception(vcpu, vector,
					  info & SVM_EXITINTINFO_VALID_ERR, err);
		break;
	case SVM_EXITINTINFO_TYPE_INTR:
		minikvm_queue_interrupt(vcpu, vector, false);
		break;
	default:
		break;
	}
}

/**
 * svm_complete_interrupts - after an exit, what is still in flight.
 * @svm: the vCPU.
 *
 * The queues are rebuilt from EXITINTINFO alone: an event that is not
 * there was delivered.
 */
void svm_complete_interrupts(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct minikvm_vcpu *vcpu = &svm->vcpu;
	u32 injected = c->event_inj, info = c->exit_int_info;
	bool injected_soft;

	c->event_inj = 0;
	check_iret_completion(svm);
	injected_soft = vcpu->exception.injected &&
			is_soft_exception(vcpu->exception.vector) &&
			(injected & SVM_EVTINJ_VALID);
	minikvm_clear_event_queues(vcpu);
	if (!(info & SVM_EXITINTINFO_VALID))
		return;
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	requeue_event(svm, info, c->exit_int_info_err, injected_soft);
}

/* The entry was abandoned: the injected event goes back unchanged. */
void svm_cancel_injection(struct minikvm_vcpu *vcpu)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	c->exit_int_info = c->event_inj;
	c->exit_int_info_err = c->event_inj_err;
	svm_complete_interrupts(to_svm(vcpu));
}

static bool in_interrupt_shadow(struct vcpu_svm *svm)
{
	return svm->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK;
}

/* The guest is its own: GIF is always set, no nested guest. */
bool svm_interrupt_allowed(struct minikvm_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) &&
	       !in_interrupt_shadow(to_svm(vcpu));
}

bool svm_nmi_allowed(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	return !svm->nmi_masked && !in_interrupt_shadow(svm);
}

bool svm_get_nmi_mask(struct minikvm_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi_masked;
}

void svm_set_nmi_mask(struct minikvm_vcpu *vcpu, bool masked)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	svm->nmi_masked = masked;
	svm->awaiting_iret_completion = false;
	if (masked)
		svm_set_intercept(svm, INTERCEPT_IRET);
	else
		svm_clr_intercept(svm, INTERCEPT_IRET);
}

u32 svm_get_interrupt_shadow(struct minikvm_vcpu *vcpu)
{
	return in_interrupt_shadow(to_svm(vcpu)) ?
	       KVM_X86_SHADOW_INT_MOV_SS | KVM_X86_SHADOW_INT_STI : 0;
}

void svm_set_interrupt_shadow(struct minikvm_vcpu *vcpu, u32 mask)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	if (mask)
		c->int_state |= SVM_INTERRUPT_SHADOW_MASK;
	else
		c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

/*
 * A dummy virtual interrupt of the highest priority: the CPU exits with
 * VINTR when it would take it, i.e. when the guest can take interrupts.
 * The real one is then injected through EVENTINJ.
 */
void svm_enable_irq_window(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;

	svm_set_intercept(svm, INTERCEPT_VINTR);
	c->int_vector = 0;
	c->int_ctl &= ~V_INTR_PRIO_MASK;
	c->int_ctl |= V_IRQ_MASK | (0xf << V_INTR_PRIO_SHIFT);
	svm->tpr_window_prio = -1;
}

/*
 * MOV to CR8 does not exit (V_INTR_MASKING makes it write V_TPR).  When
 * the local APIC holds an interrupt of class @prio back only because of
 * the TPR, a dummy virtual interrupt of that priority, subject to V_TPR,
 * exits with VINTR as soon as the guest lowers CR8 below it.
 */
void svm_enable_tpr_window(struct minikvm_vcpu *vcpu, int prio)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	int armed = prio;

	if (svm->vintr_prio_inclusive)
		armed = max(prio - 1, 0);
	svm_set_intercept(svm, INTERCEPT_VINTR);
	c->int_vector = 0;
	c->int_ctl &= ~(V_INTR_PRIO_MASK | V_IGN_TPR_MASK);
	c->int_ctl |= V_IRQ_MASK | (armed << V_INTR_PRIO_SHIFT);
	svm->tpr_window_prio = prio;
}

static void clear_vintr(struct vcpu_svm *svm)
{
	svm_clr_intercept(svm, INTERCEPT_VINTR);
	svm->vmcb->control.int_ctl &= ~V_IRQ_INJECTION_BITS;
}

/* RFLAGS as the guest set them, without the single-step flags we added. */
u64 svm_guest_rflags(struct vcpu_svm *svm)
{
	u64 rflags = svm->vmcb->save.rflags;
	u64 ours = (X86_EFLAGS_TF | X86_EFLAGS_RF) &
		   ~svm->nmi_singlestep_guest_rflags;

	return svm->nmi_singlestep ? rflags & ~ours : rflags;
}

/*
 * NMIs blocked by an NMI in progress wait for the IRET intercept.  After
 * it, or when only an interrupt shadow is in the way, single-step one
 * instruction: its #DB exit is the window.
 */
void svm_enable_nmi_window(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	if (svm->nmi_masked && !svm->awaiting_iret_completion)
		return;
	if (svm->nmi_singlestep)
		return;
	svm->nmi_singlestep_guest_rflags = vcpu->rflags;
	svm->nmi_singlestep = true;
	svm_set_intercept(svm, DB_INTERCEPT);
}

static void disable_nmi_singlestep(struct vcpu_svm *svm)
{
	svm->nmi_singlestep = false;
	svm_clr_intercept(svm, DB_INTERCEPT);
}

/* IRET of the NMI handler: NMIs unblock once it has completed. */
int svm_handle_iret(struct vcpu_svm *svm)
{
	svm->vcpu.stat.nmi_window_exits++;
	svm->awaiting_iret_completion = true;
	svm->nmi_iret_rip = svm->vcpu.rip;
	svm_clr_intercept(svm, INTERCEPT_IRET);
	set_bit(MINIKVM_REQ_EVENT, &svm->vcpu.requests);
	return MINIKVM_EXIT_RESUME;
}

/* The guest can take interrupts: the run loop tells userspace. */
int svm_handle_vintr(struct vcpu_svm *svm)
{
	svm->vcpu.stat.irq_window_exits++;
	/* A TPR window that opened with CR8 still at its class: see above. */
	if (svm->tpr_window_prio >= 0 &&
	    (svm->vcpu.cr8 & 0xf) >= svm->tpr_window_prio)
		svm->vintr_prio_inclusive = true;
	svm->tpr_window_prio = -1;
	clear_vintr(svm);
	set_bit(MINIKVM_REQ_EVENT, &svm->vcpu.requests);
	return MINIKVM_EXIT_RESUME;
}

/*
 * #DB, intercepted only while single-stepping for an NMI window.  The
 * step was ours; a #DB the guest would have taken anyway (its own TF, a
 * breakpoint) is given to it.
 */
int svm_handle_db(struct vcpu_svm *svm)
{
	struct minikvm_vcpu *vcpu = &svm->vcpu;
	bool guest_tf = svm->nmi_singlestep_guest_rflags & X86_EFLAGS_TF;
	u64 dr6 = svm->vmcb->save.dr6;

	if (!svm->nmi_singlestep) {
		minikvm_queue_exception(vcpu, X86_TRAP_DB);
		return MINIKVM_EXIT_RESUME;
	}
	vcpu->stat.nmi_window_exits++;
	disable_nmi_singlestep(svm);
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	if (guest_tf || (dr6 & DR_TRAP_BITS))
		minikvm_queue_exception(vcpu, X86_TRAP_DB);
	else
		vcpu->dr6 = svm->entry_dr6;	/* the step was ours alone */
	return MINIKVM_EXIT_RESUME;
}
