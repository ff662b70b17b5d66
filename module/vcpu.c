// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU: creation, reset and destruction, and the vCPU fd: its mmap of
 * the kvm_run and PIO pages and its ioctl switch, which only copies the
 * argument and calls the file that does the job.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "fpu.h"
#include "minikvm.h"
#include "regs.h"
#include "x86.h"
#include "emulate/coalesced_mmio.h"
#include "emulate/emulate.h"

static int minikvm_vcpu_release(struct inode *inode, struct file *filp)
{
	struct minikvm_vcpu *vcpu = filp->private_data;

	minikvm_vm_put(vcpu->vm);
	return 0;
}

static vm_fault_t minikvm_vcpu_fault(struct vm_fault *vmf)
{
	struct minikvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == KVM_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else if (vmf->pgoff == KVM_COALESCED_MMIO_PAGE_OFFSET)
		page = minikvm_coalesced_mmio_page(vcpu->vm);
	else
		return VM_FAULT_SIGBUS;

	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct minikvm_vcpu_vm_ops = {
	.fault = minikvm_vcpu_fault,
};

static int minikvm_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &minikvm_vcpu_vm_ops;
	return 0;
}

/*
 * The ioctls that copy a fixed-size struct in or out and call one
 * function; each returns 0 or -errno.
 */
static long vcpu_ioctl_get_regs(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs;

	minikvm_vcpu_ioctl_get_regs(vcpu, &regs);
	return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
}

static long vcpu_ioctl_set_regs(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs;

	if (copy_from_user(&regs, argp, sizeof(regs)))
		return -EFAULT;
	minikvm_vcpu_ioctl_set_regs(vcpu, &regs);
	return 0;
}

static long vcpu_ioctl_get_sregs(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_sregs sregs;

	minikvm_vcpu_ioctl_get_sregs(vcpu, &sregs);
	return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

static long vcpu_ioctl_set_sregs(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_sregs sregs;

	if (copy_from_user(&sregs, argp, sizeof(sregs)))
		return -EFAULT;
	return minikvm_vcpu_ioctl_set_sregs(vcpu, &sregs);
}

static long vcpu_ioctl_get_debugregs(struct minikvm_vcpu *vcpu,
				     void __user *argp)
{
	struct kvm_debugregs dbg;

	minikvm_vcpu_ioctl_get_debugregs(vcpu, &dbg);
	return copy_to_user(argp, &dbg, sizeof(dbg)) ? -EFAULT : 0;
}

static long vcpu_ioctl_set_debugregs(struct minikvm_vcpu *vcpu,
				     void __user *argp)
{
	struct kvm_debugregs dbg;

	if (copy_from_user(&dbg, argp, sizeof(dbg)))
		return -EFAULT;
	return minikvm_vcpu_ioctl_set_debugregs(vcpu, &dbg);
}

static long vcpu_ioctl_get_mp_state(struct minikvm_vcpu *vcpu,
				    void __user *argp)
{
	struct kvm_mp_state mp;

	minikvm_vcpu_ioctl_get_mp_state(vcpu, &mp);
	return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
}

static long vcpu_ioctl_set_mp_state(struct minikvm_vcpu *vcpu,
				    void __user *argp)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	return minikvm_vcpu_ioctl_set_mp_state(vcpu, &mp);
}

static long vcpu_ioctl_get_events(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_vcpu_events events;

	minikvm_vcpu_ioctl_get_vcpu_events(vcpu, &events);
	return copy_to_user(argp, &events, sizeof(events)) ? -EFAULT : 0;
}

static long vcpu_ioctl_set_events(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_vcpu_events events;

	if (copy_from_user(&events, argp, sizeof(events)))
		return -EFAULT;
	return minikvm_vcpu_ioctl_set_vcpu_events(vcpu, &events);
}

static long vcpu_ioctl_interrupt(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	/* The in-kernel PIC is the source of external interrupts (as KVM). */
	if (vcpu->apic)
		return -ENXIO;
	return minikvm_vcpu_ioctl_interrupt(vcpu, &irq);
}

