// SPDX-License-Identifier: GPL-2.0
#include "src/kvm/cpuid_policy.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

kvm_cpuid_entry2 Leaf(uint32_t function, uint32_t index, uint32_t eax, uint32_t ebx, uint32_t ecx,
                      uint32_t edx) {
  kvm_cpuid_entry2 e = {};
  e.function = function;
  e.index = index;
  e.eax = eax;
  e.ebx = ebx;
  e.ecx = ecx;
  e.edx = edx;
  return e;
}

const kvm_cpuid_entry2* Find(const std::vector<kvm_cpuid_entry2>& v, uint32_t function) {
  for (const auto& e : v) {
    if (e.function == function) {
      return &e;
    }
  }
  return nullptr;
}

std::vector<kvm_cpuid_entry2> Supported() {
  return {Leaf(0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65),
          Leaf(1, 0, 0x663, 0x00000800,
               0x80a02201 | CpuidPolicy::kLeaf1EcxX2Apic | CpuidPolicy::kLeaf1EcxTscDeadline,
               0x078bfbff),
          Leaf(0xb, 0, 1, 1, 0x100, 0),
          Leaf(0x40000000, 0, 0x40000001, 0x4b4d564b, 0, 0),
          Leaf(0x40000001, 0, 0x1ff, 0, 0, 0),
          Leaf(0x80000001, 0, 0, 0, 0, 0x2193fbff)};
}

TEST(CpuidPolicy, WithoutLocalApicHidesApicX2ApicAndTscDeadline) {
  auto out = CpuidPolicy::Apply(Supported(), {0, 1, false});
  const auto* l1 = Find(out, 1);
  ASSERT_NE(l1, nullptr);
  EXPECT_EQ(l1->edx & CpuidPolicy::kLeaf1EdxApic, 0u);
  EXPECT_EQ(l1->ecx & CpuidPolicy::kLeaf1EcxX2Apic, 0u);
  EXPECT_EQ(l1->ecx & CpuidPolicy::kLeaf1EcxTscDeadline, 0u);
  EXPECT_EQ(Find(out, 0x80000001)->edx & CpuidPolicy::kExtLeaf1EdxApic, 0u);
}

TEST(CpuidPolicy, WithLocalApicKeepsIt) {
  auto out = CpuidPolicy::Apply(Supported(), {0, 1, true});
  EXPECT_NE(Find(out, 1)->edx & CpuidPolicy::kLeaf1EdxApic, 0u);
  EXPECT_NE(Find(out, 1)->ecx & CpuidPolicy::kLeaf1EcxX2Apic, 0u);
}

TEST(CpuidPolicy, ApicIdAndCpuCountGoIntoLeaf1AndX2ApicLeaf) {
  auto out = CpuidPolicy::Apply(Supported(), {1, 2, true});
  const auto* l1 = Find(out, 1);
  EXPECT_EQ(l1->ebx >> 24, 1u);
  EXPECT_EQ((l1->ebx >> 16) & 0xff, 2u);
  EXPECT_EQ(l1->ebx & 0xffff, 0x0800u);  // brand index / CLFLUSH size kept
  EXPECT_NE(l1->edx & CpuidPolicy::kLeaf1EdxHtt, 0u);
  EXPECT_EQ(Find(out, 0xb)->edx, 1u);
}

TEST(CpuidPolicy, HypervisorLeavesAreDropped) {
  auto out = CpuidPolicy::Apply(Supported(), {0, 1, false});
  EXPECT_EQ(Find(out, 0x40000000), nullptr);
  EXPECT_EQ(Find(out, 0x40000001), nullptr);
  EXPECT_NE(Find(out, 0), nullptr);
}

}  // namespace
}  // namespace vmm
