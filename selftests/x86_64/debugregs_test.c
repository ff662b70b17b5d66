// SPDX-License-Identifier: GPL-2.0
/*
 * Debug registers: KVM_GET/SET_DEBUGREGS, the guest's own MOV to and from
 * DR0-7, a hardware breakpoint armed by the host, and single-stepping over
 * an instruction the hypervisor intercepts and emulates.
 *
 * Expected values are KVM's (arch/x86/kvm/regs.c, x86.c).
 */
#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define DR6_RESET	0xffff0ff0ULL
#define DR7_RESET	0x400ULL
#define DR6_B0		(1ULL << 0)
#define DR6_BS		(1ULL << 14)
/* DR7: L0, R/W0 = write, LEN0 = 8 bytes. */
#define DR7_WRITE8_0	(DR7_RESET | 1 | (1ULL << 16) | (2ULL << 18))

static int get_dbg(struct kvm_vcpu *vcpu, struct kvm_debugregs *d)
{
	return ioctl(vcpu->fd, KVM_GET_DEBUGREGS, d);
}

static int set_dbg(struct kvm_vcpu *vcpu, struct kvm_debugregs *d)
{
	return ioctl(vcpu->fd, KVM_SET_DEBUGREGS, d);
}

FIXTURE(dbg) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

static void guest_nothing(void)
{
	GUEST_DONE();
}

FIXTURE_SETUP(dbg)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_nothing);
}

FIXTURE_TEARDOWN(dbg)
{
	kvm_vm_free(self->vm);
}

TEST_F(dbg, reset_values)
{
	struct kvm_debugregs d;

	ASSERT_EQ(0, get_dbg(self->vcpu, &d));
	EXPECT_EQ(0, d.db[0] | d.db[1] | d.db[2] | d.db[3]);
	EXPECT_EQ(DR6_RESET, d.dr6);
	EXPECT_EQ(DR7_RESET, d.dr7);
	EXPECT_EQ(0, d.flags);
}

TEST_F(dbg, set_then_get_returns_the_registers)
{
	struct kvm_debugregs in = {
		.db = { 0x1000, 0xffffffff81000000ULL, 0x7f0000001234ULL, 3 },
		.dr6 = 0xffff4ff1, .dr7 = 0x10400,
	}, out;

	ASSERT_EQ(0, set_dbg(self->vcpu, &in));
	ASSERT_EQ(0, get_dbg(self->vcpu, &out));
	EXPECT_EQ(0, memcmp(in.db, out.db, sizeof(in.db)));
	EXPECT_EQ(in.dr6, out.dr6);
	EXPECT_EQ(in.dr7, out.dr7);
}

TEST_F(dbg, flags_or_high_bits_are_einval_and_change_nothing)
{
	struct kvm_debugregs d, after;

	ASSERT_EQ(0, get_dbg(self->vcpu, &d));
	d.db[0] = 0x5000;
	d.flags = 1;
	EXPECT_ERRNO(EINVAL, set_dbg(self->vcpu, &d));
	d.flags = 0;
	d.dr6 = 1ULL << 32;
	EXPECT_ERRNO(EINVAL, set_dbg(self->vcpu, &d));
	d.dr6 = DR6_RESET;
	d.dr7 = 1ULL << 32;
	EXPECT_ERRNO(EINVAL, set_dbg(self->vcpu, &d));
	ASSERT_EQ(0, get_dbg(self->vcpu, &after));
	EXPECT_EQ(0, after.db[0]);
	EXPECT_EQ(DR7_RESET, after.dr7);
}

TEST_F(dbg, bad_pointer_is_efault)
{
	EXPECT_ERRNO(EFAULT, get_dbg(self->vcpu, fault_page()));
	EXPECT_ERRNO(EFAULT, set_dbg(self->vcpu, fault_page()));
}

/* The guest's MOV DR */

