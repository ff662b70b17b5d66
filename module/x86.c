// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN: the vendor-neutral run loop, requests, event injection before
 * each entry, the interrupt window for userspace irqchips, and the exits
 * that reach userspace (port I/O, HLT, internal errors).  Also the small
 * helpers the backends' exit handlers share.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <asm/fpu/api.h>
#include <asm/traps.h>

#include "compat.h"
#include "emulate/coalesced_mmio.h"
#include "fpu.h"
#include "irq/irqchip.h"
#include "minikvm.h"
#include "regs.h"
#include "x86.h"

/* ------------------------------------------------------------------ */
/* Helpers for exit handlers                                           */

/**
 * minikvm_skip_emulated_instruction - step over an intercepted instruction.
 * @vcpu: the vCPU.
 *
 * A guest single-stepping with RFLAGS.TF gets the #DB the instruction
 * would have raised.
 *
 * Return: MINIKVM_EXIT_RESUME.
 */
int minikvm_skip_emulated_instruction(struct minikvm_vcpu *vcpu)
{
	u64 rflags = vcpu->rflags;
	int r;

	r = minikvm_x86_call(skip_emulated_instruction)(vcpu);
	if (r > 0 && (rflags & X86_EFLAGS_TF))
		minikvm_queue_exception_p(vcpu, X86_TRAP_DB, DR_STEP);
	return r;
}

/* #GP for a refused access, else step over the instruction. */
int minikvm_complete_insn_gp(struct minikvm_vcpu *vcpu, int err)
{
	if (!err)
		return minikvm_skip_emulated_instruction(vcpu);
	minikvm_inject_gp(vcpu);
	return MINIKVM_EXIT_RESUME;
}

bool minikvm_is_protmode(struct minikvm_vcpu *vcpu)
{
	return minikvm_x86_call(get_cr0)(vcpu) & X86_CR0_PE;
}

bool minikvm_is_64_bit_mode(struct minikvm_vcpu *vcpu)
{
	int db, l;

	if (!(vcpu->efer & EFER_LMA))
		return false;
	minikvm_x86_call(get_cs_db_l_bits)(vcpu, &db, &l);
	return l;
}

void minikvm_set_rflags(struct minikvm_vcpu *vcpu, u64 rflags)
{
	vcpu->rflags = rflags;
	/* IF may have opened an interrupt window. */
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
}

/*
 * Without an in-kernel local APIC, HLT is userspace's business (as KVM).
 * With one, the vCPU sleeps in KVM_RUN until an event (vcpu_block()).
 */
int minikvm_emulate_halt(struct minikvm_vcpu *vcpu)
{
	int r = minikvm_skip_emulated_instruction(vcpu);

	if (r != MINIKVM_EXIT_RESUME)
		return r;
	vcpu->stat.halt_exits++;
	if (vcpu->apic) {
		vcpu->mp_state = KVM_MP_STATE_HALTED;
		return r;
	}
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return MINIKVM_EXIT_USERSPACE;
}

u64 minikvm_get_cr8(struct minikvm_vcpu *vcpu)
{
	return vcpu->apic ? minikvm_lapic_get_cr8(vcpu) : vcpu->cr8;
}

void minikvm_set_cr8(struct minikvm_vcpu *vcpu, u64 cr8)
{
	if (vcpu->apic)
		minikvm_lapic_set_cr8(vcpu, cr8);
	vcpu->cr8 = cr8;
}

/* INVD, WBINVD, and MONITOR/MWAIT as KVM's default quirk has them. */
int minikvm_emulate_as_nop(struct minikvm_vcpu *vcpu)
{
	return minikvm_skip_emulated_instruction(vcpu);
}

/*
 * The CPU shut down (triple fault): the backend's state is undefined, so
 * the vCPU gets the INIT state, and userspace hears KVM_EXIT_SHUTDOWN.
 */
