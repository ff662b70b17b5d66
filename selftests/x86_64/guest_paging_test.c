// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's own page tables, edited by the guest as a kernel would:
 * map/unmap/mprotect loops with INVLPG, the exact #PF error codes and CR2
 * for not-present, write, NX, CR0.WP, SMEP and SMAP faults, the Accessed
 * and Dirty bits (set by the "CPU", cleared by the guest's page aging), a
 * page table reused as data, many address spaces switched by CR3, and
 * last-level tables rewritten in place, made visible by INVLPG or a CR3
 * load (a shadow MMU may let such tables go out of sync until then).
 *
 * Under nested paging the CPU does all of this; under a shadow MMU (stock
 * KVM with npt=0, minikvm without NPT or with MINIKVM_MMU=shadow) every
 * page-table write is trapped and every fault is decided by the
 * hypervisor's walker, so the expected values are the architecture's and
 * both hypervisors must produce them.  The "shadow" variant asks minikvm
 * for a shadow-paging VM even on an NPT CPU (skipped elsewhere).
 */
#include <stdlib.h>
#include <string.h>
#include <linux/minikvm.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define SZ_1M		(1ULL << 20)

/* A memslot of guest memory for the test's tables and pages. */
#define TEST_SLOT	1
#define TEST_GPA	0x40000000ULL
#define TEST_SIZE	(4 * SZ_1M)
#define PDPT_T		(TEST_GPA + 0x0000)
#define PD_T		(TEST_GPA + 0x1000)
#define PT_T		(TEST_GPA + 0x2000)
#define PT2_T		(TEST_GPA + 0x3000)
#define AS_BASE		(TEST_GPA + 0x10000)	/* per address space: 4 pages */
#define NR_AS		6
#define DATA_GPA	(TEST_GPA + 0x100000)
#define NR_DATA		64

/* The test's mappings live at 512 GiB: PML4 entry 1. */
#define TEST_VA		(1ULL << 39)

#define PTE_P		(1ULL << 0)
#define PTE_W		(1ULL << 1)
#define PTE_U		(1ULL << 2)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_NX		(1ULL << 63)
#define TABLE		(PTE_P | PTE_W | PTE_U)

#define PFEC_P		0x1
#define PFEC_W		0x2
#define PFEC_F		0x10

#define X86_CR0_WP	(1ULL << 16)
#define X86_EFLAGS_AC	(1ULL << 18)

/* ------------------------------------------------------------------ */
/* Guest                                                               */

/* The last #PF the guest took. */
static volatile uint64_t pf_count, pf_ec, pf_cr2;

static uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static void write_cr0(uint64_t v)
{
	asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void write_cr3(uint64_t v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static void invlpg(volatile void *p)
{
	asm volatile("invlpg (%0)" : : "r"(p) : "memory");
}

/*
 * Record a #PF.  A data access bracketed by GUEST_ASM_SAFE resumes after
 * it; a fetch fault (a call into the page) returns to the caller.
 */
static void pf_handler(struct ex_regs *regs)
{
	pf_count++;
	pf_ec = regs->error_code;
	pf_cr2 = read_cr2();
	if (regs->r9 == GUEST_SAFE_MAGIC && regs->rip == regs->r10) {
		regs->rip = regs->r11;
		regs->r9 = regs->vector;
		return;
	}
	regs->rip = *(uint64_t *)regs->rsp;
	regs->rsp += 8;
}

static volatile uint64_t *pte(uint64_t pt, int i)
{
	return (volatile uint64_t *)pt + i;
}

static volatile uint64_t *va(int i)
{
	return (volatile uint64_t *)(TEST_VA + i * PAGE_SIZE);
}

static uint64_t data(int i)
{
	return DATA_GPA + i * PAGE_SIZE;
}

/* Return: the #PF error code of a write of @v to @p, or -1 if none. */
static uint64_t try_write(volatile uint64_t *p, uint64_t v)
{
	uint64_t vector, ec;

	asm volatile(GUEST_ASM_SAFE("movq %[v], (%[p])")
		     : GUEST_SAFE_OUTPUTS(vector, ec)
		     : [p] "r"(p), [v] "r"(v)
		     : "memory", GUEST_SAFE_CLOBBERS);
	return vector ? pf_ec : (uint64_t)-1;
}

static uint64_t try_read(volatile uint64_t *p)
{
	uint64_t vector, ec, v = 0;

	asm volatile(GUEST_ASM_SAFE("movq (%[p]), %[val]")
		     : GUEST_SAFE_OUTPUTS(vector, ec), [val] "+r"(v)
		     : [p] "r"(p)
		     : "memory", GUEST_SAFE_CLOBBERS);
	return vector ? pf_ec : (uint64_t)-1;
}

/* Call into page @i (which holds a RET); Return: #PF error code or -1. */
static uint64_t try_call(int i)
{
	uint64_t before = pf_count;

	*(volatile uint8_t *)data(i) = 0xc3;	/* ret */
	asm volatile("call *%0" : : "r"(va(i)) : "memory", "rax", "rcx", "rdx",
		     "rsi", "rdi", "r8", "r9", "r10", "r11");
	return pf_count != before ? pf_ec : (uint64_t)-1;
}

/* Map the test's tables under PML4 entry 1 of the library's PML4. */
static void map_test_tables(uint64_t pml4)
{
	*pte(PDPT_T, 0) = PD_T | TABLE;
	*pte(PD_T, 0) = PT_T | TABLE;
	*pte(pml4, 1) = PDPT_T | TABLE;
	write_cr3(read_cr3());
}

static void set_pte(int i, uint64_t val)
{
	*pte(PT_T, i) = val;
	invlpg(va(i));
}

static void guest_map_unmap_loop(void)
{
	int n;

	map_test_tables(GUEST_PML4_GPA);
	for (n = 0; n < 300; n++) {
		int i = n % NR_DATA;

		set_pte(i, data(i) | PTE_P | PTE_W);
		*va(i) = n;
		GUEST_ASSERT_EQ(*(volatile uint64_t *)data(i), n);
		GUEST_ASSERT_EQ(*va(i), n);
		set_pte(i, 0);
		GUEST_ASSERT_EQ(try_write(va(i), n), PFEC_W);
		GUEST_ASSERT_EQ(pf_cr2, (uint64_t)va(i));
		GUEST_ASSERT_EQ(try_read(va(i)), 0);
	}
	GUEST_DONE();
}

static void guest_mprotect_and_wp(void)
{
	uint64_t cr0 = read_cr0() | X86_CR0_WP;

	/* The library starts the guest with CR0.WP clear. */
	write_cr0(cr0);
	map_test_tables(GUEST_PML4_GPA);
	set_pte(0, data(0) | PTE_P | PTE_W);
	*va(0) = 1;
	/* mprotect(PROT_READ) */
	set_pte(0, data(0) | PTE_P);
	GUEST_ASSERT_EQ(*va(0), 1);
	GUEST_ASSERT_EQ(try_write(va(0), 2), PFEC_P | PFEC_W);
	GUEST_ASSERT_EQ(pf_cr2, (uint64_t)va(0));
	/* CR0.WP=0: a supervisor may write read-only pages. */
	write_cr0(cr0 & ~X86_CR0_WP);
	GUEST_ASSERT_EQ(try_write(va(0), 3), -1);
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(0), 3);
	/* ... user pages too. */
	set_pte(1, data(1) | PTE_P | PTE_U);
	GUEST_ASSERT_EQ(try_write(va(1), 4), -1);
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(1), 4);
	write_cr0(cr0);
	GUEST_ASSERT_EQ(try_write(va(0), 5), PFEC_P | PFEC_W);
	GUEST_ASSERT_EQ(try_write(va(1), 5), PFEC_P | PFEC_W);
	/* mprotect(PROT_READ | PROT_WRITE) */
	set_pte(0, data(0) | PTE_P | PTE_W);
	GUEST_ASSERT_EQ(try_write(va(0), 6), -1);
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(0), 6);
	GUEST_DONE();
}

