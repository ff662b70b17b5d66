// SPDX-License-Identifier: GPL-2.0
// MpTable: an Intel MultiProcessor Specification 1.4 table (floating pointer + configuration
// table) that tells a guest booted without ACPI about its CPUs (local APIC ids 0..n-1), the
// ISA bus, the IOAPIC at 0xfec00000 and how ISA IRQs reach it: IRQ n -> IOAPIC pin n, as the
// in-kernel irqchip's default GSI routing wires them. Only written in in-kernel irqchip mode
// (the userspace PIC machine has no APICs).
#ifndef VMM_SRC_LOADER_MP_TABLE_H_
#define VMM_SRC_LOADER_MP_TABLE_H_

#include <cstdint>
#include <vector>

namespace vmm {

class MpTable final {
 public:
  static constexpr uint32_t kLocalApicAddress = 0xfee00000;
  static constexpr uint32_t kIoApicAddress = 0xfec00000;

  // The table's bytes for `num_cpus` CPUs, to be placed at guest physical `address` (16-byte
  // aligned, in the BIOS area), the floating pointer first.
  static std::vector<uint8_t> Build(uint32_t address, unsigned num_cpus);
};

}  // namespace vmm

#endif  // VMM_SRC_LOADER_MP_TABLE_H_
