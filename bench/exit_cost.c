// SPDX-License-Identifier: GPL-2.0
/*
 * exit_cost: the cost of a guest exit, in host instructions, on minikvm or
 * on stock KVM (the device is argv[1], default /dev/minikvm).
 *
 * Run it inside Lane A under QEMU's -icount shift=0: guest time then
 * advances one nanosecond per executed instruction, so CLOCK_MONOTONIC
 * deltas taken here are instruction counts of the whole emulated machine,
 * repeatable to a fraction of a percent.
 *
 *   out    an OUT loop: every iteration exits to userspace and back
 *   cpuid  a CPUID loop: every iteration exits to the kernel only
 *
 * Output: one line per workload, "<name> <instructions per exit>".
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

#define GUEST_BASE	0x1000
#define MEM_SIZE	0x10000

/* Real-mode guests, assembled by gcc; copied to GUEST_BASE. */
extern const unsigned char out_loop[], out_loop_end[];
extern const unsigned char cpuid_loop[], cpuid_loop_end[];
asm(".pushsection .rodata\n"
    ".code16\n"
    "out_loop:\n"
    "1:	outb %al, $0x10\n"
    "	jmp 1b\n"
    "out_loop_end:\n"
    /* ESI iterations of CPUID(0), then OUT to report, then HLT. */
    "cpuid_loop:\n"
    "2:	xorl %eax, %eax\n"
    "	cpuid\n"
    "	decl %esi\n"
    "	jnz 2b\n"
    "	outb %al, $0x11\n"
    "	hlt\n"
    "cpuid_loop_end:\n"
    ".code64\n"
    ".popsection\n");

static void die(const char *what)
{
	fprintf(stderr, "exit_cost: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct vm {
	int vm_fd, vcpu_fd;
	struct kvm_run *run;
	unsigned char *mem;
};

static void vm_create(struct vm *vm, const char *dev)
{
	struct kvm_userspace_memory_region region = { 0 };
	int sys_fd = open(dev, O_RDWR);
	long mmap_size;

	if (sys_fd < 0)
		die(dev);
	vm->vm_fd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		die("KVM_CREATE_VM");
	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("mmap");
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		die("KVM_CREATE_VCPU");
	mmap_size = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		die("mmap kvm_run");
	close(sys_fd);
}

static void vm_load(struct vm *vm, const unsigned char *code, size_t len,
		    uint64_t esi)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = GUEST_BASE, .rsi = esi, .rflags = 2 };

	memcpy(vm->mem + GUEST_BASE, code, len);
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}

static void vm_run_expect(struct vm *vm, unsigned int reason, int port)
{
	if (ioctl(vm->vcpu_fd, KVM_RUN, 0))
		die("KVM_RUN");
	if (vm->run->exit_reason != reason ||
	    (port >= 0 && vm->run->io.port != port)) {
		fprintf(stderr, "exit_cost: unexpected exit %u (port %#x)\n",
			vm->run->exit_reason, vm->run->io.port);
		exit(1);
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void vm_destroy(struct vm *vm)
{
	close(vm->vcpu_fd);
	close(vm->vm_fd);
	munmap(vm->mem, MEM_SIZE);
}

/* Instructions per OUT exit to userspace, over @n exits. */
static double bench_out(const char *dev, long n)
{
	struct vm vm;
	double t0;
	long i;

	vm_create(&vm, dev);
	vm_load(&vm, out_loop, out_loop_end - out_loop, 0);
	vm_run_expect(&vm, KVM_EXIT_IO, 0x10);	/* warm up: fault the page in */
	t0 = now_ns();
	for (i = 0; i < n; i++)
		vm_run_expect(&vm, KVM_EXIT_IO, 0x10);
	t0 = (now_ns() - t0) / n;
	vm_destroy(&vm);
	return t0;
}

/* Instructions per in-kernel CPUID exit: two runs, the difference. */
static double bench_cpuid(const char *dev, long n)
{
	double t[2];
	long iters[2] = { 1, n + 1 };
	struct vm vm;
	int k;

	for (k = 0; k < 2; k++) {
		vm_create(&vm, dev);
		vm_load(&vm, cpuid_loop, cpuid_loop_end - cpuid_loop, iters[k]);
		t[k] = now_ns();
		vm_run_expect(&vm, KVM_EXIT_IO, 0x11);
		t[k] = now_ns() - t[k];
		vm_destroy(&vm);
	}
	return (t[1] - t[0]) / n;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/minikvm";
	long n = argc > 2 ? atol(argv[2]) : 2000;

	printf("out %.0f\n", bench_out(dev, n));
	printf("cpuid %.0f\n", bench_cpuid(dev, n));
	return 0;
}
