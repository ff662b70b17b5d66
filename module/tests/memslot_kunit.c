// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite minikvm_memslot: KVM_SET_USER_MEMORY_REGION's argument checks
 * and errnos, the overlap rules, moves and deletes, the gfn -> memslot
 * lookup at every boundary, and the gfn -> hva arithmetic.  Each case runs
 * on a fresh VM that has memslots and an MMU but no vCPU and no MMU
 * notifier: nothing is ever mapped, so no user memory is touched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "../minikvm.h"

/* Userspace addresses are only checked (aligned, below TASK_SIZE_MAX). */
#define HVA_A	0x10000000UL
#define HVA_B	0x20000000UL
#define HVA_C	0x30000000UL

static int memslot_test_init(struct kunit *test)
{
	struct minikvm_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	xa_init(&vm->vcpus);
	KUNIT_ASSERT_EQ(test, minikvm_mmu_init(vm, false), 0);
	KUNIT_ASSERT_EQ(test, minikvm_memslots_init(vm), 0);
	test->priv = vm;
	return 0;
}

static void memslot_test_exit(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;

	minikvm_mmu_destroy(vm);
	minikvm_memslots_free(vm);
}

static int set_region(struct minikvm_vm *vm, u32 slot, u32 flags, gpa_t gpa,
		      u64 size, hva_t hva)
{
	struct kvm_userspace_memory_region mem = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};

	return minikvm_vm_ioctl_set_memory_region(vm, &mem);
}

/* set_region() in frames: slot @slot covers [gfn, gfn + npages). */
static int set_frames(struct minikvm_vm *vm, u32 slot, gfn_t gfn,
		      unsigned long npages, hva_t hva)
{
	return set_region(vm, slot, 0, gfn_to_gpa(gfn), npages << PAGE_SHIFT, hva);
}

static struct minikvm_memslot *lookup(struct minikvm_vm *vm, gfn_t gfn)
{
	struct minikvm_memslot *slot;

	mutex_lock(&vm->slots_lock);
	slot = minikvm_gfn_to_memslot(vm, gfn);
	mutex_unlock(&vm->slots_lock);
	return slot;
}

/* The id of the slot holding @gfn, -1 for none. */
static int lookup_id(struct minikvm_vm *vm, gfn_t gfn)
{
	struct minikvm_memslot *slot = lookup(vm, gfn);

	return slot ? slot->id : -1;
}

struct region_case {
	const char *desc;
	u32 slot;
	u32 flags;
	u64 gpa;	/* U64_MAX: the first frame past the MMU's reach */
	u64 size;
	u64 hva;
	int err;
};

#define GPA_PAST_MMU	U64_MAX
#define GPA_LAST_FRAME	(U64_MAX - 1)
/* TASK_SIZE_MAX is not a constant with 5-level paging: the last user page. */
#define HVA_TOP_PAGE	U64_MAX

