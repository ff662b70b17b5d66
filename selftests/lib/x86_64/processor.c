// SPDX-License-Identifier: GPL-2.0
/*
 * Builds the 64-bit guest environment (page tables, GDT, IDT, TSS) in
 * memslot 0 and puts vCPUs into 64-bit, flat 32-bit or real mode through
 * KVM_SET_SREGS/KVM_SET_REGS. No CPUID, MSR or irqchip ioctls are used.
 */
#include <stdarg.h>

#include "elf_loader.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)

/* x86 64-bit gate descriptor (16 bytes). */
struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "idt gate size");

extern const uint64_t vec_stub_table[NR_INTERRUPT_VECTORS];
extern char guest_entry_returned[];

/* Guest side: the handler of each vector, set by the host (or NULL). */
guest_handler_t guest_handlers[NR_INTERRUPT_VECTORS];

/*
 * Guest side: called from handlers.S for every vector. A handler the test
 * installed runs first; else an instruction run with GUEST_ASM_SAFE() is
 * skipped, with the vector and error code in its outputs; anything else
 * is reported to the host as UCALL_UNHANDLED.
 */
void guest_exception_dispatch(struct ex_regs *regs);
void guest_exception_dispatch(struct ex_regs *regs)
{
	guest_handler_t handler = guest_handlers[regs->vector];

	if (handler) {
		handler(regs);
		return;
	}
	if (regs->r9 == GUEST_SAFE_MAGIC && regs->rip == regs->r10) {
		regs->rip = regs->r11;
		regs->r9 = regs->vector;
		regs->r10 = regs->error_code;
		return;
	}
	for (;;)
		ucall(UCALL_UNHANDLED, regs->vector, regs->rip, regs->error_code,
		      0);
}

/* Guest side: an entry function returned instead of GUEST_DONE(). */
void guest_code_returned(void);
void guest_code_returned(void)
{
	ucall_assert(__FILE__, __LINE__, "guest entry function returned", 0, 0);
}

static void build_identity_map(struct kvm_vm *vm)
{
	uint64_t *pml4 = addr_gpa2hva(vm, GUEST_PML4_GPA);
	uint64_t *pdpt = addr_gpa2hva(vm, GUEST_PDPT_GPA);
	unsigned int gib, i;

	pml4[0] = GUEST_PDPT_GPA | PTE_PRESENT | PTE_WRITABLE;
	for (gib = 0; gib < GUEST_IDENTITY_GIB; gib++) {
		gpa_t pd_gpa = GUEST_PD_GPA + gib * PAGE_SIZE;
		uint64_t *pd = addr_gpa2hva(vm, pd_gpa);

		pdpt[gib] = pd_gpa | PTE_PRESENT | PTE_WRITABLE;
		for (i = 0; i < 512; i++)
			pd[i] = (gib * SZ_1G + i * SZ_2M) | PTE_PRESENT |
				PTE_WRITABLE | PTE_LARGE;
	}
}

static void build_gdt(struct kvm_vm *vm)
{
	uint64_t *gdt = addr_gpa2hva(vm, GUEST_GDT_GPA);
	uint64_t base = GUEST_TSS_GPA, limit = 0x67;

	gdt[GDT_SEL_CODE64 / 8] = 0x00af9b000000ffffULL;	/* L=1, G=1 */
	gdt[GDT_SEL_DATA / 8] = 0x00cf93000000ffffULL;		/* D=1, G=1 */
	gdt[GDT_SEL_CODE32 / 8] = 0x00cf9b000000ffffULL;	/* D=1, G=1 */
	/* 64-bit available TSS, 16 bytes. */
	gdt[GDT_SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			       (0x89ULL << 40) | ((base >> 24 & 0xff) << 56);
	gdt[GDT_SEL_TSS / 8 + 1] = base >> 32;
}

static void build_idt(struct kvm_vm *vm)
{
	struct idt_gate *idt = addr_gpa2hva(vm, GUEST_IDT_GPA);
	unsigned int v;

	for (v = 0; v < NR_INTERRUPT_VECTORS; v++) {
		uint64_t off = vec_stub_table[v];

		idt[v] = (struct idt_gate){
			.offset0 = off & 0xffff,
			.selector = GDT_SEL_CODE64,
			.type_attr = 0x8e,	/* present, DPL 0, interrupt gate */
			.offset1 = (off >> 16) & 0xffff,
			.offset2 = off >> 32,
		};
	}
}

struct kvm_vm *vm_create_with_vcpus(uint32_t nr_vcpus, void *guest_code,
				    struct kvm_vcpu **vcpus)
{
	struct kvm_vm *vm = vm_create_barebones();
	uint64_t image_end = elf_image_end();
	uint64_t size;
	uint32_t i;

	vm->image_end = image_end;
	vm->stacks_base = ALIGN_UP(image_end, SZ_2M);
	size = ALIGN_UP(vm->stacks_base + MAX_VCPUS * GUEST_STACK_SIZE, SZ_2M);
	vm_add_anon_region(vm, GUEST_MAIN_SLOT, 0, size);
	elf_load_self(vm);
	build_identity_map(vm);
	build_gdt(vm);
	build_idt(vm);
	vm->long_mode_ready = true;

	for (i = 0; i < nr_vcpus; i++)
		vcpus[i] = vm_vcpu_add(vm, i, guest_code);
	return vm;
}

struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, uint32_t id, void *guest_code)
{
	struct kvm_vcpu *vcpu = vm_vcpu_add_raw(vm, id);

	vcpu_setup_long_mode(vcpu, guest_code);
	return vcpu;
}

