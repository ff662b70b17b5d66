// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD: a read-only fd per VM or vCPU in KVM's binary stats
 * format.  The file is, at increasing offsets: struct kvm_stats_header,
 * the id string ("kvm-<pid>" or "kvm-<pid>/vcpu-<id>"), the descriptors
 * (each followed by its name) and the u64 counters.  Everything but the
 * counters is fixed, so a reader reads the header once and then pread()s
 * the data block.
 *
 * The fd holds a reference to the VM; a vCPU lives as long as its VM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "minikvm.h"

/*
 * One descriptor as it appears in the file: struct kvm_stats_desc with its
 * name inline.  (The kernel's own struct has the name inline in 6.12 and
 * as a flexible array in 6.1, so the layout is spelled out here.)
 */
struct stats_desc {
	u32 flags;
	s16 exponent;
	u16 size;
	u32 offset;
	u32 bucket_size;
	char name[MINIKVM_STATS_NAME_SIZE];
};

static_assert(offsetof(struct stats_desc, offset) ==
	      offsetof(struct kvm_stats_desc, offset));
static_assert(offsetof(struct stats_desc, name) ==
	      offsetof(struct kvm_stats_desc, name));

#define STATS_DESC(stype, field) {					\
	.flags = KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE |	\
		 KVM_STATS_BASE_POW10,					\
	.size = 1,							\
	.offset = offsetof(stype, field),				\
	.name = #field,							\
},

#define VM_STATS_DESC(field)	STATS_DESC(struct minikvm_vm_stat, field)
#define VCPU_STATS_DESC(field)	STATS_DESC(struct minikvm_vcpu_stat, field)

static const struct stats_desc vm_stats_desc[] = {
	VM_STATS_DESC(remote_tlb_flush_requests)
	VM_STATS_DESC(vcpus_created)
};

static const struct stats_desc vcpu_stats_desc[] = {
	VCPU_STATS_DESC(exits)
	VCPU_STATS_DESC(io_exits)
	VCPU_STATS_DESC(halt_exits)
	VCPU_STATS_DESC(irq_exits)
	VCPU_STATS_DESC(nmi_exits)
	VCPU_STATS_DESC(signal_exits)
	VCPU_STATS_DESC(request_irq_exits)
	VCPU_STATS_DESC(irq_window_exits)
	VCPU_STATS_DESC(nmi_window_exits)
	VCPU_STATS_DESC(cpuid_exits)
	VCPU_STATS_DESC(msr_exits)
	VCPU_STATS_DESC(msr_user_exits)
	VCPU_STATS_DESC(hypercalls)
	VCPU_STATS_DESC(xsetbv_exits)
	VCPU_STATS_DESC(dr_exits)
	VCPU_STATS_DESC(pf_taken)
	VCPU_STATS_DESC(exceptions_injected)
	VCPU_STATS_DESC(irq_injections)
	VCPU_STATS_DESC(nmi_injections)
	VCPU_STATS_DESC(pf_guest)
	VCPU_STATS_DESC(reinjections)
	VCPU_STATS_DESC(req_event)
	VCPU_STATS_DESC(shutdowns)
	VCPU_STATS_DESC(mmio_exits)
	VCPU_STATS_DESC(insn_emulation)
	VCPU_STATS_DESC(insn_emulation_fail)
};

/* Every counter has exactly one descriptor. */
static_assert(sizeof(struct minikvm_vm_stat) ==
	      ARRAY_SIZE(vm_stats_desc) * sizeof(u64));
static_assert(sizeof(struct minikvm_vcpu_stat) ==
	      ARRAY_SIZE(vcpu_stats_desc) * sizeof(u64));

/* What one fd shows. */
struct stats_source {
	const char *id;
	const struct stats_desc *desc;
	unsigned int num_desc;
	const void *data;
	size_t data_size;
};

static struct kvm_stats_header stats_header(const struct stats_source *s)
{
	u32 desc_offset = sizeof(struct kvm_stats_header) +
			  MINIKVM_STATS_NAME_SIZE;

	return (struct kvm_stats_header) {
		.name_size = MINIKVM_STATS_NAME_SIZE,
		.num_desc = s->num_desc,
		.id_offset = sizeof(struct kvm_stats_header),
		.desc_offset = desc_offset,
		.data_offset = desc_offset + s->num_desc * sizeof(*s->desc),
	};
}

