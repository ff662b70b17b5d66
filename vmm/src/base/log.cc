// SPDX-License-Identifier: GPL-2.0
#include "src/base/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace vmm {
namespace {

// Set once at start-up, read from any thread.
std::atomic<bool> g_verbose{false};
std::atomic<bool> g_raw{false};

void Emit(const char* fmt, va_list ap) {
  char buf[1024];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  // One fprintf per line, so lines from concurrent threads do not interleave.
  fprintf(stderr, "minikvm-run: %s%s", buf, g_raw.load(std::memory_order_relaxed) ? "\r\n" : "\n");
}

}  // namespace

void SetVerbose(bool verbose) {
  g_verbose.store(verbose);
}
void SetLogRawTerminal(bool raw) {
  g_raw.store(raw);
}

void LogError(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Emit(fmt, ap);
  va_end(ap);
}

void LogInfo(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Emit(fmt, ap);
  va_end(ap);
}

void LogDebug(const char* fmt, ...) {
  if (!g_verbose.load(std::memory_order_relaxed)) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  Emit(fmt, ap);
  va_end(ap);
}

}  // namespace vmm
