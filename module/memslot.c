// SPDX-License-Identifier: GPL-2.0
/*
 * Memslots: KVM_SET_USER_MEMORY_REGION with KVM's rules and errnos.
 *
 * Readers (page faults, MMU notifiers) look memslots up without a lock:
 * they hold vm->srcu and use the set published in vm->memslots, an array
 * sorted by gfn that is never modified.  An update builds a new array,
 * publishes it, waits for an SRCU grace period (after which no reader
 * uses the old one) and frees what the old one alone referenced.  Updates
 * are serialized by vm->slots_lock, which also protects the writers' index
 * of the slots by id.
 *
 * Deleting or moving a slot takes two publications, so that no fault can
 * map the old range after it was unmapped: first the slot is replaced by
 * an INVALID copy (faults on it retry), and once no fault uses the old
 * array the MMU unmaps it; only then does the final array appear.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "minikvm.h"
#include "x86.h"

/*
 * The flags minikvm implements: dirty logging, and read-only slots (guest
 * writes to them are emulated and exit as KVM_EXIT_MMIO).
 */
#define MINIKVM_VALID_MEM_FLAGS	(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

static struct minikvm_memslots *memslots_alloc(int nr, u64 generation)
{
	struct minikvm_memslots *slots;

	slots = kvzalloc(struct_size(slots, slots, nr), GFP_KERNEL_ACCOUNT);
	if (slots)
		slots->generation = generation;
	return slots;
}

/**
 * minikvm_memslots_init - a VM with no memslots.
 * @vm: the VM.
 *
 * Return: 0 or -ENOMEM.
 */
int minikvm_memslots_init(struct minikvm_vm *vm)
{
	struct minikvm_memslots *slots = memslots_alloc(0, 0);
	int r;

	if (!slots)
		return -ENOMEM;
	r = init_srcu_struct(&vm->srcu);
	if (r) {
		kvfree(slots);
		return r;
	}
	xa_init(&vm->slots.by_id);
	vm->slots.nr_pages = 0;
	RCU_INIT_POINTER(vm->memslots, slots);
	return 0;
}

/**
 * minikvm_memslots_find - the memslot of @slots containing @gfn, or NULL.
 * @slots: a memslots set the caller holds (SRCU or slots_lock).
 * @gfn: a guest frame number.
 */
