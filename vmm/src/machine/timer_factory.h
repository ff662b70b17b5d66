// SPDX-License-Identifier: GPL-2.0
// TimerFactory: makes Timers; the callback given to CreateTimer() runs on the event-loop
// thread. Threading: CreateTimer() only while the machine is built (or on the loop's thread).
#ifndef VMM_SRC_MACHINE_TIMER_FACTORY_H_
#define VMM_SRC_MACHINE_TIMER_FACTORY_H_

#include <functional>
#include <memory>

#include "src/machine/timer.h"

namespace vmm {

class TimerFactory {
 public:
  virtual ~TimerFactory() = default;
  virtual std::unique_ptr<Timer> CreateTimer(std::function<void()> callback) = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_TIMER_FACTORY_H_
