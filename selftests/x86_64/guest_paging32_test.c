// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit guests that page: 2-level paging (4 KiB pages and 4 MiB PSE
 * pages) and PAE (4 KiB and 2 MiB pages, NX), on the VM's default MMU and
 * on minikvm's per-VM shadow MMU.  The guest's own stores edit its page
 * tables (followed by INVLPG, as a kernel does), so on the shadow MMU they
 * go through write protection, emulation, unsync pages and flooding; the
 * checks are what the hardware would do: the exact #PF error code and
 * CR2, Accessed and Dirty bits set in the guest's entries, and the data
 * each mapping reaches.  Expectations are the architecture's, so the test
 * passes on stock KVM too (with and without npt).
 *
 * Each step runs a few bytes of 32-bit code (emu_env.h) to a HLT, or to
 * an exception stub that reports the vector on port EMU_EXC_PORT.
 *
 * Guest-physical layout (memslot 0, 512 KiB; emu_env.c uses < 0x10000):
 *   0x10000  PAE PDPT / 2-level PD
 *   0x11000  PAE PD
 *   0x12000  page table: identity [0, 2 MiB) (2-level: [0, 4 MiB))
 *   0x13000  page table of the test pages at TEST_VA
 *   0x20000  data frames DATA(0..15), one 4 KiB page each
 *   0x30000  32 more page tables (the shrinker and page budget cases)
 *   0x5f000  top of the stack
 * Linear: identity below 2 MiB; TEST_VA + n * 4 KiB -> test PTEs; LARGE_VA
 * -> one 4 MiB (2-level) or 2 MiB (PAE) page at physical 0.
 */
#include <linux/minikvm.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "emu_env.h"
#include "processor.h"

#define TOP_GPA		0x10000ULL
#define PD_PAE_GPA	0x11000ULL
#define PT_LOW_GPA	0x12000ULL
#define PT_TEST_GPA	0x13000ULL
#define DATA(n)		(0x20000ULL + (n) * PAGE_SIZE)
#define STACK_TOP	0x5f000ULL
#define TEST_VA		0x400000ULL
#define LARGE_VA	0x800000ULL

#define P		(1ULL << 0)
#define W		(1ULL << 1)
#define U		(1ULL << 2)
#define A		(1ULL << 5)
#define D		(1ULL << 6)
#define PS		(1ULL << 7)
#define NX		(1ULL << 63)

#define PF_P		(1u << 0)
#define PF_W		(1u << 1)
#define PF_RSVD		(1u << 3)
#define PF_I		(1u << 4)

#define X86_CR0_WP	(1ULL << 16)
#define PF_VECTOR	14

/* The steps' code: EBX address, ECX/ESI value, EDX address of a PTE. */
#define STEPS(X)							\
	X(op_read, "mov (%ebx), %eax")					\
	X(op_write, "mov %ecx, (%ebx)")					\
	X(op_call, "call *%ebx")					\
	X(op_set_pte, "mov %ecx, (%edx); mov %esi, 4(%edx); invlpg (%ebx)") \
	X(op_set_pte32, "mov %ecx, (%edx); invlpg (%ebx)")		\
	X(op_store, "mov %ecx, (%edx)")					\
	X(op_reload_cr3, "mov %cr3, %eax; mov %eax, %cr3")

#define STEP_ASM(_id, _text)	#_id ":\n\t" _text "\n" #_id "_end:\n"
#define STEP_DECL(_id, _text)	extern const uint8_t _id[], _id##_end[];
STEPS(STEP_DECL)
asm(".pushsection .rodata.paging32, \"a\"\n.code32\n"
    STEPS(STEP_ASM)
    ".code64\n.popsection\n");

