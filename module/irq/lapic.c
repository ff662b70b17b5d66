// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC: one per vCPU of a VM with KVM_CREATE_IRQCHIP.
 *
 * The state is the xAPIC register page (struct minikvm_lapic::regs), for
 * both modes: in x2APIC mode the ID register holds the 32-bit x2APIC id and
 * the ICR is kept split in ICR (low) and ICR2 (high) as in xAPIC mode, so
 * KVM_GET/SET_LAPIC need no conversion but for the ID.
 *
 * Who touches what (Documentation/locking.rst, "Local APIC"):
 *  - the vCPU thread, holding vcpu->mutex, owns the page;
 *  - any thread delivering an interrupt (another vCPU's ICR write, the
 *    IOAPIC or PIC under their locks, KVM_SIGNAL_MSI) sets IRR and TMR bits
 *    with atomic bit operations, sets MINIKVM_REQ_EVENT and wakes or kicks
 *    the vCPU (minikvm_vcpu_wake());
 *  - the timer's hrtimer callback only counts expirations in
 *    timer.pending and wakes the vCPU; the vCPU thread turns them into an
 *    interrupt (minikvm_lapic_inject_pending_timer()).
 * So no lock protects the page: IRR/TMR bits are atomic, everything else
 * has one writer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>

#include "../minikvm.h"
#include "../x86.h"
#include "irqchip.h"
#include "lapic.h"

/* Version 0x14 (integrated APIC), six LVT entries (no CMCI). */
#define LAPIC_VERSION		(0x14 | ((6 - 1) << 16))
/* KVM's floor for a periodic timer, so a guest cannot flood the host. */
#define LAPIC_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

#define LVT_MASK	(APIC_LVT_MASKED | APIC_SEND_PENDING | APIC_VECTOR_MASK)
#define LINT_MASK	(LVT_MASK | APIC_MODE_MASK | APIC_INPUT_POLARITY | \
			 APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL_TRIGGER)
#define LVTT_MODE_SHIFT	17
#define LVTT_MODE_MASK	(3 << LVTT_MODE_SHIFT)
/* Reserved bits of the x2APIC ICR: writing them raises #GP. */
#define X2APIC_ICR_RESERVED	(GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | \
				 BIT_ULL(13))

static const u32 lvt_regs[] = {
	APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
};

/* ------------------------------------------------------------------ */
/* Register page accessors                                             */

static u32 reg_get(struct minikvm_lapic *apic, u32 off)
{
	return READ_ONCE(*(u32 *)(apic->regs + off));
}

static void reg_set(struct minikvm_lapic *apic, u32 off, u32 val)
{
	WRITE_ONCE(*(u32 *)(apic->regs + off), val);
}

/* IRR, ISR and TMR: 8 words of 32 bits, 16 bytes apart. */
static unsigned long *vec_word(struct minikvm_lapic *apic, u32 base, u8 vec)
{
	return apic->regs + base + (vec >> 5) * 0x10;
}

static bool vec_test(struct minikvm_lapic *apic, u32 base, u8 vec)
{
	return reg_get(apic, base + (vec >> 5) * 0x10) & BIT(vec & 31);
}

/* Atomic: the IRR and TMR are set by other threads. */
static void vec_set(struct minikvm_lapic *apic, u32 base, u8 vec)
{
	set_bit(vec & 31, vec_word(apic, base, vec));
}

static void vec_clear(struct minikvm_lapic *apic, u32 base, u8 vec)
{
	clear_bit(vec & 31, vec_word(apic, base, vec));
}

/* The highest vector set in IRR, ISR or TMR, -1 if none. */
static int find_highest_vec(struct minikvm_lapic *apic, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 word = reg_get(apic, base + i * 0x10);

		if (word)
			return i * 32 + fls(word) - 1;
	}
	return -1;
}

static u64 apic_base(struct minikvm_lapic *apic)
{
	return READ_ONCE(apic->vcpu->apic_base);
}

static bool x2apic_mode(struct minikvm_lapic *apic)
{
	return apic_base(apic) & X2APIC_ENABLE;
}

static bool hw_enabled(struct minikvm_lapic *apic)
{
	return apic_base(apic) & MSR_IA32_APICBASE_ENABLE;
}

