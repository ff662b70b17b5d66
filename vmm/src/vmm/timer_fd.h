// SPDX-License-Identifier: GPL-2.0
// TimerFd: a Timer backed by a CLOCK_MONOTONIC timerfd watched by the EventLoop.
// Threading: ArmAt/Disarm from any thread; the callback runs on the loop thread.
#ifndef VMM_SRC_VMM_TIMER_FD_H_
#define VMM_SRC_VMM_TIMER_FD_H_

#include <functional>

#include "src/base/unique_fd.h"
#include "src/machine/timer.h"

namespace vmm {

class EventLoop;

class TimerFd final : public Timer {
 public:
  TimerFd(EventLoop* loop, UniqueFd fd) : loop_(loop), fd_(std::move(fd)) {}
  ~TimerFd() override;
  TimerFd(const TimerFd&) = delete;
  TimerFd& operator=(const TimerFd&) = delete;

  void ArmAt(uint64_t deadline_ns) override;
  void Disarm() override;
  // Reads the expiration count (loop thread, when readable).
  void Acknowledge();
  int fd() const { return fd_.get(); }

 private:
  EventLoop* const loop_;
  UniqueFd fd_;
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_TIMER_FD_H_
