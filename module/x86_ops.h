/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor ops table, as one X-macro list.
 *
 * Every op a backend (svm/, later vmx/) provides is listed here exactly once.
 * The list is expanded to declare the members of struct minikvm_x86_ops
 * (x86.h) and to check a backend's table at registration (main.c):
 *
 *   MINIKVM_X86_OP(name)           mandatory: registration fails without it
 *   MINIKVM_X86_OP_OPTIONAL(name)  may be NULL: callers use minikvm_x86_call_opt()
 *
 * Callers read minikvm_x86_call(vcpu_run)(vcpu).
 */
#if !defined(MINIKVM_X86_OP) || !defined(MINIKVM_X86_OP_OPTIONAL)
#error "define MINIKVM_X86_OP and MINIKVM_X86_OP_OPTIONAL before including x86_ops.h"
#endif

/* Per-CPU virtualization on/off; called on the CPU concerned, IRQs off. */
MINIKVM_X86_OP(hardware_enable)
MINIKVM_X86_OP(hardware_disable)
/* Crash/kexec path: NMI context, must not take locks. */
MINIKVM_X86_OP(emergency_disable)
MINIKVM_X86_OP_OPTIONAL(hardware_unsetup)

MINIKVM_X86_OP(vcpu_create)
MINIKVM_X86_OP(vcpu_free)
MINIKVM_X86_OP(vcpu_reset)

MINIKVM_X86_OP(get_sregs)
MINIKVM_X86_OP(set_sregs)

/* Enter the guest once; called with IRQs and preemption disabled. */
MINIKVM_X86_OP(vcpu_run)
/* Handle the exit vcpu_run returned from; IRQs and preemption enabled. */
MINIKVM_X86_OP(handle_exit)
MINIKVM_X86_OP(flush_tlb_current)

/* For the instruction emulator (emulate/). */
MINIKVM_X86_OP(set_cr2)
/* The exit's reason, info words, interruption info and its error code. */
MINIKVM_X86_OP_OPTIONAL(get_exit_info)
/* Decode assists: the bytes of the faulting instruction, or 0. */
MINIKVM_X86_OP_OPTIONAL(get_insn_bytes)

#undef MINIKVM_X86_OP
#undef MINIKVM_X86_OP_OPTIONAL
