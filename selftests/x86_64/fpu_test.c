// SPDX-License-Identifier: GPL-2.0
/*
 * The guest FPU: KVM_GET/SET_FPU, KVM_GET/SET_XSAVE, KVM_GET_XSAVE2 and
 * KVM_GET/SET_XCRS, and the guest's own x87/SSE registers across exits.
 *
 * Expected values are KVM's (arch/x86/kvm/x86.c).  KVM_GET/SET_FPU do not
 * transfer MXCSR, in KVM as here: XSAVE does.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define FCW_RESET	0x37f
#define MXCSR_RESET	0x1f80
#define XSTATE_BV_OFF	512	/* the XSAVE header's first field */
#define XFEATURE_FPSSE	3ULL
#define XFEATURE_YMM	4ULL

/*
 * Raw guest code, no C in between (the compiler may use any SSE register):
 * report XMM7's low half, set XMM6's low half, report MXCSR, exit.
 */
extern const char guest_xmm_start[];
asm(".pushsection .text\n"
    "guest_xmm_start:\n"
    "	movq %xmm7, %rax\n"
    "	outl %eax, $0xf0\n"
    "	shr $32, %rax\n"
    "	outl %eax, $0xf0\n"
    "	mov $0x0123456789abcdef, %rax\n"
    "	movq %rax, %xmm6\n"
    "	sub $8, %rsp\n"
    "	stmxcsr (%rsp)\n"
    "	mov (%rsp), %eax\n"
    "	outl %eax, $0xf1\n"
    "	add $8, %rsp\n"
    "	hlt\n"
    ".popsection\n");

FIXTURE(fpu) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(fpu)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, (void *)guest_xmm_start);
}

FIXTURE_TEARDOWN(fpu)
{
	kvm_vm_free(self->vm);
}

static void get_fpu(struct kvm_vcpu *vcpu, struct kvm_fpu *fpu)
{
	vcpu_ioctl(vcpu, KVM_GET_FPU, fpu);
}

TEST_F(fpu, reset_state)
{
	struct kvm_fpu fpu;
	uint8_t zero[sizeof(fpu.xmm)] = { 0 };

	get_fpu(self->vcpu, &fpu);
	EXPECT_EQ(FCW_RESET, fpu.fcw);
	EXPECT_EQ(0, fpu.fsw);
	EXPECT_EQ(0, fpu.ftwx);
	EXPECT_EQ(0, memcmp(zero, fpu.xmm, sizeof(zero)));
}

TEST_F(fpu, set_then_get_returns_the_registers)
{
	struct kvm_fpu in, out;
	unsigned int i;

	get_fpu(self->vcpu, &in);
	for (i = 0; i < sizeof(in.fpr); i++)
		((uint8_t *)in.fpr)[i] = i;
	for (i = 0; i < sizeof(in.xmm); i++)
		((uint8_t *)in.xmm)[i] = 0xff - i;
	in.fcw = 0x27f;
	in.fsw = 0x3800;
	in.ftwx = 0x80;
	in.last_opcode = 0x5a5;
	in.last_ip = 0x12345678;
	in.last_dp = 0x9abcdef0;
	vcpu_ioctl(self->vcpu, KVM_SET_FPU, &in);
	get_fpu(self->vcpu, &out);
	EXPECT_EQ(0, memcmp(in.fpr, out.fpr, sizeof(in.fpr)));
	EXPECT_EQ(0, memcmp(in.xmm, out.xmm, sizeof(in.xmm)));
	EXPECT_EQ(in.fcw, out.fcw);
	EXPECT_EQ(in.fsw, out.fsw);
	EXPECT_EQ(in.ftwx, out.ftwx);
	EXPECT_EQ(in.last_opcode, out.last_opcode);
	EXPECT_EQ(in.last_ip, out.last_ip);
	EXPECT_EQ(in.last_dp, out.last_dp);
}

TEST_F(fpu, bad_pointer_is_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_GET_FPU, fault_page()));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_SET_FPU, fault_page()));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_GET_XSAVE, fault_page()));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_SET_XSAVE, fault_page()));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_GET_XCRS, fault_page()));
}

/* The guest sees what the host set, and the host what the guest set. */
TEST_F(fpu, guest_and_host_see_each_others_sse_registers)
{
	uint64_t xmm7 = 0xfedcba9876543210ULL, xmm6;
	struct kvm_fpu fpu;
	uint32_t lo, hi;

	get_fpu(self->vcpu, &fpu);
	memcpy(&fpu.xmm[7][0], &xmm7, sizeof(xmm7));
	vcpu_ioctl(self->vcpu, KVM_SET_FPU, &fpu);
	vcpu_run(self->vcpu);
	lo = vcpu_expect_io(self->vcpu, KVM_EXIT_IO_OUT, 0xf0, 4);
	vcpu_run(self->vcpu);
	hi = vcpu_expect_io(self->vcpu, KVM_EXIT_IO_OUT, 0xf0, 4);
	EXPECT_EQ(xmm7, lo | (uint64_t)hi << 32);
	vcpu_run(self->vcpu);
	EXPECT_EQ(MXCSR_RESET, vcpu_expect_io(self->vcpu, KVM_EXIT_IO_OUT, 0xf1, 4));
	get_fpu(self->vcpu, &fpu);
	memcpy(&xmm6, &fpu.xmm[6][0], sizeof(xmm6));
	EXPECT_EQ(0x0123456789abcdefULL, xmm6);
	vcpu_run(self->vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, self->vcpu->run->exit_reason);
}

