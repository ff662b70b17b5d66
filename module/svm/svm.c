// SPDX-License-Identifier: GPL-2.0
/*
 * The AMD SVM backend: CPU probe, per-CPU enable, the VMCB, ASIDs and the
 * guest entry.  Exit handlers live in svm_exits.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>

#include "../compat.h"
#include "../mmu/spte.h"
#include "../regs.h"
#include "../x86.h"
#include "svm.h"

#define IOPM_SIZE	(3 * PAGE_SIZE)	/* 12 KiB: one bit per port, + 1 page */
#define MSRPM_SIZE	(2 * PAGE_SIZE)	/* 8 KiB: two bits per MSR */
#define SVM_DEFAULT_PAT	0x0007040600070406ULL
/* PAUSEs in a row (within the filter threshold) before an exit. */
#define SVM_PAUSE_FILTER_COUNT	3000

static DEFINE_PER_CPU(struct svm_cpu_data, svm_cpu_data);

/* All ports and MSRs intercepted; read-only for the hardware, shared. */
static struct page *svm_iopm_pages;
static struct page *svm_msrpm_pages;

/* ------------------------------------------------------------------ */
/* Probe and per-CPU enable                                            */

static int svm_probe(void)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return -ENODEV;

	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVM_DIS_MASK) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS)\n");
		return -ENODEV;
	}
	/* The shadow MMU needs NX in its sptes (the host forces EFER.NX). */
	if (!boot_cpu_has(X86_FEATURE_NPT) && !boot_cpu_has(X86_FEATURE_NX)) {
		pr_err("SVM without nested paging and without NX is not supported\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_NPT))
		pr_info("no nested paging: every VM uses the shadow MMU\n");
	return 0;
}

static int svm_enable(void)
{
	struct svm_cpu_data *sd = this_cpu_ptr(&svm_cpu_data);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;

	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sd->hsave));

	/* Start a fresh generation: the first vCPU flushes all ASIDs. */
	sd->asid_generation++;
	sd->next_asid = sd->max_asid + 1;
	return 0;
}

static void svm_disable(void)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

/*
 * Crash/kexec, NMI context, on every CPU: leave SVM whatever state the CPU
 * was in.  STGI first, because INIT and NMIs stay blocked while GIF=0.
 */
static void svm_emergency_disable(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME))
		return;
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

static void svm_free_cpu_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu_data *sd = per_cpu_ptr(&svm_cpu_data, cpu);

		if (sd->hsave)
			__free_page(sd->hsave);
		if (sd->host_save)
			__free_page(sd->host_save);
		sd->hsave = NULL;
		sd->host_save = NULL;
	}
}

static void svm_hardware_unsetup(void)
{
	svm_free_cpu_pages();
	__free_pages(svm_msrpm_pages, get_order(MSRPM_SIZE));
	__free_pages(svm_iopm_pages, get_order(IOPM_SIZE));
}

static struct page *svm_alloc_bitmap(size_t size)
{
	struct page *pages = alloc_pages(GFP_KERNEL, get_order(size));

	if (pages)
		memset(page_address(pages), 0xff, PAGE_SIZE << get_order(size));
	return pages;
}

/*
 * NPT entries have the x86-64 page table format.  Every guest access is a
 * user access to NPT, so User is set with Present.  Bits 9 and 10 are
 * ignored by the hardware: the software Host-writable and MMU-writable.
 * An MMIO spte is not present (the hardware ignores all other bits then)
 * and carries bit 62.  1 GiB leaves need the CPU's 1 GiB page support.
 */
static int svm_setup_npt_masks(void)
{
	const struct minikvm_spte_masks npt = {
		.present	= _PAGE_PRESENT | _PAGE_USER,
		.accessed	= _PAGE_ACCESSED,
		.dirty		= _PAGE_DIRTY,
		.host_writable	= BIT_ULL(9),
		.mmu_writable	= BIT_ULL(10),
		.mmio_mask	= _PAGE_PRESENT | SPTE_MMU_PRESENT | BIT_ULL(62),
		.mmio_value	= BIT_ULL(62),
		.max_level	= boot_cpu_has(X86_FEATURE_GBPAGES) ? PG_LEVEL_1G :
								      PG_LEVEL_2M,
	};

	return minikvm_spte_set_masks(&npt);
}

