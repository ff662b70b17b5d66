// SPDX-License-Identifier: GPL-2.0
// DeviceRegistry: devices register a factory from their own source file, kvmtool-style, so the
// machine (and main) never names a device:
//
//   VMM_REGISTER_DEVICE(uart16550, CreateUart);
//
// A factory builds its device, registers it on the buses in the DeviceContext and returns it
// for the machine to keep; it returns nullptr when the device does not apply to this machine
// (e.g. the userspace PIT when the in-kernel PIT is used).
//
// Threading: entries are added by static initializers before main(); afterwards the list is
// immutable and only read while the machine is built.
#ifndef VMM_SRC_MACHINE_DEVICE_REGISTRY_H_
#define VMM_SRC_MACHINE_DEVICE_REGISTRY_H_

#include <memory>
#include <vector>

#include "src/base/result.h"
#include "src/machine/device_context.h"
#include "src/machine/io_handler.h"

namespace vmm {

class DeviceRegistry final {
 public:
  using Factory = Result<std::unique_ptr<IoHandler>> (*)(DeviceContext& context);

  struct Entry {
    const char* name;
    Factory create;
    Entry* next;
  };

  // Called from static initializers (VMM_REGISTER_DEVICE).
  static bool Add(Entry* entry);
  // Every registered device, sorted by name (a stable creation order).
  static std::vector<const Entry*> Entries();
  // Runs every factory; the devices that apply are appended to `devices`.
  static Status CreateAll(DeviceContext& context, std::vector<std::unique_ptr<IoHandler>>& devices);

 private:
  static inline constinit Entry* head_ = nullptr;
};

}  // namespace vmm

#define VMM_REGISTER_DEVICE(name, factory)                                              \
  static ::vmm::DeviceRegistry::Entry vmm_device_entry_##name{#name, factory, nullptr}; \
  [[maybe_unused]] static const bool vmm_device_registered_##name =                     \
      ::vmm::DeviceRegistry::Add(&vmm_device_entry_##name)

#endif  // VMM_SRC_MACHINE_DEVICE_REGISTRY_H_
