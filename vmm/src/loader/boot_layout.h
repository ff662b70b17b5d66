// SPDX-License-Identifier: GPL-2.0
// Where the VMM puts things in guest physical memory at boot. Everything below 1 MiB lies in
// the first 640 KiB of RAM (or the reserved BIOS area for the MP table), away from the kernel,
// which is loaded at 1 MiB (bzImage, flat binaries) or at its ELF physical addresses
// (vmlinux, 16 MiB for Linux).
#ifndef VMM_SRC_LOADER_BOOT_LAYOUT_H_
#define VMM_SRC_LOADER_BOOT_LAYOUT_H_

#include <cstdint>

namespace vmm::boot_layout {

constexpr uint64_t kGdt = 0x500;
constexpr uint64_t kBootParams = 0x7000;       // the zero page (struct boot_params)
constexpr uint64_t kStackTop = 0x8ff0;         // initial RSP (Linux sets its own at once)
constexpr uint64_t kPml4 = 0x9000;             // identity map of the low 4 GiB:
constexpr uint64_t kPdpt = 0xa000;             //   PML4 -> PDPT -> 4 page directories
constexpr uint64_t kPageDirectories = 0xb000;  // 0xb000-0xefff, 2 MiB pages
constexpr uint64_t kCmdline = 0x20000;
constexpr uint64_t kCmdlineMax = 0x10000;   // bytes, with the terminating NUL
constexpr uint64_t kEbda = 0x9fc00;         // [kEbda, 640 KiB): reserved, as BIOSes leave it
constexpr uint64_t kBiosArea = 0xf0000;     // [kBiosArea, 1 MiB): reserved; MP table here
constexpr uint64_t kKernelLoad = 0x100000;  // 1 MiB
constexpr uint64_t kIdentityMapped = 1ull << 32;

static_assert(kPageDirectories + 4 * 0x1000 <= kCmdline, "page tables below the command line");
static_assert(kCmdline + kCmdlineMax <= kEbda, "command line below the EBDA");

}  // namespace vmm::boot_layout

#endif  // VMM_SRC_LOADER_BOOT_LAYOUT_H_
