/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events delivered to the guest: exceptions, NMIs and external interrupts
 * from userspace (KVM_INTERRUPT), their queues and their injection.
 */
#ifndef MINIKVM_MODULE_EVENTS_H
#define MINIKVM_MODULE_EVENTS_H

#include <linux/kvm.h>
#include <linux/types.h>

/**
 * struct minikvm_queued_exception - the one exception of a vCPU.
 * @pending: raised but not yet given to the CPU; may still become #DF.
 * @injected: given to the CPU (or interrupted on its way and to be given
 *	again): the guest has not seen it yet, but it is committed.
 * @has_payload: @payload is CR2 (#PF) or DR6 bits (#DB), written to the
 *	register when the exception is injected.
 */
struct minikvm_queued_exception {
	bool pending;
	bool injected;
	bool has_error_code;
	bool has_payload;
	u8 vector;
	u32 error_code;
	u64 payload;
};

/**
 * struct minikvm_queued_interrupt - an external or software interrupt.
 * @injected: given to the CPU, or queued by KVM_INTERRUPT for the next
 *	entry (userspace checked ready_for_interrupt_injection first).
 * @soft: INTn, re-executed rather than re-injected.
 */
struct minikvm_queued_interrupt {
	bool injected;
	bool soft;
	u8 nr;
};

struct minikvm_vcpu;

void minikvm_queue_exception(struct minikvm_vcpu *vcpu, u8 vector);
void minikvm_queue_exception_e(struct minikvm_vcpu *vcpu, u8 vector,
			       u32 error_code);
void minikvm_queue_exception_p(struct minikvm_vcpu *vcpu, u8 vector,
			       u64 payload);
void minikvm_queue_page_fault(struct minikvm_vcpu *vcpu, u32 error_code,
			      u64 cr2);
void minikvm_requeue_exception(struct minikvm_vcpu *vcpu, u8 vector,
			       bool has_error_code, u32 error_code);
void minikvm_inject_gp(struct minikvm_vcpu *vcpu);
void minikvm_inject_ud(struct minikvm_vcpu *vcpu);
void minikvm_clear_event_queues(struct minikvm_vcpu *vcpu);
void minikvm_queue_interrupt(struct minikvm_vcpu *vcpu, u8 nr, bool soft);
void minikvm_deliver_exception_payload(struct minikvm_vcpu *vcpu);

int minikvm_check_and_inject_events(struct minikvm_vcpu *vcpu,
				    bool *req_immediate_exit);
bool minikvm_ready_for_interrupt_injection(struct minikvm_vcpu *vcpu);
bool minikvm_event_needs_reinjection(struct minikvm_vcpu *vcpu);
void minikvm_events_reset(struct minikvm_vcpu *vcpu);
void minikvm_process_nmi(struct minikvm_vcpu *vcpu);

int minikvm_vcpu_ioctl_interrupt(struct minikvm_vcpu *vcpu,
				 const struct kvm_interrupt *irq);
int minikvm_vcpu_ioctl_nmi(struct minikvm_vcpu *vcpu);
void minikvm_vcpu_ioctl_get_vcpu_events(struct minikvm_vcpu *vcpu,
					struct kvm_vcpu_events *events);
int minikvm_vcpu_ioctl_set_vcpu_events(struct minikvm_vcpu *vcpu,
				       struct kvm_vcpu_events *events);

#endif /* MINIKVM_MODULE_EVENTS_H */
