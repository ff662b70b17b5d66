// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs: the accessors behind RDMSR/WRMSR and KVM_GET/SET_MSRS, with KVM's
 * rules for the MSRs minikvm knows; the index lists; and the guest's
 * RDMSR/WRMSR, which the MSR filter may deny and which may exit to
 * userspace (KVM_CAP_X86_USER_SPACE_MSR) instead of raising #GP.
 *
 * The backend keeps the MSRs that live in its state (the VMCB's syscall
 * and segment MSRs, PAT); this file keeps the others.  Host-initiated
 * accesses (KVM_GET/SET_MSRS) skip the checks that model the guest's CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>

#include "minikvm.h"
#include "regs.h"
#include "tsc.h"
#include "x86.h"

/* KVM's limit on the entries of one KVM_GET/SET_MSRS call. */
#define MAX_IO_MSRS	256

#define MISC_ENABLE_PMU_RO_MASK	(MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL)
/* HWCR bits a guest may set: McStatusWrEn (18) and TscFreqSel (24). */
#define HWCR_WRITABLE		(BIT_ULL(18) | BIT_ULL(24))
/* HWCR bits whose writes are dropped: TLB cache, flush filter, IGNNE. */
#define HWCR_IGNORED		(BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8))

/*
 * MSRs userspace saves and restores (KVM_GET_MSR_INDEX_LIST).  EFER, the
 * FS/GS bases and the APIC base travel with KVM_GET/SET_SREGS instead.
 */
static const u32 msrs_to_save_all[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_TSC_AUX, MSR_IA32_TSC_ADJUST,
	MSR_IA32_TSC_DEADLINE, MSR_IA32_MISC_ENABLE, MSR_K7_HWCR,
	MSR_IA32_UCODE_REV, MSR_IA32_POWER_CTL, MSR_PLATFORM_INFO,
};

/* MSRs describing the host CPU (KVM_GET_MSR_FEATURE_INDEX_LIST). */
static const u32 feature_msrs[] = {
	MSR_AMD64_DE_CFG, MSR_IA32_UCODE_REV,
};

static u32 msrs_to_save[ARRAY_SIZE(msrs_to_save_all)];
static unsigned int nr_msrs_to_save;

/* TSC_AUX exists if the host has RDTSCP (or RDPID) to read it. */
static bool host_has_tsc_aux(void)
{
	return boot_cpu_has(X86_FEATURE_RDTSCP) ||
	       boot_cpu_has(X86_FEATURE_RDPID);
}

/* AMD's DE_CFG as minikvm offers it: LFENCE serializing, if the host's is. */
static u64 supported_de_cfg(void)
{
	return boot_cpu_has(X86_FEATURE_LFENCE_RDTSC) ?
	       MSR_AMD64_DE_CFG_LFENCE_SERIALIZE : 0;
}

static bool is_canonical(u64 addr)
{
	return __is_canonical_address(addr, 48);
}

/* ------------------------------------------------------------------ */
/* Reads                                                               */

/* AMD MSRs KVM reads as zero; Linux guests probe some of them. */
static bool is_zero_msr(u32 index)
{
	switch (index) {
	case MSR_AMD64_SYSCFG:
	case MSR_K8_TSEG_ADDR:
	case MSR_K8_TSEG_MASK:
	case MSR_K8_INT_PENDING_MSG:
	case MSR_AMD64_NB_CFG:
	case MSR_FAM10H_MMIO_CONF_BASE:
	case MSR_AMD64_BU_CFG2:
	case MSR_AMD64_DC_CFG:
	case MSR_AMD64_TW_CFG:
	case MSR_F15H_EX_CFG:
	case MSR_K7_EVNTSEL0 ... MSR_K7_EVNTSEL3:
	case MSR_K7_PERFCTR0 ... MSR_K7_PERFCTR3:
	/* No LBR virtualization (as KVM without LBRV). */
	case MSR_IA32_DEBUGCTLMSR:
		return true;
	default:
		return false;
	}
}

