/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flat 64-bit test guest for interrupt delivery: an IDT, the 8259 PICs programmed as Linux
 * does (master base 0x20, slave 0x28, only IRQ 0 unmasked), the 8254 PIT's channel 0 as a
 * 1 kHz rate generator; then "sti; hlt" until 10 timer interrupts have arrived. Prints the
 * result on COM1 and powers off with status 0 (1 on an unexpected vector).
 * With the userspace PIC/PIT this exercises KVM_INTERRUPT, the interrupt window and the
 * VMM's HLT wait; with the in-kernel irqchip, its PIC and PIT.
 */
	.code64
	.text
	.globl _start
#define IDT 0x1000
_start:
	/* Every vector -> unexpected; vector 0x20 (IRQ 0) -> tick. */
	lea	unexpected(%rip), %rax
	mov	$IDT, %rdi
	mov	$256, %ecx
1:	call	set_gate
	add	$16, %rdi
	loop	1b
	lea	tick(%rip), %rax
	mov	$(IDT + 0x20 * 16), %rdi
	call	set_gate
	lidt	idtr(%rip)

	/* PICs: ICW1-4, then masks. */
	mov	$0x11, %al
	outb	%al, $0x20
	mov	$0x20, %al
	outb	%al, $0x21
	mov	$0x04, %al
	outb	%al, $0x21
	mov	$0x01, %al
	outb	%al, $0x21
	mov	$0x11, %al
	outb	%al, $0xa0
	mov	$0x28, %al
	outb	%al, $0xa1
	mov	$0x02, %al
	outb	%al, $0xa1
	mov	$0x01, %al
	outb	%al, $0xa1
	mov	$0xfe, %al
	outb	%al, $0x21
	mov	$0xff, %al
	outb	%al, $0xa1

	/* PIT channel 0: mode 2, count 1193 (1 ms). */
	mov	$0x34, %al
	outb	%al, $0x43
	mov	$(1193 & 0xff), %al
	outb	%al, $0x40
	mov	$(1193 >> 8), %al
	outb	%al, $0x40

wait:
	sti
	hlt
	cli
	cmpl	$10, ticks(%rip)
	jb	wait

	lea	ok_msg(%rip), %rsi
	call	puts
	xor	%eax, %eax
	jmp	power_off

unexpected:
	lea	bad_msg(%rip), %rsi
	call	puts
	mov	$1, %eax
power_off:
	mov	$0xf4, %dx
	outb	%al, %dx
2:	hlt
	jmp	2b

tick:
	push	%rax
	incl	ticks(%rip)
	mov	$0x20, %al		/* non-specific EOI */
	outb	%al, $0x20
	pop	%rax
	iretq

/* set_gate: 64-bit interrupt gate at %rdi for handler %rax, selector 0x10. */
set_gate:
	mov	%ax, (%rdi)
	movw	$0x10, 2(%rdi)
	movw	$0x8e00, 4(%rdi)
	mov	%rax, %rdx
	shr	$16, %rdx
	mov	%dx, 6(%rdi)
	shr	$16, %rdx
	mov	%edx, 8(%rdi)
	movl	$0, 12(%rdi)
	ret

/* puts: the NUL-terminated string at %rsi to COM1. */
puts:
	movb	(%rsi), %bl
	testb	%bl, %bl
	jz	3f
	mov	$0x3fd, %dx
4:	inb	%dx, %al
	testb	$0x20, %al
	jz	4b
	mov	$0x3f8, %dx
	movb	%bl, %al
	outb	%al, %dx
	inc	%rsi
	jmp	puts
3:	ret

	.align	8
idtr:
	.word	256 * 16 - 1
	.quad	IDT
ticks:
	.long	0
ok_msg:
	.asciz	"minikvm-run flat guest: 10 timer interrupts\n"
bad_msg:
	.asciz	"minikvm-run flat guest: unexpected interrupt\n"
