// SPDX-License-Identifier: GPL-2.0
// Machine: one guest, built from the Options: the device (/dev/minikvm or /dev/kvm), the VM
// and its memory, the interrupt controller (the in-kernel irqchip, with the in-kernel PIT if
// the device has KVM_CAP_PIT2, else the userspace one; or the userspace PIC and PIT), the
// registered devices, the loaded kernel and the vCPUs; then Run() drives it: one thread per
// vCPU, the event loop (console input, signals, timers) on the calling thread, until something
// asks it to stop (MachineControl). Run() returns the process exit status.
//
// Create() fails with ENOTSUP when the device lacks a feature this guest needs (exit status
// 70) and with other errors when the machine cannot be built (71).
//
// Threading: Create() and Run() on the main thread. RequestStop() from any thread; the first
// request wins.
#ifndef VMM_SRC_VMM_MACHINE_H_
#define VMM_SRC_VMM_MACHINE_H_

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "src/base/mutex.h"
#include "src/base/result.h"
#include "src/base/unique_fd.h"
#include "src/devices/pic_pair.h"
#include "src/kvm/kvm_device.h"
#include "src/kvm/kvm_vcpu.h"
#include "src/kvm/kvm_vm.h"
#include "src/machine/guest_memory.h"
#include "src/machine/io_bus.h"
#include "src/machine/machine_control.h"
#include "src/vmm/console.h"
#include "src/vmm/event_loop.h"
#include "src/vmm/kernel_irq_chip.h"
#include "src/vmm/options.h"
#include "src/vmm/real_clock.h"
#include "src/vmm/vcpu_runner.h"
#include "src/vmm/vcpu_waker.h"

namespace vmm {

class Machine final : public MachineControl {
 public:
  static Result<std::unique_ptr<Machine>> Create(const Options& options);
  ~Machine() override;
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Runs the guest to its end; returns the exit status (StopReason's table).
  int Run(bool raw_terminal);

  void RequestStop(StopReason reason, int detail) override EXCLUDES(stop_mu_);

 private:
  explicit Machine(const Options& options) : options_(options) {}

  Status Build();
  Status OpenDevice();
  Status CreateVm();
  Status SetUpMemory();
  Status SetUpInterruptController();
  Status CreateVcpus();
  Status CreateDevices();
  Status LoadGuest();
  std::string LinuxCmdline(const std::string& cmdline);
  Status SetUpCpuid(bool required);
  Status StartSignals();
  Status StartHostInputs(bool raw_terminal);
  std::vector<std::thread> StartVcpus();
  void DumpStuckVcpus() EXCLUDES(stop_mu_);
  // Logs how the guest ended; returns the exit status.
  int Report() EXCLUDES(stop_mu_);

  const Options options_;
  RealClock clock_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<GuestMemory> memory_;
  std::unique_ptr<KvmDevice> device_;
  std::unique_ptr<KvmVm> vm_;
  IoBus pio_{"port I/O"};
  IoBus mmio_{"MMIO"};
  std::string mmu_name_;  // "TDP MMU" or "shadow MMU" where the device says which
  bool kernel_irqchip_ = false;
  bool kernel_pit_ = false;
  std::vector<std::unique_ptr<KvmVcpu>> vcpus_;
  std::vector<std::unique_ptr<VcpuWaker>> wakers_;
  std::unique_ptr<PicPair> pic_;
  std::unique_ptr<KernelIrqChip> kernel_irq_chip_;
  IrqChip* irq_chip_ = nullptr;
  std::unique_ptr<Console> console_;
  ConsoleReceiver* console_receiver_ = nullptr;
  std::vector<std::unique_ptr<IoHandler>> devices_;
  std::vector<std::unique_ptr<VcpuRunner>> runners_;
  std::unique_ptr<Timer> timeout_;
  UniqueFd signal_fd_;

  std::atomic<bool> stopping_{false};
  Mutex stop_mu_;
  bool stop_requested_ GUARDED_BY(stop_mu_) = false;
  StopReason stop_reason_ GUARDED_BY(stop_mu_) = StopReason::kSetupError;
  int stop_detail_ GUARDED_BY(stop_mu_) = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_MACHINE_H_
