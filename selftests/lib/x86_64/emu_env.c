// SPDX-License-Identifier: GPL-2.0
/*
 * Raw-code VMs for the instruction emulator tests (see emu_env.h).
 *
 * Guest-physical layout of memslot 0 ([0, 512 KiB)):
 *   0x01000  code (64-bit: CR3 reload, the form at 0x1010)
 *   0x02000  64-bit tables, window on RAM: PML4, PDPT, PD, PT
 *   0x06000  2-level paging: PD, then PT (identity, 4 MiB)
 *   0x08000  PAE: PDPT, then PD (identity, 2 MiB pages)
 *   0x0a000  64-bit tables, window on MMIO: PML4, PDPT, PD, PT
 *   0x0e000  32-bit GDT, IDT and exception stubs (emu_install_idt32())
 *   0x60000  scratch RAM
 *   0x70000  the window on RAM (64 KiB)
 * and 0x90000-0x9ffff, outside every memslot, the window on MMIO.
 */
#include <stdio.h>
#include <string.h>

#include "emu_env.h"
#include "processor.h"

#define PML4_RAM	0x2000ULL
#define PML4_MMIO	0xa000ULL
#define PD32		0x6000ULL
#define PT32		0x7000ULL
#define PDPT_PAE	0x8000ULL
#define PD_PAE		0x9000ULL
#define PTE_P_W		(PTE_PRESENT | PTE_WRITABLE)
#define GDT32		0xe000ULL
#define IDT32		0xe100ULL
#define STUBS32		0xe400ULL

unsigned int emu_code_bytes(enum emu_mode mode)
{
	switch (mode) {
	case EMU_REAL:
	case EMU_PROT16:
		return 2;
	case EMU_LONG64:
		return 8;
	default:
		return 4;
	}
}

uint64_t emu_window_base(enum emu_mode mode)
{
	return mode == EMU_LONG64 ? EMU_WIN64 : 0;
}

static uint64_t *table(struct emu_vm *e, uint64_t gpa)
{
	return (uint64_t *)(e->mem + gpa);
}

/* PML4 at @pml4, then PDPT, PD and PT in the next pages. */
static void build_tables64(struct emu_vm *e, uint64_t pml4, uint64_t window)
{
	uint64_t pdpt = pml4 + 0x1000, pd = pml4 + 0x2000, pt = pml4 + 0x3000;
	unsigned int i;

	table(e, pml4)[0] = pdpt | PTE_P_W;
	table(e, pdpt)[0] = pd | PTE_P_W;
	table(e, pd)[0] = 0 | PTE_P_W | PTE_LARGE;	/* [0, 2 MiB) identity */
	table(e, pd)[1] = pt | PTE_P_W;			/* the window */
	for (i = 0; i < EMU_WIN_SIZE / PAGE_SIZE; i++)
		table(e, pt)[i] = (window + i * PAGE_SIZE) | PTE_P_W;
}

static void build_tables32(struct emu_vm *e)
{
	uint32_t *pd = (uint32_t *)(e->mem + PD32), *pt = (uint32_t *)(e->mem + PT32);
	unsigned int i;

	pd[0] = PT32 | PTE_P_W;
	for (i = 0; i < 1024; i++)
		pt[i] = (i * PAGE_SIZE) | PTE_P_W;
	table(e, PDPT_PAE)[0] = PD_PAE | PTE_PRESENT;
	table(e, PD_PAE)[0] = 0 | PTE_P_W | PTE_LARGE;
}

struct emu_vm *emu_vm_create(enum emu_mode mode)
{
	struct emu_vm *e = calloc(1, sizeof(*e));

	TEST_ASSERT(e, "out of memory");
	e->mode = mode;
	e->vm = vm_create_barebones();
	e->mem = vm_add_anon_region(e->vm, 0, 0, EMU_MEM_SIZE);
	e->vcpu = vm_vcpu_add_raw(e->vm, 0);
	if (mode == EMU_LONG64)
		vcpu_declare_long_mode_cpuid(e->vm->sys_fd, e->vcpu->fd);
	build_tables64(e, PML4_RAM, EMU_RAM_GPA);
	build_tables64(e, PML4_MMIO, EMU_MMIO_GPA);
	build_tables32(e);
	return e;
}

void emu_vm_free(struct emu_vm *e)
{
	kvm_vm_free(e->vm);
	free(e);
}

void emu_load_code(struct emu_vm *e, const void *code, unsigned int len)
{
	/* mov %r15, %cr3; then NOPs up to the form. */
	static const uint8_t reload_cr3[] = { 0x41, 0x0f, 0x22, 0xdf };
	uint64_t at = EMU_CODE_GPA;

	if (e->mode == EMU_LONG64) {
		memset(e->mem + at, 0x90, EMU_FORM64_GPA - at);
		memcpy(e->mem + at, reload_cr3, sizeof(reload_cr3));
		at = EMU_FORM64_GPA;
	}
	TEST_ASSERT(len < PAGE_SIZE - 0x20, "form too long");
	memcpy(e->mem + at, code, len);
	e->mem[at + len] = 0xf4;	/* hlt */
}

static void seg(struct kvm_segment *s, uint16_t sel, uint64_t base,
		uint8_t type, bool big)
{
	*s = (struct kvm_segment){
		.base = base, .limit = big ? 0xffffffff : 0xffff,
		.selector = sel, .type = type, .present = 1, .s = 1,
		.db = big, .g = big,
	};
}

