/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw-code VMs for the instruction emulator tests: one vCPU that runs a
 * few bytes of code at EMU_CODE_GPA in real mode, 16- or 32-bit protected
 * mode (with or without paging) or 64-bit mode, against a data window that
 * is either guest RAM or MMIO (a GPA no memslot backs).
 *
 * The window is selected without changing the code or the registers: in
 * the segmented modes every data segment's base is EMU_RAM_GPA or
 * EMU_MMIO_GPA; in 64-bit mode the page table maps the linear window
 * EMU_WIN64 to one or the other (two CR3s; the code's prologue reloads
 * CR3 from R15, flushing the TLB).  So the same instruction with the same
 * registers runs once on RAM, natively, and once on MMIO, emulated, and
 * the results must be the same.
 *
 * The MMIO side is a memory model in the test: every KVM_EXIT_MMIO is
 * served from it and logged.
 */
#ifndef SELFTEST_MINIKVM_X86_64_EMU_ENV_H
#define SELFTEST_MINIKVM_X86_64_EMU_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "minikvm_util.h"

#define EMU_CODE_GPA		0x1000ULL
/* 64-bit forms start here, after the CR3 reload at EMU_CODE_GPA. */
#define EMU_FORM64_GPA		0x1010ULL
#define EMU_SCRATCH_GPA		0x60000ULL	/* RAM, identity mapped */
#define EMU_RAM_GPA		0x70000ULL	/* the window on RAM */
#define EMU_MMIO_GPA		0x90000ULL	/* the window on MMIO */
#define EMU_WIN_SIZE		0x10000ULL
#define EMU_MEM_SIZE		0x80000ULL	/* memslot 0: [0, 512 KiB) */
#define EMU_WIN64		0x200000ULL	/* 64-bit mode's linear window */

enum emu_mode {
	EMU_REAL,	/* real mode, 16-bit code */
	EMU_PROT16,	/* protected mode, 16-bit segments */
	EMU_PROT32,	/* protected mode, 32-bit segments, no paging */
	EMU_PAGED32,	/* ... with 2-level paging (4 KiB pages) */
	EMU_PAE32,	/* ... with PAE paging (2 MiB pages) */
	EMU_LONG64,	/* 64-bit mode, 4-level paging */
};

/* One KVM_EXIT_MMIO as the test saw it. */
struct emu_mmio_exit {
	uint64_t gpa;
	uint32_t len;
	bool write;
	uint8_t data[8];
};

#define EMU_MAX_EXITS	64

struct emu_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	enum emu_mode mode;
	uint8_t *mem;			/* memslot 0 */
	uint8_t mmio[EMU_WIN_SIZE];	/* the MMIO model */
	unsigned int nr_exits;
	struct emu_mmio_exit exits[EMU_MAX_EXITS];
};

struct emu_vm *emu_vm_create(enum emu_mode mode);
void emu_vm_free(struct emu_vm *e);

/* The default address size of the mode's code: 2, 4 or 8 bytes. */
unsigned int emu_code_bytes(enum emu_mode mode);

/* Linear address of window offset 0 as the code sees it (0 if segmented). */
uint64_t emu_window_base(enum emu_mode mode);

/* Copy @len bytes of code for the mode and a HLT after them. */
void emu_load_code(struct emu_vm *e, const void *code, unsigned int len);

/* Segment registers and CR3 for the window on RAM or on MMIO. */
void emu_set_sregs(struct emu_vm *e, bool mmio);

/*
 * Run until HLT, serving MMIO exits from e->mmio and logging them.
 * Return: 0 on HLT; -1 on any other exit (left in the run struct) or more
 * than EMU_MAX_EXITS MMIO exits.
 */
int emu_run_to_hlt(struct emu_vm *e);

/* Handle one KVM_EXIT_MMIO of the window; false if it is outside it. */
bool emu_serve_mmio(struct emu_vm *e);

/*
 * 32-bit protected mode only: a GDT (0x08 flat code, 0x10 flat data) and
 * an IDT whose 32 exception stubs do "out %al, $EMU_EXC_PORT" with the
 * vector in AL, then HLT.  The exception frame (error code first, where
 * there is one) is on the stack the guest had.
 */
#define EMU_EXC_PORT	0x80
void emu_install_idt32(struct emu_vm *e);

/* Describe the last exit for a failure message. */
void emu_describe_exit(struct emu_vm *e, char *buf, size_t size);

#endif /* SELFTEST_MINIKVM_X86_64_EMU_ENV_H */
