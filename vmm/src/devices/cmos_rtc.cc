// SPDX-License-Identifier: GPL-2.0
#include "src/devices/cmos_rtc.h"

#include <ctime>

#include "src/base/mutex_lock.h"
#include "src/machine/device_registry.h"

namespace vmm {
namespace {

// Register numbers (MC146818 and the PC/AT CMOS map).
constexpr unsigned kSeconds = 0x00;
constexpr unsigned kMinutes = 0x02;
constexpr unsigned kHours = 0x04;
constexpr unsigned kWeekday = 0x06;
constexpr unsigned kDayOfMonth = 0x07;
constexpr unsigned kMonth = 0x08;
constexpr unsigned kYear = 0x09;
constexpr unsigned kRegA = 0x0a;
constexpr unsigned kRegB = 0x0b;
constexpr unsigned kRegC = 0x0c;
constexpr unsigned kRegD = 0x0d;
constexpr unsigned kExtMemLow = 0x30;  // KiB above 1 MiB (up to 63 MiB)
constexpr unsigned kExtMemHigh = 0x31;
constexpr unsigned kCentury = 0x32;
constexpr unsigned kMem16MLow = 0x34;  // 64 KiB blocks above 16 MiB (below 4 GiB)
constexpr unsigned kMem16MHigh = 0x35;
constexpr unsigned kMem4GLow = 0x5b;  // 64 KiB blocks above 4 GiB
constexpr unsigned kMem4GMid = 0x5c;
constexpr unsigned kMem4GHigh = 0x5d;

constexpr uint8_t kRegADivider32K = 0x20;  // 32.768 kHz time base
constexpr uint8_t kRegARate1024 = 0x06;    // periodic rate 1024 Hz (not generated)
constexpr uint8_t kRegBBinary = 0x04;      // DM: binary instead of BCD
constexpr uint8_t kRegB24Hour = 0x02;
constexpr uint8_t kRegDValidRam = 0x80;  // VRT: the battery is fine
constexpr uint8_t kHourPm = 0x80;        // 12-hour mode: PM flag in the hours register
constexpr uint8_t kNmiMask = 0x80;       // index port bit 7

bool IsTimeRegister(unsigned reg) {
  return reg == kSeconds || reg == kMinutes || reg == kHours || reg == kWeekday ||
         reg == kDayOfMonth || reg == kMonth || reg == kYear || reg == kCentury;
}

}  // namespace

CmosRtc::CmosRtc(const Clock* clock, uint64_t memory_size) : clock_(clock) {
  MutexLock lock(mu_);
  ram_[kRegA] = kRegADivider32K | kRegARate1024;
  ram_[kRegB] = kRegB24Hour;  // BCD, 24-hour, as PC BIOSes leave it
  ram_[kRegD] = kRegDValidRam;
  uint64_t ext_kib = memory_size > (1u << 20) ? (memory_size - (1u << 20)) >> 10 : 0;
  ext_kib = ext_kib > 0xfc00 ? 0xfc00 : ext_kib;
  ram_[kExtMemLow] = static_cast<uint8_t>(ext_kib);
  ram_[kExtMemHigh] = static_cast<uint8_t>(ext_kib >> 8);
  uint64_t below_4g = memory_size < 0xc000'0000 ? memory_size : 0xc000'0000;
  uint64_t blocks16 = below_4g > (16u << 20) ? (below_4g - (16u << 20)) >> 16 : 0;
  ram_[kMem16MLow] = static_cast<uint8_t>(blocks16);
  ram_[kMem16MHigh] = static_cast<uint8_t>(blocks16 >> 8);
  uint64_t blocks4g = memory_size > below_4g ? (memory_size - below_4g) >> 16 : 0;
  ram_[kMem4GLow] = static_cast<uint8_t>(blocks4g);
  ram_[kMem4GMid] = static_cast<uint8_t>(blocks4g >> 8);
  ram_[kMem4GHigh] = static_cast<uint8_t>(blocks4g >> 16);
}

Status CmosRtc::RegisterPorts(IoBus& pio) {
  return pio.Register(kIndexPort, 2, this);
}

int CmosRtc::DecodeValue(uint8_t value) const {
  if (ram_[kRegB] & kRegBBinary) {
    return value;
  }
  return (value >> 4) * 10 + (value & 0x0f);
}

uint8_t CmosRtc::EncodeValue(int value) const {
  if (ram_[kRegB] & kRegBBinary) {
    return static_cast<uint8_t>(value);
  }
  return static_cast<uint8_t>(((value / 10) << 4) | (value % 10));
}

uint8_t CmosRtc::EncodeTimeField(unsigned reg, int64_t now) const {
  time_t t = static_cast<time_t>(now);
  struct tm tm;
  gmtime_r(&t, &tm);
  switch (reg) {
    case kSeconds:
      return EncodeValue(tm.tm_sec);
    case kMinutes:
      return EncodeValue(tm.tm_min);
    case kHours:
      if (ram_[kRegB] & kRegB24Hour) {
        return EncodeValue(tm.tm_hour);
      } else {
        int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
        return static_cast<uint8_t>(EncodeValue(hour12) | (tm.tm_hour >= 12 ? kHourPm : 0));
      }
    case kWeekday:
      return EncodeValue(tm.tm_wday + 1);
    case kDayOfMonth:
      return EncodeValue(tm.tm_mday);
    case kMonth:
      return EncodeValue(tm.tm_mon + 1);
    case kYear:
      return EncodeValue(tm.tm_year % 100);
    default:  // kCentury
      return EncodeValue(19 + tm.tm_year / 100);
  }
}

uint8_t CmosRtc::ReadData() {
  unsigned reg = index_ & ~kNmiMask & 0x7f;
  if (IsTimeRegister(reg)) {
    return EncodeTimeField(reg, clock_->UnixSeconds() + offset_seconds_);
  }
  uint8_t value = ram_[reg];
  if (reg == kRegC) {
    ram_[kRegC] = 0;  // reading C acknowledges the interrupt flags
  }
  return value;
}

void CmosRtc::WriteData(uint8_t value) {
  unsigned reg = index_ & 0x7f;
  if (reg == kRegC || reg == kRegD) {
    return;  // read-only
  }
  if (!IsTimeRegister(reg)) {
    ram_[reg] = value;
    return;
  }
  // Setting a time field: recompute the guest's offset from the host clock.
  int64_t host = clock_->UnixSeconds();
  time_t t = static_cast<time_t>(host + offset_seconds_);
  struct tm tm;
  gmtime_r(&t, &tm);
  int v = DecodeValue(value & 0x7f);
  switch (reg) {
    case kSeconds:
      tm.tm_sec = v;
      break;
    case kMinutes:
      tm.tm_min = v;
      break;
    case kHours:
      if (ram_[kRegB] & kRegB24Hour) {
        tm.tm_hour = v;
      } else {
        tm.tm_hour = (v % 12) + ((value & kHourPm) ? 12 : 0);
      }
      break;
    case kDayOfMonth:
      tm.tm_mday = v;
      break;
    case kMonth:
      tm.tm_mon = v - 1;
      break;
    case kYear:
      tm.tm_year = (tm.tm_year / 100) * 100 + v;
      break;
    case kCentury:
      tm.tm_year = (v - 19) * 100 + tm.tm_year % 100;
      break;
    default:  // the weekday follows from the date
      return;
  }
  offset_seconds_ = static_cast<int64_t>(timegm(&tm)) - host;
}

void CmosRtc::Read(uint64_t address, std::span<uint8_t> data) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < data.size(); i++) {
    data[i] = (address + i == kDataPort) ? ReadData() : 0xff;  // the index port is write-only
  }
}

void CmosRtc::Write(uint64_t address, std::span<const uint8_t> data) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < data.size(); i++) {
    if (address + i == kIndexPort) {
      index_ = data[i];
    } else {
      WriteData(data[i]);
    }
  }
}

namespace {

Result<std::unique_ptr<IoHandler>> CreateRtc(DeviceContext& context) {
  auto rtc = std::make_unique<CmosRtc>(&context.clock, context.memory_size);
  VMM_TRY(rtc->RegisterPorts(context.pio));
  return std::unique_ptr<IoHandler>(std::move(rtc));
}

}  // namespace

VMM_REGISTER_DEVICE(cmos_rtc, CreateRtc);

}  // namespace vmm