#define RUN_STEP(self, _id, ...)					\
	run_step(self, _id, _id##_end, (struct kvm_regs){ __VA_ARGS__ })

FIXTURE(paging32) {
	struct emu_vm *e;
	bool pae;
	/* The last step's outcome. */
	int vector;		/* -1: ran to its HLT */
	uint32_t error_code;
	uint64_t cr2;
	uint32_t eax;
};

FIXTURE_VARIANT(paging32) {
	bool pae;
	bool shadow;
};

FIXTURE_VARIANT_ADD(paging32, two_level) { .pae = false, .shadow = false };
FIXTURE_VARIANT_ADD(paging32, two_level_shadow_mmu) { .pae = false, .shadow = true };
FIXTURE_VARIANT_ADD(paging32, pae) { .pae = true, .shadow = false };
FIXTURE_VARIANT_ADD(paging32, pae_shadow_mmu) { .pae = true, .shadow = true };

static uint64_t *pte64(struct emu_vm *e, uint64_t gpa)
{
	return (uint64_t *)(e->mem + gpa);
}

static uint32_t *pte32(struct emu_vm *e, uint64_t gpa)
{
	return (uint32_t *)(e->mem + gpa);
}

/* GPA of the PTE that maps TEST_VA + @n pages. */
static uint64_t test_pte_gpa(FIXTURE_DATA(paging32) *self, unsigned int n)
{
	return PT_TEST_GPA + n * (self->pae ? 8 : 4);
}

static uint64_t get_pte(FIXTURE_DATA(paging32) *self, unsigned int n)
{
	uint64_t gpa = test_pte_gpa(self, n);

	return self->pae ? *pte64(self->e, gpa) : *pte32(self->e, gpa);
}

/* Host-side edit of a test PTE: only before the guest first uses it. */
static void set_pte(FIXTURE_DATA(paging32) *self, unsigned int n, uint64_t v)
{
	uint64_t gpa = test_pte_gpa(self, n);

	if (self->pae)
		*pte64(self->e, gpa) = v;
	else
		*pte32(self->e, gpa) = (uint32_t)v;
}

/* The PDE that maps LARGE_VA. */
static uint64_t large_pde(FIXTURE_DATA(paging32) *self)
{
	if (self->pae)
		return *pte64(self->e, PD_PAE_GPA + (LARGE_VA >> 21) * 8);
	return *pte32(self->e, TOP_GPA + (LARGE_VA >> 22) * 4);
}

static void build_tables(FIXTURE_DATA(paging32) *self)
{
	struct emu_vm *e = self->e;
	unsigned int i;

	if (self->pae) {
		pte64(e, TOP_GPA)[0] = PD_PAE_GPA | P;
		pte64(e, PD_PAE_GPA)[0] = PT_LOW_GPA | P | W;
		pte64(e, PD_PAE_GPA)[TEST_VA >> 21] = PT_TEST_GPA | P | W;
		pte64(e, PD_PAE_GPA)[LARGE_VA >> 21] = 0 | P | W | PS;
		for (i = 0; i < 512; i++)
			pte64(e, PT_LOW_GPA)[i] = i * PAGE_SIZE | P | W;
	} else {
		pte32(e, TOP_GPA)[0] = PT_LOW_GPA | P | W;
		pte32(e, TOP_GPA)[TEST_VA >> 22] = PT_TEST_GPA | P | W;
		pte32(e, TOP_GPA)[LARGE_VA >> 22] = 0 | P | W | PS;
		for (i = 0; i < 1024; i++)
			pte32(e, PT_LOW_GPA)[i] = i * PAGE_SIZE | P | W;
	}
	for (i = 0; i < 16; i++)
		memset(e->mem + DATA(i), 0x10 + i, PAGE_SIZE);
}

static void set_paging_sregs(FIXTURE_DATA(paging32) *self, bool wp, bool nxe)
{
	struct kvm_sregs s;

	vcpu_sregs_get(self->e->vcpu, &s);
	s.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG | (wp ? X86_CR0_WP : 0);
	s.cr4 = self->pae ? X86_CR4_PAE : X86_CR4_PSE;
	s.cr3 = TOP_GPA;
	s.efer = nxe ? EFER_NX : 0;
	s.ds.base = 0;
	s.es = s.ss = s.fs = s.gs = s.ds;
	vcpu_sregs_set(self->e->vcpu, &s);
}

/*
 * A paging control change from the host, then the guest's CR3 reload: as
 * on hardware, translations cached under the old CR0.WP or EFER.NXE may
 * otherwise survive.
 */
static void run_step(FIXTURE_DATA(paging32) *self, const uint8_t *start,
		     const uint8_t *end, struct kvm_regs regs);

static void change_paging(FIXTURE_DATA(paging32) *self, bool wp, bool nxe)
{
	set_paging_sregs(self, wp, nxe);
	run_step(self, op_reload_cr3, op_reload_cr3_end, (struct kvm_regs){});
}

FIXTURE_SETUP(paging32)
{
	self->e = NULL;
	self->pae = variant->pae;
	if (variant->shadow && !select_shadow_mmu())
		SKIP(return, "no per-VM shadow MMU on this device");
	self->e = emu_vm_create(variant->pae ? EMU_PAE32 : EMU_PAGED32);
	emu_set_sregs(self->e, false);
	emu_install_idt32(self->e);
	build_tables(self);
	set_paging_sregs(self, true, false);
}

FIXTURE_TEARDOWN(paging32)
{
	if (self->e)
		emu_vm_free(self->e);
	unsetenv("MINIKVM_MMU");
}

/* Run one step's code from EMU_CODE_GPA to its HLT or to an exception. */
static void run_step(FIXTURE_DATA(paging32) *self, const uint8_t *start,
		     const uint8_t *end, struct kvm_regs regs)
{
	struct kvm_run *run = self->e->vcpu->run;
	struct kvm_sregs s;
	char why[256];

	emu_load_code(self->e, start, end - start);
	regs.rip = EMU_CODE_GPA;
	regs.rsp = STACK_TOP;
	regs.rflags = X86_EFLAGS_FIXED;
	vcpu_regs_set(self->e->vcpu, &regs);
	vcpu_run(self->e->vcpu);
	vcpu_regs_get(self->e->vcpu, &regs);
	self->eax = (uint32_t)regs.rax;
	self->vector = -1;
	if (run->exit_reason == KVM_EXIT_HLT)
		return;
	emu_describe_exit(self->e, why, sizeof(why));
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO && run->io.port == EMU_EXC_PORT,
		    "step: unexpected %s at rip 0x%llx", why, regs.rip);
	self->vector = *((uint8_t *)run + run->io.data_offset);
	vcpu_sregs_get(self->e->vcpu, &s);
	self->cr2 = s.cr2;
	/* The stub's stack: the #PF frame (error code, EIP, CS, EFLAGS). */
	self->error_code = *(uint32_t *)(self->e->mem + (uint32_t)regs.rsp);
}

