// SPDX-License-Identifier: GPL-2.0
// InterruptNotifier: how an interrupt controller tells a vCPU that its INTR line went up: wake
// it when halted, kick it out of KVM_RUN when running (VcpuWaker implements it).
// Threading: Notify() is called from any thread with the controller's lock held: it may only
// take leaf locks.
#ifndef VMM_SRC_MACHINE_INTERRUPT_NOTIFIER_H_
#define VMM_SRC_MACHINE_INTERRUPT_NOTIFIER_H_

namespace vmm {

class InterruptNotifier {
 public:
  virtual ~InterruptNotifier() = default;
  virtual void Notify() = 0;
};

}  // namespace vmm

#endif  // VMM_SRC_MACHINE_INTERRUPT_NOTIFIER_H_