static void guest_accessed_dirty(void)
{
	int n;

	map_test_tables(GUEST_PML4_GPA);
	set_pte(0, data(0) | PTE_P | PTE_W);
	(void)*va(0);
	GUEST_ASSERT_EQ(*pte(PT_T, 0) & (PTE_A | PTE_D), PTE_A);
	GUEST_ASSERT(*pte(PD_T, 0) & PTE_A);
	*va(0) = 1;
	GUEST_ASSERT_EQ(*pte(PT_T, 0) & (PTE_A | PTE_D), PTE_A | PTE_D);
	/* Page aging: clear Accessed, flush, and see it set again on use. */
	for (n = 0; n < 50; n++) {
		set_pte(0, *pte(PT_T, 0) & ~(PTE_A | PTE_D));
		GUEST_ASSERT_EQ(*pte(PT_T, 0) & (PTE_A | PTE_D), 0);
		GUEST_ASSERT_EQ(*va(0), n ? n : 1);
		GUEST_ASSERT_EQ(*pte(PT_T, 0) & (PTE_A | PTE_D), PTE_A);
		*va(0) = n + 1;
		GUEST_ASSERT_EQ(*pte(PT_T, 0) & (PTE_A | PTE_D), PTE_A | PTE_D);
	}
	GUEST_DONE();
}

