// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_MMIO and instruction emulation: the exit's fields, when RIP
 * moves, how accesses are cut into exits, the exceptions an emulated
 * access raises, the report of an instruction that is not emulated, and
 * the decode of an intercepted instruction's length.
 *
 * 64-bit guests are C functions of this file with the library's
 * environment: GPAs from MMIO_GPA up are outside every memslot.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define MMIO_GPA	0xc0000000ULL
#define PF_VECTOR	14
#define UD_VECTOR	6
#define PFERR_WRITE	(1ULL << 1)

static bool on_stock_kvm(void)
{
	return !strcmp(device_module_name(), "kvm");
}

static uint64_t vcpu_rip_of(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	return regs.rip;
}

/* Expect a KVM_EXIT_MMIO of this shape. */
static void expect_mmio(struct __test_metadata *_metadata,
			struct kvm_vcpu *vcpu, uint64_t gpa, uint32_t len,
			bool write)
{
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason)
		TH_LOG("exit %u (%s)", run->exit_reason,
		       exit_reason_str(run->exit_reason));
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(len, run->mmio.len);
	EXPECT_EQ(write, run->mmio.is_write);
}

/* The guest's own copy of an instruction, for its address. */
extern const char read32_insn[], write64_insn[], write64_next[];

static void guest_read_then_write(void)
{
	uint64_t v;

	asm volatile("read32_insn: movl (%1), %k0" : "=a"(v) : "b"(MMIO_GPA + 0x10));
	GUEST_SYNC(v);
	asm volatile("write64_insn: movq %0, 8(%1)\nwrite64_next:"
		     : : "a"(0x1122334455667788ULL), "b"(MMIO_GPA));
	GUEST_DONE();
}

TEST(read_exit_waits_at_the_instruction_and_completes_with_user_data)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_read_then_write);
	struct ucall uc;

	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x10, 4, false);
	EXPECT_EQ((uint64_t)(uintptr_t)read32_insn, vcpu_rip_of(vcpu));
	memcpy(vcpu->run->mmio.data, "\x78\x56\x34\x12\xff\xff\xff\xff", 8);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(vcpu, &uc));
	/* A 32-bit load: four bytes taken, the upper half of RAX cleared. */
	EXPECT_EQ(0x12345678, uc.args[0]);
	kvm_vm_free(vm);
}

TEST(write_exit_carries_the_data_after_rip_moved_on)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_read_then_write);
	uint64_t data;

	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x10, 4, false);
	vcpu_expect_sync(vcpu, 0 /* the data page was zero */);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 8, 8, true);
	memcpy(&data, vcpu->run->mmio.data, 8);
	EXPECT_EQ(0x1122334455667788ULL, data);
	EXPECT_EQ((uint64_t)(uintptr_t)write64_next, vcpu_rip_of(vcpu));
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

TEST(immediate_exit_still_completes_the_pending_read)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_read_then_write);
	struct kvm_regs regs;

	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x10, 4, false);
	memcpy(vcpu->run->mmio.data, "\xef\xbe\xad\xde", 4);
	vcpu->run->immediate_exit = 1;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(0xdeadbeef, regs.rax);
	EXPECT_LT((uint64_t)(uintptr_t)read32_insn, regs.rip);
	vcpu->run->immediate_exit = 0;
	vcpu_expect_sync(vcpu, 0xdeadbeef);
	kvm_vm_free(vm);
}

/* Sixteen bytes at once: two exits of eight, in address order. */
static void guest_page_crossing_write(void)
{
	asm volatile("movq %0, 0xffc(%1)"
		     : : "a"(0x8877665544332211ULL), "b"(MMIO_GPA));
	GUEST_DONE();
}

TEST(access_across_two_mmio_pages_is_two_exits)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu,
						    guest_page_crossing_write);
	uint32_t lo, hi;

	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0xffc, 4, true);
	memcpy(&lo, vcpu->run->mmio.data, 4);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x1000, 4, true);
	memcpy(&hi, vcpu->run->mmio.data, 4);
	EXPECT_EQ(0x44332211, lo);
	EXPECT_EQ(0x88776655, hi);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/*
 * The library maps 4 GiB with 2 MiB pages: give the 2 MiB at MMIO_GPA a
 * page table of our own, to place 4 KiB pages at will.
 */
