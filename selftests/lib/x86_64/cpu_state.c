// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID tables and MSRs through KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2
 * and KVM_GET/SET_MSRS.
 */
#include <stdlib.h>

#include "cpu_state.h"

struct kvm_cpuid2 *cpuid_alloc(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX_CPUID_ENTRIES *
				      sizeof(struct kvm_cpuid_entry2));

	TEST_ASSERT(c, "out of memory");
	c->nent = MAX_CPUID_ENTRIES;
	return c;
}

struct kvm_cpuid2 *kvm_get_supported_cpuid(int sys_fd)
{
	struct kvm_cpuid2 *c = cpuid_alloc();
	int r = ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c);

	TEST_ASSERT(!r, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	return c;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid,
				    uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e->index == index)
			return e;
	}
	return NULL;
}

uint32_t *cpuid_reg(struct kvm_cpuid_entry2 *e, enum cpuid_reg reg)
{
	switch (reg) {
	case CPUID_EAX: return &e->eax;
	case CPUID_EBX: return &e->ebx;
	case CPUID_ECX: return &e->ecx;
	default: return &e->edx;
	}
}

bool cpuid_has(struct kvm_cpuid2 *cpuid, struct cpuid_feature f)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, f.function, f.index);

	return e && (*cpuid_reg(e, f.reg) & (1u << f.bit));
}

void cpuid_set(struct kvm_cpuid2 *cpuid, struct cpuid_feature f, bool on)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, f.function, f.index);

	TEST_ASSERT(e, "no CPUID leaf 0x%x.%u", f.function, f.index);
	if (on)
		*cpuid_reg(e, f.reg) |= 1u << f.bit;
	else
		*cpuid_reg(e, f.reg) &= ~(1u << f.bit);
}

void vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid)
{
	vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid);
}

void vcpu_init_supported_cpuid(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vcpu->vm->sys_fd);

	vcpu_set_cpuid(vcpu, c);
	free(c);
}

bool kvm_cpu_has(struct kvm_vm *vm, struct cpuid_feature f)
{
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vm->sys_fd);
	bool has = cpuid_has(c, f);

	free(c);
	return has;
}

struct one_msr {
	struct kvm_msrs hdr;
	struct kvm_msr_entry entry;
};

int __vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	struct one_msr m = { .hdr.nmsrs = 1, .entry.index = index };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	*value = m.entry.data;
	return r;
}

int __vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct one_msr m = {
		.hdr.nmsrs = 1, .entry.index = index, .entry.data = value,
	};

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

uint64_t vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index)
{
	uint64_t value;
	int r = __vcpu_get_msr(vcpu, index, &value);

	TEST_ASSERT(r == 1, "KVM_GET_MSRS 0x%x: %d (%s)", index, r,
		    r < 0 ? strerror(errno) : "not read");
	return value;
}

void vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value)
{
	int r = __vcpu_set_msr(vcpu, index, value);

	TEST_ASSERT(r == 1, "KVM_SET_MSRS 0x%x = 0x%llx: %d (%s)", index,
		    (unsigned long long)value, r,
		    r < 0 ? strerror(errno) : "refused");
}