/*
 * QEMU's TCG (the CPU of minikvm's test lanes) delivers an interrupt
 * injected through EVENTINJ inside VMRUN but leaves the vector behind as
 * its pending exception number.  If its vCPU loop is told to stop (the
 * round-robin scheduler of a multi-CPU machine does so every time slice)
 * before the next #VMEXIT overwrites that number, the vector is delivered
 * a second time, wherever the guest then is, whatever its RFLAGS.IF: a
 * Linux guest deadlocks on its own irq_desc lock, or takes an interrupt
 * between SYSCALL and SWAPGS.  Hardware has no such state.  On that host,
 * each VMRUN that injects an interrupt also has a host interrupt pending:
 * it exits right after the delivery, before any time slice can end.
 */
static bool svm_host_reinjects_intr;

static bool host_is_qemu_tcg(void)
{
	u32 eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(0x40000000, &eax, &sig[0], &sig[1], &sig[2]);
	return !memcmp(sig, "TCGTCGTCGTCG", sizeof(sig));
}

static int svm_hardware_setup(void)
{
	u32 nr_asids = cpuid_ebx(0x8000000a);
	int cpu;

	if (svm_setup_npt_masks())
		return -EINVAL;
	minikvm_tdp_available = boot_cpu_has(X86_FEATURE_NPT);
	svm_host_reinjects_intr = host_is_qemu_tcg();
	if (svm_host_reinjects_intr)
		pr_info("QEMU TCG host: an exit follows each injected interrupt\n");

	svm_iopm_pages = svm_alloc_bitmap(IOPM_SIZE);
	svm_msrpm_pages = svm_alloc_bitmap(MSRPM_SIZE);
	if (!svm_iopm_pages || !svm_msrpm_pages)
		goto err;

	for_each_possible_cpu(cpu) {
		struct svm_cpu_data *sd = per_cpu_ptr(&svm_cpu_data, cpu);

		sd->hsave = alloc_page(GFP_KERNEL | __GFP_ZERO);
		sd->host_save = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!sd->hsave || !sd->host_save)
			goto err;
		/* ASID 0 is the host's. */
		sd->max_asid = nr_asids - 1;
	}
	return 0;

err:
	if (svm_iopm_pages)
		__free_pages(svm_iopm_pages, get_order(IOPM_SIZE));
	if (svm_msrpm_pages)
		__free_pages(svm_msrpm_pages, get_order(MSRPM_SIZE));
	svm_free_cpu_pages();
	return -ENOMEM;
}

/* ------------------------------------------------------------------ */
/* vCPU creation and the VMCB                                          */

static int svm_vcpu_create(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return -ENOMEM;
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	svm->asid_cpu = -1;
	return 0;
}

static void svm_vcpu_free(struct minikvm_vcpu *vcpu)
{
	free_page((unsigned long)to_svm(vcpu)->vmcb);
}

static bool is_shadow_paging(struct vcpu_svm *svm)
{
	return minikvm_mmu_is_shadow(&svm->vcpu.vm->mmu);
}

/*
 * Shadow paging: the CPU runs with paging always on (real mode and
 * unpaged protected mode become "paged real mode" on the identity shadow),
 * CR0.WP set (write protection of guest page tables and dirty logging
 * must hold for supervisor writes too), PAE format for every legacy mode
 * (a 32-bit guest's 4-byte tables are shadowed in 8-byte ones), EFER.NX
 * set (sptes use NX) and LME only while the guest is in long mode.  SMEP
 * and SMAP are the guest's: the sptes carry the guest's U/S bit.  CR3 is
 * the shadow root (svm_load_mmu_pgd()).
 */
static void svm_shadow_update(struct vcpu_svm *svm)
{
	struct minikvm_vcpu *vcpu = &svm->vcpu;
	struct vmcb_save_area *s = &svm->vmcb->save;
	u64 efer = vcpu->efer | EFER_SVME | EFER_NX;
	u64 cr4 = vcpu->cr4 | X86_CR4_PAE;

	if (!(efer & EFER_LMA))
		efer &= ~EFER_LME;
	if (!(vcpu->cr0 & X86_CR0_PG))
		cr4 &= ~(X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE);
	s->efer = efer;
	s->cr0 = vcpu->cr0 | X86_CR0_PG | X86_CR0_WP;
	s->cr4 = cr4;
	/* Invalid PDPTEs here (KVM_SET_SREGS) only matter at the next CR3 write. */
	minikvm_mmu_shadow_set_paging(vcpu, vcpu->cr0, vcpu->cr3, vcpu->cr4,
				      vcpu->efer);
}

