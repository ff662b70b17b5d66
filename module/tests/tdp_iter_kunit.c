// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite minikvm_tdp_iter: the pre-order walker of mmu/tdp_iter.[ch]
 * on a small hand-built table - visit order, range and level limits, huge
 * leaves that are not stepped into, and the restart after a yield.  Built
 * only when the kernel has CONFIG_KUNIT; runs when minikvm.ko loads.
 *
 * The table (gfns):
 *   root[0] -> L3 table
 *     L3[0] -> L2 table
 *       L2[1] -> L1 table, all 512 entries 4 KiB leaves (gfn 512..1023)
 *       L2[3] =  2 MiB leaf (gfn 1536)
 *     L3[2] =  1 GiB leaf (gfn 2 << 18)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>

#include "../mmu/tdp_iter.h"

struct walk_tables {
	struct minikvm_mmu_page *root, *l3, *l2, *l1;
};

struct visit {
	int level;
	gfn_t gfn;
};

static struct minikvm_mmu_page *table(struct kunit *test, int level, gfn_t gfn)
{
	struct minikvm_mmu_page *sp = mmu_alloc_sp_gfp(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sp);
	sp->level = level;
	sp->gfn = gfn;
	return sp;
}

static int tdp_iter_test_init(struct kunit *test)
{
	struct walk_tables *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->root = table(test, TDP_ROOT_LEVEL, 0);
	t->l3 = table(test, PG_LEVEL_1G, 0);
	t->l2 = table(test, PG_LEVEL_2M, 0);
	t->l1 = table(test, PG_LEVEL_4K, 512);

	t->root->spt[0] = make_nonleaf_spte(t->l3->spt);
	t->l3->spt[0] = make_nonleaf_spte(t->l2->spt);
	t->l3->spt[2] = make_leaf_spte(2 << 18, PG_LEVEL_1G, true, true);
	t->l2->spt[1] = make_nonleaf_spte(t->l1->spt);
	t->l2->spt[3] = make_leaf_spte(1536, PG_LEVEL_2M, true, true);
	for (i = 0; i < SPTE_ENT_PER_PAGE; i++)
		t->l1->spt[i] = make_leaf_spte(0x1000 + i, PG_LEVEL_4K, true, true);
	test->priv = t;
	return 0;
}

static void tdp_iter_test_exit(struct kunit *test)
{
	struct walk_tables *t = test->priv;

	mmu_free_sp(t->l1);
	mmu_free_sp(t->l2);
	mmu_free_sp(t->l3);
	mmu_free_sp(t->root);
}

/* Walk [start, end) down to @min_level; record up to @max visits. */
static int walk(struct walk_tables *t, int min_level, gfn_t start, gfn_t end,
		struct visit *v, int max)
{
	struct tdp_iter iter;
	int n = 0;

	rcu_read_lock();
	for_each_tdp_pte_min_level(iter, t->root, min_level, start, end) {
		if (n < max)
			v[n] = (struct visit){ iter.level, iter.gfn };
		n++;
	}
	rcu_read_unlock();
	return n;
}

static void walk_is_pre_order_and_stops_at_the_end(struct kunit *test)
{
	struct visit *v = kunit_kcalloc(test, 520, sizeof(*v), GFP_KERNEL);
	int n;

	KUNIT_ASSERT_NOT_NULL(test, v);
	n = walk(test->priv, PG_LEVEL_4K, 0, 1024, v, 520);

	/* Root entry, L3 entry, L2[0] (empty), L2[1], then the 512 leaves. */
	KUNIT_ASSERT_EQ(test, n, 4 + 512);
	KUNIT_EXPECT_EQ(test, v[0].level, 4);
	KUNIT_EXPECT_EQ(test, v[1].level, 3);
	KUNIT_EXPECT_EQ(test, v[2].level, 2);
	KUNIT_EXPECT_EQ(test, v[2].gfn, 0);
	KUNIT_EXPECT_EQ(test, v[3].level, 2);
	KUNIT_EXPECT_EQ(test, v[3].gfn, 512);
	KUNIT_EXPECT_EQ(test, v[4].level, 1);
	KUNIT_EXPECT_EQ(test, v[4].gfn, 512);
	KUNIT_EXPECT_EQ(test, v[515].gfn, 1023);
}

static void min_level_keeps_the_walk_above_it(struct kunit *test)
{
	struct visit v[8];
	int n = walk(test->priv, PG_LEVEL_2M, 0, 2048, v, ARRAY_SIZE(v));

	/* Root, L3, then L2[0..3]: the L1 table below L2[1] is not entered. */
	KUNIT_ASSERT_EQ(test, n, 6);
	KUNIT_EXPECT_EQ(test, v[5].level, 2);
	KUNIT_EXPECT_EQ(test, v[5].gfn, 1536);
}

static void huge_leaves_are_visited_not_entered(struct kunit *test)
{
	struct visit v[8];
	int n = walk(test->priv, PG_LEVEL_4K, 1536, 2048, v, ARRAY_SIZE(v));

	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, v[2].level, 2);
	KUNIT_EXPECT_EQ(test, v[2].gfn, 1536);

	n = walk(test->priv, PG_LEVEL_4K, 2 << 18, 3 << 18, v, ARRAY_SIZE(v));
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, v[1].level, 3);
	KUNIT_EXPECT_EQ(test, v[1].gfn, 2 << 18);
}

static void yield_restarts_from_the_root_at_the_same_gfn(struct kunit *test)
{
	struct walk_tables *t = test->priv;
	struct tdp_iter iter;
	int n = 0, level_after = 0;
	gfn_t gfn_after = 0;

	rcu_read_lock();
	for_each_tdp_pte(iter, t->root, 600, 1024) {
		if (n++ == 3) {
			/* Pretend mmu_lock was dropped at gfn 600. */
			iter.yielded = true;
			continue;
		}
		if (n == 5) {
			level_after = iter.level;
			gfn_after = iter.gfn;
			break;
		}
	}
	rcu_read_unlock();

	/* Root, L3, L2[1], L1[600]; yield; the restart visits the root again. */
	KUNIT_EXPECT_EQ(test, level_after, TDP_ROOT_LEVEL);
	KUNIT_EXPECT_EQ(test, gfn_after, 0);
	KUNIT_EXPECT_EQ(test, iter.target_gfn, 600);
}

static struct kunit_case tdp_iter_test_cases[] = {
	KUNIT_CASE(walk_is_pre_order_and_stops_at_the_end),
	KUNIT_CASE(min_level_keeps_the_walk_above_it),
	KUNIT_CASE(huge_leaves_are_visited_not_entered),
	KUNIT_CASE(yield_restarts_from_the_root_at_the_same_gfn),
	{}
};

static struct kunit_suite tdp_iter_test_suite = {
	.name = "minikvm_tdp_iter",
	.init = tdp_iter_test_init,
	.exit = tdp_iter_test_exit,
	.test_cases = tdp_iter_test_cases,
};

kunit_test_suite(tdp_iter_test_suite);
