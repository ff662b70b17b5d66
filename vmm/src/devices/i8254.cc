// SPDX-License-Identifier: GPL-2.0
#include "src/devices/i8254.h"

#include "src/base/mutex_lock.h"
#include "src/machine/device_registry.h"

namespace vmm {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;
// Control word fields.
constexpr uint8_t kReadBack = 3;             // channel field value of a read-back command
constexpr uint8_t kReadBackNoCount = 0x20;   // read-back: do not latch the count
constexpr uint8_t kReadBackNoStatus = 0x10;  // read-back: do not latch the status
// Port 0x61 bits.
constexpr uint8_t kPort61Gate2 = 0x01;
constexpr uint8_t kPort61SpeakerData = 0x02;
constexpr uint8_t kPort61Refresh = 0x10;
constexpr uint8_t kPort61Out2 = 0x20;
// The DRAM refresh bit of port 0x61 toggles every 15.085 us on PCs.
constexpr uint64_t kRefreshPeriodNs = 15'085;

uint64_t TicksToNs(uint64_t ticks) {
  unsigned __int128 ns = static_cast<unsigned __int128>(ticks) * kNsPerSecond;
  return static_cast<uint64_t>((ns + I8254::kFrequencyHz - 1) / I8254::kFrequencyHz);
}

}  // namespace

I8254::I8254(IrqChip* irq_chip, const Clock* clock, TimerFactory* timers)
    : irq_chip_(irq_chip), clock_(clock) {
  timer_ = timers->CreateTimer([this] { OnTimer(); });
  MutexLock lock(mu_);
  channels_[0].gate = true;  // channels 0 and 1 have their gates tied high
  channels_[1].gate = true;
}

Status I8254::RegisterPorts(IoBus& pio) {
  VMM_TRY(pio.Register(kBasePort, 4, this));
  VMM_TRY(pio.Register(kPort61, 1, this));
  return Ok();
}

uint64_t I8254::Ticks(const Channel& c, uint64_t now_ns) const {
  if (now_ns <= c.load_ns) {
    return 0;
  }
  unsigned __int128 t = static_cast<unsigned __int128>(now_ns - c.load_ns) * kFrequencyHz;
  return static_cast<uint64_t>(t / kNsPerSecond);
}

uint16_t I8254::CurrentCount(const Channel& c, uint64_t now_ns) const {
  if (!c.counting) {
    return static_cast<uint16_t>(c.count);
  }
  uint64_t d = Ticks(c, now_ns);
  switch (c.mode) {
    case 2:  // rate generator: count .. 1, reload
      return static_cast<uint16_t>(c.count - (d % c.count));
    case 3:  // square wave: counts down by two, twice per period
      return static_cast<uint16_t>(c.count - ((2 * d) % c.count));
    default:  // 0, 1, 4, 5: count down once and wrap
      return static_cast<uint16_t>(c.count - d);
  }
}

bool I8254::Output(const Channel& c, uint64_t now_ns) const {
  if (!c.counting) {
    return c.mode != 0;  // after a control word OUT is low in mode 0, high otherwise
  }
  uint64_t d = Ticks(c, now_ns);
  switch (c.mode) {
    case 0:  // interrupt on terminal count: goes high at 0 and stays
      return d >= c.count;
    case 1:  // one-shot: low while counting
      return d >= c.count;
    case 2:  // rate generator: low for the one clock before each reload
      return (d % c.count) != c.count - 1;
    case 3:  // square wave: high for the first half of each period
      return (d % c.count) < (c.count + 1) / 2;
    default:  // 4, 5: strobe: low for one clock at terminal count
      return d != c.count;
  }
}

void I8254::LatchCount(Channel& c) {
  if (c.count_latched) {
    return;  // a second latch before the first is read is ignored
  }
  c.count_latched = true;
  c.latched_count = CurrentCount(c, clock_->NowNs());
  c.latched_access = c.access;
  c.latched_msb_next = c.access == Access::kMsb;
}

uint8_t I8254::ReadChannel(Channel& c) {
  if (c.status_latched) {
    c.status_latched = false;
    return c.latched_status;
  }
  if (c.count_latched) {
    bool msb = c.latched_msb_next;
    if (c.latched_access == Access::kWord && !msb) {
      c.latched_msb_next = true;
    } else {
      c.count_latched = false;
    }
    return static_cast<uint8_t>(msb ? c.latched_count >> 8 : c.latched_count);
  }
  uint16_t count = CurrentCount(c, clock_->NowNs());
  bool msb = c.access == Access::kMsb || (c.access == Access::kWord && c.read_msb_next);
  if (c.access == Access::kWord) {
    c.read_msb_next = !c.read_msb_next;
  }
  return static_cast<uint8_t>(msb ? count >> 8 : count);
}

void I8254::LoadCount(unsigned index, uint32_t count) {
  Channel& c = channels_[index];
  c.count = count == 0 ? 0x10000 : count;
  c.load_ns = clock_->NowNs();
  c.counting = true;
  c.fired = false;
  if (index == 0) {
    ScheduleChannel0();
  }
}

