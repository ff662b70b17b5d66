// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN behaviour: guests in real, 32-bit protected and 64-bit mode, the
 * exits they produce (I/O, HLT, SHUTDOWN, FAIL_ENTRY), signals and
 * immediate_exit, register access, concurrent vCPUs and memslot changes
 * under a running guest.
 *
 * Real- and protected-mode guests are raw code assembled into this binary
 * and copied to a fixed GPA. 64-bit guests are C functions of this file,
 * running from the binary's own image loaded at GPA == link address.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define SZ_1M		(1ULL << 20)
#define SZ_1G		(1ULL << 30)
#define CODE_GPA	0x1000		/* raw real/protected-mode code */

/*
 * A VM with one vCPU and @mem_size bytes at GPA 0 holding the raw code
 * [start, end) at CODE_GPA.
 */
static struct kvm_vm *vm_create_raw_code(const char *start, const char *end,
					 uint64_t mem_size,
					 struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_barebones();
	uint8_t *mem = vm_add_anon_region(vm, 0, 0, mem_size);

	memcpy(mem + CODE_GPA, start, end - start);
	*vcpu = vm_vcpu_add_raw(vm, 0);
	return vm;
}

static uint64_t vcpu_rip(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	return regs.rip;
}

/* Real mode: OUT of every size, immediate and DX port forms. */
extern const char rm_out_start[], rm_out_end[];
asm(".pushsection .text\n"
    ".code16\n"
    "rm_out_start:\n"
    "	mov $0x12, %al\n"
    "	out %al, $0x10\n"
    "	mov $0x3456, %ax\n"
    "	out %ax, $0x11\n"
    "	mov $0x789abcde, %eax\n"
    "	out %eax, $0x12\n"
    "	mov $0x1234, %dx\n"
    "	mov $0x9a, %al\n"
    "	out %al, (%dx)\n"
    "	mov $0xbeef, %ax\n"
    "	out %ax, (%dx)\n"
    "	mov $0xcafef00d, %eax\n"
    "	out %eax, (%dx)\n"
    "	hlt\n"
    "rm_out_end:\n"
    ".code64\n"
    ".popsection\n");

TEST(real_mode_out_reports_port_size_and_value)
{
	static const struct { uint16_t port; uint8_t size; uint32_t val; } outs[] = {
		{ 0x10, 1, 0x12 }, { 0x11, 2, 0x3456 }, { 0x12, 4, 0x789abcde },
		{ 0x1234, 1, 0x9a }, { 0x1234, 2, 0xbeef }, { 0x1234, 4, 0xcafef00d },
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_raw_code(rm_out_start, rm_out_end, SZ_1M,
					       &vcpu);
	unsigned int i;

	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	for (i = 0; i < ARRAY_SIZE(outs); i++) {
		vcpu_run(vcpu);
		EXPECT_EQ(outs[i].val, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT,
						      outs[i].port, outs[i].size));
	}
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	kvm_vm_free(vm);
}

/*
 * Real mode: IN of every size. Each IN starts from EAX = 0xaabbccdd; the
 * guest echoes EAX on port 0x21 so partial-register writes are visible.
 */
extern const char rm_in_start[], rm_in_end[];
asm(".pushsection .text\n"
    ".code16\n"
    "rm_in_start:\n"
    "	mov $0xaabbccdd, %eax\n"
    "	in $0x20, %al\n"
    "	out %eax, $0x21\n"
    "	mov $0xaabbccdd, %eax\n"
    "	in $0x22, %ax\n"
    "	out %eax, $0x21\n"
    "	mov $0xaabbccdd, %eax\n"
    "	in $0x24, %eax\n"
    "	out %eax, $0x21\n"
    "	mov $0x1234, %dx\n"
    "	in (%dx), %al\n"
    "	out %eax, $0x21\n"
    "	hlt\n"
    "rm_in_end:\n"
    ".code64\n"
    ".popsection\n");

