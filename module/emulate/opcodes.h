/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The opcode tables' entry format: what the decoder needs to find an
 * instruction's length and operands, and what the executor runs.
 *
 * Every opcode of the one-byte and 0f maps that the CPU can execute has an
 * entry, so that the length of any instruction can be decoded (to skip an
 * intercepted instruction, or to report the bytes of one that is not
 * emulated).  Only entries with an executor (exec != EMU_NONE) are emulated.
 *
 * Private to emulate/: decode.c, exec.c and the KUnit suite.
 */
#ifndef MINIKVM_MODULE_EMULATE_OPCODES_H
#define MINIKVM_MODULE_EMULATE_OPCODES_H

#include <linux/bits.h>
#include <linux/types.h>

/* What an operand of an entry is. */
enum minikvm_opnd {
	OPND_NONE,
	OPND_RM,	/* ModRM r/m: a register or memory */
	OPND_MEM,	/* ModRM r/m, memory only: a register is #UD */
	OPND_REG,	/* ModRM reg: a general register */
	OPND_SREG,	/* ModRM reg: a segment register */
	OPND_ACC,	/* AL, AX, EAX or RAX */
	OPND_OPCREG,	/* the register in the opcode's low three bits */
	OPND_IMM,	/* the immediate */
	OPND_MOFFS,	/* memory at the absolute address of the immediate */
	OPND_STR_SRC,	/* string source, DS:rSI (the segment can be overridden) */
	OPND_STR_DST,	/* string destination, ES:rDI */
	NR_OPNDS,
};

/* The immediate that follows the ModRM/SIB/displacement bytes. */
enum minikvm_imm {
	IMM_NONE,
	IMM_B,		/* 1 byte */
	IMM_W,		/* 2 bytes */
	IMM_Z,		/* 2 bytes with a 16-bit operand size, else 4 */
	IMM_V,		/* the operand size: 2, 4 or 8 bytes (MOV r, imm) */
	IMM_MOFFS,	/* the address size: 2, 4 or 8 bytes, zero-extended */
	IMM_ENTER,	/* 3 bytes: iw, ib */
	IMM_FAR,	/* a far pointer: IMM_Z plus a 2-byte selector */
	NR_IMMS,
};

/* What runs an entry; EMU_NONE entries are decoded, never executed. */
enum minikvm_exec {
	EMU_NONE,
	EMU_ADD, EMU_OR, EMU_ADC, EMU_SBB, EMU_AND, EMU_SUB, EMU_XOR, EMU_CMP,
	EMU_TEST,
	EMU_INC, EMU_DEC, EMU_NOT, EMU_NEG,
	EMU_MOV, EMU_MOV_SREG, EMU_MOVZX, EMU_MOVSX,
	EMU_XCHG, EMU_XADD, EMU_CMPXCHG, EMU_CMPXCHG8B,
	EMU_BT, EMU_BTS, EMU_BTR, EMU_BTC,
	EMU_MOVS, EMU_STOS, EMU_LODS, EMU_CMPS, EMU_SCAS,
	EMU_INS, EMU_OUTS,
	EMU_INVLPG, EMU_INVPCID,
	NR_EXECS,
};

/* Entry flags. */
#define OPF_VALID	BIT(0)	/* a defined opcode */
#define OPF_MODRM	BIT(1)	/* a ModRM byte follows the opcode */
#define OPF_GROUP	BIT(2)	/* ModRM.reg picks the entry in group @group */
#define OPF_BYTE	BIT(3)	/* byte operands */
#define OPF_LOCK	BIT(4)	/* LOCK is allowed (with a memory destination) */
#define OPF_STRING	BIT(5)	/* string instruction: REP applies */
#define OPF_REPZ	BIT(6)	/* REPE/REPNE also end on ZF (CMPS, SCAS) */
#define OPF_MOV		BIT(7)	/* destination written, not read */
#define OPF_NOWB	BIT(8)	/* destination read, not written */
#define OPF_I64		BIT(9)	/* undefined in 64-bit mode */
#define OPF_O64		BIT(10)	/* emulated in 64-bit mode only (63: MOVSXD) */
#define OPF_SRC_SHIFT	11	/* two bits: the source's size if not op size */
#define OPF_SRC_B	BIT(OPF_SRC_SHIFT)
#define OPF_SRC_W	(2 << OPF_SRC_SHIFT)
#define OPF_SRC_D	(3 << OPF_SRC_SHIFT)
#define OPF_SRC_MASK	(3 << OPF_SRC_SHIFT)
#define OPF_PORT	BIT(13)	/* port I/O: REX.W is ignored, 4 bytes at most */
#define OPF_TLB		BIT(14)	/* INVLPG, INVPCID: from their intercept only */

/**
 * struct minikvm_opcode - one entry of an opcode table.
 * @exec: enum minikvm_exec.
 * @dst: enum minikvm_opnd, the operand written (or compared).
 * @src: enum minikvm_opnd, the operand read.
 * @imm: enum minikvm_imm.
 * @group: with OPF_GROUP, the group table holding the real entry; the
 *	flags of both entries add up.
 * @flags: OPF_*.
 */
struct minikvm_opcode {
	u8 exec;
	u8 dst;
	u8 src;
	u8 imm;
	u8 group;
	u16 flags;
};

/* The group tables, indexed by ModRM.reg. */
enum minikvm_group {
	GRP_NONE,
	GRP1_EB_IB,	/* 80, 82: ALU Eb, Ib */
	GRP1_EV_IZ,	/* 81: ALU Ev, Iz */
	GRP1_EV_IB,	/* 83: ALU Ev, Ib (sign-extended) */
	GRP1A,		/* 8f: POP Ev; the rest is XOP */
	GRP3_EB,	/* f6: TEST/NOT/NEG/MUL/IMUL/DIV/IDIV Eb */
	GRP3_EV,	/* f7: the same, Ev */
	GRP4,		/* fe: INC/DEC Eb */
	GRP5,		/* ff: INC/DEC/CALL/JMP/PUSH Ev */
	GRP11_EB,	/* c6: MOV Eb, Ib; XABORT */
	GRP11_EV,	/* c7: MOV Ev, Iz; XBEGIN */
	GRP8,		/* 0f ba: BT/BTS/BTR/BTC Ev, Ib */
	GRP7,		/* 0f 01: SGDT ... INVLPG (and, mod 3, many) */
	GRP9,		/* 0f c7: CMPXCHG8B/16B, RDRAND, RDSEED */
	NR_GROUPS,
};

#define MINIKVM_OPCODE_TABLE_SIZE	256

extern const struct minikvm_opcode minikvm_onebyte_table[MINIKVM_OPCODE_TABLE_SIZE];
extern const struct minikvm_opcode minikvm_twobyte_table[MINIKVM_OPCODE_TABLE_SIZE];
extern const struct minikvm_opcode minikvm_group_table[NR_GROUPS][8];
/*
 * The 0f 38 and 0f 3a maps: every byte a ModRM, 0f 3a an ib too; 0f 38 82
 * (INVPCID with the mandatory 66 prefix) has its own entry.
 */
extern const struct minikvm_opcode minikvm_0f38_entry;
extern const struct minikvm_opcode minikvm_0f38_invpcid_entry;
extern const struct minikvm_opcode minikvm_0f3a_entry;

#endif /* MINIKVM_MODULE_EMULATE_OPCODES_H */
