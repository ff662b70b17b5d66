// SPDX-License-Identifier: GPL-2.0
/*
 * Emulation of the guest's writes to its own (shadowed, write-protected)
 * page tables.
 *
 * Until minikvm's instruction emulator is wired in, this decodes the
 * stores page-table code uses — MOV r/m, reg and MOV r/m, imm (88, 89, C6,
 * C7) and XCHG (86, 87) — in 32- and 64-bit code, checks that the
 * instruction's effective address is the faulting one, performs the write
 * on guest memory and drops the sptes made from the entry it changed.
 * Anything else returns -EOPNOTSUPP and the fault path unshadows the
 * table and lets the guest write it (unprotect and retry).
 *
 * Context: the vCPU thread, in a shadow fault (vm->srcu held, no
 * mmu_lock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "../regs.h"
#include "../x86.h"
#include "shadow.h"

#define MAX_INSN_LEN	15

/* Segment registers in the encoding order of the prefixes' meaning. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

struct pt_insn {
	u8 bytes[MAX_INSN_LEN];
	int avail;		/* bytes fetched */
	int len;		/* decoded length */
	bool lm;		/* 64-bit code */
	bool opsize16;
	bool addr32;		/* 0x67 in 64-bit code */
	int seg;		/* segment prefix: SEG_*, or -1 */
	u8 rex;
	u8 op;
	int reg;		/* ModRM.reg (with REX.R) */
	u64 ea;			/* linear address written */
	int size;		/* bytes written */
	u64 imm;
	bool has_imm;
};

/* Read @len bytes of guest code at linear @la (stops at a missing page). */
static int __fetch(struct minikvm_vcpu *vcpu, u64 la, u8 *buf, int len)
{
	struct paging_access a = {
		.pfec = PF_FETCH,
		.cpl = minikvm_x86_call(get_cpl)(vcpu),
	};
	int done = 0;

	if (a.cpl == 3)
		a.pfec |= PF_USER;
	while (done < len) {
		int chunk = min_t(int, len - done, PAGE_SIZE - ((la + done) & ~PAGE_MASK));
		struct minikvm_memslot *slot;
		struct guest_walk w;
		hva_t hva;

		if (paging_walk(&vcpu->mmu.shadow->regs, &shadow_guest_mem_ops, vcpu,
				la + done, &a, &w))
			break;
		slot = minikvm_gfn_to_memslot(vcpu->vm, w.gfn);
		if (!slot)
			break;
		hva = minikvm_gfn_to_hva_memslot(slot, w.gfn) +
		      ((la + done) & ~PAGE_MASK);
		if (copy_from_user(buf + done, (void __user *)hva, chunk))
			break;
		done += chunk;
	}
	return done;
}

/**
 * minikvm_mmu_shadow_fetch - read guest code through the guest's tables.
 * @vcpu: the vCPU (shadow paging).
 * @la: the linear address.
 * @buf: where to.
 * @len: how many bytes at most.
 *
 * Return: the number of bytes read; fewer than @len where a page is not
 * mapped or not executable at the current CPL.
 */
int minikvm_mmu_shadow_fetch(struct minikvm_vcpu *vcpu, u64 la, u8 *buf, int len)
{
	int idx, n;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	n = __fetch(vcpu, la, buf, len);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return n;
}

static int next_byte(struct pt_insn *in, u8 *b)
{
	if (in->len >= in->avail)
		return -EOPNOTSUPP;
	*b = in->bytes[in->len++];
	return 0;
}

static int next_bytes(struct pt_insn *in, int n, s64 *val)
{
	u64 v = 0;
	int i;
	u8 b;

	for (i = 0; i < n; i++) {
		if (next_byte(in, &b))
			return -EOPNOTSUPP;
		v |= (u64)b << (8 * i);
	}
	/* Sign-extend: displacements and immediates are signed. */
	*val = n == 8 ? (s64)v : sign_extend64(v, 8 * n - 1);
	return 0;
}

