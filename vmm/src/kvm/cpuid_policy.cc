// SPDX-License-Identifier: GPL-2.0
#include "src/kvm/cpuid_policy.h"

namespace vmm {

std::vector<kvm_cpuid_entry2> CpuidPolicy::Apply(const std::vector<kvm_cpuid_entry2>& supported,
                                                 const Config& config) {
  std::vector<kvm_cpuid_entry2> out;
  const uint32_t apic_id = config.vcpu_id;
  const uint32_t count = config.num_vcpus > 255 ? 255 : config.num_vcpus;
  for (kvm_cpuid_entry2 e : supported) {
    if (e.function >= kHypervisorLeafBase && e.function < kHypervisorLeafEnd) {
      continue;
    }
    switch (e.function) {
      case 1:
        e.ebx = (e.ebx & 0x0000ffff) | (apic_id << 24) | (count << 16);
        if (config.num_vcpus > 1) {
          e.edx |= kLeaf1EdxHtt;
        } else {
          e.edx &= ~kLeaf1EdxHtt;
        }
        if (!config.local_apic) {
          e.edx &= ~kLeaf1EdxApic;
          e.ecx &= ~(kLeaf1EcxX2Apic | kLeaf1EcxTscDeadline);
        }
        break;
      case 0xb:
      case 0x1f:
        e.edx = apic_id;  // x2APIC id
        break;
      case 0x80000001:
        if (!config.local_apic) {
          e.edx &= ~kExtLeaf1EdxApic;
        }
        break;
      default:
        break;
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace vmm
