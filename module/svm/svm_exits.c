// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit handlers, dispatched through one table indexed by exit code.
 *
 * Each handler returns MINIKVM_EXIT_RESUME to re-enter the guest,
 * MINIKVM_EXIT_USERSPACE with vcpu->run filled in, or -errno for KVM_RUN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>
#include <asm/msr.h>
#include <asm/traps.h>

#include "../x86.h"
#include "../emulate/emulate.h"
#include "svm.h"

/*
 * Step over the intercepted instruction: to the next RIP NRIPS gives, or,
 * when the CPU cannot say (QEMU's TCG has no NRIPS), past the instruction
 * as the emulator decodes it at RIP.  @len is the length of its shortest
 * encoding, which the decoded length must reach.
 *
 * Return: MINIKVM_EXIT_RESUME, or MINIKVM_EXIT_USERSPACE with
 * KVM_EXIT_INTERNAL_ERROR when the bytes at RIP cannot be decoded.
 */
static int skip_instruction(struct vcpu_svm *svm, unsigned int len)
{
	u64 next_rip = svm->vmcb->control.next_rip;

	if (boot_cpu_has(X86_FEATURE_NRIPS) && next_rip) {
		svm->vcpu.rip = next_rip;
		return MINIKVM_EXIT_RESUME;
	}
	return minikvm_emulate_skip_instruction(&svm->vcpu, len);
}

static int inject_ud(struct vcpu_svm *svm)
{
	minikvm_queue_exception(&svm->vcpu, UD_VECTOR, false, 0);
	return MINIKVM_EXIT_RESUME;
}

static int inject_gp(struct vcpu_svm *svm)
{
	minikvm_queue_exception(&svm->vcpu, GP_VECTOR, true, 0);
	return MINIKVM_EXIT_RESUME;
}

/* The host interrupt or NMI was taken when IRQs came back on. */
static int handle_host_event(struct vcpu_svm *svm)
{
	return MINIKVM_EXIT_RESUME;
}

/* A machine check while the guest ran belongs to the host's handler. */
static int handle_machine_check(struct vcpu_svm *svm)
{
	asm volatile("int $0x12");
	return MINIKVM_EXIT_RESUME;
}

static int handle_io(struct vcpu_svm *svm)
{
	u32 info = svm->vmcb->control.exit_info_1;
	bool in = info & SVM_IOIO_TYPE_MASK;
	u8 size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	u16 port = info >> 16;

	if (info & SVM_IOIO_STR_MASK)
		return minikvm_exit_internal_error(&svm->vcpu,
						   KVM_INTERNAL_ERROR_EMULATION,
						   svm->exit_code, info);

	/* EXITINFO2 holds the next RIP for IOIO exits, NRIPS or not. */
	svm->vcpu.rip = svm->vmcb->control.exit_info_2;
	return minikvm_exit_pio(&svm->vcpu, in, port, size);
}

/* Without an in-kernel local APIC, HLT is userspace's business (as KVM). */
static int handle_hlt(struct vcpu_svm *svm)
{
	int r = skip_instruction(svm, 1);

	if (r != MINIKVM_EXIT_RESUME)
		return r;
	svm->vcpu.run->exit_reason = KVM_EXIT_HLT;
	return MINIKVM_EXIT_USERSPACE;
}

/* No CPUID table can be set yet: like KVM with an empty one, all zeros. */
static int handle_cpuid(struct vcpu_svm *svm)
{
	u64 *regs = svm->vcpu.regs;

	regs[MINIKVM_REG_RAX] = 0;
	regs[MINIKVM_REG_RBX] = 0;
	regs[MINIKVM_REG_RCX] = 0;
	regs[MINIKVM_REG_RDX] = 0;
	return skip_instruction(svm, 2);
}

/* VMMCALL with the KVM hypercall ABI: no hypercall is implemented yet. */
static int handle_vmmcall(struct vcpu_svm *svm)
{
	svm->vcpu.regs[MINIKVM_REG_RAX] = (u64)-KVM_ENOSYS;
	return skip_instruction(svm, 3);
}

static int handle_nop2(struct vcpu_svm *svm)
{
	return skip_instruction(svm, 2);
}

static int handle_shutdown(struct vcpu_svm *svm)
{
	/* The VMCB is undefined after SHUTDOWN: start from RESET state. */
	svm_vcpu_reset(&svm->vcpu);
	svm->vcpu.run->exit_reason = KVM_EXIT_SHUTDOWN;
	return MINIKVM_EXIT_USERSPACE;
}

static int handle_npf(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	return minikvm_mmu_page_fault(&svm->vcpu, c->exit_info_2, c->exit_info_1);
}

static u64 *msr_field(struct vcpu_svm *svm, u32 msr)
{
	struct vmcb_save_area *s = &svm->vmcb->save;

	switch (msr) {
	case MSR_STAR:			return &s->star;
	case MSR_LSTAR:			return &s->lstar;
	case MSR_CSTAR:			return &s->cstar;
	case MSR_SYSCALL_MASK:		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:	return &s->kernel_gs_base;
	case MSR_FS_BASE:		return &s->fs.base;
	case MSR_GS_BASE:		return &s->gs.base;
	case MSR_IA32_SYSENTER_CS:	return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &s->sysenter_eip;
	case MSR_IA32_CR_PAT:		return &s->g_pat;
	default:			return NULL;
	}
}

/* Return: 0, or 1 when the access must raise #GP. */
static int read_msr(struct vcpu_svm *svm, u32 msr, u64 *data)
{
	u64 *field = msr_field(svm, msr);

	if (field) {
		*data = *field;
		return 0;
	}
	switch (msr) {
	case MSR_EFER:
		*data = svm->efer;
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + svm->vmcb->control.tsc_offset;
		return 0;
	default:
		return 1;
	}
}

