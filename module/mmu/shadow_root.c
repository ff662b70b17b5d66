// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU's roots, the guest paging state they are built for, and
 * the per-VM and per-vCPU setup.
 *
 * A long-mode guest runs on a 4-level shadow root that shadows the page
 * its CR3 points to: a hashed shadow page shared by every vCPU with that
 * CR3.  The last SHADOW_PREV_ROOTS roots of a vCPU stay referenced, so a
 * CR3 switch back to a recent address space finds its shadow intact.
 *
 * A legacy-mode guest (32-bit, PAE, or no paging at all) runs in PAE mode
 * on its vCPU's own PAE root: four PDPTEs in a page below 4 GiB (legacy
 * CR3 has 32 bits).  Its entries are filled on demand by the fault path:
 * from the guest's cached PDPTEs (PAE), from the four quadrants of the
 * guest's page directory (32-bit), or with identity-mapping direct pages
 * (no paging: real mode and unpaged protected mode).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "../x86.h"
#include "shadow.h"

/**
 * shadow_base_role - the role bits every page of a paging state shares.
 * @r: the guest paging state.
 *
 * Return: a role with @mode, @cr0_wp, @nxe and full @access.
 */
union shadow_role shadow_base_role(const struct paging_regs *r)
{
	union shadow_role role = { .word = 0 };

	role.mode = r->mode;
	role.cr0_wp = !!(r->cr0 & X86_CR0_WP);
	role.nxe = !!(r->efer & EFER_NX);
	role.access = ACC_ALL;
	return role;
}

/* ------------------------------------------------------------------ */
/* Loading a root                                                      */

/* Keep @root as a recent root of @cr3, dropping the oldest. */
static void stash_prev_root(struct minikvm_vcpu *vcpu,
			    struct minikvm_mmu_page *root, u64 cr3,
			    struct list_head *invalid)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;
	int i = SHADOW_PREV_ROOTS - 1;

	if (sv->prev_roots[i])
		shadow_put_root(vcpu->vm, sv->prev_roots[i], invalid);
	for (; i > 0; i--) {
		sv->prev_roots[i] = sv->prev_roots[i - 1];
		sv->prev_cr3[i] = sv->prev_cr3[i - 1];
	}
	sv->prev_roots[0] = root;
	sv->prev_cr3[0] = cr3;
}

/* A cached root for @gfn and @role, taken off the cache (still referenced). */
static struct minikvm_mmu_page *take_prev_root(struct minikvm_vcpu *vcpu,
					       gfn_t gfn, union shadow_role role)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;
	struct minikvm_mmu_page *root;
	int i;

	for (i = 0; i < SHADOW_PREV_ROOTS; i++) {
		root = sv->prev_roots[i];
		if (!root || root->invalid || root->gfn != gfn ||
		    root->role != role.word)
			continue;
		for (; i < SHADOW_PREV_ROOTS - 1; i++) {
			sv->prev_roots[i] = sv->prev_roots[i + 1];
			sv->prev_cr3[i] = sv->prev_cr3[i + 1];
		}
		sv->prev_roots[i] = NULL;
		return root;
	}
	return NULL;
}

/* Give up the current root: cache it if it may serve again. */
static void drop_current_root(struct minikvm_vcpu *vcpu,
			      struct list_head *invalid)
{
	struct minikvm_mmu_page *root = vcpu->mmu.root;

	vcpu->mmu.root = NULL;
	if (!root || root == vcpu->mmu.shadow->pae_root)
		return;
	if (root->invalid)
		shadow_put_root(vcpu->vm, root, invalid);
	else
		stash_prev_root(vcpu, root, gfn_to_gpa(root->gfn), invalid);
}

static struct minikvm_mmu_page *get_long_mode_root(struct minikvm_vcpu *vcpu,
						   struct list_head *invalid)
{
	struct paging_regs *r = &vcpu->mmu.shadow->regs;
	union shadow_role role = shadow_base_role(r);
	gfn_t gfn = (r->cr3 & GENMASK_ULL(51, 12)) >> PAGE_SHIFT;
	struct minikvm_mmu_page *root;
	bool created;

	role.level = 4;
	shadow_stat_add(vcpu->vm, SHADOW_STAT_ROOT_SWITCHES, 1);
	root = take_prev_root(vcpu, gfn, role);
	if (root) {
		shadow_stat_add(vcpu->vm, SHADOW_STAT_PREV_ROOT_HITS, 1);
		return root;
	}
	root = shadow_get_page(vcpu, gfn, role, &created, invalid);
	if (root)
		root->root_count++;
	return root;
}

/* The PAE root, emptied and given the role of the current paging state. */
static struct minikvm_mmu_page *get_pae_root(struct minikvm_vcpu *vcpu,
					     struct list_head *invalid)
{
	struct minikvm_mmu_page *root = vcpu->mmu.shadow->pae_root;
	union shadow_role role = shadow_base_role(&vcpu->mmu.shadow->regs);

