// SPDX-License-Identifier: GPL-2.0
#include "src/loader/kernel_cmdline.h"

#include <sstream>

namespace vmm {
namespace {

// Where init's arguments start: at " -- " (or a leading "-- "), else the end.
size_t InitArgsStart(const std::string& cmdline) {
  if (cmdline.rfind("-- ", 0) == 0 || cmdline == "--") {
    return 0;
  }
  size_t pos = cmdline.find(" -- ");
  if (pos != std::string::npos) {
    return pos;
  }
  if (cmdline.size() >= 3 && cmdline.compare(cmdline.size() - 3, 3, " --") == 0) {
    return cmdline.size() - 3;
  }
  return cmdline.size();
}

}  // namespace

bool KernelCmdline::HasParam(const std::string& cmdline, const std::string& name) {
  std::istringstream words(cmdline.substr(0, InitArgsStart(cmdline)));
  std::string word;
  while (words >> word) {
    if (word == name || word.rfind(name + "=", 0) == 0) {
      return true;
    }
  }
  return false;
}

std::string KernelCmdline::AddParam(const std::string& cmdline, const std::string& param) {
  std::string name = param.substr(0, param.find('='));
  if (HasParam(cmdline, name)) {
    return cmdline;
  }
  size_t at = InitArgsStart(cmdline);
  std::string kernel_part = cmdline.substr(0, at);
  std::string rest = cmdline.substr(at);
  if (!kernel_part.empty() && kernel_part.back() != ' ') {
    kernel_part += ' ';
  }
  kernel_part += param;
  if (!rest.empty() && rest.front() != ' ') {
    rest = " " + rest;
  }
  return kernel_part + rest;
}

}  // namespace vmm
