// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page walker: a linear address to a guest physical address
 * through the guest's own page tables (CR3), with the checks and the
 * accessed/dirty updates the CPU makes for the same access.
 *
 * Three formats: 2-level 32-bit paging (4 KiB, and 4 MiB pages with
 * CR4.PSE), PAE (4 PDPTEs, then 2 levels of 8-byte entries) and 4-level
 * long mode.  A check that fails raises #PF with the error code the CPU
 * would give; the table entries are read from guest RAM through the
 * memslots, and a table outside them reads as not present.
 *
 * A and D bits are set with a compare-and-exchange on guest memory: if
 * another vCPU changed an entry since it was read, the walk starts over
 * (a bounded number of times, then the guest retries the instruction).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>

#include "emul.h"

#define PTE_P		BIT_ULL(0)
#define PTE_W		BIT_ULL(1)
#define PTE_U		BIT_ULL(2)
#define PTE_A		BIT_ULL(5)
#define PTE_D		BIT_ULL(6)
#define PTE_PS		BIT_ULL(7)
#define PTE_NX		BIT_ULL(63)
#define PTE_ADDR	GENMASK_ULL(51, 12)

#define WALK_MAX_LEVELS	4
#define WALK_RETRIES	8

/**
 * struct walk - one page walk.
 * @c: the pass.
 * @linear: the address translated.
 * @access: EMUL_ACC_* of the access.
 * @user: a CPL 3 access (the U/S checks apply).
 * @wide: 8-byte entries (PAE and long mode).
 * @levels: table levels walked after the PDPTE (PAE: 2, others 2 or 4).
 * @level: the level being read, @levels down to 1 (1 = page table).
 * @hva: host address of each entry read, for A/D updates, by level.
 * @pte_gpa: guest physical address of each entry read, for the dirty log.
 * @pte: each entry read, by level.
 * @leaf: the level of the entry that maps the page.
 * @uw_nx: the U and W bits ANDed over the levels, NX ORed.
 */
struct walk {
	struct emul_ctxt *c;
	u64 linear;
	unsigned int access;
	bool user;
	bool wide;
	int levels;
	int level;
	hva_t hva[WALK_MAX_LEVELS + 1];
	gpa_t pte_gpa[WALK_MAX_LEVELS + 1];
	u64 pte[WALK_MAX_LEVELS + 1];
	int leaf;
	u64 uw_nx;
};

static const struct kvm_sregs *sregs(const struct walk *w)
{
	return &w->c->cpu.sregs;
}

static bool guest_nxe(const struct walk *w)
{
	return sregs(w)->efer & EFER_NX;
}

/* Physical address bits of this CPU: the bits the CPU's own walk allows. */
static u64 rsvd_phys_bits(void)
{
	return GENMASK_ULL(51, boot_cpu_data.x86_phys_bits);
}

static int page_fault(struct walk *w, u32 error_code)
{
	struct emul_ctxt *c = w->c;

	if (w->access & EMUL_ACC_WRITE)
		error_code |= X86_PF_WRITE;
	if (w->user)
		error_code |= X86_PF_USER;
	if ((w->access & EMUL_ACC_FETCH) &&
	    (guest_nxe(w) || (sregs(w)->cr4 & X86_CR4_SMEP)))
		error_code |= X86_PF_INSTR;
	emul_raise(c, X86_TRAP_PF, true, error_code);
	c->exc.cr2 = w->linear;
	return EMUL_EXCEPTION;
}

/* Reserved bits of an 8-byte entry at @level, given its PS bit. */
static u64 rsvd_bits_wide(const struct walk *w, int level, u64 pte)
{
	u64 rsvd = rsvd_phys_bits();

	if (!guest_nxe(w))
		rsvd |= PTE_NX;
	if (level == 4)
		return rsvd | PTE_PS;
	if (!(pte & PTE_PS) || level == 1)
		return rsvd;
	if (level == 3)
		return boot_cpu_has(X86_FEATURE_GBPAGES) ?
		       rsvd | GENMASK_ULL(29, 13) : rsvd | PTE_PS;
	return rsvd | GENMASK_ULL(20, 13);
}