static void guest_nx(void)
{
	uint64_t efer;

	map_test_tables(GUEST_PML4_GPA);
	if (rdmsr_safe(MSR_EFER, &efer) || wrmsr_safe(MSR_EFER, efer | EFER_NX))
		GUEST_SYNC(0);		/* no NX: the host skips */
	set_pte(0, data(0) | PTE_P | PTE_W);
	GUEST_ASSERT_EQ(try_call(0), -1);
	set_pte(0, data(0) | PTE_P | PTE_W | PTE_NX);
	GUEST_ASSERT_EQ(try_call(0), PFEC_P | PFEC_F);
	GUEST_ASSERT_EQ(pf_cr2, (uint64_t)va(0));
	/* Not present: the fetch bit is reported with NXE. */
	set_pte(0, 0);
	GUEST_ASSERT_EQ(try_call(0), PFEC_F);
	GUEST_DONE();
}

static bool cpuid7_ebx(int bit)
{
	uint32_t a, b, c, d;

	cpuid_count(7, 0, &a, &b, &c, &d);
	return b & (1U << bit);
}

static void guest_smep_smap(void)
{
	uint64_t cr4 = get_cr4();
	bool smep = cpuid7_ebx(7), smap = cpuid7_ebx(20);

	map_test_tables(GUEST_PML4_GPA);
	set_pte(0, data(0) | PTE_P | PTE_W | PTE_U);
	GUEST_ASSERT_EQ(try_call(0), -1);
	if (smep) {
		set_cr4(cr4 | X86_CR4_SMEP);
		GUEST_ASSERT_EQ(try_call(0), PFEC_P | PFEC_F);
		set_cr4(cr4);
		GUEST_ASSERT_EQ(try_call(0), -1);
	}
	if (smap) {
		set_cr4(cr4 | X86_CR4_SMAP);
		GUEST_ASSERT_EQ(try_read(va(0)), PFEC_P);
		GUEST_ASSERT_EQ(try_write(va(0), 1), PFEC_P | PFEC_W);
		asm volatile("stac" ::: "memory");
		GUEST_ASSERT_EQ(try_read(va(0)), -1);
		GUEST_ASSERT_EQ(try_write(va(0), 1), -1);
		asm volatile("clac" ::: "memory");
		/* A supervisor page is not affected. */
		set_pte(1, data(1) | PTE_P | PTE_W);
		GUEST_ASSERT_EQ(try_read(va(1)), -1);
		set_cr4(cr4);
	}
	GUEST_SYNC(smep | smap << 1);
	GUEST_DONE();
}

/*
 * A page table that becomes data: map through PT2, then unlink it and
 * scribble over it (a shadow MMU must stop shadowing it), then use it as a
 * page table again.
 */
static void guest_pt_reused_as_data(void)
{
	volatile uint64_t *pt2 = (volatile uint64_t *)PT2_T;
	volatile uint64_t *va2 = (volatile uint64_t *)(TEST_VA + (2ULL << 20));
	int round, i;

	map_test_tables(GUEST_PML4_GPA);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 8; i++)
			pt2[i] = data(i) | PTE_P | PTE_W;
		*pte(PD_T, 1) = PT2_T | TABLE;
		write_cr3(read_cr3());
		for (i = 0; i < 8; i++) {
			va2[i * 512] = round * 100 + i;
			GUEST_ASSERT_EQ(*(volatile uint64_t *)data(i), round * 100 + i);
		}
		*pte(PD_T, 1) = 0;
		write_cr3(read_cr3());
		for (i = 0; i < 512; i++)
			pt2[i] = 0x5a5a5a5a00000000ULL + i;
		GUEST_ASSERT_EQ(try_read(va2), 0);
		for (i = 0; i < 512; i++)
			GUEST_ASSERT_EQ(pt2[i], 0x5a5a5a5a00000000ULL + i);
		for (i = 0; i < 512; i++)
			pt2[i] = 0;
	}
	GUEST_DONE();
}