struct minikvm_memslot *minikvm_memslots_find(const struct minikvm_memslots *slots,
					      gfn_t gfn)
{
	int lo = 0, hi = slots->nr;

	/* The last slot starting at or below @gfn, by binary search. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (slots->slots[mid]->base_gfn <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	if (gfn - slots->slots[lo - 1]->base_gfn >= slots->slots[lo - 1]->npages)
		return NULL;
	return slots->slots[lo - 1];
}

/**
 * minikvm_gfn_to_memslot - the memslot containing @gfn, or NULL.
 * @vm: the VM.
 * @gfn: a guest frame number.
 *
 * Context: vm->srcu or vm->slots_lock held; the result is valid while it is.
 */
struct minikvm_memslot *minikvm_gfn_to_memslot(struct minikvm_vm *vm, gfn_t gfn)
{
	return minikvm_memslots_find(minikvm_memslots(vm), gfn);
}

/* Does [start, end) overlap a slot other than @id? */
static bool memslot_overlaps(struct minikvm_vm *vm, u16 id, gfn_t start,
			     gfn_t end)
{
	struct minikvm_memslots *slots = minikvm_memslots(vm);
	int i;

	lockdep_assert_held(&vm->slots_lock);

	for (i = 0; i < slots->nr; i++) {
		struct minikvm_memslot *s = slots->slots[i];

		if (s->base_gfn >= end)
			break;
		if (s->base_gfn + s->npages > start && s->id != id)
			return true;
	}
	return false;
}

/*
 * A copy of @old, generation @generation, with @del left out and @add put
 * in its place by gfn (either may be NULL).
 */
static struct minikvm_memslots *memslots_copy(const struct minikvm_memslots *old,
					      u64 generation,
					      const struct minikvm_memslot *del,
					      struct minikvm_memslot *add)
{
	struct minikvm_memslots *new;
	int i;

	new = memslots_alloc(old->nr + 1, generation);
	if (!new)
		return NULL;
	for (i = 0; i < old->nr; i++) {
		struct minikvm_memslot *s = old->slots[i];

		if (s == del)
			continue;
		if (add && add->base_gfn < s->base_gfn) {
			new->slots[new->nr++] = add;
			add = NULL;
		}
		new->slots[new->nr++] = s;
	}
	if (add)
		new->slots[new->nr++] = add;
	return new;
}

/*
 * Publish @new and wait until no reader uses the previous set, which is
 * freed.  The MMU notifier may hold publication off for a moment (see
 * minikvm_mmu_memslots_update_begin()).
 */
static void memslots_publish(struct minikvm_vm *vm, struct minikvm_memslots *new)
{
	struct minikvm_memslots *old;

	lockdep_assert_held(&vm->slots_lock);

	minikvm_mmu_memslots_update_begin(vm);
	old = rcu_replace_pointer(vm->memslots, new,
				  lockdep_is_held(&vm->slots_lock));
	minikvm_mmu_memslots_update_end(vm);

	synchronize_srcu_expedited(&vm->srcu);
	kvfree(old);
	minikvm_mmu_memslots_changed(vm, new->generation);
}

static void memslot_free(struct minikvm_memslot *slot)
{
	if (slot)
		kvfree(slot->dirty_bitmap);
	kfree(slot);
}

static struct minikvm_memslot *
memslot_new(const struct kvm_userspace_memory_region *mem)
{
	struct minikvm_memslot *slot;

	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	if (!slot)
		return NULL;
	slot->id = (u16)mem->slot;
	slot->flags = mem->flags;
	slot->base_gfn = gpa_to_gfn(mem->guest_phys_addr);
	slot->npages = mem->memory_size >> PAGE_SHIFT;
	slot->userspace_addr = mem->userspace_addr;
	return slot;
}

/* The checks KVM makes before it looks at the existing slot. */
static int memslot_check_args(const struct kvm_userspace_memory_region *mem)
{
	u64 size = mem->memory_size;

	if (mem->flags & ~MINIKVM_VALID_MEM_FLAGS)
		return -EINVAL;
	if ((mem->slot >> 16) != 0 || (u16)mem->slot >= MINIKVM_USER_MEM_SLOTS)
		return -EINVAL;
	if (!PAGE_ALIGNED(size) || size != (unsigned long)size)
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->guest_phys_addr))
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->userspace_addr) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr, size))
		return -EINVAL;
	if (mem->guest_phys_addr + size < mem->guest_phys_addr)
		return -EINVAL;
	if ((size >> PAGE_SHIFT) > MINIKVM_MEM_MAX_NR_PAGES)
		return -EINVAL;
	return 0;
}

/*
 * Give @new the dirty bitmap its flags call for: the old slot's when it was
 * logging already, a new one otherwise (all ones if the VM asked for
 * KVM_DIRTY_LOG_INITIALLY_SET).  Return: 0 or -ENOMEM.
 */
static int memslot_prepare_bitmap(struct minikvm_vm *vm,
				  const struct minikvm_memslot *old,
				  struct minikvm_memslot *new)
{
	new->dirty_bitmap = NULL;
	if (!(new->flags & KVM_MEM_LOG_DIRTY_PAGES))
		return 0;
	if (old && old->dirty_bitmap) {
		new->dirty_bitmap = old->dirty_bitmap;
		return 0;
	}
	new->dirty_bitmap = minikvm_dirty_bitmap_alloc(vm, new->npages);
	return new->dirty_bitmap ? 0 : -ENOMEM;
}

