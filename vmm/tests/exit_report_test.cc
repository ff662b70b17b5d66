// SPDX-License-Identifier: GPL-2.0
#include "src/kvm/exit_report.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vmm {
namespace {

kvm_run InternalError(uint32_t suberror) {
  kvm_run run;
  memset(&run, 0, sizeof(run));
  run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
  run.internal.suberror = suberror;
  return run;
}

TEST(ExitReport, EmulationFailureShowsInstructionBytesThenTheRest) {
  kvm_run run = InternalError(KVM_INTERNAL_ERROR_EMULATION);
  run.emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
  run.emulation_failure.insn_size = 2;
  run.emulation_failure.insn_bytes[0] = 0x0f;
  run.emulation_failure.insn_bytes[1] = 0xa2;
  run.internal.data[3] = 0x72;  // the exit reason, after flags and the 16 bytes
  run.internal.ndata = 4;
  EXPECT_EQ(DescribeInternalError(run),
            "suberror 1 (emulation failure), instruction 0f a2, data 0x72");
}

TEST(ExitReport, EmulationFailureWithoutBytesSaysSo) {
  kvm_run run = InternalError(KVM_INTERNAL_ERROR_EMULATION);
  run.internal.data[1] = 0x72;
  run.internal.ndata = 3;
  EXPECT_EQ(DescribeInternalError(run),
            "suberror 1 (emulation failure), instruction bytes not fetched, data 0x72 0");
}

TEST(ExitReport, EmulationFailureInAnotherLayoutPrintsEveryDataWord) {
  kvm_run run = InternalError(KVM_INTERNAL_ERROR_EMULATION);
  run.internal.data[0] = 0xffffffff8334e64b;  // a RIP, not flags
  run.internal.data[1] = 0x340c000;
  run.internal.ndata = 2;
  EXPECT_EQ(DescribeInternalError(run),
            "suberror 1 (emulation failure), data 0xffffffff8334e64b 0x340c000");
}

TEST(ExitReport, OtherSuberrorsPrintEveryDataWord) {
  kvm_run run = InternalError(KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
  run.internal.data[0] = 0x400;
  run.internal.data[1] = 7;
  run.internal.ndata = 2;
  EXPECT_EQ(DescribeInternalError(run), "suberror 4 (unexpected exit reason), data 0x400 0x7");
}

TEST(ExitReport, NdataBeyondTheArrayIsClamped) {
  kvm_run run = InternalError(99);
  run.internal.ndata = 1000;
  std::string s = DescribeInternalError(run);
  EXPECT_EQ(s.rfind("suberror 99 (unknown), data 0 0", 0), 0u) << s;
  EXPECT_EQ(s.size(), std::string("suberror 99 (unknown), data").size() + 16 * 2);
}

TEST(ExitReport, RegistersShowEveryGprControlRegisterAndCs) {
  kvm_regs regs{};
  kvm_sregs sregs{};
  regs.rip = 0xffffffff8103f71d;
  regs.r15 = 0x1515;
  sregs.cr3 = 0x9c000;
  sregs.efer = 0xd01;
  sregs.cs.selector = 0x10;
  sregs.cs.l = 1;
  std::string all;
  for (const std::string& line : DescribeRegisters(regs, sregs)) {
    all += line + "\n";
  }
  EXPECT_NE(all.find("rip ffffffff8103f71d"), std::string::npos) << all;
  EXPECT_NE(all.find("r15 0000000000001515"), std::string::npos) << all;
  EXPECT_NE(all.find("cr3 000000000009c000"), std::string::npos) << all;
  EXPECT_NE(all.find("efer d01"), std::string::npos) << all;
  EXPECT_NE(all.find("cs 0010 base 0000000000000000 limit 00000000 type 0 L"), std::string::npos)
      << all;
}

}  // namespace
}  // namespace vmm
