// SPDX-License-Identifier: GPL-2.0
/*
 * Register state through KVM_SET_SREGS (the consistency checks KVM makes
 * against the guest CPUID), kvm_run->cr8 (the TPR of a userspace local
 * APIC) and the sync_regs area of kvm_run (KVM_CAP_SYNC_REGS).
 *
 * Only checks that KVM makes on both Debian 6.1 and 6.12 are tested: EFER
 * against the guest CPUID in KVM_SET_SREGS is a 6.12 backport.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define APIC_ENABLE	(1ULL << 11)
#define APIC_EXTD	(1ULL << 10)
#define APIC_BSP	(1ULL << 8)
#define APIC_DEFAULT	0xfee00000ULL

FIXTURE(sregs) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_sregs sregs;		/* a valid 64-bit state */
};

static void guest_nothing(void)
{
	GUEST_DONE();
}

FIXTURE_SETUP(sregs)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_nothing);
	vcpu_sregs_get(self->vcpu, &self->sregs);
}

FIXTURE_TEARDOWN(sregs)
{
	kvm_vm_free(self->vm);
}

/* Expects KVM_SET_SREGS to refuse @s and to leave the state alone. */
static void expect_refused(struct __test_metadata *_metadata,
			   struct kvm_vcpu *vcpu, struct kvm_sregs *s,
			   const char *what)
{
	struct kvm_sregs before, after;

	vcpu_sregs_get(vcpu, &before);
	EXPECT_ERRNO(EINVAL, ioctl(vcpu->fd, KVM_SET_SREGS, s));
	vcpu_sregs_get(vcpu, &after);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before))) TH_LOG("%s", what);
}

TEST_F(sregs, cr4_bits_of_absent_features_are_einval)
{
	static const struct { uint64_t bit; const char *name; } absent[] = {
		{ X86_CR4_VMXE, "VMXE" },	/* never on AMD */
		{ X86_CR4_OSXSAVE, "OSXSAVE" },	/* CPUID has no XSAVE */
		{ X86_CR4_PKE, "PKE" },
		{ X86_CR4_LA57, "LA57" },
		{ X86_CR4_PCIDE, "PCIDE" },
		{ 1ULL << 63, "bit 63" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(absent); i++) {
		struct kvm_sregs s = self->sregs;

		s.cr4 |= absent[i].bit;
		expect_refused(_metadata, self->vcpu, &s, absent[i].name);
	}
}

TEST_F(sregs, inconsistent_cr0_is_einval)
{
	struct kvm_sregs s = self->sregs;

	s.cr0 |= 1ULL << 32;
	expect_refused(_metadata, self->vcpu, &s, "CR0 bit 32");
	s = self->sregs;
	s.cr0 |= X86_CR0_NW;
	s.cr0 &= ~X86_CR0_CD;
	expect_refused(_metadata, self->vcpu, &s, "NW without CD");
	s = self->sregs;
	s.cr0 &= ~X86_CR0_PE;
	expect_refused(_metadata, self->vcpu, &s, "PG without PE");
}

/* In long mode CR3 must lie within MAXPHYADDR (36 without CPUID). */
TEST_F(sregs, long_mode_cr3_beyond_maxphyaddr_is_einval)
{
	struct kvm_cpuid2 *c = cpuid_alloc();
	struct kvm_sregs s = self->sregs;

	s.cr3 = 1ULL << 36;
	expect_refused(_metadata, self->vcpu, &s, "CR3 bit 36");

	c->nent = 3;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0x80000000,
						   .eax = 0x80000008 };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x80000001,
						   .edx = 1u << 29 };
	c->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x80000008,
						   .eax = 48 << 8 | 40 };
	vcpu_set_cpuid(self->vcpu, c);
	EXPECT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_SREGS, &s));
	s.cr3 = 1ULL << 40;
	expect_refused(_metadata, self->vcpu, &s, "CR3 bit 40");
	free(c);
}

TEST_F(sregs, bad_apic_base_is_einval)
{
	struct kvm_sregs s = self->sregs;

	EXPECT_EQ(APIC_DEFAULT | APIC_ENABLE | APIC_BSP, s.apic_base);
	s.apic_base = APIC_DEFAULT | APIC_ENABLE | 1;
	expect_refused(_metadata, self->vcpu, &s, "reserved bit 0");
	s.apic_base = APIC_DEFAULT | APIC_EXTD;
	expect_refused(_metadata, self->vcpu, &s, "x2APIC without xAPIC");
	/* x2APIC needs it in the guest CPUID. */
	s.apic_base = APIC_DEFAULT | APIC_ENABLE | APIC_EXTD;
	expect_refused(_metadata, self->vcpu, &s, "x2APIC without CPUID");
	s.apic_base = 0;
	EXPECT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_SREGS, &s));
}

/* CR4 before and after KVM_SET_CPUID2 */

#define CR4_VME		(1ULL << 0)
#define CR4_PVI		(1ULL << 1)
#define CR4_TSD		(1ULL << 2)
#define CR4_PCE		(1ULL << 8)
#define CR4_BASE	(CR4_VME | CR4_PVI | CR4_TSD | X86_CR4_DE | \
			 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | \
			 X86_CR4_PGE | CR4_PCE | X86_CR4_OSFXSR | \
			 X86_CR4_OSXMMEXCPT)

