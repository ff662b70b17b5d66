/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest TSC: the host TSC plus a per-vCPU offset (no scaling, so the
 * guest TSC runs at the host's rate), the TSC MSRs, RDTSCP and the TSC
 * frequency ioctls.
 */
#ifndef MINIKVM_MODULE_TSC_H
#define MINIKVM_MODULE_TSC_H

#include <linux/mutex.h>
#include <linux/types.h>

/**
 * struct minikvm_vm_tsc - how a VM's vCPUs agree on one TSC.
 * @lock: protects the fields below.
 * @offset: the offset of the last host write (or of VM creation).
 * @write_value: the value userspace last wrote to a vCPU's TSC.
 * @write_ns: when (ktime_get_ns()).
 *
 * A vCPU starts with @offset, so all vCPUs of a VM count from 0 at VM
 * creation.  Userspace writing the same value to several vCPUs' TSC
 * within a second means "keep them in sync" (KVM's rule): they get the
 * same offset instead of slightly different ones.
 */
struct minikvm_vm_tsc {
	struct mutex lock;	/* protects the fields below */
	u64 offset;
	u64 write_value;
	u64 write_ns;
};

struct minikvm_vcpu;
struct minikvm_vm;

void minikvm_vm_tsc_init(struct minikvm_vm *vm);
void minikvm_vcpu_tsc_init(struct minikvm_vcpu *vcpu);
u64 minikvm_read_guest_tsc(struct minikvm_vcpu *vcpu);
void minikvm_write_tsc(struct minikvm_vcpu *vcpu, u64 data,
		       bool host_initiated);
void minikvm_adjust_tsc_offset(struct minikvm_vcpu *vcpu, s64 adjustment);
bool minikvm_load_guest_tsc_aux(struct minikvm_vcpu *vcpu, u64 *host);
void minikvm_put_guest_tsc_aux(bool loaded, u64 host);
int minikvm_get_tsc_khz(void);
int minikvm_set_tsc_khz(u32 khz);

#endif /* MINIKVM_MODULE_TSC_H */