static uint64_t mmio_pt[512] __attribute__((aligned(4096)));

static void map_mmio_4k(struct kvm_vm *vm, unsigned int first, unsigned int n,
			uint64_t gpa)
{
	uint64_t *pd = addr_gpa2hva(vm, GUEST_PD_GPA + 3 * PAGE_SIZE);
	uint64_t *pt = addr_gpa2hva(vm, (uint64_t)(uintptr_t)mmio_pt);
	unsigned int i;

	pd[(MMIO_GPA >> 21) & 511] = (uint64_t)(uintptr_t)mmio_pt |
				     PTE_PRESENT | PTE_WRITABLE;
	for (i = 0; i < n; i++)
		pt[first + i] = gpa ? (gpa + i * PAGE_SIZE) | PTE_PRESENT |
				      PTE_WRITABLE : 0;
}

/* MOVS from MMIO to a page that is not present: the read, then #PF. */
static void guest_movs_to_unmapped(void)
{
	uint64_t src = MMIO_GPA, dst = MMIO_GPA + 0x1000;

	asm volatile("movsl" : "+S"(src), "+D"(dst) : : "memory");
	GUEST_DONE();
}

TEST(movs_read_then_pf_on_the_unmapped_destination)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_movs_to_unmapped);
	struct kvm_sregs sregs;
	struct ucall uc;

	map_mmio_4k(vm, 0, 1, MMIO_GPA);
	map_mmio_4k(vm, 1, 1, 0);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA, 4, false);
	vcpu_run(vcpu);
	ASSERT_EQ(UCALL_UNHANDLED, get_ucall(vcpu, &uc))
		TH_LOG("exit %u", vcpu->run->exit_reason);
	EXPECT_EQ(PF_VECTOR, uc.args[0]);
	EXPECT_EQ(PFERR_WRITE, uc.args[2]);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(MMIO_GPA + 0x1000, sregs.cr2);
	kvm_vm_free(vm);
}

/* A read from RAM into MMIO: the RAM part directly, the MMIO part exits. */
static uint8_t ram_page[4096] __attribute__((aligned(4096)));

static void guest_read_ram_then_mmio(void)
{
	uint64_t v;

	asm volatile("movq 0xffc(%1), %0" : "=a"(v) : "b"(MMIO_GPA));
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(access_half_ram_half_mmio_exits_for_the_mmio_half)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu,
						    guest_read_ram_then_mmio);
	uint8_t *ram = addr_gpa2hva(vm, (uint64_t)(uintptr_t)ram_page);

	/* Linear MMIO_GPA is RAM; the page after it, MMIO at MMIO_GPA + 8K. */
	map_mmio_4k(vm, 0, 1, (uint64_t)(uintptr_t)ram_page);
	map_mmio_4k(vm, 1, 1, MMIO_GPA + 0x2000);
	memcpy(ram + 0xffc, "\x11\x22\x33\x44", 4);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x2000, 4, false);
	memcpy(vcpu->run->mmio.data, "\x55\x66\x77\x88", 4);
	vcpu_expect_sync(vcpu, 0x8877665544332211ULL);
	kvm_vm_free(vm);
}

/* x87 is not emulated, by minikvm or KVM: #UD, after an exit at CPL 0. */
extern const char fld_insn[];

static void guest_fld_mmio(void)
{
	asm volatile("fld_insn: fldl (%0)" : : "b"(MMIO_GPA) : "memory");
	GUEST_DONE();
}

TEST(instruction_not_emulated_exits_with_its_bytes_then_raises_ud)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_fld_mmio);
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->emulation_failure.suberror);
	ASSERT_TRUE(run->emulation_failure.flags &
		    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
	/* The flags, 16 bytes of instruction, then five words of exit info. */
	EXPECT_EQ(8, run->emulation_failure.ndata);
	EXPECT_LE(2, run->emulation_failure.insn_size);
	EXPECT_GE(15, run->emulation_failure.insn_size);
	EXPECT_EQ(0, memcmp(fld_insn, run->emulation_failure.insn_bytes,
			    run->emulation_failure.insn_size));
	EXPECT_EQ((uint64_t)(uintptr_t)fld_insn, vcpu_rip_of(vcpu));
	vcpu_run(vcpu);
	ASSERT_EQ(UCALL_UNHANDLED, get_ucall(vcpu, &uc));
	EXPECT_EQ(UD_VECTOR, uc.args[0]);
	EXPECT_EQ((uint64_t)(uintptr_t)fld_insn, uc.args[1]);
	kvm_vm_free(vm);
}

