// SPDX-License-Identifier: GPL-2.0
/*
 * The opcode tables: the one-byte map, the 0f map and the groups.
 *
 * Read an entry as "what the instruction does, to what, from what": for
 * example E(ADD, RM, REG, NONE, M | BYTE | LOCK) is ADD Eb, Gb, with a
 * ModRM byte, lockable.  L() entries
 * are decoded for their length only.  An entry left out is an undefined
 * opcode.  Byte-register operands follow OPF_BYTE; sizes otherwise follow
 * the operand size, except where an OPF_SRC_* flag fixes the source's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>

#include "opcodes.h"

#define E(_exec, _dst, _src, _imm, _flags)				\
	{ .exec = EMU_##_exec, .dst = OPND_##_dst, .src = OPND_##_src,	\
	  .imm = IMM_##_imm, .flags = OPF_VALID | (_flags) }
/* Decoded for its length only. */
#define L(_imm, _flags)		E(NONE, NONE, NONE, _imm, _flags)
#define LM(_imm)		L(_imm, OPF_MODRM)
/* The entry is in group @_grp, picked by ModRM.reg. */
#define G(_grp, _flags)							\
	{ .group = _grp, .flags = OPF_VALID | OPF_MODRM | OPF_GROUP | (_flags) }

#define M		OPF_MODRM
#define BYTE		OPF_BYTE
#define LOCK		OPF_LOCK
#define MOV		OPF_MOV
#define NOWB		OPF_NOWB