/* Two PTEs at once, by an SSE store (movdqu: any 8-byte-aligned pair). */
static void sse_set_ptes(int i, uint64_t lo, uint64_t hi, bool nontemporal)
{
	uint64_t v[2] __attribute__((aligned(16))) = { lo, hi };

	if (nontemporal)
		asm volatile("movdqa (%1), %%xmm0\n\tmovntdq %%xmm0, (%0)\n\tsfence"
			     : : "r"(pte(PT_T, i)), "r"(v) : "xmm0", "memory");
	else
		asm volatile("movdqu (%1), %%xmm0\n\tmovdqu %%xmm0, (%0)"
			     : : "r"(pte(PT_T, i)), "r"(v) : "xmm0", "memory");
	invlpg(va(i));
	invlpg(va(i + 1));
}

/*
 * Write pages @i and @i + 1 through their mappings and check that frames
 * @frame and @frame + 1 got the writes.
 */
static void check_pair(int i, int frame, uint64_t tag)
{
	*va(i) = tag;
	*va(i + 1) = tag + 1;
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(frame), tag);
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(frame + 1), tag + 1);
}

/*
 * Page-table writes by instructions an emulator may not do (SSE stores;
 * a shadow MMU must then unprotect the table and let the guest write it)
 * and by locked ones (XCHG, LOCK OR: atomic on a shared table), each on a
 * table the hypervisor shadows because the guest just used it.  The same
 * entries are rewritten by the same instruction again and again, as a
 * kernel remapping a buffer would.
 */
static void guest_pt_written_by_sse_and_locked_insns(void)
{
	uint64_t old;
	int n;

	map_test_tables(GUEST_PML4_GPA);
	set_pte(0, data(0) | PTE_P | PTE_W);
	for (n = 0; n < 8; n++) {
		int frame = 1 + 2 * (n % 3);

		/* The table is in use (and shadowed) again before each store. */
		*va(0) = n;
		sse_set_ptes(1, data(frame) | PTE_P | PTE_W,
			     data(frame + 1) | PTE_P | PTE_W, false);
		check_pair(1, frame, 100 * n);
		*va(0) = n;
		sse_set_ptes(10 + 2 * (n % 4), data(10 + 2 * n) | PTE_P | PTE_W,
			     data(11 + 2 * n) | PTE_P | PTE_W, true);
		check_pair(10 + 2 * (n % 4), 10 + 2 * n, 100 * n + 50);
	}
	/* XCHG returns the old entry and installs the new one. */
	*va(0) = 7;
	old = data(20) | PTE_P | PTE_W;
	asm volatile("xchg %0, (%1)" : "+r"(old) : "r"(pte(PT_T, 0)) : "memory");
	invlpg(va(0));
	GUEST_ASSERT_EQ(old & ~(PTE_A | PTE_D), data(0) | PTE_P | PTE_W);
	*va(0) = 8;
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(20), 8);
	/* LOCK OR makes a read-only mapping writable. */
	set_pte(21, data(21) | PTE_P);
	GUEST_ASSERT_EQ(*va(21), *(volatile uint64_t *)data(21));
	asm volatile("lock orq %1, (%0)" : : "r"(pte(PT_T, 21)), "r"(PTE_W) : "memory");
	invlpg(va(21));
	*va(21) = 9;
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(21), 9);
	GUEST_DONE();
}

/*
 * Address spaces, as fork and exec make them: each has its own PML4 (the
 * kernel half shared), PDPT, PD and PT, mapping TEST_VA to its own page;
 * switch between them by CR3, and replace mappings on the way.
 */
static uint64_t as_pml4(int k)
{
	return AS_BASE + k * 4 * PAGE_SIZE;
}

static void build_as(int k, int page)
{
	uint64_t pml4 = as_pml4(k), pdpt = pml4 + PAGE_SIZE;
	uint64_t pd = pdpt + PAGE_SIZE, pt = pd + PAGE_SIZE;

	*pte(pml4, 0) = *pte(GUEST_PML4_GPA, 0);
	*pte(pml4, 1) = pdpt | TABLE;
	*pte(pdpt, 0) = pd | TABLE;
	*pte(pd, 0) = pt | TABLE;
	*pte(pt, 0) = data(page) | PTE_P | PTE_W;
}

