// SPDX-License-Identifier: GPL-2.0
#include "src/loader/kernel_loader.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>

#include "src/loader/boot_layout.h"
#include "src/loader/e820_map.h"

namespace vmm {
namespace {

constexpr uint64_t kMemory = 64ull << 20;

// A bzImage with one setup sector, protocol 2.15 and a 4 KiB "kernel" of 0xcc bytes.
std::vector<uint8_t> FakeBzImage(uint16_t version = 0x020f, uint16_t xloadflags = XLF_KERNEL_64) {
  std::vector<uint8_t> img(0x400 + 0x1000, 0);
  setup_header hdr = {};
  hdr.setup_sects = 1;
  hdr.boot_flag = 0xaa55;
  hdr.jump = 0x66eb;  // jmp over the header, which ends at 0x268
  hdr.header = KernelLoader::kHdrMagic;
  hdr.version = version;
  hdr.loadflags = LOADED_HIGH;
  hdr.initrd_addr_max = 0x7fffffff;
  hdr.kernel_alignment = 0x200000;
  hdr.relocatable_kernel = 1;
  hdr.xloadflags = xloadflags;
  hdr.cmdline_size = 255;
  hdr.init_size = 8 << 20;
  std::memcpy(img.data() + 0x1f1, &hdr, sizeof(hdr));
  std::memset(img.data() + 0x400, 0xcc, 0x1000);
  return img;
}

boot_params ReadParams(const GuestMemory& mem) {
  boot_params p;
  EXPECT_TRUE(mem.Read(boot_layout::kBootParams, {reinterpret_cast<uint8_t*>(&p), sizeof(p)}).ok());
  return p;
}

TEST(KernelLoader, DetectsTheThreeFormats) {
  EXPECT_EQ(KernelLoader::Detect(FakeBzImage()), KernelLoader::Format::kBzImage);
  std::vector<uint8_t> elf(sizeof(Elf64_Ehdr), 0);
  std::memcpy(elf.data(), ELFMAG, SELFMAG);
  EXPECT_EQ(KernelLoader::Detect(elf), KernelLoader::Format::kElf);
  std::vector<uint8_t> flat = {0xf4};
  EXPECT_EQ(KernelLoader::Detect(flat), KernelLoader::Format::kFlat);
}

TEST(KernelLoader, BzImageIsLoadedAtOneMiBAndEnteredAt64BitEntry) {
  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  auto img = FakeBzImage();
  auto loaded = KernelLoader::Load(*mem, {img, {}, "console=ttyS0"});
  ASSERT_TRUE(loaded.ok()) << loaded.error().Describe();
  EXPECT_EQ(loaded->entry, 0x100200u);
  EXPECT_EQ(loaded->boot_params, boot_layout::kBootParams);
  EXPECT_EQ(*mem->HostAddress(0x100000, 1), 0xcc);
  boot_params p = ReadParams(*mem);
  EXPECT_EQ(p.hdr.type_of_loader, KernelLoader::kLoaderTypeUndefined);
  EXPECT_NE(p.hdr.loadflags & 0x80, 0);  // CAN_USE_HEAP
  EXPECT_EQ(p.hdr.cmd_line_ptr, boot_layout::kCmdline);
  EXPECT_STREQ(reinterpret_cast<const char*>(mem->HostAddress(boot_layout::kCmdline, 14)),
               "console=ttyS0");
  EXPECT_EQ(p.hdr.version, 0x020f);  // the kernel's own header was copied
}

TEST(KernelLoader, E820DescribesLowRamReservedBiosAreaAndHighRam) {
  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  auto img = FakeBzImage();
  ASSERT_TRUE(KernelLoader::Load(*mem, {img, {}, ""}).ok());
  boot_params p = ReadParams(*mem);
  ASSERT_EQ(p.e820_entries, 4);
  EXPECT_EQ(p.e820_table[0].addr, 0u);
  EXPECT_EQ(p.e820_table[0].type, E820Map::kRam);
  EXPECT_EQ(p.e820_table[2].addr, 0xf0000u);
  EXPECT_EQ(p.e820_table[2].type, E820Map::kReserved);
  EXPECT_EQ(p.e820_table[3].addr, 0x100000u);
  EXPECT_EQ(p.e820_table[3].addr + p.e820_table[3].size, kMemory);
}

TEST(KernelLoader, InitrdGoesPageAlignedToTheTopOfMemory) {
  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  auto img = FakeBzImage();
  std::vector<uint8_t> initrd(10000, 0x5a);
  auto loaded = KernelLoader::Load(*mem, {img, initrd, ""});
  ASSERT_TRUE(loaded.ok());
  boot_params p = ReadParams(*mem);
  EXPECT_EQ(p.hdr.ramdisk_size, 10000u);
  EXPECT_EQ(p.hdr.ramdisk_image % 4096, 0u);
  EXPECT_LE(p.hdr.ramdisk_image + 10000u, kMemory);
  EXPECT_GT(p.hdr.ramdisk_image + 10000u, kMemory - 4096);
  EXPECT_EQ(*mem->HostAddress(p.hdr.ramdisk_image, 1), 0x5a);
}

TEST(KernelLoader, InitrdThatDoesNotFitAboveTheKernelIsRefused) {
  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  auto img = FakeBzImage();
  std::vector<uint8_t> initrd(48 << 20, 0);  // kernel needs 16 MiB + 8 MiB
  auto loaded = KernelLoader::Load(*mem, {img, initrd, ""});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ENOMEM);
}

TEST(KernelLoader, OldBootProtocolIsRefused) {
  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  auto img = FakeBzImage(0x020a);
  EXPECT_FALSE(KernelLoader::Load(*mem, {img, {}, ""}).ok());
}

TEST(KernelLoader, BzImageWithout64BitEntryIsRefused) {
  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  auto img = FakeBzImage(0x020f, 0);
  EXPECT_FALSE(KernelLoader::Load(*mem, {img, {}, ""}).ok());
}

TEST(KernelLoader, CommandLineLongerThanTheKernelTakesIsRefused) {
  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  auto img = FakeBzImage();
  auto loaded = KernelLoader::Load(*mem, {img, {}, std::string(300, 'x')});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), E2BIG);
}

