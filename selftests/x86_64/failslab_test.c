// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure injection: every allocation the device's module makes
 * while creating a VM, a vCPU or a memslot, or while the first KVM_RUN
 * faults guest memory in, is made to fail once, and each time the ioctl
 * must either succeed anyway or fail with a clean errno, and the VM must
 * stay usable.  Leaks are kmemleak's to find (the debug lane scans after
 * the suite), memory errors KASAN's, both on the debug kernel.
 *
 * Mechanism (Documentation/fault-injection/fault-injection.rst):
 *  - failslab and fail_page_alloc, with ignore-gfp-wait=N (our allocations
 *    may sleep) and, where the kernel has the stack filter, require-start/
 *    require-end set to the module's text: only allocations with the
 *    module on the call stack are candidates;
 *  - the systematic tests arm /proc/thread-self/fail-nth with N around one
 *    ioctl, so that its N-th candidate allocation fails, for N = 1, 2, ...
 *    until an ioctl makes fewer than N allocations: every allocation site
 *    on that path fails once;
 *  - the random test uses the classic knobs (task-filter, make-it-fail,
 *    probability, times) to fail 10% of the candidates over whole VM
 *    lifecycles, so that several failures meet in one operation.
 * verbose=0 keeps the "forcing a failure" stack dumps out of dmesg.
 *
 * SKIP on kernels without failslab in debugfs (Debian's stock kernels), and
 * for a device whose module is not named in $FAILSLAB_MODULES when that is
 * set: the debug lane sets it to "minikvm", because stock KVM has ten times
 * as many allocation sites and its sweep takes more than 15 minutes under
 * TCG and KASAN (run it by hand with MINIKVM_DEVICE=/dev/kvm).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "processor.h"

#define FAULT_DIR	"/sys/kernel/debug"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAKE_IT_FAIL	"/proc/thread-self/make-it-fail"
/* More allocations than this on one path means fail-nth is not working. */
#define MAX_SITES	2000
/*
 * Seconds per test: each injected failure costs a VM (stock KVM's first
 * KVM_RUN alone has a few hundred allocation sites) under TCG and KASAN.
 */
#define FAILSLAB_TIMEOUT	600

#define SZ_1M		(1ULL << 20)
#define SZ_1G		(1ULL << 30)
#define CODE_GPA	0x1000
#define HIGH_GPA	SZ_1G		/* memslot 1: other NPT tables */

/* One debugfs knob we change, with its value before the test. */
struct knob {
	char path[128];
	char saved[64];
	bool changed;
};

#define MAX_KNOBS	32

static struct knob knobs[MAX_KNOBS];
static unsigned int nr_knobs;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Set @attr/@name to @val, remembering the old value; missing knobs are ok. */
static void set_knob(const char *attr, const char *name, const char *val)
{
	struct knob *k = &knobs[nr_knobs];

	TEST_ASSERT(nr_knobs < MAX_KNOBS, "too many knobs");
	snprintf(k->path, sizeof(k->path), FAULT_DIR "/%s/%s", attr, name);
	if (read_file(k->path, k->saved, sizeof(k->saved)))
		return;
	TEST_ASSERT(!write_file(k->path, val), "cannot write %s to %s: %s",
		    val, k->path, strerror(errno));
	k->changed = true;
	nr_knobs++;
}

static void restore_knobs(void)
{
	while (nr_knobs) {
		struct knob *k = &knobs[--nr_knobs];

		if (k->changed && write_file(k->path, k->saved))
			ksft_print_msg("cannot restore %s to %s\n", k->path, k->saved);
		k->changed = false;
	}
}

/*
 * The text of module @name per /proc/kallsyms: from its lowest function to
 * the next symbol of anything else above its highest one.
 */
static bool module_text_range(const char *name, uint64_t *start, uint64_t *end)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], tag[80], type;
	uint64_t addr, lo = UINT64_MAX, hi = 0, next = UINT64_MAX;

	if (!f)
		return false;
	snprintf(tag, sizeof(tag), "[%s]", name);
	while (fgets(line, sizeof(line), f)) {
		bool mine = strstr(line, tag) != NULL;

		if (sscanf(line, "%" SCNx64 " %c", &addr, &type) != 2 || !addr)
			continue;
		if (mine && (type == 't' || type == 'T')) {
			lo = addr < lo ? addr : lo;
			hi = addr > hi ? addr : hi;
		}
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, tag) ||
		    sscanf(line, "%" SCNx64 " %c", &addr, &type) != 2)
			continue;
		if (addr > hi && addr < next)
			next = addr;
	}
	fclose(f);
	if (lo > hi)
		return false;
	*start = lo;
	/* No neighbour above: allow 1 MiB for the last function. */
	*end = next != UINT64_MAX ? next : hi + SZ_1M;
	return true;
}

