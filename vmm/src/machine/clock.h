// SPDX-License-Identifier: GPL-2.0
// Clock: the time sources devices use; a fake one makes device tests deterministic.
// Threading: both calls are thread-safe.
#ifndef VMM_SRC_MACHINE_CLOCK_H_
#define VMM_SRC_MACHINE_CLOCK_H_

#include <cstdint>

namespace vmm {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic nanoseconds (CLOCK_MONOTONIC for the real clock).
  virtual uint64_t NowNs() const = 0;
  // Wall-clock seconds since the Unix epoch, UTC (for the RTC).
  virtual int64_t UnixSeconds() const = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_CLOCK_H_
