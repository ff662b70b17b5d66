/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flat 64-bit test guest that triple-faults: an empty IDT, then int3 (#BP -> #GP -> #DF ->
 * shutdown). minikvm-run must report it (KVM_EXIT_SHUTDOWN, exit status 66).
 */
	.code64
	.text
	.globl _start
_start:
	lidt	idtr(%rip)
	int3
1:	hlt
	jmp	1b
idtr:
	.word	0
	.quad	0
