// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions the hypervisor intercepts or must let run: HLT, PAUSE,
 * INVD/WBINVD, RDTSC with the TSC offset, RDTSCP with TSC_AUX, VMMCALL with
 * KVM's hypercall ABI, the SVM instructions a guest without SVM may not
 * use, and INVLPG on a mapping the guest changed.
 *
 * Expected values are KVM's (arch/x86/kvm/x86.c, svm/svm.c).
 */
#include <linux/kvm_para.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "stats.h"
#include "ucall.h"

#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)

/* HLT without an in-kernel local APIC: an exit, whatever IF is. */
static void guest_hlt_with_if(void)
{
	sti();
	halt();
	cli();
	GUEST_DONE();
}

TEST(hlt_exits_to_userspace_even_with_interrupts_enabled)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_hlt_with_if);
	struct kvm_mp_state mp;
	uint64_t halts;

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	if (vcpu_stat(vcpu, "halt_exits", &halts))
		EXPECT_EQ(1, halts);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* PAUSE, INVD, WBINVD run (or are emulated) and the guest goes on. */
static void guest_misc_instructions(void)
{
	int i;

	for (i = 0; i < 10000; i++)
		asm volatile("pause");
	asm volatile("wbinvd" : : : "memory");
	asm volatile("invd" : : : "memory");
	GUEST_DONE();
}

TEST(pause_invd_and_wbinvd_let_the_guest_continue)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_misc_instructions);

	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* RDTSC: the host's TSC plus the offset the host set. */
static void guest_rdtsc(void)
{
	uint64_t t0 = rdtsc(), t1;

	GUEST_SYNC(t0);
	t1 = rdtsc();
	GUEST_ASSERT(t1 > t0);
	GUEST_SYNC(t1);
	GUEST_DONE();
}

TEST(rdtsc_counts_from_the_value_the_host_wrote)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rdtsc);
	uint64_t start = 1ULL << 42, far = 1ULL << 38;
	struct ucall uc;

	vcpu_set_msr(vcpu, MSR_IA32_TSC, start);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(vcpu, &uc));
	EXPECT_LE(start, uc.args[0]);
	EXPECT_GT(start + far, uc.args[0]);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(vcpu, &uc));
	EXPECT_LE(start, uc.args[0]);
	EXPECT_GE(vcpu_get_msr(vcpu, MSR_IA32_TSC), uc.args[0]);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/*
 * RDTSCP: TSC_AUX in ECX.  (The #UD for a guest whose CPUID lacks RDTSCP
 * is not tested: QEMU's CPU does not implement the RDTSCP intercept.)
 */
static void guest_rdtscp(void)
{
	uint64_t vector, error_code;
	uint32_t lo, hi, aux = 0;

	asm volatile(GUEST_ASM_SAFE("rdtscp")
		     : GUEST_SAFE_OUTPUTS(vector, error_code), "=a"(lo),
		       "=d"(hi), "+c"(aux)
		     : : GUEST_SAFE_CLOBBERS, "memory");
	(void)error_code;
	GUEST_SYNC(vector);
	GUEST_SYNC(aux);
	GUEST_DONE();
}

TEST(rdtscp_reads_the_guests_tsc_aux)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rdtscp);
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vm->sys_fd);

	if (!cpuid_has(c, FEATURE_RDTSCP)) {
		free(c);
		kvm_vm_free(vm);
		SKIP(return, "no RDTSCP");
	}
	vcpu_set_cpuid(vcpu, c);
	vcpu_set_msr(vcpu, MSR_TSC_AUX, 0x1234);
	vcpu_expect_sync(vcpu, 0);
	vcpu_expect_sync(vcpu, 0x1234);
	EXPECT_EQ(0x1234, vcpu_get_msr(vcpu, MSR_TSC_AUX));
	kvm_vm_free(vm);
	free(c);
}

/* VMMCALL with KVM's ABI: number in RAX, result in RAX. */
static uint64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1)
{
	uint64_t ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1)
		     : "memory");
	return ret;
}

