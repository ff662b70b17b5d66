// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite minikvm_spte: the spte encoding of mmu/spte.[ch] with the
 * masks the backend installed at load - the writable-bits truth table,
 * leaves, tables, MMIO sptes, the frozen value and huge page splits.
 * Built only when the kernel has CONFIG_KUNIT; runs when minikvm.ko loads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>

#include "../mmu/spte.h"

/* Frames an spte must carry unchanged: low, high, the highest 1 GiB. */
static const hfn_t spte_test_pfns[] = {
	0x0, 0x200, 0x40000, 0x123400, GENMASK_ULL(39, 18),
};

struct writable_case {
	const char *desc;
	bool host_writable, mmu_writable, writable, valid;
};

/* The truth table of spte.h, row by row, and the four invalid rows. */
static const struct writable_case writable_cases[] = {
	{ "writable", 1, 1, 1, true },
	{ "write-protected for dirty logging", 1, 1, 0, true },
	{ "write-tracked by a shadow MMU", 1, 0, 0, true },
	{ "read-only in the host", 0, 0, 0, true },
	{ "writable but not MMU-writable", 1, 0, 1, false },
	{ "writable but not host-writable", 0, 1, 1, false },
	{ "MMU-writable but not host-writable", 0, 1, 0, false },
	{ "writable, neither host- nor MMU-writable", 0, 0, 1, false },
};

KUNIT_ARRAY_PARAM_DESC(writable, writable_cases, desc);

static void writable_truth_table(struct kunit *test)
{
	const struct writable_case *c = test->param_value;
	u64 spte = make_leaf_spte(0x1234, PG_LEVEL_4K, false, false);

	if (c->host_writable)
		spte |= minikvm_spte.host_writable;
	if (c->mmu_writable)
		spte |= minikvm_spte.mmu_writable;
	if (c->writable)
		spte |= SPTE_WRITABLE;
	KUNIT_EXPECT_EQ(test, is_valid_writable_combination(spte), c->valid);
}

static void leaf_carries_pfn_level_and_valid_writable_bits(struct kunit *test)
{
	int level, i, hw, w;

	for (level = PG_LEVEL_4K; level <= minikvm_spte.max_level; level++)
		for (i = 0; i < ARRAY_SIZE(spte_test_pfns); i++)
			for (hw = 0; hw < 2; hw++)
				for (w = 0; w < 2; w++) {
					hfn_t pfn = spte_test_pfns[i] &
						    ~(TDP_PAGES_PER_LEVEL(level) - 1);
					u64 s = make_leaf_spte(pfn, level, hw, w);

					KUNIT_EXPECT_EQ(test, spte_to_pfn(s), pfn);
					KUNIT_EXPECT_TRUE(test, is_shadow_present_spte(s));
					KUNIT_EXPECT_TRUE(test, is_last_spte(s, level));
					KUNIT_EXPECT_EQ(test, is_huge_spte(s), level > PG_LEVEL_4K);
					KUNIT_EXPECT_TRUE(test, is_valid_writable_combination(s));
					KUNIT_EXPECT_EQ(test, is_writable_spte(s), hw && w);
					KUNIT_EXPECT_EQ(test, is_mmu_writable_spte(s), !!hw);
					KUNIT_EXPECT_TRUE(test, is_accessed_spte(s));
					KUNIT_EXPECT_FALSE(test, is_mmio_spte(s));
					KUNIT_EXPECT_FALSE(test, is_frozen_spte(s));
				}
}

static void table_entry_is_present_writable_not_leaf(struct kunit *test)
{
	u64 *table = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	u64 s;

	KUNIT_ASSERT_NOT_NULL(test, table);
	s = make_nonleaf_spte(table);
	KUNIT_EXPECT_EQ(test, spte_to_pfn(s), PHYS_PFN(__pa(table)));
	KUNIT_EXPECT_TRUE(test, is_shadow_present_spte(s));
	KUNIT_EXPECT_TRUE(test, is_writable_spte(s));
	KUNIT_EXPECT_FALSE(test, is_last_spte(s, PG_LEVEL_2M));
	KUNIT_EXPECT_FALSE(test, is_mmio_spte(s));
}

