// SPDX-License-Identifier: GPL-2.0
// E820Map: the BIOS memory map the zero page hands to Linux: RAM below 640 KiB (minus the
// EBDA's last KiB), the reserved BIOS area [0xf0000, 1 MiB) where the MP table lives, and the
// RAM regions from 1 MiB up.
#ifndef VMM_SRC_LOADER_E820_MAP_H_
#define VMM_SRC_LOADER_E820_MAP_H_

#include <asm/bootparam.h>

#include <vector>

#include "src/machine/guest_memory.h"

namespace vmm {

class E820Map final {
 public:
  static constexpr uint32_t kRam = 1;
  static constexpr uint32_t kReserved = 2;

  static std::vector<boot_e820_entry> Build(const GuestMemory& memory);
};

static_assert(sizeof(boot_e820_entry) == 20, "packed e820 entry");

}  // namespace vmm

#endif  // VMM_SRC_LOADER_E820_MAP_H_
