// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the guest: the exception queue with its double- and triple-
 * fault rules, NMIs (KVM_NMI) and external interrupts (KVM_INTERRUPT, for
 * VMMs with a userspace interrupt controller), their injection before each
 * entry, and KVM_GET/SET_VCPU_EVENTS.
 *
 * An event is "pending" until it is given to the CPU and "injected" from
 * then until the guest has taken it.  An exit in the middle of delivery
 * (EXITINTINFO on SVM) makes the backend put the event back as injected,
 * and the next entry delivers it again before anything new.
 *
 * Everything here runs on the vCPU's thread with vcpu->mutex held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <asm/traps.h>

#include "minikvm.h"
#include "regs.h"
#include "x86.h"

enum exception_class { EXCPT_BENIGN, EXCPT_CONTRIBUTORY, EXCPT_PF };

static enum exception_class exception_class(u8 vector)
{
	switch (vector) {
	case X86_TRAP_PF:
		return EXCPT_PF;
	case X86_TRAP_DE:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
		return EXCPT_CONTRIBUTORY;
	default:
		return EXCPT_BENIGN;
	}
}

/* Faults (as opposed to traps, aborts and #DB) restart the instruction. */
static bool exception_is_fault(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DB:
	case X86_TRAP_BP:
	case X86_TRAP_OF:
	case X86_TRAP_DF:
	case X86_TRAP_MC:
		return false;
	default:
		return true;
	}
}

/* INT3 and INTO: raised by an instruction, like INTn. */
static bool exception_is_soft(u8 vector)
{
	return vector == X86_TRAP_BP || vector == X86_TRAP_OF;
}

static void set_exception(struct minikvm_vcpu *vcpu, u8 vector,
			  bool has_error_code, u32 error_code,
			  bool has_payload, u64 payload, bool reinject)
{
	struct minikvm_queued_exception *ex = &vcpu->exception;

	ex->injected = reinject;
	ex->pending = !reinject;
	ex->vector = vector;
	ex->has_error_code = has_error_code;
	ex->error_code = error_code;
	/* A re-injected event has already delivered its payload. */
	ex->has_payload = has_payload && !reinject;
	ex->payload = ex->has_payload ? payload : 0;
}

/*
 * Queue an exception on top of whatever is queued already: a second
 * contributory fault, or a page fault followed by a page or contributory
 * fault, becomes #DF; a fault on top of #DF shuts the vCPU down; anything
 * else replaces the older exception, which re-executing the instruction
 * will raise again.
 */
static void queue_exception(struct minikvm_vcpu *vcpu, u8 vector,
			    bool has_error_code, u32 error_code,
			    bool has_payload, u64 payload, bool reinject)
{
	struct minikvm_queued_exception *ex = &vcpu->exception;
	enum exception_class prev, next;

	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);

	if (!ex->pending && !ex->injected) {
		set_exception(vcpu, vector, has_error_code, error_code,
			      has_payload, payload, reinject);
		return;
	}
	if (ex->vector == X86_TRAP_DF) {
		set_bit(MINIKVM_REQ_TRIPLE_FAULT, &vcpu->requests);
		return;
	}
	prev = exception_class(ex->vector);
	next = exception_class(vector);
	if ((prev == EXCPT_CONTRIBUTORY && next == EXCPT_CONTRIBUTORY) ||
	    (prev == EXCPT_PF && next != EXCPT_BENIGN)) {
		set_exception(vcpu, X86_TRAP_DF, true, 0, false, 0, false);
		return;
	}
	set_exception(vcpu, vector, has_error_code, error_code,
		      has_payload, payload, reinject);
}

void minikvm_queue_exception(struct minikvm_vcpu *vcpu, u8 vector)
{
	queue_exception(vcpu, vector, false, 0, false, 0, false);
}

void minikvm_queue_exception_e(struct minikvm_vcpu *vcpu, u8 vector,
			       u32 error_code)
{
	queue_exception(vcpu, vector, true, error_code, false, 0, false);
}

/* An exception with a payload for CR2 (#PF) or DR6 (#DB). */
void minikvm_queue_exception_p(struct minikvm_vcpu *vcpu, u8 vector,
			       u64 payload)
{
	queue_exception(vcpu, vector, false, 0, true, payload, false);
}

/* A #PF with its error code, and @cr2 for CR2 when it is injected. */
void minikvm_queue_page_fault(struct minikvm_vcpu *vcpu, u32 error_code,
			      u64 cr2)
{
	queue_exception(vcpu, X86_TRAP_PF, true, error_code, true, cr2, false);
}

