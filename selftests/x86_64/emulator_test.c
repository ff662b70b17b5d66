// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction emulator, form by form: every supported instruction form
 * runs on a data window in RAM (natively) and on the same window as MMIO
 * (emulated, each access a KVM_EXIT_MMIO served by the test), with the
 * same registers and flags, and everything must agree: all registers,
 * RFLAGS, RIP, the window's bytes and a scratch RAM area.  The MMIO exits
 * must also come in the expected sizes and directions.
 *
 * Each form runs with four register/flag sets (flags clear; all arithmetic
 * flags and DF set with edge values; the accumulator equal to the memory
 * operand, for CMPXCHG's success path) in every mode its code size fits:
 * real mode and 16-bit protected mode (16-bit forms), 32-bit protected
 * mode without paging, with 2-level paging and with PAE (32-bit forms),
 * and 64-bit mode (64-bit forms).  See emu_env.h for the VM.
 */
#include "kselftest_harness.h"
#include "emu_env.h"
#include "processor.h"

/* Numbers for the forms' assembly: no C suffixes there. */
#define WIN64		0x200000
#define FORM64		0x1010
#define XSTR(x)		#x
#define STR(x)		XSTR(x)
/* disp32 of a RIP-relative operand at window offset @off, for an instruction of @len bytes. */
#define RIP(off, len)	"(" STR(WIN64) "+" #off "-" STR(FORM64) "-" #len ")(%rip)"

/* Register offsets into the window (added to its base in 64-bit mode). */
#define OFF_RBX		0x100
#define OFF_RSI		0x300
#define OFF_RDI		0x500
#define OFF_RBP		0x700
#define OFF_RSP		0x900

/* A form is for minikvm only: stock KVM does not emulate it. */
#define FORM_MINIKVM_ONLY	1

struct form_opt {
	unsigned int flags;
	int reg;		/* a register to set to @val, or -1 */
	uint64_t val;
};

struct form {
	const char *text;
	const uint8_t *start;
	const uint8_t *end;
	const char *trace;	/* expected MMIO exits, NULL: data-dependent */
	struct form_opt opt;
};

#define NOOPT		{ .reg = -1 }
#define MKVM_ONLY	{ .flags = FORM_MINIKVM_ONLY, .reg = -1 }
/* A register pointing to scratch RAM (identity mapped in 64-bit mode). */
#define SCRATCH(r, off)							\
	{ .reg = offsetof(struct kvm_regs, r) / 8, .val = EMU_SCRATCH_GPA + (off) }

#define FORM_ASM(_id, _text, _trace, _opt)				\
	#_id ":\n\t" _text "\n" #_id "_end:\n"
#define FORM_DECL(_id, _text, _trace, _opt)				\
	extern const uint8_t _id[], _id##_end[];
#define FORM_ENTRY(_id, _text, _trace, _opt)				\
	{ .text = _text, .start = _id, .end = _id##_end, .trace = _trace,	\
	  .opt = _opt },

/* ------------------------------------------------------------------ */
/* 64-bit forms                                                        */

#define MOV64(X)							\
	X(m64_ld8, "mov (%rbx), %al", "r1", NOOPT)			\
	X(m64_ld8h, "mov (%rbx), %ah", "r1", NOOPT)			\
	X(m64_ld8rex, "mov 1(%rbx), %sil", "r1", NOOPT)			\
	X(m64_ld16, "mov (%rbx), %dx", "r2", NOOPT)			\
	X(m64_ld32, "mov (%rbx), %eax", "r4", NOOPT)			\
	X(m64_ld64, "mov (%rbx), %r11", "r8", NOOPT)			\
	X(m64_ld32r, "mov 4(%rbx), %r10d", "r4", NOOPT)			\
	X(m64_st8, "mov %dl, 3(%rbx)", "w1", NOOPT)			\
	X(m64_st8h, "mov %dh, (%rbx)", "w1", NOOPT)			\
	X(m64_st8rex, "mov %r14b, (%rbx)", "w1", NOOPT)			\
	X(m64_st16, "mov %ax, (%rbx)", "w2", NOOPT)			\
	X(m64_st32, "mov %edx, (%rbx)", "w4", NOOPT)			\
	X(m64_st64, "mov %r8, (%rbx)", "w8", NOOPT)			\
	X(m64_disp8, "mov -0x10(%rbx), %eax", "r4", NOOPT)		\
	X(m64_disp32, "mov 0x1234(%rbx), %rax", "r8", NOOPT)		\
	X(m64_sib, "mov 0x10(%rbx,%rcx,4), %edx", "r4", NOOPT)		\
	X(m64_sib8, "mov (%rsi,%rcx,8), %rax", "r8", NOOPT)		\
	X(m64_sibnb, "mov 0x200400(,%rcx,2), %ax", "r2", NOOPT)		\
	X(m64_sibrex, "mov (%rsi,%r13,1), %eax", "r4", NOOPT)		\
	X(m64_rsp, "mov (%rsp), %eax", "r4", NOOPT)			\
	X(m64_rbp, "mov 8(%rbp), %rdx", "r8", NOOPT)			\
	X(m64_abs32, "mov 0x200180, %eax", "r4", NOOPT)			\
	X(m64_riprel, "mov " RIP(0x180, 6) ", %eax", "r4", NOOPT)	\
	X(m64_riprels, "mov %rdx, " RIP(0x188, 7), "w8", NOOPT)		\
	X(m64_moffs8, "movabs 0x200181, %al", "r1", NOOPT)		\
	X(m64_moffs32, "movabs 0x200184, %eax", "r4", NOOPT)		\
	X(m64_moffs64, "movabs 0x200188, %rax", "r8", NOOPT)		\
	X(m64_moffst, "movabs %ax, 0x20018a", "w2", NOOPT)		\
	X(m64_moffs67, ".byte 0x67, 0xa1; .long 0x200190", "r4", NOOPT)	\
	X(m64_imm8, "movb $0x5a, (%rbx)", "w1", NOOPT)			\
	X(m64_imm16, "movw $0x1234, 2(%rbx)", "w2", NOOPT)		\
	X(m64_imm32, "movl $0x89abcdef, (%rbx)", "w4", NOOPT)		\
	X(m64_imm64, "movq $-2, (%rbx)", "w8", NOOPT)			\
	X(m64_immsib, "movl $0x11223344, 0x10(%rbx,%rcx,4)", "w4", NOOPT) \
	X(m64_immrip, "movl $0x55667788, " RIP(0x1a0, 10), "w4", NOOPT)	\
	X(m64_sreg, "mov %ds, (%rbx)", "w2", NOOPT)			\
	X(m64_sregq, "mov %fs, 6(%rbx)", "w2", NOOPT)			\
	X(m64_segfs, "mov %fs:(%rbx), %eax", "r4", NOOPT)		\
	X(m64_seggs, "mov %eax, %gs:0x20(%rbx)", "w4", NOOPT)		\
	X(m64_addr32, "addr32 mov (%ebx), %eax", "r4", NOOPT)		\
	X(m64_prefixes, ".byte 0x3e, 0x66, 0x2e, 0x67, 0x89, 0x03", "w2", NOOPT) \
	X(m64_rexw66, ".byte 0x66, 0x48, 0x89, 0x03", "w8", NOOPT)	\
	X(m64_zx8, "movzbl (%rbx), %eax", "r1", NOOPT)			\
	X(m64_zx16, "movzwl (%rbx), %edx", "r2", NOOPT)			\
	X(m64_zx8q, "movzbq 5(%rbx), %r9", "r1", NOOPT)			\
	X(m64_zx8w, "movzbw (%rbx), %ax", "r1", NOOPT)			\
	X(m64_sx8, "movsbl 1(%rbx), %eax", "r1", NOOPT)			\
	X(m64_sx16, "movswl 2(%rbx), %edx", "r2", NOOPT)		\
	X(m64_sx8q, "movsbq 7(%rbx), %rax", "r1", NOOPT)		\
	X(m64_sx16q, "movswq (%rbx), %r12", "r2", NOOPT)		\
	X(m64_sxd, "movslq 4(%rbx), %rax", "r4", NOOPT)			\
	X(m64_sx8w, "movsbw 3(%rbx), %dx", "r1", NOOPT)

#define ALU64(X)							\
	X(a64_add_mr, "add %edx, (%rbx)", "r4 w4", NOOPT)		\
	X(a64_add_rm, "add (%rbx), %rdx", "r8", NOOPT)			\
	X(a64_add_mr8, "add %dl, (%rbx)", "r1 w1", NOOPT)		\
	X(a64_add_mr16, "add %ax, (%rbx)", "r2 w2", NOOPT)		\
	X(a64_add_mr64, "add %r8, (%rbx)", "r8 w8", NOOPT)		\
	X(a64_add_i8, "addb $0x7f, (%rbx)", "r1 w1", NOOPT)		\
	X(a64_add_i32, "addl $0x7fffffff, (%rbx)", "r4 w4", NOOPT)	\
	X(a64_add_is, "addq $-3, (%rbx)", "r8 w8", NOOPT)		\
	X(a64_add_iw, "addw $0x8001, (%rbx)", "r2 w2", NOOPT)		\
	X(a64_or_mr, "or %edx, (%rbx)", "r4 w4", NOOPT)			\
	X(a64_or_rm, "or (%rbx), %al", "r1", NOOPT)			\
	X(a64_or_i, "orw $0x8000, (%rbx)", "r2 w2", NOOPT)		\
	X(a64_adc_mr, "adc %rax, (%rbx)", "r8 w8", NOOPT)		\
	X(a64_adc_rm, "adc (%rbx), %edx", "r4", NOOPT)			\
	X(a64_adc_i, "adcb $0xff, (%rbx)", "r1 w1", NOOPT)		\
	X(a64_sbb_mr, "sbb %edx, (%rbx)", "r4 w4", NOOPT)		\
	X(a64_sbb_rm, "sbb (%rbx), %r8", "r8", NOOPT)			\
	X(a64_sbb_i, "sbbl $1, (%rbx)", "r4 w4", NOOPT)			\
	X(a64_and_mr, "and %dx, (%rbx)", "r2 w2", NOOPT)		\
	X(a64_and_rm, "and (%rbx), %r9", "r8", NOOPT)			\
	X(a64_and_i, "andq $0x7ffffff0, (%rbx)", "r8 w8", NOOPT)	\
	X(a64_sub_mr, "sub %eax, (%rbx)", "r4 w4", NOOPT)		\
	X(a64_sub_rm, "sub (%rbx), %dl", "r1", NOOPT)			\
	X(a64_sub_i, "subl $0x80000000, (%rbx)", "r4 w4", NOOPT)	\
	X(a64_xor_mr, "xor %r10, (%rbx)", "r8 w8", NOOPT)		\
	X(a64_xor_rm, "xor (%rbx), %eax", "r4", NOOPT)			\
	X(a64_xor_i, "xorb $0x81, (%rbx)", "r1 w1", NOOPT)		\
	X(a64_cmp_mr, "cmp %edx, (%rbx)", "r4", NOOPT)			\
	X(a64_cmp_rm, "cmp (%rbx), %rax", "r8", NOOPT)			\
	X(a64_cmp_i, "cmpb $0x80, (%rbx)", "r1", NOOPT)			\
	X(a64_cmp_is, "cmpq $-1, (%rbx)", "r8", NOOPT)			\
	X(a64_test_mr, "test %edx, (%rbx)", "r4", NOOPT)		\
	X(a64_test_mr8, "test %al, (%rbx)", "r1", NOOPT)		\
	X(a64_test_i, "testl $0x80000001, (%rbx)", "r4", NOOPT)		\
	X(a64_test_iq, "testq $-8, (%rbx)", "r8", NOOPT)		\
	X(a64_lock_add, "lock add %edx, (%rbx)", "r4 w4", NOOPT)	\
	X(a64_lock_or, "lock orb $1, (%rbx)", "r1 w1", NOOPT)		\
	X(a64_lock_sub, "lock subq $5, 8(%rbx)", "r8 w8", NOOPT)

#define UNARY64(X)							\
	X(u64_incb, "incb (%rbx)", "r1 w1", NOOPT)			\
	X(u64_incw, "incw (%rbx)", "r2 w2", NOOPT)			\
	X(u64_incl, "incl (%rbx)", "r4 w4", NOOPT)			\
	X(u64_incq, "incq (%rbx)", "r8 w8", NOOPT)			\
	X(u64_decb, "decb (%rbx)", "r1 w1", NOOPT)			\
	X(u64_decl, "decl 4(%rbx)", "r4 w4", NOOPT)			\
	X(u64_decq, "decq (%rbx)", "r8 w8", NOOPT)			\
	X(u64_notb, "notb (%rbx)", "r1 w1", NOOPT)			\
	X(u64_notw, "notw (%rbx)", "r2 w2", NOOPT)			\
	X(u64_notq, "notq (%rbx)", "r8 w8", NOOPT)			\
	X(u64_negb, "negb (%rbx)", "r1 w1", NOOPT)			\
	X(u64_negl, "negl (%rbx)", "r4 w4", NOOPT)			\
	X(u64_negq, "negq (%rbx)", "r8 w8", NOOPT)			\
	X(u64_lockinc, "lock incl (%rbx)", "r4 w4", NOOPT)		\
	X(u64_lockneg, "lock negw (%rbx)", "r2 w2", NOOPT)

#define XCHG64(X)							\
	X(x64_xchg8, "xchg %dl, (%rbx)", "r1 w1", NOOPT)		\
	X(x64_xchg16, "xchg (%rbx), %ax", "r2 w2", NOOPT)		\
	X(x64_xchg32, "xchg %edx, (%rbx)", "r4 w4", NOOPT)		\
	X(x64_xchg64, "xchg %r8, (%rbx)", "r8 w8", NOOPT)		\
	X(x64_xadd8, "xadd %dl, (%rbx)", "r1 w1", NOOPT)		\
	X(x64_xadd32, "xadd %edx, (%rbx)", "r4 w4", NOOPT)		\
	X(x64_xadd64, "lock xadd %r9, (%rbx)", "r8 w8", NOOPT)		\
	X(x64_cx8, "cmpxchg %dl, (%rbx)", "r1 w1", NOOPT)		\
	X(x64_cx16, "cmpxchg %dx, (%rbx)", "r2 w2", NOOPT)		\
	X(x64_cx32, "cmpxchg %edx, (%rbx)", "r4 w4", NOOPT)		\
	X(x64_cx64, "lock cmpxchg %r8, (%rbx)", "r8 w8", NOOPT)		\
	X(x64_cx8b, "cmpxchg8b (%rbx)", "r8 w8", NOOPT)			\
	X(x64_cx8bl, "lock cmpxchg8b (%rbx)", "r8 w8", NOOPT)		\
	X(x64_cx16b, "cmpxchg16b (%rbx)", "r8 r8 w8 w8", MKVM_ONLY)

#define BT64(X)								\
	X(b64_bt, "bt %ecx, (%rbx)", "r4", NOOPT)			\
	X(b64_btw, "bt %cx, 2(%rbx)", "r2", NOOPT)			\
	X(b64_btq, "bt %r13, (%rbx)", "r8", NOOPT)			\
	X(b64_btneg, "bt %r12, 0x20(%rbx)", "r8", NOOPT)		\
	X(b64_bts, "bts %r13d, (%rbx)", "r4 w4", NOOPT)			\
	X(b64_btr, "btr %r12, 0x20(%rbx)", "r8 w8", NOOPT)		\
	X(b64_btc, "btc %cx, (%rbx)", "r2 w2", NOOPT)			\
	X(b64_bti, "btl $35, (%rbx)", "r4", NOOPT)			\
	X(b64_btsi, "btsq $70, (%rbx)", "r8 w8", NOOPT)			\
	X(b64_btri, "btrw $17, (%rbx)", "r2 w2", NOOPT)			\
	X(b64_btci, "btcl $5, (%rbx)", "r4 w4", NOOPT)			\
	X(b64_lockbts, "lock bts %ecx, (%rbx)", "r4 w4", NOOPT)

#define STR64(X)							\
	X(s64_movsb, "movsb", "r1 w1", NOOPT)				\
	X(s64_movsw, "movsw", "r2 w2", NOOPT)				\
	X(s64_movsl, "movsl", "r4 w4", NOOPT)				\
	X(s64_movsq, "movsq", "r8 w8", NOOPT)				\
	X(s64_repmovsb, "rep movsb", "r1 w1 r1 w1 r1 w1", NOOPT)	\
	X(s64_repmovsq, "rep movsq", "r8 w8 r8 w8 r8 w8", NOOPT)	\
	X(s64_movsfs, "movsl %fs:(%rsi), %es:(%rdi)", "r4 w4", NOOPT)	\
	X(s64_movs32, "addr32 movsw", "r2 w2", NOOPT)			\
	X(s64_movs2ram, "rep movsl", "r4 r4 r4", SCRATCH(rdi, 0x500))	\
	X(s64_movs2mmio, "rep movsw", "w2 w2 w2", SCRATCH(rsi, 0x300))	\
	X(s64_stosb, "stosb", "w1", NOOPT)				\
	X(s64_stosq, "stosq", "w8", NOOPT)				\
	X(s64_repstosb, "rep stosb", "w1 w1 w1", NOOPT)			\
	X(s64_repstosw, "rep stosw", "w2 w2 w2", NOOPT)			\
	X(s64_repstosl, "rep stosl", "w4 w4 w4", NOOPT)			\
	X(s64_repstosq, "rep stosq", "w8 w8 w8", NOOPT)			\
	X(s64_lodsb, "lodsb", "r1", NOOPT)				\
	X(s64_lodsl, "lodsl", "r4", NOOPT)				\
	X(s64_lodsq, "lodsq", "r8", NOOPT)				\
	X(s64_replodsw, "rep lodsw", "r2 r2 r2", NOOPT)			\
	X(s64_cmpsb, "cmpsb", "r1 r1", NOOPT)				\
	X(s64_cmpsq, "cmpsq", "r8 r8", NOOPT)				\
	X(s64_repecmpsb, "repe cmpsb", NULL, NOOPT)			\
	X(s64_repnecmpsl, "repne cmpsl", NULL, NOOPT)			\
	X(s64_scasb, "scasb", "r1", NOOPT)				\
	X(s64_scasl, "scasl", "r4", NOOPT)				\
	X(s64_repnescasb, "repne scasb", NULL, NOOPT)			\
	X(s64_repescasw, "repe scasw", NULL, NOOPT)

asm(".pushsection .rodata.emu_forms, \"a\"\n.code64\n"
    MOV64(FORM_ASM) ALU64(FORM_ASM) UNARY64(FORM_ASM) XCHG64(FORM_ASM)
    BT64(FORM_ASM) STR64(FORM_ASM)
    ".popsection\n");

MOV64(FORM_DECL)
ALU64(FORM_DECL)
UNARY64(FORM_DECL)
XCHG64(FORM_DECL)
BT64(FORM_DECL)
STR64(FORM_DECL)

static const struct form forms64_mov[] = { MOV64(FORM_ENTRY) };
static const struct form forms64_alu[] = { ALU64(FORM_ENTRY) };
static const struct form forms64_unary[] = { UNARY64(FORM_ENTRY) };
static const struct form forms64_xchg[] = { XCHG64(FORM_ENTRY) };
static const struct form forms64_bt[] = { BT64(FORM_ENTRY) };
static const struct form forms64_string[] = { STR64(FORM_ENTRY) };

/* ------------------------------------------------------------------ */
/* 32-bit forms (data segments based at the window)                    */

/* EDI as a small negative bit offset. */
#define NEG_EDI		{ .reg = offsetof(struct kvm_regs, rdi) / 8, .val = 0xffffffd8 }

#define MOV32(X)							\
	X(m32_ld8, "mov (%ebx), %al", "r1", NOOPT)			\
	X(m32_ld8h, "mov 1(%ebx), %ah", "r1", NOOPT)			\
	X(m32_ld16, "mov (%ebx), %dx", "r2", NOOPT)			\
	X(m32_ld32, "mov (%ebx), %eax", "r4", NOOPT)			\
	X(m32_st8, "mov %dl, 3(%ebx)", "w1", NOOPT)			\
	X(m32_st8h, "mov %dh, (%ebx)", "w1", NOOPT)			\
	X(m32_st16, "mov %ax, (%ebx)", "w2", NOOPT)			\
	X(m32_st32, "mov %edx, (%ebx)", "w4", NOOPT)			\
	X(m32_disp8, "mov -0x10(%ebx), %eax", "r4", NOOPT)		\
	X(m32_disp32, "mov 0x1234(%ebx), %eax", "r4", NOOPT)		\
	X(m32_sib, "mov 0x10(%ebx,%ecx,4), %edx", "r4", NOOPT)		\
	X(m32_sib8, "mov (%esi,%ecx,8), %eax", "r4", NOOPT)		\
	X(m32_sibnb, "mov 0x400(,%ecx,2), %ax", "r2", NOOPT)		\
	X(m32_esp, "mov (%esp), %eax", "r4", NOOPT)			\
	X(m32_ebp, "mov 8(%ebp), %edx", "r4", NOOPT)			\
	X(m32_moffs32, "mov 0x180, %eax", "r4", NOOPT)			\
	X(m32_moffs8, "mov %al, 0x181", "w1", NOOPT)			\
	X(m32_moffs16, ".byte 0x67, 0xa1, 0x80, 0x01", "r4", NOOPT)	\
	X(m32_imm8, "movb $0x5a, (%ebx)", "w1", NOOPT)			\
	X(m32_imm16, "movw $0x1234, 2(%ebx)", "w2", NOOPT)		\
	X(m32_imm32, "movl $0x89abcdef, (%ebx)", "w4", NOOPT)		\
	X(m32_immsib, "movl $0x11223344, 0x10(%ebx,%ecx,4)", "w4", NOOPT) \
	X(m32_sreg, "mov %ds, (%ebx)", "w2", NOOPT)			\
	X(m32_sreg2, "mov %es, 6(%ebx)", "w2", NOOPT)			\
	X(m32_seges, "mov %es:(%ebx), %eax", "r4", NOOPT)		\
	X(m32_segss, "mov %ss:4(%ebx), %eax", "r4", NOOPT)		\
	X(m32_segfs, "mov %eax, %fs:0x20(%ebx)", "w4", NOOPT)		\
	X(m32_seggs, "mov %gs:(%ebx), %dl", "r1", NOOPT)		\
	X(m32_a16, "addr16 mov (%bx,%si), %eax", "r4", NOOPT)		\
	X(m32_a16bp, "addr16 mov 4(%bp,%di), %ax", "r2", NOOPT)		\
	X(m32_a16abs, ".byte 0x67, 0x8b, 0x16, 0x80, 0x01", "r4", NOOPT) \
	X(m32_zx8, "movzbl (%ebx), %eax", "r1", NOOPT)			\
	X(m32_zx16, "movzwl (%ebx), %edx", "r2", NOOPT)			\
	X(m32_zx8w, "movzbw (%ebx), %ax", "r1", NOOPT)			\
	X(m32_sx8, "movsbl 1(%ebx), %eax", "r1", NOOPT)			\
	X(m32_sx16, "movswl 2(%ebx), %edx", "r2", NOOPT)		\
	X(m32_sx8w, "movsbw 3(%ebx), %dx", "r1", NOOPT)

#define ALU32(X)							\
	X(a32_add_mr, "add %edx, (%ebx)", "r4 w4", NOOPT)		\
	X(a32_add_rm, "add (%ebx), %edx", "r4", NOOPT)			\
	X(a32_add_mr8, "add %dl, (%ebx)", "r1 w1", NOOPT)		\
	X(a32_add_mr16, "add %ax, (%ebx)", "r2 w2", NOOPT)		\
	X(a32_add_i8, "addb $0x7f, (%ebx)", "r1 w1", NOOPT)		\
	X(a32_add_i32, "addl $0x7fffffff, (%ebx)", "r4 w4", NOOPT)	\
	X(a32_add_is, "addw $-3, (%ebx)", "r2 w2", NOOPT)		\
	X(a32_82, ".byte 0x82, 0x03, 0x90", "r1 w1", NOOPT)		\
	X(a32_or_mr, "or %edx, (%ebx)", "r4 w4", NOOPT)			\
	X(a32_or_i, "orw $0x8000, (%ebx)", "r2 w2", NOOPT)		\
	X(a32_adc_mr, "adc %eax, (%ebx)", "r4 w4", NOOPT)		\
	X(a32_adc_rm, "adc (%ebx), %dl", "r1", NOOPT)			\
	X(a32_sbb_mr, "sbb %dx, (%ebx)", "r2 w2", NOOPT)		\
	X(a32_sbb_i, "sbbl $1, (%ebx)", "r4 w4", NOOPT)			\
	X(a32_and_rm, "and (%ebx), %eax", "r4", NOOPT)			\
	X(a32_and_i, "andb $0xf0, (%ebx)", "r1 w1", NOOPT)		\
	X(a32_sub_mr, "sub %eax, (%ebx)", "r4 w4", NOOPT)		\
	X(a32_sub_i, "subl $0x80000000, (%ebx)", "r4 w4", NOOPT)	\
	X(a32_xor_rm, "xor (%ebx), %edx", "r4", NOOPT)			\
	X(a32_xor_i, "xorb $0x81, (%ebx)", "r1 w1", NOOPT)		\
	X(a32_cmp_mr, "cmp %edx, (%ebx)", "r4", NOOPT)			\
	X(a32_cmp_rm, "cmp (%ebx), %ax", "r2", NOOPT)			\
	X(a32_cmp_i, "cmpl $-1, (%ebx)", "r4", NOOPT)			\
	X(a32_test_mr, "test %edx, (%ebx)", "r4", NOOPT)		\
	X(a32_test_i, "testb $0x81, (%ebx)", "r1", NOOPT)		\
	X(a32_lock_add, "lock add %edx, (%ebx)", "r4 w4", NOOPT)	\
	X(a32_lock_xor, "lock xorw $0x5555, (%ebx)", "r2 w2", NOOPT)

#define UNARY32(X)							\
	X(u32_incb, "incb (%ebx)", "r1 w1", NOOPT)			\
	X(u32_incw, "incw (%ebx)", "r2 w2", NOOPT)			\
	X(u32_incl, "incl (%ebx)", "r4 w4", NOOPT)			\
	X(u32_decl, "decl 4(%ebx)", "r4 w4", NOOPT)			\
	X(u32_notb, "notb (%ebx)", "r1 w1", NOOPT)			\
	X(u32_notl, "notl (%ebx)", "r4 w4", NOOPT)			\
	X(u32_negw, "negw (%ebx)", "r2 w2", NOOPT)			\
	X(u32_negl, "negl (%ebx)", "r4 w4", NOOPT)			\
	X(u32_lockdec, "lock decb (%ebx)", "r1 w1", NOOPT)

#define XCHG32(X)							\
	X(x32_xchg8, "xchg %dl, (%ebx)", "r1 w1", NOOPT)		\
	X(x32_xchg16, "xchg (%ebx), %ax", "r2 w2", NOOPT)		\
	X(x32_xchg32, "xchg %edx, (%ebx)", "r4 w4", NOOPT)		\
	X(x32_xadd16, "xadd %dx, (%ebx)", "r2 w2", NOOPT)		\
	X(x32_xadd32, "lock xadd %edx, (%ebx)", "r4 w4", NOOPT)		\
	X(x32_cx8, "cmpxchg %dl, (%ebx)", "r1 w1", NOOPT)		\
	X(x32_cx16, "cmpxchg %dx, (%ebx)", "r2 w2", NOOPT)		\
	X(x32_cx32, "lock cmpxchg %edx, (%ebx)", "r4 w4", NOOPT)	\
	X(x32_cx8b, "cmpxchg8b (%ebx)", "r8 w8", NOOPT)			\
	X(x32_cx8bl, "lock cmpxchg8b 8(%ebx)", "r8 w8", NOOPT)

#define BT32(X)								\
	X(b32_bt, "bt %ecx, (%ebx)", "r4", NOOPT)			\
	X(b32_btw, "bt %cx, 2(%ebx)", "r2", NOOPT)			\
	X(b32_btbig, "bt %ebp, (%ebx)", "r4", NOOPT)			\
	X(b32_btneg, "bt %edi, 0x20(%ebx)", "r4", NEG_EDI)		\
	X(b32_bts, "bts %esi, (%ebx)", "r4 w4", NOOPT)			\
	X(b32_btr, "btr %edi, 0x20(%ebx)", "r4 w4", NEG_EDI)		\
	X(b32_btc, "btc %cx, (%ebx)", "r2 w2", NOOPT)			\
	X(b32_bti, "btl $35, (%ebx)", "r4", NOOPT)			\
	X(b32_btsi, "btsw $17, (%ebx)", "r2 w2", NOOPT)			\
	X(b32_btci, "lock btcl $5, (%ebx)", "r4 w4", NOOPT)

#define STR32(X)							\
	X(s32_movsb, "movsb", "r1 w1", NOOPT)				\
	X(s32_movsw, "movsw", "r2 w2", NOOPT)				\
	X(s32_movsl, "movsl", "r4 w4", NOOPT)				\
	X(s32_repmovsb, "rep movsb", "r1 w1 r1 w1 r1 w1", NOOPT)	\
	X(s32_repmovsl, "rep movsl", "r4 w4 r4 w4 r4 w4", NOOPT)	\
	X(s32_movsfs, "movsl %fs:(%esi), %es:(%edi)", "r4 w4", NOOPT)	\
	X(s32_movsa16, "addr16 movsb", "r1 w1", NOOPT)			\
	X(s32_repmovsa16, "addr16 rep movsw", "r2 w2 r2 w2 r2 w2", NOOPT) \
	X(s32_stosb, "stosb", "w1", NOOPT)				\
	X(s32_repstosb, "rep stosb", "w1 w1 w1", NOOPT)			\
	X(s32_repstosw, "rep stosw", "w2 w2 w2", NOOPT)			\
	X(s32_repstosl, "rep stosl", "w4 w4 w4", NOOPT)			\
	X(s32_lodsb, "lodsb", "r1", NOOPT)				\
	X(s32_lodsl, "lodsl", "r4", NOOPT)				\
	X(s32_cmpsb, "cmpsb", "r1 r1", NOOPT)				\
	X(s32_cmpsl, "cmpsl", "r4 r4", NOOPT)				\
	X(s32_repecmpsw, "repe cmpsw", NULL, NOOPT)			\
	X(s32_scasb, "scasb", "r1", NOOPT)				\
	X(s32_repnescasl, "repne scasl", NULL, NOOPT)

/* ------------------------------------------------------------------ */
/* 16-bit forms (real mode and 16-bit protected mode)                  */

/*
 * In real mode the data segments' selectors follow their bases, which
 * differ between the RAM and the MMIO run: only CS is stored.
 */

/* DI as a small negative bit offset. */
#define NEG_DI		{ .reg = offsetof(struct kvm_regs, rdi) / 8, .val = 0xffd8 }

#define MOV16(X)							\
	X(m16_ld8, "mov (%bx), %al", "r1", NOOPT)			\
	X(m16_ld8h, "mov 1(%bx), %ah", "r1", NOOPT)			\
	X(m16_ld16, "mov (%bx), %ax", "r2", NOOPT)			\
	X(m16_st8, "mov %dl, 3(%bx)", "w1", NOOPT)			\
	X(m16_st16, "mov %dx, (%bx)", "w2", NOOPT)			\
	X(m16_bxsi, "mov (%bx,%si), %ax", "r2", NOOPT)			\
	X(m16_bxdi, "mov 2(%bx,%di), %dx", "r2", NOOPT)			\
	X(m16_bpsi, "mov 2(%bp,%si), %ax", "r2", NOOPT)			\
	X(m16_bpdi, "mov %dx, (%bp,%di)", "w2", NOOPT)			\
	X(m16_si, "mov (%si), %al", "r1", NOOPT)			\
	X(m16_di, "mov -4(%di), %ax", "r2", NOOPT)			\
	X(m16_bp, "mov 4(%bp), %ax", "r2", NOOPT)			\
	X(m16_disp16, "mov 0x1234(%bx), %dx", "r2", NOOPT)		\
	X(m16_abs, ".byte 0x8b, 0x16, 0x80, 0x01", "r2", NOOPT)		\
	X(m16_moffs, "mov 0x182, %ax", "r2", NOOPT)			\
	X(m16_moffst, "mov %al, 0x183", "w1", NOOPT)			\
	X(m16_o32ld, "mov (%bx), %eax", "r4", NOOPT)			\
	X(m16_o32st, "mov %edx, 4(%bx)", "w4", NOOPT)			\
	X(m16_a32, "addr32 mov (%ebx), %ax", "r2", NOOPT)		\
	X(m16_a32sib, "addr32 mov (%ebx,%ecx,4), %dx", "r2", NOOPT)	\
	X(m16_imm8, "movb $0x5a, (%bx)", "w1", NOOPT)			\
	X(m16_imm16, "movw $0x1234, 2(%bx)", "w2", NOOPT)		\
	X(m16_imm32, "movl $0x89abcdef, (%bx)", "w4", NOOPT)		\
	X(m16_sreg, "mov %cs, 2(%bx)", "w2", NOOPT)			\
	X(m16_seges, "mov %es:(%bx), %ax", "r2", NOOPT)			\
	X(m16_segss, "mov %ss:(%bx), %ax", "r2", NOOPT)			\
	X(m16_segfs, "mov %ax, %fs:4(%bx)", "w2", NOOPT)		\
	X(m16_seggs, "mov %gs:(%bx), %dl", "r1", NOOPT)			\
	X(m16_zx8, "movzbw (%bx), %ax", "r1", NOOPT)			\
	X(m16_zx8l, "movzbl (%bx), %eax", "r1", NOOPT)			\
	X(m16_sx8, "movsbw 1(%bx), %dx", "r1", NOOPT)			\
	X(m16_sx16l, "movswl 2(%bx), %edx", "r2", NOOPT)

#define ALU16(X)							\
	X(a16_add_mr, "add %dx, (%bx)", "r2 w2", NOOPT)			\
	X(a16_add_rm, "add (%bx), %dx", "r2", NOOPT)			\
	X(a16_add_mr8, "add %dl, (%bx)", "r1 w1", NOOPT)		\
	X(a16_add_i8, "addb $0x7f, (%bx)", "r1 w1", NOOPT)		\
	X(a16_add_i16, "addw $0x8001, (%bx)", "r2 w2", NOOPT)		\
	X(a16_add_is, "addw $-3, (%bx)", "r2 w2", NOOPT)		\
	X(a16_add_o32, "addl %edx, (%bx)", "r4 w4", NOOPT)		\
	X(a16_or_mr, "or %ax, (%bx,%si)", "r2 w2", NOOPT)		\
	X(a16_adc_rm, "adc (%bx), %ax", "r2", NOOPT)			\
	X(a16_sbb_i, "sbbb $1, (%bx)", "r1 w1", NOOPT)			\
	X(a16_and_mr, "and %dl, (%bx)", "r1 w1", NOOPT)			\
	X(a16_sub_i, "subw $0x8000, (%bx)", "r2 w2", NOOPT)		\
	X(a16_xor_rm, "xor (%bx), %dx", "r2", NOOPT)			\
	X(a16_cmp_mr, "cmp %dx, (%bx)", "r2", NOOPT)			\
	X(a16_cmp_i, "cmpb $0x80, (%bx)", "r1", NOOPT)			\
	X(a16_test_i, "testw $0x8001, (%bx)", "r2", NOOPT)		\
	X(a16_lock_add, "lock addw %dx, (%bx)", "r2 w2", NOOPT)

#define UNARY16(X)							\
	X(u16_incb, "incb (%bx)", "r1 w1", NOOPT)			\
	X(u16_incw, "incw (%bx)", "r2 w2", NOOPT)			\
	X(u16_decw, "decw 2(%bx)", "r2 w2", NOOPT)			\
	X(u16_notw, "notw (%bx)", "r2 w2", NOOPT)			\
	X(u16_negb, "negb (%bx)", "r1 w1", NOOPT)			\
	X(u16_incl, "incl (%bx)", "r4 w4", NOOPT)

#define XCHG16(X)							\
	X(x16_xchg8, "xchg %dl, (%bx)", "r1 w1", NOOPT)			\
	X(x16_xchg16, "xchg (%bx), %ax", "r2 w2", NOOPT)		\
	X(x16_xadd16, "xadd %dx, (%bx)", "r2 w2", NOOPT)		\
	X(x16_cx16, "cmpxchg %dx, (%bx)", "r2 w2", NOOPT)		\
	X(x16_cx32, "cmpxchg %edx, (%bx)", "r4 w4", NOOPT)		\
	X(x16_cx8b, "cmpxchg8b (%bx)", "r8 w8", NOOPT)

#define BT16(X)								\
	X(b16_bt, "bt %cx, (%bx)", "r2", NOOPT)				\
	X(b16_btsi, "btsw $17, (%bx)", "r2 w2", NOOPT)			\
	X(b16_bti32, "btl $35, (%bx)", "r4", NOOPT)			\
	X(b16_btr, "btr %si, (%bx)", "r2 w2", NOOPT)			\
	X(b16_btneg, "btc %di, 0x20(%bx)", "r2 w2", NEG_DI)

#define STR16(X)							\
	X(s16_movsb, "movsb", "r1 w1", NOOPT)				\
	X(s16_movsw, "movsw", "r2 w2", NOOPT)				\
	X(s16_movsl, "movsl", "r4 w4", NOOPT)				\
	X(s16_repmovsb, "rep movsb", "r1 w1 r1 w1 r1 w1", NOOPT)	\
	X(s16_movses, "movsw %es:(%si), %es:(%di)", "r2 w2", NOOPT)	\
	X(s16_movsa32, "addr32 movsb", "r1 w1", NOOPT)			\
	X(s16_stosb, "stosb", "w1", NOOPT)				\
	X(s16_repstosw, "rep stosw", "w2 w2 w2", NOOPT)			\
	X(s16_lodsb, "lodsb", "r1", NOOPT)				\
	X(s16_lodsw, "lodsw", "r2", NOOPT)				\
	X(s16_cmpsb, "cmpsb", "r1 r1", NOOPT)				\
	X(s16_repecmpsb, "repe cmpsb", NULL, NOOPT)			\
	X(s16_scasw, "scasw", "r2", NOOPT)				\
	X(s16_repnescasb, "repne scasb", NULL, NOOPT)

asm(".pushsection .rodata.emu_forms, \"a\"\n.code32\n"
    MOV32(FORM_ASM) ALU32(FORM_ASM) UNARY32(FORM_ASM) XCHG32(FORM_ASM)
    BT32(FORM_ASM) STR32(FORM_ASM)
    ".code16\n"
    MOV16(FORM_ASM) ALU16(FORM_ASM) UNARY16(FORM_ASM) XCHG16(FORM_ASM)
    BT16(FORM_ASM) STR16(FORM_ASM)
    ".code64\n.popsection\n");

MOV32(FORM_DECL)
ALU32(FORM_DECL)
UNARY32(FORM_DECL)
XCHG32(FORM_DECL)
BT32(FORM_DECL)
STR32(FORM_DECL)
MOV16(FORM_DECL)
ALU16(FORM_DECL)
UNARY16(FORM_DECL)
XCHG16(FORM_DECL)
BT16(FORM_DECL)
STR16(FORM_DECL)

static const struct form forms32_mov[] = { MOV32(FORM_ENTRY) };
static const struct form forms32_alu[] = { ALU32(FORM_ENTRY) };
static const struct form forms32_unary[] = { UNARY32(FORM_ENTRY) };
static const struct form forms32_xchg[] = { XCHG32(FORM_ENTRY) };
static const struct form forms32_bt[] = { BT32(FORM_ENTRY) };
static const struct form forms32_string[] = { STR32(FORM_ENTRY) };
static const struct form forms16_mov[] = { MOV16(FORM_ENTRY) };
static const struct form forms16_alu[] = { ALU16(FORM_ENTRY) };
static const struct form forms16_unary[] = { UNARY16(FORM_ENTRY) };
static const struct form forms16_xchg[] = { XCHG16(FORM_ENTRY) };
static const struct form forms16_bt[] = { BT16(FORM_ENTRY) };
static const struct form forms16_string[] = { STR16(FORM_ENTRY) };

/* ------------------------------------------------------------------ */
/* The harness                                                         */

struct form_set {
	const struct form *forms;
	unsigned int nr;
};

#define SET(a)	{ a, ARRAY_SIZE(a) }

/* The window's initial bytes: all different, and many with bit 7 set. */
static uint8_t pattern(unsigned int i)
{
	return i * 157 + 91 + (i >> 8) * 31;
}

static uint64_t pattern64(unsigned int off)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | pattern(off + i);
	return v;
}

