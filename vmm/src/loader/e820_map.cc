// SPDX-License-Identifier: GPL-2.0
#include "src/loader/e820_map.h"

#include "src/loader/boot_layout.h"

namespace vmm {
namespace {

boot_e820_entry Entry(uint64_t addr, uint64_t size, uint32_t type) {
  boot_e820_entry e = {};
  e.addr = addr;
  e.size = size;
  e.type = type;
  return e;
}

}  // namespace

std::vector<boot_e820_entry> E820Map::Build(const GuestMemory& memory) {
  std::vector<boot_e820_entry> map;
  map.push_back(Entry(0, boot_layout::kEbda, kRam));
  map.push_back(Entry(boot_layout::kEbda, 0xa0000 - boot_layout::kEbda, kReserved));
  map.push_back(
      Entry(boot_layout::kBiosArea, boot_layout::kKernelLoad - boot_layout::kBiosArea, kReserved));
  for (const GuestMemory::Region& r : memory.regions()) {
    uint64_t start =
        r.guest_phys < boot_layout::kKernelLoad ? boot_layout::kKernelLoad : r.guest_phys;
    uint64_t end = r.guest_phys + r.size;
    if (end > start) {
      map.push_back(Entry(start, end - start, kRam));
    }
  }
  return map;
}

}  // namespace vmm
