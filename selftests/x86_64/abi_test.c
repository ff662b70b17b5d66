// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl ABI contracts of the device, one TEST_F per errno contract.
 *
 * Every expected value here is what stock KVM returns on both Debian 6.1 and
 * 6.12 (see virt/kvm/kvm_main.c and arch/x86/kvm/x86.c), because minikvm is
 * binary compatible with KVM. Where KVM's answer depends on configuration
 * (address spaces, vCPU limits), the test asks KVM_CHECK_EXTENSION first.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kvm_compat.h"
#include "minikvm_util.h"
#include "processor.h"

/* ioctl numbers no KVM version has assigned. */
#define KVM_IOCTL_UNASSIGNED	_IO(KVMIO, 0xfe)
#define KVM_CAP_UNKNOWN		0x7fffffff

#define SZ_1M	(1ULL << 20)

static int set_region(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		      uint64_t size, uint64_t hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = hva,
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* System fd contracts. */

FIXTURE(sys) {
	int sys_fd;
};

FIXTURE_SETUP(sys)
{
	self->sys_fd = open_device();
	if (self->sys_fd < 0)
		SKIP(return, "%s: %s", minikvm_device_path(), strerror(errno));
}

FIXTURE_TEARDOWN(sys)
{
	if (self->sys_fd >= 0)
		close(self->sys_fd);
}

TEST_F(sys, api_version_is_12)
{
	EXPECT_EQ(12, ioctl(self->sys_fd, KVM_GET_API_VERSION, 0));
}

TEST_F(sys, api_version_with_nonzero_arg_is_einval)
{
	EXPECT_ERRNO(EINVAL, ioctl(self->sys_fd, KVM_GET_API_VERSION, 1));
}

TEST_F(sys, create_vm_with_nonzero_type_is_einval)
{
	static const unsigned long types[] = { 1, 0xff, 0x80000000UL, ~0UL };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->sys_fd, KVM_CREATE_VM, types[i]))
			TH_LOG("type 0x%lx accepted", types[i]);
		EXPECT_EQ(EINVAL, errno)
			TH_LOG("type 0x%lx: %s", types[i], strerror(errno));
	}
}

TEST_F(sys, create_vm_returns_cloexec_fd)
{
	int vm_fd = ioctl(self->sys_fd, KVM_CREATE_VM, 0);

	ASSERT_LE(0, vm_fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(vm_fd, F_GETFD) & FD_CLOEXEC);
	close(vm_fd);
}

TEST_F(sys, check_extension_unknown_cap_is_zero)
{
	EXPECT_EQ(0, ioctl(self->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_UNKNOWN));
	EXPECT_EQ(0, ioctl(self->sys_fd, KVM_CHECK_EXTENSION, -1L));
}

