// SPDX-License-Identifier: GPL-2.0
/*
 * Two cascaded 8259A PICs, as on a PC: the master at ports 0x20/0x21 takes
 * IRQ 0-7, the slave at 0xa0/0xa1 takes IRQ 8-15 and drives master pin 2;
 * ports 0x4d0/0x4d1 are the edge/level control registers (ELCR).
 *
 * The master's output goes to the vCPUs whose local APIC lets it through
 * (LINT0 in ExtINT mode, or the APIC disabled): they are woken when it
 * rises, and the one that takes the interrupt acknowledges it with
 * minikvm_pic_read_irq().  All state is under pic->lock; the wake-ups
 * happen after it is dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "../minikvm.h"
#include "irqchip.h"
#include "lapic.h"
#include "pic.h"

#define PIC_MASTER	0
#define PIC_SLAVE	1
#define PIC_CASCADE_IRQ	2

/* The lowest priority number among @mask's bits (0 highest), 8 if none. */
static int get_priority(struct kvm_pic_state *s, u8 mask)
{
	int prio = 0;

	if (!mask)
		return 8;
	while (!(mask & BIT((prio + s->priority_add) & 7)))
		prio++;
	return prio;
}

/* The IRQ the chip would raise now, -1 if none beats what is in service. */
static int get_irq(struct kvm_pic_state *s, bool master)
{
	u8 mask = s->irr & ~s->imr, in_service;
	int prio = get_priority(s, mask), cur;

	if (prio == 8)
		return -1;
	in_service = s->isr;
	if (s->special_mask)
		in_service &= ~s->imr;
	/* Fully nested mode: the slave may interrupt its own service. */
	if (s->special_fully_nested_mode && master)
		in_service &= ~BIT(PIC_CASCADE_IRQ);
	cur = get_priority(s, in_service);
	return prio < cur ? (prio + s->priority_add) & 7 : -1;
}

/* Return: 1 raised, 0 coalesced (edge already latched), -1 masked. */
static int chip_set_irq(struct kvm_pic_state *s, int irq, bool level)
{
	u8 mask = BIT(irq);
	int r = 1;

	if (s->elcr & mask) {
		if (level) {
			s->irr |= mask;
			s->last_irr |= mask;
		} else {
			s->irr &= ~mask;
			s->last_irr &= ~mask;
		}
	} else if (level) {
		if (s->last_irr & mask)
			r = 0;
		else
			s->irr |= mask;
		s->last_irr |= mask;
	} else {
		s->last_irr &= ~mask;
	}
	return (s->imr & mask) ? -1 : r;
}

/* Recompute the cascade and the output.  Return: true if it rose. */
static bool update_output(struct minikvm_pic *pic)
{
	bool old = pic->output;

	lockdep_assert_held(&pic->lock);
	if (get_irq(&pic->chips[PIC_SLAVE], false) >= 0) {
		chip_set_irq(&pic->chips[PIC_MASTER], PIC_CASCADE_IRQ, 1);
		chip_set_irq(&pic->chips[PIC_MASTER], PIC_CASCADE_IRQ, 0);
	}
	WRITE_ONCE(pic->output, get_irq(&pic->chips[PIC_MASTER], true) >= 0);
	return pic->output && !old;
}

/* Wake the vCPU that takes PIC interrupts.  Called without pic->lock. */
static void kick_output(struct minikvm_pic *pic)
{
	struct minikvm_vcpu *vcpu;
	unsigned long i;

	rcu_read_lock();
	xa_for_each(&pic->vm->vcpus, i, vcpu) {
		if (READ_ONCE(vcpu->apic) && minikvm_lapic_accepts_pic_intr(vcpu)) {
			minikvm_vcpu_wake(vcpu);
			break;
		}
	}
	rcu_read_unlock();
}

static void chip_reset(struct kvm_pic_state *s)
{
	u8 elcr = s->elcr, elcr_mask = s->elcr_mask;

	memset(s, 0, sizeof(*s));
	s->elcr = elcr;
	s->elcr_mask = elcr_mask;
}

void minikvm_pic_init(struct minikvm_pic *pic, struct minikvm_vm *vm)
{
	spin_lock_init(&pic->lock);
	pic->vm = vm;
	/* IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge. */
	pic->chips[PIC_MASTER].elcr_mask = 0xf8;
	pic->chips[PIC_SLAVE].elcr_mask = 0xde;
}

/**
 * minikvm_pic_set_irq - drive ISA IRQ @irq (0-15) to @level.
 * @pic: the PICs.
 * @irq: the IRQ.
 * @level: the line level.
 *
 * Return: 1 raised, 0 coalesced, -1 masked.
 */
int minikvm_pic_set_irq(struct minikvm_pic *pic, u32 irq, bool level)
{
	bool rose;
	int r;

	spin_lock(&pic->lock);
	r = chip_set_irq(&pic->chips[irq >> 3], irq & 7, level);
	rose = update_output(pic);
	spin_unlock(&pic->lock);
	if (rose)
		kick_output(pic);
	return r;
}

/* The CPU acknowledges @irq of chip @s. */
static void intack(struct kvm_pic_state *s, int irq)
{
	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
	} else {
		s->isr |= BIT(irq);
	}
	/* An edge-triggered request is consumed; a level one stays. */
	if (!(s->elcr & BIT(irq)))
		s->irr &= ~BIT(irq);
}

/**
 * minikvm_pic_read_irq - the INTA cycle: acknowledge and return the vector.
 * @pic: the PICs.
 *
 * Context: the vCPU thread taking the interrupt.  A request that went
 * away meanwhile gives the spurious IRQ 7 (of the chip concerned).
 *
 * Return: the vector.
 */
