// SPDX-License-Identifier: GPL-2.0
// ReadFile: a whole file into memory (kernels, initrds: tens of MiB at most).
#ifndef VMM_SRC_BASE_FILE_H_
#define VMM_SRC_BASE_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "src/base/result.h"

namespace vmm {

Result<std::vector<uint8_t>> ReadFile(const std::string& path);

}  // namespace vmm

#endif  // VMM_SRC_BASE_FILE_H_
