// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O (INS, OUTS, with and without REP) as KVM_EXIT_IO: the
 * exits a VMM sees and what the guest sees afterwards.
 *
 * The batching is KVM's (not architectural, but what VMMs get): every
 * OUTS element is its own exit with count 1; an INS exit asks for as many
 * elements as are left, capped by the bytes from rDI to the end of its
 * page (to its start with DF set) and by 1 KiB of data, so a batch can
 * cross a page boundary for words and dwords, and stops at one for bytes.
 * A fault on the string's memory is the guest's #PF: before any exit for
 * OUTS (the element is read first), after the exit for INS (the data is
 * stored when userspace has supplied it).
 */
#include <string.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define PORT		0x80
#define PAGE		4096
/* Not mapped by the library's page tables (they map the first 4 GiB). */
#define UNMAPPED_VA	0x100000010ULL

/* Three pages the guest moves strings in and out of. */
static uint8_t buf[3 * PAGE] __attribute__((aligned(PAGE)));

static uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* ------------------------------------------------------------------ */
/* Guests                                                              */

static void guest_rep_outsb(void)
{
	uint64_t rsi = (uint64_t)buf, rcx = 20;
	int i;

	for (i = 0; i < 20; i++)
		buf[i] = 'a' + i;
	asm volatile("cld; rep outsb" : "+S"(rsi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, (uint64_t)buf + 20);
	GUEST_DONE();
}

/* DF=1: the elements go out from the highest address down. */
static void guest_rep_outsb_down(void)
{
	uint64_t rsi = (uint64_t)buf + 4, rcx = 5;
	int i;

	for (i = 0; i < 5; i++)
		buf[i] = 0x10 + i;
	asm volatile("std; rep outsb; cld" : "+S"(rsi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, (uint64_t)buf - 1);
	GUEST_DONE();
}

/* OUTSW with an FS override: FS's base is added to RSI. */
static void guest_rep_outsw_fs(void)
{
	uint64_t rsi = 0x100, rcx = 3;
	uint16_t *w = (uint16_t *)(buf + PAGE + 0x100);

	w[0] = 0x1111;
	w[1] = 0x2222;
	w[2] = 0x3333;
	wrmsr(MSR_FS_BASE, (uint64_t)buf + PAGE);
	asm volatile("cld; rep outsw %%fs:(%%rsi), %%dx"
		     : "+S"(rsi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, 0x106);
	GUEST_DONE();
}

/* Non-REP OUTSD and INSD: one element each, RSI/RDI stepped, RCX kept. */
static void guest_single_outsd_insd(void)
{
	uint64_t rsi = (uint64_t)buf, rdi = (uint64_t)buf + 64, rcx = 7;

	*(uint32_t *)buf = 0xcafef00d;
	asm volatile("cld; outsl; insl"
		     : "+S"(rsi), "+D"(rdi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 7);
	GUEST_ASSERT_EQ(rsi, (uint64_t)buf + 4);
	GUEST_ASSERT_EQ(rdi, (uint64_t)buf + 68);
	GUEST_ASSERT_EQ(*(uint32_t *)(buf + 64), 0x12345678);
	GUEST_DONE();
}

/* REP INSD, 6 dwords from 8 bytes before a page boundary: one exit. */
static void guest_rep_insd_across_page(void)
{
	uint64_t rdi = (uint64_t)buf + PAGE - 8, rcx = 6;
	uint32_t *d = (uint32_t *)(buf + PAGE - 8);
	int i;

	asm volatile("cld; rep insl" : "+D"(rdi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, (uint64_t)buf + PAGE + 16);
	for (i = 0; i < 6; i++)
		GUEST_ASSERT_EQ(d[i], 0xd0000000 + i);
	GUEST_DONE();
}

/* REP INSB, 10 bytes from 3 before a page boundary: exits of 3 and 7. */
static void guest_rep_insb_across_page(void)
{
	uint64_t rdi = (uint64_t)buf + PAGE - 3, rcx = 10;
	int i;

	asm volatile("cld; rep insb" : "+D"(rdi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, (uint64_t)buf + PAGE + 7);
	for (i = 0; i < 10; i++)
		GUEST_ASSERT_EQ(buf[PAGE - 3 + i], 0x40 + i);
	GUEST_DONE();
}

/*
 * DF=1 REP INSW, 4 words from 2 bytes into a page: 2 below RDI fit in the
 * page (exit of 2), then 2 more in the page below (exit of 2).
 */
static void guest_rep_insw_down(void)
{
	uint64_t rdi = (uint64_t)buf + PAGE + 2, rcx = 4;
	uint16_t *w = (uint16_t *)(buf + PAGE + 2);
	int i;

	asm volatile("std; rep insw; cld" : "+D"(rdi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, (uint64_t)buf + PAGE - 6);
	for (i = 0; i < 4; i++)
		GUEST_ASSERT_EQ(w[-i], 0x7700 + i);
	GUEST_DONE();
}

/* 32-bit address size: ECX counts (RCX's upper half ignored, then 0). */
static void guest_rep_insb_a32(void)
{
	uint64_t rdi = (uint64_t)buf, rcx = 0xffffffff00000003ULL;

	asm volatile("cld; addr32 rep insb" : "+D"(rdi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, (uint64_t)buf + 3);
	GUEST_ASSERT_EQ(buf[0], 0x40);
	GUEST_ASSERT_EQ(buf[2], 0x42);
	GUEST_DONE();
}

/* OUTS from an unmapped page: #PF, no exit, nothing stepped. */
static void guest_outs_faults(void)
{
	uint64_t rsi = UNMAPPED_VA, rcx = 4, vector, ec;

	asm volatile("cld\n\t"
		     GUEST_ASM_SAFE("rep outsb")
		     : GUEST_SAFE_OUTPUTS(vector, ec), "+S"(rsi), "+c"(rcx)
		     : "d"(PORT)
		     : "memory", GUEST_SAFE_CLOBBERS);
	GUEST_ASSERT_EQ(vector, PF_VECTOR);
	GUEST_ASSERT_EQ(ec, 0);
	GUEST_ASSERT_EQ(read_cr2(), UNMAPPED_VA);
	GUEST_ASSERT_EQ(rsi, UNMAPPED_VA);
	GUEST_ASSERT_EQ(rcx, 4);
	GUEST_DONE();
}

/* INS to an unmapped page: the port is read (one exit), then #PF. */
static void guest_ins_faults(void)
{
	uint64_t rdi = UNMAPPED_VA, rcx = 4, vector, ec;

	asm volatile("cld\n\t"
		     GUEST_ASM_SAFE("rep insb")
		     : GUEST_SAFE_OUTPUTS(vector, ec), "+D"(rdi), "+c"(rcx)
		     : "d"(PORT)
		     : "memory", GUEST_SAFE_CLOBBERS);
	GUEST_ASSERT_EQ(vector, PF_VECTOR);
	GUEST_ASSERT_EQ(ec, 2);		/* not present, write */
	GUEST_ASSERT_EQ(read_cr2(), UNMAPPED_VA);
	GUEST_ASSERT_EQ(rdi, UNMAPPED_VA);
	GUEST_ASSERT_EQ(rcx, 4);
	GUEST_DONE();
}

/* ------------------------------------------------------------------ */
/* Host                                                                */

/*
 * Run until the guest is done; every KVM_EXIT_IO on PORT is checked
 * against @dir and @size, its count recorded in @counts, its OUT data
 * appended to @out, its IN data taken from @in_next (incremented per
 * element).  Return: the number of PORT exits.
 */
static int run_io(struct __test_metadata *_metadata, struct kvm_vcpu *vcpu,
		  uint8_t dir, uint8_t size, uint32_t *counts, int max,
		  uint8_t *out, uint32_t in_next)
{
	struct kvm_run *run = vcpu->run;
	int n = 0, out_len = 0;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		ASSERT_EQ(KVM_EXIT_IO, run->exit_reason)
			TH_LOG("exit %u (%s)", run->exit_reason,
			       exit_reason_str(run->exit_reason));
		if (run->io.port != PORT)
			break;
		ASSERT_LT(n, max);
		EXPECT_EQ(dir, run->io.direction);
		EXPECT_EQ(size, run->io.size);
		counts[n++] = run->io.count;
		if (dir == KVM_EXIT_IO_OUT) {
			memcpy(out + out_len, vcpu_io_data(vcpu),
			       run->io.count * size);
			out_len += run->io.count * size;
		} else {
			uint8_t *d = vcpu_io_data(vcpu);
			uint32_t i;

			for (i = 0; i < run->io.count; i++, in_next++)
				memcpy(d + i * size, &in_next, size);
		}
	}
	ASSERT_EQ(UCALL_DONE, get_ucall(vcpu, &uc))
		report_guest_failure(vcpu, &uc);
	return n;
}

static struct kvm_vm *vm_with(struct kvm_vcpu **vcpu, void *guest_code)
{
	return vm_create_with_one_vcpu(vcpu, guest_code);
}

TEST(rep_outsb_exits_once_per_byte_in_order)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_rep_outsb);
	uint32_t counts[32];
	uint8_t out[32];
	int i;

	ASSERT_EQ(20, run_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 1, counts, 32,
			     out, 0));
	for (i = 0; i < 20; i++) {
		EXPECT_EQ(1, counts[i]);
		EXPECT_EQ('a' + i, out[i]);
	}
	kvm_vm_free(vm);
}

TEST(rep_outsb_with_df_set_goes_down)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_rep_outsb_down);
	uint32_t counts[8];
	uint8_t out[8];
	int i;

	ASSERT_EQ(5, run_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 1, counts, 8,
			    out, 0));
	for (i = 0; i < 5; i++)
		EXPECT_EQ(0x14 - i, out[i]);
	kvm_vm_free(vm);
}

TEST(rep_outsw_honours_the_segment_override)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_rep_outsw_fs);
	uint32_t counts[8];
	uint16_t out[8];

	ASSERT_EQ(3, run_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 2, counts, 8,
			    (uint8_t *)out, 0));
	EXPECT_EQ(0x1111, out[0]);
	EXPECT_EQ(0x2222, out[1]);
	EXPECT_EQ(0x3333, out[2]);
	kvm_vm_free(vm);
}