static void setup_fault_attr(const char *attr, uint64_t start, uint64_t end)
{
	char buf[32];

	set_knob(attr, "probability", "0");
	set_knob(attr, "verbose", "0");
	set_knob(attr, "ignore-gfp-wait", "N");
	set_knob(attr, "times", "-1");
	set_knob(attr, "interval", "1");
	set_knob(attr, "space", "0");
	set_knob(attr, "task-filter", "Y");
	set_knob(attr, "stacktrace-depth", "32");
	if (start) {
		snprintf(buf, sizeof(buf), "0x%" PRIx64, start);
		set_knob(attr, "require-start", buf);
		snprintf(buf, sizeof(buf), "0x%" PRIx64, end);
		set_knob(attr, "require-end", buf);
	}
}

static int fail_nth_fd = -1;

/* The module's next @n-th candidate allocation in this thread fails. */
static void fail_nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	TEST_ASSERT(pwrite(fail_nth_fd, buf, len, 0) == len, "write %s: %s",
		    FAIL_NTH, strerror(errno));
}

/* Disarm; return whether the armed failure was injected. */
static bool fail_nth_disarm(void)
{
	char buf[16] = "";
	bool injected;

	TEST_ASSERT(pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) > 0, "read %s: %s",
		    FAIL_NTH, strerror(errno));
	injected = atoi(buf) == 0;
	TEST_ASSERT(pwrite(fail_nth_fd, "0", 1, 0) == 1, "write %s: %s",
		    FAIL_NTH, strerror(errno));
	return injected;
}

static void make_it_fail(bool on)
{
	TEST_ASSERT(!write_file(MAKE_IT_FAIL, on ? "1" : "0"), "write %s: %s",
		    MAKE_IT_FAIL, strerror(errno));
}

static void set_probability(const char *percent)
{
	TEST_ASSERT(!write_file(FAULT_DIR "/failslab/probability", percent),
		    "failslab/probability: %s", strerror(errno));
	write_file(FAULT_DIR "/fail_page_alloc/probability", percent);
}

/* Is the device's module one that $FAILSLAB_MODULES (if set) selects? */
static bool module_selected(const char *module)
{
	const char *list = getenv("FAILSLAB_MODULES");
	size_t len = strlen(module);
	const char *p;

	if (!list)
		return true;
	for (p = strstr(list, module); p; p = strstr(p + 1, module))
		if ((p == list || p[-1] == ' ') && (p[len] == 0 || p[len] == ' '))
			return true;
	return false;
}

/* Allocation failure may surface as these, and only these. */
static bool clean_errno(int e, bool run)
{
	return e == ENOMEM || (run && e == EFAULT);
}

FIXTURE(failslab) {
	int sys_fd;
	unsigned int sites;	/* allocation sites the test failed */
};