#define ARITH_FLAGS	0x8d5ULL	/* CF PF AF ZF SF OF */
#define DF_FLAG		0x400ULL

/*
 * The registers of input set @set: address registers point into the
 * window, RCX is a small count (and index), R12/R13 small signed bit
 * offsets, the rest data.  Set 2 makes RDX:RAX equal to the 16 bytes at
 * RBX, set 3 EDX:EAX equal to the 8 bytes there.
 */
static void init_regs(enum emu_mode mode, unsigned int set,
		      const struct form *f, struct kvm_regs *r)
{
	static const uint64_t data[2][7] = {
		{ 0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0xffffffffULL,
		  0x8000000000000000ULL, 0x7fffffffffffffffULL,
		  0x1111111122222222ULL, 0x5555aaaa5555aaaaULL },
		{ 0x7fffffff7fff7f7fULL, 0x8000000080008080ULL, ~0ULL, 1, 0x80,
		  0xfedcba9876543210ULL, 0 },
	};
	const uint64_t *d = data[set == 1];
	uint64_t win = emu_window_base(mode);
	uint64_t mask = mode == EMU_LONG64 ? ~0ULL : 0xffffffffULL;

	memset(r, 0, sizeof(*r));
	r->rax = d[0] & mask;
	r->rdx = d[1] & mask;
	r->r8 = d[2];
	r->r9 = d[3];
	r->r10 = d[4];
	r->r11 = d[5];
	r->r14 = d[6];
	r->r12 = -20;
	r->r13 = 100;
	r->rcx = 3;
	r->rbx = win + OFF_RBX;
	r->rsi = win + OFF_RSI;
	r->rdi = win + OFF_RDI;
	r->rbp = win + OFF_RBP;
	r->rsp = win + OFF_RSP;
	if (set == 2) {
		r->rax = pattern64(OFF_RBX) & mask;
		r->rdx = pattern64(OFF_RBX + 8) & mask;
	} else if (set == 3) {
		r->rax = pattern64(OFF_RBX) & 0xffffffff;
		r->rdx = pattern64(OFF_RBX + 4) & 0xffffffff;
	}
	r->rflags = 0x2 | (set == 1 ? ARITH_FLAGS | DF_FLAG : 0) |
		    (set == 2 ? 1 : 0);
	r->rip = EMU_CODE_GPA;
	if (f->opt.reg >= 0)
		((uint64_t *)r)[f->opt.reg] = f->opt.val;
}

