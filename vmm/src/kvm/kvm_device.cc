// SPDX-License-Identifier: GPL-2.0
#include "src/kvm/kvm_device.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cstring>
#include <memory>

#include "src/kvm/kvm_abi.h"

namespace vmm {

Result<KvmDevice> KvmDevice::Open(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) {
    return Error::FromErrno("open " + path);
  }
  int version = ioctl(fd.get(), KVM_GET_API_VERSION, 0);
  if (version < 0) {
    return Error::FromErrno(path + ": KVM_GET_API_VERSION");
  }
  if (version != KVM_API_VERSION) {
    return Error(EINVAL, path + ": API version " + std::to_string(version) + ", want " +
                             std::to_string(KVM_API_VERSION));
  }
  return KvmDevice(std::move(fd), path);
}

int KvmDevice::CheckExtension(long cap) const {
  int r = ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap);
  return r < 0 ? 0 : r;
}

Result<size_t> KvmDevice::VcpuMmapSize() const {
  int r = ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (r < 0) {
    return Error::FromErrno("KVM_GET_VCPU_MMAP_SIZE");
  }
  return static_cast<size_t>(r);
}

Result<std::vector<kvm_cpuid_entry2>> KvmDevice::SupportedCpuid() const {
  // Grow the buffer until it is large enough (E2BIG otherwise), as KVM's API asks.
  for (size_t n = 64; n <= 4096; n *= 2) {
    size_t bytes = sizeof(kvm_abi::Cpuid2Header) + n * sizeof(kvm_cpuid_entry2);
    auto buf = std::make_unique<unsigned char[]>(bytes);
    kvm_abi::Cpuid2Header header = {static_cast<uint32_t>(n), 0};
    std::memcpy(buf.get(), &header, sizeof(header));
    if (ioctl(fd_.get(), kvm_abi::kGetSupportedCpuid, buf.get()) == 0) {
      std::memcpy(&header, buf.get(), sizeof(header));
      std::vector<kvm_cpuid_entry2> entries(header.nent);
      std::memcpy(entries.data(), buf.get() + sizeof(header),
                  header.nent * sizeof(kvm_cpuid_entry2));
      return entries;
    }
    if (errno != E2BIG) {
      return Error::FromErrno("KVM_GET_SUPPORTED_CPUID");
    }
  }
  return Error(E2BIG, "KVM_GET_SUPPORTED_CPUID");
}

Result<UniqueFd> KvmDevice::CreateVm(unsigned long type) const {
  int fd = ioctl(fd_.get(), KVM_CREATE_VM, type);
  if (fd < 0) {
    return Error::FromErrno("KVM_CREATE_VM");
  }
  return UniqueFd(fd);
}

}  // namespace vmm
