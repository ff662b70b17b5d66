// SPDX-License-Identifier: GPL-2.0
// I8259: one Intel 8259A programmable interrupt controller, as plain state (no lock, no I/O
// bus): PicPair owns two, cascades them and serializes access to them.
//
// Modelled: ICW1-4 (edge or level per ELCR, single/cascade, auto-EOI, special fully nested),
// OCW1 (IMR), OCW2 (specific/non-specific EOI, rotations, set priority), OCW3 (read IRR/ISR,
// poll, special mask). Not modelled: 8080 mode and buffered mode (ignored, as on PCs).
#ifndef VMM_SRC_DEVICES_I8259_H_
#define VMM_SRC_DEVICES_I8259_H_

#include <cstdint>

namespace vmm {

class I8259 final {
 public:
  // `elcr_mask`: the lines whose trigger mode the ELCR may set (0xf8 master, 0xde slave).
  explicit I8259(uint8_t elcr_mask) : elcr_mask_(elcr_mask) {}

  // Input line `irq` (0-7) goes to `level`.
  void SetInput(unsigned irq, bool level);
  // The highest-priority request that may interrupt now, or -1 (the INT output is this >= 0).
  int PendingIrq() const;
  // The INTA cycle for `irq` (a PendingIrq() result): sets ISR (unless auto-EOI) and clears
  // an edge request. Returns the vector.
  uint8_t Acknowledge(unsigned irq);
  // The vector of a spurious interrupt (IRQ 7 of this chip, ISR untouched).
  uint8_t SpuriousVector() const { return static_cast<uint8_t>(vector_base_ + 7); }

  // Port 0 (command: ICW1, OCW2, OCW3) and port 1 (data: ICW2-4, OCW1).
  void WriteCommand(uint8_t value);
  void WriteData(uint8_t value);
  uint8_t ReadCommand();
  uint8_t ReadData();
  // Edge/level control register (ports 0x4d0/0x4d1): 1 = level-triggered.
  void WriteElcr(uint8_t value) { elcr_ = value & elcr_mask_; }
  uint8_t elcr() const { return elcr_; }

  uint8_t irr() const { return irr_; }
  uint8_t isr() const { return isr_; }
  uint8_t imr() const { return imr_; }
  uint8_t vector_base() const { return vector_base_; }
  // A master treats its cascade input (IRQ 2) specially in special fully nested mode.
  void set_is_master(bool master) { is_master_ = master; }

 private:
  // ICW initialization sequence state.
  enum class InitState : uint8_t { kReady, kIcw2, kIcw3, kIcw4 };

  // 0 (highest) .. 7 priority of the lowest-priority-numbered bit set in `mask`; 8 if none.
  int Priority(uint8_t mask) const;
  void ResetForIcw1();
  void Eoi(unsigned irq, bool rotate);

  const uint8_t elcr_mask_;
  uint8_t elcr_ = 0;
  uint8_t irr_ = 0;         // interrupt request register
  uint8_t isr_ = 0;         // in-service register
  uint8_t imr_ = 0;         // interrupt mask register
  uint8_t last_input_ = 0;  // input levels, for edge detection
  uint8_t vector_base_ = 0;
  uint8_t highest_priority_irq_ =
      0;  // rotation: irq i has priority (i - highest_priority_irq_) & 7, 0 = highest
  InitState init_state_ = InitState::kReady;
  bool icw4_needed_ = false;
  bool single_ = false;
  bool auto_eoi_ = false;
  bool rotate_on_auto_eoi_ = false;
  bool special_fully_nested_ = false;
  bool special_mask_ = false;
  bool read_isr_ = false;
  bool poll_ = false;
  bool is_master_ = false;
};

}  // namespace vmm

#endif  // VMM_SRC_DEVICES_I8259_H_
