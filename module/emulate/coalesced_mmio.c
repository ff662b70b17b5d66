// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO zones and their ring (see coalesced_mmio.h).
 *
 * The ring is written by vCPUs under @lock and read and emptied by
 * userspace, which owns ring->first; the kernel owns ring->last.  The
 * page is userspace's to scribble on, so both indexes are read once and
 * checked before use: a bad index makes the write exit to userspace
 * instead.  The entry is complete before ring->last moves past it (the
 * smp_wmb() pairs with userspace's read barrier after reading last).
 *
 * The zone lists are changed under vm->mmio_bus_lock, the lock of the MMIO
 * bus (MMIO zones are devices on it).  PIO zones (KVM_CAP_COALESCED_PIO)
 * are on no bus: the vCPUs walk @pio_zones under RCU, and a zone taken off
 * the list is freed only after a grace period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../minikvm.h"
#include "coalesced_mmio.h"
#include "mmio_bus.h"

/**
 * struct minikvm_coalesced_mmio - a VM's ring and zones.
 * @ring: the shared page.
 * @lock: serializes the vCPUs appending to @ring.
 * @zones: the registered MMIO zones (vm->mmio_bus_lock).
 * @pio_zones: the registered PIO zones: changed under vm->mmio_bus_lock,
 *	read under RCU.
 */
struct minikvm_coalesced_mmio {
	struct kvm_coalesced_mmio_ring *ring;
	spinlock_t lock;		/* appends to ring */
	struct list_head zones;		/* protected by vm->mmio_bus_lock */
	struct list_head pio_zones;	/* RCU; vm->mmio_bus_lock to change */
};

/*
 * @link is on the VM's zones or pio_zones; @gone collects the zones being
 * unregistered (RCU readers may still follow a PIO zone's @link).
 */
struct coalesced_zone {
	struct minikvm_mmio_device dev;
	struct minikvm_vm *vm;
	struct list_head link;
	struct list_head gone;
	struct kvm_coalesced_mmio_zone zone;
};

/* Is [addr, addr + len) inside @z? */
static bool zone_covers(const struct coalesced_zone *z, gpa_t addr, u64 len)
{
	return addr + len >= addr && addr >= z->zone.addr &&
	       addr + len <= z->zone.addr + z->zone.size;
}

/* Append a write to the ring.  -EOPNOTSUPP: full (or a bad index). */
static int ring_append(struct minikvm_coalesced_mmio *c, u64 addr,
		       unsigned int len, const void *val, bool pio)
{
	struct kvm_coalesced_mmio *e;
	u32 insert;

	spin_lock(&c->lock);
	insert = READ_ONCE(c->ring->last);
	if (insert >= KVM_COALESCED_MMIO_MAX ||
	    (insert + 1) % KVM_COALESCED_MMIO_MAX == READ_ONCE(c->ring->first)) {
		spin_unlock(&c->lock);
		return -EOPNOTSUPP;
	}
	e = &c->ring->coalesced_mmio[insert];
	e->phys_addr = addr;
	e->len = len;
	e->pio = pio;
	memcpy(e->data, val, len);
	smp_wmb(); /* the entry before last; pairs with userspace's rmb */
	WRITE_ONCE(c->ring->last, (insert + 1) % KVM_COALESCED_MMIO_MAX);
	spin_unlock(&c->lock);
	return 0;
}

static int coalesced_write(struct minikvm_mmio_device *dev,
			   struct minikvm_vcpu *vcpu, gpa_t addr,
			   unsigned int len, const void *val)
{
	struct coalesced_zone *z = container_of(dev, struct coalesced_zone, dev);

	if (!zone_covers(z, addr, len) ||
	    len > sizeof_field(struct kvm_coalesced_mmio, data))
		return -EOPNOTSUPP;
	return ring_append(z->vm->coalesced, addr, len, val, false);
}

/**
 * minikvm_coalesced_pio_write - append an OUT to a coalesced PIO zone.
 * @vcpu: the vCPU doing the OUT.
 * @port: its port.
 * @len: its size, 1, 2 or 4.
 * @val: the data.
 *
 * Return: true if a zone took it (no exit), false if no zone covers it or
 * the ring is full (the OUT exits to userspace).
 */
bool minikvm_coalesced_pio_write(struct minikvm_vcpu *vcpu, u16 port,
				 unsigned int len, const void *val)
{
	struct minikvm_coalesced_mmio *c = vcpu->vm->coalesced;
	struct coalesced_zone *z;
	bool done = false;

	rcu_read_lock();
	list_for_each_entry_rcu(z, &c->pio_zones, link) {
		if (zone_covers(z, port, len)) {
			done = !ring_append(c, port, len, val, true);
			break;
		}
	}
	rcu_read_unlock();
	return done;
}

static const struct minikvm_mmio_ops coalesced_ops = {
	.write = coalesced_write,
};

int minikvm_coalesced_mmio_init(struct minikvm_vm *vm)
{
	struct minikvm_coalesced_mmio *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	c->ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!c->ring) {
		kfree(c);
		return -ENOMEM;
	}
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->zones);
	INIT_LIST_HEAD(&c->pio_zones);
	vm->coalesced = c;
	return 0;
}