TEST_F(sys, check_extension_required_caps_are_positive)
{
	static const struct { long cap; const char *name; } caps[] = {
		{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
		{ KVM_CAP_NR_VCPUS, "NR_VCPUS" },
		{ KVM_CAP_MAX_VCPUS, "MAX_VCPUS" },
		{ KVM_CAP_NR_MEMSLOTS, "NR_MEMSLOTS" },
		{ KVM_CAP_MAX_VCPU_ID, "MAX_VCPU_ID" },
		{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		int r = ioctl(self->sys_fd, KVM_CHECK_EXTENSION, caps[i].cap);

		if (r <= 0)
			TH_LOG("KVM_CAP_%s is %d", caps[i].name ? : "?", r);
		EXPECT_LT(0, r);
	}
}

TEST_F(sys, vcpu_limits_are_consistent)
{
	int nr = ioctl(self->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	int max = ioctl(self->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int max_id = ioctl(self->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);

	/* Recommended <= maximum <= number of ids. */
	EXPECT_LE(1, nr);
	EXPECT_LE(nr, max);
	EXPECT_LE(max, max_id);
}

TEST_F(sys, vcpu_mmap_size_covers_run_and_pio_pages)
{
	int size = ioctl(self->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	EXPECT_LE((int)(2 * PAGE_SIZE), size);
	EXPECT_EQ(0, size % (int)PAGE_SIZE);
}

TEST_F(sys, vcpu_mmap_size_with_nonzero_arg_is_einval)
{
	EXPECT_ERRNO(EINVAL, ioctl(self->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 1));
}

/* x86 KVM answers unknown system ioctls with EINVAL, not ENOTTY. */
TEST_F(sys, unknown_ioctl_on_system_fd_is_einval)
{
	struct termios t;

	EXPECT_ERRNO(EINVAL, ioctl(self->sys_fd, KVM_IOCTL_UNASSIGNED, 0));
	EXPECT_ERRNO(EINVAL, ioctl(self->sys_fd, TCGETS, &t));
	/* A VM ioctl is unknown on the system fd. */
	EXPECT_ERRNO(EINVAL, ioctl(self->sys_fd, KVM_CREATE_VCPU, 0));
}

/* VM fd contracts. */

FIXTURE(vm) {
	int sys_fd;
	int vm_fd;
	int nr_memslots;
	uint8_t *mem;		/* 4 MiB of anonymous memory */
	uint64_t hva;
};

FIXTURE_SETUP(vm)
{
	self->vm_fd = -1;
	self->sys_fd = open_device();
	if (self->sys_fd < 0)
		SKIP(return, "%s: %s", minikvm_device_path(), strerror(errno));
	self->vm_fd = ioctl(self->sys_fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm_fd);
	self->nr_memslots = ioctl(self->sys_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_NR_MEMSLOTS);
	ASSERT_LT(0, self->nr_memslots);
	self->mem = mmap(NULL, 4 * SZ_1M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	self->hva = (uint64_t)(uintptr_t)self->mem;
}

FIXTURE_TEARDOWN(vm)
{
	if (self->vm_fd >= 0)
		close(self->vm_fd);
	if (self->sys_fd >= 0)
		close(self->sys_fd);
}

/* KVM's generic VM ioctl switch ends in x86's, whose default is ENOTTY. */
TEST_F(vm, unknown_ioctl_on_vm_fd_is_enotty)
{
	struct termios t;

	EXPECT_ERRNO(ENOTTY, ioctl(self->vm_fd, KVM_IOCTL_UNASSIGNED, 0));
	EXPECT_ERRNO(ENOTTY, ioctl(self->vm_fd, TCGETS, &t));
}

TEST_F(vm, check_extension_on_vm_fd_matches_system_fd)
{
	static const long caps[] = {
		KVM_CAP_USER_MEMORY, KVM_CAP_NR_MEMSLOTS, KVM_CAP_MAX_VCPUS,
		KVM_CAP_MAX_VCPU_ID, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_UNKNOWN,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++)
		EXPECT_EQ(ioctl(self->sys_fd, KVM_CHECK_EXTENSION, caps[i]),
			  ioctl(self->vm_fd, KVM_CHECK_EXTENSION, caps[i]))
			TH_LOG("cap %ld", caps[i]);
}

TEST_F(vm, set_region_bad_pointer_is_efault)
{
	void *bad = fault_page();

	ASSERT_NE(NULL, bad);
	EXPECT_ERRNO(EFAULT, ioctl(self->vm_fd, KVM_SET_USER_MEMORY_REGION, bad));
	EXPECT_ERRNO(EFAULT, ioctl(self->vm_fd, KVM_SET_USER_MEMORY_REGION, NULL));
}

TEST_F(vm, set_region_valid_is_ok)
{
	EXPECT_EQ(0, set_region(self->vm_fd, 0, 0, 0, 2 * SZ_1M, self->hva));
}

TEST_F(vm, set_region_unaligned_gpa_is_einval)
{
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0x800, SZ_1M, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 1, SZ_1M, self->hva));
}

TEST_F(vm, set_region_size_not_page_multiple_is_einval)
{
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0, SZ_1M + 0x800, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0, 1, self->hva));
}

TEST_F(vm, set_region_unaligned_hva_is_einval)
{
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0, SZ_1M, self->hva + 8));
}

