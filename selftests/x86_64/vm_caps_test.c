// SPDX-License-Identifier: GPL-2.0
/*
 * VM-wide capabilities that change what the guest sees:
 *
 * - KVM_SET_BOOT_CPU_ID (KVM_CAP_SET_BOOT_CPU_ID): which vCPU RESET makes
 *   the BSP (APIC base bit 8, and with an in-kernel APIC the only vCPU
 *   that starts RUNNABLE); fixed once a vCPU was created; bounded by the
 *   vCPU id limit.
 * - MSR_PLATFORM_INFO and KVM_CAP_MSR_PLATFORM_INFO: userspace sets it,
 *   the guest reads it while the capability is on and takes #GP when it
 *   is off; the guest can never write it.
 * - KVM_CAP_DISABLE_QUIRKS2: the quirks offered, the errnos, and two of
 *   them: FIX_HYPERCALL_INSN (on AMD, the guest's VMCALL is rewritten to
 *   VMMCALL and runs as a hypercall; disabled, the guest gets #UD and its
 *   code stays as it was) and LINT0_REENABLED (the boot vCPU's LVT0 starts
 *   in ExtINT mode rather than masked).
 * - KVM_CAP_COALESCED_PIO: OUTs to a registered port range are appended to
 *   the coalesced MMIO ring (pio = 1, the port as address) without an
 *   exit; INs, ports outside it and OUTs that find the ring full exit.
 *
 * Expected values are Linux 6.12's KVM (arch/x86/kvm/x86.c).
 */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_BSP		(1ULL << 8)
#define MSR_PLATFORM_INFO	0xce
#define TURBO_RATIO		0xff00ULL

static int check_cap(struct kvm_vm *vm, long cap)
{
	return ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, cap);
}

static int set_boot_cpu_id(struct kvm_vm *vm, unsigned long id)
{
	return ioctl(vm->fd, KVM_SET_BOOT_CPU_ID, id);
}

static uint64_t apic_base_of(struct kvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;

	vcpu_sregs_get(vcpu, &sregs);
	return sregs.apic_base;
}

static uint32_t mp_state_of(struct kvm_vcpu *vcpu)
{
	struct kvm_mp_state mp;

	vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &mp);
	return mp.mp_state;
}

static void make_runnable(struct kvm_vcpu *vcpu)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp);
}

/* ------------------------------------------------------------------ */
/* KVM_SET_BOOT_CPU_ID                                                 */

FIXTURE(boot_cpu) {
	struct kvm_vm *vm;
};

FIXTURE_SETUP(boot_cpu)
{
	self->vm = vm_create_barebones();
	if (check_cap(self->vm, KVM_CAP_SET_BOOT_CPU_ID) <= 0)
		SKIP(return, "KVM_CAP_SET_BOOT_CPU_ID not offered");
}

FIXTURE_TEARDOWN(boot_cpu)
{
	kvm_vm_free(self->vm);
}

TEST_F(boot_cpu, cap_is_one)
{
	EXPECT_EQ(1, check_cap(self->vm, KVM_CAP_SET_BOOT_CPU_ID));
	EXPECT_EQ(1, ioctl(self->vm->fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_SET_BOOT_CPU_ID));
}

TEST_F(boot_cpu, vcpu_0_is_the_bsp_by_default)
{
	struct kvm_vcpu *v0 = vm_vcpu_add_raw(self->vm, 0);
	struct kvm_vcpu *v1 = vm_vcpu_add_raw(self->vm, 1);

	EXPECT_EQ(APIC_BASE_BSP, apic_base_of(v0) & APIC_BASE_BSP);
	EXPECT_EQ(0, apic_base_of(v1) & APIC_BASE_BSP);
}

