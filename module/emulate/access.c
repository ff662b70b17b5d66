// SPDX-License-Identifier: GPL-2.0
/*
 * Operands in memory: segmentation (an effective address to a linear
 * one, with the checks of the segment), paging (linear to guest physical,
 * split at page boundaries), and the reads and writes of a pass.
 *
 * Every part of an access is translated before any byte moves, so an
 * access that faults on its second page has no effect, as on the CPU.
 * Reads happen at once (RAM, an in-kernel device, or an exit to
 * userspace); writes are queued and done after the pass commits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <asm/page.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../mmu/mmu.h"
#include "../mmu/paging.h"
#include "emul.h"

static const struct kvm_segment *seg_state(const struct emul_ctxt *c, u8 seg)
{
	const struct kvm_sregs *s = &c->cpu.sregs;

	switch (seg) {
	case MINIKVM_SEG_ES:
		return &s->es;
	case MINIKVM_SEG_CS:
		return &s->cs;
	case MINIKVM_SEG_SS:
		return &s->ss;
	case MINIKVM_SEG_FS:
		return &s->fs;
	case MINIKVM_SEG_GS:
		return &s->gs;
	default:
		return &s->ds;
	}
}

/* A segmentation fault: #SS(0) for the stack segment, else #GP(0). */
static int seg_fault(struct emul_ctxt *c, u8 seg)
{
	emul_raise(c, seg == MINIKVM_SEG_SS ? X86_TRAP_SS : X86_TRAP_GP, true, 0);
	return EMUL_EXCEPTION;
}

/* Is @la canonical with 48-bit linear addresses (no 5-level paging)? */
bool emul_is_canonical(u64 la)
{
	return (u64)((s64)(la << 16) >> 16) == la;
}

/* 64-bit mode: only FS and GS have a base; the address must be canonical. */
static int linearize64(struct emul_ctxt *c, u8 seg, u64 ea, unsigned int len,
		       u64 *linear, u64 *max)
{
	u64 la = ea;

	if (seg == MINIKVM_SEG_FS || seg == MINIKVM_SEG_GS)
		la += seg_state(c, seg)->base;
	if (!emul_is_canonical(la) || (len && !emul_is_canonical(la + len - 1)))
		return seg_fault(c, seg);
	*linear = la;
	*max = U32_MAX;
	return EMUL_OK;
}

/* May the segment of type @type be accessed this way? */
static bool seg_type_allows(const struct emul_ctxt *c, u8 type,
			    unsigned int access)
{
	bool code = type & 8, rw = type & 2;

	if (access & EMUL_ACC_WRITE)
		return rw && !(code && c->cpu.mode != EMUL_MODE_REAL);
	if (access & EMUL_ACC_FETCH)
		return true;
	return !code || rw;
}

/* Real, virtual-8086 and protected mode: base, type and limit checks. */
static int linearize32(struct emul_ctxt *c, u8 seg, u64 ea, unsigned int len,
		       unsigned int access, u64 *linear, u64 *max)
{
	const struct kvm_segment *s = seg_state(c, seg);
	u64 lim = s->limit;

	*linear = (u32)(s->base + ea);
	if (s->unusable || !seg_type_allows(c, s->type, access))
		return seg_fault(c, seg);
	if (!(s->type & 8) && (s->type & 4)) {
		/* Expand-down: the valid offsets are above the limit. */
		if (ea <= lim)
			return seg_fault(c, seg);
		lim = s->db ? 0xffffffff : 0xffff;
	}
	if (ea > lim)
		return seg_fault(c, seg);
	*max = lim == 0xffffffff ? U32_MAX : lim + 1 - ea;
	if (len > *max)
		return seg_fault(c, seg);
	return EMUL_OK;
}

/**
 * emul_linear_unchecked - the linear address of @seg:@ea, with none of
 *	the segment's checks (INVLPG, which never faults on its operand).
 * @c: the pass.
 * @seg: enum minikvm_seg.
 * @ea: the effective address, already truncated to the address size.
 *
 * Return: the linear address (32 bits outside 64-bit mode).
 */
u64 emul_linear_unchecked(const struct emul_ctxt *c, u8 seg, u64 ea)
{
	if (c->cpu.mode != EMUL_MODE_PROT64)
		return (u32)(seg_state(c, seg)->base + ea);
	if (seg == MINIKVM_SEG_FS || seg == MINIKVM_SEG_GS)
		ea += seg_state(c, seg)->base;
	return ea;
}

/**
 * emul_linearize - segment @seg's offset @ea to a linear address.
 * @c: the pass.
 * @seg: enum minikvm_seg.
 * @ea: the effective address, already truncated to the address size.
 * @len: the access' size.
 * @access: EMUL_ACC_*.
 * @linear: the result.
 *
 * Return: EMUL_OK, or EMUL_EXCEPTION with #GP(0)/#SS(0) raised.
 */