/* Expect a #PF at @va with @code from the last step. */
#define EXPECT_PF(va, code) do {					\
	ASSERT_EQ(PF_VECTOR, self->vector);				\
	EXPECT_EQ((uint64_t)(va), self->cr2);				\
	EXPECT_EQ((uint32_t)(code), self->error_code);			\
} while (0)

/* The guest's own store to test PTE @n (and INVLPG of its page). */
static void guest_set_pte(struct __test_metadata *_metadata,
			  FIXTURE_DATA(paging32) *self, unsigned int n, uint64_t v)
{
	uint64_t va = TEST_VA + n * PAGE_SIZE;
	uint64_t gpa = test_pte_gpa(self, n);

	if (self->pae)
		RUN_STEP(self, op_set_pte, .rbx = va, .rdx = gpa, .rcx = (uint32_t)v,
			 .rsi = v >> 32);
	else
		RUN_STEP(self, op_set_pte32, .rbx = va, .rdx = gpa, .rcx = (uint32_t)v);
	ASSERT_EQ(-1, self->vector);
}

TEST_F(paging32, not_present_and_read_only_pages_fault_with_exact_codes)
{
	set_pte(self, 0, DATA(0) | P | W);
	set_pte(self, 1, DATA(1) | P);

	RUN_STEP(self, op_read, .rbx = TEST_VA + 2 * PAGE_SIZE + 8);
	EXPECT_PF(TEST_VA + 2 * PAGE_SIZE + 8, 0);
	RUN_STEP(self, op_write, .rbx = TEST_VA + 2 * PAGE_SIZE, .rcx = 1);
	EXPECT_PF(TEST_VA + 2 * PAGE_SIZE, PF_W);

	RUN_STEP(self, op_read, .rbx = TEST_VA + PAGE_SIZE);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x11111111u, self->eax);
	RUN_STEP(self, op_write, .rbx = TEST_VA + PAGE_SIZE + 4, .rcx = 7);
	EXPECT_PF(TEST_VA + PAGE_SIZE + 4, PF_P | PF_W);

	/* CR0.WP=0: supervisor writes ignore R/W. */
	change_paging(self, false, false);
	RUN_STEP(self, op_write, .rbx = TEST_VA + PAGE_SIZE + 4, .rcx = 7);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(7u, *(uint32_t *)(self->e->mem + DATA(1) + 4));
	/* ... and WP=1 again protects it. */
	change_paging(self, true, false);
	RUN_STEP(self, op_write, .rbx = TEST_VA + PAGE_SIZE + 8, .rcx = 8);
	EXPECT_PF(TEST_VA + PAGE_SIZE + 8, PF_P | PF_W);

	RUN_STEP(self, op_write, .rbx = TEST_VA + 12, .rcx = 0xabcd);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0xabcdu, *(uint32_t *)(self->e->mem + DATA(0) + 12));
}

