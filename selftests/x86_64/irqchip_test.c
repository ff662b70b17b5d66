// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip: KVM_CREATE_IRQCHIP and its errnos, KVM_IRQ_LINE
 * through the IOAPIC and the PICs to a guest handler with EOI, remote IRR,
 * KVM_GET/SET_IRQCHIP and KVM_GET/SET_LAPIC round trips, the multiprocessor
 * states, the local APIC timer (one-shot, periodic, TSC deadline, also
 * while the vCPU is halted), and IPIs: INIT/SIPI bring-up of an AP and
 * fixed IPIs waking a halted vCPU.  The guest drives its APIC in x2APIC
 * mode (MSRs).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_ENABLE	(1ULL << 11)
#define APIC_BASE_X2APIC	(1ULL << 10)
#define X2APIC_MSR(reg)		(0x800 + ((reg) >> 4))
#define APIC_ID			0x20
#define APIC_LVR		0x30
#define APIC_TPR		0x80
#define APIC_EOI		0xb0
#define APIC_LDR		0xd0
#define APIC_SVR		0xf0
#define APIC_ISR		0x100
#define APIC_IRR		0x200
#define APIC_ICR		0x300
#define APIC_ICR2		0x310
#define APIC_LVTT		0x320
#define APIC_LVT0		0x350
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0
#define LVT_MASKED		(1U << 16)
#define LVTT_PERIODIC		(1U << 17)
#define LVTT_TSCDEADLINE	(2U << 17)

#define FEATURE_X2APIC		((struct cpuid_feature){ 1, 0, CPUID_ECX, 21 })
#define FEATURE_TSC_DEADLINE	((struct cpuid_feature){ 1, 0, CPUID_ECX, 24 })

#define IOAPIC_VECTOR		0x30
#define PIC_BASE		0x20
#define TIMER_VECTOR		0x40
#define IPI_VECTOR		0x50
#define SIPI_PAGE		0xa000ULL
#define SIPI_PORT		0xf1

static uint64_t irq_count[256];	/* the asm "memory" clobbers reload it */

static void count_and_eoi(struct ex_regs *regs)
{
	irq_count[regs->vector]++;
	wrmsr(X2APIC_MSR(APIC_EOI), 0);
}

/* The PIC's interrupt: EOI to the master PIC, not the local APIC. */
static void count_and_pic_eoi(struct ex_regs *regs)
{
	irq_count[regs->vector]++;
	outb(0x20, 0x20);
}

static void guest_x2apic_enable(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE |
			     APIC_BASE_X2APIC);
	wrmsr(X2APIC_MSR(APIC_SVR), 0x1ff);
}

/* Halt with interrupts on until @n interrupts of @vector arrived. */
static void wait_for(uint8_t vector, uint64_t n)
{
	while (irq_count[vector] < n)
		asm volatile("sti; hlt; cli" ::: "memory");
}

static struct kvm_vm *create_irqchip_vm(unsigned int nr, void *guest_code,
					struct kvm_vcpu **vcpus)
{
	struct kvm_vm *vm = vm_create_with_vcpus(0, NULL, NULL);
	unsigned int i;

	vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL);
	for (i = 0; i < nr; i++) {
		vcpus[i] = vm_vcpu_add(vm, i, guest_code);
		vcpu_init_supported_cpuid(vcpus[i]);
	}
	return vm;
}

static void set_cpuid_feature(struct kvm_vcpu *vcpu, struct cpuid_feature f)
{
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vcpu->vm->sys_fd);

	cpuid_set(cpuid, f, true);
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
}

static void irq_line(struct kvm_vm *vm, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	vm_ioctl(vm, KVM_IRQ_LINE, &l);
}

static int irq_line_status(struct kvm_vm *vm, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	vm_ioctl(vm, KVM_IRQ_LINE_STATUS, &l);
	return l.status;
}

