// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/kernel_irq_chip.h"

#include "src/base/log.h"

namespace vmm {

void KernelIrqChip::SetIrqLevel(unsigned irq, bool level) {
  Status s = vm_->IrqLine(irq, level);
  if (!s.ok()) {
    LogError("%s", s.error().Describe().c_str());
  }
}

}  // namespace vmm
