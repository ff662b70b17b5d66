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

#define X86_CR4_DE	(1ULL << 3)
#define X86_CR4_PSE	(1ULL << 4)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_CR4_MCE	(1ULL << 6)
#define X86_CR4_PGE	(1ULL << 7)
#define X86_CR4_OSFXSR	(1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)
#define X86_CR4_UMIP	(1ULL << 11)
#define X86_CR4_LA57	(1ULL << 12)
#define X86_CR4_VMXE	(1ULL << 13)
#define X86_CR4_FSGSBASE (1ULL << 16)
#define X86_CR4_PCIDE	(1ULL << 17)
#define X86_CR4_OSXSAVE	(1ULL << 18)
#define X86_CR4_SMEP	(1ULL << 20)
#define X86_CR4_SMAP	(1ULL << 21)
#define X86_CR4_PKE	(1ULL << 22)

#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NX		(1ULL << 11)
#define EFER_SVME	(1ULL << 12)

#define X86_EFLAGS_FIXED (1ULL << 1)
#define X86_EFLAGS_TF	(1ULL << 8)
#define X86_EFLAGS_IF	(1ULL << 9)
#define X86_EFLAGS_RF	(1ULL << 16)

/* Exception vectors. */
#define DE_VECTOR	0
#define DB_VECTOR	1
#define NMI_VECTOR	2
#define BP_VECTOR	3
#define UD_VECTOR	6
#define DF_VECTOR	8
#define GP_VECTOR	13
#define PF_VECTOR	14

#define NR_INTERRUPT_VECTORS	256

/* MSRs the tests use. */
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103
#define MSR_IA32_TSC		0x00000010
#define MSR_IA32_APICBASE	0x0000001b
#define MSR_IA32_TSC_ADJUST	0x0000003b
#define MSR_IA32_UCODE_REV	0x0000008b
#define MSR_IA32_POWER_CTL	0x000001fc
#define MSR_IA32_SYSENTER_CS	0x00000174
#define MSR_IA32_SYSENTER_ESP	0x00000175
#define MSR_IA32_SYSENTER_EIP	0x00000176
#define MSR_IA32_MISC_ENABLE	0x000001a0
#define MSR_IA32_CR_PAT		0x00000277
#define MSR_IA32_TSC_DEADLINE	0x000006e0
#define MSR_K7_HWCR		0xc0010015
#define MSR_AMD64_DE_CFG	0xc0011029

#define PAT_DEFAULT		0x0007040600070406ULL

/*
 * The registers an exception handler sees and may change (handlers.S
 * saves them in this order below the vector, error code and the CPU's
 * frame, and restores them on return).
 */
struct ex_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*guest_handler_t)(struct ex_regs *regs);

/*
 * Installs @handler for @vector in the guest (NULL: report the exception
 * to the host as UCALL_UNHANDLED, the default).
 */
void vm_install_exception_handler(struct kvm_vm *vm, unsigned int vector,
				  guest_handler_t handler);

/*
 * GUEST_ASM_SAFE(insn): run one instruction in the guest; if it raises an
 * exception the dispatcher skips it. Outputs: [vector] (0 if none) and
 * [error_code]. Clobbers r9-r11.
 */
#define GUEST_SAFE_MAGIC	0xabacadabaULL
#define GUEST_STR(x)		#x
#define GUEST_XSTR(x)		GUEST_STR(x)
#define GUEST_ASM_SAFE(insn)						\
	"mov $" GUEST_XSTR(GUEST_SAFE_MAGIC) ", %%r9\n\t"		\
	"lea 1f(%%rip), %%r10\n\t"					\
	"lea 2f(%%rip), %%r11\n\t"					\
	"1: " insn "\n\t"						\
	"xor %%r9, %%r9\n\t"						\
	"2:\n\t"							\
	"mov %%r9, %[vector]\n\t"					\
	"mov %%r10, %[error_code]\n\t"
#define GUEST_SAFE_OUTPUTS(v, ec)	[vector] "=r"(v), [error_code] "=r"(ec)
#define GUEST_SAFE_CLOBBERS		"r9", "r10", "r11"

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

static inline void sti(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void cli(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void cpuid_count(uint32_t fn, uint32_t idx, uint32_t *a,
			       uint32_t *b, uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(fn), "c"(idx) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return lo | (uint64_t)hi << 32;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr"
		     : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
}

/* RDMSR; Return: the vector it raised (GP_VECTOR) or 0. */
static inline uint64_t rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint64_t vector, error_code;
	uint32_t lo = 0, hi = 0;

	asm volatile(GUEST_ASM_SAFE("rdmsr")
		     : GUEST_SAFE_OUTPUTS(vector, error_code), "+a"(lo), "+d"(hi)
		     : "c"(msr) : GUEST_SAFE_CLOBBERS, "memory");
	(void)error_code;
	*val = lo | (uint64_t)hi << 32;
	return vector;
}

/* WRMSR; Return: the vector it raised (GP_VECTOR) or 0. */
static inline uint64_t wrmsr_safe(uint32_t msr, uint64_t val)
{
	uint64_t vector, error_code;

	asm volatile(GUEST_ASM_SAFE("wrmsr")
		     : GUEST_SAFE_OUTPUTS(vector, error_code)
		     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : GUEST_SAFE_CLOBBERS, "memory");
	(void)error_code;
	return vector;
}

static inline uint64_t get_cr4(void)
{
	uint64_t cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4) : : "memory");
	return cr4;
}

static inline void set_cr4(uint64_t cr4)
{
	asm volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

#endif /* SELFTEST_MINIKVM_X86_64_PROCESSOR_H */
