// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD on VMs and vCPUs: KVM's binary stats format (header,
 * id string, descriptors, data), the fd's properties, and counters that
 * count what the guest did.
 *
 * Expected values are KVM's (virt/kvm/binary_stats.c, kvm_main.c); the
 * counters checked are ones KVM has too: exits, io_exits, halt_exits.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "processor.h"
#include "stats.h"
#include "ucall.h"

#define STATS_NAME_SIZE	48	/* KVM_STATS_NAME_SIZE */
#define NR_OUTS		50

static void guest_outs_then_hlt(void)
{
	int i;

	for (i = 0; i < NR_OUTS; i++)
		outb(0xf0, i);
	halt();
	GUEST_DONE();
}

FIXTURE(stats) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(stats)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_outs_then_hlt);
}

FIXTURE_TEARDOWN(stats)
{
	kvm_vm_free(self->vm);
}

static size_t file_size(int fd)
{
	char buf[4096];
	size_t size = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), size)) > 0)
		size += n;
	return size;
}

/* Everything KVM's format promises, for one fd. */
static void check_layout(struct __test_metadata *_metadata, struct stats *s)
{
	size_t desc_size = sizeof(struct kvm_stats_desc) + s->hdr.name_size;
	size_t data_size = file_size(s->fd) - s->hdr.data_offset;
	uint32_t i, j;

	EXPECT_EQ(0, s->hdr.flags);
	EXPECT_EQ(STATS_NAME_SIZE, s->hdr.name_size);
	EXPECT_LT(0, s->hdr.num_desc);
	EXPECT_EQ(sizeof(struct kvm_stats_header), s->hdr.id_offset);
	EXPECT_LE(s->hdr.id_offset + s->hdr.name_size, s->hdr.desc_offset);
	EXPECT_LE(s->hdr.desc_offset + s->hdr.num_desc * desc_size,
		  s->hdr.data_offset);
	EXPECT_NE(NULL, memchr(s->id, 0, s->hdr.name_size));

	for (i = 0; i < s->hdr.num_desc; i++) {
		struct kvm_stats_desc *d = stats_desc(s, i);
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK;

		EXPECT_NE(NULL, memchr(d->name, 0, s->hdr.name_size));
		EXPECT_NE(0, d->name[0]);
		EXPECT_LE(type, KVM_STATS_TYPE_MAX) TH_LOG("%s", d->name);
		EXPECT_LE(d->flags & KVM_STATS_UNIT_MASK, KVM_STATS_UNIT_MAX);
		EXPECT_LE(d->flags & KVM_STATS_BASE_MASK, KVM_STATS_BASE_MAX);
		EXPECT_LE(1, d->size) TH_LOG("%s", d->name);
		EXPECT_LE(d->offset + d->size * sizeof(uint64_t), data_size)
			TH_LOG("%s", d->name);
		for (j = 0; j < i; j++)
			EXPECT_NE(0, strcmp(d->name, stats_desc(s, j)->name));
	}
}

TEST_F(stats, capability_is_advertised)
{
	EXPECT_LT(0, ioctl(self->vm->sys_fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_BINARY_STATS_FD));
}

TEST_F(stats, vm_stats_have_kvms_layout_and_id)
{
	struct stats s;
	char id[STATS_NAME_SIZE];
	int fd = ioctl(self->vm->fd, KVM_GET_STATS_FD, NULL);

	ASSERT_LE(0, fd);
	stats_open(&s, fd);
	check_layout(_metadata, &s);
	snprintf(id, sizeof(id), "kvm-%d", getpid());
	EXPECT_STREQ(id, s.id);
	stats_close(&s);
}

TEST_F(stats, vcpu_stats_have_kvms_layout_and_id)
{
	struct stats s;
	char id[STATS_NAME_SIZE];
	int fd = ioctl(self->vcpu->fd, KVM_GET_STATS_FD, NULL);

	ASSERT_LE(0, fd);
	stats_open(&s, fd);
	check_layout(_metadata, &s);
	snprintf(id, sizeof(id), "kvm-%d/vcpu-0", getpid());
	EXPECT_STREQ(id, s.id);
	stats_close(&s);
}

TEST_F(stats, fd_is_read_only_cloexec_and_preadable)
{
	int fd = ioctl(self->vcpu->fd, KVM_GET_STATS_FD, NULL);
	struct kvm_stats_header hdr, again;
	char byte = 0;

	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_ERRNO(EBADF, (int)write(fd, &byte, 1));
	ASSERT_EQ(sizeof(hdr), read(fd, &hdr, sizeof(hdr)));
	ASSERT_EQ(sizeof(again), pread(fd, &again, sizeof(again), 0));
	EXPECT_EQ(0, memcmp(&hdr, &again, sizeof(hdr)));
	/* Past the end: nothing. */
	EXPECT_EQ(0, pread(fd, &byte, 1, file_size(fd)));
	close(fd);
}

TEST_F(stats, counters_count_the_guests_exits)
{
	uint64_t exits, io, halts;
	int i;

	for (i = 0; i < NR_OUTS; i++) {
		vcpu_run(self->vcpu);
		vcpu_expect_io(self->vcpu, KVM_EXIT_IO_OUT, 0xf0, 1);
	}
	vcpu_run(self->vcpu);
	ASSERT_EQ(KVM_EXIT_HLT, self->vcpu->run->exit_reason);
	ASSERT_TRUE(vcpu_stat(self->vcpu, "exits", &exits));
	ASSERT_TRUE(vcpu_stat(self->vcpu, "io_exits", &io));
	ASSERT_TRUE(vcpu_stat(self->vcpu, "halt_exits", &halts));
	EXPECT_LE(NR_OUTS + 1, exits);
	EXPECT_LE(NR_OUTS, io);
	EXPECT_EQ(1, halts);
}

/* The stats fd keeps the VM alive after its other fds are closed. */
TEST(stats_fd_outlives_the_vm_fds)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_outs_then_hlt);
	int vm_stats = ioctl(vm->fd, KVM_GET_STATS_FD, NULL);
	int vcpu_stats = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	struct stats s;
	uint64_t exits;

	ASSERT_LE(0, vm_stats);
	ASSERT_LE(0, vcpu_stats);
	kvm_vm_free(vm);
	stats_open(&s, vcpu_stats);
	EXPECT_TRUE(stats_read(&s, "exits", &exits));
	stats_close(&s);
	stats_open(&s, vm_stats);
	check_layout(_metadata, &s);
	stats_close(&s);
}

TEST_HARNESS_MAIN
