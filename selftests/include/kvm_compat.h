/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uapi the system's <linux/kvm.h> (Debian 12's linux-libc-dev, 6.1) lacks,
 * with the values of Linux 6.12.
 */
#ifndef SELFTEST_MINIKVM_KVM_COMPAT_H
#define SELFTEST_MINIKVM_KVM_COMPAT_H

#include <linux/kvm.h>

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
#define KVM_MEM_GUEST_MEMFD	(1UL << 2)
#endif

#endif /* SELFTEST_MINIKVM_KVM_COMPAT_H */
