// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/console.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "src/base/log.h"
#include "src/base/mutex_lock.h"

namespace vmm {
namespace {

constexpr size_t kInputBuffer = 4096;
constexpr size_t kOutputBuffer = 4096;
constexpr uint64_t kRetryNs = 2'000'000;
constexpr uint64_t kFlushDelayNs = 2'000'000;

}  // namespace

Console::Console(const Clock* clock, MachineControl* control, EventLoop* loop, std::string marker)
    : clock_(clock), control_(control), marker_(std::move(marker)), loop_(loop) {
  flush_timer_ = loop_->CreateTimer([this] { Flush(); });
}

void Console::Write(std::span<const uint8_t> bytes) {
  MutexLock lock(mu_);
  WatchMarker(bytes);
  out_.append(bytes.begin(), bytes.end());
  bool newline = false;
  for (uint8_t b : bytes) {
    newline = newline || b == '\n';
  }
  if (newline || out_.size() >= kOutputBuffer) {
    FlushLocked();
  } else if (!flush_armed_) {
    flush_armed_ = true;
    flush_timer_->ArmAt(clock_->NowNs() + kFlushDelayNs);
  }
}

void Console::Flush() {
  MutexLock lock(mu_);
  FlushLocked();
}

void Console::FlushLocked() {
  flush_armed_ = false;
  size_t done = 0;
  while (done < out_.size()) {
    ssize_t n = write(STDOUT_FILENO, out_.data() + done, out_.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;  // stdout is gone: the guest's output is dropped
    }
    done += static_cast<size_t>(n);
  }
  out_.clear();
}

void Console::WatchMarker(std::span<const uint8_t> bytes) {
  if (marker_.empty() || marker_ns_.load() != 0) {
    return;
  }
  for (uint8_t b : bytes) {
    // The marker has no repeated prefix in practice; restart the match on a mismatch.
    if (b == static_cast<uint8_t>(marker_[marker_matched_])) {
      marker_matched_++;
    } else {
      marker_matched_ = (b == static_cast<uint8_t>(marker_[0])) ? 1 : 0;
    }
    if (marker_matched_ == marker_.size()) {
      uint64_t now = clock_->NowNs();
      uint64_t start = start_ns_.load();
      marker_ns_.store(now > start ? now - start : 1);
      break;
    }
  }
}

Status Console::StartInput(ConsoleReceiver* receiver, bool raw_terminal) {
  if (receiver == nullptr) {
    return Ok();
  }
  receiver_ = receiver;
  raw_terminal_ = raw_terminal;
  int flags = fcntl(STDIN_FILENO, F_GETFL);
  if (flags < 0) {
    return Ok();  // no stdin at all
  }
  retry_ = loop_->CreateTimer([this] { Drain(); });
  Status s = loop_->AddReader(STDIN_FILENO, [this] { OnStdin(); });
  if (!s.ok()) {
    // A regular file or /dev/null cannot be polled: there is no interactive input.
    if (s.error().code() == EPERM) {
      return Ok();
    }
    return s;
  }
  stdin_enabled_ = true;
  return Ok();
}

void Console::OnStdin() {
  uint8_t buf[512];
  size_t room = kInputBuffer - pending_.size();
  ssize_t n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return;
  }
  if (n <= 0) {
    loop_->RemoveReader(STDIN_FILENO);  // EOF: no more input
    stdin_enabled_ = false;
    return;
  }
  for (ssize_t i = 0; i < n; i++) {
    if (raw_terminal_ && buf[i] == kQuitKey) {
      LogInfo("quit key (Ctrl-]) pressed");
      control_->RequestStop(StopReason::kSignal, SIGINT);
      return;
    }
    pending_.push_back(buf[i]);
  }
  Drain();
}

void Console::Drain() {
  if (!pending_.empty()) {
    size_t taken = receiver_->Receive(pending_);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(taken));
  }
  bool want_stdin = pending_.size() < kInputBuffer;
  if (stdin_enabled_) {
    loop_->SetReaderEnabled(STDIN_FILENO, want_stdin);
  }
  if (!pending_.empty()) {
    retry_->ArmAt(clock_->NowNs() + kRetryNs);
  }
}

}  // namespace vmm