TEST(real_mode_in_value_lands_in_al_ax_eax)
{
	static const struct {
		uint16_t port; uint8_t size; uint32_t in; uint32_t eax;
	} ins[] = {
		{ 0x20, 1, 0x11, 0xaabbcc11 },
		{ 0x22, 2, 0x2233, 0xaabb2233 },
		{ 0x24, 4, 0x44556677, 0x44556677 },
		{ 0x1234, 1, 0x88, 0x44556688 },
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_raw_code(rm_in_start, rm_in_end, SZ_1M,
					       &vcpu);
	unsigned int i;

	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	for (i = 0; i < ARRAY_SIZE(ins); i++) {
		vcpu_run(vcpu);
		vcpu_expect_io(vcpu, KVM_EXIT_IO_IN, ins[i].port, ins[i].size);
		memcpy(vcpu_io_data(vcpu), &ins[i].in, ins[i].size);
		vcpu_run(vcpu);
		EXPECT_EQ(ins[i].eax, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x21, 4))
			TH_LOG("IN #%u", i);
	}
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	kvm_vm_free(vm);
}

/*
 * Real mode loop: RM_LOOPS rounds of OUT i / IN f(i), summing the IN values;
 * the sum is reported on port 0x32.
 */
#define RM_LOOPS 300
#define STR(x) #x
#define XSTR(x) STR(x)
extern const char rm_loop_start[], rm_loop_end[];
asm(".pushsection .text\n"
    ".code16\n"
    "rm_loop_start:\n"
    "	xor %ebx, %ebx\n"
    "	xor %ecx, %ecx\n"
    "1:	mov %cx, %ax\n"
    "	out %ax, $0x30\n"
    "	in $0x31, %al\n"
    "	movzbl %al, %eax\n"
    "	add %eax, %ebx\n"
    "	inc %cx\n"
    "	cmp $" XSTR(RM_LOOPS) ", %cx\n"
    "	jne 1b\n"
    "	mov %ebx, %eax\n"
    "	out %eax, $0x32\n"
    "	hlt\n"
    "rm_loop_end:\n"
    ".code64\n"
    ".popsection\n");

static uint8_t loop_in_value(unsigned int i)
{
	return (i * 7 + 3) & 0xff;
}

TEST(real_mode_port_io_loop)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_raw_code(rm_loop_start, rm_loop_end,
					       SZ_1M, &vcpu);
	uint32_t sum = 0;
	unsigned int i;

	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	for (i = 0; i < RM_LOOPS; i++) {
		vcpu_run(vcpu);
		ASSERT_EQ(i, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x30, 2));
		vcpu_run(vcpu);
		vcpu_expect_io(vcpu, KVM_EXIT_IO_IN, 0x31, 1);
		*(uint8_t *)vcpu_io_data(vcpu) = loop_in_value(i);
		sum += loop_in_value(i);
	}
	vcpu_run(vcpu);
	EXPECT_EQ(sum, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x32, 4));
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	kvm_vm_free(vm);
}

/*
 * 32-bit protected mode, no paging: sum 64 dwords the host put at 2 MiB,
 * store the sum at 3 MiB, report it and CR0.
 */
#define PM_ARRAY_GPA	0x200000
#define PM_RESULT_GPA	0x300000
#define PM_WORDS	64
extern const char pm_sum_start[], pm_sum_end[];
asm(".pushsection .text\n"
    ".code32\n"
    "pm_sum_start:\n"
    "	mov $" XSTR(PM_ARRAY_GPA) ", %esi\n"
    "	xor %eax, %eax\n"
    "	mov $" XSTR(PM_WORDS) ", %ecx\n"
    "1:	add (%esi), %eax\n"
    "	add $4, %esi\n"
    "	loop 1b\n"
    "	mov %eax, " XSTR(PM_RESULT_GPA) "\n"
    "	out %eax, $0x40\n"
    "	mov %cr0, %eax\n"
    "	out %eax, $0x41\n"
    "	hlt\n"
    "pm_sum_end:\n"
    ".code64\n"
    ".popsection\n");

TEST(protected_mode_32bit_guest_runs)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_raw_code(pm_sum_start, pm_sum_end,
					       4 * SZ_1M, &vcpu);
	uint32_t *array = addr_gpa2hva(vm, PM_ARRAY_GPA);
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < PM_WORDS; i++) {
		array[i] = 0x01010101 * i + 0x1000;
		sum += array[i];
	}
	vcpu_setup_flat32(vcpu, CODE_GPA, 0x8000);
	vcpu_run(vcpu);
	EXPECT_EQ(sum, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x40, 4));
	EXPECT_EQ(sum, *(uint32_t *)addr_gpa2hva(vm, PM_RESULT_GPA));
	vcpu_run(vcpu);
	EXPECT_EQ(X86_CR0_PE, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x41, 4) &
			      (X86_CR0_PE | X86_CR0_PG));
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	kvm_vm_free(vm);
}

