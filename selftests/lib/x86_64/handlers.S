/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side entry stubs for all 256 vectors. Each stub normalises the
 * stack to [vector, error code, hardware frame], saves the general-purpose
 * registers and calls guest_exception_dispatch() with a struct ex_regs
 * (processor.h). The dispatcher may change the saved registers (e.g. RIP
 * to skip a faulting instruction); the stub then restores them and IRETs.
 * Also the landing pad for a guest entry function that returns instead of
 * calling GUEST_DONE().
 */
	.text
	.code64
	.altmacro

.macro VEC_STUB vec
	.align 16
vec_stub_\vec:
	/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. */
	.set has_error_code, 0
	.irp e, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
	.if \vec == \e
	.set has_error_code, 1
	.endif
	.endr
	.if has_error_code == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	vec_common
.endm

.macro STUB_ADDR vec
	.quad vec_stub_\vec
.endm

vec_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* The frame is 22 quadwords from a 16-byte aligned RSP: aligned. */
	movq	%rsp, %rdi
	call	guest_exception_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	/* Drop vector and error code. */
	addq	$16, %rsp
	iretq

	.set vec, 0
	.rept 256
	VEC_STUB %vec
	.set vec, vec + 1
	.endr

	/* Return address planted under a vCPU's entry function. */
	.globl guest_entry_returned
guest_entry_returned:
	andq	$-16, %rsp
	call	guest_code_returned
2:	hlt
	jmp	2b

	.section .rodata
	.align 8
	.globl vec_stub_table
vec_stub_table:
	.set vec, 0
	.rept 256
	STUB_ADDR %vec
	.set vec, vec + 1
	.endr

	.section .note.GNU-stack,"",@progbits
