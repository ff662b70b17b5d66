// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM MMU statistics in debugfs: /sys/kernel/debug/minikvm/<pid>-<fd>/,
 * one file per counter, named as stock KVM names the same counter in
 * /sys/kernel/debug/kvm/<pid>-<fd>/ (pages_4k, pf_fast, ...), so a test can
 * read either.  Counters only minikvm has carry a "minikvm_" prefix.
 *
 * vCPU counters are summed over the VM's vCPUs at read time.  They are
 * written by each vCPU's thread without atomics and read here with
 * READ_ONCE(): a sum may miss increments in flight, never tears.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "mmu_internal.h"
#include "shadow.h"

static struct dentry *minikvm_debugfs_dir;

/* Where a counter lives. */
enum mmu_stat_kind {
	STAT_VM,	/* vm->mmu.stats */
	STAT_VCPU,	/* vcpu->mmu.stats, summed */
	STAT_SHADOW,	/* vm->mmu.shadow->stats: shadow VMs only */
};

struct mmu_stat_desc {
	const char *name;
	enum mmu_stat_kind kind;
	int index;
};

static const struct mmu_stat_desc mmu_stat_descs[] = {
	{ "pages_4k", STAT_VM, MMU_STAT_PAGES_4K },
	{ "pages_2m", STAT_VM, MMU_STAT_PAGES_2M },
	{ "pages_1g", STAT_VM, MMU_STAT_PAGES_1G },
	{ "minikvm_leaf_zaps", STAT_VM, MMU_STAT_LEAF_ZAPS },
	{ "minikvm_huge_splits", STAT_VM, MMU_STAT_HUGE_SPLITS },
	{ "minikvm_huge_recovered", STAT_VM, MMU_STAT_HUGE_RECOVERED },
	{ "minikvm_roots_invalidated", STAT_VM, MMU_STAT_ROOTS_INVALIDATED },
	{ "minikvm_notifier_invalidations", STAT_VM, MMU_STAT_NOTIFIER_INVAL },
	{ "minikvm_notifier_zaps", STAT_VM, MMU_STAT_NOTIFIER_ZAPPED },
	{ "minikvm_age_calls", STAT_VM, MMU_STAT_AGE_CALLS },
	{ "pf_taken", STAT_VCPU, MMU_STAT_PF_TAKEN },
	{ "pf_fixed", STAT_VCPU, MMU_STAT_PF_FIXED },
	{ "pf_fast", STAT_VCPU, MMU_STAT_PF_FAST },
	{ "pf_spurious", STAT_VCPU, MMU_STAT_PF_SPURIOUS },
	{ "pf_emulate", STAT_VCPU, MMU_STAT_PF_EMULATE },
	{ "pf_mmio_spte_created", STAT_VCPU, MMU_STAT_PF_MMIO_SPTE_CREATED },
	{ "minikvm_pf_mmio_cached", STAT_VCPU, MMU_STAT_PF_MMIO_CACHED },
	{ "minikvm_pf_retry", STAT_VCPU, MMU_STAT_PF_RETRY },
	{ "minikvm_pf_fast_dirty", STAT_VCPU, MMU_STAT_PF_FAST_DIRTY },
	{ "minikvm_pf_wrprot", STAT_VCPU, MMU_STAT_PF_WRPROT },
	/* The shadow MMU; stock KVM's names where it has the counter. */
	{ "minikvm_shadow_pages", STAT_SHADOW, SHADOW_STAT_PAGES },
	{ "mmu_cache_miss", STAT_SHADOW, SHADOW_STAT_PAGES_CREATED },
	{ "mmu_shadow_zapped", STAT_SHADOW, SHADOW_STAT_PAGES_ZAPPED },
	{ "mmu_recycled", STAT_SHADOW, SHADOW_STAT_RECLAIMED },
	{ "mmu_pte_write", STAT_SHADOW, SHADOW_STAT_EMULATED_PT_WRITES },
	{ "mmu_flooded", STAT_SHADOW, SHADOW_STAT_FLOOD_ZAPS },
	{ "minikvm_shadow_unprotects", STAT_SHADOW, SHADOW_STAT_UNPROTECTS },
	{ "minikvm_shadow_faults", STAT_SHADOW, SHADOW_STAT_FAULTS },
	{ "minikvm_shadow_guest_pf", STAT_SHADOW, SHADOW_STAT_GUEST_PF },
	{ "minikvm_shadow_fixed", STAT_SHADOW, SHADOW_STAT_FIXED },
	{ "minikvm_shadow_root_switches", STAT_SHADOW, SHADOW_STAT_ROOT_SWITCHES },
	{ "minikvm_shadow_prev_root_hits", STAT_SHADOW, SHADOW_STAT_PREV_ROOT_HITS },
	{ "minikvm_shadow_wrprot", STAT_SHADOW, SHADOW_STAT_WRPROT },
	{ "mmu_unsync", STAT_SHADOW, SHADOW_STAT_UNSYNC_PAGES },
	{ "minikvm_shadow_unsynced", STAT_SHADOW, SHADOW_STAT_UNSYNCED },
	{ "minikvm_shadow_syncs", STAT_SHADOW, SHADOW_STAT_SYNCS },
	{ "minikvm_shadow_sync_drops", STAT_SHADOW, SHADOW_STAT_SYNC_DROPS },
	{ "minikvm_shadow_sync_walks", STAT_SHADOW, SHADOW_STAT_SYNC_WALKS },
	{ "invlpg", STAT_SHADOW, SHADOW_STAT_INVLPG },
	{ "minikvm_shadow_unsync_zaps", STAT_SHADOW, SHADOW_STAT_UNSYNC_ZAPS },
	{ "minikvm_shadow_prefetched", STAT_SHADOW, SHADOW_STAT_PREFETCHED },
};

