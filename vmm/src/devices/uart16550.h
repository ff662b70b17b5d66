// SPDX-License-Identifier: GPL-2.0
// Uart16550: a 16550A UART (COM1 at 0x3f8, IRQ 4 by default), the guest's console. Transmitted
// bytes go to a ConsoleOutput at once (the transmitter is always empty); received bytes come
// from the host through ConsoleReceiver into a 16-byte FIFO.
//
// Modelled: DLAB and divisor latch, IER/IIR with the 16550's interrupt priorities (line status,
// received data, THR empty, modem status) and the THRE interrupt rules Linux's 8250 driver
// probes, FCR (FIFO enable/clear; the trigger level is ignored: data interrupts as soon as one
// byte is there), LCR, MCR with loopback (the driver's detection test), LSR, MSR, SCR. The IRQ
// line is gated by MCR.OUT2, as on PCs.
//
// Threading: one Mutex guards the registers; Read/Write run on vCPU threads, RxSpace/Receive on
// the event-loop thread. The ConsoleOutput and IrqChip are called with the lock held.
#ifndef VMM_SRC_DEVICES_UART16550_H_
#define VMM_SRC_DEVICES_UART16550_H_

#include <cstdint>
#include <deque>

#include "src/base/mutex.h"
#include "src/base/result.h"
#include "src/machine/console_output.h"
#include "src/machine/console_receiver.h"
#include "src/machine/io_bus.h"
#include "src/machine/io_handler.h"
#include "src/machine/irq_chip.h"

namespace vmm {

class Uart16550 final : public IoHandler, public ConsoleReceiver {
 public:
  static constexpr uint16_t kCom1Port = 0x3f8;
  static constexpr unsigned kCom1Irq = 4;
  static constexpr size_t kFifoSize = 16;

  Uart16550(uint16_t base, unsigned irq, IrqChip* irq_chip, ConsoleOutput* output);
  Uart16550(const Uart16550&) = delete;
  Uart16550& operator=(const Uart16550&) = delete;

  Status RegisterPorts(IoBus& pio);

  // IoHandler
  void Read(uint64_t address, std::span<uint8_t> data) override EXCLUDES(mu_);
  void Write(uint64_t address, std::span<const uint8_t> data) override EXCLUDES(mu_);
  // ConsoleReceiver
  size_t RxSpace() override EXCLUDES(mu_);
  size_t Receive(std::span<const uint8_t> bytes) override EXCLUDES(mu_);

 private:
  uint8_t ReadRegister(unsigned reg) REQUIRES(mu_);
  void WriteRegister(unsigned reg, uint8_t value) REQUIRES(mu_);
  void Transmit(uint8_t byte) REQUIRES(mu_);
  uint8_t InterruptId() const REQUIRES(mu_);
  uint8_t ModemStatus() const REQUIRES(mu_);
  void UpdateIrq() REQUIRES(mu_);

  const uint16_t base_;
  const unsigned irq_;
  IrqChip* const irq_chip_;
  ConsoleOutput* const output_;

  Mutex mu_;
  std::deque<uint8_t> rx_ GUARDED_BY(mu_);  // at most kFifoSize (1 without FIFO) bytes
  uint16_t divisor_ GUARDED_BY(mu_) = 12;   // 9600 baud
  uint8_t ier_ GUARDED_BY(mu_) = 0;
  uint8_t lcr_ GUARDED_BY(mu_) = 0;
  uint8_t mcr_ GUARDED_BY(mu_) = 0;
  uint8_t scr_ GUARDED_BY(mu_) = 0;
  uint8_t fcr_ GUARDED_BY(mu_) = 0;
  bool overrun_ GUARDED_BY(mu_) = false;
  // A THR-empty interrupt is pending: set when THR empties (or THRE is enabled while empty),
  // cleared by reading IIR while it is the reported source, or by writing THR.
  bool thre_pending_ GUARDED_BY(mu_) = false;
  bool msr_changed_ GUARDED_BY(mu_) = false;  // delta bits of MSR
  uint8_t last_msr_ GUARDED_BY(mu_) = 0;
  bool irq_level_ GUARDED_BY(mu_) = false;
};

}  // namespace vmm

#endif  // VMM_SRC_DEVICES_UART16550_H_
