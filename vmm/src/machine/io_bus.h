// SPDX-License-Identifier: GPL-2.0
// IoBus: an address space (port I/O or MMIO) of non-overlapping ranges, each served by one
// IoHandler. Accesses that hit no range read as all-ones and are otherwise ignored, as on a PC
// bus with nothing decoding the address.
//
// Threading: Register() only while the machine is being built (single-threaded); afterwards
// the range table is immutable and Read()/Write() run concurrently without locking.
#ifndef VMM_SRC_MACHINE_IO_BUS_H_
#define VMM_SRC_MACHINE_IO_BUS_H_

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "src/base/result.h"
#include "src/machine/io_handler.h"

namespace vmm {

class IoBus final {
 public:
  explicit IoBus(std::string name) : name_(std::move(name)) {}
  IoBus(const IoBus&) = delete;
  IoBus& operator=(const IoBus&) = delete;

  // EEXIST if [base, base + length) overlaps a registered range; EINVAL if empty or wrapping.
  Status Register(uint64_t base, uint64_t length, IoHandler* handler);

  // Returns whether a handler took the access.
  bool Read(uint64_t address, std::span<uint8_t> data) const;
  bool Write(uint64_t address, std::span<const uint8_t> data) const;

  // Accesses that no handler took (for --verbose diagnostics).
  uint64_t unclaimed() const { return unclaimed_.load(std::memory_order_relaxed); }

 private:
  struct Range {
    uint64_t base;
    uint64_t length;
    IoHandler* handler;
  };
  const Range* Find(uint64_t address, uint64_t size) const;

  std::string name_;
  std::vector<Range> ranges_;  // sorted by base
  mutable std::atomic<uint64_t> unclaimed_{0};
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_IO_BUS_H_
