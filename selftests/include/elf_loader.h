/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SELFTEST_MINIKVM_ELF_LOADER_H
#define SELFTEST_MINIKVM_ELF_LOADER_H

#include <stdint.h>

struct kvm_vm;

/* End (exclusive) of the highest PT_LOAD segment of the test binary. */
uint64_t elf_image_end(void);

/* Copies the test binary's PT_LOAD segments to GPA == link address. */
void elf_load_self(struct kvm_vm *vm);

#endif /* SELFTEST_MINIKVM_ELF_LOADER_H */
