// SPDX-License-Identifier: GPL-2.0
#include "src/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/base/unique_fd.h"

namespace vmm {

Result<std::vector<uint8_t>> ReadFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return Error::FromErrno("open " + path);
  }
  struct stat st;
  if (fstat(fd.get(), &st) < 0) {
    return Error::FromErrno("stat " + path);
  }
  if (!S_ISREG(st.st_mode)) {
    return Error(EINVAL, path + " is not a regular file");
  }
  std::vector<uint8_t> data(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = read(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error::FromErrno("read " + path);
    }
    if (n == 0) {
      return Error(EIO, path + ": file shrank while reading");
    }
    done += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace vmm
