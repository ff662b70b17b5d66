/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the MMU tests (demand paging, MMU notifiers, huge
 * pages, dirty logging, memslot stress, MMIO): guest globals shared with
 * the host, vCPUs run in parallel on threads, host memory with a chosen
 * backing (anonymous, THP, hugetlbfs), and guest loops over guest pages.
 */
#ifndef SELFTEST_MINIKVM_MMU_TEST_H
#define SELFTEST_MINIKVM_MMU_TEST_H

#include <stdint.h>

#include "minikvm_util.h"

#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)

/*
 * A guest global seen from the host, through the memslot that holds the
 * test image (GPA == host address of the variable).  The host's copy of
 * the variable itself is a different page: always go through this.
 */
#define GUEST_GLOBAL(vm, g)						\
	(*(volatile __typeof__(g) *)addr_gpa2hva(vm, (gpa_t)(uintptr_t)&(g)))

/* A guest global read or written by guest code, never cached in a register. */
#define GUEST_READ(g)		(*(volatile __typeof__(g) *)&(g))
#define GUEST_WRITE(g, v)	(*(volatile __typeof__(g) *)&(g) = (v))

/*
 * Runs each vCPU on its own thread until its next ucall, which must be
 * @expect (UCALL_SYNC or UCALL_DONE); returns when all of them are back.
 */
void vcpus_run_parallel(struct kvm_vcpu **vcpus, unsigned int n, uint64_t expect);

/* vCPU threads that run until the guest says GUEST_DONE(). */
struct vcpu_threads;
struct vcpu_threads *vcpu_threads_start(struct kvm_vcpu **vcpus, unsigned int n);
void vcpu_threads_join(struct vcpu_threads *t);

enum backing {
	BACKING_ANON,		/* anonymous, THP disabled: 4 KiB host pages */
	BACKING_THP,		/* anonymous, THP requested (2 MiB if available) */
	BACKING_HUGETLB_2M,	/* hugetlbfs 2 MiB pages */
	BACKING_HUGETLB_1G,	/* hugetlbfs 1 GiB pages */
};

/*
 * @size bytes of host memory with @backing, aligned to its page size (and
 * at least 2 MiB).  Return: the memory, or NULL if the backing is not
 * available (no THP, no huge pages reserved): a test SKIPs then.
 */
void *backing_alloc(enum backing backing, uint64_t size);
void backing_free(void *mem, uint64_t size);

/*
 * Makes sure at least @nr huge pages of @size_kb are in the pool (as root),
 * remembering the old pool size; hugetlb_restore() puts it back.
 * Return: true if enough are free.
 */
bool hugetlb_reserve(unsigned long size_kb, unsigned long nr);
void hugetlb_restore(void);

/* Is transparent huge page support on ("always" or "madvise")? */
bool thp_available(void);

#endif /* SELFTEST_MINIKVM_MMU_TEST_H */
