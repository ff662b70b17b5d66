// SPDX-License-Identifier: GPL-2.0
/*
 * The emulator's entry points: a nested page fault on MMIO, the completion
 * of an MMIO exit, and skipping an intercepted instruction.
 *
 * An emulation takes a snapshot of the CPU state the instruction depends
 * on, fetches and decodes the instruction at CS:RIP, and runs passes until
 * it is done, needs userspace, or fails (see emul.h for the passes).  A
 * guest exception from any step (#GP, #SS, #PF, #UD) is injected instead
 * of finishing the instruction, as the CPU would; an instruction minikvm
 * does not emulate ends as KVM's emulator ends one: #UD is queued and, at
 * CPL 0, KVM_RUN exits with KVM_INTERNAL_ERROR_EMULATION and the bytes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/slab.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../regs.h"
#include "../x86.h"
#include "decode.h"
#include "emul.h"
#include "emulate.h"

/* Bit 31 of an exit's interruption info: an event was being delivered. */
#define EXIT_INTR_INFO_VALID	BIT(31)

/* REP iterations done in one go before the guest runs again. */
#define EMUL_MAX_ITERATIONS	1024

/* run_pass(): the REP instruction goes on with its next iteration. */
#define PASS_NEXT_ITERATION	2

int minikvm_emulator_create(struct minikvm_vcpu *vcpu)
{
	vcpu->emul = kzalloc(sizeof(*vcpu->emul), GFP_KERNEL_ACCOUNT);
	return vcpu->emul ? 0 : -ENOMEM;
}

void minikvm_emulator_destroy(struct minikvm_vcpu *vcpu)
{
	kfree(vcpu->emul);
	vcpu->emul = NULL;
}

void emul_raise(struct emul_ctxt *c, u8 vector, bool has_error_code,
		u32 error_code)
{
	c->exc = (struct emul_exception) {
		.vector = vector,
		.has_error_code = has_error_code,
		.error_code = error_code,
	};
}

/* Forget the instruction: the next emulation starts from scratch. */
static void emulator_reset(struct minikvm_emulator *em)
{
	em->io_state = EMUL_IO_NONE;
	em->has_fault_gpa = false;
	em->nr_reads = 0;
	em->nr_fetched = 0;
	em->flags = 0;
	em->pio_count = 0;
	em->pio_pos = 0;
	em->pio_end = 0;
}

/**
 * minikvm_emulator_reset - drop an instruction left half done (RESET/INIT).
 * @vcpu: the vCPU, not running; its MMIO exit is never completed.
 */
void minikvm_emulator_reset(struct minikvm_vcpu *vcpu)
{
	if (vcpu->emul)
		emulator_reset(vcpu->emul);
}

/* ------------------------------------------------------------------ */
/* The CPU state                                                       */

static enum emul_mode cpu_mode(const struct kvm_sregs *s, u64 rflags)
{
	if (!(s->cr0 & X86_CR0_PE))
		return EMUL_MODE_REAL;
	if (rflags & X86_EFLAGS_VM)
		return EMUL_MODE_VM86;
	if ((s->efer & EFER_LMA) && s->cs.l)
		return EMUL_MODE_PROT64;
	return s->cs.db ? EMUL_MODE_PROT32 : EMUL_MODE_PROT16;
}

/* Default operand/address size; real mode honours CS.D as KVM does. */
static unsigned int code_bytes(enum emul_mode mode, const struct kvm_sregs *s)
{
	switch (mode) {
	case EMUL_MODE_PROT64:
		return 8;
	case EMUL_MODE_PROT32:
		return 4;
	case EMUL_MODE_PROT16:
		return 2;
	default:
		return s->cs.db ? 4 : 2;
	}
}

static void snapshot_cpu(struct emul_ctxt *c)
{
	struct emul_cpu *cpu = &c->cpu;

	minikvm_vcpu_ioctl_get_sregs(c->vcpu, &cpu->sregs);
	cpu->mode = cpu_mode(&cpu->sregs, c->vcpu->rflags);
	if (cpu->mode == EMUL_MODE_REAL)
		cpu->cpl = 0;
	else if (cpu->mode == EMUL_MODE_VM86)
		cpu->cpl = 3;
	else
		cpu->cpl = minikvm_x86_call(get_cpl)(c->vcpu) & 3;
	cpu->code_bytes = code_bytes(cpu->mode, &cpu->sregs);
}