static void get_ioapic(struct kvm_vm *vm, struct kvm_irqchip *chip)
{
	memset(chip, 0, sizeof(*chip));
	chip->chip_id = KVM_IRQCHIP_IOAPIC;
	vm_ioctl(vm, KVM_GET_IRQCHIP, chip);
}

/* Route IOAPIC pin @pin to vector @vector on APIC 0. */
static void route_pin(struct kvm_vm *vm, int pin, uint8_t vector, bool level)
{
	struct kvm_irqchip chip;

	get_ioapic(vm, &chip);
	chip.chip.ioapic.redirtbl[pin].bits = vector | (level ? 1ULL << 15 : 0);
	vm_ioctl(vm, KVM_SET_IRQCHIP, &chip);
}

static uint32_t lapic_reg(struct kvm_lapic_state *s, uint32_t reg)
{
	return *(uint32_t *)(s->regs + reg);
}

/* ------------------------------------------------------------------ */
/* ABI                                                                 */

TEST(create_irqchip_errnos)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_irq_level l = { .irq = 1, .level = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_mp_state mp = { KVM_MP_STATE_HALTED };
	struct kvm_lapic_state lapic;
	struct kvm_interrupt intr = { .irq = 0x20 };
	struct kvm_vcpu *vcpu;

	ASSERT_EQ(kvm_check_cap(vm->sys_fd, KVM_CAP_IRQCHIP), 1);
	ASSERT_EQ(__vm_ioctl(vm, KVM_IRQ_LINE, &l), -1);
	ASSERT_EQ(errno, ENXIO);
	ASSERT_EQ(__vm_ioctl(vm, KVM_GET_IRQCHIP, &chip), -1);
	ASSERT_EQ(errno, ENXIO);

	/* Without an irqchip: no APIC state, only RUNNABLE. */
	vcpu = vm_vcpu_add_raw(vm, 0);
	ASSERT_EQ(__vcpu_ioctl(vcpu, KVM_GET_LAPIC, &lapic), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(__vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp), -1);
	ASSERT_EQ(errno, EINVAL);
	/* Too late once a vCPU exists. */
	ASSERT_EQ(__vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL), -1);
	ASSERT_EQ(errno, EINVAL);
	kvm_vm_free(vm);

	vm = vm_create_barebones();
	vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL);
	ASSERT_EQ(__vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL), -1);
	ASSERT_EQ(errno, EEXIST);
	chip.chip_id = 3;
	ASSERT_EQ(__vm_ioctl(vm, KVM_GET_IRQCHIP, &chip), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(__vm_ioctl(vm, KVM_SET_IRQCHIP, &chip), -1);
	ASSERT_EQ(errno, EINVAL);
	vcpu = vm_vcpu_add_raw(vm, 0);
	/* The in-kernel PIC owns external interrupts. */
	ASSERT_EQ(__vcpu_ioctl(vcpu, KVM_INTERRUPT, &intr), -1);
	ASSERT_EQ(errno, ENXIO);
	mp.mp_state = 42;
	ASSERT_EQ(__vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp), -1);
	ASSERT_EQ(errno, EINVAL);
	kvm_vm_free(vm);
}

TEST(irqchip_state_round_trip)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_irqchip chip, back;
	int i;

	vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL);
	get_ioapic(vm, &chip);
	ASSERT_EQ(chip.chip.ioapic.base_address, 0xfec00000);
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		ASSERT_TRUE(chip.chip.ioapic.redirtbl[i].bits & (1ULL << 16));
	chip.chip.ioapic.id = 3;
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		chip.chip.ioapic.redirtbl[i].bits = (0x20ULL + i) |
			(1ULL << 16) | ((uint64_t)i << 56);
	vm_ioctl(vm, KVM_SET_IRQCHIP, &chip);
	get_ioapic(vm, &back);
	ASSERT_EQ(memcmp(&back.chip.ioapic, &chip.chip.ioapic,
			 sizeof(chip.chip.ioapic)), 0);

	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_PIC_SLAVE;
	vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
	ASSERT_EQ(chip.chip.pic.elcr_mask, 0xde);
	chip.chip.pic.imr = 0xa5;
	chip.chip.pic.irq_base = 0x70;
	vm_ioctl(vm, KVM_SET_IRQCHIP, &chip);
	memset(&back, 0, sizeof(back));
	back.chip_id = KVM_IRQCHIP_PIC_SLAVE;
	vm_ioctl(vm, KVM_GET_IRQCHIP, &back);
	ASSERT_EQ(back.chip.pic.imr, 0xa5);
	ASSERT_EQ(back.chip.pic.irq_base, 0x70);

	/* A masked pin reports -1 (KVM_IRQ_LINE_STATUS). */
	ASSERT_EQ(irq_line_status(vm, 20, 1), -1);
	kvm_vm_free(vm);
}

