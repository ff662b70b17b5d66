// SPDX-License-Identifier: GPL-2.0
// The host side of the guest's console: ConsoleOutput takes the bytes the guest transmits,
// ConsoleReceiver is a device that accepts the bytes typed on the host.
//
// Threading: ConsoleOutput::Write() is called from vCPU threads (with the UART's lock held) and
// must be thread-safe and non-blocking in spirit (it writes to stdout). ConsoleReceiver's
// methods are called from the event-loop thread.
#ifndef VMM_SRC_MACHINE_CONSOLE_PORT_H_
#define VMM_SRC_MACHINE_CONSOLE_PORT_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace vmm {

class ConsoleOutput {
 public:
  virtual ~ConsoleOutput() = default;
  virtual void Write(std::span<const uint8_t> bytes) = 0;
};

class ConsoleReceiver {
 public:
  virtual ~ConsoleReceiver() = default;
  // How many bytes Receive() would accept now.
  virtual size_t RxSpace() = 0;
  // Takes at most RxSpace() bytes; returns how many it took.
  virtual size_t Receive(std::span<const uint8_t> bytes) = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_CONSOLE_PORT_H_
