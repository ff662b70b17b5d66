/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side VM/vCPU library for the minikvm selftests.
 *
 * Every test opens the device named by $MINIKVM_DEVICE (default
 * /dev/minikvm), so the same binary runs against stock KVM with
 * MINIKVM_DEVICE=/dev/kvm. Only the ioctls of minikvm's first cut are used.
 *
 * Naming follows KVM selftests: __foo() returns the raw ioctl result and
 * leaves errno alone, foo() asserts success.
 */
#ifndef SELFTEST_MINIKVM_UTIL_H
#define SELFTEST_MINIKVM_UTIL_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "test_util.h"

#define MINIKVM_DEVICE_ENV	"MINIKVM_DEVICE"
#define MINIKVM_DEVICE_DEFAULT	"/dev/minikvm"

#define MAX_MEM_REGIONS		16
#define MAX_VCPUS		16

typedef uint64_t gpa_t;
typedef uint64_t gva_t;

struct mem_region {
	bool in_use;
	struct kvm_userspace_memory_region kvm;	/* as last set in KVM */
	void *host_mem;				/* owned mapping or NULL */
	size_t mmap_size;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	uint32_t id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

struct kvm_vm {
	int sys_fd;
	int fd;
	long run_size;
	struct mem_region regions[MAX_MEM_REGIONS];
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	/* Guest image layout, filled by the x86_64 setup code. */
	gpa_t image_end;
	gpa_t stacks_base;
	bool long_mode_ready;
};

/* Name of the device under test, from $MINIKVM_DEVICE. */
const char *minikvm_device_path(void);

/*
 * Opens the device under test.
 * Return: the fd, or -1 with errno set (ENOENT when the device is missing).
 */
int open_device(void);

/* Opens the device or ends the test process with KSFT_SKIP. */
int open_device_or_exit_skip(void);

/*
 * Name of the module that owns the device: "kvm" for /dev/kvm, otherwise
 * "minikvm". Used to read /sys/module/<name>/refcnt.
 */
const char *device_module_name(void);

const char *exit_reason_str(uint32_t reason);
const char *ioctl_name(unsigned long cmd);

#define __kvm_ioctl(fd, cmd, arg) ioctl(fd, cmd, arg)

#define __check_ioctl(ret, cmd, fdname)                                      \
	TEST_ASSERT((ret) >= 0, "%s on %s failed: rc %d errno %d (%s)",     \
		    ioctl_name(cmd), fdname, (int)(ret), errno,              \
		    strerror(errno))

#define kvm_ioctl(fd, cmd, arg) ({                                           \
	int __r = __kvm_ioctl(fd, cmd, arg);                                 \
	__check_ioctl(__r, cmd, "system fd");                                \
	__r;                                                                 \
})

#define __vm_ioctl(vm, cmd, arg) ioctl((vm)->fd, cmd, arg)
#define vm_ioctl(vm, cmd, arg) ({                                            \
	int __r = __vm_ioctl(vm, cmd, arg);                                  \
	__check_ioctl(__r, cmd, "VM fd");                                    \
	__r;                                                                 \
})

#define __vcpu_ioctl(vcpu, cmd, arg) ioctl((vcpu)->fd, cmd, arg)
#define vcpu_ioctl(vcpu, cmd, arg) ({                                        \
	int __r = __vcpu_ioctl(vcpu, cmd, arg);                              \
	__check_ioctl(__r, cmd, "vCPU fd");                                  \
	__r;                                                                 \
})

/* KVM_CHECK_EXTENSION on the system fd; asserts the ioctl itself works. */
int kvm_check_cap(int sys_fd, long cap);
unsigned long kvm_vm_type(int sys_fd);

/*
 * Does @vm run on shadow paging?  On minikvm: a shadow-paging VM
 * (MINIKVM_MMU=shadow) or a CPU without nested paging; on stock KVM: npt
 * or ept turned off, or a CPU without them.  Tests of TDP-only behaviour
 * SKIP there.
 */
bool vm_uses_shadow_paging(struct kvm_vm *vm);

/*
 * The shadow variants of a test: make the library's next VMs minikvm
 * shadow-paging ones (MINIKVM_MMU=shadow; the caller unsets it in its
 * teardown).  Return: false if the device has no per-VM shadow MMU.
 */
bool select_shadow_mmu(void);

/* A VM with no memory and no vCPUs. */
struct kvm_vm *vm_create_barebones(void);
void kvm_vm_free(struct kvm_vm *vm);

int __vm_set_user_memory_region(struct kvm_vm *vm, uint32_t slot,
				uint32_t flags, gpa_t gpa, uint64_t size,
				void *hva);
