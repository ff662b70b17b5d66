// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_X86_SET_MSR_FILTER and KVM_CAP_X86_USER_SPACE_MSR: which guest MSR
 * accesses the hypervisor handles, which it denies with #GP, and which it
 * hands to userspace as KVM_EXIT_X86_RDMSR/WRMSR.
 *
 * Expected values are KVM's (arch/x86/kvm/x86.c: kvm_vm_ioctl_set_msr_filter,
 * kvm_msr_allowed, kvm_msr_user_space).
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define MSR_UNKNOWN		0x4b564d7f
#define X2APIC_ID_MSR		0x802
#define MAX_BITMAP_BYTES	0x600	/* KVM_MSR_FILTER_MAX_BITMAP_SIZE */

static uint8_t deny_bitmap[MAX_BITMAP_BYTES];	/* all zero: deny */
static uint8_t allow_bitmap[MAX_BITMAP_BYTES];

static int set_filter(struct kvm_vm *vm, struct kvm_msr_filter *f)
{
	return ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, f);
}

static int enable_user_msr(struct kvm_vm *vm, uint64_t reasons)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR, .args[0] = reasons,
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/* A filter with one range of one MSR, denied for @flags. */
static struct kvm_msr_filter deny_one(uint32_t msr, uint32_t flags)
{
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = {
			.flags = flags, .nmsrs = 1, .base = msr,
			.bitmap = deny_bitmap,
		},
	};

	return f;
}

FIXTURE(filter) {
	struct kvm_vm *vm;
};

FIXTURE_SETUP(filter)
{
	memset(allow_bitmap, 0xff, sizeof(allow_bitmap));
	self->vm = vm_create_barebones();
}

FIXTURE_TEARDOWN(filter)
{
	kvm_vm_free(self->vm);
}

/* KVM_X86_SET_MSR_FILTER errnos */

TEST_F(filter, unknown_filter_flag_is_einval)
{
	struct kvm_msr_filter f = { .flags = 2 };

	EXPECT_ERRNO(EINVAL, set_filter(self->vm, &f));
}

TEST_F(filter, default_deny_without_ranges_is_einval)
{
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_DENY };

	EXPECT_ERRNO(EINVAL, set_filter(self->vm, &f));
}

TEST_F(filter, range_without_access_flags_is_einval)
{
	struct kvm_msr_filter f = deny_one(MSR_STAR, 0);

	EXPECT_ERRNO(EINVAL, set_filter(self->vm, &f));
}

TEST_F(filter, range_with_unknown_flags_is_einval)
{
	struct kvm_msr_filter f = deny_one(MSR_STAR, KVM_MSR_FILTER_READ | 4);

	EXPECT_ERRNO(EINVAL, set_filter(self->vm, &f));
}

TEST_F(filter, bitmap_beyond_the_maximum_is_einval)
{
	struct kvm_msr_filter f = deny_one(0, KVM_MSR_FILTER_READ);

	f.ranges[0].nmsrs = MAX_BITMAP_BYTES * 8;
	EXPECT_EQ(0, set_filter(self->vm, &f));
	f.ranges[0].nmsrs = MAX_BITMAP_BYTES * 8 + 64;
	EXPECT_ERRNO(EINVAL, set_filter(self->vm, &f));
}

TEST_F(filter, unreadable_bitmap_is_efault)
{
	struct kvm_msr_filter f = deny_one(MSR_STAR, KVM_MSR_FILTER_READ);

	f.ranges[0].bitmap = fault_page();
	EXPECT_ERRNO(EFAULT, set_filter(self->vm, &f));
	EXPECT_ERRNO(EFAULT, ioctl(self->vm->fd, KVM_X86_SET_MSR_FILTER,
				   fault_page()));
}

/* A range of size 0 is ignored, flags and all. */
TEST_F(filter, empty_range_is_ignored)
{
	struct kvm_msr_filter f = deny_one(MSR_STAR, 0xff);

	f.ranges[0].nmsrs = 0;
	EXPECT_EQ(0, set_filter(self->vm, &f));
}

TEST_F(filter, allow_all_filter_is_accepted)
{
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };

	EXPECT_EQ(0, set_filter(self->vm, &f));
}

/* KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR) */

TEST_F(filter, user_space_msr_with_unknown_reason_is_einval)
{
	EXPECT_ERRNO(EINVAL, enable_user_msr(self->vm, 1u << 3));
	EXPECT_EQ(0, enable_user_msr(self->vm, KVM_MSR_EXIT_REASON_FILTER |
				     KVM_MSR_EXIT_REASON_UNKNOWN |
				     KVM_MSR_EXIT_REASON_INVAL));
	EXPECT_EQ(0, enable_user_msr(self->vm, 0));
}

TEST_F(filter, enable_cap_with_flags_or_unknown_cap_is_einval)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR, .flags = 1,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap));
	cap = (struct kvm_enable_cap){ .cap = 0x7fffffff };
	EXPECT_ERRNO(EINVAL, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap));
}

/* The filter in action */

