// SPDX-License-Identifier: GPL-2.0
#include "src/devices/exit_port.h"

#include <cstring>
#include <memory>

#include "src/machine/device_registry.h"

namespace vmm {

void ExitPort::Read(uint64_t /*address*/, std::span<uint8_t> data) {
  std::memset(data.data(), 0xff, data.size());
}

void ExitPort::Write(uint64_t /*address*/, std::span<const uint8_t> data) {
  if (!data.empty()) {
    control_->RequestStop(StopReason::kPowerOff, data[0]);
  }
}

namespace {

Result<std::unique_ptr<IoHandler>> CreateExitPort(DeviceContext& context) {
  auto port = std::make_unique<ExitPort>(&context.control);
  VMM_TRY(port->RegisterPorts(context.pio));
  return std::unique_ptr<IoHandler>(std::move(port));
}

}  // namespace

VMM_REGISTER_DEVICE(exit_port, CreateExitPort);

}  // namespace vmm
