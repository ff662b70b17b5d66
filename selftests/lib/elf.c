// SPDX-License-Identifier: GPL-2.0
/*
 * Loads the running test binary's PT_LOAD segments into guest memory at
 * GPA == link address, so guest code is ordinary C in the test file.
 *
 * The segments come from the file, not from the live process: the guest
 * sees each global's initial value, not whatever the host changed since.
 */
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include "minikvm_util.h"
#include "elf_loader.h"

static void read_exact(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	TEST_ASSERT(n == (ssize_t)len, "short read of /proc/self/exe at %lld",
		    (long long)off);
}

static int open_self(Elf64_Ehdr *eh)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	TEST_ASSERT(fd >= 0, "open /proc/self/exe: %s", strerror(errno));
	read_exact(fd, eh, sizeof(*eh), 0);
	TEST_ASSERT(!memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
		    eh->e_ident[EI_CLASS] == ELFCLASS64 &&
		    eh->e_phentsize == sizeof(Elf64_Phdr),
		    "/proc/self/exe is not a 64-bit ELF");
	TEST_ASSERT(eh->e_type == ET_EXEC,
		    "test binary must be static non-PIE (ET_EXEC), got type %u",
		    eh->e_type);
	return fd;
}

uint64_t elf_image_end(void)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t end = 0;
	int fd = open_self(&eh);
	unsigned int i;

	for (i = 0; i < eh.e_phnum; i++) {
		read_exact(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_vaddr + ph.p_memsz > end)
			end = ph.p_vaddr + ph.p_memsz;
	}
	close(fd);
	return end;
}

void elf_load_self(struct kvm_vm *vm)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open_self(&eh);
	unsigned int i;

	for (i = 0; i < eh.e_phnum; i++) {
		uint8_t *dst;

		read_exact(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		/* Both ends must be in memory: checks the slot covers it. */
		dst = addr_gpa2hva(vm, ph.p_vaddr);
		addr_gpa2hva(vm, ph.p_vaddr + ph.p_memsz - 1);
		read_exact(fd, dst, ph.p_filesz, ph.p_offset);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	close(fd);
}