int minikvm_emulate_triple_fault(struct minikvm_vcpu *vcpu)
{
	minikvm_vcpu_reset(vcpu, true);
	vcpu->stat.shutdowns++;
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return MINIKVM_EXIT_USERSPACE;
}

/*
 * Finish an instruction that ends at @next_rip: like the CPU, end any
 * interrupt shadow and raise the single-step #DB a TF guest expects.
 */
static void finish_instruction(struct minikvm_vcpu *vcpu, u64 next_rip)
{
	vcpu->rip = next_rip;
	minikvm_x86_call(set_interrupt_shadow)(vcpu, 0);
	if (vcpu->rflags & X86_EFLAGS_TF)
		minikvm_queue_exception_p(vcpu, X86_TRAP_DB, DR_STEP);
}

/*
 * The I/O instruction userspace handled, at the next KVM_RUN: an IN takes
 * its data from the PIO page (4 bytes write EAX, clearing the upper half
 * of RAX).  If userspace moved RIP meanwhile, the instruction is dropped.
 */
static int complete_pio(struct minikvm_vcpu *vcpu)
{
	struct minikvm_pio *pio = &vcpu->pio;
	u64 val;

	if (vcpu->rip != pio->rip)
		return MINIKVM_EXIT_RESUME;
	if (pio->in) {
		val = pio->size < 4 ? vcpu->regs[MINIKVM_REG_RAX] : 0;
		memcpy(&val, vcpu->pio_data, pio->size);
		vcpu->regs[MINIKVM_REG_RAX] = val;
	}
	finish_instruction(vcpu, pio->next_rip);
	return MINIKVM_EXIT_RESUME;
}

/**
 * minikvm_exit_pio - exit to userspace for an IN or OUT of @size bytes.
 * @vcpu: the vCPU.
 * @in: true for IN, false for OUT.
 * @port: the I/O port.
 * @size: 1, 2 or 4.
 * @next_rip: where the instruction ends.
 *
 * As in KVM, RIP stays on the instruction until the next KVM_RUN
 * completes it (complete_pio()); OUT data is in the PIO page now.  The
 * exception, also KVM's, is OUT to port 0x7e, done at once: old userspace
 * relies on it.
 *
 * Return: MINIKVM_EXIT_USERSPACE.
 */
int minikvm_exit_pio(struct minikvm_vcpu *vcpu, bool in, u16 port, u8 size,
		     u64 next_rip)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	vcpu->stat.io_exits++;

	/* A device of the in-kernel irqchip: no exit at all. */
	if (minikvm_pio_in_kernel(vcpu, in, port, size)) {
		finish_instruction(vcpu, next_rip);
		return MINIKVM_EXIT_RESUME;
	}

	/* An OUT to a coalesced PIO zone: into the ring, no exit. */
	if (!in && minikvm_coalesced_pio_write(vcpu, port, size,
					       &vcpu->regs[MINIKVM_REG_RAX])) {
		finish_instruction(vcpu, next_rip);
		return MINIKVM_EXIT_RESUME;
	}
	if (!in)
		memcpy(vcpu->pio_data, &vcpu->regs[MINIKVM_REG_RAX], size);
	if (!in && port == 0x7e) {
		finish_instruction(vcpu, next_rip);
		return MINIKVM_EXIT_USERSPACE;
	}
	vcpu->pio = (struct minikvm_pio) {
		.in = in, .size = size, .port = port,
		.rip = vcpu->rip, .next_rip = next_rip,
	};
	vcpu->complete_userspace_exit = complete_pio;
	return MINIKVM_EXIT_USERSPACE;
}

/**
 * minikvm_exit_internal_error - stop the guest with KVM_EXIT_INTERNAL_ERROR.
 * @vcpu: the vCPU.
 * @suberror: a KVM_INTERNAL_ERROR_* code.
 * @data0: first datum (an exit code or address).
 * @data1: second datum.
 *
 * Return: MINIKVM_EXIT_USERSPACE.
 */