static u64 rip_after(const struct emul_ctxt *c, u64 rip, unsigned int len)
{
	return c->cpu.mode == EMUL_MODE_PROT64 ? rip + len : (u32)(rip + len);
}

/* ------------------------------------------------------------------ */
/* Failure and exceptions                                              */

static void get_exit_info(struct minikvm_vcpu *vcpu, u64 info[5])
{
	u32 reason = 0, intr_info = 0, error_code = 0;

	if (minikvm_x86_ops.get_exit_info)
		minikvm_x86_call(get_exit_info)(vcpu, &reason, &info[1], &info[2],
						&intr_info, &error_code);
	info[0] = reason;
	info[3] = intr_info;
	info[4] = error_code;
}

/*
 * KVM's report of a failed emulation: data[0] the flags, then the
 * instruction bytes (when fetched) in place of data[1..2], then the exit
 * reason, its two info words, the interruption info and its error code.
 */
static void fill_failure_exit(struct minikvm_vcpu *vcpu, const u8 *bytes,
			      unsigned int len)
{
	struct kvm_run *run = vcpu->run;
	unsigned int start = 1;
	u64 info[5] = {};

	get_exit_info(vcpu, info);
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags = 0;
	if (len) {
		run->emulation_failure.flags |=
			KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
		run->emulation_failure.insn_size = len;
		memset(run->emulation_failure.insn_bytes, 0x90,
		       sizeof(run->emulation_failure.insn_bytes));
		memcpy(run->emulation_failure.insn_bytes, bytes, len);
		start = 3;
	}
	memcpy(&run->internal.data[start], info, sizeof(info));
	run->emulation_failure.ndata = start + ARRAY_SIZE(info);
}

/**
 * minikvm_vm_enable_exit_on_emulation_failure - KVM_ENABLE_CAP of
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE.
 * @vm: the VM.
 * @cap: args[0] is 0 or 1; flags and the other args are ignored, as KVM.
 *
 * Return: 0, or -EINVAL for another value of args[0].
 */
int minikvm_vm_enable_exit_on_emulation_failure(struct minikvm_vm *vm,
						const struct kvm_enable_cap *cap)
{
	if (cap->args[0] & ~1ULL)
		return -EINVAL;
	WRITE_ONCE(vm->exit_on_emulation_failure, cap->args[0]);
	return 0;
}

/*
 * An instruction that cannot be emulated.  A page-table write of the
 * shadow MMU hands it back (-EOPNOTSUPP): the guest can run it itself
 * once the table is unprotected.  Else, with
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE always an exit, with nothing injected;
 * else #UD, and at CPL 0 an exit as well (KVM's rules).
 */
static int emulation_failure(struct minikvm_vcpu *vcpu,
			     struct minikvm_emulator *em)
{
	int r = MINIKVM_EXIT_RESUME;

	if (em->flags & EMUL_F_HAND_BACK) {
		emulator_reset(em);
		return -EOPNOTSUPP;
	}
	vcpu->stat.insn_emulation_fail++;
	if (READ_ONCE(vcpu->vm->exit_on_emulation_failure)) {
		fill_failure_exit(vcpu, em->fetched, em->nr_fetched);
		emulator_reset(em);
		return MINIKVM_EXIT_USERSPACE;
	}
	minikvm_queue_exception(vcpu, X86_TRAP_UD);
	if (!em->ctxt.cpu.cpl) {
		fill_failure_exit(vcpu, em->fetched, em->nr_fetched);
		r = MINIKVM_EXIT_USERSPACE;
	}
	emulator_reset(em);
	return r;
}

static int inject_exception(struct minikvm_vcpu *vcpu,
			    struct minikvm_emulator *em)
{
	const struct emul_exception *e = &em->ctxt.exc;

	emulator_reset(em);
	if (e->vector == X86_TRAP_PF)
		minikvm_queue_page_fault(vcpu, e->error_code, e->cr2);
	else if (e->has_error_code)
		minikvm_queue_exception_e(vcpu, e->vector, e->error_code);
	else
		minikvm_queue_exception(vcpu, e->vector);
	return MINIKVM_EXIT_RESUME;
}

/* ------------------------------------------------------------------ */
/* Fetch and decode                                                    */

