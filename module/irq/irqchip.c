// SPDX-License-Identifier: GPL-2.0
/*
 * The VM side of the in-kernel irqchip: KVM_CREATE_IRQCHIP, KVM_IRQ_LINE
 * (+ _STATUS) through the fixed GSI routing, KVM_GET/SET_IRQCHIP,
 * KVM_SIGNAL_MSI, the irqchip capabilities of KVM_ENABLE_CAP, and what a
 * vCPU asks of the interrupt controllers before each entry.
 *
 * vm->irqchip is published once, under vm->lock and only while no vCPU
 * exists, with smp_store_release(); it lives as long as the VM.  Readers
 * use READ_ONCE() (a vCPU, created later under vm->lock, sees it anyway).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>

#include "../compat.h"
#include "../emulate/mmio_bus.h"
#include "../minikvm.h"
#include "irqchip.h"
#include "lapic.h"

/* The xAPIC page may be anywhere below MAXPHYADDR (52 bits at most). */
#define LAPIC_MMIO_SPAN		BIT_ULL(52)

/* The chip ids of KVM_GET/SET_IRQCHIP. */
#define CHIP_PIC_MASTER	KVM_IRQCHIP_PIC_MASTER
#define CHIP_PIC_SLAVE	KVM_IRQCHIP_PIC_SLAVE
#define CHIP_IOAPIC	KVM_IRQCHIP_IOAPIC

/* ------------------------------------------------------------------ */
/* MMIO: the xAPIC page and the IOAPIC on the in-kernel MMIO bus       */

/*
 * The xAPIC page of the accessing vCPU, wherever its APIC_BASE put it:
 * one device spanning the whole guest-physical space that passes on every
 * access outside the vCPU's own page.  Runs on the vCPU's thread (the
 * page's owner).  With the APIC disabled or in x2APIC mode the page is a
 * hole (KVM's LAPIC_MMIO_HOLE quirk): reads all ones, writes dropped.
 */
static int lapic_mmio_read(struct minikvm_mmio_device *dev,
			   struct minikvm_vcpu *vcpu, gpa_t addr,
			   unsigned int len, void *val)
{
	struct minikvm_lapic *apic = vcpu->apic;

	if (!apic || !minikvm_lapic_mmio_in_range(apic, addr))
		return -EOPNOTSUPP;
	if (!minikvm_lapic_mmio_enabled(apic)) {
		memset(val, 0xff, len);
		return 0;
	}
	if (minikvm_lapic_reg_read(apic, addr & 0xfff, len, val))
		memset(val, 0, len);
	return 0;
}

/* Only aligned 32-bit writes reach a register (as KVM); others are dropped. */
static int lapic_mmio_write(struct minikvm_mmio_device *dev,
			    struct minikvm_vcpu *vcpu, gpa_t addr,
			    unsigned int len, const void *val)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 data;

	if (!apic || !minikvm_lapic_mmio_in_range(apic, addr))
		return -EOPNOTSUPP;
	if (!minikvm_lapic_mmio_enabled(apic) || len != 4 || (addr & 0xf))
		return 0;
	memcpy(&data, val, 4);
	minikvm_lapic_reg_write(apic, addr & 0xff0, data);
	return 0;
}

static const struct minikvm_mmio_ops lapic_mmio_ops = {
	.read = lapic_mmio_read,
	.write = lapic_mmio_write,
};

static struct minikvm_ioapic *to_ioapic(struct minikvm_mmio_device *dev)
{
	return &container_of(dev, struct minikvm_irqchip, ioapic_dev)->ioapic;
}

/* IOREGSEL and IOWIN; narrower accesses see their bytes of the register. */
static int ioapic_mmio_read(struct minikvm_mmio_device *dev,
			    struct minikvm_vcpu *vcpu, gpa_t addr,
			    unsigned int len, void *val)
{
	u32 off = addr - dev->base, data;

	data = minikvm_ioapic_mmio_read(to_ioapic(dev), off & ~3U);
	data >>= (off & 3) * 8;
	memset(val, 0, len);
	memcpy(val, &data, min(len, 4U));
	return 0;
}