int minikvm_exit_internal_error(struct minikvm_vcpu *vcpu, u32 suberror,
				u64 data0, u64 data1)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 2;
	run->internal.data[0] = data0;
	run->internal.data[1] = data1;
	return MINIKVM_EXIT_USERSPACE;
}

/* ------------------------------------------------------------------ */
/* The run loop                                                        */

/* Return: MINIKVM_EXIT_RESUME, or MINIKVM_EXIT_USERSPACE to stop. */
static int process_requests(struct minikvm_vcpu *vcpu)
{
	/* First: a sync may ask for MINIKVM_REQ_TLB_FLUSH itself. */
	if (minikvm_check_request(vcpu, MINIKVM_REQ_TLB_FLUSH_GUEST)) {
		minikvm_mmu_sync_roots(vcpu);
		minikvm_x86_call(flush_tlb_current)(vcpu);
	}
	if (minikvm_check_request(vcpu, MINIKVM_REQ_TLB_FLUSH))
		minikvm_x86_call(flush_tlb_current)(vcpu);
	if (minikvm_check_request(vcpu, MINIKVM_REQ_TRIPLE_FAULT)) {
		vcpu->stat.shutdowns++;
		vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
		return MINIKVM_EXIT_USERSPACE;
	}
	if (minikvm_check_request(vcpu, MINIKVM_REQ_NMI))
		minikvm_process_nmi(vcpu);
	return MINIKVM_EXIT_RESUME;
}

static bool exit_request_pending(struct minikvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests) || need_resched() ||
	       signal_pending(current);
}

/*
 * Userspace with its own interrupt controller asked to hear when the guest
 * can take an interrupt, and none is queued yet.  With the in-kernel
 * irqchip the request is ignored (as KVM).
 */
static bool wants_interrupt_window(struct minikvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->run->request_interrupt_window) &&
	       !vcpu->interrupt.injected && !vcpu->apic;
}

/* Pick the events for this entry; see minikvm_check_and_inject_events(). */
static void inject_events(struct minikvm_vcpu *vcpu, bool *req_immediate_exit)
{
	bool req_int_win = wants_interrupt_window(vcpu);

	/* Timer expirations become IRR bits (and set MINIKVM_REQ_EVENT). */
	minikvm_lapic_inject_pending_timer(vcpu);
	if (!minikvm_check_request(vcpu, MINIKVM_REQ_EVENT) && !req_int_win)
		return;
	vcpu->stat.req_event++;
	minikvm_check_and_inject_events(vcpu, req_immediate_exit);
	if (req_int_win)
		minikvm_x86_call(enable_irq_window)(vcpu);
}

/*
 * Run the guest until one exit, with IRQs off.  The host interrupt or NMI
 * that ended the guest, if any, is taken when IRQs come back on.
 */
static void run_guest_irqoff(struct minikvm_vcpu *vcpu,
			     bool req_immediate_exit)
{
	bool xcr0_loaded, tsc_aux_loaded;
	u64 host_tsc_aux = 0;

	/* An event must wait for the one being delivered: exit right after. */
	if (req_immediate_exit) {
		set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
		smp_send_reschedule(smp_processor_id());
	}
	/* A context switch since the last entry saved the guest FPU state. */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();

	vcpu->has_run = true;
	xcr0_loaded = minikvm_load_guest_xcr0(vcpu);
	tsc_aux_loaded = minikvm_load_guest_tsc_aux(vcpu, &host_tsc_aux);
	minikvm_x86_call(vcpu_run)(vcpu);
	minikvm_put_guest_tsc_aux(tsc_aux_loaded, host_tsc_aux);
	minikvm_put_guest_xcr0(vcpu, xcr0_loaded);
}

/*
 * Enter the guest once and handle the exit.
 *
 * Return: MINIKVM_EXIT_RESUME to go on, MINIKVM_EXIT_USERSPACE, or -errno.
 */