	shadow_stat_add(vcpu->vm, SHADOW_STAT_ROOT_SWITCHES, 1);
	shadow_zap_page(vcpu->vm, root, invalid);
	role.level = 3;
	role.pae_root = 1;
	root->role = role.word;
	return root;
}

static int load_root(struct minikvm_vcpu *vcpu)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_mmu_page *root;
	LIST_HEAD(invalid);
	int r;

	r = shadow_topup(vcpu);
	if (r)
		return r;

	write_lock(&vm->mmu.lock);
	drop_current_root(vcpu, &invalid);
	if (sv->regs.mode == PAGING_64)
		root = get_long_mode_root(vcpu, &invalid);
	else
		root = get_pae_root(vcpu, &invalid);
	vcpu->mmu.root = root;
	sv->need_root = false;
	shadow_make_room(vm, &invalid);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
	if (!root)
		return -EIO;

	minikvm_x86_call(load_mmu_pgd)(vcpu, __pa(root->spt));
	/* Translations of the previous root share the ASID: flush them. */
	set_bit(MINIKVM_REQ_TLB_FLUSH, &vcpu->requests);
	return 0;
}

/**
 * shadow_mmu_reload - make sure @vcpu enters the guest on a valid root.
 * @vcpu: the vCPU, about to enter.
 *
 * See minikvm_mmu_reload() for the ordering of the request bit and the
 * root's invalid flag; here the flag is written and read under mmu_lock
 * or by the vCPU itself.
 *
 * Return: 0, -ENOMEM, or -EIO if the VM is bugged.
 */
int shadow_mmu_reload(struct minikvm_vcpu *vcpu)
{
	struct minikvm_mmu_page *root;

	test_and_clear_bit(MINIKVM_REQ_MMU_RELOAD, &vcpu->requests);
	root = vcpu->mmu.root;
	if (likely(root && !READ_ONCE(root->invalid) &&
		   !vcpu->mmu.shadow->need_root))
		return 0;
	return load_root(vcpu);
}

/* ------------------------------------------------------------------ */
/* The guest paging state                                              */

static int load_pdptrs(struct minikvm_vcpu *vcpu, struct paging_regs *r)
{
	gpa_t base = r->cr3 & GENMASK_ULL(31, 5);
	int i;

	for (i = 0; i < 4; i++) {
		u64 pdpte = 0;

		if (mmu_guest_mem_ops.read(vcpu, base + i * 8, 8, &pdpte))
			return -EINVAL;
		if (!paging_pdpte_valid(r, pdpte))
			return -EINVAL;
		r->pdptrs[i] = pdpte;
	}
	return 0;
}

static bool needs_new_root(const struct paging_regs *old,
			   const struct paging_regs *new)
{
	return old->mode != new->mode || old->cr3 != new->cr3 ||
	       shadow_base_role(old).word != shadow_base_role(new).word ||
	       memcmp(old->pdptrs, new->pdptrs, sizeof(old->pdptrs));
}

/**
 * minikvm_mmu_shadow_set_paging - the guest's CR0/CR3/CR4/EFER changed.
 * @vcpu: the vCPU (its thread, or its ioctl with the vCPU mutex).
 * @cr0: the guest's CR0.
 * @cr3: the guest's CR3.
 * @cr4: the guest's CR4.
 * @efer: the guest's EFER.
 *
 * Entering PAE paging, or writing CR3 under it, loads the PDPTEs now.
 * A new root is loaded before the next entry if the shadow depends on
 * what changed; the caller flushes the TLB if the architecture says so.
 *
 * Return: 0, or -EINVAL if a PDPTE is invalid (the write raises #GP and
 * nothing changes).
 */
int minikvm_mmu_shadow_set_paging(struct minikvm_vcpu *vcpu, u64 cr0, u64 cr3,
				  u64 cr4, u64 efer)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;
	struct paging_regs r;
	int idx, ret = 0;

	if (!sv)
		return 0;
	mmu_paging_regs(vcpu, cr0, cr3, cr4, efer, &r);
	if (r.mode == PAGING_PAE) {
		idx = srcu_read_lock(&vcpu->vm->srcu);
		ret = load_pdptrs(vcpu, &r);
		srcu_read_unlock(&vcpu->vm->srcu, idx);
		if (ret)
			return ret;
	}
	if (needs_new_root(&sv->regs, &r)) {
		sv->need_root = true;
		set_bit(MINIKVM_REQ_MMU_RELOAD, &vcpu->requests);
	}
	sv->regs = r;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                  */

/* A root page below 4 GiB: a legacy-mode CR3 holds 32 bits. */
static struct minikvm_mmu_page *alloc_pae_root(void)
{
	struct minikvm_mmu_page *sp = mmu_alloc_sp_gfp(GFP_KERNEL_ACCOUNT);
	struct page *page;

