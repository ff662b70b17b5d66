// SPDX-License-Identifier: GPL-2.0
/*
 * tdp_cost: what the MMU costs the host, in instructions per guest page,
 * on minikvm or on stock KVM (the device is argv[1], default /dev/minikvm;
 * argv[2] the number of 4 KiB pages, default 8192; argv[3] "shadow" makes
 * minikvm's VM a shadow-paging one, MINIKVM_X86_SHADOW_MMU_VM, and turns
 * the guest's paging on: stock KVM has no per-VM choice, load kvm_amd with
 * npt=0 for its shadow figures).
 *
 * Run it inside Lane A under QEMU's -icount shift=0 (see exit_cost.c): the
 * CLOCK_MONOTONIC deltas taken here are instruction counts.
 *
 * A flat 32-bit guest writes one dword to every page of a data slot
 * backed by anonymous memory without transparent huge pages (as the
 * upstream dirty_log_perf_test's default "anonymous" backing), then exits
 * with an OUT.  Each KVM_RUN is one such pass:
 *
 *   pass 0  every page demand-faulted: host page allocation + TDP fault
 *   pass 1  no fault: the baseline (the loop itself and one exit)
 *   then dirty logging starts (write-protecting the slot), a pass, and
 *   KVM_GET_DIRTY_LOG (write-protecting again);
 *   pass 2  every write takes a dirty-logging write fault (the
 *           dirty_log_perf_test's second iteration)
 *
 * With "shadow", the guest maps itself with 32-bit paging and 4 KiB pages
 * (identity; Accessed and Dirty clear, as a guest kernel leaves fresh
 * PTEs), so each shadow fault walks the guest's tables, sets their A/D
 * bits, and fills an indirect shadow page: the shadow MMU's common case.
 *
 * Output, one line each: "demand <instructions per page>", "dirty
 * <instructions per page>" (both minus the baseline) and, if debugfs has
 * the VM's statistics, "dirty_fast_pct <share of pass 2's faults fixed by
 * the fast page fault, in %>".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../include/uapi/linux/minikvm.h"

#define CODE_GPA	0x1000
#define CODE_SIZE	0x20000
#define PD_GPA		0x10000		/* then the page tables */
#define DATA_GPA	0x10000000ULL	/* 256 MiB */
#define PAGE_SIZE	4096UL

/* EDI: first page, ESI: number of pages.  One pass per KVM_RUN. */
extern const unsigned char touch_loop[], touch_loop_end[];
asm(".pushsection .rodata\n"
    ".code32\n"
    "touch_loop:\n"
    "1:	movl %esi, %ecx\n"
    "	movl %edi, %edx\n"
    "2:	movl %eax, (%edx)\n"
    "	addl $4096, %edx\n"
    "	decl %ecx\n"
    "	jnz 2b\n"
    "	incl %eax\n"
    "	outb %al, $0x12\n"
    "	jmp 1b\n"
    "touch_loop_end:\n"
    ".code64\n"
    ".popsection\n");

static void die(const char *what)
{
	fprintf(stderr, "tdp_cost: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct vm {
	int vm_fd, vcpu_fd;
	struct kvm_run *run;
	unsigned char *code, *data;
	unsigned long pages;
};

static void set_region(struct vm *vm, int slot, uint32_t flags, uint64_t gpa,
		       uint64_t size, void *mem)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)mem,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION");
}

static void *anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* 4 KiB host pages: one TDP fault per guest page. */
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

static void seg_flat(struct kvm_segment *s, uint8_t type)
{
	*s = (struct kvm_segment){
		.limit = 0xffffffff, .type = type, .present = 1, .s = 1,
		.db = 1, .g = 1,
	};
}

/*
 * Identity-maps the code slot and the data slot with 32-bit paging, 4 KiB
 * pages (PDE/PTE: present, writable); returns CR3.
 */
static uint32_t guest_page_tables(struct vm *vm)
{
	uint32_t *pd = (uint32_t *)(vm->code + PD_GPA), *pt;
	uint32_t next = PD_GPA + 0x1000;
	uint64_t gpa;

	for (gpa = 0; gpa < CODE_SIZE + DATA_GPA + vm->pages * PAGE_SIZE; gpa += PAGE_SIZE) {
		if (gpa == CODE_SIZE)
			gpa = DATA_GPA;
		if (!pd[gpa >> 22]) {
			if (next >= CODE_SIZE) {
				fprintf(stderr, "tdp_cost: too many pages for shadow mode\n");
				exit(1);
			}
			pd[gpa >> 22] = next | 3;
			next += 0x1000;
		}
		pt = (uint32_t *)(vm->code + (pd[gpa >> 22] & ~0xfffu));
		pt[(gpa >> 12) & 0x3ff] = (uint32_t)gpa | 3;
	}
	return PD_GPA;
}

