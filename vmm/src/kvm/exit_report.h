// SPDX-License-Identifier: GPL-2.0
// What a user needs to see when a vCPU stops on a hypervisor error: the KVM_EXIT_INTERNAL_ERROR
// data decoded (the suberror, the instruction bytes of an emulation failure) and the registers.
// Pure functions of the ABI structs: no ioctls, so they are unit tested without a hypervisor.
#ifndef VMM_SRC_KVM_EXIT_REPORT_H_
#define VMM_SRC_KVM_EXIT_REPORT_H_

#include <linux/kvm.h>

#include <string>
#include <vector>

namespace vmm {

// One line: "suberror 1 (emulation failure), instruction 0f a2, data 0x72 0 0 0 0".
std::string DescribeInternalError(const kvm_run& run);

// A few lines: the general-purpose registers, RIP/RFLAGS, the segments, control registers,
// EFER and the descriptor tables.
std::vector<std::string> DescribeRegisters(const kvm_regs& regs, const kvm_sregs& sregs);

}  // namespace vmm

#endif  // VMM_SRC_KVM_EXIT_REPORT_H_