static int fetch_more(struct emul_ctxt *c)
{
	struct minikvm_emulator *em = c->em;
	unsigned int n = em->nr_fetched, got;
	int r;

	r = emul_fetch(c, rip_after(c, c->vcpu->rip, n), em->fetched + n,
		       MINIKVM_INSN_MAX - n, &got);
	if (r)
		return r;
	em->nr_fetched += got;
	return EMUL_OK;
}

/* The decode-assist bytes of the exit, if the backend has them. */
static void take_insn_bytes(struct minikvm_vcpu *vcpu,
			    struct minikvm_emulator *em)
{
	unsigned int n = 0;

	if (minikvm_x86_ops.get_insn_bytes)
		n = minikvm_x86_call(get_insn_bytes)(vcpu, em->fetched);
	em->nr_fetched = min_t(unsigned int, n, MINIKVM_INSN_MAX);
}

/*
 * Decode the instruction at CS:RIP into em->insn, fetching (as KVM does)
 * as much as the page and the segment allow up to 15 bytes, and more if
 * the decoder needs it.  Return: EMUL_OK, EMUL_EXCEPTION (#GP for more
 * than 15 bytes, a fault of the fetch), EMUL_RETRY, or EMUL_UNHANDLEABLE
 * for undecodable bytes or code outside guest RAM.
 */
static int fetch_and_decode(struct emul_ctxt *c)
{
	struct minikvm_emulator *em = c->em;
	int r;

	for (;;) {
		r = minikvm_decode_insn(em->fetched, em->nr_fetched,
					c->cpu.code_bytes, &em->insn);
		if (r != -ENODATA)
			break;
		r = fetch_more(c);
		if (r)
			return r;
	}
	if (r == -E2BIG) {
		emul_raise(c, X86_TRAP_GP, true, 0);
		return EMUL_EXCEPTION;
	}
	return r ? EMUL_UNHANDLEABLE : EMUL_OK;
}

/* ------------------------------------------------------------------ */
/* Passes                                                              */

static void begin_pass(struct minikvm_vcpu *vcpu, struct minikvm_emulator *em)
{
	struct emul_ctxt *c = &em->ctxt;

	c->insn = em->insn;
	memcpy(c->regs, vcpu->regs, sizeof(c->regs));
	c->rflags = vcpu->rflags;
	c->next_rip = rip_after(c, vcpu->rip, c->insn.len);
	c->done = false;
	c->reads_used = 0;
	c->has_write = false;
	c->dst_old = 0;
	c->write_locked = false;
	c->pio_taken = false;
	c->pio_out = false;
	memset(&c->dst, 0, sizeof(c->dst));
	memset(&c->src, 0, sizeof(c->src));
}

/*
 * The pass succeeded: the registers become the vCPU's.  A finished
 * instruction ends any interrupt shadow, and a guest single-stepping with
 * the TF it had before the instruction gets its #DB, as from the CPU.
 */
static void commit(struct emul_ctxt *c)
{
	struct minikvm_vcpu *vcpu = c->vcpu;
	bool single_step = vcpu->rflags & X86_EFLAGS_TF;

	memcpy(vcpu->regs, c->regs, sizeof(vcpu->regs));
	vcpu->rflags = c->rflags;
	if (c->done) {
		vcpu->rip = c->next_rip;
		vcpu->rflags &= ~X86_EFLAGS_RF;
		minikvm_x86_call(set_interrupt_shadow)(vcpu, 0);
		if (single_step)
			minikvm_queue_exception_p(vcpu, X86_TRAP_DB, DR_STEP);
	}
}

static bool is_ins(const struct minikvm_insn *insn)
{
	return insn->op.exec == EMU_INS;
}

/*
 * After a committed pass: OUTS sends its element out (and the guest runs
 * the instruction again for the next one), INS without port data left
 * lets the guest run it again for the next batch.  Return: as run_pass().
 */
static int finish_pass(struct minikvm_emulator *em, struct emul_ctxt *c)
{
	int r;

	if (c->pio_out) {
		r = emul_pio_out(c);
		emulator_reset(em);
		return r;
	}
	if (c->done)
		return MINIKVM_EXIT_RESUME;
	if (is_ins(&c->insn) && em->pio_pos >= em->pio_end) {
		emulator_reset(em);
		return MINIKVM_EXIT_RESUME;
	}
	return PASS_NEXT_ITERATION;
}

/*
 * One pass.  Return: PASS_NEXT_ITERATION when a REP instruction has more
 * to do, else what the exit handler returns.
 */