/*
 * KVM_SET_SIGNAL_MASK: the signals blocked while the vCPU runs (KVM_RUN
 * swaps them in and back out); NULL: KVM_RUN leaves the thread's own mask.
 * -EINVAL unless the length is that of the kernel's sigset_t (8 bytes);
 * SIGKILL and SIGSTOP cannot be blocked.
 */
static long vcpu_ioctl_set_signal_mask(struct minikvm_vcpu *vcpu,
				       void __user *argp)
{
	struct kvm_signal_mask __user *user = argp;
	struct kvm_signal_mask mask;
	sigset_t set;

	lockdep_assert_held(&vcpu->mutex);

	if (!argp) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&mask, user, sizeof(mask)))
		return -EFAULT;
	if (mask.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, user->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

static long vcpu_ioctl_get_lapic(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_lapic_state *s;
	long r;

	if (!vcpu->apic)
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	r = minikvm_vcpu_ioctl_get_lapic(vcpu, s);
	if (!r && copy_to_user(argp, s, sizeof(*s)))
		r = -EFAULT;
	kfree(s);
	return r;
}

static long vcpu_ioctl_set_lapic(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_lapic_state *s;
	long r;

	if (!vcpu->apic)
		return -EINVAL;
	s = memdup_user(argp, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	r = minikvm_vcpu_ioctl_set_lapic(vcpu, s);
	kfree(s);
	return r;
}

/* KVM_ENABLE_CAP on a vCPU: minikvm has no per-vCPU capability. */
static long vcpu_ioctl_enable_cap(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	return -EINVAL;
}

static long minikvm_vcpu_ioctl_locked(struct minikvm_vcpu *vcpu,
				      unsigned int ioctl, void __user *argp)
{
	lockdep_assert_held(&vcpu->mutex);

	switch (ioctl) {
	case KVM_RUN:
		return argp ? -EINVAL : minikvm_vcpu_ioctl_run(vcpu);
	case KVM_GET_REGS:
		return vcpu_ioctl_get_regs(vcpu, argp);
	case KVM_SET_REGS:
		return vcpu_ioctl_set_regs(vcpu, argp);
	case KVM_GET_SREGS:
		return vcpu_ioctl_get_sregs(vcpu, argp);
	case KVM_SET_SREGS:
		return vcpu_ioctl_set_sregs(vcpu, argp);
	case KVM_GET_FPU:
		return minikvm_vcpu_ioctl_get_fpu(vcpu, argp);
	case KVM_SET_FPU:
		return minikvm_vcpu_ioctl_set_fpu(vcpu, argp);
	case KVM_GET_XSAVE:
		return minikvm_vcpu_ioctl_get_xsave(vcpu, argp);
	case KVM_GET_XSAVE2:
		return minikvm_vcpu_ioctl_get_xsave2(vcpu, argp);
	case KVM_SET_XSAVE:
		return minikvm_vcpu_ioctl_set_xsave(vcpu, argp);
	case KVM_GET_XCRS:
		return minikvm_vcpu_ioctl_get_xcrs(vcpu, argp);
	case KVM_SET_XCRS:
		return minikvm_vcpu_ioctl_set_xcrs(vcpu, argp);
	case KVM_GET_MSRS:
		return minikvm_vcpu_ioctl_get_msrs(vcpu, argp);
	case KVM_SET_MSRS:
		return minikvm_vcpu_ioctl_set_msrs(vcpu, argp);
	case KVM_SET_CPUID:
		return minikvm_vcpu_ioctl_set_cpuid(vcpu, argp);
	case KVM_SET_CPUID2:
		return minikvm_vcpu_ioctl_set_cpuid2(vcpu, argp);
	case KVM_GET_CPUID2:
		return minikvm_vcpu_ioctl_get_cpuid2(vcpu, argp);
	case KVM_GET_MP_STATE:
		return vcpu_ioctl_get_mp_state(vcpu, argp);
	case KVM_SET_MP_STATE:
		return vcpu_ioctl_set_mp_state(vcpu, argp);
	case KVM_GET_VCPU_EVENTS:
		return vcpu_ioctl_get_events(vcpu, argp);
	case KVM_SET_VCPU_EVENTS:
		return vcpu_ioctl_set_events(vcpu, argp);
	case KVM_GET_DEBUGREGS:
		return vcpu_ioctl_get_debugregs(vcpu, argp);
	case KVM_SET_DEBUGREGS:
		return vcpu_ioctl_set_debugregs(vcpu, argp);
	case KVM_INTERRUPT:
		return vcpu_ioctl_interrupt(vcpu, argp);
	case KVM_NMI:
		return minikvm_vcpu_ioctl_nmi(vcpu);
	case KVM_GET_LAPIC:
		return vcpu_ioctl_get_lapic(vcpu, argp);
	case KVM_SET_LAPIC:
		return vcpu_ioctl_set_lapic(vcpu, argp);
	case KVM_GET_TSC_KHZ:
		return minikvm_get_tsc_khz();
	case KVM_SET_TSC_KHZ:
		return minikvm_set_tsc_khz((unsigned long)argp);
	case KVM_ENABLE_CAP:
		return vcpu_ioctl_enable_cap(vcpu, argp);
	case KVM_GET_STATS_FD:
		return minikvm_vcpu_ioctl_get_stats_fd(vcpu);
	case KVM_SET_SIGNAL_MASK:
		return vcpu_ioctl_set_signal_mask(vcpu, argp);
	default:
		/* KVM's answer to an unknown vCPU ioctl (not -ENOTTY). */
		return -EINVAL;
	}
}

static long minikvm_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			       unsigned long arg)
{
	struct minikvm_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm || READ_ONCE(vcpu->vm->bugged))
		return -EIO;

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	r = minikvm_vcpu_ioctl_locked(vcpu, ioctl, (void __user *)arg);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations minikvm_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= minikvm_vcpu_release,
	.unlocked_ioctl	= minikvm_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= minikvm_vcpu_mmap,
	.llseek		= noop_llseek,
};

