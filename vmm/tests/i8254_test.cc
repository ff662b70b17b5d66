// SPDX-License-Identifier: GPL-2.0
#include "src/devices/i8254.h"

#include <gtest/gtest.h>

#include "tests/fakes.h"

namespace vmm {
namespace {

using testing::FakeClock;
using testing::FakeIrqChip;
using testing::FakeTimerFactory;
using testing::In8;
using testing::Out8;

constexpr uint64_t kNsPerTick = 838;  // 1 / 1.193182 MHz, rounded down

class I8254Test : public ::testing::Test {
 protected:
  void Program(uint8_t control, uint8_t channel, uint16_t count) {
    Out8(pit_, 0x43, control);
    Out8(pit_, 0x40 + channel, static_cast<uint8_t>(count));
    Out8(pit_, 0x40 + channel, static_cast<uint8_t>(count >> 8));
  }
  testing::FakeTimer& timer() { return *timers_.timers.at(0); }
  void Fire() {
    clock_.now_ns = *timer().deadline;
    timer().callback();
  }

  FakeClock clock_;
  FakeIrqChip irq_;
  FakeTimerFactory timers_;
  I8254 pit_{&irq_, &clock_, &timers_};
};

TEST_F(I8254Test, RateGeneratorInterruptsEveryPeriod) {
  Program(0x34, 0, 1193);  // channel 0, LSB+MSB, mode 2: ~1 ms
  uint64_t load = clock_.now_ns;
  ASSERT_TRUE(timer().deadline.has_value());
  EXPECT_NEAR(static_cast<double>(*timer().deadline - load), 1e6, 1e3);
  Fire();
  EXPECT_EQ(irq_.rising_edges[0], 1);
  EXPECT_FALSE(irq_.levels[0]);  // a pulse: the line is low again
  EXPECT_NEAR(static_cast<double>(*timer().deadline - load), 2e6, 1e3);
  Fire();
  EXPECT_EQ(irq_.rising_edges[0], 2);
}

TEST_F(I8254Test, MissedPeriodsAreCoalescedIntoOneInterrupt) {
  Program(0x34, 0, 1193);
  uint64_t load = clock_.now_ns;
  clock_.now_ns = load + 10'500'000;  // 10.5 periods later
  timer().callback();
  EXPECT_EQ(irq_.rising_edges[0], 1);
  EXPECT_GT(*timer().deadline, clock_.now_ns);
  EXPECT_LT(*timer().deadline, clock_.now_ns + 1'000'000);
}

TEST_F(I8254Test, OneShotModeInterruptsOnce) {
  Program(0x30, 0, 100);  // mode 0
  Fire();
  EXPECT_EQ(irq_.rising_edges[0], 1);
  EXPECT_FALSE(timer().deadline.has_value());
  timer().callback();  // a stale expiry changes nothing
  EXPECT_EQ(irq_.rising_edges[0], 1);
}

TEST_F(I8254Test, EarlyTimerCallbackDoesNotInterrupt) {
  Program(0x30, 0, 1000);
  clock_.now_ns += 10 * kNsPerTick;
  timer().callback();
  EXPECT_EQ(irq_.rising_edges[0], 0);
  EXPECT_TRUE(timer().deadline.has_value());
}

TEST_F(I8254Test, ControlWordStopsChannel0) {
  Program(0x34, 0, 1193);
  Out8(pit_, 0x43, 0x30);
  EXPECT_FALSE(timer().deadline.has_value());
}

TEST_F(I8254Test, LatchedCountReflectsElapsedTicks) {
  Program(0x34, 0, 10000);
  clock_.now_ns += 1000 * 1'000'000'000ull / I8254::kFrequencyHz + 1;  // 1000 ticks
  Out8(pit_, 0x43, 0x00);                                              // latch channel 0
  clock_.now_ns += 5'000'000;  // later reads still see the latched value
  uint16_t count = In8(pit_, 0x40);
  count |= static_cast<uint16_t>(In8(pit_, 0x40) << 8);
  EXPECT_EQ(count, 9000);
}

TEST_F(I8254Test, Channel2OutputOnPort61RisesAtTerminalCount) {
  // Linux's TSC calibration: gate on, speaker off, channel 2 mode 0, poll bit 5 of port 0x61.
  Out8(pit_, 0x61, (In8(pit_, 0x61) & ~0x02) | 0x01);
  Program(0xb0, 2, 0xffff);
  EXPECT_EQ(In8(pit_, 0x61) & 0x20, 0);
  clock_.now_ns += 0x10000ull * 1'000'000'000 / I8254::kFrequencyHz + 1000;
  EXPECT_EQ(In8(pit_, 0x61) & 0x20, 0x20);
  EXPECT_EQ(In8(pit_, 0x61) & 0x01, 0x01);
}

TEST_F(I8254Test, Channel2CountsDownForTheQuickCalibration) {
  Out8(pit_, 0x61, 0x01);
  Program(0xb0, 2, 0xffff);
  In8(pit_, 0x42);
  uint8_t msb0 = In8(pit_, 0x42);
  clock_.now_ns += 751'000;  // 896 ticks: three and a half MSB steps
  In8(pit_, 0x42);
  uint8_t msb1 = In8(pit_, 0x42);
  EXPECT_EQ(msb0, 0xff);
  EXPECT_EQ(msb1, 0xfc);
}

TEST_F(I8254Test, ReadBackLatchesStatus) {
  Program(0x34, 0, 1193);
  Out8(pit_, 0x43, 0xe2);  // read-back: status only, channel 0
  uint8_t status = In8(pit_, 0x40);
  EXPECT_EQ(status & 0x3f, 0x34);  // RW = LSB+MSB, mode 2, binary
  EXPECT_EQ(status & 0x40, 0);     // count loaded
}

TEST_F(I8254Test, LsbOnlyAccessLoadsAtOnce) {
  Out8(pit_, 0x43, 0x10 | 0x04);  // channel 0, LSB only, mode 2
  Out8(pit_, 0x40, 100);
  ASSERT_TRUE(timer().deadline.has_value());
  EXPECT_NEAR(static_cast<double>(*timer().deadline - clock_.now_ns), 100 * 838.1, 100);
}

}  // namespace
}  // namespace vmm
