// SPDX-License-Identifier: GPL-2.0
/*
 * VM, memslot and vCPU management on top of the raw ioctls.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/minikvm.h>

#include "minikvm_util.h"

const char *minikvm_device_path(void)
{
	const char *path = getenv(MINIKVM_DEVICE_ENV);

	return path && *path ? path : MINIKVM_DEVICE_DEFAULT;
}

int open_device(void)
{
	return open(minikvm_device_path(), O_RDWR | O_CLOEXEC);
}

int open_device_or_exit_skip(void)
{
	int fd = open_device();

	if (fd < 0) {
		ksft_print_msg("cannot open %s: %s\n", minikvm_device_path(),
			       strerror(errno));
		exit(KSFT_SKIP);
	}
	return fd;
}

const char *device_module_name(void)
{
	const char *path = minikvm_device_path();
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strcmp(base, "kvm") ? "minikvm" : "kvm";
}

const char *exit_reason_str(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "?";
}

const char *ioctl_name(unsigned long cmd)
{
	switch (cmd) {
#define C(x) case x: return #x
	C(KVM_GET_API_VERSION);
	C(KVM_CREATE_VM);
	C(KVM_CHECK_EXTENSION);
	C(KVM_GET_VCPU_MMAP_SIZE);
	C(KVM_SET_USER_MEMORY_REGION);
	C(KVM_CREATE_VCPU);
	C(KVM_RUN);
	C(KVM_GET_REGS);
	C(KVM_SET_REGS);
	C(KVM_GET_SREGS);
	C(KVM_SET_SREGS);
	C(KVM_ENABLE_CAP);
	C(KVM_GET_DIRTY_LOG);
	C(KVM_CLEAR_DIRTY_LOG);
#undef C
	}
	return "ioctl";
}

int kvm_check_cap(int sys_fd, long cap)
{
	return kvm_ioctl(sys_fd, KVM_CHECK_EXTENSION, cap);
}

/*
 * The KVM_CREATE_VM type of the library's VMs: MINIKVM_MMU=shadow asks for
 * minikvm's shadow MMU where the device offers it per VM (minikvm); other
 * devices (stock KVM) get the default type, whatever their MMU.
 */
unsigned long kvm_vm_type(int sys_fd)
{
	const char *mmu = getenv("MINIKVM_MMU");

	if (!mmu || strcmp(mmu, "shadow"))
		return 0;
	if (ioctl(sys_fd, KVM_CHECK_EXTENSION, MINIKVM_CAP_SHADOW_MMU) <= 0)
		return 0;
	return MINIKVM_X86_SHADOW_MMU_VM;
}

bool select_shadow_mmu(void)
{
	int fd = open_device_or_exit_skip();
	int has = ioctl(fd, KVM_CHECK_EXTENSION, MINIKVM_CAP_SHADOW_MMU);

	close(fd);
	if (has <= 0)
		return false;
	setenv("MINIKVM_MMU", "shadow", 1);
	return true;
}

/* Does /proc/cpuinfo list @flag for the first CPU? */
static bool cpu_has_flag(const char *flag)
{
	char line[4096], *p;
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (p = strtok(strchr(line, ':') + 1, " \n"); p; p = strtok(NULL, " \n"))
			found |= !strcmp(p, flag);
		break;
	}
	fclose(f);
	return found;
}

/* Is the boolean module parameter at @path "N"? */
static bool param_is_off(const char *path)
{
	FILE *f = fopen(path, "r");
	int c;

	if (!f)
		return false;
	c = fgetc(f);
	fclose(f);
	return c == 'N' || c == '0';
}

bool vm_uses_shadow_paging(struct kvm_vm *vm)
{
	if (!cpu_has_flag("npt") && !cpu_has_flag("ept"))
		return true;
	if (!strcmp(device_module_name(), "kvm"))
		return param_is_off("/sys/module/kvm_amd/parameters/npt") ||
		       param_is_off("/sys/module/kvm_intel/parameters/ept");
	return kvm_vm_type(vm->sys_fd) == MINIKVM_X86_SHADOW_MMU_VM;
}

struct kvm_vm *vm_create_barebones(void)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "out of memory");
	vm->sys_fd = open_device_or_exit_skip();
	vm->fd = kvm_ioctl(vm->sys_fd, KVM_CREATE_VM, kvm_vm_type(vm->sys_fd));
	vm->run_size = kvm_ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	return vm;
}