static int run_pass(struct minikvm_vcpu *vcpu, struct minikvm_emulator *em)
{
	struct emul_ctxt *c = &em->ctxt;
	int r;

	begin_pass(vcpu, em);
	r = emul_execute(c);
	/* The one write that cannot wait for the commit: it may fail. */
	if (r == EMUL_OK && c->write_locked)
		r = emul_locked_write(c);
	switch (r) {
	case EMUL_OK:
		break;
	case EMUL_IO_NEEDED:
	case EMUL_PIO_NEEDED:
		return MINIKVM_EXIT_USERSPACE;
	case EMUL_EXCEPTION:
		return inject_exception(vcpu, em);
	case EMUL_RETRY:
		emulator_reset(em);
		return MINIKVM_EXIT_RESUME;
	default:
		return emulation_failure(vcpu, em);
	}
	commit(c);
	em->nr_reads = 0;
	if (c->pio_taken)
		em->pio_pos += c->dst.bytes;
	if (c->has_write && !c->write_locked) {
		r = emul_mmio_write(c, &c->write);
		if (r != MINIKVM_EXIT_RESUME)
			return r;
	}
	return finish_pass(em, c);
}

static int run_passes(struct minikvm_vcpu *vcpu, struct minikvm_emulator *em)
{
	int i, r;

	for (i = 0; i < EMUL_MAX_ITERATIONS; i++) {
		r = run_pass(vcpu, em);
		if (r != PASS_NEXT_ITERATION)
			return r;
	}
	/* The guest runs the rest of the REP instruction (and faults again). */
	emulator_reset(em);
	return MINIKVM_EXIT_RESUME;
}

static struct emul_ctxt *begin_emulation(struct minikvm_vcpu *vcpu)
{
	struct minikvm_emulator *em = vcpu->emul;
	struct emul_ctxt *c = &em->ctxt;

	emulator_reset(em);
	c->vcpu = vcpu;
	c->em = em;
	snapshot_cpu(c);
	return c;
}

/* 5-level paging is not walked (no guest CPUID can offer it yet). */
static bool is_supported_paging(const struct emul_ctxt *c)
{
	return !(c->cpu.sregs.cr4 & X86_CR4_LA57);
}

/* Was the exit taken while the CPU delivered an event (IDT, stack)? */
static bool in_event_delivery(struct minikvm_vcpu *vcpu)
{
	u64 info[5] = {};

	get_exit_info(vcpu, info);
	return info[3] & EXIT_INTR_INFO_VALID;
}

static int complete_mmio(struct minikvm_vcpu *vcpu);
static int complete_string_in(struct minikvm_vcpu *vcpu);

/*
 * An exit that leaves an access out in userspace (KVM_EXIT_MMIO, or the
 * KVM_EXIT_IO of INS) is completed by the next KVM_RUN, before the guest
 * runs: complete_mmio(), complete_string_in().  What fails after that
 * cannot be handed back to the shadow MMU any more: it fails as any
 * emulation does.
 */
static int arm_completion(struct minikvm_vcpu *vcpu, int r)
{
	struct minikvm_emulator *em = vcpu->emul;

	if (r != MINIKVM_EXIT_USERSPACE || em->io_state == EMUL_IO_NONE)
		return r;
	em->flags &= ~EMUL_F_HAND_BACK;
	if (em->io_state == EMUL_IO_PIO_IN) {
		vcpu->complete_userspace_exit = complete_string_in;
	} else {
		vcpu->stat.mmio_exits++;
		vcpu->complete_userspace_exit = complete_mmio;
	}
	return r;
}

/*
 * INS/OUTS only from their I/O intercept (the CPU made the permission
 * checks); INVLPG/INVPCID only from theirs, and nothing else from those.
 * A REP string instruction that writes a page table (clearing or copying
 * it) is left to the guest, once the table is unprotected: emulated, it
 * would drop sptes at every element.
 */
static bool is_emulated_for(const struct minikvm_insn *insn, unsigned int flags)
{
	if (!insn_is_emulated(insn))
		return false;
	if ((insn->op.flags & OPF_PORT) && !(flags & EMUL_F_STRING_IO))
		return false;
	if (!(insn->op.flags & OPF_TLB) != !(flags & EMUL_F_TLB))
		return false;
	return !((flags & EMUL_F_PT_WRITE) && (insn->op.flags & OPF_STRING) &&
		 insn->rep);
}

