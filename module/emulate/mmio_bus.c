// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel MMIO bus (see mmio_bus.h for the device contract).
 *
 * Readers (vCPUs emulating an access) take rcu_read_lock() and walk the
 * array published in vm->mmio_bus.  Writers, serialized by vm->mmio_bus_lock,
 * build a new array, publish it with rcu_assign_pointer() and free the old
 * one after a grace period; an unregistering writer waits for that grace
 * period itself (synchronize_rcu()), so that its device is unreachable on
 * return.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "../minikvm.h"
#include "mmio_bus.h"

/* The bus: an array published with RCU, replaced on every change. */
struct minikvm_mmio_bus {
	struct rcu_head rcu;
	unsigned int nr_devs;
	struct minikvm_mmio_device *devs[];
};

static struct minikvm_mmio_bus *bus_of(struct minikvm_vm *vm)
{
	return rcu_dereference_protected(vm->mmio_bus,
					 lockdep_is_held(&vm->mmio_bus_lock));
}

static struct minikvm_mmio_bus *bus_alloc(unsigned int nr)
{
	struct minikvm_mmio_bus *bus;

	bus = kzalloc(struct_size(bus, devs, nr), GFP_KERNEL_ACCOUNT);
	if (bus)
		bus->nr_devs = nr;
	return bus;
}

static void bus_publish(struct minikvm_vm *vm, struct minikvm_mmio_bus *new)
{
	struct minikvm_mmio_bus *old = bus_of(vm);

	rcu_assign_pointer(vm->mmio_bus, new);
	if (old)
		kfree_rcu(old, rcu);
}

/**
 * __minikvm_mmio_bus_register - put @dev on @vm's bus; vm->mmio_bus_lock held.
 * @vm: the VM.
 * @dev: the device.  Ranges may overlap, as on KVM's bus: an access goes
 *	to the first device, in registration order, that takes it.
 *
 * Return: 0, -EINVAL for an empty or wrapping range, -ENOSPC when the bus
 * is full, -ENOMEM.
 */
int __minikvm_mmio_bus_register(struct minikvm_vm *vm,
				struct minikvm_mmio_device *dev)
{
	struct minikvm_mmio_bus *old = bus_of(vm), *new;
	unsigned int nr = old ? old->nr_devs : 0;

	lockdep_assert_held(&vm->mmio_bus_lock);

	if (!dev->len || dev->base + dev->len < dev->base)
		return -EINVAL;
	if (nr >= MINIKVM_MMIO_BUS_MAX_DEVS)
		return -ENOSPC;
	new = bus_alloc(nr + 1);
	if (!new)
		return -ENOMEM;
	if (nr)
		memcpy(new->devs, old->devs, nr * sizeof(new->devs[0]));
	new->devs[nr] = dev;
	bus_publish(vm, new);
	return 0;
}

/* __minikvm_mmio_bus_register(), taking vm->mmio_bus_lock. */
int minikvm_mmio_bus_register(struct minikvm_vm *vm,
			      struct minikvm_mmio_device *dev)
{
	int r;

	mutex_lock(&vm->mmio_bus_lock);
	r = __minikvm_mmio_bus_register(vm, dev);
	mutex_unlock(&vm->mmio_bus_lock);
	return r;
}

/**
 * __minikvm_mmio_bus_unregister - take @dev off @vm's bus; vm->mmio_bus_lock
 * held.
 * @vm: the VM.
 * @dev: a device on the bus.
 *
 * Callbacks of @dev may still be running on return: the caller waits for
 * an RCU grace period (synchronize_rcu()) before freeing it.
 */
void __minikvm_mmio_bus_unregister(struct minikvm_vm *vm,
				   struct minikvm_mmio_device *dev)
{
	struct minikvm_mmio_bus *old = bus_of(vm), *new;
	unsigned int i, j = 0;

	lockdep_assert_held(&vm->mmio_bus_lock);

	if (!old)
		return;
	new = bus_alloc(old->nr_devs);
	if (!new) {
		/* Out of memory: leave a hole in the array, harmless. */
		for (i = 0; i < old->nr_devs; i++)
			if (old->devs[i] == dev)
				WRITE_ONCE(old->devs[i], NULL);
		return;
	}
	for (i = 0; i < old->nr_devs; i++)
		if (old->devs[i] && old->devs[i] != dev)
			new->devs[j++] = old->devs[i];
	new->nr_devs = j;
	bus_publish(vm, new);
}

/**
 * minikvm_mmio_bus_unregister - take @dev off @vm's bus.
 * @vm: the VM.
 * @dev: a device registered with minikvm_mmio_bus_register().
 *
 * On return no callback of @dev runs, or will.  Context: may sleep.
 */
void minikvm_mmio_bus_unregister(struct minikvm_vm *vm,
				 struct minikvm_mmio_device *dev)
{
	mutex_lock(&vm->mmio_bus_lock);
	__minikvm_mmio_bus_unregister(vm, dev);
	mutex_unlock(&vm->mmio_bus_lock);
	/* Readers that found @dev in the old array are done after this. */
	synchronize_rcu();
}

/* VM teardown: nobody else can reach the bus; devices are their owners'. */
void minikvm_mmio_bus_destroy(struct minikvm_vm *vm)
{
	kfree(rcu_dereference_protected(vm->mmio_bus, true));
	RCU_INIT_POINTER(vm->mmio_bus, NULL);
}

static struct minikvm_mmio_device *bus_find(struct minikvm_mmio_bus *bus,
					    gpa_t addr, unsigned int len,
					    unsigned int *start)
{
	unsigned int i;

	for (i = *start; bus && i < bus->nr_devs; i++) {
		struct minikvm_mmio_device *dev = READ_ONCE(bus->devs[i]);

		if (dev && addr >= dev->base &&
		    addr + len <= dev->base + dev->len) {
			*start = i + 1;
			return dev;
		}
	}
	return NULL;
}

/**
 * minikvm_mmio_bus_read - offer a read to the devices covering it.
 * @vcpu: the accessing vCPU.
 * @addr: guest physical address.
 * @len: 1 to 8 bytes.
 * @val: the data read.
 *
 * Return: 0 when a device handled it, -EOPNOTSUPP when none did.
 */
int minikvm_mmio_bus_read(struct minikvm_vcpu *vcpu, gpa_t addr,
			  unsigned int len, void *val)
{
	struct minikvm_mmio_device *dev;
	struct minikvm_mmio_bus *bus;
	unsigned int i = 0;
	int r = -EOPNOTSUPP;

	rcu_read_lock();
	bus = rcu_dereference(vcpu->vm->mmio_bus);
	while (r && (dev = bus_find(bus, addr, len, &i)))
		if (dev->ops->read)
			r = dev->ops->read(dev, vcpu, addr, len, val);
	rcu_read_unlock();
	return r;
}

/* The write counterpart of minikvm_mmio_bus_read(). */
int minikvm_mmio_bus_write(struct minikvm_vcpu *vcpu, gpa_t addr,
			   unsigned int len, const void *val)
{
	struct minikvm_mmio_device *dev;
	struct minikvm_mmio_bus *bus;
	unsigned int i = 0;
	int r = -EOPNOTSUPP;

	rcu_read_lock();
	bus = rcu_dereference(vcpu->vm->mmio_bus);
	while (r && (dev = bus_find(bus, addr, len, &i)))
		if (dev->ops->write)
			r = dev->ops->write(dev, vcpu, addr, len, val);
	rcu_read_unlock();
	return r;
}
