// SPDX-License-Identifier: GPL-2.0
#include "src/vmm/machine.h"

#include <linux/minikvm.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <thread>

#include "src/base/file.h"
#include "src/base/log.h"
#include "src/base/mutex_lock.h"
#include "src/kvm/cpuid_policy.h"
#include "src/loader/boot_layout.h"
#include "src/loader/kernel_cmdline.h"
#include "src/loader/kernel_loader.h"
#include "src/loader/long_mode_entry.h"
#include "src/loader/mp_table.h"
#include "src/machine/device_registry.h"
#include "src/vmm/vcpu_runner.h"

namespace vmm {
namespace {

// KVM_SET_TSS_ADDR (needed by VMX for real mode): three pages in the MMIO hole below 4 GiB.
constexpr uint64_t kTssAddress = 0xfffbd000;

Error Unsupported(const std::string& what) {
  return Error(ENOTSUP, what);
}

}  // namespace

Result<std::unique_ptr<Machine>> Machine::Create(const Options& options) {
  std::unique_ptr<Machine> m(new Machine(options));
  Status s = m->Build();
  if (!s.ok()) {
    return s.error();
  }
  return m;
}

Machine::~Machine() = default;

Status Machine::OpenDevice() {
  auto device = KvmDevice::Open(options_.device);
  if (!device.ok()) {
    if (device.error().code() == ENOENT) {
      return Error(ENOENT, options_.device + " does not exist (is the module loaded?)");
    }
    return device.error();
  }
  device_ = std::make_unique<KvmDevice>(std::move(device).value());
  if (device_->CheckExtension(KVM_CAP_USER_MEMORY) <= 0) {
    return Unsupported(options_.device + " has no KVM_CAP_USER_MEMORY");
  }
  if (device_->CheckExtension(KVM_CAP_IMMEDIATE_EXIT) <= 0) {
    return Unsupported(options_.device + " has no KVM_CAP_IMMEDIATE_EXIT (needed to kick vCPUs)");
  }
  return CreateVm();
}

// The VM, with the MMU --mmu asks for. minikvm offers the choice per VM (MINIKVM_CAP_SHADOW_MMU:
// KVM_CREATE_VM of type MINIKVM_X86_SHADOW_MMU_VM, and the VM fd's answer to the capability
// says which MMU a VM got); stock KVM chooses for all VMs when kvm_amd loads (npt=).
Status Machine::CreateVm() {
  const bool choice = device_->CheckExtension(MINIKVM_CAP_SHADOW_MMU) > 0;
  const bool shadow = options_.mmu == Options::MmuMode::kShadow;
  if (options_.mmu != Options::MmuMode::kDefault && !choice) {
    return Unsupported(std::string("--mmu ") + (shadow ? "shadow" : "tdp") + ": " +
                       options_.device +
                       " offers no per-VM MMU choice (MINIKVM_CAP_SHADOW_MMU); stock KVM's MMU "
                       "is chosen when kvm_amd loads (npt=0: shadow paging)");
  }
  auto vm = KvmVm::Create(*device_, shadow ? MINIKVM_X86_SHADOW_MMU_VM : 0);
  if (!vm.ok()) {
    return vm.error();
  }
  vm_ = std::make_unique<KvmVm>(std::move(vm).value());
  if (!choice) {
    return Ok();
  }
  // A VM of type 0 runs on the shadow MMU anyway when the CPU has no nested paging.
  const bool got_shadow = vm_->CheckExtension(MINIKVM_CAP_SHADOW_MMU) > 0;
  if (options_.mmu == Options::MmuMode::kTdp && got_shadow) {
    return Unsupported("--mmu tdp: " + options_.device +
                       " runs this VM on its shadow MMU (the CPU has no nested paging)");
  }
  mmu_name_ = got_shadow ? "shadow MMU" : "TDP MMU";
  return Ok();
}

Status Machine::SetUpMemory() {
  auto memory = GuestMemory::Create(options_.memory_mib << 20);
  if (!memory.ok()) {
    return memory.error();
  }
  memory_ = std::make_unique<GuestMemory>(std::move(memory).value());
  uint32_t slot = 0;
  for (const GuestMemory::Region& r : memory_->regions()) {
    VMM_TRY(vm_->SetUserMemoryRegion(slot++, r.guest_phys, r.size, r.host));
  }
  if (vm_->CheckExtension(KVM_CAP_SET_TSS_ADDR) > 0) {
    VMM_TRY(vm_->SetTssAddr(kTssAddress));
  }
  return Ok();
}

Status Machine::SetUpInterruptController() {
  bool has_irqchip = vm_->CheckExtension(KVM_CAP_IRQCHIP) > 0;
  switch (options_.irqchip) {
    case Options::IrqchipMode::kAuto:
      kernel_irqchip_ = has_irqchip;
      break;
    case Options::IrqchipMode::kKernel:
      if (!has_irqchip) {
        return Unsupported("--irqchip kernel: " + options_.device +
                           " has no in-kernel irqchip (KVM_CAP_IRQCHIP)");
      }
      kernel_irqchip_ = true;
      break;
    case Options::IrqchipMode::kUser:
      kernel_irqchip_ = false;
      break;
  }
  if (options_.cpus > 1 && !kernel_irqchip_) {
    return Unsupported("--cpus " + std::to_string(options_.cpus) +
                       " needs the in-kernel irqchip (local APICs to start the other CPUs); " +
                       options_.device +
                       (has_irqchip ? " has one: drop --irqchip user" : " has no KVM_CAP_IRQCHIP"));
  }
  if (kernel_irqchip_) {
    VMM_TRY(vm_->CreateIrqchip());
    // The in-kernel PIT where there is one; else the userspace PIT drives GSI 0.
    kernel_pit_ = vm_->CheckExtension(KVM_CAP_PIT2) > 0;
    if (kernel_pit_) {
      VMM_TRY(vm_->CreatePit2());
    }
  }
  return Ok();
}

Status Machine::CreateVcpus() {
  for (unsigned i = 0; i < options_.cpus; i++) {
    auto vcpu = KvmVcpu::Create(*vm_, *device_, i);
    if (!vcpu.ok()) {
      return vcpu.error();
    }
    vcpus_.push_back(std::make_unique<KvmVcpu>(std::move(vcpu).value()));
    wakers_.push_back(std::make_unique<VcpuWaker>(vcpus_.back().get()));
  }
  if (kernel_irqchip_) {
    kernel_irq_chip_ = std::make_unique<KernelIrqChip>(vm_.get());
    irq_chip_ = kernel_irq_chip_.get();
  } else {
    // The PIC's INTR output goes to the boot vCPU.
    pic_ = std::make_unique<PicPair>(wakers_[0].get());
    VMM_TRY(pic_->RegisterPorts(pio_));
    irq_chip_ = pic_.get();
  }
  return Ok();
}

Status Machine::CreateDevices() {
  console_ = std::make_unique<Console>(&clock_, this, loop_.get(), options_.marker);
  DeviceContext context{pio_,  mmio_,     *irq_chip_, clock_,      *loop_,
                        *this, *console_, nullptr,    kernel_pit_, memory_->size()};
  VMM_TRY(DeviceRegistry::CreateAll(context, devices_));
  console_receiver_ = context.console_receiver;
  return Ok();
}

Status Machine::SetUpCpuid(bool required) {
  if (device_->CheckExtension(KVM_CAP_EXT_CPUID) <= 0) {
    if (required) {
      return Unsupported(options_.device +
                         " has no KVM_CAP_EXT_CPUID (KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2): "
                         "Linux cannot run with an empty CPUID");
    }
    LogInfo("note: %s has no KVM_CAP_EXT_CPUID; the guest sees an empty CPUID",
            options_.device.c_str());
    return Ok();
  }
  auto supported = device_->SupportedCpuid();
  if (!supported.ok()) {
    return supported.error();
  }
  for (auto& vcpu : vcpus_) {
    CpuidPolicy::Config config;
    config.vcpu_id = static_cast<unsigned>(vcpu->id());
    config.num_vcpus = options_.cpus;
    config.local_apic = kernel_irqchip_;
    VMM_TRY(vcpu->SetCpuid(CpuidPolicy::Apply(*supported, config)));
  }
  return Ok();
}

std::string Machine::LinuxCmdline(const std::string& cmdline) {
  // Linux cannot calibrate the TSC against the PIT when every PIT read is a VM exit (it
  // gives up and marks the TSC unstable); the device knows the frequency.
  if (device_->CheckExtension(KVM_CAP_GET_TSC_KHZ) > 0) {
    auto khz = vcpus_[0]->GetTscKhz();
    if (khz.ok()) {
      return KernelCmdline::AddParam(cmdline, "tsc_early_khz=" + std::to_string(*khz));
    }
  }
  return cmdline;
}

Status Machine::LoadGuest() {
  auto kernel = ReadFile(options_.kernel);
  if (!kernel.ok()) {
    return kernel.error();
  }
  std::vector<uint8_t> initrd;
  if (!options_.initrd.empty()) {
    auto r = ReadFile(options_.initrd);
    if (!r.ok()) {
      return r.error();
    }
    initrd = std::move(r).value();
  }
  std::string cmdline = options_.KernelCmdline();
  if (KernelLoader::Detect(*kernel) != KernelLoader::Format::kFlat) {
    cmdline = LinuxCmdline(cmdline);
  }
  KernelLoader::Image image{*kernel, initrd, cmdline};
  auto loaded = KernelLoader::Load(*memory_, image);
  if (!loaded.ok()) {
    return Error(loaded.error().code(), options_.kernel + ": " + loaded.error().what());
  }
  VMM_TRY(LongModeEntry::WriteTables(*memory_));
  if (kernel_irqchip_) {
    auto table = MpTable::Build(static_cast<uint32_t>(boot_layout::kBiosArea), options_.cpus);
    VMM_TRY(memory_->Write(boot_layout::kBiosArea, table));
  }
  VMM_TRY(SetUpCpuid(loaded->format != KernelLoader::Format::kFlat));

  KvmVcpu& bsp = *vcpus_[0];
  auto sregs = bsp.GetSregs();
  if (!sregs.ok()) {
    return sregs.error();
  }
  LongModeEntry::SetSregs(*sregs);
  if (!kernel_irqchip_) {
    // No local APIC: disable it globally (IA32_APIC_BASE.EN = 0). KVM derives CPUID's APIC bit
    // from it, and Linux then runs in PIC mode instead of probing an APIC that is not there.
    sregs->apic_base = 0;
  }
  VMM_TRY(bsp.SetSregs(*sregs));
  VMM_TRY(bsp.SetRegs(LongModeEntry::Regs(loaded->entry, loaded->boot_params)));
  LogInfo("%s: %lu MiB, %u vCPU%s%s%s, %s, %s at %#lx", options_.device.c_str(),
          static_cast<unsigned long>(options_.memory_mib), options_.cpus,
          options_.cpus == 1 ? "" : "s", mmu_name_.empty() ? "" : ", ", mmu_name_.c_str(),
          !kernel_irqchip_ ? "userspace PIC+PIT (KVM_INTERRUPT)"
          : kernel_pit_    ? "in-kernel irqchip"
                           : "in-kernel irqchip, userspace PIT",
          KernelLoader::FormatName(loaded->format), static_cast<unsigned long>(loaded->entry));
  return Ok();
}

Status Machine::Build() {
  auto loop = EventLoop::Create();
  if (!loop.ok()) {
    return loop.error();
  }
  loop_ = std::move(loop).value();
  VMM_TRY(OpenDevice());
  VMM_TRY(SetUpMemory());
  VMM_TRY(SetUpInterruptController());
  VMM_TRY(CreateVcpus());
  VMM_TRY(CreateDevices());
  VMM_TRY(LoadGuest());
  return Ok();
}

void Machine::RequestStop(StopReason reason, int detail) {
  {
    MutexLock lock(stop_mu_);
    if (stop_requested_) {
      return;
    }
    stop_requested_ = true;
    stop_reason_ = reason;
    stop_detail_ = detail;
    stopping_.store(true, std::memory_order_release);
  }
  for (auto& waker : wakers_) {
    waker->Kick();
  }
  loop_->Quit();
}

Status Machine::StartSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  signal_fd_.Reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd_.valid()) {
    return Error::FromErrno("signalfd");
  }
  return loop_->AddReader(signal_fd_.get(), [this] {
    signalfd_siginfo info;
    if (read(signal_fd_.get(), &info, sizeof(info)) == sizeof(info)) {
      LogInfo("signal %u: stopping the guest", info.ssi_signo);
      RequestStop(StopReason::kSignal, static_cast<int>(info.ssi_signo));
    }
  });
}

