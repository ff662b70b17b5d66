// SPDX-License-Identifier: GPL-2.0
#include "src/base/error.h"

#include <cstring>

namespace vmm {

std::string Error::Describe() const {
  if (code_ == 0) {
    return what_;
  }
  return what_ + ": " + std::strerror(code_);
}

}  // namespace vmm
