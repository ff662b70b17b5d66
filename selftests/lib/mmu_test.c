// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the MMU tests, see include/mmu_test.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mmu_test.h"
#include "ucall.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB	(30 << MAP_HUGE_SHIFT)

struct vcpu_job {
	pthread_t thread;
	struct kvm_vcpu *vcpu;
	uint64_t expect;
};

static void *vcpu_run_once(void *arg)
{
	struct vcpu_job *job = arg;
	struct ucall uc;
	uint64_t cmd = vcpu_run_to_ucall(job->vcpu, &uc);

	TEST_ASSERT(cmd == job->expect, "vCPU %u: ucall %llu, expected %llu",
		    job->vcpu->id, (unsigned long long)cmd,
		    (unsigned long long)job->expect);
	return NULL;
}

void vcpus_run_parallel(struct kvm_vcpu **vcpus, unsigned int n, uint64_t expect)
{
	struct vcpu_job jobs[MAX_VCPUS];
	unsigned int i;

	TEST_ASSERT(n <= MAX_VCPUS, "too many vCPUs");
	for (i = 0; i < n; i++) {
		jobs[i] = (struct vcpu_job){ .vcpu = vcpus[i], .expect = expect };
		TEST_ASSERT(!pthread_create(&jobs[i].thread, NULL, vcpu_run_once,
					    &jobs[i]), "pthread_create");
	}
	for (i = 0; i < n; i++)
		TEST_ASSERT(!pthread_join(jobs[i].thread, NULL), "pthread_join");
}

struct vcpu_threads {
	unsigned int n;
	struct vcpu_job jobs[MAX_VCPUS];
};

struct vcpu_threads *vcpu_threads_start(struct kvm_vcpu **vcpus, unsigned int n)
{
	struct vcpu_threads *t = calloc(1, sizeof(*t));
	unsigned int i;

	TEST_ASSERT(t && n <= MAX_VCPUS, "vcpu_threads_start");
	t->n = n;
	for (i = 0; i < n; i++) {
		t->jobs[i] = (struct vcpu_job){ .vcpu = vcpus[i], .expect = UCALL_DONE };
		TEST_ASSERT(!pthread_create(&t->jobs[i].thread, NULL, vcpu_run_once,
					    &t->jobs[i]), "pthread_create");
	}
	return t;
}

void vcpu_threads_join(struct vcpu_threads *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		TEST_ASSERT(!pthread_join(t->jobs[i].thread, NULL), "pthread_join");
	free(t);
}

bool thp_available(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strstr(buf, "[never]") && buf[0];
}

/* mmap @size bytes aligned to @align (a power of two). */
static void *mmap_aligned(uint64_t size, uint64_t align, int flags)
{
	uint8_t *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | flags,
			  -1, 0);
	uint8_t *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)ALIGN_UP((uintptr_t)p, align);
	if (a > p)
		munmap(p, a - p);
	munmap(a + size, p + align - a);
	return a;
}

void *backing_alloc(enum backing backing, uint64_t size)
{
	void *p;

	switch (backing) {
	case BACKING_ANON:
		p = mmap_aligned(size, SZ_2M, 0);
		if (p)
			madvise(p, size, MADV_NOHUGEPAGE);
		return p;
	case BACKING_THP:
		if (!thp_available())
			return NULL;
		p = mmap_aligned(size, SZ_2M, 0);
		if (p && madvise(p, size, MADV_HUGEPAGE)) {
			munmap(p, size);
			return NULL;
		}
		return p;
	case BACKING_HUGETLB_2M:
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
			 -1, 0);
		return p == MAP_FAILED ? NULL : p;
	case BACKING_HUGETLB_1G:
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB,
			 -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	return NULL;
}

void backing_free(void *mem, uint64_t size)
{
	munmap(mem, size);
}

struct hugetlb_pool {
	char path[128];
	long old;
};

static struct hugetlb_pool saved_pools[2];
static unsigned int nr_saved_pools;

static bool write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%ld\n", v) > 0;
	return !fclose(f) && ok;
}

bool hugetlb_reserve(unsigned long size_kb, unsigned long nr)
{
	char dir[96], path[128];
	long total, free_pages;

	snprintf(dir, sizeof(dir), "/sys/kernel/mm/hugepages/hugepages-%lukB", size_kb);
	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	total = read_long_file(path);
	if (total < 0 || nr_saved_pools >= 2)
		return false;
	snprintf(saved_pools[nr_saved_pools].path, sizeof(saved_pools[0].path), "%s", path);
	saved_pools[nr_saved_pools++].old = total;

	snprintf(path, sizeof(path), "%s/free_hugepages", dir);
	free_pages = read_long_file(path);
	if (free_pages < (long)nr)
		write_long(saved_pools[nr_saved_pools - 1].path, total + nr - free_pages);
	return read_long_file(path) >= (long)nr;
}

void hugetlb_restore(void)
{
	while (nr_saved_pools) {
		nr_saved_pools--;
		write_long(saved_pools[nr_saved_pools].path, saved_pools[nr_saved_pools].old);
	}
}