TEST_F(vm, set_region_gpa_wrap_is_einval)
{
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, -PAGE_SIZE,
					2 * PAGE_SIZE, self->hva));
}

TEST_F(vm, set_region_kernel_hva_is_einval)
{
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0, SZ_1M,
					0xffff800000000000ULL));
	/* A user start whose end runs into the kernel half. */
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0, 2 * PAGE_SIZE,
					0x00007ffffffff000ULL));
}

TEST_F(vm, set_region_slot_id_limit)
{
	/* The last user slot is usable, the next one is not. */
	EXPECT_EQ(0, set_region(self->vm_fd, self->nr_memslots - 1, 0, 0,
				SZ_1M, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, self->nr_memslots, 0,
					2 * SZ_1M, SZ_1M, self->hva + 2 * SZ_1M));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0xffff, 0, 2 * SZ_1M,
					SZ_1M, self->hva + 2 * SZ_1M));
}

TEST_F(vm, set_region_address_space_beyond_cap_is_einval)
{
	/* KVM_CAP_MULTI_ADDRESS_SPACE is 0 (one space) or the count. */
	int nr_as = ioctl(self->vm_fd, KVM_CHECK_EXTENSION,
			  KVM_CAP_MULTI_ADDRESS_SPACE);

	ASSERT_LE(0, nr_as);
	if (nr_as < 1)
		nr_as = 1;
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, (uint32_t)nr_as << 16, 0, 0,
					SZ_1M, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0xffffu << 16, 0, 0,
					SZ_1M, self->hva));
}

TEST_F(vm, set_region_unknown_flag_is_einval)
{
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 1u << 31, 0, SZ_1M, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 1u << 3, 0, SZ_1M, self->hva));
}

TEST_F(vm, set_region_overlap_is_eexist)
{
	ASSERT_EQ(0, set_region(self->vm_fd, 0, 0, 0, 2 * SZ_1M, self->hva));
	/* Partial overlap, containment and exact overlap. */
	EXPECT_ERRNO(EEXIST, set_region(self->vm_fd, 1, 0, SZ_1M, 2 * SZ_1M,
					self->hva + 2 * SZ_1M));
	EXPECT_ERRNO(EEXIST, set_region(self->vm_fd, 1, 0, SZ_1M / 2, PAGE_SIZE,
					self->hva + 2 * SZ_1M));
	EXPECT_ERRNO(EEXIST, set_region(self->vm_fd, 1, 0, 0, 2 * SZ_1M,
					self->hva + 2 * SZ_1M));
	/* Adjacent is fine. */
	EXPECT_EQ(0, set_region(self->vm_fd, 1, 0, 2 * SZ_1M, 2 * SZ_1M,
				self->hva + 2 * SZ_1M));
}

TEST_F(vm, move_region_onto_another_is_eexist)
{
	ASSERT_EQ(0, set_region(self->vm_fd, 0, 0, 0, SZ_1M, self->hva));
	ASSERT_EQ(0, set_region(self->vm_fd, 1, 0, 2 * SZ_1M, SZ_1M,
				self->hva + SZ_1M));
	EXPECT_ERRNO(EEXIST, set_region(self->vm_fd, 1, 0, SZ_1M / 2, SZ_1M,
					self->hva + SZ_1M));
}

TEST_F(vm, delete_nonexistent_region_is_einval)
{
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 3, 0, 0, 0, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 3, 0, 0, 0, 0));
}

