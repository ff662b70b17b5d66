// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU lifetimes: thousands of VMs created and destroyed with their
 * fds closed in every order, run pages mapped beyond the fds, memslots
 * present at close, vCPUs never run or run. Afterwards the module
 * reference count and the kernel's memory must be back where they were.
 */
#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "processor.h"

/* The time bound of a loop planned for @seconds on a normal kernel. */
static int loop_seconds(int seconds)
{
	return slow_kernel() ? seconds / 4 : seconds;
}

#define MAX_CYCLE_VCPUS	8
#define SLOT_SIZE	(64 * 1024)
#define CODE_GPA	0x1000
/* A loop stops at its deadline; it must have done at least this many. */
#define MIN_ITERATIONS	(slow_kernel() ? 5 : 50)
/*
 * Seconds a test with a 40 s loop may take in all.  Measured: stock KVM
 * 6.1 in a two-CPU guest under TCG (tools/check's lane) needs ~80 s for
 * the loop and its teardown, more when the host is loaded.
 */
#define CYCLE_TEST_TIMEOUT	150

/* Real-mode guest: OUT 0x5a to port 0x10, then HLT. */
extern const char lc_guest_start[], lc_guest_end[];
asm(".pushsection .text\n"
    ".code16\n"
    "lc_guest_start:\n"
    "	mov $0x5a, %al\n"
    "	out %al, $0x10\n"
    "	hlt\n"
    "lc_guest_end:\n"
    ".code64\n"
    ".popsection\n");

enum close_order {
	CLOSE_VM_FIRST,		/* VM fd, vCPU fds, then the run mappings */
	CLOSE_VCPUS_FIRST,	/* run mappings, vCPU fds, then VM fd */
	CLOSE_INTERLEAVED,	/* vCPU 0, VM, remaining vCPUs, mappings */
	CLOSE_UNMAP_LAST,	/* all fds first; mappings keep the VM alive */
	NR_CLOSE_ORDERS,
};

struct cycle {
	int nr_vcpus;
	bool memslots;
	bool run;
	enum close_order order;
};

struct cycle_state {
	int vm_fd;
	struct kvm_vcpu vcpus[MAX_CYCLE_VCPUS];
	void *mem[2];
};

/* Sum of the reference counts of the module(s) owning the device. */
static long module_refcnt(void)
{
	static const char *const kvm_mods[] = { "kvm", "kvm_amd", "kvm_intel" };
	static const char *const minikvm_mods[] = { "minikvm" };
	bool is_kvm = !strcmp(device_module_name(), "kvm");
	const char *const *mods = is_kvm ? kvm_mods : minikvm_mods;
	unsigned int i, n = is_kvm ? ARRAY_SIZE(kvm_mods) : 1;
	long sum = 0, found = 0;

	for (i = 0; i < n; i++) {
		char path[128];
		long v;

		snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mods[i]);
		v = read_long_file(path);
		if (v >= 0) {
			sum += v;
			found++;
		}
	}
	return found ? sum : -1;
}

static void run_tiny_guest(struct kvm_vcpu *vcpu)
{
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x10, 1) == 0x5a,
		    "wrong OUT value");
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
}

static void close_vcpu_fd(struct kvm_vcpu *vcpu)
{
	TEST_ASSERT(!close(vcpu->fd), "close vCPU fd: %s", strerror(errno));
}

static void unmap_run(struct kvm_vcpu *vcpu)
{
	TEST_ASSERT(!munmap(vcpu->run, vcpu->run_size), "munmap run: %s",
		    strerror(errno));
}

static void cycle_create(int sys_fd, long run_size, const struct cycle *c,
			 struct cycle_state *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->vm_fd = kvm_ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (c->memslots || c->run) {
		for (i = 0; i < 2; i++) {
			struct kvm_userspace_memory_region r = {
				.slot = i,
				.guest_phys_addr = i * 0x100000ULL,
				.memory_size = SLOT_SIZE,
			};

			s->mem[i] = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			TEST_ASSERT(s->mem[i] != MAP_FAILED, "mmap");
			r.userspace_addr = (uint64_t)(uintptr_t)s->mem[i];
			TEST_ASSERT(!ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r),
				    "set memslot %d: %s", i, strerror(errno));
		}
		memcpy((uint8_t *)s->mem[0] + CODE_GPA, lc_guest_start,
		       lc_guest_end - lc_guest_start);
	}
	for (i = 0; i < c->nr_vcpus; i++) {
		struct kvm_vcpu *v = &s->vcpus[i];

		v->id = i;
		v->fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, i);
		TEST_ASSERT(v->fd >= 0, "create vCPU %d: %s", i, strerror(errno));
		v->run_size = run_size;
		v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      v->fd, 0);
		TEST_ASSERT(v->run != MAP_FAILED, "mmap run: %s", strerror(errno));
		if (c->run)
			run_tiny_guest(v);
	}
}

