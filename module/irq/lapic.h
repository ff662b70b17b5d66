/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel local APIC of a vCPU: its register page, the xAPIC/x2APIC
 * modes, interrupt acceptance (IRR/ISR/TMR, PPR), the ICR and the timer.
 */
#ifndef MINIKVM_MODULE_IRQ_LAPIC_H
#define MINIKVM_MODULE_IRQ_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/types.h>

struct minikvm_vcpu;
struct minikvm_vm;

/* apic->pending_events bits: INIT and SIPI, accepted by the vCPU thread. */
#define MINIKVM_APIC_INIT	0
#define MINIKVM_APIC_SIPI	1

/* The LVT timer modes (bits 18:17). */
#define MINIKVM_LVTT_ONESHOT	0
#define MINIKVM_LVTT_PERIODIC	1
#define MINIKVM_LVTT_TSCDEADLINE 2

/**
 * struct minikvm_lapic_timer - the APIC timer on an hrtimer.
 * @timer: fires in hard interrupt context, on any host CPU.
 * @mode: MINIKVM_LVTT_*, a copy of LVTT's mode; written by the vCPU
 *	thread, read by the callback (READ_ONCE()).
 * @period_ns: the period of a periodic timer, or of the current count.
 * @tscdeadline: the guest TSC value armed with IA32_TSC_DEADLINE, 0 if none.
 * @pending: expirations not yet turned into an interrupt; incremented by
 *	the hrtimer callback, taken with atomic_xchg() by the vCPU thread.
 *
 * Everything but @timer's own state and @pending belongs to the vCPU
 * thread (vcpu->mutex held).
 */
struct minikvm_lapic_timer {
	struct hrtimer timer;
	u32 mode;
	u64 period_ns;
	u64 tscdeadline;
	atomic_t pending;
};

/**
 * struct minikvm_lapic - one vCPU's local APIC.
 * @vcpu: its vCPU.
 * @regs: the 4 KiB register page, laid out as the xAPIC MMIO page.  The
 *	vCPU thread (vcpu->mutex) owns it, except the IRR and TMR words,
 *	which any thread sets with atomic bit operations when it accepts an
 *	interrupt (apic_accept_irq()); the vCPU thread clears them atomically
 *	too.  Other threads read the ID, LDR, DFR and SVR locklessly with
 *	READ_ONCE() to route interrupts: a delivery racing with a change of
 *	these registers sees the old or the new value, as on hardware.
 * @pending_events: MINIKVM_APIC_INIT / _SIPI, set_bit() by senders,
 *	test_and_clear_bit() by the vCPU thread.
 * @sipi_vector: written before MINIKVM_APIC_SIPI is set (smp_wmb()),
 *	read after it is seen (smp_rmb()).
 * @timer: the timer.
 */
struct minikvm_lapic {
	struct minikvm_vcpu *vcpu;
	void *regs;
	unsigned long pending_events;
	u8 sipi_vector;
	struct minikvm_lapic_timer timer;
};

int minikvm_lapic_create(struct minikvm_vcpu *vcpu);
void minikvm_lapic_free(struct minikvm_vcpu *vcpu);
void minikvm_lapic_reset(struct minikvm_vcpu *vcpu, bool init_event);

/* The register page, for the vCPU thread. */
int minikvm_lapic_reg_read(struct minikvm_lapic *apic, u32 offset, u32 len,
			   void *data);
int minikvm_lapic_reg_write(struct minikvm_lapic *apic, u32 offset, u32 val);
bool minikvm_lapic_mmio_in_range(struct minikvm_lapic *apic, u64 gpa);
bool minikvm_lapic_mmio_enabled(struct minikvm_lapic *apic);

/* MSRs: IA32_APIC_BASE, x2APIC, TSC_DEADLINE. */
int minikvm_lapic_set_base(struct minikvm_vcpu *vcpu, u64 value);
int minikvm_x2apic_msr_read(struct minikvm_vcpu *vcpu, u32 msr, u64 *data);
int minikvm_x2apic_msr_write(struct minikvm_vcpu *vcpu, u32 msr, u64 data);
u64 minikvm_lapic_get_tscdeadline(struct minikvm_vcpu *vcpu);
void minikvm_lapic_set_tscdeadline(struct minikvm_vcpu *vcpu, u64 data);

/* TPR and CR8. */
u64 minikvm_lapic_get_cr8(struct minikvm_vcpu *vcpu);
void minikvm_lapic_set_cr8(struct minikvm_vcpu *vcpu, u64 cr8);

/* Injection, on the vCPU thread. */
int minikvm_lapic_find_highest_irr(struct minikvm_lapic *apic);
int minikvm_lapic_has_interrupt(struct minikvm_vcpu *vcpu, int *blocked_prio);
int minikvm_lapic_get_interrupt(struct minikvm_vcpu *vcpu);
bool minikvm_lapic_accepts_pic_intr(struct minikvm_vcpu *vcpu);
void minikvm_lapic_inject_pending_timer(struct minikvm_vcpu *vcpu);
bool minikvm_lapic_has_pending_timer(struct minikvm_vcpu *vcpu);
void minikvm_lapic_accept_events(struct minikvm_vcpu *vcpu);
bool minikvm_lapic_has_pending_events(struct minikvm_vcpu *vcpu);
bool minikvm_lapic_is_bsp(struct minikvm_vcpu *vcpu);

/* Delivery from any thread. */
struct minikvm_lapic_irq {
	u32 vector;
	u32 delivery_mode;
	u32 dest_mode;		/* 0 physical, 1 logical */
	bool level;
	bool trig_mode;		/* 1 level-triggered */
	u32 shorthand;
	u32 dest_id;
};

int minikvm_irq_delivery_to_apic(struct minikvm_vm *vm,
				 struct minikvm_lapic *src,
				 const struct minikvm_lapic_irq *irq);

/* KVM_GET/SET_LAPIC. */
int minikvm_vcpu_ioctl_get_lapic(struct minikvm_vcpu *vcpu,
				 struct kvm_lapic_state *s);
int minikvm_vcpu_ioctl_set_lapic(struct minikvm_vcpu *vcpu,
				 struct kvm_lapic_state *s);

#endif /* MINIKVM_MODULE_IRQ_LAPIC_H */