TEST_F(vm, delete_region_then_recreate_is_ok)
{
	ASSERT_EQ(0, set_region(self->vm_fd, 3, 0, 0, SZ_1M, self->hva));
	EXPECT_EQ(0, set_region(self->vm_fd, 3, 0, 0, 0, self->hva));
	/* Deleted twice: nothing left to delete. */
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 3, 0, 0, 0, self->hva));
	/* The slot id and its range are free again. */
	EXPECT_EQ(0, set_region(self->vm_fd, 3, 0, 0, 2 * SZ_1M, self->hva));
	EXPECT_EQ(0, set_region(self->vm_fd, 4, 0, 2 * SZ_1M, SZ_1M,
				self->hva + 2 * SZ_1M));
}

TEST_F(vm, move_region_is_ok)
{
	ASSERT_EQ(0, set_region(self->vm_fd, 0, 0, 0, SZ_1M, self->hva));
	EXPECT_EQ(0, set_region(self->vm_fd, 0, 0, 16 * SZ_1M, SZ_1M, self->hva));
	/* The old range is free: another slot may take it. */
	EXPECT_EQ(0, set_region(self->vm_fd, 1, 0, 0, SZ_1M, self->hva + SZ_1M));
}

TEST_F(vm, resize_region_is_einval)
{
	ASSERT_EQ(0, set_region(self->vm_fd, 0, 0, 0, SZ_1M, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0, 2 * SZ_1M, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0, SZ_1M / 2, self->hva));
}

TEST_F(vm, change_region_hva_is_einval)
{
	ASSERT_EQ(0, set_region(self->vm_fd, 0, 0, 0, SZ_1M, self->hva));
	EXPECT_ERRNO(EINVAL, set_region(self->vm_fd, 0, 0, 0, SZ_1M,
					self->hva + SZ_1M));
}

TEST_F(vm, identical_region_reset_is_ok)
{
	ASSERT_EQ(0, set_region(self->vm_fd, 0, 0, 0, SZ_1M, self->hva));
	EXPECT_EQ(0, set_region(self->vm_fd, 0, 0, 0, SZ_1M, self->hva));
	/* Still there: an overlapping slot is refused. */
	EXPECT_ERRNO(EEXIST, set_region(self->vm_fd, 1, 0, 0, SZ_1M,
					self->hva + SZ_1M));
}

/* KVM_SET_USER_MEMORY_REGION2: the 6.12 selftests' way to add memory. */
static int set_region2(int vm_fd, uint32_t flags, uint64_t gpa, uint64_t size,
		       uint64_t hva)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = 0, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &r);
}

TEST_F(vm, set_region2_adds_a_slot_like_set_region)
{
	if (ioctl(self->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY2) <= 0)
		SKIP(return, "no KVM_SET_USER_MEMORY_REGION2");
	EXPECT_EQ(0, set_region2(self->vm_fd, 0, 0, SZ_1M, self->hva));
	/* The same slot through the old ioctl: unchanged, accepted. */
	EXPECT_EQ(0, set_region(self->vm_fd, 0, 0, 0, SZ_1M, self->hva));
	EXPECT_ERRNO(EEXIST, set_region(self->vm_fd, 1, 0, 0, SZ_1M,
					self->hva + SZ_1M));
	EXPECT_EQ(0, set_region2(self->vm_fd, 0, 0, 0, self->hva));
}

/* guest_memfd needs a VM type with private memory, not the default. */
TEST_F(vm, set_region2_guest_memfd_is_einval)
{
	if (ioctl(self->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY2) <= 0)
		SKIP(return, "no KVM_SET_USER_MEMORY_REGION2");
	EXPECT_ERRNO(EINVAL, set_region2(self->vm_fd, KVM_MEM_GUEST_MEMFD, 0,
					 SZ_1M, self->hva));
	EXPECT_ERRNO(EFAULT, ioctl(self->vm_fd, KVM_SET_USER_MEMORY_REGION2,
				   fault_page()));
}

