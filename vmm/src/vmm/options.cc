// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/options.h"

#include <cstdlib>
#include <cstring>

namespace vmm {
namespace {

bool ParseUnsigned(const char* s, uint64_t max, uint64_t* out) {
  if (s == nullptr || *s == '\0') {
    return false;
  }
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > max || s[0] == '-') {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

const char* Options::Usage() {
  return R"(Usage: minikvm-run --kernel FILE [OPTIONS]

Boots a Linux kernel (bzImage or ELF vmlinux, 64-bit boot protocol) or a flat 64-bit test
binary on /dev/minikvm (or /dev/kvm: the same ABI). The guest's serial console (COM1) is this
program's stdin/stdout; on a terminal, Ctrl-] quits.

Options:
  --kernel FILE        kernel image (required)
  --initrd FILE        initial ramdisk (cpio)
  --cmdline STR        kernel command line (default: see below)
  --append STR         add STR to the kernel command line
  --mem MiB            guest memory (default 256)
  --cpus N             vCPUs, one thread each (default 1; more than 1 needs the in-kernel
                       irqchip)
  --device PATH        /dev/minikvm (default) or /dev/kvm
  --mmu tdp|shadow     the VM's MMU: nested paging (TDP) or shadow page tables; needs a
                       device with a per-VM choice (minikvm: MINIKVM_CAP_SHADOW_MMU), else
                       exit status 70 (default: the device's own choice, TDP where the CPU
                       has nested paging)
  --irqchip auto|kernel|user
                       interrupt controller: in-kernel (KVM_CREATE_IRQCHIP + PIT) or the
                       userspace 8259 PIC pair + 8254 PIT with KVM_INTERRUPT; auto = kernel
                       when the device has KVM_CAP_IRQCHIP (default auto); the PIT is the
                       in-kernel one when the device also has KVM_CAP_PIT2
  --marker STR         report on stderr how long after the first KVM_RUN the guest printed STR
  --timeout SEC        stop the guest after SEC seconds (exit status 68)
  -v, --verbose        debug output (unclaimed port accesses, ...)
  -h, --help           this text

Default command line:
  console=ttyS0 earlyprintk=serial nokaslr acpi=off io_delay=none tsc=reliable
  no_timer_check panic=-1 quiet

Exit status:
  0-63   the guest powered off with this status (the exit port 0xf4: the project's initramfs
         writes its command's status there; "poweroff" in its shell writes 0)
  64     usage error                65  the guest reset itself (reboot, panic)
  66     triple fault               67  halted with interrupts disabled ("halt")
  68     --timeout expired          69  hypervisor error (KVM_RUN failed, entry failure, ...)
  70     the device lacks a feature the guest needs
  71     set-up error (files, memory)
  128+N  signal N (SIGINT, or Ctrl-] on a terminal: 130)
)";
}

std::string Options::KernelCmdline() const {
  std::string c = cmdline;
  if (!append.empty()) {
    c += (c.empty() ? "" : " ") + append;
  }
  return c;
}

Status Options::Set(const std::string& name, const std::string& value) {
  uint64_t n = 0;
  if (name == "--kernel") {
    kernel = value;
  } else if (name == "--initrd") {
    initrd = value;
  } else if (name == "--cmdline") {
    cmdline = value;
  } else if (name == "--append") {
    append += (append.empty() ? "" : " ") + value;
  } else if (name == "--mem") {
    if (!ParseUnsigned(value.c_str(), 1u << 20, &n) || n < 16) {
      return Error(EINVAL, "--mem wants MiB, at least 16");
    }
    memory_mib = n;
  } else if (name == "--cpus") {
    if (!ParseUnsigned(value.c_str(), 254, &n) || n == 0) {
      return Error(EINVAL, "--cpus wants 1..254");
    }
    cpus = static_cast<unsigned>(n);
  } else if (name == "--device") {
    device = value;
  } else if (name == "--mmu") {
    return SetMmu(value);
  } else if (name == "--irqchip") {
    return SetIrqchip(value);
  } else if (name == "--marker") {
    marker = value;
  } else if (name == "--timeout") {
    if (!ParseUnsigned(value.c_str(), 1u << 30, &n) || n == 0) {
      return Error(EINVAL, "--timeout wants seconds");
    }
    timeout_s = static_cast<unsigned>(n);
  } else {
    return Error(EINVAL, "unknown option '" + name + "'");
  }
  return Ok();
}

Status Options::SetIrqchip(const std::string& value) {
  if (value == "auto") {
    irqchip = IrqchipMode::kAuto;
  } else if (value == "kernel") {
    irqchip = IrqchipMode::kKernel;
  } else if (value == "user") {
    irqchip = IrqchipMode::kUser;
  } else {
    return Error(EINVAL, "--irqchip wants auto, kernel or user");
  }
  return Ok();
}

Status Options::SetMmu(const std::string& value) {
  if (value == "tdp") {
    mmu = MmuMode::kTdp;
  } else if (value == "shadow") {
    mmu = MmuMode::kShadow;
  } else {
    return Error(EINVAL, "--mmu wants tdp or shadow");
  }
  return Ok();
}

Result<Options> Options::Parse(int argc, char** argv) {
  Options o;
  o.cmdline = kDefaultCmdline;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      o.help = true;
      return o;
    }
    if (arg == "-v" || arg == "--verbose") {
      o.verbose = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return Error(EINVAL, "unexpected argument '" + arg + "'");
    }
    // Every other option takes a value: --name VALUE or --name=VALUE.
    std::string value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Error(EINVAL, arg + " needs an argument");
    }
    VMM_TRY(o.Set(arg, value));
  }
  if (o.kernel.empty()) {
    return Error(EINVAL, "--kernel is required");
  }
  return o;
}

}  // namespace vmm
