// SPDX-License-Identifier: GPL-2.0
#include "src/devices/i8259.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

// Linux's init_8259A for the master: ICW1 (edge, cascade, ICW4), ICW2 vector 0x30, ICW3, ICW4
// (8086 mode, normal EOI).
void InitLikeLinux(I8259& pic, uint8_t base) {
  pic.WriteCommand(0x11);
  pic.WriteData(base);
  pic.WriteData(0x04);
  pic.WriteData(0x01);
}

TEST(I8259, IcwSequenceSetsTheVectorBaseAndClearsTheMask) {
  I8259 pic(0xf8);
  pic.WriteData(0xff);  // OCW1 before init
  InitLikeLinux(pic, 0x30);
  EXPECT_EQ(pic.vector_base(), 0x30);
  EXPECT_EQ(pic.imr(), 0x00);
  pic.WriteData(0xfb);  // OCW1 after init
  EXPECT_EQ(pic.ReadData(), 0xfb);
}

TEST(I8259, RisingEdgeRequestsAndAcknowledgeReturnsTheVector) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.SetInput(3, true);
  EXPECT_EQ(pic.PendingIrq(), 3);
  EXPECT_EQ(pic.Acknowledge(3), 0x23);
  EXPECT_EQ(pic.isr(), 0x08);
  EXPECT_EQ(pic.irr(), 0x00);  // edge request consumed
  EXPECT_EQ(pic.PendingIrq(), -1);
}

TEST(I8259, HeldHighEdgeLineRequestsOnlyOnce) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.SetInput(4, true);
  pic.Acknowledge(4);
  pic.WriteCommand(0x20);  // non-specific EOI
  pic.SetInput(4, true);   // still high: no new edge
  EXPECT_EQ(pic.PendingIrq(), -1);
  pic.SetInput(4, false);
  pic.SetInput(4, true);
  EXPECT_EQ(pic.PendingIrq(), 4);
}

TEST(I8259, LevelTriggeredRequestFollowsTheLine) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.WriteElcr(0x20);  // IRQ 5 level
  pic.SetInput(5, true);
  pic.Acknowledge(5);
  EXPECT_EQ(pic.irr(), 0x20);  // still requested while high
  pic.WriteCommand(0x20);
  EXPECT_EQ(pic.PendingIrq(), 5);
  pic.SetInput(5, false);
  EXPECT_EQ(pic.PendingIrq(), -1);
}

TEST(I8259, ElcrMaskKeepsTimerAndCascadeEdgeTriggered) {
  I8259 master(0xf8);
  master.WriteElcr(0xff);
  EXPECT_EQ(master.elcr(), 0xf8);
}

TEST(I8259, MaskedRequestIsNotPendingUntilUnmasked) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.WriteData(0x01);
  pic.SetInput(0, true);
  EXPECT_EQ(pic.PendingIrq(), -1);
  pic.WriteData(0x00);
  EXPECT_EQ(pic.PendingIrq(), 0);
}

TEST(I8259, InServiceBlocksLowerPriorityButNotHigher) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.SetInput(3, true);
  pic.Acknowledge(3);
  pic.SetInput(5, true);
  EXPECT_EQ(pic.PendingIrq(), -1);  // 5 < 3 in priority
  pic.SetInput(1, true);
  EXPECT_EQ(pic.PendingIrq(), 1);  // 1 may nest
}

TEST(I8259, SpecificEoiClearsOnlyThatLevel) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.SetInput(3, true);
  pic.Acknowledge(3);
  pic.SetInput(1, true);
  pic.Acknowledge(1);
  EXPECT_EQ(pic.isr(), 0x0a);
  pic.WriteCommand(0x60 | 3);  // specific EOI for 3
  EXPECT_EQ(pic.isr(), 0x02);
}

TEST(I8259, Ocw3SelectsIsrOrIrrForReads) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.WriteData(0xff);
  pic.SetInput(6, true);
  pic.WriteCommand(0x0a);  // read IRR
  EXPECT_EQ(pic.ReadCommand(), 0x40);
  pic.WriteCommand(0x0b);  // read ISR
  EXPECT_EQ(pic.ReadCommand(), 0x00);
}

TEST(I8259, PollCommandAcknowledgesTheHighestRequest) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.SetInput(2, true);
  pic.WriteCommand(0x0c);  // OCW3 poll
  EXPECT_EQ(pic.ReadCommand(), 0x82);
  EXPECT_EQ(pic.isr(), 0x04);
}

TEST(I8259, AutoEoiLeavesNothingInService) {
  I8259 pic(0xf8);
  pic.WriteCommand(0x11);
  pic.WriteData(0x08);
  pic.WriteData(0x04);
  pic.WriteData(0x03);  // ICW4: auto-EOI
  pic.SetInput(0, true);
  EXPECT_EQ(pic.Acknowledge(0), 0x08);
  EXPECT_EQ(pic.isr(), 0x00);
}

TEST(I8259, RotateOnNonSpecificEoiMakesServicedLevelLowest) {
  I8259 pic(0xf8);
  InitLikeLinux(pic, 0x20);
  pic.SetInput(0, true);
  pic.Acknowledge(0);
  pic.WriteCommand(0xa0);  // rotate on non-specific EOI: IRQ 0 becomes lowest
  pic.SetInput(0, false);
  pic.SetInput(0, true);
  pic.SetInput(7, true);
  EXPECT_EQ(pic.PendingIrq(), 7);  // 1 is now highest, then ..., 7, 0
}

TEST(I8259, SingleModeSkipsIcw3) {
  I8259 pic(0xf8);
  pic.WriteCommand(0x13);  // single, ICW4 needed
  pic.WriteData(0x40);
  pic.WriteData(0x01);  // this is ICW4, not ICW3
  pic.WriteData(0x55);  // OCW1
  EXPECT_EQ(pic.imr(), 0x55);
}

}  // namespace
}  // namespace vmm