/* The MSRs kept as plain values in the vCPU. */
static u64 *stored_msr(struct minikvm_vcpu *vcpu, u32 index)
{
	struct minikvm_vcpu_msrs *m = &vcpu->msrs;

	switch (index) {
	case MSR_EFER:			return &vcpu->efer;
	case MSR_IA32_APICBASE:		return &vcpu->apic_base;
	case MSR_IA32_TSC_ADJUST:	return &m->tsc_adjust;
	case MSR_IA32_MISC_ENABLE:	return &m->misc_enable;
	case MSR_K7_HWCR:		return &m->hwcr;
	case MSR_IA32_UCODE_REV:	return &m->microcode_version;
	case MSR_TSC_AUX:		return &m->tsc_aux;
	case MSR_AMD64_DE_CFG:		return &m->de_cfg;
	case MSR_IA32_POWER_CTL:	return &m->power_ctl;
	case MSR_PLATFORM_INFO:		return &m->platform_info;
	default:			return NULL;
	}
}

/* x2APIC MSRs: the in-kernel local APIC's, refused without one (as KVM). */
static bool is_x2apic_msr(u32 index)
{
	return index >= APIC_BASE_MSR && index <= APIC_BASE_MSR + 0xff;
}

static int get_common_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data)
{
	u64 *field = stored_msr(vcpu, index);

	if (is_x2apic_msr(index))
		return minikvm_x2apic_msr_read(vcpu, index, data);

	if (field)
		*data = *field;
	else if (index == MSR_IA32_TSC_DEADLINE)
		*data = minikvm_lapic_get_tscdeadline(vcpu);
	else if (index == MSR_IA32_TSC)
		*data = minikvm_read_guest_tsc(vcpu);
	else if (is_zero_msr(index))
		*data = 0;
	/* What K7 and later report, so that guests do not divide by 0. */
	else if (index == MSR_K7_CLK_CTL)
		*data = 0x20000000;
	else
		return MINIKVM_MSR_UNSUPPORTED;
	return 0;
}

/* TSC_AUX needs RDTSCP or RDPID on the host, and for the guest in CPUID. */
static bool tsc_aux_accessible(struct minikvm_vcpu *vcpu, bool host_initiated)
{
	struct minikvm_cpuid *c = &vcpu->cpuid;

	if (!host_has_tsc_aux())
		return false;
	return host_initiated || minikvm_cpuid_has(c, MINIKVM_GUEST_RDTSCP) ||
	       minikvm_cpuid_has(c, MINIKVM_GUEST_RDPID);
}

/**
 * minikvm_get_msr - read an MSR of the vCPU.
 * @vcpu: the vCPU; its mutex is held.
 * @index: the MSR.
 * @data: the value; 0 on failure.
 * @host_initiated: KVM_GET_MSRS rather than RDMSR.
 *
 * Return: 0, 1 when the access is refused, MINIKVM_MSR_UNSUPPORTED for an
 * MSR minikvm does not know.
 */
int minikvm_get_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data,
		    bool host_initiated)
{
	int r;

	*data = 0;
	if (index == MSR_TSC_AUX && !tsc_aux_accessible(vcpu, host_initiated))
		return 1;
	/* KVM_CAP_MSR_PLATFORM_INFO 0: RDMSR faults, KVM_GET_MSRS still works. */
	if (index == MSR_PLATFORM_INFO && !host_initiated &&
	    !READ_ONCE(vcpu->vm->guest_reads_platform_info))
		return 1;
	r = minikvm_x86_call(get_msr)(vcpu, index, data, host_initiated);
	if (r == MINIKVM_MSR_UNSUPPORTED)
		r = get_common_msr(vcpu, index, data);
	if (r)
		*data = 0;
	return r;
}

/* ------------------------------------------------------------------ */
/* Writes                                                              */

