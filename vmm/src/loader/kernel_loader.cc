// SPDX-License-Identifier: GPL-2.0
#include "src/loader/kernel_loader.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "src/loader/boot_layout.h"
#include "src/loader/e820_map.h"

namespace vmm {
namespace {

constexpr size_t kSetupHeaderOffset = 0x1f1;
constexpr size_t kSetupHeaderJump = 0x200;            // the header ends at 0x202 + byte[0x201]
constexpr uint32_t kDefaultInitrdMax = 0x37ffffff;    // protocol < 2.03
constexpr uint64_t kLinuxMinLoadAddress = 0x1000000;  // LOAD_PHYSICAL_ADDR: decompression target
constexpr uint8_t kLoadFlagCanUseHeap = 0x80;
constexpr uint16_t kBootFlag = 0xaa55;

template <typename T>
T LoadLe(std::span<const uint8_t> bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

uint64_t PageAlignUp(uint64_t x) {
  return (x + 0xfff) & ~0xfffull;
}

// Top of the RAM below 4 GiB.
uint64_t LowMemoryTop(const GuestMemory& memory) {
  return memory.regions().front().guest_phys + memory.regions().front().size;
}

}  // namespace

const char* KernelLoader::FormatName(Format format) {
  switch (format) {
    case Format::kBzImage:
      return "bzImage";
    case Format::kElf:
      return "ELF vmlinux";
    case Format::kFlat:
      return "flat binary";
  }
  return "?";
}

KernelLoader::Format KernelLoader::Detect(std::span<const uint8_t> kernel) {
  if (kernel.size() >= 0x206 && LoadLe<uint32_t>(kernel, 0x202) == kHdrMagic) {
    return Format::kBzImage;
  }
  if (kernel.size() >= sizeof(Elf64_Ehdr) && std::memcmp(kernel.data(), ELFMAG, SELFMAG) == 0) {
    return Format::kElf;
  }
  return Format::kFlat;
}

Result<KernelLoader::Loaded> KernelLoader::LoadBzImage(GuestMemory& memory,
                                                       std::span<const uint8_t> kernel,
                                                       boot_params& params) {
  if (kernel.size() < 0x268) {
    return Error(EINVAL, "bzImage too small");
  }
  uint16_t version = LoadLe<uint16_t>(kernel, 0x206);
  if (version < kMinProtocol) {
    return Error(EINVAL, "bzImage boot protocol " + std::to_string(version >> 8) + "." +
                             std::to_string(version & 0xff) + " has no 64-bit entry (need 2.12)");
  }
  size_t header_end = 0x202 + kernel[kSetupHeaderJump + 1];
  if (header_end > kernel.size() || header_end > sizeof(boot_params)) {
    return Error(EINVAL, "bzImage setup header runs past the file");
  }
  std::memcpy(reinterpret_cast<uint8_t*>(&params) + kSetupHeaderOffset,
              kernel.data() + kSetupHeaderOffset, header_end - kSetupHeaderOffset);
  setup_header& hdr = params.hdr;
  if ((hdr.xloadflags & XLF_KERNEL_64) == 0) {
    return Error(EINVAL, "bzImage has no 64-bit entry point (XLF_KERNEL_64)");
  }
  size_t setup_sects = hdr.setup_sects == 0 ? 4 : hdr.setup_sects;
  size_t payload = (setup_sects + 1) * 512;
  if (payload >= kernel.size()) {
    return Error(EINVAL, "bzImage has no protected-mode kernel");
  }
  VMM_TRY(memory.Write(boot_layout::kKernelLoad, kernel.subspan(payload)));

  hdr.type_of_loader = kLoaderTypeUndefined;
  hdr.loadflags |= kLoadFlagCanUseHeap;
  hdr.heap_end_ptr = 0xfe00 - 0x200;
  hdr.code32_start = static_cast<uint32_t>(boot_layout::kKernelLoad);

  Loaded loaded = {};
  loaded.format = Format::kBzImage;
  loaded.entry = boot_layout::kKernelLoad + kBzImage64BitEntryOffset;
  // The kernel decompresses itself to at least LOAD_PHYSICAL_ADDR and needs init_size there.
  uint64_t load = std::max<uint64_t>(boot_layout::kKernelLoad, kLinuxMinLoadAddress);
  loaded.kernel_end = std::max<uint64_t>(boot_layout::kKernelLoad + (kernel.size() - payload),
                                         load + hdr.init_size);
  return loaded;
}

Result<KernelLoader::Loaded> KernelLoader::LoadElf(GuestMemory& memory,
                                                   std::span<const uint8_t> kernel) {
  auto eh = LoadLe<Elf64_Ehdr>(kernel, 0);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
      eh.e_machine != EM_X86_64) {
    return Error(EINVAL, "ELF kernel is not x86-64");
  }
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > kernel.size() ||
      eh.e_phnum > (kernel.size() - eh.e_phoff) / sizeof(Elf64_Phdr)) {
    return Error(EINVAL, "ELF program headers run past the file");
  }
  Loaded loaded = {};
  loaded.format = Format::kElf;
  loaded.entry = eh.e_entry;
  bool any = false;
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    auto ph = LoadLe<Elf64_Phdr>(kernel, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type != PT_LOAD) {
      continue;
    }
    if (ph.p_offset > kernel.size() || ph.p_filesz > kernel.size() - ph.p_offset ||
        ph.p_filesz > ph.p_memsz) {
      return Error(EINVAL, "ELF segment runs past the file");
    }
    uint8_t* dst = memory.HostAddress(ph.p_paddr, ph.p_memsz);
    if (dst == nullptr) {
      return Error(ENOMEM, "ELF segment at " + std::to_string(ph.p_paddr) +
                               " does not fit in guest memory (use more --mem)");
    }
    std::memcpy(dst, kernel.data() + ph.p_offset, ph.p_filesz);
    std::memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
    loaded.kernel_end = std::max(loaded.kernel_end, ph.p_paddr + ph.p_memsz);
    any = true;
  }
  if (!any) {
    return Error(EINVAL, "ELF kernel has no loadable segment");
  }
  return loaded;
}

