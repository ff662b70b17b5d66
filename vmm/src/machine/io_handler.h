// SPDX-License-Identifier: GPL-2.0
// IoHandler: the one interface every emulated device implements (port I/O or MMIO).
//
// Threading contract: Read() and Write() may be called concurrently from any vCPU thread and
// from the event-loop thread (devices with host-side inputs, e.g. the UART's stdin or the PIT's
// timer, also run code there). An implementation serializes its own state with its own Mutex,
// never blocks for long, and never calls back into an IoBus. It may, while holding its lock,
// call IrqChip::SetIrqLevel() (lock order: device -> interrupt controller -> vCPU wake-up) and
// MachineControl::RequestStop().
#ifndef VMM_SRC_MACHINE_IO_HANDLER_H_
#define VMM_SRC_MACHINE_IO_HANDLER_H_

#include <cstdint>
#include <span>

namespace vmm {

class IoHandler {
 public:
  virtual ~IoHandler() = default;

  // An access of data.size() bytes (1, 2 or 4; 8 for MMIO) at port or physical `address` (a
  // handler may be registered for several ranges); little-endian, as on x86. Read() fills
  // `data` completely.
  virtual void Read(uint64_t address, std::span<uint8_t> data) = 0;
  virtual void Write(uint64_t address, std::span<const uint8_t> data) = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_IO_HANDLER_H_