/* CR4 bits that need a CPUID feature. */
static const struct {
	struct cpuid_feature f;
	uint64_t cr4;
} cr4_features[] = {
	{ FEATURE_XSAVE, X86_CR4_OSXSAVE },
	{ { 1, 0, CPUID_ECX, 17 }, X86_CR4_PCIDE },
	{ { 7, 0, CPUID_EBX, 0 }, X86_CR4_FSGSBASE },
	{ { 7, 0, CPUID_EBX, 7 }, X86_CR4_SMEP },
	{ { 7, 0, CPUID_EBX, 20 }, X86_CR4_SMAP },
	{ { 7, 0, CPUID_ECX, 2 }, X86_CR4_UMIP },
	{ { 7, 0, CPUID_ECX, 3 }, X86_CR4_PKE },
	{ { 7, 0, CPUID_ECX, 16 }, X86_CR4_LA57 },
};

/*
 * Until KVM_SET_CPUID2, CR4 takes every bit the device supports (KVM
 * checks the guest's features only once it has a table); an empty table
 * takes the feature bits away.
 */
TEST(cr4_before_set_cpuid2_takes_every_supported_bit)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	struct kvm_cpuid2 *supported = kvm_get_supported_cpuid(vm->sys_fd);
	struct kvm_cpuid2 empty = { .nent = 0 };
	struct kvm_sregs s, got;
	uint64_t features = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cr4_features); i++)
		if (cpuid_has(supported, cr4_features[i].f))
			features |= cr4_features[i].cr4;
	vcpu_sregs_get(vcpu, &s);
	s.cr0 = 0;
	s.cr4 = CR4_BASE | features;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	vcpu_sregs_get(vcpu, &got);
	EXPECT_EQ(s.cr4, got.cr4);

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, &empty));
	s.cr4 = CR4_BASE;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	for (i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		struct kvm_sregs bad = s;

		if (!(features & cr4_features[i].cr4))
			continue;
		bad.cr4 |= cr4_features[i].cr4;
		expect_refused(_metadata, vcpu, &bad, "feature bit");
	}
	free(supported);
	kvm_vm_free(vm);
}

/* kvm_run->cr8: the TPR for a userspace local APIC */

static void guest_cr8(void)
{
	uint64_t cr8;

	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	GUEST_SYNC(cr8);
	/* Raising the TPR needs no exit. */
	asm volatile("mov %0, %%cr8" : : "r"(9ULL));
	GUEST_SYNC(0);
	GUEST_DONE();
}

TEST(kvm_run_cr8_is_the_tpr)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_cr8);
	struct kvm_sregs sregs;

	vcpu->run->cr8 = 16;
	EXPECT_ERRNO(EINVAL, __vcpu_run(vcpu));
	vcpu->run->cr8 = 5;
	vcpu_expect_sync(vcpu, 5);
	EXPECT_EQ(5, vcpu->run->cr8);
	vcpu_expect_sync(vcpu, 0);
	EXPECT_EQ(9, vcpu->run->cr8);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(9, sregs.cr8);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* sync_regs */

static void guest_add_rax(void)
{
	uint64_t rax;

	asm volatile("" : "=a"(rax));
	for (;;) {
		asm volatile("outl %%eax, %1\n\t"
			     "add $1, %%rax"
			     : "+a"(rax) : "Nd"((uint16_t)0xf0) : "memory");
	}
}

TEST(sync_regs_cap_and_unknown_bits)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_add_rax);

	EXPECT_EQ(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS,
		  ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS));
	vcpu->run->kvm_valid_regs = 1u << 3;
	EXPECT_ERRNO(EINVAL, __vcpu_run(vcpu));
	vcpu->run->kvm_valid_regs = 0;
	vcpu->run->kvm_dirty_regs = 1u << 3;
	EXPECT_ERRNO(EINVAL, __vcpu_run(vcpu));
	kvm_vm_free(vm);
}

TEST(sync_regs_report_and_apply_the_registers)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_add_rax);
	struct kvm_run *run = vcpu->run;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS |
			      KVM_SYNC_X86_EVENTS;
	vcpu_run(vcpu);
	vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0xf0, 4);
	vcpu_regs_get(vcpu, &regs);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(0, memcmp(&regs, &run->s.regs.regs, sizeof(regs)));
	EXPECT_EQ(sregs.cr0, run->s.regs.sregs.cr0);
	EXPECT_EQ(sregs.efer, run->s.regs.sregs.efer);
	EXPECT_EQ(sregs.cs.selector, run->s.regs.sregs.cs.selector);
	EXPECT_EQ(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		  KVM_VCPUEVENT_VALID_SMM, run->s.regs.events.flags);

	/* Changed registers marked dirty take effect, then are clean. */
	run->s.regs.regs.rax = 0x1000;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	vcpu_run(vcpu);
	EXPECT_EQ(0x1001, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0xf0, 4));
	EXPECT_EQ(0, run->kvm_dirty_regs);
	EXPECT_EQ(0x1001, run->s.regs.regs.rax);

	/* Refused special registers fail KVM_RUN. */
	run->s.regs.sregs.cr0 |= 1ULL << 32;
	run->kvm_dirty_regs = KVM_SYNC_X86_SREGS;
	EXPECT_ERRNO(EINVAL, __vcpu_run(vcpu));
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
