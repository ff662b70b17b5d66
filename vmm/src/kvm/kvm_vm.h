// SPDX-License-Identifier: GPL-2.0
// KvmVm: a VM fd. Its ioctls are thread-safe in the kernel; the VMM issues the set-up ones
// from the main thread before the vCPUs start, and KVM_IRQ_LINE from any thread.
#ifndef VMM_SRC_KVM_KVM_VM_H_
#define VMM_SRC_KVM_KVM_VM_H_

#include <cstdint>

#include "src/base/result.h"
#include "src/base/unique_fd.h"
#include "src/kvm/kvm_device.h"

namespace vmm {

class KvmVm final {
 public:
  // KVM_CREATE_VM of @type (0, or e.g. minikvm's MINIKVM_X86_SHADOW_MMU_VM).
  static Result<KvmVm> Create(const KvmDevice& device, unsigned long type = 0);

  KvmVm(KvmVm&&) = default;
  KvmVm& operator=(KvmVm&&) = default;
  KvmVm(const KvmVm&) = delete;
  KvmVm& operator=(const KvmVm&) = delete;

  // KVM_CHECK_EXTENSION on the VM fd when the device supports it (KVM_CAP_CHECK_EXTENSION_VM),
  // else on the system fd.
  int CheckExtension(long cap) const;

  Status SetUserMemoryRegion(uint32_t slot, uint64_t guest_phys, uint64_t size, void* host);
  Status SetTssAddr(uint64_t addr);
  Status SetIdentityMapAddr(uint64_t addr);
  // The in-kernel irqchip: PIC pair + IOAPIC + one LAPIC per vCPU (KVM_CAP_IRQCHIP).
  Status CreateIrqchip();
  // The in-kernel i8254 PIT, with port 0x61 (KVM_CAP_PIT2).
  Status CreatePit2();
  // KVM_IRQ_LINE: set the level of an in-kernel irqchip input (GSI).
  Status IrqLine(uint32_t gsi, bool level);
  Result<UniqueFd> CreateVcpu(unsigned long id);

 private:
  KvmVm(const KvmDevice& device, UniqueFd fd, bool vm_check_extension)
      : device_(&device), fd_(std::move(fd)), vm_check_extension_(vm_check_extension) {}

  const KvmDevice* device_;
  UniqueFd fd_;
  bool vm_check_extension_;
};

}  // namespace vmm

#endif  // VMM_SRC_KVM_KVM_VM_H_
