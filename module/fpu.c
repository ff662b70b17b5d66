// SPDX-License-Identifier: GPL-2.0
/*
 * The guest FPU: its register file lives in the kernel's guest fpstate
 * (vcpu->guest_fpu), which KVM_RUN swaps in with fpu_swap_kvm_fpstate() and
 * the ioctls below read and write through the kernel's fpu_* guest API.
 * XCR0 is the guest's only while the guest runs: it is switched with IRQs
 * off around VMRUN, so the kernel's own XSAVE/XRSTOR always see the host's
 * and save every component of the guest state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>

#include "fpu.h"
#include "minikvm.h"
#include "x86.h"

static u64 host_xcr0 __read_mostly;

int minikvm_fpu_init(void)
{
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	return 0;
}

/* KVM_CAP_XSAVE2: the buffer KVM_GET_XSAVE2 needs, at least 4 KiB. */
int minikvm_xsave2_size(void)
{
	return max_t(u32, minikvm_xstate_size(minikvm_supported_xcr0, false),
		     sizeof(struct kvm_xsave));
}

/* ------------------------------------------------------------------ */
/* KVM_GET/SET_FPU: the legacy area, as KVM (MXCSR is not transferred)  */

static struct fxregs_state *guest_fxsave(struct minikvm_vcpu *vcpu)
{
	return &vcpu->guest_fpu.fpstate->regs.fxsave;
}

int minikvm_vcpu_ioctl_get_fpu(struct minikvm_vcpu *vcpu,
			       struct kvm_fpu __user *argp)
{
	struct fxregs_state *fx = guest_fxsave(vcpu);
	struct kvm_fpu fpu;

	memset(&fpu, 0, sizeof(fpu));
	memcpy(fpu.fpr, fx->st_space, sizeof(fpu.fpr));
	fpu.fcw = fx->cwd;
	fpu.fsw = fx->swd;
	fpu.ftwx = fx->twd;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->rip;
	fpu.last_dp = fx->rdp;
	memcpy(fpu.xmm, fx->xmm_space, sizeof(fpu.xmm));
	return copy_to_user(argp, &fpu, sizeof(fpu)) ? -EFAULT : 0;
}

int minikvm_vcpu_ioctl_set_fpu(struct minikvm_vcpu *vcpu,
			       struct kvm_fpu __user *argp)
{
	struct fxregs_state *fx = guest_fxsave(vcpu);
	struct kvm_fpu fpu;

	if (copy_from_user(&fpu, argp, sizeof(fpu)))
		return -EFAULT;
	memcpy(fx->st_space, fpu.fpr, sizeof(fpu.fpr));
	fx->cwd = fpu.fcw;
	fx->swd = fpu.fsw;
	fx->twd = fpu.ftwx;
	fx->fop = fpu.last_opcode;
	fx->rip = fpu.last_ip;
	fx->rdp = fpu.last_dp;
	memcpy(fx->xmm_space, fpu.xmm, sizeof(fpu.xmm));
	/* With XSAVE, XRSTOR would otherwise load the init state instead. */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		vcpu->guest_fpu.fpstate->regs.xsave.header.xfeatures |=
			XFEATURE_MASK_FPSSE;
	return 0;
}

/* ------------------------------------------------------------------ */
/* KVM_GET/SET_XSAVE: the standard XSAVE layout                         */

/*
 * Only the components the guest may enable are reported, plus x87 and
 * SSE, which exist even without XSAVE.
 */
static int get_xsave(struct minikvm_vcpu *vcpu, void __user *argp,
		     unsigned int size, unsigned int copy)
{
	u64 xfeatures = vcpu->cpuid.supported_xcr0 | XFEATURE_MASK_FPSSE;
	void *buf;
	int r = 0;

	buf = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, buf, size, xfeatures,
				       0);
	if (copy_to_user(argp, buf, copy))
		r = -EFAULT;
	kfree(buf);
	return r;
}

/* Return: 0, or -EINVAL when the state does not fit in struct kvm_xsave. */
int minikvm_vcpu_ioctl_get_xsave(struct minikvm_vcpu *vcpu,
				 struct kvm_xsave __user *argp)
{
	if (vcpu->guest_fpu.uabi_size > sizeof(struct kvm_xsave))
		return -EINVAL;
	return get_xsave(vcpu, argp, sizeof(struct kvm_xsave),
			 sizeof(struct kvm_xsave));
}

/* KVM_GET_XSAVE2: the whole state, KVM_CAP_XSAVE2 bytes at most. */
int minikvm_vcpu_ioctl_get_xsave2(struct minikvm_vcpu *vcpu,
				  struct kvm_xsave __user *argp)
{
	unsigned int size = vcpu->guest_fpu.uabi_size;

	return get_xsave(vcpu, argp, size, size);
}