FIXTURE_SETUP(failslab)
{
	const char *module = device_module_name();
	uint64_t start = 0, end = 0;

	self->sys_fd = -1;
	if (access(FAULT_DIR "/failslab/probability", W_OK) ||
	    access(FAIL_NTH, W_OK))
		SKIP(return, "no failslab in debugfs or no %s (not a debug kernel)",
		     FAIL_NTH);
	if (!module_selected(module))
		SKIP(return, "module %s is not in FAILSLAB_MODULES=%s", module,
		     getenv("FAILSLAB_MODULES"));
	self->sys_fd = open_device();
	if (self->sys_fd < 0)
		SKIP(return, "%s: %s", minikvm_device_path(), strerror(errno));

	if (!module_text_range(module, &start, &end))
		TH_LOG("no text of module %s in /proc/kallsyms: no stack filter",
		       module);
	else
		TH_LOG("stack filter: %s text %#" PRIx64 "-%#" PRIx64, module,
		       start, end);
	setup_fault_attr("failslab", start, end);
	if (!access(FAULT_DIR "/fail_page_alloc/probability", W_OK)) {
		setup_fault_attr("fail_page_alloc", start, end);
		/* Guest memory is GFP_HIGHUSER_MOVABLE; failing it too. */
		set_knob("fail_page_alloc", "ignore-gfp-highmem", "N");
		set_knob("fail_page_alloc", "min-order", "0");
	}
	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fail_nth_fd);
}

FIXTURE_TEARDOWN(failslab)
{
	if (fail_nth_fd >= 0) {
		fail_nth_disarm();
		close(fail_nth_fd);
		fail_nth_fd = -1;
	}
	write_file(MAKE_IT_FAIL, "0");
	restore_knobs();
	if (self->sys_fd >= 0)
		close(self->sys_fd);
	if (self->sites)
		TH_LOG("%u allocation failures injected, all handled", self->sites);
}

/*
 * Rounds n = 1, 2, ...: the body arms fail-nth with n around one operation
 * and sets @injected from fail_nth_disarm(); the loop ends after the first
 * round whose operation made fewer than n candidate allocations, so every
 * allocation site on the operation's path has failed once.  The body must
 * leave the VM usable for the next round.
 */
#define for_each_failing_allocation(self, n, injected)				\
	for ((n) = 1, (injected) = true; (injected) && (n) <= MAX_SITES;	\
	     (n)++, (self)->sites += (injected))

TEST_F_TIMEOUT(failslab, create_vm_fails_cleanly_at_each_allocation, FAILSLAB_TIMEOUT)
{
	unsigned int n;
	bool injected;

	for_each_failing_allocation(self, n, injected) {
		int fd, e;

		fail_nth_arm(n);
		fd = ioctl(self->sys_fd, KVM_CREATE_VM, 0);
		e = errno;
		injected = fail_nth_disarm();
		if (fd >= 0) {
			close(fd);
		} else {
			ASSERT_TRUE(injected && clean_errno(e, false))
				TH_LOG("allocation %u: KVM_CREATE_VM: %s", n, strerror(e));
		}
	}
	ASSERT_LT(n, MAX_SITES);
	ASSERT_LT(1, n) TH_LOG("KVM_CREATE_VM allocated nothing?");
}

TEST_F_TIMEOUT(failslab, create_vcpu_fails_cleanly_at_each_allocation, FAILSLAB_TIMEOUT)
{
	struct kvm_vm *vm = vm_create_barebones();
	unsigned int n, id = 0;
	bool injected;

	for_each_failing_allocation(self, n, injected) {
		int fd, e;

		fail_nth_arm(n);
		fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
		e = errno;
		injected = fail_nth_disarm();
		if (fd >= 0) {
			/* A vCPU lives as long as its VM: use the next id. */
			close(fd);
			id++;
		} else {
			ASSERT_TRUE(injected && clean_errno(e, false))
				TH_LOG("allocation %u: KVM_CREATE_VCPU %u: %s", n, id,
				       strerror(e));
		}
	}
	ASSERT_LT(n, MAX_SITES);
	/* A failed creation left nothing behind: its id is free. */
	kvm_vm_free(vm);
	vm = vm_create_barebones();
	vm_vcpu_add_raw(vm, 0);
	kvm_vm_free(vm);
}

static int set_region(struct kvm_vm *vm, uint32_t slot, gpa_t gpa,
		      uint64_t size, void *hva)
{
	return __vm_set_user_memory_region(vm, slot, 0, gpa, size, hva);
}