TEST_F(boot_cpu, set_boot_cpu_id_moves_the_bsp_flag)
{
	struct kvm_vcpu *v0, *v1, *v2;

	ASSERT_EQ(0, set_boot_cpu_id(self->vm, 2));
	/* The last value set before the first vCPU counts. */
	ASSERT_EQ(0, set_boot_cpu_id(self->vm, 1));
	v0 = vm_vcpu_add_raw(self->vm, 0);
	v1 = vm_vcpu_add_raw(self->vm, 1);
	v2 = vm_vcpu_add_raw(self->vm, 2);
	EXPECT_EQ(0, apic_base_of(v0) & APIC_BASE_BSP);
	EXPECT_EQ(APIC_BASE_BSP, apic_base_of(v1) & APIC_BASE_BSP);
	EXPECT_EQ(0, apic_base_of(v2) & APIC_BASE_BSP);
}

TEST_F(boot_cpu, boot_vcpu_need_not_exist)
{
	struct kvm_vcpu *v0;

	ASSERT_EQ(0, set_boot_cpu_id(self->vm, 7));
	v0 = vm_vcpu_add_raw(self->vm, 0);
	EXPECT_EQ(0, apic_base_of(v0) & APIC_BASE_BSP);
}

TEST_F(boot_cpu, set_after_a_vcpu_exists_is_ebusy)
{
	struct kvm_vcpu *v1 = vm_vcpu_add_raw(self->vm, 1);

	EXPECT_ERRNO(EBUSY, set_boot_cpu_id(self->vm, 1));
	EXPECT_ERRNO(EBUSY, set_boot_cpu_id(self->vm, 0));
	/* Closing the vCPU does not uncreate it. */
	close(v1->fd);
	v1->fd = -1;
	EXPECT_ERRNO(EBUSY, set_boot_cpu_id(self->vm, 0));
}

TEST_F(boot_cpu, id_with_high_bits_is_einval)
{
	EXPECT_ERRNO(EINVAL, set_boot_cpu_id(self->vm, 1UL << 32));
	EXPECT_ERRNO(EINVAL, set_boot_cpu_id(self->vm, ~0UL));
}

TEST_F(boot_cpu, id_above_max_vcpu_id_is_einval)
{
	int max_id = check_cap(self->vm, KVM_CAP_MAX_VCPU_ID);

	ASSERT_LT(0, max_id);
	EXPECT_ERRNO(EINVAL, set_boot_cpu_id(self->vm, max_id + 1UL));
	/* KVM compares with ">": the bound itself is accepted. */
	EXPECT_EQ(0, set_boot_cpu_id(self->vm, max_id));
}

TEST_F(boot_cpu, boot_id_and_vm_id_limit_bound_each_other)
{
	ASSERT_EQ(0, set_boot_cpu_id(self->vm, 9));
	/* The limit may not exclude the boot vCPU... */
	EXPECT_ERRNO(EINVAL, __vm_enable_cap(self->vm, KVM_CAP_MAX_VCPU_ID, 8));
	EXPECT_EQ(0, __vm_enable_cap(self->vm, KVM_CAP_MAX_VCPU_ID, 9));
	/* ...and the boot vCPU may not go beyond the limit. */
	EXPECT_ERRNO(EINVAL, set_boot_cpu_id(self->vm, 10));
	EXPECT_EQ(0, set_boot_cpu_id(self->vm, 9));
	EXPECT_EQ(0, set_boot_cpu_id(self->vm, 3));
}

/* The guest reports the BSP flag of its APIC base. */
static void guest_report_bsp(void)
{
	GUEST_SYNC(rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP);
	GUEST_DONE();
}

static uint64_t run_and_get_bsp_flag(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	TEST_ASSERT(vcpu_run_to_ucall(vcpu, &uc) == UCALL_SYNC,
		    "vCPU %u: no UCALL_SYNC", vcpu->id);
	return uc.args[0];
}

/*
 * With the in-kernel APIC, only the boot vCPU leaves RESET runnable; the
 * others wait for INIT and SIPI.  The guest sees the flag in its MSR.
 */
