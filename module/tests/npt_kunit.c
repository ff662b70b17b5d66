// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite minikvm_npt: the first-cut nested page table's entry encoding
 * (the truth table in mmu/npt.h), its index arithmetic, and the walker on
 * real tables.  Built only when the kernel has CONFIG_KUNIT; runs when
 * minikvm.ko loads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "../minikvm.h"
#include "../mmu/npt.h"

/* Bits that are neither a flag of the truth table nor the address. */
#define NPT_OTHER_BITS	(~(NPT_PFN_MASK | NPT_LEAF_BITS | NPT_ZAPPED))

/* Host addresses an entry must carry unchanged: low, high, all ones. */
static const hpa_t npt_test_hpas[] = {
	0x1000, 0x123456000, 0xfffff000, BIT_ULL(51), GENMASK_ULL(51, 12),
};

static void npt_table_entry_is_present_writable_not_dirty(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(npt_test_hpas); i++) {
		u64 e = npt_table_entry(npt_test_hpas[i]);

		KUNIT_EXPECT_EQ(test, npt_entry_hpa(e), npt_test_hpas[i]);
		KUNIT_EXPECT_EQ(test, e & NPT_LEAF_BITS, NPT_TABLE_BITS);
		KUNIT_EXPECT_FALSE(test, e & NPT_DIRTY);
		KUNIT_EXPECT_FALSE(test, e & NPT_ZAPPED);
		KUNIT_EXPECT_FALSE(test, e & NPT_OTHER_BITS);
	}
}

static void npt_leaf_entry_is_present_writable_user_dirty(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(npt_test_hpas); i++) {
		u64 e = npt_leaf_entry(npt_test_hpas[i]);

		KUNIT_EXPECT_EQ(test, npt_entry_hpa(e), npt_test_hpas[i]);
		KUNIT_EXPECT_EQ(test, e & NPT_LEAF_BITS, NPT_LEAF_BITS);
		KUNIT_EXPECT_FALSE(test, e & NPT_ZAPPED);
		/* Bit 63 (NX) clear: guest code may run from any mapped page. */
		KUNIT_EXPECT_FALSE(test, e & NPT_OTHER_BITS);
	}
}

static void npt_zapped_entry_is_not_present_nor_writable(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(npt_test_hpas); i++) {
		u64 e = npt_zapped_entry(npt_leaf_entry(npt_test_hpas[i]));

		KUNIT_EXPECT_FALSE(test, e & NPT_PRESENT);
		KUNIT_EXPECT_FALSE(test, e & NPT_WRITABLE);
		KUNIT_EXPECT_FALSE(test, e & (NPT_LEAF_BITS | NPT_OTHER_BITS));
		KUNIT_EXPECT_TRUE(test, e & NPT_ZAPPED);
		/* Phase 2 still finds the page to unpin. */
		KUNIT_EXPECT_EQ(test, npt_entry_hpa(e), npt_test_hpas[i]);
	}
}

/* The writable-bit invariant over every entry kind: W implies P. */
static void npt_writable_implies_present(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(npt_test_hpas); i++) {
		u64 kinds[] = {
			npt_table_entry(npt_test_hpas[i]),
			npt_leaf_entry(npt_test_hpas[i]),
			npt_zapped_entry(npt_leaf_entry(npt_test_hpas[i])),
			0,
		};
		int k;

		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			bool w = kinds[k] & NPT_WRITABLE;
			bool p = kinds[k] & NPT_PRESENT;

			KUNIT_EXPECT_TRUE(test, !w || p);
		}
	}
}

struct npt_index_case {
	const char *desc;
	gfn_t gfn;
	unsigned int idx[NPT_LEVELS];	/* level 1 .. level 4 */
};

static const struct npt_index_case npt_index_cases[] = {
	{ "gfn 0", 0, { 0, 0, 0, 0 } },
	{ "last entry of the first leaf table", 0x1ff, { 511, 0, 0, 0 } },
	{ "first gfn of the second leaf table", 0x200, { 0, 1, 0, 0 } },
	{ "first gfn past 1 GiB", 0x40000, { 0, 0, 1, 0 } },
	{ "first gfn past 512 GiB", 0x8000000, { 0, 0, 0, 1 } },
	{ "last gfn of a 48-bit address space", GENMASK_ULL(35, 0),
	  { 511, 511, 511, 511 } },
	{ "mixed", (3ULL << 27) | (5ULL << 18) | (7ULL << 9) | 11,
	  { 11, 7, 5, 3 } },
	{ "bits above 48-bit addresses are not an index",
	  BIT_ULL(36) | 0x201, { 1, 1, 0, 0 } },
};

KUNIT_ARRAY_PARAM_DESC(npt_index, npt_index_cases, desc);