TEST_F_TIMEOUT(failslab, set_memory_region_fails_cleanly_at_each_allocation, FAILSLAB_TIMEOUT)
{
	size_t size = 4 * SZ_1M;
	uint8_t *mem = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_vm *vm = vm_create_barebones();
	unsigned int n;
	bool injected;

	ASSERT_NE(MAP_FAILED, mem);
	/* Create: a failure must leave no slot (a resize would be refused). */
	for_each_failing_allocation(self, n, injected) {
		int r, e;

		fail_nth_arm(n);
		r = set_region(vm, 1, SZ_1G, size, mem);
		e = errno;
		injected = fail_nth_disarm();
		if (r) {
			ASSERT_TRUE(injected && clean_errno(e, false))
				TH_LOG("allocation %u: create: %s", n, strerror(e));
			ASSERT_EQ(0, set_region(vm, 1, SZ_1G, 2 * size, mem));
			ASSERT_EQ(0, set_region(vm, 1, SZ_1G, 0, mem));
			continue;
		}
		ASSERT_EQ(0, set_region(vm, 1, SZ_1G, 0, mem));
	}
	ASSERT_LT(n, MAX_SITES);

	/* Move: a failure leaves the slot where it was. */
	for_each_failing_allocation(self, n, injected) {
		int r, e;

		ASSERT_EQ(0, set_region(vm, 1, SZ_1G, size, mem));
		fail_nth_arm(n);
		r = set_region(vm, 1, 2 * SZ_1G, size, mem);
		e = errno;
		injected = fail_nth_disarm();
		if (r) {
			ASSERT_TRUE(injected && clean_errno(e, false))
				TH_LOG("allocation %u: move: %s", n, strerror(e));
		}
		ASSERT_EQ(0, set_region(vm, 1, r ? SZ_1G : 2 * SZ_1G, 0, mem));
	}
	ASSERT_LT(n, MAX_SITES);

	/* Delete: a failure leaves the slot in place. */
	for_each_failing_allocation(self, n, injected) {
		int r, e;

		ASSERT_EQ(0, set_region(vm, 1, SZ_1G, size, mem));
		fail_nth_arm(n);
		r = set_region(vm, 1, SZ_1G, 0, mem);
		e = errno;
		injected = fail_nth_disarm();
		if (r) {
			ASSERT_TRUE(injected && clean_errno(e, false))
				TH_LOG("allocation %u: delete: %s", n, strerror(e));
			ASSERT_EQ(0, set_region(vm, 1, SZ_1G, 0, mem));
		}
	}
	ASSERT_LT(n, MAX_SITES);
	kvm_vm_free(vm);
	munmap(mem, 2 * size);
}

/*
 * Flat 32-bit guest: one store into each of ten pages spread over four NPT
 * leaf tables in two memslots, then OUT 0x42 to port 0x10 and HLT.
 */
#define STORE_GPAS(x)	x(0x2000) x(0x3000) x(0x4000) x(0x5000) x(0x6000)	\
			x(0x7000) x(0xf0000) x(0x40000000) x(0x40001000)	\
			x(0x40200000)
#define STORE(gpa)	"	movl $" #gpa " + 1, " #gpa "\n"

static const uint32_t store_gpas[] = {
#define ELEM(gpa) gpa,
	STORE_GPAS(ELEM)
#undef ELEM
};

extern const char fs_store_start[], fs_store_end[];
asm(".pushsection .text\n"
    ".code32\n"
    "fs_store_start:\n"
    STORE_GPAS(STORE)
    "	mov $0x42, %al\n"
    "	out %al, $0x10\n"
    "	hlt\n"
    "fs_store_end:\n"
    ".code64\n"
    ".popsection\n");

static struct kvm_vm *vm_create_store_guest(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_barebones();
	uint8_t *low = vm_add_anon_region(vm, 0, 0, SZ_1M);

	vm_add_anon_region(vm, 1, HIGH_GPA, 4 * SZ_1M);
	memcpy(low + CODE_GPA, fs_store_start, fs_store_end - fs_store_start);
	*vcpu = vm_vcpu_add_raw(vm, 0);
	vcpu_setup_flat32(*vcpu, CODE_GPA, 0x8000);
	return vm;
}

