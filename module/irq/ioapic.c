// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel IOAPIC (82093AA-like, version 0x11, 24 pins).
 *
 * A pin's level comes from KVM_IRQ_LINE.  An unmasked pin that rises is
 * sent to its local APICs as its redirection entry says; a level-triggered
 * one then sets remote IRR, and is not sent again until a local APIC EOIs
 * its vector (minikvm_ioapic_eoi()), after which a pin still asserted is
 * sent once more.  Everything is under ioapic->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/apicdef.h>

#include "../minikvm.h"
#include "ioapic.h"
#include "irqchip.h"
#include "lapic.h"

#define IOAPIC_VERSION		(0x11 | ((MINIKVM_IOAPIC_PINS - 1) << 16))
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_TABLE	0x10

#define RTE_VECTOR		GENMASK_ULL(7, 0)
#define RTE_DELIVERY_MODE	GENMASK_ULL(10, 8)
#define RTE_DEST_LOGICAL	BIT_ULL(11)
#define RTE_DELIVERY_STATUS	BIT_ULL(12)
#define RTE_POLARITY		BIT_ULL(13)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST_SHIFT		56
/* Bits the guest cannot write. */
#define RTE_RO_BITS		(RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)

void minikvm_ioapic_init(struct minikvm_ioapic *ioapic, struct minikvm_vm *vm)
{
	int i;

	spin_lock_init(&ioapic->lock);
	ioapic->vm = vm;
	ioapic->base = MINIKVM_IOAPIC_DEFAULT_BASE;
	for (i = 0; i < MINIKVM_IOAPIC_PINS; i++)
		ioapic->redirtbl[i] = RTE_MASKED;
}

/*
 * Send pin @pin's interrupt.  Return: the number of local APICs that took
 * it, or -1 if masked, in service (level, remote IRR) or without target.
 */
static int ioapic_service(struct minikvm_ioapic *ioapic, u32 pin)
{
	u64 rte = ioapic->redirtbl[pin];
	struct minikvm_lapic_irq irq = {
		.vector = rte & RTE_VECTOR,
		.delivery_mode = rte & RTE_DELIVERY_MODE,
		.dest_mode = !!(rte & RTE_DEST_LOGICAL),
		.trig_mode = !!(rte & RTE_LEVEL),
		.level = true,
		.dest_id = rte >> RTE_DEST_SHIFT,
	};
	int r;

	lockdep_assert_held(&ioapic->lock);
	if (rte & RTE_MASKED)
		return -1;
	if ((rte & RTE_LEVEL) && (rte & RTE_REMOTE_IRR))
		return -1;
	r = minikvm_irq_delivery_to_apic(ioapic->vm, NULL, &irq);
	if (rte & RTE_LEVEL)
		ioapic->redirtbl[pin] |= RTE_REMOTE_IRR;
	else
		ioapic->irr &= ~BIT(pin);
	return r;
}

/**
 * minikvm_ioapic_set_irq - drive pin @pin to @level.
 * @ioapic: the IOAPIC.
 * @pin: 0-23.
 * @level: asserted or not (polarity is ignored, as in KVM).
 *
 * Return: as ioapic_service(); 1 when deasserted, 0 for an edge still
 * latched (coalesced).
 */
int minikvm_ioapic_set_irq(struct minikvm_ioapic *ioapic, u32 pin, bool level)
{
	u32 mask = BIT(pin);
	bool edge;
	int r;

	spin_lock(&ioapic->lock);
	edge = !(ioapic->redirtbl[pin] & RTE_LEVEL);
	if (!level) {
		ioapic->irr &= ~mask;
		r = 1;
	} else if (edge && (ioapic->irr & mask)) {
		r = 0;		/* still latched: coalesced */
	} else {
		ioapic->irr |= mask;
		r = ioapic_service(ioapic, pin);
	}
	spin_unlock(&ioapic->lock);
	return r;
}

/**
 * minikvm_ioapic_eoi - a local APIC EOIed level-triggered @vector.
 * @vm: the VM.
 * @vector: the vector.
 *
 * Context: the EOIing vCPU's thread.  Clears remote IRR of the entries
 * with that vector and resends a pin still asserted.
 */
