// SPDX-License-Identifier: GPL-2.0
#include "src/devices/uart16550.h"

#include "src/base/mutex_lock.h"
#include "src/machine/device_registry.h"

namespace vmm {
namespace {

// Register offsets.
constexpr unsigned kRbrThrDll = 0;  // receive buffer / transmit holding / divisor low
constexpr unsigned kIerDlm = 1;     // interrupt enable / divisor high
constexpr unsigned kIirFcr = 2;     // interrupt identification / FIFO control
constexpr unsigned kLcr = 3;
constexpr unsigned kMcr = 4;
constexpr unsigned kLsr = 5;
constexpr unsigned kMsr = 6;
constexpr unsigned kScr = 7;  // scratch
constexpr unsigned kNumRegisters = 8;
static_assert(kScr == kNumRegisters - 1, "the scratch register is the last");

// IER bits.
constexpr uint8_t kIerRxData = 0x01;
constexpr uint8_t kIerThre = 0x02;
constexpr uint8_t kIerLineStatus = 0x04;
constexpr uint8_t kIerModemStatus = 0x08;
// IIR values (bits 1-3) and the FIFO-enabled bits 6-7.
constexpr uint8_t kIirNone = 0x01;
constexpr uint8_t kIirModemStatus = 0x00;
constexpr uint8_t kIirThre = 0x02;
constexpr uint8_t kIirRxData = 0x04;
constexpr uint8_t kIirLineStatus = 0x06;
constexpr uint8_t kIirFifoEnabled = 0xc0;
// FCR bits.
constexpr uint8_t kFcrEnable = 0x01;
constexpr uint8_t kFcrClearRx = 0x02;
constexpr uint8_t kFcrClearTx = 0x04;
// LCR, MCR, LSR, MSR bits.
constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kMcrDtr = 0x01;
constexpr uint8_t kMcrRts = 0x02;
constexpr uint8_t kMcrOut1 = 0x04;
constexpr uint8_t kMcrOut2 = 0x08;
constexpr uint8_t kMcrLoop = 0x10;
constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrOverrun = 0x02;
constexpr uint8_t kLsrThre = 0x20;
constexpr uint8_t kLsrTemt = 0x40;
constexpr uint8_t kMsrDeltaMask = 0x0f;
constexpr uint8_t kMsrCts = 0x10;
constexpr uint8_t kMsrDsr = 0x20;
constexpr uint8_t kMsrRi = 0x40;
constexpr uint8_t kMsrDcd = 0x80;

static_assert(kLsrThre == 0x20 && kLsrTemt == 0x40, "16550 LSR layout");

}  // namespace

Uart16550::Uart16550(uint16_t base, unsigned irq, IrqChip* irq_chip, ConsoleOutput* output)
    : base_(base), irq_(irq), irq_chip_(irq_chip), output_(output) {
  MutexLock lock(mu_);
  last_msr_ = ModemStatus();
}

Status Uart16550::RegisterPorts(IoBus& pio) {
  return pio.Register(base_, kNumRegisters, this);
}

uint8_t Uart16550::ModemStatus() const {
  uint8_t msr;
  if (mcr_ & kMcrLoop) {
    // Loopback: the modem control outputs appear on the status inputs.
    msr = ((mcr_ & kMcrRts) ? kMsrCts : 0) | ((mcr_ & kMcrDtr) ? kMsrDsr : 0) |
          ((mcr_ & kMcrOut1) ? kMsrRi : 0) | ((mcr_ & kMcrOut2) ? kMsrDcd : 0);
  } else {
    msr = kMsrCts | kMsrDsr | kMsrDcd;  // a terminal is always connected and ready
  }
  return msr;
}

uint8_t Uart16550::InterruptId() const {
  uint8_t fifo = (fcr_ & kFcrEnable) ? kIirFifoEnabled : 0;
  if ((ier_ & kIerLineStatus) && overrun_) {
    return fifo | kIirLineStatus;
  }
  if ((ier_ & kIerRxData) && !rx_.empty()) {
    return fifo | kIirRxData;
  }
  if ((ier_ & kIerThre) && thre_pending_) {
    return fifo | kIirThre;
  }
  if ((ier_ & kIerModemStatus) && msr_changed_) {
    return fifo | kIirModemStatus;
  }
  return fifo | kIirNone;
}

void Uart16550::UpdateIrq() {
  // Only OUT2 connects the UART's interrupt output to the ISA line on a PC.
  bool level = (InterruptId() & kIirNone) == 0 && (mcr_ & kMcrOut2) != 0;
  if (level != irq_level_) {
    irq_level_ = level;
    irq_chip_->SetIrqLevel(irq_, level);
  }
}

void Uart16550::Transmit(uint8_t byte) {
  if (mcr_ & kMcrLoop) {
    // Loopback: the byte comes back to the receiver and never leaves.
    if (rx_.size() < ((fcr_ & kFcrEnable) ? kFifoSize : 1)) {
      rx_.push_back(byte);
    } else {
      overrun_ = true;
    }
  } else {
    output_->Write({&byte, 1});
  }
  // The transmitter is infinitely fast: THR is empty again at once.
  thre_pending_ = true;
}

uint8_t Uart16550::ReadRegister(unsigned reg) {
  switch (reg) {
    case kRbrThrDll: {
      if (lcr_ & kLcrDlab) {
        return static_cast<uint8_t>(divisor_);
      }
      if (rx_.empty()) {
        return 0;
      }
      uint8_t byte = rx_.front();
      rx_.pop_front();
      return byte;
    }
    case kIerDlm:
      return (lcr_ & kLcrDlab) ? static_cast<uint8_t>(divisor_ >> 8) : ier_;
    case kIirFcr: {
      uint8_t iir = InterruptId();
      if ((iir & 0x0f) == kIirThre) {
        thre_pending_ = false;  // reading IIR acknowledges a THRE interrupt
      }
      return iir;
    }
    case kLcr:
      return lcr_;
    case kMcr:
      return mcr_;
    case kLsr: {
      uint8_t lsr = kLsrThre | kLsrTemt;
      lsr |= rx_.empty() ? 0 : kLsrDataReady;
      lsr |= overrun_ ? kLsrOverrun : 0;
      overrun_ = false;  // reading LSR clears the error bits
      return lsr;
    }
    case kMsr: {
      uint8_t msr = ModemStatus();
      uint8_t delta = static_cast<uint8_t>((msr ^ last_msr_) >> 4) & kMsrDeltaMask;
      last_msr_ = msr;
      msr_changed_ = false;  // reading MSR clears the delta bits
      return msr | delta;
    }
    default:
      return scr_;
  }
}

void Uart16550::WriteRegister(unsigned reg, uint8_t value) {
  switch (reg) {
    case kRbrThrDll:
      if (lcr_ & kLcrDlab) {
        divisor_ = static_cast<uint16_t>((divisor_ & 0xff00) | value);
      } else {
        Transmit(value);
      }
      break;
    case kIerDlm:
      if (lcr_ & kLcrDlab) {
        divisor_ = static_cast<uint16_t>((divisor_ & 0x00ff) | (value << 8));
      } else {
        // Enabling THRE while THR is empty raises the interrupt (the 8250 driver relies on it).
        if ((value & kIerThre) && !(ier_ & kIerThre)) {
          thre_pending_ = true;
        }
        ier_ = value & 0x0f;
      }
      break;
    case kIirFcr:
      if ((value ^ fcr_) & kFcrEnable) {
        rx_.clear();  // changing the FIFO mode clears both FIFOs
      }
      if (value & kFcrClearRx) {
        rx_.clear();
      }
      if (value & kFcrClearTx) {
        thre_pending_ = (ier_ & kIerThre) != 0;
      }
      fcr_ = value & 0xc9;  // enable, DMA mode, trigger level
      break;
    case kLcr:
      lcr_ = value;
      break;
    case kMcr: {
      mcr_ = value & 0x1f;
      if (ModemStatus() != last_msr_) {
        msr_changed_ = true;
      }
      break;
    }
    case kLsr:
    case kMsr:
      break;  // read-only
    default:
      scr_ = value;
      break;
  }
}

void Uart16550::Read(uint64_t address, std::span<uint8_t> data) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < data.size(); i++) {
    data[i] = ReadRegister(static_cast<unsigned>(address + i - base_) % kNumRegisters);
  }
  UpdateIrq();
}