TEST(boot_vcpu_is_the_only_runnable_one_with_an_irqchip)
{
	struct kvm_vcpu *vcpus[3];
	struct kvm_vm *vm = vm_create_with_vcpus(0, NULL, NULL);
	int i;

	if (check_cap(vm, KVM_CAP_SET_BOOT_CPU_ID) <= 0) {
		kvm_vm_free(vm);
		SKIP(return, "KVM_CAP_SET_BOOT_CPU_ID not offered");
	}
	ASSERT_EQ(0, set_boot_cpu_id(vm, 1));
	vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL);
	for (i = 0; i < 3; i++)
		vcpus[i] = vm_vcpu_add(vm, i, guest_report_bsp);
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state_of(vcpus[0]));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp_state_of(vcpus[1]));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state_of(vcpus[2]));
	for (i = 0; i < 3; i++) {
		if (i != 1)
			make_runnable(vcpus[i]);
		EXPECT_EQ(i == 1 ? APIC_BASE_BSP : 0,
			  run_and_get_bsp_flag(vcpus[i]));
		EXPECT_ERRNO(EBUSY, set_boot_cpu_id(vm, i));
	}
	kvm_vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* MSR_PLATFORM_INFO and KVM_CAP_MSR_PLATFORM_INFO                     */

FIXTURE(platform_info) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

/*
 * Reads MSR_PLATFORM_INFO once per sync, reporting the vector (0 or #GP)
 * and the value; then tries to write it.
 */
static void guest_read_platform_info(void)
{
	uint64_t val = 0, vector;
	int i;

	for (i = 0; i < 3; i++) {
		vector = rdmsr_safe(MSR_PLATFORM_INFO, &val);
		GUEST_SYNC2(vector, val);
	}
	GUEST_SYNC2(wrmsr_safe(MSR_PLATFORM_INFO, val), 0);
	GUEST_DONE();
}

FIXTURE_SETUP(platform_info)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu,
					   guest_read_platform_info);
	if (check_cap(self->vm, KVM_CAP_MSR_PLATFORM_INFO) <= 0)
		SKIP(return, "KVM_CAP_MSR_PLATFORM_INFO not offered");
}

FIXTURE_TEARDOWN(platform_info)
{
	kvm_vm_free(self->vm);
}

static void next_sync(struct kvm_vcpu *vcpu, uint64_t *vector, uint64_t *val)
{
	struct ucall uc;

	TEST_ASSERT(vcpu_run_to_ucall(vcpu, &uc) == UCALL_SYNC, "no UCALL_SYNC");
	*vector = uc.args[0];
	*val = uc.args[1];
}

