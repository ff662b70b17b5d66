// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite minikvm_decoder: the instruction decoder of emulate/ on
 * tables of encodings (lengths, operands, addressing, immediates, errors,
 * the 15-byte limit), the invariants of the opcode tables themselves, and
 * a bounded random sweep: any bytes decode to a clean error or to an
 * instruction whose length the decoder also finds with exactly that many
 * bytes.  Built only when the kernel has CONFIG_KUNIT; runs when
 * minikvm.ko loads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../minikvm.h"
#include "../emulate/alu.h"
#include "../emulate/decode.h"

#define B(s)		.bytes = s, .nr = sizeof(s) - 1

/* ------------------------------------------------------------------ */
/* Lengths, what runs, and errors                                      */

struct length_case {
	const char *desc;
	u8 code_bytes;
	const char *bytes;
	u8 nr;
	int ret;
	u8 len;
	u8 exec;
};

static const struct length_case length_cases[] = {
	{ "mov Ev,Gv", 8, B("\x89\x03"), 0, 2, EMU_MOV },
	{ "mov with disp32", 8, B("\x8b\x83\x34\x12\x00\x00"), 0, 6, EMU_MOV },
	{ "mov RIP-relative + imm32", 8,
	  B("\xc7\x05\x00\x10\x00\x00\x78\x56\x34\x12"), 0, 10, EMU_MOV },
	{ "mov r64, imm64", 8, B("\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08"),
	  0, 10, EMU_MOV },
	{ "mov r16, imm16", 4, B("\x66\xb8\x34\x12"), 0, 4, EMU_MOV },
	{ "moffs16", 2, B("\xa1\x80\x01"), 0, 3, EMU_MOV },
	{ "moffs32", 4, B("\xa1\x80\x01\x00\x00"), 0, 5, EMU_MOV },
	{ "moffs64", 8, B("\xa1\x80\x01\x00\x00\x00\x00\x00\x00"), 0, 9, EMU_MOV },
	{ "moffs32 in 64-bit mode with 67", 8, B("\x67\xa1\x80\x01\x00\x00"),
	  0, 6, EMU_MOV },
	{ "group 1 Eb,Ib is ADD /0", 8, B("\x80\x03\x7f"), 0, 3, EMU_ADD },
	{ "group 1 Ev,Ib is CMP /7", 8, B("\x83\x3b\xff"), 0, 3, EMU_CMP },
	{ "group 1 Ev,Iz", 4, B("\x81\x33\x01\x02\x03\x04"), 0, 6, EMU_XOR },
	{ "group 3 TEST has an immediate", 8, B("\xf6\x03\x81"), 0, 3, EMU_TEST },
	{ "group 3 TEST Iz", 8, B("\xf7\x03\x44\x33\x22\x11"), 0, 6, EMU_TEST },
	{ "group 3 NOT has none", 8, B("\xf7\x13"), 0, 2, EMU_NOT },
	{ "group 3 NEG", 8, B("\xf6\x1b"), 0, 2, EMU_NEG },
	{ "group 3 MUL: decoded, not run", 8, B("\xf7\x23"), 0, 2, EMU_NONE },
	{ "group 4 INC", 8, B("\xfe\x03"), 0, 2, EMU_INC },
	{ "group 5 DEC", 8, B("\xff\x0b"), 0, 2, EMU_DEC },
	{ "group 5 CALL: decoded, not run", 8, B("\xff\x13"), 0, 2, EMU_NONE },
	{ "MOVZX", 8, B("\x0f\xb6\x03"), 0, 3, EMU_MOVZX },
	{ "MOVSX word", 8, B("\x0f\xbf\x03"), 0, 3, EMU_MOVSX },
	{ "MOVSXD in 64-bit mode", 8, B("\x48\x63\x03"), 0, 3, EMU_MOVSX },
	{ "XCHG", 8, B("\x87\x13"), 0, 2, EMU_XCHG },
	{ "XADD", 8, B("\x0f\xc1\x13"), 0, 3, EMU_XADD },
	{ "CMPXCHG", 8, B("\xf0\x0f\xb1\x13"), 0, 4, EMU_CMPXCHG },
	{ "CMPXCHG8B", 4, B("\x0f\xc7\x0b"), 0, 3, EMU_CMPXCHG8B },
	{ "CMPXCHG16B", 8, B("\x48\x0f\xc7\x0b"), 0, 4, EMU_CMPXCHG8B },
	{ "BT Ev,Gv", 8, B("\x0f\xa3\x0b"), 0, 3, EMU_BT },
	{ "group 8 BTS Ev,Ib", 8, B("\x0f\xba\x2b\x05"), 0, 4, EMU_BTS },
	{ "group 8 BTC", 8, B("\x0f\xba\x3b\x05"), 0, 4, EMU_BTC },
	{ "REP MOVSB", 8, B("\xf3\xa4"), 0, 2, EMU_MOVS },
	{ "REPNE SCASB", 8, B("\xf2\xae"), 0, 2, EMU_SCAS },
	{ "STOSQ", 8, B("\x48\xab"), 0, 2, EMU_STOS },
	{ "MOV Ev,Sreg", 8, B("\x8c\x1b"), 0, 2, EMU_MOV_SREG },
	{ "REP INSB", 8, B("\xf3\x6c"), 0, 2, EMU_INS },
	{ "a32 REP INSD", 8, B("\x67\xf3\x6d"), 0, 3, EMU_INS },
	{ "OUTSW with an FS override", 4, B("\x64\x66\x6f"), 0, 3, EMU_OUTS },
	{ "REP OUTSB in 16-bit code", 2, B("\xf3\x6e"), 0, 2, EMU_OUTS },
	{ "CPUID", 8, B("\x0f\xa2"), 0, 2, EMU_NONE },
	{ "prefixed CPUID", 4, B("\x2e\x3e\x66\x0f\xa2"), 0, 5, EMU_NONE },
	{ "HLT", 2, B("\xf4"), 0, 1, EMU_NONE },
	{ "VMMCALL", 8, B("\x0f\x01\xd9"), 0, 3, EMU_NONE },
	{ "INVLPG (group 7 /7)", 8, B("\x0f\x01\x38"), 0, 3, EMU_INVLPG },
	{ "INVLPG disp32 with FS", 4, B("\x64\x0f\x01\xbb\x00\x10\x00\x00"),
	  0, 8, EMU_INVLPG },
	{ "SGDT (group 7 /0)", 8, B("\x0f\x01\x00"), 0, 3, EMU_NONE },
	{ "INVPCID", 8, B("\x66\x0f\x38\x82\x07"), 0, 5, EMU_INVPCID },
	{ "INVPCID with SIB and disp8", 4, B("\x66\x0f\x38\x82\x44\x24\x08"),
	  0, 7, EMU_INVPCID },
	{ "RDMSR", 8, B("\x0f\x32"), 0, 2, EMU_NONE },
	{ "CALL rel32", 8, B("\xe8\x00\x00\x00\x00"), 0, 5, EMU_NONE },
	{ "CALL rel16", 2, B("\xe8\x00\x00"), 0, 3, EMU_NONE },
	{ "Jcc rel32", 4, B("\x0f\x84\x00\x00\x00\x00"), 0, 6, EMU_NONE },
	{ "ENTER", 4, B("\xc8\x10\x00\x01"), 0, 4, EMU_NONE },
	{ "CALLF ptr16:32", 4, B("\x9a\x00\x00\x00\x00\x08\x00"), 0, 7, EMU_NONE },
	{ "CALLF ptr16:16", 2, B("\x9a\x00\x00\x08\x00"), 0, 5, EMU_NONE },
	{ "0f 38 map", 8, B("\x0f\x38\x00\xc1"), 0, 4, EMU_NONE },
	{ "0f 3a map has an ib", 8, B("\x0f\x3a\x0f\xc1\x08"), 0, 5, EMU_NONE },
	{ "3DNow! suffix byte", 4, B("\x0f\x0f\xc1\xb4"), 0, 4, EMU_NONE },
	{ "x87", 8, B("\xdd\x03"), 0, 2, EMU_NONE },
	{ "LDS with memory in 32-bit mode", 4, B("\xc5\x06"), 0, 2, EMU_NONE },
	{ "PUSH ES is undefined in 64-bit mode", 8, B("\x06"), -EINVAL, 1, 0 },
	{ "0f 04 is undefined", 8, B("\x0f\x04"), -EINVAL, 2, 0 },
	{ "group 8 /0 is undefined", 8, B("\x0f\xba\x03\x05"), -EINVAL, 3, 0 },
	{ "group 4 /2 is undefined", 8, B("\xfe\x13"), -EINVAL, 2, 0 },
	{ "8f /1 (XOP) is refused", 8, B("\x8f\xc8\x78\xc2"), -EINVAL, 2, 0 },
	{ "VEX3 in 64-bit mode", 8, B("\xc4\xe2\x79\x18\x07"), -EOPNOTSUPP, 2, 0 },
	{ "VEX2 in 32-bit mode (mod 3)", 4, B("\xc5\xf8\x77"), -EOPNOTSUPP, 2, 0 },
	{ "EVEX in 64-bit mode", 8, B("\x62\xf1\x7c\x48\x10\x07"), -EOPNOTSUPP, 2, 0 },
	{ "fourteen prefixes and NOP: 15 bytes",
	  4, B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x90"),
	  0, 15, EMU_NONE },
	{ "fifteen prefixes and NOP: too long",
	  4, B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x90"),
	  -E2BIG, 15, 0 },
	{ "long immediate crossing 15 bytes",
	  8, B("\x66\x66\x66\x66\x66\x66\x48\xc7\x84\x24\x00\x00\x00\x00\x01\x02\x03\x04"),
	  -E2BIG, 15, 0 },
	{ "ModRM missing", 8, B("\x8b"), -ENODATA, 1, 0 },
	{ "immediate cut short", 8, B("\xc7\x05\x01\x02\x03\x04\x05"), -ENODATA, 7, 0 },
	{ "only prefixes", 8, B("\x66\xf0\x48"), -ENODATA, 3, 0 },
};