static int ioapic_mmio_write(struct minikvm_mmio_device *dev,
			     struct minikvm_vcpu *vcpu, gpa_t addr,
			     unsigned int len, const void *val)
{
	u32 off = addr - dev->base, data = 0;

	memcpy(&data, val, min(len, 4U));
	minikvm_ioapic_mmio_write(to_ioapic(dev), off & ~3U, data);
	return 0;
}

static const struct minikvm_mmio_ops ioapic_mmio_ops = {
	.read = ioapic_mmio_read,
	.write = ioapic_mmio_write,
};

static int register_mmio(struct minikvm_vm *vm, struct minikvm_irqchip *chip)
{
	int r;

	chip->lapic_dev = (struct minikvm_mmio_device) {
		.ops = &lapic_mmio_ops, .base = 0, .len = LAPIC_MMIO_SPAN,
	};
	chip->ioapic_dev = (struct minikvm_mmio_device) {
		.ops = &ioapic_mmio_ops, .base = MINIKVM_IOAPIC_DEFAULT_BASE,
		.len = MINIKVM_IOAPIC_MMIO_LEN,
	};
	r = minikvm_mmio_bus_register(vm, &chip->lapic_dev);
	if (r)
		return r;
	r = minikvm_mmio_bus_register(vm, &chip->ioapic_dev);
	if (r)
		minikvm_mmio_bus_unregister(vm, &chip->lapic_dev);
	return r;
}

/**
 * minikvm_vm_ioctl_create_irqchip - KVM_CREATE_IRQCHIP: an IOAPIC, two
 * PICs, and a local APIC for every vCPU created from now on; the xAPIC
 * pages and the IOAPIC go on the VM's MMIO bus.
 * @vm: the VM.
 *
 * Return: 0; -EEXIST if there is one already; -EINVAL once a vCPU
 * exists; -ENOMEM.
 */
