// SPDX-License-Identifier: GPL-2.0
#include "src/devices/uart16550.h"

#include <gtest/gtest.h>

#include "tests/fakes.h"

namespace vmm {
namespace {

using testing::CapturingOutput;
using testing::FakeIrqChip;
using testing::In8;
using testing::Out8;

constexpr uint16_t kBase = 0x3f8;

class UartTest : public ::testing::Test {
 protected:
  FakeIrqChip irq_;
  CapturingOutput out_;
  Uart16550 uart_{kBase, 4, &irq_, &out_};
};

TEST_F(UartTest, TransmittedBytesReachTheConsole) {
  for (char c : std::string("hi\n")) {
    Out8(uart_, kBase, static_cast<uint8_t>(c));
  }
  EXPECT_EQ(out_.text, "hi\n");
  EXPECT_EQ(In8(uart_, kBase + 5) & 0x60, 0x60);  // THRE and TEMT: always empty
}

TEST_F(UartTest, LoopbackPassesLinuxAutoconfigTest) {
  Out8(uart_, kBase + 4, 0x1a);                   // loop, RTS, OUT2
  EXPECT_EQ(In8(uart_, kBase + 6) & 0xf0, 0x90);  // CTS, DCD
  Out8(uart_, kBase, 'x');
  EXPECT_EQ(out_.text, "");  // looped back, not sent
  EXPECT_EQ(In8(uart_, kBase), 'x');
}

TEST_F(UartTest, ScratchRegisterHoldsAValue) {
  Out8(uart_, kBase + 7, 0xa5);
  EXPECT_EQ(In8(uart_, kBase + 7), 0xa5);
}

TEST_F(UartTest, FifoEnableShowsIn16550AIirBits) {
  Out8(uart_, kBase + 2, 0x07);
  EXPECT_EQ(In8(uart_, kBase + 2), 0xc1);
}

TEST_F(UartTest, DivisorLatchIsBehindDlab) {
  Out8(uart_, kBase + 3, 0x83);
  Out8(uart_, kBase, 0x01);
  Out8(uart_, kBase + 1, 0x00);
  EXPECT_EQ(In8(uart_, kBase), 0x01);
  Out8(uart_, kBase + 3, 0x03);
  EXPECT_EQ(In8(uart_, kBase + 1), 0x00);  // IER, not DLM
}

TEST_F(UartTest, ThreInterruptIsRaisedAndClearedByReadingIir) {
  Out8(uart_, kBase + 4, 0x08);  // OUT2
  Out8(uart_, kBase + 1, 0x02);  // enable THRE interrupt
  EXPECT_TRUE(irq_.levels[4]);
  EXPECT_EQ(In8(uart_, kBase + 2) & 0x0f, 0x02);
  EXPECT_FALSE(irq_.levels[4]);
  EXPECT_EQ(In8(uart_, kBase + 2) & 0x0f, 0x01);
  Out8(uart_, kBase, 'a');  // transmitting empties THR again
  EXPECT_TRUE(irq_.levels[4]);
}

TEST_F(UartTest, NoIrqWithoutOut2) {
  Out8(uart_, kBase + 1, 0x02);
  EXPECT_FALSE(irq_.levels[4]);
  EXPECT_EQ(In8(uart_, kBase + 2) & 0x0f, 0x02);  // pending in IIR all the same
}

TEST_F(UartTest, ReceivedBytesRaiseDataReadyAndTheirInterrupt) {
  Out8(uart_, kBase + 4, 0x08);
  Out8(uart_, kBase + 2, 0x01);  // FIFO on
  Out8(uart_, kBase + 1, 0x01);  // RX data interrupt
  EXPECT_FALSE(irq_.levels[4]);
  const uint8_t in[] = {'l', 's', '\r'};
  EXPECT_EQ(uart_.Receive(in), 3u);
  EXPECT_TRUE(irq_.levels[4]);
  EXPECT_EQ(In8(uart_, kBase + 2) & 0x0f, 0x04);
  EXPECT_EQ(In8(uart_, kBase + 5) & 0x01, 0x01);
  EXPECT_EQ(In8(uart_, kBase), 'l');
  EXPECT_EQ(In8(uart_, kBase), 's');
  EXPECT_EQ(In8(uart_, kBase), '\r');
  EXPECT_EQ(In8(uart_, kBase + 5) & 0x01, 0x00);
  EXPECT_FALSE(irq_.levels[4]);
}

TEST_F(UartTest, ReceiveStopsAtTheFifoSize) {
  Out8(uart_, kBase + 2, 0x01);
  std::vector<uint8_t> in(40, 'z');
  EXPECT_EQ(uart_.RxSpace(), 16u);
  EXPECT_EQ(uart_.Receive(in), 16u);
  EXPECT_EQ(uart_.RxSpace(), 0u);
  In8(uart_, kBase);
  EXPECT_EQ(uart_.RxSpace(), 1u);
}

TEST_F(UartTest, WithoutFifoOneByteIsBuffered) {
  const uint8_t in[] = {'a', 'b'};
  EXPECT_EQ(uart_.Receive(in), 1u);
}

TEST_F(UartTest, FifoResetDropsReceivedBytes) {
  Out8(uart_, kBase + 2, 0x01);
  const uint8_t in[] = {'a', 'b'};
  uart_.Receive(in);
  Out8(uart_, kBase + 2, 0x03);
  EXPECT_EQ(In8(uart_, kBase + 5) & 0x01, 0x00);
}

TEST_F(UartTest, ModemStatusDeltaReportedOnce) {
  Out8(uart_, kBase + 4, 0x10);  // loopback with all outputs low: CTS/DSR/DCD drop
  uint8_t msr = In8(uart_, kBase + 6);
  EXPECT_NE(msr & 0x0f, 0);
  EXPECT_EQ(In8(uart_, kBase + 6) & 0x0f, 0);
}

}  // namespace
}  // namespace vmm