const struct minikvm_opcode minikvm_onebyte_table[MINIKVM_OPCODE_TABLE_SIZE] = {
	[0x00]		= E(ADD, RM, REG, NONE, M | BYTE | LOCK),
	[0x01]		= E(ADD, RM, REG, NONE, M | LOCK),
	[0x02]		= E(ADD, REG, RM, NONE, M | BYTE),
	[0x03]		= E(ADD, REG, RM, NONE, M),
	[0x04]		= E(ADD, ACC, IMM, B, BYTE),
	[0x05]		= E(ADD, ACC, IMM, Z, 0),
	[0x06 ... 0x07] = L(NONE, OPF_I64),	/* PUSH/POP ES */
	[0x08]		= E(OR, RM, REG, NONE, M | BYTE | LOCK),
	[0x09]		= E(OR, RM, REG, NONE, M | LOCK),
	[0x0a]		= E(OR, REG, RM, NONE, M | BYTE),
	[0x0b]		= E(OR, REG, RM, NONE, M),
	[0x0c]		= E(OR, ACC, IMM, B, BYTE),
	[0x0d]		= E(OR, ACC, IMM, Z, 0),
	[0x0e]		= L(NONE, OPF_I64),	/* PUSH CS; 0f is the escape */
	[0x10]		= E(ADC, RM, REG, NONE, M | BYTE | LOCK),
	[0x11]		= E(ADC, RM, REG, NONE, M | LOCK),
	[0x12]		= E(ADC, REG, RM, NONE, M | BYTE),
	[0x13]		= E(ADC, REG, RM, NONE, M),
	[0x14]		= E(ADC, ACC, IMM, B, BYTE),
	[0x15]		= E(ADC, ACC, IMM, Z, 0),
	[0x16 ... 0x17] = L(NONE, OPF_I64),	/* PUSH/POP SS */
	[0x18]		= E(SBB, RM, REG, NONE, M | BYTE | LOCK),
	[0x19]		= E(SBB, RM, REG, NONE, M | LOCK),
	[0x1a]		= E(SBB, REG, RM, NONE, M | BYTE),
	[0x1b]		= E(SBB, REG, RM, NONE, M),
	[0x1c]		= E(SBB, ACC, IMM, B, BYTE),
	[0x1d]		= E(SBB, ACC, IMM, Z, 0),
	[0x1e ... 0x1f] = L(NONE, OPF_I64),	/* PUSH/POP DS */
	[0x20]		= E(AND, RM, REG, NONE, M | BYTE | LOCK),
	[0x21]		= E(AND, RM, REG, NONE, M | LOCK),
	[0x22]		= E(AND, REG, RM, NONE, M | BYTE),
	[0x23]		= E(AND, REG, RM, NONE, M),
	[0x24]		= E(AND, ACC, IMM, B, BYTE),
	[0x25]		= E(AND, ACC, IMM, Z, 0),
	[0x27]		= L(NONE, OPF_I64),	/* DAA; 26 is a prefix */
	[0x28]		= E(SUB, RM, REG, NONE, M | BYTE | LOCK),
	[0x29]		= E(SUB, RM, REG, NONE, M | LOCK),
	[0x2a]		= E(SUB, REG, RM, NONE, M | BYTE),
	[0x2b]		= E(SUB, REG, RM, NONE, M),
	[0x2c]		= E(SUB, ACC, IMM, B, BYTE),
	[0x2d]		= E(SUB, ACC, IMM, Z, 0),
	[0x2f]		= L(NONE, OPF_I64),	/* DAS */
	[0x30]		= E(XOR, RM, REG, NONE, M | BYTE | LOCK),
	[0x31]		= E(XOR, RM, REG, NONE, M | LOCK),
	[0x32]		= E(XOR, REG, RM, NONE, M | BYTE),
	[0x33]		= E(XOR, REG, RM, NONE, M),
	[0x34]		= E(XOR, ACC, IMM, B, BYTE),
	[0x35]		= E(XOR, ACC, IMM, Z, 0),
	[0x37]		= L(NONE, OPF_I64),	/* AAA */
	[0x38]		= E(CMP, RM, REG, NONE, M | BYTE | NOWB),
	[0x39]		= E(CMP, RM, REG, NONE, M | NOWB),
	[0x3a]		= E(CMP, REG, RM, NONE, M | BYTE | NOWB),
	[0x3b]		= E(CMP, REG, RM, NONE, M | NOWB),
	[0x3c]		= E(CMP, ACC, IMM, B, BYTE | NOWB),
	[0x3d]		= E(CMP, ACC, IMM, Z, NOWB),
	[0x3f]		= L(NONE, OPF_I64),	/* AAS */
	[0x40 ... 0x4f] = L(NONE, 0),		/* INC/DEC r (REX in 64-bit) */
	[0x50 ... 0x5f] = L(NONE, 0),		/* PUSH/POP r */
	[0x60 ... 0x61] = L(NONE, OPF_I64),	/* PUSHA/POPA */
	[0x62]		= L(NONE, M | OPF_I64),	/* BOUND (EVEX in 64-bit) */
	[0x63]		= E(MOVSX, REG, RM, NONE, M | MOV | OPF_O64 | OPF_SRC_D),
	[0x68]		= L(Z, 0),		/* PUSH Iz */
	[0x69]		= LM(Z),		/* IMUL Gv, Ev, Iz */
	[0x6a]		= L(B, 0),		/* PUSH Ib */
	[0x6b]		= LM(B),		/* IMUL Gv, Ev, Ib */
	/* INS, OUTS: the port is DX; only the I/O intercept emulates them. */
	[0x6c]		= E(INS, STR_DST, NONE, NONE, BYTE | OPF_STRING | MOV | OPF_PORT),
	[0x6d]		= E(INS, STR_DST, NONE, NONE, OPF_STRING | MOV | OPF_PORT),
	[0x6e]		= E(OUTS, NONE, STR_SRC, NONE, BYTE | OPF_STRING | OPF_PORT),
	[0x6f]		= E(OUTS, NONE, STR_SRC, NONE, OPF_STRING | OPF_PORT),
	[0x70 ... 0x7f] = L(B, 0),		/* Jcc Jb */
	[0x80]		= G(GRP1_EB_IB, BYTE),
	[0x81]		= G(GRP1_EV_IZ, 0),
	[0x82]		= G(GRP1_EB_IB, BYTE | OPF_I64),
	[0x83]		= G(GRP1_EV_IB, 0),
	[0x84]		= E(TEST, RM, REG, NONE, M | BYTE | NOWB),
	[0x85]		= E(TEST, RM, REG, NONE, M | NOWB),
	[0x86]		= E(XCHG, RM, REG, NONE, M | BYTE | LOCK),
	[0x87]		= E(XCHG, RM, REG, NONE, M | LOCK),
	[0x88]		= E(MOV, RM, REG, NONE, M | BYTE | MOV),
	[0x89]		= E(MOV, RM, REG, NONE, M | MOV),
	[0x8a]		= E(MOV, REG, RM, NONE, M | BYTE | MOV),
	[0x8b]		= E(MOV, REG, RM, NONE, M | MOV),
	[0x8c]		= E(MOV_SREG, RM, SREG, NONE, M | MOV),
	[0x8d]		= LM(NONE),		/* LEA: no memory access */
	[0x8e]		= LM(NONE),		/* MOV Sreg, Ew */
	[0x8f]		= G(GRP1A, 0),
	[0x90 ... 0x99] = L(NONE, 0),		/* XCHG r, rAX; CBW; CWD */
	[0x9a]		= L(FAR, OPF_I64),	/* CALLF Ap */
	[0x9b ... 0x9f] = L(NONE, 0),		/* FWAIT PUSHF POPF SAHF LAHF */
	[0xa0]		= E(MOV, ACC, MOFFS, MOFFS, BYTE | MOV),
	[0xa1]		= E(MOV, ACC, MOFFS, MOFFS, MOV),
	[0xa2]		= E(MOV, MOFFS, ACC, MOFFS, BYTE | MOV),
	[0xa3]		= E(MOV, MOFFS, ACC, MOFFS, MOV),
	[0xa4]		= E(MOVS, STR_DST, STR_SRC, NONE, BYTE | OPF_STRING | MOV),
	[0xa5]		= E(MOVS, STR_DST, STR_SRC, NONE, OPF_STRING | MOV),
	[0xa6]		= E(CMPS, STR_DST, STR_SRC, NONE,
			    BYTE | OPF_STRING | OPF_REPZ | NOWB),
	[0xa7]		= E(CMPS, STR_DST, STR_SRC, NONE, OPF_STRING | OPF_REPZ | NOWB),
	[0xa8]		= E(TEST, ACC, IMM, B, BYTE | NOWB),
	[0xa9]		= E(TEST, ACC, IMM, Z, NOWB),
	[0xaa]		= E(STOS, STR_DST, ACC, NONE, BYTE | OPF_STRING | MOV),
	[0xab]		= E(STOS, STR_DST, ACC, NONE, OPF_STRING | MOV),
	[0xac]		= E(LODS, ACC, STR_SRC, NONE, BYTE | OPF_STRING | MOV),
	[0xad]		= E(LODS, ACC, STR_SRC, NONE, OPF_STRING | MOV),
	[0xae]		= E(SCAS, STR_DST, ACC, NONE,
			    BYTE | OPF_STRING | OPF_REPZ | NOWB),
	[0xaf]		= E(SCAS, STR_DST, ACC, NONE, OPF_STRING | OPF_REPZ | NOWB),
	[0xb0 ... 0xb7] = E(MOV, OPCREG, IMM, B, BYTE | MOV),
	[0xb8 ... 0xbf] = E(MOV, OPCREG, IMM, V, MOV),
	[0xc0 ... 0xc1] = LM(B),		/* shift group, Ib */
	[0xc2]		= L(W, 0),		/* RET Iw */
	[0xc3]		= L(NONE, 0),		/* RET */
	[0xc4 ... 0xc5] = L(NONE, M | OPF_I64),	/* LES, LDS (VEX otherwise) */
	[0xc6]		= G(GRP11_EB, BYTE),
	[0xc7]		= G(GRP11_EV, 0),
	[0xc8]		= L(ENTER, 0),
	[0xc9]		= L(NONE, 0),		/* LEAVE */
	[0xca]		= L(W, 0),		/* RETF Iw */
	[0xcb ... 0xcc] = L(NONE, 0),		/* RETF, INT3 */
	[0xcd]		= L(B, 0),		/* INT Ib */
	[0xce]		= L(NONE, OPF_I64),	/* INTO */
	[0xcf]		= L(NONE, 0),		/* IRET */
	[0xd0 ... 0xd3] = LM(NONE),		/* shift group, 1 or CL */
	[0xd4 ... 0xd5] = L(B, OPF_I64),	/* AAM, AAD */
	[0xd6]		= L(NONE, OPF_I64),	/* SALC */
	[0xd7]		= L(NONE, 0),		/* XLAT */
	[0xd8 ... 0xdf] = LM(NONE),		/* x87 */
	[0xe0 ... 0xe7] = L(B, 0),		/* LOOPcc, JrCXZ, IN/OUT Ib */
	[0xe8 ... 0xe9] = L(Z, 0),		/* CALL, JMP Jz */
	[0xea]		= L(FAR, OPF_I64),	/* JMPF Ap */
	[0xeb]		= L(B, 0),		/* JMP Jb */
	[0xec ... 0xef] = L(NONE, 0),		/* IN/OUT DX */
	[0xf1]		= L(NONE, 0),		/* INT1; f0 is LOCK */
	[0xf4 ... 0xf5] = L(NONE, 0),		/* HLT, CMC; f2, f3 are REP */
	[0xf6]		= G(GRP3_EB, BYTE),
	[0xf7]		= G(GRP3_EV, 0),
	[0xf8 ... 0xfd] = L(NONE, 0),		/* CLC STC CLI STI CLD STD */
	[0xfe]		= G(GRP4, BYTE),
	[0xff]		= G(GRP5, 0),
};

