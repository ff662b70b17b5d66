// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs: KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSRS
 * on the system fd, KVM_GET/SET_MSRS on a vCPU, and the guest's RDMSR and
 * WRMSR of the MSRs a Linux guest uses.
 *
 * Expected values are KVM's (arch/x86/kvm/x86.c, svm/svm.c): unknown MSRs
 * #GP in the guest and stop KVM_GET/SET_MSRS, and the values and checks of
 * the MSRs both implement are the same.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define MSR_UNKNOWN		0x4b564d7f	/* no CPU or KVM defines it */
#define MAX_IO_MSRS		256
#define NONCANONICAL		0x0000800000000000ULL
#define MISC_ENABLE_RESET	0x1800	/* PEBS and BTS unavailable */
#define UCODE_REV_RESET		0x01000065	/* KVM on AMD */

static struct kvm_msr_list *msr_list(int sys_fd, unsigned long ioctl_nr)
{
	struct kvm_msr_list hdr = { .nmsrs = 0 }, *list;
	int r = ioctl(sys_fd, ioctl_nr, &hdr);

	TEST_ASSERT(r == -1 && errno == E2BIG && hdr.nmsrs,
		    "MSR list with nmsrs 0: rc %d errno %d nmsrs %u", r, errno,
		    hdr.nmsrs);
	list = calloc(1, sizeof(*list) + hdr.nmsrs * sizeof(uint32_t));
	TEST_ASSERT(list, "out of memory");
	list->nmsrs = hdr.nmsrs;
	r = ioctl(sys_fd, ioctl_nr, list);
	TEST_ASSERT(!r, "MSR list: %s", strerror(errno));
	return list;
}

static bool list_has(struct kvm_msr_list *list, uint32_t msr)
{
	uint32_t i;

	for (i = 0; i < list->nmsrs; i++)
		if (list->indices[i] == msr)
			return true;
	return false;
}

FIXTURE(msr) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

static void guest_nothing(void)
{
	GUEST_DONE();
}

FIXTURE_SETUP(msr)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_nothing);
}

FIXTURE_TEARDOWN(msr)
{
	kvm_vm_free(self->vm);
}

/* The index lists */

TEST_F(msr, index_list_too_small_is_e2big_with_the_count)
{
	struct kvm_msr_list hdr = { .nmsrs = 1 };

	EXPECT_ERRNO(E2BIG, ioctl(self->vm->sys_fd, KVM_GET_MSR_INDEX_LIST, &hdr));
	EXPECT_LT(1, hdr.nmsrs);
	EXPECT_ERRNO(EFAULT, ioctl(self->vm->sys_fd, KVM_GET_MSR_INDEX_LIST,
				   fault_page()));
}

TEST_F(msr, index_list_has_the_syscall_and_tsc_msrs)
{
	static const uint32_t expected[] = {
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
		MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_TSC,
		MSR_IA32_CR_PAT, MSR_IA32_MISC_ENABLE, MSR_IA32_TSC_ADJUST,
	};
	struct kvm_msr_list *list = msr_list(self->vm->sys_fd,
					     KVM_GET_MSR_INDEX_LIST);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(expected); i++)
		EXPECT_TRUE(list_has(list, expected[i]))
			TH_LOG("MSR 0x%x missing", expected[i]);
	free(list);
}

TEST_F(msr, every_listed_msr_is_readable)
{
	struct kvm_msr_list *list = msr_list(self->vm->sys_fd,
					     KVM_GET_MSR_INDEX_LIST);
	uint64_t value;
	uint32_t i;

	for (i = 0; i < list->nmsrs; i++)
		EXPECT_EQ(1, __vcpu_get_msr(self->vcpu, list->indices[i], &value))
			TH_LOG("MSR 0x%x", list->indices[i]);
	free(list);
}

TEST_F(msr, every_feature_msr_is_readable_on_the_system_fd)
{
	struct kvm_msr_list *list = msr_list(self->vm->sys_fd,
					     KVM_GET_MSR_FEATURE_INDEX_LIST);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} m = { .hdr.nmsrs = 1 };
	uint32_t i;

	ASSERT_LT(0, list->nmsrs);
	for (i = 0; i < list->nmsrs; i++) {
		m.entry.index = list->indices[i];
		EXPECT_EQ(1, ioctl(self->vm->sys_fd, KVM_GET_MSRS, &m))
			TH_LOG("feature MSR 0x%x", list->indices[i]);
	}
	free(list);
}

