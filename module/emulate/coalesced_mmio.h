/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Coalesced MMIO (KVM_REGISTER_COALESCED_MMIO): guest writes into a
 * registered zone are appended to a ring page shared with userspace
 * instead of exiting; userspace drains the ring at its next exit.  Reads
 * of a zone, and writes that find the ring full, exit as usual.
 *
 * The ring is one page per VM, mapped by every vCPU fd at page
 * KVM_COALESCED_MMIO_PAGE_OFFSET.  Zones are devices on the VM's MMIO bus.
 * Coalesced PIO zones (KVM_CAP_COALESCED_PIO) share the ring: an OUT to
 * one is appended with pio = 1 and the port as address.
 */
#ifndef MINIKVM_MODULE_EMULATE_COALESCED_MMIO_H
#define MINIKVM_MODULE_EMULATE_COALESCED_MMIO_H

#include <linux/kvm.h>

struct minikvm_vcpu;
struct minikvm_vm;
struct page;

int minikvm_coalesced_mmio_init(struct minikvm_vm *vm);
void minikvm_coalesced_mmio_destroy(struct minikvm_vm *vm);
struct page *minikvm_coalesced_mmio_page(struct minikvm_vm *vm);
bool minikvm_coalesced_pio_write(struct minikvm_vcpu *vcpu, u16 port,
				 unsigned int len, const void *val);

int minikvm_vm_ioctl_register_coalesced_mmio(struct minikvm_vm *vm,
					     const struct kvm_coalesced_mmio_zone *zone);
int minikvm_vm_ioctl_unregister_coalesced_mmio(struct minikvm_vm *vm,
					       const struct kvm_coalesced_mmio_zone *zone);

#endif /* MINIKVM_MODULE_EMULATE_COALESCED_MMIO_H */
