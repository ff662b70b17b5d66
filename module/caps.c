// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CHECK_EXTENSION: the one list of what minikvm advertises.  It is
 * truthful: a capability is non-zero only if everything it stands for
 * works; everything else, including capabilities KVM has and minikvm
 * does not, is 0.  Documentation/abi.rst carries the same list.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <asm/cpufeature.h>

#include <uapi/linux/minikvm.h>

#include "compat.h"
#include "fpu.h"
#include "minikvm.h"

/* Capabilities that are simply present (value 1). */
static bool is_present_cap(long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_USER_MEMORY2:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_ENABLE_CAP_VM:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_HLT:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_XSAVE:
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_NOP_IO_DELAY:
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_X86_USER_SPACE_MSR:
	case KVM_CAP_X86_MSR_FILTER:
	case KVM_CAP_BINARY_STATS_FD:
	case KVM_CAP_SYNC_MMU:
	/* The in-kernel irqchip (module/irq/). */
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_IOAPIC_POLARITY_IGNORED:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_EXIT_ON_EMULATION_FAILURE:
	case KVM_CAP_MMU_SHADOW_CACHE_CONTROL:
	case KVM_CAP_SET_BOOT_CPU_ID:
	case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_COALESCED_PIO:
		return true;
	default:
		return false;
	}
}

/**
 * minikvm_check_extension - KVM_CHECK_EXTENSION on the system or a VM fd.
 * @vm: the VM asked, or NULL for the system fd.
 * @ext: a KVM_CAP_* number.
 *
 * Return: the capability's value, 0 when not supported.
 */
long minikvm_check_extension(struct minikvm_vm *vm, long ext)
{
	if (is_present_cap(ext))
		return 1;

	switch (ext) {
	case KVM_CAP_NR_VCPUS:
		return min_t(long, num_online_cpus(), MINIKVM_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
		return MINIKVM_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return MINIKVM_MAX_VCPU_IDS;
	case KVM_CAP_NR_MEMSLOTS:
		return MINIKVM_USER_MEM_SLOTS;
	case KVM_CAP_XCRS:
		return boot_cpu_has(X86_FEATURE_XSAVE);
	case KVM_CAP_XSAVE2:
		return minikvm_xsave2_size();
	case KVM_CAP_COALESCED_MMIO:
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	case KVM_CAP_SYNC_REGS:
		return KVM_SYNC_X86_VALID_FIELDS;
	case KVM_CAP_X2APIC_API:
		return KVM_X2APIC_API_VALID_FLAGS;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		return 1;	/* the default period, 1 ns (1 GHz) */
	case KVM_CAP_DISABLE_QUIRKS2:
		return MINIKVM_SUPPORTED_QUIRKS;
	case MINIKVM_CAP_SHADOW_MMU:
		return vm ? minikvm_mmu_is_shadow(&vm->mmu) : 1;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		       KVM_DIRTY_LOG_INITIALLY_SET;
	default:
		return 0;
	}
}