/*
 * 32-bit protected mode with EFER.LME and CR4.PAE: the guest turns paging on
 * itself and is in long mode (compatibility mode), as an AP leaving its
 * real-mode trampoline is.  CPUID there must still be stepped over (without
 * NRIPS the hypervisor decodes it with the guest's 4-level tables), and
 * RDMSR(EFER) reports LMA.  Tables at 64 KiB map the first 2 MiB 1:1.
 */
#define LM_PML4_GPA	0x10000
#define LM_EFER_PORT	0x42
extern const char lm_on_start[], lm_on_end[];
asm(".pushsection .text\n"
    ".code32\n"
    "lm_on_start:\n"
    "	mov %cr0, %eax\n"
    "	or $0x80000000, %eax\n"
    "	mov %eax, %cr0\n"
    "	xor %eax, %eax\n"
    "	cpuid\n"
    "	mov $0xc0000080, %ecx\n"
    "	rdmsr\n"
    "	out %eax, $" XSTR(LM_EFER_PORT) "\n"
    "	hlt\n"
    "lm_on_end:\n"
    ".code64\n"
    ".popsection\n");

TEST(guest_entering_long_mode_itself_sets_efer_lma)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_raw_code(lm_on_start, lm_on_end,
					       4 * SZ_1M, &vcpu);
	uint64_t *pml4 = addr_gpa2hva(vm, LM_PML4_GPA);
	struct kvm_sregs sregs;

	pml4[0] = (LM_PML4_GPA + 0x1000) | 0x3;		/* P W */
	pml4[512] = (LM_PML4_GPA + 0x2000) | 0x3;	/* the PDPT */
	pml4[1024] = 0x83;				/* P W PS: 2 MiB at 0 */
	vcpu_declare_long_mode_cpuid(vm->sys_fd, vcpu->fd);
	vcpu_setup_flat32(vcpu, CODE_GPA, 0x8000);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr3 = LM_PML4_GPA;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = EFER_LME;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_run(vcpu);
	EXPECT_EQ(EFER_LME | EFER_LMA,
		  vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, LM_EFER_PORT, 4) &
		  (EFER_LME | EFER_LMA));
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(EFER_LME | EFER_LMA, sregs.efer & (EFER_LME | EFER_LMA));
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	kvm_vm_free(vm);
}

/* 64-bit mode with ucalls. */

static void guest_sync_sequence(void)
{
	uint64_t i;

	for (i = 0; i < 10; i++)
		GUEST_SYNC(i * i);
	GUEST_DONE();
}

TEST(long_mode_guest_sync_sequence)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sync_sequence);
	struct kvm_sregs sregs;
	uint64_t i;

	for (i = 0; i < 10; i++)
		vcpu_expect_sync(vcpu, i * i);
	vcpu_expect_done(vcpu);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(EFER_LME | EFER_LMA, sregs.efer & (EFER_LME | EFER_LMA));
	kvm_vm_free(vm);
}

static void guest_args(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		       uint64_t e, uint64_t f)
{
	GUEST_SYNC(a + b + c + d + e + f);
	GUEST_DONE();
}

TEST(long_mode_guest_receives_register_args)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_args);

	vcpu_args_set(vcpu, 6, 1ULL, 20ULL, 300ULL, 4000ULL, 50000ULL, 600000ULL);
	vcpu_expect_sync(vcpu, 654321);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

static uint64_t guest_value = 41;
static const unsigned int guest_assert_line = __LINE__ + 4;

static void guest_failing_assert(void)
{
	GUEST_ASSERT_EQ(guest_value, 42);
	GUEST_DONE();
}