int minikvm_pic_read_irq(struct minikvm_pic *pic)
{
	struct kvm_pic_state *m = &pic->chips[PIC_MASTER];
	struct kvm_pic_state *sl = &pic->chips[PIC_SLAVE];
	int irq, irq2, vector;
	bool rose;

	spin_lock(&pic->lock);
	irq = get_irq(m, true);
	if (irq < 0) {
		vector = m->irq_base + 7;
	} else {
		intack(m, irq);
		if (irq == PIC_CASCADE_IRQ) {
			irq2 = get_irq(sl, false);
			if (irq2 >= 0)
				intack(sl, irq2);
			else
				irq2 = 7;
			vector = sl->irq_base + irq2;
		} else {
			vector = m->irq_base + irq;
		}
	}
	rose = update_output(pic);
	spin_unlock(&pic->lock);
	if (rose)
		kick_output(pic);
	return vector;
}

/* ------------------------------------------------------------------ */
/* Port I/O                                                            */

bool minikvm_pic_is_port(u16 port)
{
	switch (port) {
	case 0x20: case 0x21: case 0xa0: case 0xa1: case 0x4d0: case 0x4d1:
		return true;
	default:
		return false;
	}
}

static void write_ocw2(struct kvm_pic_state *s, u8 val)
{
	int cmd = val >> 5, prio, irq;

	switch (cmd) {
	case 0:
	case 4:
		s->rotate_on_auto_eoi = cmd >> 2;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		prio = get_priority(s, s->isr);
		if (prio == 8)
			break;
		irq = (prio + s->priority_add) & 7;
		s->isr &= ~BIT(irq);
		if (cmd == 5)
			s->priority_add = (irq + 1) & 7;
		break;
	case 3:		/* specific EOI */
		s->isr &= ~BIT(val & 7);
		break;
	case 6:		/* set priority */
		s->priority_add = ((val & 7) + 1) & 7;
		break;
	case 7:		/* rotate on specific EOI */
		irq = val & 7;
		s->isr &= ~BIT(irq);
		s->priority_add = (irq + 1) & 7;
		break;
	default:
		break;
	}
}

static void write_command(struct kvm_pic_state *s, u8 val)
{
	if (val & 0x10) {		/* ICW1 */
		chip_reset(s);
		s->init4 = val & 1;
		s->init_state = 1;
	} else if (val & 0x08) {	/* OCW3 */
		if (val & 0x04)
			s->poll = 1;
		if (val & 0x02)
			s->read_reg_select = val & 1;
		if (val & 0x40)
			s->special_mask = (val >> 5) & 1;
	} else {			/* OCW2 */
		write_ocw2(s, val);
	}
}

static void write_data(struct kvm_pic_state *s, u8 val)
{
	switch (s->init_state) {
	case 0:				/* OCW1: the mask */
		s->imr = val;
		break;
	case 1:				/* ICW2: the vector base */
		s->irq_base = val & 0xf8;
		s->init_state = 2;
		break;
	case 2:				/* ICW3: cascade wiring, fixed */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:				/* ICW4 */
		s->special_fully_nested_mode = (val >> 4) & 1;
		s->auto_eoi = (val >> 1) & 1;
		s->init_state = 0;
		break;
	}
}

/* OCW3 poll: acknowledge the highest request, as INTA would. */
static u8 poll_read(struct minikvm_pic *pic, int chip)
{
	struct kvm_pic_state *s = &pic->chips[chip];
	int irq = get_irq(s, chip == PIC_MASTER);

	s->poll = 0;
	if (irq < 0)
		return 0;
	intack(s, irq);
	if (chip == PIC_SLAVE) {
		pic->chips[PIC_MASTER].isr &= ~BIT(PIC_CASCADE_IRQ);
		pic->chips[PIC_MASTER].irr &= ~BIT(PIC_CASCADE_IRQ);
	}
	return irq | 0x80;
}

/**
 * minikvm_pic_pio - a one-byte IN or OUT to a PIC port.
 * @pic: the PICs.
 * @in: IN rather than OUT.
 * @port: a port for which minikvm_pic_is_port() holds.
 * @val: the byte written, or where the byte read goes.
 */
void minikvm_pic_pio(struct minikvm_pic *pic, bool in, u16 port, u8 *val)
{
	int chip = (port >> 7) & 1;
	struct kvm_pic_state *s;
	bool rose;

	if (port >= 0x4d0)
		chip = port & 1;
	s = &pic->chips[chip];

	spin_lock(&pic->lock);
	if (port >= 0x4d0) {
		if (in)
			*val = s->elcr;
		else
			s->elcr = *val & s->elcr_mask;
	} else if (in) {
		if (s->poll)
			*val = poll_read(pic, chip);
		else if (port & 1)
			*val = s->imr;
		else
			*val = s->read_reg_select ? s->isr : s->irr;
	} else if (port & 1) {
		write_data(s, *val);
	} else {
		write_command(s, *val);
	}
	rose = update_output(pic);
	spin_unlock(&pic->lock);
	if (rose)
		kick_output(pic);
}

void minikvm_pic_get_state(struct minikvm_pic *pic, int chip,
			   struct kvm_pic_state *s)
{
	spin_lock(&pic->lock);
	*s = pic->chips[chip];
	spin_unlock(&pic->lock);
}

void minikvm_pic_set_state(struct minikvm_pic *pic, int chip,
			   const struct kvm_pic_state *s)
{
	bool rose;

	spin_lock(&pic->lock);
	pic->chips[chip] = *s;
	rose = update_output(pic);
	spin_unlock(&pic->lock);
	if (rose)
		kick_output(pic);
}