const struct minikvm_opcode minikvm_twobyte_table[MINIKVM_OPCODE_TABLE_SIZE] = {
	[0x00]		= LM(NONE),		/* group 6 */
	[0x01]		= G(GRP7, 0),
	[0x02 ... 0x03] = LM(NONE),		/* LAR, LSL */
	[0x05 ... 0x09] = L(NONE, 0),		/* SYSCALL CLTS SYSRET INVD WBINVD */
	[0x0b]		= L(NONE, 0),		/* UD2 */
	[0x0d]		= LM(NONE),		/* PREFETCH */
	[0x0e]		= L(NONE, 0),		/* FEMMS */
	[0x0f]		= LM(B),		/* 3DNow!: the opcode is an ib */
	[0x10 ... 0x23] = LM(NONE),		/* SSE, hint NOPs, MOV CR/DR */
	[0x28 ... 0x2f] = LM(NONE),
	[0x30 ... 0x35] = L(NONE, 0),		/* WRMSR RDTSC RDMSR RDPMC SYSENTER SYSEXIT */
	[0x37]		= L(NONE, 0),		/* GETSEC; 38, 3a are escapes */
	[0x40 ... 0x6f] = LM(NONE),		/* CMOVcc, SSE, MMX */
	[0x70 ... 0x73] = LM(B),		/* PSHUF, shift groups */
	[0x74 ... 0x76] = LM(NONE),
	[0x77]		= L(NONE, 0),		/* EMMS */
	[0x78 ... 0x79] = LM(NONE),		/* VMREAD, VMWRITE */
	[0x7c ... 0x7f] = LM(NONE),
	[0x80 ... 0x8f] = L(Z, 0),		/* Jcc Jz */
	[0x90 ... 0x9f] = LM(NONE),		/* SETcc */
	[0xa0 ... 0xa2] = L(NONE, 0),		/* PUSH FS, POP FS, CPUID */
	[0xa3]		= E(BT, RM, REG, NONE, M | NOWB),
	[0xa4]		= LM(B),		/* SHLD Ib */
	[0xa5]		= LM(NONE),		/* SHLD CL */
	[0xa8 ... 0xaa] = L(NONE, 0),		/* PUSH GS, POP GS, RSM */
	[0xab]		= E(BTS, RM, REG, NONE, M | LOCK),
	[0xac]		= LM(B),		/* SHRD Ib */
	[0xad ... 0xaf] = LM(NONE),		/* SHRD CL, group 15, IMUL */
	[0xb0]		= E(CMPXCHG, RM, REG, NONE, M | BYTE | LOCK),
	[0xb1]		= E(CMPXCHG, RM, REG, NONE, M | LOCK),
	[0xb2]		= LM(NONE),		/* LSS */
	[0xb3]		= E(BTR, RM, REG, NONE, M | LOCK),
	[0xb4 ... 0xb5] = LM(NONE),		/* LFS, LGS */
	[0xb6]		= E(MOVZX, REG, RM, NONE, M | MOV | OPF_SRC_B),
	[0xb7]		= E(MOVZX, REG, RM, NONE, M | MOV | OPF_SRC_W),
	[0xb8 ... 0xb9] = LM(NONE),		/* POPCNT, UD1 */
	[0xba]		= G(GRP8, 0),
	[0xbb]		= E(BTC, RM, REG, NONE, M | LOCK),
	[0xbc ... 0xbd] = LM(NONE),		/* BSF, BSR */
	[0xbe]		= E(MOVSX, REG, RM, NONE, M | MOV | OPF_SRC_B),
	[0xbf]		= E(MOVSX, REG, RM, NONE, M | MOV | OPF_SRC_W),
	[0xc0]		= E(XADD, RM, REG, NONE, M | BYTE | LOCK),
	[0xc1]		= E(XADD, RM, REG, NONE, M | LOCK),
	[0xc2]		= LM(B),		/* CMPPS */
	[0xc3]		= LM(NONE),		/* MOVNTI */
	[0xc4 ... 0xc6] = LM(B),		/* PINSRW, PEXTRW, SHUFPS */
	[0xc7]		= G(GRP9, 0),
	[0xc8 ... 0xcf] = L(NONE, 0),		/* BSWAP */
	[0xd0 ... 0xff] = LM(NONE),		/* MMX, SSE; ff is UD0 */
};