Status Machine::StartHostInputs(bool raw_terminal) {
  // The main thread (and every vCPU thread, which inherits the mask) takes the termination
  // signals through the signalfd; vCPU threads unblock only the kick signal.
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGHUP);
  sigaddset(&blocked, VcpuWaker::kKickSignal);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
  signal(SIGPIPE, SIG_IGN);
  VcpuWaker::InstallKickHandler();

  VMM_TRY(StartSignals());
  VMM_TRY(console_->StartInput(console_receiver_, raw_terminal));
  if (options_.timeout_s != 0) {
    timeout_ = loop_->CreateTimer([this] {
      LogInfo("timeout after %u s", options_.timeout_s);
      RequestStop(StopReason::kTimeout, 0);
    });
    timeout_->ArmAt(clock_.NowNs() + uint64_t{options_.timeout_s} * 1'000'000'000);
  }
  return Ok();
}

std::vector<std::thread> Machine::StartVcpus() {
  std::vector<std::thread> threads;
  for (size_t i = 0; i < vcpus_.size(); i++) {
    // The userspace PIC's INTR goes to the boot vCPU, which also times the marker.
    VcpuRunner::Env env{&pio_, &mmio_, this, &stopping_, i == 0 ? pic_.get() : nullptr, {}};
    if (i == 0) {
      env.on_first_run = [this] { console_->SetStartTime(clock_.NowNs()); };
    }
    runners_.push_back(std::make_unique<VcpuRunner>(vcpus_[i].get(), wakers_[i].get(), env));
    VcpuRunner* runner = runners_.back().get();
    threads.emplace_back([runner] {
      sigset_t kick;
      sigemptyset(&kick);
      sigaddset(&kick, VcpuWaker::kKickSignal);
      pthread_sigmask(SIG_UNBLOCK, &kick, nullptr);
      runner->Run();
    });
  }
  return threads;
}

