// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's CPUID: its table (KVM_SET_CPUID, KVM_SET_CPUID2, KVM_GET_CPUID2),
 * the facts derived from it (guest features, MAXPHYADDR, reserved CR4
 * bits, XCR0 bits), and the CPUID intercept.  What minikvm offers at all
 * is cpuid_supported.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/types.h>

#include "minikvm.h"
#include "x86.h"

enum cpuid_reg { R_EAX, R_EBX, R_ECX, R_EDX };

/* Where a guest feature lives in the CPUID table. */
struct cpuid_bit {
	u32 function;
	u8 index;
	u8 reg;
	u8 bit;
};

static const struct cpuid_bit guest_feature_bits[MINIKVM_GUEST_NR_FEATURES] = {
	[MINIKVM_GUEST_LM]		= { 0x80000001, 0, R_EDX, 29 },
	[MINIKVM_GUEST_NX]		= { 0x80000001, 0, R_EDX, 20 },
	[MINIKVM_GUEST_FXSR_OPT]	= { 0x80000001, 0, R_EDX, 25 },
	[MINIKVM_GUEST_SVM]		= { 0x80000001, 0, R_ECX, 2 },
	[MINIKVM_GUEST_XSAVE]		= { 1, 0, R_ECX, 26 },
	[MINIKVM_GUEST_XSAVES]		= { 0xd, 1, R_EAX, 3 },
	[MINIKVM_GUEST_RDTSCP]		= { 0x80000001, 0, R_EDX, 27 },
	[MINIKVM_GUEST_RDPID]		= { 7, 0, R_ECX, 22 },
	[MINIKVM_GUEST_TSC_ADJUST]	= { 7, 0, R_EBX, 1 },
	[MINIKVM_GUEST_SSE3]		= { 1, 0, R_ECX, 0 },
	[MINIKVM_GUEST_SMEP]		= { 7, 0, R_EBX, 7 },
	[MINIKVM_GUEST_SMAP]		= { 7, 0, R_EBX, 20 },
	[MINIKVM_GUEST_FSGSBASE]	= { 7, 0, R_EBX, 0 },
	[MINIKVM_GUEST_PKU]		= { 7, 0, R_ECX, 3 },
	[MINIKVM_GUEST_LA57]		= { 7, 0, R_ECX, 16 },
	[MINIKVM_GUEST_UMIP]		= { 7, 0, R_ECX, 2 },
	[MINIKVM_GUEST_VMX]		= { 1, 0, R_ECX, 5 },
	[MINIKVM_GUEST_PCID]		= { 1, 0, R_ECX, 17 },
	[MINIKVM_GUEST_X2APIC]		= { 1, 0, R_ECX, 21 },
	[MINIKVM_GUEST_TSC_DEADLINE]	= { 1, 0, R_ECX, 24 },
};

/* CR4 bits that exist only with a CPUID feature. */
static const struct {
	u64 cr4;
	enum minikvm_guest_feature feature;
} cr4_feature_bits[] = {
	{ X86_CR4_OSXSAVE,	MINIKVM_GUEST_XSAVE },
	{ X86_CR4_SMEP,		MINIKVM_GUEST_SMEP },
	{ X86_CR4_SMAP,		MINIKVM_GUEST_SMAP },
	{ X86_CR4_FSGSBASE,	MINIKVM_GUEST_FSGSBASE },
	{ X86_CR4_PKE,		MINIKVM_GUEST_PKU },
	{ X86_CR4_LA57,		MINIKVM_GUEST_LA57 },
	{ X86_CR4_UMIP,		MINIKVM_GUEST_UMIP },
	{ X86_CR4_VMXE,		MINIKVM_GUEST_VMX },
	{ X86_CR4_PCIDE,	MINIKVM_GUEST_PCID },
};

/* The CR4 bits of the base architecture, always allowed. */
#define CR4_BASE_BITS (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
		       X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
		       X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

/* ------------------------------------------------------------------ */
/* Table lookup                                                        */

