/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register state of a vCPU as userspace sees it: KVM_GET/SET_REGS,
 * KVM_GET/SET_SREGS, KVM_GET/SET_DEBUGREGS, KVM_GET/SET_MP_STATE and the
 * sync_regs area of kvm_run.
 */
#ifndef MINIKVM_MODULE_REGS_H
#define MINIKVM_MODULE_REGS_H

#include <linux/bits.h>
#include <linux/kvm.h>
#include <asm/debugreg.h>

/*
 * DR6 bits, in DR6's own polarity: RTM and the reserved bits read as one
 * (active low); MINIKVM_DR6_VOLATILE are the bits software and #DB change.
 */
#define MINIKVM_DR6_RTM		BIT(16)
#define MINIKVM_DR6_ACTIVE_LOW	0xffff0ff0ULL
#define MINIKVM_DR6_VOLATILE	0x0001e80fULL
#define MINIKVM_DR6_FIXED_1	(MINIKVM_DR6_ACTIVE_LOW & ~MINIKVM_DR6_VOLATILE)
/* DR7: the enable bits of the four breakpoints, general detect, bit 10. */
#define MINIKVM_DR7_BP_EN_MASK	0xffULL
#define MINIKVM_DR7_GD		BIT(13)
#define MINIKVM_DR7_FIXED_1	0x400ULL

struct minikvm_vcpu;

void minikvm_vcpu_ioctl_get_regs(struct minikvm_vcpu *vcpu,
				 struct kvm_regs *regs);
void minikvm_vcpu_ioctl_set_regs(struct minikvm_vcpu *vcpu,
				 const struct kvm_regs *regs);
void minikvm_vcpu_ioctl_get_sregs(struct minikvm_vcpu *vcpu,
				  struct kvm_sregs *sregs);
int minikvm_vcpu_ioctl_set_sregs(struct minikvm_vcpu *vcpu,
				 const struct kvm_sregs *sregs);
void minikvm_vcpu_ioctl_get_debugregs(struct minikvm_vcpu *vcpu,
				      struct kvm_debugregs *dbg);
int minikvm_vcpu_ioctl_set_debugregs(struct minikvm_vcpu *vcpu,
				     const struct kvm_debugregs *dbg);
void minikvm_vcpu_ioctl_get_mp_state(struct minikvm_vcpu *vcpu,
				     struct kvm_mp_state *mp_state);
int minikvm_vcpu_ioctl_set_mp_state(struct minikvm_vcpu *vcpu,
				    const struct kvm_mp_state *mp_state);

int minikvm_sync_regs_from_run(struct minikvm_vcpu *vcpu);
void minikvm_sync_regs_to_run(struct minikvm_vcpu *vcpu);

u64 minikvm_efer_supported(void);
bool minikvm_is_valid_efer(struct minikvm_vcpu *vcpu, u64 efer);
int minikvm_set_apic_base(struct minikvm_vcpu *vcpu, u64 data,
			  bool host_initiated);
void minikvm_regs_reset(struct minikvm_vcpu *vcpu);

#endif /* MINIKVM_MODULE_REGS_H */