static int memslot_create(struct minikvm_vm *vm,
			  const struct kvm_userspace_memory_region *mem)
{
	struct minikvm_memslots *cur = minikvm_memslots(vm), *next;
	struct minikvm_memslot *slot;
	int r = -ENOMEM;

	slot = memslot_new(mem);
	if (!slot || memslot_prepare_bitmap(vm, NULL, slot))
		goto err;
	next = memslots_copy(cur, cur->generation + 1, NULL, slot);
	if (!next)
		goto err;
	r = xa_err(xa_store(&vm->slots.by_id, slot->id, slot, GFP_KERNEL_ACCOUNT));
	if (r) {
		kvfree(next);
		goto err;
	}
	vm->slots.nr_pages += slot->npages;
	memslots_publish(vm, next);
	return 0;

err:
	memslot_free(slot);
	return r;
}

/*
 * Replace @old by @new (NULL: delete) in two steps: an INVALID copy of @old
 * first, then, after the MMU unmapped the old range, the final set.  All
 * allocations are made up front, so that nothing can fail half-way.
 */
static int memslot_remove_and_replace(struct minikvm_vm *vm,
				      struct minikvm_memslot *old,
				      struct minikvm_memslot *new)
{
	struct minikvm_memslots *cur = minikvm_memslots(vm), *step1, *step2;
	struct minikvm_memslot *invalid;

	invalid = kmemdup(old, sizeof(*old), GFP_KERNEL_ACCOUNT);
	step1 = memslots_copy(cur, cur->generation + 1, old, invalid);
	step2 = memslots_copy(cur, cur->generation + 2, old, new);
	if (!invalid || !step1 || !step2) {
		kfree(invalid);
		kvfree(step1);
		kvfree(step2);
		return -ENOMEM;
	}
	invalid->flags |= MINIKVM_MEMSLOT_INVALID;

	/* After this, no fault uses @old any more, and none maps through it. */
	memslots_publish(vm, step1);
	/*
	 * Unmap everything (KVM's default for a memslot deletion or move):
	 * every root is retired, vCPUs start over on an empty one.
	 */
	minikvm_mmu_zap_all_fast(vm);
	memslots_publish(vm, step2);

	kfree(invalid);
	return 0;
}

static int memslot_delete(struct minikvm_vm *vm, struct minikvm_memslot *old)
{
	int r;

	if (!old)
		return -EINVAL;
	r = memslot_remove_and_replace(vm, old, NULL);
	if (r)
		return r;
	xa_erase(&vm->slots.by_id, old->id);
	vm->slots.nr_pages -= old->npages;
	memslot_free(old);
	return 0;
}

/*
 * A new copy of @old with @mem's guest address and flags, for a move or a
 * flags change.
 */
