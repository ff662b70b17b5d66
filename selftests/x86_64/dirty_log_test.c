// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging: KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG and, with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_CLEAR_DIRTY_LOG - no dirty page is
 * ever lost, across rounds, on/off cycles and concurrent vCPUs, and the
 * ioctls' errno contracts.
 *
 * The guest: each vCPU writes the current round number into pseudo-random
 * pages of its own share of a data slot (page p belongs to vCPU p % nr), a
 * burst at a time.  In "paused" rounds all vCPUs stop at a GUEST_SYNC
 * before the host collects the log, so the check is exact: a page is
 * reported dirty if and only if its content changed.  In "concurrent"
 * rounds the vCPUs keep writing while the host collects, and the check is
 * the one of the upstream KVM selftest dirty_log_test: a page reported
 * clean must not hold a newer value than the round, and a page whose
 * value shows a write that the collection may have missed must be
 * reported by the next one.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "mmu_test.h"
#include "processor.h"
#include "ucall.h"

#define DL_SLOT		1
#define DL_GPA		SZ_1G
#define DL_PAGES	2048		/* 8 MiB: four 2 MiB huge pages */
#define DL_SIZE		(DL_PAGES * PAGE_SIZE)
#define DL_VCPUS	2
#define BITS_PER_LONG	64
#define DL_LONGS	(DL_PAGES / BITS_PER_LONG)

/* Guest globals, set by the host through GUEST_GLOBAL(). */
static uint64_t dl_round;	/* the value the guest writes */
static uint64_t dl_burst;	/* writes between two GUEST_SYNCs */
static uint64_t dl_pause;	/* GUEST_SYNC after each burst */
static uint64_t dl_stop;	/* GUEST_DONE at the end of the burst */

static void guest_dirty_writer(uint64_t id, uint64_t nr)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (id + 1), i, page;

	for (;;) {
		for (i = 0; i < GUEST_READ(dl_burst); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			page = (x % (DL_PAGES / nr)) * nr + id;
			*(volatile uint64_t *)(DL_GPA + page * PAGE_SIZE) =
				GUEST_READ(dl_round);
		}
		if (GUEST_READ(dl_stop))
			break;
		if (GUEST_READ(dl_pause))
			GUEST_SYNC(id);
	}
	GUEST_DONE();
}

static bool test_bit_le(const uint64_t *bitmap, uint64_t nr)
{
	return bitmap[nr / 64] & (1ULL << (nr % 64));
}

struct dl_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[DL_VCPUS];
	uint64_t *mem;			/* the data slot, host view */
	uint64_t last[DL_PAGES];	/* value at the previous collection */
	uint64_t bitmap[DL_LONGS];
	bool manual;			/* KVM_CLEAR_DIRTY_LOG after each GET */
};

static void dl_vm_create(struct dl_vm *d, enum backing backing, uint64_t manual_caps)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->vm = vm_create_with_vcpus(DL_VCPUS, guest_dirty_writer, d->vcpus);
	for (i = 0; i < DL_VCPUS; i++)
		vcpu_args_set(d->vcpus[i], 2, (uint64_t)i, (uint64_t)DL_VCPUS);
	if (manual_caps) {
		vm_enable_cap(d->vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, manual_caps);
		d->manual = true;
	}
	d->mem = backing_alloc(backing, DL_SIZE);
	if (!d->mem)
		d->mem = backing_alloc(BACKING_ANON, DL_SIZE);
	TEST_ASSERT(d->mem, "no memory for the data slot");
	vm_add_region(d->vm, DL_SLOT, 0, DL_GPA, DL_SIZE, d->mem);
}

static void dl_vm_free(struct dl_vm *d)
{
	kvm_vm_free(d->vm);
	backing_free(d->mem, DL_SIZE);
}

static uint64_t page_value(struct dl_vm *d, uint64_t page)
{
	return *(volatile uint64_t *)((uint8_t *)d->mem + page * PAGE_SIZE);
}