/*
 * Fetch, decode and run the instruction at CS:RIP.  Return: what an exit
 * handler returns, with no completion armed yet.
 */
static int emulate_at_rip(struct minikvm_vcpu *vcpu, gpa_t gpa,
			  u64 error_code, unsigned int flags)
{
	struct minikvm_emulator *em = vcpu->emul;
	struct emul_ctxt *c;
	int r;

	c = begin_emulation(vcpu);
	em->flags = flags;
	if ((error_code & MINIKVM_PFERR_GUEST_PAGE) ||
	    in_event_delivery(vcpu) || !is_supported_paging(c))
		return emulation_failure(vcpu, em);
	if (!(error_code & MINIKVM_PFERR_NO_GPA)) {
		em->fault_gpa = gpa;
		em->has_fault_gpa = true;
	}
	take_insn_bytes(vcpu, em);
	r = fetch_and_decode(c);
	if (!r && !is_emulated_for(&em->insn, flags))
		r = EMUL_UNHANDLEABLE;
	if (r == EMUL_EXCEPTION)
		return inject_exception(vcpu, em);
	if (r == EMUL_RETRY) {
		emulator_reset(em);
		return MINIKVM_EXIT_RESUME;
	}
	if (r)
		return emulation_failure(vcpu, em);
	vcpu->stat.insn_emulation++;
	return run_passes(vcpu, em);
}

/**
 * minikvm_emulate_mmio_fault - emulate the instruction at RIP that faulted
 * on @gpa.
 * @vcpu: the vCPU, in KVM_RUN (may sleep), on its own thread.
 * @gpa: the guest physical address the CPU translated the faulting access
 *	to (no memslot, or a read-only one written to, or - for the shadow
 *	MMU - a write-protected guest page table); ignored with
 *	MINIKVM_PFERR_NO_GPA.
 * @error_code: PFERR_* bits of the fault; MINIKVM_PFERR_GUEST_PAGE when
 *	the CPU's own page walk faulted.
 *
 * The instruction's memory accesses go to guest RAM through the memslots,
 * to an in-kernel MMIO device (mmio_bus.h), or out to userspace as
 * KVM_EXIT_MMIO, completed by the next KVM_RUN.  Accesses of the CPU
 * itself to guest page tables or during event delivery (IDT, GDT, stacks)
 * are not an instruction's: they cannot be emulated.  A fault the guest's
 * own rules raise (#PF, #GP, #SS, #UD) is queued for injection.
 *
 * Return: MINIKVM_EXIT_RESUME, MINIKVM_EXIT_USERSPACE (KVM_EXIT_MMIO or
 * KVM_EXIT_INTERNAL_ERROR), or -errno.
 */
int minikvm_emulate_mmio_fault(struct minikvm_vcpu *vcpu, gpa_t gpa,
			       u64 error_code)
{
	struct minikvm_emulator *em = vcpu->emul;

	lockdep_assert_held(&vcpu->mutex);

	if (MINIKVM_BUG_ON(!em || em->io_state != EMUL_IO_NONE, vcpu->vm))
		return -EIO;
	return arm_completion(vcpu, emulate_at_rip(vcpu, gpa, error_code, 0));
}

/**
 * minikvm_emulate_string_io - emulate the INS or OUTS whose I/O intercept
 * exited.
 * @vcpu: the vCPU, in KVM_RUN, on its own thread.
 *
 * The instruction at RIP is decoded and run, as KVM does (the exit's
 * EXITINFO1 is not needed: the instruction says it all).  Its exits to
 * userspace are KVM's (see pio.c): KVM_EXIT_IO with count 1 per OUTS
 * element, count up to a page's worth of elements for INS, which the
 * next KVM_RUN completes.
 *
 * Return: as minikvm_emulate_mmio_fault().
 */
int minikvm_emulate_string_io(struct minikvm_vcpu *vcpu)
{
	struct minikvm_emulator *em = vcpu->emul;

	lockdep_assert_held(&vcpu->mutex);

	if (MINIKVM_BUG_ON(!em || em->io_state != EMUL_IO_NONE, vcpu->vm))
		return -EIO;
	return arm_completion(vcpu, emulate_at_rip(vcpu, 0, MINIKVM_PFERR_NO_GPA,
						   EMUL_F_STRING_IO));
}

