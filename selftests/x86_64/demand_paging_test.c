// SPDX-License-Identifier: GPL-2.0
/*
 * Demand paging from several vCPUs at once: every page of a data slot is
 * first touched by all vCPUs concurrently (each writes its own quadword of
 * the page, in its own order), so faults on the same gfn race - to install
 * the same leaf, the same tables, the same huge page - and every write
 * must land.  With 4 KiB host pages and with transparent huge pages.
 * (The workload of the upstream demand_paging_test, without userfaultfd.)
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "mmu_test.h"
#include "processor.h"
#include "ucall.h"

#define DATA_SLOT	1
#define DATA_GPA	SZ_1G
#define DATA_PAGES	4096		/* 16 MiB */
#define DATA_SIZE	(DATA_PAGES * PAGE_SIZE)
#define NR_VCPUS	4

/*
 * vCPU @id writes quadword @id of every page, starting at a different page
 * and walking in a different direction than its neighbours, then checks
 * what it wrote.
 */
static void guest_touch_all(uint64_t id, uint64_t nr)
{
	uint64_t i, page, bad = 0;
	int64_t step = (id & 1) ? -1 : 1;

	for (i = 0, page = id * DATA_PAGES / nr; i < DATA_PAGES; i++) {
		*(volatile uint64_t *)(DATA_GPA + page * PAGE_SIZE + id * 8) =
			(id << 48) | page;
		page = (page + step + DATA_PAGES) % DATA_PAGES;
	}
	for (page = 0; page < DATA_PAGES; page++)
		if (*(volatile uint64_t *)(DATA_GPA + page * PAGE_SIZE + id * 8) !=
		    ((id << 48) | page))
			bad++;
	GUEST_SYNC(bad);
	GUEST_DONE();
}

/* Return: false (nothing run) if @backing is not available here. */
static bool run_concurrent_touch(struct __test_metadata *_metadata,
				 enum backing backing)
{
	struct kvm_vcpu *vcpus[NR_VCPUS];
	long pages4k, pages2m, spurious;
	uint64_t page, id, *mem;
	struct kvm_vm *vm;
	struct ucall uc;
	unsigned int i;

	mem = backing_alloc(backing, DATA_SIZE);
	if (!mem)
		return false;
	vm = vm_create_with_vcpus(NR_VCPUS, guest_touch_all, vcpus);
	vm_add_region(vm, DATA_SLOT, 0, DATA_GPA, DATA_SIZE, mem);
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_args_set(vcpus[i], 2, (uint64_t)i, (uint64_t)NR_VCPUS);

	vcpus_run_parallel(vcpus, NR_VCPUS, UCALL_SYNC);
	for (i = 0; i < NR_VCPUS; i++) {
		/* The guest's own check, reported by its last GUEST_SYNC. */
		ASSERT_EQ(UCALL_SYNC, get_ucall(vcpus[i], &uc));
		EXPECT_EQ(0, uc.args[0]) TH_LOG("vCPU %u: pages not as written", i);
		vcpu_expect_done(vcpus[i]);
	}
	for (page = 0; page < DATA_PAGES; page++)
		for (id = 0; id < NR_VCPUS; id++)
			ASSERT_EQ((id << 48) | page, mem[page * 512 + id])
				TH_LOG("page %llu, vCPU %llu", (unsigned long long)page,
				       (unsigned long long)id);

	pages4k = vm_get_stat(vm, "pages_4k");
	pages2m = vm_get_stat(vm, "pages_2m");
	spurious = vm_get_stat(vm, "pf_spurious");
	TH_LOG("mapped: %ld 4K, %ld 2M; spurious faults: %ld", pages4k, pages2m,
	       spurious);
	if (pages4k >= 0 && pages2m >= 0)
		EXPECT_LE(DATA_PAGES, pages4k + 512 * pages2m);
	kvm_vm_free(vm);
	backing_free(mem, DATA_SIZE);
	return true;
}

TEST(concurrent_first_touches_map_every_4k_page)
{
	ASSERT_TRUE(run_concurrent_touch(_metadata, BACKING_ANON));
}

TEST(concurrent_first_touches_map_every_huge_page)
{
	if (!run_concurrent_touch(_metadata, BACKING_THP))
		SKIP(return, "no transparent huge pages");
}

TEST_HARNESS_MAIN