static int enter_guest(struct minikvm_vcpu *vcpu)
{
	bool req_immediate_exit = false;
	int r;

	/* May sleep (allocations): before preemption goes off. */
	r = minikvm_mmu_reload(vcpu);
	if (r)
		return r;
	if (READ_ONCE(vcpu->requests) &&
	    process_requests(vcpu) == MINIKVM_EXIT_USERSPACE)
		return MINIKVM_EXIT_USERSPACE;
	inject_events(vcpu, &req_immediate_exit);
	/* V_TPR is loaded from vcpu->cr8: the APIC's TPR is the truth. */
	if (vcpu->apic)
		vcpu->cr8 = minikvm_lapic_get_cr8(vcpu);

	preempt_disable();
	local_irq_disable();

	/*
	 * Publish where we run, then that we run the guest, then look for
	 * requests.  The smp_mb() pairs with the one after set_bit() in
	 * minikvm_make_all_vcpus_request() and minikvm_vcpu_kick(): either
	 * the requester sees IN_GUEST_MODE and interrupts this CPU, or we see
	 * its request here.  x86 does not reorder the two stores, so a
	 * requester that sees the mode also sees the CPU.
	 */
	WRITE_ONCE(vcpu->cpu, smp_processor_id());
	WRITE_ONCE(vcpu->mode, MINIKVM_IN_GUEST_MODE);
	smp_mb(); /* mode before requests; pairs with make_all_vcpus_request() */
	if (exit_request_pending(vcpu)) {
		WRITE_ONCE(vcpu->mode, MINIKVM_OUTSIDE_GUEST_MODE);
		local_irq_enable();
		preempt_enable();
		/* What was injected goes back to the queues, unchanged. */
		minikvm_x86_call(cancel_injection)(vcpu);
		return MINIKVM_EXIT_RESUME;
	}

	run_guest_irqoff(vcpu, req_immediate_exit);

	WRITE_ONCE(vcpu->mode, MINIKVM_OUTSIDE_GUEST_MODE);
	local_irq_enable();
	preempt_enable();

	/* The guest's MOV to CR8 went to V_TPR: back into the TPR. */
	if (vcpu->apic && vcpu->cr8 != minikvm_lapic_get_cr8(vcpu))
		minikvm_lapic_set_cr8(vcpu, vcpu->cr8);
	vcpu->stat.exits++;
	return minikvm_x86_call(handle_exit)(vcpu);
}

/*
 * Can a halted vCPU (or one waiting for SIPI) go on?  Runs on the vCPU
 * thread between prepare_to_wait() and schedule(): must not sleep.
 */
static bool vcpu_has_events(struct minikvm_vcpu *vcpu)
{
	int tpr_prio;

	if (minikvm_lapic_has_pending_events(vcpu))
		return true;
	if (vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED ||
	    vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED)
		return false;
	minikvm_lapic_inject_pending_timer(vcpu);
	if (atomic_read(&vcpu->nmi_queued) || vcpu->nmi_pending ||
	    minikvm_event_needs_reinjection(vcpu) || vcpu->exception.pending)
		return true;
	return minikvm_x86_call(interrupt_allowed)(vcpu) &&
	       minikvm_cpu_has_interrupt(vcpu, &tpr_prio) >= 0;
}

/*
 * Sleep until vcpu_has_events() or a signal.  The waker publishes the
 * event, then calls wake_up() (minikvm_vcpu_wake()); prepare_to_wait()
 * before the check pairs with it, so a wake-up is never missed.
 *
 * Return: MINIKVM_EXIT_RESUME, or -EAGAIN for an AP that was not started
 * yet once it has an INIT (KVM's answer; userspace runs it again).
 */