/* Collect the log: GET, and with manual protection CLEAR what was reported. */
static void dl_collect(struct dl_vm *d)
{
	vm_get_dirty_log(d->vm, DL_SLOT, d->bitmap);
	if (d->manual)
		vm_clear_dirty_log(d->vm, DL_SLOT, d->bitmap, 0, DL_PAGES);
}

static void dl_snapshot(struct dl_vm *d)
{
	uint64_t p;

	for (p = 0; p < DL_PAGES; p++)
		d->last[p] = page_value(d, p);
}

/* Every vCPU writes a burst of value @round, then stops at a GUEST_SYNC. */
static void dl_run(struct dl_vm *d, uint64_t round, uint64_t burst)
{
	GUEST_GLOBAL(d->vm, dl_round) = round;
	GUEST_GLOBAL(d->vm, dl_burst) = burst;
	GUEST_GLOBAL(d->vm, dl_pause) = 1;
	vcpus_run_parallel(d->vcpus, DL_VCPUS, UCALL_SYNC);
}

/*
 * One paused round: dl_run(), then every page that changed must be
 * reported, and only those.  Return: the number of dirty pages.
 */
static unsigned int dl_paused_round(struct __test_metadata *_metadata,
				    struct dl_vm *d, uint64_t round, uint64_t burst)
{
	unsigned int dirty = 0;
	uint64_t p;

	dl_run(d, round, burst);
	dl_collect(d);
	for (p = 0; p < DL_PAGES; p++) {
		bool changed = page_value(d, p) != d->last[p];
		bool logged = test_bit_le(d->bitmap, p);

		EXPECT_EQ(changed, logged) {
			TH_LOG("round %llu page %llu: value %llu -> %llu, %s",
			       (unsigned long long)round, (unsigned long long)p,
			       (unsigned long long)d->last[p],
			       (unsigned long long)page_value(d, p),
			       logged ? "reported dirty" : "reported clean");
			return dirty;
		}
		dirty += logged;
	}
	dl_snapshot(d);
	return dirty;
}

static void dl_set_logging(struct dl_vm *d, bool on)
{
	vm_set_region_flags(d->vm, DL_SLOT, on ? KVM_MEM_LOG_DIRTY_PAGES : 0);
	if (on)
		dl_snapshot(d);
}

static void dl_stop_vcpus(struct dl_vm *d)
{
	GUEST_GLOBAL(d->vm, dl_stop) = 1;
	vcpus_run_parallel(d->vcpus, DL_VCPUS, UCALL_DONE);
}

TEST(sync_mmu_and_manual_protect_are_advertised)
{
	int fd = open_device_or_exit_skip();

	EXPECT_EQ(1, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_MMU));
	EXPECT_EQ(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET,
		  ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
	close(fd);
}

TEST(paused_rounds_report_exactly_the_written_pages)
{
	struct dl_vm d;
	uint64_t round;

	dl_vm_create(&d, BACKING_ANON, 0);
	dl_set_logging(&d, true);
	for (round = 1; round <= 8; round++)
		EXPECT_LT(0, dl_paused_round(_metadata, &d, round, 300));
	dl_stop_vcpus(&d);
	dl_vm_free(&d);
}

TEST(logging_on_off_cycles_lose_no_page)
{
	struct dl_vm d;
	uint64_t round = 1;
	int cycle, i;

	/* THP backing where available: logging splits, turning it off recovers. */
	dl_vm_create(&d, BACKING_THP, 0);
	for (cycle = 0; cycle < 4; cycle++) {
		/* Logging off: the guest writes freely, nothing is reported. */
		dl_run(&d, round++, 200);
		dl_set_logging(&d, true);
		for (i = 0; i < 3; i++)
			EXPECT_LT(0, dl_paused_round(_metadata, &d, round++, 200));
		dl_set_logging(&d, false);
		EXPECT_EQ(-1, __vm_get_dirty_log(d.vm, DL_SLOT, d.bitmap));
		EXPECT_EQ(ENOENT, errno);
		/* Host writes are not the guest's: never reported either. */
		memset(d.mem, 0, DL_SIZE);
	}
	dl_stop_vcpus(&d);
	dl_vm_free(&d);
}