/* AMD MSRs whose writes KVM drops (microcode loading, chipset setup). */
static bool is_ignored_write_msr(u32 index)
{
	switch (index) {
	case MSR_AMD64_NB_CFG:
	case MSR_IA32_UCODE_WRITE:
	case MSR_AMD64_PATCH_LOADER:
	case MSR_AMD64_BU_CFG2:
	case MSR_AMD64_DC_CFG:
	case MSR_AMD64_TW_CFG:
	case MSR_F15H_EX_CFG:
	case MSR_K7_CLK_CTL:
	case MSR_K7_EVNTSEL0 ... MSR_K7_EVNTSEL3:
	case MSR_K7_PERFCTR0 ... MSR_K7_PERFCTR3:
	/* No LBR virtualization: DEBUGCTL reads as 0, as in KVM. */
	case MSR_IA32_DEBUGCTLMSR:
		return true;
	default:
		return false;
	}
}

static int set_efer(struct minikvm_vcpu *vcpu, u64 efer, bool host_initiated)
{
	if (efer & ~minikvm_efer_supported())
		return 1;
	if (!host_initiated) {
		bool paging = minikvm_x86_call(get_cr0)(vcpu) & X86_CR0_PG;

		if (!minikvm_is_valid_efer(vcpu, efer))
			return 1;
		/* LME cannot change while paging is on. */
		if (paging && ((efer ^ vcpu->efer) & EFER_LME))
			return 1;
	}
	/* LMA is the CPU's to set. */
	vcpu->efer = (efer & ~EFER_LMA) | (vcpu->efer & EFER_LMA);
	minikvm_x86_call(set_efer)(vcpu);
	return 0;
}

static int set_misc_enable(struct minikvm_vcpu *vcpu, u64 data,
			   bool host_initiated)
{
	u64 old = vcpu->msrs.misc_enable;

	if (!host_initiated) {
		if ((old ^ data) & MISC_ENABLE_PMU_RO_MASK)
			return 1;
		/* EMON is read-only, but writes to it do not fault. */
		data = (data & ~MSR_IA32_MISC_ENABLE_EMON) |
		       (old & MSR_IA32_MISC_ENABLE_EMON);
	}
	vcpu->msrs.misc_enable = data;
	return 0;
}

static int set_hwcr(struct minikvm_vcpu *vcpu, u64 data)
{
	data &= ~HWCR_IGNORED;
	if (data & ~HWCR_WRITABLE)
		return 1;
	vcpu->msrs.hwcr = data;
	return 0;
}

/* Without TSC_ADJUST in the guest CPUID, writes are dropped (as KVM). */
static void set_tsc_adjust(struct minikvm_vcpu *vcpu, u64 data,
			   bool host_initiated)
{
	if (!minikvm_cpuid_has(&vcpu->cpuid, MINIKVM_GUEST_TSC_ADJUST))
		return;
	if (!host_initiated)
		minikvm_adjust_tsc_offset(vcpu, data - vcpu->msrs.tsc_adjust);
	vcpu->msrs.tsc_adjust = data;
}