/* An exception whose delivery an exit interrupted: deliver it again. */
void minikvm_requeue_exception(struct minikvm_vcpu *vcpu, u8 vector,
			       bool has_error_code, u32 error_code)
{
	queue_exception(vcpu, vector, has_error_code, error_code, false, 0,
			true);
}

void minikvm_inject_gp(struct minikvm_vcpu *vcpu)
{
	minikvm_queue_exception_e(vcpu, X86_TRAP_GP, 0);
}

void minikvm_inject_ud(struct minikvm_vcpu *vcpu)
{
	minikvm_queue_exception(vcpu, X86_TRAP_UD);
}

void minikvm_queue_interrupt(struct minikvm_vcpu *vcpu, u8 nr, bool soft)
{
	vcpu->interrupt = (struct minikvm_queued_interrupt) {
		.injected = true, .soft = soft, .nr = nr,
	};
}

/* After an exit: what was in flight is now known from the exit alone. */
void minikvm_clear_event_queues(struct minikvm_vcpu *vcpu)
{
	vcpu->exception.pending = false;
	vcpu->exception.injected = false;
	vcpu->interrupt.injected = false;
	vcpu->nmi_injected = false;
}

/*
 * Write a #DB payload to DR6 now that the exception reaches the guest.
 * The payload uses the polarity of VMX's pending debug exceptions, not
 * DR6's.  The backend writes a #PF payload to CR2 itself.
 */
void minikvm_deliver_exception_payload(struct minikvm_vcpu *vcpu)
{
	struct minikvm_queued_exception *ex = &vcpu->exception;

	if (!ex->has_payload)
		return;
	if (ex->vector == X86_TRAP_DB) {
		u64 dr6 = (vcpu->dr6 & ~DR_TRAP_BITS) | MINIKVM_DR6_RTM;

		/* Active-low bits are cleared by the payload, others set. */
		dr6 &= ~(ex->payload & MINIKVM_DR6_ACTIVE_LOW);
		dr6 |= ex->payload & ~MINIKVM_DR6_ACTIVE_LOW;
		/* Bit 12 (enabled breakpoint) exists only in the payload. */
		vcpu->dr6 = (dr6 & ~BIT(12)) | MINIKVM_DR6_FIXED_1;
	}
	ex->has_payload = false;
	ex->payload = 0;
}

bool minikvm_event_needs_reinjection(struct minikvm_vcpu *vcpu)
{
	return vcpu->exception.injected || vcpu->interrupt.injected ||
	       vcpu->nmi_injected;
}

/*
 * Fold KVM_NMI's queue into nmi_pending.  Two may be pending while NMIs
 * are not blocked (one is injected now, the other waits for a window);
 * only one while they are.
 */
static void process_nmi(struct minikvm_vcpu *vcpu)
{
	unsigned int limit = 2, pending;

	if (minikvm_x86_call(get_nmi_mask)(vcpu) || vcpu->nmi_injected)
		limit = 1;
	pending = vcpu->nmi_pending + atomic_xchg(&vcpu->nmi_queued, 0);
	vcpu->nmi_pending = min(pending, limit);
	if (vcpu->nmi_pending)
		set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
}

/* Give the CPU again what an exit interrupted; exceptions win. */
static void reinject_events(struct minikvm_vcpu *vcpu)
{
	if (vcpu->exception.injected)
		minikvm_x86_call(inject_exception)(vcpu);
	else if (vcpu->exception.pending)
		;	/* injected below, NMI and IRQ wait */
	else if (vcpu->nmi_injected)
		minikvm_x86_call(inject_nmi)(vcpu);
	else if (vcpu->interrupt.injected)
		minikvm_x86_call(inject_irq)(vcpu);
}

static void inject_pending_exception(struct minikvm_vcpu *vcpu)
{
	struct minikvm_queued_exception *ex = &vcpu->exception;

	/* The handler returns past a fault without faulting again on it. */
	if (exception_is_fault(ex->vector))
		vcpu->rflags |= X86_EFLAGS_RF;
	if (ex->vector == X86_TRAP_DB) {
		minikvm_deliver_exception_payload(vcpu);
		vcpu->dr7 &= ~MINIKVM_DR7_GD;
	}
	/* Real mode exceptions have no error code. */
	ex->has_error_code &= minikvm_is_protmode(vcpu);
	minikvm_x86_call(inject_exception)(vcpu);
	ex->pending = false;
	ex->injected = true;
	vcpu->stat.exceptions_injected++;
	if (ex->vector == X86_TRAP_PF)
		vcpu->stat.pf_guest++;
}