static bool sw_enabled(struct minikvm_lapic *apic)
{
	return reg_get(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static bool lapic_enabled(struct minikvm_lapic *apic)
{
	return hw_enabled(apic) && sw_enabled(apic);
}

/* The x2APIC logical id: cluster in 31:16, one bit of 16 in 15:0. */
static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/* ------------------------------------------------------------------ */
/* Priorities and the vCPU side of injection                           */

static void update_ppr(struct minikvm_lapic *apic)
{
	u32 tpr = reg_get(apic, APIC_TASKPRI);
	int isr = find_highest_vec(apic, APIC_ISR);
	u32 isrv = isr < 0 ? 0 : isr;
	u32 ppr;

	if ((tpr & 0xf0) >= (isrv & 0xf0))
		ppr = tpr & 0xff;
	else
		ppr = isrv & 0xf0;
	reg_set(apic, APIC_PROCPRI, ppr);
}

int minikvm_lapic_find_highest_irr(struct minikvm_lapic *apic)
{
	return find_highest_vec(apic, APIC_IRR);
}

/**
 * minikvm_lapic_has_interrupt - the vector the APIC would give the CPU now.
 * @vcpu: the vCPU (its thread).
 * @blocked_prio: set to the priority class of the highest IRR vector when
 *	only the TPR holds it back (CR8 writes do not exit: the backend arms
 *	a virtual interrupt of that priority to hear when the guest lowers
 *	CR8), else to -1.
 *
 * Return: the vector, or -1.
 */
int minikvm_lapic_has_interrupt(struct minikvm_vcpu *vcpu, int *blocked_prio)
{
	struct minikvm_lapic *apic = vcpu->apic;
	int irr, isr;
	u32 tpr;

	*blocked_prio = -1;
	if (!apic || !lapic_enabled(apic))
		return -1;
	irr = find_highest_vec(apic, APIC_IRR);
	if (irr < 0)
		return -1;
	update_ppr(apic);
	if ((irr & 0xf0) > (reg_get(apic, APIC_PROCPRI) & 0xf0))
		return irr;
	isr = find_highest_vec(apic, APIC_ISR);
	tpr = reg_get(apic, APIC_TASKPRI);
	if (isr < 0 || (irr & 0xf0) > (isr & 0xf0))
		if ((irr & 0xf0) <= (tpr & 0xf0))
			*blocked_prio = irr >> 4;
	return -1;
}

/* The CPU takes the interrupt: IRR to ISR. */
int minikvm_lapic_get_interrupt(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;
	int prio, vec = minikvm_lapic_has_interrupt(vcpu, &prio);

	if (vec < 0)
		return -1;
	vec_clear(apic, APIC_IRR, vec);
	vec_set(apic, APIC_ISR, vec);
	update_ppr(apic);
	return vec;
}

/* LINT0 in ExtINT mode, or a disabled APIC, lets the PIC through. */
bool minikvm_lapic_accepts_pic_intr(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 lvt0;

	if (!apic)
		return false;
	if (!hw_enabled(apic))
		return true;
	lvt0 = reg_get(apic, APIC_LVT0);
	return !(lvt0 & APIC_LVT_MASKED) &&
	       (lvt0 & APIC_MODE_MASK) == APIC_DM_EXTINT;
}

static void apic_eoi(struct minikvm_lapic *apic)
{
	int vec = find_highest_vec(apic, APIC_ISR);

	if (vec < 0)
		return;
	vec_clear(apic, APIC_ISR, vec);
	update_ppr(apic);
	if (vec_test(apic, APIC_TMR, vec))
		minikvm_ioapic_eoi(apic->vcpu->vm, vec);
	set_bit(MINIKVM_REQ_EVENT, &apic->vcpu->requests);
}

/* ------------------------------------------------------------------ */
/* Accepting interrupts, on any thread                                 */

/* Return: 1 if accepted, 0 if dropped. */
static int apic_accept_irq(struct minikvm_lapic *apic,
			   const struct minikvm_lapic_irq *irq)
{
	struct minikvm_vcpu *vcpu = apic->vcpu;

	switch (irq->delivery_mode) {
	case APIC_DM_LOWEST:
	case APIC_DM_FIXED:
		/* A level-triggered deassert carries no interrupt. */
		if (irq->trig_mode && !irq->level)
			return 0;
		if (!sw_enabled(apic))
			return 0;
		if (irq->trig_mode)
			vec_set(apic, APIC_TMR, irq->vector);
		else
			vec_clear(apic, APIC_TMR, irq->vector);
		vec_set(apic, APIC_IRR, irq->vector);
		minikvm_vcpu_wake(vcpu);
		return 1;
	case APIC_DM_NMI:
		atomic_inc(&vcpu->nmi_queued);
		set_bit(MINIKVM_REQ_NMI, &vcpu->requests);
		minikvm_vcpu_wake(vcpu);
		return 1;
	case APIC_DM_INIT:
		if (irq->trig_mode && !irq->level)
			return 0;	/* INIT level de-assert */
		/* INIT drops a SIPI not yet taken; a later one is kept. */
		clear_bit(MINIKVM_APIC_SIPI, &apic->pending_events);
		set_bit(MINIKVM_APIC_INIT, &apic->pending_events);
		minikvm_vcpu_wake(vcpu);
		return 1;
	case APIC_DM_STARTUP:
		WRITE_ONCE(apic->sipi_vector, irq->vector);
		/* The vector before the flag; pairs with accept_events(). */
		smp_wmb();
		set_bit(MINIKVM_APIC_SIPI, &apic->pending_events);
		minikvm_vcpu_wake(vcpu);
		return 1;
	default:
		/* SMI, remote read, ExtINT as an IPI: not modelled. */
		return 0;
	}
}

/* Physical destination: the APIC id, or the broadcast id. */
static bool match_physical(struct minikvm_lapic *dst, u32 dest, bool xapic_src)
{
	struct minikvm_vm *vm = dst->vcpu->vm;
	u32 id = reg_get(dst, APIC_ID);

	if (x2apic_mode(dst)) {
		if (dest == 0xffffffff)
			return true;
		/* xAPIC-format sources broadcast with 0xff (KVM's quirk). */
		if (xapic_src && dest == 0xff &&
		    !READ_ONCE(vm->x2apic_broadcast_quirk_disabled))
			return true;
		return dest == id;
	}
	dest &= 0xff;
	return dest == 0xff || dest == id >> 24;
}

/* Logical destination: flat or cluster model (xAPIC), cluster (x2APIC). */
static bool match_logical(struct minikvm_lapic *dst, u32 mda)
{
	u32 ldr = reg_get(dst, APIC_LDR);

	if (x2apic_mode(dst)) {
		if (mda == 0xffffffff)
			return true;
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);
	}
	mda &= 0xff;
	ldr >>= 24;
	if (mda == 0xff)
		return true;
	if ((reg_get(dst, APIC_DFR) >> 28) == APIC_DFR_FLAT >> 28)
		return ldr & mda;
	return (ldr >> 4) == (mda >> 4) && (ldr & mda & 0xf);
}

static bool match_dest(struct minikvm_lapic *dst, struct minikvm_lapic *src,
		       const struct minikvm_lapic_irq *irq)
{
	bool xapic_src = !src || !x2apic_mode(src);

	switch (irq->shorthand) {
	case APIC_DEST_SELF >> 18:
		return dst == src;
	case APIC_DEST_ALLINC >> 18:
		return true;
	case APIC_DEST_ALLBUT >> 18:
		return dst != src;
	default:
		if (irq->dest_mode)
			return match_logical(dst, irq->dest_id);
		return match_physical(dst, irq->dest_id, xapic_src);
	}
}

/**
 * minikvm_irq_delivery_to_apic - deliver an interrupt to its destinations.
 * @vm: the VM.
 * @src: the sending APIC (IPIs), or NULL (IOAPIC, MSI).
 * @irq: the interrupt.
 *
 * Lowest priority goes to the first matching APIC with the lowest TPR.
 * Context: any thread; does not sleep (the IOAPIC calls it with its
 * spinlock held).  vCPUs are walked under RCU (see vm.c).
 *
 * Return: the number of APICs that accepted it, or -1 if none matched.
 */
int minikvm_irq_delivery_to_apic(struct minikvm_vm *vm,
				 struct minikvm_lapic *src,
				 const struct minikvm_lapic_irq *irq)
{
	struct minikvm_lapic *lowest = NULL;
	struct minikvm_vcpu *vcpu;
	unsigned long i;
	int r = -1;

	rcu_read_lock();
	xa_for_each(&vm->vcpus, i, vcpu) {
		struct minikvm_lapic *dst = READ_ONCE(vcpu->apic);

		if (!dst || !hw_enabled(dst) || !match_dest(dst, src, irq))
			continue;
		if (irq->delivery_mode == APIC_DM_LOWEST && !irq->shorthand) {
			if (!lowest || (reg_get(dst, APIC_TASKPRI) & 0xf0) <
				       (reg_get(lowest, APIC_TASKPRI) & 0xf0))
				lowest = dst;
			continue;
		}
		r = max(r, 0) + apic_accept_irq(dst, irq);
	}
	if (lowest)
		r = apic_accept_irq(lowest, irq);
	rcu_read_unlock();
	return r;
}

static void send_ipi(struct minikvm_lapic *apic, u32 low, u32 high)
{
	struct minikvm_lapic_irq irq = {
		.vector = low & APIC_VECTOR_MASK,
		.delivery_mode = low & APIC_MODE_MASK,
		.dest_mode = !!(low & APIC_DEST_LOGICAL),
		.level = !!(low & APIC_INT_ASSERT),
		.trig_mode = !!(low & APIC_INT_LEVELTRIG),
		.shorthand = (low >> 18) & 3,
		.dest_id = x2apic_mode(apic) ? high : high >> 24,
	};

	minikvm_irq_delivery_to_apic(apic->vcpu->vm, apic, &irq);
}

/* ------------------------------------------------------------------ */
/* The timer                                                           */

static u32 timer_divisor(struct minikvm_lapic *apic)
{
	u32 tdcr = reg_get(apic, APIC_TDCR);
	u32 v = (tdcr & 3) | ((tdcr & 8) >> 1);

	return 1 << ((v + 1) & 7);
}

static u64 count_to_ns(struct minikvm_lapic *apic, u32 count)
{
	return (u64)count * timer_divisor(apic) *
	       READ_ONCE(apic->vcpu->vm->apic_bus_cycle_ns);
}

/*
 * Hard interrupt context, any CPU.  The vCPU thread changes the period
 * only after hrtimer_cancel(), which waits for this callback; a change of
 * mode between one-shot and periodic (WRITE_ONCE(), no cancel) takes
 * effect at the next expiry.
 */
static enum hrtimer_restart lapic_timer_fn(struct hrtimer *timer)
{
	struct minikvm_lapic_timer *t =
		container_of(timer, struct minikvm_lapic_timer, timer);
	struct minikvm_lapic *apic = container_of(t, struct minikvm_lapic, timer);

	atomic_inc(&t->pending);
	minikvm_vcpu_wake(apic->vcpu);
	if (READ_ONCE(t->mode) != MINIKVM_LVTT_PERIODIC || !t->period_ns)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(t->period_ns));
	return HRTIMER_RESTART;
}

