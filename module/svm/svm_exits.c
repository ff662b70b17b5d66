// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit handlers, dispatched through one table indexed by exit code.
 *
 * Each handler returns MINIKVM_EXIT_RESUME to re-enter the guest,
 * MINIKVM_EXIT_USERSPACE with vcpu->run filled in, or -errno for KVM_RUN.
 * Most forward to the vendor-neutral emulation in the core.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>
#include <linux/sched.h>
#include <asm/msr.h>
#include <asm/traps.h>

#include "../x86.h"
#include "../emulate/emulate.h"
#include "svm.h"

/*
 * The length of the shortest encoding of each intercepted instruction.
 * When the CPU cannot say where the instruction ends (no NRIPS, e.g. QEMU's
 * TCG), the instruction emulator decodes it at RIP, prefixes and all; a
 * decoded length below this means the bytes are not that instruction.
 */
static const u8 svm_insn_len[] = {
	[SVM_EXIT_CPUID]	= 2,	/* 0f a2 */
	[SVM_EXIT_INVD]		= 2,	/* 0f 08 */
	[SVM_EXIT_HLT]		= 1,	/* f4 */
	[SVM_EXIT_MSR]		= 2,	/* 0f 32, 0f 30 */
	[SVM_EXIT_VMMCALL]	= 3,	/* 0f 01 d9 */
	[SVM_EXIT_RDTSCP]	= 3,	/* 0f 01 f9 */
	[SVM_EXIT_WBINVD]	= 2,	/* 0f 09 */
	[SVM_EXIT_MONITOR]	= 3,	/* 0f 01 c8 */
	[SVM_EXIT_MWAIT]	= 3,	/* 0f 01 c9 */
	[SVM_EXIT_XSETBV]	= 3,	/* 0f 01 d1 */
};

/**
 * svm_skip_emulated_instruction - step over the intercepted instruction.
 * @vcpu: the vCPU.
 *
 * Stepping over it ends any interrupt shadow it was in.  NRIPS gives the
 * next RIP; without it the emulator decodes the instruction.
 *
 * Return: MINIKVM_EXIT_RESUME; MINIKVM_EXIT_USERSPACE with
 * KVM_EXIT_INTERNAL_ERROR (KVM_INTERNAL_ERROR_EMULATION and the bytes)
 * when the bytes at RIP cannot be fetched or decoded; -EIO for an exit
 * without an instruction to skip (a minikvm bug).
 */
int svm_skip_emulated_instruction(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	u32 code = svm->exit_code;
	int r;

	if (svm->next_rip) {
		vcpu->rip = svm->next_rip;
	} else if (code < ARRAY_SIZE(svm_insn_len) && svm_insn_len[code]) {
		r = minikvm_emulate_skip_instruction(vcpu, svm_insn_len[code]);
		if (r != MINIKVM_EXIT_RESUME)
			return r;
	} else {
		MINIKVM_BUG_ON(1, vcpu->vm);
		return -EIO;
	}
	svm_set_interrupt_shadow(vcpu, 0);
	return MINIKVM_EXIT_RESUME;
}

static int inject_ud(struct vcpu_svm *svm)
{
	minikvm_inject_ud(&svm->vcpu);
	return MINIKVM_EXIT_RESUME;
}

/* The host interrupt was taken when IRQs came back on. */
static int handle_intr(struct vcpu_svm *svm)
{
	svm->vcpu.stat.irq_exits++;
	return MINIKVM_EXIT_RESUME;
}

static int handle_host_nmi(struct vcpu_svm *svm)
{
	svm->vcpu.stat.nmi_exits++;
	return MINIKVM_EXIT_RESUME;
}

static int handle_smi(struct vcpu_svm *svm)
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

	/* INS/OUTS: the emulator decodes them (and their REP, sizes). */
	if (info & SVM_IOIO_STR_MASK)
		return minikvm_emulate_string_io(&svm->vcpu);

	/* EXITINFO2 holds the next RIP for IOIO exits, NRIPS or not. */
	return minikvm_exit_pio(&svm->vcpu, in, port, size,
				svm->vmcb->control.exit_info_2);
}

static int handle_hlt(struct vcpu_svm *svm)
{
	return minikvm_emulate_halt(&svm->vcpu);
}

static int handle_cpuid(struct vcpu_svm *svm)
{
	svm->vcpu.stat.cpuid_exits++;
	return minikvm_emulate_cpuid(&svm->vcpu);
}

static int handle_vmmcall(struct vcpu_svm *svm)
{
	return minikvm_emulate_hypercall(&svm->vcpu);
}

/* #UD: VMCALL may be fixed up to VMMCALL, anything else gets its #UD. */
static int handle_ud(struct vcpu_svm *svm)
{
	return minikvm_handle_ud_intercept(&svm->vcpu, true);
}

static int handle_nop(struct vcpu_svm *svm)
{
	return minikvm_emulate_as_nop(&svm->vcpu);
}

static int handle_xsetbv(struct vcpu_svm *svm)
{
	return minikvm_emulate_xsetbv(&svm->vcpu);
}

static int handle_rdtscp(struct vcpu_svm *svm)
{
	return minikvm_emulate_rdtscp(&svm->vcpu);
}

static int handle_shutdown(struct vcpu_svm *svm)
{
	return minikvm_emulate_triple_fault(&svm->vcpu);
}

