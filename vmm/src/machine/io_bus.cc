// SPDX-License-Identifier: GPL-2.0
#include "src/machine/io_bus.h"

#include <algorithm>
#include <cstring>

#include "src/base/log.h"

namespace vmm {

Status IoBus::Register(uint64_t base, uint64_t length, IoHandler* handler) {
  if (length == 0 || base + length < base || handler == nullptr) {
    return Error(EINVAL, name_ + ": bad range at " + std::to_string(base));
  }
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), base,
                             [](const Range& r, uint64_t b) { return r.base < b; });
  if (it != ranges_.end() && it->base < base + length) {
    return Error(EEXIST, name_ + ": range at " + std::to_string(base) + " overlaps");
  }
  if (it != ranges_.begin() && std::prev(it)->base + std::prev(it)->length > base) {
    return Error(EEXIST, name_ + ": range at " + std::to_string(base) + " overlaps");
  }
  ranges_.insert(it, Range{base, length, handler});
  return Ok();
}

const IoBus::Range* IoBus::Find(uint64_t address, uint64_t size) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                             [](uint64_t a, const Range& r) { return a < r.base; });
  if (it == ranges_.begin()) {
    return nullptr;
  }
  const Range& r = *std::prev(it);
  if (address - r.base >= r.length || size > r.length - (address - r.base)) {
    return nullptr;
  }
  return &r;
}

bool IoBus::Read(uint64_t address, std::span<uint8_t> data) const {
  const Range* r = Find(address, data.size());
  if (r == nullptr) {
    std::memset(data.data(), 0xff, data.size());
    unclaimed_.fetch_add(1, std::memory_order_relaxed);
    LogDebug("%s: unclaimed read of %zu at %#lx", name_.c_str(), data.size(),
             static_cast<unsigned long>(address));
    return false;
  }
  r->handler->Read(address, data);
  return true;
}

bool IoBus::Write(uint64_t address, std::span<const uint8_t> data) const {
  const Range* r = Find(address, data.size());
  if (r == nullptr) {
    unclaimed_.fetch_add(1, std::memory_order_relaxed);
    LogDebug("%s: unclaimed write of %zu at %#lx", name_.c_str(), data.size(),
             static_cast<unsigned long>(address));
    return false;
  }
  r->handler->Write(address, data);
  return true;
}

}  // namespace vmm
