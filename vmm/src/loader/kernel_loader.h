// SPDX-License-Identifier: GPL-2.0
// KernelLoader: puts a guest kernel, its initrd and command line into guest memory and builds
// the zero page (struct boot_params) of the x86 64-bit boot protocol
// (Documentation/arch/x86/boot.rst). Three image formats, told apart by their magic:
//   - bzImage (setup header "HdrS", protocol >= 2.12, XLF_KERNEL_64): the protected-mode part
//     is loaded at 1 MiB and entered at its 64-bit entry, 0x200 bytes in;
//   - ELF64 vmlinux: PT_LOAD segments at their physical addresses, entered at e_entry
//     (Linux's startup_64 with the same protocol);
//   - anything else, a flat 64-bit test binary: loaded and entered at 1 MiB.
// The initrd goes at the top of the RAM below 3 GiB (and below the kernel's initrd_addr_max).
#ifndef VMM_SRC_LOADER_KERNEL_LOADER_H_
#define VMM_SRC_LOADER_KERNEL_LOADER_H_

#include <asm/bootparam.h>

#include <cstdint>
#include <span>
#include <string>

#include "src/base/result.h"
#include "src/machine/guest_memory.h"

namespace vmm {

class KernelLoader final {
 public:
  enum class Format { kBzImage, kElf, kFlat };

  struct Image {
    std::span<const uint8_t> kernel;
    std::span<const uint8_t> initrd;  // empty: none
    std::string cmdline;
  };

  struct Loaded {
    Format format;
    uint64_t entry;        // guest physical RIP, in 64-bit mode
    uint64_t boot_params;  // guest physical address of the zero page (RSI)
    uint64_t kernel_end;   // end of the memory the kernel claims (for placing the initrd)
    uint64_t initrd_start;
  };

  static constexpr uint32_t kHdrMagic = 0x53726448;  // "HdrS"
  static constexpr uint16_t kMinProtocol = 0x020c;   // 2.12: 64-bit entry, xloadflags
  static constexpr uint64_t kBzImage64BitEntryOffset = 0x200;
  static constexpr uint8_t kLoaderTypeUndefined = 0xff;

  static Format Detect(std::span<const uint8_t> kernel);
  static Result<Loaded> Load(GuestMemory& memory, const Image& image);
  static const char* FormatName(Format format);

 private:
  static Result<Loaded> LoadBzImage(GuestMemory& memory, std::span<const uint8_t> kernel,
                                    boot_params& params);
  static Result<Loaded> LoadElf(GuestMemory& memory, std::span<const uint8_t> kernel);
  static Result<Loaded> LoadFlat(GuestMemory& memory, std::span<const uint8_t> kernel);
  static Status LoadInitrd(GuestMemory& memory, std::span<const uint8_t> initrd,
                           uint64_t max_address, Loaded& loaded, boot_params& params);
};

static_assert(sizeof(boot_params) == 4096, "the zero page is one page");
static_assert(offsetof(boot_params, hdr) == 0x1f1, "setup header offset (boot.rst)");
static_assert(offsetof(boot_params, e820_table) == 0x2d0, "e820 table offset (zero-page.rst)");

}  // namespace vmm

#endif  // VMM_SRC_LOADER_KERNEL_LOADER_H_
