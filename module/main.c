// SPDX-License-Identifier: GPL-2.0
/*
 * minikvm: module load/unload, the /dev/minikvm misc device and the system
 * ioctls, and the vendor ops registration.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/cpumask.h>

#include <uapi/linux/minikvm.h>
#include "minikvm.h"
#include "x86.h"

struct minikvm_x86_ops minikvm_x86_ops __read_mostly;
unsigned int minikvm_vcpu_size __read_mostly;

/* One entry per op of x86_ops.h: where it sits and whether it must be set. */
struct x86_op_desc {
	const char *name;
	size_t offset;
	bool mandatory;
};

#define X86_OP_DESC(func, required)					\
	{ .name = #func, .offset = offsetof(struct minikvm_x86_ops, func),	\
	  .mandatory = (required) },

static const struct x86_op_desc x86_op_descs[] = {
#define MINIKVM_X86_OP(func) X86_OP_DESC(func, true)
#define MINIKVM_X86_OP_OPTIONAL(func) X86_OP_DESC(func, false)
#include "x86_ops.h"
};

/* The struct has exactly the ops of the list: nothing missing, nothing extra. */
static_assert(sizeof(struct minikvm_x86_ops) ==
	      ARRAY_SIZE(x86_op_descs) * sizeof(void (*)(void)));

static bool x86_op_is_set(const struct minikvm_x86_ops *ops,
			  const struct x86_op_desc *desc)
{
	void (*const *op)(void) = (void *)((const char *)ops + desc->offset);

	return *op;
}

/*
 * Copy a backend's table after checking that every mandatory op is there.
 * The check is generated from the one list in x86_ops.h.
 */
int minikvm_x86_ops_register(const struct minikvm_x86_init_ops *init)
{
	const struct minikvm_x86_ops *ops = init->runtime_ops;
	int i;

	for (i = 0; i < ARRAY_SIZE(x86_op_descs); i++) {
		if (x86_op_descs[i].mandatory &&
		    !x86_op_is_set(ops, &x86_op_descs[i])) {
			WARN(1, "minikvm: %s lacks mandatory op %s\n",
			     init->name, x86_op_descs[i].name);
			return -EINVAL;
		}
	}
	if (WARN_ON(init->vcpu_size < sizeof(struct minikvm_vcpu)))
		return -EINVAL;

	minikvm_x86_ops = *ops;
	minikvm_vcpu_size = init->vcpu_size;
	return 0;
}

/**
 * minikvm_check_extension - KVM_CHECK_EXTENSION on the system or a VM fd.
 * @vm: the VM asked, or NULL for the system fd.
 * @ext: a KVM_CAP_* number.
 *
 * Truthful: only what works is advertised; everything else is 0.
 *
 * Return: the capability's value, 0 when not supported.
 */
long minikvm_check_extension(struct minikvm_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_CHECK_EXTENSION_VM:
		return 1;
	case KVM_CAP_NR_VCPUS:
		return min_t(long, num_online_cpus(), MINIKVM_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
		return MINIKVM_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return MINIKVM_MAX_VCPU_IDS;
	case KVM_CAP_NR_MEMSLOTS:
		return MINIKVM_USER_MEM_SLOTS;
	case KVM_CAP_COALESCED_MMIO:
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	default:
		return 0;
	}
}

static long minikvm_dev_ioctl(struct file *filp, unsigned int ioctl,
			      unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : MINIKVM_API_VERSION;
	case KVM_CREATE_VM:
		return minikvm_dev_ioctl_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return minikvm_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : MINIKVM_VCPU_MMAP_PAGES * PAGE_SIZE;
	default:
		/* KVM's answer to an unknown system ioctl (not -ENOTTY). */
		return -EINVAL;
	}
}

static const struct file_operations minikvm_chardev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= minikvm_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice minikvm_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "minikvm",
	.fops	= &minikvm_chardev_fops,
	.mode	= 0600,
};

/* Pick the first backend whose probe accepts this CPU. */
static const struct minikvm_x86_init_ops *minikvm_pick_backend(void)
{
	static const struct minikvm_x86_init_ops *const backends[] = {
		&minikvm_svm_init_ops,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(backends); i++)
		if (!backends[i]->probe())
			return backends[i];
	return NULL;
}

static int __init minikvm_init(void)
{
	const struct minikvm_x86_init_ops *init;
	int r;

	init = minikvm_pick_backend();
	if (!init) {
		pr_err("no usable hardware virtualization (SVM absent or disabled; VMX not supported yet)\n");
		return -ENODEV;
	}

	r = minikvm_x86_ops_register(init);
	if (r)
		return r;

	r = init->hardware_setup();
	if (r)
		return r;

	r = minikvm_virt_init();
	if (r)
		goto err_unsetup;

	r = misc_register(&minikvm_dev);
	if (r) {
		pr_err("cannot register /dev/minikvm: %d\n", r);
		goto err_virt;
	}

	pr_info("loaded, %s backend, API version %d\n", init->name,
		MINIKVM_API_VERSION);
	return 0;

err_virt:
	minikvm_virt_exit();
err_unsetup:
	if (minikvm_x86_ops.hardware_unsetup)
		minikvm_x86_call(hardware_unsetup)();
	return r;
}

static void __exit minikvm_exit(void)
{
	misc_deregister(&minikvm_dev);
	minikvm_virt_exit();
	if (minikvm_x86_ops.hardware_unsetup)
		minikvm_x86_call(hardware_unsetup)();
	pr_info("unloaded\n");
}

module_init(minikvm_init);
module_exit(minikvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("minikvm: a small KVM-compatible hypervisor for x86 (AMD SVM)");
MODULE_AUTHOR("The minikvm developers");
