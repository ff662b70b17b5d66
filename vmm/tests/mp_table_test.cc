// SPDX-License-Identifier: GPL-2.0
#include "src/loader/mp_table.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vmm {
namespace {

uint8_t Sum(const uint8_t* p, size_t n) {
  uint8_t s = 0;
  for (size_t i = 0; i < n; i++) {
    s = static_cast<uint8_t>(s + p[i]);
  }
  return s;
}

TEST(MpTable, FloatingPointerAndConfigTableCheckSumToZero) {
  auto t = MpTable::Build(0xf0000, 2);
  ASSERT_GE(t.size(), 16u + 44u);
  EXPECT_EQ(std::memcmp(t.data(), "_MP_", 4), 0);
  EXPECT_EQ(Sum(t.data(), 16), 0);
  uint32_t config;
  std::memcpy(&config, t.data() + 4, 4);
  EXPECT_EQ(config, 0xf0010u);
  EXPECT_EQ(std::memcmp(t.data() + 16, "PCMP", 4), 0);
  uint16_t length;
  std::memcpy(&length, t.data() + 16 + 4, 2);
  EXPECT_EQ(length, t.size() - 16);
  EXPECT_EQ(Sum(t.data() + 16, length), 0);
}

TEST(MpTable, ListsEveryCpuWithTheFirstAsBootProcessor) {
  auto t = MpTable::Build(0xf0000, 3);
  const uint8_t* e = t.data() + 16 + 44;
  for (int cpu = 0; cpu < 3; cpu++, e += 20) {
    EXPECT_EQ(e[0], 0);    // processor entry
    EXPECT_EQ(e[1], cpu);  // APIC id
    EXPECT_EQ(e[3], cpu == 0 ? 3 : 1);
  }
  EXPECT_EQ(e[0], 1);  // then the ISA bus
  EXPECT_EQ(std::memcmp(e + 2, "ISA   ", 6), 0);
  e += 8;
  EXPECT_EQ(e[0], 2);  // the IOAPIC, id after the CPUs
  EXPECT_EQ(e[1], 3);
  uint32_t addr;
  std::memcpy(&addr, e + 4, 4);
  EXPECT_EQ(addr, MpTable::kIoApicAddress);
}

TEST(MpTable, IsaIrqsGoToTheSameIoApicPin) {
  auto t = MpTable::Build(0xf0000, 1);
  const uint8_t* e = t.data() + 16 + 44 + 20 + 8 + 8;
  int found = 0;
  for (; e < t.data() + t.size(); e += 8) {
    if (e[0] == 3) {
      EXPECT_EQ(e[5], e[7]);  // source IRQ == destination pin
      EXPECT_NE(e[5], 2);     // not the cascade
      found++;
    }
  }
  EXPECT_EQ(found, 15);
}

}  // namespace
}  // namespace vmm
