/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSRs: the vendor-neutral ones a vCPU keeps, KVM_GET/SET_MSRS, the MSR
 * index lists, the guest's RDMSR/WRMSR, the MSR filter and the exits to
 * userspace for MSRs.
 */
#ifndef MINIKVM_MODULE_MSR_H
#define MINIKVM_MODULE_MSR_H

#include <linux/kvm.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

/*
 * Results of the MSR accessors besides 0 (done): 1 is an access the MSR
 * refuses (#GP for the guest, a short count for KVM_SET_MSRS), and
 * MINIKVM_MSR_UNSUPPORTED an MSR minikvm does not know at all.
 */
#define MINIKVM_MSR_UNSUPPORTED	2
/* The filter denied the guest access (KVM_MSR_EXIT_REASON_FILTER). */
#define MINIKVM_MSR_FILTERED	3

/**
 * struct minikvm_vcpu_msrs - MSRs with no home in the vendor's state.
 * @misc_enable: IA32_MISC_ENABLE.
 * @hwcr: AMD's HWCR (only McStatusWrEn and TscFreqSel writable).
 * @microcode_version: IA32_UCODE_REV as userspace set it.
 * @tsc_adjust: IA32_TSC_ADJUST.
 * @tsc_aux: TSC_AUX, read by RDTSCP.
 * @de_cfg: AMD's DE_CFG.
 * @power_ctl: IA32_POWER_CTL: any value, read back, no effect (as KVM).
 * @platform_info: MSR_PLATFORM_INFO: set by userspace only, read by the
 *	guest unless KVM_CAP_MSR_PLATFORM_INFO turned that off.
 */
struct minikvm_vcpu_msrs {
	u64 misc_enable;
	u64 hwcr;
	u64 microcode_version;
	u64 tsc_adjust;
	u64 tsc_aux;
	u64 de_cfg;
	u64 power_ctl;
	u64 platform_info;
};

/**
 * struct minikvm_msr_filter - KVM_X86_SET_MSR_FILTER, immutable once
 * published (replaced as a whole under vm->lock, freed after RCU).
 * @default_allow: the verdict for MSRs no range covers.
 * @count: used entries of @ranges.
 * @ranges: the ranges with a non-zero size, in userspace's order; the
 *	first range that covers an MSR for the access type decides.
 */
struct minikvm_msr_filter {
	struct rcu_head rcu;
	bool default_allow;
	int count;
	struct {
		u32 flags;
		u32 base;
		u32 nmsrs;
		unsigned long *bitmap;
	} ranges[KVM_MSR_FILTER_MAX_RANGES];
};

struct minikvm_vcpu;
struct minikvm_vm;

int minikvm_msr_init(void);
int minikvm_get_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data,
		    bool host_initiated);
int minikvm_set_msr(struct minikvm_vcpu *vcpu, u32 index, u64 data,
		    bool host_initiated);
void minikvm_msrs_reset(struct minikvm_vcpu *vcpu);

int minikvm_emulate_rdmsr(struct minikvm_vcpu *vcpu);
int minikvm_emulate_wrmsr(struct minikvm_vcpu *vcpu);

int minikvm_vcpu_ioctl_get_msrs(struct minikvm_vcpu *vcpu,
				struct kvm_msrs __user *argp);
int minikvm_vcpu_ioctl_set_msrs(struct minikvm_vcpu *vcpu,
				struct kvm_msrs __user *argp);
int minikvm_dev_ioctl_get_msr_index_list(struct kvm_msr_list __user *argp);
int minikvm_dev_ioctl_get_msr_feature_index_list(struct kvm_msr_list __user *argp);
int minikvm_dev_ioctl_get_feature_msrs(struct kvm_msrs __user *argp);

/* msr_filter.c */
bool minikvm_msr_allowed(struct minikvm_vcpu *vcpu, u32 index, u32 type);
int minikvm_vm_ioctl_set_msr_filter(struct minikvm_vm *vm,
				    struct kvm_msr_filter __user *argp);
void minikvm_msr_filter_free(struct minikvm_vm *vm);

#endif /* MINIKVM_MODULE_MSR_H */
