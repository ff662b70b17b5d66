// SPDX-License-Identifier: GPL-2.0
// VcpuWaker: gets one vCPU's attention from another thread: wakes it when it waits in HLT
// (userspace irqchip), and kicks it out of KVM_RUN (immediate_exit + a signal) when it runs
// guest code, so that it sees a new interrupt or a stop request.
//
// No wake-up is lost: the vCPU thread marks itself in the guest (a seq_cst store) *before* it
// looks at interrupt state and calls KVM_RUN; a waker changes that state *before* it reads the
// mark (seq_cst). Either the vCPU sees the new state, or the waker sees the mark and kicks; a
// kick that lands before KVM_RUN is not lost because immediate_exit makes KVM_RUN return at
// once. The waker's Mutex also keeps the thread alive between reading the mark and
// pthread_kill() (the thread takes it to mark itself gone).
//
// Threading: Kick()/Notify() from any thread, also with an interrupt controller's lock held
// (mu_ is a leaf). The other methods only on the vCPU's own thread.
#ifndef VMM_SRC_VMM_VCPU_WAKER_H_
#define VMM_SRC_VMM_VCPU_WAKER_H_

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <functional>

#include "src/base/cond_var.h"
#include "src/base/mutex.h"
#include "src/kvm/kvm_vcpu.h"
#include "src/machine/external_interrupt.h"
#include "src/machine/interrupt_notifier.h"

namespace vmm {

class VcpuWaker final : public InterruptNotifier {
 public:
  // The signal that interrupts KVM_RUN; its handler does nothing.
  static constexpr int kKickSignal = SIGUSR1;
  // Installs the handler (once per process, before any vCPU thread starts).
  static void InstallKickHandler();

  explicit VcpuWaker(KvmVcpu* vcpu) : vcpu_(vcpu) {}
  VcpuWaker(const VcpuWaker&) = delete;
  VcpuWaker& operator=(const VcpuWaker&) = delete;

  // InterruptNotifier: same as Kick().
  void Notify() override { Kick(); }
  void Kick() EXCLUDES(mu_);

  // vCPU thread: register as the thread to kick / unregister before the thread ends.
  void AttachThread() EXCLUDES(mu_);
  void DetachThread() EXCLUDES(mu_);
  // vCPU thread, around KVM_RUN (and the interrupt checks just before it).
  void EnterGuest() { in_guest_.store(true, std::memory_order_seq_cst); }
  void LeaveGuest() { in_guest_.store(false, std::memory_order_seq_cst); }
  // vCPU thread: sleeps until `ready()` holds, re-checking it after every kick.
  void WaitUntil(const std::function<bool()>& ready) EXCLUDES(mu_);

 private:
  KvmVcpu* const vcpu_;
  std::atomic<bool> in_guest_{false};
  Mutex mu_;
  CondVar cv_;
  bool kicked_ GUARDED_BY(mu_) = false;
  bool attached_ GUARDED_BY(mu_) = false;
  pthread_t thread_ GUARDED_BY(mu_) = {};
};

}  // namespace vmm

#endif  // VMM_SRC_VMM_VCPU_WAKER_H_
