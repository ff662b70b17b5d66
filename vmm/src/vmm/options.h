// SPDX-License-Identifier: GPL-2.0
// Options: minikvm-run's command line.
#ifndef VMM_SRC_VMM_OPTIONS_H_
#define VMM_SRC_VMM_OPTIONS_H_

#include <cstdint>
#include <string>

#include "src/base/result.h"

namespace vmm {

struct Options {
  enum class IrqchipMode { kAuto, kKernel, kUser };
  // --mmu: kDefault leaves the choice to the device (minikvm and KVM: the TDP MMU when the CPU
  // has nested paging); kTdp and kShadow need a device with a per-VM choice.
  enum class MmuMode { kDefault, kTdp, kShadow };

  std::string kernel;
  std::string initrd;
  std::string cmdline;  // the default unless --cmdline
  std::string append;   // --append: added to the command line
  uint64_t memory_mib = 256;
  unsigned cpus = 1;
  std::string device = "/dev/minikvm";
  MmuMode mmu = MmuMode::kDefault;
  IrqchipMode irqchip = IrqchipMode::kAuto;
  std::string marker;
  unsigned timeout_s = 0;
  bool verbose = false;
  bool help = false;

  static constexpr const char* kDefaultCmdline =
      "console=ttyS0 earlyprintk=serial nokaslr acpi=off io_delay=none tsc=reliable "
      "no_timer_check panic=-1 quiet";

  // Parses argv; Error(EINVAL) with a message on a usage error.
  static Result<Options> Parse(int argc, char** argv);
  static const char* Usage();
  // The kernel command line: --cmdline (or the default) plus --append.
  std::string KernelCmdline() const;

 private:
  // One option with its value ("--mem", "512").
  Status Set(const std::string& name, const std::string& value);
  Status SetIrqchip(const std::string& value);
  Status SetMmu(const std::string& value);
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_OPTIONS_H_
