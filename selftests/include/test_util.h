/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side helpers shared by every minikvm selftest: fatal assertions for
 * library code (which has no kselftest _metadata to report through), time
 * and /proc readers.
 */
#ifndef SELFTEST_MINIKVM_TEST_UTIL_H
#define SELFTEST_MINIKVM_TEST_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define PAGE_SIZE 4096UL
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

__attribute__((noreturn)) void test_assert_fail(const char *file, unsigned int line,
				 const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * TEST_ASSERT() is for library code and helper threads. It prints where and
 * why, then ends the whole test process with KSFT_FAIL, which the harness
 * reports as a failure of the running test case. Test bodies should prefer
 * the harness' ASSERT_*()/EXPECT_*().
 */
#define TEST_ASSERT(cond, fmt, ...)                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			test_assert_fail(__FILE__, __LINE__, #cond, fmt,     \
					 ##__VA_ARGS__);                     \
	} while (0)

#define TEST_FAIL(fmt, ...) \
	test_assert_fail(__FILE__, __LINE__, "failed", fmt, ##__VA_ARGS__)

/*
 * In a kselftest harness test: asserts that @cmd failed with -1 and
 * errno == @expected.
 */
#define EXPECT_ERRNO(expected, cmd)                                          \
	do {                                                                 \
		int __rc = (cmd);                                            \
		ASSERT_EQ(-1, __rc);                                         \
		EXPECT_EQ(expected, errno)                                   \
			TH_LOG("errno %d (%s)", errno, strerror(errno));     \
	} while (0)

/* A page that faults on any access: a certainly-bad user pointer. */
void *fault_page(void);

/*
 * The last @size bytes of a readable page followed by a page that faults:
 * a struct there is readable, an array after it is not.
 */
void *before_fault_page(size_t size);

/* Monotonic time in nanoseconds. */
uint64_t now_ns(void);

/*
 * MINIKVM_SLOW_KERNEL=1 (the debug lane: KASAN, lockdep): tests scale
 * their loops down so that each stays well inside its harness timeout; the
 * lane is there to catch splats and leaks, not to count cycles.
 */
bool slow_kernel(void);

/*
 * Reads one "Key:   value kB" line of /proc/meminfo.
 * Return: the value in kB, or -1 if the key is missing.
 */
long meminfo_kb(const char *key);

/*
 * Reads a small decimal integer from a sysfs-style file.
 * Return: the value, or -1 if the file cannot be read.
 */
long read_long_file(const char *path);

#endif /* SELFTEST_MINIKVM_TEST_UTIL_H */
