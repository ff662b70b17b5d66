// SPDX-License-Identifier: GPL-2.0
/*
 * Moving the bytes of a translated access: RAM through the memslots, MMIO
 * to an in-kernel device or out to userspace as KVM_EXIT_MMIO.
 *
 * MMIO goes in chunks of at most 8 bytes (the size of kvm_run's mmio.data),
 * in address order, one exit per chunk, as KVM does: a chunk no in-kernel
 * device takes, and every chunk after it in the same page, goes to
 * userspace.  RAM that cannot be accessed (its userspace mapping went away)
 * is treated as MMIO, also as KVM does.
 *
 * While an exit is out, the access waits in em->io; the next KVM_RUN
 * completes it (minikvm_emulate_complete_mmio() in emulate.c): a read's
 * data is copied in and the next chunk goes out, or, after the last one,
 * the pass runs again; a write just goes on to its next chunk.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/uaccess.h>

#include "../x86.h"
#include "emul.h"
#include "mmio_bus.h"

#define MMIO_CHUNK	8

/* Copy a RAM piece; false if its mapping is gone (then it is MMIO). */
static bool ram_read(struct emul_access *a, struct emul_piece *p)
{
	return p->hva && !copy_from_user(a->data + p->offset,
					 (void __user *)p->hva, p->len);
}

static bool ram_write(struct minikvm_vcpu *vcpu, struct emul_access *a,
		      struct emul_piece *p)
{
	if (!p->hva || copy_to_user((void __user *)p->hva, a->data + p->offset,
				    p->len))
		return false;
	emul_mark_gpa_dirty(vcpu->vm, p->gpa);
	/* A shadowed guest page table: its sptes follow (mmu/shadow_emulate.c). */
	minikvm_mmu_emulated_ram_write(vcpu, p->gpa, p->len);
	return true;
}

/*
 * Offer an MMIO piece to the in-kernel devices, chunk by chunk, and leave
 * in it what they did not take: true if that is nothing.
 */
static bool kernel_mmio(struct minikvm_vcpu *vcpu, struct emul_access *a,
			struct emul_piece *p, bool write)
{
	while (p->len) {
		unsigned int n = min_t(unsigned int, p->len, MMIO_CHUNK);
		u8 *data = a->data + p->offset;
		int r;

		if (write)
			r = minikvm_mmio_bus_write(vcpu, p->gpa, n, data);
		else
			r = minikvm_mmio_bus_read(vcpu, p->gpa, n, data);
		if (r)
			return false;
		p->gpa += n;
		p->offset += n;
		p->len -= n;
	}
	return true;
}

/* Move every piece that can be moved now; true if all could. */
static bool move_pieces(struct minikvm_vcpu *vcpu, struct emul_access *a,
			bool write)
{
	bool done = true;
	unsigned int i;

	for (i = 0; i < a->nr_pieces; i++) {
		struct emul_piece *p = &a->pieces[i];

		if (write ? ram_write(vcpu, a, p) : ram_read(a, p))
			continue;
		p->to_user = !kernel_mmio(vcpu, a, p, write);
		done &= !p->to_user;
	}
	return done;
}

/* The next piece of em->io for userspace, from @from on; false if none. */
static bool next_user_piece(struct minikvm_emulator *em, unsigned int from)
{
	unsigned int i;

	for (i = from; i < em->io.nr_pieces; i++) {
		if (em->io.pieces[i].to_user && em->io.pieces[i].len) {
			em->io_piece = i;
			em->io_done = 0;
			return true;
		}
	}
	return false;
}

/* Fill kvm_run for the current chunk of em->io. */
static void fill_mmio_exit(struct minikvm_vcpu *vcpu,
			   struct minikvm_emulator *em)
{
	const struct emul_piece *p = &em->io.pieces[em->io_piece];
	unsigned int len = min_t(unsigned int, p->len - em->io_done, MMIO_CHUNK);
	struct kvm_run *run = vcpu->run;
	bool write = em->io_state == EMUL_IO_WRITE;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = p->gpa + em->io_done;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, em->io.data + p->offset + em->io_done, len);
}

/**
 * emul_mmio_read - move the data of the read @a, translated in em->io.
 * @c: the pass.
 * @a: the access (c->em->io).
 *
 * Return: EMUL_OK when every byte is in @a's data, or EMUL_IO_NEEDED with
 * the first KVM_EXIT_MMIO filled in.
 */
