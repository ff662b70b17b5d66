// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN: the vendor-neutral run loop, requests, and the exits that reach
 * userspace (port I/O, internal errors).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/fpu/api.h>

#include "compat.h"
#include "minikvm.h"
#include "x86.h"
#include "emulate/emulate.h"

void minikvm_queue_exception(struct minikvm_vcpu *vcpu, u8 vector,
			     bool has_error_code, u32 error_code)
{
	vcpu->exception = (struct minikvm_exception) {
		.pending = true,
		.vector = vector,
		.has_error_code = has_error_code,
		.error_code = error_code,
	};
}

/**
 * minikvm_exit_pio - exit to userspace for an IN or OUT of @size bytes.
 * @vcpu: the vCPU.
 * @in: true for IN, false for OUT.
 * @port: the I/O port.
 * @size: 1, 2 or 4.
 *
 * The backend has already advanced RIP past the instruction.  OUT data is
 * copied to the PIO page now; IN data is read from it at the next KVM_RUN
 * (complete_pio_in()).
 *
 * Return: MINIKVM_EXIT_USERSPACE.
 */
int minikvm_exit_pio(struct minikvm_vcpu *vcpu, bool in, u16 port, u8 size)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;

	if (in)
		vcpu->pio = (struct minikvm_pio) {
			.pending_in = true, .size = size, .port = port,
		};
	else
		memcpy(vcpu->pio_data, &vcpu->regs[MINIKVM_REG_RAX], size);
	return MINIKVM_EXIT_USERSPACE;
}

/* An IN of 4 bytes writes EAX, which clears the upper half of RAX. */
static void complete_pio_in(struct minikvm_vcpu *vcpu)
{
	u64 val = vcpu->pio.size < 4 ? vcpu->regs[MINIKVM_REG_RAX] : 0;

	memcpy(&val, vcpu->pio_data, vcpu->pio.size);
	vcpu->regs[MINIKVM_REG_RAX] = val;
	vcpu->pio.pending_in = false;
}

/*
 * Finish the exit userspace just handled.  Return: MINIKVM_EXIT_RESUME to
 * go on into the guest, else what KVM_RUN returns (another exit, -errno).
 */
static int complete_userspace_exit(struct minikvm_vcpu *vcpu)
{
	if (vcpu->pio.pending_in)
		complete_pio_in(vcpu);
	if (minikvm_emulate_io_pending(vcpu))
		return minikvm_emulate_complete_mmio(vcpu);
	return MINIKVM_EXIT_RESUME;
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

static void process_requests(struct minikvm_vcpu *vcpu)
{
	if (test_and_clear_bit(MINIKVM_REQ_TLB_FLUSH, &vcpu->requests))
		minikvm_x86_call(flush_tlb_current)(vcpu);
}

static bool exit_request_pending(struct minikvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests) || need_resched() ||
	       signal_pending(current);
}

/*
 * Enter the guest once and handle the exit.
 *
 * Return: MINIKVM_EXIT_RESUME to go on, MINIKVM_EXIT_USERSPACE, or -errno.
 */
static int enter_guest(struct minikvm_vcpu *vcpu)
{
	process_requests(vcpu);

	preempt_disable();
	local_irq_disable();

	/*
	 * Publish where we run, then that we run the guest, then look for
	 * requests.  The smp_mb() pairs with the one after set_bit() in
	 * minikvm_make_all_vcpus_request(): either it sees IN_GUEST_MODE and
	 * interrupts this CPU, or we see its request here.  x86 does not
	 * reorder the two stores, so a requester that sees the mode also
	 * sees the CPU.
	 */
	WRITE_ONCE(vcpu->cpu, smp_processor_id());
	WRITE_ONCE(vcpu->mode, MINIKVM_IN_GUEST_MODE);
	smp_mb(); /* mode before requests; pairs with make_all_vcpus_request() */
	if (exit_request_pending(vcpu)) {
		WRITE_ONCE(vcpu->mode, MINIKVM_OUTSIDE_GUEST_MODE);
		local_irq_enable();
		preempt_enable();
		return MINIKVM_EXIT_RESUME;
	}

	/* A context switch since the last entry saved the guest FPU state. */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();

	minikvm_x86_call(vcpu_run)(vcpu);

	WRITE_ONCE(vcpu->mode, MINIKVM_OUTSIDE_GUEST_MODE);
	/* The host interrupt that ended the guest, if any, is taken here. */
	local_irq_enable();
	preempt_enable();

	return minikvm_x86_call(handle_exit)(vcpu);
}

static int run_loop(struct minikvm_vcpu *vcpu)
{
	int r;

	for (;;) {
		r = enter_guest(vcpu);
		if (r <= 0)
			return r;
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
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
	/* KVM_INTERRUPT is not implemented: never invite an injection. */
	run->ready_for_interrupt_injection = 0;
}

/**
 * minikvm_vcpu_ioctl_run - KVM_RUN.
 * @vcpu: the vCPU; its mutex is held.
 *
 * A pending IN or MMIO access is completed first (an MMIO access may exit
 * again at once); then immediate_exit returns -EINTR at once, as does a
 * signal pending before or arriving during the run (exit_reason
 * KVM_EXIT_INTR).
 *
 * Return: 0 with run->exit_reason set, or -errno.
 */
int minikvm_vcpu_ioctl_run(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	lockdep_assert_held(&vcpu->mutex);

	run->flags = 0;
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);

	r = complete_userspace_exit(vcpu);
	if (r > 0)
		r = minikvm_run_immediate_exit(run) ? -EINTR : run_loop(vcpu);

	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	post_run_save(vcpu);
	return r > 0 ? 0 : r;
}
