// SPDX-License-Identifier: GPL-2.0
// Test doubles for device tests: a settable clock, timers fired by hand, an interrupt
// controller that records line levels, a machine switch and a console that record requests.
#ifndef VMM_TESTS_FAKES_H_
#define VMM_TESTS_FAKES_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "src/machine/clock.h"
#include "src/machine/console_output.h"
#include "src/machine/console_receiver.h"
#include "src/machine/external_interrupt.h"
#include "src/machine/interrupt_notifier.h"
#include "src/machine/io_handler.h"
#include "src/machine/irq_chip.h"
#include "src/machine/machine_control.h"
#include "src/machine/timer.h"
#include "src/machine/timer_factory.h"

namespace vmm::testing {

class FakeClock final : public Clock {
 public:
  uint64_t NowNs() const override { return now_ns; }
  int64_t UnixSeconds() const override { return unix_seconds; }
  uint64_t now_ns = 1'000'000'000;
  int64_t unix_seconds = 1'700'000'000;  // 2023-11-14 22:13:20 UTC, a Tuesday
};

class FakeTimer final : public Timer {
 public:
  void ArmAt(uint64_t deadline_ns) override { deadline = deadline_ns; }
  void Disarm() override { deadline.reset(); }
  std::optional<uint64_t> deadline;
  std::function<void()> callback;
};

class FakeTimerFactory final : public TimerFactory {
 public:
  std::unique_ptr<Timer> CreateTimer(std::function<void()> callback) override {
    auto t = std::make_unique<FakeTimer>();
    t->callback = std::move(callback);
    timers.push_back(t.get());
    return t;
  }
  std::vector<FakeTimer*> timers;
};

class FakeIrqChip final : public IrqChip {
 public:
  void SetIrqLevel(unsigned irq, bool level) override {
    if (level && !levels[irq]) {
      rising_edges[irq]++;
    }
    levels[irq] = level;
  }
  std::array<bool, 16> levels = {};
  std::array<int, 16> rising_edges = {};
};

class FakeMachineControl final : public MachineControl {
 public:
  void RequestStop(StopReason r, int d) override {
    stops++;
    reason = r;
    detail = d;
  }
  int stops = 0;
  StopReason reason = StopReason::kSetupError;
  int detail = -1;
};

class CapturingOutput final : public ConsoleOutput {
 public:
  void Write(std::span<const uint8_t> bytes) override { text.append(bytes.begin(), bytes.end()); }
  std::string text;
};

class CountingNotifier final : public InterruptNotifier {
 public:
  void Notify() override { notifications++; }
  int notifications = 0;
};

// Byte-wide port access helpers.
inline uint8_t In8(IoHandler& h, uint64_t port) {
  uint8_t v = 0;
  h.Read(port, std::span<uint8_t>(&v, 1));
  return v;
}

inline void Out8(IoHandler& h, uint64_t port, uint8_t v) {
  h.Write(port, std::span<const uint8_t>(&v, 1));
}

}  // namespace vmm::testing

#endif  // VMM_TESTS_FAKES_H_
