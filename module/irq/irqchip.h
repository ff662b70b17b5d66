/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's in-kernel irqchip (KVM_CREATE_IRQCHIP): IOAPIC and PICs, the
 * fixed GSI routing, and the hooks the core calls.
 */
#ifndef MINIKVM_MODULE_IRQ_IRQCHIP_H
#define MINIKVM_MODULE_IRQ_IRQCHIP_H

#include <linux/kvm.h>

#include "../emulate/mmio_bus.h"
#include "ioapic.h"
#include "pic.h"

struct minikvm_vcpu;
struct minikvm_vm;

/* GSIs: 0-15 reach both PIC and IOAPIC pins, 16-23 the IOAPIC only. */
#define MINIKVM_NR_GSIS		MINIKVM_IOAPIC_PINS

/**
 * struct minikvm_irqchip - the VM's interrupt controllers.
 * @pic: both 8259s.
 * @ioapic: the IOAPIC.
 * @lapic_dev: the xAPIC MMIO pages of all vCPUs (each access goes to the
 *	accessing vCPU's own APIC, if in its page).
 * @ioapic_dev: the IOAPIC's MMIO registers.
 */
struct minikvm_irqchip {
	struct minikvm_pic pic;
	struct minikvm_ioapic ioapic;
	struct minikvm_mmio_device lapic_dev;
	struct minikvm_mmio_device ioapic_dev;
};

int minikvm_vm_ioctl_create_irqchip(struct minikvm_vm *vm);
int minikvm_vm_ioctl_irq_line(struct minikvm_vm *vm, void __user *argp,
			      bool status);
int minikvm_vm_ioctl_get_irqchip(struct minikvm_vm *vm, void __user *argp);
int minikvm_vm_ioctl_set_irqchip(struct minikvm_vm *vm, void __user *argp);
int minikvm_vm_ioctl_signal_msi(struct minikvm_vm *vm, void __user *argp);
int minikvm_vm_enable_irq_cap(struct minikvm_vm *vm,
			      const struct kvm_enable_cap *cap);
void minikvm_irqchip_destroy(struct minikvm_vm *vm);

/* The vCPU side, on the vCPU thread. */
int minikvm_cpu_has_interrupt(struct minikvm_vcpu *vcpu, int *tpr_prio);
int minikvm_cpu_get_interrupt(struct minikvm_vcpu *vcpu);
bool minikvm_pio_in_kernel(struct minikvm_vcpu *vcpu, bool in, u16 port,
			   u8 size);

#endif /* MINIKVM_MODULE_IRQ_IRQCHIP_H */