static struct minikvm_memslot *
memslot_dup(struct minikvm_vm *vm, const struct minikvm_memslot *old,
	    const struct kvm_userspace_memory_region *mem)
{
	struct minikvm_memslot *new;

	new = kmemdup(old, sizeof(*old), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;
	new->base_gfn = gpa_to_gfn(mem->guest_phys_addr);
	new->flags = mem->flags;
	if (memslot_prepare_bitmap(vm, old, new)) {
		kfree(new);
		return NULL;
	}
	return new;
}

/* Free @old, and its bitmap unless @new took it over. */
static void memslot_retire(struct minikvm_memslot *old,
			   const struct minikvm_memslot *new)
{
	if (old->dirty_bitmap == new->dirty_bitmap)
		old->dirty_bitmap = NULL;
	memslot_free(old);
}

/* A move keeps the slot's id, size and host memory; its old range is unmapped. */
static int memslot_move(struct minikvm_vm *vm, struct minikvm_memslot *old,
			const struct kvm_userspace_memory_region *mem)
{
	struct minikvm_memslot *new = memslot_dup(vm, old, mem);
	int r;

	if (!new)
		return -ENOMEM;
	r = memslot_remove_and_replace(vm, old, new);
	if (r) {
		memslot_retire(new, old);
		return r;
	}
	xa_store(&vm->slots.by_id, new->id, new, 0);
	memslot_retire(old, new);
	return 0;
}

/* Dirty logging turned on or off: same range, new flags. */
static int memslot_change_flags(struct minikvm_vm *vm, struct minikvm_memslot *old,
				const struct kvm_userspace_memory_region *mem)
{
	struct minikvm_memslots *cur = minikvm_memslots(vm), *next;
	bool initially_set = vm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET;
	struct minikvm_memslot *new = memslot_dup(vm, old, mem);

	if (!new)
		return -ENOMEM;
	next = memslots_copy(cur, cur->generation + 1, old, new);
	if (!next) {
		memslot_retire(new, old);
		return -ENOMEM;
	}
	/* xa_store() of an existing entry does not allocate: cannot fail. */
	xa_store(&vm->slots.by_id, new->id, new, 0);
	/* After this, no fault uses @old or its flags any more. */
	memslots_publish(vm, next);
	memslot_retire(old, new);

	minikvm_mmu_slot_log_dirty(vm, new, new->flags & KVM_MEM_LOG_DIRTY_PAGES,
				   initially_set);
	return 0;
}

static int __set_memory_region(struct minikvm_vm *vm,
			       const struct kvm_userspace_memory_region *mem)
{
	gfn_t base_gfn = gpa_to_gfn(mem->guest_phys_addr);
	unsigned long npages = mem->memory_size >> PAGE_SHIFT;
	struct minikvm_memslot *old;

	lockdep_assert_held(&vm->slots_lock);

	old = xa_load(&vm->slots.by_id, (u16)mem->slot);
	if (!npages)
		return memslot_delete(vm, old);

	if (old) {
		if (mem->userspace_addr != old->userspace_addr ||
		    npages != old->npages ||
		    ((mem->flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (base_gfn == old->base_gfn && mem->flags == old->flags)
			return 0;
	} else if (vm->slots.nr_pages + npages < vm->slots.nr_pages) {
		return -EINVAL;
	}

	if (base_gfn + npages - 1 > minikvm_mmu_max_gfn())
		return -EINVAL;
	if (memslot_overlaps(vm, (u16)mem->slot, base_gfn, base_gfn + npages))
		return -EEXIST;

	if (!old)
		return memslot_create(vm, mem);
	if (base_gfn != old->base_gfn)
		return memslot_move(vm, old, mem);
	return memslot_change_flags(vm, old, mem);
}

/**
 * minikvm_vm_ioctl_set_memory_region - KVM_SET_USER_MEMORY_REGION.
 * @vm: the VM.
 * @mem: the ioctl's argument, copied from userspace.
 *
 * Return: 0; -EINVAL for bad flags, slot id, alignment, size, wrap-around,
 * an inaccessible userspace range, a gpa range past the MMU's reach, an
 * attempt to resize or re-point an existing slot, or the deletion of a slot
 * that does not exist; -EEXIST when the range overlaps another slot;
 * -ENOMEM.
 */
int minikvm_vm_ioctl_set_memory_region(struct minikvm_vm *vm,
				       const struct kvm_userspace_memory_region *mem)
{
	int r;

	r = memslot_check_args(mem);
	if (r)
		return r;

	mutex_lock(&vm->slots_lock);
	r = __set_memory_region(vm, mem);
	mutex_unlock(&vm->slots_lock);
	return r;
}

/* VM teardown: nothing maps the slots any more, no reader is left. */
void minikvm_memslots_free(struct minikvm_vm *vm)
{
	struct minikvm_memslot *slot;
	unsigned long id;

	xa_for_each(&vm->slots.by_id, id, slot)
		memslot_free(slot);
	xa_destroy(&vm->slots.by_id);
	kvfree(rcu_dereference_protected(vm->memslots, true));
	RCU_INIT_POINTER(vm->memslots, NULL);
	cleanup_srcu_struct(&vm->srcu);
}
