// SPDX-License-Identifier: GPL-2.0
/*
 * Intercepted control register accesses (shadow paging).
 *
 * With nested paging the guest owns CR0, CR3 and CR4.  With the shadow MMU
 * the CPU runs on minikvm's tables, so every read and write of them exits:
 * the guest's own values live in vcpu->cr0/cr3/cr4, the backend derives
 * what the CPU runs with (set_efer recomputes it) and the MMU follows the
 * guest's paging state (minikvm_mmu_shadow_set_paging()).
 *
 * The CPU does not say which register operand the instruction used (no
 * decode assists, e.g. QEMU's TCG), so the instruction is decoded here:
 * MOV to/from CR0/CR3/CR4 (0F 22, 0F 20), CLTS (0F 06), and the register
 * forms of LMSW and SMSW (0F 01 /6, /4).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/processor-flags.h>

#include "x86.h"

#define CR_INSN_MAX	15

/* What one intercepted instruction does. */
struct cr_insn {
	int len;
	int cr;		/* 0, 3 or 4 (LMSW/SMSW/CLTS: 0) */
	int gpr;	/* the register operand */
	enum { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW, CR_SMSW } kind;
};

static int decode_cr_insn(struct minikvm_vcpu *vcpu, const u8 *b, int avail,
			  struct cr_insn *in)
{
	bool lm = minikvm_is_64_bit_mode(vcpu);
	u8 rex = 0, modrm;
	int i = 0;