static void guest_address_spaces(void)
{
	uint64_t cr3 = read_cr3();
	int round, k;

	for (k = 0; k < NR_DATA; k++)
		*(volatile uint64_t *)data(k) = 1000 + k;
	for (k = 0; k < NR_AS; k++)
		build_as(k, k);
	for (round = 0; round < 40; round++) {
		for (k = 0; k < NR_AS; k++) {
			int page = (k + round) % NR_DATA;

			write_cr3(as_pml4(k));
			GUEST_ASSERT_EQ(read_cr3(), as_pml4(k));
			GUEST_ASSERT_EQ(*va(0), 1000 + page);
			/* "exec": the next round maps another page here. */
			*pte(as_pml4(k) + 3 * PAGE_SIZE, 0) =
				data((page + 1) % NR_DATA) | PTE_P | PTE_W;
			invlpg(va(0));
		}
	}
	write_cr3(cr3);
	GUEST_DONE();
}

/*
 * A last-level table rewritten in place, as an OS remaps pages: present
 * entries pointed at other frames, made read-only, unmapped, each change
 * followed by INVLPG of just that address, which must make it visible.
 * A shadow MMU may let such a table go out of sync (written without
 * traps); INVLPG must then resync exactly the invalidated entry.
 */
#define NR_REMAP	16

static void fill_data_pages(void)
{
	int k;

	for (k = 0; k < NR_DATA; k++)
		*(volatile uint64_t *)data(k) = 1000 + k;
}

static void guest_rewrite_leaf_table_invlpg(void)
{
	int n, i;

	/* Read-only pages fault on supervisor writes too. */
	write_cr0(read_cr0() | X86_CR0_WP);
	map_test_tables(GUEST_PML4_GPA);
	fill_data_pages();
	for (i = 0; i < NR_REMAP; i++)
		set_pte(i, data(i) | PTE_P | PTE_W);
	for (n = 0; n < 100; n++) {
		for (i = 0; i < NR_REMAP; i++) {
			int page = (i + n) % NR_DATA, next = (i + n + 1) % NR_DATA;

			GUEST_ASSERT_EQ(*va(i), 1000 + page);
			/* Dirty (a writable spte, if any), then read-only. */
			*va(i) = 1000 + page;
			set_pte(i, data(page) | PTE_P);
			GUEST_ASSERT_EQ(try_write(va(i), 0), PFEC_P | PFEC_W);
			GUEST_ASSERT_EQ(pf_cr2, (uint64_t)va(i));
			if (i == n % NR_REMAP) {
				set_pte(i, 0);
				GUEST_ASSERT_EQ(try_read(va(i)), 0);
			}
			set_pte(i, data(next) | PTE_P | PTE_W);
			GUEST_ASSERT_EQ(*va(i), 1000 + next);
		}
	}
	GUEST_DONE();
}

/* The same table rewritten many entries at a time, then one CR3 reload. */
static void guest_rewrite_leaf_table_cr3(void)
{
	int n, i;

	/* Read-only pages fault on supervisor writes too. */
	write_cr0(read_cr0() | X86_CR0_WP);
	map_test_tables(GUEST_PML4_GPA);
	fill_data_pages();
	for (n = 0; n < 100; n++) {
		for (i = 0; i < NR_REMAP; i++)
			*pte(PT_T, i) = data((i + n) % NR_DATA) | PTE_P |
					(n % 3 ? PTE_W : 0);
		write_cr3(read_cr3());
		for (i = 0; i < NR_REMAP; i++) {
			GUEST_ASSERT_EQ(*va(i), 1000 + (i + n) % NR_DATA);
			GUEST_ASSERT_EQ(try_write(va(i), 1000 + (i + n) % NR_DATA),
					n % 3 ? (uint64_t)-1 : PFEC_P | PFEC_W);
		}
	}
	GUEST_DONE();
}

/*
 * A leaf table unlinked (its PDE cleared, the TLB flushed), rewritten
 * while no PDE points to it, then linked again without a flush (a
 * not-present PDE made present needs none): the new entries must be
 * seen, not what the table held before it was unlinked.  A guest OS does
 * this when it frees a page table and reuses the frame as a new one.
 * On minikvm's shadow MMU the table is unsync when it is rewritten.
 */