static void timer_cancel(struct minikvm_lapic *apic)
{
	hrtimer_cancel(&apic->timer.timer);
}

static void timer_arm_ns(struct minikvm_lapic *apic, u64 ns)
{
	hrtimer_start(&apic->timer.timer, ktime_add_ns(ktime_get(), ns),
		      HRTIMER_MODE_ABS_HARD);
}

/* TMICT was written (or restored): count @first, then TMICT per period. */
static void timer_start_count(struct minikvm_lapic *apic, u32 first)
{
	struct minikvm_lapic_timer *t = &apic->timer;

	timer_cancel(apic);
	t->period_ns = count_to_ns(apic, reg_get(apic, APIC_TMICT));
	if (!t->period_ns || !first)
		return;
	if (t->mode == MINIKVM_LVTT_PERIODIC)
		t->period_ns = max_t(u64, t->period_ns, LAPIC_MIN_PERIOD_NS);
	timer_arm_ns(apic, count_to_ns(apic, first));
}

static u32 timer_current_count(struct minikvm_lapic *apic)
{
	struct minikvm_lapic_timer *t = &apic->timer;
	s64 rem;

	if (t->mode == MINIKVM_LVTT_TSCDEADLINE || !reg_get(apic, APIC_TMICT))
		return 0;
	if (!hrtimer_active(&t->timer))
		return 0;
	rem = ktime_to_ns(hrtimer_get_remaining(&t->timer));
	if (rem <= 0)
		return 0;
	if (t->mode == MINIKVM_LVTT_PERIODIC && t->period_ns)
		rem %= t->period_ns;
	return div64_u64(rem, timer_divisor(apic) *
			      READ_ONCE(apic->vcpu->vm->apic_bus_cycle_ns));
}

