// SPDX-License-Identifier: GPL-2.0
/*
 * Accesses to guest physical addresses that no memslot covers: each one
 * is emulated and exits to userspace as KVM_EXIT_MMIO, completed by the
 * next KVM_RUN; the MMU caches the "nothing here" answer in one MMIO
 * spte, and a memslot created over the address afterwards is used at
 * once: the memslot generation in the spte is stale.  Writes to a
 * read-only memslot exit the same way; reads of it see its memory.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "mmu_test.h"
#include "processor.h"
#include "ucall.h"

#define MMIO_GPA	(3 * SZ_1G + 0x5000)
#define MMIO_SLOT	1

/* Read the quadword at MMIO_GPA forever, reporting each value. */
static void guest_read_loop(void)
{
	for (;;)
		GUEST_SYNC(*(volatile uint64_t *)MMIO_GPA);
}

/*
 * Run until the read of MMIO_GPA exits to userspace, complete it with 0
 * and take the GUEST_SYNC that follows.
 */
static void expect_unbacked_read(struct __test_metadata *_metadata,
				 struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason)
		TH_LOG("exit %u (%s)", run->exit_reason,
		       exit_reason_str(run->exit_reason));
	EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(8, run->mmio.len);
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	vcpu_expect_sync(vcpu, 0);
}

TEST(unbacked_access_exits_until_a_memslot_covers_it)
{
	long created, cached;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t *mem;
	int i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_read_loop);
	for (i = 0; i < 5; i++)
		expect_unbacked_read(_metadata, vcpu);

	/* The first exit cached the answer; the others used it. */
	created = vm_get_stat(vm, "pf_mmio_spte_created");
	cached = vm_get_stat(vm, "minikvm_pf_mmio_cached");
	TH_LOG("MMIO sptes created: %ld, exits from the cached spte: %ld%s",
	       created, cached, cached < 0 ? " (not counted by this device)" : "");
	if (created >= 0)
		EXPECT_EQ(1, created);
	if (cached >= 0)
		EXPECT_EQ(4, cached);

	/* Memory appears: the cached "no memslot" must not hide it. */
	mem = backing_alloc(BACKING_ANON, SZ_2M);
	ASSERT_NE(NULL, mem);
	mem[0x5000 / 8] = 0x5a5a5a5a;
	vm_add_region(vm, MMIO_SLOT, 0, MMIO_GPA & ~(SZ_2M - 1), SZ_2M, mem);
	vcpu_expect_sync(vcpu, 0x5a5a5a5a);

	/* And gone again: back to exits. */
	vm_delete_region(vm, MMIO_SLOT);
	expect_unbacked_read(_metadata, vcpu);
	kvm_vm_free(vm);
	backing_free(mem, SZ_2M);
}

/*
 * A memslot elsewhere changes the memslots generation too: the cached
 * MMIO spte is stale, the next access looks again (and caches again).
 */
TEST(other_memslot_changes_invalidate_the_cached_answer)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t *other;
	long created;

	vm = vm_create_with_one_vcpu(&vcpu, guest_read_loop);
	expect_unbacked_read(_metadata, vcpu);
	other = backing_alloc(BACKING_ANON, SZ_2M);
	ASSERT_NE(NULL, other);
	vm_add_region(vm, MMIO_SLOT, 0, 2 * SZ_1G, SZ_2M, other);
	expect_unbacked_read(_metadata, vcpu);
	expect_unbacked_read(_metadata, vcpu);

	created = vm_get_stat(vm, "pf_mmio_spte_created");
	TH_LOG("MMIO sptes created: %ld", created);
	if (created >= 0)
		EXPECT_EQ(2, created);
	kvm_vm_free(vm);
	backing_free(other, SZ_2M);
}

#define RO_PATTERN	0x5a5a5a5a5a5a5a5aULL
#define RO_WRITE	0x1122334455667788ULL

/* Write the quadword at MMIO_GPA, then read it back and report it; twice. */
static void guest_write_then_read(void)
{
	volatile uint64_t *p = (volatile uint64_t *)MMIO_GPA;
	uint64_t i;

	for (i = 0; i < 2; i++) {
		*p = RO_WRITE + i;
		GUEST_SYNC(*p);
	}
	GUEST_DONE();
}

static void expect_write_exit(struct __test_metadata *_metadata,
			      struct kvm_vcpu *vcpu, uint64_t val)
{
	struct kvm_run *run = vcpu->run;
	uint64_t data;

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason)
		TH_LOG("exit %u (%s)", run->exit_reason,
		       exit_reason_str(run->exit_reason));
	EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(8, run->mmio.len);
	memcpy(&data, run->mmio.data, sizeof(data));
	EXPECT_EQ(val, data);
}

/*
 * A read-only memslot: every write exits as an MMIO write with the data
 * and leaves the memory alone, also once a read has mapped the page;
 * reads see the memory.
 */
TEST(writes_to_a_read_only_memslot_exit_as_mmio_reads_see_memory)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t *mem;
	int i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_write_then_read);
	if (!kvm_check_cap(vm->sys_fd, KVM_CAP_READONLY_MEM)) {
		kvm_vm_free(vm);
		SKIP(return, "no KVM_CAP_READONLY_MEM");
	}
	mem = backing_alloc(BACKING_ANON, SZ_2M);
	ASSERT_NE(NULL, mem);
	mem[0x5000 / 8] = RO_PATTERN;
	vm_add_region(vm, MMIO_SLOT, KVM_MEM_READONLY, MMIO_GPA & ~(SZ_2M - 1),
		      SZ_2M, mem);
	for (i = 0; i < 2; i++) {
		expect_write_exit(_metadata, vcpu, RO_WRITE + i);
		vcpu_expect_sync(vcpu, RO_PATTERN);
	}
	vcpu_expect_done(vcpu);
	EXPECT_EQ(RO_PATTERN, mem[0x5000 / 8]);
	kvm_vm_free(vm);
	backing_free(mem, SZ_2M);
}

/* The read-only flag of an existing memslot cannot change. */
TEST(read_only_flag_of_a_memslot_cannot_change)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct kvm_userspace_memory_region r = {
		.slot = MMIO_SLOT, .guest_phys_addr = MMIO_GPA & ~(SZ_2M - 1),
		.memory_size = SZ_2M,
	};
	uint64_t *mem;

	vm = vm_create_with_one_vcpu(&vcpu, guest_write_then_read);
	if (!kvm_check_cap(vm->sys_fd, KVM_CAP_READONLY_MEM)) {
		kvm_vm_free(vm);
		SKIP(return, "no KVM_CAP_READONLY_MEM");
	}
	mem = backing_alloc(BACKING_ANON, SZ_2M);
	ASSERT_NE(NULL, mem);
	r.userspace_addr = (uintptr_t)mem;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	r.flags = KVM_MEM_READONLY;
	EXPECT_ERRNO(EINVAL, ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	kvm_vm_free(vm);
	backing_free(mem, SZ_2M);
}

TEST_HARNESS_MAIN
