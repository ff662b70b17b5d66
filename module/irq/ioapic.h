/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel IOAPIC: 24 pins, their redirection table and remote IRR.
 */
#ifndef MINIKVM_MODULE_IRQ_IOAPIC_H
#define MINIKVM_MODULE_IRQ_IOAPIC_H

#include <linux/kvm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#define MINIKVM_IOAPIC_PINS		KVM_IOAPIC_NUM_PINS
#define MINIKVM_IOAPIC_DEFAULT_BASE	0xfec00000ULL
#define MINIKVM_IOAPIC_MMIO_LEN		0x100

struct minikvm_vm;

/**
 * struct minikvm_ioapic - the IOAPIC of a VM.
 * @lock: protects every field below; taken by KVM_IRQ_LINE, KVM_GET/SET_
 *	IRQCHIP, the MMIO handlers and a vCPU's EOI of a level-triggered
 *	vector.  Never taken in hard interrupt context.  Delivery to the local
 *	APICs happens under it (atomic IRR bits and wake-ups; no sleeping).
 * @vm: the VM.
 * @base: the MMIO base address.
 * @ioregsel: the index register.
 * @id: the IOAPIC id register.
 * @irr: pins asserted (level) or latched (edge) and not yet delivered.
 * @redirtbl: the redirection table, in the hardware's 64-bit format.
 */
struct minikvm_ioapic {
	spinlock_t lock;	/* protects the fields below */
	struct minikvm_vm *vm;
	u64 base;
	u32 ioregsel;
	u32 id;
	u32 irr;
	u64 redirtbl[MINIKVM_IOAPIC_PINS];
};

void minikvm_ioapic_init(struct minikvm_ioapic *ioapic, struct minikvm_vm *vm);
int minikvm_ioapic_set_irq(struct minikvm_ioapic *ioapic, u32 pin, bool level);
void minikvm_ioapic_eoi(struct minikvm_vm *vm, u8 vector);
void minikvm_ioapic_get_state(struct minikvm_ioapic *ioapic,
			      struct kvm_ioapic_state *s);
void minikvm_ioapic_set_state(struct minikvm_ioapic *ioapic,
			      const struct kvm_ioapic_state *s);
u32 minikvm_ioapic_mmio_read(struct minikvm_ioapic *ioapic, u32 offset);
void minikvm_ioapic_mmio_write(struct minikvm_ioapic *ioapic, u32 offset,
			       u32 val);

#endif /* MINIKVM_MODULE_IRQ_IOAPIC_H */
