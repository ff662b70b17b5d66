// SPDX-License-Identifier: GPL-2.0
// Diagnostics on stderr, prefixed "minikvm-run: ". stdout belongs to the guest's console.
#ifndef VMM_SRC_BASE_LOG_H_
#define VMM_SRC_BASE_LOG_H_

namespace vmm {

void LogError(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void LogInfo(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Debug lines only appear with --verbose (SetVerbose(true)).
void LogDebug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void SetVerbose(bool verbose);
// Whether stdin is a terminal in raw mode: log lines then need "\r\n".
void SetLogRawTerminal(bool raw);

}  // namespace vmm

#endif  // VMM_SRC_BASE_LOG_H_