/*
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE: the same exit, but nothing is queued:
 * userspace steps over the instruction and the guest goes on.
 */
TEST(exit_on_emulation_failure_queues_nothing)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_fld_mmio);
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	if (!kvm_check_cap(vm->sys_fd, KVM_CAP_EXIT_ON_EMULATION_FAILURE)) {
		kvm_vm_free(vm);
		SKIP(return, "no KVM_CAP_EXIT_ON_EMULATION_FAILURE");
	}
	EXPECT_ERRNO(EINVAL, __vm_enable_cap(vm, KVM_CAP_EXIT_ON_EMULATION_FAILURE, 2));
	vm_enable_cap(vm, KVM_CAP_EXIT_ON_EMULATION_FAILURE, 1);
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->emulation_failure.suberror);
	ASSERT_TRUE(run->emulation_failure.flags &
		    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
	ASSERT_LE(2, run->emulation_failure.insn_size);
	EXPECT_EQ(0, memcmp(fld_insn, run->emulation_failure.insn_bytes, 2));
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ((uint64_t)(uintptr_t)fld_insn, regs.rip);
	regs.rip += 2;		/* fldl (%rbx): dd 03 */
	vcpu_regs_set(vcpu, &regs);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/*
 * CMPXCHG16B: 16 bytes, two exits of 8 each way.  Stock KVM does not
 * emulate it (an emulation failure), so this is minikvm's alone.
 */
static void guest_cmpxchg16b(void)
{
	uint64_t lo = 1, hi = 2;
	bool ok;

	asm volatile("lock cmpxchg16b (%[m])\n\tsete %[ok]"
		     : "+a"(lo), "+d"(hi), [ok] "=q"(ok)
		     : [m] "r"(MMIO_GPA + 0x40), "b"(3ULL), "c"(4ULL)
		     : "memory");
	GUEST_SYNC2(ok, lo ^ hi);
	GUEST_DONE();
}

TEST(cmpxchg16b_on_mmio_reads_and_writes_sixteen_bytes)
{
	static const uint64_t old[2] = { 1, 2 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	uint64_t w[2];

	if (on_stock_kvm())
		SKIP(return, "stock KVM does not emulate CMPXCHG16B");
	vm = vm_create_with_one_vcpu(&vcpu, guest_cmpxchg16b);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x40, 8, false);
	memcpy(vcpu->run->mmio.data, &old[0], 8);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x48, 8, false);
	memcpy(vcpu->run->mmio.data, &old[1], 8);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x40, 8, true);
	memcpy(&w[0], vcpu->run->mmio.data, 8);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x48, 8, true);
	memcpy(&w[1], vcpu->run->mmio.data, 8);
	EXPECT_EQ(3, w[0]);
	EXPECT_EQ(4, w[1]);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	kvm_vm_free(vm);
}

/*
 * Intercepted instructions with prefixes: without NRIPS the length must be
 * decoded, not assumed to be the shortest encoding.
 */
extern const char hlt_padded_end[];

static void guest_padded_intercepts(void)
{
	uint32_t a = 0, c = 0;

	asm volatile("cpuid_padded: .byte 0x2e, 0x3e, 0x66, 0x0f, 0xa2\n"
		     "cpuid_padded_end:\n"
		     ".byte 0x3e, 0xf3, 0xf4\n"
		     "hlt_padded_end:"
		     : "+a"(a), "+c"(c) : : "rbx", "rdx", "memory");
	GUEST_DONE();
}

TEST(prefixed_cpuid_and_hlt_are_skipped_whole)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu,
						    guest_padded_intercepts);

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason)
		TH_LOG("exit %u (%s)", vcpu->run->exit_reason,
		       exit_reason_str(vcpu->run->exit_reason));
	EXPECT_EQ((uint64_t)(uintptr_t)hlt_padded_end, vcpu_rip_of(vcpu));
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* A REP STOS over 64 KiB of MMIO: one exit per element, all in order. */
static void guest_rep_stos(void)
{
	uint64_t dst = MMIO_GPA, count = 1024;

	asm volatile("rep stosl" : "+D"(dst), "+c"(count) : "a"(0xa5a5a5a5)
		     : "memory");
	GUEST_DONE();
}