static int set_common_msr(struct minikvm_vcpu *vcpu, u32 index, u64 data,
			  bool host_initiated)
{
	struct minikvm_vcpu_msrs *m = &vcpu->msrs;

	if (is_x2apic_msr(index))
		return minikvm_x2apic_msr_write(vcpu, index, data);
	if (is_ignored_write_msr(index))
		return 0;
	switch (index) {
	case MSR_EFER:
		return set_efer(vcpu, data, host_initiated);
	case MSR_IA32_APICBASE:
		return minikvm_set_apic_base(vcpu, data, host_initiated);
	case MSR_IA32_TSC:
		minikvm_write_tsc(vcpu, data, host_initiated);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		set_tsc_adjust(vcpu, data, host_initiated);
		return 0;
	case MSR_IA32_TSC_DEADLINE:
		/* Ignored unless LVTT is in TSC-deadline mode (as KVM). */
		minikvm_lapic_set_tscdeadline(vcpu, data);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		return set_misc_enable(vcpu, data, host_initiated);
	case MSR_K7_HWCR:
		return set_hwcr(vcpu, data);
	case MSR_IA32_UCODE_REV:
		if (host_initiated)
			m->microcode_version = data;
		return 0;
	case MSR_TSC_AUX:
		m->tsc_aux = data;
		return 0;
	case MSR_IA32_POWER_CTL:
		m->power_ctl = data;
		return 0;
	case MSR_PLATFORM_INFO:
		/*
		 * Read-only to the guest.  minikvm has no CPUID faulting, so
		 * unlike KVM it neither reports nor accepts the CPUID_FAULT
		 * bit (KVM's MISC_FEATURES_ENABLES is absent too).
		 */
		if (!host_initiated || (data & MSR_PLATFORM_INFO_CPUID_FAULT))
			return 1;
		m->platform_info = data;
		return 0;
	case MSR_AMD64_DE_CFG:
		if (data & ~supported_de_cfg())
			return 1;
		m->de_cfg = data;
		return 0;
	default:
		return MINIKVM_MSR_UNSUPPORTED;
	}
}

/*
 * Checks before any MSR-specific code runs.  Return: 1 to refuse, else 0
 * with *@data possibly adjusted.
 */
static int pre_set_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data,
		       bool host_initiated)
{
	switch (index) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_CSTAR:
	case MSR_LSTAR:
		return !is_canonical(*data);
	case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_SYSENTER_ESP:
		/* AMD ignores the high half; keep the value canonical. */
		*data = __canonical_address(*data, 48);
		return 0;
	case MSR_TSC_AUX:
		if (!tsc_aux_accessible(vcpu, host_initiated))
			return 1;
		/* Intel reserves bits 63:32, AMD ignores them. */
		if (!vcpu->cpuid.amd_compatible && (*data >> 32))
			return 1;
		*data = (u32)*data;
		return 0;
	default:
		return 0;
	}
}

/**
 * minikvm_set_msr - write an MSR of the vCPU.
 * @vcpu: the vCPU; its mutex is held.
 * @index: the MSR.
 * @data: the value.
 * @host_initiated: KVM_SET_MSRS rather than WRMSR.
 *
 * Return: 0, 1 when the value or access is refused,
 * MINIKVM_MSR_UNSUPPORTED for an MSR minikvm does not know.
 */
int minikvm_set_msr(struct minikvm_vcpu *vcpu, u32 index, u64 data,
		    bool host_initiated)
{
	int r;

	if (pre_set_msr(vcpu, index, &data, host_initiated))
		return 1;
	r = minikvm_x86_call(set_msr)(vcpu, index, data, host_initiated);
	if (r == MINIKVM_MSR_UNSUPPORTED)
		r = set_common_msr(vcpu, index, data, host_initiated);
	return r;
}

/* The MSR state after RESET. */
void minikvm_msrs_reset(struct minikvm_vcpu *vcpu)
{
	vcpu->msrs = (struct minikvm_vcpu_msrs) {
		.misc_enable = MISC_ENABLE_PMU_RO_MASK,
		/* The patch level KVM on AMD starts vCPUs with. */
		.microcode_version = 0x01000065,
	};
}

/* ------------------------------------------------------------------ */
/* RDMSR and WRMSR in the guest                                        */

static u32 exit_msr_reason(int r)
{
	switch (r) {
	case MINIKVM_MSR_UNSUPPORTED:	return KVM_MSR_EXIT_REASON_UNKNOWN;
	case MINIKVM_MSR_FILTERED:	return KVM_MSR_EXIT_REASON_FILTER;
	default:			return KVM_MSR_EXIT_REASON_INVAL;
	}
}

