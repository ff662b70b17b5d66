// SPDX-License-Identifier: GPL-2.0
#include "src/machine/guest_memory.h"

#include <sys/mman.h>

#include <utility>

namespace vmm {

Result<GuestMemory> GuestMemory::Create(uint64_t size) {
  if (size < (1u << 20) || size % 4096 != 0) {
    return Error(EINVAL, "guest memory must be at least 1 MiB and a multiple of 4 KiB");
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) {
    return Error::FromErrno("mmap " + std::to_string(size >> 20) + " MiB of guest memory");
  }
  auto* base = static_cast<uint8_t*>(p);
  std::vector<Region> regions;
  uint64_t low = size < kLowMemoryTop ? size : kLowMemoryTop;
  regions.push_back({0, low, base});
  if (size > low) {
    regions.push_back({kHighMemoryBase, size - low, base + low});
  }
  return GuestMemory(base, size, std::move(regions));
}

GuestMemory::~GuestMemory() {
  if (base_ != nullptr) {
    munmap(base_, size_);
  }
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(other.size_),
      regions_(std::move(other.regions_)) {}

uint8_t* GuestMemory::HostAddress(uint64_t guest_phys, uint64_t len) const {
  for (const Region& r : regions_) {
    if (guest_phys >= r.guest_phys && len <= r.size && guest_phys - r.guest_phys <= r.size - len) {
      return r.host + (guest_phys - r.guest_phys);
    }
  }
  return nullptr;
}

Status GuestMemory::Write(uint64_t guest_phys, std::span<const uint8_t> data) {
  uint8_t* p = HostAddress(guest_phys, data.size());
  if (p == nullptr) {
    return Error(EFAULT, "guest write outside RAM at " + std::to_string(guest_phys));
  }
  std::memcpy(p, data.data(), data.size());
  return Ok();
}

Status GuestMemory::Read(uint64_t guest_phys, std::span<uint8_t> data) const {
  const uint8_t* p = HostAddress(guest_phys, data.size());
  if (p == nullptr) {
    return Error(EFAULT, "guest read outside RAM at " + std::to_string(guest_phys));
  }
  std::memcpy(data.data(), p, data.size());
  return Ok();
}

}  // namespace vmm