TEST(mp_states)
{
	struct kvm_vcpu *vcpus[2];
	struct kvm_vm *vm = create_irqchip_vm(2, NULL, vcpus);
	struct kvm_mp_state mp;
	struct kvm_sregs sregs;
	struct kvm_lapic_state lapic;

	vcpu_ioctl(vcpus[0], KVM_GET_MP_STATE, &mp);
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vcpu_ioctl(vcpus[1], KVM_GET_MP_STATE, &mp);
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);

	/* A SIPI waiting for an AP in INIT_RECEIVED starts it (vector 0). */
	mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;
	vcpu_ioctl(vcpus[1], KVM_SET_MP_STATE, &mp);
	vcpu_ioctl(vcpus[1], KVM_GET_MP_STATE, &mp);
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_INIT_RECEIVED);
	mp.mp_state = KVM_MP_STATE_HALTED;
	vcpu_ioctl(vcpus[1], KVM_SET_MP_STATE, &mp);
	vcpu_ioctl(vcpus[1], KVM_GET_MP_STATE, &mp);
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_HALTED);

	/* The local APIC after RESET: xAPIC, its id, LVTs masked. */
	vcpu_ioctl(vcpus[1], KVM_GET_LAPIC, &lapic);
	ASSERT_EQ(lapic_reg(&lapic, APIC_ID), 1U << 24);
	ASSERT_EQ(lapic_reg(&lapic, APIC_LVR) & 0xff, 0x14);
	ASSERT_EQ(lapic_reg(&lapic, APIC_SVR), 0xff);
	ASSERT_TRUE(lapic_reg(&lapic, APIC_LVTT) & LVT_MASKED);
	vcpu_sregs_get(vcpus[1], &sregs);
	ASSERT_EQ(sregs.apic_base, 0xfee00000 | APIC_BASE_ENABLE);
	vcpu_sregs_get(vcpus[0], &sregs);
	ASSERT_EQ(sregs.apic_base, 0xfee00000 | APIC_BASE_ENABLE | (1 << 8));
	kvm_vm_free(vm);
}

