/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels minikvm builds against (Debian's 6.1 and
 * 6.12), kept in one place instead of #ifs spread through the code.
 */
#ifndef MINIKVM_MODULE_COMPAT_H
#define MINIKVM_MODULE_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>
#include <linux/kvm.h>
#include <linux/smp.h>

/*
 * smp_send_reschedule() records a tracepoint since 6.3; its header must
 * be included by the caller (the tracepoint itself is exported).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#include <trace/events/ipi.h>
#endif

/*
 * Shrinkers are allocated by the core since 6.7 (shrinker_alloc()); 6.1
 * registers a caller-owned struct.  minikvm_shrinker_create() returns a
 * registered shrinker or NULL; minikvm_shrinker_destroy() unregisters and
 * frees it.
 */
#include <linux/shrinker.h>
#include <linux/slab.h>

static inline struct shrinker *
minikvm_shrinker_create(const char *name,
			unsigned long (*count)(struct shrinker *, struct shrink_control *),
			unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void minikvm_shrinker_destroy(struct shrinker *s)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

/* EFER.SVME and VM_CR.SVMDIS: named in 6.1's headers, not in 6.12's. */
#ifndef SVM_VM_CR_SVM_DIS_MASK
#define SVM_VM_CR_SVM_DIS_MASK	0x0010ULL
#endif

/*
 * 6.12's <linux/kvm.h> renames kvm_run fields that userspace may change at
 * any time to <name>__unsafe for kernel code; read them once, with READ_ONCE.
 */
#ifdef HINT_UNSAFE_IN_KVM
#define minikvm_run_immediate_exit(run) READ_ONCE((run)->immediate_exit__unsafe)
#else
#define minikvm_run_immediate_exit(run) READ_ONCE((run)->immediate_exit)
#endif

/*
 * uapi that 6.1's <linux/kvm.h> lacks, with the values of 6.12's: the
 * memslot ioctl the 6.12 selftests always use, and mask names.
 */
#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};

#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, \
					 struct kvm_userspace_memory_region2)
#define KVM_CAP_USER_MEMORY2	231
#endif
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD	BIT(2)
#endif
#ifndef KVM_MSR_EXIT_REASON_VALID_MASK
#define KVM_MSR_EXIT_REASON_VALID_MASK	(KVM_MSR_EXIT_REASON_INVAL |	\
					 KVM_MSR_EXIT_REASON_UNKNOWN |	\
					 KVM_MSR_EXIT_REASON_FILTER)
#endif
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS	237
#endif
#ifndef KVM_X2APIC_API_VALID_FLAGS
#define KVM_X2APIC_API_VALID_FLAGS	(KVM_X2APIC_API_USE_32BIT_IDS | \
					 KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)
#endif

/*
 * MMU notifiers: the callbacks minikvm implements have the same signature
 * in 6.1 and 6.12.  6.1 also has change_pte(), which minikvm leaves NULL:
 * the kernel only calls it between invalidate_range_start() and _end(),
 * and start already zapped the spte.
 */

#endif /* MINIKVM_MODULE_COMPAT_H */