/*
 * Copy what of [@start, @start + @len) in the file lies in *@pos onwards,
 * up to *@remain bytes.  Return: 0 or -EFAULT.
 */
static int copy_part(char __user **dest, loff_t *pos, size_t *remain,
		     const void *src, loff_t start, size_t len)
{
	loff_t end = start + len;
	size_t n;

	if (!*remain || *pos < start || *pos >= end)
		return 0;
	n = min_t(size_t, end - *pos, *remain);
	if (copy_to_user(*dest, (const char *)src + (*pos - start), n))
		return -EFAULT;
	*dest += n;
	*pos += n;
	*remain -= n;
	return 0;
}

static ssize_t stats_read(const struct stats_source *s, char __user *buf,
			  size_t size, loff_t *offset)
{
	struct kvm_stats_header hdr = stats_header(s);
	size_t remain = size;
	loff_t pos = *offset;
	int r;

	if (pos < 0)
		return -EINVAL;
	r = copy_part(&buf, &pos, &remain, &hdr, 0, sizeof(hdr));
	r = r ?: copy_part(&buf, &pos, &remain, s->id, hdr.id_offset,
			   MINIKVM_STATS_NAME_SIZE);
	r = r ?: copy_part(&buf, &pos, &remain, s->desc, hdr.desc_offset,
			   s->num_desc * sizeof(*s->desc));
	r = r ?: copy_part(&buf, &pos, &remain, s->data, hdr.data_offset,
			   s->data_size);
	if (r)
		return r;
	*offset = pos;
	return size - remain;
}

static ssize_t vm_stats_read(struct file *file, char __user *buf, size_t size,
			     loff_t *offset)
{
	struct minikvm_vm *vm = file->private_data;
	struct stats_source s = {
		.id = vm->stats_id, .desc = vm_stats_desc,
		.num_desc = ARRAY_SIZE(vm_stats_desc),
		.data = &vm->stat, .data_size = sizeof(vm->stat),
	};

	return stats_read(&s, buf, size, offset);
}

static ssize_t vcpu_stats_read(struct file *file, char __user *buf,
			       size_t size, loff_t *offset)
{
	struct minikvm_vcpu *vcpu = file->private_data;
	struct stats_source s = {
		.id = vcpu->stats_id, .desc = vcpu_stats_desc,
		.num_desc = ARRAY_SIZE(vcpu_stats_desc),
		.data = &vcpu->stat, .data_size = sizeof(vcpu->stat),
	};

	return stats_read(&s, buf, size, offset);
}

static int vm_stats_release(struct inode *inode, struct file *file)
{
	minikvm_vm_put(file->private_data);
	return 0;
}

static int vcpu_stats_release(struct inode *inode, struct file *file)
{
	struct minikvm_vcpu *vcpu = file->private_data;

	minikvm_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations vm_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= vm_stats_read,
	.release	= vm_stats_release,
	.llseek		= noop_llseek,
};

static const struct file_operations vcpu_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= vcpu_stats_read,
	.release	= vcpu_stats_release,
	.llseek		= noop_llseek,
};

/* A read-only, pread()able fd holding a reference to @vm. */
static int stats_fd(struct minikvm_vm *vm, const char *name,
		    const struct file_operations *fops, void *priv)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile(name, fops, priv, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	minikvm_vm_get(vm);
	file->f_mode |= FMODE_PREAD;
	fd_install(fd, file);
	return fd;
}

/* KVM_GET_STATS_FD on a VM fd.  Return: the new fd or -errno. */
int minikvm_vm_ioctl_get_stats_fd(struct minikvm_vm *vm)
{
	return stats_fd(vm, "minikvm-vm-stats", &vm_stats_fops, vm);
}

/* KVM_GET_STATS_FD on a vCPU fd.  Return: the new fd or -errno. */
int minikvm_vcpu_ioctl_get_stats_fd(struct minikvm_vcpu *vcpu)
{
	return stats_fd(vcpu->vm, "minikvm-vcpu-stats", &vcpu_stats_fops, vcpu);
}
