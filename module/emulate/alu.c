// SPDX-License-Identifier: GPL-2.0
/*
 * The host-flag arithmetic of alu.h.
 *
 * Each instruction is wrapped in "push flags; popf; <insn>; pushf; pop
 * flags".  The kernel is built without a red zone, so the two pushes below
 * the stack pointer clobber nothing the compiler keeps there, and the
 * operands are registers only.  The flags loaded are the host's own with
 * the guest's six arithmetic flags: IF, DF, AC and the rest stay the
 * host's, so nothing but those six can change while the asm runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/nospec.h>

#include "alu.h"
#include "opcodes.h"

typedef u64 (*alu2_fn)(u64 dst, u64 src, unsigned int bytes,
		       unsigned long *flags);
typedef u64 (*alu1_fn)(u64 dst, unsigned int bytes, unsigned long *flags);

/* Run @insn with the flags in @f loaded before and saved after. */
#define ALU2_ASM(insn, d, s, f)						\
	asm("push %[fl]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fl]"	\
	    : [dst] "+r" (d), [fl] "+r" (f) : [src] "r" (s) : "cc")

#define ALU1_ASM(insn, d, f)						\
	asm("push %[fl]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fl]"	\
	    : [dst] "+r" (d), [fl] "+r" (f) : : "cc")

/* "op src, dst" at each operand size: %b/%w/%k/%q name the register part. */
#define DEFINE_ALU2(name)						\
static u64 alu_##name(u64 d, u64 s, unsigned int bytes, unsigned long *f) \
{									\
	switch (bytes) {						\
	case 1:								\
		ALU2_ASM(#name "b %b[src], %b[dst]", d, s, *f);		\
		break;							\
	case 2:								\
		ALU2_ASM(#name "w %w[src], %w[dst]", d, s, *f);		\
		break;							\
	case 4:								\
		ALU2_ASM(#name "l %k[src], %k[dst]", d, s, *f);		\
		break;							\
	default:							\
		ALU2_ASM(#name "q %q[src], %q[dst]", d, s, *f);		\
		break;							\
	}								\
	return d;							\
}

/* Bit tests have no byte form: the caller never passes 1. */
#define DEFINE_BITOP(name)						\
static u64 alu_##name(u64 d, u64 s, unsigned int bytes, unsigned long *f) \
{									\
	switch (bytes) {						\
	case 2:								\
		ALU2_ASM(#name "w %w[src], %w[dst]", d, s, *f);		\
		break;							\
	case 4:								\
		ALU2_ASM(#name "l %k[src], %k[dst]", d, s, *f);		\
		break;							\
	default:							\
		ALU2_ASM(#name "q %q[src], %q[dst]", d, s, *f);		\
		break;							\
	}								\
	return d;							\
}

#define DEFINE_ALU1(name)						\
static u64 alu_##name(u64 d, unsigned int bytes, unsigned long *f)	\
{									\
	switch (bytes) {						\
	case 1:								\
		ALU1_ASM(#name "b %b[dst]", d, *f);			\
		break;							\
	case 2:								\
		ALU1_ASM(#name "w %w[dst]", d, *f);			\
		break;							\
	case 4:								\
		ALU1_ASM(#name "l %k[dst]", d, *f);			\
		break;							\
	default:							\
		ALU1_ASM(#name "q %q[dst]", d, *f);			\
		break;							\
	}								\
	return d;							\
}

DEFINE_ALU2(add)
DEFINE_ALU2(or)
DEFINE_ALU2(adc)
DEFINE_ALU2(sbb)
DEFINE_ALU2(and)
DEFINE_ALU2(sub)
DEFINE_ALU2(xor)
DEFINE_ALU2(cmp)
DEFINE_ALU2(test)
DEFINE_BITOP(bt)
DEFINE_BITOP(bts)
DEFINE_BITOP(btr)
DEFINE_BITOP(btc)
DEFINE_ALU1(inc)
DEFINE_ALU1(dec)
DEFINE_ALU1(neg)
DEFINE_ALU1(not)

static const alu2_fn alu2_fns[NR_EXECS] = {
	[EMU_ADD] = alu_add, [EMU_OR] = alu_or, [EMU_ADC] = alu_adc,
	[EMU_SBB] = alu_sbb, [EMU_AND] = alu_and, [EMU_SUB] = alu_sub,
	[EMU_XOR] = alu_xor, [EMU_CMP] = alu_cmp, [EMU_TEST] = alu_test,
	[EMU_BT] = alu_bt, [EMU_BTS] = alu_bts, [EMU_BTR] = alu_btr,
	[EMU_BTC] = alu_btc,
};

static const alu1_fn alu1_fns[NR_EXECS] = {
	[EMU_INC] = alu_inc, [EMU_DEC] = alu_dec, [EMU_NEG] = alu_neg,
	[EMU_NOT] = alu_not,
};

static bool is_bitop(unsigned int exec)
{
	return exec == EMU_BT || exec == EMU_BTS || exec == EMU_BTR ||
	       exec == EMU_BTC;
}

static bool valid_size(unsigned int bytes)
{
	return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
}

/* The host's flags, with the guest's arithmetic flags in place of its own. */
static unsigned long host_flags_with(u64 rflags)
{
	return (native_save_fl() & ~EMUL_ARITH_FLAGS) | (rflags & EMUL_ARITH_FLAGS);
}

static void take_arith_flags(u64 *rflags, unsigned long flags)
{
	*rflags = (*rflags & ~EMUL_ARITH_FLAGS) | (flags & EMUL_ARITH_FLAGS);
}

bool emul_alu2(unsigned int exec, u64 *dst, u64 src, unsigned int bytes,
	       u64 *rflags)
{
	unsigned long flags;
	alu2_fn fn;

	if (exec >= NR_EXECS || !valid_size(bytes))
		return false;
	fn = alu2_fns[array_index_nospec(exec, NR_EXECS)];
	if (!fn || (bytes == 1 && is_bitop(exec)))
		return false;
	flags = host_flags_with(*rflags);
	*dst = fn(*dst, src, bytes, &flags);
	take_arith_flags(rflags, flags);
	return true;
}

bool emul_alu1(unsigned int exec, u64 *dst, unsigned int bytes, u64 *rflags)
{
	unsigned long flags;
	alu1_fn fn;

	if (exec >= NR_EXECS || !valid_size(bytes))
		return false;
	fn = alu1_fns[array_index_nospec(exec, NR_EXECS)];
	if (!fn)
		return false;
	flags = host_flags_with(*rflags);
	*dst = fn(*dst, bytes, &flags);
	take_arith_flags(rflags, flags);
	return true;
}
