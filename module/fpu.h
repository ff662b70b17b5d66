/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest FPU: KVM_GET/SET_FPU, KVM_GET/SET_XSAVE, KVM_GET_XSAVE2,
 * KVM_GET/SET_XCRS, XSETBV, and the guest XCR0 around VMRUN.
 */
#ifndef MINIKVM_MODULE_FPU_H
#define MINIKVM_MODULE_FPU_H

#include <linux/kvm.h>
#include <linux/types.h>

struct minikvm_vcpu;

int minikvm_fpu_init(void);
int minikvm_xsave2_size(void);

int minikvm_vcpu_ioctl_get_fpu(struct minikvm_vcpu *vcpu,
			       struct kvm_fpu __user *argp);
int minikvm_vcpu_ioctl_set_fpu(struct minikvm_vcpu *vcpu,
			       struct kvm_fpu __user *argp);
int minikvm_vcpu_ioctl_get_xsave(struct minikvm_vcpu *vcpu,
				 struct kvm_xsave __user *argp);
int minikvm_vcpu_ioctl_get_xsave2(struct minikvm_vcpu *vcpu,
				  struct kvm_xsave __user *argp);
int minikvm_vcpu_ioctl_set_xsave(struct minikvm_vcpu *vcpu,
				 struct kvm_xsave __user *argp);
int minikvm_vcpu_ioctl_get_xcrs(struct minikvm_vcpu *vcpu,
				struct kvm_xcrs __user *argp);
int minikvm_vcpu_ioctl_set_xcrs(struct minikvm_vcpu *vcpu,
				struct kvm_xcrs __user *argp);

/* Around the guest run, IRQs off; @loaded carries what put must undo. */
bool minikvm_load_guest_xcr0(struct minikvm_vcpu *vcpu);
void minikvm_put_guest_xcr0(struct minikvm_vcpu *vcpu, bool loaded);

#endif /* MINIKVM_MODULE_FPU_H */
