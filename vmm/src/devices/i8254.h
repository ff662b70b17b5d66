// SPDX-License-Identifier: GPL-2.0
// I8254: the PC's programmable interval timer (ports 0x40-0x43) and port 0x61 (channel 2's
// gate and output, the speaker enable), the userspace PIT used when the device has no
// in-kernel PIT. Channel 0 drives ISA IRQ 0; channel 2 is what Linux calibrates the TSC with.
//
// Counting follows the Clock (1.193182 MHz derived from monotonic nanoseconds), so a read sees
// real elapsed time. Channel 0's interrupts come from a host Timer: one request per expiry,
// periods missed while the host was busy are coalesced (Linux, with the TSC as clocksource,
// copes). Modes 0-5 and counter/status latches are modelled; BCD counting is not (binary is
// used), nor is pausing a mode 0/4 count with its gate (Linux keeps gates high while counting).
//
// Threading: one Mutex guards the channels; Read/Write run on vCPU threads, the timer callback
// on the event-loop thread; IRQ 0 is raised with the lock held (lock order: PIT -> IrqChip).
#ifndef VMM_SRC_DEVICES_I8254_H_
#define VMM_SRC_DEVICES_I8254_H_

#include <array>
#include <cstdint>
#include <memory>

#include "src/base/mutex.h"
#include "src/base/result.h"
#include "src/machine/clock.h"
#include "src/machine/io_bus.h"
#include "src/machine/io_handler.h"
#include "src/machine/irq_chip.h"
#include "src/machine/timer.h"
#include "src/machine/timer_factory.h"

namespace vmm {

class I8254 final : public IoHandler {
 public:
  static constexpr uint16_t kBasePort = 0x40;
  static constexpr uint16_t kControlPort = 0x43;
  static constexpr uint16_t kPort61 = 0x61;
  static constexpr uint64_t kFrequencyHz = 1'193'182;
  static constexpr unsigned kIrq = 0;

  I8254(IrqChip* irq_chip, const Clock* clock, TimerFactory* timers);
  I8254(const I8254&) = delete;
  I8254& operator=(const I8254&) = delete;

  Status RegisterPorts(IoBus& pio);

  void Read(uint64_t address, std::span<uint8_t> data) override EXCLUDES(mu_);
  void Write(uint64_t address, std::span<const uint8_t> data) override EXCLUDES(mu_);

  // The Timer's callback (event-loop thread); public for tests.
  void OnTimer() EXCLUDES(mu_);

 private:
  // Access modes (RW bits of the control word).
  enum class Access : uint8_t { kLatch = 0, kLsb = 1, kMsb = 2, kWord = 3 };

  struct Channel {
    uint32_t count = 0x10000;  // reload value; 0 is programmed as 65536
    uint64_t load_ns = 0;      // when counting started with `count`
    uint8_t mode = 0;
    Access access = Access::kWord;
    bool read_msb_next = false;   // kWord: next read returns the MSB
    bool write_msb_next = false;  // kWord: next write is the MSB
    uint8_t write_lsb = 0;
    bool counting = false;  // a count was written since the control word
    bool gate = false;
    bool count_latched = false;
    uint16_t latched_count = 0;
    Access latched_access = Access::kWord;
    bool latched_msb_next = false;
    bool status_latched = false;
    uint8_t latched_status = 0;
    uint8_t control = 0;    // RW, mode, BCD bits for the status byte
    bool fired = false;     // mode 0/4 one-shot interrupt already delivered
    uint64_t irq_tick = 0;  // channel 0: tick (since load_ns) of the next interrupt
  };

  uint64_t Ticks(const Channel& c, uint64_t now_ns) const;
  uint16_t CurrentCount(const Channel& c, uint64_t now_ns) const;
  bool Output(const Channel& c, uint64_t now_ns) const;
  uint8_t ReadChannel(Channel& c) REQUIRES(mu_);
  void WriteChannel(unsigned index, uint8_t value) REQUIRES(mu_);
  void WriteControl(uint8_t value) REQUIRES(mu_);
  void LatchCount(Channel& c) REQUIRES(mu_);
  void LoadCount(unsigned index, uint32_t count) REQUIRES(mu_);
  void SetGate(unsigned index, bool gate) REQUIRES(mu_);
  void ScheduleChannel0() REQUIRES(mu_);
  uint8_t ReadPort61() REQUIRES(mu_);

  IrqChip* const irq_chip_;
  const Clock* const clock_;
  std::unique_ptr<Timer> timer_;
  Mutex mu_;
  std::array<Channel, 3> channels_ GUARDED_BY(mu_);
  bool speaker_data_ GUARDED_BY(mu_) = false;
};

}  // namespace vmm

#endif  // VMM_SRC_DEVICES_I8254_H_
