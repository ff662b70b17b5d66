// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR filter (KVM_X86_SET_MSR_FILTER): which guest RDMSR/WRMSR minikvm
 * handles and which it denies (#GP, or an exit to userspace with
 * KVM_MSR_EXIT_REASON_FILTER).  Userspace's own KVM_GET/SET_MSRS are never
 * filtered, nor are the x2APIC MSRs (as in KVM).
 *
 * A filter is immutable once published.  KVM_X86_SET_MSR_FILTER builds a
 * new one, swaps the pointer under vm->lock and frees the old one after an
 * RCU grace period; vCPUs read it under rcu_read_lock() at each access.
 * Every vCPU intercepts every MSR, so no vCPU state depends on the filter
 * and nothing has to be kicked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "minikvm.h"
#include "x86.h"

#define FILTER_VALID_FLAGS	KVM_MSR_FILTER_DEFAULT_DENY
#define RANGE_VALID_FLAGS	(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)

static bool is_x2apic_msr(u32 index)
{
	return index >= 0x800 && index <= 0x8ff;
}

/**
 * minikvm_msr_allowed - may the guest access @index?
 * @vcpu: the vCPU.
 * @index: the MSR.
 * @type: KVM_MSR_FILTER_READ or KVM_MSR_FILTER_WRITE.
 *
 * Return: the verdict of the first range covering @index for @type, else
 * the filter's default; true without a filter.
 */
bool minikvm_msr_allowed(struct minikvm_vcpu *vcpu, u32 index, u32 type)
{
	const struct minikvm_msr_filter *f;
	bool allowed = true;
	int i;

	if (is_x2apic_msr(index))
		return true;

	rcu_read_lock();
	f = rcu_dereference(vcpu->vm->msr_filter);
	if (f) {
		allowed = f->default_allow;
		for (i = 0; i < f->count; i++) {
			u32 base = f->ranges[i].base;

			if (!(f->ranges[i].flags & type) || index < base ||
			    index - base >= f->ranges[i].nmsrs)
				continue;
			allowed = test_bit(index - base, f->ranges[i].bitmap);
			break;
		}
	}
	rcu_read_unlock();
	return allowed;
}

static void filter_free(struct minikvm_msr_filter *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		kfree(f->ranges[i].bitmap);
	kfree(f);
}

/* Copy one range of @user; a range of size 0 is skipped. */
static int filter_add_range(struct minikvm_msr_filter *f,
			    const struct kvm_msr_filter_range *user)
{
	size_t size = BITS_TO_LONGS(user->nmsrs) * sizeof(long);
	unsigned long *bitmap;

	if (!user->nmsrs)
		return 0;
	if (!user->flags || (user->flags & ~RANGE_VALID_FLAGS))
		return -EINVAL;
	if (size > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	bitmap = memdup_user(u64_to_user_ptr((u64)(uintptr_t)user->bitmap),
			     size);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);

	f->ranges[f->count].flags = user->flags;
	f->ranges[f->count].base = user->base;
	f->ranges[f->count].nmsrs = user->nmsrs;
	f->ranges[f->count].bitmap = bitmap;
	f->count++;
	return 0;
}

static struct minikvm_msr_filter *filter_build(const struct kvm_msr_filter *user,
					       int *err)
{
	struct minikvm_msr_filter *f;
	int i;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->default_allow = !(user->flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < ARRAY_SIZE(user->ranges); i++) {
		*err = filter_add_range(f, &user->ranges[i]);
		if (*err) {
			filter_free(f);
			return NULL;
		}
	}
	return f;
}

static bool filter_is_empty(const struct kvm_msr_filter *user)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(user->ranges); i++)
		if (user->ranges[i].nmsrs)
			return false;
	return true;
}

/**
 * minikvm_vm_ioctl_set_msr_filter - KVM_X86_SET_MSR_FILTER.
 * @vm: the VM.
 * @argp: struct kvm_msr_filter.
 *
 * Replaces the filter of every vCPU at once; guests see the new filter at
 * their next MSR access.
 *
 * Return: 0; -EINVAL for unknown flags, a default-deny filter without
 * ranges, a range without flags or with unknown ones, or a bitmap larger
 * than KVM_MSR_FILTER_MAX_BITMAP_SIZE; -EFAULT; -ENOMEM.  The old filter
 * stays in force on error.
 */
int minikvm_vm_ioctl_set_msr_filter(struct minikvm_vm *vm,
				    struct kvm_msr_filter __user *argp)
{
	struct minikvm_msr_filter *new, *old;
	struct kvm_msr_filter user;
	int r = 0;

	if (copy_from_user(&user, argp, sizeof(user)))
		return -EFAULT;
	if (user.flags & ~FILTER_VALID_FLAGS)
		return -EINVAL;
	if (filter_is_empty(&user) && (user.flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;
	new = filter_build(&user, &r);
	if (!new)
		return r;

	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->msr_filter, new,
				  lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);

	/* No vCPU still looks at @old after the grace period. */
	synchronize_rcu();
	filter_free(old);
	return 0;
}

/* VM teardown: no vCPU runs any more. */
void minikvm_msr_filter_free(struct minikvm_vm *vm)
{
	filter_free(rcu_dereference_protected(vm->msr_filter, true));
	RCU_INIT_POINTER(vm->msr_filter, NULL);
}