/* Reserved bits of a 4-byte entry: only a 4 MiB page has any. */
static u64 rsvd_bits_narrow(int level, u64 pte)
{
	unsigned int high_bits;

	if (level != 2 || !(pte & PTE_PS))
		return 0;
	if (!boot_cpu_has(X86_FEATURE_PSE36))
		return GENMASK_ULL(21, 13);
	/* PSE-36: bits 13-20 are physical address bits 32-39. */
	high_bits = min_t(unsigned int, boot_cpu_data.x86_phys_bits, 40) - 32;
	return GENMASK_ULL(21, 13 + high_bits);
}

static bool is_leaf(const struct walk *w, int level, u64 pte)
{
	if (level == 1)
		return true;
	if (level == 2)
		return (pte & PTE_PS) && (w->wide || (sregs(w)->cr4 & X86_CR4_PSE));
	return level == 3 && (pte & PTE_PS);
}

/* The index of @w->linear in the table at @level. */
static unsigned int table_index(const struct walk *w, int level)
{
	unsigned int shift = w->wide ? 12 + 9 * (level - 1) : 12 + 10 * (level - 1);
	unsigned int mask = w->wide ? 511 : 1023;

	return (w->linear >> shift) & mask;
}

static int read_entry(struct walk *w, gpa_t table, int level)
{
	unsigned int size = w->wide ? 8 : 4;
	gpa_t gpa = table + table_index(w, level) * size;
	u64 pte = 0;
	hva_t hva;

	hva = emul_gpa_to_hva(w->c->vcpu->vm, gpa, false);
	if (!hva || copy_from_user(&pte, (void __user *)hva, size))
		return page_fault(w, 0);
	w->hva[level] = hva;
	w->pte_gpa[level] = gpa;
	w->pte[level] = pte;
	if (!(pte & PTE_P))
		return page_fault(w, 0);
	if (pte & (w->wide ? rsvd_bits_wide(w, level, pte) :
		   rsvd_bits_narrow(level, pte)))
		return page_fault(w, X86_PF_PROT | X86_PF_RSVD);
	w->uw_nx &= pte | ~(PTE_U | PTE_W);
	w->uw_nx |= pte & PTE_NX;
	return EMUL_OK;
}

/*
 * PAE: the PDPTE for @w->linear, from the 32-byte table at CR3.  Read on
 * every walk, as AMD's nested paging does (there are no PDPTE registers);
 * only its present bit is checked, as KVM's walker does: the CPU may set
 * its accessed bit, a reserved bit on Intel.
 */
static int read_pdpte(struct walk *w, gpa_t *table)
{
	gpa_t gpa = (sregs(w)->cr3 & GENMASK_ULL(31, 5)) + ((w->linear >> 30) & 3) * 8;
	u64 pdpte = 0;
	hva_t hva;

	hva = emul_gpa_to_hva(w->c->vcpu->vm, gpa, false);
	if (!hva || copy_from_user(&pdpte, (void __user *)hva, 8))
		return page_fault(w, 0);
	if (!(pdpte & PTE_P))
		return page_fault(w, 0);
	*table = pdpte & PTE_ADDR;
	return EMUL_OK;
}

static gpa_t first_table(const struct walk *w)
{
	if (w->levels == 4)
		return sregs(w)->cr3 & PTE_ADDR;
	return sregs(w)->cr3 & GENMASK_ULL(31, 12);
}

/* The guest physical address of the page the leaf maps, plus the offset. */
static gpa_t leaf_gpa(const struct walk *w)
{
	u64 pte = w->pte[w->leaf];
	u64 page_mask;

	if (!w->wide && w->leaf == 2) {
		u64 high = (pte >> 13) & 0xff;

		if (!boot_cpu_has(X86_FEATURE_PSE36))
			high = 0;
		return (pte & GENMASK_ULL(31, 22)) | high << 32 |
		       (w->linear & GENMASK_ULL(21, 0));
	}
	if (!w->wide)
		return (pte & GENMASK_ULL(31, 12)) | (w->linear & 0xfff);
	page_mask = GENMASK_ULL(12 + 9 * (w->leaf - 1) - 1, 0);
	return (pte & PTE_ADDR & ~page_mask) | (w->linear & page_mask);
}

