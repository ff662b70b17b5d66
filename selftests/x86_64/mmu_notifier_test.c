// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory follows the host mapping (KVM_CAP_SYNC_MMU): munmap, mmap
 * MAP_FIXED, madvise(MADV_DONTNEED), mprotect and fork's copy-on-write are
 * seen by the guest at once, also while vCPUs run.  Guest pages are not
 * pinned; the MMU notifier keeps the guest's view and the host's in step.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
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
#define NR_VCPUS	2

/* The probe guest: read or write one quadword, report with GUEST_SYNC. */
static uint64_t probe_gpa, probe_write, probe_val;

static void guest_probe(void)
{
	for (;;) {
		volatile uint64_t *p = (volatile uint64_t *)GUEST_READ(probe_gpa);

		if (GUEST_READ(probe_write)) {
			*p = GUEST_READ(probe_val);
			GUEST_SYNC(0);
		} else {
			GUEST_SYNC(*p);
		}
	}
}

static void probe_setup(struct kvm_vcpu *vcpu, gpa_t gpa, bool write, uint64_t val)
{
	GUEST_GLOBAL(vcpu->vm, probe_gpa) = gpa;
	GUEST_GLOBAL(vcpu->vm, probe_write) = write;
	GUEST_GLOBAL(vcpu->vm, probe_val) = val;
}

/* What the guest reads at @gpa. */
static uint64_t guest_read(struct kvm_vcpu *vcpu, gpa_t gpa)
{
	struct ucall uc;

	probe_setup(vcpu, gpa, false, 0);
	TEST_ASSERT(vcpu_run_to_ucall(vcpu, &uc) == UCALL_SYNC, "no sync");
	return uc.args[0];
}

/* The guest writes @val at @gpa.  Return: 0, or KVM_RUN's errno. */
static int guest_write(struct kvm_vcpu *vcpu, gpa_t gpa, uint64_t val)
{
	struct ucall uc;

	probe_setup(vcpu, gpa, true, val);
	if (__vcpu_run(vcpu))
		return errno;
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC, "no sync");
	return 0;
}

static uint64_t *page_of(void *mem, unsigned int page)
{
	return (uint64_t *)((uint8_t *)mem + (uint64_t)page * PAGE_SIZE);
}

/* Small kernels (the debug kernel's tinyconfig) may lack madvise(). */
static bool have_madvise(void)
{
	return madvise(NULL, 0, MADV_NORMAL) == 0 || errno != ENOSYS;
}

/* Discard @n pages at @first: MADV_DONTNEED, or a fresh mapping without it. */
static void discard(void *mem, unsigned int first, unsigned int n)
{
	void *p = page_of(mem, first);

	if (have_madvise())
		TEST_ASSERT(!madvise(p, n * PAGE_SIZE, MADV_DONTNEED), "madvise");
	else
		TEST_ASSERT(mmap(p, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p,
			    "mmap");
}

struct probe_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	void *mem;
};

static void probe_vm_create(struct probe_vm *p)
{
	p->vm = vm_create_with_one_vcpu(&p->vcpu, guest_probe);
	p->mem = backing_alloc(BACKING_ANON, DATA_SIZE);
	TEST_ASSERT(p->mem, "mmap");
	vm_add_region(p->vm, DATA_SLOT, 0, DATA_GPA, DATA_SIZE, p->mem);
}

static void probe_vm_free(struct probe_vm *p)
{
	kvm_vm_free(p->vm);
	munmap(p->mem, DATA_SIZE);
}

