// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/vcpu_waker.h"

#include <signal.h>

#include "src/base/mutex_lock.h"

namespace vmm {
namespace {

void KickHandler(int /*signo*/) {}

}  // namespace

void VcpuWaker::InstallKickHandler() {
  struct sigaction sa = {};
  sa.sa_handler = KickHandler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
  sigaction(kKickSignal, &sa, nullptr);
}

void VcpuWaker::Kick() {
  {
    MutexLock lock(mu_);
    kicked_ = true;
    if (attached_ && in_guest_.load(std::memory_order_seq_cst)) {
      vcpu_->SetImmediateExit();
      pthread_kill(thread_, kKickSignal);
    }
  }
  cv_.NotifyAll();
}

void VcpuWaker::AttachThread() {
  MutexLock lock(mu_);
  thread_ = pthread_self();
  attached_ = true;
}

void VcpuWaker::DetachThread() {
  MutexLock lock(mu_);
  attached_ = false;
}

void VcpuWaker::WaitUntil(const std::function<bool()>& ready) {
  for (;;) {
    // `ready` takes other locks (the interrupt controller's): never call it under mu_.
    if (ready()) {
      return;
    }
    MutexLock lock(mu_);
    while (!kicked_) {
      cv_.Wait(mu_);
    }
    kicked_ = false;
  }
}

}  // namespace vmm
