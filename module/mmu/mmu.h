/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MMU interface used by the core and the backends.
 *
 * minikvm maps guest memory with a TDP ("two-dimensional paging") MMU: one
 * NPT (later EPT) page table per root, shared by every vCPU of the VM.
 * Guest faults run concurrently under mmu_lock held for read and change
 * sptes with cmpxchg; walkers are RCU readers; exclusive operations take
 * mmu_lock for write.  Guest pages are not pinned: a page is referenced
 * only while a fault installs it, and MMU notifiers remove the mapping
 * before the host changes its own.  Documentation/locking.rst has the
 * rules; the files of this directory each do one job:
 *
 *   spte.[ch]      the entry encoding and its invariants
 *   tdp_iter.[ch]  the pre-order walker
 *   tdp_mmu.[ch]   map, zap, split, write-protect, age on the tables
 *   fault.c        the page fault: fast path, slow path, MMIO sptes
 *   faultin.c      the host page behind a guest frame
 *   notifier.c     the MMU notifier and its retry protocol
 *   mmu.c          roots, per-VM and per-vCPU state, memslot changes
 *   stats.c        the per-VM debugfs statistics
 *
 * Without nested paging (or when the VM asks for it) the shadow MMU runs
 * the VM instead (shadow.h, Documentation/mmu.rst): paging.[ch] (the guest
 * walker; guest_walk.c runs it for this MMU and the emulator),
 * shadow_page.c, shadow_root.c, rmap.c, write_track.c, shadow_fault.c,
 * shadow_emulate.c, shadow_sync.c.
 */
#ifndef MINIKVM_MODULE_MMU_MMU_H
#define MINIKVM_MODULE_MMU_MMU_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include "../types.h"

struct dentry;
struct minikvm_vm;
struct minikvm_vcpu;
struct minikvm_memslot;
struct minikvm_mmu_page;
struct minikvm_shadow_mmu;
struct minikvm_shadow_vcpu;

/* VM-wide statistics (debugfs names in stats.c). */
enum minikvm_mmu_vm_stat {
	MMU_STAT_PAGES_4K,		/* leaf sptes mapping 4 KiB */
	MMU_STAT_PAGES_2M,		/* ... 2 MiB */
	MMU_STAT_PAGES_1G,		/* ... 1 GiB */
	MMU_STAT_LEAF_ZAPS,		/* leaves removed (any zap) */
	MMU_STAT_HUGE_SPLITS,		/* huge leaves replaced by a table */
	MMU_STAT_HUGE_RECOVERED,	/* tables zapped to be mapped huge again */
	MMU_STAT_ROOTS_INVALIDATED,	/* "fast zap" of every root */
	MMU_STAT_NOTIFIER_INVAL,	/* invalidate_range_start calls */
	MMU_STAT_NOTIFIER_ZAPPED,	/* ... that removed mappings */
	MMU_STAT_AGE_CALLS,		/* clear/test young calls */
	NR_MMU_VM_STATS,
};

/* Per-vCPU statistics, summed over the VM's vCPUs in debugfs. */
enum minikvm_mmu_vcpu_stat {
	MMU_STAT_PF_TAKEN,		/* TDP faults handled */
	MMU_STAT_PF_FIXED,		/* ... fixed by the slow path */
	MMU_STAT_PF_FAST,		/* ... fixed by the fast path */
	MMU_STAT_PF_SPURIOUS,		/* ... already fixed by someone else */
	MMU_STAT_PF_EMULATE,		/* ... that found no memslot (slow path) */
	MMU_STAT_PF_MMIO_CACHED,	/* ... that hit a current MMIO spte */
	MMU_STAT_PF_MMIO_SPTE_CREATED,	/* MMIO sptes installed */
	MMU_STAT_PF_RETRY,		/* slow path lost a race: guest retries */
	MMU_STAT_PF_FAST_DIRTY,		/* fast path made a spte writable */
	MMU_STAT_PF_WRPROT,		/* write faults on a write-protected spte */
	NR_MMU_VCPU_STATS,
};

/**
 * struct minikvm_mmu - a VM's TDP MMU.
 * @lock: "mmu_lock".  Read: page faults, which change sptes with cmpxchg
 *	only; write: operations that need the tables to themselves.  Outer to
 *	@roots_lock.
 * @roots: the roots, an RCU list; readers hold mmu_lock (either mode) or
 *	rcu_read_lock(); writers hold @roots_lock.
 * @roots_lock: serializes changes to @roots.
 * @invalidate_seq: bumped at the end of every MMU notifier invalidation;
 *	@invalidate_* are protected by @lock (written under write, read under
 *	read), see notifier.c.
 * @invalidate_in_progress: invalidations between start and end.
 * @invalidate_start: the union of their host ranges, [start, end).
 * @invalidate_end: see @invalidate_start.
 * @notifier: our MMU notifier on the VM's mm.
 * @mn_invalidate_lock: protects @mn_active_invalidate_count; memslots are
 *	published under it (notifier.c).
 * @mn_active_invalidate_count: invalidations between start and end.
 * @mn_memslots_update_wq: a memslot update waits here for that count to
 *	drop to zero.
 * @stats: enum minikvm_mmu_vm_stat counters.
 * @shadow: the shadow MMU's state (module/mmu/shadow.h), or NULL for a
 *	TDP VM; set at VM creation, never changes.
 * @debugfs: the VM's debugfs directory, or NULL.
 * @stat_files: what its files point to (stats.c).
 */
struct minikvm_mmu {
	rwlock_t lock;
	struct list_head roots;
	spinlock_t roots_lock;		/* changes to @roots */

