/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ucalls: calls from guest code to the host test, carried by port I/O.
 *
 * The guest fills a struct ucall on its own stack and writes the struct's
 * guest-physical address (identity mapped, always below 4 GiB) with a 32-bit
 * OUT to UCALL_PORT. The host sees KVM_EXIT_IO on that port and reads the
 * struct through the memslot. Strings (file, condition) are pointers into
 * the test binary's .rodata, which is loaded at the same address in guest
 * memory, so the host reads them through the memslot as well.
 */
#ifndef SELFTEST_MINIKVM_UCALL_H
#define SELFTEST_MINIKVM_UCALL_H

#include <stdint.h>

#include "minikvm_util.h"

#define UCALL_PORT	0xe0

enum {
	UCALL_NONE,
	UCALL_SYNC,
	UCALL_DONE,
	UCALL_ABORT,		/* GUEST_ASSERT*() failed */
	UCALL_UNHANDLED,	/* exception with no handler; args: vector, rip, err */
};

#define UCALL_MAX_ARGS 4

struct ucall {
	uint64_t cmd;
	uint64_t args[UCALL_MAX_ARGS];
	uint64_t file;		/* guest address of __FILE__ */
	uint64_t expr;		/* guest address of the failed condition */
	uint64_t line;
};

/* Guest side. */
void ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
__attribute__((noreturn))
void ucall_assert(const char *file, uint64_t line, const char *expr,
		  uint64_t a, uint64_t b);

#define GUEST_SYNC(arg)		ucall(UCALL_SYNC, (arg), 0, 0, 0)
#define GUEST_SYNC2(a, b)	ucall(UCALL_SYNC, (a), (b), 0, 0)
#define GUEST_DONE()		ucall(UCALL_DONE, 0, 0, 0, 0)

#define GUEST_ASSERT(cond)                                                   \
	do {                                                                 \
		if (!(cond))                                                 \
			ucall_assert(__FILE__, __LINE__, #cond, 0, 0);       \
	} while (0)

#define GUEST_ASSERT_EQ(a, b)                                                \
	do {                                                                 \
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);           \
		if (__a != __b)                                              \
			ucall_assert(__FILE__, __LINE__, #a " == " #b,       \
				     __a, __b);                              \
	} while (0)

/* Host side. */

/*
 * Decodes the last exit of @vcpu as a ucall into @uc (may be NULL).
 * Return: the ucall command, or UCALL_NONE if the exit was no ucall.
 */
uint64_t get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);

/* Fails the test with the guest's assertion text. */
__attribute__((noreturn))
void report_guest_failure(struct kvm_vcpu *vcpu, const struct ucall *uc);

/*
 * Runs @vcpu until its next ucall and returns the command. SYNC and DONE
 * are returned; ABORT/UNHANDLED and non-ucall exits fail the test.
 */
uint64_t vcpu_run_to_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);

/* Runs @vcpu expecting GUEST_SYNC(@arg). */
void vcpu_expect_sync(struct kvm_vcpu *vcpu, uint64_t arg);
/* Runs @vcpu expecting GUEST_DONE(). */
void vcpu_expect_done(struct kvm_vcpu *vcpu);

#endif /* SELFTEST_MINIKVM_UCALL_H */
