/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading KVM_GET_STATS_FD's binary format.
 */
#ifndef SELFTEST_MINIKVM_STATS_H
#define SELFTEST_MINIKVM_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "minikvm_util.h"

/* A stats fd with its header and descriptors read once. */
struct stats {
	int fd;
	struct kvm_stats_header hdr;
	char *id;
	struct kvm_stats_desc *desc;	/* hdr.num_desc of them */
};

/* Each descriptor is followed by its name of hdr.name_size bytes. */
static inline struct kvm_stats_desc *stats_desc(struct stats *s, uint32_t i)
{
	return (struct kvm_stats_desc *)((char *)s->desc +
		i * (sizeof(struct kvm_stats_desc) + s->hdr.name_size));
}

/* Reads the layout of the stats fd @fd; fails the test on error. */
void stats_open(struct stats *s, int fd);
void stats_close(struct stats *s);
/* Reads the first value of the stat @name. Return: false if absent. */
bool stats_read(struct stats *s, const char *name, uint64_t *value);

/* One value of a vCPU's stat. Return: false if the stat does not exist. */
bool vcpu_stat(struct kvm_vcpu *vcpu, const char *name, uint64_t *value);

#endif /* SELFTEST_MINIKVM_STATS_H */
