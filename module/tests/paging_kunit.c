// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite minikvm_paging: the guest page-table walker of mmu/paging.c
 * - the permission rules (U/S, R/W, NX, CR0.WP, SMEP, SMAP) with the exact
 * #PF error codes, reserved bits, and whole walks in 32-bit, PAE and
 * 4-level tables held in a buffer (Accessed/Dirty updates and a lost race
 * included).  Built only when the kernel has CONFIG_KUNIT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "../mmu/paging.h"

/* ------------------------------------------------------------------ */
/* Permission checks                                                   */

struct perm_case {
	const char *desc;
	unsigned int access;	/* ACC_* of the translation */
	u32 pfec;		/* PF_WRITE/USER/FETCH */
	u64 cr0, cr4, efer;
	int cpl;
	bool ac;
	u32 expect;		/* 0: allowed */
};

#define WP	X86_CR0_WP
#define SMEP	X86_CR4_SMEP
#define SMAP	X86_CR4_SMAP
#define NXE	EFER_NX
#define P	PF_PRESENT
#define W	PF_WRITE
#define U	PF_USER
#define F	PF_FETCH

static const struct perm_case perm_cases[] = {
	{ "user read of a user page", ACC_USER | ACC_EXEC, U, WP, 0, NXE, 3, 0, 0 },
	{ "user read of a supervisor page", ACC_WRITE | ACC_EXEC, U, WP, 0, NXE, 3, 0, P | U },
	{ "user write, read-only", ACC_USER | ACC_EXEC, W | U, 0, 0, NXE, 3, 0, P | W | U },
	{ "user write of a writable user page", ACC_ALL, W | U, WP, 0, NXE, 3, 0, 0 },
	{ "supervisor write, read-only, CR0.WP=1", ACC_EXEC, W, WP, 0, NXE, 0, 0, P | W },
	{ "supervisor write, read-only, CR0.WP=0", ACC_EXEC, W, 0, 0, NXE, 0, 0, 0 },
	{ "supervisor write, RO user, WP=0", ACC_USER | ACC_EXEC, W, 0, 0, NXE, 0, 0, 0 },
	{ "user fetch of an NX page", ACC_USER | ACC_WRITE, F | U, WP, 0, NXE, 3, 0, P | U | F },
	{ "supervisor fetch of an NX page", ACC_WRITE, F, WP, 0, NXE, 0, 0, P | F },
	{ "supervisor fetch of a user page, SMEP", ACC_ALL, F, WP, SMEP, NXE, 0, 0, P | F },
	{ "supervisor fetch of a user page, no SMEP", ACC_ALL, F, WP, 0, NXE, 0, 0, 0 },
	{ "SMEP fault without NXE still reports I/D", ACC_ALL, F, WP, SMEP, 0, 0, 0, P | F },
	{ "supervisor read of a user page, SMAP, AC=0", ACC_ALL, 0, WP, SMAP, NXE, 0, 0, P },
	{ "supervisor read of a user page, SMAP, AC=1", ACC_ALL, 0, WP, SMAP, NXE, 0, 1, 0 },
	{ "supervisor write of a user page, SMAP, AC=0", ACC_ALL, W, WP, SMAP, NXE, 0, 0, P | W },
	{ "implicit supervisor access at CPL3, SMAP, AC=1", ACC_ALL, 0, WP, SMAP, NXE, 3, 1, P },
	{ "supervisor fetch of a user page, SMAP only", ACC_ALL, F, WP, SMAP, NXE, 0, 0, 0 },
	{ "supervisor page, SMAP", ACC_WRITE | ACC_EXEC, 0, WP, SMAP, NXE, 0, 0, 0 },
	{ "user write, RO, WP=0", ACC_USER | ACC_EXEC, W | U, 0, 0, NXE, 3, 0, P | W | U },
};

KUNIT_ARRAY_PARAM_DESC(perm, perm_cases, desc);

static void permission_fault_error_codes(struct kunit *test)
{
	const struct perm_case *c = test->param_value;
	struct paging_regs r = {
		.mode = PAGING_64, .cr0 = c->cr0 | X86_CR0_PG, .cr4 = c->cr4,
		.efer = c->efer | EFER_LMA,
	};
	struct paging_access a = { .pfec = c->pfec, .cpl = c->cpl, .ac = c->ac };

	KUNIT_EXPECT_EQ(test, paging_permission_fault(&r, c->access, &a), c->expect);
}

/* ------------------------------------------------------------------ */
/* Guest memory in a buffer                                            */