TEST(lapic_round_trip_and_x2apic_id)
{
	struct kvm_vcpu *vcpus[2];
	struct kvm_vm *vm = create_irqchip_vm(2, NULL, vcpus);
	struct kvm_lapic_state s, back;
	uint64_t v;

	vcpu_ioctl(vcpus[1], KVM_GET_LAPIC, &s);
	*(uint32_t *)(s.regs + APIC_TPR) = 0x20;
	*(uint32_t *)(s.regs + APIC_SVR) = 0x1ff;
	*(uint32_t *)(s.regs + APIC_LDR) = 0x4000000;
	*(uint32_t *)(s.regs + APIC_IRR + 0x10) = 0x10000;	/* vector 0x30 */
	vcpu_ioctl(vcpus[1], KVM_SET_LAPIC, &s);
	vcpu_ioctl(vcpus[1], KVM_GET_LAPIC, &back);
	ASSERT_EQ(lapic_reg(&back, APIC_TPR), 0x20);
	ASSERT_EQ(lapic_reg(&back, APIC_SVR), 0x1ff);
	ASSERT_EQ(lapic_reg(&back, APIC_LDR), 0x4000000);
	ASSERT_EQ(lapic_reg(&back, APIC_IRR + 0x10), 0x10000);

	/* x2APIC mode: the id is the vCPU id, in xAPIC form by default. */
	vcpu_set_msr(vcpus[1], MSR_APIC_BASE, 0xfee00000 | APIC_BASE_ENABLE |
		     APIC_BASE_X2APIC);
	vcpu_ioctl(vcpus[1], KVM_GET_LAPIC, &s);
	ASSERT_EQ(lapic_reg(&s, APIC_ID), 1U << 24);
	ASSERT_EQ(lapic_reg(&s, APIC_LDR), 0x2);
	ASSERT_EQ(__vcpu_get_msr(vcpus[1], X2APIC_MSR(APIC_ID), &v), 1);
	ASSERT_EQ(v, 1);
	/* ... and read-only: a different id is ignored. */
	*(uint32_t *)(s.regs + APIC_ID) = 7 << 24;
	vcpu_ioctl(vcpus[1], KVM_SET_LAPIC, &s);
	vcpu_ioctl(vcpus[1], KVM_GET_LAPIC, &s);
	ASSERT_EQ(lapic_reg(&s, APIC_ID), 1U << 24);

	vm_enable_cap(vm, KVM_CAP_X2APIC_API, KVM_X2APIC_API_USE_32BIT_IDS);
	vcpu_ioctl(vcpus[1], KVM_GET_LAPIC, &s);
	ASSERT_EQ(lapic_reg(&s, APIC_ID), 1);
	*(uint32_t *)(s.regs + APIC_ID) = 7;
	ASSERT_EQ(__vcpu_ioctl(vcpus[1], KVM_SET_LAPIC, &s), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(__vm_enable_cap(vm, KVM_CAP_X2APIC_API, 1ULL << 5), -1);
	ASSERT_EQ(errno, EINVAL);

	/* x2APIC MSRs fault outside x2APIC mode. */
	ASSERT_EQ(__vcpu_get_msr(vcpus[0], X2APIC_MSR(APIC_ID), &v), 0);
	kvm_vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* IOAPIC and PIC to the guest                                         */

static void guest_ioapic(void)
{
	guest_x2apic_enable();
	GUEST_SYNC(0);
	wait_for(IOAPIC_VECTOR, 1);
	GUEST_SYNC(1);
	wait_for(IOAPIC_VECTOR, 2);
	GUEST_SYNC(2);
	GUEST_DONE();
}

TEST(ioapic_edge_and_level_to_guest)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = create_irqchip_vm(1, guest_ioapic, &vcpu);
	struct kvm_irqchip chip;

	vm_install_exception_handler(vm, IOAPIC_VECTOR, count_and_eoi);
	vcpu_expect_sync(vcpu, 0);

	/* Edge: one interrupt per rising edge. */
	/* GSI 21: the IOAPIC only (0-15 also reach the PIC, at vector 0+). */
	route_pin(vm, 21, IOAPIC_VECTOR, false);
	irq_line(vm, 21, 1);
	irq_line(vm, 21, 0);
	vcpu_expect_sync(vcpu, 1);

	/* Level: remote IRR until the EOI, then clear once the line drops. */
	route_pin(vm, 17, IOAPIC_VECTOR, true);
	irq_line(vm, 17, 1);
	get_ioapic(vm, &chip);
	ASSERT_TRUE(chip.chip.ioapic.redirtbl[17].bits & (1ULL << 14));
	ASSERT_TRUE(chip.chip.ioapic.irr & (1 << 17));
	irq_line(vm, 17, 0);
	vcpu_expect_sync(vcpu, 2);
	get_ioapic(vm, &chip);
	ASSERT_FALSE(chip.chip.ioapic.redirtbl[17].bits & (1ULL << 14));
	vcpu_expect_done(vcpu);
	sync_global_from_guest(vm, irq_count);
	ASSERT_EQ(irq_count[IOAPIC_VECTOR], 2);
	kvm_vm_free(vm);
}

static void guest_pic(void)
{
	guest_x2apic_enable();
	/* LINT0 in ExtINT mode lets the PIC through. */
	wrmsr(X2APIC_MSR(APIC_LVT0), 0x700);
	/* ICW1-4 to both PICs: vectors 0x20 and 0x28, cascade on IRQ 2. */
	outb(0x20, 0x11); outb(0x21, PIC_BASE); outb(0x21, 4); outb(0x21, 1);
	outb(0xa0, 0x11); outb(0xa1, PIC_BASE + 8); outb(0xa1, 2); outb(0xa1, 1);
	outb(0x21, ~(1 << 3) & 0xff);
	outb(0xa1, 0xff);
	GUEST_ASSERT_EQ(inb(0x21), ~(1 << 3) & 0xff);
	GUEST_SYNC(0);
	wait_for(PIC_BASE + 3, 1);
	GUEST_DONE();
}

TEST(pic_irq_to_guest)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = create_irqchip_vm(1, guest_pic, &vcpu);
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };

	vm_install_exception_handler(vm, PIC_BASE + 3, count_and_pic_eoi);
	vcpu_expect_sync(vcpu, 0);
	vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
	ASSERT_EQ(chip.chip.pic.irq_base, PIC_BASE);
	ASSERT_EQ(chip.chip.pic.imr, (uint8_t)~(1 << 3));
	irq_line(vm, 3, 1);
	irq_line(vm, 3, 0);
	vcpu_expect_done(vcpu);
	vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
	ASSERT_EQ(chip.chip.pic.isr, 0);
	kvm_vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* The timer                                                           */

