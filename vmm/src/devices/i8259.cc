// SPDX-License-Identifier: GPL-2.0
#include "src/devices/i8259.h"

namespace vmm {
namespace {

// ICW1 and OCW bits (8259A datasheet).
constexpr uint8_t kIcw1 = 0x10;  // on port 0: this is ICW1
constexpr uint8_t kIcw1NeedIcw4 = 0x01;
constexpr uint8_t kIcw1Single = 0x02;
constexpr uint8_t kOcw3 = 0x08;  // on port 0 without kIcw1: OCW3 (else OCW2)
constexpr uint8_t kOcw3Poll = 0x04;
constexpr uint8_t kOcw3ReadRegister = 0x02;
constexpr uint8_t kOcw3ReadIsr = 0x01;
constexpr uint8_t kOcw3SpecialMaskSet = 0x40;
constexpr uint8_t kOcw3SpecialMask = 0x20;
constexpr uint8_t kIcw4AutoEoi = 0x02;
constexpr uint8_t kIcw4SpecialFullyNested = 0x10;
constexpr unsigned kCascadeIrq = 2;

static_assert((kIcw1 & kOcw3) == 0, "ICW1 and OCW3 are told apart by distinct bits");

}  // namespace

int I8259::Priority(uint8_t mask) const {
  if (mask == 0) {
    return 8;
  }
  int priority = 0;
  while ((mask & (1u << ((priority + highest_priority_irq_) & 7))) == 0) {
    priority++;
  }
  return priority;
}

void I8259::SetInput(unsigned irq, bool level) {
  uint8_t bit = static_cast<uint8_t>(1u << (irq & 7));
  if (elcr_ & bit) {
    // Level-triggered: the request follows the line.
    irr_ = level ? (irr_ | bit) : (irr_ & ~bit);
  } else if (level && (last_input_ & bit) == 0) {
    irr_ |= bit;  // rising edge
  }
  last_input_ = level ? (last_input_ | bit) : (last_input_ & ~bit);
}

int I8259::PendingIrq() const {
  int priority = Priority(irr_ & ~imr_);
  if (priority == 8) {
    return -1;
  }
  // Compare with the highest priority in service; with the special mask, masked in-service
  // levels do not block lower ones; in special fully nested mode the cascade input of a master
  // may interrupt itself (more requests from the slave).
  uint8_t in_service = isr_;
  if (special_mask_) {
    in_service &= ~imr_;
  }
  if (special_fully_nested_ && is_master_) {
    in_service &= ~(1u << kCascadeIrq);
  }
  if (priority < Priority(in_service)) {
    return (priority + highest_priority_irq_) & 7;
  }
  return -1;
}

uint8_t I8259::Acknowledge(unsigned irq) {
  uint8_t bit = static_cast<uint8_t>(1u << (irq & 7));
  if (auto_eoi_) {
    if (rotate_on_auto_eoi_) {
      highest_priority_irq_ = (irq + 1) & 7;
    }
  } else {
    isr_ |= bit;
  }
  if ((elcr_ & bit) == 0) {
    irr_ &= ~bit;  // an edge request is consumed; a level request stays while the line is high
  }
  return static_cast<uint8_t>(vector_base_ + (irq & 7));
}

void I8259::ResetForIcw1() {
  // ICW1 clears IMR and ISR, resets priorities and forgets edges seen (8259A datasheet);
  // level requests stay requested.
  last_input_ = 0;
  irr_ &= elcr_;
  imr_ = 0;
  isr_ = 0;
  highest_priority_irq_ = 0;
  vector_base_ = 0;
  read_isr_ = false;
  poll_ = false;
  special_mask_ = false;
  auto_eoi_ = false;
  rotate_on_auto_eoi_ = false;
  special_fully_nested_ = false;
}

void I8259::Eoi(unsigned irq, bool rotate) {
  isr_ &= ~(1u << (irq & 7));
  if (rotate) {
    highest_priority_irq_ = (irq + 1) & 7;
  }
}

void I8259::WriteCommand(uint8_t value) {
  if (value & kIcw1) {
    ResetForIcw1();
    icw4_needed_ = (value & kIcw1NeedIcw4) != 0;
    single_ = (value & kIcw1Single) != 0;
    init_state_ = InitState::kIcw2;
    return;
  }
  if (value & kOcw3) {
    if (value & kOcw3Poll) {
      poll_ = true;
    }
    if (value & kOcw3ReadRegister) {
      read_isr_ = (value & kOcw3ReadIsr) != 0;
    }
    if (value & kOcw3SpecialMaskSet) {
      special_mask_ = (value & kOcw3SpecialMask) != 0;
    }
    return;
  }
  // OCW2: R (bit 7), SL (bit 6), EOI (bit 5), level (bits 0-2).
  unsigned level = value & 7;
  switch (value >> 5) {
    case 0:  // rotate in auto-EOI mode: clear
    case 4:  // rotate in auto-EOI mode: set
      rotate_on_auto_eoi_ = (value >> 7) != 0;
      break;
    case 1:    // non-specific EOI
    case 5: {  // rotate on non-specific EOI
      int priority = Priority(isr_);
      if (priority != 8) {
        Eoi((priority + highest_priority_irq_) & 7, (value >> 5) == 5);
      }
      break;
    }
    case 3:  // specific EOI
      Eoi(level, false);
      break;
    case 6:  // set priority: `level` becomes the lowest
      highest_priority_irq_ = (level + 1) & 7;
      break;
    case 7:  // rotate on specific EOI
      Eoi(level, true);
      break;
    default:  // 2: no operation
      break;
  }
}

void I8259::WriteData(uint8_t value) {
  switch (init_state_) {
    case InitState::kReady:
      imr_ = value;  // OCW1
      break;
    case InitState::kIcw2:
      vector_base_ = value & 0xf8;
      if (!single_) {
        init_state_ = InitState::kIcw3;
      } else {
        init_state_ = icw4_needed_ ? InitState::kIcw4 : InitState::kReady;
      }
      break;
    case InitState::kIcw3:  // cascade wiring: fixed on PCs (slave on master's IRQ 2)
      init_state_ = icw4_needed_ ? InitState::kIcw4 : InitState::kReady;
      break;
    case InitState::kIcw4:
      auto_eoi_ = (value & kIcw4AutoEoi) != 0;
      special_fully_nested_ = (value & kIcw4SpecialFullyNested) != 0;
      init_state_ = InitState::kReady;
      break;
  }
}

uint8_t I8259::ReadCommand() {
  if (poll_) {
    // Poll command: the read acknowledges the highest request (bit 7 = one was pending).
    poll_ = false;
    int irq = PendingIrq();
    if (irq < 0) {
      return 0;
    }
    Acknowledge(static_cast<unsigned>(irq));
    return static_cast<uint8_t>(0x80 | irq);
  }
  return read_isr_ ? isr_ : irr_;
}

uint8_t I8259::ReadData() {
  if (poll_) {
    return ReadCommand();
  }
  return imr_;
}

}  // namespace vmm