TEST(manual_protect_get_then_clear_loses_no_page)
{
	struct dl_vm d;
	uint64_t round;

	dl_vm_create(&d, BACKING_THP, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
	dl_set_logging(&d, true);
	for (round = 1; round <= 6; round++)
		EXPECT_LT(0, dl_paused_round(_metadata, &d, round, 300));
	dl_stop_vcpus(&d);
	dl_vm_free(&d);
}

TEST(initially_set_reports_every_page_first)
{
	uint64_t round, all = 0, p;
	struct dl_vm d;

	dl_vm_create(&d, BACKING_THP, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
				      KVM_DIRTY_LOG_INITIALLY_SET);
	/* Map the whole slot (huge where possible) before logging starts. */
	dl_run(&d, 1, 4 * DL_PAGES);
	vm_set_region_flags(d.vm, DL_SLOT, KVM_MEM_LOG_DIRTY_PAGES);
	vm_get_dirty_log(d.vm, DL_SLOT, d.bitmap);
	for (p = 0; p < DL_PAGES; p++)
		all += test_bit_le(d.bitmap, p);
	EXPECT_EQ(DL_PAGES, all);
	/* Clearing write-protects: from now on only written pages show up. */
	vm_clear_dirty_log(d.vm, DL_SLOT, d.bitmap, 0, DL_PAGES);
	dl_snapshot(&d);
	for (round = 2; round <= 5; round++)
		EXPECT_LT(0, dl_paused_round(_metadata, &d, round, 300));
	dl_stop_vcpus(&d);
	dl_vm_free(&d);
}

/*
 * Concurrent rounds.  After each collection, no page holds a value newer
 * than the round; a page reported clean that holds this round's value was
 * written in this round, maybe after the collection looked at it: it must
 * then be reported by the next collection.  (A write of this round's value
 * before the collection that the collection missed is caught that way.)
 */
static void dl_check_concurrent(struct __test_metadata *_metadata,
				struct dl_vm *d, uint64_t round, uint64_t *must)
{
	uint64_t p;

	for (p = 0; p < DL_PAGES; p++) {
		uint64_t v = page_value(d, p);
		bool logged = test_bit_le(d->bitmap, p);

		if (must[p / 64] & (1ULL << (p % 64))) {
			ASSERT_TRUE(logged)
				TH_LOG("round %llu: page %llu written in round %llu was never reported",
				       (unsigned long long)round,
				       (unsigned long long)p, (unsigned long long)v);
			must[p / 64] &= ~(1ULL << (p % 64));
		}
		ASSERT_LE(v, round);
		if (!logged && v == round)
			must[p / 64] |= 1ULL << (p % 64);
		d->last[p] = v;
	}
}

TEST(concurrent_writers_never_lose_a_dirty_page)
{
	uint64_t must[DL_LONGS] = { 0 };
	struct vcpu_threads *threads;
	struct dl_vm d;
	uint64_t round;

	dl_vm_create(&d, BACKING_ANON, 0);
	dl_set_logging(&d, true);
	GUEST_GLOBAL(d.vm, dl_round) = 1;
	GUEST_GLOBAL(d.vm, dl_burst) = 64;
	GUEST_GLOBAL(d.vm, dl_pause) = 0;
	threads = vcpu_threads_start(d.vcpus, DL_VCPUS);

	for (round = 1; round <= 20; round++) {
		usleep(20000);
		vm_get_dirty_log(d.vm, DL_SLOT, d.bitmap);
		dl_check_concurrent(_metadata, &d, round, must);
		GUEST_GLOBAL(d.vm, dl_round) = round + 1;
	}
	GUEST_GLOBAL(d.vm, dl_stop) = 1;
	vcpu_threads_join(threads);

	/* Quiet now: the last collection must report all that is left. */
	vm_get_dirty_log(d.vm, DL_SLOT, d.bitmap);
	dl_check_concurrent(_metadata, &d, round, must);
	for (round = 0; round < DL_LONGS; round++)
		EXPECT_EQ(0, must[round]);
	dl_vm_free(&d);
}

/*
 * Once a page is write-protected for logging, its next write is fixed by
 * the fast page fault (no mmu_lock): the statistics must show it for (at
 * least) 99 % of those faults.
 */
TEST(fast_path_fixes_dirty_logging_write_faults)
{
	long fast0, taken0, fast, taken;
	struct dl_vm d;
	uint64_t round;

	dl_vm_create(&d, BACKING_ANON, 0);
	if (vm_uses_shadow_paging(d.vm)) {
		dl_vm_free(&d);
		SKIP(return, "the fast page fault serves TDP only (Documentation/mmu.rst)");
	}
	/* Fault every page in before logging starts. */
	dl_run(&d, 1, 4 * DL_PAGES);
	dl_set_logging(&d, true);
	fast0 = vm_get_stat(d.vm, "pf_fast");
	taken0 = vm_get_stat(d.vm, "pf_taken");
	if (fast0 < 0 || taken0 < 0) {
		dl_stop_vcpus(&d);
		dl_vm_free(&d);
		SKIP(return, "no pf_fast/pf_taken statistics in debugfs");
	}
	for (round = 2; round <= 6; round++)
		dl_paused_round(_metadata, &d, round, 1000);
	fast = vm_get_stat(d.vm, "pf_fast") - fast0;
	taken = vm_get_stat(d.vm, "pf_taken") - taken0;
	TH_LOG("dirty logging write faults: %ld taken, %ld fixed by the fast path (%.2f%%)",
	       taken, fast, taken ? 100.0 * fast / taken : 0.0);
	EXPECT_LT(0, taken);
	EXPECT_GE(fast * 100, taken * 99);
	dl_stop_vcpus(&d);
	dl_vm_free(&d);
}

/* Errno contracts, as stock KVM has them. */

TEST(dirty_log_ioctls_check_slot_and_range)
{
	uint64_t bitmap[DL_LONGS];
	struct dl_vm d;

	dl_vm_create(&d, BACKING_ANON, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
	/* A slot that does not log, one that does not exist, a bad id. */
	EXPECT_EQ(-1, __vm_get_dirty_log(d.vm, DL_SLOT, bitmap));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, __vm_get_dirty_log(d.vm, 9, bitmap));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, __vm_get_dirty_log(d.vm, 32764, bitmap));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __vm_clear_dirty_log(d.vm, DL_SLOT, bitmap, 0, 64));
	EXPECT_EQ(ENOENT, errno);

	vm_set_region_flags(d.vm, DL_SLOT, KVM_MEM_LOG_DIRTY_PAGES);
	memset(bitmap, 0, sizeof(bitmap));
	EXPECT_EQ(0, __vm_get_dirty_log(d.vm, DL_SLOT, bitmap));
	/* CLEAR: 64-page aligned start, whole chunks unless up to the end. */
	EXPECT_EQ(0, __vm_clear_dirty_log(d.vm, DL_SLOT, bitmap, 0, 64));
	EXPECT_EQ(0, __vm_clear_dirty_log(d.vm, DL_SLOT, bitmap, 64, DL_PAGES - 64));
	EXPECT_EQ(-1, __vm_clear_dirty_log(d.vm, DL_SLOT, bitmap, 1, 64));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __vm_clear_dirty_log(d.vm, DL_SLOT, bitmap, 0, 65));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __vm_clear_dirty_log(d.vm, DL_SLOT, bitmap, 64, DL_PAGES));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __vm_clear_dirty_log(d.vm, DL_SLOT, bitmap, DL_PAGES + 64, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, __vm_clear_dirty_log(d.vm, DL_SLOT, bitmap, DL_PAGES, 0));
	dl_vm_free(&d);
}

TEST(manual_protect_cap_rejects_unknown_options)
{
	struct kvm_vm *vm = vm_create_barebones();

	EXPECT_EQ(-1, __vm_enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
				      KVM_DIRTY_LOG_INITIALLY_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __vm_enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, __vm_enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
				     KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
				     KVM_DIRTY_LOG_INITIALLY_SET));
	EXPECT_EQ(0, __vm_enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 0));
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