static u32 *entry_reg(struct kvm_cpuid_entry2 *e, enum cpuid_reg reg)
{
	switch (reg) {
	case R_EAX:	return &e->eax;
	case R_EBX:	return &e->ebx;
	case R_ECX:	return &e->ecx;
	default:	return &e->edx;
	}
}

/*
 * The entry CPUID(@function, @index) reads: the first one for @function
 * whose index matches or is not significant (KVM's rule; duplicate entries
 * are userspace's problem).
 */
struct kvm_cpuid_entry2 *minikvm_cpuid_find(struct kvm_cpuid_entry2 *entries,
					    int nent, u32 function, u32 index)
{
	int i;

	for (i = 0; i < nent; i++) {
		struct kvm_cpuid_entry2 *e = &entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e->index == index)
			return e;
	}
	return NULL;
}

static bool table_has(struct kvm_cpuid_entry2 *entries, int nent,
		      const struct cpuid_bit *b)
{
	struct kvm_cpuid_entry2 *e = minikvm_cpuid_find(entries, nent, b->function,
						b->index);

	return e && (*entry_reg(e, b->reg) & BIT(b->bit));
}

/* The MINIKVM_GUEST_* features of a table, as a bitmap. */
void minikvm_cpuid_features(struct kvm_cpuid_entry2 *entries, int nent,
			    unsigned long *features)
{
	int f;

	bitmap_zero(features, MINIKVM_GUEST_NR_FEATURES);
	for (f = 0; f < MINIKVM_GUEST_NR_FEATURES; f++)
		if (table_has(entries, nent, &guest_feature_bits[f]))
			__set_bit(f, features);
}

/* ------------------------------------------------------------------ */
/* A vCPU's table                                                      */

static bool is_amd_vendor(const struct kvm_cpuid_entry2 *e)
{
	/* "AuthenticAMD" and "HygonGenuine" in EBX, EDX, ECX order. */
	return (e->ebx == 0x68747541 && e->edx == 0x69746e65 &&
		e->ecx == 0x444d4163) ||
	       (e->ebx == 0x6f677948 && e->edx == 0x6e65476e &&
		e->ecx == 0x656e6975);
}

static u8 table_maxphyaddr(struct kvm_cpuid_entry2 *entries, int nent)
{
	struct kvm_cpuid_entry2 *e = minikvm_cpuid_find(entries, nent, 0x80000000, 0);

	if (!e || e->eax < 0x80000008)
		return 36;
	e = minikvm_cpuid_find(entries, nent, 0x80000008, 0);
	return e ? e->eax & 0xff : 36;
}

static u64 table_xcr0(struct kvm_cpuid_entry2 *entries, int nent)
{
	struct kvm_cpuid_entry2 *e = minikvm_cpuid_find(entries, nent, 0xd, 0);

	if (!e)
		return 0;
	return (e->eax | (u64)e->edx << 32) & minikvm_supported_xcr0;
}

/* Recompute everything derived from the table. */
static void cpuid_after_set(struct minikvm_vcpu *vcpu)
{
	struct minikvm_cpuid *c = &vcpu->cpuid;
	struct kvm_cpuid_entry2 *e0 = minikvm_cpuid_find(c->entries, c->nent, 0, 0);
	int i;

	minikvm_cpuid_features(c->entries, c->nent, c->features);
	c->maxphyaddr = table_maxphyaddr(c->entries, c->nent);
	c->amd_compatible = e0 && is_amd_vendor(e0);
	c->supported_xcr0 = table_xcr0(c->entries, c->nent);

	c->cr4_reserved = ~(u64)CR4_BASE_BITS;
	for (i = 0; i < ARRAY_SIZE(cr4_feature_bits); i++) {
		enum minikvm_guest_feature f = cr4_feature_bits[i].feature;

		if (test_bit(f, c->features) && minikvm_cpuid_supported(f))
			c->cr4_reserved &= ~cr4_feature_bits[i].cr4;
	}
	minikvm_x86_call(vcpu_after_set_cpuid)(vcpu);
}

