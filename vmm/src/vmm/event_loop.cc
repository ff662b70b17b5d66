// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <vector>

#include "src/base/log.h"
#include "src/vmm/timer_fd.h"

namespace vmm {

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) {
    return Error::FromErrno("epoll_create1");
  }
  UniqueFd quit(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!quit.valid()) {
    return Error::FromErrno("eventfd");
  }
  epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.fd = quit.get();
  if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, quit.get(), &ev) < 0) {
    return Error::FromErrno("epoll_ctl");
  }
  return std::unique_ptr<EventLoop>(new EventLoop(std::move(epoll), std::move(quit)));
}

Status EventLoop::AddReader(int fd, std::function<void()> on_readable) {
  epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
    return Error::FromErrno("epoll_ctl add fd " + std::to_string(fd));
  }
  readers_[fd] = std::move(on_readable);
  return Ok();
}

void EventLoop::RemoveReader(int fd) {
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  readers_.erase(fd);
}

void EventLoop::SetReaderEnabled(int fd, bool enabled) {
  epoll_event ev = {};
  ev.events = enabled ? static_cast<uint32_t>(EPOLLIN) : 0u;
  ev.data.fd = fd;
  epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
}

std::unique_ptr<Timer> EventLoop::CreateTimer(std::function<void()> callback) {
  UniqueFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!fd.valid()) {
    // Out of file descriptors while building the machine: nothing sensible to do.
    LogError("timerfd_create failed");
    __builtin_trap();
  }
  auto timer = std::make_unique<TimerFd>(this, std::move(fd));
  TimerFd* t = timer.get();
  Status added = AddReader(t->fd(), [t, cb = std::move(callback)] {
    t->Acknowledge();
    cb();
  });
  if (!added.ok()) {
    LogError("%s", added.error().Describe().c_str());
    __builtin_trap();
  }
  return timer;
}

void EventLoop::Quit() {
  quitting_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(quit_.get(), &one, sizeof(one));
}

Status EventLoop::Run() {
  std::vector<epoll_event> events(16);
  while (!quitting_.load()) {
    int n = epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error::FromErrno("epoll_wait");
    }
    for (int i = 0; i < n && !quitting_.load(); i++) {
      auto it = readers_.find(events[i].data.fd);
      if (it != readers_.end()) {
        // Copy: the callback may remove itself.
        std::function<void()> callback = it->second;
        callback();
      }
    }
  }
  return Ok();
}

}  // namespace vmm