void kvm_vm_free(struct kvm_vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < MAX_VCPUS; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		munmap(vcpu->run, vcpu->run_size);
		close(vcpu->fd);
		free(vcpu);
	}
	close(vm->fd);
	close(vm->sys_fd);
	for (i = 0; i < MAX_MEM_REGIONS; i++)
		if (vm->regions[i].host_mem)
			munmap(vm->regions[i].host_mem,
			       vm->regions[i].mmap_size);
	free(vm);
}

int __vm_set_user_memory_region(struct kvm_vm *vm, uint32_t slot,
				uint32_t flags, gpa_t gpa, uint64_t size,
				void *hva)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

void vm_set_user_memory_region(struct kvm_vm *vm, uint32_t slot,
			       uint32_t flags, gpa_t gpa, uint64_t size,
			       void *hva)
{
	int r = __vm_set_user_memory_region(vm, slot, flags, gpa, size, hva);

	TEST_ASSERT(!r, "KVM_SET_USER_MEMORY_REGION slot %u gpa 0x%llx size 0x%llx: %s",
		    slot, (unsigned long long)gpa, (unsigned long long)size,
		    strerror(errno));
	if (slot < MAX_MEM_REGIONS) {
		struct mem_region *mr = &vm->regions[slot];

		mr->in_use = size != 0;
		mr->kvm.slot = slot;
		mr->kvm.flags = flags;
		mr->kvm.guest_phys_addr = gpa;
		mr->kvm.memory_size = size;
		mr->kvm.userspace_addr = (uint64_t)(uintptr_t)hva;
	}
}

void *vm_add_anon_region(struct kvm_vm *vm, uint32_t slot, gpa_t gpa,
			 uint64_t size)
{
	struct mem_region *mr;
	void *mem;

	TEST_ASSERT(slot < MAX_MEM_REGIONS, "slot %u beyond the library's table",
		    slot);
	mr = &vm->regions[slot];
	TEST_ASSERT(!mr->in_use && !mr->host_mem, "slot %u already used", slot);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap of %llu bytes: %s",
		    (unsigned long long)size, strerror(errno));
	mr->host_mem = mem;
	mr->mmap_size = size;
	vm_set_user_memory_region(vm, slot, 0, gpa, size, mem);
	return mem;
}

void vm_move_region(struct kvm_vm *vm, uint32_t slot, gpa_t new_gpa)
{
	struct mem_region *mr = &vm->regions[slot];

	TEST_ASSERT(slot < MAX_MEM_REGIONS && mr->in_use, "slot %u unused", slot);
	vm_set_user_memory_region(vm, slot, mr->kvm.flags, new_gpa,
				  mr->kvm.memory_size,
				  (void *)(uintptr_t)mr->kvm.userspace_addr);
}

void vm_delete_region(struct kvm_vm *vm, uint32_t slot)
{
	struct mem_region *mr = &vm->regions[slot];

	TEST_ASSERT(slot < MAX_MEM_REGIONS && mr->in_use, "slot %u unused", slot);
	vm_set_user_memory_region(vm, slot, 0, mr->kvm.guest_phys_addr, 0,
				  (void *)(uintptr_t)mr->kvm.userspace_addr);
}

void vm_add_region(struct kvm_vm *vm, uint32_t slot, uint32_t flags, gpa_t gpa,
		   uint64_t size, void *mem)
{
	TEST_ASSERT(slot < MAX_MEM_REGIONS && !vm->regions[slot].in_use,
		    "slot %u unusable", slot);
	vm_set_user_memory_region(vm, slot, flags, gpa, size, mem);
}

void vm_set_region_flags(struct kvm_vm *vm, uint32_t slot, uint32_t flags)
{
	struct mem_region *mr = &vm->regions[slot];

	TEST_ASSERT(slot < MAX_MEM_REGIONS && mr->in_use, "slot %u unused", slot);
	vm_set_user_memory_region(vm, slot, flags, mr->kvm.guest_phys_addr,
				  mr->kvm.memory_size,
				  (void *)(uintptr_t)mr->kvm.userspace_addr);
}

int __vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg0 } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &c);
}

void vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0)
{
	int r = __vm_enable_cap(vm, cap, arg0);

	__check_ioctl(r, KVM_ENABLE_CAP, "VM fd");
}

