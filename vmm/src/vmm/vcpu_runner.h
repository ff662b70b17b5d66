// SPDX-License-Identifier: GPL-2.0
// VcpuRunner: one vCPU's thread body. The loop is one switch on kvm_run.exit_reason; each case
// delegates to a small helper. With the userspace irqchip (the boot vCPU gets an
// ExternalInterrupt), interrupts are injected with KVM_INTERRUPT when the vCPU can take them
// (ready_for_interrupt_injection and IF), else an interrupt window is requested; HLT waits in
// userspace until the interrupt controller raises INTR.
//
// Threading: Run() executes on the vCPU's own thread; the IoBuses and MachineControl are
// thread-safe; the VcpuWaker is how other threads reach this one.
#ifndef VMM_SRC_VMM_VCPU_RUNNER_H_
#define VMM_SRC_VMM_VCPU_RUNNER_H_

#include <atomic>
#include <functional>

#include "src/kvm/kvm_vcpu.h"
#include "src/machine/external_interrupt.h"
#include "src/machine/io_bus.h"
#include "src/machine/machine_control.h"
#include "src/vmm/vcpu_waker.h"

namespace vmm {

class VcpuRunner final {
 public:
  struct Env {
    const IoBus* pio;
    const IoBus* mmio;
    MachineControl* control;
    const std::atomic<bool>* stopping;
    ExternalInterrupt* external_interrupt;  // userspace irqchip on this vCPU, else nullptr
    std::function<void()> on_first_run;     // called once, just before the first KVM_RUN
  };

  VcpuRunner(KvmVcpu* vcpu, VcpuWaker* waker, Env env)
      : vcpu_(vcpu), waker_(waker), env_(std::move(env)) {}
  VcpuRunner(const VcpuRunner&) = delete;
  VcpuRunner& operator=(const VcpuRunner&) = delete;

  // Runs the vCPU until the machine stops.
  void Run();
  // Logs the registers; only while no thread runs the vCPU.
  void DumpState();

 private:
  bool stopping() const { return env_.stopping->load(std::memory_order_acquire); }
  // Returns false when the loop must end.
  bool InjectInterrupts();
  bool HandleExit();
  void HandleIo();
  void HandleMmio();
  bool HandleHalt();
  void Fail(StopReason reason, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

  KvmVcpu* const vcpu_;
  VcpuWaker* const waker_;
  const Env env_;
  // HLT exits in a row with IF set and an interrupt pending but no injection possible: a
  // device that never opens the interrupt window (does not implement KVM_INTERRUPT).
  unsigned stuck_halts_ = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_VCPU_RUNNER_H_