int emul_mmio_read(struct emul_ctxt *c, struct emul_access *a)
{
	struct minikvm_emulator *em = c->em;

	if (move_pieces(c->vcpu, a, false))
		return EMUL_OK;
	em->io_state = EMUL_IO_READ;
	if (MINIKVM_BUG_ON(!next_user_piece(em, 0), c->vcpu->vm))
		return EMUL_UNHANDLEABLE;
	fill_mmio_exit(c->vcpu, em);
	return EMUL_IO_NEEDED;
}

/**
 * emul_mmio_write - do the pass' queued write, after the commit.
 * @c: the pass.
 * @a: the write (c->write).
 *
 * Return: MINIKVM_EXIT_RESUME when it is done, MINIKVM_EXIT_USERSPACE
 * with the first KVM_EXIT_MMIO filled in.
 */
int emul_mmio_write(struct emul_ctxt *c, struct emul_access *a)
{
	struct minikvm_emulator *em = c->em;

	if (move_pieces(c->vcpu, a, true))
		return MINIKVM_EXIT_RESUME;
	em->io = *a;
	em->io_state = EMUL_IO_WRITE;
	if (MINIKVM_BUG_ON(!next_user_piece(em, 0), c->vcpu->vm))
		return -EIO;
	fill_mmio_exit(c->vcpu, em);
	return MINIKVM_EXIT_USERSPACE;
}

/**
 * emul_mmio_advance - the chunk out in userspace is done; take its data
 * and fill the exit for the next chunk, if any.
 * @vcpu: the vCPU, in KVM_RUN.
 * @em: its emulator, with an exit out.
 *
 * Return: true while chunks are left (an exit is filled in), false when
 * the access is complete (io_state is back to EMUL_IO_NONE).
 */
bool emul_mmio_advance(struct minikvm_vcpu *vcpu, struct minikvm_emulator *em)
{
	const struct emul_piece *p = &em->io.pieces[em->io_piece];
	unsigned int len = min_t(unsigned int, p->len - em->io_done, MMIO_CHUNK);
	u8 data[MMIO_CHUNK];

	if (em->io_state == EMUL_IO_READ) {
		/* Userspace may still be writing the page: read it once. */
		memcpy(data, vcpu->run->mmio.data, len);
		memcpy(em->io.data + p->offset + em->io_done, data, len);
	}
	em->io_done += len;
	if (em->io_done < p->len || next_user_piece(em, em->io_piece + 1)) {
		fill_mmio_exit(vcpu, em);
		return true;
	}
	em->io_state = EMUL_IO_NONE;
	return false;
}

/**
 * emul_locked_write - do a pass' locked write to RAM (EMUL_F_PT_WRITE) as
 * one compare-and-exchange with the value the pass read, before the pass
 * commits.
 * @c: the pass, with c->write all RAM, in one piece.
 *
 * Another vCPU may write the same entry meanwhile (a page table is shared
 * data): the exchange fails then, nothing is committed and the guest runs
 * the instruction again.
 *
 * Return: EMUL_OK when stored, EMUL_RETRY when memory no longer held what
 * the pass read, EMUL_UNHANDLEABLE for a write that is not one naturally
 * aligned 4- or 8-byte exchange of a read operand (CMPXCHG8B/16B, byte and
 * word operands, a split access).
 */
int emul_locked_write(struct emul_ctxt *c)
{
	struct emul_access *a = &c->write;
	struct emul_piece *p = &a->pieces[0];
	u64 new = 0;
	int r;

	if (c->insn.op.exec == EMU_CMPXCHG8B || a->nr_pieces != 1 ||
	    (a->len != 4 && a->len != 8) || !IS_ALIGNED(p->hva, a->len))
		return EMUL_UNHANDLEABLE;
	memcpy(&new, a->data, a->len);
	r = emul_cmpxchg_guest_u64(p->hva, c->dst_old, new, a->len == 8);
	if (r < 0)
		return EMUL_UNHANDLEABLE;
	if (r)
		return EMUL_RETRY;
	emul_mark_gpa_dirty(c->vcpu->vm, p->gpa);
	minikvm_mmu_emulated_ram_write(c->vcpu, p->gpa, p->len);
	return EMUL_OK;
}