static int vcpu_block(struct minikvm_vcpu *vcpu)
{
	bool uninitialized = vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED;
	DEFINE_WAIT(wait);

	for (;;) {
		prepare_to_wait(&vcpu->wq, &wait, TASK_INTERRUPTIBLE);
		if (vcpu_has_events(vcpu) || signal_pending(current))
			break;
		schedule();
	}
	finish_wait(&vcpu->wq, &wait);

	if (signal_pending(current))
		return MINIKVM_EXIT_RESUME;
	minikvm_lapic_accept_events(vcpu);
	if (uninitialized)
		return -EAGAIN;
	if (vcpu->mp_state == KVM_MP_STATE_HALTED) {
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		/* Whatever woke it is looked at before the next entry. */
		set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	}
	return MINIKVM_EXIT_RESUME;
}

static int run_loop(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	for (;;) {
		/* An AP not yet started answers its INIT with -EAGAIN first. */
		if (vcpu->mp_state != KVM_MP_STATE_UNINITIALIZED)
			minikvm_lapic_accept_events(vcpu);
		if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
			r = enter_guest(vcpu);
		else
			r = vcpu_block(vcpu);
		if (r <= 0)
			return r;
		if (!vcpu->apic && READ_ONCE(run->request_interrupt_window) &&
		    minikvm_ready_for_interrupt_injection(vcpu)) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			vcpu->stat.request_irq_exits++;
			return 0;
		}
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			vcpu->stat.signal_exits++;
			return -EINTR;
		}
		cond_resched();
	}
}

/* Fill the kvm_run fields userspace reads after every KVM_RUN. */
static void post_run_save(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	run->cr8 = minikvm_get_cr8(vcpu);
	run->apic_base = vcpu->apic_base;
	/* With the in-kernel PIC, userspace never injects (as KVM). */
	run->ready_for_interrupt_injection = vcpu->apic ||
		minikvm_ready_for_interrupt_injection(vcpu);
}

/*
 * Before the guest runs: sync_regs, the TPR (userspace owns the local
 * APIC, so kvm_run->cr8 is the truth), and the completion of the exit
 * userspace just handled.
 *
 * Return: 1 to run the guest, 0 or -errno to return at once.
 */
static int pre_run(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int (*complete)(struct minikvm_vcpu *vcpu);
	u64 cr8;
	int r;

	r = minikvm_sync_regs_from_run(vcpu);
	if (r)
		return r;
	/* kvm_run->cr8 is the TPR only for a userspace local APIC. */
	cr8 = READ_ONCE(run->cr8);
	if (!vcpu->apic) {
		if (cr8 & ~0xfULL)
			return -EINVAL;
		vcpu->cr8 = cr8;
	}

	complete = vcpu->complete_userspace_exit;
	if (complete) {
		vcpu->complete_userspace_exit = NULL;
		r = complete(vcpu);
		if (r <= 0)
			return r;
	}
	return 1;
}

/**
 * minikvm_vcpu_ioctl_run - KVM_RUN.
 * @vcpu: the vCPU; its mutex is held.
 *
 * A pending IN or MSR exit is completed first; then immediate_exit returns
 * -EINTR at once, as does a signal pending before or arriving during the
 * run (exit_reason KVM_EXIT_INTR).  With KVM_SET_SIGNAL_MASK, the thread
 * runs with that mask, its own being kept in current->real_blocked (as
 * KVM and ppoll() do) and restored before returning.
 *
 * Return: 0 with run->exit_reason set, or -errno.
 */
int minikvm_vcpu_ioctl_run(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	lockdep_assert_held(&vcpu->mutex);

	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
	run->flags = 0;
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);

	r = pre_run(vcpu);
	if (r <= 0)
		goto out;
	if (minikvm_run_immediate_exit(run)) {
		r = -EINTR;
		goto out;
	}
	run->exit_reason = KVM_EXIT_UNKNOWN;
	r = run_loop(vcpu);

out:
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	minikvm_sync_regs_to_run(vcpu);
	post_run_save(vcpu);
	if (vcpu->sigset_active) {
		sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
		sigemptyset(&current->real_blocked);
	}
	return r > 0 ? 0 : r;
}
