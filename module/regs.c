// SPDX-License-Identifier: GPL-2.0
/*
 * The register ioctls: general-purpose registers, special registers with
 * KVM's consistency rules, debug registers, the multiprocessing state and
 * the sync_regs area of kvm_run (KVM_CAP_SYNC_REGS).
 *
 * Everything runs on a thread holding vcpu->mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "minikvm.h"
#include "regs.h"
#include "x86.h"

/* EFER bits minikvm lets a guest set, whatever its CPUID says. */
u64 minikvm_efer_supported(void)
{
	u64 efer = EFER_SCE | EFER_LME | EFER_LMA;

	if (boot_cpu_has(X86_FEATURE_NX))
		efer |= EFER_NX;
	if (boot_cpu_has(X86_FEATURE_FXSR_OPT))
		efer |= EFER_FFXSR;
	return efer;
}

static u64 reserved_gpa_bits(struct minikvm_vcpu *vcpu)
{
	return GENMASK_ULL(63, vcpu->cpuid.maxphyaddr);
}

/* ------------------------------------------------------------------ */
/* General-purpose registers                                           */

void minikvm_vcpu_ioctl_get_regs(struct minikvm_vcpu *vcpu,
				 struct kvm_regs *r)
{
	const u64 *g = vcpu->regs;

	*r = (struct kvm_regs) {
		.rax = g[MINIKVM_REG_RAX], .rbx = g[MINIKVM_REG_RBX],
		.rcx = g[MINIKVM_REG_RCX], .rdx = g[MINIKVM_REG_RDX],
		.rsi = g[MINIKVM_REG_RSI], .rdi = g[MINIKVM_REG_RDI],
		.rsp = g[MINIKVM_REG_RSP], .rbp = g[MINIKVM_REG_RBP],
		.r8 = g[MINIKVM_REG_R8], .r9 = g[MINIKVM_REG_R9],
		.r10 = g[MINIKVM_REG_R10], .r11 = g[MINIKVM_REG_R11],
		.r12 = g[MINIKVM_REG_R12], .r13 = g[MINIKVM_REG_R13],
		.r14 = g[MINIKVM_REG_R14], .r15 = g[MINIKVM_REG_R15],
		.rip = vcpu->rip, .rflags = vcpu->rflags,
	};
}

/*
 * A new RIP abandons the instruction an I/O exit was completing (see
 * complete_pio()) and any exception it raised, but not an event already
 * in flight.
 */
void minikvm_vcpu_ioctl_set_regs(struct minikvm_vcpu *vcpu,
				 const struct kvm_regs *r)
{
	u64 *g = vcpu->regs;

	g[MINIKVM_REG_RAX] = r->rax;
	g[MINIKVM_REG_RBX] = r->rbx;
	g[MINIKVM_REG_RCX] = r->rcx;
	g[MINIKVM_REG_RDX] = r->rdx;
	g[MINIKVM_REG_RSI] = r->rsi;
	g[MINIKVM_REG_RDI] = r->rdi;
	g[MINIKVM_REG_RSP] = r->rsp;
	g[MINIKVM_REG_RBP] = r->rbp;
	g[MINIKVM_REG_R8] = r->r8;
	g[MINIKVM_REG_R9] = r->r9;
	g[MINIKVM_REG_R10] = r->r10;
	g[MINIKVM_REG_R11] = r->r11;
	g[MINIKVM_REG_R12] = r->r12;
	g[MINIKVM_REG_R13] = r->r13;
	g[MINIKVM_REG_R14] = r->r14;
	g[MINIKVM_REG_R15] = r->r15;
	vcpu->rip = r->rip;
	/* Bit 1 of RFLAGS always reads as one. */
	minikvm_set_rflags(vcpu, r->rflags | X86_EFLAGS_FIXED);
	vcpu->exception.pending = false;
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
}

/* ------------------------------------------------------------------ */
/* Special registers                                                   */

void minikvm_vcpu_ioctl_get_sregs(struct minikvm_vcpu *vcpu,
				  struct kvm_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	minikvm_x86_call(get_sregs)(vcpu, sregs);
	sregs->cr8 = minikvm_get_cr8(vcpu);
	sregs->efer = vcpu->efer;
	sregs->apic_base = vcpu->apic_base;
	if (vcpu->interrupt.injected && !vcpu->interrupt.soft)
		__set_bit(vcpu->interrupt.nr,
			  (unsigned long *)sregs->interrupt_bitmap);
}

static bool is_valid_cr0(u64 cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	return !((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE));
}

/**
 * minikvm_is_valid_efer - may the vCPU have @efer?
 * @vcpu: the vCPU.
 * @efer: the value.
 *
 * Return: false for bits minikvm does not support or the guest CPUID
 * lacks (FFXSR, SVME, LME/LMA without long mode, NX).
 */