/**
 * minikvm_emulate_pt_write - emulate the instruction at RIP that wrote a
 * write-protected guest page table (the shadow MMU's fault path).
 * @vcpu: the vCPU, in KVM_RUN (may sleep), outside the fault's SRCU
 *	section.
 *
 * Every access is translated through the guest's page tables; the write
 * to the table drops the sptes made from the entries it changes
 * (minikvm_mmu_emulated_ram_write()).  A locked write is done as one
 * compare-and-exchange.
 *
 * Return: as minikvm_emulate_mmio_fault(); -EOPNOTSUPP when the
 * instruction cannot be emulated (not decoded, not emulated, a REP string
 * instruction, a locked write that is not one 4- or 8-byte exchange, an
 * exit taken during event delivery): nothing changed and nothing is
 * injected, the caller unprotects the table and lets the guest retry.
 */
int minikvm_emulate_pt_write(struct minikvm_vcpu *vcpu)
{
	struct minikvm_emulator *em = vcpu->emul;

	lockdep_assert_held(&vcpu->mutex);

	if (MINIKVM_BUG_ON(!em || em->io_state != EMUL_IO_NONE, vcpu->vm))
		return -EIO;
	return arm_completion(vcpu, emulate_at_rip(vcpu, 0, MINIKVM_PFERR_NO_GPA,
						   EMUL_F_PT_WRITE));
}

/*
 * KVM_RUN after a KVM_EXIT_MMIO: a read's data is taken from kvm_run; once
 * the whole access is there the instruction runs on.  Multi-chunk accesses
 * exit again for the next chunk.  Return: as minikvm_emulate_mmio_fault().
 */
/**
 * minikvm_emulate_tlb_insn - emulate the INVLPG or INVPCID at RIP whose
 * intercept exited (the shadow MMU's).
 * @vcpu: the vCPU, in KVM_RUN (may sleep), on its own thread.
 *
 * The instruction is fetched through the guest's tables and decoded by
 * the emulator's tables (0f 01 /7, 66 0f 38 82); its checks raise the
 * guest's #GP/#UD/#PF, and then it calls the MMU: minikvm_mmu_invlpg()
 * with the linear address, minikvm_mmu_invpcid().  RIP, the interrupt
 * shadow and a single-step trap are as for any emulated instruction.
 *
 * Return: as minikvm_emulate_mmio_fault() (an INVPCID descriptor in MMIO
 * goes out as KVM_EXIT_MMIO); -EOPNOTSUPP when the bytes at RIP are not
 * one of them or cannot be fetched or decoded: nothing changed and
 * nothing is injected, the caller decides.
 */
int minikvm_emulate_tlb_insn(struct minikvm_vcpu *vcpu)
{
	struct minikvm_emulator *em = vcpu->emul;

	lockdep_assert_held(&vcpu->mutex);

	if (MINIKVM_BUG_ON(!em || em->io_state != EMUL_IO_NONE, vcpu->vm))
		return -EIO;
	return arm_completion(vcpu, emulate_at_rip(vcpu, 0, MINIKVM_PFERR_NO_GPA,
						   EMUL_F_TLB));
}

static int complete_mmio(struct minikvm_vcpu *vcpu)
{
	struct minikvm_emulator *em = vcpu->emul;
	bool read = em->io_state == EMUL_IO_READ;
	int r;

	lockdep_assert_held(&vcpu->mutex);

	/* A RESET/INIT (minikvm_emulator_reset()) dropped the instruction. */
	if (em->io_state == EMUL_IO_NONE)
		return MINIKVM_EXIT_RESUME;
	if (emul_mmio_advance(vcpu, em))
		return arm_completion(vcpu, MINIKVM_EXIT_USERSPACE);
	if (!read)
		return MINIKVM_EXIT_RESUME;
	emul_cache_read(em, &em->io);
	em->ctxt.vcpu = vcpu;
	snapshot_cpu(&em->ctxt);
	r = run_passes(vcpu, em);
	return arm_completion(vcpu, r);
}

/*
 * KVM_RUN after the KVM_EXIT_IO of INS: the port data userspace supplied
 * is taken, and stored by the passes.  Return: as
 * minikvm_emulate_mmio_fault().
 */
static int complete_string_in(struct minikvm_vcpu *vcpu)
{
	struct minikvm_emulator *em = vcpu->emul;

	lockdep_assert_held(&vcpu->mutex);

	/* A RESET/INIT (minikvm_emulator_reset()) dropped the instruction. */
	if (em->io_state != EMUL_IO_PIO_IN)
		return MINIKVM_EXIT_RESUME;
	em->io_state = EMUL_IO_NONE;
	em->ctxt.vcpu = vcpu;
	snapshot_cpu(&em->ctxt);
	emul_pio_in_refill(&em->ctxt);
	return arm_completion(vcpu, run_passes(vcpu, em));
}