TEST_F(paging32, accessed_and_dirty_bits_are_set_in_guest_entries)
{
	uint64_t pde;

	set_pte(self, 3, DATA(3) | P | W);
	RUN_STEP(self, op_read, .rbx = TEST_VA + 3 * PAGE_SIZE);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(A, get_pte(self, 3) & (A | D));
	RUN_STEP(self, op_write, .rbx = TEST_VA + 3 * PAGE_SIZE, .rcx = 3);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(A | D, get_pte(self, 3) & (A | D));

	/* A large page: its PDE gets both. */
	RUN_STEP(self, op_read, .rbx = LARGE_VA + DATA(5));
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x15151515u, self->eax);
	pde = large_pde(self);
	EXPECT_EQ(A, pde & (A | D));
	RUN_STEP(self, op_write, .rbx = LARGE_VA + DATA(5), .rcx = 0x55);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(A | D, large_pde(self) & (A | D));
	EXPECT_EQ(0x55u, *(uint32_t *)(self->e->mem + DATA(5)));
}

/*
 * A page-table page the guest keeps rewriting (a kernel's map/unmap): each
 * new mapping is seen after INVLPG or a CR3 reload, and an unmapped page
 * faults again.  On the shadow MMU this is the page-table write path.
 */
TEST_F(paging32, guest_page_table_edits_take_effect)
{
	unsigned int i, n;

	for (i = 0; i < 40; i++) {
		n = 4 + i % 4;
		guest_set_pte(_metadata, self, n, DATA(8 + i % 8) | P | W);
		RUN_STEP(self, op_read, .rbx = TEST_VA + n * PAGE_SIZE);
		ASSERT_EQ(-1, self->vector);
		ASSERT_EQ(0x01010101u * (0x18 + i % 8), self->eax);

		/* Remap to another frame: seen after the guest's INVLPG. */
		guest_set_pte(_metadata, self, n, DATA(8 + (i + 1) % 8) | P | W);
		RUN_STEP(self, op_read, .rbx = TEST_VA + n * PAGE_SIZE);
		ASSERT_EQ(-1, self->vector);
		ASSERT_EQ(0x01010101u * (0x18 + (i + 1) % 8), self->eax);

		guest_set_pte(_metadata, self, n, 0);
		RUN_STEP(self, op_read, .rbx = TEST_VA + n * PAGE_SIZE + 16);
		EXPECT_PF(TEST_VA + n * PAGE_SIZE + 16, 0);
	}

	/* The same edit without INVLPG, then a CR3 reload (a full flush). */
	set_pte(self, 9, 0);
	RUN_STEP(self, op_read, .rbx = TEST_VA + 9 * PAGE_SIZE);
	EXPECT_PF(TEST_VA + 9 * PAGE_SIZE, 0);
	RUN_STEP(self, op_store, .rdx = test_pte_gpa(self, 9), .rcx = DATA(9) | P | W);
	RUN_STEP(self, op_reload_cr3);
	RUN_STEP(self, op_read, .rbx = TEST_VA + 9 * PAGE_SIZE);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x19191919u, self->eax);
}

/*
 * Neighbours of a faulting entry in an aligned window of eight, which a
 * shadow MMU may map ahead of use (minikvm does, for present and
 * Accessed entries): each must still behave as its own entry says.  On
 * 2-level paging the window is in the upper half of the 1024-entry table
 * (the second of its two shadow pages).
 */