/**
 * minikvm_vcpu_reset - the state after RESET or INIT.
 * @vcpu: the vCPU, not running.
 * @init_event: INIT, which keeps the MSRs and the APIC base.
 */
void minikvm_vcpu_reset(struct minikvm_vcpu *vcpu, bool init_event)
{
	if (!init_event) {
		minikvm_msrs_reset(vcpu);
		/*
		 * The xAPIC enabled at its default address; the boot vCPU
		 * (KVM_SET_BOOT_CPU_ID, vCPU 0 by default) is the BSP.
		 */
		vcpu->apic_base = APIC_DEFAULT_PHYS_BASE |
				  MSR_IA32_APICBASE_ENABLE;
		if (minikvm_vcpu_is_reset_bsp(vcpu))
			vcpu->apic_base |= MSR_IA32_APICBASE_BSP;
	}
	minikvm_regs_reset(vcpu);
	/* EDX after RESET: the CPU signature, 0x600 without a CPUID table. */
	vcpu->regs[MINIKVM_REG_RDX] = minikvm_cpuid_signature(vcpu);
	minikvm_x86_call(vcpu_reset)(vcpu);
	minikvm_events_reset(vcpu);
	minikvm_lapic_reset(vcpu, init_event);
	vcpu->complete_userspace_exit = NULL;
	minikvm_emulator_reset(vcpu);
}

