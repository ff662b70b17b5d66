// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/vcpu_runner.h"

#include <cstdarg>
#include <cstdio>
#include <span>

#include "src/base/log.h"
#include "src/kvm/exit_report.h"

namespace vmm {
namespace {

constexpr uint64_t kRflagsIf = 1u << 9;
// On KVM, a vCPU halted with IF set is always ready for injection (HLT ends the STI shadow).
constexpr unsigned kMaxStuckHalts = 3;

}  // namespace

void VcpuRunner::Fail(StopReason reason, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  LogError("vCPU %lu: %s", vcpu_->id(), buf);
  env_.control->RequestStop(reason, 0);
}

void VcpuRunner::DumpState() {
  auto regs = vcpu_->GetRegs();
  auto sregs = vcpu_->GetSregs();
  if (!regs.ok() || !sregs.ok()) {
    LogError("  (cannot read the registers: %s)",
             (regs.ok() ? sregs.error() : regs.error()).Describe().c_str());
    return;
  }
  for (const std::string& line : DescribeRegisters(*regs, *sregs)) {
    LogError("  %s", line.c_str());
  }
}

bool VcpuRunner::InjectInterrupts() {
  ExternalInterrupt* intr = env_.external_interrupt;
  if (intr == nullptr) {
    return true;
  }
  kvm_run* run = vcpu_->run();
  if (!intr->Pending()) {
    run->request_interrupt_window = 0;
    return true;
  }
  if (run->ready_for_interrupt_injection && run->if_flag) {
    stuck_halts_ = 0;
    Status s = vcpu_->Interrupt(intr->Acknowledge());
    if (!s.ok()) {
      int err = s.error().code();
      Fail(err == EINVAL || err == ENOTTY ? StopReason::kUnsupported : StopReason::kHypervisorError,
           "%s%s", s.error().Describe().c_str(),
           err == EINVAL || err == ENOTTY ? " (the device does not implement KVM_INTERRUPT)" : "");
      return false;
    }
  }
  // Another request may be waiting behind the one just injected: ask for the next window.
  run->request_interrupt_window = intr->Pending() ? 1 : 0;
  return true;
}

void VcpuRunner::HandleIo() {
  kvm_run* run = vcpu_->run();
  uint8_t* data = vcpu_->io_data();
  const size_t size = run->io.size;
  for (uint32_t i = 0; i < run->io.count; i++, data += size) {
    if (run->io.direction == KVM_EXIT_IO_OUT) {
      env_.pio->Write(run->io.port, std::span<const uint8_t>(data, size));
    } else {
      env_.pio->Read(run->io.port, std::span<uint8_t>(data, size));
    }
  }
}

void VcpuRunner::HandleMmio() {
  kvm_run* run = vcpu_->run();
  size_t len = run->mmio.len > sizeof(run->mmio.data) ? sizeof(run->mmio.data) : run->mmio.len;
  if (run->mmio.is_write) {
    env_.mmio->Write(run->mmio.phys_addr, std::span<const uint8_t>(run->mmio.data, len));
  } else {
    env_.mmio->Read(run->mmio.phys_addr, std::span<uint8_t>(run->mmio.data, len));
  }
}

bool VcpuRunner::HandleHalt() {
  ExternalInterrupt* intr = env_.external_interrupt;
  kvm_run* run = vcpu_->run();
  bool interrupts_enabled = run->if_flag != 0;
  if (!interrupts_enabled) {
    // if_flag is what the device reported; confirm from RFLAGS before ending the machine.
    auto regs = vcpu_->GetRegs();
    interrupts_enabled = regs.ok() && (regs->rflags & kRflagsIf) != 0;
  }
  if (intr == nullptr || !interrupts_enabled) {
    // Nothing can wake this vCPU (no NMI sources here): the guest has stopped for good.
    LogInfo("vCPU %lu halted with interrupts %s", vcpu_->id(),
            interrupts_enabled ? "enabled but no interrupt controller" : "disabled");
    env_.control->RequestStop(StopReason::kHalted, 0);
    return false;
  }
  if (intr->Pending() && !run->ready_for_interrupt_injection && ++stuck_halts_ >= kMaxStuckHalts) {
    Fail(StopReason::kUnsupported,
         "an interrupt is pending and the guest halted with interrupts enabled, but the device "
         "never reports ready_for_interrupt_injection: it does not support KVM_INTERRUPT");
    return false;
  }
  waker_->WaitUntil([this, intr] { return stopping() || intr->Pending(); });
  return true;
}

bool VcpuRunner::HandleExit() {
  kvm_run* run = vcpu_->run();
  switch (run->exit_reason) {
    case KVM_EXIT_IO:
      HandleIo();
      return true;
    case KVM_EXIT_MMIO:
      HandleMmio();
      return true;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
      return true;  // the next iteration injects / looks at the machine's state
    case KVM_EXIT_HLT:
      return HandleHalt();
    case KVM_EXIT_SHUTDOWN:
      // The device has reset the vCPU already: its state tells nothing about the fault.
      LogInfo("vCPU %lu: triple fault (KVM_EXIT_SHUTDOWN)", vcpu_->id());
      env_.control->RequestStop(StopReason::kTripleFault, 0);
      return false;
    case KVM_EXIT_SYSTEM_EVENT:
      if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
        env_.control->RequestStop(StopReason::kReset, 0);
      } else if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
        env_.control->RequestStop(StopReason::kPowerOff, 0);
      } else {
        Fail(StopReason::kHypervisorError, "system event %u", run->system_event.type);
      }
      return false;
    case KVM_EXIT_FAIL_ENTRY:
      Fail(StopReason::kHypervisorError, "KVM_EXIT_FAIL_ENTRY, reason %#llx",
           static_cast<unsigned long long>(run->fail_entry.hardware_entry_failure_reason));
      DumpState();
      return false;
    case KVM_EXIT_INTERNAL_ERROR:
      Fail(StopReason::kHypervisorError, "KVM_EXIT_INTERNAL_ERROR, %s",
           DescribeInternalError(*run).c_str());
      DumpState();
      return false;
    default:
      Fail(StopReason::kHypervisorError, "unexpected exit reason %u", run->exit_reason);
      DumpState();
      return false;
  }
}

void VcpuRunner::Run() {
  waker_->AttachThread();
  bool first = true;
  while (!stopping()) {
    // Mark ourselves in the guest before looking at interrupts (see VcpuWaker).
    waker_->EnterGuest();
    if (stopping() || !InjectInterrupts()) {
      waker_->LeaveGuest();
      break;
    }
    if (first && env_.on_first_run) {
      env_.on_first_run();
    }
    first = false;
    auto outcome = vcpu_->Run();
    waker_->LeaveGuest();
    if (!outcome.ok()) {
      Fail(StopReason::kHypervisorError, "%s", outcome.error().Describe().c_str());
      break;
    }
    if (*outcome == KvmVcpu::RunOutcome::kInterrupted) {
      continue;
    }
    if (!HandleExit()) {
      break;
    }
  }
  waker_->DetachThread();
}

}  // namespace vmm
