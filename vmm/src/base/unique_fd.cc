// SPDX-License-Identifier: GPL-2.0
#include "src/base/unique_fd.h"

#include <unistd.h>

namespace vmm {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) {
    close(fd_);
  }
  fd_ = fd;
}

}  // namespace vmm