Result<KernelLoader::Loaded> KernelLoader::LoadFlat(GuestMemory& memory,
                                                    std::span<const uint8_t> kernel) {
  if (kernel.empty()) {
    return Error(EINVAL, "empty kernel image");
  }
  VMM_TRY(memory.Write(boot_layout::kKernelLoad, kernel));
  Loaded loaded = {};
  loaded.format = Format::kFlat;
  loaded.entry = boot_layout::kKernelLoad;
  loaded.kernel_end = boot_layout::kKernelLoad + kernel.size();
  return loaded;
}

Status KernelLoader::LoadInitrd(GuestMemory& memory, std::span<const uint8_t> initrd,
                                uint64_t max_address, Loaded& loaded, boot_params& params) {
  uint64_t top = std::min(LowMemoryTop(memory), max_address + 1);
  uint64_t start = top >= initrd.size() ? ((top - initrd.size()) & ~0xfffull) : 0;
  if (start < PageAlignUp(loaded.kernel_end)) {
    return Error(ENOMEM, "the initrd (" + std::to_string(initrd.size() >> 10) +
                             " KiB) does not fit above the kernel: use more --mem");
  }
  VMM_TRY(memory.Write(start, initrd));
  params.hdr.ramdisk_image = static_cast<uint32_t>(start);
  params.hdr.ramdisk_size = static_cast<uint32_t>(initrd.size());
  params.ext_ramdisk_image = static_cast<uint32_t>(start >> 32);
  params.ext_ramdisk_size = static_cast<uint32_t>(static_cast<uint64_t>(initrd.size()) >> 32);
  loaded.initrd_start = start;
  return Ok();
}

Result<KernelLoader::Loaded> KernelLoader::Load(GuestMemory& memory, const Image& image) {
  auto params = std::make_unique<boot_params>();
  std::memset(params.get(), 0, sizeof(boot_params));
  Format format = Detect(image.kernel);
  Result<Loaded> loaded = Error(EINVAL, "unreachable");
  uint64_t initrd_max = LowMemoryTop(memory) - 1;
  if (format == Format::kBzImage) {
    loaded = LoadBzImage(memory, image.kernel, *params);
    if (loaded.ok() && params->hdr.version >= 0x0203) {
      initrd_max = params->hdr.initrd_addr_max;
    } else if (loaded.ok()) {
      initrd_max = kDefaultInitrdMax;
    }
  } else {
    loaded =
        format == Format::kElf ? LoadElf(memory, image.kernel) : LoadFlat(memory, image.kernel);
    // No setup header in the image: build the fields the 64-bit protocol reads.
    params->hdr.boot_flag = kBootFlag;
    params->hdr.header = kHdrMagic;
    params->hdr.version = kMinProtocol;
    params->hdr.type_of_loader = kLoaderTypeUndefined;
    params->hdr.kernel_alignment = 0x200000;
    params->hdr.cmdline_size = static_cast<uint32_t>(boot_layout::kCmdlineMax - 1);
  }
  if (!loaded.ok()) {
    return loaded.error();
  }

  size_t cmdline_max = std::min<size_t>(params->hdr.cmdline_size, boot_layout::kCmdlineMax - 1);
  if (image.cmdline.size() > cmdline_max) {
    return Error(E2BIG, "kernel command line longer than " + std::to_string(cmdline_max));
  }
  VMM_TRY(memory.Write(
      boot_layout::kCmdline,
      {reinterpret_cast<const uint8_t*>(image.cmdline.c_str()), image.cmdline.size() + 1}));
  params->hdr.cmd_line_ptr = static_cast<uint32_t>(boot_layout::kCmdline);

  if (!image.initrd.empty()) {
    VMM_TRY(LoadInitrd(memory, image.initrd, initrd_max, *loaded, *params));
  }

  auto e820 = E820Map::Build(memory);
  if (e820.size() > E820_MAX_ENTRIES_ZEROPAGE) {
    return Error(E2BIG, "too many e820 entries");
  }
  std::copy(e820.begin(), e820.end(), params->e820_table);
  params->e820_entries = static_cast<uint8_t>(e820.size());

  VMM_TRY(memory.WriteObject(boot_layout::kBootParams, *params));
  loaded->boot_params = boot_layout::kBootParams;
  return loaded;
}

}  // namespace vmm
