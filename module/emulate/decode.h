/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 instruction decoder: bytes in, a struct minikvm_insn out.
 *
 * The decoder is a pure function of the bytes and the code size: it touches
 * no vCPU, reads at most MINIKVM_INSN_MAX bytes of the buffer it is given,
 * and every table it indexes has a checked index.  It knows the length of
 * every legacy-encoded instruction (prefixes, REX, the one-byte, 0f, 0f 38
 * and 0f 3a maps); VEX, EVEX and XOP encodings are refused.
 */
#ifndef MINIKVM_MODULE_EMULATE_DECODE_H
#define MINIKVM_MODULE_EMULATE_DECODE_H

#include <linux/types.h>

#include "opcodes.h"

/* The architectural limit: a longer instruction raises #GP. */
#define MINIKVM_INSN_MAX	15

/* Segment registers, numbered as in MOV Sreg and struct kvm_sregs order. */
enum minikvm_seg {
	MINIKVM_SEG_ES,
	MINIKVM_SEG_CS,
	MINIKVM_SEG_SS,
	MINIKVM_SEG_DS,
	MINIKVM_SEG_FS,
	MINIKVM_SEG_GS,
	MINIKVM_NR_SEGS,
};

/* Pseudo register numbers of struct minikvm_insn_ea. */
#define INSN_REG_NONE	(-1)
#define INSN_REG_RIP	(-2)

/**
 * struct minikvm_insn_ea - a memory operand's address, before any register
 * is read: base + (index << scale) + disp, in segment @seg.
 * @base: a GPR, INSN_REG_NONE, or INSN_REG_RIP (relative to the next RIP).
 * @index: a GPR or INSN_REG_NONE.
 * @scale: log2 of the index's factor, 0-3.
 * @seg: the segment: the override prefix, or the default (SS for rBP/rSP
 *	bases, else DS).
 * @disp: the sign-extended displacement; for moffs, the address.
 */
struct minikvm_insn_ea {
	s8 base;
	s8 index;
	u8 scale;
	u8 seg;
	s64 disp;
};

/**
 * struct minikvm_insn - a decoded instruction.
 * @op: a copy of the opcode table entry, with the group entry already
 *	picked; its flags are those of both entries.
 * @len: length in bytes, at most MINIKVM_INSN_MAX.
 * @code_bytes: the default address size it was decoded for: 2 (16-bit
 *	code), 4 (32-bit code) or 8 (64-bit mode).
 * @op_bytes: operand size, 2, 4 or 8 (byte operands: see OPF_BYTE).
 * @ad_bytes: address size, 2, 4 or 8.
 * @rep: 0, or the last of the 0xf2/0xf3 prefixes.
 * @lock: a LOCK prefix was given.
 * @rex: the REX prefix, 0 if none (or if a legacy prefix followed it).
 * @seg_override: the last segment override, or MINIKVM_NR_SEGS.
 * @map: 0 for the one-byte map, 1 for 0f, 2 for 0f 38, 3 for 0f 3a.
 * @opcode: the opcode byte within @map.
 * @has_modrm: @modrm is valid.
 * @has_mem: the r/m (or moffs) operand is in memory; @ea describes it.
 * @imm_bytes: size of @imm in the instruction.
 * @imm: the immediate, sign-extended (moffs: zero-extended).
 * @bytes: the instruction's bytes.
 */
struct minikvm_insn {
	struct minikvm_opcode op;
	u8 len;
	u8 code_bytes;
	u8 op_bytes;
	u8 ad_bytes;
	u8 rep;
	bool lock;
	bool opsize_prefix;
	u8 rex;
	u8 seg_override;
	u8 map;
	u8 opcode;
	bool has_modrm;
	u8 modrm;
	bool has_mem;
	struct minikvm_insn_ea ea;
	u8 imm_bytes;
	u64 imm;
	u8 bytes[MINIKVM_INSN_MAX];
};

#define REX_B	BIT(0)
#define REX_X	BIT(1)
#define REX_R	BIT(2)
#define REX_W	BIT(3)

static inline unsigned int insn_modrm_mod(const struct minikvm_insn *insn)
{
	return insn->modrm >> 6;
}

/* ModRM.reg without REX.R: the group index, or a segment register. */
static inline unsigned int insn_modrm_reg3(const struct minikvm_insn *insn)
{
	return (insn->modrm >> 3) & 7;
}

/* ModRM.reg as a general register (REX.R extends it). */
static inline unsigned int insn_modrm_reg(const struct minikvm_insn *insn)
{
	return insn_modrm_reg3(insn) | (insn->rex & REX_R ? 8 : 0);
}

/* ModRM.rm as a general register (REX.B extends it). */
static inline unsigned int insn_modrm_rm(const struct minikvm_insn *insn)
{
	return (insn->modrm & 7) | (insn->rex & REX_B ? 8 : 0);
}

/* The register in the opcode's low three bits (REX.B extends it). */
static inline unsigned int insn_opcode_reg(const struct minikvm_insn *insn)
{
	return (insn->opcode & 7) | (insn->rex & REX_B ? 8 : 0);
}

/* The destination's size in bytes. */
static inline unsigned int insn_dst_bytes(const struct minikvm_insn *insn)
{
	return insn->op.flags & OPF_BYTE ? 1 : insn->op_bytes;
}

/* The source's size in bytes: OPF_SRC_* or the destination's. */
static inline unsigned int insn_src_bytes(const struct minikvm_insn *insn)
{
	switch (insn->op.flags & OPF_SRC_MASK) {
	case OPF_SRC_B:
		return 1;
	case OPF_SRC_W:
		return 2;
	case OPF_SRC_D:
		return 4;
	default:
		return insn_dst_bytes(insn);
	}
}

static inline bool insn_is_emulated(const struct minikvm_insn *insn)
{
	if ((insn->op.flags & OPF_O64) && insn->code_bytes != 8)
		return false;
	return insn->op.exec != EMU_NONE;
}

int minikvm_decode_insn(const u8 *bytes, unsigned int avail,
			unsigned int code_bytes, struct minikvm_insn *insn);

#endif /* MINIKVM_MODULE_EMULATE_DECODE_H */
