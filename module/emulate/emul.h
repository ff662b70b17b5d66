/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulator's internal interfaces, shared by the files of emulate/.
 *
 * One instruction is emulated in passes.  A pass reads the operands,
 * computes, and queues the memory writes; nothing of the vCPU changes
 * until the pass succeeds, when the registers, RFLAGS and RIP are
 * committed and the writes performed.  A read that must go to userspace
 * (KVM_EXIT_MMIO) ends the pass; when userspace has supplied the data, the
 * pass runs again from the start and every read it already made is served
 * from the read cache, in order.  A REP string instruction runs one pass
 * per iteration.
 *
 * Everything here runs on the vCPU's thread, under vcpu->mutex, in KVM_RUN
 * with preemption and interrupts enabled: it may sleep (guest memory is
 * accessed with copy_{from,to}_user on the memslots' userspace mappings).
 */
#ifndef MINIKVM_MODULE_EMULATE_EMUL_H
#define MINIKVM_MODULE_EMULATE_EMUL_H

#include <linux/kvm.h>
#include <linux/types.h>

#include "../minikvm.h"
#include "decode.h"

enum emul_mode {
	EMUL_MODE_REAL,
	EMUL_MODE_VM86,
	EMUL_MODE_PROT16,
	EMUL_MODE_PROT32,
	EMUL_MODE_PROT64,
};

/* The result of a pass, or of any step of one. */
enum emul_result {
	EMUL_OK,
	EMUL_IO_NEEDED,		/* a read waits for userspace */
	EMUL_EXCEPTION,		/* c->exc is to be injected */
	EMUL_UNHANDLEABLE,	/* not emulated: KVM_EXIT_INTERNAL_ERROR */
	EMUL_RETRY,		/* leave everything, let the guest retry */
	EMUL_PIO_NEEDED,	/* INS: the port's data waits for userspace */
};

/* Access types of the segmentation and paging checks. */
#define EMUL_ACC_WRITE	BIT(0)
#define EMUL_ACC_FETCH	BIT(1)

/* The largest single access: CMPXCHG16B. */
#define EMUL_MAX_ACCESS	16
/* Reads one pass can make (CMPS: two), writes it can queue. */
#define EMUL_MAX_READS	4
/* An access of at most 16 bytes touches at most two pages. */
#define EMUL_MAX_PIECES	2

/* The CPU state a pass reads: taken once per pass from the backend. */
struct emul_cpu {
	struct kvm_sregs sregs;
	enum emul_mode mode;
	u8 cpl;
	u8 code_bytes;
};

enum emul_opnd_kind {
	EOP_NONE,
	EOP_REG,
	EOP_MEM,
	EOP_IMM,
};

/**
 * struct emul_operand - an operand of the instruction being executed.
 * @kind: enum emul_opnd_kind.
 * @bytes: its size: 1, 2, 4 or 8.
 * @reg: EOP_REG: the GPR.
 * @high_byte: EOP_REG: AH, CH, DH or BH (bits 8-15 of @reg).
 * @seg: EOP_MEM: the segment.
 * @ea: EOP_MEM: the effective address (the offset in @seg).
 * @val: the value read (EOP_MEM: unless OPF_MOV), or to be written.
 */
struct emul_operand {
	u8 kind;
	u8 bytes;
	u8 reg;
	bool high_byte;
	u8 seg;
	u64 ea;
	u64 val;
};

/* The exception a pass raised. */
struct emul_exception {
	u8 vector;
	bool has_error_code;
	u32 error_code;
	u64 cr2;		/* #PF only */
};

/**
 * struct emul_piece - one page's part of an access.
 * @gpa: where it starts.
 * @hva: the RAM backing it, 0 for MMIO.
 * @offset: where its bytes are in the access' data.
 * @len: its size.
 * @to_user: MMIO left for userspace: from @gpa/@offset, @len bytes (after
 *	an in-kernel device took the first bytes, these were advanced).
 */
struct emul_piece {
	gpa_t gpa;
	hva_t hva;
	u8 offset;
	u8 len;
	bool to_user;
};

/* A translated access: its data and where each part of it goes. */
struct emul_access {
	u8 data[EMUL_MAX_ACCESS];
	u8 len;
	u8 nr_pieces;
	struct emul_piece pieces[EMUL_MAX_PIECES];
};

/**
 * struct emul_ctxt - the state of one pass.
 * @vcpu: the vCPU.
 * @insn: the instruction (a copy of the emulator's).
 * @cpu: the segment/control register snapshot.
 * @regs: working copy of the GPRs, committed when the pass succeeds.
 * @rflags: working copy of RFLAGS.
 * @next_rip: RIP after the instruction.
 * @done: the instruction completes with this pass (false between the
 *	iterations of a REP string instruction).
 * @dst: the destination operand.
 * @src: the source operand.
 * @exc: the exception, for EMUL_EXCEPTION.
 * @reads_used: reads of this pass served so far (from the cache or not).
 * @write: the pass' memory write, if @has_write.
 * @dst_old: a memory destination's value as read, before the executor.
 * @write_locked: @write is locked (LOCK or XCHG) and must be atomic.
 * @pio_taken: INS: the pass stores the next element of the emulator's
 *	port data (consumed when the pass commits).
 * @pio_out: OUTS: after the commit, @pio_val goes out to the port.
 * @pio_val: the element OUTS writes.
 */
struct emul_ctxt {
	struct minikvm_vcpu *vcpu;
	struct minikvm_emulator *em;
	struct minikvm_insn insn;
	struct emul_cpu cpu;
	u64 regs[MINIKVM_NR_GPRS];
	u64 rflags;
	u64 next_rip;
	bool done;
	struct emul_operand dst;
	struct emul_operand src;
	struct emul_exception exc;
	u8 reads_used;
	bool has_write;
	struct emul_access write;
	u64 dst_old;
	bool write_locked;
	bool pio_taken;
	bool pio_out;
	u32 pio_val;
};

/* A read of an earlier run of the same pass. */
struct emul_cached_read {
	u8 len;
	u8 data[EMUL_MAX_ACCESS];
};

enum emul_io_state {
	EMUL_IO_NONE,
	EMUL_IO_READ,		/* KVM_EXIT_MMIO read out; pass to re-run */
	EMUL_IO_WRITE,		/* KVM_EXIT_MMIO write out */
	EMUL_IO_PIO_IN,		/* KVM_EXIT_IO of INS out; passes to run */
};

/* The most port data one INS exit asks userspace for (KVM's read-ahead). */
#define EMUL_PIO_BUF	1024

/*
 * How an emulation was entered (struct minikvm_emulator @flags).
 * EMUL_F_STRING_IO: from the I/O intercept of INS/OUTS, whose permission
 * checks the CPU made before the intercept; only then are they emulated.
 * EMUL_F_PT_WRITE: for the shadow MMU, a write to a write-protected guest
 * page table; an instruction that cannot be emulated fails back to the
 * caller (which unprotects the table and lets the guest retry) instead of
 * getting #UD or an internal-error exit.
 * EMUL_F_TLB: for the shadow MMU, the intercept of INVLPG or INVPCID; only
 * those (OPF_TLB) are emulated, and anything else fails back to the
 * caller as with EMUL_F_PT_WRITE.
 */
#define EMUL_F_STRING_IO	BIT(0)
#define EMUL_F_PT_WRITE		BIT(1)
#define EMUL_F_TLB		BIT(2)
#define EMUL_F_HAND_BACK	(EMUL_F_PT_WRITE | EMUL_F_TLB)

/**
 * struct minikvm_emulator - a vCPU's emulator, kept across KVM_RUN calls
 * while an MMIO access is out in userspace.
 * @io_state: enum emul_io_state.
 * @io: the access out in userspace: its MMIO pieces are sent in chunks of
 *	at most 8 bytes, one KVM_EXIT_MMIO each.
 * @io_piece: the piece of @io being exchanged.
 * @io_done: the bytes of that piece already exchanged.
 * @insn: the instruction in flight.
 * @fault_gpa: the GPA of the nested page fault that started it, valid if
 *	@has_fault_gpa.
 * @nr_reads: reads in @reads.
 * @fetched: the instruction bytes fetched so far, for failure reports.
 * @flags: EMUL_F_*, for the whole instruction.
 * @pio_count: INS: the elements of the KVM_EXIT_IO out in userspace.
 * @pio_pos: INS: the next byte of @pio_data to store.
 * @pio_end: INS: the end of the elements in @pio_data (0: none).
 * @pio_data: INS: the port's data, copied once from the PIO page.
 * @ctxt: the pass.
 */
struct minikvm_emulator {
	u8 io_state;
	struct emul_access io;
	u8 io_piece;
	u8 io_done;

	struct minikvm_insn insn;
	gpa_t fault_gpa;
	bool has_fault_gpa;
	u8 nr_reads;
	struct emul_cached_read reads[EMUL_MAX_READS];
	u8 nr_fetched;
	u8 fetched[MINIKVM_INSN_MAX];
	u8 flags;

	u16 pio_count;
	u16 pio_pos;
	u16 pio_end;
	u8 pio_data[EMUL_PIO_BUF];

	struct emul_ctxt ctxt;
};

/* emulate.c */
void emul_raise(struct emul_ctxt *c, u8 vector, bool has_error_code,
		u32 error_code);

/* access.c */
bool emul_is_canonical(u64 la);
u64 emul_linear_unchecked(const struct emul_ctxt *c, u8 seg, u64 ea);
int emul_linearize(struct emul_ctxt *c, u8 seg, u64 ea, unsigned int len,
		   unsigned int access, u64 *linear);
int emul_read(struct emul_ctxt *c, u8 seg, u64 ea, void *val,
	      unsigned int len, unsigned int access);
int emul_queue_write(struct emul_ctxt *c, u8 seg, u64 ea, const void *val,
		     unsigned int len);
void emul_cache_read(struct minikvm_emulator *em, const struct emul_access *a);
int emul_fetch(struct emul_ctxt *c, u64 eip, u8 *buf, unsigned int want,
	       unsigned int *got);

/* memory.c: guest RAM through the memslots */
hva_t emul_gpa_to_hva(struct minikvm_vm *vm, gpa_t gpa, bool write);
void emul_mark_gpa_dirty(struct minikvm_vm *vm, gpa_t gpa);
int emul_cmpxchg_guest_u64(hva_t hva, u64 old, u64 new, bool wide);

/* mmio.c */
int emul_mmio_read(struct emul_ctxt *c, struct emul_access *a);
int emul_mmio_write(struct emul_ctxt *c, struct emul_access *a);
bool emul_mmio_advance(struct minikvm_vcpu *vcpu, struct minikvm_emulator *em);
int emul_locked_write(struct emul_ctxt *c);

/* pio.c */
int emul_pio_in_start(struct emul_ctxt *c);
void emul_pio_in_refill(struct emul_ctxt *c);
int emul_pio_out(struct emul_ctxt *c);

/* exec.c */
int emul_execute(struct emul_ctxt *c);

#endif /* MINIKVM_MODULE_EMULATE_EMUL_H */
