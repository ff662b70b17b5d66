// SPDX-License-Identifier: GPL-2.0
// CmosRtc: the MC146818 real-time clock and 128 bytes of CMOS RAM behind the index/data ports
// 0x70/0x71. The time is the host's (UTC) plus whatever offset the guest sets by writing the
// time registers; BCD or binary and 12/24-hour formats follow register B. The update cycle
// (UIP) is never seen in progress; periodic, alarm and update interrupts are not generated
// (Linux only needs them for /dev/rtc users). Bit 7 of the index port is the NMI mask, kept
// and ignored. The memory-size bytes BIOSes leave there are filled in for old readers.
//
// Threading: one Mutex guards the registers; Read/Write run on vCPU threads.
#ifndef VMM_SRC_DEVICES_CMOS_RTC_H_
#define VMM_SRC_DEVICES_CMOS_RTC_H_

#include <array>
#include <cstdint>

#include "src/base/mutex.h"
#include "src/base/result.h"
#include "src/machine/clock.h"
#include "src/machine/io_bus.h"
#include "src/machine/io_handler.h"

namespace vmm {

class CmosRtc final : public IoHandler {
 public:
  static constexpr uint16_t kIndexPort = 0x70;
  static constexpr uint16_t kDataPort = 0x71;

  CmosRtc(const Clock* clock, uint64_t memory_size);
  CmosRtc(const CmosRtc&) = delete;
  CmosRtc& operator=(const CmosRtc&) = delete;

  Status RegisterPorts(IoBus& pio);

  void Read(uint64_t address, std::span<uint8_t> data) override EXCLUDES(mu_);
  void Write(uint64_t address, std::span<const uint8_t> data) override EXCLUDES(mu_);

 private:
  uint8_t ReadData() REQUIRES(mu_);
  void WriteData(uint8_t value) REQUIRES(mu_);
  uint8_t EncodeTimeField(unsigned reg, int64_t now) const REQUIRES(mu_);
  int DecodeValue(uint8_t value) const REQUIRES(mu_);
  uint8_t EncodeValue(int value) const REQUIRES(mu_);

  const Clock* const clock_;
  Mutex mu_;
  uint8_t index_ GUARDED_BY(mu_) = 0;
  std::array<uint8_t, 128> ram_ GUARDED_BY(mu_) = {};
  int64_t offset_seconds_ GUARDED_BY(mu_) = 0;  // guest time - host time
};

}  // namespace vmm

#endif  // VMM_SRC_DEVICES_CMOS_RTC_H_
