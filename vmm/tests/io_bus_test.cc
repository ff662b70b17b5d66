// SPDX-License-Identifier: GPL-2.0
#include "src/machine/io_bus.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmm {
namespace {

class RecordingHandler final : public IoHandler {
 public:
  void Read(uint64_t address, std::span<uint8_t> data) override {
    reads.push_back(address);
    for (auto& b : data) {
      b = 0x42;
    }
  }
  void Write(uint64_t address, std::span<const uint8_t> data) override {
    writes.push_back(address);
    last = data[0];
  }
  std::vector<uint64_t> reads, writes;
  uint8_t last = 0;
};

TEST(IoBus, DispatchesByAddressWithTheAbsoluteAddress) {
  IoBus bus("test");
  RecordingHandler a, b;
  ASSERT_TRUE(bus.Register(0x3f8, 8, &a).ok());
  ASSERT_TRUE(bus.Register(0x70, 2, &b).ok());
  uint8_t v = 7;
  EXPECT_TRUE(bus.Write(0x3fd, {&v, 1}));
  EXPECT_TRUE(bus.Read(0x71, {&v, 1}));
  ASSERT_EQ(a.writes.size(), 1u);
  EXPECT_EQ(a.writes[0], 0x3fdu);
  EXPECT_EQ(a.last, 7);
  ASSERT_EQ(b.reads.size(), 1u);
  EXPECT_EQ(v, 0x42);
}

TEST(IoBus, UnclaimedReadsAreAllOnesAndCounted) {
  IoBus bus("test");
  uint8_t v[4] = {};
  EXPECT_FALSE(bus.Read(0x80, v));
  EXPECT_EQ(v[0], 0xff);
  EXPECT_EQ(v[3], 0xff);
  EXPECT_FALSE(bus.Write(0x80, v));
  EXPECT_EQ(bus.unclaimed(), 2u);
}

TEST(IoBus, OverlappingRangesAreRefused) {
  IoBus bus("test");
  RecordingHandler h;
  ASSERT_TRUE(bus.Register(0x40, 4, &h).ok());
  EXPECT_EQ(bus.Register(0x43, 1, &h).error().code(), EEXIST);
  EXPECT_EQ(bus.Register(0x3c, 8, &h).error().code(), EEXIST);
  EXPECT_TRUE(bus.Register(0x44, 1, &h).ok());
  EXPECT_TRUE(bus.Register(0x3c, 4, &h).ok());
}

TEST(IoBus, EmptyOrWrappingRangesAreRefused) {
  IoBus bus("test");
  RecordingHandler h;
  EXPECT_EQ(bus.Register(0x10, 0, &h).error().code(), EINVAL);
  EXPECT_EQ(bus.Register(~0ull, 2, &h).error().code(), EINVAL);
}

TEST(IoBus, AccessStraddlingTheEndOfARangeIsUnclaimed) {
  IoBus bus("test");
  RecordingHandler h;
  ASSERT_TRUE(bus.Register(0x60, 1, &h).ok());
  uint8_t v[2];
  EXPECT_FALSE(bus.Read(0x60, v));
  EXPECT_TRUE(h.reads.empty());
}

}  // namespace
}  // namespace vmm