static void guest_timer(void)
{
	uint64_t tsc, ticks;

	guest_x2apic_enable();
	wrmsr(X2APIC_MSR(APIC_TDCR), 0xb);		/* divide by 1 */

	/* One-shot, 1 ms: the vCPU halts until it fires. */
	wrmsr(X2APIC_MSR(APIC_LVTT), TIMER_VECTOR);
	wrmsr(X2APIC_MSR(APIC_TMICT), 1000000);
	GUEST_ASSERT(rdmsr(X2APIC_MSR(APIC_TMCCT)) <= 1000000);
	wait_for(TIMER_VECTOR, 1);
	GUEST_ASSERT_EQ(rdmsr(X2APIC_MSR(APIC_TMCCT)), 0);
	GUEST_SYNC(1);

	/*
	 * Periodic, 1 ms: at least three more ticks, then stopped.  Under TCG
	 * the wake-up and the TMICT write can take longer than a period, so
	 * the exact count is only known once the timer is stopped and a
	 * pending tick (if any) has been taken in the STI window.
	 */
	wrmsr(X2APIC_MSR(APIC_LVTT), TIMER_VECTOR | LVTT_PERIODIC);
	wrmsr(X2APIC_MSR(APIC_TMICT), 1000000);
	wait_for(TIMER_VECTOR, 4);
	wrmsr(X2APIC_MSR(APIC_TMICT), 0);
	asm volatile("sti; nop; cli" ::: "memory");
	ticks = irq_count[TIMER_VECTOR];
	GUEST_SYNC(2);

	/*
	 * TSC deadline: a far deadline reads back as written (it cannot have
	 * fired), then a near one fires once and reads back as 0.
	 */
	wrmsr(X2APIC_MSR(APIC_LVTT), TIMER_VECTOR | LVTT_TSCDEADLINE);
	tsc = rdtsc() + (1ULL << 40);
	wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), tsc);
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + 1000000);
	wait_for(TIMER_VECTOR, ticks + 1);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	GUEST_ASSERT_EQ(irq_count[TIMER_VECTOR], ticks + 1);
	GUEST_DONE();
}

