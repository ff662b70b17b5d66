// SPDX-License-Identifier: GPL-2.0
/*
 * Turning hardware virtualization on and off on every CPU.
 *
 * minikvm enables SVM (later VMX) on every online CPU when it loads and
 * disables it when it unloads, like stock KVM 6.12 with enable_virt_at_load.
 * CPU hotplug enables it on CPUs that come online and disables it on CPUs
 * that go offline; a reboot disables it everywhere; a crash or kexec that
 * cannot run normal code disables it through the emergency callback, which
 * the x86 reboot code calls in NMI context on every CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <asm/reboot.h>

#include "minikvm.h"
#include "x86.h"

/* Set on a CPU once minikvm enabled virtualization there; that CPU only. */
static DEFINE_PER_CPU(bool, minikvm_virt_enabled);
static enum cpuhp_state minikvm_cpuhp_state;
/* Set by the reboot notifier; no CPU may be (re-)enabled after it. */
static bool minikvm_rebooting;

static int minikvm_cpu_online(unsigned int cpu)
{
	int r;

	if (READ_ONCE(minikvm_rebooting))
		return -EBUSY;

	/* cpuhp AP_ONLINE_DYN callbacks run on @cpu with IRQs enabled. */
	local_irq_disable();
	r = minikvm_x86_call(hardware_enable)();
	if (!r)
		__this_cpu_write(minikvm_virt_enabled, true);
	local_irq_enable();

	if (r == -EBUSY)
		pr_err("CPU %u: virtualization is already in use (is kvm_amd/kvm_intel loaded?)\n",
		       cpu);
	else if (r)
		pr_err("CPU %u: cannot enable virtualization: %d\n", cpu, r);
	return r;
}

static void minikvm_disable_this_cpu(void)
{
	if (!__this_cpu_read(minikvm_virt_enabled))
		return;
	minikvm_x86_call(hardware_disable)();
	__this_cpu_write(minikvm_virt_enabled, false);
}

static int minikvm_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	minikvm_disable_this_cpu();
	local_irq_enable();
	return 0;
}

static void minikvm_disable_on_cpu(void *unused)
{
	minikvm_disable_this_cpu();
}

static int minikvm_reboot(struct notifier_block *nb, unsigned long code,
			  void *unused)
{
	/*
	 * Running guests are not stopped: the reboot path has already
	 * stopped user space.  Pairs with the READ_ONCE() in
	 * minikvm_cpu_online().
	 */
	WRITE_ONCE(minikvm_rebooting, true);
	on_each_cpu(minikvm_disable_on_cpu, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block minikvm_reboot_nb = {
	.notifier_call = minikvm_reboot,
	.priority = 0,
};

/* NMI context on a crashing CPU: no locks, no per-CPU bookkeeping needed. */
static void minikvm_emergency_disable(void)
{
	minikvm_x86_call(emergency_disable)();
}

/*
 * The stock kvm_amd/kvm_intel register the one emergency callback the x86
 * reboot code has, even while they leave SVM/VMX off (6.1 enables it only
 * while a VM exists), so minikvm cannot coexist with them.  Modules are
 * kobjects in the kset our own module's kobject belongs to.
 */
static bool minikvm_other_hypervisor_loaded(void)
{
	static const char *const others[] = { "kvm_amd", "kvm_intel" };
	struct kset *modules = THIS_MODULE->mkobj.kobj.kset;
	struct kobject *kobj;
	int i;

	for (i = 0; i < ARRAY_SIZE(others); i++) {
		kobj = modules ? kset_find_obj(modules, others[i]) : NULL;
		if (kobj) {
			kobject_put(kobj);
			pr_err("%s is loaded: unload it first, virtualization cannot be shared\n",
			       others[i]);
			return true;
		}
	}
	return false;
}

/**
 * minikvm_virt_init - enable virtualization on all online CPUs.
 *
 * Return: 0, or the first CPU's error (-EBUSY when another hypervisor owns
 * SVM); on error no CPU is left enabled.
 */
int minikvm_virt_init(void)
{
	int r;

	if (minikvm_other_hypervisor_loaded())
		return -EBUSY;

	/*
	 * Registered before any CPU is enabled, so that no window exists in
	 * which a crash would leave SVM on; it checks EFER.SVME per CPU.
	 */
	cpu_emergency_register_virt_callback(minikvm_emergency_disable);
	register_reboot_notifier(&minikvm_reboot_nb);

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "minikvm:online",
			      minikvm_cpu_online, minikvm_cpu_offline);
	if (r < 0) {
		unregister_reboot_notifier(&minikvm_reboot_nb);
		cpu_emergency_unregister_virt_callback(minikvm_emergency_disable);
		return r;
	}
	minikvm_cpuhp_state = r;
	return 0;
}

void minikvm_virt_exit(void)
{
	/* Runs the offline callback, i.e. disables, on every online CPU. */
	cpuhp_remove_state(minikvm_cpuhp_state);
	unregister_reboot_notifier(&minikvm_reboot_nb);
	cpu_emergency_unregister_virt_callback(minikvm_emergency_disable);
}
