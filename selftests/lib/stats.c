// SPDX-License-Identifier: GPL-2.0
/*
 * Reading KVM_GET_STATS_FD's binary format: header, id, descriptors once,
 * then the data block with pread().
 */
#include <stdlib.h>
#include <unistd.h>

#include "stats.h"

static void read_exact(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	TEST_ASSERT(n == (ssize_t)len, "stats fd: read %zd of %zu bytes at %lld: %s",
		    n, len, (long long)off, strerror(errno));
}

void stats_open(struct stats *s, int fd)
{
	size_t desc_size;

	s->fd = fd;
	read_exact(fd, &s->hdr, sizeof(s->hdr), 0);
	TEST_ASSERT(s->hdr.name_size > 0 && s->hdr.name_size < 4096,
		    "stats name size %u", s->hdr.name_size);
	s->id = calloc(1, s->hdr.name_size);
	desc_size = sizeof(struct kvm_stats_desc) + s->hdr.name_size;
	s->desc = calloc(s->hdr.num_desc ? s->hdr.num_desc : 1, desc_size);
	TEST_ASSERT(s->id && s->desc, "out of memory");
	read_exact(fd, s->id, s->hdr.name_size, s->hdr.id_offset);
	if (s->hdr.num_desc)
		read_exact(fd, s->desc, s->hdr.num_desc * desc_size,
			   s->hdr.desc_offset);
}

void stats_close(struct stats *s)
{
	close(s->fd);
	free(s->id);
	free(s->desc);
}

bool stats_read(struct stats *s, const char *name, uint64_t *value)
{
	uint32_t i;

	for (i = 0; i < s->hdr.num_desc; i++) {
		struct kvm_stats_desc *d = stats_desc(s, i);

		if (strcmp(d->name, name))
			continue;
		read_exact(s->fd, value, sizeof(*value),
			   s->hdr.data_offset + d->offset);
		return true;
	}
	return false;
}

bool vcpu_stat(struct kvm_vcpu *vcpu, const char *name, uint64_t *value)
{
	int fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	struct stats s;
	bool found;

	TEST_ASSERT(fd >= 0, "KVM_GET_STATS_FD: %s", strerror(errno));
	stats_open(&s, fd);
	found = stats_read(&s, name, value);
	stats_close(&s);
	return found;
}
