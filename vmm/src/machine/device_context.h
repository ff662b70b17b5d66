// SPDX-License-Identifier: GPL-2.0
// DeviceContext: what a device factory gets to build and wire its device: the buses, the
// interrupt controller, time, the console and the machine's switch. Filled by the Machine,
// used only while the machine is built (single-threaded).
#ifndef VMM_SRC_MACHINE_DEVICE_CONTEXT_H_
#define VMM_SRC_MACHINE_DEVICE_CONTEXT_H_

#include <cstdint>

#include "src/machine/clock.h"
#include "src/machine/console_output.h"
#include "src/machine/console_receiver.h"
#include "src/machine/io_bus.h"
#include "src/machine/irq_chip.h"
#include "src/machine/machine_control.h"
#include "src/machine/timer.h"
#include "src/machine/timer_factory.h"

namespace vmm {

struct DeviceContext {
  IoBus& pio;
  IoBus& mmio;
  IrqChip& irq_chip;
  const Clock& clock;
  TimerFactory& timers;
  MachineControl& control;
  ConsoleOutput& console_output;
  // Set by the device that takes the host's console input (the UART).
  ConsoleReceiver* console_receiver = nullptr;
  // The in-kernel irqchip provides the PIT (ports 0x40-0x43 and 0x61).
  bool kernel_pit = false;
  uint64_t memory_size = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_DEVICE_CONTEXT_H_