/* Every access to DR0-7 exits, until the guest first uses them. */
void svm_set_dr_intercepts(struct vcpu_svm *svm)
{
	svm->vmcb->control.intercepts[INTERCEPT_DR] =
		GENMASK(INTERCEPT_DR7_READ - 32, INTERCEPT_DR0_READ - 32) |
		GENMASK(INTERCEPT_DR7_WRITE - 32, INTERCEPT_DR0_WRITE - 32);
}

static void init_vmcb_control(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	static const u8 intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_CPUID,
		INTERCEPT_INVD, INTERCEPT_HLT, INTERCEPT_INVLPGA,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_TASK_SWITCH,
		INTERCEPT_SHUTDOWN, INTERCEPT_VMRUN, INTERCEPT_VMMCALL,
		INTERCEPT_VMLOAD, INTERCEPT_VMSAVE, INTERCEPT_STGI,
		INTERCEPT_CLGI, INTERCEPT_SKINIT, INTERCEPT_WBINVD,
		INTERCEPT_MONITOR, INTERCEPT_MWAIT, INTERCEPT_XSETBV,
		INTERCEPT_RDPRU, INTERCEPT_RDTSCP,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		svm_set_intercept(svm, intercepts[i]);
	svm_set_intercept(svm, INTERCEPT_EXCEPTION_OFFSET + MC_VECTOR);
	/* For VMCALL, Intel's hypercall (KVM_X86_QUIRK_FIX_HYPERCALL_INSN). */
	svm_set_intercept(svm, INTERCEPT_EXCEPTION_OFFSET + UD_VECTOR);
	svm_set_dr_intercepts(svm);
	/* A spinning guest exits after this many PAUSEs, to yield. */
	if (boot_cpu_has(X86_FEATURE_PAUSEFILTER)) {
		svm_set_intercept(svm, INTERCEPT_PAUSE);
		c->pause_filter_count = SVM_PAUSE_FILTER_COUNT;
	}

	/*
	 * Shadow paging: the guest's CRs are emulated (cr.c) and its page
	 * faults go to the shadow MMU first.  INVLPG is intercepted: the
	 * shadow of a last-level table may lag behind the guest's (unsync
	 * pages, mmu/shadow_sync.c) until the guest invalidates the address;
	 * INVPCID too, handled as a full flush.
	 */
	if (is_shadow_paging(svm)) {
		for (i = 0; i <= 4; i++) {
			if (i == 1 || i == 2)
				continue;
			svm_set_intercept(svm, INTERCEPT_CR0_READ + i);
			svm_set_intercept(svm, INTERCEPT_CR0_WRITE + i);
		}
		svm_set_intercept(svm, INTERCEPT_EXCEPTION_OFFSET + PF_VECTOR);
		svm_set_intercept(svm, INTERCEPT_INVLPG);
		svm_set_intercept(svm, INTERCEPT_INVPCID);
	}

	c->iopm_base_pa = page_to_phys(svm_iopm_pages);
	c->msrpm_base_pa = page_to_phys(svm_msrpm_pages);
	/* Host IF gates physical interrupts; guest IF only virtual ones. */
	c->int_ctl = V_INTR_MASKING_MASK;
	if (!is_shadow_paging(svm))
		c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	/* 0 before the first entry: minikvm_mmu_reload() loads a root then. */
	c->nested_cr3 = minikvm_mmu_root_hpa(&svm->vcpu);
	c->tsc_offset = svm->vcpu.tsc_offset;
}

static void init_seg(struct vmcb_seg *seg, u16 type)
{
	seg->selector = 0;
	seg->attrib = SVM_SELECTOR_P_MASK | SVM_SELECTOR_S_MASK | type;
	seg->limit = 0xffff;
	seg->base = 0;
}

static void init_sys_seg(struct vmcb_seg *seg, u16 type)
{
	seg->selector = 0;
	seg->attrib = SVM_SELECTOR_P_MASK | type;
	seg->limit = 0xffff;
	seg->base = 0;
}

