// SPDX-License-Identifier: GPL-2.0
/*
 * What minikvm supports of CPUID (KVM_GET_SUPPORTED_CPUID), computed once
 * from the host's CPUID at module load, and the XSAVE layout behind it.
 *
 * The table is truthful: it lists only features that run natively in the
 * guest with nothing left for minikvm to emulate, or that minikvm
 * emulates (the local APIC and x2APIC).  No MTRRs, machine-check banks, PMU, protection
 * keys, speculation-control MSRs or nested SVM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>

#include "minikvm.h"

/*
 * The features passed through when the host has them, per register.
 * Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, FMA, CX16, PCID, SSE4.1, SSE4.2,
 * MOVBE, POPCNT, AES, XSAVE, AVX, F16C, RDRAND.
 */
#define LEAF1_ECX	(BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | \
			 BIT(17) | BIT(19) | BIT(20) | BIT(22) | BIT(23) | \
			 BIT(25) | BIT(26) | BIT(28) | BIT(29) | BIT(30))
/* The local APIC and x2APIC, emulated by the in-kernel irqchip. */
#define LEAF1_ECX_X2APIC	BIT(21)
#define LEAF1_EDX_APIC		BIT(9)
#define LEAF1_ECX_XSAVE		BIT(26)
#define LEAF1_ECX_AVX		BIT(28)
#define LEAF1_ECX_HYPERVISOR	BIT(31)
/*
 * Leaf 1 EDX: FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, SEP, PGE, CMOV, PAT,
 * PSE36, CLFLUSH, MMX, FXSR, SSE, SSE2.
 */
#define LEAF1_EDX	(GENMASK(6, 0) | BIT(8) | BIT(11) | BIT(13) | \
			 BIT(15) | BIT(16) | BIT(17) | BIT(19) | BIT(23) | \
			 BIT(24) | BIT(25) | BIT(26))
/*
 * Leaf 7 EBX (and TSC_ADJUST, emulated): FSGSBASE, BMI1, AVX2, FDP_EXCPTN_ONLY, SMEP, BMI2, ERMS,
 * INVPCID, ZERO_FCS_FDS, AVX512F, AVX512DQ, RDSEED, ADX, SMAP, AVX512IFMA,
 * CLFLUSHOPT, CLWB, AVX512CD, SHA, AVX512BW, AVX512VL.
 */
#define LEAF7_EBX	(BIT(0) | BIT(3) | BIT(5) | BIT(6) | BIT(7) | \
			 BIT(8) | BIT(9) | BIT(10) | BIT(13) | BIT(16) | \
			 BIT(17) | BIT(18) | BIT(19) | BIT(20) | BIT(21) | \
			 BIT(23) | BIT(24) | BIT(28) | BIT(29) | BIT(30) | \
			 BIT(31))
#define LEAF7_EBX_TSC_ADJUST	BIT(1)
#define LEAF7_EBX_AVX512	(BIT(16) | BIT(17) | BIT(21) | BIT(28) | \
				 BIT(30) | BIT(31))
/*
 * Leaf 7 ECX: AVX512_VBMI, UMIP, AVX512_VBMI2, GFNI, VAES, VPCLMULQDQ,
 * AVX512_VNNI, AVX512_BITALG, AVX512_VPOPCNTDQ, RDPID (TSC_AUX is the
 * guest's while it runs), MOVDIRI, MOVDIR64B.
 */
#define LEAF7_ECX	(BIT(1) | BIT(2) | BIT(6) | BIT(8) | BIT(9) | \
			 BIT(10) | BIT(11) | BIT(12) | BIT(14) | BIT(22) | \
			 BIT(27) | BIT(28))
#define LEAF7_ECX_AVX512	(BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
/* Leaf 7 EDX: FSRM, SERIALIZE. */
#define LEAF7_EDX	(BIT(4) | BIT(14))
/* Leaf 0xd.1 EAX: XSAVEOPT, XSAVEC, XGETBV1 (no XSAVES: no IA32_XSS). */
#define LEAFD1_EAX	(BIT(0) | BIT(1) | BIT(2))
/*
 * Leaf 0x80000001 ECX: LAHF_LM, CMP_LEGACY, ABM, SSE4A, MISALIGNSSE,
 * 3DNOWPREFETCH, XOP, FMA4, TBM.
 */
#define LEAF81_ECX	(BIT(0) | BIT(1) | BIT(5) | BIT(6) | BIT(7) | \
			 BIT(8) | BIT(11) | BIT(16) | BIT(21))
/*
 * Leaf 0x80000001 EDX: the leaf 1 EDX mirrors, SYSCALL, NX, MMXEXT,
 * FXSR_OPT, GBPAGES, RDTSCP, LM, 3DNOWEXT, 3DNOW.
 */
#define LEAF81_EDX	(GENMASK(6, 0) | BIT(8) | BIT(11) | BIT(13) | \
			 BIT(15) | BIT(16) | BIT(17) | BIT(20) | BIT(22) | \
			 BIT(23) | BIT(24) | BIT(25) | BIT(26) | BIT(27) | \
			 BIT(29) | BIT(30) | BIT(31))