static void timer_arm_tscdeadline(struct minikvm_lapic *apic)
{
	struct minikvm_lapic_timer *t = &apic->timer;
	u64 now = minikvm_read_guest_tsc(apic->vcpu);
	u32 khz = minikvm_get_tsc_khz();

	timer_cancel(apic);
	if (!t->tscdeadline)
		return;
	if (t->tscdeadline <= now || !khz) {
		atomic_inc(&t->pending);
		set_bit(MINIKVM_REQ_EVENT, &apic->vcpu->requests);
		return;
	}
	timer_arm_ns(apic, mul_u64_u32_div(t->tscdeadline - now, USEC_PER_SEC,
					   khz));
}

u64 minikvm_lapic_get_tscdeadline(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;

	if (!apic || apic->timer.mode != MINIKVM_LVTT_TSCDEADLINE)
		return 0;
	return apic->timer.tscdeadline;
}

void minikvm_lapic_set_tscdeadline(struct minikvm_vcpu *vcpu, u64 data)
{
	struct minikvm_lapic *apic = vcpu->apic;

	if (!apic || apic->timer.mode != MINIKVM_LVTT_TSCDEADLINE)
		return;
	apic->timer.tscdeadline = data;
	timer_arm_tscdeadline(apic);
}

bool minikvm_lapic_has_pending_timer(struct minikvm_vcpu *vcpu)
{
	return vcpu->apic && atomic_read(&vcpu->apic->timer.pending);
}

/* Expirations become one interrupt of the LVT timer entry (they coalesce). */
void minikvm_lapic_inject_pending_timer(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;
	struct minikvm_lapic_irq irq = { .delivery_mode = APIC_DM_FIXED };
	u32 lvtt;

	if (!apic || !atomic_xchg(&apic->timer.pending, 0))
		return;
	lvtt = reg_get(apic, APIC_LVTT);
	if (apic->timer.mode == MINIKVM_LVTT_TSCDEADLINE)
		apic->timer.tscdeadline = 0;
	if (lvtt & APIC_LVT_MASKED || !hw_enabled(apic))
		return;
	irq.vector = lvtt & APIC_VECTOR_MASK;
	apic_accept_irq(apic, &irq);
}

