// SPDX-License-Identifier: GPL-2.0
// LongModeEntry: the CPU state of the x86 64-bit boot protocol: paging on with an identity map
// of the low 4 GiB (2 MiB pages), a flat GDT with __BOOT_CS (0x10, 64-bit code) and __BOOT_DS
// (0x18), interrupts off, RSI = the zero page, RIP = the entry point.
#ifndef VMM_SRC_LOADER_LONG_MODE_ENTRY_H_
#define VMM_SRC_LOADER_LONG_MODE_ENTRY_H_

#include <linux/kvm.h>

#include <cstdint>

#include "src/base/result.h"
#include "src/machine/guest_memory.h"

namespace vmm {

class LongModeEntry final {
 public:
  static constexpr uint16_t kCodeSelector = 0x10;
  static constexpr uint16_t kDataSelector = 0x18;

  // Hardware formats.
  static constexpr uint64_t kPtePresent = 1ull << 0;
  static constexpr uint64_t kPteWritable = 1ull << 1;
  static constexpr uint64_t kPteLargePage = 1ull << 7;
  static constexpr uint64_t kCr0Pe = 1ull << 0;
  static constexpr uint64_t kCr0Et = 1ull << 4;
  static constexpr uint64_t kCr0Ne = 1ull << 5;
  static constexpr uint64_t kCr0Pg = 1ull << 31;
  static constexpr uint64_t kCr4Pae = 1ull << 5;
  static constexpr uint64_t kEferLme = 1ull << 8;
  static constexpr uint64_t kEferLma = 1ull << 10;
  // GDT descriptors: flat 4 GiB, present, DPL 0; code is 64-bit (L), data is 32-bit (D/B).
  static constexpr uint64_t kGdtCode64 = 0x00af'9b00'0000'ffffull;
  static constexpr uint64_t kGdtData = 0x00cf'9300'0000'ffffull;

  // Writes the GDT and the page tables into guest memory.
  static Status WriteTables(GuestMemory& memory);
  // Updates `sregs` (as read from the vCPU after reset) for 64-bit mode on those tables.
  static void SetSregs(kvm_sregs& sregs);
  static kvm_regs Regs(uint64_t entry, uint64_t boot_params);
};

static_assert(((LongModeEntry::kGdtCode64 >> 53) & 1) == 1, "code descriptor has L set");
static_assert(((LongModeEntry::kGdtCode64 >> 54) & 1) == 0, "L requires D/B clear");
static_assert(((LongModeEntry::kGdtData >> 47) & 1) == 1, "data descriptor is present");

}  // namespace vmm

#endif  // VMM_SRC_LOADER_LONG_MODE_ENTRY_H_