/* An empty table: what a vCPU has before KVM_SET_CPUID2. */
void minikvm_vcpu_cpuid_init(struct minikvm_vcpu *vcpu)
{
	vcpu->cpuid.entries = NULL;
	vcpu->cpuid.nent = 0;
	cpuid_after_set(vcpu);
}

void minikvm_vcpu_cpuid_free(struct minikvm_vcpu *vcpu)
{
	kvfree(vcpu->cpuid.entries);
	vcpu->cpuid.entries = NULL;
}

static void set_bit_if(u32 *reg, u32 bit, bool on)
{
	if (on)
		*reg |= bit;
	else
		*reg &= ~bit;
}

/*
 * The bits KVM keeps in step with vCPU state, for a table about to be read:
 * OSXSAVE follows CR4, APIC follows the APIC base enable bit, and leaf 0xd
 * reports the XSAVE size of the current XCR0.  minikvm does not intercept
 * CR4 writes, so it applies them when the table is read instead of when
 * the state changes; the result is the same.
 */
static void cpuid_apply_runtime(struct minikvm_vcpu *vcpu,
				struct kvm_cpuid_entry2 *entries, int nent)
{
	struct kvm_cpuid_entry2 *e;

	e = minikvm_cpuid_find(entries, nent, 1, 0);
	if (e) {
		if (boot_cpu_has(X86_FEATURE_XSAVE))
			set_bit_if(&e->ecx, MINIKVM_CPUID_1_ECX_OSXSAVE,
				   minikvm_x86_call(get_cr4)(vcpu) & X86_CR4_OSXSAVE);
		set_bit_if(&e->edx, MINIKVM_CPUID_1_EDX_APIC,
			   vcpu->apic_base & MSR_IA32_APICBASE_ENABLE);
	}
	e = minikvm_cpuid_find(entries, nent, 0xd, 0);
	if (e)
		e->ebx = minikvm_xstate_size(vcpu->xcr0, false);
	e = minikvm_cpuid_find(entries, nent, 0xd, 1);
	if (e && (e->eax & (MINIKVM_CPUID_D1_EAX_XSAVEC | MINIKVM_CPUID_D1_EAX_XSAVES)))
		e->ebx = minikvm_xstate_size(vcpu->xcr0, true);
}

static bool tables_equal(struct minikvm_vcpu *vcpu,
			 struct kvm_cpuid_entry2 *new, int nent)
{
	struct minikvm_cpuid *c = &vcpu->cpuid;
	bool equal;
	int i;

	if (nent != c->nent)
		return false;
	cpuid_apply_runtime(vcpu, c->entries, c->nent);
	equal = true;
	for (i = 0; i < nent && equal; i++) {
		struct kvm_cpuid_entry2 *a = &new[i], *b = &c->entries[i];

		equal = a->function == b->function && a->index == b->index &&
			a->flags == b->flags && a->eax == b->eax &&
			a->ebx == b->ebx && a->ecx == b->ecx && a->edx == b->edx;
	}
	return equal;
}

/* Virtual address width the canonical checks can handle. */
static bool is_valid_table(struct kvm_cpuid_entry2 *entries, int nent)
{
	struct kvm_cpuid_entry2 *e = minikvm_cpuid_find(entries, nent, 0x80000008, 0);
	u32 vaddr_bits = e ? (e->eax >> 8) & 0xff : 0;

	return vaddr_bits == 0 || vaddr_bits == 48 || vaddr_bits == 57;
}

/*
 * Install @entries (ownership passes on success).  After the first KVM_RUN
 * only an identical table is accepted, as in KVM.
 */
static int cpuid_set(struct minikvm_vcpu *vcpu,
		     struct kvm_cpuid_entry2 *entries, int nent)
{
	lockdep_assert_held(&vcpu->mutex);