struct form_result {
	struct kvm_regs regs;
	uint8_t window[EMU_WIN_SIZE];
	uint8_t scratch[EMU_WIN_SIZE];
	char trace[256];
};

static void reset_memory(struct emu_vm *e)
{
	unsigned int i;

	for (i = 0; i < EMU_WIN_SIZE; i++) {
		e->mem[EMU_RAM_GPA + i] = pattern(i);
		e->mem[EMU_SCRATCH_GPA + i] = pattern(i + 0x5555);
		e->mmio[i] = pattern(i);
	}
}

static void format_trace(struct emu_vm *e, char *buf, size_t size)
{
	unsigned int i, n = 0;

	buf[0] = 0;
	for (i = 0; i < e->nr_exits && i < EMU_MAX_EXITS && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%c%u", i ? " " : "",
			      e->exits[i].write ? 'w' : 'r', e->exits[i].len);
}

/* Run form @f with input set @set on RAM or on MMIO; false on a bad exit. */
static bool run_form(struct __test_metadata *_metadata, struct emu_vm *e,
		     const struct form *f, unsigned int set, bool mmio,
		     struct form_result *res)
{
	char why[256];

	reset_memory(e);
	emu_load_code(e, f->start, f->end - f->start);
	emu_set_sregs(e, mmio);
	init_regs(e->mode, set, f, &res->regs);
	if (e->mode == EMU_LONG64) {
		struct kvm_sregs s;

		vcpu_sregs_get(e->vcpu, &s);
		res->regs.r15 = s.cr3;
	}
	vcpu_regs_set(e->vcpu, &res->regs);
	if (emu_run_to_hlt(e)) {
		emu_describe_exit(e, why, sizeof(why));
		TH_LOG("'%s' set %u on %s: %s", f->text, set,
		       mmio ? "MMIO" : "RAM", why);
		return false;
	}
	vcpu_regs_get(e->vcpu, &res->regs);
	memcpy(res->window, mmio ? e->mmio : e->mem + EMU_RAM_GPA, EMU_WIN_SIZE);
	memcpy(res->scratch, e->mem + EMU_SCRATCH_GPA, EMU_WIN_SIZE);
	format_trace(e, res->trace, sizeof(res->trace));
	return true;
}