static void npt_index_splits_gfn_in_nine_bit_fields(struct kunit *test)
{
	const struct npt_index_case *c = test->param_value;
	int level;

	for (level = 1; level <= NPT_LEVELS; level++)
		KUNIT_EXPECT_EQ_MSG(test, npt_index(c->gfn, level), c->idx[level - 1],
				    "gfn %#llx level %d", c->gfn, level);
}

/* Reassembling the four indices gives back the gfn (within 48 bits). */
static void npt_index_round_trips(struct kunit *test)
{
	gfn_t gfn, back;
	int i, level;

	for (i = 0; i < 1000; i++) {
		gfn = get_random_u64() & GENMASK_ULL(35, 0);
		back = 0;
		for (level = 1; level <= NPT_LEVELS; level++)
			back |= (gfn_t)npt_index(gfn, level) << (9 * (level - 1));
		KUNIT_ASSERT_EQ(test, back, gfn);
	}
}

static void npt_max_gfn_follows_phys_bits(struct kunit *test)
{
	unsigned int bits = min_t(unsigned int, boot_cpu_data.x86_phys_bits, 48);
	gfn_t max = minikvm_mmu_max_gfn();

	KUNIT_EXPECT_EQ(test, max, (1ULL << (bits - PAGE_SHIFT)) - 1);
	/* Every frame up to the maximum fits the four 9-bit indices. */
	KUNIT_EXPECT_EQ(test, max & ~GENMASK_ULL(35, 0), 0);
}

/* A VM with nothing but its MMU: enough for the walker. */
static int npt_test_init(struct kunit *test)
{
	struct minikvm_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, minikvm_mmu_init(vm), 0);
	test->priv = vm;
	return 0;
}

static void npt_test_exit(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;

	/* The tests only build tables; no leaf is set, so nothing is unpinned. */
	minikvm_mmu_destroy(vm);
}

static void npt_walk_without_alloc_finds_nothing(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;

	mutex_lock(&vm->mmu.lock);
	KUNIT_EXPECT_NULL(test, npt_walk(vm, 0, false));
	KUNIT_EXPECT_NULL(test, npt_walk(vm, minikvm_mmu_max_gfn(), false));
	mutex_unlock(&vm->mmu.lock);
}

static void npt_walk_builds_one_table_per_level(struct kunit *test)
{
	struct minikvm_vm *vm = test->priv;
	gfn_t gfn = (3ULL << 27) | (5ULL << 18) | (7ULL << 9) | 11;
	u64 *table = vm->mmu.root, *leaf;
	int level;

	mutex_lock(&vm->mmu.lock);
	leaf = npt_walk(vm, gfn, true);
	KUNIT_ASSERT_NOT_NULL(test, leaf);
	KUNIT_EXPECT_EQ(test, *leaf, 0);

	for (level = NPT_LEVELS; level > 1; level--) {
		u64 e = table[npt_index(gfn, level)];

		KUNIT_ASSERT_EQ(test, e & NPT_LEAF_BITS, NPT_TABLE_BITS);
		table = __va(npt_entry_hpa(e));
	}
	KUNIT_EXPECT_PTR_EQ(test, leaf, &table[11]);

	/* The neighbours share the leaf table; the next table does not exist. */
	KUNIT_EXPECT_PTR_EQ(test, npt_walk(vm, gfn + 1, false), leaf + 1);
	KUNIT_EXPECT_PTR_EQ(test, npt_walk(vm, gfn - 11, false), leaf - 11);
	KUNIT_EXPECT_NULL(test, npt_walk(vm, gfn + NPT_ENTRIES, false));
	/* A second walk with alloc finds the same entry, allocates nothing. */
	KUNIT_EXPECT_PTR_EQ(test, npt_walk(vm, gfn, true), leaf);
	mutex_unlock(&vm->mmu.lock);
}

static struct kunit_case npt_test_cases[] = {
	KUNIT_CASE(npt_table_entry_is_present_writable_not_dirty),
	KUNIT_CASE(npt_leaf_entry_is_present_writable_user_dirty),
	KUNIT_CASE(npt_zapped_entry_is_not_present_nor_writable),
	KUNIT_CASE(npt_writable_implies_present),
	KUNIT_CASE_PARAM(npt_index_splits_gfn_in_nine_bit_fields,
			 npt_index_gen_params),
	KUNIT_CASE(npt_index_round_trips),
	KUNIT_CASE(npt_max_gfn_follows_phys_bits),
	KUNIT_CASE(npt_walk_without_alloc_finds_nothing),
	KUNIT_CASE(npt_walk_builds_one_table_per_level),
	{}
};

static struct kunit_suite npt_test_suite = {
	.name = "minikvm_npt",
	.init = npt_test_init,
	.exit = npt_test_exit,
	.test_cases = npt_test_cases,
};

kunit_test_suite(npt_test_suite);
