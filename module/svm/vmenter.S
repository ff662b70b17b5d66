/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SVM world switch.
 *
 * void __minikvm_svm_vmrun(hpa_t vmcb_pa, u64 *regs, hpa_t host_save_pa)
 *
 * Called with GIF=0 (CLGI) and RFLAGS.IF=1, so that host interrupts and NMIs
 * arriving while the guest runs cause #VMEXIT(INTR/NMI) and are taken by the
 * host after the caller's STGI.  @regs holds the guest GPRs in x86 encoding
 * order (RAX and RSP live in the VMCB and are not touched here).
 *
 * VMRUN saves the host's RAX, RSP, RIP, RFLAGS, CR0/3/4, EFER, GDTR/IDTR and
 * CS/SS/DS/ES in the host save area (MSR_VM_HSAVE_PA) and #VMEXIT restores
 * them; everything else VMLOAD/VMSAVE handle (FS, GS, TR, LDTR with their
 * hidden state, KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*) is the
 * guest's after #VMEXIT until the VMLOAD of @host_save_pa below.  The caller
 * VMSAVEd the host's values there right before; in between no per-CPU data
 * may be touched, because GS.base is the guest's.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define REG(n)	((n) * 8)
#define R_RCX	REG(1)
#define R_RDX	REG(2)
#define R_RBX	REG(3)
#define R_RBP	REG(5)
#define R_RSI	REG(6)
#define R_RDI	REG(7)
#define R_R8	REG(8)
#define R_R9	REG(9)
#define R_R10	REG(10)
#define R_R11	REG(11)
#define R_R12	REG(12)
#define R_R13	REG(13)
#define R_R14	REG(14)
#define R_R15	REG(15)

	.section .noinstr.text, "ax"

SYM_FUNC_START(__minikvm_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx

	/* Kept on the stack across the guest run: host save area, @regs. */
	push	%rdx
	push	%rsi

	/* VMRUN takes the VMCB's physical address in RAX. */
	mov	%rdi, %rax

	/* Load the guest GPRs; RSI (the @regs pointer) goes last. */
	mov	R_RCX(%rsi), %rcx
	mov	R_RDX(%rsi), %rdx
	mov	R_RBX(%rsi), %rbx
	mov	R_RBP(%rsi), %rbp
	mov	R_RDI(%rsi), %rdi
	mov	R_R8(%rsi), %r8
	mov	R_R9(%rsi), %r9
	mov	R_R10(%rsi), %r10
	mov	R_R11(%rsi), %r11
	mov	R_R12(%rsi), %r12
	mov	R_R13(%rsi), %r13
	mov	R_R14(%rsi), %r14
	mov	R_R15(%rsi), %r15
	mov	R_RSI(%rsi), %rsi

	vmload	%rax
	vmrun	%rax
	vmsave	%rax

	/* RAX is the host's again (the VMCB address): free to use. */
	mov	(%rsp), %rax
	mov	%rcx, R_RCX(%rax)
	mov	%rdx, R_RDX(%rax)
	mov	%rbx, R_RBX(%rax)
	mov	%rbp, R_RBP(%rax)
	mov	%rsi, R_RSI(%rax)
	mov	%rdi, R_RDI(%rax)
	mov	%r8, R_R8(%rax)
	mov	%r9, R_R9(%rax)
	mov	%r10, R_R10(%rax)
	mov	%r11, R_R11(%rax)
	mov	%r12, R_R12(%rax)
	mov	%r13, R_R13(%rax)
	mov	%r14, R_R14(%rax)
	mov	%r15, R_R15(%rax)

	/* Back to the host's FS/GS/TR/LDTR and syscall MSRs. */
	pop	%rax
	pop	%rax
	vmload	%rax

	/*
	 * The guest may have trained the return stack buffer: overwrite it
	 * before the first RET of the host on CPUs that need it.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* Leave no guest value in a register the host might speculate on. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(__minikvm_svm_vmrun)
