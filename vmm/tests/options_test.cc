// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/options.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmm {
namespace {

Result<Options> ParseArgs(std::vector<const char*> args) {
  args.insert(args.begin(), "minikvm-run");
  return Options::Parse(static_cast<int>(args.size()), const_cast<char**>(args.data()));
}

TEST(Options, DefaultsAreMinikvmOneCpu256MiB) {
  auto o = ParseArgs({"--kernel", "k"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->device, "/dev/minikvm");
  EXPECT_EQ(o->cpus, 1u);
  EXPECT_EQ(o->memory_mib, 256u);
  EXPECT_EQ(o->KernelCmdline(), Options::kDefaultCmdline);
}

TEST(Options, AllOptionsParse) {
  auto o = ParseArgs({"--kernel", "k",         "--initrd",  "i",        "--cmdline", "c",
                      "--append", "a",         "--mem=512", "--cpus",   "2",         "--device",
                      "/dev/kvm", "--irqchip", "user",      "--marker", "M",         "--timeout",
                      "9",        "--mmu",     "shadow"});
  ASSERT_TRUE(o.ok()) << o.error().what();
  EXPECT_EQ(o->initrd, "i");
  EXPECT_EQ(o->KernelCmdline(), "c a");
  EXPECT_EQ(o->memory_mib, 512u);
  EXPECT_EQ(o->cpus, 2u);
  EXPECT_EQ(o->device, "/dev/kvm");
  EXPECT_EQ(o->irqchip, Options::IrqchipMode::kUser);
  EXPECT_EQ(o->marker, "M");
  EXPECT_EQ(o->timeout_s, 9u);
  EXPECT_EQ(o->mmu, Options::MmuMode::kShadow);
}

TEST(Options, MmuDefaultsToTheDevicesChoice) {
  auto o = ParseArgs({"--kernel", "k"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->mmu, Options::MmuMode::kDefault);
}

TEST(Options, MmuTakesTdpOrShadowInBothSpellings) {
  auto tdp = ParseArgs({"--kernel", "k", "--mmu", "tdp"});
  ASSERT_TRUE(tdp.ok());
  EXPECT_EQ(tdp->mmu, Options::MmuMode::kTdp);
  auto shadow = ParseArgs({"--mmu=shadow", "--kernel", "k"});
  ASSERT_TRUE(shadow.ok());
  EXPECT_EQ(shadow->mmu, Options::MmuMode::kShadow);
}

TEST(Options, MmuLastOneWins) {
  auto o = ParseArgs({"--kernel", "k", "--mmu", "shadow", "--mmu", "tdp"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->mmu, Options::MmuMode::kTdp);
}

TEST(Options, MmuRejectsOtherValuesWithTheChoices) {
  for (const char* bad : {"ept", "npt", "", "Shadow", "shadow "}) {
    auto o = ParseArgs({"--kernel", "k", "--mmu", bad});
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_EQ(o.error().code(), EINVAL);
    EXPECT_NE(std::string(o.error().what()).find("tdp or shadow"), std::string::npos)
        << o.error().what();
  }
  EXPECT_FALSE(ParseArgs({"--kernel", "k", "--mmu"}).ok());
}

TEST(Options, KernelIsRequired) {
  EXPECT_FALSE(ParseArgs({"--mem", "64"}).ok());
}

TEST(Options, BadValuesAreUsageErrors) {
  EXPECT_FALSE(ParseArgs({"--kernel", "k", "--cpus", "0"}).ok());
  EXPECT_FALSE(ParseArgs({"--kernel", "k", "--mem", "-5"}).ok());
  EXPECT_FALSE(ParseArgs({"--kernel", "k", "--mmu", "ept"}).ok());
  EXPECT_FALSE(ParseArgs({"--kernel", "k", "--irqchip", "both"}).ok());
  EXPECT_FALSE(ParseArgs({"--kernel", "k", "--bogus"}).ok());
  EXPECT_FALSE(ParseArgs({"--kernel"}).ok());
}

TEST(Options, HelpNeedsNothingElse) {
  auto o = ParseArgs({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
}

}  // namespace
}  // namespace vmm
