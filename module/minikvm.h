/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Core objects of minikvm: the VM, the vCPU and the memslots, and the API
 * between the core files.  Vendor code (svm/, vmx/) embeds struct
 * minikvm_vcpu in its own vCPU struct and reaches it through the ops table
 * declared in x86.h.
 */
#ifndef MINIKVM_MODULE_MINIKVM_H
#define MINIKVM_MODULE_MINIKVM_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/xarray.h>
#include <linux/mm_types.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>

#include "types.h"
#include "mmu/mmu.h"

/* Limits: the same numbers stock KVM x86 advertises. */
#define MINIKVM_API_VERSION	12
#define MINIKVM_MAX_VCPUS	1024
#define MINIKVM_MAX_VCPU_IDS	4096
#define MINIKVM_USER_MEM_SLOTS	32764
#define MINIKVM_MEM_MAX_NR_PAGES ((1UL << 31) - 1)

/*
 * vCPU mmap layout: page 0 is struct kvm_run, page 1 the PIO data page,
 * page 2 the VM's coalesced MMIO ring (KVM_COALESCED_MMIO_PAGE_OFFSET).
 */
#define MINIKVM_VCPU_MMAP_PAGES	3

/* General purpose registers, in the x86 encoding order. */
enum minikvm_reg {
	MINIKVM_REG_RAX, MINIKVM_REG_RCX, MINIKVM_REG_RDX, MINIKVM_REG_RBX,
	MINIKVM_REG_RSP, MINIKVM_REG_RBP, MINIKVM_REG_RSI, MINIKVM_REG_RDI,
	MINIKVM_REG_R8, MINIKVM_REG_R9, MINIKVM_REG_R10, MINIKVM_REG_R11,
	MINIKVM_REG_R12, MINIKVM_REG_R13, MINIKVM_REG_R14, MINIKVM_REG_R15,
	MINIKVM_NR_GPRS,
};

struct minikvm_vm;
struct minikvm_emulator;
struct minikvm_mmio_bus;
struct minikvm_coalesced_mmio;

/**
 * struct minikvm_memslot - one guest-physical range backed by user memory.
 *
 * Readers hold vm->mmu.lock or vm->slots_lock; writers (create, move,
 * delete) hold both.
 */
struct minikvm_memslot {
	struct rb_node gfn_node;
	u16 id;
	u32 flags;
	gfn_t base_gfn;
	unsigned long npages;
	hva_t userspace_addr;
};

