/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address-space types of minikvm, defined once.
 *
 *   gva_t  guest virtual address
 *   gpa_t  guest physical address      gfn_t  guest frame number
 *   hva_t  host (userspace) virtual address
 *   hpa_t  host physical address       hfn_t  host frame number
 *
 * They are identical to the kernel's own definitions in <linux/kvm_types.h>
 * (C11 allows an identical typedef twice), so either header may come first.
 */
#ifndef MINIKVM_MODULE_TYPES_H
#define MINIKVM_MODULE_TYPES_H

#include <linux/types.h>

typedef unsigned long gva_t;
typedef u64 gpa_t;
typedef u64 gfn_t;
typedef unsigned long hva_t;
typedef u64 hpa_t;
typedef u64 hfn_t;

static inline gfn_t gpa_to_gfn(gpa_t gpa)
{
	return gpa >> PAGE_SHIFT;
}

static inline gpa_t gfn_to_gpa(gfn_t gfn)
{
	return (gpa_t)gfn << PAGE_SHIFT;
}

#endif /* MINIKVM_MODULE_TYPES_H */