TEST(rep_stos_is_one_exit_per_element)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rep_stos);
	unsigned int i;

	for (i = 0; i < 1024; i++) {
		vcpu_run(vcpu);
		expect_mmio(_metadata, vcpu, MMIO_GPA + 4 * i, 4, true);
		if (vcpu->run->exit_reason != KVM_EXIT_MMIO ||
		    vcpu->run->mmio.phys_addr != MMIO_GPA + 4 * i)
			break;
	}
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/*
 * Code fetched through the guest's page tables: an instruction split over
 * two pages that are mapped in the reverse order of their GPAs.  The
 * emulator must fetch each half from its own page.
 */
static uint8_t code_pages[2][4096] __attribute__((aligned(4096)));

#define SPLIT_CODE	(MMIO_GPA + 0x5000)	/* linear, 4 KiB pages */

static void guest_call_split_code(void)
{
	uint64_t v;

	asm volatile("call *%2" : "=a"(v) : "b"(MMIO_GPA + 0x30),
		     "r"(SPLIT_CODE + 0xfff) : "memory");
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(instruction_across_remapped_pages_is_fetched_through_the_page_tables)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_call_split_code);
	uint8_t *p0 = addr_gpa2hva(vm, (uint64_t)(uintptr_t)code_pages[0]);
	uint8_t *p1 = addr_gpa2hva(vm, (uint64_t)(uintptr_t)code_pages[1]);

	/* Linear page 5 is code_pages[1], page 6 is code_pages[0]. */
	map_mmio_4k(vm, 0, 1, MMIO_GPA);
	map_mmio_4k(vm, 5, 1, (uint64_t)(uintptr_t)code_pages[1]);
	map_mmio_4k(vm, 6, 1, (uint64_t)(uintptr_t)code_pages[0]);
	/* mov 0x10(%rbx), %eax: 8b | 43 10; then ret. */
	p1[0xfff] = 0x8b;
	p0[0] = 0x43;
	p0[1] = 0x10;
	p0[2] = 0xc3;
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, MMIO_GPA + 0x40, 4, false);
	memcpy(vcpu->run->mmio.data, "\x04\x03\x02\x01", 4);
	vcpu_expect_sync(vcpu, 0x01020304);
	kvm_vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* The guest's segmentation rules, checked by the emulator             */

#include "emu_env.h"

#define SEG_STACK	0x50000		/* ESP: RAM, for the exception frame */

struct seg_case {
	const char *what;
	const char *code;
	unsigned int len;
	uint8_t seg_type;	/* DS's (ES's for MOVS) type */
	uint32_t limit;
	bool unusable;
	uint32_t ebx;
	unsigned int vector;
	const char *trace;	/* MMIO exits before the fault */
};

static void check_seg_fault(struct __test_metadata *_metadata,
			    const struct seg_case *c)
{
	struct emu_vm *e = emu_vm_create(EMU_PROT32);
	struct kvm_sregs s;
	struct kvm_regs r;
	uint32_t err;
	char why[256];

	emu_set_sregs(e, false);
	emu_install_idt32(e);
	vcpu_sregs_get(e->vcpu, &s);
	s.cs.selector = 0x8;
	s.ds = s.es = s.ss = s.fs = s.gs = s.cs;
	s.ds.type = s.es.type = s.ss.type = 3;
	s.ds.selector = s.es.selector = s.ss.selector = 0x10;
	s.cs.base = s.ds.base = s.es.base = s.ss.base = 0;
	/* The segment under test: DS, or for MOVS the destination's ES. */
	if (c->code[0] == '\xa5') {
		s.es.type = c->seg_type;
		s.es.limit = c->limit;
		s.es.g = 0;
	} else if (c->code[0] == '\x8b' && c->code[1] == '\x45') {
		s.ss.limit = c->limit;	/* mov (%ebp): SS */
		s.ss.g = 0;
	} else {
		s.ds.type = c->seg_type;
		s.ds.limit = c->limit;
		s.ds.g = 0;
		s.ds.present = !c->unusable;
		s.ds.unusable = c->unusable;
	}
	vcpu_sregs_set(e->vcpu, &s);
	emu_load_code(e, c->code, c->len);
	memset(&r, 0, sizeof(r));
	r.rbx = r.rbp = r.rsi = c->ebx;
	r.rdi = c->ebx + 0x100;
	r.rsp = SEG_STACK;
	r.rflags = 0x2;
	r.rip = EMU_CODE_GPA;
	vcpu_regs_set(e->vcpu, &r);

	e->nr_exits = 0;
	for (;;) {
		vcpu_run(e->vcpu);
		if (e->vcpu->run->exit_reason != KVM_EXIT_MMIO ||
		    !emu_serve_mmio(e))
			break;
	}
	emu_describe_exit(e, why, sizeof(why));
	ASSERT_EQ(KVM_EXIT_IO, e->vcpu->run->exit_reason)
		TH_LOG("%s: %s", c->what, why);
	EXPECT_EQ(EMU_EXC_PORT, e->vcpu->run->io.port);
	EXPECT_EQ(c->vector, *(uint8_t *)vcpu_io_data(e->vcpu))
		TH_LOG("%s", c->what);
	/* The frame: error code, EIP, CS, EFLAGS below the old ESP. */
	memcpy(&err, e->mem + SEG_STACK - 16, 4);
	EXPECT_EQ(0, err) TH_LOG("%s", c->what);
	EXPECT_EQ(strlen(c->trace) ? 1 : 0, e->nr_exits) TH_LOG("%s", c->what);
	emu_vm_free(e);
}