	while (i < avail && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf0 ||
			     b[i] == 0x2e || b[i] == 0x3e || b[i] == 0x26 ||
			     b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65))
		i++;
	if (lm && i < avail && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 2 > avail || b[i] != 0x0f)
		return -EOPNOTSUPP;
	if (b[i + 1] == 0x06) {
		in->kind = CR_CLTS;
		in->cr = 0;
		in->len = i + 2;
		return 0;
	}
	if (i + 3 > avail)
		return -EOPNOTSUPP;
	modrm = b[i + 2];
	in->len = i + 3;
	/* MOV CR ignores ModRM.mod: it is always a register operand. */
	in->gpr = (modrm & 7) | ((rex & 1) << 3);
	switch (b[i + 1]) {
	case 0x20:
	case 0x22:
		in->kind = b[i + 1] == 0x22 ? CR_MOV_TO : CR_MOV_FROM;
		in->cr = (modrm >> 3) & 7;
		return (rex & 4) ? -EOPNOTSUPP : 0;	/* CR8 and up */
	case 0x01:
		if ((modrm >> 6) != 3)
			return -EOPNOTSUPP;	/* memory operand */
		in->cr = 0;
		if (((modrm >> 3) & 7) == 6)
			in->kind = CR_LMSW;
		else if (((modrm >> 3) & 7) == 4)
			in->kind = CR_SMSW;
		else
			return -EOPNOTSUPP;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* The guest paging state changed: tell the MMU and the backend. */
static int crs_changed(struct minikvm_vcpu *vcpu, u64 cr0, u64 cr3, u64 cr4,
		       u64 efer)
{
	int r = minikvm_mmu_shadow_set_paging(vcpu, cr0, cr3, cr4, efer);

	if (r)
		return r;
	vcpu->cr0 = cr0;
	vcpu->cr3 = cr3;
	vcpu->cr4 = cr4;
	vcpu->efer = efer;
	/* Shadow paging: the backend recomputes CR0/CR4/EFER for the CPU. */
	minikvm_x86_call(set_efer)(vcpu);
	return 0;
}

/* Return: 0, or 1 for #GP. */
static int set_cr0(struct minikvm_vcpu *vcpu, u64 cr0)
{
	u64 efer = vcpu->efer, old = vcpu->cr0;
	u64 changed;

	cr0 |= X86_CR0_ET;
	if ((cr0 >> 32) || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return 1;
	if ((cr0 & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(vcpu->cr4 & X86_CR4_PAE))
			return 1;
		efer |= EFER_LMA;
	}
	if (!(cr0 & X86_CR0_PG) && (old & X86_CR0_PG)) {
		if (minikvm_is_64_bit_mode(vcpu))
			return 1;
		efer &= ~EFER_LMA;
	}
	if (crs_changed(vcpu, cr0, vcpu->cr3, vcpu->cr4, efer))
		return 1;
	changed = old ^ cr0;
	if (changed & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE))
		set_bit(MINIKVM_REQ_TLB_FLUSH_GUEST, &vcpu->requests);
	return 0;
}

static int set_cr3(struct minikvm_vcpu *vcpu, u64 cr3)
{
	if (vcpu->efer & EFER_LMA) {
		cr3 &= ~BIT_ULL(63);	/* PCID "no flush": we flush anyway */
		if (cr3 & GENMASK_ULL(63, vcpu->cpuid.maxphyaddr))
			return 1;
	} else {
		cr3 = (u32)cr3;
	}
	if (crs_changed(vcpu, vcpu->cr0, cr3, vcpu->cr4, vcpu->efer))
		return 1;
	/* MOV to CR3 flushes the non-global translations. */
	set_bit(MINIKVM_REQ_TLB_FLUSH_GUEST, &vcpu->requests);
	return 0;
}

static int set_cr4(struct minikvm_vcpu *vcpu, u64 cr4)
{
	u64 changed = cr4 ^ vcpu->cr4;

	if (cr4 & vcpu->cpuid.cr4_reserved)
		return 1;
	if ((vcpu->efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
		return 1;
	if (crs_changed(vcpu, vcpu->cr0, vcpu->cr3, cr4, vcpu->efer))
		return 1;
	if (changed & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE | X86_CR4_SMEP |
		       X86_CR4_PCIDE))
		set_bit(MINIKVM_REQ_TLB_FLUSH_GUEST, &vcpu->requests);
	return 0;
}

static u64 gpr_read(struct minikvm_vcpu *vcpu, int gpr)
{
	u64 val = vcpu->regs[gpr];

	return minikvm_is_64_bit_mode(vcpu) ? val : (u32)val;
}

static void gpr_write(struct minikvm_vcpu *vcpu, int gpr, u64 val)
{
	vcpu->regs[gpr] = minikvm_is_64_bit_mode(vcpu) ? val : (u32)val;
}

/* Return: 0, or 1 for #GP. */
static int do_cr_insn(struct minikvm_vcpu *vcpu, const struct cr_insn *in)
{
	u64 val;

	switch (in->kind) {
	case CR_MOV_FROM:
		val = in->cr == 0 ? vcpu->cr0 : in->cr == 3 ? vcpu->cr3 : vcpu->cr4;
		gpr_write(vcpu, in->gpr, val);
		return 0;
	case CR_SMSW:
		vcpu->regs[in->gpr] = (vcpu->regs[in->gpr] & ~0xffffULL) |
				      (vcpu->cr0 & 0xffff);
		return 0;
	case CR_CLTS:
		return set_cr0(vcpu, vcpu->cr0 & ~X86_CR0_TS);
	case CR_LMSW:
		/* Sets PE, MP, EM, TS from the operand; never clears PE. */
		val = vcpu->regs[in->gpr] & 0xf;
		return set_cr0(vcpu, (vcpu->cr0 & ~0xeULL) | val);
	default:
		val = gpr_read(vcpu, in->gpr);
		if (in->cr == 0)
			return set_cr0(vcpu, val);
		if (in->cr == 3)
			return set_cr3(vcpu, val);
		return set_cr4(vcpu, val);
	}
}

/**
 * minikvm_emulate_cr_access - an intercepted CR0/CR3/CR4 access.
 * @vcpu: the vCPU (shadow paging), RIP at the instruction.
 * @cr: the register the exit names.
 *
 * Return: MINIKVM_EXIT_RESUME (done, or #GP/#UD queued), or an internal
 * error exit for an instruction minikvm cannot decode.
 */
int minikvm_emulate_cr_access(struct minikvm_vcpu *vcpu, int cr)
{
	struct cr_insn in = {};
	u8 bytes[CR_INSN_MAX];
	struct kvm_sregs s;
	u64 la;
	int n;

	minikvm_x86_call(get_sregs)(vcpu, &s);
	la = minikvm_is_64_bit_mode(vcpu) ? vcpu->rip : (u32)(s.cs.base + vcpu->rip);
	n = minikvm_mmu_shadow_fetch(vcpu, la, bytes, sizeof(bytes));
	if (decode_cr_insn(vcpu, bytes, n, &in) || in.cr != cr)
		return minikvm_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
						   vcpu->rip, cr);
	if (in.cr != 0 && in.cr != 3 && in.cr != 4) {
		minikvm_inject_ud(vcpu);
		return MINIKVM_EXIT_RESUME;
	}
	if (minikvm_is_protmode(vcpu) && minikvm_x86_call(get_cpl)(vcpu)) {
		minikvm_inject_gp(vcpu);
		return MINIKVM_EXIT_RESUME;
	}
	if (do_cr_insn(vcpu, &in)) {
		minikvm_inject_gp(vcpu);
		return MINIKVM_EXIT_RESUME;
	}
	vcpu->rip += in.len;
	if (!minikvm_is_64_bit_mode(vcpu))
		vcpu->rip = (u32)vcpu->rip;
	minikvm_x86_call(set_interrupt_shadow)(vcpu, 0);
	return MINIKVM_EXIT_RESUME;
}