TEST(lapic_timer_modes_while_halted)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = create_irqchip_vm(1, guest_timer, &vcpu);

	set_cpuid_feature(vcpu, FEATURE_TSC_DEADLINE);
	vm_install_exception_handler(vm, TIMER_VECTOR, count_and_eoi);
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_sync(vcpu, 2);
	vcpu_expect_done(vcpu);
	sync_global_from_guest(vm, irq_count);
	ASSERT_GE(irq_count[TIMER_VECTOR], 5);
	kvm_vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* IPIs                                                                */

static volatile uint64_t ap_ready;

static void send_ipi(uint32_t dest, uint32_t low)
{
	wrmsr(X2APIC_MSR(APIC_ICR), ((uint64_t)dest << 32) | low);
}

/* vCPU 0: INIT and SIPI to vCPU 1, then fixed IPIs to vCPU 2. */
static void guest_bsp(void)
{
	guest_x2apic_enable();
	send_ipi(1, 0x4500);				/* INIT, assert */
	send_ipi(1, 0x4600 | (SIPI_PAGE >> 12));	/* SIPI */
	while (!ap_ready)
		cpu_relax();
	send_ipi(2, IPI_VECTOR);
	send_ipi(2, IPI_VECTOR);
	GUEST_DONE();
}

/* vCPU 2: halted, woken by the fixed IPIs. */
static void guest_target(void)
{
	guest_x2apic_enable();
	ap_ready = 1;
	wait_for(IPI_VECTOR, 1);
	GUEST_DONE();
}

static void *run_bsp(void *arg)
{
	vcpu_expect_done(arg);
	return NULL;
}

TEST(init_sipi_and_fixed_ipis)
{
	/* Real mode at SIPI_PAGE:0: OUT to SIPI_PORT, then HLT. */
	static const uint8_t ap_code[] = {
		0xb0, 0x5a, 0xe6, SIPI_PORT, 0xf4,
	};
	struct kvm_vcpu *vcpus[3];
	struct kvm_vm *vm = create_irqchip_vm(3, NULL, vcpus);
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs;
	pthread_t bsp;
	int r;

	vcpu_setup_long_mode(vcpus[0], guest_bsp);
	vcpu_setup_long_mode(vcpus[2], guest_target);
	vcpu_init_supported_cpuid(vcpus[0]);
	vcpu_init_supported_cpuid(vcpus[2]);
	vcpu_ioctl(vcpus[2], KVM_SET_MP_STATE, &mp);
	vm_install_exception_handler(vm, IPI_VECTOR, count_and_eoi);
	memcpy(addr_gpa2hva(vm, SIPI_PAGE), ap_code, sizeof(ap_code));

	/* vCPU 2 halts first (an empty run would also do). */
	ASSERT_EQ(pthread_create(&bsp, NULL, run_bsp, vcpus[2]), 0);
	usleep(100000);
	/* The AP waits for INIT: KVM_RUN returns EAGAIN once it has one. */
	{
		pthread_t t0;

		ASSERT_EQ(pthread_create(&t0, NULL, run_bsp, vcpus[0]), 0);
		r = __vcpu_run(vcpus[1]);
		ASSERT_EQ(r, -1);
		ASSERT_EQ(errno, EAGAIN);
		/* Then it waits for SIPI, and runs from its vector. */
		vcpu_run(vcpus[1]);
		ASSERT_EQ(vcpus[1]->run->exit_reason, KVM_EXIT_IO);
		ASSERT_EQ(vcpus[1]->run->io.port, SIPI_PORT);
		vcpu_sregs_get(vcpus[1], &sregs);
		ASSERT_EQ(sregs.cs.selector, SIPI_PAGE >> 4);
		ASSERT_EQ(sregs.cs.base, SIPI_PAGE);
		ASSERT_EQ(pthread_join(t0, NULL), 0);
	}
	ASSERT_EQ(pthread_join(bsp, NULL), 0);
	sync_global_from_guest(vm, irq_count);
	ASSERT_GE(irq_count[IPI_VECTOR], 1);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
