// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU's shrinker: under host memory pressure, the oldest
 * shadow pages of the shadow-paging VMs are zapped (a guest refaults what
 * it still uses).  Each VM's own budget (shadow_make_room()) bounds it
 * from above; the shrinker gives memory back below that budget.
 *
 * Locking: shadow_vms_lock (a mutex) protects the list of shadow VMs and
 * is taken before a VM's mmu_lock (Documentation/locking.rst).  A VM is
 * on the list from minikvm_mmu_shadow_init() until shadow_mmu_destroy()
 * (or, earlier, minikvm_mmu_shrinker_detach() when the VM's destruction
 * starts, before its vCPUs go) takes it off, so a VM found on the list
 * under the mutex stays whole until the mutex is dropped.
 */
#include <linux/mutex.h>

#include "../compat.h"
#include "../x86.h"
#include "shadow.h"

static LIST_HEAD(shadow_vms);
static DEFINE_MUTEX(shadow_vms_lock);

/* Context: process context, no MMU lock held. */
void shadow_shrink_add(struct minikvm_vm *vm)
{
	mutex_lock(&shadow_vms_lock);
	list_add_tail(&to_shadow(vm)->shrink_link, &shadow_vms);
	mutex_unlock(&shadow_vms_lock);
}

/*
 * Context: process context, no MMU lock held; waits for a running scan.
 * Called when the VM's destruction starts and again by
 * shadow_mmu_destroy(): the second call finds it off the list.
 */
void shadow_shrink_del(struct minikvm_vm *vm)
{
	mutex_lock(&shadow_vms_lock);
	list_del_init(&to_shadow(vm)->shrink_link);
	mutex_unlock(&shadow_vms_lock);
}

/*
 * Zap up to @nr of @vm's oldest pages that are not roots in use; returns
 * how many left the VM (a zapped table's unlinked children count when
 * they go in a later scan, as in shadow_make_room()).
 */
static unsigned long shadow_reclaim(struct minikvm_vm *vm, unsigned long nr)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vm);
	struct minikvm_mmu_page *sp, *tmp;
	unsigned long before = shadow->nr_pages;
	LIST_HEAD(invalid);

	lockdep_assert_held_write(&vm->mmu.lock);

	list_for_each_entry_safe_reverse(sp, tmp, &shadow->active, link) {
		if (before - shadow->nr_pages >= nr)
			break;
		if (sp->root_count)
			continue;
		shadow_zap_page(vm, sp, &invalid);
		shadow_stat_add(vm, SHADOW_STAT_RECLAIMED, 1);
	}
	shadow_commit_zap(vm, &invalid);
	return before - shadow->nr_pages;
}

static unsigned long shadow_shrink_count(struct shrinker *s,
					 struct shrink_control *sc)
{
	struct minikvm_shadow_mmu *shadow;
	unsigned long n = 0;

	/* Reclaim context: never wait for a VM being created or destroyed. */
	if (!mutex_trylock(&shadow_vms_lock))
		return 0;
	list_for_each_entry(shadow, &shadow_vms, shrink_link) {
		/*
		 * An estimate: nr_pages changes under the VM's mmu_lock, read
		 * without it; a stale count only makes reclaim ask for a few
		 * pages more or less.
		 */
		n += data_race(shadow->nr_pages);
	}
	mutex_unlock(&shadow_vms_lock);
	return n ? n : SHRINK_EMPTY;
}

static unsigned long shadow_shrink_scan(struct shrinker *s,
					struct shrink_control *sc)
{
	struct minikvm_shadow_mmu *shadow, *tmp;
	unsigned long freed = 0;
	LIST_HEAD(scanned);

	/* Contended by a VM being created or destroyed: try again later. */
	if (!mutex_trylock(&shadow_vms_lock))
		return SHRINK_STOP;
	list_for_each_entry_safe(shadow, tmp, &shadow_vms, shrink_link) {
		struct minikvm_vm *vm = shadow->vm;

		write_lock(&vm->mmu.lock);
		freed += shadow_reclaim(vm, sc->nr_to_scan - freed);
		write_unlock(&vm->mmu.lock);
		/* Scanned VMs go last: the next scan starts with the others. */
		list_move_tail(&shadow->shrink_link, &scanned);
		if (freed >= sc->nr_to_scan)
			break;
	}
	list_splice_tail(&scanned, &shadow_vms);
	mutex_unlock(&shadow_vms_lock);
	return freed;
}

static struct shrinker *shadow_shrinker;

int minikvm_shadow_shrinker_init(void)
{
	shadow_shrinker = minikvm_shrinker_create("minikvm-shadow-mmu",
						  shadow_shrink_count,
						  shadow_shrink_scan);
	return shadow_shrinker ? 0 : -ENOMEM;
}

void minikvm_shadow_shrinker_exit(void)
{
	minikvm_shrinker_destroy(shadow_shrinker);
}