int minikvm_vm_ioctl_create_irqchip(struct minikvm_vm *vm)
{
	struct minikvm_irqchip *chip;
	int r = 0;

	mutex_lock(&vm->lock);
	if (vm->irqchip) {
		r = -EEXIST;
		goto out;
	}
	if (vm->created_vcpus) {
		r = -EINVAL;
		goto out;
	}
	chip = kzalloc(sizeof(*chip), GFP_KERNEL_ACCOUNT);
	if (!chip) {
		r = -ENOMEM;
		goto out;
	}
	minikvm_pic_init(&chip->pic, vm);
	minikvm_ioapic_init(&chip->ioapic, vm);
	r = register_mmio(vm, chip);
	if (r) {
		kfree(chip);
		goto out;
	}
	/* Initialized before visible; pairs with READ_ONCE() readers. */
	smp_store_release(&vm->irqchip, chip);
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* VM teardown: no vCPU is left to use the MMIO devices. */
void minikvm_irqchip_destroy(struct minikvm_vm *vm)
{
	struct minikvm_irqchip *chip = vm->irqchip;

	if (chip) {
		minikvm_mmio_bus_unregister(vm, &chip->ioapic_dev);
		minikvm_mmio_bus_unregister(vm, &chip->lapic_dev);
	}
	kfree(chip);
	vm->irqchip = NULL;
}

/*
 * Drive GSI @gsi.  Results combine as in KVM: the sum of the routes that
 * did not report "masked" (-1), or -1 if all did or there is no route.
 */
static int set_gsi(struct minikvm_irqchip *chip, u32 gsi, bool level)
{
	int r = -1, ri;

	if (gsi >= MINIKVM_NR_GSIS)
		return -1;
	ri = minikvm_ioapic_set_irq(&chip->ioapic, gsi, level);
	if (ri >= 0)
		r = ri;
	if (gsi < 16) {
		ri = minikvm_pic_set_irq(&chip->pic, gsi, level);
		if (ri >= 0)
			r = ri + max(r, 0);
	}
	return r;
}

/**
 * minikvm_vm_ioctl_irq_line - KVM_IRQ_LINE and KVM_IRQ_LINE_STATUS.
 * @vm: the VM.
 * @argp: struct kvm_irq_level.
 * @status: write the delivery status back (KVM_IRQ_LINE_STATUS).
 *
 * Return: 0; -ENXIO without an irqchip; -EFAULT.
 */
int minikvm_vm_ioctl_irq_line(struct minikvm_vm *vm, void __user *argp,
			      bool status)
{
	struct minikvm_irqchip *chip = READ_ONCE(vm->irqchip);
	struct kvm_irq_level event;
	int r;

	if (copy_from_user(&event, argp, sizeof(event)))
		return -EFAULT;
	if (!chip)
		return -ENXIO;
	r = set_gsi(chip, event.irq, event.level);
	if (!status)
		return 0;
	event.status = r;
	return copy_to_user(argp, &event, sizeof(event)) ? -EFAULT : 0;
}

/*
 * KVM_GET_IRQCHIP (@set false) and KVM_SET_IRQCHIP (@set true): the state
 * of one PIC or of the IOAPIC.
 * Return: 0, -ENXIO without an irqchip, -EINVAL for an unknown chip id.
 */
static int irqchip_state_ioctl(struct minikvm_vm *vm, void __user *argp,
			       bool set)
{
	struct minikvm_irqchip *chip = READ_ONCE(vm->irqchip);
	struct kvm_irqchip *state;
	int r = 0;

	state = memdup_user(argp, sizeof(*state));
	if (IS_ERR(state))
		return PTR_ERR(state);
	if (!chip) {
		r = -ENXIO;
		goto out;
	}
	switch (state->chip_id) {
	case CHIP_PIC_MASTER:
	case CHIP_PIC_SLAVE:
		if (set)
			minikvm_pic_set_state(&chip->pic, state->chip_id,
					      &state->chip.pic);
		else
			minikvm_pic_get_state(&chip->pic, state->chip_id,
					      &state->chip.pic);
		break;
	case CHIP_IOAPIC:
		if (set)
			minikvm_ioapic_set_state(&chip->ioapic,
						 &state->chip.ioapic);
		else
			minikvm_ioapic_get_state(&chip->ioapic,
						 &state->chip.ioapic);
		break;
	default:
		r = -EINVAL;
		goto out;
	}
	if (!set && copy_to_user(argp, state, sizeof(*state)))
		r = -EFAULT;
out:
	kfree(state);
	return r;
}

int minikvm_vm_ioctl_get_irqchip(struct minikvm_vm *vm, void __user *argp)
{
	return irqchip_state_ioctl(vm, argp, false);
}

int minikvm_vm_ioctl_set_irqchip(struct minikvm_vm *vm, void __user *argp)
{
	return irqchip_state_ioctl(vm, argp, true);
}

/**
 * minikvm_vm_ioctl_signal_msi - KVM_SIGNAL_MSI: an MSI write, decoded as
 * the x86 MSI address/data format, delivered to the local APICs.
 * @vm: the VM.
 * @argp: struct kvm_msi.
 *
 * Return: >0 delivered, 0 blocked, -1 no destination (as KVM); -EINVAL
 * without an irqchip or with flags; -EFAULT.
 */
int minikvm_vm_ioctl_signal_msi(struct minikvm_vm *vm, void __user *argp)
{
	struct minikvm_lapic_irq irq = { .level = true };
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (!READ_ONCE(vm->irqchip) || msi.flags)
		return -EINVAL;
	irq.dest_id = (msi.address_lo >> 12) & 0xff;
	if (READ_ONCE(vm->x2apic_format))
		irq.dest_id |= msi.address_hi & 0xffffff00;
	irq.dest_mode = !!(msi.address_lo & BIT(2));
	irq.vector = msi.data & APIC_VECTOR_MASK;
	irq.delivery_mode = msi.data & APIC_MODE_MASK;
	irq.trig_mode = !!(msi.data & BIT(15));
	return minikvm_irq_delivery_to_apic(vm, NULL, &irq);
}

/* KVM_CAP_X86_APIC_BUS_CYCLES_NS: only before vCPUs, with an irqchip. */
static int set_apic_bus_cycles(struct minikvm_vm *vm, u64 ns)
{
	u64 unused;
	int r = 0;

	if (!ns || check_mul_overflow((u64)U32_MAX * 128, ns, &unused))
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (!vm->irqchip)
		r = -ENXIO;
	else if (vm->created_vcpus)
		r = -EINVAL;
	else
		WRITE_ONCE(vm->apic_bus_cycle_ns, ns);
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * minikvm_vm_enable_irq_cap - KVM_ENABLE_CAP for KVM_CAP_X2APIC_API and
 * KVM_CAP_X86_APIC_BUS_CYCLES_NS.
 * @vm: the VM.
 * @cap: the request.
 *
 * Return: 0, or -EINVAL (-ENXIO) as KVM.
 */
int minikvm_vm_enable_irq_cap(struct minikvm_vm *vm,
			      const struct kvm_enable_cap *cap)
{
	if (cap->flags)
		return -EINVAL;
	switch (cap->cap) {
	case KVM_CAP_X2APIC_API:
		if (cap->args[0] & ~KVM_X2APIC_API_VALID_FLAGS)
			return -EINVAL;
		if (cap->args[0] & KVM_X2APIC_API_USE_32BIT_IDS)
			WRITE_ONCE(vm->x2apic_format, true);
		if (cap->args[0] & KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)
			WRITE_ONCE(vm->x2apic_broadcast_quirk_disabled, true);
		return 0;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		return set_apic_bus_cycles(vm, cap->args[0]);
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------------ */
/* The vCPU's view                                                     */

/* The marker for "the PIC has one", above any vector. */
#define EXTINT_PENDING	256

/**
 * minikvm_cpu_has_interrupt - is an external interrupt ready for the CPU?
 * @vcpu: the vCPU (its thread).
 * @tpr_prio: see minikvm_lapic_has_interrupt().
 *
 * Return: >= 0 if one is (a vector, or EXTINT_PENDING), else -1.
 */
int minikvm_cpu_has_interrupt(struct minikvm_vcpu *vcpu, int *tpr_prio)
{
	struct minikvm_irqchip *chip = READ_ONCE(vcpu->vm->irqchip);

	*tpr_prio = -1;
	if (!chip || !vcpu->apic)
		return -1;
	if (READ_ONCE(chip->pic.output) && minikvm_lapic_accepts_pic_intr(vcpu))
		return EXTINT_PENDING;
	return minikvm_lapic_has_interrupt(vcpu, tpr_prio);
}

/* The CPU takes the interrupt: acknowledge it.  Return: the vector or -1. */
int minikvm_cpu_get_interrupt(struct minikvm_vcpu *vcpu)
{
	struct minikvm_irqchip *chip = READ_ONCE(vcpu->vm->irqchip);

	if (!chip || !vcpu->apic)
		return -1;
	if (READ_ONCE(chip->pic.output) && minikvm_lapic_accepts_pic_intr(vcpu))
		return minikvm_pic_read_irq(&chip->pic);
	return minikvm_lapic_get_interrupt(vcpu);
}

/**
 * minikvm_pio_in_kernel - serve a port access in the kernel if a device
 * here owns the port (the PICs, with one-byte accesses).
 * @vcpu: the vCPU (its thread).
 * @in: IN rather than OUT.
 * @port: the port.
 * @size: 1, 2 or 4.
 *
 * Return: true if done (an IN's byte is in AL), false for userspace.
 */
bool minikvm_pio_in_kernel(struct minikvm_vcpu *vcpu, bool in, u16 port,
			   u8 size)
{
	struct minikvm_irqchip *chip = READ_ONCE(vcpu->vm->irqchip);
	u8 val = vcpu->regs[MINIKVM_REG_RAX];

	if (!chip || size != 1 || !minikvm_pic_is_port(port))
		return false;
	minikvm_pic_pio(&chip->pic, in, port, &val);
	if (in)
		vcpu->regs[MINIKVM_REG_RAX] = (vcpu->regs[MINIKVM_REG_RAX] &
					       ~0xffULL) | val;
	return true;
}
