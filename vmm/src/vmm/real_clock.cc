// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/real_clock.h"

#include <time.h>

namespace vmm {

uint64_t RealClock::NowNs() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

int64_t RealClock::UnixSeconds() const {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

}  // namespace vmm
