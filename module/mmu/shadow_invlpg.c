// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding of the INVLPG and INVPCID a shadow-paging guest runs: SVM's
 * intercepts of both give no operand on every CPU (QEMU's gives no
 * address), so the instruction at RIP is fetched through the guest's
 * tables and its memory operand (INVLPG) or register operand (INVPCID)
 * decoded here.
 *
 * This is a second, small ModRM decoder beside the instruction emulator's
 * (module/emulate/): the emulator has no group-7 or 0f 38 entries yet.
 * Moving INVLPG/INVPCID into the emulator's tables would retire it.
 *
 * Context: the vCPU thread, in KVM_RUN, no mmu_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/srcu.h>

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
	u64 ea;			/* linear address of the memory operand */
};

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

/* Fetch the instruction at RIP; Return: 0, or -EOPNOTSUPP (16-bit code). */
static int fetch_insn(struct minikvm_vcpu *vcpu, const struct kvm_sregs *s,
		      struct pt_insn *in)
{
	u64 la;

	in->lm = (vcpu->efer & EFER_LMA) && s->cs.l;
	if (!in->lm && !s->cs.db)
		return -EOPNOTSUPP;	/* 16-bit code */
	la = in->lm ? vcpu->rip : (u32)(s->cs.base + vcpu->rip);
	in->avail = minikvm_mmu_shadow_fetch(vcpu, la, in->bytes, MAX_INSN_LEN);
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
	int base_reg;
	u8 b;

	minikvm_x86_call(get_sregs)(vcpu, &s);
	if (fetch_insn(vcpu, &s, &in))
		in.avail = 0;
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
	int base_reg;
	u8 b1, b2;

	minikvm_x86_call(get_sregs)(vcpu, &s);
	if (fetch_insn(vcpu, &s, &in))
		in.avail = 0;
	if (!in.avail || decode_prefixes(&in) || in.op != 0x0f ||
	    next_byte(&in, &b1) || b1 != 0x38 || next_byte(&in, &b2) ||
	    b2 != 0x82 || decode_modrm(vcpu, &in, &rip_rel, &base_reg))
		return -EOPNOTSUPP;
	*type = in.lm ? vcpu->regs[in.reg] : (u32)vcpu->regs[in.reg];
	*next_rip = rip_after(vcpu, &in);
	return 0;
}
