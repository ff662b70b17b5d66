// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the guest: KVM_GET/SET_VCPU_EVENTS, exceptions with error
 * codes, KVM_NMI and NMI blocking, KVM_INTERRUPT with the interrupt window
 * of a userspace irqchip (request_interrupt_window, if_flag,
 * ready_for_interrupt_injection), the interrupt shadow, and events whose
 * delivery faults (the stack or the IDT not yet mapped by the hypervisor)
 * and must be delivered again.
 *
 * Expected values are KVM's (arch/x86/kvm/x86.c, svm/svm.c).
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "stats.h"
#include "ucall.h"

#define SZ_1M		(1ULL << 20)
#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)
#define IRQ_VECTOR	0x40
#define RAW_PORT	0xf0	/* an OUT that touches no memory */

/* What the guest's handlers saw. */
struct seen {
	uint64_t count;
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t cr2;
	uint64_t nested;	/* a handler ran inside another */
};

static volatile struct seen seen;
static volatile uint64_t in_handler;

static void record(struct ex_regs *regs)
{
	uint64_t cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	if (in_handler)
		seen.nested++;
	in_handler = 1;
	seen.count++;
	seen.vector = regs->vector;
	seen.error_code = regs->error_code;
	seen.rip = regs->rip;
	seen.cr2 = cr2;
	in_handler = 0;
}

/* A handler for a fault raised by an instruction bracketed by r10/r11. */
static void record_and_skip(struct ex_regs *regs)
{
	record(regs);
	regs->rip = regs->r11;
}

static struct seen host_seen(struct kvm_vm *vm)
{
	struct seen s;

	memcpy(&s, addr_gpa2hva(vm, (gpa_t)(uintptr_t)&seen), sizeof(s));
	return s;
}

/* A guest that reports seen.count at each GUEST_SYNC. */
static void guest_report_loop(void)
{
	for (;;)
		GUEST_SYNC(seen.count);
}

static int get_events(struct kvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	return ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, e);
}

static int set_events(struct kvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	return ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, e);
}

FIXTURE(events) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(events)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_report_loop);
}

FIXTURE_TEARDOWN(events)
{
	kvm_vm_free(self->vm);
}

/* KVM_GET/SET_VCPU_EVENTS contracts */

TEST_F(events, get_reports_nmi_shadow_and_smm_state)
{
	struct kvm_vcpu_events e;

	ASSERT_EQ(0, get_events(self->vcpu, &e));
	EXPECT_EQ(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		  KVM_VCPUEVENT_VALID_SMM, e.flags);
	EXPECT_EQ(0, e.exception.injected);
	EXPECT_EQ(0, e.interrupt.injected);
	EXPECT_EQ(0, e.nmi.pending);
	EXPECT_EQ(0, e.nmi.masked);
	EXPECT_EQ(0, e.smi.smm);
}

TEST_F(events, bad_pointer_is_efault)
{
	EXPECT_ERRNO(EFAULT, get_events(self->vcpu, fault_page()));
	EXPECT_ERRNO(EFAULT, set_events(self->vcpu, fault_page()));
}

TEST_F(events, unknown_flag_is_einval)
{
	struct kvm_vcpu_events e;

	ASSERT_EQ(0, get_events(self->vcpu, &e));
	e.flags |= 1u << 10;
	EXPECT_ERRNO(EINVAL, set_events(self->vcpu, &e));
}

/* Payloads and triple fault events need capabilities not enabled here. */
TEST_F(events, payload_and_triple_fault_without_their_caps_are_einval)
{
	struct kvm_vcpu_events e;

	ASSERT_EQ(0, get_events(self->vcpu, &e));
	e.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
	EXPECT_ERRNO(EINVAL, set_events(self->vcpu, &e));
	e.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	EXPECT_ERRNO(EINVAL, set_events(self->vcpu, &e));
}

TEST_F(events, exception_vector_above_31_or_nmi_is_einval)
{
	struct kvm_vcpu_events e;

	ASSERT_EQ(0, get_events(self->vcpu, &e));
	e.exception.injected = 1;
	e.exception.nr = 32;
	EXPECT_ERRNO(EINVAL, set_events(self->vcpu, &e));
	e.exception.nr = NMI_VECTOR;
	EXPECT_ERRNO(EINVAL, set_events(self->vcpu, &e));
	/* Nothing changed. */
	ASSERT_EQ(0, get_events(self->vcpu, &e));
	EXPECT_EQ(0, e.exception.injected);
}