TEST(guest_assert_is_reported_with_location_and_values)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_failing_assert);
	struct ucall uc;
	const char *file;

	vcpu_run(vcpu);
	ASSERT_EQ(UCALL_ABORT, get_ucall(vcpu, &uc));
	EXPECT_EQ(guest_assert_line, uc.line);
	EXPECT_EQ(41, uc.args[0]);
	EXPECT_EQ(42, uc.args[1]);
	file = addr_gpa2hva(vm, uc.file);
	EXPECT_NE(NULL, strstr(file, "run_test.c"));
	EXPECT_STREQ("guest_value == 42", (const char *)addr_gpa2hva(vm, uc.expr));
	kvm_vm_free(vm);
}

extern const char ud2_site[];
static void guest_ud2(void)
{
	asm volatile(".globl ud2_site\nud2_site: ud2");
	GUEST_DONE();
}

/* Exercises 64-bit exception delivery through the guest IDT and GDT. */
TEST(guest_exception_is_delivered_to_guest_idt)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_ud2);
	struct ucall uc;

	vcpu_run(vcpu);
	ASSERT_EQ(UCALL_UNHANDLED, get_ucall(vcpu, &uc));
	EXPECT_EQ(6, uc.args[0]);	/* #UD */
	EXPECT_EQ((uint64_t)(uintptr_t)ud2_site, uc.args[1]);
	kvm_vm_free(vm);
}

extern const char hlt_site[];
static void guest_hlt(void)
{
	GUEST_SYNC(1);
	asm volatile(".globl hlt_site\nhlt_site: hlt");
	GUEST_SYNC(2);
	GUEST_DONE();
}

/* Without an in-kernel irqchip, HLT exits to userspace past the HLT. */
TEST(hlt_exits_to_userspace_and_resumes_after_it)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_hlt);

	vcpu_expect_sync(vcpu, 1);
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	EXPECT_EQ((uint64_t)(uintptr_t)hlt_site + 1, vcpu_rip(vcpu));
	vcpu_expect_sync(vcpu, 2);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

static void guest_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	GUEST_SYNC(1);
	/* #UD cannot be delivered, nor can the #GP/#DF that follow. */
	asm volatile("lidt %0\n\tud2" : : "m"(empty_idt));
	GUEST_DONE();
}

TEST(triple_fault_is_shutdown_exit)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_triple_fault);

	vcpu_expect_sync(vcpu, 1);
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_SHUTDOWN, vcpu->run->exit_reason)
		TH_LOG("exit reason %s", exit_reason_str(vcpu->run->exit_reason));
	kvm_vm_free(vm);
}

/*
 * In long mode a code segment with both L and D set is reserved; the VMRUN
 * consistency checks reject it and KVM reports KVM_EXIT_FAIL_ENTRY.
 */
TEST(invalid_long_mode_cs_is_fail_entry)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sync_sequence);
	struct kvm_sregs sregs;
	int r;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.db = 1;
	ASSERT_EQ(0, __vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs));
	r = __vcpu_run(vcpu);
	TH_LOG("KVM_RUN rc %d errno %d exit %u (%s) reason 0x%llx", r, errno,
	       vcpu->run->exit_reason, exit_reason_str(vcpu->run->exit_reason),
	       (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	EXPECT_EQ(0, r);
	EXPECT_EQ(KVM_EXIT_FAIL_ENTRY, vcpu->run->exit_reason);
	kvm_vm_free(vm);
}

/* Signals and immediate_exit. */

static volatile uint64_t spin_counter;

static void guest_spin(void)
{
	for (;;)
		spin_counter++;
}

static volatile sig_atomic_t signal_count;

static void count_signal(int sig)
{
	(void)sig;
	signal_count++;
}

static void install_handler(int sig, int flags)
{
	struct sigaction sa = { .sa_handler = count_signal, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(!sigaction(sig, &sa, NULL), "sigaction: %s", strerror(errno));
}

static timer_t arm_timer_ms(int sig, long ms)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = sig,
	};
	/*
	 * Periodic: should the first expiry come before the thread is in
	 * KVM_RUN (a slow emulated machine), the next one still kicks it.
	 */
	struct itimerspec its = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 },
		.it_interval = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 },
	};
	timer_t t;

	TEST_ASSERT(!timer_create(CLOCK_MONOTONIC, &sev, &t), "timer_create");
	TEST_ASSERT(!timer_settime(t, 0, &its, NULL), "timer_settime");
	return t;
}