int emul_linearize(struct emul_ctxt *c, u8 seg, u64 ea, unsigned int len,
		   unsigned int access, u64 *linear)
{
	u64 max;

	if (c->cpu.mode == EMUL_MODE_PROT64)
		return linearize64(c, seg, ea, len, linear, &max);
	return linearize32(c, seg, ea, len, access, linear, &max);
}

/*
 * The nested page fault's GPA is the translation the CPU itself used for
 * the faulting access: take it for the part of an access at the same page
 * offset, as long as the instruction has one memory access that could
 * have faulted (not MOVS/CMPS, not a REP string instruction).
 */
static bool use_fault_gpa(const struct emul_ctxt *c, u64 linear)
{
	const struct minikvm_emulator *em = c->em;
	const struct minikvm_insn *insn = &c->insn;

	if (!em->has_fault_gpa)
		return false;
	if ((insn->op.flags & OPF_STRING) && insn->rep)
		return false;
	if (insn->op.src == OPND_STR_SRC && insn->op.dst == OPND_STR_DST)
		return false;
	return offset_in_page(linear) == offset_in_page(em->fault_gpa);
}

/*
 * Linear to guest physical with the guest's page tables (CR0.PG set): the
 * MMU's walker (mmu/paging.c), which raises the guest's #PF.
 */
static int walk(struct emul_ctxt *c, u64 linear, unsigned int access,
		gpa_t *gpa)
{
	struct paging_access a = {
		.cpl = c->cpu.cpl,
		.ac = c->rflags & X86_EFLAGS_AC,
	};
	u32 error_code;

	if (access & EMUL_ACC_WRITE)
		a.pfec |= PF_WRITE;
	if (access & EMUL_ACC_FETCH)
		a.pfec |= PF_FETCH;
	if (c->cpu.cpl == 3)
		a.pfec |= PF_USER;
	if (!minikvm_mmu_gva_to_gpa(c->vcpu, &c->cpu.sregs, linear, &a, gpa,
				    &error_code))
		return EMUL_OK;
	emul_raise(c, X86_TRAP_PF, true, error_code);
	c->exc.cr2 = linear;
	return EMUL_EXCEPTION;
}

static int translate(struct emul_ctxt *c, u64 linear, unsigned int access,
		     gpa_t *gpa)
{
	if (use_fault_gpa(c, linear)) {
		*gpa = c->em->fault_gpa;
		return EMUL_OK;
	}
	if (!(c->cpu.sregs.cr0 & X86_CR0_PG)) {
		*gpa = linear;
		return EMUL_OK;
	}
	return walk(c, linear, access, gpa);
}

static u64 next_linear(const struct emul_ctxt *c, u64 linear)
{
	return c->cpu.mode == EMUL_MODE_PROT64 ? linear : (u32)linear;
}

/*
 * Translate every page of an access of @len bytes at @seg:@ea into @a.
 * @data_write says which memslots can back it: a read-only one only backs
 * reads.
 */
static int prepare_access(struct emul_ctxt *c, u8 seg, u64 ea,
			  unsigned int len, unsigned int access,
			  bool data_write, struct emul_access *a)
{
	unsigned int done = 0;
	u64 linear;
	int r;

	if (MINIKVM_BUG_ON(!len || len > EMUL_MAX_ACCESS, c->vcpu->vm))
		return EMUL_UNHANDLEABLE;
	r = emul_linearize(c, seg, ea, len, access, &linear);
	if (r)
		return r;
	a->len = len;
	a->nr_pieces = 0;
	while (done < len) {
		struct emul_piece *p = &a->pieces[a->nr_pieces++];

		p->offset = done;
		p->len = min_t(unsigned int, len - done,
			       PAGE_SIZE - offset_in_page(linear));
		p->to_user = false;
		r = translate(c, linear, access, &p->gpa);
		if (r)
			return r;
		p->hva = emul_gpa_to_hva(c->vcpu->vm, p->gpa, data_write);
		done += p->len;
		linear = next_linear(c, linear + p->len);
	}
	return EMUL_OK;
}

static int cached_read(struct emul_ctxt *c, void *val, unsigned int len)
{
	const struct emul_cached_read *r = &c->em->reads[c->reads_used];

	/* Only a changed instruction (SET_REGS while out) can differ. */
	if (r->len != len)
		return EMUL_UNHANDLEABLE;
	memcpy(val, r->data, len);
	c->reads_used++;
	return EMUL_OK;
}

