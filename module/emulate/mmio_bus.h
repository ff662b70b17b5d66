/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel MMIO bus: devices that handle guest MMIO without an exit
 * to userspace (the local APIC page, coalesced MMIO zones).
 *
 * How an access reaches a device: a guest access to a GPA that no memslot
 * backs (or a write to a read-only memslot) faults, the instruction is
 * emulated (emulate.h), and each MMIO access it makes is cut at page
 * boundaries and into chunks of at most 8 bytes.  Each chunk is offered to
 * the devices whose range contains all of it, in registration order; the
 * first callback returning 0 has handled it.  A chunk no device takes goes
 * to userspace as KVM_EXIT_MMIO (and so does the rest of that page's part
 * of the access).  Ranges may overlap.
 *
 * The device contract:
 *  - @addr is the absolute guest physical address of the chunk, @len 1 to
 *    8 bytes, @val the data in guest (little-endian) byte order; a read
 *    callback that returns 0 must fill all @len bytes.
 *  - Callbacks run on the accessing vCPU's thread (@vcpu, in KVM_RUN, with
 *    vcpu->mutex held) inside an RCU read-side section: they must not
 *    sleep, and they may run on several vCPUs at once, so the device
 *    brings its own (spin)lock for its state.  They may queue events or
 *    requests for vCPUs (minikvm_make_request(), minikvm_vcpu_kick()).
 *  - Return 0 when handled, -EOPNOTSUPP to pass the chunk on (the next
 *    device, then userspace).
 *  - The device struct is owned by its user, who embeds it (container_of()
 *    in the callbacks finds the rest) and keeps it alive from register to
 *    unregister.
 *
 * Registration is per VM: minikvm_mmio_bus_register() and
 * minikvm_mmio_bus_unregister() take vm->mmio_bus_lock, a leaf mutex (no
 * other minikvm lock may be taken under it; it may be taken under any of
 * them except inside an RCU or SRCU read-side section, as it sleeps).
 * The __ variants are for a caller already holding it.  After
 * minikvm_mmio_bus_unregister() returns, no callback of the device runs
 * any more and its memory may be freed; devices still registered when the
 * VM is destroyed are simply forgotten (their owner frees them).
 */
#ifndef MINIKVM_MODULE_EMULATE_MMIO_BUS_H
#define MINIKVM_MODULE_EMULATE_MMIO_BUS_H

#include <linux/types.h>

#include "../types.h"

struct minikvm_vm;
struct minikvm_vcpu;
struct minikvm_mmio_device;

/* A device's callbacks; either may be NULL (the chunk is passed on). */
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