TEST(single_outsd_and_insd_move_one_dword)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_single_outsd_insd);
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	vcpu_run(vcpu);
	EXPECT_EQ(0xcafef00d, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, PORT, 4));
	EXPECT_EQ(1, run->io.count);
	vcpu_run(vcpu);
	vcpu_expect_io(vcpu, KVM_EXIT_IO_IN, PORT, 4);
	EXPECT_EQ(1, run->io.count);
	memcpy(vcpu_io_data(vcpu), "\x78\x56\x34\x12", 4);
	ASSERT_EQ(UCALL_DONE, vcpu_run_to_ucall(vcpu, &uc))
		report_guest_failure(vcpu, &uc);
	kvm_vm_free(vm);
}

TEST(rep_insd_batch_crosses_a_page_boundary)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_rep_insd_across_page);
	uint32_t counts[8];

	ASSERT_EQ(1, run_io(_metadata, vcpu, KVM_EXIT_IO_IN, 4, counts, 8,
			    NULL, 0xd0000000));
	EXPECT_EQ(6, counts[0]);
	kvm_vm_free(vm);
}

TEST(rep_insb_batch_stops_at_the_page_boundary)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_rep_insb_across_page);
	uint32_t counts[8];

	ASSERT_EQ(2, run_io(_metadata, vcpu, KVM_EXIT_IO_IN, 1, counts, 8,
			    NULL, 0x40));
	EXPECT_EQ(3, counts[0]);
	EXPECT_EQ(7, counts[1]);
	kvm_vm_free(vm);
}

