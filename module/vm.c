// SPDX-License-Identifier: GPL-2.0
/*
 * The VM: creation, reference counting, destruction, the VM fd's ioctls, and
 * requests to all of a VM's vCPUs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include "minikvm.h"
#include "x86.h"
#include "emulate/coalesced_mmio.h"
#include "emulate/mmio_bus.h"

void minikvm_vm_get(struct minikvm_vm *vm)
{
	refcount_inc(&vm->users);
}

static void minikvm_vm_destroy(struct minikvm_vm *vm)
{
	struct minikvm_vcpu *vcpu;
	unsigned long id;

	/* No fd is left, so no ioctl runs: nobody else can see @vm. */
	xa_for_each(&vm->vcpus, id, vcpu)
		minikvm_vcpu_destroy(vcpu);
	xa_destroy(&vm->vcpus);

	minikvm_coalesced_mmio_destroy(vm);
	minikvm_mmio_bus_destroy(vm);
	minikvm_mmu_destroy(vm);
	minikvm_memslots_free(vm);
	mmdrop(vm->mm);
	kfree(vm);
}

void minikvm_vm_put(struct minikvm_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		minikvm_vm_destroy(vm);
}

static void minikvm_kick_nop(void *unused)
{
}

/**
 * minikvm_make_all_vcpus_request - set @req on every vCPU and wait until
 * none of them still runs the guest with the state from before the call.
 * @vm: the VM.
 * @req: a MINIKVM_REQ_* number.
 *
 * Protocol (pairs with the entry path in x86.c, minikvm_enter_guest()):
 * the vCPU sets mode = IN_GUEST_MODE, then smp_mb(), then checks requests;
 * we set the request, then smp_mb(), then read mode.  Either the vCPU sees
 * the request before entering, or we see IN_GUEST_MODE and interrupt its
 * CPU.  The IPI is handled only after the vCPU left the guest (its IRQs are
 * off from the mode write to the exit), and we wait for the handler, so on
 * return no vCPU uses a translation from before the call.
 *
 * Context: may sleep; caller holds no spinlock.
 */
void minikvm_make_all_vcpus_request(struct minikvm_vm *vm, int req)
{
	struct minikvm_vcpu *vcpu;
	cpumask_var_t cpus;
	unsigned long id;
	bool have_mask;
	int cpu;

	have_mask = zalloc_cpumask_var(&cpus, GFP_KERNEL);

	mutex_lock(&vm->lock);
	xa_for_each(&vm->vcpus, id, vcpu) {
		set_bit(req, &vcpu->requests);
		/* Pairs with smp_mb() in minikvm_enter_guest(). */
		smp_mb__after_atomic();
		cpu = READ_ONCE(vcpu->cpu);
		if (READ_ONCE(vcpu->mode) == MINIKVM_IN_GUEST_MODE &&
		    cpu >= 0 && have_mask)
			cpumask_set_cpu(cpu, cpus);
	}
	mutex_unlock(&vm->lock);

	if (!have_mask) {
		/* Out of memory for a mask: interrupt every CPU instead. */
		on_each_cpu(minikvm_kick_nop, NULL, 1);
		return;
	}
	on_each_cpu_mask(cpus, minikvm_kick_nop, NULL, 1);
	free_cpumask_var(cpus);
}

static int minikvm_vm_release(struct inode *inode, struct file *filp)
{
	minikvm_vm_put(filp->private_data);
	return 0;
}

static long minikvm_vm_ioctl_set_region(struct minikvm_vm *vm,
					void __user *argp)
{
	struct kvm_userspace_memory_region mem;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	return minikvm_vm_ioctl_set_memory_region(vm, &mem);
}

static long minikvm_vm_ioctl_coalesced_mmio(struct minikvm_vm *vm,
					    unsigned int ioctl, void __user *argp)
{
	struct kvm_coalesced_mmio_zone zone;

	if (copy_from_user(&zone, argp, sizeof(zone)))
		return -EFAULT;
	if (ioctl == KVM_REGISTER_COALESCED_MMIO)
		return minikvm_vm_ioctl_register_coalesced_mmio(vm, &zone);
	return minikvm_vm_ioctl_unregister_coalesced_mmio(vm, &zone);
}

static long minikvm_vm_ioctl(struct file *filp, unsigned int ioctl,
			     unsigned long arg)
{
	struct minikvm_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm || READ_ONCE(vm->bugged))
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return minikvm_vm_ioctl_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
		return minikvm_vm_ioctl_set_region(vm, argp);
	case KVM_CHECK_EXTENSION:
		return minikvm_check_extension(vm, arg);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		return minikvm_vm_ioctl_coalesced_mmio(vm, ioctl, argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations minikvm_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= minikvm_vm_release,
	.unlocked_ioctl	= minikvm_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct minikvm_vm *minikvm_vm_alloc(void)
{
	struct minikvm_vm *vm;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return NULL;

	refcount_set(&vm->users, 1);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	xa_init(&vm->vcpus);
	minikvm_memslots_init(&vm->slots);
	return vm;
}

/**
 * minikvm_dev_ioctl_create_vm - KVM_CREATE_VM.
 * @type: must be 0 (KVM_X86_DEFAULT_VM).
 *
 * Return: the new VM fd, -EINVAL for another type, -ENOMEM, or the error of
 * fd allocation.
 */
int minikvm_dev_ioctl_create_vm(unsigned long type)
{
	struct minikvm_vm *vm;
	int r;

	if (type)
		return -EINVAL;

	vm = minikvm_vm_alloc();
	if (!vm)
		return -ENOMEM;

	r = minikvm_mmu_init(vm);
	if (r)
		goto err_free;
	r = minikvm_coalesced_mmio_init(vm);
	if (r)
		goto err_free;

	r = anon_inode_getfd("minikvm-vm", &minikvm_vm_fops, vm,
			     O_RDWR | O_CLOEXEC);
	if (r < 0)
		goto err_free;
	return r;

err_free:
	/* minikvm_vm_destroy() copes with a partially set up VM. */
	minikvm_vm_put(vm);
	return r;
}