TEST_F(events, set_then_get_returns_the_events)
{
	struct kvm_vcpu_events in = {
		.exception = {
			.injected = 1, .nr = GP_VECTOR, .has_error_code = 1,
			.error_code = 0x1234,
		},
		.nmi = { .pending = 1, .masked = 1 },
		.interrupt = { .shadow = KVM_X86_SHADOW_INT_MOV_SS },
		.flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
			 KVM_VCPUEVENT_VALID_SHADOW,
	}, out;

	ASSERT_EQ(0, set_events(self->vcpu, &in));
	ASSERT_EQ(0, get_events(self->vcpu, &out));
	EXPECT_EQ(1, out.exception.injected);
	EXPECT_EQ(GP_VECTOR, out.exception.nr);
	EXPECT_EQ(1, out.exception.has_error_code);
	EXPECT_EQ(0x1234, out.exception.error_code);
	EXPECT_EQ(1, out.nmi.pending);
	EXPECT_EQ(1, out.nmi.masked);
	/* SVM has one shadow bit: reported as both kinds. */
	EXPECT_NE(0, out.interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS);
}

TEST_F(events, sregs_interrupt_bitmap_injects_an_interrupt)
{
	struct kvm_vcpu_events e;
	struct kvm_sregs sregs;

	vcpu_sregs_get(self->vcpu, &sregs);
	EXPECT_EQ(0, sregs.interrupt_bitmap[0] | sregs.interrupt_bitmap[1] |
		     sregs.interrupt_bitmap[2] | sregs.interrupt_bitmap[3]);
	sregs.interrupt_bitmap[IRQ_VECTOR / 64] = 1ULL << (IRQ_VECTOR % 64);
	vcpu_sregs_set(self->vcpu, &sregs);
	ASSERT_EQ(0, get_events(self->vcpu, &e));
	EXPECT_EQ(1, e.interrupt.injected);
	EXPECT_EQ(IRQ_VECTOR, e.interrupt.nr);
	vcpu_sregs_get(self->vcpu, &sregs);
	EXPECT_EQ(1ULL << (IRQ_VECTOR % 64),
		  sregs.interrupt_bitmap[IRQ_VECTOR / 64]);
}

TEST_F(events, kvm_interrupt_above_255_is_einval)
{
	struct kvm_interrupt irq = { .irq = 256 };

	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_INTERRUPT, &irq));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_INTERRUPT, fault_page()));
}

/* Without an in-kernel local APIC a vCPU can only be runnable. */
TEST_F(events, mp_state_is_runnable_and_only_runnable)
{
	static const uint32_t refused[] = {
		KVM_MP_STATE_UNINITIALIZED, KVM_MP_STATE_INIT_RECEIVED,
		KVM_MP_STATE_HALTED, KVM_MP_STATE_SIPI_RECEIVED,
		KVM_MP_STATE_AP_RESET_HOLD, 1000,
	};
	struct kvm_mp_state mp;
	unsigned int i;

	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	EXPECT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_MP_STATE, &mp));
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		mp.mp_state = refused[i];
		EXPECT_ERRNO(EINVAL, ioctl(self->vcpu->fd, KVM_SET_MP_STATE, &mp));
	}
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu->fd, KVM_GET_MP_STATE, fault_page()));
}

/* Exceptions from userspace */