static uint64_t guest_spin_count(struct kvm_vm *vm)
{
	return *(volatile uint64_t *)addr_gpa2hva(vm, (gpa_t)(uintptr_t)&spin_counter);
}

/* Runs the spinning guest until a timer signal; returns KVM_RUN's errno. */
static int run_until_timer_signal(struct kvm_vcpu *vcpu, int sa_flags)
{
	timer_t t;
	int r, err;

	install_handler(SIGUSR1, sa_flags);
	signal_count = 0;
	t = arm_timer_ms(SIGUSR1, 50);
	r = __vcpu_run(vcpu);
	err = errno;
	timer_delete(t);
	return r == -1 ? err : 0;
}

TEST(timer_signal_interrupts_spinning_guest_with_eintr)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_spin);
	uint64_t first;

	ASSERT_EQ(EINTR, run_until_timer_signal(vcpu, 0));
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	EXPECT_LE(1, signal_count);
	first = guest_spin_count(vm);
	EXPECT_LT(0, first);
	/* Re-entering continues the same guest. */
	ASSERT_EQ(EINTR, run_until_timer_signal(vcpu, 0));
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	EXPECT_LT(first, guest_spin_count(vm));
	kvm_vm_free(vm);
}

/* KVM_RUN returns -EINTR, never -ERESTARTSYS: SA_RESTART does not apply. */
TEST(sa_restart_does_not_restart_kvm_run)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_spin);

	ASSERT_EQ(EINTR, run_until_timer_signal(vcpu, SA_RESTART));
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	EXPECT_LE(1, signal_count);
	kvm_vm_free(vm);
}

struct kick_ctx {
	struct kvm_vcpu *vcpu;
	int rc;
	int err;
};

static void *vcpu_run_once_thread(void *arg)
{
	struct kick_ctx *ctx = arg;

	ctx->rc = __vcpu_run(ctx->vcpu);
	ctx->err = errno;
	return NULL;
}

TEST(signal_from_another_thread_kicks_vcpu_out)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_spin);
	struct kick_ctx ctx = { .vcpu = vcpu };
	uint64_t deadline = now_ns() + 10 * 1000000000ULL;
	pthread_t th;

	install_handler(SIGUSR1, 0);
	signal_count = 0;
	ASSERT_EQ(0, pthread_create(&th, NULL, vcpu_run_once_thread, &ctx));
	/* Kick only once the guest demonstrably runs. */
	while (!guest_spin_count(vm) && now_ns() < deadline)
		usleep(1000);
	EXPECT_LT(0, guest_spin_count(vm));
	ASSERT_EQ(0, pthread_kill(th, SIGUSR1));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(-1, ctx.rc);
	EXPECT_EQ(EINTR, ctx.err);
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	EXPECT_EQ(1, signal_count);
	kvm_vm_free(vm);
}

static void guest_sync_after_work(void)
{
	uint64_t i;

	for (i = 0; i < 100000; i++)
		spin_counter++;
	GUEST_SYNC(7);
	GUEST_DONE();
}

/* Only unblocked signals end KVM_RUN; a blocked one stays pending. */
TEST(blocked_pending_signal_does_not_interrupt_kvm_run)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sync_after_work);
	sigset_t set, pending;

	install_handler(SIGUSR1, 0);
	signal_count = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	ASSERT_EQ(0, raise(SIGUSR1));

	vcpu_expect_sync(vcpu, 7);
	EXPECT_EQ(100000, guest_spin_count(vm));
	ASSERT_EQ(0, sigpending(&pending));
	EXPECT_TRUE(sigismember(&pending, SIGUSR1));
	EXPECT_EQ(0, signal_count);

	ASSERT_EQ(0, sigprocmask(SIG_UNBLOCK, &set, NULL));
	EXPECT_EQ(1, signal_count);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

TEST(immediate_exit_returns_eintr_without_guest_progress)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sync_after_work);
	uint64_t rip = vcpu_rip(vcpu);
	int i;

	vcpu->run->immediate_exit = 1;
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-1, __vcpu_run(vcpu));
		EXPECT_EQ(EINTR, errno);
	}
	EXPECT_EQ(rip, vcpu_rip(vcpu));
	EXPECT_EQ(0, guest_spin_count(vm));

	vcpu->run->immediate_exit = 0;
	vcpu_expect_sync(vcpu, 7);
	EXPECT_EQ(100000, guest_spin_count(vm));
	kvm_vm_free(vm);
}