/* The architectural state after RESET, as KVM presents it. */
static void init_vmcb_save(struct vcpu_svm *svm)
{
	struct vmcb_save_area *s = &svm->vmcb->save;

	init_seg(&s->cs, SVM_SELECTOR_READ_MASK | SVM_SELECTOR_CODE_MASK);
	s->cs.selector = 0xf000;
	s->cs.base = 0xffff0000;
	init_seg(&s->ds, SVM_SELECTOR_WRITE_MASK);
	init_seg(&s->es, SVM_SELECTOR_WRITE_MASK);
	init_seg(&s->ss, SVM_SELECTOR_WRITE_MASK);
	init_seg(&s->fs, SVM_SELECTOR_WRITE_MASK);
	init_seg(&s->gs, SVM_SELECTOR_WRITE_MASK);
	init_sys_seg(&s->ldtr, 0x2);	/* LDT */
	init_sys_seg(&s->tr, 0xb);	/* busy 32-bit TSS */
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;

	s->cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	s->g_pat = SVM_DEFAULT_PAT;
	/* VMRUN refuses a guest without EFER.SVME; the guest never sees it. */
	s->efer = svm->vcpu.efer | EFER_SVME;
	if (is_shadow_paging(svm)) {
		svm->vcpu.cr0 = s->cr0;
		svm->vcpu.cr3 = 0;
		svm->vcpu.cr4 = 0;
		svm_shadow_update(svm);
	}
}

/* RDTSCP runs natively (on the guest's TSC_AUX) if the guest CPUID has it. */
static void svm_vcpu_after_set_cpuid(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	if (minikvm_cpuid_has(&vcpu->cpuid, MINIKVM_GUEST_RDTSCP))
		svm_clr_intercept(svm, INTERCEPT_RDTSCP);
	else
		svm_set_intercept(svm, INTERCEPT_RDTSCP);
}

static void svm_vcpu_reset(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	memset(svm->vmcb, 0, PAGE_SIZE);
	init_vmcb_control(svm);
	init_vmcb_save(svm);
	svm_vcpu_after_set_cpuid(vcpu);
	svm->asid_cpu = -1;
	svm->nmi_masked = false;
	svm->awaiting_iret_completion = false;
	svm->nmi_singlestep = false;
	svm->dr_passthrough = false;
	svm->tpr_window_prio = -1;
}

/* ------------------------------------------------------------------ */
/* Special registers                                                   */

static void get_seg(const struct vmcb_seg *s, struct kvm_segment *var)
{
	var->base = s->base;
	var->limit = s->limit;
	var->selector = s->selector;
	var->type = s->attrib & SVM_SELECTOR_TYPE_MASK;
	var->s = (s->attrib >> SVM_SELECTOR_S_SHIFT) & 1;
	var->dpl = (s->attrib >> SVM_SELECTOR_DPL_SHIFT) & 3;
	var->present = (s->attrib >> SVM_SELECTOR_P_SHIFT) & 1;
	var->avl = (s->attrib >> SVM_SELECTOR_AVL_SHIFT) & 1;
	var->l = (s->attrib >> SVM_SELECTOR_L_SHIFT) & 1;
	var->db = (s->attrib >> SVM_SELECTOR_DB_SHIFT) & 1;
	/* The VMCB keeps the expanded limit; G follows from its size. */
	var->g = s->limit > 0xfffff;
	var->unusable = !var->present;
}

static void set_seg(struct vmcb_seg *s, const struct kvm_segment *var)
{
	s->base = var->base;
	s->limit = var->limit;
	s->selector = var->selector;
	s->attrib = (var->type & SVM_SELECTOR_TYPE_MASK) |
		    (var->s & 1) << SVM_SELECTOR_S_SHIFT |
		    (var->dpl & 3) << SVM_SELECTOR_DPL_SHIFT |
		    ((var->present & 1) && !var->unusable) << SVM_SELECTOR_P_SHIFT |
		    (var->avl & 1) << SVM_SELECTOR_AVL_SHIFT |
		    (var->l & 1) << SVM_SELECTOR_L_SHIFT |
		    (var->db & 1) << SVM_SELECTOR_DB_SHIFT |
		    (var->g & 1) << SVM_SELECTOR_G_SHIFT;
}