static bool is_valid_pat(u64 pat)
{
	int i;

	/* Each byte: 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB), 7 (UC-). */
	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

static int write_efer(struct vcpu_svm *svm, u64 efer)
{
	u64 valid = EFER_SCE | EFER_LME | EFER_LMA |
		    (boot_cpu_has(X86_FEATURE_NX) ? EFER_NX : 0);
	bool paging = svm->vmcb->save.cr0 & X86_CR0_PG;

	if (efer & ~valid)
		return 1;
	/* LME cannot change while paging is on; LMA is the CPU's. */
	if (paging && ((efer ^ svm->efer) & EFER_LME))
		return 1;
	svm_set_efer(svm, (efer & ~EFER_LMA) | (svm->efer & EFER_LMA));
	return 0;
}

static int write_msr(struct vcpu_svm *svm, u32 msr, u64 data)
{
	u64 *field = msr_field(svm, msr);

	switch (msr) {
	case MSR_EFER:
		return write_efer(svm, data);
	case MSR_IA32_CR_PAT:
		if (!is_valid_pat(data))
			return 1;
		break;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		if (!__is_canonical_address(data, 48))
			return 1;
		break;
	}
	if (!field)
		return 1;
	*field = data;
	return 0;
}

/*
 * RDMSR/WRMSR: the MSRs a 64-bit guest needs for system calls and its
 * segment bases; anything else raises #GP, as KVM does for unknown MSRs.
 */
static int handle_msr(struct vcpu_svm *svm)
{
	u64 *regs = svm->vcpu.regs;
	u32 msr = regs[MINIKVM_REG_RCX];
	u64 data;

	if (svm->vmcb->control.exit_info_1 == 0) {
		if (read_msr(svm, msr, &data))
			return inject_gp(svm);
		regs[MINIKVM_REG_RAX] = (u32)data;
		regs[MINIKVM_REG_RDX] = data >> 32;
	} else {
		data = (u32)regs[MINIKVM_REG_RAX] | regs[MINIKVM_REG_RDX] << 32;
		if (write_msr(svm, msr, data))
			return inject_gp(svm);
	}
	return skip_instruction(svm, 2);
}

typedef int (*svm_exit_handler_t)(struct vcpu_svm *svm);

static const svm_exit_handler_t svm_exit_handlers[] = {
	[SVM_EXIT_EXCP_BASE + MC_VECTOR]	= handle_machine_check,
	[SVM_EXIT_INTR]				= handle_host_event,
	[SVM_EXIT_NMI]				= handle_host_event,
	[SVM_EXIT_SMI]				= handle_host_event,
	[SVM_EXIT_CPUID]			= handle_cpuid,
	[SVM_EXIT_INVD]				= handle_nop2,
	[SVM_EXIT_HLT]				= handle_hlt,
	[SVM_EXIT_INVLPGA]			= inject_ud,
	[SVM_EXIT_IOIO]				= handle_io,
	[SVM_EXIT_MSR]				= handle_msr,
	[SVM_EXIT_SHUTDOWN]			= handle_shutdown,
	[SVM_EXIT_VMRUN]			= inject_ud,
	[SVM_EXIT_VMMCALL]			= handle_vmmcall,
	[SVM_EXIT_VMLOAD]			= inject_ud,
	[SVM_EXIT_VMSAVE]			= inject_ud,
	[SVM_EXIT_STGI]				= inject_ud,
	[SVM_EXIT_CLGI]				= inject_ud,
	[SVM_EXIT_SKINIT]			= inject_ud,
	[SVM_EXIT_WBINVD]			= handle_nop2,
	[SVM_EXIT_MONITOR]			= inject_ud,
	[SVM_EXIT_MWAIT]			= inject_ud,
	[SVM_EXIT_XSETBV]			= inject_ud,
	[SVM_EXIT_RDPRU]			= inject_ud,
	[SVM_EXIT_NPF]				= handle_npf,
};

/*
 * An event the exit interrupted was not delivered: deliver it again on the
 * next entry.  Software interrupts and INT3/INTO are re-executed instead
 * (RIP still points at the instruction).
 */
static void requeue_interrupted_event(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u32 info = c->exit_int_info;
	u32 type = info & SVM_EXITINTINFO_TYPE_MASK;
	u8 vector = info & SVM_EXITINTINFO_VEC_MASK;

	if (!(info & SVM_EXITINTINFO_VALID))
		return;
	if (type == SVM_EXITINTINFO_TYPE_SOFT)
		return;
	if (type == SVM_EXITINTINFO_TYPE_EXEPT &&
	    (vector == BP_VECTOR || vector == OF_VECTOR))
		return;
	c->event_inj = info;
	c->event_inj_err = c->exit_int_info_err;
}

static int handle_entry_failure(struct vcpu_svm *svm)
{
	struct kvm_run *run = svm->vcpu.run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = svm->exit_code;
	run->fail_entry.cpu = svm->vcpu.cpu;
	return MINIKVM_EXIT_USERSPACE;
}

int svm_handle_exit(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	u32 code = svm->exit_code;

	if (code == (u32)SVM_EXIT_ERR)
		return handle_entry_failure(svm);

	requeue_interrupted_event(svm);

	if (code >= ARRAY_SIZE(svm_exit_handlers) || !svm_exit_handlers[code])
		return minikvm_exit_internal_error(vcpu,
					KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					code, svm->vmcb->control.exit_info_1);
	return svm_exit_handlers[code](svm);
}
