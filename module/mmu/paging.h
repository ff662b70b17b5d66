/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest page-table walker: what the guest's own page tables say about
 * a linear address, exactly as the CPU would decide it.
 *
 * Three formats: 2-level 32-bit paging (4-byte entries, 4 MiB pages with
 * CR4.PSE), PAE (3 levels of 8-byte entries; the four PDPTEs are loaded
 * when CR3 is written and cached, as the hardware does) and 4-level long
 * mode.  The walker checks reserved bits and the U/S, R/W, NX, CR0.WP,
 * SMEP and SMAP rules and, on a denied access, produces the #PF error code
 * the CPU would have pushed.  On success it sets the guest's Accessed bits
 * (and Dirty on a write) with cmpxchg in guest memory, and walks again if
 * the guest changed an entry meanwhile.
 *
 * Guest memory is reached through struct paging_mem_ops, so that the
 * KUnit suite (tests/paging_kunit.c) can walk tables held in a buffer.
 */
#ifndef MINIKVM_MODULE_MMU_PAGING_H
#define MINIKVM_MODULE_MMU_PAGING_H

#include "../types.h"

/* #PF error code bits. */
#define PF_PRESENT	BIT(0)
#define PF_WRITE	BIT(1)
#define PF_USER		BIT(2)
#define PF_RSVD		BIT(3)
#define PF_FETCH	BIT(4)
#define PF_PK		BIT(5)

/* The bits of an error code that describe the access (not the outcome). */
#define PF_ACCESS_MASK	(PF_WRITE | PF_USER | PF_FETCH)

/* Guest paging modes. */
enum paging_mode {
	PAGING_NONE,	/* CR0.PG = 0: linear = physical */
	PAGING_32,	/* 2 levels, 4-byte entries */
	PAGING_PAE,	/* PDPTEs + 2 levels, 8-byte entries */
	PAGING_64,	/* 4 levels, long mode */
};

/* Effective permissions of a translation, accumulated over the levels. */
#define ACC_WRITE	BIT(0)
#define ACC_USER	BIT(1)
#define ACC_EXEC	BIT(2)
#define ACC_ALL		(ACC_WRITE | ACC_USER | ACC_EXEC)

/* Guest page table entry bits (the same in all three formats). */
#define GPTE_P		BIT_ULL(0)
#define GPTE_RW		BIT_ULL(1)
#define GPTE_US		BIT_ULL(2)
#define GPTE_A		BIT_ULL(5)
#define GPTE_D		BIT_ULL(6)
#define GPTE_PS		BIT_ULL(7)
#define GPTE_NX		BIT_ULL(63)

#define PAGING_MAX_LEVEL	4

/**
 * struct paging_regs - the guest state a walk depends on.
 * @mode: from CR0.PG, CR4.PAE and EFER.LMA (paging_mode_of()).
 * @cr0: guest CR0 (WP).
 * @cr3: guest CR3.
 * @cr4: guest CR4 (PSE, SMEP, SMAP).
 * @efer: guest EFER (NXE).
 * @pdptrs: PAE only: the PDPTEs loaded at the last CR3 write.
 * @maxphyaddr: guest MAXPHYADDR (CPUID 0x80000008).
 * @gbpages: 1 GiB pages exist for the guest (CPUID).
 * @amd: the guest CPU is AMD's (bit 8 of PML4Es and table PDPTEs is
 *	reserved there).
 */
struct paging_regs {
	enum paging_mode mode;
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u64 pdptrs[4];
	u8 maxphyaddr;
	bool gbpages;
	bool amd;
};

/**
 * struct paging_mem_ops - guest memory as the walker sees it.
 * @read: read the @size-byte (4 or 8) entry at @gpa into *@val;
 *	0 or -errno (-ENOENT: no memory there).
 * @try_update: replace the entry at @gpa by @new if it still holds @old;
 *	0 done, 1 the entry changed (walk again), -errno.
 */
struct paging_mem_ops {
	int (*read)(void *ctx, gpa_t gpa, int size, u64 *val);
	int (*try_update)(void *ctx, gpa_t gpa, int size, u64 old, u64 new);
};

/**
 * struct guest_walk - the result of a walk.
 * @level: the level of the leaf entry (1: 4 KiB, 2: 2/4 MiB, 3: 1 GiB).
 * @root_level: the level of the topmost table walked (4, 3 or 2).
 * @table_gfn: the guest frame of the table read at each level.
 * @pte: the entry found at each level.
 * @pte_gpa: where it is.
 * @gfn: the guest frame @gva translates to.
 * @access: ACC_* granted by every level together.
 * @dirty: the leaf is Dirty (after the walk's own update).
 * @error_code: a failed walk: the #PF error code.
 */
struct guest_walk {
	int level;
	int root_level;
	gfn_t table_gfn[PAGING_MAX_LEVEL + 1];
	u64 pte[PAGING_MAX_LEVEL + 1];
	gpa_t pte_gpa[PAGING_MAX_LEVEL + 1];
	gfn_t gfn;
	unsigned int access;
	bool dirty;
	u32 error_code;
};

/**
 * struct paging_access - the access being translated.
 * @pfec: PF_WRITE, PF_USER and PF_FETCH as the CPU reported them; PF_USER
 *	clear with @cpl 3 is an implicit supervisor access (descriptor
 *	tables), which SMAP always checks.
 * @cpl: the CPL at the access.
 * @ac: RFLAGS.AC at the access.
 */
struct paging_access {
	u32 pfec;
	int cpl;
	bool ac;
};

enum paging_mode paging_mode_of(u64 cr0, u64 cr4, u64 efer);
u64 paging_rsvd_bits(const struct paging_regs *r, int level, u64 pte);
bool paging_pdpte_valid(const struct paging_regs *r, u64 pdpte);
u32 paging_access_error_code(const struct paging_regs *r, u32 pfec);
u32 paging_permission_fault(const struct paging_regs *r, unsigned int access,
			    const struct paging_access *a);
unsigned int paging_gpte_access(const struct paging_regs *r, u64 pte);

/* Return: 0 (translated), 1 (#PF, @w->error_code), or -errno. */
int paging_walk(const struct paging_regs *r, const struct paging_mem_ops *ops,
		void *ctx, gva_t gva, const struct paging_access *a,
		struct guest_walk *w);

#endif /* MINIKVM_MODULE_MMU_PAGING_H */
