// SPDX-License-Identifier: GPL-2.0
#include "src/loader/kernel_cmdline.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

TEST(KernelCmdline, AddsAtTheEnd) {
  EXPECT_EQ(KernelCmdline::AddParam("console=ttyS0 quiet", "tsc_early_khz=2000000"),
            "console=ttyS0 quiet tsc_early_khz=2000000");
  EXPECT_EQ(KernelCmdline::AddParam("", "a=1"), "a=1");
}

TEST(KernelCmdline, KeepsInitArgumentsLast) {
  EXPECT_EQ(KernelCmdline::AddParam("quiet -- echo a=1", "a=2"), "quiet a=2 -- echo a=1");
  EXPECT_EQ(KernelCmdline::AddParam("-- sh", "a=2"), "a=2 -- sh");
}

TEST(KernelCmdline, LeavesAParameterTheUserGaveAlone) {
  EXPECT_EQ(KernelCmdline::AddParam("tsc_early_khz=5 quiet", "tsc_early_khz=7"),
            "tsc_early_khz=5 quiet");
  EXPECT_TRUE(KernelCmdline::HasParam("quiet nokaslr", "nokaslr"));
  EXPECT_FALSE(KernelCmdline::HasParam("quiet -- nokaslr", "nokaslr"));
  EXPECT_FALSE(KernelCmdline::HasParam("nokaslrx", "nokaslr"));
}

}  // namespace
}  // namespace vmm
