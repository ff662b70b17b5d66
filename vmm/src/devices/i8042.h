// SPDX-License-Identifier: GPL-2.0
// I8042: the keyboard controller's ports 0x60/0x64, only as far as the machine needs them: its
// "pulse reset line" command (0xfe on port 0x64) is how Linux reboots a PC without ACPI, and
// here ends the machine with StopReason::kReset. There is no keyboard: the status register
// reads as a controller that is absent (output buffer full forever, so Linux's probe gives up
// after 16 reads: "i8042: No controller found") but never busy (input buffer empty, so the
// reboot path's wait for it ends at once).
//
// Threading: stateless apart from MachineControl, which is thread-safe.
#ifndef VMM_SRC_DEVICES_I8042_H_
#define VMM_SRC_DEVICES_I8042_H_

#include "src/base/result.h"
#include "src/machine/io_bus.h"
#include "src/machine/io_handler.h"
#include "src/machine/machine_control.h"

namespace vmm {

class I8042 final : public IoHandler {
 public:
  static constexpr uint16_t kDataPort = 0x60;
  static constexpr uint16_t kCommandPort = 0x64;
  static constexpr uint8_t kCmdPulseReset = 0xfe;
  // Status: output buffer full, system flag, keyboard not inhibited; input buffer empty.
  static constexpr uint8_t kStatus = 0x01 | 0x04 | 0x10;

  explicit I8042(MachineControl* control) : control_(control) {}
  I8042(const I8042&) = delete;
  I8042& operator=(const I8042&) = delete;

  Status RegisterPorts(IoBus& pio);

  void Read(uint64_t address, std::span<uint8_t> data) override;
  void Write(uint64_t address, std::span<const uint8_t> data) override;

 private:
  MachineControl* const control_;
};

}  // namespace vmm

#endif  // VMM_SRC_DEVICES_I8042_H_