/* The permission checks of the leaf, with the rights of every level. */
static int check_permissions(struct walk *w)
{
	const struct kvm_sregs *s = sregs(w);
	bool user_page = w->uw_nx & PTE_U;

	if (w->access & EMUL_ACC_FETCH) {
		if (guest_nxe(w) && (w->uw_nx & PTE_NX))
			return page_fault(w, X86_PF_PROT);
		if (!w->user && user_page && (s->cr4 & X86_CR4_SMEP))
			return page_fault(w, X86_PF_PROT);
	}
	if (w->user && !user_page)
		return page_fault(w, X86_PF_PROT);
	if ((w->access & EMUL_ACC_WRITE) && !(w->uw_nx & PTE_W) &&
	    (w->user || (s->cr0 & X86_CR0_WP)))
		return page_fault(w, X86_PF_PROT);
	if (!w->user && user_page && !(w->access & EMUL_ACC_FETCH) &&
	    (s->cr4 & X86_CR4_SMAP) && !(w->c->rflags & X86_EFLAGS_AC))
		return page_fault(w, X86_PF_PROT);
	return EMUL_OK;
}

/*
 * Set A on every entry walked and D on the leaf of a write.  Return:
 * EMUL_OK, EMUL_RETRY when an entry changed under us (walk again), or the
 * #PF of an entry that cannot be written.
 */
static int set_accessed_dirty(struct walk *w)
{
	int level, r;

	for (level = w->levels; level >= w->leaf; level--) {
		u64 want = PTE_A;

		if (level == w->leaf && (w->access & EMUL_ACC_WRITE))
			want |= PTE_D;
		if ((w->pte[level] & want) == want)
			continue;
		r = emul_cmpxchg_guest_u64(w->hva[level], w->pte[level],
					   w->pte[level] | want, w->wide);
		if (r < 0)
			return page_fault(w, 0);
		if (r)
			return EMUL_RETRY;
		emul_mark_gpa_dirty(w->c->vcpu->vm, w->pte_gpa[level]);
	}
	return EMUL_OK;
}

static int walk_once(struct walk *w, gpa_t *gpa)
{
	gpa_t table = first_table(w);
	int level, r;

	w->uw_nx = PTE_U | PTE_W;
	if (w->wide && w->levels == 2) {
		r = read_pdpte(w, &table);
		if (r)
			return r;
	}
	for (level = w->levels; level >= 1; level--) {
		r = read_entry(w, table, level);
		if (r)
			return r;
		if (is_leaf(w, level, w->pte[level]))
			break;
		table = w->pte[level] & (w->wide ? PTE_ADDR : GENMASK_ULL(31, 12));
	}
	w->leaf = level;
	r = check_permissions(w);
	if (r)
		return r;
	r = set_accessed_dirty(w);
	*gpa = leaf_gpa(w);
	return r;
}

/**
 * emul_walk - translate @linear with the guest's page tables.
 * @c: the pass; its CPU snapshot says how the guest pages (CR0.PG is set).
 * @linear: the linear address.
 * @access: EMUL_ACC_* of the access.
 * @gpa: the guest physical address, on success.
 *
 * Return: EMUL_OK, EMUL_EXCEPTION (#PF in c->exc), or EMUL_RETRY when the
 * tables kept changing under the walk.
 */
int emul_walk(struct emul_ctxt *c, u64 linear, unsigned int access, gpa_t *gpa)
{
	const struct kvm_sregs *s = &c->cpu.sregs;
	struct walk w = {
		.c = c,
		.linear = linear,
		.access = access,
		.user = c->cpu.cpl == 3,
		.wide = (s->cr4 & X86_CR4_PAE) || (s->efer & EFER_LMA),
		.levels = (s->efer & EFER_LMA) ? 4 : 2,
	};
	int i, r;

	for (i = 0; i < WALK_RETRIES; i++) {
		r = walk_once(&w, gpa);
		if (r != EMUL_RETRY)
			return r;
	}
	return EMUL_RETRY;
}
