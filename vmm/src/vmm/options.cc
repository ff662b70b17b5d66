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
  --mmu tdp|shadow     the VM's MMU, when the device offers a per-VM choice
  --irqchip auto|kernel|user
                       interrupt controller: in-kernel (KVM_CREATE_IRQCHIP + PIT) or the
                       userspace 8259 PIC pair + 8254 PIT with KVM_INTERRUPT; auto = kernel
                       when the device has KVM_CAP_IRQCHIP and KVM_CAP_PIT2 (default auto)
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

Result<Options> Options::Parse(int argc, char** argv) {
  Options o;
  o.cmdline = kDefaultCmdline;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      has_inline = true;
    }
    auto need = [&](const char* name) -> Result<std::string> {
      if (has_inline) {
        return value;
      }
      if (i + 1 >= argc) {
        return Error(EINVAL, std::string(name) + " needs an argument");
      }
      return std::string(argv[++i]);
    };
    if (arg == "-h" || arg == "--help") {
      o.help = true;
      return o;
    }
    if (arg == "-v" || arg == "--verbose") {
      o.verbose = true;
      continue;
    }
    static const char* const kWithValue[] = {"--kernel",  "--initrd", "--cmdline", "--append",
                                             "--mem",     "--cpus",   "--device",  "--mmu",
                                             "--irqchip", "--marker", "--timeout"};
    bool known = false;
    for (const char* k : kWithValue) {
      known = known || arg == k;
    }
    if (!known) {
      return Error(EINVAL, "unknown option '" + arg + "'");
    }
    auto v = need(arg.c_str());
    if (!v.ok()) {
      return v.error();
    }
    uint64_t n = 0;
    if (arg == "--kernel") {
      o.kernel = *v;
    } else if (arg == "--initrd") {
      o.initrd = *v;
    } else if (arg == "--cmdline") {
      o.cmdline = *v;
    } else if (arg == "--append") {
      o.append += (o.append.empty() ? "" : " ") + *v;
    } else if (arg == "--mem") {
      if (!ParseUnsigned(v->c_str(), 1u << 20, &n) || n < 16) {
        return Error(EINVAL, "--mem wants MiB, at least 16");
      }
      o.memory_mib = n;
    } else if (arg == "--cpus") {
      if (!ParseUnsigned(v->c_str(), 254, &n) || n == 0) {
        return Error(EINVAL, "--cpus wants 1..254");
      }
      o.cpus = static_cast<unsigned>(n);
    } else if (arg == "--device") {
      o.device = *v;
    } else if (arg == "--mmu") {
      if (*v != "tdp" && *v != "shadow") {
        return Error(EINVAL, "--mmu wants tdp or shadow");
      }
      o.mmu = *v;
    } else if (arg == "--irqchip") {
      if (*v == "auto") {
        o.irqchip = IrqchipMode::kAuto;
      } else if (*v == "kernel") {
        o.irqchip = IrqchipMode::kKernel;
      } else if (*v == "user") {
        o.irqchip = IrqchipMode::kUser;
      } else {
        return Error(EINVAL, "--irqchip wants auto, kernel or user");
      }
    } else if (arg == "--marker") {
      o.marker = *v;
    } else if (arg == "--timeout") {
      if (!ParseUnsigned(v->c_str(), 1u << 30, &n) || n == 0) {
        return Error(EINVAL, "--timeout wants seconds");
      }
      o.timeout_s = static_cast<unsigned>(n);
    }
  }
  if (o.kernel.empty()) {
    return Error(EINVAL, "--kernel is required");
  }
  return o;
}

}  // namespace vmm