void emu_set_sregs(struct emu_vm *e, bool mmio)
{
	uint64_t win = mmio ? EMU_MMIO_GPA : EMU_RAM_GPA;
	bool big = e->mode >= EMU_PROT32 && e->mode != EMU_LONG64;
	struct kvm_sregs s;

	vcpu_sregs_get(e->vcpu, &s);
	s.cr0 = X86_CR0_ET | (e->mode == EMU_REAL ? 0 : X86_CR0_PE);
	s.cr4 = 0;
	s.efer = 0;
	seg(&s.cs, e->mode == EMU_REAL ? 0 : 0x8, 0, 11, big);
	seg(&s.ds, e->mode == EMU_REAL ? win >> 4 : 0x10, win, 3, big);
	switch (e->mode) {
	case EMU_PAGED32:
		s.cr0 |= X86_CR0_PG;
		s.cr3 = PD32;
		break;
	case EMU_PAE32:
		s.cr0 |= X86_CR0_PG;
		s.cr4 = X86_CR4_PAE;
		s.cr3 = PDPT_PAE;
		break;
	case EMU_LONG64:
		s.cr0 |= X86_CR0_PG;
		s.cr4 = X86_CR4_PAE;
		s.efer = EFER_LME | EFER_LMA;
		s.cr3 = mmio ? PML4_MMIO : PML4_RAM;
		seg(&s.cs, 0x8, 0, 11, false);
		s.cs.l = 1;
		seg(&s.ds, 0x10, 0, 3, true);
		break;
	default:
		break;
	}
	s.es = s.ss = s.fs = s.gs = s.ds;
	vcpu_sregs_set(e->vcpu, &s);
}

bool emu_serve_mmio(struct emu_vm *e)
{
	struct kvm_run *run = e->vcpu->run;
	uint64_t off = run->mmio.phys_addr - EMU_MMIO_GPA;
	struct emu_mmio_exit *x;

	if (run->mmio.phys_addr < EMU_MMIO_GPA || off >= EMU_WIN_SIZE ||
	    !run->mmio.len || run->mmio.len > 8 ||
	    off + run->mmio.len > EMU_WIN_SIZE)
		return false;
	if (run->mmio.is_write)
		memcpy(e->mmio + off, run->mmio.data, run->mmio.len);
	else
		memcpy(run->mmio.data, e->mmio + off, run->mmio.len);
	if (e->nr_exits < EMU_MAX_EXITS) {
		x = &e->exits[e->nr_exits];
		x->gpa = run->mmio.phys_addr;
		x->len = run->mmio.len;
		x->write = run->mmio.is_write;
		memcpy(x->data, run->mmio.data, sizeof(x->data));
	}
	e->nr_exits++;
	return true;
}

int emu_run_to_hlt(struct emu_vm *e)
{
	e->nr_exits = 0;
	for (;;) {
		vcpu_run(e->vcpu);
		if (e->vcpu->run->exit_reason == KVM_EXIT_HLT)
			return 0;
		if (e->vcpu->run->exit_reason != KVM_EXIT_MMIO ||
		    !emu_serve_mmio(e) || e->nr_exits > EMU_MAX_EXITS)
			return -1;
	}
}

void emu_install_idt32(struct emu_vm *e)
{
	uint64_t *gdt = table(e, GDT32), *idt = table(e, IDT32);
	struct kvm_sregs s;
	unsigned int v;

	gdt[0] = 0;
	gdt[1] = 0x00cf9b000000ffffULL;	/* 0x08: code, 32-bit, flat */
	gdt[2] = 0x00cf93000000ffffULL;	/* 0x10: data, flat */
	for (v = 0; v < 32; v++) {
		uint64_t stub = STUBS32 + v * 8;
		uint8_t *code = e->mem + stub;

		/* mov $v, %al; out %al, $EMU_EXC_PORT; hlt */
		code[0] = 0xb0;
		code[1] = v;
		code[2] = 0xe6;
		code[3] = EMU_EXC_PORT;
		code[4] = 0xf4;
		/* A 32-bit interrupt gate to 0x08:stub. */
		idt[v] = (stub & 0xffff) | 0x8ULL << 16 | 0x8eULL << 40 |
			 (stub >> 16) << 48;
	}
	vcpu_sregs_get(e->vcpu, &s);
	s.gdt.base = GDT32;
	s.gdt.limit = 3 * 8 - 1;
	s.idt.base = IDT32;
	s.idt.limit = 32 * 8 - 1;
	vcpu_sregs_set(e->vcpu, &s);
}

void emu_describe_exit(struct emu_vm *e, char *buf, size_t size)
{
	struct kvm_run *run = e->vcpu->run;
	int n, i;

	n = snprintf(buf, size, "exit %u (%s)", run->exit_reason,
		     exit_reason_str(run->exit_reason));
	if (run->exit_reason == KVM_EXIT_MMIO)
		snprintf(buf + n, size - n, " gpa 0x%llx len %u write %u",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 run->mmio.is_write);
	if (run->exit_reason != KVM_EXIT_INTERNAL_ERROR)
		return;
	n += snprintf(buf + n, size - n, " suberror %u ndata %u:",
		      run->internal.suberror, run->internal.ndata);
	for (i = 0; i < (int)run->internal.ndata && i < 16 && n < (int)size; i++)
		n += snprintf(buf + n, size - n, " %llx",
			      (unsigned long long)run->internal.data[i]);
}