void I8254::WriteChannel(unsigned index, uint8_t value) {
  Channel& c = channels_[index];
  switch (c.access) {
    case Access::kLsb:
      LoadCount(index, value);
      break;
    case Access::kMsb:
      LoadCount(index, static_cast<uint32_t>(value) << 8);
      break;
    default:
      if (!c.write_msb_next) {
        c.write_lsb = value;
        c.write_msb_next = true;
      } else {
        c.write_msb_next = false;
        LoadCount(index, c.write_lsb | (static_cast<uint32_t>(value) << 8));
      }
      break;
  }
}

void I8254::WriteControl(uint8_t value) {
  unsigned index = value >> 6;
  uint64_t now = clock_->NowNs();
  if (index == kReadBack) {
    for (unsigned i = 0; i < 3; i++) {
      if ((value & (2u << i)) == 0) {
        continue;
      }
      Channel& c = channels_[i];
      if ((value & kReadBackNoCount) == 0) {
        LatchCount(c);
      }
      if ((value & kReadBackNoStatus) == 0 && !c.status_latched) {
        c.status_latched = true;
        // Status byte: OUT, null count, RW, mode, BCD.
        c.latched_status =
            static_cast<uint8_t>((Output(c, now) ? 0x80 : 0) | (c.counting ? 0 : 0x40) | c.control);
      }
    }
    return;
  }
  Channel& c = channels_[index];
  auto access = static_cast<Access>((value >> 4) & 3);
  if (access == Access::kLatch) {
    LatchCount(c);
    return;
  }
  c.access = access;
  c.mode = (value >> 1) & 7;
  if (c.mode > 5) {
    c.mode -= 4;  // 6 and 7 are aliases of 2 and 3
  }
  c.control = value & 0x3f;
  c.read_msb_next = false;
  c.write_msb_next = false;
  c.count_latched = false;
  c.status_latched = false;
  c.counting = false;  // a control word stops the counter until a count is written
  if (index == 0) {
    timer_->Disarm();
  }
}

void I8254::SetGate(unsigned index, bool gate) {
  Channel& c = channels_[index];
  if (gate && !c.gate && c.counting && c.mode != 0 && c.mode != 4) {
    // A rising gate (re)triggers modes 1 and 5 and restarts modes 2 and 3.
    c.load_ns = clock_->NowNs();
  }
  c.gate = gate;
}

void I8254::ScheduleChannel0() {
  Channel& c = channels_[0];
  if (!c.counting || c.fired || (c.mode != 0 && c.mode != 2 && c.mode != 3 && c.mode != 4)) {
    // Modes 1 and 5 need a gate edge, which channel 0 never sees.
    timer_->Disarm();
    return;
  }
  if (c.mode == 2 || c.mode == 3) {
    // Periodic: a rising edge of OUT (an interrupt) at every reload.
    c.irq_tick = (Ticks(c, clock_->NowNs()) / c.count + 1) * c.count;
  } else {
    c.irq_tick = c.count;  // one interrupt at terminal count
  }
  timer_->ArmAt(c.load_ns + TicksToNs(c.irq_tick));
}

void I8254::OnTimer() {
  MutexLock lock(mu_);
  Channel& c = channels_[0];
  if (!c.counting || c.fired) {
    return;  // reprogrammed since the timer was armed
  }
  if (Ticks(c, clock_->NowNs()) < c.irq_tick) {
    timer_->ArmAt(c.load_ns + TicksToNs(c.irq_tick));  // early: wait for the due tick
    return;
  }
  if (c.mode == 0 || c.mode == 4) {
    c.fired = true;
  }
  irq_chip_->PulseIrq(kIrq);
  ScheduleChannel0();
}

uint8_t I8254::ReadPort61() {
  uint64_t now = clock_->NowNs();
  const Channel& c2 = channels_[2];
  uint8_t value = 0;
  value |= c2.gate ? kPort61Gate2 : 0;
  value |= speaker_data_ ? kPort61SpeakerData : 0;
  value |= ((now / kRefreshPeriodNs) & 1) ? kPort61Refresh : 0;
  value |= Output(c2, now) ? kPort61Out2 : 0;
  return value;
}

void I8254::Read(uint64_t address, std::span<uint8_t> data) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < data.size(); i++) {
    uint64_t port = address + i;
    if (port == kPort61) {
      data[i] = ReadPort61();
    } else if (port >= kBasePort && port < kControlPort) {
      data[i] = ReadChannel(channels_[port - kBasePort]);
    } else {
      data[i] = 0xff;  // the control port is write-only
    }
  }
}

void I8254::Write(uint64_t address, std::span<const uint8_t> data) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < data.size(); i++) {
    uint64_t port = address + i;
    if (port == kPort61) {
      SetGate(2, (data[i] & kPort61Gate2) != 0);
      speaker_data_ = (data[i] & kPort61SpeakerData) != 0;
    } else if (port == kControlPort) {
      WriteControl(data[i]);
    } else if (port >= kBasePort && port < kControlPort) {
      WriteChannel(static_cast<unsigned>(port - kBasePort), data[i]);
    }
  }
}

namespace {

Result<std::unique_ptr<IoHandler>> CreatePit(DeviceContext& context) {
  if (context.kernel_pit) {
    return std::unique_ptr<IoHandler>();
  }
  auto pit = std::make_unique<I8254>(&context.irq_chip, &context.clock, &context.timers);
  VMM_TRY(pit->RegisterPorts(context.pio));
  return std::unique_ptr<IoHandler>(std::move(pit));
}

}  // namespace

VMM_REGISTER_DEVICE(i8254, CreatePit);

}  // namespace vmm