TEST(madvise_dontneed_is_seen_by_the_guest)
{
	struct probe_vm p;

	if (!have_madvise())
		SKIP(return, "no madvise() in this kernel");
	probe_vm_create(&p);
	*page_of(p.mem, 5) = 0x5555;
	EXPECT_EQ(0x5555, guest_read(p.vcpu, DATA_GPA + 5 * PAGE_SIZE));
	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA + 6 * PAGE_SIZE, 0x6666));
	EXPECT_EQ(0x6666, *page_of(p.mem, 6));

	/* Private anonymous memory reads as zeros after MADV_DONTNEED. */
	ASSERT_EQ(0, madvise(p.mem, DATA_SIZE, MADV_DONTNEED));
	EXPECT_EQ(0, guest_read(p.vcpu, DATA_GPA + 5 * PAGE_SIZE));
	EXPECT_EQ(0, guest_read(p.vcpu, DATA_GPA + 6 * PAGE_SIZE));

	/* And the guest's next write lands in the host's new page. */
	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA + 5 * PAGE_SIZE, 0x7777));
	EXPECT_EQ(0x7777, *page_of(p.mem, 5));
	probe_vm_free(&p);
}

TEST(mmap_fixed_over_guest_memory_replaces_it)
{
	struct probe_vm p;
	void *again;

	probe_vm_create(&p);
	*page_of(p.mem, 1) = 0x1111;
	EXPECT_EQ(0x1111, guest_read(p.vcpu, DATA_GPA + PAGE_SIZE));

	again = mmap(p.mem, DATA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(p.mem, again);
	*page_of(p.mem, 1) = 0x2222;
	EXPECT_EQ(0x2222, guest_read(p.vcpu, DATA_GPA + PAGE_SIZE));
	probe_vm_free(&p);
}

TEST(munmapped_guest_memory_fails_kvm_run_with_efault)
{
	struct probe_vm p;

	probe_vm_create(&p);
	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA, 0x1));
	ASSERT_EQ(0, munmap(p.mem, DATA_SIZE));
	EXPECT_EQ(EFAULT, guest_write(p.vcpu, DATA_GPA, 0x2));

	/*
	 * Mapped again: the guest is still at the failed write (its value
	 * already in a register), which now lands in the new memory.
	 */
	ASSERT_EQ(p.mem, mmap(p.mem, DATA_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA, 0x3));
	EXPECT_EQ(0x2, *page_of(p.mem, 0));
	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA, 0x3));
	EXPECT_EQ(0x3, *page_of(p.mem, 0));
	probe_vm_free(&p);
}

TEST(read_only_host_mapping_allows_reads_and_fails_writes)
{
	struct probe_vm p;

	probe_vm_create(&p);
	*page_of(p.mem, 2) = 0x2222;
	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA + 3 * PAGE_SIZE, 0x3333));

	ASSERT_EQ(0, mprotect(p.mem, DATA_SIZE, PROT_READ));
	EXPECT_EQ(0x2222, guest_read(p.vcpu, DATA_GPA + 2 * PAGE_SIZE));
	/* The page was mapped writable before: mprotect took that away. */
	EXPECT_EQ(EFAULT, guest_write(p.vcpu, DATA_GPA + 3 * PAGE_SIZE, 0x4444));
	EXPECT_EQ(0x3333, *page_of(p.mem, 3));

	ASSERT_EQ(0, mprotect(p.mem, DATA_SIZE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA + 3 * PAGE_SIZE, 0x4444));
	EXPECT_EQ(0x4444, *page_of(p.mem, 3));
	probe_vm_free(&p);
}

/*
 * fork() makes the VM's private memory copy-on-write: the guest's writes
 * after the fork must go to the parent's own copy, never into the page the
 * child now shares.
 */
TEST(fork_keeps_guest_writes_out_of_the_child)
{
	int go[2], status;
	struct probe_vm p;
	char c = 0;
	pid_t pid;

	probe_vm_create(&p);
	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA, 0xaaaa));
	ASSERT_EQ(0, pipe(go));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child: wait until the guest wrote again, then look. */
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(*page_of(p.mem, 0) == 0xaaaa ? 0 : 1);
	}

	EXPECT_EQ(0, guest_write(p.vcpu, DATA_GPA, 0xbbbb));
	EXPECT_EQ(0xbbbb, *page_of(p.mem, 0));
	EXPECT_EQ(0xbbbb, guest_read(p.vcpu, DATA_GPA));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child saw the parent's guest write");
	close(go[0]);
	close(go[1]);
	probe_vm_free(&p);
}