static const char *const reg_names[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
};

static bool same_regs(struct __test_metadata *_metadata, enum emu_mode mode,
		      const char *what, const struct kvm_regs *a,
		      const struct kvm_regs *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	bool same = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reg_names); i++) {
		/* R15 holds each run's own CR3 in 64-bit mode. */
		if (mode == EMU_LONG64 && i == 15)
			continue;
		if (x[i] == y[i])
			continue;
		TH_LOG("%s: %s is 0x%llx on RAM, 0x%llx on MMIO", what,
		       reg_names[i], (unsigned long long)x[i],
		       (unsigned long long)y[i]);
		same = false;
	}
	return same;
}

static bool same_bytes(struct __test_metadata *_metadata, const char *what,
		       const char *area, const uint8_t *a, const uint8_t *b)
{
	unsigned int i;

	for (i = 0; i < EMU_WIN_SIZE; i++) {
		if (a[i] == b[i])
			continue;
		TH_LOG("%s: %s byte 0x%x is 0x%02x on RAM, 0x%02x on MMIO",
		       what, area, i, a[i], b[i]);
		return false;
	}
	return true;
}

static struct form_result ram_res, mmio_res;

/* One form, one input set: RAM and MMIO agree.  Return: the failures. */
static unsigned int check_form(struct __test_metadata *_metadata,
			       struct emu_vm *e, const struct form *f,
			       unsigned int set)
{
	char what[128];
	bool ok;

	snprintf(what, sizeof(what), "'%s' (set %u)", f->text, set);
	if (!run_form(_metadata, e, f, set, false, &ram_res) ||
	    !run_form(_metadata, e, f, set, true, &mmio_res))
		return 1;
	if (ram_res.trace[0])
		TH_LOG("%s: MMIO exits on RAM: %s", what, ram_res.trace);
	ok = !ram_res.trace[0];
	ok &= same_regs(_metadata, e->mode, what, &ram_res.regs, &mmio_res.regs);
	ok &= same_bytes(_metadata, what, "window", ram_res.window,
			 mmio_res.window);
	ok &= same_bytes(_metadata, what, "scratch", ram_res.scratch,
			 mmio_res.scratch);
	if (f->trace && strcmp(f->trace, mmio_res.trace)) {
		TH_LOG("%s: MMIO exits '%s', expected '%s'", what,
		       mmio_res.trace, f->trace);
		ok = false;
	}
	return !ok;
}