static void length_desc(const struct length_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(length, length_cases, length_desc);

static void decode_finds_length_and_executor(struct kunit *test)
{
	const struct length_case *c = test->param_value;
	struct minikvm_insn insn;
	int r;

	r = minikvm_decode_insn((const u8 *)c->bytes, c->nr, c->code_bytes, &insn);
	KUNIT_EXPECT_EQ(test, r, c->ret);
	KUNIT_EXPECT_EQ(test, insn.len, c->len);
	if (!r)
		KUNIT_EXPECT_EQ(test, insn.op.exec, c->exec);
}

/* ------------------------------------------------------------------ */
/* Operand size, address size and the memory operand                   */

struct ea_case {
	const char *desc;
	u8 code_bytes;
	const char *bytes;
	u8 nr;
	u8 op_bytes;
	u8 ad_bytes;
	s8 base;
	s8 index;
	u8 scale;
	u8 seg;
	s64 disp;
};

#define R(x)	MINIKVM_REG_##x
#define S(x)	MINIKVM_SEG_##x
#define NOREG	INSN_REG_NONE

static const struct ea_case ea_cases[] = {
	{ "(%rbx)", 8, B("\x89\x03"), 4, 8, R(RBX), NOREG, 0, S(DS), 0 },
	{ "REX.W", 8, B("\x48\x89\x03"), 8, 8, R(RBX), NOREG, 0, S(DS), 0 },
	{ "66", 8, B("\x66\x89\x03"), 2, 8, R(RBX), NOREG, 0, S(DS), 0 },
	{ "REX.W beats 66", 8, B("\x66\x48\x89\x03"), 8, 8, R(RBX), NOREG, 0,
	  S(DS), 0 },
	{ "a legacy prefix after REX drops it", 8, B("\x48\x66\x89\x03"), 2, 8,
	  R(RBX), NOREG, 0, S(DS), 0 },
	{ "67 in 64-bit mode", 8, B("\x67\x89\x03"), 4, 4, R(RBX), NOREG, 0,
	  S(DS), 0 },
	{ "RIP-relative", 8, B("\x8b\x05\xf0\xff\xff\xff"), 4, 8, INSN_REG_RIP,
	  NOREG, 0, S(DS), -16 },
	{ "disp32 without RIP in 32-bit mode", 4, B("\x8b\x05\x00\x10\x00\x00"),
	  4, 4, NOREG, NOREG, 0, S(DS), 0x1000 },
	{ "SIB without base or index", 8, B("\x8b\x04\x25\x80\x01\x20\x00"),
	  4, 8, NOREG, NOREG, 0, S(DS), 0x200180 },
	{ "SIB base, index, scale 4, disp8", 8, B("\x8b\x44\x8b\x10"), 4, 8,
	  R(RBX), R(RCX), 2, S(DS), 0x10 },
	{ "REX.X makes index 4 R12", 8, B("\x42\x8b\x04\x23"), 4, 8, R(RBX),
	  R(R12), 0, S(DS), 0 },
	{ "REX.B base R13, disp8 below", 8, B("\x41\x8b\x45\xf8"), 4, 8,
	  R(R13), NOREG, 0, S(DS), -8 },
	{ "RSP base is SS", 8, B("\x8b\x04\x24"), 4, 8, R(RSP), NOREG, 0,
	  S(SS), 0 },
	{ "RBP base is SS", 8, B("\x8b\x45\x08"), 4, 8, R(RBP), NOREG, 0,
	  S(SS), 8 },
	{ "an override beats SS", 8, B("\x64\x8b\x45\x08"), 4, 8, R(RBP), NOREG,
	  0, S(FS), 8 },
	{ "the last override wins", 8, B("\x26\x2e\x36\x3e\x64\x65\x8b\x03"),
	  4, 8, R(RBX), NOREG, 0, S(GS), 0 },
	{ "16-bit (%bx,%si)", 2, B("\x8b\x00"), 2, 2, R(RBX), R(RSI), 0,
	  S(DS), 0 },
	{ "16-bit 2(%bp) is SS", 2, B("\x8b\x46\x02"), 2, 2, R(RBP), NOREG, 0,
	  S(SS), 2 },
	{ "16-bit (%bp,%di) is SS", 2, B("\x8b\x03"), 2, 2, R(RBP), R(RDI), 0,
	  S(SS), 0 },
	{ "16-bit disp16", 2, B("\x8b\x06\x34\x12"), 2, 2, NOREG, NOREG, 0,
	  S(DS), 0x1234 },
	{ "16-bit disp16 is signed", 2, B("\x8b\x87\x00\x80"), 2, 2, R(RBX),
	  NOREG, 0, S(DS), -0x8000 },
	{ "16-bit code, 67: 32-bit SIB", 2, B("\x67\x66\x8b\x04\x8b"), 4, 4,
	  R(RBX), R(RCX), 2, S(DS), 0 },
	{ "32-bit code, 67: 16-bit forms", 4, B("\x67\x8b\x00"), 4, 2, R(RBX),
	  R(RSI), 0, S(DS), 0 },
	{ "moffs is DS", 8, B("\xa1\x80\x01\x20\x00\x00\x00\x00\x00"), 4, 8,
	  NOREG, NOREG, 0, S(DS), 0x200180 },
	{ "moffs honours an override", 4, B("\x65\xa1\x00\x00\x00\x80"), 4, 4,
	  NOREG, NOREG, 0, S(GS), 0x80000000 },
};

static void ea_desc(const struct ea_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ea, ea_cases, ea_desc);

static void decode_finds_sizes_and_address(struct kunit *test)
{
	const struct ea_case *c = test->param_value;
	struct minikvm_insn insn;

	KUNIT_ASSERT_EQ(test, minikvm_decode_insn((const u8 *)c->bytes, c->nr,
						  c->code_bytes, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.len, c->nr);
	KUNIT_EXPECT_EQ(test, insn.op_bytes, c->op_bytes);
	KUNIT_EXPECT_EQ(test, insn.ad_bytes, c->ad_bytes);
	KUNIT_EXPECT_TRUE(test, insn.has_mem);
	KUNIT_EXPECT_EQ(test, insn.ea.base, c->base);
	KUNIT_EXPECT_EQ(test, insn.ea.index, c->index);
	KUNIT_EXPECT_EQ(test, insn.ea.scale, c->scale);
	KUNIT_EXPECT_EQ(test, insn.ea.seg, c->seg);
	KUNIT_EXPECT_EQ(test, insn.ea.disp, c->disp);
}

/* ------------------------------------------------------------------ */
/* Immediates and prefixes                                             */

static int decode64(const char *bytes, unsigned int n, struct minikvm_insn *insn)
{
	return minikvm_decode_insn((const u8 *)bytes, n, 8, insn);
}

static void decode_sign_extends_immediates(struct kunit *test)
{
	static const char movabs[] = "\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11";
	struct minikvm_insn insn;

	/* movq $-1, (%rbx): imm32 sign-extended to 64 bits. */
	KUNIT_ASSERT_EQ(test, decode64("\x48\xc7\x03\xff\xff\xff\xff", 7, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.imm, U64_MAX);
	KUNIT_EXPECT_EQ(test, insn.imm_bytes, 4);
	/* addq $-3, (%rbx): ib sign-extended. */
	KUNIT_ASSERT_EQ(test, decode64("\x48\x83\x03\xfd", 4, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.imm, (u64)-3);
	/* movabs: a 64-bit immediate, whole. */
	KUNIT_ASSERT_EQ(test, decode64(movabs, sizeof(movabs) - 1, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.imm, 0x1122334455667788ULL);
	/* moffs32 with bit 31 set: an address, zero-extended. */
	KUNIT_ASSERT_EQ(test, minikvm_decode_insn((const u8 *)"\xa1\x00\x00\x00\x80",
						  5, 4, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.ea.disp, 0x80000000LL);
}

static void decode_records_lock_rep_and_rex(struct kunit *test)
{
	struct minikvm_insn insn;

	KUNIT_ASSERT_EQ(test, minikvm_decode_insn((const u8 *)"\xf3\xf2\xa4",
						  3, 8, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.rep, 0xf2);		/* the last one */
	KUNIT_ASSERT_EQ(test, minikvm_decode_insn((const u8 *)"\xf0\x4c\x01\x03",
						  4, 8, &insn), 0);
	KUNIT_EXPECT_TRUE(test, insn.lock);
	KUNIT_EXPECT_EQ(test, insn.rex, 0x4c);
	KUNIT_EXPECT_EQ(test, insn_modrm_reg(&insn), (unsigned int)R(R8));
	/* 63 is MOVSXD in 64-bit mode only: ARPL, not emulated, elsewhere. */
	KUNIT_ASSERT_EQ(test, minikvm_decode_insn((const u8 *)"\x63\x03", 2, 8,
						  &insn), 0);
	KUNIT_EXPECT_TRUE(test, insn_is_emulated(&insn));
	KUNIT_ASSERT_EQ(test, minikvm_decode_insn((const u8 *)"\x63\x03", 2, 4,
						  &insn), 0);
	KUNIT_EXPECT_FALSE(test, insn_is_emulated(&insn));
	/* 40-4f are INC/DEC outside 64-bit mode, not REX. */
	KUNIT_ASSERT_EQ(test, minikvm_decode_insn((const u8 *)"\x48\x89\x03",
						  3, 4, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.len, 1);
	KUNIT_EXPECT_EQ(test, insn.rex, 0);
	/* INS/OUTS move at most a dword: REX.W does not widen them. */
	KUNIT_ASSERT_EQ(test, minikvm_decode_insn((const u8 *)"\xf3\x48\x6d",
						  3, 8, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.op_bytes, 4);
	KUNIT_EXPECT_EQ(test, insn.rep, 0xf3);
}

/* ------------------------------------------------------------------ */
/* The tables                                                          */

static void check_entry(struct kunit *test, const struct minikvm_opcode *e,
			bool in_group)
{
	if (!(e->flags & OPF_VALID))
		return;
	KUNIT_EXPECT_LT(test, e->exec, NR_EXECS);
	KUNIT_EXPECT_LT(test, e->dst, NR_OPNDS);
	KUNIT_EXPECT_LT(test, e->src, NR_OPNDS);
	KUNIT_EXPECT_LT(test, e->imm, NR_IMMS);
	if (e->flags & OPF_GROUP) {
		KUNIT_EXPECT_FALSE(test, in_group);	/* no nesting */
		KUNIT_EXPECT_NE(test, e->group, GRP_NONE);
		KUNIT_EXPECT_LT(test, e->group, NR_GROUPS);
		KUNIT_EXPECT_TRUE(test, e->flags & OPF_MODRM);
	}
	/* An immediate operand needs an immediate. */
	if (e->src == OPND_IMM || e->dst == OPND_IMM)
		KUNIT_EXPECT_NE(test, e->imm, IMM_NONE);
	/* Lockable instructions write their ModRM destination. */
	if (e->flags & OPF_LOCK) {
		KUNIT_EXPECT_TRUE(test, e->dst == OPND_RM || e->dst == OPND_MEM);
		KUNIT_EXPECT_FALSE(test, e->flags & OPF_NOWB);
	}
}

static void opcode_tables_are_consistent(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < MINIKVM_OPCODE_TABLE_SIZE; i++) {
		check_entry(test, &minikvm_onebyte_table[i], false);
		check_entry(test, &minikvm_twobyte_table[i], false);
	}
	for (i = 0; i < NR_GROUPS; i++)
		for (j = 0; j < 8; j++)
			check_entry(test, &minikvm_group_table[i][j], true);
	/* ModRM operands only where there is a ModRM byte (non-group). */
	for (i = 0; i < MINIKVM_OPCODE_TABLE_SIZE; i++) {
		const struct minikvm_opcode *e = &minikvm_onebyte_table[i];
		bool modrm_opnd = e->dst == OPND_RM || e->dst == OPND_REG ||
				  e->src == OPND_RM || e->src == OPND_REG;

		if (modrm_opnd)
			KUNIT_EXPECT_TRUE(test, e->flags & OPF_MODRM);
	}
}

/* ------------------------------------------------------------------ */
/* Random bytes                                                        */

/* Enough to reach every table entry; the debug lane runs under KASAN and TCG. */
#define RANDOM_ROUNDS	20000

/*
 * Whatever the bytes: a clean result, never a byte past @avail (KASAN
 * watches the exact-size buffer), and a decoded length that is exactly
 * what the instruction needs.
 */
static void random_bytes_decode_cleanly(struct kunit *test)
{
	static const u8 sizes[] = { 2, 4, 8 };
	struct rnd_state rnd;
	struct minikvm_insn insn, again;
	unsigned int i, avail;
	u8 *buf;
	int r;

	prandom_seed_state(&rnd, 0x6d696e696b766dULL);
	for (i = 0; i < RANDOM_ROUNDS; i++) {
		avail = 1 + prandom_u32_state(&rnd) % 16;
		buf = kunit_kmalloc(test, avail, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		prandom_bytes_state(&rnd, buf, avail);
		r = minikvm_decode_insn(buf, avail, sizes[i % 3], &insn);
		KUNIT_ASSERT_TRUE(test, !r || r == -ENODATA || r == -E2BIG ||
				  r == -EINVAL || r == -EOPNOTSUPP);
		KUNIT_ASSERT_LE(test, (unsigned int)insn.len,
				min_t(unsigned int, avail, MINIKVM_INSN_MAX));
		if (!r) {
			KUNIT_ASSERT_GE(test, (unsigned int)insn.len, 1U);
			KUNIT_ASSERT_EQ(test, minikvm_decode_insn(buf, insn.len,
								  sizes[i % 3],
								  &again), 0);
			KUNIT_ASSERT_EQ(test, again.len, insn.len);
			KUNIT_ASSERT_EQ(test, minikvm_decode_insn(buf, insn.len - 1,
								  sizes[i % 3],
								  &again), -ENODATA);
		}
		kunit_kfree(test, buf);
		cond_resched();
	}
}

/* ------------------------------------------------------------------ */
/* Flags from the host ALU                                             */

struct alu_case {
	const char *desc;
	u8 exec;
	u8 bytes;
	u64 dst;
	u64 src;
	u64 flags_in;
	u64 result;
	u64 flags;	/* the defined arithmetic flags expected */
	u64 defined;	/* which of them the architecture defines */
};

#define CF	X86_EFLAGS_CF
#define PF	X86_EFLAGS_PF
#define AF	X86_EFLAGS_AF
#define ZF	X86_EFLAGS_ZF
#define SF	X86_EFLAGS_SF
#define OF	X86_EFLAGS_OF
#define ALL	EMUL_ARITH_FLAGS

static const struct alu_case alu_cases[] = {
	{ "add byte wraps to zero", EMU_ADD, 1, 0xff, 1, 0, 0, CF | PF | AF | ZF, ALL },
	{ "add dword overflows", EMU_ADD, 4, 0x7fffffff, 1, 0, 0x80000000,
	  PF | AF | SF | OF, ALL },
	{ "adc takes CF", EMU_ADC, 2, 0xfffe, 1, CF, 0, CF | PF | AF | ZF, ALL },
	{ "sbb takes CF", EMU_SBB, 8, 0, 0, CF, U64_MAX, CF | PF | AF | SF, ALL },
	{ "sub borrows", EMU_SUB, 1, 0, 1, 0, 0xff, CF | PF | AF | SF, ALL },
	{ "cmp leaves dst", EMU_CMP, 4, 5, 5, 0, 5, PF | ZF, ALL },
	{ "and clears CF and OF", EMU_AND, 4, 0xf0, 0x0f, CF | OF, 0,
	  PF | ZF, CF | PF | ZF | SF | OF },
	{ "xor sets SF", EMU_XOR, 8, 1ULL << 63, 0, 0, 1ULL << 63, SF | PF,
	  CF | PF | ZF | SF | OF },
	{ "test is and without a result", EMU_TEST, 2, 0x8000, 0x8000, 0, 0x8000,
	  SF | PF, CF | PF | ZF | SF | OF },
	{ "bt copies the bit to CF", EMU_BT, 4, 8, 3, 0, 8, CF, CF },
	{ "bts sets it", EMU_BTS, 8, 0, 63, CF, 1ULL << 63, 0, CF },
	{ "btr clears it", EMU_BTR, 2, 0xffff, 15, 0, 0x7fff, CF, CF },
	{ "btc flips it", EMU_BTC, 4, 0, 0, 0, 1, 0, CF },
};

static void alu_desc(const struct alu_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alu, alu_cases, alu_desc);

static void alu_computes_result_and_defined_flags(struct kunit *test)
{
	const struct alu_case *c = test->param_value;
	u64 dst = c->dst, rflags = c->flags_in | X86_EFLAGS_FIXED | X86_EFLAGS_DF;

	KUNIT_ASSERT_TRUE(test, emul_alu2(c->exec, &dst, c->src, c->bytes,
					  &rflags));
	KUNIT_EXPECT_EQ(test, dst, c->result);
	KUNIT_EXPECT_EQ(test, rflags & c->defined, c->flags);
	/* Only the arithmetic flags change. */
	KUNIT_EXPECT_EQ(test, rflags & ~ALL, X86_EFLAGS_FIXED | X86_EFLAGS_DF);
}

static void alu_unary_and_refusals(struct kunit *test)
{
	u64 dst = 0x7f, rflags = CF;

	KUNIT_ASSERT_TRUE(test, emul_alu1(EMU_INC, &dst, 1, &rflags));
	KUNIT_EXPECT_EQ(test, dst, 0x80);
	/* INC keeps CF; 0x7f + 1 overflows. */
	KUNIT_EXPECT_EQ(test, rflags & (CF | OF | SF), CF | OF | SF);
	dst = 1;
	KUNIT_ASSERT_TRUE(test, emul_alu1(EMU_NEG, &dst, 8, &rflags));
	KUNIT_EXPECT_EQ(test, dst, U64_MAX);
	KUNIT_EXPECT_TRUE(test, rflags & CF);
	KUNIT_EXPECT_FALSE(test, emul_alu2(EMU_BT, &dst, 0, 1, &rflags));
	KUNIT_EXPECT_FALSE(test, emul_alu2(EMU_MOV, &dst, 0, 4, &rflags));
	KUNIT_EXPECT_FALSE(test, emul_alu2(EMU_ADD, &dst, 0, 3, &rflags));
	KUNIT_EXPECT_FALSE(test, emul_alu1(NR_EXECS, &dst, 4, &rflags));
}

static struct kunit_case decoder_test_cases[] = {
	KUNIT_CASE_PARAM(decode_finds_length_and_executor, length_gen_params),
	KUNIT_CASE_PARAM(decode_finds_sizes_and_address, ea_gen_params),
	KUNIT_CASE(decode_sign_extends_immediates),
	KUNIT_CASE(decode_records_lock_rep_and_rex),
	KUNIT_CASE(opcode_tables_are_consistent),
	KUNIT_CASE(random_bytes_decode_cleanly),
	KUNIT_CASE_PARAM(alu_computes_result_and_defined_flags, alu_gen_params),
	KUNIT_CASE(alu_unary_and_refusals),
	{}
};

static struct kunit_suite decoder_test_suite = {
	.name = "minikvm_decoder",
	.test_cases = decoder_test_cases,
};

kunit_test_suite(decoder_test_suite);