/* The host address of @gfn, which must lie in @slot. */
static inline hva_t minikvm_gfn_to_hva_memslot(const struct minikvm_memslot *slot,
					       gfn_t gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

struct minikvm_memslots {
	struct rb_root gfn_tree;	/* by base_gfn, non-overlapping */
	struct xarray by_id;		/* slot id -> memslot */
	unsigned long nr_pages;		/* sum of npages of all slots */
};

/* vCPU requests, bits in vcpu->requests: set by anyone, consumed by the vCPU. */
#define MINIKVM_REQ_TLB_FLUSH	0

enum minikvm_vcpu_mode {
	MINIKVM_OUTSIDE_GUEST_MODE,
	MINIKVM_IN_GUEST_MODE,
};

/* An exit to userspace for port I/O that KVM_RUN must complete (IN). */
struct minikvm_pio {
	bool pending_in;
	u8 size;
	u16 port;
};

/* One queued exception, injected at the next entry. */
struct minikvm_exception {
	bool pending;
	bool has_error_code;
	u8 vector;
	u32 error_code;
};

/**
 * struct minikvm_vcpu - the vendor-neutral part of a vCPU.
 * @mutex: serializes the vCPU's ioctls; held for the whole of KVM_RUN.
 * @mode: IN_GUEST_MODE while between the last request check and the exit;
 *	written by the vCPU thread, read by minikvm_make_all_vcpus_request().
 * @requests: MINIKVM_REQ_* bits; set with set_bit() by any thread, cleared by
 *	the vCPU thread with test_and_clear_bit().
 *
 * Fields below @mutex are only touched by the thread holding @mutex.
 */
struct minikvm_vcpu {
	struct minikvm_vm *vm;
	u32 vcpu_id;
	struct kvm_run *run;
	void *pio_data;

	struct mutex mutex;		/* serializes the vCPU's ioctls */
	int mode;
	unsigned long requests;
	int cpu;			/* last host CPU it ran on, -1 before */

	u64 regs[MINIKVM_NR_GPRS];
	u64 rip;
	u64 rflags;
	u64 apic_base;			/* no local APIC yet: just stored */

	struct minikvm_pio pio;
	struct minikvm_exception exception;
	struct fpu_guest guest_fpu;
	struct minikvm_emulator *emul;	/* emulate/: the MMIO instruction */
};

/**
 * struct minikvm_vm - one virtual machine, owned by its VM fd and vCPU fds.
 * @users: references: the VM fd and one per vCPU fd.
 * @mm: the creating process' mm; all VM and vCPU ioctls must come from it.
 * @lock: protects @vcpus and @created_vcpus.
 * @slots_lock: serializes memslot updates (outer to @mmu.lock).
 * @slots: the memslots; see struct minikvm_memslot for the locking.
 * @bugged: set by MINIKVM_BUG_ON(); every later ioctl fails with -EIO.
 * @mmio_bus: the in-kernel MMIO devices (emulate/mmio_bus.h); RCU,
 *	replaced under @slots_lock.
 * @coalesced: the coalesced MMIO ring and zones (emulate/coalesced_mmio.c).
 */
struct minikvm_vm {
	refcount_t users;
	struct mm_struct *mm;

	struct mutex lock;		/* protects vcpus, created_vcpus */
	struct xarray vcpus;		/* vcpu_id -> vcpu */
	unsigned int created_vcpus;

	struct mutex slots_lock;	/* serializes memslot updates */
	struct minikvm_memslots slots;

	struct minikvm_mmu mmu;
	bool bugged;
	struct minikvm_mmio_bus __rcu *mmio_bus;
	struct minikvm_coalesced_mmio *coalesced;
};

/*
 * A broken invariant kills the VM, never the host: warn once, mark the VM
 * bugged and let every later ioctl on it fail with -EIO.
 */
#define MINIKVM_BUG_ON(cond, vm)					\
({									\
	bool __ret = !!(cond);						\
									\
	if (WARN_ON_ONCE(__ret))					\
		WRITE_ONCE((vm)->bugged, true);				\
	unlikely(__ret);						\
})

/* main.c */
long minikvm_check_extension(struct minikvm_vm *vm, long ext);

/* virt.c */
int minikvm_virt_init(void);
void minikvm_virt_exit(void);

/* vm.c */
int minikvm_dev_ioctl_create_vm(unsigned long type);
void minikvm_vm_get(struct minikvm_vm *vm);
void minikvm_vm_put(struct minikvm_vm *vm);
void minikvm_make_all_vcpus_request(struct minikvm_vm *vm, int req);

/* memslot.c */
void minikvm_memslots_init(struct minikvm_memslots *slots);
void minikvm_memslots_free(struct minikvm_vm *vm);
int minikvm_vm_ioctl_set_memory_region(struct minikvm_vm *vm,
				       const struct kvm_userspace_memory_region *mem);
struct minikvm_memslot *minikvm_gfn_to_memslot(struct minikvm_vm *vm, gfn_t gfn);

/* vcpu.c */
int minikvm_vm_ioctl_create_vcpu(struct minikvm_vm *vm, unsigned long id);
void minikvm_vcpu_destroy(struct minikvm_vcpu *vcpu);

/* x86.c */
int minikvm_vcpu_ioctl_run(struct minikvm_vcpu *vcpu);
void minikvm_queue_exception(struct minikvm_vcpu *vcpu, u8 vector,
			     bool has_error_code, u32 error_code);
int minikvm_exit_pio(struct minikvm_vcpu *vcpu, bool in, u16 port, u8 size);
int minikvm_exit_internal_error(struct minikvm_vcpu *vcpu, u32 suberror,
				u64 data0, u64 data1);

#endif /* MINIKVM_MODULE_MINIKVM_H */
