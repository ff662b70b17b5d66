// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O: INS and OUTS, entered from the I/O intercept.
 *
 * The exits follow KVM's, so that a VMM sees the same KVM_EXIT_IO:
 *
 * - OUTS: every element is its own exit (count 1, the element in the PIO
 *   page).  The iteration is committed before the exit (rSI and rCX
 *   stepped, RIP past the instruction after the last element), so the
 *   next KVM_RUN just enters the guest, which runs the instruction again
 *   for the next element.
 * - INS: one exit asks for a batch, count = the smallest of the elements
 *   left (1 without REP), the bytes from rDI to the end of its page (to
 *   its start with DF set; in bytes, not elements, as KVM counts), and
 *   what fits in EMUL_PIO_BUF bytes; at least 1.  The next KVM_RUN
 *   copies the data once out of the PIO page and stores it, one element
 *   per pass, at ES:rDI; when the batch is used up the guest runs the
 *   instruction again for the next one.  If userspace changed rCX
 *   meanwhile, the batch is sized again from the new count (the bytes
 *   userspace did not supply are zeroes), as KVM does: the count is not
 *   userspace's to change, but it must not break anything.
 *
 * In-kernel port devices (the PIC) are not offered string I/O: userspace
 * gets it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/string.h>
#include <asm/page.h>
#include <asm/processor-flags.h>

#include "../x86.h"
#include "emul.h"

/* 1, 2 or 4: the decoder drops REX.W for OPF_PORT entries. */
static unsigned int element_bytes(const struct minikvm_insn *insn)
{
	return insn_dst_bytes(insn);
}

static u16 port_of(const u64 *regs)
{
	return regs[MINIKVM_REG_RDX];
}

/* How many elements the next INS exit asks for (see above). */
static unsigned int batch_size(const struct minikvm_insn *insn,
			       const u64 *regs, u64 rflags)
{
	unsigned int size = element_bytes(insn), in_page, n;
	u64 ad_mask = insn->ad_bytes == 8 ? ~0ULL :
					    BIT_ULL(8 * insn->ad_bytes) - 1;
	u64 count = insn->rep ? regs[MINIKVM_REG_RCX] & ad_mask : 1;
	u64 rdi = regs[MINIKVM_REG_RDI];

	if (rflags & X86_EFLAGS_DF)
		in_page = offset_in_page(rdi);
	else
		in_page = PAGE_SIZE - offset_in_page(rdi);
	n = min3((u64)in_page, (u64)(EMUL_PIO_BUF / size), count);
	return n ? n : 1;
}

static void fill_io_exit(struct minikvm_vcpu *vcpu, bool in, u16 port,
			 unsigned int size, unsigned int count)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	vcpu->stat.io_exits++;
}

/**
 * emul_pio_in_start - INS found no port data left: ask userspace for the
 * next batch.
 * @c: the pass; nothing of it is committed.
 *
 * Return: EMUL_PIO_NEEDED, with KVM_EXIT_IO filled in.
 */
int emul_pio_in_start(struct emul_ctxt *c)
{
	struct minikvm_emulator *em = c->em;
	unsigned int size = element_bytes(&c->insn);
	unsigned int n = batch_size(&c->insn, c->regs, c->rflags);

	em->pio_count = n;
	em->io_state = EMUL_IO_PIO_IN;
	memset(c->vcpu->pio_data, 0, n * size);
	fill_io_exit(c->vcpu, true, port_of(c->regs), size, n);
	return EMUL_PIO_NEEDED;
}

/**
 * emul_pio_in_refill - take userspace's data for INS, at the KVM_RUN after
 * the exit.
 * @c: the emulator's pass context, with the CPU snapshot taken; the
 *	vCPU's registers are as userspace left them.
 */
void emul_pio_in_refill(struct emul_ctxt *c)
{
	struct minikvm_vcpu *vcpu = c->vcpu;
	struct minikvm_emulator *em = c->em;
	unsigned int size = element_bytes(&em->insn);
	unsigned int given = em->pio_count * size, want;

	want = batch_size(&em->insn, vcpu->regs, vcpu->rflags) * size;
	/* Userspace may still write the page: it is read once, here. */
	memcpy(em->pio_data, vcpu->pio_data, min(given, want));
	if (want > given)
		memset(em->pio_data + given, 0, want - given);
	em->pio_pos = 0;
	em->pio_end = want;
}

/**
 * emul_pio_out - OUTS: send the committed iteration's element to userspace.
 * @c: the pass, committed.
 *
 * Return: MINIKVM_EXIT_USERSPACE, with KVM_EXIT_IO filled in.
 */
int emul_pio_out(struct emul_ctxt *c)
{
	unsigned int size = element_bytes(&c->insn);

	memcpy(c->vcpu->pio_data, &c->pio_val, size);
	fill_io_exit(c->vcpu, false, port_of(c->regs), size, 1);
	return MINIKVM_EXIT_USERSPACE;
}