/**
 * minikvm_emulate_skip_instruction - step RIP over the instruction at it.
 * @vcpu: the vCPU, in KVM_RUN, after an intercept of that instruction.
 * @min_len: the length of the instruction's shortest encoding: a shorter
 *	decode means the bytes at RIP are not that instruction any more.
 *
 * For CPUs without NRIPS.  A failure to fetch or decode is reported as KVM
 * reports it: KVM_EXIT_INTERNAL_ERROR with the bytes, nothing injected.
 *
 * Return: MINIKVM_EXIT_RESUME, MINIKVM_EXIT_USERSPACE, or -EIO for a
 * broken invariant.
 */
int minikvm_emulate_skip_instruction(struct minikvm_vcpu *vcpu,
				     unsigned int min_len)
{
	struct minikvm_emulator *em = vcpu->emul;
	struct emul_ctxt *c;
	int r;

	if (MINIKVM_BUG_ON(!em || em->io_state != EMUL_IO_NONE, vcpu->vm))
		return -EIO;
	c = begin_emulation(vcpu);
	r = is_supported_paging(c) ? fetch_and_decode(c) : EMUL_UNHANDLEABLE;
	if (r || em->insn.len < min_len) {
		fill_failure_exit(vcpu, em->fetched, em->nr_fetched);
		emulator_reset(em);
		return MINIKVM_EXIT_USERSPACE;
	}
	vcpu->rip = rip_after(c, vcpu->rip, em->insn.len);
	vcpu->rflags &= ~X86_EFLAGS_RF;
	emulator_reset(em);
	return MINIKVM_EXIT_RESUME;
}

/* Does every piece of @a go to guest RAM (none to MMIO)? */
static bool is_ram_access(const struct emul_access *a)
{
	unsigned int i;

	for (i = 0; i < a->nr_pieces; i++)
		if (!a->pieces[i].hva)
			return false;
	return true;
}

/**
 * minikvm_emulate_patch_insn - overwrite the instruction at CS:RIP.
 * @vcpu: the vCPU, in KVM_RUN, after an intercept at that instruction.
 * @old: the bytes expected at CS:RIP.
 * @new: what replaces them, as many bytes.
 * @len: 1 to EMUL_MAX_ACCESS.
 *
 * For KVM_X86_QUIRK_FIX_HYPERCALL_INSN.  The bytes are fetched and written
 * through the guest's segmentation and paging, as the CPU's own accesses
 * would be (a shadow MMU hears of the write); only in 64-bit mode, where
 * CS has no base and no type check, and only to guest RAM.  RIP does not
 * move: the guest runs @new next.  Nothing is injected on failure.
 *
 * Return: 0 if patched; -ENOENT if the bytes at CS:RIP are not @old or
 * cannot be fetched or written as described; -EIO for a broken invariant.
 */
int minikvm_emulate_patch_insn(struct minikvm_vcpu *vcpu, const u8 *old,
			       const u8 *new, unsigned int len)
{
	struct minikvm_emulator *em = vcpu->emul;
	bool patched = false;
	struct emul_ctxt *c;
	int r;

	lockdep_assert_held(&vcpu->mutex);

	if (MINIKVM_BUG_ON(!em || em->io_state != EMUL_IO_NONE ||
			   !len || len > EMUL_MAX_ACCESS, vcpu->vm))
		return -EIO;
	c = begin_emulation(vcpu);
	r = is_supported_paging(c) && c->cpu.mode == EMUL_MODE_PROT64 ?
	    EMUL_OK : EMUL_UNHANDLEABLE;
	while (!r && em->nr_fetched < len)
		r = fetch_more(c);
	if (r || memcmp(em->fetched, old, len))
		goto out;
	c->has_write = false;
	r = emul_queue_write(c, MINIKVM_SEG_CS, vcpu->rip, new, len);
	/* All pieces in RAM: the write is done here, never exits. */
	if (!r && is_ram_access(&c->write))
		patched = emul_mmio_write(c, &c->write) == MINIKVM_EXIT_RESUME;
out:
	emulator_reset(em);
	return patched ? 0 : -ENOENT;
}
