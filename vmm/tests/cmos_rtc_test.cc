// SPDX-License-Identifier: GPL-2.0
#include "src/devices/cmos_rtc.h"

#include <gtest/gtest.h>

#include "tests/fakes.h"

namespace vmm {
namespace {

using testing::FakeClock;
using testing::In8;
using testing::Out8;

class CmosRtcTest : public ::testing::Test {
 protected:
  uint8_t Reg(uint8_t index) {
    Out8(rtc_, 0x70, index);
    return In8(rtc_, 0x71);
  }
  void SetReg(uint8_t index, uint8_t value) {
    Out8(rtc_, 0x70, index);
    Out8(rtc_, 0x71, value);
  }
  FakeClock clock_;  // 2023-11-14 22:13:20 UTC, Tuesday
  CmosRtc rtc_{&clock_, 256ull << 20};
};

TEST_F(CmosRtcTest, TimeReadsInBcdByDefault) {
  EXPECT_EQ(Reg(0x00), 0x20);
  EXPECT_EQ(Reg(0x02), 0x13);
  EXPECT_EQ(Reg(0x04), 0x22);
  EXPECT_EQ(Reg(0x06), 0x03);
  EXPECT_EQ(Reg(0x07), 0x14);
  EXPECT_EQ(Reg(0x08), 0x11);
  EXPECT_EQ(Reg(0x09), 0x23);
  EXPECT_EQ(Reg(0x32), 0x20);
}

TEST_F(CmosRtcTest, BinaryModeAndTwelveHourClock) {
  SetReg(0x0b, 0x04);  // binary, 12-hour
  EXPECT_EQ(Reg(0x00), 20);
  EXPECT_EQ(Reg(0x04), 0x80 | 10);  // 10 PM
}

TEST_F(CmosRtcTest, StatusRegistersSayValidAndNoUpdateInProgress) {
  EXPECT_EQ(Reg(0x0a) & 0x80, 0);
  EXPECT_EQ(Reg(0x0d), 0x80);
  EXPECT_EQ(Reg(0x0c), 0x00);
}

TEST_F(CmosRtcTest, NmiMaskBitIsIgnoredForTheIndex) {
  Out8(rtc_, 0x70, 0x80 | 0x09);
  EXPECT_EQ(In8(rtc_, 0x71), 0x23);
}

TEST_F(CmosRtcTest, ClockAdvancesWithTheHost) {
  clock_.unix_seconds += 61;
  EXPECT_EQ(Reg(0x00), 0x21);
  EXPECT_EQ(Reg(0x02), 0x14);
}

TEST_F(CmosRtcTest, GuestSetTimeKeepsRunningFromThere) {
  SetReg(0x09, 0x30);  // year 2030
  EXPECT_EQ(Reg(0x09), 0x30);
  clock_.unix_seconds += 1;
  EXPECT_EQ(Reg(0x00), 0x21);
  EXPECT_EQ(Reg(0x09), 0x30);
}

TEST_F(CmosRtcTest, NvramBytesKeepTheirValue) {
  SetReg(0x40, 0x5a);
  EXPECT_EQ(Reg(0x40), 0x5a);
}

TEST_F(CmosRtcTest, MemorySizeBytesDescribeTheGuest) {
  // 256 MiB: 240 MiB above 16 MiB in 64 KiB blocks = 3840 = 0x0f00.
  EXPECT_EQ(Reg(0x34), 0x00);
  EXPECT_EQ(Reg(0x35), 0x0f);
  EXPECT_EQ(Reg(0x30) | (Reg(0x31) << 8), 0xfc00);
}

}  // namespace
}  // namespace vmm