static void guest_denied_access(void)
{
	uint64_t v;

	/* STAR: reads denied, writes allowed. */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_STAR, &v), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_STAR, 0x0023001000000000ULL), 0);
	/* PAT: writes denied. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_CR_PAT, 0x0007010600070106ULL),
			GP_VECTOR);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_CR_PAT), PAT_DEFAULT);
	GUEST_SYNC(1);
	/* The filter was replaced: everything allowed. */
	GUEST_ASSERT_EQ(rdmsr(MSR_STAR), 0x0023001000000000ULL);
	GUEST_DONE();
}

TEST(denied_guest_access_is_gp_and_host_access_is_not_filtered)
{
	struct kvm_msr_filter f = deny_one(MSR_STAR, KVM_MSR_FILTER_READ);
	struct kvm_msr_filter allow = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_denied_access);

	f.ranges[1] = (struct kvm_msr_filter_range) {
		.flags = KVM_MSR_FILTER_WRITE, .nmsrs = 1,
		.base = MSR_IA32_CR_PAT, .bitmap = deny_bitmap,
	};
	ASSERT_EQ(0, set_filter(vm, &f));
	/* KVM_GET/SET_MSRS are never filtered. */
	vcpu_set_msr(vcpu, MSR_IA32_CR_PAT, PAT_DEFAULT);
	EXPECT_EQ(PAT_DEFAULT, vcpu_get_msr(vcpu, MSR_IA32_CR_PAT));
	vcpu_expect_sync(vcpu, 1);
	EXPECT_EQ(0x0023001000000000ULL, vcpu_get_msr(vcpu, MSR_STAR));
	ASSERT_EQ(0, set_filter(vm, &allow));
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* Default deny, with a range that allows only LSTAR. */
static void guest_default_deny(void)
{
	uint64_t v;

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_LSTAR, &v), 0);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_CSTAR, &v), GP_VECTOR);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_CR_PAT, &v), GP_VECTOR);
	GUEST_DONE();
}

TEST(default_deny_denies_what_no_range_allows)
{
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_DENY,
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ, .nmsrs = 1,
			.base = MSR_LSTAR, .bitmap = allow_bitmap,
		},
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_default_deny);

	memset(allow_bitmap, 0xff, sizeof(allow_bitmap));
	ASSERT_EQ(0, set_filter(vm, &f));
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* Exits to userspace */

static void guest_user_msrs(void)
{
	uint64_t v;

	/* Filtered read: userspace supplies the value. */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_STAR, &v), 0);
	GUEST_ASSERT_EQ(v, 0x1122334455667788ULL);
	/* Filtered write: userspace refuses it. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_STAR, 0xabcd), GP_VECTOR);
	/* Unknown MSR: userspace accepts the write. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_UNKNOWN, 0x42), 0);
	/* Invalid value: userspace refuses it. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_CR_PAT, 0x0007040600070402ULL),
			GP_VECTOR);
	GUEST_DONE();
}

static void expect_msr_exit(struct __test_metadata *_metadata,
			    struct kvm_vcpu *vcpu, uint32_t exit_reason,
			    uint32_t reason, uint32_t index)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	ASSERT_EQ(exit_reason, run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(run->exit_reason));
	EXPECT_EQ(reason, run->msr.reason);
	EXPECT_EQ(index, run->msr.index);
	EXPECT_EQ(0, run->msr.error);
}

TEST(denied_and_failed_accesses_exit_to_userspace_when_asked)
{
	struct kvm_msr_filter f = deny_one(MSR_STAR, KVM_MSR_FILTER_READ |
						     KVM_MSR_FILTER_WRITE);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_user_msrs);
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(0, set_filter(vm, &f));
	ASSERT_EQ(0, enable_user_msr(vm, KVM_MSR_EXIT_REASON_FILTER |
				     KVM_MSR_EXIT_REASON_UNKNOWN |
				     KVM_MSR_EXIT_REASON_INVAL));

	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_RDMSR,
			KVM_MSR_EXIT_REASON_FILTER, MSR_STAR);
	run->msr.data = 0x1122334455667788ULL;

	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_FILTER, MSR_STAR);
	EXPECT_EQ(0xabcd, run->msr.data);
	run->msr.error = 1;

	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_UNKNOWN, MSR_UNKNOWN);
	EXPECT_EQ(0x42, run->msr.data);

	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_INVAL, MSR_IA32_CR_PAT);
	run->msr.error = 1;

	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* Only the reasons userspace asked for exit; the others #GP. */
static void guest_unknown_msr(void)
{
	uint64_t v;

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_UNKNOWN, &v), GP_VECTOR);
	GUEST_DONE();
}

TEST(unrequested_reasons_do_not_exit)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_unknown_msr);

	ASSERT_EQ(0, enable_user_msr(vm, KVM_MSR_EXIT_REASON_FILTER));
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* x2APIC MSRs cannot be filtered: without a local APIC they #GP anyway. */
static void guest_x2apic_msr(void)
{
	uint64_t v;

	GUEST_ASSERT_EQ(rdmsr_safe(X2APIC_ID_MSR, &v), GP_VECTOR);
	GUEST_DONE();
}

TEST(x2apic_msrs_are_not_filtered)
{
	struct kvm_msr_filter f = deny_one(X2APIC_ID_MSR, KVM_MSR_FILTER_READ);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_x2apic_msr);

	ASSERT_EQ(0, set_filter(vm, &f));
	ASSERT_EQ(0, enable_user_msr(vm, KVM_MSR_EXIT_REASON_FILTER));
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
