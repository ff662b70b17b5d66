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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>

#include "minikvm.h"
#include "x86.h"

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