/**
 * minikvm_check_and_inject_events - choose the event for the next entry.
 * @vcpu: the vCPU.
 * @req_immediate_exit: set when an event must wait for the one being
 *	delivered: the entry then exits right after the delivery.
 *
 * Order: a re-injected event, then a pending exception, then an NMI.
 * External interrupts come only from KVM_INTERRUPT, already injected.
 *
 * Return: 0.
 */
int minikvm_check_and_inject_events(struct minikvm_vcpu *vcpu,
				    bool *req_immediate_exit)
{
	bool can_inject;

	reinject_events(vcpu);
	can_inject = !minikvm_event_needs_reinjection(vcpu);

	if (vcpu->exception.pending) {
		inject_pending_exception(vcpu);
		can_inject = false;
	}

	if (vcpu->nmi_pending) {
		if (!can_inject) {
			*req_immediate_exit = true;
			return 0;
		}
		if (minikvm_x86_call(nmi_allowed)(vcpu)) {
			vcpu->nmi_pending--;
			vcpu->nmi_injected = true;
			minikvm_x86_call(inject_nmi)(vcpu);
			vcpu->stat.nmi_injections++;
			can_inject = false;
		}
		if (vcpu->nmi_pending)
			minikvm_x86_call(enable_nmi_window)(vcpu);
	}

	/*
	 * As KVM: an interrupt from KVM_INTERRUPT that is being delivered
	 * makes the vCPU exit right after, so that userspace hears about the
	 * next interrupt window promptly.
	 */
	if (vcpu->interrupt.injected && !can_inject)
		*req_immediate_exit = true;
	return 0;
}

/*
 * run->ready_for_interrupt_injection: KVM_INTERRUPT would be delivered
 * right away, at an instruction boundary with nothing half-delivered.
 */
bool minikvm_ready_for_interrupt_injection(struct minikvm_vcpu *vcpu)
{
	return minikvm_x86_call(interrupt_allowed)(vcpu) &&
	       !minikvm_event_needs_reinjection(vcpu) &&
	       !vcpu->exception.pending;
}

void minikvm_events_reset(struct minikvm_vcpu *vcpu)
{
	memset(&vcpu->exception, 0, sizeof(vcpu->exception));
	memset(&vcpu->interrupt, 0, sizeof(vcpu->interrupt));
	vcpu->nmi_injected = false;
	vcpu->nmi_pending = 0;
	atomic_set(&vcpu->nmi_queued, 0);
	minikvm_x86_call(set_nmi_mask)(vcpu, false);
}

/* ------------------------------------------------------------------ */
/* ioctls                                                              */

/**
 * minikvm_vcpu_ioctl_interrupt - KVM_INTERRUPT: inject an external
 * interrupt at the next entry.  The caller is expected to have seen
 * ready_for_interrupt_injection; as in KVM, a second call before the
 * entry replaces the first.
 * @vcpu: the vCPU; its mutex is held.
 * @irq: the vector.
 *
 * Return: 0, or -EINVAL for a vector above 255.
 */
int minikvm_vcpu_ioctl_interrupt(struct minikvm_vcpu *vcpu,
				 const struct kvm_interrupt *irq)
{
	if (irq->irq >= KVM_NR_INTERRUPTS)
		return -EINVAL;
	minikvm_queue_interrupt(vcpu, irq->irq, false);
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	return 0;
}

/* KVM_NMI: queue an NMI; it is delivered once NMIs are not blocked. */
int minikvm_vcpu_ioctl_nmi(struct minikvm_vcpu *vcpu)
{
	atomic_inc(&vcpu->nmi_queued);
	set_bit(MINIKVM_REQ_NMI, &vcpu->requests);
	return 0;
}

/**
 * minikvm_vcpu_ioctl_get_vcpu_events - KVM_GET_VCPU_EVENTS.
 * @vcpu: the vCPU; its mutex is held.
 * @events: filled in.
 *
 * As KVM without KVM_CAP_EXCEPTION_PAYLOAD: a pending exception is also
 * reported as injected, and INT3/INTO are not reported (RIP still points
 * at the instruction, which raises them again).
 */
void minikvm_vcpu_ioctl_get_vcpu_events(struct minikvm_vcpu *vcpu,
					struct kvm_vcpu_events *events)
{
	struct minikvm_queued_exception *ex = &vcpu->exception;

	process_nmi(vcpu);
	memset(events, 0, sizeof(*events));

