// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page-table walker (see paging.h).
 *
 * The functions here are pure except paging_walk(), which reads and
 * updates guest memory only through the paging_mem_ops it is given.  They
 * hold no lock; the caller of paging_walk() provides whatever keeps guest
 * memory reachable (the shadow fault holds the VM's SRCU read side).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/processor-flags.h>

#include "paging.h"

#define PT32_ADDR_MASK		0xfffff000ULL
#define PT32_HUGE_ADDR_MASK	0xffc00000ULL
#define PT64_ADDR_MASK		GENMASK_ULL(51, 12)

/**
 * paging_mode_of - the paging mode CR0, CR4 and EFER select.
 * @cr0: CR0.
 * @cr4: CR4.
 * @efer: EFER (LMA).
 *
 * Return: PAGING_NONE, PAGING_32, PAGING_PAE or PAGING_64.
 */
enum paging_mode paging_mode_of(u64 cr0, u64 cr4, u64 efer)
{
	if (!(cr0 & X86_CR0_PG))
		return PAGING_NONE;
	if (efer & EFER_LMA)
		return PAGING_64;
	return (cr4 & X86_CR4_PAE) ? PAGING_PAE : PAGING_32;
}

static bool is_nxe(const struct paging_regs *r)
{
	return r->efer & EFER_NX;
}

/* Can an entry with PS set at @level be a leaf in this mode? */
static bool level_can_be_huge(const struct paging_regs *r, int level)
{
	switch (r->mode) {
	case PAGING_32:
		return level == 2 && (r->cr4 & X86_CR4_PSE);
	case PAGING_PAE:
		return level == 2;
	case PAGING_64:
		return level == 2 || level == 3;
	default:
		return false;
	}
}

/*
 * 4 MiB pages of 32-bit paging carry physical address bits 39:32 in bits
 * 20:13 (PSE-36); those above MAXPHYADDR, and bit 21, are reserved.
 */
static u64 pse36_rsvd_bits(const struct paging_regs *r)
{
	int m = clamp_t(int, r->maxphyaddr, 32, 40);

	return GENMASK_ULL(21, 13 + m - 32);
}

/**
 * paging_rsvd_bits - the bits of @pte that must be zero.
 * @r: the guest's paging state.
 * @level: the level @pte was read at (not the PAE PDPTEs: see
 *	paging_pdpte_valid()).
 * @pte: the (present) entry; only its PS bit is looked at.
 *
 * Return: the mask of reserved bits; @pte & mask != 0 is a reserved-bit
 * #PF.
 */
u64 paging_rsvd_bits(const struct paging_regs *r, int level, u64 pte)
{
	bool huge = (pte & GPTE_PS) && level > 1;
	u64 high, rsvd;

	if (r->mode == PAGING_32)
		return huge && (r->cr4 & X86_CR4_PSE) ? pse36_rsvd_bits(r) : 0;
	if (r->mode == PAGING_NONE)
		return 0;

	/* PAE reserves everything above MAXPHYADDR; long mode up to bit 51. */
	high = GENMASK_ULL(r->mode == PAGING_PAE ? 62 : 51, r->maxphyaddr);
	if (!is_nxe(r))
		high |= GPTE_NX;

	switch (level) {
	case 4:
		rsvd = high | GPTE_PS | (r->amd ? BIT_ULL(8) : 0);
		break;
	case 3:
		if (!huge)
			rsvd = high | (r->amd ? BIT_ULL(8) : 0);
		else if (!r->gbpages)
			rsvd = high | GPTE_PS;
		else
			rsvd = high | GENMASK_ULL(29, 13);
		break;
	case 2:
		rsvd = huge ? high | GENMASK_ULL(20, 13) : high;
		break;
	default:
		rsvd = high;
		break;
	}
	return rsvd;
}

/**
 * paging_pdpte_valid - may a PAE PDPTE be loaded?
 * @r: the guest's paging state.
 * @pdpte: the entry.
 *
 * A MOV to CR3 (or CR0/CR4 entering PAE paging) with a present PDPTE that
 * sets a reserved bit raises #GP instead of loading it.
 *
 * Return: true if @pdpte is not present or sets no reserved bit.
 */
bool paging_pdpte_valid(const struct paging_regs *r, u64 pdpte)
{
	u64 rsvd = GENMASK_ULL(63, r->maxphyaddr) | GENMASK_ULL(2, 1) |
		   GENMASK_ULL(8, 5);

	return !(pdpte & GPTE_P) || !(pdpte & rsvd);
}

/**
 * paging_gpte_access - the ACC_* bits one entry grants.
 * @r: the guest's paging state.
 * @pte: the entry.
 *
 * Return: ACC_WRITE for R/W, ACC_USER for U/S, ACC_EXEC unless NX applies.
 */
unsigned int paging_gpte_access(const struct paging_regs *r, u64 pte)
{
	unsigned int access = 0;

	if (pte & GPTE_RW)
		access |= ACC_WRITE;
	if (pte & GPTE_US)
		access |= ACC_USER;
	/* 32-bit entries have no NX bit; without EFER.NXE bit 63 is reserved. */
	if (r->mode == PAGING_32 || !is_nxe(r) || !(pte & GPTE_NX))
		access |= ACC_EXEC;
	return access;
}

/* The I/D bit is reported only when execute protection exists at all. */
static u32 fetch_bit(const struct paging_regs *r, u32 pfec)
{
	if ((pfec & PF_FETCH) && (is_nxe(r) || (r->cr4 & X86_CR4_SMEP)))
		return PF_FETCH;
	return 0;
}

/**
 * paging_access_error_code - the #PF error code bits an access sets.
 * @r: the guest's paging state (EFER.NXE, CR4.SMEP).
 * @pfec: the access, PF_WRITE/PF_USER/PF_FETCH.
 *
 * Return: the error code of a fault on @pfec, before the P and RSVD bits.
 */
u32 paging_access_error_code(const struct paging_regs *r, u32 pfec)
{
	return (pfec & (PF_WRITE | PF_USER)) | fetch_bit(r, pfec);
}

/* Is a supervisor access to a user page denied by SMEP or SMAP? */
static bool smep_smap_denied(const struct paging_regs *r,
			     const struct paging_access *a)
{
	bool fetch = a->pfec & PF_FETCH;

	if (fetch)
		return r->cr4 & X86_CR4_SMEP;
	if (!(r->cr4 & X86_CR4_SMAP))
		return false;
	/*
	 * An implicit supervisor access (descriptor tables, with CPL 3) is
	 * always checked; an explicit one only while RFLAGS.AC is clear.
	 */
	return a->cpl == 3 || !a->ac;
}

/**
 * paging_permission_fault - does a present translation deny the access?
 * @r: the guest's paging state (CR0.WP, CR4.SMEP/SMAP, EFER.NXE).
 * @access: the ACC_* bits of the translation.
 * @a: the access.
 *
 * Return: 0 if allowed, else the #PF error code (P set).
 */
u32 paging_permission_fault(const struct paging_regs *r, unsigned int access,
			    const struct paging_access *a)
{
	bool write = a->pfec & PF_WRITE, user = a->pfec & PF_USER;
	bool fetch = a->pfec & PF_FETCH;
	bool denied;

	if (fetch && !(access & ACC_EXEC))
		denied = true;
	else if (user)
		denied = !(access & ACC_USER) || (write && !(access & ACC_WRITE));
	else
		denied = (write && !(access & ACC_WRITE) && (r->cr0 & X86_CR0_WP)) ||
			 ((access & ACC_USER) && smep_smap_denied(r, a));

	return denied ? PF_PRESENT | paging_access_error_code(r, a->pfec) : 0;
}

/* Index of @gva's entry in a table at @level. */
static unsigned int pte_index(const struct paging_regs *r, gva_t gva, int level)
{
	if (r->mode == PAGING_32)
		return (gva >> (12 + 10 * (level - 1))) & 0x3ff;
	return (gva >> (12 + 9 * (level - 1))) & 0x1ff;
}

/* The frame @gva maps to through the leaf @pte at @level. */
static gfn_t leaf_gfn(const struct paging_regs *r, gva_t gva, int level, u64 pte)
{
	u64 base, pages;

	if (level == 1)
		return ((pte & (r->mode == PAGING_32 ? PT32_ADDR_MASK :
						      PT64_ADDR_MASK)) >> 12);
	if (r->mode == PAGING_32) {
		base = (pte & PT32_HUGE_ADDR_MASK) | (((pte >> 13) & 0xff) << 32);
		return (base >> 12) + ((gva >> 12) & 0x3ff);
	}
	pages = 1ULL << (9 * (level - 1));
	base = (pte & PT64_ADDR_MASK) >> 12;
	return (base & ~(pages - 1)) + ((gva >> 12) & (pages - 1));
}

/* Where the walk starts; *@level and *@table.  Return: 0 or a #PF code. */
static u32 walk_start(const struct paging_regs *r, gva_t gva,
		      const struct paging_access *a, struct guest_walk *w,
		      int *level, gpa_t *table)
{
	u64 pdpte;

	switch (r->mode) {
	case PAGING_64:
		*level = 4;
		*table = r->cr3 & PT64_ADDR_MASK;
		break;
	case PAGING_PAE:
		pdpte = r->pdptrs[(gva >> 30) & 3];
		w->pte[3] = pdpte;
		if (!(pdpte & GPTE_P))
			return paging_access_error_code(r, a->pfec);
		*level = 2;
		*table = pdpte & PT64_ADDR_MASK;
		w->root_level = 3;
		return 0;
	default:
		*level = 2;
		*table = r->cr3 & PT32_ADDR_MASK;
		break;
	}
	w->root_level = *level;
	return 0;
}

/*
 * Set Accessed on every entry walked, and Dirty on the leaf for a write.
 * Return: 0, 1 if an entry changed under us (walk again), or -errno.
 */
static int update_accessed_dirty(const struct paging_regs *r,
				 const struct paging_mem_ops *ops, void *ctx,
				 struct guest_walk *w, bool write)
{
	int size = r->mode == PAGING_32 ? 4 : 8;
	int top = r->mode == PAGING_PAE ? 2 : w->root_level;
	int level, ret;

	for (level = top; level >= w->level; level--) {
		u64 old = w->pte[level], new = old | GPTE_A;

		if (level == w->level && write)
			new |= GPTE_D;
		if (new == old)
			continue;
		ret = ops->try_update(ctx, w->pte_gpa[level], size, old, new);
		if (ret)
			return ret;
		w->pte[level] = new;
	}
	w->dirty = w->pte[w->level] & GPTE_D;
	return 0;
}

/*
 * One walk.  Return: 0, 1 with w->error_code, 2 if an Accessed/Dirty
 * update lost a race, or -errno.
 */
static int walk_once(const struct paging_regs *r,
		     const struct paging_mem_ops *ops, void *ctx, gva_t gva,
		     const struct paging_access *a, struct guest_walk *w)
{
	int size = r->mode == PAGING_32 ? 4 : 8;
	unsigned int access = ACC_ALL;
	int level, ret;
	gpa_t table;
	u64 pte;
	u32 err;

	err = walk_start(r, gva, a, w, &level, &table);
	if (err)
		goto fault;

	for (;; level--) {
		gpa_t gpa = table + pte_index(r, gva, level) * size;

		w->table_gfn[level] = table >> 12;
		w->pte_gpa[level] = gpa;
		/* A table outside guest memory reads as not present. */
		if (ops->read(ctx, gpa, size, &pte)) {
			err = paging_access_error_code(r, a->pfec);
			goto fault;
		}
		w->pte[level] = pte;
		if (!(pte & GPTE_P)) {
			err = paging_access_error_code(r, a->pfec);
			goto fault;
		}
		if (pte & paging_rsvd_bits(r, level, pte)) {
			err = PF_PRESENT | PF_RSVD | paging_access_error_code(r, a->pfec);
			goto fault;
		}
		access &= paging_gpte_access(r, pte);
		if (level == 1 || ((pte & GPTE_PS) && level_can_be_huge(r, level)))
			break;
		table = pte & (r->mode == PAGING_32 ? PT32_ADDR_MASK : PT64_ADDR_MASK);
	}

	w->level = level;
	w->access = access;
	w->gfn = leaf_gfn(r, gva, level, pte);
	err = paging_permission_fault(r, access, a);
	if (err)
		goto fault;

	ret = update_accessed_dirty(r, ops, ctx, w, a->pfec & PF_WRITE);
	return ret == 1 ? 2 : ret;

fault:
	w->error_code = err;
	return 1;
}

/**
 * paging_walk - translate @gva as the guest's CPU would.
 * @r: the guest's paging state.
 * @ops: guest memory.
 * @ctx: passed to @ops.
 * @gva: the linear address.
 * @a: the access.
 * @w: the result.
 *
 * Return: 0 (@w holds the translation; Accessed and Dirty are set in guest
 * memory), 1 (the guest's tables deny the access: @w->error_code is the
 * #PF error code), or -errno from @ops.
 */
int paging_walk(const struct paging_regs *r, const struct paging_mem_ops *ops,
		void *ctx, gva_t gva, const struct paging_access *a,
		struct guest_walk *w)
{
	int ret;

	if (r->mode != PAGING_64)
		gva = (u32)gva;

	do {
		memset(w, 0, sizeof(*w));
		if (r->mode == PAGING_NONE) {
			w->level = 1;
			w->access = ACC_ALL;
			w->gfn = gva >> 12;
			w->dirty = true;
			return 0;
		}
		ret = walk_once(r, ops, ctx, gva, a, w);
		/*
		 * An A/D update lost a race: another vCPU (or the VMM) of
		 * this VM changed the entry.  Each loss is progress for that
		 * writer, and the writers die with the process that owns this
		 * thread, so the loop cannot outlive a kill; it may sleep,
		 * since @ops->try_update faults guest memory in.
		 */
		if (ret == 2)
			cond_resched();
	} while (ret == 2);
	return ret;
}