/*
 * Run the store guest to its end (from the start, or from its OUT exit when
 * @at_out); every store must have landed in the host's memory.
 */
static void finish_store_guest(struct __test_metadata *_metadata,
			       struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			       bool at_out)
{
	unsigned int i;

	if (!at_out)
		vcpu_run(vcpu);
	ASSERT_EQ(0x42, vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x10, 1));
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	for (i = 0; i < ARRAY_SIZE(store_gpas); i++)
		ASSERT_EQ(store_gpas[i] + 1,
			  *(uint32_t *)addr_gpa2hva(vm, store_gpas[i]));
}

TEST_F_TIMEOUT(failslab, first_run_fails_cleanly_at_each_allocation, FAILSLAB_TIMEOUT)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int n;
	bool injected;

	for_each_failing_allocation(self, n, injected) {
		int r, e;

		vm = vm_create_store_guest(&vcpu);
		fail_nth_arm(n);
		r = __vcpu_run(vcpu);
		e = errno;
		injected = fail_nth_disarm();
		if (r) {
			ASSERT_TRUE(injected && clean_errno(e, true))
				TH_LOG("allocation %u: KVM_RUN: %s", n, strerror(e));
		}
		/* Failed or not, the guest completes once nothing fails. */
		finish_store_guest(_metadata, vm, vcpu, !r);
		kvm_vm_free(vm);
	}
	ASSERT_LT(n, MAX_SITES);
}

/* One VM lifecycle with failures anywhere; true if the guest ran. */
static bool lifecycle_under_failures(struct __test_metadata *_metadata,
				     int sys_fd, unsigned int *failures)
{
	uint8_t *mem = mmap(NULL, SZ_1M, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int vm_fd, vcpu_fd = -1, r = -1, e;
	struct kvm_userspace_memory_region region = {
		.slot = 0, .memory_size = SZ_1M,
		.userspace_addr = (uintptr_t)mem,
	};

	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	memcpy(mem + CODE_GPA, fs_store_start, fs_store_end - fs_store_start);

	make_it_fail(true);
	vm_fd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	e = errno;
	if (vm_fd >= 0) {
		r = ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
		e = errno;
	}
	if (!r) {
		vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
		e = errno;
	}
	make_it_fail(false);

	if (vm_fd < 0 || r || vcpu_fd < 0) {
		EXPECT_TRUE(clean_errno(e, false)) TH_LOG("%s", strerror(e));
		(*failures)++;
	}
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	if (vm_fd >= 0)
		close(vm_fd);
	munmap(mem, SZ_1M);
	return vcpu_fd >= 0;
}

TEST_F_TIMEOUT(failslab, random_failures_leave_the_device_usable, FAILSLAB_TIMEOUT)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int i, failures = 0, complete = 0;

	set_probability("10");
	for (i = 0; i < 40; i++)
		complete += lifecycle_under_failures(_metadata, self->sys_fd,
						     &failures);
	set_probability("0");
	TH_LOG("40 lifecycles: %u completed, %u failed cleanly", complete,
	       failures);

	/* Runs under failures too, each finished without them. */
	for (i = 0; i < 10; i++) {
		int r, e;

		vm = vm_create_store_guest(&vcpu);
		set_probability("10");
		make_it_fail(true);
		r = __vcpu_run(vcpu);
		e = errno;
		make_it_fail(false);
		set_probability("0");
		if (r) {
			ASSERT_TRUE(clean_errno(e, true))
				TH_LOG("KVM_RUN: %s", strerror(e));
		}
		finish_store_guest(_metadata, vm, vcpu, !r);
		kvm_vm_free(vm);
	}

	/* And the device still works without them. */
	vm = vm_create_store_guest(&vcpu);
	finish_store_guest(_metadata, vm, vcpu, false);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