TEST_F(msr, system_fd_reads_no_ordinary_msr)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} m = { .hdr.nmsrs = 1, .entry.index = MSR_UNKNOWN };

	EXPECT_EQ(0, ioctl(self->vm->sys_fd, KVM_GET_MSRS, &m));
}

/* KVM_GET/SET_MSRS on a vCPU */

TEST_F(msr, get_msrs_of_256_or_more_is_e2big)
{
	struct kvm_msrs hdr = { .nmsrs = MAX_IO_MSRS };

	EXPECT_ERRNO(E2BIG, ioctl(self->vcpu->fd, KVM_GET_MSRS, &hdr));
	EXPECT_ERRNO(E2BIG, ioctl(self->vcpu->fd, KVM_SET_MSRS, &hdr));
}

TEST_F(msr, unreadable_entries_are_efault)
{
	struct kvm_msrs *hdr = before_fault_page(sizeof(*hdr));

	hdr->nmsrs = 2;
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_GET_MSRS, hdr));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_SET_MSRS, hdr));
}

TEST_F(msr, access_stops_at_the_first_unknown_msr)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entries[3];
	} m = {
		.hdr.nmsrs = 3,
		.entries = {
			{ .index = MSR_STAR, .data = 0x0023001000000000ULL },
			{ .index = MSR_UNKNOWN },
			{ .index = MSR_LSTAR, .data = 0xffffffff81000000ULL },
		},
	};

	EXPECT_EQ(1, ioctl(self->vcpu->fd, KVM_SET_MSRS, &m));
	EXPECT_EQ(0x0023001000000000ULL, vcpu_get_msr(self->vcpu, MSR_STAR));
	EXPECT_NE(0xffffffff81000000ULL, vcpu_get_msr(self->vcpu, MSR_LSTAR));
	EXPECT_EQ(1, ioctl(self->vcpu->fd, KVM_GET_MSRS, &m));
}

TEST_F(msr, reset_values)
{
	EXPECT_EQ(PAT_DEFAULT, vcpu_get_msr(self->vcpu, MSR_IA32_CR_PAT));
	EXPECT_EQ(MISC_ENABLE_RESET,
		  vcpu_get_msr(self->vcpu, MSR_IA32_MISC_ENABLE));
	EXPECT_EQ(UCODE_REV_RESET, vcpu_get_msr(self->vcpu, MSR_IA32_UCODE_REV));
	EXPECT_EQ(0, vcpu_get_msr(self->vcpu, MSR_IA32_TSC_DEADLINE));
	EXPECT_EQ(0, vcpu_get_msr(self->vcpu, MSR_IA32_TSC_ADJUST));
	EXPECT_EQ(0, vcpu_get_msr(self->vcpu, MSR_K7_HWCR));
}

