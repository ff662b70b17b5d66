// SPDX-License-Identifier: GPL-2.0
/*
 * Memslot changes while vCPUs fault: other slots come and go under
 * faulting vCPUs (the workload of the upstream
 * memslot_modification_stress_test), and the very slot they write to is
 * deleted, re-added and moved under them.  A deleted slot's memory is
 * never written again once the ioctl returned; a vCPU that touches the
 * now empty range exits to userspace - KVM_EXIT_MMIO on stock KVM, which
 * emulates the access, KVM_EXIT_INTERNAL_ERROR (emulation) on minikvm,
 * which has no instruction emulator yet - and continues once memory is
 * back.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "mmu_test.h"
#include "processor.h"
#include "ucall.h"

#define DATA_SLOT	1
#define DATA_GPA	SZ_1G
#define DATA_PAGES	1024		/* 4 MiB */
#define DATA_SIZE	(DATA_PAGES * PAGE_SIZE)
#define OTHER_SLOT	2
#define OTHER_GPA	(2 * SZ_1G)
#define MOVED_GPA	(3 * SZ_1G)
#define NR_VCPUS	2

static uint64_t stress_stop;

/* Write a stamp into every page of vCPU @id's share, again and again. */
static void guest_writer(uint64_t id)
{
	uint64_t pass, i;

	for (pass = 1; !GUEST_READ(stress_stop); pass++)
		for (i = id; i < DATA_PAGES; i += NR_VCPUS)
			*(volatile uint64_t *)(DATA_GPA + i * PAGE_SIZE) =
				(pass << 16) | id;
	GUEST_DONE();
}

/*
 * Did the vCPU exit for an access to [lo, hi) where no memslot is?  On
 * stock KVM an MMIO exit (the access is emulated as done when KVM_RUN is
 * called again), on minikvm an emulation internal error (the access is
 * retried).
 */
static bool is_unbacked_exit(struct kvm_vcpu *vcpu, gpa_t lo, gpa_t hi)
{
	struct kvm_run *run = vcpu->run;

	if (run->exit_reason == KVM_EXIT_MMIO)
		return run->mmio.phys_addr >= lo && run->mmio.phys_addr < hi;
	return run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	       run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	       run->internal.data[0] >= lo && run->internal.data[0] < hi;
}

struct writer {
	pthread_t thread;
	struct kvm_vcpu *vcpu;
	pthread_barrier_t *stopped, *resume;	/* NULL: just run again */
	unsigned long unbacked_exits;
};

/* Runs the vCPU to GUEST_DONE, riding out exits for unbacked accesses. */
static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	bool waited = false;
	struct ucall uc;

	for (;;) {
		vcpu_run(w->vcpu);
		if (get_ucall(w->vcpu, &uc) == UCALL_DONE)
			return NULL;
		TEST_ASSERT(is_unbacked_exit(w->vcpu, 0, 4 * SZ_1G),
			    "vCPU %u: exit %s", w->vcpu->id,
			    exit_reason_str(w->vcpu->run->exit_reason));
		w->unbacked_exits++;
		if (w->stopped && !waited) {
			/* Tell the host, and wait until memory is back. */
			pthread_barrier_wait(w->stopped);
			pthread_barrier_wait(w->resume);
			waited = true;
		}
	}
}

struct stress_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[NR_VCPUS];
	struct writer writers[NR_VCPUS];
	uint64_t *mem;
};

static void stress_start(struct stress_vm *s, pthread_barrier_t *stopped,
			 pthread_barrier_t *resume)
{
	unsigned int i;

	s->vm = vm_create_with_vcpus(NR_VCPUS, guest_writer, s->vcpus);
	s->mem = backing_alloc(BACKING_ANON, DATA_SIZE);
	TEST_ASSERT(s->mem, "mmap");
	vm_add_region(s->vm, DATA_SLOT, 0, DATA_GPA, DATA_SIZE, s->mem);
	for (i = 0; i < NR_VCPUS; i++) {
		s->writers[i] = (struct writer){
			.vcpu = s->vcpus[i], .stopped = stopped, .resume = resume,
		};
		vcpu_args_set(s->vcpus[i], 1, (uint64_t)i);
		TEST_ASSERT(!pthread_create(&s->writers[i].thread, NULL,
					    writer_thread, &s->writers[i]),
			    "pthread_create");
	}
}

static void stress_stop_and_free(struct stress_vm *s)
{
	unsigned int i;

	GUEST_GLOBAL(s->vm, stress_stop) = 1;
	for (i = 0; i < NR_VCPUS; i++)
		TEST_ASSERT(!pthread_join(s->writers[i].thread, NULL), "join");
	kvm_vm_free(s->vm);
}

/* Has every page of both vCPUs' shares been written at least once? */
static bool all_pages_written(const uint64_t *mem)
{
	unsigned int i;

	for (i = 0; i < DATA_PAGES; i++)
		if (!*(volatile uint64_t *)&mem[i * 512])
			return false;
	return true;
}

static uint64_t sum_of_pages(const uint64_t *mem)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < DATA_PAGES; i++)
		sum += *(volatile uint64_t *)&mem[i * 512];
	return sum;
}

