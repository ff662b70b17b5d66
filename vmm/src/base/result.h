// SPDX-License-Identifier: GPL-2.0
// Errors as values: Result<T> is a T or an Error (src/base/error.h).
// The VMM is built with -fno-exceptions; every fallible function returns one of these, and
// [[nodiscard]] makes ignoring one a compile error under -Werror.
#ifndef VMM_SRC_BASE_RESULT_H_
#define VMM_SRC_BASE_RESULT_H_

#include <utility>
#include <variant>

#include "src/base/error.h"

namespace vmm {

// A T or an Error. Check ok() before value(); value() on an error aborts (a bug, not an error).
template <typename T>
class [[nodiscard]] Result final {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  T& value() & { return *Checked(); }
  const T& value() const& { return *Checked(); }
  T&& value() && { return std::move(*Checked()); }
  const Error& error() const { return *std::get_if<Error>(&v_); }
  T* operator->() { return Checked(); }
  T& operator*() & { return *Checked(); }

 private:
  T* Checked() {
    T* p = std::get_if<T>(&v_);
    if (p == nullptr) {
      __builtin_trap();
    }
    return p;
  }
  const T* Checked() const { return const_cast<Result*>(this)->Checked(); }

  std::variant<T, Error> v_;
};

// Success or an Error.
template <>
class [[nodiscard]] Result<void> final {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{0, {}};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() {
  return {};
}

}  // namespace vmm

// Propagate an error: VMM_TRY(DoSomething()); for Result<void> expressions.
#define VMM_TRY(expr)                 \
  do {                                \
    auto vmm_try_result_ = (expr);    \
    if (!vmm_try_result_.ok()) {      \
      return vmm_try_result_.error(); \
    }                                 \
  } while (0)

#endif  // VMM_SRC_BASE_RESULT_H_
