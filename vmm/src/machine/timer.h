// SPDX-License-Identifier: GPL-2.0
// Timer: a one-shot host timer on the Clock's monotonic time base; TimerFactory makes them.
// The callback given to CreateTimer() runs on the event-loop thread.
//
// Threading: ArmAt() and Disarm() may be called from any thread. A callback may still run once
// after Disarm() if it was already due; callers re-check their own state in the callback.
#ifndef VMM_SRC_MACHINE_TIMER_H_
#define VMM_SRC_MACHINE_TIMER_H_

#include <cstdint>
#include <functional>
#include <memory>

namespace vmm {

class Timer {
 public:
  virtual ~Timer() = default;
  // (Re)arms the timer to fire once at monotonic time `deadline_ns` (at once if past).
  virtual void ArmAt(uint64_t deadline_ns) = 0;
  virtual void Disarm() = 0;
};

class TimerFactory {
 public:
  virtual ~TimerFactory() = default;
  virtual std::unique_ptr<Timer> CreateTimer(std::function<void()> callback) = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_TIMER_H_