TEST(rep_insw_with_df_set_batches_below_rdi)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_rep_insw_down);
	uint32_t counts[8];

	ASSERT_EQ(2, run_io(_metadata, vcpu, KVM_EXIT_IO_IN, 2, counts, 8,
			    NULL, 0x7700));
	EXPECT_EQ(2, counts[0]);
	EXPECT_EQ(2, counts[1]);
	kvm_vm_free(vm);
}

TEST(rep_insb_with_32bit_address_size_counts_ecx)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_rep_insb_a32);
	uint32_t counts[8];

	ASSERT_EQ(1, run_io(_metadata, vcpu, KVM_EXIT_IO_IN, 1, counts, 8,
			    NULL, 0x40));
	EXPECT_EQ(3, counts[0]);
	kvm_vm_free(vm);
}

TEST(outs_from_an_unmapped_page_is_a_guest_pf_without_exit)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_outs_faults);
	uint32_t counts[8];
	uint8_t out[8];

	EXPECT_EQ(0, run_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 1, counts, 8,
			    out, 0));
	kvm_vm_free(vm);
}

TEST(ins_to_an_unmapped_page_reads_the_port_then_faults)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_with(&vcpu, guest_ins_faults);
	uint32_t counts[8];

	ASSERT_EQ(1, run_io(_metadata, vcpu, KVM_EXIT_IO_IN, 1, counts, 8,
			    NULL, 0x40));
	EXPECT_EQ(4, counts[0]);
	kvm_vm_free(vm);
}

/*
 * Real mode, 16-bit addressing: SI wraps from 0xffff to 0 within DS.
 * cld; mov $3, %cx; mov $0xfffe, %si; mov $0x80, %dx; rep outsb; hlt
 */
extern const char rm_outs_start[], rm_outs_end[];
asm(".pushsection .text\n"
    "rm_outs_start:\n"
    ".code16\n"
    "	cld\n"
    "	mov $3, %cx\n"
    "	mov $0xfffe, %si\n"
    "	mov $0x80, %dx\n"
    "	rep outsb\n"
    "	hlt\n"
    "rm_outs_end:\n"
    ".code64\n"
    ".popsection\n");

#define RM_CODE_GPA	0x1000

TEST(real_mode_rep_outsb_wraps_si_at_64k)
{
	struct kvm_vm *vm = vm_create_barebones();
	uint8_t *mem = vm_add_anon_region(vm, 0, 0, 1 << 20);
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	int i;

	memcpy(mem + RM_CODE_GPA, rm_outs_start, rm_outs_end - rm_outs_start);
	mem[0xfffe] = 0xa1;
	mem[0xffff] = 0xa2;
	mem[0] = 0xa3;
	vcpu = vm_vcpu_add_raw(vm, 0);
	vcpu_setup_real_mode(vcpu, 0, RM_CODE_GPA);
	for (i = 0; i < 3; i++) {
		vcpu_run(vcpu);
		EXPECT_EQ(0xa1 + i, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, PORT, 1));
		EXPECT_EQ(1, vcpu->run->io.count);
	}
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(1, regs.rsi);
	EXPECT_EQ(0, regs.rcx);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