/* VM teardown: no vCPU runs, the bus is about to go. */
void minikvm_coalesced_mmio_destroy(struct minikvm_vm *vm)
{
	struct minikvm_coalesced_mmio *c = vm->coalesced;
	struct coalesced_zone *z, *tmp;

	if (!c)
		return;
	list_for_each_entry_safe(z, tmp, &c->zones, link)
		kfree(z);
	list_for_each_entry_safe(z, tmp, &c->pio_zones, link)
		kfree(z);
	free_page((unsigned long)c->ring);
	kfree(c);
	vm->coalesced = NULL;
}

struct page *minikvm_coalesced_mmio_page(struct minikvm_vm *vm)
{
	return virt_to_page(vm->coalesced->ring);
}

/**
 * minikvm_vm_ioctl_register_coalesced_mmio - KVM_REGISTER_COALESCED_MMIO.
 * @vm: the VM.
 * @zone: the zone: guest-physical addresses, or ports with @zone->pio.
 *
 * Return: 0; -EINVAL for an empty or wrapping MMIO zone; -ENOSPC when the
 * MMIO bus is full; -ENOMEM.
 */
int minikvm_vm_ioctl_register_coalesced_mmio(struct minikvm_vm *vm,
					     const struct kvm_coalesced_mmio_zone *zone)
{
	struct coalesced_zone *z;
	int r;

	z = kzalloc(sizeof(*z), GFP_KERNEL_ACCOUNT);
	if (!z)
		return -ENOMEM;
	z->vm = vm;
	z->zone = *zone;
	z->dev.ops = &coalesced_ops;
	z->dev.base = zone->addr;
	z->dev.len = zone->size;

	mutex_lock(&vm->mmio_bus_lock);
	if (zone->pio) {
		/* Published whole: list_add_tail_rcu() orders the init. */
		list_add_tail_rcu(&z->link, &vm->coalesced->pio_zones);
		mutex_unlock(&vm->mmio_bus_lock);
		return 0;
	}
	r = __minikvm_mmio_bus_register(vm, &z->dev);
	if (!r)
		list_add_tail(&z->link, &vm->coalesced->zones);
	mutex_unlock(&vm->mmio_bus_lock);
	if (r)
		kfree(z);
	return r;
}

/**
 * minikvm_vm_ioctl_unregister_coalesced_mmio - KVM_UNREGISTER_COALESCED_MMIO.
 * @vm: the VM.
 * @zone: every registered zone of the same kind (MMIO or PIO) that
 *	contains this range goes.
 *
 * Return: 0.
 */
int minikvm_vm_ioctl_unregister_coalesced_mmio(struct minikvm_vm *vm,
					       const struct kvm_coalesced_mmio_zone *zone)
{
	struct coalesced_zone *z, *tmp;
	LIST_HEAD(gone);
	struct list_head *zones = zone->pio ? &vm->coalesced->pio_zones :
					      &vm->coalesced->zones;

	mutex_lock(&vm->mmio_bus_lock);
	list_for_each_entry(z, zones, link) {
		if (zone_covers(z, zone->addr, zone->size))
			list_add(&z->gone, &gone);
	}
	list_for_each_entry(z, &gone, gone) {
		if (!zone->pio)
			__minikvm_mmio_bus_unregister(vm, &z->dev);
		/* A PIO zone's @link stays walkable for RCU readers. */
		list_del_rcu(&z->link);
	}
	mutex_unlock(&vm->mmio_bus_lock);

	/*
	 * No vCPU can still be in a zone's callback, or on a PIO zone's
	 * @link, after a grace period.
	 */
	synchronize_rcu();
	list_for_each_entry_safe(z, tmp, &gone, gone)
		kfree(z);
	return 0;
}
