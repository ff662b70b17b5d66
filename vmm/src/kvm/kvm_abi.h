// SPDX-License-Identifier: GPL-2.0
// ABI fix-ups for C++: Linux's uapi headers (6.1's linux-libc-dev) declare flexible array
// members with __DECLARE_FLEX_ARRAY, which in C++ puts a 1-byte empty struct in front of the
// array: sizeof(struct kvm_cpuid2) is 12 instead of 8, which moves `entries` and changes the
// ioctl numbers derived from the size. The VMM uses these definitions instead.
#ifndef VMM_SRC_KVM_KVM_ABI_H_
#define VMM_SRC_KVM_KVM_ABI_H_

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>

namespace vmm::kvm_abi {

// struct kvm_cpuid2 without its entries, as C lays it out.
struct Cpuid2Header {
  uint32_t nent;
  uint32_t padding;
};
static_assert(sizeof(Cpuid2Header) == 8, "struct kvm_cpuid2 is 8 bytes before its entries");
static_assert(sizeof(kvm_cpuid_entry2) == 40, "struct kvm_cpuid_entry2");

constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, Cpuid2Header);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, Cpuid2Header);
static_assert(kGetSupportedCpuid == 0xc008ae05, "KVM_GET_SUPPORTED_CPUID as C computes it");
static_assert(kSetCpuid2 == 0x4008ae90, "KVM_SET_CPUID2 as C computes it");

}  // namespace vmm::kvm_abi

#endif  // VMM_SRC_KVM_KVM_ABI_H_
