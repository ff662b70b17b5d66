// SPDX-License-Identifier: GPL-2.0
/*
 * Huge pages: guest memory backed by 2 MiB transparent huge pages, by
 * hugetlbfs 2 MiB and 1 GiB pages, is mapped with 2 MiB / 1 GiB sptes
 * where the memslot's alignment allows; dirty logging splits them and
 * turning it off makes them huge again.  The page counts come from the
 * VM's debugfs statistics (pages_4k, pages_2m, pages_1g), which stock KVM
 * and minikvm both keep: the test is a SKIP where they cannot be read.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "mmu_test.h"
#include "processor.h"
#include "ucall.h"

#define DATA_SLOT	1
#define DATA_GPA	SZ_1G
#define THP_SIZE	(4 * SZ_2M)

/* The guest writes the first quadword of every @stride-th page, then syncs. */
static uint64_t touch_gpa, touch_pages, touch_stride, touch_val;

static void guest_touch(void)
{
	uint64_t i, gpa, pages, stride, val;

	for (;;) {
		/*
		 * All the globals, and the guest page table page that maps
		 * @gpa, even for 0 pages: the warm-up maps them.
		 */
		gpa = GUEST_READ(touch_gpa);
		pages = GUEST_READ(touch_pages);
		stride = GUEST_READ(touch_stride);
		val = GUEST_READ(touch_val);
		(void)*(volatile uint64_t *)(GUEST_PD_GPA + (gpa >> 30) * PAGE_SIZE);
		for (i = 0; i < pages; i += stride)
			*(volatile uint64_t *)(gpa + i * PAGE_SIZE) = val + i;
		GUEST_SYNC(0);
	}
}

struct huge_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	void *mem;
	uint64_t size;
};

static void touch(struct huge_vm *h, gpa_t gpa, uint64_t pages, uint64_t stride)
{
	GUEST_GLOBAL(h->vm, touch_gpa) = gpa;
	GUEST_GLOBAL(h->vm, touch_pages) = pages;
	GUEST_GLOBAL(h->vm, touch_stride) = stride;
	GUEST_GLOBAL(h->vm, touch_val) += 0x1000000;
	vcpu_expect_sync(h->vcpu, 0);
}

/* Pages mapped at each level: [0] 4K, [1] 2M, [2] 1G; false without stats. */
static bool mapped(struct huge_vm *h, long pages[3])
{
	pages[0] = vm_get_stat(h->vm, "pages_4k");
	pages[1] = vm_get_stat(h->vm, "pages_2m");
	pages[2] = vm_get_stat(h->vm, "pages_1g");
	return pages[0] >= 0 && pages[1] >= 0 && pages[2] >= 0;
}

/* Host memory of @backing as slot DATA_SLOT at @gpa + @hva_offset. */
static bool huge_vm_create(struct huge_vm *h, enum backing backing,
			   uint64_t size, uint64_t hva_offset)
{
	h->vm = vm_create_with_one_vcpu(&h->vcpu, guest_touch);
	h->size = size;
	h->mem = backing_alloc(backing, size);
	if (!h->mem) {
		kvm_vm_free(h->vm);
		return false;
	}
	vm_add_region(h->vm, DATA_SLOT, 0, DATA_GPA, size - hva_offset,
		      (uint8_t *)h->mem + hva_offset);
	/* Map the guest's code and stack (not the data slot) before counting. */
	touch(h, DATA_GPA, 0, 1);
	return true;
}

static void huge_vm_free(struct huge_vm *h)
{
	kvm_vm_free(h->vm);
	backing_free(h->mem, h->size);
}

/* How much of the host mapping at @addr is THP-backed, in 2 MiB pages. */
static long host_thp_pages(void *addr)
{
	unsigned long start, end, v = (unsigned long)addr;
	char line[256];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = v >= start && v < end;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb < 0 ? -1 : kb / 2048;
}

TEST(thp_backed_memory_is_mapped_with_2m_pages)
{
	long before[3], after[3], thp;
	struct huge_vm h;

	if (!huge_vm_create(&h, BACKING_THP, THP_SIZE, 0))
		SKIP(return, "no transparent huge pages");
	if (!mapped(&h, before)) {
		huge_vm_free(&h);
		SKIP(return, "no page statistics in debugfs");
	}
	touch(&h, DATA_GPA, THP_SIZE / PAGE_SIZE, 1);
	ASSERT_TRUE(mapped(&h, after));
	thp = host_thp_pages(h.mem);
	TH_LOG("host THPs %ld, 2M sptes %ld -> %ld, 4K sptes %ld -> %ld",
	       thp, before[1], after[1], before[0], after[0]);
	EXPECT_LT(0, thp);
	EXPECT_EQ(thp, after[1] - before[1]);
	/* The rest (if a THP could not be had) is mapped 4 KiB. */
	EXPECT_EQ((4 - thp) * 512, after[0] - before[0]);
	huge_vm_free(&h);
}

