// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU: creation and destruction, the vCPU fd with its mmap of the
 * kvm_run and PIO pages, and the register ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>

#include "minikvm.h"
#include "x86.h"
#include "emulate/coalesced_mmio.h"
#include "emulate/emulate.h"

/* With no CPUID table set, KVM assumes a 36-bit guest MAXPHYADDR. */
#define MINIKVM_DEFAULT_GUEST_PHYS_BITS	36

/*
 * CR4 bits a guest may set: those of the base x86-64 architecture.  Bits of
 * optional features (OSXSAVE, SMEP, SMAP, FSGSBASE, PKE, LA57, UMIP, VMXE,
 * PCIDE) stay reserved until guest CPUID can advertise them.
 */
#define MINIKVM_CR4_VALID (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD |	\
			   X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |	\
			   X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |	\
			   X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

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

static int vcpu_ioctl_get_regs(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs = {
		.rax = vcpu->regs[MINIKVM_REG_RAX], .rbx = vcpu->regs[MINIKVM_REG_RBX],
		.rcx = vcpu->regs[MINIKVM_REG_RCX], .rdx = vcpu->regs[MINIKVM_REG_RDX],
		.rsi = vcpu->regs[MINIKVM_REG_RSI], .rdi = vcpu->regs[MINIKVM_REG_RDI],
		.rsp = vcpu->regs[MINIKVM_REG_RSP], .rbp = vcpu->regs[MINIKVM_REG_RBP],
		.r8 = vcpu->regs[MINIKVM_REG_R8], .r9 = vcpu->regs[MINIKVM_REG_R9],
		.r10 = vcpu->regs[MINIKVM_REG_R10], .r11 = vcpu->regs[MINIKVM_REG_R11],
		.r12 = vcpu->regs[MINIKVM_REG_R12], .r13 = vcpu->regs[MINIKVM_REG_R13],
		.r14 = vcpu->regs[MINIKVM_REG_R14], .r15 = vcpu->regs[MINIKVM_REG_R15],
		.rip = vcpu->rip, .rflags = vcpu->rflags,
	};

	return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
}

static int vcpu_ioctl_set_regs(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs r;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;

	vcpu->regs[MINIKVM_REG_RAX] = r.rax;
	vcpu->regs[MINIKVM_REG_RBX] = r.rbx;
	vcpu->regs[MINIKVM_REG_RCX] = r.rcx;
	vcpu->regs[MINIKVM_REG_RDX] = r.rdx;
	vcpu->regs[MINIKVM_REG_RSI] = r.rsi;
	vcpu->regs[MINIKVM_REG_RDI] = r.rdi;
	vcpu->regs[MINIKVM_REG_RSP] = r.rsp;
	vcpu->regs[MINIKVM_REG_RBP] = r.rbp;
	vcpu->regs[MINIKVM_REG_R8] = r.r8;
	vcpu->regs[MINIKVM_REG_R9] = r.r9;
	vcpu->regs[MINIKVM_REG_R10] = r.r10;
	vcpu->regs[MINIKVM_REG_R11] = r.r11;
	vcpu->regs[MINIKVM_REG_R12] = r.r12;
	vcpu->regs[MINIKVM_REG_R13] = r.r13;
	vcpu->regs[MINIKVM_REG_R14] = r.r14;
	vcpu->regs[MINIKVM_REG_R15] = r.r15;
	vcpu->rip = r.rip;
	/* Bit 1 of RFLAGS always reads as one. */
	vcpu->rflags = r.rflags | X86_EFLAGS_FIXED;
	/* A new RIP abandons the instruction an IN exit was completing. */
	vcpu->pio.pending_in = false;
	return 0;
}

static int vcpu_ioctl_get_sregs(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_sregs sregs;

	memset(&sregs, 0, sizeof(sregs));
	minikvm_x86_call(get_sregs)(vcpu, &sregs);
	return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

static bool is_valid_cr0(u64 cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	return !((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE));
}

static bool is_valid_apic_base(u64 apic_base)
{
	u64 valid = MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE |
		    GENMASK_ULL(MINIKVM_DEFAULT_GUEST_PHYS_BITS - 1, 12);

	return !(apic_base & ~valid);
}

/* KVM's consistency rules for a KVM_SET_SREGS payload. */
static bool is_valid_sregs(const struct kvm_sregs *s)
{
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		/* Long mode: PAE and LMA on, CR3 within MAXPHYADDR. */
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
		if (s->cr3 >> MINIKVM_DEFAULT_GUEST_PHYS_BITS)
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return false;
	}
	if (s->cr4 & ~MINIKVM_CR4_VALID)
		return false;
	return is_valid_cr0(s->cr0) && is_valid_apic_base(s->apic_base);
}

static int vcpu_ioctl_set_sregs(struct minikvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_sregs sregs;

	if (copy_from_user(&sregs, argp, sizeof(sregs)))
		return -EFAULT;
	if (!is_valid_sregs(&sregs))
		return -EINVAL;
	minikvm_x86_call(set_sregs)(vcpu, &sregs);
	return 0;
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

/* Free everything minikvm_vcpu_alloc() and the backend allocated. */
void minikvm_vcpu_destroy(struct minikvm_vcpu *vcpu)
{
	if (vcpu->guest_fpu.fpstate) {
		minikvm_x86_call(vcpu_free)(vcpu);
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
	}
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
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data || minikvm_emulator_create(vcpu))
		goto err;
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		goto err;
	if (minikvm_x86_call(vcpu_create)(vcpu)) {
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
		goto err;
	}
	minikvm_x86_call(vcpu_reset)(vcpu);
	return vcpu;

err:
	vcpu->guest_fpu.fpstate = NULL;
	minikvm_vcpu_destroy(vcpu);
	return NULL;
}

/* Reserve a place for one more vCPU; undone by vcpu_unreserve(). */
static int vcpu_reserve(struct minikvm_vm *vm)
{
	int r = 0;

	mutex_lock(&vm->lock);
	if (vm->created_vcpus >= MINIKVM_MAX_VCPUS)
		r = -EINVAL;
	else
		vm->created_vcpus++;
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
 * Return: the vCPU fd; -EINVAL for an id at or above KVM_CAP_MAX_VCPU_ID or
 * when KVM_CAP_MAX_VCPUS vCPUs exist; -EEXIST for a duplicate id; -ENOMEM.
 */
int minikvm_vm_ioctl_create_vcpu(struct minikvm_vm *vm, unsigned long id)
{
	struct minikvm_vcpu *vcpu;
	int r;

	if (id >= MINIKVM_MAX_VCPU_IDS)
		return -EINVAL;

	r = vcpu_reserve(vm);
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
	minikvm_vcpu_destroy(vcpu);
err_unreserve:
	vcpu_unreserve(vm);
	return r;
}