/* Free everything minikvm_vcpu_alloc() and the backend allocated. */
void minikvm_vcpu_destroy(struct minikvm_vcpu *vcpu)
{
	minikvm_lapic_free(vcpu);
	minikvm_mmu_vcpu_destroy(vcpu);
	if (vcpu->guest_fpu.fpstate) {
		minikvm_x86_call(vcpu_free)(vcpu);
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
	}
	minikvm_vcpu_cpuid_free(vcpu);
	minikvm_emulator_destroy(vcpu);
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

static struct minikvm_vcpu *minikvm_vcpu_alloc(struct minikvm_vm *vm, u32 id)
{
	struct minikvm_vcpu *vcpu;

	vcpu = kzalloc(minikvm_vcpu_size, GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return NULL;

	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data || minikvm_emulator_create(vcpu))
		goto err;
	if (minikvm_mmu_vcpu_init(vcpu))
		goto err;
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		goto err;
	if (minikvm_x86_call(vcpu_create)(vcpu)) {
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
		goto err;
	}
	snprintf(vcpu->stats_id, sizeof(vcpu->stats_id), "kvm-%d/vcpu-%u",
		 task_pid_nr(current), id);
	/* The irqchip cannot appear now: this vCPU is counted already. */
	if (READ_ONCE(vm->irqchip) && minikvm_lapic_create(vcpu))
		goto err_backend;
	minikvm_vcpu_cpuid_init(vcpu);
	minikvm_vcpu_reset(vcpu, false);
	minikvm_vcpu_tsc_init(vcpu);
	/* With an in-kernel APIC, APs wait for INIT and SIPI (as KVM). */
	if (vcpu->apic && !minikvm_vcpu_is_reset_bsp(vcpu))
		vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
	return vcpu;

err_backend:
	minikvm_x86_call(vcpu_free)(vcpu);
	fpu_free_guest_fpstate(&vcpu->guest_fpu);

err:
	vcpu->guest_fpu.fpstate = NULL;
	minikvm_vcpu_destroy(vcpu);
	return NULL;
}

/*
 * Reserve a place for one more vCPU with id @id; undone by vcpu_unreserve().
 * -EINVAL when KVM_CAP_MAX_VCPUS vCPUs exist or @id is not below the VM's
 * KVM_CAP_MAX_VCPU_ID.
 */
static int vcpu_reserve(struct minikvm_vm *vm, unsigned long id)
{
	int r = 0;

	mutex_lock(&vm->lock);
	if (vm->created_vcpus >= MINIKVM_MAX_VCPUS)
		r = -EINVAL;
	else if (vm->max_vcpu_ids && id >= vm->max_vcpu_ids)
		r = -EINVAL;
	else
		vm->created_vcpus++;
	if (!r)
		WRITE_ONCE(vm->stat.vcpus_created, vm->stat.vcpus_created + 1);
	mutex_unlock(&vm->lock);
	return r;
}

static void vcpu_unreserve(struct minikvm_vm *vm)
{
	mutex_lock(&vm->lock);
	vm->created_vcpus--;
	mutex_unlock(&vm->lock);
}

/* Make @vcpu visible and give it an fd; -EEXIST for a duplicate id. */
static int vcpu_publish(struct minikvm_vm *vm, struct minikvm_vcpu *vcpu)
{
	int fd;

	mutex_lock(&vm->lock);
	if (xa_insert(&vm->vcpus, vcpu->vcpu_id, vcpu, GFP_KERNEL_ACCOUNT)) {
		fd = xa_load(&vm->vcpus, vcpu->vcpu_id) ? -EEXIST : -ENOMEM;
		goto out;
	}
	/* The fd's reference; dropped by minikvm_vcpu_release(). */
	minikvm_vm_get(vm);
	fd = anon_inode_getfd("minikvm-vcpu", &minikvm_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		xa_erase(&vm->vcpus, vcpu->vcpu_id);
		refcount_dec(&vm->users);	/* the VM fd still holds one */
	}
out:
	mutex_unlock(&vm->lock);
	return fd;
}

/**
 * minikvm_vm_ioctl_create_vcpu - KVM_CREATE_VCPU.
 * @vm: the VM.
 * @id: the vCPU id (the APIC id).
 *
 * Return: the vCPU fd; -EINVAL for an id at or above KVM_CAP_MAX_VCPU_ID (the
 * VM's, when KVM_ENABLE_CAP set one) or when KVM_CAP_MAX_VCPUS vCPUs exist;
 * -EEXIST for a duplicate id; -ENOMEM.
 */
int minikvm_vm_ioctl_create_vcpu(struct minikvm_vm *vm, unsigned long id)
{
	struct minikvm_vcpu *vcpu;
	int r;

	if (id >= MINIKVM_MAX_VCPU_IDS)
		return -EINVAL;

	r = vcpu_reserve(vm, id);
	if (r)
		return r;

	vcpu = minikvm_vcpu_alloc(vm, id);
	if (!vcpu) {
		r = -ENOMEM;
		goto err_unreserve;
	}

	r = vcpu_publish(vm, vcpu);
	if (r < 0)
		goto err_destroy;
	return r;

err_destroy:
	/* It was visible in vm->vcpus: wait for lockless walkers (RCU). */
	synchronize_rcu();
	minikvm_vcpu_destroy(vcpu);
err_unreserve:
	vcpu_unreserve(vm);
	return r;
}
