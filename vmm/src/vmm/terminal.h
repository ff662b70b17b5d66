// SPDX-License-Identifier: GPL-2.0
// RawTerminal: puts stdin's terminal in raw mode (every key goes to the guest, no local echo)
// for the object's lifetime and restores it afterwards. A no-op when stdin is not a terminal.
#ifndef VMM_SRC_VMM_TERMINAL_H_
#define VMM_SRC_VMM_TERMINAL_H_

#include <termios.h>

namespace vmm {

class RawTerminal final {
 public:
  RawTerminal();
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  bool active() const { return active_; }

 private:
  termios saved_ = {};
  bool active_ = false;
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_TERMINAL_H_