#define GP	13
#define SS	12

/* 0x90000 and up is MMIO; each access crosses or misses the limit. */
static const struct seg_case seg_cases[] = {
	{ "read across DS's limit", "\x8b\x03", 2, 3, 0x9ffff, false,
	  0x9fffe, GP, "" },
	{ "read across SS's limit (EBP base)", "\x8b\x45\x00", 3, 3, 0x9ffff,
	  false, 0x9fffe, SS, "" },
	{ "write to a read-only data segment", "\x89\x03", 2, 1, 0xfffff,
	  false, 0x90000, GP, "" },
	{ "expand-down: below the limit is out", "\x8b\x03", 2, 7, 0x9ffff,
	  false, 0x90000, GP, "" },
	{ "DS unusable", "\x8b\x03", 2, 3, 0xfffff, true, 0x90000, GP, "" },
	{ "MOVS: the read exits, then ES's limit faults", "\xa5", 1, 3,
	  0x90000, false, 0x90000, GP, "r4" },
};

TEST(segment_checks_raise_gp_and_ss_before_any_exit)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seg_cases); i++)
		check_seg_fault(_metadata, &seg_cases[i]);
}

/* ------------------------------------------------------------------ */
/* Coalesced MMIO                                                      */

#define ZONE_GPA	(MMIO_GPA + 0x10000)
#define ZONE_SIZE	0x1000

static struct kvm_coalesced_mmio_ring *ring_of(struct kvm_vcpu *vcpu)
{
	return (void *)((uint8_t *)vcpu->run +
			KVM_COALESCED_MMIO_PAGE_OFFSET * PAGE_SIZE);
}

static void zone_ioctl(struct kvm_vm *vm, unsigned long cmd, uint64_t gpa,
		       uint32_t size)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = gpa, .size = size };

	TEST_ASSERT(!ioctl(vm->fd, cmd, &zone), "coalesced zone ioctl: %s",
		    strerror(errno));
}