/* RDMSR or WRMSR, back from userspace: its verdict in run->msr.error. */
static int complete_rdmsr(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (!run->msr.error) {
		vcpu->regs[MINIKVM_REG_RAX] = (u32)run->msr.data;
		vcpu->regs[MINIKVM_REG_RDX] = run->msr.data >> 32;
	}
	return minikvm_complete_insn_gp(vcpu, run->msr.error);
}

static int complete_wrmsr(struct minikvm_vcpu *vcpu)
{
	return minikvm_complete_insn_gp(vcpu, vcpu->run->msr.error);
}

/*
 * Hand a failed access to userspace if it asked for this kind of failure
 * (KVM_CAP_X86_USER_SPACE_MSR).  Return: true if the vCPU exits.
 */
static bool exit_to_userspace(struct minikvm_vcpu *vcpu, u32 index,
			      u32 exit_reason, u64 data, int r,
			      int (*complete)(struct minikvm_vcpu *vcpu))
{
	struct kvm_run *run = vcpu->run;
	u32 reason = exit_msr_reason(r);

	if (!(READ_ONCE(vcpu->vm->user_space_msr_mask) & reason))
		return false;
	run->exit_reason = exit_reason;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = data;
	vcpu->complete_userspace_exit = complete;
	vcpu->stat.msr_user_exits++;
	return true;
}

/**
 * minikvm_emulate_rdmsr - the RDMSR intercept.
 * @vcpu: the vCPU.
 *
 * Return: MINIKVM_EXIT_RESUME, or MINIKVM_EXIT_USERSPACE for an exit to
 * userspace with KVM_EXIT_X86_RDMSR.
 */
int minikvm_emulate_rdmsr(struct minikvm_vcpu *vcpu)
{
	u32 index = vcpu->regs[MINIKVM_REG_RCX];
	u64 data = 0;
	int r;

	vcpu->stat.msr_exits++;
	if (!minikvm_msr_allowed(vcpu, index, KVM_MSR_FILTER_READ))
		r = MINIKVM_MSR_FILTERED;
	else
		r = minikvm_get_msr(vcpu, index, &data, false);
	if (!r) {
		vcpu->regs[MINIKVM_REG_RAX] = (u32)data;
		vcpu->regs[MINIKVM_REG_RDX] = data >> 32;
	} else if (exit_to_userspace(vcpu, index, KVM_EXIT_X86_RDMSR, 0, r,
				     complete_rdmsr)) {
		return MINIKVM_EXIT_USERSPACE;
	}
	return minikvm_complete_insn_gp(vcpu, r);
}

/**
 * minikvm_emulate_wrmsr - the WRMSR intercept.
 * @vcpu: the vCPU.
 *
 * Return: MINIKVM_EXIT_RESUME, or MINIKVM_EXIT_USERSPACE for an exit to
 * userspace with KVM_EXIT_X86_WRMSR.
 */
int minikvm_emulate_wrmsr(struct minikvm_vcpu *vcpu)
{
	u32 index = vcpu->regs[MINIKVM_REG_RCX];
	u64 data = (u32)vcpu->regs[MINIKVM_REG_RAX] |
		   vcpu->regs[MINIKVM_REG_RDX] << 32;
	int r;

	vcpu->stat.msr_exits++;
	if (!minikvm_msr_allowed(vcpu, index, KVM_MSR_FILTER_WRITE))
		r = MINIKVM_MSR_FILTERED;
	else
		r = minikvm_set_msr(vcpu, index, data, false);
	if (r && exit_to_userspace(vcpu, index, KVM_EXIT_X86_WRMSR, data, r,
				   complete_wrmsr))
		return MINIKVM_EXIT_USERSPACE;
	return minikvm_complete_insn_gp(vcpu, r);
}

/* ------------------------------------------------------------------ */
/* KVM_GET_MSRS and KVM_SET_MSRS                                       */

typedef int (*msr_io_fn)(struct minikvm_vcpu *vcpu, u32 index, u64 *data);

