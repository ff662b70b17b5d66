// SPDX-License-Identifier: GPL-2.0
#include "src/machine/guest_memory.h"

#include <gtest/gtest.h>

#include "src/loader/e820_map.h"

namespace vmm {
namespace {

TEST(GuestMemory, SmallGuestIsOneRegionFromZero) {
  auto mem = GuestMemory::Create(64ull << 20);
  ASSERT_TRUE(mem.ok());
  ASSERT_EQ(mem->regions().size(), 1u);
  EXPECT_EQ(mem->regions()[0].guest_phys, 0u);
  EXPECT_EQ(mem->regions()[0].size, 64ull << 20);
}

TEST(GuestMemory, LargeGuestSkipsTheHoleBelowFourGiB) {
  auto mem = GuestMemory::Create(4ull << 30);  // reserved, never touched
  ASSERT_TRUE(mem.ok());
  ASSERT_EQ(mem->regions().size(), 2u);
  EXPECT_EQ(mem->regions()[0].size, GuestMemory::kLowMemoryTop);
  EXPECT_EQ(mem->regions()[1].guest_phys, GuestMemory::kHighMemoryBase);
  EXPECT_EQ(mem->regions()[1].size, (4ull << 30) - GuestMemory::kLowMemoryTop);
  EXPECT_EQ(mem->HostAddress(GuestMemory::kLowMemoryTop, 1), nullptr);  // MMIO hole
  EXPECT_NE(mem->HostAddress(GuestMemory::kHighMemoryBase, 1), nullptr);
  auto e820 = E820Map::Build(*mem);
  EXPECT_EQ(e820.back().addr, GuestMemory::kHighMemoryBase);
  EXPECT_EQ(e820.back().type, E820Map::kRam);
}

TEST(GuestMemory, AccessesMustLieInsideOneRegion) {
  auto mem = GuestMemory::Create(1ull << 20);
  ASSERT_TRUE(mem.ok());
  uint8_t b[2] = {1, 2};
  EXPECT_TRUE(mem->Write((1u << 20) - 2, b).ok());
  EXPECT_EQ(mem->Write((1u << 20) - 1, b).error().code(), EFAULT);
  EXPECT_EQ(mem->HostAddress(~0ull, 2), nullptr);
  EXPECT_TRUE(mem->Read((1u << 20) - 2, b).ok());
  EXPECT_EQ(b[1], 2);
}

TEST(GuestMemory, SizeMustBeWholePagesOfAtLeastOneMiB) {
  EXPECT_FALSE(GuestMemory::Create(4096).ok());
  EXPECT_FALSE(GuestMemory::Create((1u << 20) + 1).ok());
}

}  // namespace
}  // namespace vmm