#define NR_RELINK	8

static void guest_unsync_table_relinked(void)
{
	int round, i;

	/* Read-only pages fault on supervisor writes too. */
	write_cr0(read_cr0() | X86_CR0_WP);
	map_test_tables(GUEST_PML4_GPA);
	fill_data_pages();
	for (round = 0; round < 20; round++) {
		int old = (round % 7) * NR_RELINK, new = old + NR_RELINK;

		for (i = 0; i < NR_RELINK; i++)
			*pte(PT_T, i) = data(old + i) | PTE_P | PTE_W;
		*pte(PD_T, 0) = PT_T | TABLE;
		write_cr3(read_cr3());
		for (i = 0; i < NR_RELINK; i++)
			GUEST_ASSERT_EQ(*va(i), 1000 + old + i);

		*pte(PD_T, 0) = 0;
		write_cr3(read_cr3());
		for (i = 0; i < NR_RELINK; i++)
			*pte(PT_T, i) = data(new + i) | PTE_P | PTE_W;
		*pte(PD_T, 0) = PT_T | TABLE;
		for (i = 0; i < NR_RELINK; i++)
			GUEST_ASSERT_EQ(*va(i), 1000 + new + i);
	}
	GUEST_DONE();
}

/*
 * Tables of other address spaces rewritten while they are not current
 * (as exec or munmap of another process do), then switched to by CR3:
 * the switch must see the new mappings (a cached shadow root is synced).
 */
#define NR_AS_REWRITE	3

static void guest_rewrite_other_address_space(void)
{
	uint64_t cr3 = read_cr3();
	int round, k;

	fill_data_pages();
	for (k = 0; k < NR_AS_REWRITE; k++)
		build_as(k, k);
	for (round = 0; round < 40; round++) {
		for (k = 0; k < NR_AS_REWRITE; k++) {
			write_cr3(as_pml4(k));
			GUEST_ASSERT_EQ(*va(0), 1000 + (k + round) % NR_DATA);
		}
		/* On the last one: remap all of them for the next round. */
		for (k = 0; k < NR_AS_REWRITE; k++)
			*pte(as_pml4(k) + 3 * PAGE_SIZE, 0) =
				data((k + round + 1) % NR_DATA) | PTE_P | PTE_W;
	}
	write_cr3(cr3);
	GUEST_DONE();
}

/*
 * Neighbours of a faulting entry in one aligned window of eight: a shadow
 * MMU may map them ahead of use (minikvm does, for present and Accessed
 * entries), and every one must still behave as its own entry says: clean
 * entries get Dirty on the first write, read-only ones fault on writes,
 * entries without Accessed get it on use, not-present ones fault, and an
 * alias of a page table keeps the table's writes taking effect.
 */
#define PF_FIRST	16