#define MEM_PAGES	16

struct fake_mem {
	u8 *buf;
	int race;	/* fail this many updates, as if the guest wrote first */
	int updates;
};

static int fake_read(void *ctx, gpa_t gpa, int size, u64 *val)
{
	struct fake_mem *m = ctx;

	if (gpa + size > MEM_PAGES * PAGE_SIZE)
		return -ENOENT;
	*val = 0;
	memcpy(val, m->buf + gpa, size);
	return 0;
}

static int fake_update(void *ctx, gpa_t gpa, int size, u64 old, u64 new)
{
	struct fake_mem *m = ctx;
	u64 cur = 0;

	memcpy(&cur, m->buf + gpa, size);
	if (m->race) {
		m->race--;
		return 1;
	}
	if (cur != old)
		return 1;
	memcpy(m->buf + gpa, &new, size);
	m->updates++;
	return 0;
}

static const struct paging_mem_ops fake_ops = {
	.read = fake_read,
	.try_update = fake_update,
};

static struct fake_mem *fake_mem_new(struct kunit *test)
{
	struct fake_mem *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->buf = kunit_kzalloc(test, MEM_PAGES * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	return m;
}

static void set64(struct fake_mem *m, gpa_t gpa, u64 v)
{
	memcpy(m->buf + gpa, &v, 8);
}

static u64 get64(struct fake_mem *m, gpa_t gpa)
{
	u64 v;

	memcpy(&v, m->buf + gpa, 8);
	return v;
}

static void set32(struct fake_mem *m, gpa_t gpa, u32 v)
{
	memcpy(m->buf + gpa, &v, 4);
}

static u32 get32(struct fake_mem *m, gpa_t gpa)
{
	u32 v;

	memcpy(&v, m->buf + gpa, 4);
	return v;
}

#define PG(n)	((gpa_t)(n) << PAGE_SHIFT)
#define T	(GPTE_P | GPTE_RW | GPTE_US)	/* a table entry granting all */

/*
 * 4-level: PML4 at page 1, PDPT at 2, PD at 3, PT at 4; gva 0x1234567000
 * -> PT entry 0x167 -> frame 9.  A 2 MiB page at gva 0x40000000 + 2M.
 */
static struct paging_regs long_mode(struct fake_mem *m, u64 leaf)
{
	struct paging_regs r = {
		.mode = PAGING_64, .cr0 = X86_CR0_PG | X86_CR0_WP,
		.cr3 = PG(1), .cr4 = X86_CR4_PAE, .efer = EFER_LMA | EFER_NX,
		.maxphyaddr = 40, .gbpages = true, .amd = true,
	};
	gva_t gva = 0x1234567000UL;

	set64(m, PG(1) + ((gva >> 39) & 511) * 8, PG(2) | T);
	set64(m, PG(2) + ((gva >> 30) & 511) * 8, PG(3) | T);
	set64(m, PG(3) + ((gva >> 21) & 511) * 8, PG(4) | T);
	set64(m, PG(4) + ((gva >> 12) & 511) * 8, PG(9) | leaf);
	return r;
}

static void long_mode_walk_sets_accessed_and_dirty(struct kunit *test)
{
	struct fake_mem *m = fake_mem_new(test);
	struct paging_regs r = long_mode(m, GPTE_P | GPTE_RW);
	struct paging_access a = { .pfec = PF_WRITE };
	struct guest_walk w;

	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, 0x1234567abcUL, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gfn, 9);
	KUNIT_EXPECT_EQ(test, w.level, 1);
	KUNIT_EXPECT_EQ(test, w.access, ACC_WRITE | ACC_EXEC);
	KUNIT_EXPECT_TRUE(test, w.dirty);
	KUNIT_EXPECT_EQ(test, w.table_gfn[4], 1);
	KUNIT_EXPECT_EQ(test, w.table_gfn[1], 4);
	KUNIT_EXPECT_TRUE(test, get64(m, w.pte_gpa[4]) & GPTE_A);
	KUNIT_EXPECT_FALSE(test, get64(m, w.pte_gpa[4]) & GPTE_D);
	KUNIT_EXPECT_EQ(test, get64(m, w.pte_gpa[1]) & (GPTE_A | GPTE_D),
			GPTE_A | GPTE_D);

	/* A read leaves a clean page clean. */
	set64(m, w.pte_gpa[1], PG(9) | GPTE_P | GPTE_RW);
	a.pfec = 0;
	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, 0x1234567abcUL, &a, &w), 0);
	KUNIT_EXPECT_FALSE(test, w.dirty);
	KUNIT_EXPECT_FALSE(test, get64(m, w.pte_gpa[1]) & GPTE_D);
}