/* Segments, descriptor tables and CR0/2/3/4; the core does the rest. */
static void svm_get_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	get_seg(&s->cs, &sregs->cs);
	get_seg(&s->ds, &sregs->ds);
	get_seg(&s->es, &sregs->es);
	get_seg(&s->fs, &sregs->fs);
	get_seg(&s->gs, &sregs->gs);
	get_seg(&s->ss, &sregs->ss);
	get_seg(&s->tr, &sregs->tr);
	get_seg(&s->ldtr, &sregs->ldt);
	/* What KVM reports: TR busy, data segments accessed, SS.DPL = CPL. */
	sregs->tr.type |= 0x2;
	sregs->ds.type |= !sregs->ds.unusable;
	sregs->es.type |= !sregs->es.unusable;
	sregs->fs.type |= !sregs->fs.unusable;
	sregs->gs.type |= !sregs->gs.unusable;
	if (sregs->ss.unusable)
		sregs->ss.db = 0;
	sregs->ss.dpl = s->cpl;

	sregs->gdt.base = s->gdtr.base;
	sregs->gdt.limit = s->gdtr.limit;
	sregs->idt.base = s->idtr.base;
	sregs->idt.limit = s->idtr.limit;
	sregs->cr0 = s->cr0;
	sregs->cr2 = s->cr2;
	sregs->cr3 = s->cr3;
	sregs->cr4 = s->cr4;
	if (is_shadow_paging(to_svm(vcpu))) {
		sregs->cr0 = vcpu->cr0;
		sregs->cr3 = vcpu->cr3;
		sregs->cr4 = vcpu->cr4;
	}
}

static void svm_set_sregs(struct minikvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	set_seg(&s->cs, &sregs->cs);
	set_seg(&s->ds, &sregs->ds);
	set_seg(&s->es, &sregs->es);
	set_seg(&s->fs, &sregs->fs);
	set_seg(&s->gs, &sregs->gs);
	set_seg(&s->ss, &sregs->ss);
	set_seg(&s->tr, &sregs->tr);
	set_seg(&s->ldtr, &sregs->ldt);
	s->cpl = sregs->ss.dpl & 3;

	s->gdtr.base = sregs->gdt.base;
	s->gdtr.limit = sregs->gdt.limit;
	s->idtr.base = sregs->idt.base;
	s->idtr.limit = sregs->idt.limit;
	s->cr2 = sregs->cr2;
	if (is_shadow_paging(to_svm(vcpu))) {
		/* The core sets EFER next; svm_set_efer() applies them. */
		vcpu->cr0 = sregs->cr0;
		vcpu->cr3 = sregs->cr3;
		vcpu->cr4 = sregs->cr4;
		return;
	}
	s->cr0 = sregs->cr0;
	s->cr3 = sregs->cr3;
	s->cr4 = sregs->cr4;
}

static int svm_get_cpl(struct minikvm_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.cpl;
}

static u64 svm_get_cr0(struct minikvm_vcpu *vcpu)
{
	if (is_shadow_paging(to_svm(vcpu)))
		return vcpu->cr0;
	return to_svm(vcpu)->vmcb->save.cr0;
}

static u64 svm_get_cr4(struct minikvm_vcpu *vcpu)
{
	if (is_shadow_paging(to_svm(vcpu)))
		return vcpu->cr4;
	return to_svm(vcpu)->vmcb->save.cr4;
}

static void svm_get_cs_db_l_bits(struct minikvm_vcpu *vcpu, int *db, int *l)
{
	u16 attrib = to_svm(vcpu)->vmcb->save.cs.attrib;

	*db = (attrib >> SVM_SELECTOR_DB_SHIFT) & 1;
	*l = (attrib >> SVM_SELECTOR_L_SHIFT) & 1;
}

/* vcpu->efer changed (or, shadow paging, vcpu->cr0/cr3/cr4). */
static void svm_set_efer(struct minikvm_vcpu *vcpu)
{
	if (is_shadow_paging(to_svm(vcpu)))
		svm_shadow_update(to_svm(vcpu));
	else
		to_svm(vcpu)->vmcb->save.efer = vcpu->efer | EFER_SVME;
}

static void svm_write_tsc_offset(struct minikvm_vcpu *vcpu)
{
	to_svm(vcpu)->vmcb->control.tsc_offset = vcpu->tsc_offset;
}

/* ------------------------------------------------------------------ */
/* MSRs kept in the VMCB                                               */

