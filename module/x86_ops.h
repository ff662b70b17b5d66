/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor ops table, as one X-macro list.
 *
 * Every op a backend (svm/, later vmx/) provides is listed here exactly once.
 * The list is expanded to declare the members of struct minikvm_x86_ops
 * (x86.h) and to check a backend's table at registration (main.c):
 *
 *   MINIKVM_X86_OP(name)           mandatory: registration fails without it
 *   MINIKVM_X86_OP_OPTIONAL(name)  may be NULL: callers check it first
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
/* The guest CPUID changed: adjust intercepts (e.g. RDTSCP). */
MINIKVM_X86_OP(vcpu_after_set_cpuid)

/* Segments, descriptor tables, CR0/2/3/4 (the rest of sregs is generic). */
MINIKVM_X86_OP(get_sregs)
MINIKVM_X86_OP(set_sregs)
MINIKVM_X86_OP(get_cpl)
MINIKVM_X86_OP(get_cr0)
MINIKVM_X86_OP(get_cr4)
MINIKVM_X86_OP(get_cs_db_l_bits)
/* vcpu->efer changed. */
MINIKVM_X86_OP(set_efer)
/* MSRs kept in the vendor's state; MINIKVM_MSR_UNSUPPORTED for others. */
MINIKVM_X86_OP(get_msr)
MINIKVM_X86_OP(set_msr)
MINIKVM_X86_OP(write_tsc_offset)
/* Step over the intercepted instruction; clears the interrupt shadow. */
MINIKVM_X86_OP(skip_emulated_instruction)

/* Event injection: called before entry with the events of events.c. */
MINIKVM_X86_OP(inject_exception)
MINIKVM_X86_OP(inject_nmi)
MINIKVM_X86_OP(inject_irq)
/* The entry was abandoned after injecting: put the event back. */
MINIKVM_X86_OP(cancel_injection)
MINIKVM_X86_OP(interrupt_allowed)
MINIKVM_X86_OP(nmi_allowed)
MINIKVM_X86_OP(get_nmi_mask)
MINIKVM_X86_OP(set_nmi_mask)
MINIKVM_X86_OP(get_interrupt_shadow)
MINIKVM_X86_OP(set_interrupt_shadow)
/* Exit as soon as an interrupt (NMI) could be injected. */
MINIKVM_X86_OP(enable_irq_window)
MINIKVM_X86_OP(enable_nmi_window)

/* Enter the guest once; called with IRQs and preemption disabled. */
MINIKVM_X86_OP(vcpu_run)
/* Handle the exit vcpu_run returned from; IRQs and preemption enabled. */
MINIKVM_X86_OP(handle_exit)
MINIKVM_X86_OP(flush_tlb_current)
/* Point the vCPU's nested paging at the root table at this address. */
MINIKVM_X86_OP(load_mmu_pgd)

/* For the instruction emulator (emulate/), about the exit being handled. */
/* Its reason, info words, interruption info and that event's error code. */
MINIKVM_X86_OP_OPTIONAL(get_exit_info)
/* Decode assists: the bytes of the faulting instruction, or 0. */
MINIKVM_X86_OP_OPTIONAL(get_insn_bytes)

#undef MINIKVM_X86_OP
#undef MINIKVM_X86_OP_OPTIONAL
