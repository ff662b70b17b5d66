/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side helpers for vCPU state beyond REGS/SREGS: CPUID tables and
 * MSRs.
 */
#ifndef SELFTEST_MINIKVM_X86_64_CPU_STATE_H
#define SELFTEST_MINIKVM_X86_64_CPU_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "minikvm_util.h"

#define MAX_CPUID_ENTRIES	256

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/* A CPUID feature: leaf, subleaf, register, bit. */
struct cpuid_feature {
	uint32_t function;
	uint32_t index;
	enum cpuid_reg reg;
	uint8_t bit;
};

#define FEATURE_XSAVE		((struct cpuid_feature){ 1, 0, CPUID_ECX, 26 })
#define FEATURE_OSXSAVE		((struct cpuid_feature){ 1, 0, CPUID_ECX, 27 })
#define FEATURE_HYPERVISOR	((struct cpuid_feature){ 1, 0, CPUID_ECX, 31 })
#define FEATURE_APIC		((struct cpuid_feature){ 1, 0, CPUID_EDX, 9 })
#define FEATURE_SSE2		((struct cpuid_feature){ 1, 0, CPUID_EDX, 26 })
#define FEATURE_TSC_ADJUST	((struct cpuid_feature){ 7, 0, CPUID_EBX, 1 })
#define FEATURE_NX		((struct cpuid_feature){ 0x80000001, 0, CPUID_EDX, 20 })
#define FEATURE_RDTSCP		((struct cpuid_feature){ 0x80000001, 0, CPUID_EDX, 27 })
#define FEATURE_LM		((struct cpuid_feature){ 0x80000001, 0, CPUID_EDX, 29 })

/* A kvm_cpuid2 with room for MAX_CPUID_ENTRIES entries (free()). */
struct kvm_cpuid2 *cpuid_alloc(void);
/* KVM_GET_SUPPORTED_CPUID on @sys_fd, asserting success. */
struct kvm_cpuid2 *kvm_get_supported_cpuid(int sys_fd);
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid,
				    uint32_t function, uint32_t index);
bool cpuid_has(struct kvm_cpuid2 *cpuid, struct cpuid_feature f);
void cpuid_set(struct kvm_cpuid2 *cpuid, struct cpuid_feature f, bool on);
uint32_t *cpuid_reg(struct kvm_cpuid_entry2 *e, enum cpuid_reg reg);

void vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid);
/* Gives @vcpu the whole KVM_GET_SUPPORTED_CPUID table. */
void vcpu_init_supported_cpuid(struct kvm_vcpu *vcpu);
/* Does the device support @f (KVM_GET_SUPPORTED_CPUID)? */
bool kvm_cpu_has(struct kvm_vm *vm, struct cpuid_feature f);

/* KVM_GET/SET_MSRS of one MSR. Return: the number done (0 or 1). */
int __vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value);
int __vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value);
uint64_t vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index);
void vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value);

#endif /* SELFTEST_MINIKVM_X86_64_CPU_STATE_H */