/*
 * The storm: vCPUs write all over the data slot while the host discards
 * and remaps parts of it; then the guest must see exactly what the host
 * wrote afterwards, page by page.
 */
static uint64_t storm_phase;	/* 0: write storm, 1: verify, 2: done */
static uint64_t storm_pass;

static void guest_storm(uint64_t id)
{
	uint64_t i, bad;

	while (GUEST_READ(storm_phase) == 0)
		for (i = id; i < DATA_PAGES; i += NR_VCPUS)
			*(volatile uint64_t *)(DATA_GPA + i * PAGE_SIZE) = (id << 32) | i;
	GUEST_SYNC(0);

	while (GUEST_READ(storm_phase) == 1) {
		bad = 0;
		for (i = id; i < DATA_PAGES; i += NR_VCPUS)
			if (*(volatile uint64_t *)(DATA_GPA + i * PAGE_SIZE) !=
			    (i ^ GUEST_READ(storm_pass)))
				bad++;
		GUEST_SYNC(bad);
	}
	GUEST_DONE();
}

static void host_storm(void *mem, unsigned int rounds)
{
	unsigned int r, first, n;

	for (r = 0; r < rounds; r++) {
		first = (r * 97) % DATA_PAGES;
		n = 1 + (r * 13) % 64;
		if (first + n > DATA_PAGES)
			n = DATA_PAGES - first;
		if (r % 3)
			discard(mem, first, n);
		else
			TEST_ASSERT(mmap(page_of(mem, first), n * PAGE_SIZE,
					 PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
				    page_of(mem, first), "mmap");
		usleep(1000);
	}
}

static void *storm_vcpu(void *arg)
{
	struct kvm_vcpu *vcpu = arg;

	vcpu_expect_sync(vcpu, 0);
	return NULL;
}

TEST(discard_and_remap_while_vcpus_write_leaves_no_stale_page)
{
	struct kvm_vcpu *vcpus[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	struct ucall uc;
	unsigned int i, pass;
	struct kvm_vm *vm;
	void *mem;

	vm = vm_create_with_vcpus(NR_VCPUS, guest_storm, vcpus);
	mem = backing_alloc(BACKING_ANON, DATA_SIZE);
	ASSERT_NE(NULL, mem);
	vm_add_region(vm, DATA_SLOT, 0, DATA_GPA, DATA_SIZE, mem);
	for (i = 0; i < NR_VCPUS; i++) {
		vcpu_args_set(vcpus[i], 1, (uint64_t)i);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, storm_vcpu, vcpus[i]));
	}
	host_storm(mem, 200);
	GUEST_GLOBAL(vm, storm_phase) = 1;
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));

	/* Twice: once onto fresh pages, once over pages the guest has mapped. */
	for (pass = 1; pass <= 2; pass++) {
		for (i = 0; i < DATA_PAGES; i++)
			*page_of(mem, i) = i ^ pass;
		GUEST_GLOBAL(vm, storm_pass) = pass;
		for (i = 0; i < NR_VCPUS; i++) {
			ASSERT_EQ(UCALL_SYNC, vcpu_run_to_ucall(vcpus[i], &uc));
			EXPECT_EQ(0, uc.args[0]) TH_LOG("vCPU %u pass %u: stale pages", i, pass);
		}
		discard(mem, 0, DATA_PAGES / 2);
	}
	GUEST_GLOBAL(vm, storm_phase) = 2;
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_expect_done(vcpus[i]);
	kvm_vm_free(vm);
	munmap(mem, DATA_SIZE);
}

TEST_HARNESS_MAIN
