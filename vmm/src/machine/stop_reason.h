// SPDX-License-Identifier: GPL-2.0
// StopReason: why the machine stopped, and the process exit status that reports it.
#ifndef VMM_SRC_MACHINE_STOP_REASON_H_
#define VMM_SRC_MACHINE_STOP_REASON_H_

namespace vmm {

enum class StopReason {
  kPowerOff,         // the guest wrote its status to the exit port (0xf4)
  kReset,            // the guest asked for a reset (i8042 pulse-reset command 0xfe)
  kTripleFault,      // KVM_EXIT_SHUTDOWN
  kHalted,           // HLT with interrupts disabled: nothing can ever wake the vCPU
  kSignal,           // SIGINT/SIGTERM/SIGHUP to the VMM, or the console's quit key
  kTimeout,          // --timeout expired
  kHypervisorError,  // KVM_RUN failed, entry failure, internal error, unexpected exit
  kUnsupported,      // the device lacks an ioctl or capability the guest needs
  kSetupError,       // the machine could not be built (file, device, memory)
};

// Exit statuses of minikvm-run (documented in --help and vmm/README.md):
//   0-63   the guest powered off through the exit port with this status (larger values: 63)
//   64     usage error
//   65     guest reset        66 triple fault       67 halted with interrupts disabled
//   68     timeout            69 hypervisor error   70 unsupported by the device
//   71     set-up error       128+N  signal N (SIGINT: 130)
constexpr int kExitUsage = 64;

int ExitStatusFor(StopReason reason, int detail);
const char* StopReasonName(StopReason reason);

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_STOP_REASON_H_
