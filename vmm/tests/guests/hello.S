/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flat 64-bit test guest: prints a line on COM1 (polling LSR.THRE) and powers off through the
 * exit port with status 0. Entered at 1 MiB in long mode by minikvm-run.
 */
	.code64
	.text
	.globl _start
_start:
	lea	msg(%rip), %rsi
next:
	movb	(%rsi), %bl
	testb	%bl, %bl
	jz	done
	mov	$0x3fd, %dx		/* LSR */
wait:
	inb	%dx, %al
	testb	$0x20, %al		/* THRE */
	jz	wait
	mov	$0x3f8, %dx		/* THR */
	movb	%bl, %al
	outb	%al, %dx
	inc	%rsi
	jmp	next
done:
	xor	%eax, %eax
	mov	$0xf4, %dx		/* exit port: power off, status 0 */
	outb	%al, %dx
halt:
	hlt
	jmp	halt
msg:
	.asciz	"minikvm-run flat guest: hello\n"