static bool msr_in_index_list(int sys_fd, uint32_t msr)
{
	struct kvm_msr_list hdr = { .nmsrs = 0 }, *list;
	bool found = false;
	uint32_t i;

	ioctl(sys_fd, KVM_GET_MSR_INDEX_LIST, &hdr);
	list = calloc(1, sizeof(*list) + hdr.nmsrs * sizeof(uint32_t));
	TEST_ASSERT(list, "out of memory");
	list->nmsrs = hdr.nmsrs;
	TEST_ASSERT(!ioctl(sys_fd, KVM_GET_MSR_INDEX_LIST, list),
		    "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
	for (i = 0; i < list->nmsrs; i++)
		found |= list->indices[i] == msr;
	free(list);
	return found;
}

TEST_F(platform_info, is_in_the_msr_index_list)
{
	EXPECT_TRUE(msr_in_index_list(self->vm->sys_fd, MSR_PLATFORM_INFO));
}

TEST_F(platform_info, userspace_sets_and_gets_it)
{
	uint64_t old = vcpu_get_msr(self->vcpu, MSR_PLATFORM_INFO);

	vcpu_set_msr(self->vcpu, MSR_PLATFORM_INFO, old | TURBO_RATIO);
	EXPECT_EQ(old | TURBO_RATIO,
		  vcpu_get_msr(self->vcpu, MSR_PLATFORM_INFO));
	vcpu_set_msr(self->vcpu, MSR_PLATFORM_INFO, old);
	EXPECT_EQ(old, vcpu_get_msr(self->vcpu, MSR_PLATFORM_INFO));
}

TEST_F(platform_info, guest_reads_it_only_while_the_cap_is_on)
{
	uint64_t old = vcpu_get_msr(self->vcpu, MSR_PLATFORM_INFO);
	uint64_t vector, val;

	vcpu_set_msr(self->vcpu, MSR_PLATFORM_INFO, old | TURBO_RATIO);
	/* On by default. */
	next_sync(self->vcpu, &vector, &val);
	EXPECT_EQ(0, vector);
	EXPECT_EQ(old | TURBO_RATIO, val);

	vm_enable_cap(self->vm, KVM_CAP_MSR_PLATFORM_INFO, 0);
	next_sync(self->vcpu, &vector, &val);
	EXPECT_EQ(GP_VECTOR, vector);
	/* Userspace still reads it. */
	EXPECT_EQ(old | TURBO_RATIO,
		  vcpu_get_msr(self->vcpu, MSR_PLATFORM_INFO));

	/* Any non-zero argument turns it back on. */
	vm_enable_cap(self->vm, KVM_CAP_MSR_PLATFORM_INFO, 2);
	next_sync(self->vcpu, &vector, &val);
	EXPECT_EQ(0, vector);
	EXPECT_EQ(old | TURBO_RATIO, val);
}

TEST_F(platform_info, guest_write_is_gp)
{
	uint64_t vector, val;
	int i;

	for (i = 0; i < 3; i++)
		next_sync(self->vcpu, &vector, &val);
	next_sync(self->vcpu, &vector, &val);
	EXPECT_EQ(GP_VECTOR, vector);
}

TEST_F(platform_info, enable_cap_with_flags_is_einval)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MSR_PLATFORM_INFO, .flags = 1,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap));
}

/* ------------------------------------------------------------------ */
/* KVM_CAP_DISABLE_QUIRKS2                                             */

#define KVM_ENOSYS		1000	/* an unknown hypercall's result */
#define UNKNOWN_HYPERCALL	0x4b4d	/* no KVM_HC_* */
#define APIC_LVT0		0x350
#define LVT_MASKED		(1U << 16)
#define APIC_DM_EXTINT		0x700

static const uint8_t vmcall_bytes[3] = { 0x0f, 0x01, 0xc1 };
static const uint8_t vmmcall_bytes[3] = { 0x0f, 0x01, 0xd9 };

extern uint8_t foreign_hypercall_site[3];

static bool host_is_amd(void)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;
}

/* VMCALL (Intel's) with an unknown number; Return: the vector it raised. */
static __attribute__((noipa)) uint64_t foreign_hypercall(uint64_t *ret)
{
	uint64_t vector, error_code, rax = UNKNOWN_HYPERCALL;

	asm volatile(GUEST_ASM_SAFE(".globl foreign_hypercall_site\n\t"
				    "foreign_hypercall_site: .byte 0x0f, 0x01, 0xc1")
		     : GUEST_SAFE_OUTPUTS(vector, error_code), "+a"(rax)
		     : : "r9", "r10", "r11", "memory");
	*ret = rax;
	return vector;
}

static uint64_t native_hypercall(void)
{
	uint64_t rax = UNKNOWN_HYPERCALL;

	asm volatile("vmmcall" : "+a"(rax) : : "memory");
	return rax;
}

static void guest_hypercalls(void)
{
	uint64_t ret = 0, vector = foreign_hypercall(&ret);

	GUEST_SYNC2(vector, ret);
	GUEST_SYNC2(0, native_hypercall());
	GUEST_DONE();
}

FIXTURE(quirks) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	int offered;
};

FIXTURE_SETUP(quirks)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_hypercalls);
	self->offered = check_cap(self->vm, KVM_CAP_DISABLE_QUIRKS2);
	if (!(self->offered & KVM_X86_QUIRK_FIX_HYPERCALL_INSN))
		SKIP(return, "KVM_X86_QUIRK_FIX_HYPERCALL_INSN not offered");
	if (!host_is_amd())
		SKIP(return, "VMMCALL is the native hypercall on AMD only");
}