/*
 * A pending IN completes (EAX written, RIP past the IN) on the KVM_RUN that
 * returns immediately; the guest then continues after the IN.
 */
extern const char lm_in_start[], lm_in_after[];
asm(".pushsection .text\n"
    ".code64\n"
    "lm_in_start:\n"
    "	mov $0xaabbccdd, %eax\n"
    "	inl $0x40, %eax\n"
    "lm_in_after:\n"
    "	out %eax, $0x41\n"
    "	hlt\n"
    ".popsection\n");

TEST(immediate_exit_completes_pending_in)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, (void *)lm_in_start);
	uint32_t val = 0x13572468;
	struct kvm_regs regs;

	vcpu_run(vcpu);
	vcpu_expect_io(vcpu, KVM_EXIT_IO_IN, 0x40, 4);
	memcpy(vcpu_io_data(vcpu), &val, sizeof(val));

	vcpu->run->immediate_exit = 1;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(val, regs.rax);
	EXPECT_EQ((uint64_t)(uintptr_t)lm_in_after, regs.rip);

	vcpu->run->immediate_exit = 0;
	vcpu_run(vcpu);
	EXPECT_EQ(val, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x41, 4));
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	kvm_vm_free(vm);
}

/* Register access. */

extern const char lm_echo_loop[], lm_alt_entry[];
asm(".pushsection .text\n"
    ".code64\n"
    "lm_echo_loop:\n"
    "	out %eax, $0x50\n"
    "	jmp lm_echo_loop\n"
    "lm_alt_entry:\n"
    "	mov $0x77, %eax\n"
    "	out %eax, $0x51\n"
    "	hlt\n"
    ".popsection\n");

TEST(host_rax_and_rip_changes_take_effect)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, (void *)lm_echo_loop);
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	regs.rax = 0x1111;
	vcpu_regs_set(vcpu, &regs);
	vcpu_run(vcpu);
	EXPECT_EQ(0x1111, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x50, 4));

	vcpu_regs_get(vcpu, &regs);
	regs.rax = 0x2222;
	vcpu_regs_set(vcpu, &regs);
	vcpu_run(vcpu);
	EXPECT_EQ(0x2222, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x50, 4));

	vcpu_regs_get(vcpu, &regs);
	regs.rip = (uint64_t)(uintptr_t)lm_alt_entry;
	vcpu_regs_set(vcpu, &regs);
	vcpu_run(vcpu);
	EXPECT_EQ(0x77, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x51, 4));
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	kvm_vm_free(vm);
}

TEST(set_regs_get_regs_round_trip)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sync_sequence);
	struct kvm_regs in, out;
	uint64_t *w = (uint64_t *)&in;
	unsigned int i;

	for (i = 0; i < sizeof(in) / sizeof(uint64_t); i++)
		w[i] = 0x0101010101010101ULL * (i + 1);
	/* RFLAGS: bit 1 is fixed to 1; use arithmetic flags only. */
	in.rflags = X86_EFLAGS_FIXED | 0x8d5;
	vcpu_regs_set(vcpu, &in);
	vcpu_regs_get(vcpu, &out);
	EXPECT_EQ(0, memcmp(&in, &out, sizeof(in)));
	kvm_vm_free(vm);
}

static void expect_seg_eq(struct __test_metadata *_metadata,
			  const struct kvm_segment *a,
			  const struct kvm_segment *b, const char *name)
{
	EXPECT_EQ(a->base, b->base) TH_LOG("%s.base", name);
	EXPECT_EQ(a->limit, b->limit) TH_LOG("%s.limit", name);
	EXPECT_EQ(a->selector, b->selector) TH_LOG("%s.selector", name);
	EXPECT_EQ(a->type, b->type) TH_LOG("%s.type", name);
	EXPECT_EQ(a->present, b->present) TH_LOG("%s.present", name);
	EXPECT_EQ(a->dpl, b->dpl) TH_LOG("%s.dpl", name);
	EXPECT_EQ(a->db, b->db) TH_LOG("%s.db", name);
	EXPECT_EQ(a->s, b->s) TH_LOG("%s.s", name);
	EXPECT_EQ(a->l, b->l) TH_LOG("%s.l", name);
	EXPECT_EQ(a->g, b->g) TH_LOG("%s.g", name);
}