const struct minikvm_opcode minikvm_group_table[NR_GROUPS][8] = {
	[GRP1_EB_IB] = {
		E(ADD, RM, IMM, B, LOCK),
		E(OR, RM, IMM, B, LOCK),
		E(ADC, RM, IMM, B, LOCK),
		E(SBB, RM, IMM, B, LOCK),
		E(AND, RM, IMM, B, LOCK),
		E(SUB, RM, IMM, B, LOCK),
		E(XOR, RM, IMM, B, LOCK),
		E(CMP, RM, IMM, B, NOWB),
	},
	[GRP1_EV_IZ] = {
		E(ADD, RM, IMM, Z, LOCK),
		E(OR, RM, IMM, Z, LOCK),
		E(ADC, RM, IMM, Z, LOCK),
		E(SBB, RM, IMM, Z, LOCK),
		E(AND, RM, IMM, Z, LOCK),
		E(SUB, RM, IMM, Z, LOCK),
		E(XOR, RM, IMM, Z, LOCK),
		E(CMP, RM, IMM, Z, NOWB),
	},
	[GRP1_EV_IB] = {
		E(ADD, RM, IMM, B, LOCK),
		E(OR, RM, IMM, B, LOCK),
		E(ADC, RM, IMM, B, LOCK),
		E(SBB, RM, IMM, B, LOCK),
		E(AND, RM, IMM, B, LOCK),
		E(SUB, RM, IMM, B, LOCK),
		E(XOR, RM, IMM, B, LOCK),
		E(CMP, RM, IMM, B, NOWB),
	},
	[GRP1A] = { [0] = L(NONE, 0) },		/* POP Ev */
	/* TEST (/1 is an alias), NOT, NEG, MUL, IMUL, DIV, IDIV */
	[GRP3_EB] = {
		E(TEST, RM, IMM, B, NOWB), E(TEST, RM, IMM, B, NOWB),
		E(NOT, RM, NONE, NONE, LOCK), E(NEG, RM, NONE, NONE, LOCK),
		L(NONE, 0), L(NONE, 0), L(NONE, 0), L(NONE, 0),
	},
	[GRP3_EV] = {
		E(TEST, RM, IMM, Z, NOWB), E(TEST, RM, IMM, Z, NOWB),
		E(NOT, RM, NONE, NONE, LOCK), E(NEG, RM, NONE, NONE, LOCK),
		L(NONE, 0), L(NONE, 0), L(NONE, 0), L(NONE, 0),
	},
	[GRP4] = { E(INC, RM, NONE, NONE, LOCK), E(DEC, RM, NONE, NONE, LOCK) },
	[GRP5] = {
		E(INC, RM, NONE, NONE, LOCK), E(DEC, RM, NONE, NONE, LOCK),
		L(NONE, 0), L(NONE, 0), L(NONE, 0), L(NONE, 0), L(NONE, 0),
	},
	[GRP11_EB] = { [0] = E(MOV, RM, IMM, B, MOV), [7] = L(B, 0) },
	[GRP11_EV] = { [0] = E(MOV, RM, IMM, Z, MOV), [7] = L(Z, 0) },
	[GRP8] = {
		[4] = E(BT, RM, IMM, B, NOWB), [5] = E(BTS, RM, IMM, B, LOCK),
		[6] = E(BTR, RM, IMM, B, LOCK), [7] = E(BTC, RM, IMM, B, LOCK),
	},
	/*
	 * SGDT SIDT LGDT LIDT SMSW - LMSW INVLPG; with mod 3 the other
	 * instructions of 0f 01 (VMRUN, SWAPGS, ...), none with an immediate.
	 * INVLPG is emulated (with a memory operand) for the shadow MMU.
	 */
	[GRP7] = {
		[0 ... 6] = L(NONE, 0),
		[7] = E(INVLPG, NONE, NONE, NONE, OPF_TLB),
	},
	[GRP9] = {
		[1] = E(CMPXCHG8B, MEM, NONE, NONE, LOCK),
		[3 ... 7] = L(NONE, 0),	/* XRSTORS XSAVEC XSAVES RDRAND RDSEED */
	},
};

const struct minikvm_opcode minikvm_0f38_entry = LM(NONE);
/* 66 0f 38 82: INVPCID Gy, Mdq (without 66 it is undefined: see exec.c). */
const struct minikvm_opcode minikvm_0f38_invpcid_entry =
	E(INVPCID, NONE, NONE, NONE, M | OPF_TLB);
const struct minikvm_opcode minikvm_0f3a_entry = LM(B);

/* Every enum fits the u8 fields of an entry, every flag the u16. */
static_assert(NR_EXECS <= 256 && NR_OPNDS <= 256 && NR_IMMS <= 256);
static_assert(NR_GROUPS <= 256 && (OPF_SRC_MASK | OPF_PORT | OPF_TLB) < BIT(16));