/*
 * Access the entries in order, stopping at the first failure.
 * Return: the number of entries accessed, -E2BIG for 256 entries or more,
 * -EFAULT, -ENOMEM.
 */
static int msr_io(struct minikvm_vcpu *vcpu, struct kvm_msrs __user *argp,
		  msr_io_fn fn, bool writeback)
{
	struct kvm_msr_entry *entries;
	struct kvm_msrs msrs;
	size_t size;
	int i;

	if (copy_from_user(&msrs, argp, sizeof(msrs)))
		return -EFAULT;
	if (msrs.nmsrs >= MAX_IO_MSRS)
		return -E2BIG;
	size = msrs.nmsrs * sizeof(*entries);
	entries = memdup_user(argp->entries, size);
	if (IS_ERR(entries))
		return PTR_ERR(entries);

	for (i = 0; i < msrs.nmsrs; i++)
		if (fn(vcpu, entries[i].index, &entries[i].data))
			break;

	if (writeback && copy_to_user(argp->entries, entries, size))
		i = -EFAULT;
	kfree(entries);
	return i;
}

static int host_get_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data)
{
	return minikvm_get_msr(vcpu, index, data, true);
}

static int host_set_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data)
{
	return minikvm_set_msr(vcpu, index, *data, true);
}

int minikvm_vcpu_ioctl_get_msrs(struct minikvm_vcpu *vcpu,
				struct kvm_msrs __user *argp)
{
	lockdep_assert_held(&vcpu->mutex);
	return msr_io(vcpu, argp, host_get_msr, true);
}

int minikvm_vcpu_ioctl_set_msrs(struct minikvm_vcpu *vcpu,
				struct kvm_msrs __user *argp)
{
	lockdep_assert_held(&vcpu->mutex);
	return msr_io(vcpu, argp, host_set_msr, false);
}

/* Feature MSRs on the system fd: what the host lets a guest have. */
static int get_feature_msr(struct minikvm_vcpu *unused, u32 index, u64 *data)
{
	switch (index) {
	case MSR_AMD64_DE_CFG:
		*data = supported_de_cfg();
		return 0;
	case MSR_IA32_UCODE_REV:
		rdmsrl_safe(index, data);
		return 0;
	default:
		*data = 0;
		return 1;
	}
}

int minikvm_dev_ioctl_get_feature_msrs(struct kvm_msrs __user *argp)
{
	return msr_io(NULL, argp, get_feature_msr, true);
}

/* ------------------------------------------------------------------ */
/* The index lists                                                     */

/*
 * Write the count, then the list if it fits.  Return: 0, -E2BIG (with
 * the count written) or -EFAULT.
 */
static int copy_msr_list(struct kvm_msr_list __user *argp, const u32 *list,
			 u32 n)
{
	struct kvm_msr_list hdr;
	u32 room;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	room = hdr.nmsrs;
	hdr.nmsrs = n;
	if (copy_to_user(argp, &hdr, sizeof(hdr)))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	return copy_to_user(argp->indices, list, n * sizeof(u32)) ? -EFAULT : 0;
}

int minikvm_dev_ioctl_get_msr_index_list(struct kvm_msr_list __user *argp)
{
	return copy_msr_list(argp, msrs_to_save, nr_msrs_to_save);
}

int minikvm_dev_ioctl_get_msr_feature_index_list(struct kvm_msr_list __user *argp)
{
	return copy_msr_list(argp, feature_msrs, ARRAY_SIZE(feature_msrs));
}

/* Drop the MSRs this host cannot back from the index list. */
int minikvm_msr_init(void)
{
	int i;

	nr_msrs_to_save = 0;
	for (i = 0; i < ARRAY_SIZE(msrs_to_save_all); i++) {
		if (msrs_to_save_all[i] == MSR_TSC_AUX && !host_has_tsc_aux())
			continue;
		msrs_to_save[nr_msrs_to_save++] = msrs_to_save_all[i];
	}
	return 0;
}