TEST(KernelLoader, ElfSegmentsGoToTheirPhysicalAddressesWithBssZeroed) {
  std::vector<uint8_t> elf(0x1000 + 16, 0);
  Elf64_Ehdr eh = {};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_machine = EM_X86_64;
  eh.e_type = ET_EXEC;
  eh.e_entry = 0x1000000;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  Elf64_Phdr ph = {};
  ph.p_type = PT_LOAD;
  ph.p_offset = 0x1000;
  ph.p_paddr = 0x1000000;
  ph.p_filesz = 16;
  ph.p_memsz = 0x2000;
  std::memcpy(elf.data(), &eh, sizeof(eh));
  std::memcpy(elf.data() + sizeof(eh), &ph, sizeof(ph));
  std::memset(elf.data() + 0x1000, 0x90, 16);

  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  std::memset(mem->HostAddress(0x1000000, 0x2000), 0xee, 0x2000);
  auto loaded = KernelLoader::Load(*mem, {elf, {}, "x"});
  ASSERT_TRUE(loaded.ok()) << loaded.error().Describe();
  EXPECT_EQ(loaded->format, KernelLoader::Format::kElf);
  EXPECT_EQ(loaded->entry, 0x1000000u);
  EXPECT_EQ(*mem->HostAddress(0x1000000, 1), 0x90);
  EXPECT_EQ(*mem->HostAddress(0x1000010, 1), 0x00);  // bss
  boot_params p = ReadParams(*mem);
  EXPECT_EQ(p.hdr.header, KernelLoader::kHdrMagic);
  EXPECT_EQ(p.hdr.boot_flag, 0xaa55);
}

TEST(KernelLoader, FlatBinaryIsEnteredAtOneMiB) {
  auto mem = GuestMemory::Create(kMemory);
  ASSERT_TRUE(mem.ok());
  std::vector<uint8_t> flat = {0xf4, 0xeb, 0xfd};
  auto loaded = KernelLoader::Load(*mem, {flat, {}, ""});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->entry, 0x100000u);
  EXPECT_EQ(*mem->HostAddress(0x100001, 1), 0xeb);
}

}  // namespace
}  // namespace vmm
