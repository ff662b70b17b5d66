// SPDX-License-Identifier: GPL-2.0
// ExitPort: the machine's power switch, a one-byte port at 0xf4 that works like QEMU's
// isa-debug-exit: writing a status byte powers the machine off with that status. The guest
// initramfs's poweroff writes it (`dd of=/dev/port seek=244`); it is the robust way out of a
// guest booted with acpi=off, where Linux has no power-off method of its own.
//
// Threading: stateless apart from MachineControl, which is thread-safe.
#ifndef VMM_SRC_DEVICES_EXIT_PORT_H_
#define VMM_SRC_DEVICES_EXIT_PORT_H_

#include "src/base/result.h"
#include "src/machine/io_bus.h"
#include "src/machine/io_handler.h"
#include "src/machine/machine_control.h"

namespace vmm {

class ExitPort final : public IoHandler {
 public:
  static constexpr uint16_t kPort = 0xf4;

  explicit ExitPort(MachineControl* control) : control_(control) {}
  ExitPort(const ExitPort&) = delete;
  ExitPort& operator=(const ExitPort&) = delete;

  Status RegisterPorts(IoBus& pio) { return pio.Register(kPort, 1, this); }

  void Read(uint64_t address, std::span<uint8_t> data) override;
  void Write(uint64_t address, std::span<const uint8_t> data) override;

 private:
  MachineControl* const control_;
};

}  // namespace vmm

#endif  // VMM_SRC_DEVICES_EXIT_PORT_H_
