// SPDX-License-Identifier: GPL-2.0
// RealClock: the host's CLOCK_MONOTONIC and wall clock.
#ifndef VMM_SRC_VMM_REAL_CLOCK_H_
#define VMM_SRC_VMM_REAL_CLOCK_H_

#include "src/machine/clock.h"

namespace vmm {

class RealClock final : public Clock {
 public:
  uint64_t NowNs() const override;
  int64_t UnixSeconds() const override;
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_REAL_CLOCK_H_
