/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest CPUID: the table a vCPU was given (KVM_SET_CPUID2) and the facts
 * the rest of the vCPU derives from it.
 */
#ifndef MINIKVM_MODULE_CPUID_H
#define MINIKVM_MODULE_CPUID_H

#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/types.h>

/* KVM's limit on the entries of one CPUID table. */
#define MINIKVM_MAX_CPUID_ENTRIES	256

/* CPUID bits KVM keeps in step with vCPU state. */
#define MINIKVM_CPUID_1_ECX_OSXSAVE	BIT(27)
#define MINIKVM_CPUID_1_EDX_APIC	BIT(9)
#define MINIKVM_CPUID_D1_EAX_XSAVEC	BIT(1)
#define MINIKVM_CPUID_D1_EAX_XSAVES	BIT(3)

/* Guest features other code asks about: see guest_feature_bits in cpuid.c. */
enum minikvm_guest_feature {
	MINIKVM_GUEST_LM,
	MINIKVM_GUEST_NX,
	MINIKVM_GUEST_FXSR_OPT,
	MINIKVM_GUEST_SVM,
	MINIKVM_GUEST_XSAVE,
	MINIKVM_GUEST_XSAVES,
	MINIKVM_GUEST_RDTSCP,
	MINIKVM_GUEST_RDPID,
	MINIKVM_GUEST_TSC_ADJUST,
	MINIKVM_GUEST_SSE3,
	MINIKVM_GUEST_SMEP,
	MINIKVM_GUEST_SMAP,
	MINIKVM_GUEST_FSGSBASE,
	MINIKVM_GUEST_PKU,
	MINIKVM_GUEST_LA57,
	MINIKVM_GUEST_UMIP,
	MINIKVM_GUEST_VMX,
	MINIKVM_GUEST_PCID,
	MINIKVM_GUEST_X2APIC,
	MINIKVM_GUEST_TSC_DEADLINE,
	MINIKVM_GUEST_NR_FEATURES,
};

/**
 * struct minikvm_cpuid - a vCPU's CPUID table and what follows from it.
 * @entries: the table as userspace set it (kvmalloc'ed), @nent entries.
 *	The bits KVM keeps in sync with vCPU state (OSXSAVE, APIC, the XSAVE
 *	size) are applied whenever the table is read, not stored.
 * @maxphyaddr: guest MAXPHYADDR: CPUID 0x80000008 EAX[7:0], else 36.
 * @amd_compatible: the vendor is AuthenticAMD or HygonGenuine.
 * @supported_xcr0: XCR0 bits the guest may enable (table & minikvm's).
 * @cr4_reserved: CR4 bits the guest may not set.
 * @features: MINIKVM_GUEST_* bits present in the table.
 *
 * Protected by vcpu->mutex like the rest of the vCPU.
 */
struct minikvm_cpuid {
	struct kvm_cpuid_entry2 *entries;
	int nent;
	u8 maxphyaddr;
	bool amd_compatible;
	u64 supported_xcr0;
	u64 cr4_reserved;
	DECLARE_BITMAP(features, MINIKVM_GUEST_NR_FEATURES);
};

struct minikvm_vcpu;

/* cpuid_supported.c: what minikvm virtualizes, from the host's CPUID. */
extern u64 minikvm_supported_xcr0;

int minikvm_cpuid_init(void);
bool minikvm_cpuid_supported(enum minikvm_guest_feature feature);
int minikvm_dev_ioctl_get_supported_cpuid(struct kvm_cpuid2 __user *argp);
u32 minikvm_xstate_size(u64 xcr0, bool compacted);

/* cpuid.c: a vCPU's table. */
struct kvm_cpuid_entry2 *minikvm_cpuid_find(struct kvm_cpuid_entry2 *entries,
					    int nent, u32 function, u32 index);
void minikvm_cpuid_features(struct kvm_cpuid_entry2 *entries, int nent,
			    unsigned long *features);
void minikvm_vcpu_cpuid_init(struct minikvm_vcpu *vcpu);
void minikvm_vcpu_cpuid_free(struct minikvm_vcpu *vcpu);

int minikvm_vcpu_ioctl_set_cpuid(struct minikvm_vcpu *vcpu,
				 struct kvm_cpuid __user *argp);
int minikvm_vcpu_ioctl_set_cpuid2(struct minikvm_vcpu *vcpu,
				  struct kvm_cpuid2 __user *argp);
int minikvm_vcpu_ioctl_get_cpuid2(struct minikvm_vcpu *vcpu,
				  struct kvm_cpuid2 __user *argp);

int minikvm_emulate_cpuid(struct minikvm_vcpu *vcpu);
u32 minikvm_cpuid_signature(struct minikvm_vcpu *vcpu);

static inline bool minikvm_cpuid_has(const struct minikvm_cpuid *cpuid,
				     enum minikvm_guest_feature feature)
{
	return test_bit(feature, cpuid->features);
}

#endif /* MINIKVM_MODULE_CPUID_H */
