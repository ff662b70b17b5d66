// SPDX-License-Identifier: GPL-2.0
// EventLoop: the main thread's epoll loop: host-side device inputs (stdin for the console),
// signals (a signalfd), and device timers (timerfds, through TimerFactory). It runs until
// Quit(); device code it calls runs on this thread.
//
// Threading: AddReader/RemoveReader and CreateTimer only on the loop's thread (or before Run);
// Quit() from any thread; timers may be armed from any thread (timerfd_settime is).
#ifndef VMM_SRC_VMM_EVENT_LOOP_H_
#define VMM_SRC_VMM_EVENT_LOOP_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>

#include "src/base/result.h"
#include "src/base/unique_fd.h"
#include "src/machine/timer.h"
#include "src/machine/timer_factory.h"

namespace vmm {

class EventLoop final : public TimerFactory {
 public:
  static Result<std::unique_ptr<EventLoop>> Create();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls `on_readable` whenever `fd` is readable (level-triggered) until RemoveReader(fd).
  Status AddReader(int fd, std::function<void()> on_readable);
  void RemoveReader(int fd);
  // Pauses or resumes watching a registered fd (e.g. while a consumer is full).
  void SetReaderEnabled(int fd, bool enabled);

  std::unique_ptr<Timer> CreateTimer(std::function<void()> callback) override;

  Status Run();
  void Quit();

 private:
  EventLoop(UniqueFd epoll, UniqueFd quit) : epoll_(std::move(epoll)), quit_(std::move(quit)) {}

  UniqueFd epoll_;
  UniqueFd quit_;  // eventfd
  std::atomic<bool> quitting_{false};
  std::map<int, std::function<void()>> readers_;  // loop thread only
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_EVENT_LOOP_H_