void kvm_seg_flat(struct kvm_segment *seg, uint16_t selector, uint8_t type,
		  bool code64, bool db)
{
	*seg = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = db,
		.s = 1,
		.l = code64,
		.g = 1,
	};
}

void vcpu_declare_long_mode_cpuid(int sys_fd, int vcpu_fd)
{
	struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 entries[2];
	} cpuid = {
		.hdr.nent = 2,
		.entries = {
			{ .function = 0x80000000, .eax = 0x80000001 },
			{ .function = 0x80000001, .edx = CPUID_80000001_EDX_LM },
		},
	};
	int r;

	if (ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_EXT_CPUID) <= 0)
		return;
	r = ioctl(vcpu_fd, KVM_SET_CPUID2, &cpuid);
	TEST_ASSERT(!r, "KVM_SET_CPUID2 failed although KVM_CAP_EXT_CPUID is set: %s",
		    strerror(errno));
}

void vcpu_setup_long_mode(struct kvm_vcpu *vcpu, void *guest_code)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	gpa_t stack_top;

	TEST_ASSERT(vm->long_mode_ready, "VM has no 64-bit environment");
	vcpu_declare_long_mode_cpuid(vm->sys_fd, vcpu->fd);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_PG;
	sregs.cr3 = GUEST_PML4_GPA;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.gdt.base = GUEST_GDT_GPA;
	sregs.gdt.limit = PAGE_SIZE - 1;
	sregs.idt.base = GUEST_IDT_GPA;
	sregs.idt.limit = NR_INTERRUPT_VECTORS * sizeof(struct idt_gate) - 1;
	kvm_seg_flat(&sregs.cs, GDT_SEL_CODE64, 11, true, false);
	kvm_seg_flat(&sregs.ds, GDT_SEL_DATA, 3, false, true);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){
		.base = GUEST_TSS_GPA, .limit = 0x67, .selector = GDT_SEL_TSS,
		.type = 11, .present = 1,
	};
	sregs.ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
	vcpu_sregs_set(vcpu, &sregs);

	/* A 16-byte aligned top, minus the slot of a return address. */
	stack_top = vm->stacks_base + (vcpu->id + 1) * GUEST_STACK_SIZE;
	*(uint64_t *)addr_gpa2hva(vm, stack_top - 8) =
		(uint64_t)(uintptr_t)guest_entry_returned;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = X86_EFLAGS_FIXED;
	regs.rip = (uint64_t)(uintptr_t)guest_code;
	regs.rsp = stack_top - 8;
	vcpu_regs_set(vcpu, &regs);
}

void vm_install_exception_handler(struct kvm_vm *vm, unsigned int vector,
				  guest_handler_t handler)
{
	guest_handler_t *table = addr_gpa2hva(vm, (gpa_t)(uintptr_t)guest_handlers);

	TEST_ASSERT(vector < NR_INTERRUPT_VECTORS, "vector %u", vector);
	table[vector] = handler;
}

void vcpu_args_set(struct kvm_vcpu *vcpu, unsigned int n, ...)
{
	struct kvm_regs regs;
	va_list ap;
	unsigned int i;

	TEST_ASSERT(n <= 6, "at most 6 register arguments");
	vcpu_regs_get(vcpu, &regs);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		uint64_t v = va_arg(ap, uint64_t);

		switch (i) {
		case 0: regs.rdi = v; break;
		case 1: regs.rsi = v; break;
		case 2: regs.rdx = v; break;
		case 3: regs.rcx = v; break;
		case 4: regs.r8 = v; break;
		case 5: regs.r9 = v; break;
		}
	}
	va_end(ap);
	vcpu_regs_set(vcpu, &regs);
}

void vcpu_setup_real_mode(struct kvm_vcpu *vcpu, uint32_t cs_base, uint16_t ip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	TEST_ASSERT(!(cs_base & 0xf) && cs_base < 0x100000,
		    "real-mode CS base 0x%x not a paragraph below 1 MiB", cs_base);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.selector = cs_base >> 4;
	sregs.cs.base = cs_base;
	sregs.ds.selector = sregs.es.selector = sregs.ss.selector = 0;
	sregs.ds.base = sregs.es.base = sregs.ss.base = 0;
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rflags = X86_EFLAGS_FIXED;
	regs.rip = ip;
	vcpu_regs_set(vcpu, &regs);
}

void vcpu_setup_flat32(struct kvm_vcpu *vcpu, uint32_t eip, uint32_t esp)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cr4 = 0;
	sregs.efer = 0;
	kvm_seg_flat(&sregs.cs, GDT_SEL_CODE32, 11, false, true);
	kvm_seg_flat(&sregs.ds, GDT_SEL_DATA, 3, false, true);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rflags = X86_EFLAGS_FIXED;
	regs.rip = eip;
	regs.rsp = esp;
	vcpu_regs_set(vcpu, &regs);
}
