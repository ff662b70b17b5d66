// SPDX-License-Identifier: GPL-2.0
/*
 * The guest TSC: KVM_GET_TSC_KHZ and KVM_SET_TSC_KHZ on vCPUs and VMs
 * without TSC scaling, the TSC shared by the vCPUs of a VM, and the
 * guest's TSC and TSC_ADJUST writes (each moves the other).
 *
 * Expected values are KVM's without KVM_CAP_TSC_CONTROL (QEMU's CPU has no
 * TSC scaling): the host's rate is accepted, a lower one refused.
 */
#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

static void guest_report_tsc(void)
{
	for (;;)
		GUEST_SYNC(rdtsc());
}

FIXTURE(tsc) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(tsc)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_report_tsc);
}

FIXTURE_TEARDOWN(tsc)
{
	kvm_vm_free(self->vm);
}

TEST_F(tsc, get_tsc_khz_is_the_same_on_vm_and_vcpu)
{
	int vm_khz = ioctl(self->vm->fd, KVM_GET_TSC_KHZ, 0);
	int vcpu_khz = ioctl(self->vcpu->fd, KVM_GET_TSC_KHZ, 0);

	EXPECT_LT(0, vm_khz);
	EXPECT_EQ(vm_khz, vcpu_khz);
	EXPECT_LT(0, ioctl(self->vm->sys_fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_GET_TSC_KHZ));
}

TEST_F(tsc, set_tsc_khz_accepts_the_host_rate_only)
{
	int khz = ioctl(self->vcpu->fd, KVM_GET_TSC_KHZ, 0);

	ASSERT_LT(0, khz);
	if (ioctl(self->vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) > 0)
		SKIP(return, "TSC scaling: every rate is possible");
	EXPECT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_TSC_KHZ, khz));
	EXPECT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_TSC_KHZ, 0));
	/* (KVM then reports the refused rate; minikvm keeps its own.) */
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_TSC_KHZ, khz / 2));
}

/* The host writes the same TSC to two vCPUs: they count together. */
TEST(vcpus_of_a_vm_share_the_tsc)
{
	struct kvm_vcpu *vcpus[2];
	struct kvm_vm *vm = vm_create_with_vcpus(2, guest_report_tsc, vcpus);
	uint64_t start = 1ULL << 41, t0, t1, t0b;
	struct ucall uc;

	vcpu_set_msr(vcpus[0], MSR_IA32_TSC, start);
	vcpu_set_msr(vcpus[1], MSR_IA32_TSC, start);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(vcpus[0], &uc));
	t0 = uc.args[0];
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(vcpus[1], &uc));
	t1 = uc.args[0];
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(vcpus[0], &uc));
	t0b = uc.args[0];
	/* Read in this order, the values are in this order. */
	EXPECT_LE(start, t0);
	EXPECT_LE(t0, t1);
	EXPECT_LE(t1, t0b);
	kvm_vm_free(vm);
}

/*
 * TSC_ADJUST is emulated (always in the supported CPUID): a guest write
 * moves the TSC by the difference, a guest TSC write moves TSC_ADJUST.
 */
#define STEP		(1ULL << 40)
#define SLACK		(1ULL << 36)

static void guest_tsc_adjust(void)
{
	uint64_t t0, t1;

	t0 = rdtsc();
	wrmsr(MSR_IA32_TSC_ADJUST, STEP);
	t1 = rdtsc();
	GUEST_ASSERT(t1 - t0 >= STEP && t1 - t0 < STEP + SLACK);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_ADJUST), STEP);
	/* TSC_ADJUST moves by STEP less the time since t0. */
	t0 = rdtsc();
	wrmsr(MSR_IA32_TSC, t0 + STEP);
	t1 = rdmsr(MSR_IA32_TSC_ADJUST);
	GUEST_ASSERT(t1 <= 2 * STEP && t1 > 2 * STEP - SLACK);
	GUEST_DONE();
}

TEST(guest_tsc_and_tsc_adjust_writes_move_each_other)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_tsc_adjust);
	uint64_t adjust;

	ASSERT_TRUE(kvm_cpu_has(vm, FEATURE_TSC_ADJUST));
	vcpu_init_supported_cpuid(vcpu);
	vcpu_expect_done(vcpu);
	/* The host's view: TSC_ADJUST as the guest left it. */
	adjust = vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST);
	EXPECT_GE(2 * STEP, adjust);
	EXPECT_LT(2 * STEP - SLACK, adjust);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
