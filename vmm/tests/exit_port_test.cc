// SPDX-License-Identifier: GPL-2.0
#include "src/devices/exit_port.h"

#include <gtest/gtest.h>

#include "tests/fakes.h"

namespace vmm {
namespace {

using testing::FakeMachineControl;
using testing::In8;
using testing::Out8;

TEST(ExitPort, WritingAStatusPowersOffWithIt) {
  FakeMachineControl control;
  ExitPort port(&control);
  Out8(port, 0xf4, 3);
  EXPECT_EQ(control.stops, 1);
  EXPECT_EQ(control.reason, StopReason::kPowerOff);
  EXPECT_EQ(control.detail, 3);
}

TEST(ExitPort, ReadsAsAllOnesAndDoesNothing) {
  FakeMachineControl control;
  ExitPort port(&control);
  EXPECT_EQ(In8(port, 0xf4), 0xff);
  EXPECT_EQ(control.stops, 0);
}

TEST(ExitPort, ExitStatusesFollowTheDocumentedTable) {
  EXPECT_EQ(ExitStatusFor(StopReason::kPowerOff, 0), 0);
  EXPECT_EQ(ExitStatusFor(StopReason::kPowerOff, 200), 63);
  EXPECT_EQ(ExitStatusFor(StopReason::kReset, 0), 65);
  EXPECT_EQ(ExitStatusFor(StopReason::kTripleFault, 0), 66);
  EXPECT_EQ(ExitStatusFor(StopReason::kSignal, 2), 130);
}

}  // namespace
}  // namespace vmm