TEST_F(msr, set_then_get_returns_the_value)
{
	static const struct { uint32_t msr; uint64_t value; } msrs[] = {
		{ MSR_STAR, 0x0023001000000000ULL },
		{ MSR_LSTAR, 0xffffffff81000000ULL },
		{ MSR_CSTAR, 0xffffffff81001000ULL },
		{ MSR_SYSCALL_MASK, 0x47700 },
		{ MSR_KERNEL_GS_BASE, 0xffff888012345000ULL },
		{ MSR_FS_BASE, 0x7f0012345000ULL },
		{ MSR_GS_BASE, 0xffff888000001000ULL },
		{ MSR_IA32_SYSENTER_CS, 0x10 },
		{ MSR_IA32_SYSENTER_ESP, 0xfffffe0000001000ULL },
		{ MSR_IA32_SYSENTER_EIP, 0xffffffff81002000ULL },
		{ MSR_IA32_CR_PAT, 0x0007010600070106ULL },
		{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_RESET | 1 },
		{ MSR_IA32_UCODE_REV, 0x0a0011d100000000ULL },
		{ MSR_K7_HWCR, 1ULL << 24 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		vcpu_set_msr(self->vcpu, msrs[i].msr, msrs[i].value);
		EXPECT_EQ(msrs[i].value, vcpu_get_msr(self->vcpu, msrs[i].msr))
			TH_LOG("MSR 0x%x", msrs[i].msr);
	}
}

TEST_F(msr, refused_values_are_not_set)
{
	static const struct { uint32_t msr; uint64_t value; } bad[] = {
		{ MSR_LSTAR, NONCANONICAL },
		{ MSR_CSTAR, NONCANONICAL },
		{ MSR_KERNEL_GS_BASE, NONCANONICAL },
		{ MSR_FS_BASE, NONCANONICAL },
		{ MSR_IA32_CR_PAT, 0x0007040600070402ULL },	/* type 2 */
		{ MSR_IA32_CR_PAT, 0x0807040600070406ULL },	/* type 8 */
		{ MSR_EFER, 1ULL << 2 },			/* reserved */
		{ MSR_K7_HWCR, 1ULL << 0 },
		{ MSR_IA32_APICBASE, 0xfee00000 | (1ULL << 11) | 1 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t before = vcpu_get_msr(self->vcpu, bad[i].msr);

		EXPECT_EQ(0, __vcpu_set_msr(self->vcpu, bad[i].msr, bad[i].value))
			TH_LOG("MSR 0x%x = 0x%llx", bad[i].msr,
			       (unsigned long long)bad[i].value);
		EXPECT_EQ(before, vcpu_get_msr(self->vcpu, bad[i].msr));
	}
}

/* SYSENTER_ESP/EIP keep only their low half for an AMD guest. */
TEST_F(msr, sysenter_high_half_depends_on_the_vendor)
{
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(self->vm->sys_fd);
	struct kvm_cpuid_entry2 *leaf0 = cpuid_find(c, 0, 0);
	uint64_t value = 0xffffffff81002000ULL;
	bool amd = leaf0->ebx == 0x68747541;	/* "Auth" */

	vcpu_set_cpuid(self->vcpu, c);
	vcpu_set_msr(self->vcpu, MSR_IA32_SYSENTER_EIP, value);
	EXPECT_EQ(amd ? (uint32_t)value : value,
		  vcpu_get_msr(self->vcpu, MSR_IA32_SYSENTER_EIP));
	free(c);
}

/* The host's TSC write: the guest TSC counts on from there. */
TEST_F(msr, host_tsc_write_sets_the_guest_tsc)
{
	uint64_t tsc, value = 1ULL << 40;

	vcpu_set_msr(self->vcpu, MSR_IA32_TSC, value);
	tsc = vcpu_get_msr(self->vcpu, MSR_IA32_TSC);
	EXPECT_LE(value, tsc);
	EXPECT_GT(value + (1ULL << 36), tsc);
}

/* IA32_POWER_CTL holds whatever is written (no effect), as in KVM. */
TEST_F(msr, power_ctl_reads_back)
{
	EXPECT_EQ(0, vcpu_get_msr(self->vcpu, MSR_IA32_POWER_CTL));
	vcpu_set_msr(self->vcpu, MSR_IA32_POWER_CTL, 0x1234);
	EXPECT_EQ(0x1234, vcpu_get_msr(self->vcpu, MSR_IA32_POWER_CTL));
}

/* Without TSC_ADJUST in the guest CPUID, writes to it are dropped. */
TEST_F(msr, tsc_adjust_needs_its_cpuid_bit)
{
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(self->vm->sys_fd);
	bool has = cpuid_has(c, FEATURE_TSC_ADJUST);

	vcpu_set_msr(self->vcpu, MSR_IA32_TSC_ADJUST, 1000);
	EXPECT_EQ(0, vcpu_get_msr(self->vcpu, MSR_IA32_TSC_ADJUST));
	if (has) {
		vcpu_set_cpuid(self->vcpu, c);
		vcpu_set_msr(self->vcpu, MSR_IA32_TSC_ADJUST, 1000);
		EXPECT_EQ(1000, vcpu_get_msr(self->vcpu, MSR_IA32_TSC_ADJUST));
	}
	free(c);
}

/* RDMSR and WRMSR in the guest */

static void guest_msrs(void)
{
	uint64_t v;

	/* Values the host set. */
	GUEST_ASSERT_EQ(rdmsr(MSR_LSTAR), 0xffffffff81000000ULL);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_CR_PAT), PAT_DEFAULT);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_UCODE_REV), UCODE_REV_RESET);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_MISC_ENABLE), MISC_ENABLE_RESET);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);

	/* Values for the host to read. */
	wrmsr(MSR_STAR, 0x0023001000000000ULL);
	wrmsr(MSR_KERNEL_GS_BASE, 0xffff888012345000ULL);
	wrmsr(MSR_SYSCALL_MASK, 0x47700);
	wrmsr(MSR_IA32_CR_PAT, 0x0007010600070106ULL);
	wrmsr(MSR_K7_HWCR, 1ULL << 24);
	/* The guest cannot change the microcode revision. */
	wrmsr(MSR_IA32_UCODE_REV, 0);
	GUEST_SYNC(1);

	/*
	 * What raises #GP.  (Not a non-canonical LSTAR: KVM lets the guest
	 * write it directly, and QEMU's CPU, unlike AMD's, accepts it.)
	 */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_UNKNOWN, &v), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_UNKNOWN, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_CR_PAT, 0x0007040600070402ULL),
			GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER, rdmsr(MSR_EFER) | (1ULL << 2)),
			GP_VECTOR);
	/* LME cannot change while paging is on. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_LME),
			GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_K7_HWCR, 1), GP_VECTOR);
	/* PEBS/BTS unavailable are read-only for the guest. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MISC_ENABLE, 0), GP_VECTOR);
	/* Nothing changed by the refused writes. */
	GUEST_ASSERT_EQ(rdmsr(MSR_LSTAR), 0xffffffff81000000ULL);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_CR_PAT), 0x0007010600070106ULL);
	GUEST_ASSERT(rdmsr(MSR_EFER) & EFER_LME);
	GUEST_SYNC(2);

	/* A TSC write moves TSC_ADJUST by as much. */
	wrmsr(MSR_IA32_TSC, 1ULL << 40);
	v = rdtsc();
	GUEST_ASSERT(v >= 1ULL << 40 && v < (1ULL << 40) + (1ULL << 36));
	GUEST_ASSERT(rdmsr(MSR_IA32_TSC_ADJUST) != 0);
	GUEST_DONE();
}