static void set_lvtt(struct minikvm_lapic *apic, u32 val)
{
	struct minikvm_lapic_timer *t = &apic->timer;
	u32 mode;

	if (!minikvm_cpuid_has(&apic->vcpu->cpuid, MINIKVM_GUEST_TSC_DEADLINE))
		val &= ~(MINIKVM_LVTT_TSCDEADLINE << LVTT_MODE_SHIFT);
	mode = (val & LVTT_MODE_MASK) >> LVTT_MODE_SHIFT;
	if (mode == 3)
		mode = MINIKVM_LVTT_ONESHOT;
	if (mode != t->mode &&
	    (mode == MINIKVM_LVTT_TSCDEADLINE ||
	     t->mode == MINIKVM_LVTT_TSCDEADLINE)) {
		timer_cancel(apic);
		reg_set(apic, APIC_TMICT, 0);
		t->period_ns = 0;
		t->tscdeadline = 0;
	}
	WRITE_ONCE(t->mode, mode);
	reg_set(apic, APIC_LVTT, val);
}

/* ------------------------------------------------------------------ */
/* Register reads and writes                                           */

static u32 lvt_mask(u32 reg)
{
	switch (reg) {
	case APIC_LVTT:
		return LVT_MASK | LVTT_MODE_MASK;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
		return LVT_MASK | APIC_MODE_MASK;
	case APIC_LVT0:
	case APIC_LVT1:
		return LINT_MASK;
	default:
		return LVT_MASK;
	}
}

static bool is_lvt(u32 reg)
{
	return reg >= APIC_LVTT && reg <= APIC_LVTERR;
}

static void set_svr(struct minikvm_lapic *apic, u32 val)
{
	int i;

	reg_set(apic, APIC_SPIV, val & 0x3ff);
	if (val & APIC_SPIV_APIC_ENABLED)
		return;
	/* Software disable masks every LVT entry. */
	for (i = 0; i < ARRAY_SIZE(lvt_regs); i++)
		reg_set(apic, lvt_regs[i],
			reg_get(apic, lvt_regs[i]) | APIC_LVT_MASKED);
	atomic_set(&apic->timer.pending, 0);
}

static u32 reg_read32(struct minikvm_lapic *apic, u32 reg)
{
	switch (reg) {
	case APIC_TMCCT:
		return timer_current_count(apic);
	case APIC_PROCPRI:
		update_ppr(apic);
		return reg_get(apic, APIC_PROCPRI);
	default:
		return reg_get(apic, reg);
	}
}

/* Registers an xAPIC MMIO read returns (others read as 0). */
static bool xapic_readable(u32 reg)
{
	switch (reg) {
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_ARBPRI:
	case APIC_PROCPRI: case APIC_LDR: case APIC_DFR: case APIC_SPIV:
	case APIC_ESR: case APIC_ICR: case APIC_ICR2:
	case APIC_LVTT ... APIC_LVTERR:
	case APIC_TMICT: case APIC_TMCCT: case APIC_TDCR:
		return !(reg & 0xf);
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
		return !(reg & 0xf);
	default:
		return false;
	}
}

/**
 * minikvm_lapic_reg_read - an xAPIC MMIO read of the register page.
 * @apic: the APIC.
 * @offset: the offset in the 4 KiB page.
 * @len: 1, 2 or 4 bytes, within one 16-byte register.
 * @data: the value.
 *
 * Return: 0; 1 for an access that crosses a register (the caller then
 * reads all ones, as a bad MMIO access).
 */
int minikvm_lapic_reg_read(struct minikvm_lapic *apic, u32 offset, u32 len,
			   void *data)
{
	u32 reg = offset & ~0xf, shift = (offset & 3) * 8, val = 0;

	if ((offset & 0xf) + len > 4 || !len)
		return 1;
	if (!x2apic_mode(apic) && xapic_readable(reg))
		val = reg_read32(apic, reg);
	val >>= shift;
	memcpy(data, &val, len);
	return 0;
}

/**
 * minikvm_lapic_reg_write - write one 32-bit register (xAPIC MMIO, x2APIC
 * MSR or the core), with its side effects.
 * @apic: the APIC.
 * @reg: the register offset.
 * @val: the value.
 *
 * Return: 0, or 1 for a write the register refuses (#GP for an x2APIC
 * MSR; an MMIO write is then dropped).
 */