void vm_set_user_memory_region(struct kvm_vm *vm, uint32_t slot,
			       uint32_t flags, gpa_t gpa, uint64_t size,
			       void *hva);

/*
 * Backs [gpa, gpa + size) with fresh anonymous memory in memslot @slot.
 * Return: the host address of the new memory.
 */
void *vm_add_anon_region(struct kvm_vm *vm, uint32_t slot, gpa_t gpa,
			 uint64_t size);
/* Moves memslot @slot to @new_gpa (same size and backing). */
void vm_move_region(struct kvm_vm *vm, uint32_t slot, gpa_t new_gpa);
/* Deletes memslot @slot; its host memory stays mapped until vm free. */
void vm_delete_region(struct kvm_vm *vm, uint32_t slot);

/*
 * Backs [gpa, gpa + size) with @mem (owned by the caller) in memslot @slot
 * with @flags; the library forgets the region when the slot is deleted.
 */
void vm_add_region(struct kvm_vm *vm, uint32_t slot, uint32_t flags, gpa_t gpa,
		   uint64_t size, void *mem);
/* Changes only the flags of memslot @slot (e.g. KVM_MEM_LOG_DIRTY_PAGES). */
void vm_set_region_flags(struct kvm_vm *vm, uint32_t slot, uint32_t flags);

/* KVM_ENABLE_CAP on the VM fd with one argument. */
int __vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0);
void vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0);

/* KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG; bitmaps are arrays of longs. */
int __vm_get_dirty_log(struct kvm_vm *vm, uint32_t slot, void *bitmap);
void vm_get_dirty_log(struct kvm_vm *vm, uint32_t slot, void *bitmap);
int __vm_clear_dirty_log(struct kvm_vm *vm, uint32_t slot, void *bitmap,
			 uint64_t first_page, uint32_t num_pages);
void vm_clear_dirty_log(struct kvm_vm *vm, uint32_t slot, void *bitmap,
			uint64_t first_page, uint32_t num_pages);

/*
 * One statistic of the VM from debugfs, where stock KVM and minikvm both
 * keep them: /sys/kernel/debug/<kvm|minikvm>/<pid>-<vm fd>/<name>.
 * Return: the value, or -1 if the file cannot be read (no debugfs, or a
 * statistic the device does not have).
 */
long vm_get_stat(struct kvm_vm *vm, const char *name);

/* Host address backing @gpa, or NULL when no memslot covers it. */
void *addr_gpa2hva_or_null(struct kvm_vm *vm, gpa_t gpa);
void *addr_gpa2hva(struct kvm_vm *vm, gpa_t gpa);

/*
 * Guest code lives at GPA == host VA, so guest globals are found by
 * their address. These copy a global between the host and its guest copy.
 */
#define sync_global_to_guest(vm, g) \
	memcpy(addr_gpa2hva(vm, (gpa_t)(uintptr_t)&(g)), &(g), sizeof(g))
#define sync_global_from_guest(vm, g) \
	memcpy(&(g), addr_gpa2hva(vm, (gpa_t)(uintptr_t)&(g)), sizeof(g))

/* KVM_CREATE_VCPU plus the mmap of kvm_run; no register setup. */
struct kvm_vcpu *vm_vcpu_add_raw(struct kvm_vm *vm, uint32_t id);

int __vcpu_run(struct kvm_vcpu *vcpu);
void vcpu_run(struct kvm_vcpu *vcpu);

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_regs_set(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_sregs_set(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);

/* Data of the last KVM_EXIT_IO, inside the PIO page of the run mapping. */
static inline void *vcpu_io_data(struct kvm_vcpu *vcpu)
{
	return (uint8_t *)vcpu->run + vcpu->run->io.data_offset;
}

#define TEST_ASSERT_EXIT_REASON(vcpu, expected)                              \
	do {                                                                 \
		uint32_t __r = (vcpu)->run->exit_reason;                     \
		TEST_ASSERT(__r == (expected),                               \
			    "vCPU %u: exit reason %u (%s), expected %u (%s)", \
			    (vcpu)->id, __r, exit_reason_str(__r),           \
			    (uint32_t)(expected), exit_reason_str(expected)); \
	} while (0)

/* Asserts a KVM_EXIT_IO of the given shape; returns its data as integer. */
uint32_t vcpu_expect_io(struct kvm_vcpu *vcpu, uint8_t direction,
			uint16_t port, uint8_t size);

#endif /* SELFTEST_MINIKVM_UTIL_H */