// A guest that ran into --timeout is stuck somewhere: say where each vCPU was.
void Machine::DumpStuckVcpus() {
  {
    MutexLock lock(stop_mu_);
    if (stop_reason_ != StopReason::kTimeout) {
      return;
    }
  }
  for (size_t i = 0; i < runners_.size(); i++) {
    LogError("vCPU %zu at the timeout:", i);
    runners_[i]->DumpState();
  }
}

int Machine::Report() {
  MutexLock lock(stop_mu_);
  if (!options_.marker.empty()) {
    uint64_t ns = console_->MarkerTime();
    if (ns != 0) {
      LogInfo("marker \"%s\" after %lu ns", options_.marker.c_str(),
              static_cast<unsigned long>(ns));
    } else {
      LogInfo("marker \"%s\" not seen", options_.marker.c_str());
    }
  }
  int status = ExitStatusFor(stop_reason_, stop_detail_);
  if (stop_reason_ == StopReason::kPowerOff) {
    LogInfo("guest powered off (status %d)", stop_detail_);
  } else {
    LogInfo("guest stopped: %s (exit status %d)", StopReasonName(stop_reason_), status);
  }
  return status;
}

int Machine::Run(bool raw_terminal) {
  Status s = StartHostInputs(raw_terminal);
  if (!s.ok()) {
    LogError("%s", s.error().Describe().c_str());
    return ExitStatusFor(StopReason::kSetupError, 0);
  }
  std::vector<std::thread> threads = StartVcpus();
  Status loop_status = loop_->Run();
  if (!loop_status.ok()) {
    LogError("%s", loop_status.error().Describe().c_str());
    RequestStop(StopReason::kSetupError, 0);
  }
  for (auto& t : threads) {
    t.join();
  }
  console_->Flush();
  DumpStuckVcpus();
  return Report();
}

}  // namespace vmm