static void cycle_destroy(const struct cycle *c, struct cycle_state *s)
{
	int i, n = c->nr_vcpus;

	switch (c->order) {
	case CLOSE_VM_FIRST:
		close(s->vm_fd);
		for (i = 0; i < n; i++)
			close_vcpu_fd(&s->vcpus[i]);
		for (i = 0; i < n; i++)
			unmap_run(&s->vcpus[i]);
		break;
	case CLOSE_VCPUS_FIRST:
		for (i = n - 1; i >= 0; i--) {
			unmap_run(&s->vcpus[i]);
			close_vcpu_fd(&s->vcpus[i]);
		}
		close(s->vm_fd);
		break;
	case CLOSE_INTERLEAVED:
		if (n)
			close_vcpu_fd(&s->vcpus[0]);
		close(s->vm_fd);
		for (i = 1; i < n; i++)
			close_vcpu_fd(&s->vcpus[i]);
		for (i = 0; i < n; i++)
			unmap_run(&s->vcpus[i]);
		break;
	case CLOSE_UNMAP_LAST:
		for (i = 0; i < n; i++)
			close_vcpu_fd(&s->vcpus[i]);
		close(s->vm_fd);
		/* The mappings still work and show the last exit. */
		for (i = 0; i < n; i++) {
			struct kvm_run *run = s->vcpus[i].run;

			TEST_ASSERT(!c->run || run->exit_reason == KVM_EXIT_HLT,
				    "run page of a closed vCPU lost its state");
			run->immediate_exit = 1;
		}
		for (i = 0; i < n; i++)
			unmap_run(&s->vcpus[i]);
		break;
	default:
		TEST_FAIL("bad close order %d", c->order);
	}
	/* Memslot memory is released only after the VM is gone. */
	for (i = 0; i < 2; i++)
		if (s->mem[i])
			munmap(s->mem[i], SLOT_SIZE);
}

FIXTURE(lifecycle) {
	int sys_fd;
	long run_size;
	long refcnt_baseline;
};