TEST_F(vm, create_vcpu_id_limit)
{
	int max_id = ioctl(self->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	int fd;

	ASSERT_LT(0, max_id);
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_CREATE_VCPU, max_id));
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_CREATE_VCPU, ~0UL));
	/* The largest id is valid. */
	fd = ioctl(self->vm_fd, KVM_CREATE_VCPU, max_id - 1);
	EXPECT_LE(0, fd);
	close(fd);
}

/*
 * KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID) lowers the VM's bound of vCPU ids,
 * once: the same value again is fine, another one or one above the
 * system's bound is EINVAL; ids at or above it are EINVAL afterwards.
 */
TEST_F(vm, enable_cap_max_vcpu_id)
{
	int max_id = ioctl(self->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MAX_VCPU_ID };
	int fd;

	ASSERT_LT(8, max_id);
	cap.args[0] = max_id + 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_ENABLE_CAP, &cap));
	cap.args[0] = 8;
	EXPECT_EQ(0, ioctl(self->vm_fd, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(0, ioctl(self->vm_fd, KVM_ENABLE_CAP, &cap));
	cap.args[0] = 9;
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_ENABLE_CAP, &cap));
	/* The system-wide answer does not change. */
	EXPECT_EQ(max_id, ioctl(self->vm_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_MAX_VCPU_ID));
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_CREATE_VCPU, 8));
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_CREATE_VCPU, 1UL << 32));
	fd = ioctl(self->vm_fd, KVM_CREATE_VCPU, 7);
	EXPECT_LE(0, fd);
	close(fd);
}

/* KVM_SET_NR_MMU_PAGES: at least 64 pages, EINVAL below. */
TEST_F(vm, set_nr_mmu_pages)
{
	EXPECT_EQ(1, ioctl(self->sys_fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_MMU_SHADOW_CACHE_CONTROL));
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_SET_NR_MMU_PAGES, 63));
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_SET_NR_MMU_PAGES, 0));
	EXPECT_EQ(0, ioctl(self->vm_fd, KVM_SET_NR_MMU_PAGES, 64));
	EXPECT_EQ(0, ioctl(self->vm_fd, KVM_SET_NR_MMU_PAGES, 1UL << 20));
}

TEST_F(vm, create_vcpu_duplicate_id_is_eexist)
{
	int fd = ioctl(self->vm_fd, KVM_CREATE_VCPU, 1);

	ASSERT_LE(0, fd);
	EXPECT_ERRNO(EEXIST, ioctl(self->vm_fd, KVM_CREATE_VCPU, 1));
	/* Closing the fd does not free the id: the vCPU lives with the VM. */
	close(fd);
	EXPECT_ERRNO(EEXIST, ioctl(self->vm_fd, KVM_CREATE_VCPU, 1));
}

/* Creating KVM_CAP_MAX_VCPUS vCPUs is only affordable for small limits. */
#define MAX_VCPUS_AFFORDABLE 4096

TEST_F_TIMEOUT(vm, create_vcpu_beyond_max_vcpus_is_einval, 120)
{
	int max = ioctl(self->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	struct rlimit rl = { max + 64, max + 64 };
	int i;

	ASSERT_LT(0, max);
	if (max > MAX_VCPUS_AFFORDABLE)
		SKIP(return, "KVM_CAP_MAX_VCPUS is %d, too many to create", max);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < max; i++)
		ASSERT_LE(0, ioctl(self->vm_fd, KVM_CREATE_VCPU, i))
			TH_LOG("vCPU %d of %d: %s", i, max, strerror(errno));
	EXPECT_ERRNO(EINVAL, ioctl(self->vm_fd, KVM_CREATE_VCPU, max));
}

/* The VM belongs to the mm that created it. */
TEST_F(vm, vm_ioctl_from_child_process_is_eio)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		int r = ioctl(self->vm_fd, KVM_CREATE_VCPU, 0);

		_exit(r == -1 && errno == EIO ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The parent still owns a working VM. */
	EXPECT_LE(0, ioctl(self->vm_fd, KVM_CREATE_VCPU, 0));
}

