// SPDX-License-Identifier: GPL-2.0
// MachineControl: how devices and vCPU threads end the machine (guest power-off, reset, ...).
//
// Threading: RequestStop() may be called from any thread, with device locks held; the first
// request wins, later ones are ignored. It never blocks and never calls into a device.
#ifndef VMM_SRC_MACHINE_MACHINE_CONTROL_H_
#define VMM_SRC_MACHINE_MACHINE_CONTROL_H_

#include "src/machine/stop_reason.h"

namespace vmm {

class MachineControl {
 public:
  virtual ~MachineControl() = default;

  // `detail`: the guest's status for kPowerOff, the signal number for kSignal, else 0.
  virtual void RequestStop(StopReason reason, int detail) = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_MACHINE_CONTROL_H_