void Uart16550::Write(uint64_t address, std::span<const uint8_t> data) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < data.size(); i++) {
    WriteRegister(static_cast<unsigned>(address + i - base_) % kNumRegisters, data[i]);
  }
  UpdateIrq();
}

size_t Uart16550::RxSpace() {
  MutexLock lock(mu_);
  if (mcr_ & kMcrLoop) {
    return 0;  // in loopback the line is disconnected
  }
  size_t capacity = (fcr_ & kFcrEnable) ? kFifoSize : 1;
  return rx_.size() < capacity ? capacity - rx_.size() : 0;
}

size_t Uart16550::Receive(std::span<const uint8_t> bytes) {
  MutexLock lock(mu_);
  if (mcr_ & kMcrLoop) {
    return 0;
  }
  size_t capacity = (fcr_ & kFcrEnable) ? kFifoSize : 1;
  size_t taken = 0;
  while (taken < bytes.size() && rx_.size() < capacity) {
    rx_.push_back(bytes[taken++]);
  }
  UpdateIrq();
  return taken;
}

namespace {

// COM1, the console.
Result<std::unique_ptr<IoHandler>> CreateCom1(DeviceContext& context) {
  auto uart = std::make_unique<Uart16550>(Uart16550::kCom1Port, Uart16550::kCom1Irq,
                                          &context.irq_chip, &context.console_output);
  VMM_TRY(uart->RegisterPorts(context.pio));
  context.console_receiver = uart.get();
  return std::unique_ptr<IoHandler>(std::move(uart));
}

}  // namespace

VMM_REGISTER_DEVICE(uart16550_com1, CreateCom1);

}  // namespace vmm