TEST_F(events, injected_exception_reaches_the_guest_with_its_error_code)
{
	static const struct { uint8_t nr; bool has_error; uint32_t error; } ex[] = {
		{ GP_VECTOR, true, 0x1234 },
		{ UD_VECTOR, false, 0 },
		{ PF_VECTOR, true, 0x5 },
		{ DE_VECTOR, false, 0 },
	};
	struct kvm_vcpu_events e;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ex); i++)
		vm_install_exception_handler(self->vm, ex[i].nr, record);
	vcpu_expect_sync(self->vcpu, 0);
	for (i = 0; i < ARRAY_SIZE(ex); i++) {
		struct seen s;

		ASSERT_EQ(0, get_events(self->vcpu, &e));
		e.exception.injected = 1;
		e.exception.nr = ex[i].nr;
		e.exception.has_error_code = ex[i].has_error;
		e.exception.error_code = ex[i].error;
		ASSERT_EQ(0, set_events(self->vcpu, &e));
		vcpu_expect_sync(self->vcpu, i + 1);
		s = host_seen(self->vm);
		EXPECT_EQ(ex[i].nr, s.vector);
		EXPECT_EQ(ex[i].error, s.error_code) TH_LOG("vector %u", ex[i].nr);
	}
}

/* NMIs */

static void guest_nmi_handler(struct ex_regs *regs)
{
	volatile uint64_t i;

	record(regs);
	/* Long enough for a second NMI to arrive if it were not blocked. */
	in_handler = 1;
	for (i = 0; i < 1000; i++)
		;
	in_handler = 0;
}

TEST_F(events, kvm_nmi_runs_the_nmi_handler)
{
	struct kvm_vcpu_events e;

	vm_install_exception_handler(self->vm, NMI_VECTOR, record);
	vcpu_expect_sync(self->vcpu, 0);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_NMI));
	ASSERT_EQ(0, get_events(self->vcpu, &e));
	EXPECT_EQ(1, e.nmi.pending);
	vcpu_expect_sync(self->vcpu, 1);
	EXPECT_EQ(NMI_VECTOR, host_seen(self->vm).vector);
	ASSERT_EQ(0, get_events(self->vcpu, &e));
	EXPECT_EQ(0, e.nmi.pending);
	EXPECT_EQ(0, e.nmi.masked);
}

/* Two NMIs: the second waits until the first handler's IRET. */
TEST_F(events, nmis_do_not_nest)
{
	vm_install_exception_handler(self->vm, NMI_VECTOR, guest_nmi_handler);
	vcpu_expect_sync(self->vcpu, 0);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_NMI));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_NMI));
	vcpu_expect_sync(self->vcpu, 2);
	EXPECT_EQ(0, host_seen(self->vm).nested);
}

/* More NMIs than can be pending (KVM: two) collapse. */
TEST_F(events, excess_nmis_collapse)
{
	struct kvm_vcpu_events e;
	int i;

	vm_install_exception_handler(self->vm, NMI_VECTOR, record);
	vcpu_expect_sync(self->vcpu, 0);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_NMI));
	ASSERT_EQ(0, get_events(self->vcpu, &e));
	/* 6.12 reports the count, 6.1 whether any is pending. */
	EXPECT_LE(1, e.nmi.pending);
	EXPECT_GE(2, e.nmi.pending);
	vcpu_expect_sync(self->vcpu, 2);
}

/* A guest whose NMIs are blocked executes IRET (not from an NMI). */
static void guest_iret_unblocks_nmis(void)
{
	GUEST_SYNC(seen.count);
	asm volatile("mov %%rsp, %%rax\n\t"
		     "pushq $0x10\n\t"		/* SS */
		     "pushq %%rax\n\t"		/* RSP */
		     "pushfq\n\t"
		     "pushq $0x08\n\t"		/* CS */
		     "lea 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "iretq\n\t"
		     "1:"
		     : : : "rax", "memory");
	GUEST_SYNC(seen.count);
	GUEST_DONE();
}

TEST(masked_nmi_waits_for_an_iret)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_iret_unblocks_nmis);
	struct kvm_vcpu_events e;

	vm_install_exception_handler(vm, NMI_VECTOR, record);
	ASSERT_EQ(0, get_events(vcpu, &e));
	e.nmi.masked = 1;
	e.flags = 0;
	ASSERT_EQ(0, set_events(vcpu, &e));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	vcpu_expect_sync(vcpu, 0);
	ASSERT_EQ(0, get_events(vcpu, &e));
	EXPECT_EQ(1, e.nmi.masked);
	EXPECT_EQ(1, e.nmi.pending);
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* Interrupts from a userspace irqchip */

