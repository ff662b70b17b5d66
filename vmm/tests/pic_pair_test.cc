// SPDX-License-Identifier: GPL-2.0
#include "src/devices/pic_pair.h"

#include <gtest/gtest.h>

#include "tests/fakes.h"

namespace vmm {
namespace {

using testing::CountingNotifier;
using testing::In8;
using testing::Out8;

class PicPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Linux's init_8259A: master at 0x30, slave at 0x38 on IRQ 2.
    const uint8_t master[] = {0x11, 0x30, 0x04, 0x01};
    const uint8_t slave[] = {0x11, 0x38, 0x02, 0x01};
    Out8(pic_, 0x20, master[0]);
    for (int i = 1; i < 4; i++) {
      Out8(pic_, 0x21, master[i]);
    }
    Out8(pic_, 0xa0, slave[0]);
    for (int i = 1; i < 4; i++) {
      Out8(pic_, 0xa1, slave[i]);
    }
  }
  CountingNotifier notifier_;
  PicPair pic_{&notifier_};
};

TEST_F(PicPairTest, MasterIrqIsAcknowledgedWithItsVector) {
  EXPECT_FALSE(pic_.Pending());
  pic_.PulseIrq(4);
  EXPECT_TRUE(pic_.Pending());
  EXPECT_GT(notifier_.notifications, 0);
  EXPECT_EQ(pic_.Acknowledge(), 0x34);
  EXPECT_FALSE(pic_.Pending());
}

TEST_F(PicPairTest, SlaveIrqCascadesThroughIrq2) {
  pic_.PulseIrq(8);
  ASSERT_TRUE(pic_.Pending());
  EXPECT_EQ(pic_.Acknowledge(), 0x38);
  Out8(pic_, 0xa0, 0x0b);
  EXPECT_EQ(In8(pic_, 0xa0), 0x01);  // slave ISR: IRQ 8
  Out8(pic_, 0x20, 0x0b);
  EXPECT_EQ(In8(pic_, 0x20), 0x04);  // master ISR: cascade
}

TEST_F(PicPairTest, EoiToBothChipsAllowsTheNextSlaveInterrupt) {
  pic_.PulseIrq(12);
  EXPECT_EQ(pic_.Acknowledge(), 0x3c);
  pic_.PulseIrq(12);
  EXPECT_FALSE(pic_.Pending());  // 12 in service on the slave
  Out8(pic_, 0xa0, 0x20);
  Out8(pic_, 0x20, 0x20);
  EXPECT_TRUE(pic_.Pending());
  EXPECT_EQ(pic_.Acknowledge(), 0x3c);
}

TEST_F(PicPairTest, RequestWithdrawnBeforeAcknowledgeGivesSpuriousIrq7) {
  Out8(pic_, 0x4d0, 0x08);  // IRQ 3 level-triggered
  pic_.SetIrqLevel(3, true);
  pic_.SetIrqLevel(3, false);
  EXPECT_FALSE(pic_.Pending());
  EXPECT_EQ(pic_.Acknowledge(), 0x37);
}

TEST_F(PicPairTest, ElcrPortsReadBackMaskedValues) {
  Out8(pic_, 0x4d0, 0xff);
  Out8(pic_, 0x4d1, 0xff);
  EXPECT_EQ(In8(pic_, 0x4d0), 0xf8);
  EXPECT_EQ(In8(pic_, 0x4d1), 0xde);
}

TEST_F(PicPairTest, MaskReadsBackAsWritten) {
  // Linux's probe_8259A writes 0xff and expects it back.
  Out8(pic_, 0x21, 0xff);
  EXPECT_EQ(In8(pic_, 0x21), 0xff);
  Out8(pic_, 0xa1, 0xfb);
  EXPECT_EQ(In8(pic_, 0xa1), 0xfb);
}

}  // namespace
}  // namespace vmm