TEST_F(paging32, neighbours_mapped_ahead_keep_their_own_entries)
{
	unsigned int b = self->pae ? 16 : 512 + 16;
	uint64_t va = TEST_VA + b * PAGE_SIZE;
	long prefetched;

	set_pte(self, b + 0, DATA(0) | P | W);
	set_pte(self, b + 1, DATA(1) | P | W | A | D);
	set_pte(self, b + 2, DATA(2) | P | W | A);
	set_pte(self, b + 3, DATA(3) | P | A);
	set_pte(self, b + 4, DATA(4) | P | W);
	set_pte(self, b + 5, 0);
	set_pte(self, b + 6, DATA(6) | P | W | A | D);
	set_pte(self, b + 7, DATA(7) | P | A);

	/* The fault that may prefetch the others. */
	RUN_STEP(self, op_read, .rbx = va);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x10101010u, self->eax);
	RUN_STEP(self, op_write, .rbx = va + PAGE_SIZE, .rcx = 0x21);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x21u, *(uint32_t *)(self->e->mem + DATA(1)));
	RUN_STEP(self, op_read, .rbx = va + 2 * PAGE_SIZE);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x12121212u, self->eax);
	EXPECT_EQ(A, get_pte(self, b + 2) & (A | D));
	RUN_STEP(self, op_write, .rbx = va + 2 * PAGE_SIZE, .rcx = 0x22);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(A | D, get_pte(self, b + 2) & (A | D));
	RUN_STEP(self, op_write, .rbx = va + 3 * PAGE_SIZE, .rcx = 0x23);
	EXPECT_PF(va + 3 * PAGE_SIZE, PF_P | PF_W);
	EXPECT_EQ(0u, get_pte(self, b + 4) & A);
	RUN_STEP(self, op_read, .rbx = va + 4 * PAGE_SIZE);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x14141414u, self->eax);
	EXPECT_EQ(A, get_pte(self, b + 4) & (A | D));
	RUN_STEP(self, op_read, .rbx = va + 5 * PAGE_SIZE);
	EXPECT_PF(va + 5 * PAGE_SIZE, 0);
	RUN_STEP(self, op_write, .rbx = va + 6 * PAGE_SIZE, .rcx = 0x26);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x26u, *(uint32_t *)(self->e->mem + DATA(6)));
	RUN_STEP(self, op_read, .rbx = va + 7 * PAGE_SIZE);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0x17171717u, self->eax);

	/* -1: no such statistic (stock KVM, a TDP VM). */
	prefetched = vm_get_stat(self->e->vm, "minikvm_shadow_prefetched");
	TH_LOG("prefetched %ld", prefetched);
	if (prefetched >= 0)
		EXPECT_LT(0, prefetched);
}

/* PAE with EFER.NXE: fetches from an NX page fault; without NXE, bit 63 is reserved. */
TEST_F(paging32, nx_and_reserved_bits_fault_with_exact_codes)
{
	if (!self->pae)
		SKIP(return, "2-level paging has no NX bit");

	/* A "ret" at the start of DATA(6) and DATA(7). */
	self->e->mem[DATA(6)] = 0xc3;
	self->e->mem[DATA(7)] = 0xc3;
	set_pte(self, 6, DATA(6) | P | W);
	set_pte(self, 7, DATA(7) | P | W | NX);

	/* EFER.NXE needs NX in the vCPU's CPUID. */
	vcpu_init_supported_cpuid(self->e->vcpu);
	change_paging(self, true, true);
	RUN_STEP(self, op_call, .rbx = TEST_VA + 6 * PAGE_SIZE);
	ASSERT_EQ(-1, self->vector);
	RUN_STEP(self, op_call, .rbx = TEST_VA + 7 * PAGE_SIZE);
	EXPECT_PF(TEST_VA + 7 * PAGE_SIZE, PF_P | PF_I);
	RUN_STEP(self, op_read, .rbx = TEST_VA + 7 * PAGE_SIZE);
	ASSERT_EQ(-1, self->vector);
	EXPECT_EQ(0xc3u, self->eax & 0xff);

	/*
	 * EFER.NXE=0: bit 63 is a reserved bit (the data access too).  The
	 * APM and SDM set P with RSVD; QEMU's TCG walker (the "hardware" of
	 * a TDP guest in Lane A) leaves P clear, the shadow MMUs set it.
	 */
	change_paging(self, true, false);
	RUN_STEP(self, op_read, .rbx = TEST_VA + 7 * PAGE_SIZE + 4);
	ASSERT_EQ(PF_VECTOR, self->vector);
	EXPECT_EQ(TEST_VA + 7 * PAGE_SIZE + 4, self->cr2);
	EXPECT_EQ(PF_RSVD, self->error_code & ~PF_P);
}

/*
 * Page tables of the shrinker and page budget cases: PT_MANY(0..31), one
 * mapped page each, linked from directory entries MANY + n * MANY + i
 * with the permissions many_pde[n]: each permission is another shadow
 * page role, so n views make n * MANY level-1 shadow pages.
 */
#define PT_MANY(i)	(0x30000ULL + (i) * PAGE_SIZE)
#define MANY		32
static const uint64_t many_pde[] = { P | W, P, P | W | U };

