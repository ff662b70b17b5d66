// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/terminal.h"

#include <unistd.h>

#include "src/base/log.h"

namespace vmm {

RawTerminal::RawTerminal() {
  if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) < 0) {
    return;
  }
  termios raw = saved_;
  cfmakeraw(&raw);
  if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
    active_ = true;
    SetLogRawTerminal(true);
  }
}

RawTerminal::~RawTerminal() {
  if (active_) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    SetLogRawTerminal(false);
  }
}

}  // namespace vmm
