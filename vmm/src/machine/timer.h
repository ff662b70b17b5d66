// SPDX-License-Identifier: GPL-2.0
// Timer: a one-shot host timer on the Clock's monotonic time base (made by a TimerFactory).
//
// Threading: ArmAt() and Disarm() may be called from any thread. A callback may still run once
// after Disarm() if it was already due; callers re-check their own state in the callback.
#ifndef VMM_SRC_MACHINE_TIMER_H_
#define VMM_SRC_MACHINE_TIMER_H_

#include <cstdint>

namespace vmm {

class Timer {
 public:
  virtual ~Timer() = default;
  // (Re)arms the timer to fire once at monotonic time `deadline_ns` (at once if past).
  virtual void ArmAt(uint64_t deadline_ns) = 0;
  virtual void Disarm() = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_TIMER_H_
