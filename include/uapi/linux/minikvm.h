/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minikvm userspace ABI.
 *
 * /dev/minikvm speaks a binary-compatible subset of the KVM ioctl ABI of
 * <linux/kvm.h>: the same ioctl numbers, the same structs and the same
 * struct kvm_run page, API version 12.  A program written for /dev/kvm runs
 * unchanged when it opens /dev/minikvm instead.  This header only adds what
 * is minikvm's own; everything else comes from <linux/kvm.h>.
 *
 * The subset (see Documentation/abi.rst for the errno contracts):
 *
 *   system fd  KVM_GET_API_VERSION, KVM_CREATE_VM (type 0, or
 *              MINIKVM_X86_SHADOW_MMU_VM below),
 *              KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE,
 *              KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST,
 *              KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSRS
 *   VM fd      KVM_CHECK_EXTENSION, KVM_SET_USER_MEMORY_REGION(2)
 *              (KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY),
 *              KVM_GET/CLEAR_DIRTY_LOG, KVM_CREATE_VCPU, KVM_ENABLE_CAP,
 *              KVM_SET_BOOT_CPU_ID, KVM_SET_NR_MMU_PAGES,
 *              KVM_X86_SET_MSR_FILTER, KVM_GET/SET_TSC_KHZ,
 *              KVM_GET_STATS_FD, KVM_REGISTER/UNREGISTER_COALESCED_MMIO;
 *              the irqchip: KVM_CREATE_IRQCHIP, KVM_IRQ_LINE(_STATUS),
 *              KVM_GET/SET_IRQCHIP, KVM_SIGNAL_MSI
 *   vCPU fd    mmap (page 0: struct kvm_run, page 1: PIO data, page 2:
 *              the coalesced MMIO ring),
 *              KVM_RUN (with sync_regs), KVM_GET/SET_REGS, SREGS, FPU,
 *              XSAVE (and GET_XSAVE2), XCRS, MSRS, MP_STATE, VCPU_EVENTS,
 *              DEBUGREGS, LAPIC, TSC_KHZ; KVM_SET_CPUID(2), KVM_GET_CPUID2,
 *              KVM_INTERRUPT, KVM_NMI, KVM_ENABLE_CAP (always EINVAL),
 *              KVM_GET_STATS_FD, KVM_SET_SIGNAL_MASK
 *   exits      KVM_EXIT_IO (IN/OUT of 1, 2, 4 bytes; INS/OUTS are
 *              emulated and exit as in KVM), KVM_EXIT_MMIO (emulated
 *              instructions on MMIO), KVM_EXIT_HLT (without the in-kernel
 *              local APIC), KVM_EXIT_IRQ_WINDOW_OPEN,
 *              KVM_EXIT_X86_RDMSR/WRMSR, KVM_EXIT_SHUTDOWN,
 *              KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_INTR
 *
 * Any other ioctl fails as in KVM (EINVAL on the system and vCPU fds,
 * ENOTTY on VM fds); KVM_CHECK_EXTENSION reports only the capabilities
 * that work.
 */
#ifndef _UAPI_LINUX_MINIKVM_H
#define _UAPI_LINUX_MINIKVM_H

#include <linux/kvm.h>

/* The device node, and the API version it reports (same as KVM). */
#define MINIKVM_DEVICE_PATH	"/dev/minikvm"
#define MINIKVM_API_VERSION_NR	12

/*
 * minikvm-specific extensions get capability and ioctl numbers from a range
 * KVM does not use (capabilities from 0x4d4b0000, "MK" << 16).
 */
#define MINIKVM_CAP_BASE	0x4d4b0000

/*
 * The shadow MMU, per VM.
 *
 * minikvm runs every VM on its shadow MMU when the CPU has no nested
 * paging (NPT/EPT).  On a CPU that has it, the default VM type (0) keeps
 * the KVM-compatible TDP MMU, and KVM_CREATE_VM with the type
 * MINIKVM_X86_SHADOW_MMU_VM creates a VM that uses the shadow MMU anyway
 * (stock KVM can only switch for all VMs, with kvm_amd.npt=0).  Guests
 * cannot tell the difference, except in speed.  For programs that only
 * know type 0, the module parameter tdp=N gives every VM the shadow MMU.
 *
 * KVM_CHECK_EXTENSION(MINIKVM_CAP_SHADOW_MMU) returns 1 on the system fd
 * when the type is accepted; on a VM fd, 1 if that VM runs on the shadow
 * MMU and 0 if it runs on the TDP MMU.
 */
#define MINIKVM_CAP_SHADOW_MMU		(MINIKVM_CAP_BASE + 1)
#define MINIKVM_X86_SHADOW_MMU_VM	0x4d4b0001UL

#endif /* _UAPI_LINUX_MINIKVM_H */
