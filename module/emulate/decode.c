// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction decoder: prefixes, REX, opcode maps, ModRM, SIB,
 * displacement and immediate, driven by the tables of opcodes.c.
 *
 * Every byte is taken through next_byte(), which enforces both the size of
 * the caller's buffer (-ENODATA: give me more bytes) and the architectural
 * limit of 15 bytes (-E2BIG: the CPU raises #GP).  So the decoder never
 * reads past either, whatever the bytes are.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/string.h>

#include "../minikvm.h"
#include "decode.h"

struct decoder {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
	struct minikvm_insn *insn;
};

static int next_byte(struct decoder *d, u8 *b)
{
	if (d->pos >= MINIKVM_INSN_MAX)
		return -E2BIG;
	if (d->pos >= d->avail)
		return -ENODATA;
	*b = d->bytes[d->pos];
	d->insn->bytes[d->pos++] = *b;
	return 0;
}

/* @n (at most 8) little-endian bytes, sign-extended from their top bit. */
static int next_signed(struct decoder *d, unsigned int n, s64 *val)
{
	u64 v = 0;
	unsigned int i;
	u8 b;
	int r;

	for (i = 0; i < n; i++) {
		r = next_byte(d, &b);
		if (r)
			return r;
		v |= (u64)b << (8 * i);
	}
	*val = n && n < 8 ? sign_extend64(v, 8 * n - 1) : (s64)v;
	return 0;
}

static bool is_rex(const struct minikvm_insn *insn, u8 b)
{
	return insn->code_bytes == 8 && (b & 0xf0) == 0x40;
}

/* Record legacy prefix @b; false if @b is not one. */
static bool take_legacy_prefix(struct minikvm_insn *insn, u8 b,
			       bool *adsize_prefix)
{
	switch (b) {
	case 0x66:
		insn->opsize_prefix = true;
		return true;
	case 0x67:
		*adsize_prefix = true;
		return true;
	case 0x26: case 0x2e: case 0x36: case 0x3e:
		/* ES CS SS DS: bits 3-4 of the prefix are the segment. */
		insn->seg_override = (b >> 3) & 3;
		return true;
	case 0x64: case 0x65:
		insn->seg_override = MINIKVM_SEG_FS + (b & 1);
		return true;
	case 0xf0:
		insn->lock = true;
		return true;
	case 0xf2: case 0xf3:
		insn->rep = b;
		return true;
	default:
		return false;
	}
}

/*
 * Prefixes up to the first opcode byte, returned in @opcode.  A REX prefix
 * counts only when the opcode follows it directly.
 */
static int decode_prefixes(struct decoder *d, u8 *opcode, bool *adsize_prefix)
{
	struct minikvm_insn *insn = d->insn;
	u8 b;
	int r;

	for (;;) {
		r = next_byte(d, &b);
		if (r)
			return r;
		if (is_rex(insn, b)) {
			insn->rex = b;
			continue;
		}
		if (!take_legacy_prefix(insn, b, adsize_prefix)) {
			*opcode = b;
			return 0;
		}
		insn->rex = 0;
	}
}

static void set_sizes(struct minikvm_insn *insn, bool adsize_prefix)
{
	insn->op_bytes = insn->code_bytes == 2 ? 2 : 4;
	if (insn->opsize_prefix)
		insn->op_bytes ^= 2 ^ 4;
	if (insn->rex & REX_W)
		insn->op_bytes = 8;

	insn->ad_bytes = insn->code_bytes;
	if (adsize_prefix)
		insn->ad_bytes = insn->code_bytes == 8 ? 4 : insn->code_bytes ^ (2 ^ 4);
}

/* The table entry of the opcode starting with @b (0f escapes included). */
static int decode_opcode(struct decoder *d, u8 b,
			 const struct minikvm_opcode **entry)
{
	struct minikvm_insn *insn = d->insn;
	int r;

	if (b != 0x0f) {
		insn->map = 0;
		insn->opcode = b;
		*entry = &minikvm_onebyte_table[b];
		return 0;
	}
	r = next_byte(d, &b);
	if (r)
		return r;
	if (b == 0x38 || b == 0x3a) {
		insn->map = b == 0x38 ? 2 : 3;
		*entry = b == 0x38 ? &minikvm_0f38_entry : &minikvm_0f3a_entry;
		r = next_byte(d, &insn->opcode);
		if (!r && insn->map == 2 && insn->opcode == 0x82)
			*entry = &minikvm_0f38_invpcid_entry;
		return r;
	}
	insn->map = 1;
	insn->opcode = b;
	*entry = &minikvm_twobyte_table[b];
	return 0;
}

/*
 * c4, c5 (VEX) and 62 (EVEX) are prefixes in 64-bit mode and, elsewhere,
 * when the byte after them has mod == 3 (LES, LDS and BOUND need memory).
 */
static bool is_vex_or_evex(const struct minikvm_insn *insn)
{
	if (insn->map != 0)
		return false;
	if (insn->opcode != 0xc4 && insn->opcode != 0xc5 && insn->opcode != 0x62)
		return false;
	return insn->code_bytes == 8 || insn_modrm_mod(insn) == 3;
}

/* Merge the group entry picked by ModRM.reg into insn->op. */
static int resolve_group(struct minikvm_insn *insn)
{
	unsigned int group = insn->op.group;
	const struct minikvm_opcode *g;

	if (group == GRP_NONE || group >= NR_GROUPS)
		return -EINVAL;
	group = array_index_nospec(group, NR_GROUPS);
	g = &minikvm_group_table[group][insn_modrm_reg3(insn)];
	if (!(g->flags & OPF_VALID))
		return -EINVAL;
	insn->op.exec = g->exec;
	insn->op.dst = g->dst;
	insn->op.src = g->src;
	insn->op.imm = g->imm;
	insn->op.flags = (insn->op.flags & ~OPF_GROUP) | g->flags;
	return 0;
}

/* Registers of the eight 16-bit ModRM addressing forms. */
static const s8 ea16_base[8] = {
	MINIKVM_REG_RBX, MINIKVM_REG_RBX, MINIKVM_REG_RBP, MINIKVM_REG_RBP,
	MINIKVM_REG_RSI, MINIKVM_REG_RDI, MINIKVM_REG_RBP, MINIKVM_REG_RBX,
};

static const s8 ea16_index[8] = {
	MINIKVM_REG_RSI, MINIKVM_REG_RDI, MINIKVM_REG_RSI, MINIKVM_REG_RDI,
	INSN_REG_NONE, INSN_REG_NONE, INSN_REG_NONE, INSN_REG_NONE,
};

static unsigned int modrm_disp_bytes(unsigned int mod, unsigned int wide)
{
	return mod == 1 ? 1 : mod == 2 ? wide : 0;
}

static int decode_ea16(struct decoder *d)
{
	struct minikvm_insn *insn = d->insn;
	struct minikvm_insn_ea *ea = &insn->ea;
	unsigned int mod = insn_modrm_mod(insn), rm = insn->modrm & 7;

	if (mod == 0 && rm == 6) {
		ea->base = INSN_REG_NONE;
		return next_signed(d, 2, &ea->disp);
	}
	ea->base = ea16_base[rm];
	ea->index = ea16_index[rm];
	return next_signed(d, modrm_disp_bytes(mod, 2), &ea->disp);
}

static int decode_sib(struct decoder *d)
{
	struct minikvm_insn *insn = d->insn;
	struct minikvm_insn_ea *ea = &insn->ea;
	u8 sib;
	int r;

	r = next_byte(d, &sib);
	if (r)
		return r;
	ea->scale = sib >> 6;
	ea->index = ((sib >> 3) & 7) | (insn->rex & REX_X ? 8 : 0);
	if (ea->index == MINIKVM_REG_RSP)
		ea->index = INSN_REG_NONE;
	ea->base = (sib & 7) | (insn->rex & REX_B ? 8 : 0);
	if ((sib & 7) == 5 && insn_modrm_mod(insn) == 0) {
		ea->base = INSN_REG_NONE;
		return next_signed(d, 4, &ea->disp);
	}
	return 0;
}

/* 32- and 64-bit addressing; mod 0 with rm 5 is RIP-relative in 64-bit mode. */
static int decode_ea32(struct decoder *d)
{
	struct minikvm_insn *insn = d->insn;
	struct minikvm_insn_ea *ea = &insn->ea;
	unsigned int mod = insn_modrm_mod(insn), rm = insn->modrm & 7;
	int r;

	if (rm == 5 && mod == 0) {
		ea->base = insn->code_bytes == 8 ? INSN_REG_RIP : INSN_REG_NONE;
		return next_signed(d, 4, &ea->disp);
	}
	if (rm == 4) {
		r = decode_sib(d);
		if (r || ea->base == INSN_REG_NONE)
			return r;
	} else {
		ea->base = insn_modrm_rm(insn);
	}
	return next_signed(d, modrm_disp_bytes(mod, 4), &ea->disp);
}

static u8 default_seg(const struct minikvm_insn_ea *ea)
{
	if (ea->base == MINIKVM_REG_RBP || ea->base == MINIKVM_REG_RSP)
		return MINIKVM_SEG_SS;
	return MINIKVM_SEG_DS;
}

static int decode_modrm_operand(struct decoder *d)
{
	struct minikvm_insn *insn = d->insn;
	int r;

	if (insn_modrm_mod(insn) == 3)
		return 0;
	insn->has_mem = true;
	if (insn->ad_bytes == 2)
		r = decode_ea16(d);
	else
		r = decode_ea32(d);
	insn->ea.seg = default_seg(&insn->ea);
	return r;
}

static unsigned int imm_size(const struct minikvm_insn *insn)
{
	unsigned int z = insn->op_bytes == 2 ? 2 : 4;

	switch (insn->op.imm) {
	case IMM_B:
		return 1;
	case IMM_W:
		return 2;
	case IMM_Z:
		return z;
	case IMM_V:
		return insn->op_bytes;
	case IMM_MOFFS:
		return insn->ad_bytes;
	case IMM_ENTER:
		return 3;
	case IMM_FAR:
		return z + 2;
	default:
		return 0;
	}
}

static int decode_imm(struct decoder *d)
{
	struct minikvm_insn *insn = d->insn;
	s64 imm;
	int r;

	insn->imm_bytes = imm_size(insn);
	r = next_signed(d, insn->imm_bytes, &imm);
	if (r)
		return r;
	insn->imm = imm;
	if (insn->op.imm == IMM_MOFFS) {
		if (insn->imm_bytes < 8)
			insn->imm &= BIT_ULL(8 * insn->imm_bytes) - 1;
		insn->has_mem = true;
		insn->ea.disp = insn->imm;
		insn->ea.seg = MINIKVM_SEG_DS;
	}
	return 0;
}

/* ModRM, the group, and the checks that need them. */
static int decode_modrm(struct decoder *d)
{
	struct minikvm_insn *insn = d->insn;
	int r;

	if (!(insn->op.flags & OPF_MODRM))
		return 0;
	r = next_byte(d, &insn->modrm);
	if (r)
		return r;
	insn->has_modrm = true;
	if (is_vex_or_evex(insn))
		return -EOPNOTSUPP;
	if (insn->op.flags & OPF_GROUP)
		return resolve_group(insn);
	return 0;
}

static void init_insn(struct minikvm_insn *insn, unsigned int code_bytes)
{
	memset(insn, 0, sizeof(*insn));
	insn->code_bytes = code_bytes;
	insn->seg_override = MINIKVM_NR_SEGS;
	insn->ea.base = INSN_REG_NONE;
	insn->ea.index = INSN_REG_NONE;
}

static int __decode_insn(struct decoder *d)
{
	struct minikvm_insn *insn = d->insn;
	const struct minikvm_opcode *entry;
	bool adsize_prefix = false;
	u8 b;
	int r;

	r = decode_prefixes(d, &b, &adsize_prefix);
	if (r)
		return r;
	set_sizes(insn, adsize_prefix);
	r = decode_opcode(d, b, &entry);
	if (r)
		return r;
	if (!(entry->flags & OPF_VALID))
		return -EINVAL;
	insn->op = *entry;
	if ((entry->flags & OPF_PORT) && insn->op_bytes == 8)
		insn->op_bytes = 4;
	r = decode_modrm(d);
	if (r)
		return r;
	if ((insn->op.flags & OPF_I64) && insn->code_bytes == 8)
		return -EINVAL;
	if (insn->has_modrm) {
		r = decode_modrm_operand(d);
		if (r)
			return r;
	}
	return decode_imm(d);
}

/**
 * minikvm_decode_insn - decode one instruction.
 * @bytes: the instruction's bytes.
 * @avail: how many bytes @bytes holds (more than 15 are never read).
 * @code_bytes: 2 for 16-bit code, 4 for 32-bit code, 8 in 64-bit mode.
 * @insn: the result; filled in also on failure, up to where it stopped.
 *
 * Return: 0; -ENODATA when @avail bytes end before the instruction does;
 * -E2BIG when it would be longer than 15 bytes (#GP); -EINVAL for an
 * undefined opcode (#UD); -EOPNOTSUPP for VEX and EVEX encodings.
 */
int minikvm_decode_insn(const u8 *bytes, unsigned int avail,
			unsigned int code_bytes, struct minikvm_insn *insn)
{
	struct decoder d = { .bytes = bytes, .avail = avail, .insn = insn };
	int r;

	init_insn(insn, code_bytes);
	if (code_bytes != 2 && code_bytes != 4 && code_bytes != 8)
		return -EINVAL;
	r = __decode_insn(&d);
	insn->len = d.pos;
	if (!r && insn->seg_override != MINIKVM_NR_SEGS)
		insn->ea.seg = insn->seg_override;
	return r;
}
