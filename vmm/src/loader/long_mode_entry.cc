// SPDX-License-Identifier: GPL-2.0
#include "src/loader/long_mode_entry.h"

#include <array>

#include "src/loader/boot_layout.h"

namespace vmm {
namespace {

kvm_segment Segment(uint16_t selector, uint8_t type, bool code64) {
  kvm_segment s = {};
  s.base = 0;
  s.limit = 0xffffffff;
  s.selector = selector;
  s.type = type;
  s.present = 1;
  s.dpl = 0;
  s.db = code64 ? 0 : 1;
  s.s = 1;
  s.l = code64 ? 1 : 0;
  s.g = 1;
  return s;
}

}  // namespace

Status LongModeEntry::WriteTables(GuestMemory& memory) {
  const std::array<uint64_t, 4> gdt = {0, 0, kGdtCode64, kGdtData};
  VMM_TRY(memory.WriteObject(boot_layout::kGdt, gdt));

  std::array<uint64_t, 512> table = {};
  table[0] = boot_layout::kPdpt | kPtePresent | kPteWritable;
  VMM_TRY(memory.WriteObject(boot_layout::kPml4, table));
  table = {};
  constexpr uint64_t kNumDirectories = boot_layout::kIdentityMapped >> 30;
  for (uint64_t i = 0; i < kNumDirectories; i++) {
    table[i] = (boot_layout::kPageDirectories + i * 0x1000) | kPtePresent | kPteWritable;
  }
  VMM_TRY(memory.WriteObject(boot_layout::kPdpt, table));
  for (uint64_t i = 0; i < kNumDirectories; i++) {
    for (uint64_t j = 0; j < 512; j++) {
      table[j] = ((i << 30) | (j << 21)) | kPtePresent | kPteWritable | kPteLargePage;
    }
    VMM_TRY(memory.WriteObject(boot_layout::kPageDirectories + i * 0x1000, table));
  }
  return Ok();
}

void LongModeEntry::SetSregs(kvm_sregs& sregs) {
  sregs.cs = Segment(kCodeSelector, 0xb, true);           // execute/read, accessed
  kvm_segment data = Segment(kDataSelector, 0x3, false);  // read/write, accessed
  sregs.ds = data;
  sregs.es = data;
  sregs.fs = data;
  sregs.gs = data;
  sregs.ss = data;
  sregs.gdt.base = boot_layout::kGdt;
  sregs.gdt.limit = 4 * 8 - 1;
  sregs.idt.base = 0;
  sregs.idt.limit = 0;
  sregs.cr0 = kCr0Pe | kCr0Et | kCr0Ne | kCr0Pg;  // caches on: no CD/NW
  sregs.cr3 = boot_layout::kPml4;
  sregs.cr4 = kCr4Pae;
  sregs.efer = kEferLme | kEferLma;
}

kvm_regs LongModeEntry::Regs(uint64_t entry, uint64_t boot_params) {
  kvm_regs regs = {};
  regs.rip = entry;
  regs.rsi = boot_params;
  regs.rsp = boot_layout::kStackTop;
  regs.rflags = 0x2;  // bit 1 is always set; IF clear
  return regs;
}

}  // namespace vmm