void minikvm_ioapic_eoi(struct minikvm_vm *vm, u8 vector)
{
	struct minikvm_irqchip *chip = READ_ONCE(vm->irqchip);
	struct minikvm_ioapic *ioapic;
	int i;

	if (!chip)
		return;
	ioapic = &chip->ioapic;
	spin_lock(&ioapic->lock);
	for (i = 0; i < MINIKVM_IOAPIC_PINS; i++) {
		u64 *rte = &ioapic->redirtbl[i];

		if ((*rte & RTE_VECTOR) != vector || !(*rte & RTE_LEVEL))
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		if (ioapic->irr & BIT(i))
			ioapic_service(ioapic, i);
	}
	spin_unlock(&ioapic->lock);
}

static void write_rte(struct minikvm_ioapic *ioapic, u32 pin, bool high,
		      u32 val)
{
	u64 *rte = &ioapic->redirtbl[pin];

	lockdep_assert_held(&ioapic->lock);
	if (high) {
		*rte = (*rte & 0xffffffffULL) | ((u64)val << 32);
		return;
	}
	*rte = (*rte & (~0xffffffffULL | RTE_RO_BITS)) | (val & ~RTE_RO_BITS);
	if (!(*rte & RTE_LEVEL))
		*rte &= ~RTE_REMOTE_IRR;
	/* Unmasking a level pin that is asserted sends it now. */
	if ((*rte & RTE_LEVEL) && (ioapic->irr & BIT(pin)))
		ioapic_service(ioapic, pin);
}

static u32 read_reg(struct minikvm_ioapic *ioapic)
{
	u32 sel = ioapic->ioregsel;

	switch (sel) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return (ioapic->id & 0xf) << 24;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION;
	default:
		sel -= IOAPIC_REG_TABLE;
		if (sel >= 2 * MINIKVM_IOAPIC_PINS)
			return 0;
		if (sel & 1)
			return ioapic->redirtbl[sel / 2] >> 32;
		return ioapic->redirtbl[sel / 2];
	}
}

/* MMIO at ioapic->base: IOREGSEL at 0x00, IOWIN at 0x10. */
u32 minikvm_ioapic_mmio_read(struct minikvm_ioapic *ioapic, u32 offset)
{
	u32 val = 0;

	spin_lock(&ioapic->lock);
	if (offset == 0x00)
		val = ioapic->ioregsel;
	else if (offset == 0x10)
		val = read_reg(ioapic);
	spin_unlock(&ioapic->lock);
	return val;
}

void minikvm_ioapic_mmio_write(struct minikvm_ioapic *ioapic, u32 offset,
			       u32 val)
{
	u32 sel;

	spin_lock(&ioapic->lock);
	if (offset == 0x00) {
		ioapic->ioregsel = val & 0xff;
	} else if (offset == 0x10) {
		sel = ioapic->ioregsel;
		if (sel == IOAPIC_REG_ID)
			ioapic->id = (val >> 24) & 0xf;
		else if (sel >= IOAPIC_REG_TABLE &&
			 sel < IOAPIC_REG_TABLE + 2 * MINIKVM_IOAPIC_PINS)
			write_rte(ioapic, (sel - IOAPIC_REG_TABLE) / 2,
				  sel & 1, val);
	}
	spin_unlock(&ioapic->lock);
}

void minikvm_ioapic_get_state(struct minikvm_ioapic *ioapic,
			      struct kvm_ioapic_state *s)
{
	int i;

	spin_lock(&ioapic->lock);
	memset(s, 0, sizeof(*s));
	s->base_address = ioapic->base;
	s->ioregsel = ioapic->ioregsel;
	s->id = ioapic->id;
	s->irr = ioapic->irr;
	for (i = 0; i < MINIKVM_IOAPIC_PINS; i++)
		s->redirtbl[i].bits = ioapic->redirtbl[i];
	spin_unlock(&ioapic->lock);
}

/* KVM_SET_IRQCHIP: the state as saved; asserted level pins are resent. */
void minikvm_ioapic_set_state(struct minikvm_ioapic *ioapic,
			      const struct kvm_ioapic_state *s)
{
	int i;

	spin_lock(&ioapic->lock);
	ioapic->base = s->base_address;
	ioapic->ioregsel = s->ioregsel;
	ioapic->id = s->id;
	ioapic->irr = s->irr;
	for (i = 0; i < MINIKVM_IOAPIC_PINS; i++)
		ioapic->redirtbl[i] = s->redirtbl[i].bits;
	for (i = 0; i < MINIKVM_IOAPIC_PINS; i++)
		if ((ioapic->irr & BIT(i)) &&
		    (ioapic->redirtbl[i] & RTE_LEVEL))
			ioapic_service(ioapic, i);
	spin_unlock(&ioapic->lock);
}