static u64 *vmcb_msr(struct vcpu_svm *svm, u32 msr)
{
	struct vmcb_save_area *s = &svm->vmcb->save;

	switch (msr) {
	case MSR_STAR:			return &s->star;
	case MSR_LSTAR:			return &s->lstar;
	case MSR_CSTAR:			return &s->cstar;
	case MSR_SYSCALL_MASK:		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:	return &s->kernel_gs_base;
	case MSR_FS_BASE:		return &s->fs.base;
	case MSR_GS_BASE:		return &s->gs.base;
	case MSR_IA32_SYSENTER_CS:	return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &s->sysenter_eip;
	case MSR_IA32_CR_PAT:		return &s->g_pat;
	default:			return NULL;
	}
}

static int svm_get_msr(struct minikvm_vcpu *vcpu, u32 msr, u64 *data,
		       bool host_initiated)
{
	u64 *field = vmcb_msr(to_svm(vcpu), msr);

	if (!field)
		return MINIKVM_MSR_UNSUPPORTED;
	*data = *field;
	/* AMD implements only the low half of the SYSENTER MSRs. */
	if ((msr == MSR_IA32_SYSENTER_ESP || msr == MSR_IA32_SYSENTER_EIP) &&
	    vcpu->cpuid.amd_compatible)
		*data = (u32)*data;
	return 0;
}

/* Each byte: 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB) or 7 (UC-). */
static bool is_valid_pat(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

static int svm_set_msr(struct minikvm_vcpu *vcpu, u32 msr, u64 data,
		       bool host_initiated)
{
	u64 *field = vmcb_msr(to_svm(vcpu), msr);

	if (!field)
		return MINIKVM_MSR_UNSUPPORTED;
	if (msr == MSR_IA32_CR_PAT && !is_valid_pat(data))
		return 1;
	*field = data;
	return 0;
}

/* ------------------------------------------------------------------ */
/* ASIDs, TLB flushes and the guest entry                              */

static void new_asid(struct vcpu_svm *svm, struct svm_cpu_data *sd, int cpu)
{
	if (sd->next_asid > sd->max_asid) {
		/* Wrapped: every ASID of the old generation is flushed. */
		sd->asid_generation++;
		sd->next_asid = 1;
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	svm->asid = sd->next_asid++;
	svm->asid_cpu = cpu;
	svm->asid_generation = sd->asid_generation;
}

/*
 * Flush the vCPU's guest translations before its next entry.  With
 * FLUSHBYASID the VMCB asks for it; without it a fresh ASID is as good.
 */
static void svm_flush_tlb_current(struct minikvm_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	if (boot_cpu_has(X86_FEATURE_FLUSHBYASID))
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ASID;
	else
		svm->asid_cpu = -1;
}

/*
 * The MMU's root changed: the next VMRUN walks the new table (nested CR3,
 * or, shadow paging, the CR3 the guest runs with).
 */
static void svm_load_mmu_pgd(struct minikvm_vcpu *vcpu, hpa_t root_hpa)
{
	if (is_shadow_paging(to_svm(vcpu)))
		to_svm(vcpu)->vmcb->save.cr3 = root_hpa;
	else
		to_svm(vcpu)->vmcb->control.nested_cr3 = root_hpa;
}

/* ------------------------------------------------------------------ */
/* What the instruction emulator learns of the exit being handled      */

static void svm_get_exit_info(struct minikvm_vcpu *vcpu, u32 *reason,
			      u64 *info1, u64 *info2, u32 *intr_info,
			      u32 *error_code)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;

	*reason = svm->exit_code;
	*info1 = c->exit_info_1;
	*info2 = c->exit_info_2;
	*intr_info = c->exit_int_info;
	if ((*intr_info & SVM_EXITINTINFO_VALID) &&
	    (*intr_info & SVM_EXITINTINFO_VALID_ERR))
		*error_code = c->exit_int_info_err;
	else
		*error_code = 0;
}

/*
 * Decode assists: the bytes the CPU fetched for a nested page fault.  The
 * emulator fetches through guest paging when there are none (QEMU's TCG).
 */
static unsigned int svm_get_insn_bytes(struct minikvm_vcpu *vcpu, u8 *bytes)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	unsigned int len;

	if (!boot_cpu_has(X86_FEATURE_DECODEASSISTS) ||
	    svm->exit_code != SVM_EXIT_NPF)
		return 0;
	len = min_t(unsigned int, c->insn_len, sizeof(c->insn_bytes));
	memcpy(bytes, c->insn_bytes, len);
	return len;
}

