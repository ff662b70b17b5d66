// SPDX-License-Identifier: GPL-2.0
// KernelCmdline: edits a Linux command line: adds a parameter the VMM knows the value of
// (e.g. tsc_early_khz) unless the user gave it, keeping " -- ARGS" (init's arguments) last.
#ifndef VMM_SRC_LOADER_KERNEL_CMDLINE_H_
#define VMM_SRC_LOADER_KERNEL_CMDLINE_H_

#include <string>

namespace vmm {

class KernelCmdline final {
 public:
  // Whether the kernel's part of `cmdline` (before " -- ") has a word `name` or `name=...`.
  static bool HasParam(const std::string& cmdline, const std::string& name);
  // `cmdline` with `param` ("name=value") added at the end of the kernel's part, unless
  // a parameter of that name is there.
  static std::string AddParam(const std::string& cmdline, const std::string& param);
};

}  // namespace vmm

#endif  // VMM_SRC_LOADER_KERNEL_CMDLINE_H_
