// SPDX-License-Identifier: GPL-2.0
/*
 * Ucall transport over port I/O (see ucall.h for the protocol).
 */
#include "minikvm_util.h"
#include "processor.h"
#include "ucall.h"

/* Guest side. Runs in the guest: no libc, no TLS. */
void ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct ucall uc;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = a3;
	uc.file = 0;
	uc.expr = 0;
	uc.line = 0;
	/* The "memory" clobber makes uc visible before the exit. */
	asm volatile("outl %0, %1"
		     : : "a"((uint32_t)(uintptr_t)&uc), "Nd"((uint16_t)UCALL_PORT)
		     : "memory");
}

void ucall_assert(const char *file, uint64_t line, const char *expr,
		  uint64_t a, uint64_t b)
{
	struct ucall uc;

	uc.cmd = UCALL_ABORT;
	uc.args[0] = a;
	uc.args[1] = b;
	uc.args[2] = 0;
	uc.args[3] = 0;
	uc.file = (uint64_t)(uintptr_t)file;
	uc.expr = (uint64_t)(uintptr_t)expr;
	uc.line = line;
	/* The host must not resume a failed guest; if it does, repeat. */
	for (;;)
		asm volatile("outl %0, %1"
			     : : "a"((uint32_t)(uintptr_t)&uc),
			       "Nd"((uint16_t)UCALL_PORT)
			     : "memory");
}

/* Host side. */
uint64_t get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	struct ucall tmp;
	uint32_t gpa;

	if (!uc)
		uc = &tmp;
	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT)
		return UCALL_NONE;
	TEST_ASSERT(run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 &&
		    run->io.count == 1,
		    "malformed ucall exit: dir %u size %u count %u",
		    run->io.direction, run->io.size, run->io.count);
	memcpy(&gpa, vcpu_io_data(vcpu), sizeof(gpa));
	memcpy(uc, addr_gpa2hva(vcpu->vm, gpa), sizeof(*uc));
	return uc->cmd;
}

static const char *guest_string(struct kvm_vm *vm, uint64_t gva)
{
	const char *s = gva ? addr_gpa2hva_or_null(vm, gva) : NULL;

	return s ? s : "?";
}

void report_guest_failure(struct kvm_vcpu *vcpu, const struct ucall *uc)
{
	if (uc->cmd == UCALL_UNHANDLED)
		TEST_FAIL("vCPU %u: unhandled guest exception vector %llu at rip 0x%llx, error code 0x%llx",
			  vcpu->id, (unsigned long long)uc->args[0],
			  (unsigned long long)uc->args[1],
			  (unsigned long long)uc->args[2]);
	TEST_FAIL("vCPU %u: guest assertion '%s' failed at %s:%llu (values 0x%llx, 0x%llx)",
		  vcpu->id, guest_string(vcpu->vm, uc->expr),
		  guest_string(vcpu->vm, uc->file),
		  (unsigned long long)uc->line,
		  (unsigned long long)uc->args[0],
		  (unsigned long long)uc->args[1]);
}

uint64_t vcpu_run_to_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct ucall tmp;
	uint64_t cmd;

	if (!uc)
		uc = &tmp;
	vcpu_run(vcpu);
	cmd = get_ucall(vcpu, uc);
	switch (cmd) {
	case UCALL_SYNC:
	case UCALL_DONE:
		return cmd;
	case UCALL_ABORT:
	case UCALL_UNHANDLED:
		report_guest_failure(vcpu, uc);
	default:
		TEST_FAIL("vCPU %u: expected a ucall, got exit reason %u (%s)%s",
			  vcpu->id, vcpu->run->exit_reason,
			  exit_reason_str(vcpu->run->exit_reason),
			  vcpu->run->exit_reason == KVM_EXIT_IO ?
			  " on another port" : "");
	}
}

void vcpu_expect_sync(struct kvm_vcpu *vcpu, uint64_t arg)
{
	struct ucall uc;
	uint64_t cmd = vcpu_run_to_ucall(vcpu, &uc);

	TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == arg,
		    "vCPU %u: expected GUEST_SYNC(%llu), got ucall %llu arg %llu",
		    vcpu->id, (unsigned long long)arg,
		    (unsigned long long)cmd, (unsigned long long)uc.args[0]);
}

void vcpu_expect_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	uint64_t cmd = vcpu_run_to_ucall(vcpu, &uc);

	TEST_ASSERT(cmd == UCALL_DONE,
		    "vCPU %u: expected GUEST_DONE(), got ucall %llu arg %llu",
		    vcpu->id, (unsigned long long)cmd,
		    (unsigned long long)uc.args[0]);
}