/* Copy the state the core keeps into the VMCB. */
static void svm_prepare_entry(struct vcpu_svm *svm, struct svm_cpu_data *sd,
			      int cpu)
{
	struct minikvm_vcpu *vcpu = &svm->vcpu;
	struct vmcb *vmcb = svm->vmcb;

	if (svm->asid_cpu != cpu || svm->asid_generation != sd->asid_generation)
		new_asid(svm, sd, cpu);
	vmcb->control.asid = svm->asid;

	vmcb->save.rax = vcpu->regs[MINIKVM_REG_RAX];
	vmcb->save.rsp = vcpu->regs[MINIKVM_REG_RSP];
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags;
	if (svm->nmi_singlestep)
		vmcb->save.rflags |= X86_EFLAGS_TF | X86_EFLAGS_RF;
	vmcb->control.int_ctl &= ~V_TPR_MASK;
	vmcb->control.int_ctl |= vcpu->cr8 & V_TPR_MASK;
	vmcb->save.dr6 = vcpu->dr6;
	vmcb->save.dr7 = vcpu->dr7;
	svm->entry_dr6 = vcpu->dr6;
	/* minikvm does not track what changed: the CPU reloads everything. */
	vmcb->control.clean = 0;
}

/* Copy back what the guest may have changed without an exit. */
static void svm_complete_exit(struct vcpu_svm *svm)
{
	struct minikvm_vcpu *vcpu = &svm->vcpu;
	struct vmcb *vmcb = svm->vmcb;

	vcpu->regs[MINIKVM_REG_RAX] = vmcb->save.rax;
	vcpu->regs[MINIKVM_REG_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = svm_guest_rflags(svm);
	vcpu->cr8 = vmcb->control.int_ctl & V_TPR_MASK;
	vcpu->dr6 = vmcb->save.dr6;
	vcpu->dr7 = vmcb->save.dr7;
	/*
	 * Nested paging does not intercept CR0: a guest that sets CR0.PG
	 * with EFER.LME (an AP leaving its real-mode trampoline) enters long
	 * mode without an exit, and the CPU sets EFER.LMA in the VMCB (clears
	 * it when paging goes off).  Take it from there, or KVM_GET_SREGS,
	 * RDMSR and the emulator would see a 64-bit guest in legacy mode.
	 * Shadow paging intercepts CR0 (cr.c keeps LMA) and the VMCB holds
	 * the shadow's EFER, not the guest's.
	 */
	if (!is_shadow_paging(svm))
		vcpu->efer = (vcpu->efer & ~EFER_LMA) |
			     (vmcb->save.efer & EFER_LMA);
	if (svm->dr_passthrough) {
		svm->dr_passthrough = false;
		svm_set_dr_intercepts(svm);
	}
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	/*
	 * The APM makes VMEXIT_INVALID a 64-bit -1, but not every CPU (QEMU's
	 * TCG) writes EXITCODE_HI; every exit code fits in the low half.
	 */
	svm->exit_code = vmcb->control.exit_code;
}

/* DR0-3 hold the guest's values while it can see them. */
static bool guest_uses_drs(struct vcpu_svm *svm)
{
	return svm->dr_passthrough || (svm->vcpu.dr7 & MINIKVM_DR7_BP_EN_MASK);
}

static void load_guest_drs(struct minikvm_vcpu *vcpu)
{
	set_debugreg(vcpu->db[0], 0);
	set_debugreg(vcpu->db[1], 1);
	set_debugreg(vcpu->db[2], 2);
	set_debugreg(vcpu->db[3], 3);
}

static void save_guest_drs(struct minikvm_vcpu *vcpu)
{
	get_debugreg(vcpu->db[0], 0);
	get_debugreg(vcpu->db[1], 1);
	get_debugreg(vcpu->db[2], 2);
	get_debugreg(vcpu->db[3], 3);
}

/*
 * Enter the guest.  Called with IRQs and preemption disabled (x86.c); the
 * host state VMRUN does not switch is saved and restored around it.
 */
static void svm_vcpu_run(struct minikvm_vcpu *vcpu)
{
	struct svm_cpu_data *sd = this_cpu_ptr(&svm_cpu_data);
	struct vcpu_svm *svm = to_svm(vcpu);
	bool pkru_in_use = cpu_feature_enabled(X86_FEATURE_OSPKE);
	u32 host_pkru = pkru_in_use ? rdpkru() : 0;
	bool guest_drs = guest_uses_drs(svm);
	unsigned long host_dr7;

	lockdep_assert_irqs_disabled();

	svm_prepare_entry(svm, sd, smp_processor_id());
	/* Held by GIF=0 until VMRUN; see svm_host_reinjects_intr. */
	if (svm_host_reinjects_intr &&
	    (svm->vmcb->control.event_inj &
	     (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
	    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR))
		smp_send_reschedule(smp_processor_id());
	get_debugreg(host_dr7, 7);
	if (guest_drs)
		load_guest_drs(vcpu);

	/* Host FS/GS/TR/LDTR and syscall MSRs, reloaded by the asm. */
	asm volatile("vmsave %0" : : "a"(page_to_phys(sd->host_save)) : "memory");

	asm volatile("clgi" ::: "memory");
	/* GIF=0 holds every interrupt until STGI; IF=1 lets them exit the guest. */
	raw_local_irq_enable();
	__minikvm_svm_vmrun(svm->vmcb_pa, vcpu->regs, page_to_phys(sd->host_save));
	raw_local_irq_disable();

	/* The guest wrote DR0-3 without exits: keep what it wrote. */
	if (svm->dr_passthrough)
		save_guest_drs(vcpu);
	/* #VMEXIT left DR7 = 0x400; the guest may have changed DR0-3 and PKRU. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	else
		set_debugreg(host_dr7, 7);
	if (pkru_in_use && rdpkru() != host_pkru)
		wrpkru(host_pkru);

	asm volatile("stgi" ::: "memory");

	svm_complete_exit(svm);
}

static const struct minikvm_x86_ops svm_x86_ops = {
	.hardware_enable		= svm_enable,
	.hardware_disable		= svm_disable,
	.emergency_disable		= svm_emergency_disable,
	.hardware_unsetup		= svm_hardware_unsetup,

	.vcpu_create			= svm_vcpu_create,
	.vcpu_free			= svm_vcpu_free,
	.vcpu_reset			= svm_vcpu_reset,
	.vcpu_after_set_cpuid		= svm_vcpu_after_set_cpuid,

	.get_sregs			= svm_get_sregs,
	.set_sregs			= svm_set_sregs,
	.get_cpl			= svm_get_cpl,
	.get_cr0			= svm_get_cr0,
	.get_cr4			= svm_get_cr4,
	.get_cs_db_l_bits		= svm_get_cs_db_l_bits,
	.set_efer			= svm_set_efer,
	.get_msr			= svm_get_msr,
	.set_msr			= svm_set_msr,
	.write_tsc_offset		= svm_write_tsc_offset,
	.skip_emulated_instruction	= svm_skip_emulated_instruction,

	.inject_exception		= svm_inject_exception,
	.inject_nmi			= svm_inject_nmi,
	.inject_irq			= svm_inject_irq,
	.cancel_injection		= svm_cancel_injection,
	.interrupt_allowed		= svm_interrupt_allowed,
	.nmi_allowed			= svm_nmi_allowed,
	.get_nmi_mask			= svm_get_nmi_mask,
	.set_nmi_mask			= svm_set_nmi_mask,
	.get_interrupt_shadow		= svm_get_interrupt_shadow,
	.set_interrupt_shadow		= svm_set_interrupt_shadow,
	.enable_irq_window		= svm_enable_irq_window,
	.enable_nmi_window		= svm_enable_nmi_window,
	.enable_tpr_window		= svm_enable_tpr_window,

	.vcpu_run			= svm_vcpu_run,
	.handle_exit			= svm_handle_exit,
	.flush_tlb_current		= svm_flush_tlb_current,
	.load_mmu_pgd			= svm_load_mmu_pgd,

	.get_exit_info			= svm_get_exit_info,
	.get_insn_bytes			= svm_get_insn_bytes,
};

const struct minikvm_x86_init_ops minikvm_svm_init_ops = {
	.name		= "svm",
	.probe		= svm_probe,
	.hardware_setup	= svm_hardware_setup,
	.vcpu_size	= sizeof(struct vcpu_svm),
	.runtime_ops	= &svm_x86_ops,
};