/**
 * emul_cache_read - remember a completed read for the re-runs of the pass.
 * @em: the emulator.
 * @a: the access, all of its data in place.
 */
void emul_cache_read(struct minikvm_emulator *em, const struct emul_access *a)
{
	struct emul_cached_read *r = &em->reads[em->nr_reads++];

	r->len = a->len;
	memcpy(r->data, a->data, a->len);
}

/**
 * emul_read - read @len bytes of the operand at @seg:@ea.
 * @c: the pass.
 * @seg: enum minikvm_seg.
 * @ea: effective address.
 * @val: where the data goes.
 * @len: 1 to EMUL_MAX_ACCESS bytes.
 * @access: EMUL_ACC_WRITE for the read of a read-modify-write operand
 *	(the page must be writable), else 0.
 *
 * The n-th read of a pass that ran before is served from the cache.
 *
 * Return: EMUL_OK, EMUL_IO_NEEDED (an MMIO exit is set up), EMUL_EXCEPTION,
 * EMUL_RETRY or EMUL_UNHANDLEABLE.
 */
int emul_read(struct emul_ctxt *c, u8 seg, u64 ea, void *val,
	      unsigned int len, unsigned int access)
{
	struct minikvm_emulator *em = c->em;
	int r;

	if (c->reads_used < em->nr_reads)
		return cached_read(c, val, len);
	if (em->nr_reads >= EMUL_MAX_READS)
		return EMUL_UNHANDLEABLE;
	r = prepare_access(c, seg, ea, len, access, false, &em->io);
	if (r)
		return r;
	r = emul_mmio_read(c, &em->io);
	if (r)
		return r;
	emul_cache_read(em, &em->io);
	return cached_read(c, val, len);
}

/**
 * emul_queue_write - queue the pass' write of @len bytes at @seg:@ea.
 * @c: the pass.
 * @seg: enum minikvm_seg.
 * @ea: effective address.
 * @val: the data.
 * @len: 1 to EMUL_MAX_ACCESS bytes.
 *
 * The access is checked and translated now; it is done after the pass
 * commits.  A pass writes memory at most once.
 *
 * Return: EMUL_OK, EMUL_EXCEPTION, EMUL_RETRY or EMUL_UNHANDLEABLE.
 */
int emul_queue_write(struct emul_ctxt *c, u8 seg, u64 ea, const void *val,
		     unsigned int len)
{
	int r;

	if (c->has_write)
		return EMUL_UNHANDLEABLE;
	r = prepare_access(c, seg, ea, len, EMUL_ACC_WRITE, true, &c->write);
	if (r)
		return r;
	memcpy(c->write.data, val, len);
	c->has_write = true;
	return EMUL_OK;
}

/*
 * The largest fetch at CS:@eip that segmentation and the page allow, at
 * least one byte.
 */
static int fetch_window(struct emul_ctxt *c, u64 eip, u64 *linear,
			unsigned int *len)
{
	u64 max;
	int r;

	if (c->cpu.mode == EMUL_MODE_PROT64)
		r = linearize64(c, MINIKVM_SEG_CS, eip, 1, linear, &max);
	else
		r = linearize32(c, MINIKVM_SEG_CS, eip, 1, EMUL_ACC_FETCH,
				linear, &max);
	if (r)
		return r;
	*len = min_t(u64, max, PAGE_SIZE - offset_in_page(*linear));
	return EMUL_OK;
}

/**
 * emul_fetch - fetch instruction bytes at CS:@eip.
 * @c: the pass.
 * @eip: the offset in CS of the first byte.
 * @buf: where they go.
 * @want: how many are wanted at most.
 * @got: how many were fetched: at least one, at most up to the end of the
 *	page or of the segment.
 *
 * Return: EMUL_OK, EMUL_EXCEPTION (#GP, #PF), EMUL_RETRY, or
 * EMUL_UNHANDLEABLE for code outside guest RAM.
 */
int emul_fetch(struct emul_ctxt *c, u64 eip, u8 *buf, unsigned int want,
	       unsigned int *got)
{
	unsigned int len;
	u64 linear;
	gpa_t gpa;
	hva_t hva;
	int r;

	r = fetch_window(c, eip, &linear, &len);
	if (r)
		return r;
	len = min(len, want);
	if (c->cpu.sregs.cr0 & X86_CR0_PG)
		r = walk(c, linear, EMUL_ACC_FETCH, &gpa);
	else
		gpa = linear;
	if (r)
		return r;
	hva = emul_gpa_to_hva(c->vcpu->vm, gpa, false);
	if (!hva || copy_from_user(buf, (void __user *)hva, len))
		return EMUL_UNHANDLEABLE;
	*got = len;
	return EMUL_OK;
}