/* The segment a prefix byte selects, or -1 if it is none. */
static int seg_prefix(u8 b)
{
	static const u8 prefixes[] = {
		[SEG_ES] = 0x26, [SEG_CS] = 0x2e, [SEG_SS] = 0x36,
		[SEG_DS] = 0x3e, [SEG_FS] = 0x64, [SEG_GS] = 0x65,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (prefixes[i] == b)
			return i;
	return -1;
}

static int decode_prefixes(struct pt_insn *in)
{
	u8 b;

	for (;;) {
		if (next_byte(in, &b))
			return -EOPNOTSUPP;
		if (seg_prefix(b) >= 0) {
			in->seg = seg_prefix(b);
			continue;
		}
		if (b == 0x66) {
			in->opsize16 = true;
			continue;
		}
		if (b == 0x67) {
			if (!in->lm)
				return -EOPNOTSUPP;	/* 16-bit addressing */
			in->addr32 = true;
			continue;
		}
		if (b == 0xf0)
			continue;
		if (in->lm && (b & 0xf0) == 0x40) {
			in->rex = b;
			if (next_byte(in, &b))
				return -EOPNOTSUPP;
		}
		in->op = b;
		return 0;
	}
}

/* ModRM (+SIB, displacement): the effective address before segments. */
static int decode_modrm(struct minikvm_vcpu *vcpu, struct pt_insn *in,
			bool *rip_rel, int *base_reg)
{
	u8 modrm, sib, mod, rm;
	s64 disp = 0;
	u64 ea = 0;

	if (next_byte(in, &modrm))
		return -EOPNOTSUPP;
	mod = modrm >> 6;
	rm = modrm & 7;
	in->reg = ((modrm >> 3) & 7) | ((in->rex & 4) << 1);
	*base_reg = -1;
	if (mod == 3)
		return -EOPNOTSUPP;

	if (rm == 4) {
		int index, base;

		if (next_byte(in, &sib))
			return -EOPNOTSUPP;
		index = ((sib >> 3) & 7) | ((in->rex & 2) << 2);
		base = (sib & 7) | ((in->rex & 1) << 3);
		if (index != 4)
			ea = vcpu->regs[index] << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0) {
			if (next_bytes(in, 4, &disp))
				return -EOPNOTSUPP;
		} else {
			ea += vcpu->regs[base];
			*base_reg = base;
		}
	} else if (rm == 5 && mod == 0) {
		if (next_bytes(in, 4, &disp))
			return -EOPNOTSUPP;
		*rip_rel = in->lm;
	} else {
		*base_reg = rm | ((in->rex & 1) << 3);
		ea = vcpu->regs[*base_reg];
	}
	if (mod == 1 && next_bytes(in, 1, &disp))
		return -EOPNOTSUPP;
	if (mod == 2 && next_bytes(in, 4, &disp))
		return -EOPNOTSUPP;
	in->ea = ea + disp;
	return 0;
}