	if (!sp)
		return NULL;
	page = alloc_page(GFP_KERNEL_ACCOUNT | GFP_DMA32 | __GFP_ZERO);
	if (!page) {
		mmu_free_sp(sp);
		return NULL;
	}
	set_page_private(virt_to_page(sp->spt), 0);
	free_page((unsigned long)sp->spt);
	sp->spt = page_address(page);
	set_page_private(page, (unsigned long)sp);
	INIT_HLIST_HEAD(&sp->parents);
	INIT_HLIST_NODE(&sp->hash_link);
	sp->level = 3;
	/* Never hashed: shadow_zap_page() only empties it. */
	sp->role = ((union shadow_role){ .level = 3, .pae_root = 1 }).word;
	return sp;
}

/**
 * minikvm_mmu_vcpu_init - the vCPU's MMU state at creation.
 * @vcpu: the new vCPU.
 *
 * Return: 0 or -ENOMEM.
 */
int minikvm_mmu_vcpu_init(struct minikvm_vcpu *vcpu)
{
	struct minikvm_shadow_vcpu *sv;

	if (!vcpu->vm->mmu.shadow)
		return 0;
	sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);
	if (!sv)
		return -ENOMEM;
	sv->pae_root = alloc_pae_root();
	if (!sv->pae_root) {
		kfree(sv);
		return -ENOMEM;
	}
	sv->need_root = true;
	vcpu->mmu.shadow = sv;
	return 0;
}

/**
 * shadow_vcpu_destroy - drop the vCPU's roots and free its shadow state.
 * @vcpu: the vCPU, which will not run again.
 */
void shadow_vcpu_destroy(struct minikvm_vcpu *vcpu)
{
	struct minikvm_shadow_vcpu *sv = vcpu->mmu.shadow;
	struct minikvm_vm *vm = vcpu->vm;
	LIST_HEAD(invalid);
	int i;

	if (!sv)
		return;
	write_lock(&vm->mmu.lock);
	drop_current_root(vcpu, &invalid);
	for (i = 0; i < SHADOW_PREV_ROOTS; i++)
		if (sv->prev_roots[i])
			shadow_put_root(vm, sv->prev_roots[i], &invalid);
	shadow_zap_page(vm, sv->pae_root, &invalid);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);

	/* Emptied and flushed: no CPU walks it any more. */
	mmu_free_sp(sv->pae_root);
	while (sv->nr_descs)
		shadow_free_desc(sv->descs[--sv->nr_descs]);
	kfree(sv);
	vcpu->mmu.shadow = NULL;
}

/**
 * shadow_zap_all - zap every shadow page of @vm.
 * @vm: the VM.
 *
 * vCPUs reload their roots before they enter again.
 *
 * Context: may sleep (mmu_lock is taken here).
 */
void shadow_zap_all(struct minikvm_vm *vm)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vm);
	struct minikvm_mmu_page *sp, *tmp;
	LIST_HEAD(invalid);

	write_lock(&vm->mmu.lock);
	list_for_each_entry_safe(sp, tmp, &shadow->active, link)
		shadow_zap_page(vm, sp, &invalid);
	minikvm_make_all_vcpus_request(vm, MINIKVM_REQ_MMU_RELOAD);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
}

/**
 * shadow_set_max_pages - a new budget of shadow pages (KVM_SET_NR_MMU_PAGES).
 * @vm: a shadow-paging VM.
 * @pages: the budget.
 *
 * A budget below what is in use zaps the oldest pages now (roots in use
 * stay); later faults keep the VM within it.
 */
void shadow_set_max_pages(struct minikvm_vm *vm, unsigned long pages)
{
	LIST_HEAD(invalid);

	write_lock(&vm->mmu.lock);
	to_shadow(vm)->max_pages = pages;
	shadow_make_room(vm, &invalid);
	write_unlock(&vm->mmu.lock);
	shadow_commit_zap(vm, &invalid);
}

/**
 * minikvm_mmu_shadow_init - make @vm a shadow-paging VM.
 * @vm: the VM, being created (before any vCPU or memslot).
 *
 * Return: 0 or -ENOMEM.
 */
int minikvm_mmu_shadow_init(struct minikvm_vm *vm)
{
	struct minikvm_shadow_mmu *shadow = kvzalloc(sizeof(*shadow),
						     GFP_KERNEL_ACCOUNT);

	if (!shadow)
		return -ENOMEM;
	INIT_LIST_HEAD(&shadow->active);
	shadow->max_pages = SHADOW_DEFAULT_MAX_PAGES;
	shadow->vm = vm;
	vm->mmu.shadow = shadow;
	shadow_shrink_add(vm);
	return 0;
}

/* Free the shadow state of a VM whose vCPUs are gone. */
void shadow_mmu_destroy(struct minikvm_vm *vm)
{
	struct minikvm_shadow_mmu *shadow = to_shadow(vm);
	unsigned long b;

	if (!shadow)
		return;
	shadow_shrink_del(vm);
	shadow_zap_all(vm);
	WARN_ON(shadow->nr_pages);
	for (b = 0; b < ARRAY_SIZE(shadow->rmap); b++)
		WARN_ON(!hlist_empty(&shadow->rmap[b]));
	kvfree(shadow);
	vm->mmu.shadow = NULL;
}