	unsigned long invalidate_seq;
	long invalidate_in_progress;
	hva_t invalidate_start;
	hva_t invalidate_end;
	struct mmu_notifier notifier;
	spinlock_t mn_invalidate_lock;	/* see above */
	long mn_active_invalidate_count;
	wait_queue_head_t mn_memslots_update_wq;

	atomic64_t stats[NR_MMU_VM_STATS];
	struct minikvm_shadow_mmu *shadow;
	struct dentry *debugfs;
	void *stat_files;
};

/* Enough page tables for one fault: a new table at every level but the root's. */
#define MMU_CACHE_CAPACITY	4

/**
 * struct minikvm_vcpu_mmu - a vCPU's view of the MMU.
 * @root: the root the vCPU runs on, referenced; NULL before the first
 *	entry.  Only the vCPU thread changes it.
 * @cache: page tables allocated before mmu_lock is taken, so that a
 *	fault never allocates under it.
 * @nr_cached: how many of @cache are filled.
 * @stats: enum minikvm_mmu_vcpu_stat counters, written by the vCPU thread,
 *	read locklessly by debugfs.
 * @shadow: shadow VMs: the vCPU's shadow MMU state (shadow.h).
 */
struct minikvm_vcpu_mmu {
	struct minikvm_mmu_page *root;
	struct minikvm_mmu_page *cache[MMU_CACHE_CAPACITY];
	int nr_cached;
	u64 stats[NR_MMU_VCPU_STATS];
	struct minikvm_shadow_vcpu *shadow;
};

/* mmu.c */
int minikvm_mmu_module_init(void);
void minikvm_mmu_module_exit(void);
int minikvm_mmu_init(struct minikvm_vm *vm, bool shadow);
void minikvm_mmu_shrinker_detach(struct minikvm_vm *vm);
void minikvm_mmu_destroy(struct minikvm_vm *vm);
void minikvm_mmu_vcpu_destroy(struct minikvm_vcpu *vcpu);
int minikvm_mmu_reload(struct minikvm_vcpu *vcpu);
hpa_t minikvm_mmu_root_hpa(struct minikvm_vcpu *vcpu);
gfn_t minikvm_mmu_max_gfn(void);
void minikvm_mmu_zap_all_fast(struct minikvm_vm *vm);
void minikvm_mmu_set_nr_mmu_pages(struct minikvm_vm *vm, unsigned long pages);
void minikvm_mmu_memslots_changed(struct minikvm_vm *vm, u64 generation);
void minikvm_mmu_slot_log_dirty(struct minikvm_vm *vm,
				const struct minikvm_memslot *slot, bool on,
				bool initially_set);
bool minikvm_mmu_wrprot_dirty_masked(struct minikvm_vm *vm,
				     const struct minikvm_memslot *slot,
				     gfn_t offset, unsigned long mask);
void minikvm_flush_remote_tlbs(struct minikvm_vm *vm);

/* fault.c */
int minikvm_mmu_page_fault(struct minikvm_vcpu *vcpu, gpa_t gpa, u64 error_code);

/*
 * The shadow MMU (shadow.h): a VM is a shadow-paging VM when vm->mmu.shadow
 * is set, from its creation on.
 */
static inline bool minikvm_mmu_is_shadow(const struct minikvm_mmu *mmu)
{
	return mmu->shadow;
}

int minikvm_mmu_shadow_init(struct minikvm_vm *vm);
int minikvm_mmu_vcpu_init(struct minikvm_vcpu *vcpu);
int minikvm_mmu_shadow_set_paging(struct minikvm_vcpu *vcpu, u64 cr0, u64 cr3,
				  u64 cr4, u64 efer);
int minikvm_mmu_shadow_page_fault(struct minikvm_vcpu *vcpu, gva_t gva,
				  u32 error_code);
void minikvm_mmu_emulated_ram_write(struct minikvm_vcpu *vcpu, gpa_t gpa,
				    unsigned int len);
int minikvm_mmu_shadow_fetch(struct minikvm_vcpu *vcpu, u64 la, u8 *buf, int len);

/* guest_walk.c: the guest page walker for the instruction emulator. */
struct kvm_sregs;
struct paging_access;
int minikvm_mmu_gva_to_gpa(struct minikvm_vcpu *vcpu, const struct kvm_sregs *s,
			   gva_t gva, const struct paging_access *a, gpa_t *gpa,
			   u32 *error_code);
void minikvm_mmu_sync_roots(struct minikvm_vcpu *vcpu);
int minikvm_mmu_shadow_invlpg(struct minikvm_vcpu *vcpu, u64 next_rip);
int minikvm_mmu_shadow_invpcid(struct minikvm_vcpu *vcpu, u64 next_rip);
void minikvm_mmu_invlpg(struct minikvm_vcpu *vcpu, gva_t gva);
void minikvm_mmu_invpcid(struct minikvm_vcpu *vcpu);
extern bool minikvm_tdp_available;

/* notifier.c */
int minikvm_mmu_notifier_register(struct minikvm_vm *vm);
void minikvm_mmu_notifier_unregister(struct minikvm_vm *vm);
void minikvm_mmu_memslots_update_begin(struct minikvm_vm *vm);
void minikvm_mmu_memslots_update_end(struct minikvm_vm *vm);

/* stats.c */
int minikvm_mmu_stats_module_init(void);
void minikvm_mmu_stats_module_exit(void);
void minikvm_mmu_stats_create(struct minikvm_vm *vm, int fd);
void minikvm_mmu_stats_destroy(struct minikvm_vm *vm);

#endif /* MINIKVM_MODULE_MMU_MMU_H */
