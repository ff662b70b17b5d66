// SPDX-License-Identifier: GPL-2.0
// IrqChip: the input side of the machine's interrupt controller, as devices see it: the ISA
// interrupt lines 0-15. Implemented by the userspace PIC pair (PicPair) and by the in-kernel
// irqchip (KernelIrqChip, KVM_IRQ_LINE).
//
// Threading: SetIrqLevel() may be called from any thread, also while the caller holds its own
// device lock (lock order: device -> interrupt controller -> vCPU wake-up); it never calls back
// into a device.
#ifndef VMM_SRC_MACHINE_IRQ_CHIP_H_
#define VMM_SRC_MACHINE_IRQ_CHIP_H_

namespace vmm {

class IrqChip {
 public:
  static constexpr unsigned kNumIsaIrqs = 16;

  virtual ~IrqChip() = default;

  // Drives line `irq` high or low. Edge-triggered inputs latch a request on a rising edge.
  virtual void SetIrqLevel(unsigned irq, bool level) = 0;

  // One request on an edge-triggered line: a rising then a falling edge.
  void PulseIrq(unsigned irq) {
    SetIrqLevel(irq, true);
    SetIrqLevel(irq, false);
  }
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_IRQ_CHIP_H_
