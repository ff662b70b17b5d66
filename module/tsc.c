// SPDX-License-Identifier: GPL-2.0
/*
 * The guest TSC: host TSC + vcpu->tsc_offset, loaded into the VMCB by the
 * backend, so RDTSC runs without an exit.  No TSC scaling: the guest TSC
 * runs at the host's rate, which is all KVM_GET_TSC_KHZ reports and all
 * KVM_SET_TSC_KHZ accepts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "minikvm.h"
#include "x86.h"

/* KVM's tolerance for a requested rate that needs no scaling. */
#define TSC_TOLERANCE_PPM	250

void minikvm_vm_tsc_init(struct minikvm_vm *vm)
{
	mutex_init(&vm->tsc.lock);
	vm->tsc.offset = -rdtsc();
	vm->tsc.write_value = 0;
	vm->tsc.write_ns = ktime_get_ns();
}

static void set_tsc_offset(struct minikvm_vcpu *vcpu, u64 offset)
{
	vcpu->tsc_offset = offset;
	minikvm_x86_call(write_tsc_offset)(vcpu);
}

/* A new vCPU's TSC matches its siblings'. */
void minikvm_vcpu_tsc_init(struct minikvm_vcpu *vcpu)
{
	struct minikvm_vm *vm = vcpu->vm;

	mutex_lock(&vm->tsc.lock);
	set_tsc_offset(vcpu, vm->tsc.offset);
	mutex_unlock(&vm->tsc.lock);
}

u64 minikvm_read_guest_tsc(struct minikvm_vcpu *vcpu)
{
	return rdtsc() + vcpu->tsc_offset;
}

void minikvm_adjust_tsc_offset(struct minikvm_vcpu *vcpu, s64 adjustment)
{
	set_tsc_offset(vcpu, vcpu->tsc_offset + adjustment);
}

/*
 * Userspace sets a TSC: the same value written to several vCPUs within a
 * second gives them the same offset, so that they stay in sync.
 */
static void host_write_tsc(struct minikvm_vcpu *vcpu, u64 data)
{
	struct minikvm_vm_tsc *t = &vcpu->vm->tsc;
	u64 now = ktime_get_ns();
	u64 offset;

	mutex_lock(&t->lock);
	if (data == t->write_value && now - t->write_ns < NSEC_PER_SEC) {
		offset = t->offset;
	} else {
		offset = data - rdtsc();
		t->offset = offset;
		t->write_value = data;
	}
	t->write_ns = now;
	mutex_unlock(&t->lock);
	set_tsc_offset(vcpu, offset);
}

/**
 * minikvm_write_tsc - write IA32_TSC.
 * @vcpu: the vCPU.
 * @data: the new TSC value.
 * @host_initiated: KVM_SET_MSRS rather than WRMSR.
 *
 * A guest write moves IA32_TSC_ADJUST by the same amount, as on hardware.
 */
void minikvm_write_tsc(struct minikvm_vcpu *vcpu, u64 data,
		       bool host_initiated)
{
	s64 adjustment;

	if (host_initiated) {
		host_write_tsc(vcpu, data);
		return;
	}
	adjustment = data - minikvm_read_guest_tsc(vcpu);
	minikvm_adjust_tsc_offset(vcpu, adjustment);
	vcpu->msrs.tsc_adjust += adjustment;
}

/* KVM_GET_TSC_KHZ, on a vCPU or the VM: the host's rate. */
int minikvm_get_tsc_khz(void)
{
	return tsc_khz;
}

/**
 * minikvm_set_tsc_khz - KVM_SET_TSC_KHZ, on a vCPU or the VM.
 * @khz: the requested rate; 0 means the host's.
 *
 * Return: 0 when @khz is the host's rate within 250 ppm, -EINVAL for any
 * other rate: without TSC scaling it cannot be honoured.
 */
int minikvm_set_tsc_khz(u32 khz)
{
	u64 host = tsc_khz, delta;

	if (!khz)
		return 0;
	delta = khz > host ? khz - host : host - khz;
	return delta * 1000000 <= host * TSC_TOLERANCE_PPM ? 0 : -EINVAL;
}

/* May the guest read TSC_AUX without an exit (RDTSCP, RDPID)? */
static bool guest_reads_tsc_aux(struct minikvm_vcpu *vcpu)
{
	struct minikvm_cpuid *c = &vcpu->cpuid;

	return minikvm_cpuid_has(c, MINIKVM_GUEST_RDTSCP) ||
	       minikvm_cpuid_has(c, MINIKVM_GUEST_RDPID);
}

/**
 * minikvm_load_guest_tsc_aux - put the guest's TSC_AUX in the MSR.
 * @vcpu: the vCPU.
 * @host: where the host's value is kept for minikvm_put_guest_tsc_aux().
 *
 * RDTSCP and RDPID read the MSR directly, so a guest that has them sees
 * its own value while it runs.  The host's (the CPU number, for getcpu())
 * is back before IRQs are enabled.
 *
 * Context: IRQs disabled.
 * Return: whether the MSR was switched.
 */
bool minikvm_load_guest_tsc_aux(struct minikvm_vcpu *vcpu, u64 *host)
{
	lockdep_assert_irqs_disabled();

	if (!guest_reads_tsc_aux(vcpu))
		return false;
	rdmsrl(MSR_TSC_AUX, *host);
	if (*host == vcpu->msrs.tsc_aux)
		return false;
	wrmsrl(MSR_TSC_AUX, vcpu->msrs.tsc_aux);
	return true;
}

void minikvm_put_guest_tsc_aux(bool loaded, u64 host)
{
	lockdep_assert_irqs_disabled();

	if (loaded)
		wrmsrl(MSR_TSC_AUX, host);
}

/**
 * minikvm_emulate_rdtscp - RDTSCP intercepted: the guest CPUID lacks it.
 * @vcpu: the vCPU.
 *
 * Return: MINIKVM_EXIT_RESUME, with #UD queued.
 */
int minikvm_emulate_rdtscp(struct minikvm_vcpu *vcpu)
{
	minikvm_inject_ud(vcpu);
	return MINIKVM_EXIT_RESUME;
}
