// SPDX-License-Identifier: GPL-2.0
// Mutex: std::mutex with a thread-safety capability, so that GUARDED_BY fields are checked.
#ifndef VMM_SRC_BASE_MUTEX_H_
#define VMM_SRC_BASE_MUTEX_H_

#include <mutex>

#include "src/base/thread_annotations.h"

namespace vmm {

class CAPABILITY("mutex") Mutex final {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

}  // namespace vmm

#endif  // VMM_SRC_BASE_MUTEX_H_
