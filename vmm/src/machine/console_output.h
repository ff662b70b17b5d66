// SPDX-License-Identifier: GPL-2.0
// ConsoleOutput: the host end that takes the bytes the guest's console transmits.
// Threading: Write() is called from vCPU threads (with the UART's lock held); it must be
// thread-safe and must not call back into a device.
#ifndef VMM_SRC_MACHINE_CONSOLE_OUTPUT_H_
#define VMM_SRC_MACHINE_CONSOLE_OUTPUT_H_

#include <cstdint>
#include <span>

namespace vmm {

class ConsoleOutput {
 public:
  virtual ~ConsoleOutput() = default;
  virtual void Write(std::span<const uint8_t> bytes) = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_CONSOLE_OUTPUT_H_