bool minikvm_is_valid_efer(struct minikvm_vcpu *vcpu, u64 efer)
{
	struct minikvm_cpuid *c = &vcpu->cpuid;

	if (efer & ~minikvm_efer_supported())
		return false;
	if ((efer & EFER_FFXSR) && !minikvm_cpuid_has(c, MINIKVM_GUEST_FXSR_OPT))
		return false;
	if ((efer & (EFER_LME | EFER_LMA)) &&
	    !minikvm_cpuid_has(c, MINIKVM_GUEST_LM))
		return false;
	return !((efer & EFER_NX) && !minikvm_cpuid_has(c, MINIKVM_GUEST_NX));
}

/* KVM's consistency rules for a KVM_SET_SREGS payload. */
static bool is_valid_sregs(struct minikvm_vcpu *vcpu,
			   const struct kvm_sregs *s)
{
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		/* Long mode: PAE and LMA on, CR3 within MAXPHYADDR. */
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
		if (s->cr3 & reserved_gpa_bits(vcpu))
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return false;
	}
	if (s->cr4 & vcpu->cpuid.cr4_reserved)
		return false;
	return is_valid_cr0(s->cr0) && minikvm_is_valid_efer(vcpu, s->efer);
}

/*
 * Reserved bits of the APIC base, and the x2APIC-without-xAPIC state that
 * does not exist.  The guest may not leave x2APIC mode but for disabled,
 * nor go from disabled to x2APIC; userspace may.
 */
static bool is_valid_apic_base(struct minikvm_vcpu *vcpu, u64 data,
			       bool host_initiated)
{
	u64 mode_bits = MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE;
	u64 reserved = reserved_gpa_bits(vcpu) | 0x2ff;
	u64 old = vcpu->apic_base & mode_bits, new = data & mode_bits;

	if (!minikvm_cpuid_has(&vcpu->cpuid, MINIKVM_GUEST_X2APIC))
		reserved |= X2APIC_ENABLE;
	if ((data & reserved) || new == X2APIC_ENABLE)
		return false;
	if (host_initiated)
		return true;
	if (old == mode_bits && new == MSR_IA32_APICBASE_ENABLE)
		return false;
	return !(old == 0 && new == mode_bits);
}

/**
 * minikvm_set_apic_base - IA32_APIC_BASE: stored, and the in-kernel local
 * APIC (if any) changes mode.
 * @vcpu: the vCPU.
 * @data: the new value.
 * @host_initiated: from userspace rather than WRMSR.
 *
 * Return: 0, or 1 for a value KVM would refuse.
 */
int minikvm_set_apic_base(struct minikvm_vcpu *vcpu, u64 data,
			  bool host_initiated)
{
	if (!is_valid_apic_base(vcpu, data, host_initiated))
		return 1;
	return minikvm_lapic_set_base(vcpu, data);
}

/* A paging mode change flushes the guest's TLB, as KVM does. */
static bool paging_changed(struct minikvm_vcpu *vcpu,
			   const struct kvm_sregs *new)
{
	struct kvm_sregs old;

	minikvm_x86_call(get_sregs)(vcpu, &old);
	return old.cr0 != new->cr0 || old.cr3 != new->cr3 ||
	       old.cr4 != new->cr4 || vcpu->efer != new->efer;
}

/**
 * minikvm_vcpu_ioctl_set_sregs - KVM_SET_SREGS.
 * @vcpu: the vCPU; its mutex is held.
 * @sregs: the new state.
 *
 * Return: 0, or -EINVAL for a combination KVM refuses (then nothing
 * changes).  A vector set in interrupt_bitmap is injected at the next
 * entry, as KVM_INTERRUPT would.
 */
