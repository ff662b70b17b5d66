// SPDX-License-Identifier: GPL-2.0
// Error: what went wrong, as a value (the VMM is built with -fno-exceptions).
#ifndef VMM_SRC_BASE_ERROR_H_
#define VMM_SRC_BASE_ERROR_H_

#include <cerrno>
#include <string>
#include <utility>

namespace vmm {

// What went wrong: an errno value (0 if none applies) and a message naming the operation.
class [[nodiscard]] Error final {
 public:
  Error(int code, std::string what) : code_(code), what_(std::move(what)) {}

  // The current errno, e.g. right after a failed system call: Error::FromErrno("open /dev/kvm").
  static Error FromErrno(std::string what) { return Error(errno, std::move(what)); }

  int code() const { return code_; }
  const std::string& what() const { return what_; }
  // "what: strerror(code)", or just "what" when code is 0.
  std::string Describe() const;

 private:
  int code_;
  std::string what_;
};

}  // namespace vmm

#endif  // VMM_SRC_BASE_ERROR_H_