int minikvm_lapic_reg_write(struct minikvm_lapic *apic, u32 reg, u32 val)
{
	bool x2apic = x2apic_mode(apic);

	switch (reg) {
	case APIC_ID:
		if (x2apic)
			return 1;
		reg_set(apic, APIC_ID, val & 0xff000000);
		break;
	case APIC_TASKPRI:
		reg_set(apic, APIC_TASKPRI, val & 0xff);
		update_ppr(apic);
		set_bit(MINIKVM_REQ_EVENT, &apic->vcpu->requests);
		break;
	case APIC_EOI:
		apic_eoi(apic);
		break;
	case APIC_LDR:
		if (x2apic)
			return 1;
		reg_set(apic, APIC_LDR, val & 0xff000000);
		break;
	case APIC_DFR:
		if (x2apic)
			return 1;
		reg_set(apic, APIC_DFR, val | 0x0fffffff);
		break;
	case APIC_SPIV:
		set_svr(apic, val);
		set_bit(MINIKVM_REQ_EVENT, &apic->vcpu->requests);
		break;
	case APIC_ESR:
		if (x2apic && val)
			return 1;
		reg_set(apic, APIC_ESR, 0);
		break;
	case APIC_ICR:
		if (x2apic)
			return 1;	/* 64-bit: minikvm_x2apic_msr_write() */
		val &= ~APIC_ICR_BUSY;
		reg_set(apic, APIC_ICR, val);
		send_ipi(apic, val, reg_get(apic, APIC_ICR2));
		break;
	case APIC_ICR2:
		if (x2apic)
			return 1;
		reg_set(apic, APIC_ICR2, val & 0xff000000);
		break;
	case APIC_LVTT:
		if (!sw_enabled(apic))
			val |= APIC_LVT_MASKED;
		set_lvtt(apic, val & lvt_mask(reg));
		break;
	case APIC_LVTTHMR ... APIC_LVTERR:
		if (!is_lvt(reg) || (reg & 0xf))
			return 1;
		if (!sw_enabled(apic))
			val |= APIC_LVT_MASKED;
		reg_set(apic, reg, val & lvt_mask(reg));
		break;
	case APIC_TMICT:
		if (apic->timer.mode == MINIKVM_LVTT_TSCDEADLINE)
			break;
		reg_set(apic, APIC_TMICT, val);
		timer_start_count(apic, val);
		break;
	case APIC_TDCR:
		reg_set(apic, APIC_TDCR, val & 0xb);
		break;
	case APIC_SELF_IPI:
		if (!x2apic)
			return 1;
		send_ipi(apic, APIC_DEST_SELF | (val & APIC_VECTOR_MASK), 0);
		break;
	default:
		return 1;
	}
	return 0;
}

/* Is @gpa in this vCPU's APIC page (wherever APIC_BASE puts it)? */
bool minikvm_lapic_mmio_in_range(struct minikvm_lapic *apic, u64 gpa)
{
	u64 base = apic_base(apic) & MSR_IA32_APICBASE_BASE;

	return gpa >= base && gpa < base + PAGE_SIZE;
}

/* Does the page hold registers (xAPIC mode), or is it a hole? */
bool minikvm_lapic_mmio_enabled(struct minikvm_lapic *apic)
{
	return hw_enabled(apic) && !x2apic_mode(apic);
}

/* ------------------------------------------------------------------ */
/* x2APIC MSRs                                                         */

static bool x2apic_readable(u32 reg)
{
	switch (reg) {
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_SPIV: case APIC_ESR: case APIC_ICR:
	case APIC_LVTT ... APIC_LVTERR:
	case APIC_TMICT: case APIC_TMCCT: case APIC_TDCR:
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
		return !(reg & 0xf);
	default:
		return false;
	}
}

/* Return: 0, or 1 (#GP) outside x2APIC mode or for a write-only register. */
int minikvm_x2apic_msr_read(struct minikvm_vcpu *vcpu, u32 msr, u64 *data)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 reg = (msr - APIC_BASE_MSR) << 4;

	if (!apic || !x2apic_mode(apic) || !x2apic_readable(reg))
		return 1;
	*data = reg_read32(apic, reg);
	if (reg == APIC_ICR)
		*data |= (u64)reg_get(apic, APIC_ICR2) << 32;
	return 0;
}

/* Return: 0, or 1 (#GP) outside x2APIC mode or for a refused write. */
int minikvm_x2apic_msr_write(struct minikvm_vcpu *vcpu, u32 msr, u64 data)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 reg = (msr - APIC_BASE_MSR) << 4;

	if (!apic || !x2apic_mode(apic))
		return 1;
	if (reg == APIC_ICR) {
		if (data & X2APIC_ICR_RESERVED)
			return 1;
		data &= ~(u64)APIC_ICR_BUSY;
		reg_set(apic, APIC_ICR, data);
		reg_set(apic, APIC_ICR2, data >> 32);
		send_ipi(apic, data, data >> 32);
		return 0;
	}
	/* Bits 63:32 are reserved in all the other registers. */
	if (data >> 32)
		return 1;
	return minikvm_lapic_reg_write(apic, reg, data);
}

/* ------------------------------------------------------------------ */
/* APIC base, TPR, INIT and SIPI                                       */

static void set_xapic_id(struct minikvm_lapic *apic)
{
	reg_set(apic, APIC_ID, (apic->vcpu->vcpu_id & 0xff) << 24);
}

/**
 * minikvm_lapic_set_base - IA32_APIC_BASE changed (already validated).
 * @vcpu: the vCPU.
 * @value: the new value.
 *
 * Enabling the APIC resets its ID to the xAPIC form of the vCPU id, and
 * entering x2APIC mode sets the x2APIC id and LDR (KVM's rules).
 *
 * Return: 0.
 */
