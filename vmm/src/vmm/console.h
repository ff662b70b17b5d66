// SPDX-License-Identifier: GPL-2.0
// Console: the host end of the guest's serial console. Output (ConsoleOutput) goes to stdout,
// a line at a time (or 4 KiB, or 2 ms after the first byte of an unfinished line, so prompts and
// echoed keys show at once): one write() per byte would cost a system call per byte, and much
// more when stdout is a file on a network or 9p share. It is watched for an optional marker
// string (--marker), whose first appearance is timed. Input: stdin is read on the event loop and
// fed to the ConsoleReceiver (the UART) as fast as its FIFO takes it (a 2 ms retry timer while it
// is full). On a terminal, Ctrl-] ends the machine like SIGINT.
//
// Threading: Write() on vCPU threads (serialized by the UART's lock, and by mu_ here); the
// input side on the event-loop thread.
#ifndef VMM_SRC_VMM_CONSOLE_H_
#define VMM_SRC_VMM_CONSOLE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "src/base/mutex.h"
#include "src/base/result.h"
#include "src/machine/clock.h"
#include "src/machine/console_output.h"
#include "src/machine/console_receiver.h"
#include "src/machine/machine_control.h"
#include "src/machine/timer.h"
#include "src/vmm/event_loop.h"

namespace vmm {

class Console final : public ConsoleOutput {
 public:
  static constexpr uint8_t kQuitKey = 0x1d;  // Ctrl-]

  Console(const Clock* clock, MachineControl* control, EventLoop* loop, std::string marker);
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // ConsoleOutput
  void Write(std::span<const uint8_t> bytes) override EXCLUDES(mu_);

  // Starts reading stdin into `receiver` (nullptr: stdin is ignored). `raw_terminal`: stdin is
  // a terminal in raw mode, so the quit key applies.
  Status StartInput(ConsoleReceiver* receiver, bool raw_terminal);
  // The time the guest started (the marker's time is measured from it).
  void SetStartTime(uint64_t ns) { start_ns_.store(ns); }
  // Nanoseconds from the start to the marker, or 0 if it was not seen.
  uint64_t MarkerTime() const { return marker_ns_.load(); }
  // Writes out what is buffered (also done at the end of the machine).
  void Flush() EXCLUDES(mu_);

 private:
  void FlushLocked() REQUIRES(mu_);
  void WatchMarker(std::span<const uint8_t> bytes) REQUIRES(mu_);
  void OnStdin();
  void Drain();

  const Clock* const clock_;
  MachineControl* const control_;
  const std::string marker_;
  std::atomic<uint64_t> start_ns_{0};
  std::atomic<uint64_t> marker_ns_{0};

  Mutex mu_;
  size_t marker_matched_ GUARDED_BY(mu_) = 0;  // bytes of the marker matched so far
  std::string out_ GUARDED_BY(mu_);            // not yet written to stdout
  bool flush_armed_ GUARDED_BY(mu_) = false;
  std::unique_ptr<Timer> flush_timer_;  // set at construction, then only used

  EventLoop* const loop_;
  // Event-loop thread only.
  ConsoleReceiver* receiver_ = nullptr;
  bool raw_terminal_ = false;
  bool stdin_enabled_ = false;
  std::vector<uint8_t> pending_;
  std::unique_ptr<Timer> retry_;
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_CONSOLE_H_