static void lost_accessed_race_walks_again(struct kunit *test)
{
	struct fake_mem *m = fake_mem_new(test);
	struct paging_regs r = long_mode(m, GPTE_P);
	struct paging_access a = {};
	struct guest_walk w;

	m->race = 2;
	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, 0x1234567000UL, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, m->race, 0);
	KUNIT_EXPECT_EQ(test, m->updates, 4);	/* A on each of the 4 levels */
}

static void long_mode_faults_have_exact_error_codes(struct kunit *test)
{
	struct fake_mem *m = fake_mem_new(test);
	struct paging_regs r = long_mode(m, GPTE_P | GPTE_NX);
	struct paging_access a = { .pfec = PF_FETCH };
	gva_t gva = 0x1234567000UL;
	struct guest_walk w;

	/* NX leaf, fetch. */
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_FETCH);
	/* Supervisor page, user read. */
	a.pfec = PF_USER;
	set64(m, PG(4) + 0x167 * 8, PG(9) | GPTE_P);
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_USER);
	/* Not present, user write. */
	a.pfec = PF_USER | PF_WRITE;
	set64(m, PG(4) + 0x167 * 8, 0);
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_USER | PF_WRITE);
	/* A reserved address bit above MAXPHYADDR. */
	a.pfec = 0;
	set64(m, PG(4) + 0x167 * 8, BIT_ULL(45) | PG(9) | GPTE_P);
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_RSVD);
	/* NX set without EFER.NXE is reserved. */
	r.efer &= ~EFER_NX;
	set64(m, PG(4) + 0x167 * 8, GPTE_NX | PG(9) | GPTE_P);
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_RSVD);
	/* PS in a PML4E is reserved. */
	r.efer |= EFER_NX;
	set64(m, PG(1) + ((gva >> 39) & 511) * 8, PG(2) | T | GPTE_PS);
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_RSVD);
}

static void huge_pages_translate_inside_the_page(struct kunit *test)
{
	struct fake_mem *m = fake_mem_new(test);
	struct paging_regs r = long_mode(m, GPTE_P);
	gva_t gva = 0x1234567000UL + 0x5000;
	struct paging_access a = {};
	struct guest_walk w;

	/* The PDE becomes a 2 MiB page at 0x40000000. */
	set64(m, PG(3) + ((gva >> 21) & 511) * 8, 0x40000000ULL | T | GPTE_PS);
	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, w.level, 2);
	KUNIT_EXPECT_EQ(test, w.gfn, (0x40000000ULL >> 12) + ((gva >> 12) & 511));
	/* Bits 20:13 of a 2 MiB PDE are reserved. */
	set64(m, PG(3) + ((gva >> 21) & 511) * 8, 0x40002000ULL | T | GPTE_PS);
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_RSVD);
	/* A 1 GiB page without GB pages: PS is reserved. */
	r.gbpages = false;
	set64(m, PG(2) + ((gva >> 30) & 511) * 8, 0x40000000ULL | T | GPTE_PS);
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_RSVD);
}

static void paging32_walks_4k_and_4m_pages(struct kunit *test)
{
	struct fake_mem *m = fake_mem_new(test);
	struct paging_regs r = {
		.mode = PAGING_32, .cr0 = X86_CR0_PG | X86_CR0_WP, .cr3 = PG(1),
		.cr4 = X86_CR4_PSE, .maxphyaddr = 36,
	};
	struct paging_access a = { .pfec = PF_WRITE | PF_USER, .cpl = 3 };
	struct guest_walk w;
	gva_t gva = 0x80403000;	/* PDE 0x201, PTE 3 */

	set32(m, PG(1) + 0x201 * 4, PG(2) | T);
	set32(m, PG(2) + 3 * 4, PG(7) | T);
	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gfn, 7);
	KUNIT_EXPECT_EQ(test, w.root_level, 2);
	KUNIT_EXPECT_EQ(test, get32(m, PG(2) + 12) & (GPTE_A | GPTE_D), GPTE_A | GPTE_D);
	KUNIT_EXPECT_EQ(test, w.access, ACC_ALL);	/* no NX in 32-bit */

	/* A 4 MiB page (PSE) at 0x00c00000. */
	set32(m, PG(1) + 0x201 * 4, 0x00c00000 | T | GPTE_PS);
	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, w.level, 2);
	KUNIT_EXPECT_EQ(test, w.gfn, (0x00c00000 >> 12) + 0x3);
	/* PSE-36: bit 13 is physical address bit 32 ... */
	set32(m, PG(1) + 0x201 * 4, 0x00c00000 | BIT(13) | T | GPTE_PS);
	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gfn, (BIT_ULL(32) >> 12) + (0x00c00000 >> 12) + 3);
	/* ... and bits above MAXPHYADDR (36: bits 17..21) are reserved. */
	set32(m, PG(1) + 0x201 * 4, 0x00c00000 | BIT(17) | T | GPTE_PS);
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_RSVD | PF_WRITE | PF_USER);
	/* Without CR4.PSE, PS is ignored: the entry is a table. */
	r.cr4 = 0;
	set32(m, PG(1) + 0x201 * 4, PG(2) | T | GPTE_PS);
	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gfn, 7);
}

