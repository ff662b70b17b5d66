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

	void (*get_sregs)(struct minikvm_vcpu *vcpu, struct kvm_sregs *sregs);
	void (*set_sregs)(struct minikvm_vcpu *vcpu, const struct kvm_sregs *sregs);

	void (*vcpu_run)(struct minikvm_vcpu *vcpu);
	int (*handle_exit)(struct minikvm_vcpu *vcpu);
	void (*flush_tlb_current)(struct minikvm_vcpu *vcpu);

	void (*set_cr2)(struct minikvm_vcpu *vcpu, u64 cr2);
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

/* The backends. */
extern const struct minikvm_x86_init_ops minikvm_svm_init_ops;

#endif /* MINIKVM_MODULE_X86_H */
