/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels minikvm builds against (Debian's 6.1 and
 * 6.12), kept in one place instead of #ifs spread through the code.
 */
#ifndef MINIKVM_MODULE_COMPAT_H
#define MINIKVM_MODULE_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>
#include <linux/kvm.h>

/* EFER.SVME and VM_CR.SVMDIS: named in 6.1's headers, not in 6.12's. */
#ifndef SVM_VM_CR_SVM_DIS_MASK
#define SVM_VM_CR_SVM_DIS_MASK	0x0010ULL
#endif

/*
 * 6.12's <linux/kvm.h> renames kvm_run fields that userspace may change at
 * any time to <name>__unsafe for kernel code; read them once, with READ_ONCE.
 */
#ifdef HINT_UNSAFE_IN_KVM
#define minikvm_run_immediate_exit(run) READ_ONCE((run)->immediate_exit__unsafe)
#else
#define minikvm_run_immediate_exit(run) READ_ONCE((run)->immediate_exit)
#endif

/*
 * MMU notifiers: the callbacks minikvm implements have the same signature
 * in 6.1 and 6.12.  6.1 also has change_pte(), which minikvm leaves NULL:
 * the kernel only calls it between invalidate_range_start() and _end(),
 * and start already zapped the spte.
 */

#endif /* MINIKVM_MODULE_COMPAT_H */
