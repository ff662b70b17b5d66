// SPDX-License-Identifier: GPL-2.0
/*
 * VMMCALL with KVM's hypercall ABI: number in RAX, arguments in RBX, RCX,
 * RDX and RSI, result in RAX (truncated to 32 bits outside 64-bit mode).
 * Callers at CPL > 0 get -KVM_EPERM, unknown numbers -KVM_ENOSYS.
 *
 * Only the hypercalls whose effect KVM has without an in-kernel local APIC
 * exist, and with that effect: none.  KICK_CPU and SCHED_YIELD name a vCPU
 * by APIC id, which needs the APIC map, so they are accepted and do
 * nothing; VAPIC_POLL_IRQ has nothing to poll.
 *
 * The other vendor's instruction (VMCALL on AMD) raises #UD, which the
 * backend intercepts: with KVM_X86_QUIRK_FIX_HYPERCALL_INSN (on unless
 * disabled with KVM_CAP_DISABLE_QUIRKS2) it is rewritten in guest memory
 * to the native one, which the guest then runs; without it, or when it
 * cannot be rewritten, the guest gets its #UD.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>

#include "emulate/emulate.h"
#include "events.h"
#include "minikvm.h"
#include "x86.h"

#define HYPERCALL_INSN_LEN	3

static const u8 vmcall_insn[HYPERCALL_INSN_LEN] = { 0x0f, 0x01, 0xc1 };
static const u8 vmmcall_insn[HYPERCALL_INSN_LEN] = { 0x0f, 0x01, 0xd9 };

static unsigned long do_hypercall(struct minikvm_vcpu *vcpu, unsigned long nr)
{
	if (minikvm_x86_call(get_cpl)(vcpu) != 0)
		return -KVM_EPERM;

	switch (nr) {
	case KVM_HC_VAPIC_POLL_IRQ:
	case KVM_HC_KICK_CPU:
	case KVM_HC_SCHED_YIELD:
		return 0;
	default:
		return -KVM_ENOSYS;
	}
}

/**
 * minikvm_emulate_hypercall - the VMMCALL intercept.
 * @vcpu: the vCPU.
 *
 * Return: MINIKVM_EXIT_RESUME.
 */
int minikvm_emulate_hypercall(struct minikvm_vcpu *vcpu)
{
	unsigned long nr = vcpu->regs[MINIKVM_REG_RAX], ret;
	bool op_64_bit = minikvm_is_64_bit_mode(vcpu);

	vcpu->stat.hypercalls++;
	if (!op_64_bit)
		nr = (u32)nr;
	ret = do_hypercall(vcpu, nr);
	if (!op_64_bit)
		ret = (u32)ret;
	vcpu->regs[MINIKVM_REG_RAX] = ret;
	return minikvm_skip_emulated_instruction(vcpu);
}

/**
 * minikvm_handle_ud_intercept - the guest raised #UD.
 * @vcpu: the vCPU, in KVM_RUN, RIP at the faulting instruction.
 * @native_vmmcall: the backend's hypercall instruction is VMMCALL (AMD),
 *	so VMCALL is the one to fix; else the reverse.
 *
 * Return: MINIKVM_EXIT_RESUME, or -EIO for a broken invariant.
 */
int minikvm_handle_ud_intercept(struct minikvm_vcpu *vcpu, bool native_vmmcall)
{
	const u8 *native = native_vmmcall ? vmmcall_insn : vmcall_insn;
	const u8 *foreign = native_vmmcall ? vmcall_insn : vmmcall_insn;
	int r;

	if (minikvm_has_quirk(vcpu->vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN)) {
		r = minikvm_emulate_patch_insn(vcpu, foreign, native,
					       HYPERCALL_INSN_LEN);
		if (r != -ENOENT)
			return r ? r : MINIKVM_EXIT_RESUME;
	}
	minikvm_inject_ud(vcpu);
	return MINIKVM_EXIT_RESUME;
}
