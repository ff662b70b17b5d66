// SPDX-License-Identifier: GPL-2.0
#include "src/machine/device_registry.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/fakes.h"

namespace vmm {
namespace {

using namespace vmm::testing;

std::vector<std::string> Names() {
  std::vector<std::string> names;
  for (const auto* e : DeviceRegistry::Entries()) {
    names.push_back(e->name);
  }
  return names;
}

TEST(DeviceRegistry, EveryDeviceRegisteredItselfInNameOrder) {
  std::vector<std::string> expected = {"cmos_rtc", "exit_port", "i8042", "i8254", "uart16550_com1"};
  EXPECT_EQ(Names(), expected);
}

class RegistryBuild : public ::testing::Test {
 protected:
  IoBus pio_{"pio"};
  IoBus mmio_{"mmio"};
  FakeIrqChip irq_;
  FakeClock clock_;
  FakeTimerFactory timers_;
  FakeMachineControl control_;
  CapturingOutput out_;
};

TEST_F(RegistryBuild, UserspaceMachineGetsThePitAndTheConsoleReceiver) {
  DeviceContext context{pio_,     mmio_, irq_,    clock_, timers_,
                        control_, out_,  nullptr, false,  64ull << 20};
  std::vector<std::unique_ptr<IoHandler>> devices;
  ASSERT_TRUE(DeviceRegistry::CreateAll(context, devices).ok());
  EXPECT_EQ(devices.size(), 5u);
  EXPECT_NE(context.console_receiver, nullptr);
  uint8_t v = 0x34;
  EXPECT_TRUE(pio_.Write(0x43, {&v, 1}));  // the PIT answers
  v = 'x';
  EXPECT_TRUE(pio_.Write(0x3f8, {&v, 1}));
  EXPECT_EQ(out_.text, "x");
  v = 0;
  EXPECT_TRUE(pio_.Write(0xf4, {&v, 1}));
  EXPECT_EQ(control_.reason, StopReason::kPowerOff);
}

TEST_F(RegistryBuild, InKernelPitLeavesThePortsToTheKernel) {
  DeviceContext context{pio_,     mmio_, irq_,    clock_, timers_,
                        control_, out_,  nullptr, true,   64ull << 20};
  std::vector<std::unique_ptr<IoHandler>> devices;
  ASSERT_TRUE(DeviceRegistry::CreateAll(context, devices).ok());
  EXPECT_EQ(devices.size(), 4u);
  uint8_t v = 0;
  EXPECT_FALSE(pio_.Read(0x40, {&v, 1}));
  EXPECT_FALSE(pio_.Read(0x61, {&v, 1}));
}

}  // namespace
}  // namespace vmm
