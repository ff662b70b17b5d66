/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics of VMs and vCPUs, read through KVM_GET_STATS_FD in KVM's
 * binary format.  Names follow KVM's where KVM has the same counter, so
 * that KVM's tools read them.
 *
 * All are cumulative event counters.  A vCPU's counters are written only
 * by the thread holding vcpu->mutex; a VM's with WRITE_ONCE() by whoever
 * causes the event.  Readers may see a slightly stale value (as in KVM).
 */
#ifndef MINIKVM_MODULE_STATS_H
#define MINIKVM_MODULE_STATS_H

#include <linux/types.h>

/* KVM's length of the id string and of every descriptor's name. */
#define MINIKVM_STATS_NAME_SIZE	48

/* Add a counter here and its descriptor in stats.c (names must match). */
struct minikvm_vm_stat {
	u64 remote_tlb_flush_requests;	/* VM-wide TLB flushes requested */
	u64 vcpus_created;
};

struct minikvm_vcpu_stat {
	u64 exits;			/* every #VMEXIT */
	u64 io_exits;			/* port I/O to userspace */
	u64 halt_exits;
	u64 irq_exits;			/* host interrupts */
	u64 nmi_exits;			/* host NMIs */
	u64 signal_exits;		/* KVM_EXIT_INTR */
	u64 request_irq_exits;		/* KVM_EXIT_IRQ_WINDOW_OPEN */
	u64 irq_window_exits;
	u64 nmi_window_exits;
	u64 cpuid_exits;
	u64 msr_exits;
	u64 msr_user_exits;		/* KVM_EXIT_X86_RDMSR/WRMSR */
	u64 hypercalls;
	u64 xsetbv_exits;
	u64 dr_exits;
	u64 pf_taken;			/* nested page faults */
	u64 exceptions_injected;
	u64 irq_injections;
	u64 nmi_injections;
	u64 pf_guest;			/* #PF given to the guest */
	u64 reinjections;		/* events an exit interrupted */
	u64 req_event;			/* event injection evaluated */
	u64 shutdowns;
	u64 mmio_exits;			/* KVM_EXIT_MMIO */
	u64 insn_emulation;		/* instructions emulated */
	u64 insn_emulation_fail;	/* ... that could not be */
};

struct minikvm_vm;
struct minikvm_vcpu;

int minikvm_vm_ioctl_get_stats_fd(struct minikvm_vm *vm);
int minikvm_vcpu_ioctl_get_stats_fd(struct minikvm_vcpu *vcpu);

#endif /* MINIKVM_MODULE_STATS_H */