FIXTURE_TEARDOWN(quirks)
{
	kvm_vm_free(self->vm);
}

static const uint8_t *guest_site(struct kvm_vm *vm)
{
	return addr_gpa2hva(vm, (gpa_t)(uintptr_t)foreign_hypercall_site);
}

TEST_F(quirks, offered_quirks_include_the_two_tested)
{
	EXPECT_EQ(KVM_X86_QUIRK_LINT0_REENABLED,
		  self->offered & KVM_X86_QUIRK_LINT0_REENABLED);
	EXPECT_EQ(self->offered, ioctl(self->vm->fd, KVM_CHECK_EXTENSION,
				       KVM_CAP_DISABLE_QUIRKS2));
}

TEST_F(quirks, disabling_a_quirk_not_offered_is_einval)
{
	uint64_t other = ~(uint64_t)(unsigned int)self->offered;

	other &= -other;	/* the lowest quirk not offered */
	EXPECT_ERRNO(EINVAL, __vm_enable_cap(self->vm,
					     KVM_CAP_DISABLE_QUIRKS2, other));
	EXPECT_ERRNO(EINVAL, __vm_enable_cap(self->vm, KVM_CAP_DISABLE_QUIRKS2,
					     1ULL << 63));
	EXPECT_EQ(0, __vm_enable_cap(self->vm, KVM_CAP_DISABLE_QUIRKS2,
				     self->offered));
	/* Disabling again is no error. */
	EXPECT_EQ(0, __vm_enable_cap(self->vm, KVM_CAP_DISABLE_QUIRKS2, 0));
}

TEST_F(quirks, disable_quirks2_with_flags_is_einval)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2, .flags = 1,
		.args = { KVM_X86_QUIRK_FIX_HYPERCALL_INSN },
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap));
}

TEST_F(quirks, vmcall_is_rewritten_to_vmmcall_by_default)
{
	uint64_t vector, ret;

	ASSERT_EQ(0, memcmp(guest_site(self->vm), vmcall_bytes, 3));
	next_sync(self->vcpu, &vector, &ret);
	EXPECT_EQ(0, vector);
	EXPECT_EQ((uint64_t)-KVM_ENOSYS, ret);
	EXPECT_EQ(0, memcmp(guest_site(self->vm), vmmcall_bytes, 3));
	next_sync(self->vcpu, &vector, &ret);
	EXPECT_EQ((uint64_t)-KVM_ENOSYS, ret);
}

TEST_F(quirks, vmcall_raises_ud_without_the_quirk)
{
	uint64_t vector, ret;

	vm_enable_cap(self->vm, KVM_CAP_DISABLE_QUIRKS2,
		      KVM_X86_QUIRK_FIX_HYPERCALL_INSN);
	next_sync(self->vcpu, &vector, &ret);
	EXPECT_EQ(UD_VECTOR, vector);
	EXPECT_EQ(0, memcmp(guest_site(self->vm), vmcall_bytes, 3));
	/* The native instruction still works. */
	next_sync(self->vcpu, &vector, &ret);
	EXPECT_EQ((uint64_t)-KVM_ENOSYS, ret);
}

static uint32_t lvt0_of(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic_state lapic;

	vcpu_ioctl(vcpu, KVM_GET_LAPIC, &lapic);
	return *(uint32_t *)&lapic.regs[APIC_LVT0];
}

TEST(lint0_quirk_puts_the_boot_vcpu_lvt0_in_extint)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_vcpu *v0, *v1;

	if (!(check_cap(vm, KVM_CAP_DISABLE_QUIRKS2) &
	      KVM_X86_QUIRK_LINT0_REENABLED)) {
		kvm_vm_free(vm);
		SKIP(return, "KVM_X86_QUIRK_LINT0_REENABLED not offered");
	}
	vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL);
	v0 = vm_vcpu_add_raw(vm, 0);
	v1 = vm_vcpu_add_raw(vm, 1);
	EXPECT_EQ(APIC_DM_EXTINT, lvt0_of(v0));
	EXPECT_EQ(LVT_MASKED, lvt0_of(v1));
	kvm_vm_free(vm);
}

