// SPDX-License-Identifier: GPL-2.0
// minikvm-run: boots a Linux kernel (or a flat test binary) on /dev/minikvm or /dev/kvm.
// Devices register themselves (DeviceRegistry); main only parses options and runs a Machine.
#include <cstdio>

#include "src/base/log.h"
#include "src/machine/stop_reason.h"
#include "src/vmm/machine.h"
#include "src/vmm/options.h"
#include "src/vmm/terminal.h"

int main(int argc, char** argv) {
  auto options = vmm::Options::Parse(argc, argv);
  if (!options.ok()) {
    vmm::LogError("%s (try --help)", options.error().what().c_str());
    return vmm::kExitUsage;
  }
  if (options->help) {
    fputs(vmm::Options::Usage(), stdout);
    return 0;
  }
  vmm::SetVerbose(options->verbose);
  auto machine = vmm::Machine::Create(*options);
  if (!machine.ok()) {
    // ENOTSUP: the device lacks a feature; the message says which (no strerror needed).
    bool unsupported = machine.error().code() == ENOTSUP;
    vmm::LogError(
        "%s", unsupported ? machine.error().what().c_str() : machine.error().Describe().c_str());
    return vmm::ExitStatusFor(
        unsupported ? vmm::StopReason::kUnsupported : vmm::StopReason::kSetupError, 0);
  }
  vmm::RawTerminal terminal;
  return (*machine)->Run(terminal.active());
}
