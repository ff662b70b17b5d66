// SPDX-License-Identifier: GPL-2.0
// PicPair: the PC's two cascaded 8259A PICs (master at ports 0x20-0x21, slave at 0xa0-0xa1 on
// the master's IRQ 2, ELCR at 0x4d0-0x4d1), the userspace interrupt controller used when the
// device has no in-kernel irqchip. Devices raise ISA lines through IrqChip; the boot vCPU's
// loop takes interrupts through ExternalInterrupt and injects them with KVM_INTERRUPT.
//
// Threading: one Mutex guards both chips; every entry point takes it. The InterruptNotifier is
// called with it held (a leaf: it only wakes or kicks the vCPU).
#ifndef VMM_SRC_DEVICES_PIC_PAIR_H_
#define VMM_SRC_DEVICES_PIC_PAIR_H_

#include "src/base/mutex.h"
#include "src/base/result.h"
#include "src/devices/i8259.h"
#include "src/machine/external_interrupt.h"
#include "src/machine/interrupt_notifier.h"
#include "src/machine/io_bus.h"
#include "src/machine/io_handler.h"
#include "src/machine/irq_chip.h"

namespace vmm {

class PicPair final : public IoHandler, public IrqChip, public ExternalInterrupt {
 public:
  static constexpr uint16_t kMasterPort = 0x20;
  static constexpr uint16_t kSlavePort = 0xa0;
  static constexpr uint16_t kElcrPort = 0x4d0;

  explicit PicPair(InterruptNotifier* notifier);
  PicPair(const PicPair&) = delete;
  PicPair& operator=(const PicPair&) = delete;

  Status RegisterPorts(IoBus& pio);

  // IoHandler
  void Read(uint64_t address, std::span<uint8_t> data) override EXCLUDES(mu_);
  void Write(uint64_t address, std::span<const uint8_t> data) override EXCLUDES(mu_);
  // IrqChip
  void SetIrqLevel(unsigned irq, bool level) override EXCLUDES(mu_);
  // ExternalInterrupt
  bool Pending() override EXCLUDES(mu_);
  uint8_t Acknowledge() override EXCLUDES(mu_);

 private:
  // Propagates the slave's output to the master's IRQ 2 and notifies if INTR is up.
  void UpdateLocked() REQUIRES(mu_);
  uint8_t ReadPort(uint64_t port) REQUIRES(mu_);
  void WritePort(uint64_t port, uint8_t value) REQUIRES(mu_);

  InterruptNotifier* const notifier_;
  Mutex mu_;
  I8259 master_ GUARDED_BY(mu_);
  I8259 slave_ GUARDED_BY(mu_);
};

}  // namespace vmm

#endif  // VMM_SRC_DEVICES_PIC_PAIR_H_