/* Let the vCPUs write until every page of @mem was written (30 s at most). */
static void wait_all_pages_written(const uint64_t *mem)
{
	int ms;

	for (ms = 0; ms < 30000 && !all_pages_written(mem); ms += 10)
		usleep(10000);
}

TEST(other_memslots_come_and_go_under_faulting_vcpus)
{
	uint64_t *other = backing_alloc(BACKING_ANON, 16 * PAGE_SIZE);
	struct stress_vm s;
	int i, rounds = slow_kernel() ? 60 : 300;

	ASSERT_NE(NULL, other);
	stress_start(&s, NULL, NULL);
	for (i = 0; i < rounds; i++) {
		vm_set_user_memory_region(s.vm, OTHER_SLOT, 0, OTHER_GPA,
					  (1 + i % 16) * PAGE_SIZE, other);
		vm_set_user_memory_region(s.vm, OTHER_SLOT, 0, OTHER_GPA, 0, other);
	}
	wait_all_pages_written(s.mem);
	stress_stop_and_free(&s);
	EXPECT_TRUE(all_pages_written(s.mem));
	EXPECT_EQ(0, s.writers[0].unbacked_exits + s.writers[1].unbacked_exits);
	backing_free(s.mem, DATA_SIZE);
	backing_free(other, 16 * PAGE_SIZE);
}

TEST(deleted_memslot_is_never_written_again)
{
	pthread_barrier_t stopped, resume;
	uint64_t *snapshot, *fresh;
	struct stress_vm s;

	pthread_barrier_init(&stopped, NULL, NR_VCPUS + 1);
	pthread_barrier_init(&resume, NULL, NR_VCPUS + 1);
	snapshot = malloc(DATA_SIZE);
	fresh = backing_alloc(BACKING_ANON, DATA_SIZE);
	ASSERT_TRUE(snapshot && fresh);

	stress_start(&s, &stopped, &resume);
	wait_all_pages_written(s.mem);
	vm_delete_region(s.vm, DATA_SLOT);
	/* From here on no vCPU reaches the old memory. */
	memcpy(snapshot, s.mem, DATA_SIZE);
	pthread_barrier_wait(&stopped);

	/* Memory comes back at the same place, with other backing. */
	vm_add_region(s.vm, DATA_SLOT, 0, DATA_GPA, DATA_SIZE, fresh);
	pthread_barrier_wait(&resume);
	wait_all_pages_written(fresh);
	stress_stop_and_free(&s);

	EXPECT_EQ(0, memcmp(snapshot, s.mem, DATA_SIZE));
	EXPECT_TRUE(all_pages_written(fresh));
	free(snapshot);
	backing_free(fresh, DATA_SIZE);
	backing_free(s.mem, DATA_SIZE);
}

/*
 * Moved away, the slot's memory is out of the vCPUs' reach at the old
 * place; moved back, they write into it again.  (Sending the vCPUs to the
 * new place instead would need the stuck access to complete, which only
 * an instruction emulator can do.)
 */
TEST(moved_memslot_leaves_its_old_place_until_moved_back)
{
	pthread_barrier_t stopped, resume;
	struct stress_vm s;
	uint64_t *snapshot;
	uint64_t before;
	unsigned int i;

	pthread_barrier_init(&stopped, NULL, NR_VCPUS + 1);
	pthread_barrier_init(&resume, NULL, NR_VCPUS + 1);
	snapshot = malloc(DATA_SIZE);
	ASSERT_NE(NULL, snapshot);
	stress_start(&s, &stopped, &resume);
	wait_all_pages_written(s.mem);

	vm_move_region(s.vm, DATA_SLOT, MOVED_GPA);
	memcpy(snapshot, s.mem, DATA_SIZE);
	/* The vCPUs still write to DATA_GPA: they all stop there. */
	pthread_barrier_wait(&stopped);
	EXPECT_EQ(0, memcmp(snapshot, s.mem, DATA_SIZE));

	before = sum_of_pages(s.mem);
	vm_move_region(s.vm, DATA_SLOT, DATA_GPA);
	pthread_barrier_wait(&resume);
	for (i = 0; i < 3000 && sum_of_pages(s.mem) == before; i++)
		usleep(10000);
	stress_stop_and_free(&s);
	EXPECT_NE(before, sum_of_pages(s.mem));
	free(snapshot);
	backing_free(s.mem, DATA_SIZE);
}

/* The slot the vCPUs write to is deleted and re-added, over and over. */
TEST(memslot_delete_and_readd_while_faulting)
{
	struct stress_vm s;
	int i;

	stress_start(&s, NULL, NULL);
	for (i = 0; i < 100; i++) {
		vm_delete_region(s.vm, DATA_SLOT);
		vm_add_region(s.vm, DATA_SLOT, 0, DATA_GPA, DATA_SIZE, s.mem);
	}
	wait_all_pages_written(s.mem);
	stress_stop_and_free(&s);
	EXPECT_TRUE(all_pages_written(s.mem));
	backing_free(s.mem, DATA_SIZE);
}

TEST_HARNESS_MAIN