static void guest_prefetched_neighbours(void)
{
	volatile uint64_t *alias_slot = (volatile uint64_t *)va(PF_FIRST + 7) + 511;

	write_cr0(read_cr0() | X86_CR0_WP);
	map_test_tables(GUEST_PML4_GPA);
	fill_data_pages();
	*pte(PT_T, PF_FIRST + 0) = data(0) | PTE_P | PTE_W;
	*pte(PT_T, PF_FIRST + 1) = data(1) | PTE_P | PTE_W | PTE_A | PTE_D;
	*pte(PT_T, PF_FIRST + 2) = data(2) | PTE_P | PTE_W | PTE_A;
	*pte(PT_T, PF_FIRST + 3) = data(3) | PTE_P | PTE_A;
	*pte(PT_T, PF_FIRST + 4) = data(4) | PTE_P | PTE_W;
	*pte(PT_T, PF_FIRST + 5) = 0;
	*pte(PT_T, PF_FIRST + 6) = data(6) | PTE_P | PTE_W | PTE_A | PTE_D;
	/* The leaf table itself, writable and Dirty in the guest's view. */
	*pte(PT_T, PF_FIRST + 7) = PT_T | PTE_P | PTE_W | PTE_A | PTE_D;
	write_cr3(read_cr3());

	/* The fault that may prefetch the others. */
	GUEST_ASSERT_EQ(*va(PF_FIRST), 1000);
	GUEST_ASSERT_EQ(*va(PF_FIRST + 1), 1001);
	*va(PF_FIRST + 1) = 2001;
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(1), 2001);
	GUEST_ASSERT_EQ(*va(PF_FIRST + 2), 1002);
	GUEST_ASSERT_EQ(*pte(PT_T, PF_FIRST + 2) & PTE_D, 0);
	*va(PF_FIRST + 2) = 2002;
	GUEST_ASSERT_EQ(*pte(PT_T, PF_FIRST + 2) & PTE_D, PTE_D);
	GUEST_ASSERT_EQ(*(volatile uint64_t *)data(2), 2002);
	GUEST_ASSERT_EQ(*va(PF_FIRST + 3), 1003);
	GUEST_ASSERT_EQ(try_write(va(PF_FIRST + 3), 0), PFEC_P | PFEC_W);
	GUEST_ASSERT_EQ(pf_cr2, (uint64_t)va(PF_FIRST + 3));
	GUEST_ASSERT_EQ(*pte(PT_T, PF_FIRST + 4) & PTE_A, 0);
	GUEST_ASSERT_EQ(*va(PF_FIRST + 4), 1004);
	GUEST_ASSERT_EQ(*pte(PT_T, PF_FIRST + 4) & (PTE_A | PTE_D), PTE_A);
	GUEST_ASSERT_EQ(try_read(va(PF_FIRST + 5)), 0);
	GUEST_ASSERT_EQ(*va(PF_FIRST + 6), 1006);
	/* Through the alias: an unused entry of the table, then a live one. */
	*alias_slot = 0x1234000;
	GUEST_ASSERT_EQ(*pte(PT_T, 511), 0x1234000);
	*alias_slot = 0;
	*((volatile uint64_t *)va(PF_FIRST + 7) + PF_FIRST + 6) =
		data(7) | PTE_P | PTE_W | PTE_A | PTE_D;
	invlpg(va(PF_FIRST + 6));
	GUEST_ASSERT_EQ(*va(PF_FIRST + 6), 1007);
	GUEST_DONE();
}

/* ------------------------------------------------------------------ */
/* Host                                                                */

FIXTURE(paging) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_VARIANT(paging) {
	bool shadow;
};

FIXTURE_VARIANT_ADD(paging, default_mmu) {
	.shadow = false,
};

FIXTURE_VARIANT_ADD(paging, shadow_mmu) {
	.shadow = true,
};

FIXTURE_SETUP(paging)
{
	self->vm = NULL;
	if (variant->shadow && !select_shadow_mmu())
		SKIP(return, "no per-VM shadow MMU on this device");
}

FIXTURE_TEARDOWN(paging)
{
	kvm_vm_free(self->vm);
	unsetenv("MINIKVM_MMU");
}

static void run_guest(struct __test_metadata *_metadata,
		      FIXTURE_DATA(paging) *self, void *guest_code)
{
	struct ucall uc;

	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_code);
	vcpu_init_supported_cpuid(self->vcpu);
	vm_add_anon_region(self->vm, TEST_SLOT, TEST_GPA, TEST_SIZE);
	vm_install_exception_handler(self->vm, PF_VECTOR, pf_handler);
	while (vcpu_run_to_ucall(self->vcpu, &uc) == UCALL_SYNC) {
		if (uc.args[0] == 0 && guest_code == guest_nx)
			SKIP(return, "the guest has no NX");
		TH_LOG("guest sync: %lu", (unsigned long)uc.args[0]);
	}
	ASSERT_EQ(UCALL_DONE, uc.cmd);
}

TEST_F(paging, map_unmap_loop_faults_with_exact_codes)
{
	run_guest(_metadata, self, guest_map_unmap_loop);
}

TEST_F(paging, mprotect_and_cr0_wp_decide_supervisor_writes)
{
	run_guest(_metadata, self, guest_mprotect_and_wp);
}

TEST_F(paging, accessed_and_dirty_bits_follow_accesses_and_aging)
{
	run_guest(_metadata, self, guest_accessed_dirty);
}

TEST_F(paging, nx_pages_fault_on_fetch)
{
	run_guest(_metadata, self, guest_nx);
}

TEST_F(paging, smep_and_smap_fault_with_exact_codes)
{
	run_guest(_metadata, self, guest_smep_smap);
}

TEST_F(paging, page_table_reused_as_data_and_again_as_table)
{
	run_guest(_metadata, self, guest_pt_reused_as_data);
}

