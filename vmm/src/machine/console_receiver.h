// SPDX-License-Identifier: GPL-2.0
// ConsoleReceiver: a device that accepts the bytes typed on the host (the UART's receiver).
// Threading: called from the event-loop thread; implementations lock their own state.
#ifndef VMM_SRC_MACHINE_CONSOLE_RECEIVER_H_
#define VMM_SRC_MACHINE_CONSOLE_RECEIVER_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace vmm {

class ConsoleReceiver {
 public:
  virtual ~ConsoleReceiver() = default;
  // How many bytes Receive() would accept now.
  virtual size_t RxSpace() = 0;
  // Takes at most RxSpace() bytes; returns how many it took.
  virtual size_t Receive(std::span<const uint8_t> bytes) = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_CONSOLE_RECEIVER_H_
