// SPDX-License-Identifier: GPL-2.0
// UniqueFd: owns a file descriptor and closes it on destruction. Move-only.
#ifndef VMM_SRC_BASE_UNIQUE_FD_H_
#define VMM_SRC_BASE_UNIQUE_FD_H_

#include <utility>

namespace vmm {

class UniqueFd final {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset(std::exchange(other.fd_, -1));
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace vmm

#endif  // VMM_SRC_BASE_UNIQUE_FD_H_