/* Leaf 0x80000007 EDX: invariant TSC (the guest TSC is the host's + offset). */
#define LEAF87_EDX	BIT(8)
/* Leaf 0x80000008 EBX: CLZERO, XSAVEERPTR, WBNOINVD. */
#define LEAF88_EBX	(BIT(0) | BIT(2) | BIT(9))

#define MAX_BASIC_LEAF		0xd
#define MAX_EXTENDED_LEAF	0x80000008
/* Room for every leaf below plus one subleaf per XSAVE component. */
#define MAX_SUPPORTED_ENTRIES	48

/* XCR0 bits minikvm can give a guest: x87, SSE, AVX and AVX-512 state. */
#define MINIKVM_XCR0_CANDIDATES	(XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM | \
				 XFEATURE_MASK_AVX512)

u64 minikvm_supported_xcr0 __read_mostly;

/* Written once at module load, read-only afterwards. */
static struct kvm_cpuid_entry2 supported_cpuid[MAX_SUPPORTED_ENTRIES];
static int supported_nent;
static DECLARE_BITMAP(supported_features, MINIKVM_GUEST_NR_FEATURES);

/* Size and offset of each XSAVE component, from the host CPUID. */
static struct {
	u32 size;
	u32 offset;
	bool align64;
} xstate_layout[XFEATURE_MAX];

/* ------------------------------------------------------------------ */
/* XSAVE sizes                                                         */

static void xstate_layout_init(void)
{
	u32 eax, ebx, ecx, edx;
	int i;

	for (i = XFEATURE_YMM; i < XFEATURE_MAX; i++) {
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		xstate_layout[i].size = eax;
		xstate_layout[i].offset = ebx;
		xstate_layout[i].align64 = ecx & BIT(1);
	}
}

/**
 * minikvm_xstate_size - bytes of an XSAVE area holding the @xcr0 features.
 * @xcr0: the enabled features.
 * @compacted: XSAVEC layout instead of the standard one.
 *
 * Return: at least the legacy area plus the header (576 bytes).
 */
u32 minikvm_xstate_size(u64 xcr0, bool compacted)
{
	u32 size = 512 + 64;
	int i;

	for (i = XFEATURE_YMM; i < XFEATURE_MAX; i++) {
		u32 offset;

		if (!(xcr0 & BIT_ULL(i)))
			continue;
		if (compacted)
			offset = xstate_layout[i].align64 ? ALIGN(size, 64) : size;
		else
			offset = xstate_layout[i].offset;
		size = max(size, offset + xstate_layout[i].size);
	}
	return size;
}

/* ------------------------------------------------------------------ */
/* The supported table                                                 */

static struct kvm_cpuid_entry2 *add_leaf(u32 function, u32 index, bool indexed)
{
	struct kvm_cpuid_entry2 *e;

