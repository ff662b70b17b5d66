// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side helpers: fatal assertions, time, /proc and /sys readers.
 */
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

void test_assert_fail(const char *file, unsigned int line, const char *expr,
		      const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# ==== Test Assertion Failure ====\n");
	fprintf(stderr, "#   %s:%u: %s\n#   ", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	/* exit(), not abort(): the harness reports a plain test failure. */
	exit(KSFT_FAIL);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

long meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

long read_long_file(const char *path)
{
	char buf[64];
	ssize_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

void *fault_page(void)
{
	void *p = mmap(NULL, PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void *before_fault_page(size_t size)
{
	uint8_t *p = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT(!mprotect(p + PAGE_SIZE, PAGE_SIZE, PROT_NONE),
		    "mprotect: %s", strerror(errno));
	return p + PAGE_SIZE - size;
}

bool slow_kernel(void)
{
	const char *v = getenv("MINIKVM_SLOW_KERNEL");

	return v && *v == '1';
}
