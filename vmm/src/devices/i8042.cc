// SPDX-License-Identifier: GPL-2.0
#include "src/devices/i8042.h"

#include "src/machine/device_registry.h"

namespace vmm {

Status I8042::RegisterPorts(IoBus& pio) {
  VMM_TRY(pio.Register(kDataPort, 1, this));
  VMM_TRY(pio.Register(kCommandPort, 1, this));
  return Ok();
}

void I8042::Read(uint64_t address, std::span<uint8_t> data) {
  for (size_t i = 0; i < data.size(); i++) {
    data[i] = (address + i == kCommandPort) ? kStatus : 0x00;
  }
}

void I8042::Write(uint64_t address, std::span<const uint8_t> data) {
  if (address == kCommandPort && !data.empty() && data[0] == kCmdPulseReset) {
    control_->RequestStop(StopReason::kReset, 0);
  }
}

namespace {

Result<std::unique_ptr<IoHandler>> CreateI8042(DeviceContext& context) {
  auto kbc = std::make_unique<I8042>(&context.control);
  VMM_TRY(kbc->RegisterPorts(context.pio));
  return std::unique_ptr<IoHandler>(std::move(kbc));
}

}  // namespace

VMM_REGISTER_DEVICE(i8042, CreateI8042);

}  // namespace vmm