static bool on_stock_kvm(void)
{
	return !strcmp(device_module_name(), "kvm");
}

static void run_forms(struct __test_metadata *_metadata, struct emu_vm *e,
		      struct form_set set)
{
	unsigned int i, s, failures = 0, ran = 0;

	for (i = 0; i < set.nr; i++) {
		const struct form *f = &set.forms[i];

		if ((f->opt.flags & FORM_MINIKVM_ONLY) && on_stock_kvm())
			continue;
		for (s = 0; s < 4; s++)
			failures += check_form(_metadata, e, f, s);
		ran++;
	}
	ksft_print_msg("%u forms, %u failed runs\n", ran, failures);
	EXPECT_EQ(0, failures);
}

/* ------------------------------------------------------------------ */
/* The tests                                                           */

FIXTURE(emu) {
	struct emu_vm *e;
};

FIXTURE_VARIANT(emu) {
	enum emu_mode mode;
};

FIXTURE_VARIANT_ADD(emu, real) { .mode = EMU_REAL };
FIXTURE_VARIANT_ADD(emu, prot16) { .mode = EMU_PROT16 };
FIXTURE_VARIANT_ADD(emu, prot32) { .mode = EMU_PROT32 };
FIXTURE_VARIANT_ADD(emu, paged32) { .mode = EMU_PAGED32 };
FIXTURE_VARIANT_ADD(emu, pae32) { .mode = EMU_PAE32 };
FIXTURE_VARIANT_ADD(emu, long64) { .mode = EMU_LONG64 };