TEST(set_sregs_get_sregs_round_trip)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sync_sequence);
	struct kvm_sregs in, out;

	/* vm_create_with_one_vcpu() set a 64-bit state; vary it a little. */
	vcpu_sregs_get(vcpu, &in);
	in.cr2 = 0x123456789000ULL;
	in.gdt.limit = 0x7f;
	in.idt.base = GUEST_IDT_GPA + 0x100;
	in.idt.limit = 0xff;
	in.fs.base = 0x1000;
	in.gs.base = 0x7fff12345000ULL;
	vcpu_sregs_set(vcpu, &in);
	vcpu_sregs_get(vcpu, &out);
	EXPECT_EQ(in.cr0, out.cr0);
	EXPECT_EQ(in.cr2, out.cr2);
	EXPECT_EQ(in.cr3, out.cr3);
	EXPECT_EQ(in.cr4, out.cr4);
	EXPECT_EQ(in.efer, out.efer);
	EXPECT_EQ(in.gdt.base, out.gdt.base);
	EXPECT_EQ(in.gdt.limit, out.gdt.limit);
	EXPECT_EQ(in.idt.base, out.idt.base);
	EXPECT_EQ(in.idt.limit, out.idt.limit);
	expect_seg_eq(_metadata, &in.cs, &out.cs, "cs");
	expect_seg_eq(_metadata, &in.ds, &out.ds, "ds");
	expect_seg_eq(_metadata, &in.ss, &out.ss, "ss");
	expect_seg_eq(_metadata, &in.fs, &out.fs, "fs");
	expect_seg_eq(_metadata, &in.gs, &out.gs, "gs");
	expect_seg_eq(_metadata, &in.tr, &out.tr, "tr");
	kvm_vm_free(vm);
}

/* Several vCPUs, one thread each, meeting at a barrier in guest memory. */

#define SMP_VCPUS	4
#define SMP_SYNCS	20

static volatile uint32_t smp_arrived;

static void guest_smp(uint64_t id, uint64_t nr)
{
	uint64_t i;

	for (i = 0; i < SMP_SYNCS; i++)
		GUEST_SYNC2(id, i);
	__atomic_fetch_add(&smp_arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&smp_arrived, __ATOMIC_SEQ_CST) < nr)
		cpu_relax();
	GUEST_DONE();
}

static void *smp_vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;
	uint64_t i;

	for (i = 0; i < SMP_SYNCS; i++) {
		uint64_t cmd = vcpu_run_to_ucall(vcpu, &uc);

		TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == vcpu->id &&
			    uc.args[1] == i,
			    "vCPU %u: ucall %llu (%llu, %llu), expected sync (%u, %llu)",
			    vcpu->id, (unsigned long long)cmd,
			    (unsigned long long)uc.args[0],
			    (unsigned long long)uc.args[1], vcpu->id,
			    (unsigned long long)i);
	}
	vcpu_expect_done(vcpu);
	return NULL;
}

TEST(vcpus_run_concurrently_on_threads)
{
	struct kvm_vcpu *vcpus[SMP_VCPUS];
	struct kvm_vm *vm = vm_create_with_vcpus(SMP_VCPUS, guest_smp, vcpus);
	pthread_t th[SMP_VCPUS];
	unsigned int i;

	for (i = 0; i < SMP_VCPUS; i++) {
		vcpu_args_set(vcpus[i], 2, (uint64_t)i, (uint64_t)SMP_VCPUS);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, smp_vcpu_thread, vcpus[i]));
	}
	for (i = 0; i < SMP_VCPUS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	EXPECT_EQ(SMP_VCPUS, *(volatile uint32_t *)addr_gpa2hva(vm,
				(gpa_t)(uintptr_t)&smp_arrived));
	kvm_vm_free(vm);
}

/* Guest memory shared with the host. */

#define DATA_SLOT	1
#define DATA_GPA	SZ_1G
#define DATA_SIZE	(2 * SZ_1M)

