/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel MMIO bus: devices that handle guest MMIO without an exit
 * to userspace (the local APIC page, coalesced MMIO zones).
 *
 * A device covers [base, base + len) of guest physical addresses and is
 * offered every emulated access of up to 8 bytes that falls entirely in
 * that range; ranges may overlap (the first device to take an access, in
 * registration order, has it).  Its callbacks run on the accessing vCPU's thread inside an
 * RCU read-side section: they must not sleep, and they may run on several
 * vCPUs at once.  A callback returns 0 when it handled the access and
 * -EOPNOTSUPP to pass it on (the next device, then userspace).
 *
 * Register and unregister take vm->slots_lock; after
 * minikvm_mmio_bus_unregister() returns, no callback of the device runs
 * any more and its memory may be freed.
 */
#ifndef MINIKVM_MODULE_EMULATE_MMIO_BUS_H
#define MINIKVM_MODULE_EMULATE_MMIO_BUS_H

#include <linux/types.h>

#include "../types.h"

struct minikvm_vm;
struct minikvm_vcpu;
struct minikvm_mmio_device;

struct minikvm_mmio_ops {
	int (*read)(struct minikvm_mmio_device *dev, struct minikvm_vcpu *vcpu,
		    gpa_t addr, unsigned int len, void *val);
	int (*write)(struct minikvm_mmio_device *dev, struct minikvm_vcpu *vcpu,
		     gpa_t addr, unsigned int len, const void *val);
};

/**
 * struct minikvm_mmio_device - one device on the bus; owned by its user.
 * @ops: its callbacks; either may be NULL.
 * @base: the first guest physical address it covers.
 * @len: the size of the range.
 */
struct minikvm_mmio_device {
	const struct minikvm_mmio_ops *ops;
	gpa_t base;
	u64 len;
};

#define MINIKVM_MMIO_BUS_MAX_DEVS	256

int minikvm_mmio_bus_register(struct minikvm_vm *vm,
			      struct minikvm_mmio_device *dev);
void minikvm_mmio_bus_unregister(struct minikvm_vm *vm,
				 struct minikvm_mmio_device *dev);
int __minikvm_mmio_bus_register(struct minikvm_vm *vm,
				struct minikvm_mmio_device *dev);
void __minikvm_mmio_bus_unregister(struct minikvm_vm *vm,
				   struct minikvm_mmio_device *dev);
void minikvm_mmio_bus_destroy(struct minikvm_vm *vm);

int minikvm_mmio_bus_read(struct minikvm_vcpu *vcpu, gpa_t addr,
			  unsigned int len, void *val);
int minikvm_mmio_bus_write(struct minikvm_vcpu *vcpu, gpa_t addr,
			   unsigned int len, const void *val);

#endif /* MINIKVM_MODULE_EMULATE_MMIO_BUS_H */