#define GUEST_GET_DR(n) ({						\
	uint64_t __v;							\
	asm volatile("mov %%dr" #n ", %0" : "=r"(__v) : : "memory");	\
	__v;								\
})
#define GUEST_SET_DR(n, v) \
	asm volatile("mov %0, %%dr" #n : : "r"((uint64_t)(v)) : "memory")

static void guest_mov_dr(void)
{
	GUEST_ASSERT_EQ(GUEST_GET_DR(0), 0x1000);
	GUEST_ASSERT_EQ(GUEST_GET_DR(1), 0x2000);
	GUEST_ASSERT_EQ(GUEST_GET_DR(2), 0x3000);
	GUEST_ASSERT_EQ(GUEST_GET_DR(3), 0x4000);
	GUEST_ASSERT_EQ(GUEST_GET_DR(6), DR6_RESET);
	GUEST_ASSERT_EQ(GUEST_GET_DR(7), DR7_RESET);
	GUEST_SET_DR(0, 0xa000);
	GUEST_SET_DR(1, 0xb000);
	GUEST_SET_DR(2, 0xc000);
	GUEST_SET_DR(3, 0xd000);
	/* R/W0 = write, no breakpoint enabled. */
	GUEST_SET_DR(7, 0x10400);
	GUEST_SYNC(1);
	/* The values survive exits. */
	GUEST_ASSERT_EQ(GUEST_GET_DR(0), 0xa000);
	GUEST_ASSERT_EQ(GUEST_GET_DR(3), 0xd000);
	GUEST_ASSERT_EQ(GUEST_GET_DR(7), 0x10400);
	GUEST_DONE();
}

TEST(guest_reads_what_the_host_set_and_the_host_what_the_guest_set)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_mov_dr);
	struct kvm_debugregs d = {
		.db = { 0x1000, 0x2000, 0x3000, 0x4000 },
		.dr6 = DR6_RESET, .dr7 = DR7_RESET,
	};

	ASSERT_EQ(0, set_dbg(vcpu, &d));
	vcpu_expect_sync(vcpu, 1);
	ASSERT_EQ(0, get_dbg(vcpu, &d));
	EXPECT_EQ(0xa000, d.db[0]);
	EXPECT_EQ(0xb000, d.db[1]);
	EXPECT_EQ(0xc000, d.db[2]);
	EXPECT_EQ(0xd000, d.db[3]);
	EXPECT_EQ(0x10400, d.dr7);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/*
 * A data breakpoint: its address from the host, armed by the guest.  (A
 * DR7 armed through KVM_SET_DEBUGREGS alone is loaded by VMRUN, which
 * QEMU's CPU does not turn into a watchpoint.)
 */

static volatile uint64_t watched;
static volatile uint64_t db_count, db_dr6, db_rip;

static void guest_db_handler(struct ex_regs *regs)
{
	db_count++;
	db_dr6 = GUEST_GET_DR(6);
	db_rip = regs->rip;
	GUEST_SET_DR(6, DR6_RESET);
	regs->rflags &= ~X86_EFLAGS_TF;
}

static void guest_write_watched(void)
{
	GUEST_SET_DR(7, DR7_WRITE8_0);
	watched = 1;
	/*
	 * Disarm before exiting: QEMU's CPU keeps the watchpoint of a DR7
	 * that VMRUN/#VMEXIT swap without MOV DR, and a later L1 hypervisor
	 * run (stock KVM's turn in the same boot) can crash QEMU on it.
	 */
	GUEST_SET_DR(7, DR7_RESET);
	GUEST_SYNC(db_count);
	GUEST_ASSERT(db_dr6 & DR6_B0);
	GUEST_DONE();
}

TEST(data_breakpoint_on_a_host_set_address_fires_in_the_guest)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_write_watched);
	struct kvm_debugregs d = {
		.db = { (uint64_t)(uintptr_t)&watched },
		.dr6 = DR6_RESET, .dr7 = DR7_RESET,
	};

	vm_install_exception_handler(vm, DB_VECTOR, guest_db_handler);
	ASSERT_EQ(0, set_dbg(vcpu, &d));
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* Single-stepping over an intercepted instruction */

extern const char cpuid_done[];

static void guest_single_step_cpuid(void)
{
	uint32_t a, b, c, d;

	asm volatile("pushfq\n\t"
		     "orq %[tf], (%%rsp)\n\t"
		     "popfq\n\t"
		     "cpuid\n\t"
		     ".globl cpuid_done\n"
		     "cpuid_done:\n\t"
		     "nop"
		     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0), "c"(0), [tf] "i"(X86_EFLAGS_TF) : "memory");
	GUEST_SYNC(db_count);
	GUEST_ASSERT(db_dr6 & DR6_BS);
	GUEST_ASSERT_EQ(db_rip, (uint64_t)(uintptr_t)cpuid_done);
	GUEST_DONE();
}

/* The #DB of a single step comes after the emulated instruction. */
TEST(single_step_traps_after_an_intercepted_instruction)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_single_step_cpuid);

	vm_install_exception_handler(vm, DB_VECTOR, guest_db_handler);
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_done(vcpu);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
