// SPDX-License-Identifier: GPL-2.0
#include "src/loader/long_mode_entry.h"

#include <gtest/gtest.h>

#include "src/loader/boot_layout.h"

namespace vmm {
namespace {

uint64_t Qword(const GuestMemory& mem, uint64_t gpa) {
  uint64_t v = 0;
  EXPECT_TRUE(mem.Read(gpa, {reinterpret_cast<uint8_t*>(&v), sizeof(v)}).ok());
  return v;
}

TEST(LongModeEntry, IdentityMapsTheLowFourGiBWithLargePages) {
  auto mem = GuestMemory::Create(16 << 20);
  ASSERT_TRUE(mem.ok());
  ASSERT_TRUE(LongModeEntry::WriteTables(*mem).ok());
  EXPECT_EQ(Qword(*mem, boot_layout::kPml4), boot_layout::kPdpt | 3);
  for (uint64_t i = 0; i < 4; i++) {
    uint64_t pd = boot_layout::kPageDirectories + i * 0x1000;
    EXPECT_EQ(Qword(*mem, boot_layout::kPdpt + i * 8), pd | 3);
    // The 2 MiB page covering virtual address (i GiB + 42 * 2 MiB) maps the same physical one.
    EXPECT_EQ(Qword(*mem, pd + 42 * 8), ((i << 30) + (42ull << 21)) | 0x83);
  }
  EXPECT_EQ(Qword(*mem, boot_layout::kPdpt + 4 * 8), 0u);  // nothing above 4 GiB
}

TEST(LongModeEntry, GdtHasBootCsAndBootDs) {
  auto mem = GuestMemory::Create(16 << 20);
  ASSERT_TRUE(mem.ok());
  ASSERT_TRUE(LongModeEntry::WriteTables(*mem).ok());
  EXPECT_EQ(Qword(*mem, boot_layout::kGdt + LongModeEntry::kCodeSelector),
            LongModeEntry::kGdtCode64);
  EXPECT_EQ(Qword(*mem, boot_layout::kGdt + LongModeEntry::kDataSelector), LongModeEntry::kGdtData);
}

TEST(LongModeEntry, SregsDescribeLongModeWithPagingAndCachesOn) {
  kvm_sregs s = {};
  s.cr0 = 0x60000010;  // reset value: CD, NW, ET
  LongModeEntry::SetSregs(s);
  EXPECT_EQ(s.cr0 & 0x60000000, 0u);
  EXPECT_NE(s.cr0 & LongModeEntry::kCr0Pg, 0u);
  EXPECT_NE(s.cr0 & LongModeEntry::kCr0Pe, 0u);
  EXPECT_EQ(s.cr4 & LongModeEntry::kCr4Pae, LongModeEntry::kCr4Pae);
  EXPECT_EQ(s.efer, LongModeEntry::kEferLme | LongModeEntry::kEferLma);
  EXPECT_EQ(s.cr3, boot_layout::kPml4);
  EXPECT_EQ(s.cs.l, 1);
  EXPECT_EQ(s.cs.db, 0);
  EXPECT_EQ(s.cs.selector, LongModeEntry::kCodeSelector);
  EXPECT_EQ(s.ss.selector, LongModeEntry::kDataSelector);
}

TEST(LongModeEntry, RegsPointRsiAtTheZeroPageWithInterruptsOff) {
  kvm_regs r = LongModeEntry::Regs(0x100200, boot_layout::kBootParams);
  EXPECT_EQ(r.rip, 0x100200u);
  EXPECT_EQ(r.rsi, boot_layout::kBootParams);
  EXPECT_EQ(r.rflags, 2u);
}

}  // namespace
}  // namespace vmm