static void guest_interrupt_window(void)
{
	cli();
	GUEST_SYNC(0);
	sti();
	while (!seen.count)
		cpu_relax();
	GUEST_SYNC(seen.count);
	GUEST_DONE();
}

TEST(interrupt_window_opens_when_the_guest_enables_interrupts)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_interrupt_window);
	struct kvm_run *run = vcpu->run;
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };

	vm_install_exception_handler(vm, IRQ_VECTOR, record);
	vcpu_expect_sync(vcpu, 0);
	EXPECT_EQ(0, run->if_flag);
	EXPECT_EQ(0, run->ready_for_interrupt_injection);

	run->request_interrupt_window = 1;
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IRQ_WINDOW_OPEN, run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(run->exit_reason));
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	run->request_interrupt_window = 0;
	vcpu_expect_sync(vcpu, 1);
	EXPECT_EQ(IRQ_VECTOR, host_seen(vm).vector);
	EXPECT_EQ(0, host_seen(vm).error_code);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* An OUT right after STI exits inside the STI shadow. */
static void guest_sti_shadow(void)
{
	cli();
	asm volatile("sti\n\toutb %%al, %0" : : "i"(RAW_PORT) : "memory");
	GUEST_SYNC(seen.count);
	GUEST_DONE();
}

TEST(sti_shadow_is_reported_and_blocks_injection)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sti_shadow);
	struct kvm_run *run = vcpu->run;
	struct kvm_vcpu_events e;
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };

	vm_install_exception_handler(vm, IRQ_VECTOR, record);
	vcpu_run(vcpu);
	vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, RAW_PORT, 1);
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(0, run->ready_for_interrupt_injection);
	ASSERT_EQ(0, get_events(vcpu, &e));
	EXPECT_NE(0, e.interrupt.shadow);
	/* Once the OUT completes, the shadow is over: the IRQ is taken. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* Events whose delivery faults: stacks in memory nothing touched yet */

#define FRESH_SLOT	1
#define FRESH_GPA	(3 * SZ_1G)
#define FRESH_SIZE	(16 * SZ_2M)

/* A fresh stack in its own 2 MiB (so that KVM's huge pages fault too). */
static uint64_t fresh_stack(unsigned int i)
{
	return FRESH_GPA + i * SZ_2M + SZ_1M;
}

static void on_stack(uint64_t stack_top, uint64_t port)
{
	/* No memory access between the stack switch and the OUT. */
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %[stk], %%rsp\n\t"
		     "outb %%al, %%dx\n\t"
		     "mov %%rbx, %%rsp"
		     : : [stk] "r"(stack_top), "d"(port) : "rbx", "memory");
}

static void ud2_on_stack(uint64_t stack_top)
{
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %[stk], %%rsp\n\t"
		     "lea 1f(%%rip), %%r10\n\t"
		     "lea 2f(%%rip), %%r11\n\t"
		     "1: ud2\n\t"
		     "2: mov %%rbx, %%rsp"
		     : : [stk] "r"(stack_top) : "rbx", "r10", "r11", "memory");
}

/* A read of an address the guest page tables do not map (above 4 GiB). */
#define UNMAPPED_GVA	0x200000000ULL

static void pf_on_stack(uint64_t stack_top)
{
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %[stk], %%rsp\n\t"
		     "lea 1f(%%rip), %%r10\n\t"
		     "lea 2f(%%rip), %%r11\n\t"
		     "1: mov (%[addr]), %%rax\n\t"
		     "2: mov %%rbx, %%rsp"
		     : : [stk] "r"(stack_top), [addr] "r"(UNMAPPED_GVA)
		     : "rax", "rbx", "r10", "r11", "memory");
}

static void guest_fresh_stacks(void)
{
	/* 1: #UD raised by the guest itself. */
	ud2_on_stack(fresh_stack(0));
	GUEST_SYNC(seen.count);
	/* 2: #PF raised by the guest itself, with error code and CR2. */
	pf_on_stack(fresh_stack(1));
	GUEST_SYNC(seen.count);
	/* 3: #GP with an error code, injected by the host at this OUT. */
	on_stack(fresh_stack(2), RAW_PORT);
	GUEST_SYNC(seen.count);
	/* 4: NMI from KVM_NMI. */
	on_stack(fresh_stack(3), RAW_PORT);
	GUEST_SYNC(seen.count);
	/* 5: IRQ from KVM_INTERRUPT (IF=1, no shadow at the OUT). */
	sti();
	asm volatile("nop");
	on_stack(fresh_stack(4), RAW_PORT);
	cli();
	GUEST_SYNC(seen.count);
	GUEST_DONE();
}

