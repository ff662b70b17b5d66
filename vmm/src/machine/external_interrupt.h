// SPDX-License-Identifier: GPL-2.0
// ExternalInterrupt: the INTR line into the boot vCPU and its acknowledge cycle, as the
// userspace interrupt controller (PicPair) provides them to the vCPU loop, which injects the
// acknowledged vector with KVM_INTERRUPT. InterruptNotifier is how the controller tells the
// vCPU that INTR went up (it wakes a halted vCPU and kicks a running one out of KVM_RUN).
//
// Threading: Pending() and Acknowledge() are called from the boot vCPU's thread; Notify() from
// any thread, with the controller's lock held: it must only take leaf locks.
#ifndef VMM_SRC_MACHINE_EXTERNAL_INTERRUPT_H_
#define VMM_SRC_MACHINE_EXTERNAL_INTERRUPT_H_

#include <cstdint>

namespace vmm {

class ExternalInterrupt {
 public:
  virtual ~ExternalInterrupt() = default;
  // Whether INTR is asserted (an unmasked request of higher priority than any in service).
  virtual bool Pending() = 0;
  // The INTA cycle: the vector to deliver (a spurious vector if the request went away).
  virtual uint8_t Acknowledge() = 0;
};

class InterruptNotifier {
 public:
  virtual ~InterruptNotifier() = default;
  virtual void Notify() = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_EXTERNAL_INTERRUPT_H_