FIXTURE_SETUP(lifecycle)
{
	self->sys_fd = open_device();
	if (self->sys_fd < 0)
		SKIP(return, "%s: %s", minikvm_device_path(), strerror(errno));
	self->run_size = ioctl(self->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_LT(0, self->run_size);
	self->refcnt_baseline = module_refcnt();
}

FIXTURE_TEARDOWN(lifecycle)
{
	if (self->sys_fd >= 0)
		close(self->sys_fd);
}

/*
 * Runs up to @iterations cycles of @c (the close order rotating when
 * @rotate_order), stopping at @seconds. Return: the cycles done.
 */
static int run_cycles(FIXTURE_DATA(lifecycle) *self, struct cycle c,
		      int iterations, bool rotate_order, int seconds)
{
	uint64_t deadline = now_ns() + (uint64_t)loop_seconds(seconds) * 1000000000ULL;
	struct cycle_state s;
	int i;

	for (i = 0; i < iterations && now_ns() < deadline; i++) {
		if (rotate_order)
			c.order = i % NR_CLOSE_ORDERS;
		cycle_create(self->sys_fd, self->run_size, &c, &s);
		cycle_destroy(&c, &s);
	}
	return i;
}

static void expect_refcnt_at_baseline(struct __test_metadata *_metadata,
				      FIXTURE_DATA(lifecycle) *self)
{
	if (self->refcnt_baseline < 0) {
		TH_LOG("no /sys/module/*/refcnt for %s", minikvm_device_path());
		return;
	}
	EXPECT_EQ(self->refcnt_baseline, module_refcnt());
}

#define EXPECT_ITERATIONS(done, wanted)                                      \
	do {                                                                 \
		int __done = (done); /* evaluate (run the loop) once */      \
		if (__done < (wanted))                                       \
			TH_LOG("time bound hit after %d of %d cycles",       \
			       __done, (wanted));                            \
		EXPECT_LE(MIN_ITERATIONS, __done);                           \
	} while (0)

TEST_F_TIMEOUT(lifecycle, vm_fd_closed_before_vcpu_fds, CYCLE_TEST_TIMEOUT)
{
	struct cycle c = { .nr_vcpus = 2, .order = CLOSE_VM_FIRST };

	EXPECT_ITERATIONS(run_cycles(self, c, 400, false, 40), 400);
	expect_refcnt_at_baseline(_metadata, self);
}

TEST_F_TIMEOUT(lifecycle, vcpu_fds_closed_before_vm_fd_with_memslots, CYCLE_TEST_TIMEOUT)
{
	struct cycle c = { .nr_vcpus = 2, .memslots = true,
			   .order = CLOSE_VCPUS_FIRST };

	EXPECT_ITERATIONS(run_cycles(self, c, 400, false, 40), 400);
	expect_refcnt_at_baseline(_metadata, self);
}

TEST_F_TIMEOUT(lifecycle, run_mapping_outlives_all_fds, CYCLE_TEST_TIMEOUT)
{
	struct cycle c = { .nr_vcpus = 1, .memslots = true, .run = true,
			   .order = CLOSE_UNMAP_LAST };

	EXPECT_ITERATIONS(run_cycles(self, c, 300, false, 40), 300);
	expect_refcnt_at_baseline(_metadata, self);
}

TEST_F_TIMEOUT(lifecycle, run_vcpus_closed_in_every_order, CYCLE_TEST_TIMEOUT)
{
	struct cycle c = { .nr_vcpus = 3, .memslots = true, .run = true };

	EXPECT_ITERATIONS(run_cycles(self, c, 300, true, 40), 300);
	expect_refcnt_at_baseline(_metadata, self);
}

TEST_F_TIMEOUT(lifecycle, many_vcpus_per_vm, CYCLE_TEST_TIMEOUT)
{
	struct cycle c = { .nr_vcpus = MAX_CYCLE_VCPUS };

	EXPECT_ITERATIONS(run_cycles(self, c, 150, true, 40), 150);
	expect_refcnt_at_baseline(_metadata, self);
}

/* Each open VM holds a module reference; the last close drops it. */
TEST_F(lifecycle, open_vm_and_run_mapping_hold_module_reference)
{
	struct cycle c = { .nr_vcpus = 1, .memslots = true,
			   .order = CLOSE_UNMAP_LAST };
	struct cycle_state s;
	int i;

	if (self->refcnt_baseline < 0)
		SKIP(return, "no module refcnt in sysfs");
	cycle_create(self->sys_fd, self->run_size, &c, &s);
	EXPECT_LT(self->refcnt_baseline, module_refcnt());
	/* Only the run mapping is left: it still pins the VM. */
	close_vcpu_fd(&s.vcpus[0]);
	close(s.vm_fd);
	EXPECT_LT(self->refcnt_baseline, module_refcnt());
	unmap_run(&s.vcpus[0]);
	for (i = 0; i < 2; i++)
		munmap(s.mem[i], SLOT_SIZE);
	expect_refcnt_at_baseline(_metadata, self);
}

/* The vCPU keeps its VM (and memslots) alive after the VM fd is closed. */
TEST_F(lifecycle, vcpu_runs_after_vm_fd_closed)
{
	struct cycle c = { .nr_vcpus = 1, .memslots = true,
			   .order = CLOSE_VCPUS_FIRST };
	struct cycle_state s;
	int i;

	for (i = 0; i < 50; i++) {
		cycle_create(self->sys_fd, self->run_size, &c, &s);
		ASSERT_EQ(0, close(s.vm_fd));
		run_tiny_guest(&s.vcpus[0]);
		unmap_run(&s.vcpus[0]);
		close_vcpu_fd(&s.vcpus[0]);
		munmap(s.mem[0], SLOT_SIZE);
		munmap(s.mem[1], SLOT_SIZE);
	}
	expect_refcnt_at_baseline(_metadata, self);
}

/*
 * Memory leak check: many mixed cycles, then Slab and MemAvailable must be
 * back within a tolerance far below what the cycles allocated (a leaked vCPU
 * alone is several pages). Freed memory may take an RCU grace period or two
 * to return, so the check is retried for a few seconds.
 */
#define LEAK_CYCLES		600
#define SLAB_TOLERANCE_KB	(4 * 1024)
#define AVAIL_TOLERANCE_KB	(8 * 1024)

TEST_F_TIMEOUT(lifecycle, memory_returns_to_baseline, 120)
{
	struct cycle c = { .nr_vcpus = 2, .memslots = true, .run = true };
	long slab0, avail0, slab = 0, avail = 0;
	int done, tries;

	/* Warm up caches so that first-use allocations are not counted. */
	run_cycles(self, c, 20, true, 30);
	usleep(200 * 1000);
	slab0 = meminfo_kb("Slab");
	avail0 = meminfo_kb("MemAvailable");
	ASSERT_LT(0, slab0);
	ASSERT_LT(0, avail0);

	done = run_cycles(self, c, LEAK_CYCLES, true, 80);
	EXPECT_ITERATIONS(done, LEAK_CYCLES);

	for (tries = 0; tries < 30; tries++) {
		slab = meminfo_kb("Slab");
		avail = meminfo_kb("MemAvailable");
		if (slab - slab0 <= SLAB_TOLERANCE_KB &&
		    avail0 - avail <= AVAIL_TOLERANCE_KB)
			break;
		usleep(100 * 1000);
	}
	TH_LOG("%d cycles: Slab %ld -> %ld kB, MemAvailable %ld -> %ld kB",
	       done, slab0, slab, avail0, avail);
	EXPECT_GE(SLAB_TOLERANCE_KB, slab - slab0);
	EXPECT_GE(AVAIL_TOLERANCE_KB, avail0 - avail);
	expect_refcnt_at_baseline(_metadata, self);
}

TEST_HARNESS_MAIN