static void expect_seen(struct __test_metadata *_metadata, struct kvm_vm *vm,
			uint64_t count, uint64_t vector, uint64_t error_code)
{
	struct seen s = host_seen(vm);

	EXPECT_EQ(count, s.count);
	EXPECT_EQ(vector, s.vector) TH_LOG("event %llu", (unsigned long long)count);
	EXPECT_EQ(error_code, s.error_code)
		TH_LOG("event %llu", (unsigned long long)count);
}

TEST(events_are_delivered_again_when_delivery_faults)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_fresh_stacks);
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct kvm_vcpu_events e;
	uint64_t reinjections;

	vm_add_anon_region(vm, FRESH_SLOT, FRESH_GPA, FRESH_SIZE);
	vm_install_exception_handler(vm, UD_VECTOR, record_and_skip);
	vm_install_exception_handler(vm, PF_VECTOR, record_and_skip);
	vm_install_exception_handler(vm, GP_VECTOR, record);
	vm_install_exception_handler(vm, NMI_VECTOR, record);
	vm_install_exception_handler(vm, IRQ_VECTOR, record);

	vcpu_expect_sync(vcpu, 1);
	expect_seen(_metadata, vm, 1, UD_VECTOR, 0);

	vcpu_expect_sync(vcpu, 2);
	expect_seen(_metadata, vm, 2, PF_VECTOR, 0);	/* not present, read */
	EXPECT_EQ(UNMAPPED_GVA, host_seen(vm).cr2);

	vcpu_run(vcpu);
	vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, RAW_PORT, 1);
	ASSERT_EQ(0, get_events(vcpu, &e));
	e.exception.injected = 1;
	e.exception.nr = GP_VECTOR;
	e.exception.has_error_code = 1;
	e.exception.error_code = 0x18;
	ASSERT_EQ(0, set_events(vcpu, &e));
	vcpu_expect_sync(vcpu, 3);
	expect_seen(_metadata, vm, 3, GP_VECTOR, 0x18);

	vcpu_run(vcpu);
	vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, RAW_PORT, 1);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	vcpu_expect_sync(vcpu, 4);
	expect_seen(_metadata, vm, 4, NMI_VECTOR, 0);

	vcpu_run(vcpu);
	vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, RAW_PORT, 1);
	EXPECT_EQ(1, vcpu->run->ready_for_interrupt_injection);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	vcpu_expect_sync(vcpu, 5);
	expect_seen(_metadata, vm, 5, IRQ_VECTOR, 0);
	vcpu_expect_done(vcpu);
	/* minikvm counts the events it delivered again (KVM does not). */
	if (vcpu_stat(vcpu, "reinjections", &reinjections))
		EXPECT_LE(5, reinjections);
	kvm_vm_free(vm);
}

/* The IDT itself in memory nothing touched yet. */
static void guest_ud2(void)
{
	ud2_on_stack(fresh_stack(5));
	GUEST_SYNC(seen.count);
	GUEST_DONE();
}

TEST(exception_is_delivered_through_an_idt_not_yet_mapped)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_ud2);
	uint64_t idt_gpa = FRESH_GPA + 6 * SZ_2M;
	struct kvm_sregs sregs;

	vm_add_anon_region(vm, FRESH_SLOT, FRESH_GPA, FRESH_SIZE);
	vm_install_exception_handler(vm, UD_VECTOR, record_and_skip);
	vcpu_sregs_get(vcpu, &sregs);
	memcpy(addr_gpa2hva(vm, idt_gpa), addr_gpa2hva(vm, sregs.idt.base),
	       sregs.idt.limit + 1);
	sregs.idt.base = idt_gpa;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_expect_sync(vcpu, 1);
	expect_seen(_metadata, vm, 1, UD_VECTOR, 0);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
