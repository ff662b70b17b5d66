// SPDX-License-Identifier: GPL-2.0
#include "src/devices/i8042.h"

#include <gtest/gtest.h>

#include "tests/fakes.h"

namespace vmm {
namespace {

using testing::FakeMachineControl;
using testing::In8;
using testing::Out8;

TEST(I8042, StatusIsNeverBusySoTheRebootPathDoesNotWait) {
  FakeMachineControl control;
  I8042 kbc(&control);
  EXPECT_EQ(In8(kbc, 0x64) & 0x02, 0);
}

TEST(I8042, StatusKeepsTheOutputBufferFullSoLinuxFindsNoController) {
  FakeMachineControl control;
  I8042 kbc(&control);
  for (int i = 0; i < 20; i++) {
    EXPECT_EQ(In8(kbc, 0x64) & 0x01, 0x01);
    In8(kbc, 0x60);
  }
}

TEST(I8042, PulseResetCommandResetsTheMachine) {
  FakeMachineControl control;
  I8042 kbc(&control);
  Out8(kbc, 0x64, 0xfe);
  EXPECT_EQ(control.stops, 1);
  EXPECT_EQ(control.reason, StopReason::kReset);
}

TEST(I8042, OtherCommandsAndDataAreIgnored) {
  FakeMachineControl control;
  I8042 kbc(&control);
  Out8(kbc, 0x64, 0x20);
  Out8(kbc, 0x60, 0xfe);
  EXPECT_EQ(control.stops, 0);
}

}  // namespace
}  // namespace vmm