static int decode_operand(struct pt_insn *in)
{
	s64 imm;

	switch (in->op) {
	case 0x88: case 0x86: case 0xc6:
		in->size = 1;
		break;
	case 0x89: case 0x87: case 0xc7:
		in->size = (in->rex & 8) ? 8 : in->opsize16 ? 2 : 4;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (in->op != 0xc6 && in->op != 0xc7)
		return 0;
	if (in->reg & 7)
		return -EOPNOTSUPP;	/* C6/C7 /0 only */
	if (next_bytes(in, min(in->size, 4), &imm))
		return -EOPNOTSUPP;
	in->imm = imm;
	in->has_imm = true;
	return 0;
}

static u64 seg_base(const struct kvm_sregs *s, int seg)
{
	switch (seg) {
	case SEG_ES: return s->es.base;
	case SEG_CS: return s->cs.base;
	case SEG_SS: return s->ss.base;
	case SEG_FS: return s->fs.base;
	case SEG_GS: return s->gs.base;
	default:	   return s->ds.base;
	}
}

/* The linear address of the decoded memory operand (segments, sizes). */
static void linear_ea(struct minikvm_vcpu *vcpu, const struct kvm_sregs *s,
		      struct pt_insn *in, bool rip_rel, int base_reg)
{
	int seg;

	if (rip_rel)
		in->ea += vcpu->rip + in->len;

	seg = in->seg;
	if (in->lm) {
		if (seg != SEG_FS && seg != SEG_GS)
			seg = -1;
		if (in->addr32)
			in->ea = (u32)in->ea;
	} else {
		if (seg < 0)
			seg = (base_reg == MINIKVM_REG_RSP ||
			       base_reg == MINIKVM_REG_RBP) ? SEG_SS :
							      SEG_DS;
		in->ea = (u32)in->ea;
	}
	if (seg >= 0)
		in->ea += seg_base(s, seg);
	if (!in->lm)
		in->ea = (u32)in->ea;
}

static int decode(struct minikvm_vcpu *vcpu, const struct kvm_sregs *s,
		  struct pt_insn *in)
{
	bool rip_rel = false;
	int base_reg;

	if (decode_prefixes(in) || decode_modrm(vcpu, in, &rip_rel, &base_reg) ||
	    decode_operand(in))
		return -EOPNOTSUPP;
	linear_ea(vcpu, s, in, rip_rel, base_reg);
	return 0;
}

/* Fetch the instruction at RIP; Return: 0, or -EOPNOTSUPP (16-bit code). */
static int fetch_insn(struct minikvm_vcpu *vcpu, const struct kvm_sregs *s,
		      struct pt_insn *in)
{
	u64 la;

	in->lm = (vcpu->efer & EFER_LMA) && s->cs.l;
	if (!in->lm && !s->cs.db)
		return -EOPNOTSUPP;	/* 16-bit code */
	la = in->lm ? vcpu->rip : (u32)(s->cs.base + vcpu->rip);
	in->avail = __fetch(vcpu, la, in->bytes, MAX_INSN_LEN);
	return 0;
}

/* RIP after the decoded instruction. */
static u64 rip_after(struct minikvm_vcpu *vcpu, const struct pt_insn *in)
{
	u64 rip = vcpu->rip + in->len;

	return in->lm ? rip : (u32)rip;
}

/**
 * shadow_decode_invlpg - decode the INVLPG at RIP.
 * @vcpu: the vCPU (shadow paging), in KVM_RUN.
 * @gva: the linear address it invalidates.
 * @next_rip: RIP after it.
 *
 * Return: 0, or -EOPNOTSUPP (16-bit code, bytes not fetched, or not
 * INVLPG m8).
 */
int shadow_decode_invlpg(struct minikvm_vcpu *vcpu, gva_t *gva, u64 *next_rip)
{
	struct pt_insn in = { .seg = -1 };
	bool rip_rel = false;
	struct kvm_sregs s;
	int base_reg, idx;
	u8 b;

	minikvm_x86_call(get_sregs)(vcpu, &s);
	idx = srcu_read_lock(&vcpu->vm->srcu);
	if (fetch_insn(vcpu, &s, &in))
		in.avail = 0;
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	/* 0F 01 /7 with a memory operand. */
	if (!in.avail || decode_prefixes(&in) || in.op != 0x0f ||
	    next_byte(&in, &b) || b != 0x01 ||
	    decode_modrm(vcpu, &in, &rip_rel, &base_reg) || (in.reg & 7) != 7)
		return -EOPNOTSUPP;
	linear_ea(vcpu, &s, &in, rip_rel, base_reg);
	*gva = in.ea;
	*next_rip = rip_after(vcpu, &in);
	return 0;
}

/**
 * shadow_decode_invpcid - decode the INVPCID at RIP.
 * @vcpu: the vCPU (shadow paging), in KVM_RUN.
 * @type: the invalidation type (its register operand).
 * @next_rip: RIP after it.
 *
 * The descriptor is not read: every type is handled as a flush of all
 * of the vCPU's translations, which is never less than asked.
 *
 * Return: 0, or -EOPNOTSUPP (bytes not fetched, or not 66 0F 38 82 /r).
 */
int shadow_decode_invpcid(struct minikvm_vcpu *vcpu, u64 *type, u64 *next_rip)
{
	struct pt_insn in = { .seg = -1 };
	bool rip_rel = false;
	struct kvm_sregs s;
	int base_reg, idx;
	u8 b1, b2;

	minikvm_x86_call(get_sregs)(vcpu, &s);
	idx = srcu_read_lock(&vcpu->vm->srcu);
	if (fetch_insn(vcpu, &s, &in))
		in.avail = 0;
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	if (!in.avail || decode_prefixes(&in) || in.op != 0x0f ||
	    next_byte(&in, &b1) || b1 != 0x38 || next_byte(&in, &b2) ||
	    b2 != 0x82 || decode_modrm(vcpu, &in, &rip_rel, &base_reg))
		return -EOPNOTSUPP;
	*type = in.lm ? vcpu->regs[in.reg] : (u32)vcpu->regs[in.reg];
	*next_rip = rip_after(vcpu, &in);
	return 0;
}

/* The register operand's value, for a @size-byte access. */
static u64 reg_value(struct minikvm_vcpu *vcpu, const struct pt_insn *in)
{
	if (in->size == 1 && !in->rex && in->reg >= 4)
		return (vcpu->regs[in->reg - 4] >> 8) & 0xff;	/* AH..BH */
	return vcpu->regs[in->reg];
}

static void set_reg(struct minikvm_vcpu *vcpu, const struct pt_insn *in, u64 val)
{
	u64 *reg = &vcpu->regs[in->reg];

	switch (in->size) {
	case 1:
		if (!in->rex && in->reg >= 4) {
			reg = &vcpu->regs[in->reg - 4];
			*reg = (*reg & ~0xff00ULL) | ((val & 0xff) << 8);
		} else {
			*reg = (*reg & ~0xffULL) | (val & 0xff);
		}
		break;
	case 2:
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*reg = (u32)val;	/* zero-extends, in 64-bit mode too */
		break;
	default:
		*reg = val;
	}
}

static int put_sized(hva_t hva, int size, u64 val)
{
	switch (size) {
	case 1: return put_user((u8)val, (u8 __user *)hva);
	case 2: return put_user((u16)val, (u16 __user *)hva);
	case 4: return put_user((u32)val, (u32 __user *)hva);
	default: return put_user(val, (u64 __user *)hva);
	}
}

/* Do the write on guest memory.  Return: 0 or -EOPNOTSUPP. */
static int do_write(struct minikvm_vcpu *vcpu, const struct pt_insn *in,
		    gpa_t gpa)
{
	struct minikvm_memslot *slot = minikvm_gfn_to_memslot(vcpu->vm,
							      gpa_to_gfn(gpa));
	u64 val = in->has_imm ? in->imm : reg_value(vcpu, in);
	hva_t hva;

	if (!slot || (slot->flags & MINIKVM_MEMSLOT_INVALID))
		return -EOPNOTSUPP;
	hva = minikvm_gfn_to_hva_memslot(slot, gpa_to_gfn(gpa)) + (gpa & ~PAGE_MASK);

	if (in->op == 0x86 || in->op == 0x87) {
		u64 old = 0;
		int r;

		/* XCHG is atomic: replace whatever is there. */
		if (in->size < 4)
			return -EOPNOTSUPP;
		do {
			if (shadow_guest_mem_ops.read(vcpu, gpa, in->size, &old))
				return -EOPNOTSUPP;
			r = shadow_guest_mem_ops.try_update(vcpu, gpa, in->size, old, val);
		} while (r == 1);
		if (r)
			return -EOPNOTSUPP;
		set_reg(vcpu, in, old);
		return 0;
	}
	if (put_sized(hva, in->size, val))
		return -EOPNOTSUPP;
	if (slot->flags & KVM_MEM_LOG_DIRTY_PAGES)
		minikvm_mark_page_dirty_in_slot(slot, gpa_to_gfn(gpa));
	return 0;
}

/**
 * shadow_emulate_pt_write - emulate the store that faulted on a guest
 *	page table.
 * @vcpu: the vCPU.
 * @gva: the faulting linear address.
 * @gpa: where it maps (the guest walk allowed the write).
 *
 * Return: MINIKVM_EXIT_RESUME (emulated; RIP moved past the instruction),
 * or -EOPNOTSUPP (not an instruction this understands: nothing changed).
 */
int shadow_emulate_pt_write(struct minikvm_vcpu *vcpu, gva_t gva, gpa_t gpa)
{
	struct pt_insn in = { .seg = -1 };
	struct minikvm_vm *vm = vcpu->vm;
	struct kvm_sregs s;
	LIST_HEAD(invalid);

	minikvm_x86_call(get_sregs)(vcpu, &s);
	if (fetch_insn(vcpu, &s, &in) || decode(vcpu, &s, &in) || in.ea != gva ||
	    (gva & ~PAGE_MASK) + in.size > PAGE_SIZE)
		return -EOPNOTSUPP;
	if (do_write(vcpu, &in, gpa))
		return -EOPNOTSUPP;

	write_lock(&vm->mmu.lock);
	shadow_pt_written(vcpu, gpa, in.size, &invalid);
	/* The old entry may be cached: gone before the guest goes on. */
	minikvm_flush_remote_tlbs(vm);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);

	vcpu->rip = rip_after(vcpu, &in);
	minikvm_x86_call(set_interrupt_shadow)(vcpu, 0);
	shadow_stat_add(vm, SHADOW_STAT_EMULATED_PT_WRITES, 1);
	return MINIKVM_EXIT_RESUME;
}

