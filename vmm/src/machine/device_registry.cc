// SPDX-License-Identifier: GPL-2.0
#include "src/machine/device_registry.h"

#include <algorithm>
#include <cstring>

namespace vmm {

bool DeviceRegistry::Add(Entry* entry) {
  entry->next = head_;
  head_ = entry;
  return true;
}

std::vector<const DeviceRegistry::Entry*> DeviceRegistry::Entries() {
  std::vector<const Entry*> entries;
  for (const Entry* e = head_; e != nullptr; e = e->next) {
    entries.push_back(e);
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry* a, const Entry* b) { return std::strcmp(a->name, b->name) < 0; });
  return entries;
}

Status DeviceRegistry::CreateAll(DeviceContext& context,
                                 std::vector<std::unique_ptr<IoHandler>>& devices) {
  for (const Entry* e : Entries()) {
    auto device = e->create(context);
    if (!device.ok()) {
      return Error(device.error().code(), std::string(e->name) + ": " + device.error().what());
    }
    if (*device != nullptr) {
      devices.push_back(std::move(device).value());
    }
  }
  return Ok();
}

}  // namespace vmm
