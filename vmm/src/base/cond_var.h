// SPDX-License-Identifier: GPL-2.0
// CondVar: a condition variable that waits on a vmm::Mutex the caller holds.
#ifndef VMM_SRC_BASE_COND_VAR_H_
#define VMM_SRC_BASE_COND_VAR_H_

#include <condition_variable>

#include "src/base/mutex.h"
#include "src/base/thread_annotations.h"

namespace vmm {

class CondVar final {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Atomically releases `mu`, sleeps until notified (or spuriously), reacquires `mu`.
  void Wait(Mutex& mu) REQUIRES(mu) { cv_.wait(mu); }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable_any cv_;
};

}  // namespace vmm

#endif  // VMM_SRC_BASE_COND_VAR_H_