static const struct region_case region_cases[] = {
	{ "one page", 0, 0, 0, PAGE_SIZE, HVA_A, 0 },
	{ "highest slot id", MINIKVM_USER_MEM_SLOTS - 1, 0, 0, PAGE_SIZE, HVA_A, 0 },
	{ "last frame the MMU reaches", 1, 0, GPA_LAST_FRAME, PAGE_SIZE, HVA_A, 0 },
	{ "dirty logging", 0, KVM_MEM_LOG_DIRTY_PAGES, 0, PAGE_SIZE, HVA_A, 0 },
	{ "read-only", 0, KVM_MEM_READONLY, 0, PAGE_SIZE, HVA_A, 0 },
	{ "read-only and dirty logging", 0,
	  KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES, 0, PAGE_SIZE, HVA_A, 0 },
	{ "unknown flag", 0, BIT(31), 0, PAGE_SIZE, HVA_A, -EINVAL },
	{ "slot id past the limit", MINIKVM_USER_MEM_SLOTS, 0, 0, PAGE_SIZE,
	  HVA_A, -EINVAL },
	{ "address space 1 does not exist", BIT(16), 0, 0, PAGE_SIZE, HVA_A,
	  -EINVAL },
	{ "size not page aligned", 0, 0, 0, PAGE_SIZE + 1, HVA_A, -EINVAL },
	{ "gpa not page aligned", 0, 0, 0x800, PAGE_SIZE, HVA_A, -EINVAL },
	{ "hva not page aligned", 0, 0, 0, PAGE_SIZE, HVA_A + 8, -EINVAL },
	{ "hva range past user space", 0, 0, 0, 2 * PAGE_SIZE, HVA_TOP_PAGE,
	  -EINVAL },
	{ "gpa range wraps", 0, 0, PAGE_MASK, 2 * PAGE_SIZE, HVA_A, -EINVAL },
	{ "more pages than a slot may have", 0, 0, 0,
	  (MINIKVM_MEM_MAX_NR_PAGES + 1) << PAGE_SHIFT, PAGE_SIZE, -EINVAL },
	{ "gpa past the MMU's reach", 0, 0, GPA_PAST_MMU, PAGE_SIZE, HVA_A,
	  -EINVAL },
	{ "deleting a slot that does not exist", 0, 0, 0, 0, HVA_A, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(region, region_cases, desc);

static void set_region_checks_arguments(struct kunit *test)
{
	const struct region_case *c = test->param_value;
	struct minikvm_vm *vm = test->priv;
	u64 gpa = c->gpa, hva = c->hva;

	if (gpa == GPA_PAST_MMU)
		gpa = gfn_to_gpa(minikvm_mmu_max_gfn() + 1);
	else if (gpa == GPA_LAST_FRAME)
		gpa = gfn_to_gpa(minikvm_mmu_max_gfn());
	if (hva == HVA_TOP_PAGE)
		hva = TASK_SIZE_MAX - PAGE_SIZE;

	KUNIT_EXPECT_EQ(test, set_region(vm, c->slot, c->flags, gpa, c->size, hva),
			c->err);
	KUNIT_EXPECT_EQ(test, vm->slots.nr_pages, c->err ? 0 : c->size >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, gpa_to_gfn(gpa)),
			c->err ? -1 : (int)c->slot);
}

/* Slots 1 [0x100, 0x110) and 2 [0x110, 0x120) touch; slot 3 is one frame. */
static void lookup_finds_the_slot_at_every_boundary(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;

	KUNIT_ASSERT_EQ(test, set_frames(vm, 1, 0x100, 16, HVA_A), 0);
	KUNIT_ASSERT_EQ(test, set_frames(vm, 2, 0x110, 16, HVA_B), 0);
	KUNIT_ASSERT_EQ(test, set_frames(vm, 3, 0x1000, 1, HVA_C), 0);

	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0), -1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0xff), -1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x100), 1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x10f), 1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x110), 2);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x11f), 2);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x120), -1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0xfff), -1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x1000), 3);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x1001), -1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, minikvm_mmu_max_gfn()), -1);
	KUNIT_EXPECT_EQ(test, vm->slots.nr_pages, 33);
}

static void gfn_to_hva_is_offset_into_the_slot(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;
	struct minikvm_memslot *slot;

	KUNIT_ASSERT_EQ(test, set_frames(vm, 7, 0x100, 0x80, HVA_A), 0);
	slot = lookup(vm, 0x100);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_EXPECT_EQ(test, slot->base_gfn, 0x100);
	KUNIT_EXPECT_EQ(test, slot->npages, 0x80);
	KUNIT_EXPECT_EQ(test, minikvm_gfn_to_hva_memslot(slot, 0x100), HVA_A);
	KUNIT_EXPECT_EQ(test, minikvm_gfn_to_hva_memslot(slot, 0x101),
			HVA_A + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, minikvm_gfn_to_hva_memslot(slot, 0x17f),
			HVA_A + 0x7f * PAGE_SIZE);
}

struct overlap_case {
	const char *desc;
	gfn_t gfn;
	unsigned long npages;
	int err;
};

/* Against slot 1 at [0x100, 0x110). */
static const struct overlap_case overlap_cases[] = {
	{ "adjacent below", 0xf0, 0x10, 0 },
	{ "adjacent above", 0x110, 0x10, 0 },
	{ "overlaps the first frame", 0xf0, 0x11, -EEXIST },
	{ "overlaps the last frame", 0x10f, 0x10, -EEXIST },
	{ "contains it", 0x80, 0x100, -EEXIST },
	{ "lies inside it", 0x104, 0x4, -EEXIST },
	{ "same range", 0x100, 0x10, -EEXIST },
};

