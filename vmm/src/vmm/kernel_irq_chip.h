// SPDX-License-Identifier: GPL-2.0
// KernelIrqChip: IrqChip on top of the in-kernel irqchip (KVM_IRQ_LINE); ISA IRQ n is GSI n,
// which the default routing sends to both the in-kernel PIC and IOAPIC pin n.
// Threading: stateless; KVM_IRQ_LINE is thread-safe.
#ifndef VMM_SRC_VMM_KERNEL_IRQ_CHIP_H_
#define VMM_SRC_VMM_KERNEL_IRQ_CHIP_H_

#include "src/kvm/kvm_vm.h"
#include "src/machine/irq_chip.h"

namespace vmm {

class KernelIrqChip final : public IrqChip {
 public:
  explicit KernelIrqChip(KvmVm* vm) : vm_(vm) {}
  void SetIrqLevel(unsigned irq, bool level) override;

 private:
  KvmVm* const vm_;
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_KERNEL_IRQ_CHIP_H_