int __vm_get_dirty_log(struct kvm_vm *vm, uint32_t slot, void *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

void vm_get_dirty_log(struct kvm_vm *vm, uint32_t slot, void *bitmap)
{
	int r = __vm_get_dirty_log(vm, slot, bitmap);

	__check_ioctl(r, KVM_GET_DIRTY_LOG, "VM fd");
}

int __vm_clear_dirty_log(struct kvm_vm *vm, uint32_t slot, void *bitmap,
			 uint64_t first_page, uint32_t num_pages)
{
	struct kvm_clear_dirty_log log = {
		.slot = slot, .num_pages = num_pages, .first_page = first_page,
		.dirty_bitmap = bitmap,
	};

	return ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &log);
}

void vm_clear_dirty_log(struct kvm_vm *vm, uint32_t slot, void *bitmap,
			uint64_t first_page, uint32_t num_pages)
{
	int r = __vm_clear_dirty_log(vm, slot, bitmap, first_page, num_pages);

	__check_ioctl(r, KVM_CLEAR_DIRTY_LOG, "VM fd");
}

long vm_get_stat(struct kvm_vm *vm, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%d-%d/%s",
		 device_module_name(), (int)getpid(), vm->fd, name);
	return read_long_file(path);
}

void *addr_gpa2hva_or_null(struct kvm_vm *vm, gpa_t gpa)
{
	unsigned int i;

	for (i = 0; i < MAX_MEM_REGIONS; i++) {
		struct mem_region *mr = &vm->regions[i];

		if (mr->in_use && gpa >= mr->kvm.guest_phys_addr &&
		    gpa - mr->kvm.guest_phys_addr < mr->kvm.memory_size)
			return (uint8_t *)(uintptr_t)mr->kvm.userspace_addr +
			       (gpa - mr->kvm.guest_phys_addr);
	}
	return NULL;
}

void *addr_gpa2hva(struct kvm_vm *vm, gpa_t gpa)
{
	void *hva = addr_gpa2hva_or_null(vm, gpa);

	TEST_ASSERT(hva, "no memslot covers GPA 0x%llx", (unsigned long long)gpa);
	return hva;
}

struct kvm_vcpu *vm_vcpu_add_raw(struct kvm_vm *vm, uint32_t id)
{
	struct kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));

	TEST_ASSERT(vcpu, "out of memory");
	TEST_ASSERT(id < MAX_VCPUS && !vm->vcpus[id], "bad vCPU id %u", id);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = vm_ioctl(vm, KVM_CREATE_VCPU, (unsigned long)id);
	vcpu->run_size = vm->run_size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap of kvm_run: %s",
		    strerror(errno));
	vm->vcpus[id] = vcpu;
	return vcpu;
}

int __vcpu_run(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0);
}

void vcpu_run(struct kvm_vcpu *vcpu)
{
	int r;

	r = __vcpu_run(vcpu);
	TEST_ASSERT(!r, "KVM_RUN on vCPU %u: rc %d errno %d (%s), exit reason %u (%s)",
		    vcpu->id, r, errno, strerror(errno),
		    vcpu->run->exit_reason,
		    exit_reason_str(vcpu->run->exit_reason));
}

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_GET_REGS, regs);
}

void vcpu_regs_set(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_SET_REGS, regs);
}

void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	vcpu_ioctl(vcpu, KVM_GET_SREGS, sregs);
}

void vcpu_sregs_set(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	vcpu_ioctl(vcpu, KVM_SET_SREGS, sregs);
}

uint32_t vcpu_expect_io(struct kvm_vcpu *vcpu, uint8_t direction,
			uint16_t port, uint8_t size)
{
	struct kvm_run *run = vcpu->run;
	uint32_t val = 0;

	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_IO);
	TEST_ASSERT(run->io.direction == direction && run->io.port == port &&
		    run->io.size == size && run->io.count == 1,
		    "I/O exit dir %u port 0x%x size %u count %u, expected dir %u port 0x%x size %u count 1",
		    run->io.direction, run->io.port, run->io.size,
		    run->io.count, direction, port, size);
	TEST_ASSERT(run->io.data_offset >= PAGE_SIZE &&
		    run->io.data_offset + size <= vcpu->run_size,
		    "I/O data offset 0x%llx outside the run mapping",
		    (unsigned long long)run->io.data_offset);
	if (direction == KVM_EXIT_IO_OUT)
		memcpy(&val, vcpu_io_data(vcpu), size);
	return val;
}