int minikvm_lapic_set_base(struct minikvm_vcpu *vcpu, u64 value)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u64 old = vcpu->apic_base;

	WRITE_ONCE(vcpu->apic_base, value);
	if (!apic)
		return 0;
	if (((old ^ value) & MSR_IA32_APICBASE_ENABLE) &&
	    (value & MSR_IA32_APICBASE_ENABLE))
		set_xapic_id(apic);
	if ((old ^ value) & X2APIC_ENABLE) {
		if (value & X2APIC_ENABLE) {
			reg_set(apic, APIC_ID, vcpu->vcpu_id);
			reg_set(apic, APIC_LDR, x2apic_ldr(vcpu->vcpu_id));
		} else if (value & MSR_IA32_APICBASE_ENABLE) {
			set_xapic_id(apic);
		}
	}
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	return 0;
}

u64 minikvm_lapic_get_cr8(struct minikvm_vcpu *vcpu)
{
	return (reg_get(vcpu->apic, APIC_TASKPRI) >> 4) & 0xf;
}

void minikvm_lapic_set_cr8(struct minikvm_vcpu *vcpu, u64 cr8)
{
	minikvm_lapic_reg_write(vcpu->apic, APIC_TASKPRI, (cr8 & 0xf) << 4);
}

bool minikvm_lapic_is_bsp(struct minikvm_vcpu *vcpu)
{
	return vcpu->apic_base & MSR_IA32_APICBASE_BSP;
}

bool minikvm_lapic_has_pending_events(struct minikvm_vcpu *vcpu)
{
	return vcpu->apic && READ_ONCE(vcpu->apic->pending_events);
}

/**
 * minikvm_lapic_accept_events - act on a pending INIT or SIPI.
 * @vcpu: the vCPU (its thread).
 *
 * INIT resets the vCPU and leaves an AP waiting for SIPI
 * (KVM_MP_STATE_INIT_RECEIVED); the BSP runs on.  A SIPI starts an AP
 * waiting for it at vector:0000 in real mode.
 */
void minikvm_lapic_accept_events(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;
	struct kvm_sregs sregs;
	u8 vector;

	if (!apic || !READ_ONCE(apic->pending_events))
		return;
	if (test_and_clear_bit(MINIKVM_APIC_INIT, &apic->pending_events)) {
		minikvm_vcpu_reset(vcpu, true);
		vcpu->mp_state = minikvm_lapic_is_bsp(vcpu) ?
				 KVM_MP_STATE_RUNNABLE :
				 KVM_MP_STATE_INIT_RECEIVED;
	}
	if (!test_and_clear_bit(MINIKVM_APIC_SIPI, &apic->pending_events))
		return;
	if (vcpu->mp_state != KVM_MP_STATE_INIT_RECEIVED)
		return;
	/* The vector was written before the flag; pairs with accept_irq(). */
	smp_rmb();
	vector = READ_ONCE(apic->sipi_vector);
	minikvm_x86_call(get_sregs)(vcpu, &sregs);
	sregs.cs.selector = vector << 8;
	sregs.cs.base = (u64)vector << 12;
	minikvm_x86_call(set_sregs)(vcpu, &sregs);
	vcpu->rip = 0;
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
}

/* ------------------------------------------------------------------ */
/* Reset, creation and KVM_GET/SET_LAPIC                               */

/**
 * minikvm_lapic_reset - the APIC after RESET or INIT.
 * @vcpu: the vCPU (its thread, or its creator).
 * @init_event: INIT keeps the APIC base and the ID.
 */
void minikvm_lapic_reset(struct minikvm_vcpu *vcpu, bool init_event)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 id;
	int i;

	if (!apic)
		return;
	timer_cancel(apic);
	id = reg_get(apic, APIC_ID);
	memset(apic->regs, 0, PAGE_SIZE);
	if (init_event)
		reg_set(apic, APIC_ID, id);
	else if (vcpu->apic_base & X2APIC_ENABLE)
		reg_set(apic, APIC_ID, vcpu->vcpu_id);
	else
		set_xapic_id(apic);
	if (vcpu->apic_base & X2APIC_ENABLE)
		reg_set(apic, APIC_LDR, x2apic_ldr(vcpu->vcpu_id));
	reg_set(apic, APIC_LVR, LAPIC_VERSION);
	reg_set(apic, APIC_DFR, 0xffffffff);
	reg_set(apic, APIC_SPIV, 0xff);
	for (i = 0; i < ARRAY_SIZE(lvt_regs); i++)
		reg_set(apic, lvt_regs[i], APIC_LVT_MASKED);
	/*
	 * KVM's LINT0_REENABLED quirk: the boot vCPU takes the PIC from RESET
	 * on, and again after each INIT.
	 */
	if (minikvm_vcpu_is_reset_bsp(vcpu) &&
	    minikvm_has_quirk(vcpu->vm, KVM_X86_QUIRK_LINT0_REENABLED))
		reg_set(apic, APIC_LVT0, APIC_DM_EXTINT);
	apic->timer.mode = MINIKVM_LVTT_ONESHOT;
	apic->timer.period_ns = 0;
	apic->timer.tscdeadline = 0;
	atomic_set(&apic->timer.pending, 0);
	/* An INIT being accepted keeps a SIPI that arrives meanwhile. */
	if (!init_event)
		apic->pending_events = 0;
}