static void mmio_spte_keeps_generation_and_is_not_present(struct kunit *test)
{
	static const u64 gens[] = { 0, 1, 0x155, MMIO_GEN_MASK, MMIO_GEN_MASK + 1,
				    0x123456789 };
	int i;

	for (i = 0; i < ARRAY_SIZE(gens); i++) {
		u64 s = make_mmio_spte(gens[i]);

		KUNIT_EXPECT_TRUE(test, is_mmio_spte(s));
		KUNIT_EXPECT_FALSE(test, is_shadow_present_spte(s));
		KUNIT_EXPECT_FALSE(test, is_frozen_spte(s));
		KUNIT_EXPECT_FALSE(test, s & minikvm_spte.present);
		KUNIT_EXPECT_FALSE(test, s & SPTE_PFN_MASK);
		KUNIT_EXPECT_EQ(test, mmio_spte_generation(s), gens[i] & MMIO_GEN_MASK);
	}
}

static void frozen_and_free_sptes_are_neither_present_nor_mmio(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, is_frozen_spte(FROZEN_SPTE));
	KUNIT_EXPECT_FALSE(test, is_shadow_present_spte(FROZEN_SPTE));
	KUNIT_EXPECT_FALSE(test, is_mmio_spte(FROZEN_SPTE));
	KUNIT_EXPECT_FALSE(test, FROZEN_SPTE & minikvm_spte.present);
	KUNIT_EXPECT_FALSE(test, is_shadow_present_spte(0));
	KUNIT_EXPECT_FALSE(test, is_mmio_spte(0));
}

static void split_children_tile_the_huge_page(struct kunit *test)
{
	int level, i;

	for (level = PG_LEVEL_2M; level <= minikvm_spte.max_level; level++) {
		u64 huge = make_leaf_spte(0x40000, level, true, false);

		for (i = 0; i < SPTE_ENT_PER_PAGE; i++) {
			u64 c = make_split_spte(huge, level - 1, i);

			KUNIT_EXPECT_EQ(test, spte_to_pfn(c),
					0x40000 + i * TDP_PAGES_PER_LEVEL(level - 1));
			KUNIT_EXPECT_EQ(test, is_huge_spte(c), level - 1 > PG_LEVEL_4K);
			/* Same permissions: still write-protected, MMU-writable. */
			KUNIT_EXPECT_EQ(test, c & ~(SPTE_PFN_MASK | SPTE_HUGE),
					huge & ~(SPTE_PFN_MASK | SPTE_HUGE));
		}
	}
}

static void index_and_rounding_follow_the_levels(struct kunit *test)
{
	gfn_t gfn = 0x123456789ULL;

	KUNIT_EXPECT_EQ(test, spte_index(gfn, PG_LEVEL_4K), gfn & 511);
	KUNIT_EXPECT_EQ(test, spte_index(gfn, PG_LEVEL_2M), (gfn >> 9) & 511);
	KUNIT_EXPECT_EQ(test, spte_index(gfn, PG_LEVEL_1G), (gfn >> 18) & 511);
	KUNIT_EXPECT_EQ(test, spte_index(gfn, TDP_ROOT_LEVEL), (gfn >> 27) & 511);
	KUNIT_EXPECT_EQ(test, gfn_round_for_level(gfn, PG_LEVEL_4K), gfn);
	KUNIT_EXPECT_EQ(test, gfn_round_for_level(gfn, PG_LEVEL_2M), gfn & ~511ULL);
	KUNIT_EXPECT_EQ(test, gfn_round_for_level(gfn, PG_LEVEL_1G),
			gfn & ~(BIT_ULL(18) - 1));
}

static struct kunit_case spte_test_cases[] = {
	KUNIT_CASE_PARAM(writable_truth_table, writable_gen_params),
	KUNIT_CASE(leaf_carries_pfn_level_and_valid_writable_bits),
	KUNIT_CASE(table_entry_is_present_writable_not_leaf),
	KUNIT_CASE(mmio_spte_keeps_generation_and_is_not_present),
	KUNIT_CASE(frozen_and_free_sptes_are_neither_present_nor_mmio),
	KUNIT_CASE(split_children_tile_the_huge_page),
	KUNIT_CASE(index_and_rounding_follow_the_levels),
	{}
};

static struct kunit_suite spte_test_suite = {
	.name = "minikvm_spte",
	.test_cases = spte_test_cases,
};

kunit_test_suite(spte_test_suite);