/* KVM_GET/SET_XSAVE: the legacy area is KVM_GET/SET_FPU's, plus MXCSR. */
TEST_F(fpu, xsave_legacy_area_matches_fpu)
{
	struct kvm_xsave xs;
	struct kvm_fpu fpu;
	uint64_t xstate_bv;
	uint32_t mxcsr;
	uint16_t fcw;

	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XSAVE, &xs));
	get_fpu(self->vcpu, &fpu);
	memcpy(&fcw, xs.region, sizeof(fcw));
	EXPECT_EQ(fpu.fcw, fcw);
	memcpy(&mxcsr, (uint8_t *)xs.region + 24, sizeof(mxcsr));
	EXPECT_EQ(MXCSR_RESET, mxcsr);
	memcpy(&xstate_bv, (uint8_t *)xs.region + XSTATE_BV_OFF, sizeof(xstate_bv));
	EXPECT_EQ(0, xstate_bv & ~XFEATURE_FPSSE);

	/* XMM0 through XSAVE, read back through KVM_GET_FPU. */
	memset((uint8_t *)xs.region + 160, 0x5a, 16);
	xstate_bv |= XFEATURE_FPSSE;
	memcpy((uint8_t *)xs.region + XSTATE_BV_OFF, &xstate_bv, sizeof(xstate_bv));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_XSAVE, &xs));
	get_fpu(self->vcpu, &fpu);
	EXPECT_EQ(0x5a, fpu.xmm[0][15]);
}

TEST_F(fpu, set_xsave_refuses_unsupported_state)
{
	struct kvm_xsave xs, after;
	uint64_t xstate_bv;
	uint32_t mxcsr = ~0u;

	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XSAVE, &xs));
	/* Reserved MXCSR bits. */
	memcpy((uint8_t *)xs.region + 24, &mxcsr, sizeof(mxcsr));
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_XSAVE, &xs));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XSAVE, &xs));
	/* A component the host cannot give the guest (bit 63 is reserved). */
	xstate_bv = 1ULL << 62 | XFEATURE_FPSSE;
	memcpy((uint8_t *)xs.region + XSTATE_BV_OFF, &xstate_bv, sizeof(xstate_bv));
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_XSAVE, &xs));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XSAVE, &after));
	memcpy(&mxcsr, (uint8_t *)after.region + 24, sizeof(mxcsr));
	EXPECT_EQ(MXCSR_RESET, mxcsr);
}

TEST_F(fpu, get_xsave2_returns_at_least_the_xsave_area)
{
	int size = ioctl(self->vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	struct kvm_xsave xs;
	uint8_t *buf;

	ASSERT_LE((int)sizeof(struct kvm_xsave), size);
	buf = calloc(1, size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XSAVE2, buf));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XSAVE, &xs));
	EXPECT_EQ(0, memcmp(buf, xs.region, 512));
	free(buf);
}

/* KVM_GET/SET_XCRS: XCR0, if the host has XSAVE at all. */
TEST_F(fpu, xcrs_follow_host_xsave_support)
{
	bool xsave = ioctl(self->vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
	struct kvm_xcrs xcrs;

	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XCRS, &xcrs));
	if (!xsave) {
		EXPECT_EQ(0, xcrs.nr_xcrs);
		EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_XCRS, &xcrs));
		return;
	}
	ASSERT_EQ(1, xcrs.nr_xcrs);
	EXPECT_EQ(0, xcrs.xcrs[0].xcr);
	EXPECT_EQ(1, xcrs.xcrs[0].value);	/* x87 only after RESET */
	EXPECT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_XCRS, &xcrs));
	xcrs.flags = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_XCRS, &xcrs));
	xcrs.flags = 0;
	xcrs.nr_xcrs = KVM_MAX_XCRS + 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_XCRS, &xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].value = 0;			/* x87 is mandatory */
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_XCRS, &xcrs));
	xcrs.xcrs[0].value = XFEATURE_YMM | 1;	/* AVX without SSE */
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_XCRS, &xcrs));
}

/* XSETBV in the guest, if it has XSAVE. */
static void guest_xsetbv(void)
{
	uint64_t vector, error_code;

	set_cr4(get_cr4() | X86_CR4_OSXSAVE);
	asm volatile(GUEST_ASM_SAFE("xsetbv")
		     : GUEST_SAFE_OUTPUTS(vector, error_code)
		     : "c"(0), "a"(3), "d"(0) : GUEST_SAFE_CLOBBERS, "memory");
	GUEST_SYNC(vector);
	asm volatile(GUEST_ASM_SAFE("xsetbv")
		     : GUEST_SAFE_OUTPUTS(vector, error_code)
		     : "c"(0), "a"(2), "d"(0) : GUEST_SAFE_CLOBBERS, "memory");
	GUEST_SYNC(vector);
	asm volatile(GUEST_ASM_SAFE("xsetbv")
		     : GUEST_SAFE_OUTPUTS(vector, error_code)
		     : "c"(1), "a"(3), "d"(0) : GUEST_SAFE_CLOBBERS, "memory");
	GUEST_SYNC(vector);
	(void)error_code;
	GUEST_DONE();
}

TEST(guest_xsetbv_is_checked)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_xsetbv);
	struct kvm_xcrs xcrs;

	if (!kvm_cpu_has(vm, FEATURE_XSAVE)) {
		kvm_vm_free(vm);
		SKIP(return, "no XSAVE");
	}
	vcpu_init_supported_cpuid(vcpu);
	vcpu_expect_sync(vcpu, 0);		/* x87 and SSE */
	vcpu_expect_sync(vcpu, GP_VECTOR);	/* no x87 */
	vcpu_expect_sync(vcpu, GP_VECTOR);	/* no XCR1 */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XCRS, &xcrs));
	EXPECT_EQ(3, xcrs.xcrs[0].value);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
