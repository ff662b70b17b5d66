// SPDX-License-Identifier: GPL-2.0
#include "src/devices/pic_pair.h"

#include "src/base/mutex_lock.h"

namespace vmm {
namespace {

constexpr unsigned kCascadeIrq = 2;
// Lines 0-2 of the master and 0 and 5 of the slave (IRQ 8, 13) are always edge-triggered.
constexpr uint8_t kMasterElcrMask = 0xf8;
constexpr uint8_t kSlaveElcrMask = 0xde;

}  // namespace

PicPair::PicPair(InterruptNotifier* notifier)
    : notifier_(notifier), master_(kMasterElcrMask), slave_(kSlaveElcrMask) {
  MutexLock lock(mu_);
  master_.set_is_master(true);
}

Status PicPair::RegisterPorts(IoBus& pio) {
  VMM_TRY(pio.Register(kMasterPort, 2, this));
  VMM_TRY(pio.Register(kSlavePort, 2, this));
  VMM_TRY(pio.Register(kElcrPort, 2, this));
  return Ok();
}

void PicPair::UpdateLocked() {
  master_.SetInput(kCascadeIrq, slave_.PendingIrq() >= 0);
  if (master_.PendingIrq() >= 0 && notifier_ != nullptr) {
    notifier_->Notify();
  }
}

uint8_t PicPair::ReadPort(uint64_t port) {
  switch (port) {
    case kMasterPort:
      return master_.ReadCommand();
    case kMasterPort + 1:
      return master_.ReadData();
    case kSlavePort:
      return slave_.ReadCommand();
    case kSlavePort + 1:
      return slave_.ReadData();
    case kElcrPort:
      return master_.elcr();
    case kElcrPort + 1:
      return slave_.elcr();
    default:
      return 0xff;
  }
}

void PicPair::WritePort(uint64_t port, uint8_t value) {
  switch (port) {
    case kMasterPort:
      master_.WriteCommand(value);
      break;
    case kMasterPort + 1:
      master_.WriteData(value);
      break;
    case kSlavePort:
      slave_.WriteCommand(value);
      break;
    case kSlavePort + 1:
      slave_.WriteData(value);
      break;
    case kElcrPort:
      master_.WriteElcr(value);
      break;
    case kElcrPort + 1:
      slave_.WriteElcr(value);
      break;
    default:
      break;
  }
}

void PicPair::Read(uint64_t address, std::span<uint8_t> data) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < data.size(); i++) {
    data[i] = ReadPort(address + i);
  }
  UpdateLocked();  // a poll-mode read acknowledges
}

void PicPair::Write(uint64_t address, std::span<const uint8_t> data) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < data.size(); i++) {
    WritePort(address + i, data[i]);
  }
  UpdateLocked();
}

void PicPair::SetIrqLevel(unsigned irq, bool level) {
  if (irq >= kNumIsaIrqs) {
    return;
  }
  MutexLock lock(mu_);
  if (irq < 8) {
    master_.SetInput(irq, level);
  } else {
    slave_.SetInput(irq - 8, level);
  }
  UpdateLocked();
}

bool PicPair::Pending() {
  MutexLock lock(mu_);
  return master_.PendingIrq() >= 0;
}

uint8_t PicPair::Acknowledge() {
  MutexLock lock(mu_);
  int irq = master_.PendingIrq();
  uint8_t vector;
  if (irq < 0) {
    vector = master_.SpuriousVector();  // the request went away before INTA
  } else if (static_cast<unsigned>(irq) == kCascadeIrq) {
    int slave_irq = slave_.PendingIrq();
    vector = slave_irq < 0 ? slave_.SpuriousVector()
                           : slave_.Acknowledge(static_cast<unsigned>(slave_irq));
    master_.Acknowledge(kCascadeIrq);
  } else {
    vector = master_.Acknowledge(static_cast<unsigned>(irq));
  }
  UpdateLocked();
  return vector;
}

}  // namespace vmm
