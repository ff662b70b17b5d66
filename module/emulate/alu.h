/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arithmetic with the guest's flags, computed by the host CPU itself.
 *
 * Each operation runs the very instruction it emulates, on registers, with
 * the guest's arithmetic flags (CF PF AF ZF SF OF) loaded into RFLAGS
 * first and read back after.  The results, including the flags the
 * architecture leaves undefined, are what this CPU produces when the guest
 * runs the instruction on memory it can access directly.
 */
#ifndef MINIKVM_MODULE_EMULATE_ALU_H
#define MINIKVM_MODULE_EMULATE_ALU_H

#include <linux/types.h>
#include <asm/processor-flags.h>

#define EMUL_ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/*
 * @exec (enum minikvm_exec) on @dst and @src of @bytes bytes, updating the
 * arithmetic flags in @rflags.  ADD OR ADC SBB AND SUB XOR CMP TEST, and
 * BT BTS BTR BTC (2, 4 or 8 bytes; @src is the bit offset).
 * Return: false if @exec or @bytes is not one of those.
 */
bool emul_alu2(unsigned int exec, u64 *dst, u64 src, unsigned int bytes,
	       u64 *rflags);

/* INC DEC NEG NOT on @dst; the same contract as emul_alu2(). */
bool emul_alu1(unsigned int exec, u64 *dst, unsigned int bytes, u64 *rflags);

#endif /* MINIKVM_MODULE_EMULATE_ALU_H */