TEST(guest_reads_and_writes_the_virtualized_msrs)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_msrs);

	vcpu_set_msr(vcpu, MSR_LSTAR, 0xffffffff81000000ULL);
	vcpu_expect_sync(vcpu, 1);
	EXPECT_EQ(0x0023001000000000ULL, vcpu_get_msr(vcpu, MSR_STAR));
	EXPECT_EQ(0xffff888012345000ULL, vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE));
	EXPECT_EQ(0x47700, vcpu_get_msr(vcpu, MSR_SYSCALL_MASK));
	EXPECT_EQ(0x0007010600070106ULL, vcpu_get_msr(vcpu, MSR_IA32_CR_PAT));
	EXPECT_EQ(1ULL << 24, vcpu_get_msr(vcpu, MSR_K7_HWCR));
	EXPECT_EQ(UCODE_REV_RESET, vcpu_get_msr(vcpu, MSR_IA32_UCODE_REV));
	vcpu_expect_sync(vcpu, 2);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* EFER in the guest follows the same rules as KVM_SET_MSRS. */
static void guest_efer_nx(void)
{
	uint64_t efer = rdmsr(MSR_EFER);

	GUEST_SYNC(wrmsr_safe(MSR_EFER, efer | EFER_NX));
	GUEST_DONE();
}

TEST(guest_efer_nx_needs_nx_in_cpuid)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_efer_nx);
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vm->sys_fd);

	if (!cpuid_has(c, FEATURE_NX)) {
		free(c);
		kvm_vm_free(vm);
		SKIP(return, "no NX");
	}
	vcpu_set_cpuid(vcpu, c);
	vcpu_expect_sync(vcpu, 0);
	kvm_vm_free(vm);

	vm = vm_create_with_one_vcpu(&vcpu, guest_efer_nx);
	cpuid_set(c, FEATURE_NX, false);
	vcpu_set_cpuid(vcpu, c);
	vcpu_expect_sync(vcpu, GP_VECTOR);
	kvm_vm_free(vm);
	free(c);
}

TEST_HARNESS_MAIN