FIXTURE_SETUP(emu)
{
	self->e = emu_vm_create(variant->mode);
}

FIXTURE_TEARDOWN(emu)
{
	emu_vm_free(self->e);
}

/* The forms of a family for the variant's code size. */
static struct form_set family(enum emu_mode mode, struct form_set f16,
			      struct form_set f32, struct form_set f64)
{
	switch (emu_code_bytes(mode)) {
	case 2:
		return f16;
	case 4:
		return f32;
	default:
		return f64;
	}
}

TEST_F(emu, mov)
{
	run_forms(_metadata, self->e,
		  family(variant->mode, (struct form_set)SET(forms16_mov),
			 (struct form_set)SET(forms32_mov),
			 (struct form_set)SET(forms64_mov)));
}

TEST_F(emu, alu)
{
	run_forms(_metadata, self->e,
		  family(variant->mode, (struct form_set)SET(forms16_alu),
			 (struct form_set)SET(forms32_alu),
			 (struct form_set)SET(forms64_alu)));
}

TEST_F(emu, unary)
{
	run_forms(_metadata, self->e,
		  family(variant->mode, (struct form_set)SET(forms16_unary),
			 (struct form_set)SET(forms32_unary),
			 (struct form_set)SET(forms64_unary)));
}

TEST_F(emu, xchg_cmpxchg)
{
	run_forms(_metadata, self->e,
		  family(variant->mode, (struct form_set)SET(forms16_xchg),
			 (struct form_set)SET(forms32_xchg),
			 (struct form_set)SET(forms64_xchg)));
}

TEST_F(emu, bit_test)
{
	run_forms(_metadata, self->e,
		  family(variant->mode, (struct form_set)SET(forms16_bt),
			 (struct form_set)SET(forms32_bt),
			 (struct form_set)SET(forms64_bt)));
}

TEST_F(emu, string)
{
	run_forms(_metadata, self->e,
		  family(variant->mode, (struct form_set)SET(forms16_string),
			 (struct form_set)SET(forms32_string),
			 (struct form_set)SET(forms64_string)));
}

TEST_HARNESS_MAIN
