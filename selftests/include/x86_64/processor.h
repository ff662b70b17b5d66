/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 guest environment: guest-physical layout, control-register bits,
 * vCPU mode setup (64-bit, flat 32-bit, real mode) and guest-side port I/O.
 */
#ifndef SELFTEST_MINIKVM_X86_64_PROCESSOR_H
#define SELFTEST_MINIKVM_X86_64_PROCESSOR_H

#include <stdint.h>

#include "minikvm_util.h"

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_MP	(1ULL << 1)
#define X86_CR0_EM	(1ULL << 2)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_NW	(1ULL << 29)
#define X86_CR0_CD	(1ULL << 30)
#define X86_CR0_PG	(1ULL << 31)

#define X86_CR4_PSE	(1ULL << 4)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_CR4_OSFXSR	(1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)

#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define X86_EFLAGS_FIXED (1ULL << 1)

#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITABLE	(1ULL << 1)
#define PTE_LARGE	(1ULL << 7)

/*
 * Guest-physical layout of a 64-bit test VM. Memslot 0 starts at GPA 0 and
 * covers the fixed system pages, the test binary's PT_LOAD segments (loaded
 * at GPA == their link address) and one stack per vCPU.
 */
#define GUEST_PML4_GPA		0x1000ULL
#define GUEST_PDPT_GPA		0x2000ULL
#define GUEST_PD_GPA		0x3000ULL	/* GUEST_IDENTITY_GIB pages */
#define GUEST_IDENTITY_GIB	4
#define GUEST_GDT_GPA		0x7000ULL
#define GUEST_IDT_GPA		0x8000ULL
#define GUEST_TSS_GPA		0x9000ULL
#define GUEST_STACK_SIZE	0x10000ULL

#define GUEST_MAIN_SLOT		0

/* Selectors of the guest GDT. */
#define GDT_SEL_CODE64		0x08
#define GDT_SEL_DATA		0x10
#define GDT_SEL_CODE32		0x18
#define GDT_SEL_TSS		0x20

/*
 * Creates a VM whose memslot 0 holds the test binary and a 64-bit
 * environment (identity-mapped page tables, GDT, IDT with reporting
 * exception handlers, TSS), with @nr_vcpus vCPUs each about to call
 * @guest_code in long mode. @vcpus may be NULL if @nr_vcpus is 0.
 */
struct kvm_vm *vm_create_with_vcpus(uint32_t nr_vcpus, void *guest_code,
				    struct kvm_vcpu **vcpus);

static inline struct kvm_vm *vm_create_with_one_vcpu(struct kvm_vcpu **vcpu,
						     void *guest_code)
{
	return vm_create_with_vcpus(1, guest_code, vcpu);
}

/* Adds vCPU @id to a VM from vm_create_with_vcpus(), entering @guest_code. */
struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, uint32_t id, void *guest_code);

#define CPUID_80000001_EDX_LM	(1U << 29)

/*
 * Declares a CPU with long mode to a device that supports guest CPUID.
 *
 * Stock KVM checks EFER against the guest's CPUID: since the stable backport
 * of "check EFER in KVM_SET_SREGS" (present in Debian's 6.12.117, not in
 * 6.1.192), KVM_SET_SREGS with EFER.LME fails with EINVAL unless
 * CPUID.80000001H:EDX.LM is set, and a guest WRMSR to EFER.LME always
 * needs it. So on a device that reports KVM_CAP_EXT_CPUID this sets a
 * two-leaf CPUID (0x80000000, 0x80000001 with LM) with KVM_SET_CPUID2.
 * A device without guest CPUID (minikvm's first cut: the capability is 0)
 * is not asked, so only the first-cut ioctls reach it.
 */
void vcpu_declare_long_mode_cpuid(int sys_fd, int vcpu_fd);

/* Puts @vcpu in 64-bit mode at @guest_code with its own stack. */
void vcpu_setup_long_mode(struct kvm_vcpu *vcpu, void *guest_code);

/* Sets the first @n integer-argument registers (rdi, rsi, rdx, rcx, r8, r9). */
void vcpu_args_set(struct kvm_vcpu *vcpu, unsigned int n, ...);

/*
 * Real mode at CS:IP = (@cs_base >> 4):@ip; every data segment at base 0.
 * The rest of the vCPU stays in its reset state.
 */
void vcpu_setup_real_mode(struct kvm_vcpu *vcpu, uint32_t cs_base, uint16_t ip);

/* 32-bit protected mode, flat 4 GiB segments, paging off, at @eip. */
void vcpu_setup_flat32(struct kvm_vcpu *vcpu, uint32_t eip, uint32_t esp);

/* Segment register helpers used by the setup code and tests. */
void kvm_seg_flat(struct kvm_segment *seg, uint16_t selector, uint8_t type,
		  bool code64, bool db);

/* Guest side helpers (usable in 16/32/64-bit guest C code only if 64-bit). */
static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline void halt(void)
{
	asm volatile("hlt" : : : "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

#endif /* SELFTEST_MINIKVM_X86_64_PROCESSOR_H */