static void guest_mem_rw(volatile uint64_t *p)
{
	GUEST_SYNC(p[0]);
	p[1] = 0x2222;
	p[DATA_SIZE / 8 - 1] = 0x4444;
	GUEST_SYNC(0);
	GUEST_SYNC(p[0]);
	GUEST_DONE();
}

TEST(guest_and_host_see_each_others_memory_writes)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_mem_rw);
	uint64_t *host = vm_add_anon_region(vm, DATA_SLOT, DATA_GPA, DATA_SIZE);

	host[0] = 0x1111;
	vcpu_args_set(vcpu, 1, (uint64_t)DATA_GPA);
	vcpu_expect_sync(vcpu, 0x1111);
	vcpu_expect_sync(vcpu, 0);
	EXPECT_EQ(0x2222, host[1]);
	EXPECT_EQ(0x4444, host[DATA_SIZE / 8 - 1]);
	host[0] = 0x3333;
	vcpu_expect_sync(vcpu, 0x3333);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/*
 * The guest reads the quadword at probe_gpa (set by the host before each
 * run), writes value + 1 just after it, and reports the value.
 */
static uint64_t probe_gpa;

static void guest_probe(void)
{
	for (;;) {
		volatile uint64_t *p =
			(volatile uint64_t *)*(volatile uint64_t *)&probe_gpa;
		uint64_t v = p[0];

		p[1] = v + 1;
		GUEST_SYNC(v);
	}
}

static void probe(struct kvm_vcpu *vcpu, gpa_t gpa, uint64_t expect)
{
	probe_gpa = gpa;
	sync_global_to_guest(vcpu->vm, probe_gpa);
	vcpu_expect_sync(vcpu, expect);
}

static uint64_t *anon_page_with(uint64_t val)
{
	uint64_t *p = mmap(NULL, DATA_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap");
	p[0] = val;
	return p;
}

TEST(moved_memslot_is_seen_at_its_new_gpa)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_probe);
	uint64_t *h1 = vm_add_anon_region(vm, DATA_SLOT, DATA_GPA, DATA_SIZE);
	gpa_t new_gpa = DATA_GPA + 64 * SZ_1M;

	h1[0] = 0x1111;
	probe(vcpu, DATA_GPA, 0x1111);
	EXPECT_EQ(0x1112, h1[1]);

	vm_move_region(vm, DATA_SLOT, new_gpa);
	h1[0] = 0x1212;
	probe(vcpu, new_gpa, 0x1212);
	EXPECT_EQ(0x1213, h1[1]);
	kvm_vm_free(vm);
}

TEST(readded_memslot_shows_new_backing_not_stale_data)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_probe);
	uint64_t *h1 = vm_add_anon_region(vm, DATA_SLOT, DATA_GPA, DATA_SIZE);
	uint64_t *h2 = anon_page_with(0x2222), *h3 = anon_page_with(0x3333);
	gpa_t moved = DATA_GPA + 64 * SZ_1M;

	/* The guest has used (and the MMU has mapped) DATA_GPA -> h1. */
	h1[0] = 0x1111;
	probe(vcpu, DATA_GPA, 0x1111);

	/* Move h1 away; a new slot with different backing takes the GPA. */
	vm_move_region(vm, DATA_SLOT, moved);
	vm_set_user_memory_region(vm, DATA_SLOT + 1, 0, DATA_GPA, DATA_SIZE, h2);
	probe(vcpu, DATA_GPA, 0x2222);
	EXPECT_EQ(0x2223, h2[1]);
	EXPECT_EQ(0x1112, h1[1]);
	probe(vcpu, moved, 0x1111);

	/* Delete and re-add the slot at the same GPA with yet another backing. */
	vm_delete_region(vm, DATA_SLOT + 1);
	vm_set_user_memory_region(vm, DATA_SLOT + 1, 0, DATA_GPA, DATA_SIZE, h3);
	probe(vcpu, DATA_GPA, 0x3333);
	EXPECT_EQ(0x3334, h3[1]);
	EXPECT_EQ(0x2223, h2[1]);

	kvm_vm_free(vm);
	munmap(h2, DATA_SIZE);
	munmap(h3, DATA_SIZE);
}

TEST_HARNESS_MAIN