static void guest_hypercalls(void)
{
	GUEST_SYNC(hypercall(KVM_HC_VAPIC_POLL_IRQ, 0, 0));
	GUEST_SYNC(hypercall(0x7fff1234, 1, 2));
	GUEST_SYNC(hypercall(KVM_HC_MAP_GPA_RANGE, 0, 1));
	GUEST_DONE();
}

TEST(vmmcall_follows_kvm_hypercall_abi)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_hypercalls);
	uint64_t calls;

	vcpu_expect_sync(vcpu, 0);
	vcpu_expect_sync(vcpu, (uint64_t)-KVM_ENOSYS);
	/* Only with KVM_CAP_EXIT_HYPERCALL enabled. */
	vcpu_expect_sync(vcpu, (uint64_t)-KVM_ENOSYS);
	vcpu_expect_done(vcpu);
	if (vcpu_stat(vcpu, "hypercalls", &calls))
		EXPECT_EQ(3, calls);
	kvm_vm_free(vm);
}

/* SVM instructions: the guest has no SVM (EFER.SVME is clear). */
#define SVM_INSN_SAFE(insn) ({						\
	uint64_t __vector, __error_code;				\
	asm volatile(GUEST_ASM_SAFE(insn)				\
		     : GUEST_SAFE_OUTPUTS(__vector, __error_code)	\
		     : "a"(0x10000UL), "c"(0UL)				\
		     : GUEST_SAFE_CLOBBERS, "memory");			\
	(void)__error_code;						\
	__vector;							\
})

static void guest_svm_instructions(void)
{
	GUEST_ASSERT_EQ(SVM_INSN_SAFE("vmrun"), UD_VECTOR);
	GUEST_ASSERT_EQ(SVM_INSN_SAFE("vmload"), UD_VECTOR);
	GUEST_ASSERT_EQ(SVM_INSN_SAFE("vmsave"), UD_VECTOR);
	GUEST_ASSERT_EQ(SVM_INSN_SAFE("stgi"), UD_VECTOR);
	GUEST_ASSERT_EQ(SVM_INSN_SAFE("clgi"), UD_VECTOR);
	GUEST_ASSERT_EQ(SVM_INSN_SAFE("invlpga %%rax, %%ecx"), UD_VECTOR);
	GUEST_DONE();
}

TEST(svm_instructions_raise_ud_in_a_guest_without_svm)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_svm_instructions);

	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/*
 * INVLPG: the guest points a 2 MiB mapping at another page and flushes
 * it; the hypervisor's nested paging must not keep the old translation.
 */
#define REMAP_SLOT	1
#define REMAP_GPA	(2 * SZ_1G)
#define TEST_GVA	(3 * SZ_1G + 510 * SZ_2M)

static void guest_invlpg(void)
{
	volatile uint64_t *pde = (uint64_t *)(GUEST_PD_GPA + 3 * PAGE_SIZE) + 510;
	volatile uint64_t *p = (uint64_t *)TEST_GVA;
	uint64_t flags = PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;

	*pde = REMAP_GPA | flags;
	asm volatile("invlpg (%0)" : : "r"(TEST_GVA) : "memory");
	GUEST_SYNC(*p);
	*pde = (REMAP_GPA + SZ_2M) | flags;
	asm volatile("invlpg (%0)" : : "r"(TEST_GVA) : "memory");
	GUEST_SYNC(*p);
	*p = 0x3333;
	GUEST_DONE();
}

TEST(invlpg_makes_the_guest_see_its_new_mapping)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_invlpg);
	uint64_t *mem = vm_add_anon_region(vm, REMAP_SLOT, REMAP_GPA, 2 * SZ_2M);

	mem[0] = 0x1111;
	mem[SZ_2M / 8] = 0x2222;
	vcpu_expect_sync(vcpu, 0x1111);
	vcpu_expect_sync(vcpu, 0x2222);
	vcpu_expect_done(vcpu);
	EXPECT_EQ(0x3333, mem[SZ_2M / 8]);
	EXPECT_EQ(0x1111, mem[0]);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