/* A spinning guest: give the CPU away for a moment. */
static int handle_pause(struct vcpu_svm *svm)
{
	cond_resched();
	return MINIKVM_EXIT_RESUME;
}

/*
 * The first access to a debug register: stop intercepting them until the
 * next exit and let the instruction run again, on the guest's DR0-7.
 */
static int handle_dr_access(struct vcpu_svm *svm)
{
	svm->vcpu.stat.dr_exits++;
	svm->vmcb->control.intercepts[INTERCEPT_DR] = 0;
	svm->dr_passthrough = true;
	return MINIKVM_EXIT_RESUME;
}

static int handle_npf(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	svm->vcpu.stat.pf_taken++;
	return minikvm_mmu_page_fault(&svm->vcpu, c->exit_info_2, c->exit_info_1);
}

/* Shadow paging: a guest #PF, for the shadow MMU to resolve or reflect. */
static int handle_pf(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	svm->vcpu.stat.pf_taken++;
	return minikvm_mmu_shadow_page_fault(&svm->vcpu, c->exit_info_2,
					     c->exit_info_1);
}

/* Shadow paging: INVLPG, for the shadow MMU to resync the address. */
static int handle_invlpg(struct vcpu_svm *svm)
{
	return minikvm_mmu_shadow_invlpg(&svm->vcpu, svm->next_rip);
}

/* Shadow paging: INVPCID, a full resync and flush. */
static int handle_invpcid(struct vcpu_svm *svm)
{
	return minikvm_mmu_shadow_invpcid(&svm->vcpu, svm->next_rip);
}

/* Shadow paging: CR0/CR3/CR4 reads and writes (exit code = CR number). */
static int handle_cr_access(struct vcpu_svm *svm)
{
	return minikvm_emulate_cr_access(&svm->vcpu, svm->exit_code & 0xf);
}

static int handle_msr(struct vcpu_svm *svm)
{
	if (svm->vmcb->control.exit_info_1)
		return minikvm_emulate_wrmsr(&svm->vcpu);
	return minikvm_emulate_rdmsr(&svm->vcpu);
}

static int handle_iret(struct vcpu_svm *svm)
{
	return svm_handle_iret(svm);
}

static int handle_vintr(struct vcpu_svm *svm)
{
	return svm_handle_vintr(svm);
}

static int handle_db(struct vcpu_svm *svm)
{
	return svm_handle_db(svm);
}

typedef int (*svm_exit_handler_t)(struct vcpu_svm *svm);

static const svm_exit_handler_t svm_exit_handlers[] = {
	[SVM_EXIT_READ_CR0]			= handle_cr_access,
	[SVM_EXIT_READ_CR3]			= handle_cr_access,
	[SVM_EXIT_READ_CR4]			= handle_cr_access,
	[SVM_EXIT_WRITE_CR0]			= handle_cr_access,
	[SVM_EXIT_WRITE_CR3]			= handle_cr_access,
	[SVM_EXIT_WRITE_CR4]			= handle_cr_access,
	[SVM_EXIT_EXCP_BASE + PF_VECTOR]	= handle_pf,
	[SVM_EXIT_INVLPG]			= handle_invlpg,
	[SVM_EXIT_INVPCID]			= handle_invpcid,
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7]	= handle_dr_access,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7]	= handle_dr_access,
	[SVM_EXIT_EXCP_BASE + DB_VECTOR]	= handle_db,
	[SVM_EXIT_EXCP_BASE + UD_VECTOR]	= handle_ud,
	[SVM_EXIT_EXCP_BASE + MC_VECTOR]	= handle_machine_check,
	[SVM_EXIT_INTR]				= handle_intr,
	[SVM_EXIT_NMI]				= handle_host_nmi,
	[SVM_EXIT_SMI]				= handle_smi,
	[SVM_EXIT_VINTR]			= handle_vintr,
	[SVM_EXIT_CPUID]			= handle_cpuid,
	[SVM_EXIT_IRET]				= handle_iret,
	[SVM_EXIT_INVD]				= handle_nop,
	[SVM_EXIT_PAUSE]			= handle_pause,
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
	[SVM_EXIT_RDTSCP]			= handle_rdtscp,
	[SVM_EXIT_WBINVD]			= handle_nop,
	/* KVM's default quirk: MONITOR and MWAIT are NOPs. */
	[SVM_EXIT_MONITOR]			= handle_nop,
	[SVM_EXIT_MWAIT]			= handle_nop,
	[SVM_EXIT_XSETBV]			= handle_xsetbv,
	[SVM_EXIT_RDPRU]			= inject_ud,
	[SVM_EXIT_NPF]				= handle_npf,
};

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

	if (svm->vmcb->control.exit_int_info & SVM_EXITINTINFO_VALID)
		vcpu->stat.reinjections++;
	svm_complete_interrupts(svm);
	if (code == (u32)SVM_EXIT_ERR)
		return handle_entry_failure(svm);

	svm->next_rip = boot_cpu_has(X86_FEATURE_NRIPS) ?
			svm->vmcb->control.next_rip : 0;
	if (code >= ARRAY_SIZE(svm_exit_handlers) || !svm_exit_handlers[code])
		return minikvm_exit_internal_error(vcpu,
					KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					code, svm->vmcb->control.exit_info_1);
	return svm_exit_handlers[code](svm);
}