	if (WARN_ON_ONCE(supported_nent >= MAX_SUPPORTED_ENTRIES))
		return NULL;
	e = &supported_cpuid[supported_nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	if (indexed)
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	return e;
}

static void add_leaf1(void)
{
	struct kvm_cpuid_entry2 *e = add_leaf(1, 0, false);
	u32 ecx = LEAF1_ECX;

	if (!minikvm_supported_xcr0)
		ecx &= ~LEAF1_ECX_XSAVE;
	if (!(minikvm_supported_xcr0 & XFEATURE_MASK_YMM))
		ecx &= ~(LEAF1_ECX_AVX | BIT(12) | BIT(29));	/* FMA, F16C */
	/* Keep brand index and CLFLUSH size; no APIC id, no HTT count. */
	e->ebx &= GENMASK(15, 0);
	e->ecx = (e->ecx & ecx) | LEAF1_ECX_HYPERVISOR | LEAF1_ECX_X2APIC;
	e->edx = (e->edx & LEAF1_EDX) | LEAF1_EDX_APIC;
}

static void add_leaf7(void)
{
	struct kvm_cpuid_entry2 *e = add_leaf(7, 0, true);

	e->eax = 0;
	/*
	 * TSC_ADJUST is emulated whatever the host has (msr.c, tsc.c: guest
	 * writes move the TSC offset, IA32_TSC writes move it), as in KVM.
	 */
	e->ebx = (e->ebx & LEAF7_EBX) | LEAF7_EBX_TSC_ADJUST;
	e->ecx &= LEAF7_ECX;
	e->edx &= LEAF7_EDX;
	if (!(minikvm_supported_xcr0 & XFEATURE_MASK_YMM))
		e->ebx &= ~BIT(5);				/* AVX2 */
	if ((minikvm_supported_xcr0 & XFEATURE_MASK_AVX512) !=
	    XFEATURE_MASK_AVX512) {
		e->ebx &= ~LEAF7_EBX_AVX512;
		e->ecx &= ~LEAF7_ECX_AVX512;
	}
}

static void add_leafd(void)
{
	u64 xcr0 = minikvm_supported_xcr0;
	struct kvm_cpuid_entry2 *e;
	int i;

	e = add_leaf(0xd, 0, true);
	e->eax &= lower_32_bits(xcr0);
	e->edx &= upper_32_bits(xcr0);
	e->ebx = minikvm_xstate_size(xcr0, false);
	e->ecx = e->ebx;

	e = add_leaf(0xd, 1, true);
	e->eax &= LEAFD1_EAX;
	e->ebx = e->eax & MINIKVM_CPUID_D1_EAX_XSAVEC ? minikvm_xstate_size(xcr0, true) : 0;
	e->ecx = 0;
	e->edx = 0;

	for (i = XFEATURE_YMM; i < XFEATURE_MAX; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		e = add_leaf(0xd, i, true);
		/* User state, not subject to XFD. */
		e->ecx &= ~(BIT(0) | BIT(2));
		e->edx = 0;
	}
}

static void add_kvm_leaves(void)
{
	const u32 *sig = (const u32 *)"KVMKVMKVM\0\0\0";
	struct kvm_cpuid_entry2 *e;

	e = add_leaf(KVM_CPUID_SIGNATURE, 0, false);
	e->eax = KVM_CPUID_FEATURES;
	e->ebx = sig[0];
	e->ecx = sig[1];
	e->edx = sig[2];

	/* The guest need not delay port I/O; no other PV feature exists. */
	e = add_leaf(KVM_CPUID_FEATURES, 0, false);
	e->eax = BIT(KVM_FEATURE_NOP_IO_DELAY);
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;
}

static void add_extended_leaves(u32 max)
{
	struct kvm_cpuid_entry2 *e;
	u32 fn;

	e = add_leaf(0x80000000, 0, false);
	e->eax = max;
	for (fn = 0x80000001; fn <= max; fn++) {
		e = add_leaf(fn, 0, false);
		switch (fn) {
		case 0x80000001:
			e->ebx &= ~GENMASK(27, 16);
			e->ecx &= LEAF81_ECX;
			e->edx &= LEAF81_EDX;
			break;
		case 0x80000006:
			e->edx &= ~GENMASK(17, 16);
			break;
		case 0x80000007:
			e->eax = 0;
			e->ebx = 0;
			e->ecx = 0;
			e->edx &= LEAF87_EDX;
			break;
		case 0x80000008: {
			u32 phys = e->eax & 0xff;
			u32 virt = max_t(u32, (e->eax >> 8) & 0xff, 48);

			/* The nested page table has four levels: 48 bits. */
			e->eax = phys | virt << 8 | min_t(u32, phys, 48) << 16;
			e->ebx &= LEAF88_EBX;
			e->ecx = 0;
			e->edx = 0;
			break;
		}
		}
	}
}

static void build_supported_table(void)
{
	u32 max_basic = min_t(u32, cpuid_eax(0), MAX_BASIC_LEAF);
	u32 max_ext = min_t(u32, cpuid_eax(0x80000000), MAX_EXTENDED_LEAF);
	struct kvm_cpuid_entry2 *e;

	e = add_leaf(0, 0, false);
	e->eax = max_basic;
	add_leaf1();
	if (max_basic >= 7)
		add_leaf7();
	if (max_basic >= 0xd && minikvm_supported_xcr0)
		add_leafd();
	add_kvm_leaves();
	if (max_ext >= 0x80000001)
		add_extended_leaves(max_ext);

	minikvm_cpuid_features(supported_cpuid, supported_nent, supported_features);
}

/* Does minikvm offer @feature at all (host and minikvm permitting)? */
bool minikvm_cpuid_supported(enum minikvm_guest_feature feature)
{
	return test_bit(feature, supported_features);
}

/**
 * minikvm_cpuid_init - compute what minikvm supports from the host CPUID.
 *
 * Return: 0.
 */
int minikvm_cpuid_init(void)
{
	if (boot_cpu_has(X86_FEATURE_XSAVE) &&
	    boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		minikvm_supported_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK) &
					 MINIKVM_XCR0_CANDIDATES;
		xstate_layout_init();
	}
	build_supported_table();
	return 0;
}

/**
 * minikvm_dev_ioctl_get_supported_cpuid - KVM_GET_SUPPORTED_CPUID.
 * @argp: struct kvm_cpuid2 with room for nent entries.
 *
 * Return: 0 with nent set; -E2BIG when nent is too small (nent is then
 * left alone, as in KVM); -EFAULT.
 */
int minikvm_dev_ioctl_get_supported_cpuid(struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid2 cpuid;

	if (copy_from_user(&cpuid, argp, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent < supported_nent)
		return -E2BIG;
	if (copy_to_user(argp->entries, supported_cpuid,
			 supported_nent * sizeof(supported_cpuid[0])))
		return -EFAULT;
	cpuid.nent = supported_nent;
	return copy_to_user(argp, &cpuid, sizeof(cpuid)) ? -EFAULT : 0;
}

