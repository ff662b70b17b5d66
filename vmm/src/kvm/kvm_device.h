// SPDX-License-Identifier: GPL-2.0
// KvmDevice: the system fd of /dev/minikvm or /dev/kvm (same ABI, API version 12).
#ifndef VMM_SRC_KVM_KVM_DEVICE_H_
#define VMM_SRC_KVM_KVM_DEVICE_H_

#include <linux/kvm.h>

#include <string>
#include <vector>

#include "src/base/result.h"
#include "src/base/unique_fd.h"

namespace vmm {

class KvmDevice final {
 public:
  // Opens `path` and checks KVM_GET_API_VERSION == 12.
  static Result<KvmDevice> Open(const std::string& path);

  KvmDevice(KvmDevice&&) = default;
  KvmDevice& operator=(KvmDevice&&) = default;
  KvmDevice(const KvmDevice&) = delete;
  KvmDevice& operator=(const KvmDevice&) = delete;

  // KVM_CHECK_EXTENSION: the capability's value, 0 when absent (or the ioctl failed).
  int CheckExtension(long cap) const;
  // KVM_GET_VCPU_MMAP_SIZE.
  Result<size_t> VcpuMmapSize() const;
  // KVM_GET_SUPPORTED_CPUID (needs KVM_CAP_EXT_CPUID).
  Result<std::vector<kvm_cpuid_entry2>> SupportedCpuid() const;
  // KVM_CREATE_VM of @type (0: the default machine type).
  Result<UniqueFd> CreateVm(unsigned long type = 0) const;

  const std::string& path() const { return path_; }

 private:
  KvmDevice(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  UniqueFd fd_;
  std::string path_;
};

}  // namespace vmm

#endif  // VMM_SRC_KVM_KVM_DEVICE_H_