TEST(lint0_quirk_disabled_leaves_the_boot_vcpu_lvt0_masked)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_vcpu *v0;

	if (!(check_cap(vm, KVM_CAP_DISABLE_QUIRKS2) &
	      KVM_X86_QUIRK_LINT0_REENABLED)) {
		kvm_vm_free(vm);
		SKIP(return, "KVM_X86_QUIRK_LINT0_REENABLED not offered");
	}
	vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL);
	vm_enable_cap(vm, KVM_CAP_DISABLE_QUIRKS2,
		      KVM_X86_QUIRK_LINT0_REENABLED);
	v0 = vm_vcpu_add_raw(vm, 0);
	EXPECT_EQ(LVT_MASKED, lvt0_of(v0));
	kvm_vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* KVM_CAP_COALESCED_PIO                                               */

#define PIO_ZONE	0x80
#define PIO_ZONE_SIZE	8
#define PIO_OUTSIDE	0x90

static struct kvm_coalesced_mmio_ring *ring_of(struct kvm_vcpu *vcpu)
{
	return (void *)((uint8_t *)vcpu->run +
			KVM_COALESCED_MMIO_PAGE_OFFSET * getpagesize());
}

static int pio_zone_ioctl(struct kvm_vm *vm, unsigned long cmd,
			  uint64_t port, uint32_t size)
{
	struct kvm_coalesced_mmio_zone zone = {
		.addr = port, .size = size, .pio = 1,
	};

	return ioctl(vm->fd, cmd, &zone);
}

static void guest_pio(void)
{
	unsigned int i;

	outb(PIO_ZONE, 0x11);
	outw(PIO_ZONE + 2, 0x2233);
	outl(PIO_ZONE + 4, 0x44556677);
	/* Crosses the zone's end: not in the zone. */
	outl(PIO_ZONE + 6, 0x8899aabb);
	outb(PIO_OUTSIDE, 0xcc);
	GUEST_SYNC(inb(PIO_ZONE));
	/* More than the ring holds: some exit. */
	for (i = 0; i < 200; i++)
		outl(PIO_ZONE, i);
	GUEST_SYNC(0);
	outb(PIO_ZONE, 0xdd);
	GUEST_DONE();
}

FIXTURE(coalesced_pio) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_coalesced_mmio_ring *ring;
};

FIXTURE_SETUP(coalesced_pio)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_pio);
	self->ring = ring_of(self->vcpu);
	if (check_cap(self->vm, KVM_CAP_COALESCED_PIO) <= 0)
		SKIP(return, "KVM_CAP_COALESCED_PIO not offered");
}

FIXTURE_TEARDOWN(coalesced_pio)
{
	kvm_vm_free(self->vm);
}

static void expect_pio_entry(struct __test_metadata *_metadata,
			     struct kvm_coalesced_mmio_ring *ring,
			     unsigned int i, uint16_t port, uint32_t len,
			     uint32_t data)
{
	struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[i];
	uint32_t got = 0;

	memcpy(&got, e->data, len);
	EXPECT_EQ(port, e->phys_addr);
	EXPECT_EQ(len, e->len);
	EXPECT_EQ(1, e->pio);
	EXPECT_EQ(data, got);
}

TEST_F(coalesced_pio, cap_is_one)
{
	EXPECT_EQ(1, check_cap(self->vm, KVM_CAP_COALESCED_PIO));
}

