// SPDX-License-Identifier: GPL-2.0
// MutexLock: the RAII guard for Mutex (holds it for the guard's scope).
#ifndef VMM_SRC_BASE_MUTEX_LOCK_H_
#define VMM_SRC_BASE_MUTEX_LOCK_H_

#include "src/base/mutex.h"
#include "src/base/thread_annotations.h"

namespace vmm {

class SCOPED_CAPABILITY MutexLock final {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace vmm

#endif  // VMM_SRC_BASE_MUTEX_LOCK_H_