int minikvm_vcpu_ioctl_set_sregs(struct minikvm_vcpu *vcpu,
				 const struct kvm_sregs *sregs)
{
	unsigned int vec;

	if (!is_valid_sregs(vcpu, sregs) ||
	    !is_valid_apic_base(vcpu, sregs->apic_base, true))
		return -EINVAL;

	if (paging_changed(vcpu, sregs))
		set_bit(MINIKVM_REQ_TLB_FLUSH_GUEST, &vcpu->requests);
	minikvm_x86_call(set_sregs)(vcpu, sregs);
	vcpu->efer = sregs->efer;
	minikvm_x86_call(set_efer)(vcpu);
	/* KVM ignores a CR8 with reserved bits. */
	if (!(sregs->cr8 & ~0xfULL))
		minikvm_set_cr8(vcpu, sregs->cr8);
	minikvm_lapic_set_base(vcpu, sregs->apic_base);

	vec = find_first_bit((const unsigned long *)sregs->interrupt_bitmap,
			     KVM_NR_INTERRUPTS);
	if (vec < KVM_NR_INTERRUPTS) {
		minikvm_queue_interrupt(vcpu, vec, false);
		set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Debug registers                                                     */

void minikvm_vcpu_ioctl_get_debugregs(struct minikvm_vcpu *vcpu,
				      struct kvm_debugregs *dbg)
{
	memset(dbg, 0, sizeof(*dbg));
	memcpy(dbg->db, vcpu->db, sizeof(dbg->db));
	dbg->dr6 = vcpu->dr6;
	dbg->dr7 = vcpu->dr7;
}

/* Return: 0, or -EINVAL for flags or bits 63:32 of DR6 or DR7. */
int minikvm_vcpu_ioctl_set_debugregs(struct minikvm_vcpu *vcpu,
				     const struct kvm_debugregs *dbg)
{
	if (dbg->flags || (dbg->dr6 >> 32) || (dbg->dr7 >> 32))
		return -EINVAL;
	memcpy(vcpu->db, dbg->db, sizeof(vcpu->db));
	vcpu->dr6 = dbg->dr6;
	vcpu->dr7 = dbg->dr7;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Multiprocessing state                                               */

/*
 * Without an in-kernel local APIC a vCPU is always runnable: HLT exits to
 * userspace, and INIT/SIPI are userspace's business.  With one, a pending
 * INIT or SIPI is acted on first, as KVM does.
 */
void minikvm_vcpu_ioctl_get_mp_state(struct minikvm_vcpu *vcpu,
				     struct kvm_mp_state *mp_state)
{
	minikvm_lapic_accept_events(vcpu);
	mp_state->mp_state = vcpu->mp_state;
}

/*
 * Return: 0, or -EINVAL for an unknown state, or anything but RUNNABLE
 * without an in-kernel local APIC (KVM).  SIPI_RECEIVED is stored as
 * INIT_RECEIVED with the SIPI pending (its vector is the last one sent).
 */
int minikvm_vcpu_ioctl_set_mp_state(struct minikvm_vcpu *vcpu,
				    const struct kvm_mp_state *mp_state)
{
	u32 state = mp_state->mp_state;

	switch (state) {
	case KVM_MP_STATE_RUNNABLE:
		break;
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		if (!vcpu->apic)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (state == KVM_MP_STATE_SIPI_RECEIVED) {
		state = KVM_MP_STATE_INIT_RECEIVED;
		set_bit(MINIKVM_APIC_SIPI, &vcpu->apic->pending_events);
	}
	vcpu->mp_state = state;
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	return 0;
}

/* ------------------------------------------------------------------ */
/* sync_regs                                                           */

/**
 * minikvm_sync_regs_from_run - apply kvm_run->s.regs as kvm_dirty_regs
 * says, before the guest runs.
 * @vcpu: the vCPU; its mutex is held.
 *
 * Return: 0, or -EINVAL for unknown bits or state the ioctls refuse.
 */
int minikvm_sync_regs_from_run(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);

	if ((READ_ONCE(run->kvm_valid_regs) | dirty) & ~KVM_SYNC_X86_VALID_FIELDS)
		return -EINVAL;
	if (dirty & KVM_SYNC_X86_REGS) {
		struct kvm_regs regs = run->s.regs.regs;

		minikvm_vcpu_ioctl_set_regs(vcpu, &regs);
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		struct kvm_sregs sregs = run->s.regs.sregs;

		if (minikvm_vcpu_ioctl_set_sregs(vcpu, &sregs))
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_SREGS;
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		struct kvm_vcpu_events events = run->s.regs.events;

		if (minikvm_vcpu_ioctl_set_vcpu_events(vcpu, &events))
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_EVENTS;
	}
	return 0;
}

/* Fill kvm_run->s.regs as kvm_valid_regs asks, after KVM_RUN. */
void minikvm_sync_regs_to_run(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	struct kvm_vcpu_events events;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (valid & KVM_SYNC_X86_REGS) {
		minikvm_vcpu_ioctl_get_regs(vcpu, &regs);
		run->s.regs.regs = regs;
	}
	if (valid & KVM_SYNC_X86_SREGS) {
		minikvm_vcpu_ioctl_get_sregs(vcpu, &sregs);
		run->s.regs.sregs = sregs;
	}
	if (valid & KVM_SYNC_X86_EVENTS) {
		minikvm_vcpu_ioctl_get_vcpu_events(vcpu, &events);
		run->s.regs.events = events;
	}
}

/* The register state after RESET that is not the backend's. */
void minikvm_regs_reset(struct minikvm_vcpu *vcpu)
{
	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->rip = 0xfff0;
	vcpu->efer = 0;
	vcpu->cr8 = 0;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	memset(vcpu->db, 0, sizeof(vcpu->db));
	vcpu->dr6 = MINIKVM_DR6_ACTIVE_LOW;
	vcpu->dr7 = MINIKVM_DR7_FIXED_1;
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
}