/* vCPU fd contracts. */

FIXTURE(vcpu) {
	int sys_fd;
	int vm_fd;
	int vcpu_fd;
};

FIXTURE_SETUP(vcpu)
{
	self->vm_fd = self->vcpu_fd = -1;
	self->sys_fd = open_device();
	if (self->sys_fd < 0)
		SKIP(return, "%s: %s", minikvm_device_path(), strerror(errno));
	self->vm_fd = ioctl(self->sys_fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm_fd);
	self->vcpu_fd = ioctl(self->vm_fd, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, self->vcpu_fd);
	/* So that KVM refuses bad long-mode sregs for their own reason. */
	vcpu_declare_long_mode_cpuid(self->sys_fd, self->vcpu_fd);
}

FIXTURE_TEARDOWN(vcpu)
{
	if (self->vcpu_fd >= 0)
		close(self->vcpu_fd);
	if (self->vm_fd >= 0)
		close(self->vm_fd);
	if (self->sys_fd >= 0)
		close(self->sys_fd);
}

/* x86 KVM answers unknown vCPU ioctls with EINVAL, not ENOTTY. */
TEST_F(vcpu, unknown_ioctl_on_vcpu_fd_is_einval)
{
	struct termios t;

	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, KVM_IOCTL_UNASSIGNED, 0));
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, TCGETS, &t));
	/* A VM ioctl is unknown on a vCPU fd. */
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, KVM_CREATE_VCPU, 1));
}

TEST_F(vcpu, get_regs_bad_pointer_is_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu_fd, KVM_GET_REGS, fault_page()));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu_fd, KVM_GET_REGS, NULL));
}

TEST_F(vcpu, set_regs_bad_pointer_is_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu_fd, KVM_SET_REGS, fault_page()));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu_fd, KVM_SET_REGS, NULL));
}

TEST_F(vcpu, get_sregs_bad_pointer_is_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu_fd, KVM_GET_SREGS, fault_page()));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu_fd, KVM_GET_SREGS, NULL));
}

TEST_F(vcpu, set_sregs_bad_pointer_is_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu_fd, KVM_SET_SREGS, fault_page()));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu_fd, KVM_SET_SREGS, NULL));
}

/* KVM_SET_SIGNAL_MASK: 8-byte kernel sigsets only; NULL clears it. */
TEST_F(vcpu, set_signal_mask)
{
	struct {
		struct kvm_signal_mask m;
		uint64_t set;
	} mask = { .m.len = 8, .set = 1ULL << (SIGUSR1 - 1) };

	EXPECT_EQ(0, ioctl(self->vcpu_fd, KVM_SET_SIGNAL_MASK, &mask));
	mask.m.len = 4;
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, KVM_SET_SIGNAL_MASK, &mask));
	mask.m.len = 128;
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, KVM_SET_SIGNAL_MASK, &mask));
	EXPECT_EQ(0, ioctl(self->vcpu_fd, KVM_SET_SIGNAL_MASK, NULL));
}

TEST_F(vcpu, run_with_nonzero_arg_is_einval)
{
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, KVM_RUN, 1));
}

