// SPDX-License-Identifier: GPL-2.0
/*
 * Accesses to guest physical addresses that no memslot covers: each one
 * exits to userspace (KVM_EXIT_MMIO on stock KVM; KVM_EXIT_INTERNAL_ERROR
 * with KVM_INTERNAL_ERROR_EMULATION and the address in data[0] on minikvm,
 * until its instruction emulator exists), the MMU caches the "nothing
 * here" answer in one MMIO spte, and a memslot created over the address
 * afterwards is used at once: the memslot generation in the spte is stale.
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
 * Run until the read of MMIO_GPA exits to userspace.  Stock KVM emulates
 * the read: complete it with 0 and take the GUEST_SYNC that follows, so
 * that both devices leave the guest at the same read.
 */
static void expect_unbacked_read(struct __test_metadata *_metadata,
				 struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	if (run->exit_reason == KVM_EXIT_MMIO) {
		EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
		EXPECT_EQ(0, run->mmio.is_write);
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		vcpu_expect_sync(vcpu, 0);
		return;
	}
	ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);
	EXPECT_EQ(MMIO_GPA, run->internal.data[0]);
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

TEST_HARNESS_MAIN
