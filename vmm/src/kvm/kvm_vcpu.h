// SPDX-License-Identifier: GPL-2.0
// KvmVcpu: a vCPU fd and its mmap'ed struct kvm_run.
//
// Threading: owned and used by its vCPU thread. The only cross-thread access is Kick()'s
// store to kvm_run.immediate_exit (an atomic byte store, as KVM's API documents).
#ifndef VMM_SRC_KVM_KVM_VCPU_H_
#define VMM_SRC_KVM_KVM_VCPU_H_

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include "src/base/result.h"
#include "src/base/unique_fd.h"
#include "src/kvm/kvm_vm.h"

namespace vmm {

class KvmVcpu final {
 public:
  static Result<KvmVcpu> Create(KvmVm& vm, const KvmDevice& device, unsigned long id);

  ~KvmVcpu();
  KvmVcpu(KvmVcpu&& other) noexcept;
  KvmVcpu& operator=(KvmVcpu&&) = delete;
  KvmVcpu(const KvmVcpu&) = delete;
  KvmVcpu& operator=(const KvmVcpu&) = delete;

  enum class RunOutcome { kExit, kInterrupted };
  // KVM_RUN. kInterrupted: EINTR (a signal or immediate_exit; immediate_exit is cleared) or
  // EAGAIN (an AP not started yet): nothing to handle, run again.
  Result<RunOutcome> Run();

  Result<kvm_regs> GetRegs() const;
  Status SetRegs(const kvm_regs& regs);
  Result<kvm_sregs> GetSregs() const;
  Status SetSregs(const kvm_sregs& sregs);
  Status SetCpuid(const std::vector<kvm_cpuid_entry2>& entries);
  // KVM_GET_TSC_KHZ (KVM_CAP_GET_TSC_KHZ): the guest's TSC frequency.
  Result<uint32_t> GetTscKhz() const;
  // KVM_INTERRUPT: queue an external interrupt (userspace irqchip only).
  Status Interrupt(uint8_t vector);

  // Makes the next (or current) KVM_RUN return EINTR; callable from any thread.
  void SetImmediateExit();

  kvm_run* run() { return run_; }
  unsigned long id() const { return id_; }
  // The data of a KVM_EXIT_IO exit.
  uint8_t* io_data() { return reinterpret_cast<uint8_t*>(run_) + run_->io.data_offset; }

 private:
  KvmVcpu(UniqueFd fd, kvm_run* run, size_t run_size, unsigned long id)
      : fd_(std::move(fd)), run_(run), run_size_(run_size), id_(id) {}

  UniqueFd fd_;
  kvm_run* run_;
  size_t run_size_;
  unsigned long id_;
};

}  // namespace vmm

#endif  // VMM_SRC_KVM_KVM_VCPU_H_
