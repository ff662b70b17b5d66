// SPDX-License-Identifier: GPL-2.0
#include "src/kvm/kvm_vcpu.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <utility>

#include "src/kvm/kvm_abi.h"

namespace vmm {

Result<KvmVcpu> KvmVcpu::Create(KvmVm& vm, const KvmDevice& device, unsigned long id) {
  auto size = device.VcpuMmapSize();
  if (!size.ok()) {
    return size.error();
  }
  auto fd = vm.CreateVcpu(id);
  if (!fd.ok()) {
    return fd.error();
  }
  void* p = mmap(nullptr, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd->get(), 0);
  if (p == MAP_FAILED) {
    return Error::FromErrno("mmap kvm_run of vCPU " + std::to_string(id));
  }
  return KvmVcpu(std::move(fd).value(), static_cast<kvm_run*>(p), *size, id);
}

KvmVcpu::~KvmVcpu() {
  if (run_ != nullptr) {
    munmap(run_, run_size_);
  }
}

KvmVcpu::KvmVcpu(KvmVcpu&& other) noexcept
    : fd_(std::move(other.fd_)),
      run_(std::exchange(other.run_, nullptr)),
      run_size_(other.run_size_),
      id_(other.id_) {}

Result<KvmVcpu::RunOutcome> KvmVcpu::Run() {
  if (ioctl(fd_.get(), KVM_RUN, 0) == 0) {
    return RunOutcome::kExit;
  }
  if (errno == EINTR) {
    __atomic_store_n(&run_->immediate_exit, 0, __ATOMIC_SEQ_CST);
    return RunOutcome::kInterrupted;
  }
  if (errno == EAGAIN) {
    // An application processor waiting for INIT/SIPI (in-kernel LAPIC) got an event that
    // did not start it yet: run again.
    return RunOutcome::kInterrupted;
  }
  return Error::FromErrno("KVM_RUN on vCPU " + std::to_string(id_));
}

void KvmVcpu::SetImmediateExit() {
  __atomic_store_n(&run_->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

Result<kvm_regs> KvmVcpu::GetRegs() const {
  kvm_regs regs = {};
  if (ioctl(fd_.get(), KVM_GET_REGS, &regs) < 0) {
    return Error::FromErrno("KVM_GET_REGS");
  }
  return regs;
}

Status KvmVcpu::SetRegs(const kvm_regs& regs) {
  if (ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0) {
    return Error::FromErrno("KVM_SET_REGS");
  }
  return Ok();
}

Result<kvm_sregs> KvmVcpu::GetSregs() const {
  kvm_sregs sregs = {};
  if (ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0) {
    return Error::FromErrno("KVM_GET_SREGS");
  }
  return sregs;
}

Status KvmVcpu::SetSregs(const kvm_sregs& sregs) {
  if (ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0) {
    return Error::FromErrno("KVM_SET_SREGS");
  }
  return Ok();
}

Status KvmVcpu::SetCpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  size_t bytes = sizeof(kvm_abi::Cpuid2Header) + entries.size() * sizeof(kvm_cpuid_entry2);
  auto buf = std::make_unique<unsigned char[]>(bytes);
  kvm_abi::Cpuid2Header header = {static_cast<uint32_t>(entries.size()), 0};
  std::memcpy(buf.get(), &header, sizeof(header));
  std::memcpy(buf.get() + sizeof(header), entries.data(),
              entries.size() * sizeof(kvm_cpuid_entry2));
  if (ioctl(fd_.get(), kvm_abi::kSetCpuid2, buf.get()) < 0) {
    return Error::FromErrno("KVM_SET_CPUID2");
  }
  return Ok();
}

Result<uint32_t> KvmVcpu::GetTscKhz() const {
  int khz = ioctl(fd_.get(), KVM_GET_TSC_KHZ, 0);
  if (khz <= 0) {
    return Error::FromErrno("KVM_GET_TSC_KHZ");
  }
  return static_cast<uint32_t>(khz);
}

Status KvmVcpu::Interrupt(uint8_t vector) {
  kvm_interrupt irq = {};
  irq.irq = vector;
  if (ioctl(fd_.get(), KVM_INTERRUPT, &irq) < 0) {
    return Error::FromErrno("KVM_INTERRUPT vector " + std::to_string(vector));
  }
  return Ok();
}

}  // namespace vmm
