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
#include <linux/refcount.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/mm_types.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>

#include "types.h"
#include "cpuid.h"
#include "events.h"
#include "msr.h"
#include "stats.h"
#include "tsc.h"
#include "mmu/mmu.h"
#include "irq/lapic.h"

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
struct minikvm_irqchip;
struct minikvm_emulator;
struct minikvm_mmio_bus;
struct minikvm_coalesced_mmio;

/*
 * Memslot flags of minikvm's own, above the uapi KVM_MEM_* bits: the slot
 * is being deleted or moved; faults on it retry until the update is done.
 */
#define MINIKVM_MEMSLOT_INVALID	BIT(16)

/**
 * struct minikvm_memslot - one guest-physical range backed by user memory.
 * @id: the slot id (KVM_SET_USER_MEMORY_REGION's slot, address space 0).
 * @flags: KVM_MEM_* and MINIKVM_MEMSLOT_INVALID.
 * @base_gfn: the first guest frame.
 * @npages: the number of frames.
 * @userspace_addr: the host address of @base_gfn.
 * @dirty_bitmap: with KVM_MEM_LOG_DIRTY_PAGES, one bit per page (set with
 *	atomic bit operations by faults, collected by the dirty log ioctls),
 *	followed by a second bitmap of the same size that the ioctls use as a
 *	buffer; NULL otherwise.
 *
 * Immutable once published (a change publishes a new copy), apart from
 * the bits of @dirty_bitmap.  Readers hold vm->srcu or vm->slots_lock.
 */
struct minikvm_memslot {
	u16 id;
	u32 flags;
	gfn_t base_gfn;
	unsigned long npages;
	hva_t userspace_addr;
	unsigned long *dirty_bitmap;
};

