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

#include <uapi/linux/minikvm.h>

#include "compat.h"
#include "irq/irqchip.h"
#include "minikvm.h"
#include "x86.h"
#include "emulate/coalesced_mmio.h"
#include "emulate/emulate.h"
#include "emulate/mmio_bus.h"

void minikvm_vm_get(struct minikvm_vm *vm)
{
	refcount_inc(&vm->users);
}

static void minikvm_vm_destroy(struct minikvm_vm *vm)
{
	struct minikvm_vcpu *vcpu;
	unsigned long id;

	/*
	 * No fd is left, so no ioctl runs.  The statistics files, the MMU
	 * notifier and the shadow MMU's shrinker still reach @vm: remove
	 * them first (each waits for readers and callbacks in flight).
	 */
	minikvm_mmu_shrinker_detach(vm);
	minikvm_mmu_stats_destroy(vm);
	minikvm_mmu_notifier_unregister(vm);

	xa_for_each(&vm->vcpus, id, vcpu)
		minikvm_vcpu_destroy(vcpu);
	xa_destroy(&vm->vcpus);
	minikvm_irqchip_destroy(vm);

	minikvm_coalesced_mmio_destroy(vm);
	minikvm_mmio_bus_destroy(vm);
	minikvm_mmu_destroy(vm);
	minikvm_memslots_free(vm);
	minikvm_msr_filter_free(vm);
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

/* The CPUs to interrupt, per requesting CPU (used with preemption off). */
static DEFINE_PER_CPU(struct cpumask, minikvm_kick_mask);

/**
 * minikvm_vcpu_kick - make @vcpu leave the guest soon, without waiting.
 * @vcpu: the vCPU.
 *
 * Same protocol as minikvm_make_all_vcpus_request(): the caller set a
 * request first, so a vCPU not in guest mode sees it before it enters.
 * The reschedule IPI exits the guest; the vCPU then handles its requests.
 */
void minikvm_vcpu_kick(struct minikvm_vcpu *vcpu)
{
	int cpu, me;

	/* Pairs with smp_mb() in enter_guest(). */
	smp_mb__after_atomic();
	if (READ_ONCE(vcpu->mode) != MINIKVM_IN_GUEST_MODE)
		return;
	cpu = READ_ONCE(vcpu->cpu);
	me = get_cpu();
	if (cpu != me && cpu >= 0 && cpu_online(cpu))
		smp_send_reschedule(cpu);
	put_cpu();
}

/**
 * minikvm_vcpu_wake - an event (interrupt, INIT/SIPI, timer) for @vcpu.
 * @vcpu: the vCPU.
 *
 * The caller made the event visible first (an IRR bit, pending_events,
 * the timer's pending count).  Then MINIKVM_REQ_EVENT, then: a vCPU
 * sleeping in KVM_RUN (halted) is woken, one in the guest is kicked out.
 * wake_up() orders the event before the sleeper's re-check of its
 * condition (it pairs with prepare_to_wait() in x86.c, vcpu_block()).
 *
 * Context: any, including hard interrupt context (the APIC timer) and
 * under the IOAPIC and PIC spinlocks.
 */
void minikvm_vcpu_wake(struct minikvm_vcpu *vcpu)
{
	set_bit(MINIKVM_REQ_EVENT, &vcpu->requests);
	wake_up_interruptible(&vcpu->wq);
	minikvm_vcpu_kick(vcpu);
}

/* Set @req on @vcpu from any thread and kick it out of the guest. */
void minikvm_make_request(struct minikvm_vcpu *vcpu, int req)
{
	set_bit(req, &vcpu->requests);
	minikvm_vcpu_kick(vcpu);
}

/**
 * minikvm_make_all_vcpus_request - set @req on every vCPU and wait until
 * none of them still runs the guest with the state from before the call.
 * @vm: the VM.
 * @req: a MINIKVM_REQ_* number.
 *
 * Protocol (pairs with the entry path in x86.c, enter_guest()): the vCPU
 * sets mode = IN_GUEST_MODE, then smp_mb(), then checks requests; we set
 * the request, then smp_mb(), then read mode.  Either the vCPU sees the
 * request before entering, or we see IN_GUEST_MODE and interrupt its CPU.
 * The IPI is handled only after the vCPU left the guest (its IRQs are off
 * from the mode write to the exit), and we wait for the handler, so on
 * return no vCPU uses a translation from before the call.
 *
 * Context: never sleeps: the MMU calls it with mmu_lock held (either mode)
 * and from MMU notifiers.  IRQs must be enabled.  vCPUs are walked under
 * RCU: a vCPU is only freed with its VM, or after a grace period when its
 * creation fails.
 */
void minikvm_make_all_vcpus_request(struct minikvm_vm *vm, int req)
{
	struct minikvm_vcpu *vcpu;
	struct cpumask *cpus;
	unsigned long id;
	int cpu, me;

	me = get_cpu();
	cpus = this_cpu_ptr(&minikvm_kick_mask);
	cpumask_clear(cpus);
	if (req == MINIKVM_REQ_TLB_FLUSH)
		WRITE_ONCE(vm->stat.remote_tlb_flush_requests,
			   vm->stat.remote_tlb_flush_requests + 1);

	rcu_read_lock();
	xa_for_each(&vm->vcpus, id, vcpu) {
		set_bit(req, &vcpu->requests);
		/* Pairs with smp_mb() in enter_guest(). */
		smp_mb__after_atomic();
		cpu = READ_ONCE(vcpu->cpu);
		/* A vCPU last seen on this CPU is not in the guest: we run here. */
		if (READ_ONCE(vcpu->mode) == MINIKVM_IN_GUEST_MODE &&
		    cpu >= 0 && cpu != me)
			__cpumask_set_cpu(cpu, cpus);
	}
	rcu_read_unlock();

	if (!cpumask_empty(cpus))
		smp_call_function_many(cpus, minikvm_kick_nop, NULL, true);
	put_cpu();
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

static long minikvm_vm_ioctl_dirty_log(struct minikvm_vm *vm, void __user *argp)
{
	struct kvm_dirty_log log;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	return minikvm_vm_ioctl_get_dirty_log(vm, &log);
}

static long minikvm_vm_ioctl_clear_log(struct minikvm_vm *vm, void __user *argp)
{
	struct kvm_clear_dirty_log log;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	return minikvm_vm_ioctl_clear_dirty_log(vm, &log);
}

/* KVM_SET_USER_MEMORY_REGION2: the same, without guest_memfd. */
static long minikvm_vm_ioctl_set_region2(struct minikvm_vm *vm,
					 void __user *argp)
{
	struct kvm_userspace_memory_region2 mem2;
	struct kvm_userspace_memory_region mem;

	if (copy_from_user(&mem2, argp, sizeof(mem2)))
		return -EFAULT;
	mem = (struct kvm_userspace_memory_region) {
		.slot = mem2.slot,
		.flags = mem2.flags,
		.guest_phys_addr = mem2.guest_phys_addr,
		.memory_size = mem2.memory_size,
		.userspace_addr = mem2.userspace_addr,
	};
	return minikvm_vm_ioctl_set_memory_region(vm, &mem);
}

/* KVM_CAP_X86_USER_SPACE_MSR: which failed MSR accesses exit to userspace. */
static long vm_enable_user_space_msr(struct minikvm_vm *vm,
				     const struct kvm_enable_cap *cap)
{
	if (cap->flags || (cap->args[0] & ~KVM_MSR_EXIT_REASON_VALID_MASK))
		return -EINVAL;
	mutex_lock(&vm->lock);
	WRITE_ONCE(vm->user_space_msr_mask, cap->args[0]);
	mutex_unlock(&vm->lock);
	return 0;
}

/*
 * KVM_CAP_MAX_VCPU_ID: lower the bound of vCPU ids, once.  Setting the value
 * already set succeeds; another value after the first, one above
 * MINIKVM_MAX_VCPU_IDS or one below the boot vCPU's id is -EINVAL.  vCPUs
 * created before keep their ids (as in KVM: the bound is checked at
 * KVM_CREATE_VCPU only).
 */
static long vm_enable_max_vcpu_id(struct minikvm_vm *vm,
				  const struct kvm_enable_cap *cap)
{
	u64 ids = cap->args[0];
	long r = -EINVAL;

	if (cap->flags || ids > MINIKVM_MAX_VCPU_IDS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->bsp_vcpu_id > ids) {
		r = -EINVAL;	/* the boot vCPU must stay creatable */
	} else if (vm->max_vcpu_ids == ids) {
		r = 0;
	} else if (!vm->max_vcpu_ids) {
		vm->max_vcpu_ids = ids;
		r = 0;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * KVM_CAP_MSR_PLATFORM_INFO: any non-zero args[0] lets the guest read
 * MSR_PLATFORM_INFO, 0 makes its RDMSR raise #GP; takes effect at the
 * vCPUs' next RDMSR, with or without vCPUs (as KVM).
 */
static long vm_enable_platform_info(struct minikvm_vm *vm,
				    const struct kvm_enable_cap *cap)
{
	if (cap->flags)
		return -EINVAL;
	WRITE_ONCE(vm->guest_reads_platform_info, !!cap->args[0]);
	return 0;
}

/*
 * KVM_CAP_DISABLE_QUIRKS2: turn off the quirks in args[0], for good.
 * -EINVAL for a quirk minikvm does not offer (KVM_CHECK_EXTENSION's value).
 */
static long vm_disable_quirks(struct minikvm_vm *vm,
			      const struct kvm_enable_cap *cap)
{
	if (cap->flags || (cap->args[0] & ~MINIKVM_SUPPORTED_QUIRKS))
		return -EINVAL;
	mutex_lock(&vm->lock);
	WRITE_ONCE(vm->disabled_quirks, vm->disabled_quirks | cap->args[0]);
	mutex_unlock(&vm->lock);
	return 0;
}

/*
 * KVM_ENABLE_CAP on the VM: KVM_CAP_X86_USER_SPACE_MSR,
 * KVM_CAP_X2APIC_API, KVM_CAP_X86_APIC_BUS_CYCLES_NS,
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE, KVM_CAP_MAX_VCPU_ID,
 * KVM_CAP_MSR_PLATFORM_INFO, KVM_CAP_DISABLE_QUIRKS2 and
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2.
 * Return: 0, or -EINVAL for flags, another capability or bad arguments
 * (-ENXIO for KVM_CAP_X86_APIC_BUS_CYCLES_NS without an irqchip).
 */
static long minikvm_vm_ioctl_cap(struct minikvm_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.cap == KVM_CAP_X86_USER_SPACE_MSR)
		return vm_enable_user_space_msr(vm, &cap);
	if (cap.cap == KVM_CAP_X2APIC_API ||
	    cap.cap == KVM_CAP_X86_APIC_BUS_CYCLES_NS)
		return minikvm_vm_enable_irq_cap(vm, &cap);
	if (cap.cap == KVM_CAP_EXIT_ON_EMULATION_FAILURE)
		return minikvm_vm_enable_exit_on_emulation_failure(vm, &cap);
	if (cap.cap == KVM_CAP_MAX_VCPU_ID)
		return vm_enable_max_vcpu_id(vm, &cap);
	if (cap.cap == KVM_CAP_MSR_PLATFORM_INFO)
		return vm_enable_platform_info(vm, &cap);
	if (cap.cap == KVM_CAP_DISABLE_QUIRKS2)
		return vm_disable_quirks(vm, &cap);
	return minikvm_vm_enable_dirty_log_cap(vm, &cap);
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

/*
 * KVM_SET_NR_MMU_PAGES: the bound on shadow page-table pages, at least 64
 * (KVM's minimum; -EINVAL below).  A shadow-paging VM keeps to it from
 * now on (the oldest pages go); a TDP VM's tables do not count against it,
 * in KVM either.
 */
static long minikvm_vm_ioctl_set_nr_mmu_pages(struct minikvm_vm *vm,
					      unsigned long pages)
{
	if (pages < 64)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	minikvm_mmu_set_nr_mmu_pages(vm, pages);
	mutex_unlock(&vm->slots_lock);
	return 0;
}

/*
 * KVM_SET_BOOT_CPU_ID: choose the vCPU that RESET makes the BSP.
 * Return: 0; -EBUSY once a vCPU was created (even if since closed);
 * -EINVAL above MINIKVM_MAX_VCPU_IDS or the VM's KVM_CAP_MAX_VCPU_ID (the
 * bound itself is accepted, as in KVM, though no vCPU can have that id).
 */
static long minikvm_vm_ioctl_set_boot_cpu_id(struct minikvm_vm *vm,
					     unsigned long id)
{
	long r = 0;

	mutex_lock(&vm->lock);
	if (vm->created_vcpus)
		r = -EBUSY;
	else if (id > MINIKVM_MAX_VCPU_IDS ||
		 (vm->max_vcpu_ids && id > vm->max_vcpu_ids))
		r = -EINVAL;
	else
		vm->bsp_vcpu_id = id;
	mutex_unlock(&vm->lock);
	return r;
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
	case KVM_SET_USER_MEMORY_REGION2:
		return minikvm_vm_ioctl_set_region2(vm, argp);
	case KVM_CHECK_EXTENSION:
		return minikvm_check_extension(vm, arg);
	case KVM_GET_DIRTY_LOG:
		return minikvm_vm_ioctl_dirty_log(vm, argp);
	case KVM_CLEAR_DIRTY_LOG:
		return minikvm_vm_ioctl_clear_log(vm, argp);
	case KVM_ENABLE_CAP:
		return minikvm_vm_ioctl_cap(vm, argp);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		return minikvm_vm_ioctl_coalesced_mmio(vm, ioctl, argp);
	case KVM_X86_SET_MSR_FILTER:
		return minikvm_vm_ioctl_set_msr_filter(vm, argp);
	case KVM_GET_STATS_FD:
		return minikvm_vm_ioctl_get_stats_fd(vm);
	case KVM_GET_TSC_KHZ:
		return minikvm_get_tsc_khz();
	case KVM_SET_TSC_KHZ:
		return minikvm_set_tsc_khz(arg);
	case KVM_SET_NR_MMU_PAGES:
		return minikvm_vm_ioctl_set_nr_mmu_pages(vm, arg);
	case KVM_SET_BOOT_CPU_ID:
		return minikvm_vm_ioctl_set_boot_cpu_id(vm, arg);
	case KVM_CREATE_IRQCHIP:
		return minikvm_vm_ioctl_create_irqchip(vm);
	case KVM_IRQ_LINE:
		return minikvm_vm_ioctl_irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return minikvm_vm_ioctl_irq_line(vm, argp, true);
	case KVM_GET_IRQCHIP:
		return minikvm_vm_ioctl_get_irqchip(vm, argp);
	case KVM_SET_IRQCHIP:
		return minikvm_vm_ioctl_set_irqchip(vm, argp);
	case KVM_SIGNAL_MSI:
		return minikvm_vm_ioctl_signal_msi(vm, argp);
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

static struct minikvm_vm *minikvm_vm_alloc(bool shadow)
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
	mutex_init(&vm->mmio_bus_lock);
	xa_init(&vm->vcpus);
	if (minikvm_mmu_init(vm, shadow)) {
		mmdrop(vm->mm);
		kfree(vm);
		return NULL;
	}
	if (minikvm_memslots_init(vm)) {
		minikvm_mmu_destroy(vm);
		mmdrop(vm->mm);
		kfree(vm);
		return NULL;
	}
	minikvm_vm_tsc_init(vm);
	vm->apic_bus_cycle_ns = 1;
	vm->guest_reads_platform_info = true;
	snprintf(vm->stats_id, sizeof(vm->stats_id), "kvm-%d",
		 task_pid_nr(current));
	return vm;
}

/* The VM fd, with the VM's statistics named after it. */
static int minikvm_vm_getfd(struct minikvm_vm *vm)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile("minikvm-vm", &minikvm_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	minikvm_mmu_stats_create(vm, fd);
	fd_install(fd, file);
	return fd;
}

/**
 * minikvm_dev_ioctl_create_vm - KVM_CREATE_VM.
 * @type: 0 (KVM_X86_DEFAULT_VM), or MINIKVM_X86_SHADOW_MMU_VM for a VM on
 *	the shadow MMU (a CPU without nested paging gives every VM that).
 *
 * Return: the new VM fd, -EINVAL for another type, -ENOMEM, or the error of
 * fd allocation.
 */
int minikvm_dev_ioctl_create_vm(unsigned long type)
{
	struct minikvm_vm *vm;
	int r;

	if (type && type != MINIKVM_X86_SHADOW_MMU_VM)
		return -EINVAL;

	vm = minikvm_vm_alloc(type == MINIKVM_X86_SHADOW_MMU_VM);
	if (!vm)
		return -ENOMEM;

	r = minikvm_coalesced_mmio_init(vm);
	if (r)
		goto err_free;

	/* From now on the host tells us before it changes guest memory. */
	r = minikvm_mmu_notifier_register(vm);
	if (r)
		goto err_free;

	r = minikvm_vm_getfd(vm);
	if (r < 0)
		goto err_free;
	return r;

err_free:
	/* minikvm_vm_destroy() copes with a partially set up VM. */
	minikvm_vm_put(vm);
	return r;
}