int minikvm_lapic_create(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic;

	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->regs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!apic->regs) {
		kfree(apic);
		return -ENOMEM;
	}
	apic->vcpu = vcpu;
	hrtimer_init(&apic->timer.timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.timer.function = lapic_timer_fn;
	vcpu->apic = apic;
	return 0;
}

/* The timer is stopped before the page goes: its callback uses the vCPU. */
void minikvm_lapic_free(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;

	if (!apic)
		return;
	timer_cancel(apic);
	free_page((unsigned long)apic->regs);
	kfree(apic);
	vcpu->apic = NULL;
}

/**
 * minikvm_vcpu_ioctl_get_lapic - KVM_GET_LAPIC: the first KiB of the page.
 * @vcpu: the vCPU; its mutex is held.
 * @s: filled in.
 *
 * Timer expirations not yet injected are moved to the IRR first, so the
 * saved state holds them.  In x2APIC mode the ID is reported in xAPIC
 * form unless userspace enabled KVM_X2APIC_API_USE_32BIT_IDS.
 *
 * Return: 0, or -ENXIO without an in-kernel APIC.
 */
int minikvm_vcpu_ioctl_get_lapic(struct minikvm_vcpu *vcpu,
				 struct kvm_lapic_state *s)
{
	struct minikvm_lapic *apic = vcpu->apic;

	lockdep_assert_held(&vcpu->mutex);
	if (!apic)
		return -ENXIO;
	minikvm_lapic_inject_pending_timer(vcpu);
	update_ppr(apic);
	memcpy(s->regs, apic->regs, sizeof(s->regs));
	*(u32 *)(s->regs + APIC_TMCCT) = timer_current_count(apic);
	if (x2apic_mode(apic) && !READ_ONCE(vcpu->vm->x2apic_format))
		*(u32 *)(s->regs + APIC_ID) = reg_get(apic, APIC_ID) << 24;
	return 0;
}

/*
 * In x2APIC mode the ID and LDR are read-only: with 32-bit ids a different
 * ID is an error; without, it is ignored (KVM's compatibility rule).
 */
static int fixup_x2apic_state(struct minikvm_vcpu *vcpu,
			      struct kvm_lapic_state *s)
{
	u32 *id = (u32 *)(s->regs + APIC_ID);

	if (!x2apic_mode(vcpu->apic))
		return 0;
	if (READ_ONCE(vcpu->vm->x2apic_format) && *id != vcpu->vcpu_id)
		return -EINVAL;
	*id = vcpu->vcpu_id;
	*(u32 *)(s->regs + APIC_LDR) = x2apic_ldr(vcpu->vcpu_id);
	return 0;
}

/**
 * minikvm_vcpu_ioctl_set_lapic - KVM_SET_LAPIC.
 * @vcpu: the vCPU; its mutex is held.
 * @s: the register page, as KVM_GET_LAPIC returns it.
 *
 * The timer restarts from the saved current count; expirations pending
 * from before are dropped (the state's IRR has what was due).
 *
 * Return: 0; -ENXIO without an in-kernel APIC; -EINVAL for a mismatched
 * x2APIC id with KVM_X2APIC_API_USE_32BIT_IDS.
 */
int minikvm_vcpu_ioctl_set_lapic(struct minikvm_vcpu *vcpu,
				 struct kvm_lapic_state *s)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 tmcct, lvtt;
	int r;

	lockdep_assert_held(&vcpu->mutex);
	if (!apic)
		return -ENXIO;
	r = fixup_x2apic_state(vcpu, s);
	if (r)
		return r;

	timer_cancel(apic);
	memcpy(apic->regs, s->regs, sizeof(s->regs));
	tmcct = reg_get(apic, APIC_TMCCT);
	reg_set(apic, APIC_TMCCT, 0);
	reg_set(apic, APIC_LVR, LAPIC_VERSION);
	atomic_set(&apic->timer.pending, 0);

	lvtt = reg_get(apic, APIC_LVTT);
	apic->timer.mode = MINIKVM_LVTT_ONESHOT;
	apic->timer.tscdeadline = 0;
	set_lvtt(apic, lvtt & lvt_mask(APIC_LVTT));
	update_ppr(apic);
	if (apic->timer.mode != MINIKVM_LVTT_TSCDEADLINE) {
		if (!tmcct && apic->timer.mode == MINIKVM_LVTT_PERIODIC)
			tmcct = reg_get(apic, APIC_TMICT);
		timer_start_count(apic, tmcct);
	}
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	return 0;
}