/**
 * minikvm_mmu_emulated_ram_write - the instruction emulator wrote guest RAM.
 * @vcpu: the vCPU that ran the instruction (in KVM_RUN; may sleep).
 * @gpa: where it wrote.
 * @len: how many bytes (one piece, within one page).
 *
 * On a shadow-paging VM a write to a shadowed guest page table drops the
 * sptes made from the entries it changed, as shadow_emulate_pt_write()
 * does for the stores it emulates itself.  Nothing to do on a TDP VM.
 */
void minikvm_mmu_emulated_ram_write(struct minikvm_vcpu *vcpu, gpa_t gpa,
				    unsigned int len)
{
	struct minikvm_vm *vm = vcpu->vm;
	LIST_HEAD(invalid);
	bool tracked;
	int idx;

	if (!minikvm_mmu_is_shadow(&vm->mmu))
		return;
	read_lock(&vm->mmu.lock);
	tracked = shadow_gfn_is_tracked(vm, gpa_to_gfn(gpa));
	read_unlock(&vm->mmu.lock);
	if (!tracked)
		return;

	/* Rechecked inside: the frame may have been unshadowed meanwhile. */
	idx = srcu_read_lock(&vm->srcu);
	write_lock(&vm->mmu.lock);
	shadow_pt_written(vcpu, gpa, len, &invalid);
	/* The old entry may be cached: gone before the guest goes on. */
	minikvm_flush_remote_tlbs(vm);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
	srcu_read_unlock(&vm->srcu, idx);
	shadow_stat_add(vm, SHADOW_STAT_EMULATED_PT_WRITES, 1);
}