/* What a file reads: one counter of one VM. */
struct mmu_stat_file {
	struct minikvm_vm *vm;
	const struct mmu_stat_desc *desc;
};

static u64 sum_vcpu_stat(struct minikvm_vm *vm, int index)
{
	struct minikvm_vcpu *vcpu;
	unsigned long id;
	u64 sum = 0;

	/*
	 * vCPUs are freed only when the VM is (after this file is removed),
	 * or after an RCU grace period when their creation fails.
	 */
	rcu_read_lock();
	xa_for_each(&vm->vcpus, id, vcpu)
		sum += READ_ONCE(vcpu->mmu.stats[index]);
	rcu_read_unlock();
	return sum;
}

static int mmu_stat_get(void *data, u64 *val)
{
	const struct mmu_stat_file *f = data;

	switch (f->desc->kind) {
	case STAT_VCPU:
		*val = sum_vcpu_stat(f->vm, f->desc->index);
		break;
	case STAT_SHADOW:
		/* Files of shadow counters exist only for shadow VMs. */
		*val = atomic64_read(&f->vm->mmu.shadow->stats[f->desc->index]);
		break;
	default:
		*val = atomic64_read(&f->vm->mmu.stats[f->desc->index]);
	}
	return 0;
}

/* The attribute fops keep a read in flight from racing with removal. */
DEFINE_DEBUGFS_ATTRIBUTE(mmu_stat_fops, mmu_stat_get, NULL, "%llu\n");

/**
 * minikvm_mmu_stats_create - the VM's debugfs directory.
 * @vm: the VM.
 * @fd: its file descriptor number, for the directory name.
 *
 * Best effort: without debugfs the VM simply has no statistics files.
 */
void minikvm_mmu_stats_create(struct minikvm_vm *vm, int fd)
{
	struct mmu_stat_file *files;
	char name[32];
	int i;

	if (IS_ERR_OR_NULL(minikvm_debugfs_dir))
		return;

	files = kcalloc(ARRAY_SIZE(mmu_stat_descs), sizeof(*files),
			GFP_KERNEL_ACCOUNT);
	if (!files)
		return;

	snprintf(name, sizeof(name), "%d-%d", task_pid_nr(current), fd);
	vm->mmu.debugfs = debugfs_create_dir(name, minikvm_debugfs_dir);
	vm->mmu.stat_files = files;
	for (i = 0; i < ARRAY_SIZE(mmu_stat_descs); i++) {
		if (mmu_stat_descs[i].kind == STAT_SHADOW &&
		    !minikvm_mmu_is_shadow(&vm->mmu))
			continue;
		files[i].vm = vm;
		files[i].desc = &mmu_stat_descs[i];
		debugfs_create_file_unsafe(mmu_stat_descs[i].name, 0444,
					   vm->mmu.debugfs, &files[i],
					   &mmu_stat_fops);
	}
}

/* Remove the files; returns once no read of them is in flight. */
void minikvm_mmu_stats_destroy(struct minikvm_vm *vm)
{
	debugfs_remove_recursive(vm->mmu.debugfs);
	vm->mmu.debugfs = NULL;
	kfree(vm->mmu.stat_files);
	vm->mmu.stat_files = NULL;
}

int minikvm_mmu_stats_module_init(void)
{
	minikvm_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	return 0;
}

void minikvm_mmu_stats_module_exit(void)
{
	debugfs_remove_recursive(minikvm_debugfs_dir);
	minikvm_debugfs_dir = NULL;
}
