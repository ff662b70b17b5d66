// SPDX-License-Identifier: GPL-2.0
/*
 * Several vCPUs per VM on several host CPUs: a 4-vCPU guest doing work on
 * every vCPU (shared memory, atomics, a barrier, per-vCPU CPUID), vCPU
 * threads moved between host CPUs while they run the guest, and memslot
 * changes that must reach vCPUs running in guest mode (requests, kicks,
 * TLB flushes).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "cpu_state.h"
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

#define NR_VCPUS	4
#define NR_ITEMS	4096
#define NR_ADDS		1000
#define NR_ROUNDS	16
#define SZ_1G		(1ULL << 30)

static uint64_t items[NR_ITEMS];
static volatile uint64_t partial[NR_VCPUS];
static volatile uint64_t counter;
static volatile uint32_t arrived;

/* CPUID.1:EBX[31:24], the initial APIC id the host put in each table. */
static uint32_t apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

static void guest_work(uint64_t id, uint64_t nr)
{
	uint64_t i, sum = 0, last, now;

	GUEST_ASSERT_EQ(apic_id(), id);
	for (i = id; i < NR_ITEMS; i += nr)
		sum += items[i];
	partial[id] = sum;
	for (i = 0; i < NR_ADDS; i++)
		__atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < nr)
		cpu_relax();
	GUEST_ASSERT_EQ(counter, nr * NR_ADDS);

	/* The host moves this vCPU's thread between CPUs at each sync. */
	last = rdtsc();
	for (i = 0; i < NR_ROUNDS; i++) {
		GUEST_SYNC2(id, i);
		now = rdtsc();
		GUEST_ASSERT(now > last);
		last = now;
	}
	GUEST_DONE();
}

struct vcpu_thread {
	struct kvm_vcpu *vcpu;
	pthread_t thread;
	int nr_cpus;
	uint64_t cpus_seen;	/* bitmap of host CPUs it ran on */
};

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set),
		    "sched_setaffinity: %s", strerror(errno));
}

static void *run_work(void *arg)
{
	struct vcpu_thread *t = arg;
	struct ucall uc;
	uint64_t i;

	for (i = 0; i < NR_ROUNDS; i++) {
		pin_to((t->vcpu->id + i) % t->nr_cpus);
		TEST_ASSERT(vcpu_run_to_ucall(t->vcpu, &uc) == UCALL_SYNC &&
			    uc.args[0] == t->vcpu->id && uc.args[1] == i,
			    "vCPU %u: bad sync %llu", t->vcpu->id,
			    (unsigned long long)uc.args[1]);
		t->cpus_seen |= 1ULL << (sched_getcpu() % 64);
	}
	vcpu_expect_done(t->vcpu);
	return NULL;
}

/* Each vCPU's CPUID says which one it is. */
static void set_apic_id(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vcpu->vm->sys_fd);
	struct kvm_cpuid_entry2 *leaf1 = cpuid_find(c, 1, 0);

	leaf1->ebx = (leaf1->ebx & 0x00ffffff) | vcpu->id << 24;
	vcpu_set_cpuid(vcpu, c);
	free(c);
}