static void pae_walk_uses_the_loaded_pdptes(struct kunit *test)
{
	struct fake_mem *m = fake_mem_new(test);
	struct paging_regs r = {
		.mode = PAGING_PAE, .cr0 = X86_CR0_PG | X86_CR0_WP, .cr3 = PG(1),
		.cr4 = X86_CR4_PAE, .efer = EFER_NX, .maxphyaddr = 36,
		.pdptrs = { 0, 0, PG(2) | GPTE_P, 0 },
	};
	struct paging_access a = { .pfec = PF_FETCH };
	gva_t gva = 0x80000000 + (5 << 21) + (6 << 12);
	struct guest_walk w;

	set64(m, PG(2) + 5 * 8, PG(3) | T);
	set64(m, PG(3) + 6 * 8, PG(8) | GPTE_P | GPTE_NX);
	/* The PDPTE in memory is not what counts: the loaded one is. */
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, PF_PRESENT | PF_FETCH);
	a.pfec = 0;
	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, m, gva, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gfn, 8);
	KUNIT_EXPECT_EQ(test, w.root_level, 3);
	/* A not-present PDPTE. */
	KUNIT_EXPECT_EQ(test, paging_walk(&r, &fake_ops, m, 0x1000, &a, &w), 1);
	KUNIT_EXPECT_EQ(test, w.error_code, 0);
	/* Bits 2:1 of a PDPTE are reserved: the load refuses it. */
	KUNIT_EXPECT_FALSE(test, paging_pdpte_valid(&r, PG(2) | GPTE_P | GPTE_RW));
	KUNIT_EXPECT_TRUE(test, paging_pdpte_valid(&r, PG(2) | GPTE_P));
	KUNIT_EXPECT_TRUE(test, paging_pdpte_valid(&r, GPTE_RW));	/* not present */
}

static void no_paging_is_the_identity(struct kunit *test)
{
	struct paging_regs r = { .mode = PAGING_NONE };
	struct paging_access a = { .pfec = PF_WRITE };
	struct guest_walk w;

	KUNIT_ASSERT_EQ(test, paging_walk(&r, &fake_ops, NULL, 0xfffff123, &a, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gfn, 0xfffff);
	KUNIT_EXPECT_EQ(test, w.access, ACC_ALL);
	KUNIT_EXPECT_EQ(test, paging_mode_of(X86_CR0_PE, 0, 0), PAGING_NONE);
	KUNIT_EXPECT_EQ(test, paging_mode_of(X86_CR0_PG, 0, 0), PAGING_32);
	KUNIT_EXPECT_EQ(test, paging_mode_of(X86_CR0_PG, X86_CR4_PAE, 0), PAGING_PAE);
	KUNIT_EXPECT_EQ(test, paging_mode_of(X86_CR0_PG, X86_CR4_PAE, EFER_LMA),
			PAGING_64);
}

static struct kunit_case paging_test_cases[] = {
	KUNIT_CASE_PARAM(permission_fault_error_codes, perm_gen_params),
	KUNIT_CASE(long_mode_walk_sets_accessed_and_dirty),
	KUNIT_CASE(lost_accessed_race_walks_again),
	KUNIT_CASE(long_mode_faults_have_exact_error_codes),
	KUNIT_CASE(huge_pages_translate_inside_the_page),
	KUNIT_CASE(paging32_walks_4k_and_4m_pages),
	KUNIT_CASE(pae_walk_uses_the_loaded_pdptes),
	KUNIT_CASE(no_paging_is_the_identity),
	{}
};

static struct kunit_suite paging_test_suite = {
	.name = "minikvm_paging",
	.test_cases = paging_test_cases,
};

kunit_test_suite(paging_test_suite);