	cpuid_apply_runtime(vcpu, entries, nent);
	if (vcpu->has_run) {
		if (!tables_equal(vcpu, entries, nent))
			return -EINVAL;
		kvfree(entries);
		return 0;
	}
	if (!is_valid_table(entries, nent))
		return -EINVAL;

	kvfree(vcpu->cpuid.entries);
	vcpu->cpuid.entries = entries;
	vcpu->cpuid.nent = nent;
	cpuid_after_set(vcpu);
	return 0;
}

/**
 * minikvm_vcpu_ioctl_set_cpuid2 - KVM_SET_CPUID2.
 * @vcpu: the vCPU; its mutex is held.
 * @argp: struct kvm_cpuid2 followed by nent entries.
 *
 * Return: 0; -E2BIG above 256 entries; -EINVAL for an impossible virtual
 * address width or a different table after KVM_RUN; -EFAULT; -ENOMEM.
 */
int minikvm_vcpu_ioctl_set_cpuid2(struct minikvm_vcpu *vcpu,
				  struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid_entry2 *entries = NULL;
	struct kvm_cpuid2 cpuid;
	int r;

	if (copy_from_user(&cpuid, argp, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent > MINIKVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (cpuid.nent) {
		entries = vmemdup_user(argp->entries,
				       array_size(cpuid.nent, sizeof(*entries)));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	r = cpuid_set(vcpu, entries, cpuid.nent);
	if (r)
		kvfree(entries);
	return r;
}

/**
 * minikvm_vcpu_ioctl_set_cpuid - KVM_SET_CPUID, the pre-CPUID2 format.
 * @vcpu: the vCPU; its mutex is held.
 * @argp: struct kvm_cpuid followed by nent entries without index/flags.
 *
 * Return: as minikvm_vcpu_ioctl_set_cpuid2().
 */
int minikvm_vcpu_ioctl_set_cpuid(struct minikvm_vcpu *vcpu,
				 struct kvm_cpuid __user *argp)
{
	struct kvm_cpuid_entry2 *entries = NULL;
	struct kvm_cpuid_entry *old = NULL;
	struct kvm_cpuid cpuid;
	int i, r;

	if (copy_from_user(&cpuid, argp, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent > MINIKVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (cpuid.nent) {
		old = vmemdup_user(argp->entries,
				   array_size(cpuid.nent, sizeof(*old)));
		if (IS_ERR(old))
			return PTR_ERR(old);
		entries = kvcalloc(cpuid.nent, sizeof(*entries),
				   GFP_KERNEL_ACCOUNT);
		if (!entries) {
			kvfree(old);
			return -ENOMEM;
		}
	}
	for (i = 0; i < cpuid.nent; i++) {
		entries[i].function = old[i].function;
		entries[i].eax = old[i].eax;
		entries[i].ebx = old[i].ebx;
		entries[i].ecx = old[i].ecx;
		entries[i].edx = old[i].edx;
	}
	kvfree(old);
	r = cpuid_set(vcpu, entries, cpuid.nent);
	if (r)
		kvfree(entries);
	return r;
}

/**
 * minikvm_vcpu_ioctl_get_cpuid2 - KVM_GET_CPUID2.
 * @vcpu: the vCPU; its mutex is held.
 * @argp: struct kvm_cpuid2 with room for nent entries.
 *
 * Return: 0 with nent set; -E2BIG when nent is too small; -EFAULT.
 */
int minikvm_vcpu_ioctl_get_cpuid2(struct minikvm_vcpu *vcpu,
				  struct kvm_cpuid2 __user *argp)
{
	struct minikvm_cpuid *c = &vcpu->cpuid;
	struct kvm_cpuid2 cpuid;

	lockdep_assert_held(&vcpu->mutex);

	if (copy_from_user(&cpuid, argp, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent < c->nent)
		return -E2BIG;
	cpuid_apply_runtime(vcpu, c->entries, c->nent);
	if (copy_to_user(argp->entries, c->entries,
			 c->nent * sizeof(c->entries[0])))
		return -EFAULT;
	cpuid.nent = c->nent;
	return copy_to_user(argp, &cpuid, sizeof(cpuid)) ? -EFAULT : 0;
}

/* CPUID.1:EAX, the value of EDX after RESET; 0x600 without the leaf. */
u32 minikvm_cpuid_signature(struct minikvm_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = minikvm_cpuid_find(vcpu->cpuid.entries,
						vcpu->cpuid.nent, 1, 0);

	return e ? e->eax : 0x600;
}

/* ------------------------------------------------------------------ */
/* The CPUID instruction                                               */

/*
 * An Intel-like guest reads the highest basic leaf for a leaf beyond the
 * range its class (basic, hypervisor, extended) reports; an AMD-like guest
 * reads zeros.  *@function becomes the leaf actually read.
 * Return: the entry to use, or NULL for zeros.
 */
static struct kvm_cpuid_entry2 *out_of_range_entry(struct minikvm_cpuid *c,
						   u32 *function, u32 index)
{
	struct kvm_cpuid_entry2 *basic, *class;
	u32 fn = *function;

	basic = minikvm_cpuid_find(c->entries, c->nent, 0, 0);
	if (!basic || c->amd_compatible)
		return NULL;
	if (fn >= 0x40000000 && fn <= 0x4fffffff)
		class = minikvm_cpuid_find(c->entries, c->nent, fn & 0xffffff00, 0);
	else if (fn >= 0xc0000000)
		class = minikvm_cpuid_find(c->entries, c->nent, 0xc0000000, 0);
	else
		class = minikvm_cpuid_find(c->entries, c->nent, fn & 0x80000000, 0);
	if (class && fn <= class->eax)
		return NULL;
	*function = basic->eax;
	return minikvm_cpuid_find(c->entries, c->nent, basic->eax, index);
}

/*
 * The topology leaves 0xb and 0x1f echo the subleaf in ECX and report the
 * x2APIC id in EDX even for subleaves the table lacks.
 */
static void topology_fill(struct minikvm_cpuid *c, u32 function, u32 index,
			  u32 *regs)
{
	struct kvm_cpuid_entry2 *e;

	if (function != 0xb && function != 0x1f)
		return;
	e = minikvm_cpuid_find(c->entries, c->nent, function, 1);
	if (e) {
		regs[R_ECX] = index & 0xff;
		regs[R_EDX] = e->edx;
	}
}

/**
 * minikvm_emulate_cpuid - the CPUID intercept: answer from the vCPU's table.
 * @vcpu: the vCPU.
 *
 * Return: the result of skipping the instruction (MINIKVM_EXIT_RESUME).
 */
int minikvm_emulate_cpuid(struct minikvm_vcpu *vcpu)
{
	struct minikvm_cpuid *c = &vcpu->cpuid;
	u32 function = vcpu->regs[MINIKVM_REG_RAX];
	u32 index = vcpu->regs[MINIKVM_REG_RCX];
	struct kvm_cpuid_entry2 *e;
	u32 regs[4] = { 0 };

	cpuid_apply_runtime(vcpu, c->entries, c->nent);
	e = minikvm_cpuid_find(c->entries, c->nent, function, index);
	if (!e)
		e = out_of_range_entry(c, &function, index);
	if (e) {
		regs[R_EAX] = e->eax;
		regs[R_EBX] = e->ebx;
		regs[R_ECX] = e->ecx;
		regs[R_EDX] = e->edx;
	} else {
		topology_fill(c, function, index, regs);
	}
	vcpu->regs[MINIKVM_REG_RAX] = regs[R_EAX];
	vcpu->regs[MINIKVM_REG_RBX] = regs[R_EBX];
	vcpu->regs[MINIKVM_REG_RCX] = regs[R_ECX];
	vcpu->regs[MINIKVM_REG_RDX] = regs[R_EDX];
	return minikvm_skip_emulated_instruction(vcpu);
}
