// SPDX-License-Identifier: GPL-2.0
// ExternalInterrupt: the INTR line into the boot vCPU and its acknowledge cycle, as the
// userspace interrupt controller (PicPair) provides them to the vCPU loop, which injects the
// acknowledged vector with KVM_INTERRUPT (the controller signals INTR through an
// InterruptNotifier).
//
// Threading: Pending() and Acknowledge() are called from the boot vCPU's thread.
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

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_EXTERNAL_INTERRUPT_H_
