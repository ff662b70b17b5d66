// SPDX-License-Identifier: GPL-2.0
#include "src/kvm/kvm_vm.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>

namespace vmm {

Result<KvmVm> KvmVm::Create(const KvmDevice& device, unsigned long type) {
  auto fd = device.CreateVm(type);
  if (!fd.ok()) {
    return fd.error();
  }
  bool vm_ext = device.CheckExtension(KVM_CAP_CHECK_EXTENSION_VM) > 0;
  return KvmVm(device, std::move(fd).value(), vm_ext);
}

int KvmVm::CheckExtension(long cap) const {
  if (!vm_check_extension_) {
    return device_->CheckExtension(cap);
  }
  int r = ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap);
  return r < 0 ? 0 : r;
}

Status KvmVm::SetUserMemoryRegion(uint32_t slot, uint64_t guest_phys, uint64_t size, void* host) {
  kvm_userspace_memory_region region = {};
  region.slot = slot;
  region.guest_phys_addr = guest_phys;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0) {
    return Error::FromErrno("KVM_SET_USER_MEMORY_REGION slot " + std::to_string(slot));
  }
  return Ok();
}

Status KvmVm::SetTssAddr(uint64_t addr) {
  if (ioctl(fd_.get(), KVM_SET_TSS_ADDR, addr) < 0) {
    return Error::FromErrno("KVM_SET_TSS_ADDR");
  }
  return Ok();
}

Status KvmVm::SetIdentityMapAddr(uint64_t addr) {
  if (ioctl(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0) {
    return Error::FromErrno("KVM_SET_IDENTITY_MAP_ADDR");
  }
  return Ok();
}

Status KvmVm::CreateIrqchip() {
  if (ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0) < 0) {
    return Error::FromErrno("KVM_CREATE_IRQCHIP");
  }
  return Ok();
}

Status KvmVm::CreatePit2() {
  kvm_pit_config config = {};
  if (ioctl(fd_.get(), KVM_CREATE_PIT2, &config) < 0) {
    return Error::FromErrno("KVM_CREATE_PIT2");
  }
  return Ok();
}

Status KvmVm::IrqLine(uint32_t gsi, bool level) {
  kvm_irq_level irq = {};
  irq.irq = gsi;
  irq.level = level ? 1 : 0;
  if (ioctl(fd_.get(), KVM_IRQ_LINE, &irq) < 0) {
    return Error::FromErrno("KVM_IRQ_LINE " + std::to_string(gsi));
  }
  return Ok();
}

Result<UniqueFd> KvmVm::CreateVcpu(unsigned long id) {
  int fd = ioctl(fd_.get(), KVM_CREATE_VCPU, id);
  if (fd < 0) {
    return Error::FromErrno("KVM_CREATE_VCPU " + std::to_string(id));
  }
  return UniqueFd(fd);
}

}  // namespace vmm
