/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side entry stubs for the 32 architectural exception vectors. Each
 * stub normalises the stack to [vector, error code, hardware frame] and
 * hands it to guest_exception_report(), which reports the exception to the
 * host as UCALL_UNHANDLED. Also the landing pad for a guest entry function
 * that returns instead of calling GUEST_DONE().
 */
	.text
	.code64

.macro EXC_STUB vec, has_error_code
	.align 16
exc_stub_\vec:
	.if \has_error_code == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	exc_common
.endm

exc_common:
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	guest_exception_report
1:	hlt
	jmp	1b

	/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. */
	EXC_STUB 0, 0
	EXC_STUB 1, 0
	EXC_STUB 2, 0
	EXC_STUB 3, 0
	EXC_STUB 4, 0
	EXC_STUB 5, 0
	EXC_STUB 6, 0
	EXC_STUB 7, 0
	EXC_STUB 8, 1
	EXC_STUB 9, 0
	EXC_STUB 10, 1
	EXC_STUB 11, 1
	EXC_STUB 12, 1
	EXC_STUB 13, 1
	EXC_STUB 14, 1
	EXC_STUB 15, 0
	EXC_STUB 16, 0
	EXC_STUB 17, 1
	EXC_STUB 18, 0
	EXC_STUB 19, 0
	EXC_STUB 20, 0
	EXC_STUB 21, 1
	EXC_STUB 22, 0
	EXC_STUB 23, 0
	EXC_STUB 24, 0
	EXC_STUB 25, 0
	EXC_STUB 26, 0
	EXC_STUB 27, 0
	EXC_STUB 28, 0
	EXC_STUB 29, 1
	EXC_STUB 30, 1
	EXC_STUB 31, 0

	/* Return address planted under a vCPU's entry function. */
	.globl guest_entry_returned
guest_entry_returned:
	andq	$-16, %rsp
	call	guest_code_returned
2:	hlt
	jmp	2b

	.section .rodata
	.align 8
	.globl exc_stub_table
exc_stub_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad exc_stub_\v
	.endr

	.section .note.GNU-stack,"",@progbits