TEST_F(paging, page_table_written_by_sse_and_locked_insns_takes_effect)
{
	long unprotects, pte_writes, unsynced;

	run_guest(_metadata, self, guest_pt_written_by_sse_and_locked_insns);
	/*
	 * minikvm's shadow MMU: a write to a shadowed table was either
	 * emulated (the locked ones), handed back and the table unprotected
	 * (the SSE stores), or never trapped because the leaf table went
	 * unsync first; the guest's checks above hold either way.  Which
	 * path a run takes depends on whether the table may be unsync when
	 * it is written.  -1: no such statistic.
	 */
	unprotects = vm_get_stat(self->vm, "minikvm_shadow_unprotects");
	pte_writes = vm_get_stat(self->vm, "mmu_pte_write");
	unsynced = vm_get_stat(self->vm, "minikvm_shadow_unsynced");
	TH_LOG("unprotects %ld, emulated page-table writes %ld, unsynced %ld",
	       unprotects, pte_writes, unsynced);
	if (variant->shadow && unprotects >= 0)
		EXPECT_LT(0, unprotects + pte_writes + unsynced);
}

TEST_F(paging, neighbours_mapped_ahead_keep_their_own_entries)
{
	long prefetched;

	run_guest(_metadata, self, guest_prefetched_neighbours);
	/*
	 * minikvm's shadow MMU prefetches the Accessed neighbours of the
	 * first fault (-1: no such statistic: stock KVM, a TDP VM).
	 */
	prefetched = vm_get_stat(self->vm, "minikvm_shadow_prefetched");
	TH_LOG("prefetched %ld, faults fixed %ld", prefetched,
	       vm_get_stat(self->vm, "minikvm_shadow_fixed"));
	if (prefetched >= 0)
		EXPECT_LT(0, prefetched);
}

TEST_F(paging, address_spaces_switched_by_cr3_see_their_own_pages)
{
	run_guest(_metadata, self, guest_address_spaces);
}

/*
 * minikvm's shadow MMU counts the unsync path; elsewhere (stock KVM, a
 * TDP VM) the statistics do not exist and only the guest's checks count.
 */
static void check_unsync_stats(struct __test_metadata *_metadata,
			       struct kvm_vm *vm, bool invlpg)
{
	long unsynced = vm_get_stat(vm, "minikvm_shadow_unsynced");
	long syncs = vm_get_stat(vm, "minikvm_shadow_syncs");
	long drops = vm_get_stat(vm, "minikvm_shadow_sync_drops");
	long walks = vm_get_stat(vm, "minikvm_shadow_sync_walks");
	long invlpgs = vm_get_stat(vm, "invlpg");

	if (unsynced < 0) {
		TH_LOG("no shadow unsync statistics: guest checks only");
		return;
	}
	TH_LOG("unsynced %ld syncs %ld sync_drops %ld sync_walks %ld invlpg %ld mmu_unsync %ld mmu_pte_write %ld",
	       unsynced, syncs, drops, walks, invlpgs,
	       vm_get_stat(vm, "mmu_unsync"), vm_get_stat(vm, "mmu_pte_write"));
	ASSERT_GT(unsynced, 0);
	ASSERT_GT(drops, 0);
	if (invlpg) {
		ASSERT_GT(invlpgs, 0);
	} else {
		ASSERT_GT(syncs, 0);
		ASSERT_GT(walks, 0);
	}
}

TEST_F(paging, leaf_table_rewritten_is_seen_after_invlpg)
{
	run_guest(_metadata, self, guest_rewrite_leaf_table_invlpg);
	check_unsync_stats(_metadata, self->vm, true);
}

TEST_F(paging, leaf_table_rewritten_is_seen_after_cr3_reload)
{
	run_guest(_metadata, self, guest_rewrite_leaf_table_cr3);
	check_unsync_stats(_metadata, self->vm, false);
}

TEST_F(paging, unsync_table_unlinked_rewritten_and_relinked_is_seen)
{
	run_guest(_metadata, self, guest_unsync_table_relinked);
}

TEST_F(paging, other_address_space_rewritten_is_seen_after_cr3_switch)
{
	run_guest(_metadata, self, guest_rewrite_other_address_space);
	check_unsync_stats(_metadata, self->vm, false);
}

TEST_HARNESS_MAIN
