// SPDX-License-Identifier: GPL-2.0
#include "src/machine/stop_reason.h"

namespace vmm {

int ExitStatusFor(StopReason reason, int detail) {
  switch (reason) {
    case StopReason::kPowerOff:
      return detail < 0 ? 63 : (detail > 63 ? 63 : detail);
    case StopReason::kReset:
      return 65;
    case StopReason::kTripleFault:
      return 66;
    case StopReason::kHalted:
      return 67;
    case StopReason::kTimeout:
      return 68;
    case StopReason::kHypervisorError:
      return 69;
    case StopReason::kUnsupported:
      return 70;
    case StopReason::kSetupError:
      return 71;
    case StopReason::kSignal:
      return 128 + detail;
  }
  return 71;
}

const char* StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kPowerOff:
      return "power-off";
    case StopReason::kReset:
      return "reset";
    case StopReason::kTripleFault:
      return "triple fault (shutdown)";
    case StopReason::kHalted:
      return "halted with interrupts disabled";
    case StopReason::kSignal:
      return "signal";
    case StopReason::kTimeout:
      return "timeout";
    case StopReason::kHypervisorError:
      return "hypervisor error";
    case StopReason::kUnsupported:
      return "unsupported by the device";
    case StopReason::kSetupError:
      return "set-up error";
  }
  return "?";
}

}  // namespace vmm
