// SPDX-License-Identifier: GPL-2.0
/*
 * Memslots: KVM_SET_USER_MEMORY_REGION with KVM's rules and errnos.
 *
 * Slots live in two indexes: an rbtree by base_gfn for the fault path and an
 * xarray by slot id for the ioctl.  Writers hold vm->slots_lock and, while
 * they publish or unpublish a slot, vm->mmu.lock; readers hold either.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "minikvm.h"
#include "x86.h"

/* The flags this first cut implements (none: no dirty log, no read-only). */
#define MINIKVM_VALID_MEM_FLAGS	0

void minikvm_memslots_init(struct minikvm_memslots *slots)
{
	slots->gfn_tree = RB_ROOT;
	xa_init(&slots->by_id);
	slots->nr_pages = 0;
}

static void assert_slots_readable(struct minikvm_vm *vm)
{
	lockdep_assert(lockdep_is_held(&vm->slots_lock) ||
		       lockdep_is_held(&vm->mmu.lock));
}

/**
 * minikvm_gfn_to_memslot - the memslot containing @gfn, or NULL.
 * @vm: the VM.
 * @gfn: a guest frame number.
 *
 * Context: vm->slots_lock or vm->mmu.lock held; the result is valid while
 * it is held.
 */
struct minikvm_memslot *minikvm_gfn_to_memslot(struct minikvm_vm *vm, gfn_t gfn)
{
	struct rb_node *node = vm->slots.gfn_tree.rb_node;

	assert_slots_readable(vm);

	while (node) {
		struct minikvm_memslot *slot =
			rb_entry(node, struct minikvm_memslot, gfn_node);

		if (gfn < slot->base_gfn)
			node = node->rb_left;
		else if (gfn >= slot->base_gfn + slot->npages)
			node = node->rb_right;
		else
			return slot;
	}
	return NULL;
}

/*
 * Does [start, end) overlap a slot other than @id?  Slots do not overlap
 * each other, so walking left from the last slot starting below @end meets
 * at most slot @id before it can stop.
 */
static bool memslot_overlaps(struct minikvm_vm *vm, u16 id, gfn_t start,
			     gfn_t end)
{
	struct rb_node *node = vm->slots.gfn_tree.rb_node, *last = NULL;
	struct minikvm_memslot *slot;

	lockdep_assert_held(&vm->slots_lock);

	while (node) {
		slot = rb_entry(node, struct minikvm_memslot, gfn_node);
		if (slot->base_gfn < end) {
			last = node;
			node = node->rb_right;
		} else {
			node = node->rb_left;
		}
	}

	for (node = last; node; node = rb_prev(node)) {
		slot = rb_entry(node, struct minikvm_memslot, gfn_node);
		if (slot->base_gfn + slot->npages <= start)
			break;
		if (slot->id != id)
			return true;
	}
	return false;
}

static void memslot_tree_insert(struct rb_root *root,
				struct minikvm_memslot *new)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		struct minikvm_memslot *slot =
			rb_entry(*link, struct minikvm_memslot, gfn_node);

		parent = *link;
		link = new->base_gfn < slot->base_gfn ? &(*link)->rb_left :
							 &(*link)->rb_right;
	}
	rb_link_node(&new->gfn_node, parent, link);
	rb_insert_color(&new->gfn_node, root);
}

/* Publish @slot: faults may map it from now on. */
static int memslot_publish(struct minikvm_vm *vm, struct minikvm_memslot *slot)
{
	int r;

	lockdep_assert_held(&vm->slots_lock);

	r = xa_reserve(&vm->slots.by_id, slot->id, GFP_KERNEL_ACCOUNT);
	if (r)
		return r;

	mutex_lock(&vm->mmu.lock);
	xa_store(&vm->slots.by_id, slot->id, slot, 0);
	memslot_tree_insert(&vm->slots.gfn_tree, slot);
	vm->slots.nr_pages += slot->npages;
	mutex_unlock(&vm->mmu.lock);
	return 0;
}

/* Unpublish @slot and remove every mapping of it; the caller frees it. */
static void memslot_unpublish(struct minikvm_vm *vm,
			      struct minikvm_memslot *slot)
{
	lockdep_assert_held(&vm->slots_lock);

	mutex_lock(&vm->mmu.lock);
	xa_erase(&vm->slots.by_id, slot->id);
	rb_erase(&slot->gfn_node, &vm->slots.gfn_tree);
	vm->slots.nr_pages -= slot->npages;
	minikvm_mmu_unmap_memslot(vm, slot);
	mutex_unlock(&vm->mmu.lock);
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

static int memslot_delete(struct minikvm_vm *vm, struct minikvm_memslot *old)
{
	if (!old)
		return -EINVAL;
	memslot_unpublish(vm, old);
	kfree(old);
	return 0;
}

static int memslot_create(struct minikvm_vm *vm,
			  const struct kvm_userspace_memory_region *mem)
{
	struct minikvm_memslot *slot;
	int r;

	slot = memslot_new(mem);
	if (!slot)
		return -ENOMEM;
	r = memslot_publish(vm, slot);
	if (r)
		kfree(slot);
	return r;
}

/*
 * A move keeps the slot and its id; its old frames are unmapped before it
 * is re-inserted at the new place.  Both locks are held, so no reader sees
 * the slot half-moved.
 */
static int memslot_move(struct minikvm_vm *vm, struct minikvm_memslot *slot,
			gfn_t new_base_gfn)
{
	lockdep_assert_held(&vm->slots_lock);

	mutex_lock(&vm->mmu.lock);
	rb_erase(&slot->gfn_node, &vm->slots.gfn_tree);
	minikvm_mmu_unmap_memslot(vm, slot);
	slot->base_gfn = new_base_gfn;
	memslot_tree_insert(&vm->slots.gfn_tree, slot);
	mutex_unlock(&vm->mmu.lock);
	return 0;
}

static int __set_memory_region(struct minikvm_vm *vm,
			       const struct kvm_userspace_memory_region *mem)
{
	gfn_t base_gfn = gpa_to_gfn(mem->guest_phys_addr);
	unsigned long npages = mem->memory_size >> PAGE_SHIFT;
	struct minikvm_memslot *old;
	bool move = false;

	lockdep_assert_held(&vm->slots_lock);

	old = xa_load(&vm->slots.by_id, (u16)mem->slot);
	if (!npages)
		return memslot_delete(vm, old);

	if (old) {
		if (mem->userspace_addr != old->userspace_addr ||
		    npages != old->npages ||
		    ((mem->flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (base_gfn == old->base_gfn)
			return 0;	/* no flag can change yet */
		move = true;
	} else if (vm->slots.nr_pages + npages < vm->slots.nr_pages) {
		return -EINVAL;
	}

	if (base_gfn + npages - 1 > minikvm_mmu_max_gfn())
		return -EINVAL;
	if (memslot_overlaps(vm, (u16)mem->slot, base_gfn, base_gfn + npages))
		return -EEXIST;

	return move ? memslot_move(vm, old, base_gfn) : memslot_create(vm, mem);
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

/* VM teardown: the table is already gone, so nothing maps the slots. */
void minikvm_memslots_free(struct minikvm_vm *vm)
{
	struct minikvm_memslot *slot;
	unsigned long id;

	xa_for_each(&vm->slots.by_id, id, slot)
		kfree(slot);
	xa_destroy(&vm->slots.by_id);
	vm->slots.gfn_tree = RB_ROOT;
}
