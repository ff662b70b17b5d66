// SPDX-License-Identifier: GPL-2.0
#include "src/loader/mp_table.h"

#include <cstddef>
#include <cstring>

namespace vmm {
namespace {

// The structures of the MP specification, chapter 4.
struct __attribute__((packed)) FloatingPointer {
  char signature[4];  // "_MP_"
  uint32_t config_table;
  uint8_t length;  // in 16-byte units
  uint8_t spec_rev;
  uint8_t checksum;
  uint8_t features[5];
};

struct __attribute__((packed)) ConfigHeader {
  char signature[4];  // "PCMP"
  uint16_t length;
  uint8_t spec_rev;
  uint8_t checksum;
  char oem_id[8];
  char product_id[12];
  uint32_t oem_table;
  uint16_t oem_table_size;
  uint16_t entry_count;
  uint32_t local_apic;
  uint16_t ext_length;
  uint8_t ext_checksum;
  uint8_t reserved;
};

struct __attribute__((packed)) ProcessorEntry {
  uint8_t type;  // 0
  uint8_t apic_id;
  uint8_t apic_version;
  uint8_t flags;  // bit 0 enabled, bit 1 bootstrap processor
  uint32_t signature;
  uint32_t features;
  uint32_t reserved[2];
};

struct __attribute__((packed)) BusEntry {
  uint8_t type;  // 1
  uint8_t bus_id;
  char bus_type[6];
};

struct __attribute__((packed)) IoApicEntry {
  uint8_t type;  // 2
  uint8_t apic_id;
  uint8_t version;
  uint8_t flags;  // bit 0 enabled
  uint32_t address;
};

struct __attribute__((packed)) InterruptEntry {
  uint8_t type;      // 3 I/O interrupt assignment, 4 local interrupt assignment
  uint8_t irq_type;  // 0 INT, 1 NMI, 3 ExtINT
  uint16_t flags;    // polarity and trigger: 0 = conforms to the bus
  uint8_t src_bus;
  uint8_t src_irq;
  uint8_t dst_apic;
  uint8_t dst_pin;
};

static_assert(sizeof(FloatingPointer) == 16, "MP spec 4.1");
static_assert(sizeof(ConfigHeader) == 44, "MP spec 4.2");
static_assert(sizeof(ProcessorEntry) == 20, "MP spec 4.3.1");
static_assert(sizeof(BusEntry) == 8, "MP spec 4.3.2");
static_assert(sizeof(IoApicEntry) == 8, "MP spec 4.3.3");
static_assert(sizeof(InterruptEntry) == 8, "MP spec 4.3.4");

constexpr uint8_t kSpecRev = 4;  // 1.4
constexpr uint8_t kApicVersion = 0x14;
constexpr uint8_t kIoApicVersion = 0x11;
constexpr uint8_t kIsaBus = 0;
constexpr uint8_t kAllApics = 0xff;
constexpr unsigned kCascadeIrq = 2;

template <typename T>
void Append(std::vector<uint8_t>& out, const T& entry) {
  const auto* p = reinterpret_cast<const uint8_t*>(&entry);
  out.insert(out.end(), p, p + sizeof(T));
}

uint8_t Checksum(const uint8_t* p, size_t n) {
  uint8_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    sum = static_cast<uint8_t>(sum + p[i]);
  }
  return static_cast<uint8_t>(-sum);
}

}  // namespace

std::vector<uint8_t> MpTable::Build(uint32_t address, unsigned num_cpus) {
  std::vector<uint8_t> entries;
  uint16_t count = 0;
  for (unsigned cpu = 0; cpu < num_cpus; cpu++, count++) {
    ProcessorEntry p = {};
    p.type = 0;
    p.apic_id = static_cast<uint8_t>(cpu);
    p.apic_version = kApicVersion;
    p.flags = static_cast<uint8_t>(1 | (cpu == 0 ? 2 : 0));
    p.signature = 0x600;  // family 6, as a hint only
    p.features = 0x201;   // FPU, APIC
    Append(entries, p);
  }
  BusEntry bus = {1, kIsaBus, {'I', 'S', 'A', ' ', ' ', ' '}};
  Append(entries, bus);
  count++;
  const auto ioapic_id = static_cast<uint8_t>(num_cpus);
  IoApicEntry ioapic = {2, ioapic_id, kIoApicVersion, 1, kIoApicAddress};
  Append(entries, ioapic);
  count++;
  for (unsigned irq = 0; irq < 16; irq++) {
    if (irq == kCascadeIrq) {
      continue;
    }
    InterruptEntry e = {
        3, 0, 0, kIsaBus, static_cast<uint8_t>(irq), ioapic_id, static_cast<uint8_t>(irq)};
    Append(entries, e);
    count++;
  }
  // The PIC's output on LINT0 (virtual wire mode), NMI on LINT1.
  InterruptEntry extint = {4, 3, 0, kIsaBus, 0, kAllApics, 0};
  InterruptEntry nmi = {4, 1, 0, kIsaBus, 0, kAllApics, 1};
  Append(entries, extint);
  Append(entries, nmi);
  count += 2;

  ConfigHeader header = {};
  std::memcpy(header.signature, "PCMP", 4);
  header.length = static_cast<uint16_t>(sizeof(ConfigHeader) + entries.size());
  header.spec_rev = kSpecRev;
  std::memcpy(header.oem_id, "MINIKVM ", 8);
  std::memcpy(header.product_id, "MINIKVM-RUN ", 12);
  header.entry_count = count;
  header.local_apic = kLocalApicAddress;

  FloatingPointer fp = {};
  std::memcpy(fp.signature, "_MP_", 4);
  fp.config_table = address + sizeof(FloatingPointer);
  fp.length = 1;
  fp.spec_rev = kSpecRev;
  fp.checksum = Checksum(reinterpret_cast<const uint8_t*>(&fp), sizeof(fp));

  std::vector<uint8_t> out;
  Append(out, fp);
  size_t config_start = out.size();
  Append(out, header);
  out.insert(out.end(), entries.begin(), entries.end());
  out[config_start + offsetof(ConfigHeader, checksum)] =
      Checksum(out.data() + config_start, out.size() - config_start);
  return out;
}

}  // namespace vmm