TEST_F(coalesced_pio, outs_in_the_zone_go_to_the_ring_the_rest_exits)
{
	struct kvm_run *run = self->vcpu->run;

	ASSERT_EQ(0, pio_zone_ioctl(self->vm, KVM_REGISTER_COALESCED_MMIO,
				    PIO_ZONE, PIO_ZONE_SIZE));
	vcpu_run(self->vcpu);
	EXPECT_EQ(0x8899aabb, vcpu_expect_io(self->vcpu, KVM_EXIT_IO_OUT,
					     PIO_ZONE + 6, 4));
	ASSERT_EQ(3, self->ring->last);
	expect_pio_entry(_metadata, self->ring, 0, PIO_ZONE, 1, 0x11);
	expect_pio_entry(_metadata, self->ring, 1, PIO_ZONE + 2, 2, 0x2233);
	expect_pio_entry(_metadata, self->ring, 2, PIO_ZONE + 4, 4, 0x44556677);
	vcpu_run(self->vcpu);
	EXPECT_EQ(0xcc, vcpu_expect_io(self->vcpu, KVM_EXIT_IO_OUT,
				       PIO_OUTSIDE, 1));
	/* Reads exit. */
	vcpu_run(self->vcpu);
	vcpu_expect_io(self->vcpu, KVM_EXIT_IO_IN, PIO_ZONE, 1);
	*((uint8_t *)run + run->io.data_offset) = 0x5a;
	vcpu_expect_sync(self->vcpu, 0x5a);
	EXPECT_EQ(3, self->ring->last);
}

TEST_F(coalesced_pio, a_full_ring_falls_back_to_exits_in_order)
{
	struct kvm_coalesced_mmio_ring *ring = self->ring;
	unsigned int next = 0, exits = 0;

	ASSERT_EQ(0, pio_zone_ioctl(self->vm, KVM_REGISTER_COALESCED_MMIO,
				    PIO_ZONE, PIO_ZONE_SIZE));
	vcpu_run(self->vcpu);	/* the OUT across the end */
	vcpu_run(self->vcpu);	/* the OUT outside */
	vcpu_run(self->vcpu);	/* the IN */
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(self->vcpu, NULL));
	ring->first = ring->last;
	for (;;) {
		vcpu_run(self->vcpu);
		while (ring->first != ring->last) {
			expect_pio_entry(_metadata, ring, ring->first,
					 PIO_ZONE, 4, next++);
			ring->first = (ring->first + 1) % KVM_COALESCED_MMIO_MAX;
		}
		if (self->vcpu->run->io.port != PIO_ZONE)
			break;
		ASSERT_EQ(next, vcpu_expect_io(self->vcpu, KVM_EXIT_IO_OUT,
					       PIO_ZONE, 4));
		next++;
		exits++;
	}
	EXPECT_EQ(200, next);
	EXPECT_LE(1, exits);
}

TEST_F(coalesced_pio, unregistering_takes_the_pio_zone_only)
{
	uint32_t last;
	int i;

	ASSERT_EQ(0, pio_zone_ioctl(self->vm, KVM_REGISTER_COALESCED_MMIO,
				    PIO_ZONE, PIO_ZONE_SIZE));
	/* An MMIO unregister of the same numbers leaves the PIO zone. */
	{
		struct kvm_coalesced_mmio_zone z = {
			.addr = PIO_ZONE, .size = PIO_ZONE_SIZE,
		};

		ASSERT_EQ(0, ioctl(self->vm->fd, KVM_UNREGISTER_COALESCED_MMIO,
				   &z));
	}
	for (i = 0; i < 3; i++)
		vcpu_run(self->vcpu);
	ASSERT_EQ(3, self->ring->last);
	/* Any range inside the zone removes it. */
	ASSERT_EQ(0, pio_zone_ioctl(self->vm, KVM_UNREGISTER_COALESCED_MMIO,
				    PIO_ZONE + 2, 2));
	last = self->ring->last;
	ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(self->vcpu, NULL));
	vcpu_run(self->vcpu);
	EXPECT_EQ(0, vcpu_expect_io(self->vcpu, KVM_EXIT_IO_OUT, PIO_ZONE, 4));
	EXPECT_EQ(last, self->ring->last);
}

TEST_HARNESS_MAIN