KUNIT_ARRAY_PARAM_DESC(overlap, overlap_cases, desc);

static void new_slot_must_not_overlap(struct kunit *test)
{
	const struct overlap_case *c = test->param_value;
	struct minikvm_vm *vm = test->priv;

	KUNIT_ASSERT_EQ(test, set_frames(vm, 1, 0x100, 0x10, HVA_A), 0);
	KUNIT_EXPECT_EQ(test, set_frames(vm, 2, c->gfn, c->npages, HVA_B), c->err);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x100), 1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x10f), 1);
	KUNIT_EXPECT_EQ(test, vm->slots.nr_pages, 0x10 + (c->err ? 0 : c->npages));
}

static void existing_slot_keeps_size_and_hva(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;

	KUNIT_ASSERT_EQ(test, set_frames(vm, 1, 0x100, 0x10, HVA_A), 0);
	KUNIT_EXPECT_EQ(test, set_frames(vm, 1, 0x100, 0x10, HVA_A), 0);
	KUNIT_EXPECT_EQ(test, set_frames(vm, 1, 0x100, 0x20, HVA_A), -EINVAL);
	KUNIT_EXPECT_EQ(test, set_frames(vm, 1, 0x100, 0x10, HVA_B), -EINVAL);
	KUNIT_EXPECT_EQ(test, vm->slots.nr_pages, 0x10);
}

static void move_relocates_the_slot(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;
	struct minikvm_memslot *slot;

	KUNIT_ASSERT_EQ(test, set_frames(vm, 1, 0x100, 0x10, HVA_A), 0);
	KUNIT_ASSERT_EQ(test, set_frames(vm, 2, 0x200, 0x10, HVA_B), 0);

	/* Onto another slot: refused, nothing changes. */
	KUNIT_EXPECT_EQ(test, set_frames(vm, 1, 0x1f8, 0x10, HVA_A), -EEXIST);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x100), 1);

	/* Overlapping only its own old range is fine. */
	KUNIT_EXPECT_EQ(test, set_frames(vm, 1, 0x108, 0x10, HVA_A), 0);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x107), -1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x108), 1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x117), 1);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x118), -1);

	slot = lookup(vm, 0x110);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_EXPECT_EQ(test, minikvm_gfn_to_hva_memslot(slot, 0x110),
			HVA_A + 8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vm->slots.nr_pages, 0x20);
}

static void delete_frees_the_id_and_range(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;

	KUNIT_ASSERT_EQ(test, set_frames(vm, 1, 0x100, 0x10, HVA_A), 0);
	KUNIT_EXPECT_EQ(test, set_frames(vm, 1, 0x100, 0, HVA_A), 0);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x100), -1);
	KUNIT_EXPECT_EQ(test, vm->slots.nr_pages, 0);
	KUNIT_EXPECT_EQ(test, set_frames(vm, 1, 0x100, 0, HVA_A), -EINVAL);

	/* The id and the range are free again, for any size and hva. */
	KUNIT_EXPECT_EQ(test, set_frames(vm, 2, 0x100, 0x10, HVA_B), 0);
	KUNIT_EXPECT_EQ(test, set_frames(vm, 1, 0x300, 0x20, HVA_C), 0);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x100), 2);
	KUNIT_EXPECT_EQ(test, lookup_id(vm, 0x31f), 1);
}

static struct kunit_case memslot_test_cases[] = {
	KUNIT_CASE_PARAM(set_region_checks_arguments, region_gen_params),
	KUNIT_CASE(lookup_finds_the_slot_at_every_boundary),
	KUNIT_CASE(gfn_to_hva_is_offset_into_the_slot),
	KUNIT_CASE_PARAM(new_slot_must_not_overlap, overlap_gen_params),
	KUNIT_CASE(existing_slot_keeps_size_and_hva),
	KUNIT_CASE(move_relocates_the_slot),
	KUNIT_CASE(delete_frees_the_id_and_range),
	{}
};

static struct kunit_suite memslot_test_suite = {
	.name = "minikvm_memslot",
	.init = memslot_test_init,
	.exit = memslot_test_exit,
	.test_cases = memslot_test_cases,
};

kunit_test_suite(memslot_test_suite);
