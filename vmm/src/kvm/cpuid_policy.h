// SPDX-License-Identifier: GPL-2.0
// CpuidPolicy: the guest's CPUID, made from what the device supports (KVM_GET_SUPPORTED_CPUID)
// for one vCPU: its APIC id and the CPU count in leaves 1, 0xb and 0x1f; no local APIC, x2APIC
// or TSC-deadline timer when there is no in-kernel irqchip (the userspace PIC machine has no
// APIC, and Linux then runs in PIC mode); no hypervisor (paravirtual) leaves, so the guest
// behaves the same on every device (no kvmclock: it calibrates the TSC with the PIT).
#ifndef VMM_SRC_KVM_CPUID_POLICY_H_
#define VMM_SRC_KVM_CPUID_POLICY_H_

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace vmm {

class CpuidPolicy final {
 public:
  // Leaf 1 bits.
  static constexpr uint32_t kLeaf1EdxApic = 1u << 9;
  static constexpr uint32_t kLeaf1EdxHtt = 1u << 28;
  static constexpr uint32_t kLeaf1EcxX2Apic = 1u << 21;
  static constexpr uint32_t kLeaf1EcxTscDeadline = 1u << 24;
  static constexpr uint32_t kLeaf1EcxHypervisor = 1u << 31;
  // AMD's leaf 0x80000001 mirrors the APIC bit.
  static constexpr uint32_t kExtLeaf1EdxApic = 1u << 9;
  static constexpr uint32_t kHypervisorLeafBase = 0x40000000;
  static constexpr uint32_t kHypervisorLeafEnd = 0x50000000;

  struct Config {
    unsigned vcpu_id = 0;
    unsigned num_vcpus = 1;
    bool local_apic = false;
  };

  static std::vector<kvm_cpuid_entry2> Apply(const std::vector<kvm_cpuid_entry2>& supported,
                                             const Config& config);
};

}  // namespace vmm

#endif  // VMM_SRC_KVM_CPUID_POLICY_H_