TEST(coalesced_mmio_ring_is_the_third_vcpu_page)
{
	int sys_fd = open_device_or_exit_skip();

	EXPECT_EQ(KVM_COALESCED_MMIO_PAGE_OFFSET,
		  ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO));
	EXPECT_LE((int)((KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * PAGE_SIZE),
		  ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
	close(sys_fd);
}

/* A byte, a dword, a qword, then three REP STOSL dwords into the zone. */
static void guest_zone_writes(void)
{
	uint64_t dst = ZONE_GPA + 0x20, count = 3;
	uint32_t v;

	*(volatile uint8_t *)ZONE_GPA = 0x11;
	*(volatile uint32_t *)(ZONE_GPA + 4) = 0x22334455;
	*(volatile uint64_t *)(ZONE_GPA + 8) = 0x66778899aabbccddULL;
	asm volatile("rep stosl" : "+D"(dst), "+c"(count) : "a"(0xa5a5a5a5)
		     : "memory");
	GUEST_SYNC(0);
	v = *(volatile uint32_t *)(ZONE_GPA + 4);
	GUEST_SYNC(v);
	*(volatile uint32_t *)(ZONE_GPA + 4) = 1;
	GUEST_DONE();
}

static void expect_entry(struct __test_metadata *_metadata,
			 struct kvm_coalesced_mmio_ring *ring, unsigned int i,
			 uint64_t gpa, uint32_t len, uint64_t data)
{
	struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[i];
	uint64_t got = 0;

	memcpy(&got, e->data, len);
	EXPECT_EQ(gpa, e->phys_addr);
	EXPECT_EQ(len, e->len);
	EXPECT_EQ(data, got);
}

TEST(writes_to_a_coalesced_zone_go_to_the_ring_reads_exit)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_zone_writes);
	struct kvm_coalesced_mmio_ring *ring = ring_of(vcpu);
	unsigned int i;

	zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_GPA, ZONE_SIZE);
	vcpu_expect_sync(vcpu, 0);
	EXPECT_EQ(0, ring->first);
	ASSERT_EQ(6, ring->last);
	expect_entry(_metadata, ring, 0, ZONE_GPA, 1, 0x11);
	expect_entry(_metadata, ring, 1, ZONE_GPA + 4, 4, 0x22334455);
	expect_entry(_metadata, ring, 2, ZONE_GPA + 8, 8, 0x66778899aabbccddULL);
	for (i = 0; i < 3; i++)
		expect_entry(_metadata, ring, 3 + i, ZONE_GPA + 0x20 + 4 * i, 4,
			     0xa5a5a5a5);
	ring->first = ring->last;
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, ZONE_GPA + 4, 4, false);
	memcpy(vcpu->run->mmio.data, "\x78\x56\x34\x12", 4);
	vcpu_expect_sync(vcpu, 0x12345678);
	/* Unregistering any range inside the zone removes it. */
	zone_ioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, ZONE_GPA + 4, 4);
	vcpu_run(vcpu);
	expect_mmio(_metadata, vcpu, ZONE_GPA + 4, 4, true);
	vcpu_expect_done(vcpu);
	EXPECT_EQ(6, ring->last);
	kvm_vm_free(vm);
}

/* More than the ring holds (170 entries of 24 bytes). */
#define RING_WRITES	200

static void guest_fill_ring(void)
{
	unsigned int i;

	for (i = 0; i < RING_WRITES; i++)
		*(volatile uint32_t *)(ZONE_GPA + 4 * i) = i;
	GUEST_DONE();
}

/* Take the ring's entries: they must be writes @*next onwards, in order. */
static void drain_ring(struct __test_metadata *_metadata,
		       struct kvm_coalesced_mmio_ring *ring, unsigned int *next,
		       bool *wrapped)
{
	unsigned int max = KVM_COALESCED_MMIO_MAX;

	while (ring->first != ring->last) {
		expect_entry(_metadata, ring, ring->first, ZONE_GPA + 4 * *next,
			     4, *next);
		(*next)++;
		ring->first = (ring->first + 1) % max;
		*wrapped |= !ring->first;
	}
}

/*
 * Every write goes either to the ring or, when the ring is full, out as an
 * exit, in order; after userspace drains the ring, writes go to it again,
 * around its end.  (Stock KVM 6.1 finds the ring full at half its size the
 * first time round: only the order is checked, not the capacity.)
 */
TEST(a_full_ring_falls_back_to_exits_and_wraps_after_draining)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_fill_ring);
	struct kvm_coalesced_mmio_ring *ring = ring_of(vcpu);
	unsigned int next = 0, exits = 0;
	bool wrapped = false;
	uint32_t data;

	zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_GPA, ZONE_SIZE);
	for (;;) {
		vcpu_run(vcpu);
		drain_ring(_metadata, ring, &next, &wrapped);
		if (vcpu->run->exit_reason != KVM_EXIT_MMIO)
			break;
		expect_mmio(_metadata, vcpu, ZONE_GPA + 4 * next, 4, true);
		memcpy(&data, vcpu->run->mmio.data, 4);
		ASSERT_EQ(next, data);
		next++;
		exits++;
	}
	ASSERT_EQ(UCALL_DONE, get_ucall(vcpu, NULL));
	EXPECT_EQ(RING_WRITES, next);
	EXPECT_LE(1, exits);
	EXPECT_TRUE(wrapped);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
