// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/timer_fd.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include "src/vmm/event_loop.h"

namespace vmm {

TimerFd::~TimerFd() {
  loop_->RemoveReader(fd_.get());
}

void TimerFd::ArmAt(uint64_t deadline_ns) {
  itimerspec spec = {};
  if (deadline_ns == 0) {
    deadline_ns = 1;  // 0 would disarm
  }
  spec.it_value.tv_sec = static_cast<time_t>(deadline_ns / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(deadline_ns % 1'000'000'000);
  timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void TimerFd::Disarm() {
  itimerspec spec = {};
  timerfd_settime(fd_.get(), 0, &spec, nullptr);
}

void TimerFd::Acknowledge() {
  uint64_t expirations;
  // Non-blocking: a Disarm() between readiness and this read leaves nothing to read.
  [[maybe_unused]] ssize_t n = read(fd_.get(), &expirations, sizeof(expirations));
}

}  // namespace vmm