TEST(four_vcpus_each_do_their_share_on_moving_host_cpus)
{
	struct kvm_vcpu *vcpus[NR_VCPUS];
	struct kvm_vm *vm = vm_create_with_vcpus(NR_VCPUS, guest_work, vcpus);
	struct vcpu_thread t[NR_VCPUS];
	uint64_t *guest_items = addr_gpa2hva(vm, (gpa_t)(uintptr_t)items);
	uint64_t expected[NR_VCPUS] = { 0 };
	int nr_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i;

	for (i = 0; i < NR_ITEMS; i++) {
		guest_items[i] = i * 7 + 1;
		expected[i % NR_VCPUS] += i * 7 + 1;
	}
	for (i = 0; i < NR_VCPUS; i++) {
		set_apic_id(vcpus[i]);
		vcpu_args_set(vcpus[i], 2, (uint64_t)i, (uint64_t)NR_VCPUS);
		t[i] = (struct vcpu_thread){ .vcpu = vcpus[i], .nr_cpus = nr_cpus };
		ASSERT_EQ(0, pthread_create(&t[i].thread, NULL, run_work, &t[i]));
	}
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_join(t[i].thread, NULL));
	for (i = 0; i < NR_VCPUS; i++) {
		EXPECT_EQ(expected[i], *(uint64_t *)addr_gpa2hva(vm,
				(gpa_t)(uintptr_t)&partial[i])) TH_LOG("vCPU %u", i);
		if (nr_cpus > 1)
			EXPECT_LT(1, __builtin_popcountll(t[i].cpus_seen))
				TH_LOG("vCPU %u ran on one host CPU only", i);
	}
	kvm_vm_free(vm);
}

/*
 * Memslot changes under running vCPUs: vCPU 0 reads a slot that the host
 * replaces with new memory again and again at the same address; the other
 * vCPUs spin in guest mode.  Every removal must reach them all (a TLB
 * flush request and an IPI) before the old memory is gone.
 */
#define CHURN_SLOT	1
#define CHURN_GPA	(2 * SZ_1G)
#define CHURN_SIZE	(64 * 1024)
#define NR_GENERATIONS	20

static volatile uint64_t generation, seen_generation, stop;
static volatile uint64_t spins[NR_VCPUS];

static void guest_churn(uint64_t id)
{
	volatile uint64_t *slot = (uint64_t *)CHURN_GPA;
	uint64_t have = 0;

	while (!stop) {
		uint64_t want = generation;

		if (id == 0 && want != have) {
			GUEST_ASSERT_EQ(slot[want % (CHURN_SIZE / 8)], want);
			seen_generation = want;
			have = want;
		}
		spins[id]++;
	}
	GUEST_DONE();
}

static void *run_to_done(void *arg)
{
	vcpu_expect_done(arg);
	return NULL;
}

#define GUEST_VAR(vm, var) \
	(*(volatile uint64_t *)addr_gpa2hva(vm, (gpa_t)(uintptr_t)&(var)))

static bool wait_for(volatile uint64_t *p, uint64_t value)
{
	uint64_t deadline = now_ns() + 30 * 1000000000ULL;

	while (*p != value && now_ns() < deadline)
		usleep(100);
	return *p == value;
}

TEST(memslot_changes_reach_vcpus_running_in_guest_mode)
{
	struct kvm_vcpu *vcpus[NR_VCPUS];
	struct kvm_vm *vm = vm_create_with_vcpus(NR_VCPUS, guest_churn, vcpus);
	pthread_t th[NR_VCPUS];
	uint64_t gen;
	unsigned int i;

	for (i = 0; i < NR_VCPUS; i++) {
		vcpu_args_set(vcpus[i], 1, (uint64_t)i);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, run_to_done, vcpus[i]));
	}
	for (gen = 1; gen <= NR_GENERATIONS; gen++) {
		uint64_t *mem = mmap(NULL, CHURN_SIZE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, mem);
		mem[gen % (CHURN_SIZE / 8)] = gen;
		vm_set_user_memory_region(vm, CHURN_SLOT, 0, CHURN_GPA,
					  CHURN_SIZE, mem);
		GUEST_VAR(vm, generation) = gen;
		ASSERT_TRUE(wait_for(&GUEST_VAR(vm, seen_generation), gen))
			TH_LOG("generation %llu not seen", (unsigned long long)gen);
		vm_set_user_memory_region(vm, CHURN_SLOT, 0, CHURN_GPA, 0, mem);
		munmap(mem, CHURN_SIZE);
	}
	GUEST_VAR(vm, stop) = 1;
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	for (i = 0; i < NR_VCPUS; i++)
		EXPECT_LT(0, GUEST_VAR(vm, spins[i])) TH_LOG("vCPU %u", i);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
