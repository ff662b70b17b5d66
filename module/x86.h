/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor ops table and the backend registration interface.
 */
#ifndef MINIKVM_MODULE_X86_H
#define MINIKVM_MODULE_X86_H

#include "minikvm.h"

/* handle_exit() results: keep running the guest, or return to userspace. */
#define MINIKVM_EXIT_RESUME	1
#define MINIKVM_EXIT_USERSPACE	0

struct minikvm_x86_ops {
	int (*hardware_enable)(void);
	void (*hardware_disable)(void);
	void (*emergency_disable)(void);
	void (*hardware_unsetup)(void);

	int (*vcpu_create)(struct minikvm_vcpu *vcpu);
	void (*vcpu_free)(struct minikvm_vcpu *vcpu);
	void (*vcpu_reset)(struct minikvm_vcpu *vcpu);
	void (*vcpu_after_set_cpuid)(struct minikvm_vcpu *vcpu);

	void (*get_sregs)(struct minikvm_vcpu *vcpu, struct kvm_sregs *sregs);
	void (*set_sregs)(struct minikvm_vcpu *vcpu, const struct kvm_sregs *sregs);
	int (*get_cpl)(struct minikvm_vcpu *vcpu);
	u64 (*get_cr0)(struct minikvm_vcpu *vcpu);
	u64 (*get_cr4)(struct minikvm_vcpu *vcpu);
	void (*get_cs_db_l_bits)(struct minikvm_vcpu *vcpu, int *db, int *l);
	void (*set_efer)(struct minikvm_vcpu *vcpu);
	int (*get_msr)(struct minikvm_vcpu *vcpu, u32 index, u64 *data,
		       bool host_initiated);
	int (*set_msr)(struct minikvm_vcpu *vcpu, u32 index, u64 data,
		       bool host_initiated);
	void (*write_tsc_offset)(struct minikvm_vcpu *vcpu);
	int (*skip_emulated_instruction)(struct minikvm_vcpu *vcpu);

	void (*inject_exception)(struct minikvm_vcpu *vcpu);
	void (*inject_nmi)(struct minikvm_vcpu *vcpu);
	void (*inject_irq)(struct minikvm_vcpu *vcpu);
	void (*cancel_injection)(struct minikvm_vcpu *vcpu);
	bool (*interrupt_allowed)(struct minikvm_vcpu *vcpu);
	bool (*nmi_allowed)(struct minikvm_vcpu *vcpu);
	bool (*get_nmi_mask)(struct minikvm_vcpu *vcpu);
	void (*set_nmi_mask)(struct minikvm_vcpu *vcpu, bool masked);
	u32 (*get_interrupt_shadow)(struct minikvm_vcpu *vcpu);
	void (*set_interrupt_shadow)(struct minikvm_vcpu *vcpu, u32 mask);
	void (*enable_irq_window)(struct minikvm_vcpu *vcpu);
	void (*enable_nmi_window)(struct minikvm_vcpu *vcpu);
	void (*enable_tpr_window)(struct minikvm_vcpu *vcpu, int prio);

	void (*vcpu_run)(struct minikvm_vcpu *vcpu);
	int (*handle_exit)(struct minikvm_vcpu *vcpu);
	void (*flush_tlb_current)(struct minikvm_vcpu *vcpu);
	void (*load_mmu_pgd)(struct minikvm_vcpu *vcpu, hpa_t root_hpa);

	void (*get_exit_info)(struct minikvm_vcpu *vcpu, u32 *reason,
			      u64 *info1, u64 *info2, u32 *intr_info,
			      u32 *error_code);
	unsigned int (*get_insn_bytes)(struct minikvm_vcpu *vcpu, u8 *bytes);
};

/**
 * struct minikvm_x86_init_ops - what a backend hands to the core at load.
 * @name: "svm" or "vmx", for messages.
 * @probe: checks the CPU; -ENODEV when the backend cannot run here.
 * @hardware_setup: allocates global state; runs once after a good probe.
 * @vcpu_size: size of the backend's vCPU struct embedding minikvm_vcpu.
 * @runtime_ops: the table copied into minikvm_x86_ops.
 */
struct minikvm_x86_init_ops {
	const char *name;
	int (*probe)(void);
	int (*hardware_setup)(void);
	unsigned int vcpu_size;
	const struct minikvm_x86_ops *runtime_ops;
};

extern struct minikvm_x86_ops minikvm_x86_ops;
extern unsigned int minikvm_vcpu_size;

#define minikvm_x86_call(op)	(minikvm_x86_ops.op)

int minikvm_x86_ops_register(const struct minikvm_x86_init_ops *init);

/* Helpers for the backends and the core, on the vCPU's own thread. */
int minikvm_skip_emulated_instruction(struct minikvm_vcpu *vcpu);
int minikvm_complete_insn_gp(struct minikvm_vcpu *vcpu, int err);
bool minikvm_is_64_bit_mode(struct minikvm_vcpu *vcpu);
bool minikvm_is_protmode(struct minikvm_vcpu *vcpu);
void minikvm_set_rflags(struct minikvm_vcpu *vcpu, u64 rflags);

/* Instructions the backends intercept and the core emulates. */
int minikvm_emulate_halt(struct minikvm_vcpu *vcpu);
int minikvm_emulate_hypercall(struct minikvm_vcpu *vcpu);
int minikvm_handle_ud_intercept(struct minikvm_vcpu *vcpu, bool native_vmmcall);
int minikvm_emulate_xsetbv(struct minikvm_vcpu *vcpu);
int minikvm_emulate_rdtscp(struct minikvm_vcpu *vcpu);
int minikvm_emulate_as_nop(struct minikvm_vcpu *vcpu);
int minikvm_emulate_triple_fault(struct minikvm_vcpu *vcpu);

/* CR8: the local APIC's TPR with an in-kernel APIC, else a plain value. */
u64 minikvm_get_cr8(struct minikvm_vcpu *vcpu);
void minikvm_set_cr8(struct minikvm_vcpu *vcpu, u64 cr8);

/* The backends. */
extern const struct minikvm_x86_init_ops minikvm_svm_init_ops;

#endif /* MINIKVM_MODULE_X86_H */
