// SPDX-License-Identifier: GPL-2.0
// GuestMemory: the guest's RAM, anonymous host memory mapped into the guest physical address
// space as one or two regions: [0, min(size, 3 GiB)) and, for larger guests, the rest from
// 4 GiB up, leaving [3 GiB, 4 GiB) for MMIO (IOAPIC, local APIC).
//
// Threading: the layout is fixed at creation. The contents are shared with the guest; the VMM
// writes them only while no vCPU runs (loading the kernel) and reads them for diagnostics.
#ifndef VMM_SRC_MACHINE_GUEST_MEMORY_H_
#define VMM_SRC_MACHINE_GUEST_MEMORY_H_

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "src/base/result.h"

namespace vmm {

class GuestMemory final {
 public:
  static constexpr uint64_t kLowMemoryTop = 0xc000'0000;      // 3 GiB
  static constexpr uint64_t kHighMemoryBase = 0x1'0000'0000;  // 4 GiB

  struct Region {
    uint64_t guest_phys;
    uint64_t size;
    uint8_t* host;
  };

  // `size` bytes of RAM, a multiple of 4 KiB (at least 1 MiB).
  static Result<GuestMemory> Create(uint64_t size);

  ~GuestMemory();
  GuestMemory(GuestMemory&& other) noexcept;
  GuestMemory& operator=(GuestMemory&&) = delete;
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;

  // The host address of [guest_phys, guest_phys + len), or nullptr unless it lies in one region.
  uint8_t* HostAddress(uint64_t guest_phys, uint64_t len) const;
  Status Write(uint64_t guest_phys, std::span<const uint8_t> data);
  Status Read(uint64_t guest_phys, std::span<uint8_t> data) const;

  template <typename T>
  Status WriteObject(uint64_t guest_phys, const T& object) {
    return Write(guest_phys, {reinterpret_cast<const uint8_t*>(&object), sizeof(T)});
  }

  const std::vector<Region>& regions() const { return regions_; }
  uint64_t size() const { return size_; }

 private:
  GuestMemory(uint8_t* base, uint64_t size, std::vector<Region> regions)
      : base_(base), size_(size), regions_(std::move(regions)) {}

  uint8_t* base_;
  uint64_t size_;
  std::vector<Region> regions_;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_GUEST_MEMORY_H_