static uint64_t many_va(FIXTURE_DATA(paging32) *self, unsigned int i)
{
	return (uint64_t)(MANY + i) << (self->pae ? 21 : 22);
}

static void map_many(FIXTURE_DATA(paging32) *self, unsigned int views)
{
	unsigned int i, n;

	for (i = 0; i < MANY; i++) {
		for (n = 0; n < views; n++) {
			uint64_t pde = PT_MANY(i) | many_pde[n];

			if (self->pae)
				pte64(self->e, PD_PAE_GPA)[MANY + n * MANY + i] = pde;
			else
				pte32(self->e, TOP_GPA)[MANY + n * MANY + i] = pde;
		}
		if (self->pae)
			pte64(self->e, PT_MANY(i))[0] = DATA(i % 16) | P | W;
		else
			pte32(self->e, PT_MANY(i))[0] = DATA(i % 16) | P | W;
	}
}

static void read_many(struct __test_metadata *_metadata,
		      FIXTURE_DATA(paging32) *self, unsigned int views)
{
	unsigned int i;

	for (i = 0; i < views * MANY; i++) {
		RUN_STEP(self, op_read, .rbx = many_va(self, i));
		ASSERT_EQ(-1, self->vector);
		ASSERT_EQ(0x01010101u * (0x10 + i % MANY % 16), self->eax);
	}
}

static void drop_caches(void)
{
	FILE *f = fopen("/proc/sys/vm/drop_caches", "w");

	if (f) {
		fputs("2\n", f);
		fclose(f);
	}
}

/*
 * Memory pressure (drop_caches runs every shrinker) reclaims shadow pages
 * of a shadow VM that is not running; the guest refaults what it uses.
 */
TEST_F(paging32, shrinker_reclaims_shadow_pages)
{
	long before, after, recycled;

	if (!vm_uses_shadow_paging(self->e->vm) || strcmp(device_module_name(), "minikvm"))
		SKIP(return, "minikvm's shadow MMU only");
	map_many(self, 1);
	read_many(_metadata, self, 1);
	before = vm_get_stat(self->e->vm, "minikvm_shadow_pages");
	recycled = vm_get_stat(self->e->vm, "mmu_recycled");
	if (before < 0)
		SKIP(return, "no shadow statistics in debugfs");
	TH_LOG("shadow pages: %ld", before);
	ASSERT_LE(MANY, before);

	drop_caches();
	after = vm_get_stat(self->e->vm, "minikvm_shadow_pages");
	TH_LOG("after drop_caches: %ld shadow pages, %ld reclaimed", after,
	       vm_get_stat(self->e->vm, "mmu_recycled") - recycled);
	EXPECT_GT(before - MANY / 2, after);
	EXPECT_LE(MANY / 2, vm_get_stat(self->e->vm, "mmu_recycled") - recycled);
	read_many(_metadata, self, 1);
}

/*
 * KVM_SET_NR_MMU_PAGES below the shadow pages in use zaps the oldest ones
 * at once, and the VM stays within the budget while the guest refaults
 * everything it uses.
 */
#define VIEWS		ARRAY_SIZE(many_pde)
#define MIN_MMU_PAGES	64

TEST_F(paging32, nr_mmu_pages_bounds_the_shadow_pages)
{
	long before, after;

	if (!vm_uses_shadow_paging(self->e->vm) || strcmp(device_module_name(), "minikvm"))
		SKIP(return, "minikvm's shadow MMU only");
	map_many(self, VIEWS);
	read_many(_metadata, self, VIEWS);
	before = vm_get_stat(self->e->vm, "minikvm_shadow_pages");
	if (before < 0)
		SKIP(return, "no shadow statistics in debugfs");
	ASSERT_LT(MIN_MMU_PAGES, before);

	ASSERT_EQ(0, __vm_ioctl(self->e->vm, KVM_SET_NR_MMU_PAGES, MIN_MMU_PAGES));
	after = vm_get_stat(self->e->vm, "minikvm_shadow_pages");
	TH_LOG("shadow pages: %ld, with a budget of %d: %ld", before,
	       MIN_MMU_PAGES, after);
	EXPECT_GE(MIN_MMU_PAGES, after);

	read_many(_metadata, self, VIEWS);
	EXPECT_GE(MIN_MMU_PAGES, vm_get_stat(self->e->vm, "minikvm_shadow_pages"));
}

TEST_HARNESS_MAIN