TEST(misaligned_memslot_is_mapped_with_4k_pages)
{
	long before[3], after[3];
	struct huge_vm h;

	/* Guest 2 MiB boundaries fall 4 KiB into the host's huge pages. */
	if (!huge_vm_create(&h, BACKING_THP, THP_SIZE, PAGE_SIZE))
		SKIP(return, "no transparent huge pages");
	if (!mapped(&h, before)) {
		huge_vm_free(&h);
		SKIP(return, "no page statistics in debugfs");
	}
	touch(&h, DATA_GPA, THP_SIZE / PAGE_SIZE - 1, 1);
	ASSERT_TRUE(mapped(&h, after));
	EXPECT_EQ(0, after[1] - before[1]);
	EXPECT_EQ(THP_SIZE / PAGE_SIZE - 1, after[0] - before[0]);
	huge_vm_free(&h);
}

TEST(hugetlbfs_2m_pages_are_mapped_with_2m_pages)
{
	long before[3], after[3];
	struct huge_vm h;

	if (!hugetlb_reserve(2048, 4)) {
		hugetlb_restore();
		SKIP(return, "cannot reserve four 2 MiB huge pages");
	}
	if (!huge_vm_create(&h, BACKING_HUGETLB_2M, THP_SIZE, 0)) {
		hugetlb_restore();
		SKIP(return, "no hugetlbfs 2 MiB pages");
	}
	ASSERT_TRUE(mapped(&h, before));
	touch(&h, DATA_GPA, THP_SIZE / PAGE_SIZE, 128);
	ASSERT_TRUE(mapped(&h, after));
	EXPECT_EQ(4, after[1] - before[1]);
	EXPECT_EQ(0, after[0] - before[0]);
	huge_vm_free(&h);
	hugetlb_restore();
}

TEST(hugetlbfs_1g_page_is_mapped_with_a_1g_page)
{
	long before[3], after[3];
	struct huge_vm h;

	if (!hugetlb_reserve(1048576, 1)) {
		hugetlb_restore();
		SKIP(return, "cannot reserve a 1 GiB huge page (no pdpe1gb?)");
	}
	if (!huge_vm_create(&h, BACKING_HUGETLB_1G, SZ_1G, 0)) {
		hugetlb_restore();
		SKIP(return, "no hugetlbfs 1 GiB pages");
	}
	if (vm_uses_shadow_paging(h.vm)) {
		huge_vm_free(&h);
		hugetlb_restore();
		SKIP(return, "shadow paging maps at most 2 MiB pages, as KVM with npt=0");
	}
	ASSERT_TRUE(mapped(&h, before));
	touch(&h, DATA_GPA, SZ_1G / PAGE_SIZE, 4096);
	ASSERT_TRUE(mapped(&h, after));
	/* Mapped by the first touch already: one 1 GiB leaf, nothing else. */
	EXPECT_EQ(1, after[2]);
	EXPECT_EQ(0, after[1] - before[1]);
	EXPECT_EQ(0, after[0] - before[0]);
	huge_vm_free(&h);
	hugetlb_restore();
}

/*
 * Dirty logging works per 4 KiB page: starting it splits the 2 MiB
 * mappings (all of them, without the guest faulting), stopping it lets
 * the next faults map 2 MiB again.
 */
TEST(dirty_logging_splits_huge_pages_and_stopping_recovers_them)
{
	long base[3], huge[3], split[3], back[3];
	struct huge_vm h;

	if (!hugetlb_reserve(2048, 4)) {
		hugetlb_restore();
		SKIP(return, "cannot reserve four 2 MiB huge pages");
	}
	if (!huge_vm_create(&h, BACKING_HUGETLB_2M, THP_SIZE, 0)) {
		hugetlb_restore();
		SKIP(return, "no hugetlbfs 2 MiB pages");
	}
	ASSERT_TRUE(mapped(&h, base));
	touch(&h, DATA_GPA, THP_SIZE / PAGE_SIZE, 512);
	ASSERT_TRUE(mapped(&h, huge));
	EXPECT_EQ(4, huge[1] - base[1]);

	vm_set_region_flags(h.vm, DATA_SLOT, KVM_MEM_LOG_DIRTY_PAGES);
	touch(&h, DATA_GPA, THP_SIZE / PAGE_SIZE, 1);
	ASSERT_TRUE(mapped(&h, split));
	EXPECT_EQ(0, split[1] - base[1]);
	EXPECT_EQ(THP_SIZE / PAGE_SIZE, split[0] - base[0]);

	vm_set_region_flags(h.vm, DATA_SLOT, 0);
	touch(&h, DATA_GPA, THP_SIZE / PAGE_SIZE, 1);
	ASSERT_TRUE(mapped(&h, back));
	TH_LOG("2M sptes: %ld mapped, %ld while logging, %ld after",
	       huge[1] - base[1], split[1] - base[1], back[1] - base[1]);
	EXPECT_EQ(4, back[1] - base[1]);
	EXPECT_EQ(0, back[0] - base[0]);
	huge_vm_free(&h);
	hugetlb_restore();
}

TEST_HARNESS_MAIN