	if (!exception_is_soft(ex->vector)) {
		events->exception.injected = ex->injected || ex->pending;
		events->exception.pending = ex->pending;
	}
	events->exception.nr = ex->vector;
	events->exception.has_error_code = ex->has_error_code;
	events->exception.error_code = ex->error_code;
	events->exception_has_payload = ex->has_payload;
	events->exception_payload = ex->payload;

	events->interrupt.injected = vcpu->interrupt.injected &&
				     !vcpu->interrupt.soft;
	events->interrupt.nr = vcpu->interrupt.nr;
	events->interrupt.shadow =
		minikvm_x86_call(get_interrupt_shadow)(vcpu);

	events->nmi.injected = vcpu->nmi_injected;
	events->nmi.pending = vcpu->nmi_pending;
	events->nmi.masked = minikvm_x86_call(get_nmi_mask)(vcpu);

	events->flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
			KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
}

#define VCPU_EVENTS_VALID_FLAGS (KVM_VCPUEVENT_VALID_NMI_PENDING |	\
				 KVM_VCPUEVENT_VALID_SIPI_VECTOR |	\
				 KVM_VCPUEVENT_VALID_SHADOW |		\
				 KVM_VCPUEVENT_VALID_SMM |		\
				 KVM_VCPUEVENT_VALID_PAYLOAD |		\
				 KVM_VCPUEVENT_VALID_TRIPLE_FAULT)

/*
 * The checks, all made before anything changes.  Payloads and the triple
 * fault event need capabilities minikvm does not offer, and there is no
 * SMM to enter.
 */
static int check_vcpu_events(const struct kvm_vcpu_events *events)
{
	if (events->flags & ~VCPU_EVENTS_VALID_FLAGS)
		return -EINVAL;
	if (events->flags & (KVM_VCPUEVENT_VALID_PAYLOAD |
			     KVM_VCPUEVENT_VALID_TRIPLE_FAULT))
		return -EINVAL;
	if (events->exception.injected &&
	    (events->exception.nr > 31 || events->exception.nr == X86_TRAP_NMI))
		return -EINVAL;
	if ((events->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (events->smi.smm || events->smi.pending ||
	     events->smi.smm_inside_nmi))
		return -EINVAL;
	return 0;
}

/**
 * minikvm_vcpu_ioctl_set_vcpu_events - KVM_SET_VCPU_EVENTS.
 * @vcpu: the vCPU; its mutex is held.
 * @events: the state, as KVM_GET_VCPU_EVENTS reports it.
 *
 * Without KVM_CAP_EXCEPTION_PAYLOAD an exception is always "injected":
 * delivered at the next entry as it is, without becoming #DF.
 *
 * Return: 0; -EINVAL for unknown flags, a payload or triple fault (their
 * capabilities are not offered), SMM state, or an exception vector above
 * 31 or equal to 2; nothing changes then.
 */
int minikvm_vcpu_ioctl_set_vcpu_events(struct minikvm_vcpu *vcpu,
				       struct kvm_vcpu_events *events)
{
	struct minikvm_queued_exception *ex = &vcpu->exception;
	int r;

	r = check_vcpu_events(events);
	if (r)
		return r;

	process_nmi(vcpu);

	*ex = (struct minikvm_queued_exception) {
		.injected = events->exception.injected,
		.vector = events->exception.nr,
		.has_error_code = events->exception.has_error_code,
		.error_code = events->exception.error_code,
	};
	vcpu->interrupt = (struct minikvm_queued_interrupt) {
		.injected = events->interrupt.injected,
		.soft = events->interrupt.soft,
		.nr = events->interrupt.nr,
	};
	if (events->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		u32 shadow = events->interrupt.shadow;

		minikvm_x86_call(set_interrupt_shadow)(vcpu, shadow);
	}

	vcpu->nmi_injected = events->nmi.injected;
	if (events->flags & KVM_VCPUEVENT_VALID_NMI_PENDING) {
		vcpu->nmi_pending = 0;
		atomic_set(&vcpu->nmi_queued, events->nmi.pending);
		if (events->nmi.pending)
			set_bit(MINIKVM_REQ_NMI, &vcpu->requests);
	}
	minikvm_x86_call(set_nmi_mask)(vcpu, events->nmi.masked);

	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	return 0;
}

/* MINIKVM_REQ_NMI: see process_nmi(). */
void minikvm_process_nmi(struct minikvm_vcpu *vcpu)
{
	process_nmi(vcpu);
}
