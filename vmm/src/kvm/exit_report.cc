// SPDX-License-Identifier: GPL-2.0
#include "src/kvm/exit_report.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>

namespace vmm {
namespace {

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

std::string Format(const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return buf;
}

const char* SuberrorName(uint32_t suberror) {
  switch (suberror) {
    case KVM_INTERNAL_ERROR_EMULATION:
      return "emulation failure";
    case KVM_INTERNAL_ERROR_SIMUL_EX:
      return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV:
      return "exit while delivering an event";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
      return "unexpected exit reason";
    default:
      return "unknown";
  }
}

// The data words of internal.data from @first on, at most the array's size.
std::string DataWords(const kvm_run& run, uint32_t first) {
  constexpr uint32_t kMax = sizeof(run.internal.data) / sizeof(run.internal.data[0]);
  uint32_t n = run.internal.ndata < kMax ? run.internal.ndata : kMax;
  std::string s;
  for (uint32_t i = first; i < n; i++) {
    s += Format(" %#" PRIx64, static_cast<uint64_t>(run.internal.data[i]));
  }
  return s;
}

std::string Segment(const char* name, const kvm_segment& s) {
  return Format("%s %04x base %016" PRIx64 " limit %08x type %x%s%s%s", name, s.selector,
                static_cast<uint64_t>(s.base), s.limit, s.type, s.l ? " L" : "", s.db ? " D" : "",
                s.unusable ? " unusable" : "");
}

}  // namespace

std::string DescribeInternalError(const kvm_run& run) {
  std::string s =
      Format("suberror %u (%s)", run.internal.suberror, SuberrorName(run.internal.suberror));
  // An emulation failure carries flags in data[0] and, with the flag, the instruction's bytes
  // in place of data[1] and data[2] (KVM's struct emulation_failure overlay). A data[0] with
  // other bits is not that layout (minikvm's shadow MMU puts RIP there): all words are printed.
  constexpr uint64_t kKnownFlags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
  uint32_t first = 0;
  if (run.internal.suberror == KVM_INTERNAL_ERROR_EMULATION && run.internal.ndata >= 1 &&
      (run.emulation_failure.flags & ~kKnownFlags) == 0) {
    first = 1;
    const auto& ef = run.emulation_failure;
    if ((ef.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
        run.internal.ndata >= 3) {
      first = 3;
      unsigned n = ef.insn_size < sizeof(ef.insn_bytes) ? ef.insn_size : sizeof(ef.insn_bytes);
      s += ", instruction";
      for (unsigned i = 0; i < n; i++) {
        s += Format(" %02x", ef.insn_bytes[i]);
      }
      if (n == 0) {
        s += " (no bytes)";
      }
    } else {
      s += ", instruction bytes not fetched";
    }
  }
  std::string data = DataWords(run, first);
  if (!data.empty()) {
    s += ", data" + data;
  }
  return s;
}

std::vector<std::string> DescribeRegisters(const kvm_regs& r, const kvm_sregs& s) {
  std::vector<std::string> lines;
  lines.push_back(Format("rip %016llx rflags %08llx cpl %u", r.rip, r.rflags, s.ss.dpl));
  lines.push_back(
      Format("rax %016llx rbx %016llx rcx %016llx rdx %016llx", r.rax, r.rbx, r.rcx, r.rdx));
  lines.push_back(
      Format("rsi %016llx rdi %016llx rbp %016llx rsp %016llx", r.rsi, r.rdi, r.rbp, r.rsp));
  lines.push_back(
      Format("r8  %016llx r9  %016llx r10 %016llx r11 %016llx", r.r8, r.r9, r.r10, r.r11));
  lines.push_back(
      Format("r12 %016llx r13 %016llx r14 %016llx r15 %016llx", r.r12, r.r13, r.r14, r.r15));
  lines.push_back(
      Format("cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx", s.cr0, s.cr2, s.cr3, s.cr4));
  lines.push_back(Format("cr8 %llx efer %llx apic_base %llx", s.cr8, s.efer, s.apic_base));
  lines.push_back(Segment("cs", s.cs));
  lines.push_back(Segment("ss", s.ss));
  lines.push_back(Segment("ds", s.ds));
  lines.push_back(Segment("es", s.es));
  lines.push_back(Segment("fs", s.fs));
  lines.push_back(Segment("gs", s.gs));
  lines.push_back(Segment("tr", s.tr));
  lines.push_back(
      Format("gdt %016llx/%x idt %016llx/%x", s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit));
  return lines;
}

}  // namespace vmm