TEST_F(vcpu, reset_state_is_architectural)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	ASSERT_EQ(0, ioctl(self->vcpu_fd, KVM_GET_REGS, &regs));
	ASSERT_EQ(0, ioctl(self->vcpu_fd, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(0xfff0, regs.rip);
	EXPECT_EQ(X86_EFLAGS_FIXED, regs.rflags);
	EXPECT_EQ(0xf000, sregs.cs.selector);
	EXPECT_EQ(0xffff0000, sregs.cs.base);
	EXPECT_EQ(0xffff, sregs.cs.limit);
	EXPECT_EQ(0, sregs.cr0 & (X86_CR0_PE | X86_CR0_PG));
	EXPECT_EQ(0, sregs.efer);
	EXPECT_EQ(0, sregs.ds.base);
	EXPECT_EQ(0xffff, sregs.gdt.limit);
	EXPECT_EQ(0xffff, sregs.idt.limit);
}

TEST_F(vcpu, set_sregs_consistent_long_mode_is_ok)
{
	struct kvm_sregs sregs;

	ASSERT_EQ(0, ioctl(self->vcpu_fd, KVM_GET_SREGS, &sregs));
	sregs.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
	sregs.cr3 = 0x1000;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	kvm_seg_flat(&sregs.cs, GDT_SEL_CODE64, 11, true, false);
	EXPECT_EQ(0, ioctl(self->vcpu_fd, KVM_SET_SREGS, &sregs))
		TH_LOG("%s", strerror(errno));
}

/* KVM_SET_SREGS refuses combinations the CPU could never be in. */
TEST_F(vcpu, set_sregs_long_mode_without_pae_is_einval)
{
	struct kvm_sregs sregs;

	ASSERT_EQ(0, ioctl(self->vcpu_fd, KVM_GET_SREGS, &sregs));
	sregs.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
	sregs.cr4 = 0;
	sregs.efer = EFER_LME | EFER_LMA;
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, KVM_SET_SREGS, &sregs));
}

TEST_F(vcpu, set_sregs_lma_without_paging_is_einval)
{
	struct kvm_sregs sregs;

	ASSERT_EQ(0, ioctl(self->vcpu_fd, KVM_GET_SREGS, &sregs));
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, KVM_SET_SREGS, &sregs));
}

TEST_F(vcpu, set_sregs_64bit_cs_outside_long_mode_is_einval)
{
	struct kvm_sregs sregs;

	ASSERT_EQ(0, ioctl(self->vcpu_fd, KVM_GET_SREGS, &sregs));
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cs.l = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu_fd, KVM_SET_SREGS, &sregs));
}

TEST_F(vcpu, failed_set_sregs_changes_nothing)
{
	struct kvm_sregs before, bad, after;

	ASSERT_EQ(0, ioctl(self->vcpu_fd, KVM_GET_SREGS, &before));
	bad = before;
	bad.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
	bad.efer = EFER_LME | EFER_LMA;
	bad.cs.base = 0x12340000;
	ASSERT_EQ(-1, ioctl(self->vcpu_fd, KVM_SET_SREGS, &bad));
	ASSERT_EQ(0, ioctl(self->vcpu_fd, KVM_GET_SREGS, &after));
	EXPECT_EQ(before.cr0, after.cr0);
	EXPECT_EQ(before.efer, after.efer);
	EXPECT_EQ(before.cs.base, after.cs.base);
}

TEST_F(vcpu, vcpu_ioctl_from_child_process_is_eio)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		struct kvm_regs regs;
		int r = ioctl(self->vcpu_fd, KVM_GET_REGS, &regs);

		_exit(r == -1 && errno == EIO ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(vcpu, run_page_mmap_shows_pio_offset_page)
{
	int size = ioctl(self->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run;
	uint8_t *pio;

	ASSERT_LE((int)(2 * PAGE_SIZE), size);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->vcpu_fd, 0);
	ASSERT_NE(MAP_FAILED, run);
	/* Page 1 can also be mapped on its own at KVM_PIO_PAGE_OFFSET. */
	pio = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->vcpu_fd, KVM_PIO_PAGE_OFFSET * PAGE_SIZE);
	ASSERT_NE(MAP_FAILED, pio);
	pio[17] = 0x5a;
	EXPECT_EQ(0x5a, ((uint8_t *)run)[KVM_PIO_PAGE_OFFSET * PAGE_SIZE + 17]);
	EXPECT_EQ(0, run->immediate_exit);
	munmap(pio, PAGE_SIZE);
	munmap(run, size);
}

TEST_HARNESS_MAIN