/* Flat 32-bit protected mode at CODE_GPA, paging off unless @paged. */
static void vcpu_setup(struct vm *vm, int paged)
{
	struct kvm_regs regs = {
		.rip = CODE_GPA, .rdi = DATA_GPA, .rsi = vm->pages, .rflags = 2,
	};
	struct kvm_sregs sregs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	sregs.cr0 = 0x11;	/* PE, ET */
	if (paged) {
		sregs.cr3 = guest_page_tables(vm);
		sregs.cr4 = 0;
		sregs.efer = 0;
		sregs.cr0 |= 0x80010000;	/* PG, WP */
	}
	seg_flat(&sregs.cs, 11);
	seg_flat(&sregs.ds, 3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}

static void vm_create(struct vm *vm, const char *dev, unsigned long pages,
		      int shadow)
{
	int sys_fd = open(dev, O_RDWR);
	unsigned long type = 0;
	long mmap_size;

	if (sys_fd < 0)
		die(dev);
	if (shadow && ioctl(sys_fd, KVM_CHECK_EXTENSION, MINIKVM_CAP_SHADOW_MMU) > 0)
		type = MINIKVM_X86_SHADOW_MMU_VM;
	vm->pages = pages;
	vm->vm_fd = ioctl(sys_fd, KVM_CREATE_VM, type);
	if (vm->vm_fd < 0)
		die("KVM_CREATE_VM");
	vm->code = anon(CODE_SIZE);
	vm->data = anon(pages * PAGE_SIZE);
	memcpy(vm->code + CODE_GPA, touch_loop, touch_loop_end - touch_loop);
	set_region(vm, 0, 0, 0, CODE_SIZE, vm->code);
	set_region(vm, 1, 0, DATA_GPA, pages * PAGE_SIZE, vm->data);

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		die("KVM_CREATE_VCPU");
	mmap_size = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		die("mmap kvm_run");
	close(sys_fd);
	vcpu_setup(vm, shadow);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One pass over every page; returns its duration (instructions). */
static double pass(struct vm *vm)
{
	double t = now_ns();

	if (ioctl(vm->vcpu_fd, KVM_RUN, 0))
		die("KVM_RUN");
	t = now_ns() - t;
	if (vm->run->exit_reason != KVM_EXIT_IO || vm->run->io.port != 0x12) {
		fprintf(stderr, "tdp_cost: unexpected exit %u\n",
			vm->run->exit_reason);
		exit(1);
	}
	return t;
}

static void get_dirty_log(struct vm *vm)
{
	static uint64_t bitmap[1 << 16];
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = bitmap };

	if (vm->pages > sizeof(bitmap) * 8) {
		fprintf(stderr, "tdp_cost: too many pages\n");
		exit(1);
	}
	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log))
		die("KVM_GET_DIRTY_LOG");
}

/* A statistic from the VM's debugfs directory (stock KVM or minikvm), or -1. */
static long stat_of(struct vm *vm, const char *dev, const char *name)
{
	const char *base = strrchr(dev, '/');
	char path[256];
	long v = -1;
	FILE *f;

	base = base ? base + 1 : dev;
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%d-%d/%s",
		 strcmp(base, "kvm") ? "minikvm" : "kvm", getpid(), vm->vm_fd, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/minikvm";
	unsigned long pages = argc > 2 ? strtoul(argv[2], NULL, 0) : 8192;
	int shadow = argc > 3 && !strcmp(argv[3], "shadow");
	double demand, plain, dirty;
	long fast0, taken0, fast, taken;
	struct vm vm;

	vm_create(&vm, dev, pages, shadow);
	demand = pass(&vm);
	plain = pass(&vm);

	set_region(&vm, 1, KVM_MEM_LOG_DIRTY_PAGES, DATA_GPA, pages * PAGE_SIZE,
		   vm.data);
	pass(&vm);
	get_dirty_log(&vm);
	fast0 = stat_of(&vm, dev, "pf_fast");
	taken0 = stat_of(&vm, dev, "pf_taken");
	dirty = pass(&vm);
	fast = stat_of(&vm, dev, "pf_fast") - fast0;
	taken = stat_of(&vm, dev, "pf_taken") - taken0;

	printf("demand %.0f\n", (demand - plain) / pages);
	printf("dirty %.0f\n", (dirty - plain) / pages);
	if (fast0 >= 0 && taken0 >= 0 && taken > 0)
		printf("dirty_fast_pct %.2f\n", 100.0 * fast / taken);
	return 0;
}