/* The host address of @gfn, which must lie in @slot. */
static inline hva_t minikvm_gfn_to_hva_memslot(const struct minikvm_memslot *slot,
					       gfn_t gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

/**
 * struct minikvm_memslots - one published set of memslots (vm->memslots).
 * @generation: bumped by every publication; MMIO sptes carry its low bits.
 * @nr: the number of slots.
 * @slots: the slots, sorted by base_gfn, non-overlapping.
 *
 * Never modified once published: an update builds a new set, publishes it
 * with rcu_assign_pointer() and frees the old one after an SRCU grace
 * period of vm->srcu.
 */
struct minikvm_memslots {
	u64 generation;
	int nr;
	struct minikvm_memslot *slots[];
};

/* The memslot writers' index, protected by vm->slots_lock. */
struct minikvm_memslot_index {
	struct xarray by_id;		/* slot id -> its current memslot */
	unsigned long nr_pages;		/* sum of npages of all slots */
};

/*
 * vCPU requests, bits in vcpu->requests: set by anyone with
 * minikvm_make_request(), consumed by the vCPU before it enters the guest.
 * Any bit set keeps the vCPU from entering until it has been handled.
 */
#define MINIKVM_REQ_TLB_FLUSH		0	/* flush the vCPU's guest TLB */
#define MINIKVM_REQ_EVENT		1	/* re-evaluate event injection */
#define MINIKVM_REQ_NMI			2	/* KVM_NMI queued an NMI */
#define MINIKVM_REQ_TRIPLE_FAULT	3	/* shut down at the next entry */
#define MINIKVM_REQ_MMU_RELOAD		4	/* the root is invalid: load another */
/*
 * The guest flushed its TLB (CR3 load, CR0/CR4 writes that flush): a
 * shadow MMU first syncs its unsync pages, then the TLB is flushed.
 * MINIKVM_REQ_TLB_FLUSH is for the host's own reasons (zaps), no sync.
 */
#define MINIKVM_REQ_TLB_FLUSH_GUEST	5

enum minikvm_vcpu_mode {
	MINIKVM_OUTSIDE_GUEST_MODE,
	MINIKVM_IN_GUEST_MODE,
};

/*
 * An exit to userspace for port I/O, completed at the next KVM_RUN: the
 * instruction at @rip ends at @next_rip, and an IN takes its data then.
 */
struct minikvm_pio {
	bool in;
	u8 size;
	u16 port;
	u64 rip;
	u64 next_rip;
};

/*
 * vcpu->mp_state: without an in-kernel local APIC always RUNNABLE.  With
 * one: HALTED after HLT (the vCPU sleeps in KVM_RUN until an event),
 * UNINITIALIZED for an AP not yet started, INIT_RECEIVED after INIT until
 * a SIPI.  Written only by the vCPU thread.
 */

/**
 * struct minikvm_vcpu - the vendor-neutral part of a vCPU.
 * @mutex: serializes the vCPU's ioctls; held for the whole of KVM_RUN.
 * @mode: IN_GUEST_MODE while between the last request check and the exit;
 *	written by the vCPU thread, read by minikvm_make_request().
 * @requests: MINIKVM_REQ_* bits; set with set_bit() by any thread, cleared by
 *	the vCPU thread with test_and_clear_bit().
 * @cpu: the host CPU the vCPU last entered the guest on, -1 before.
 * @wq: where the vCPU thread sleeps while halted or waiting for INIT/SIPI;
 *	woken by minikvm_vcpu_wake() (interrupt delivery, the APIC timer).
 * @apic: the in-kernel local APIC, or NULL; set before the vCPU is
 *	published and freed with it, so other threads may follow it.
 *
 * Fields below @cpu are only touched by the thread holding @mutex.
 */
struct minikvm_vcpu {
	struct minikvm_vm *vm;
	u32 vcpu_id;
	struct kvm_run *run;
	void *pio_data;

	struct mutex mutex;		/* serializes the vCPU's ioctls */
	bool sigset_active;		/* KVM_SET_SIGNAL_MASK; vcpu->mutex */
	sigset_t sigset;		/* blocked during KVM_RUN; vcpu->mutex */
	int mode;
	unsigned long requests;
	int cpu;
	wait_queue_head_t wq;
	struct minikvm_lapic *apic;

	u64 regs[MINIKVM_NR_GPRS];
	u64 rip;
	u64 rflags;
	u64 efer;			/* the guest's view; no SVME */
	/* Shadow paging only: the guest's view; the CPU runs with others. */
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 cr8;			/* CR8; the TPR's copy with a local APIC */
	u64 apic_base;			/* WRITE_ONCE: read by interrupt routing */
	u64 xcr0;
	u64 db[4];			/* DR0-3 */
	u64 dr6;
	u64 dr7;
	u64 tsc_offset;			/* guest TSC = host TSC + tsc_offset */
	struct minikvm_vcpu_msrs msrs;

	struct minikvm_queued_exception exception;
	struct minikvm_queued_interrupt interrupt;
	bool nmi_injected;		/* in flight, or interrupted */
	u8 nmi_pending;			/* not yet injected, at most 2 */
	atomic_t nmi_queued;		/* KVM_NMI, folded into nmi_pending */

	u32 mp_state;
	bool has_run;			/* KVM_RUN was called at least once */
	/* Finishes an exit to userspace at the next KVM_RUN (MSR exits). */
	int (*complete_userspace_exit)(struct minikvm_vcpu *vcpu);

	struct minikvm_pio pio;
	struct minikvm_cpuid cpuid;
	struct fpu_guest guest_fpu;
	struct minikvm_vcpu_stat stat;
	char stats_id[MINIKVM_STATS_NAME_SIZE];

	struct minikvm_vcpu_mmu mmu;
	struct minikvm_emulator *emul;	/* emulate/: the instruction in flight */
};

/**
 * struct minikvm_vm - one virtual machine, owned by its VM fd and vCPU fds.
 * @users: references: the VM fd and one per vCPU fd.
 * @mm: the creating process' mm; all VM and vCPU ioctls must come from it.
 * @lock: protects @vcpus, @created_vcpus, @max_vcpu_ids and @bsp_vcpu_id.
 * @max_vcpu_ids: KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID): vCPU ids must be
 *	below it; 0 until set (then MINIKVM_MAX_VCPU_IDS applies); set once.
 * @bsp_vcpu_id: KVM_SET_BOOT_CPU_ID: the vCPU that RESET makes the BSP
 *	(default 0).  Written under @lock while no vCPU exists; frozen from
 *	the first vcpu_reserve() on, so vCPUs read it without the lock.
 * @slots_lock: serializes memslot updates and the dirty log ioctls (outer
 *	to @mmu.lock).
 * @slots: the writers' index of the memslots, under @slots_lock.
 * @srcu: readers of @memslots that may sleep (page faults, MMU notifiers).
 * @memslots: the current memslots: srcu_dereference() under @srcu, or
 *	plain under @slots_lock.
 * @manual_dirty_log_protect: KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 flags, under
 *	@slots_lock.
 * @bugged: set by MINIKVM_BUG_ON(); every later ioctl fails with -EIO.
 * @msr_filter: KVM_X86_SET_MSR_FILTER's filter, or NULL; RCU-protected.
 * @user_space_msr_mask: which failed guest MSR accesses exit to userspace.
 * @irqchip: the in-kernel IOAPIC and PICs (KVM_CREATE_IRQCHIP), or NULL;
 *	set once under @lock before any vCPU exists, freed with the VM.
 * @x2apic_format: KVM_X2APIC_API_USE_32BIT_IDS was enabled.
 * @x2apic_broadcast_quirk_disabled: KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK.
 * @apic_bus_cycle_ns: the APIC timer's bus clock period
 *	(KVM_CAP_X86_APIC_BUS_CYCLES_NS), fixed once a vCPU exists.
 * @mmio_bus_lock: serializes changes to @mmio_bus and the coalesced MMIO
 *	zones; a leaf but for the allocations done under it.
 * @mmio_bus: the in-kernel MMIO devices (emulate/mmio_bus.h): read under
 *	RCU, replaced under @mmio_bus_lock.
 * @coalesced: the coalesced MMIO ring and zones (emulate/coalesced_mmio.c).
 * @exit_on_emulation_failure: KVM_CAP_EXIT_ON_EMULATION_FAILURE; written
 *	by KVM_ENABLE_CAP, read by the vCPUs with READ_ONCE().
 * @disabled_quirks: KVM_X86_QUIRK_* bits turned off with
 *	KVM_CAP_DISABLE_QUIRKS2 (only ever set, under @lock); read by the vCPUs
 *	with READ_ONCE() (minikvm_has_quirk()).
 * @guest_reads_platform_info: KVM_CAP_MSR_PLATFORM_INFO (true at
 *	creation): RDMSR of MSR_PLATFORM_INFO works rather than #GP; written
 *	by KVM_ENABLE_CAP at any time, read by the vCPUs with READ_ONCE().
 */
struct minikvm_vm {
	refcount_t users;
	struct mm_struct *mm;

	struct mutex lock;	/* vcpus, created_vcpus, max/bsp_vcpu_id(s) */
	struct xarray vcpus;		/* vcpu_id -> vcpu */
	unsigned int created_vcpus;
	u32 max_vcpu_ids;		/* vm->lock */
	u32 bsp_vcpu_id;		/* vm->lock; frozen once a vCPU exists */

	struct mutex slots_lock;	/* serializes memslot updates */
	struct minikvm_memslot_index slots;
	struct srcu_struct srcu;
	struct minikvm_memslots __rcu *memslots;
	u64 manual_dirty_log_protect;

	struct minikvm_mmu mmu;
	bool bugged;

	struct minikvm_msr_filter __rcu *msr_filter;	/* vm->lock to replace */
	u32 user_space_msr_mask;	/* KVM_MSR_EXIT_REASON_*, vm->lock */
	struct minikvm_vm_tsc tsc;
	struct minikvm_irqchip *irqchip;
	bool x2apic_format;
	bool x2apic_broadcast_quirk_disabled;
	u64 apic_bus_cycle_ns;
	struct mutex mmio_bus_lock;	/* protects mmio_bus updates */
	struct minikvm_mmio_bus __rcu *mmio_bus;
	struct minikvm_coalesced_mmio *coalesced;
	bool exit_on_emulation_failure;
	bool guest_reads_platform_info;
	u64 disabled_quirks;
	struct minikvm_vm_stat stat;
	char stats_id[MINIKVM_STATS_NAME_SIZE];
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

/*
 * The KVM_X86_QUIRK_* minikvm honours (KVM_CAP_DISABLE_QUIRKS2); every
 * other one is not offered.
 */
#define MINIKVM_SUPPORTED_QUIRKS	(KVM_X86_QUIRK_LINT0_REENABLED | \
					 KVM_X86_QUIRK_FIX_HYPERCALL_INSN)

/* Is KVM's @quirk (one of MINIKVM_SUPPORTED_QUIRKS) still on? */
static inline bool minikvm_has_quirk(struct minikvm_vm *vm, u64 quirk)
{
	return !(READ_ONCE(vm->disabled_quirks) & quirk);
}

/*
 * The vCPU that RESET makes the BSP (KVM_SET_BOOT_CPU_ID).  No lock: the
 * value cannot change once @vcpu is reserved, and reserving it took
 * vm->lock after the last write.
 */
static inline bool minikvm_vcpu_is_reset_bsp(struct minikvm_vcpu *vcpu)
{
	return vcpu->vcpu_id == vcpu->vm->bsp_vcpu_id;
}

/* caps.c */
long minikvm_check_extension(struct minikvm_vm *vm, long ext);

/* virt.c */
int minikvm_virt_init(void);
void minikvm_virt_exit(void);

/* vm.c */
int minikvm_dev_ioctl_create_vm(unsigned long type);
void minikvm_vm_get(struct minikvm_vm *vm);
void minikvm_vm_put(struct minikvm_vm *vm);
void minikvm_make_all_vcpus_request(struct minikvm_vm *vm, int req);
void minikvm_make_request(struct minikvm_vcpu *vcpu, int req);
void minikvm_vcpu_kick(struct minikvm_vcpu *vcpu);
void minikvm_vcpu_wake(struct minikvm_vcpu *vcpu);

/* The current memslots, for a reader holding vm->srcu or vm->slots_lock. */
static inline struct minikvm_memslots *minikvm_memslots(struct minikvm_vm *vm)
{
	return srcu_dereference_check(vm->memslots, &vm->srcu,
				      lockdep_is_held(&vm->slots_lock));
}

/* memslot.c */
int minikvm_memslots_init(struct minikvm_vm *vm);
void minikvm_memslots_free(struct minikvm_vm *vm);
int minikvm_vm_ioctl_set_memory_region(struct minikvm_vm *vm,
				       const struct kvm_userspace_memory_region *mem);
struct minikvm_memslot *minikvm_memslots_find(const struct minikvm_memslots *slots,
					      gfn_t gfn);
struct minikvm_memslot *minikvm_gfn_to_memslot(struct minikvm_vm *vm, gfn_t gfn);

/* dirty_log.c */
void minikvm_mark_page_dirty_in_slot(const struct minikvm_memslot *slot,
				     gfn_t gfn);
unsigned long *minikvm_dirty_bitmap_alloc(struct minikvm_vm *vm,
					  unsigned long npages);
int minikvm_vm_ioctl_get_dirty_log(struct minikvm_vm *vm,
				   const struct kvm_dirty_log *log);
int minikvm_vm_ioctl_clear_dirty_log(struct minikvm_vm *vm,
				     const struct kvm_clear_dirty_log *log);
int minikvm_vm_enable_dirty_log_cap(struct minikvm_vm *vm,
				    const struct kvm_enable_cap *cap);

/* vcpu.c */
int minikvm_vm_ioctl_create_vcpu(struct minikvm_vm *vm, unsigned long id);
void minikvm_vcpu_destroy(struct minikvm_vcpu *vcpu);
void minikvm_vcpu_reset(struct minikvm_vcpu *vcpu, bool init_event);

/* cr.c */
int minikvm_emulate_cr_access(struct minikvm_vcpu *vcpu, int cr);

/* x86.c */
int minikvm_vcpu_ioctl_run(struct minikvm_vcpu *vcpu);
int minikvm_exit_pio(struct minikvm_vcpu *vcpu, bool in, u16 port, u8 size,
		     u64 next_rip);
int minikvm_exit_internal_error(struct minikvm_vcpu *vcpu, u32 suberror,
				u64 data0, u64 data1);

static inline bool minikvm_check_request(struct minikvm_vcpu *vcpu, int req)
{
	return test_and_clear_bit(req, &vcpu->requests);
}

#endif /* MINIKVM_MODULE_MINIKVM_H */