/**
 * minikvm_vcpu_ioctl_set_xsave - KVM_SET_XSAVE.
 * @vcpu: the vCPU; its mutex is held.
 * @argp: the state in the standard XSAVE layout.
 *
 * Return: 0; -EINVAL for components minikvm does not support, reserved
 * header bits or reserved MXCSR bits; -EFAULT.
 */
int minikvm_vcpu_ioctl_set_xsave(struct minikvm_vcpu *vcpu,
				 struct kvm_xsave __user *argp)
{
	void *buf;
	u32 pkru;
	int r;

	buf = memdup_user(argp, vcpu->guest_fpu.uabi_size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	r = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, buf,
					   minikvm_supported_xcr0 |
					   XFEATURE_MASK_FPSSE, &pkru);
	kfree(buf);
	return r;
}

/* ------------------------------------------------------------------ */
/* XCR0                                                                */

/*
 * x87 is always on; AVX needs SSE; AVX-512 needs AVX and comes whole;
 * nothing beyond what the guest CPUID allows.
 */
static int set_xcr(struct minikvm_vcpu *vcpu, u32 index, u64 xcr0)
{
	u64 valid = vcpu->cpuid.supported_xcr0 | XFEATURE_MASK_FP;

	if (index != XCR_XFEATURE_ENABLED_MASK)
		return 1;
	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~valid))
		return 1;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return 1;
	if ((xcr0 & XFEATURE_MASK_AVX512) &&
	    (!(xcr0 & XFEATURE_MASK_YMM) ||
	     (xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512))
		return 1;
	vcpu->xcr0 = xcr0;
	return 0;
}

/**
 * minikvm_emulate_xsetbv - the XSETBV intercept.
 * @vcpu: the vCPU.
 *
 * The CPU has already raised #UD if CR4.OSXSAVE is clear.
 *
 * Return: MINIKVM_EXIT_RESUME (#GP for CPL > 0 or a value XCR0 refuses).
 */
int minikvm_emulate_xsetbv(struct minikvm_vcpu *vcpu)
{
	u32 index = vcpu->regs[MINIKVM_REG_RCX];
	u64 value = (u32)vcpu->regs[MINIKVM_REG_RAX] |
		    vcpu->regs[MINIKVM_REG_RDX] << 32;
	int err;

	vcpu->stat.xsetbv_exits++;
	err = minikvm_x86_call(get_cpl)(vcpu) != 0 || set_xcr(vcpu, index, value);
	return minikvm_complete_insn_gp(vcpu, err);
}

int minikvm_vcpu_ioctl_get_xcrs(struct minikvm_vcpu *vcpu,
				struct kvm_xcrs __user *argp)
{
	struct kvm_xcrs xcrs;

	memset(&xcrs, 0, sizeof(xcrs));
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		xcrs.xcrs[0].value = vcpu->xcr0;
	}
	return copy_to_user(argp, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}

/**
 * minikvm_vcpu_ioctl_set_xcrs - KVM_SET_XCRS: the first XCR0 entry counts.
 * @vcpu: the vCPU; its mutex is held.
 * @argp: struct kvm_xcrs.
 *
 * Return: 0; -EINVAL without XSAVE on the host, for flags, more than
 * KVM_MAX_XCRS entries or an XCR0 the guest may not have; -EFAULT.
 */
int minikvm_vcpu_ioctl_set_xcrs(struct minikvm_vcpu *vcpu,
				struct kvm_xcrs __user *argp)
{
	struct kvm_xcrs xcrs;
	int i;

	if (copy_from_user(&xcrs, argp, sizeof(xcrs)))
		return -EFAULT;
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return -EINVAL;
	if (xcrs.nr_xcrs > KVM_MAX_XCRS || xcrs.flags)
		return -EINVAL;
	for (i = 0; i < xcrs.nr_xcrs; i++) {
		if (xcrs.xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			continue;
		if (set_xcr(vcpu, XCR_XFEATURE_ENABLED_MASK, xcrs.xcrs[i].value))
			return -EINVAL;
		break;
	}
	return 0;
}

/**
 * minikvm_load_guest_xcr0 - switch to the guest's XCR0 before VMRUN.
 * @vcpu: the vCPU.
 *
 * Context: IRQs disabled, until minikvm_put_guest_xcr0().
 * Return: whether XCR0 was switched.
 */
bool minikvm_load_guest_xcr0(struct minikvm_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();

	if (!host_xcr0 || vcpu->xcr0 == host_xcr0)
		return false;
	if (!(minikvm_x86_call(get_cr4)(vcpu) & X86_CR4_OSXSAVE))
		return false;
	xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	return true;
}

void minikvm_put_guest_xcr0(struct minikvm_vcpu *vcpu, bool loaded)
{
	lockdep_assert_irqs_disabled();

	if (loaded)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
}
