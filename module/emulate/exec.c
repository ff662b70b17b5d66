// SPDX-License-Identifier: GPL-2.0
/*
 * What the emulated instructions do.
 *
 * emul_execute() runs one pass of a decoded instruction in the same steps
 * for all of them: check the prefixes, find the operands, read them
 * (source first, then a destination that is read), run the instruction's
 * function from the exec table, write the destination back, and step the
 * string registers.  An instruction's function only computes; the few that
 * need more (a fixed operand, a register written besides the destination)
 * say so in a prepare hook or do it themselves.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../mmu/mmu.h"
#include "alu.h"
#include "emul.h"

static u64 size_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : BIT_ULL(8 * bytes) - 1;
}

static u64 ad_mask(const struct emul_ctxt *c)
{
	return size_mask(c->insn.ad_bytes);
}

/* Write @val to the low @bytes of @reg as the CPU does: 4 zero-extends. */
static void assign_reg(u64 *reg, u64 val, unsigned int bytes)
{
	if (bytes >= 4)
		*reg = bytes == 4 ? (u32)val : val;
	else
		*reg = (*reg & ~size_mask(bytes)) | (val & size_mask(bytes));
}

static u64 read_reg_operand(const struct emul_ctxt *c,
			    const struct emul_operand *o)
{
	u64 v = c->regs[o->reg];

	return (o->high_byte ? v >> 8 : v) & size_mask(o->bytes);
}

static void write_reg_operand(struct emul_ctxt *c, const struct emul_operand *o)
{
	u64 *reg = &c->regs[o->reg];

	if (o->high_byte)
		*reg = (*reg & ~0xff00ULL) | (o->val & 0xff) << 8;
	else
		assign_reg(reg, o->val, o->bytes);
}

/* Add @delta to @reg as an address-sized register (rSI, rDI, rCX). */
static void add_ad_reg(struct emul_ctxt *c, unsigned int reg, s64 delta)
{
	assign_reg(&c->regs[reg], c->regs[reg] + delta, c->insn.ad_bytes);
}

static void reg_operand(struct emul_ctxt *c, struct emul_operand *o,
			unsigned int reg, unsigned int bytes)
{
	o->kind = EOP_REG;
	o->bytes = bytes;
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	o->high_byte = bytes == 1 && !c->insn.rex && reg >= 4 && reg < 8;
	o->reg = (o->high_byte ? reg - 4 : reg) & (MINIKVM_NR_GPRS - 1);
	o->val = read_reg_operand(c, o);
}

static void mem_operand(struct emul_operand *o, u8 seg, u64 ea,
			unsigned int bytes)
{
	o->kind = EOP_MEM;
	o->bytes = bytes;
	o->seg = seg;
	o->ea = ea;
	o->val = 0;
}

/* base + (index << scale) + disp, truncated to the address size. */
static u64 effective_address(const struct emul_ctxt *c)
{
	const struct minikvm_insn_ea *ea = &c->insn.ea;
	u64 addr = ea->disp;

	if (ea->base == INSN_REG_RIP)
		addr += c->next_rip;
	else if (ea->base >= 0)
		addr += c->regs[ea->base & (MINIKVM_NR_GPRS - 1)];
	if (ea->index >= 0)
		addr += c->regs[ea->index & (MINIKVM_NR_GPRS - 1)] << ea->scale;
	return addr & ad_mask(c);
}

static u8 string_src_seg(const struct minikvm_insn *insn)
{
	return insn->seg_override < MINIKVM_NR_SEGS ? insn->seg_override :
						      MINIKVM_SEG_DS;
}

static int decode_operand(struct emul_ctxt *c, struct emul_operand *o,
			  unsigned int kind, unsigned int bytes)
{
	const struct minikvm_insn *insn = &c->insn;

	switch (kind) {
	case OPND_MEM:
		if (!insn->has_mem) {
			emul_raise(c, X86_TRAP_UD, false, 0);
			return EMUL_EXCEPTION;
		}
		fallthrough;
	case OPND_RM:
		if (!insn->has_mem)
			reg_operand(c, o, insn_modrm_rm(insn), bytes);
		else
			mem_operand(o, insn->ea.seg, effective_address(c), bytes);
		return EMUL_OK;
	case OPND_REG:
		reg_operand(c, o, insn_modrm_reg(insn), bytes);
		return EMUL_OK;
	case OPND_ACC:
		reg_operand(c, o, MINIKVM_REG_RAX, bytes);
		return EMUL_OK;
	case OPND_OPCREG:
		reg_operand(c, o, insn_opcode_reg(insn), bytes);
		return EMUL_OK;
	case OPND_MOFFS:
		mem_operand(o, insn->ea.seg, insn->ea.disp & ad_mask(c), bytes);
		return EMUL_OK;
	case OPND_STR_SRC:
		mem_operand(o, string_src_seg(insn),
			    c->regs[MINIKVM_REG_RSI] & ad_mask(c), bytes);
		return EMUL_OK;
	case OPND_STR_DST:
		mem_operand(o, MINIKVM_SEG_ES,
			    c->regs[MINIKVM_REG_RDI] & ad_mask(c), bytes);
		return EMUL_OK;
	case OPND_IMM:
	case OPND_SREG:
		o->kind = EOP_IMM;
		o->bytes = bytes;
		o->val = insn->imm & size_mask(bytes);
		return EMUL_OK;
	default:
		o->kind = EOP_NONE;
		return EMUL_OK;
	}
}

/*
 * The source is never wider than the destination: that only matters for
 * MOVSXD, which moves 16 bits with a 16-bit operand size.
 */
static unsigned int src_bytes(const struct minikvm_insn *insn)
{
	return min(insn_src_bytes(insn), insn_dst_bytes(insn));
}

static int decode_operands(struct emul_ctxt *c)
{
	const struct minikvm_insn *insn = &c->insn;
	unsigned int dst_bytes = insn_dst_bytes(insn);
	int r;

	if (insn->op.exec == EMU_CMPXCHG8B)
		dst_bytes = insn->rex & REX_W ? 16 : 8;
	r = decode_operand(c, &c->dst, insn->op.dst, dst_bytes);
	if (r)
		return r;
	return decode_operand(c, &c->src, insn->op.src, src_bytes(insn));
}

static int read_mem_operand(struct emul_ctxt *c, struct emul_operand *o,
			    unsigned int access)
{
	u64 val = 0;
	int r;

	r = emul_read(c, o->seg, o->ea, &val, o->bytes, access);
	o->val = val;
	return r;
}

/* Source first, then a destination the instruction reads, as KVM does. */
static int read_operands(struct emul_ctxt *c)
{
	u16 flags = c->insn.op.flags;
	int r;

	if (c->src.kind == EOP_MEM) {
		r = read_mem_operand(c, &c->src, 0);
		if (r)
			return r;
	}
	if (c->dst.kind != EOP_MEM || (flags & OPF_MOV))
		return EMUL_OK;
	r = read_mem_operand(c, &c->dst, flags & OPF_NOWB ? 0 : EMUL_ACC_WRITE);
	c->dst_old = c->dst.val;
	return r;
}

/* ------------------------------------------------------------------ */
/* The instructions                                                    */

static int em_alu(struct emul_ctxt *c)
{
	if (!emul_alu2(c->insn.op.exec, &c->dst.val, c->src.val, c->dst.bytes,
		       &c->rflags))
		return EMUL_UNHANDLEABLE;
	return EMUL_OK;
}

static int em_unary(struct emul_ctxt *c)
{
	if (!emul_alu1(c->insn.op.exec, &c->dst.val, c->dst.bytes, &c->rflags))
		return EMUL_UNHANDLEABLE;
	return EMUL_OK;
}

/* MOV, MOVZX, MOVS, STOS, LODS: the source, zero-extended. */
static int em_mov(struct emul_ctxt *c)
{
	c->dst.val = c->src.val;
	return EMUL_OK;
}

static int em_movsx(struct emul_ctxt *c)
{
	c->dst.val = sign_extend64(c->src.val, 8 * c->src.bytes - 1) &
		     size_mask(c->dst.bytes);
	return EMUL_OK;
}

static int em_xchg(struct emul_ctxt *c)
{
	u64 old = c->dst.val;

	c->dst.val = c->src.val;
	c->src.val = old;
	write_reg_operand(c, &c->src);
	return EMUL_OK;
}

static int em_xadd(struct emul_ctxt *c)
{
	u64 old = c->dst.val;

	if (!emul_alu2(EMU_ADD, &c->dst.val, c->src.val, c->dst.bytes, &c->rflags))
		return EMUL_UNHANDLEABLE;
	c->src.val = old;
	write_reg_operand(c, &c->src);
	return EMUL_OK;
}

/*
 * Compare the accumulator with the destination: equal, store the source;
 * else load the destination into the accumulator.  The destination is
 * written either way (with its own value on a mismatch), as the CPU does.
 */
static int em_cmpxchg(struct emul_ctxt *c)
{
	struct emul_operand acc;

	reg_operand(c, &acc, MINIKVM_REG_RAX, c->dst.bytes);
	if (!emul_alu2(EMU_CMP, &acc.val, c->dst.val, c->dst.bytes, &c->rflags))
		return EMUL_UNHANDLEABLE;
	if (c->rflags & X86_EFLAGS_ZF) {
		c->dst.val = c->src.val;
	} else {
		acc.val = c->dst.val;
		write_reg_operand(c, &acc);
	}
	return EMUL_OK;
}

/* CMPS and SCAS: flags of source minus destination, nothing written. */
static int em_cmps(struct emul_ctxt *c)
{
	u64 src = c->src.val;

	if (!emul_alu2(EMU_CMP, &src, c->dst.val, c->dst.bytes, &c->rflags))
		return EMUL_UNHANDLEABLE;
	return EMUL_OK;
}

/*
 * BT family: a register bit offset into memory selects the operand-sized
 * word it falls in, below or above the address (it is signed); the
 * instruction then works on the offset within that word.
 */
static int prepare_bitop(struct emul_ctxt *c)
{
	unsigned int bits = 8 * c->dst.bytes;
	s64 offset;

	if (c->dst.kind == EOP_MEM && c->src.kind == EOP_REG) {
		offset = sign_extend64(c->src.val, 8 * c->src.bytes - 1);
		c->dst.ea = (c->dst.ea + (offset >> ilog2(bits)) * c->dst.bytes) &
			    ad_mask(c);
	}
	c->src.val &= bits - 1;
	return EMUL_OK;
}

/* MOV Ev, Sreg: a memory destination takes only the 16-bit selector. */
static int prepare_mov_sreg(struct emul_ctxt *c)
{
	static const size_t sel[MINIKVM_NR_SEGS] = {
		offsetof(struct kvm_sregs, es.selector),
		offsetof(struct kvm_sregs, cs.selector),
		offsetof(struct kvm_sregs, ss.selector),
		offsetof(struct kvm_sregs, ds.selector),
		offsetof(struct kvm_sregs, fs.selector),
		offsetof(struct kvm_sregs, gs.selector),
	};
	unsigned int seg = insn_modrm_reg3(&c->insn);

	if (seg >= MINIKVM_NR_SEGS) {
		emul_raise(c, X86_TRAP_UD, false, 0);
		return EMUL_EXCEPTION;
	}
	seg = array_index_nospec(seg, MINIKVM_NR_SEGS);
	c->src.val = *(const u16 *)((const u8 *)&c->cpu.sregs + sel[seg]);
	if (c->dst.kind == EOP_MEM)
		c->dst.bytes = 2;
	return EMUL_OK;
}

/*
 * CMPXCHG8B/16B: EDX:EAX (RDX:RAX) against the 8 (16) bytes in memory;
 * equal: ZF and store ECX:EBX (RCX:RBX); else clear ZF and load them.
 * Reads and writes its operand itself: it is wider than a register.
 */
static int em_cmpxchg8b(struct emul_ctxt *c)
{
	unsigned int half = c->insn.rex & REX_W ? 8 : 4, len = 2 * half;
	u64 mask = size_mask(half), mem[2] = {}, new[2];
	u64 linear;
	int r;

	r = emul_linearize(c, c->dst.seg, c->dst.ea, len, EMUL_ACC_WRITE, &linear);
	if (!r && len == 16 && !IS_ALIGNED(linear, 16)) {
		emul_raise(c, X86_TRAP_GP, true, 0);
		r = EMUL_EXCEPTION;
	}
	if (!r)
		r = emul_read(c, c->dst.seg, c->dst.ea, mem, len, EMUL_ACC_WRITE);
	if (r)
		return r;
	if (half == 4) {
		mem[1] = mem[0] >> 32;
		mem[0] &= mask;
	}
	if (mem[0] == (c->regs[MINIKVM_REG_RAX] & mask) &&
	    mem[1] == (c->regs[MINIKVM_REG_RDX] & mask)) {
		c->rflags |= X86_EFLAGS_ZF;
		new[0] = c->regs[MINIKVM_REG_RBX] & mask;
		new[1] = c->regs[MINIKVM_REG_RCX] & mask;
	} else {
		c->rflags &= ~X86_EFLAGS_ZF;
		assign_reg(&c->regs[MINIKVM_REG_RAX], mem[0], half);
		assign_reg(&c->regs[MINIKVM_REG_RDX], mem[1], half);
		new[0] = mem[0];
		new[1] = mem[1];
	}
	if (half == 4)
		new[0] |= new[1] << 32;
	return emul_queue_write(c, c->dst.seg, c->dst.ea, new, len);
}

/*
 * INS stores the next element of the port data userspace supplied; with
 * none left, it asks for more.  Only the I/O intercept emulates it (the
 * CPU checked IOPL and the TSS bitmap before intercepting).
 */
static int em_ins(struct emul_ctxt *c)
{
	struct minikvm_emulator *em = c->em;

	if (!(em->flags & EMUL_F_STRING_IO))
		return EMUL_UNHANDLEABLE;
	if (em->pio_pos + c->dst.bytes > em->pio_end)
		return emul_pio_in_start(c);
	c->dst.val = 0;
	memcpy(&c->dst.val, em->pio_data + em->pio_pos, c->dst.bytes);
	c->pio_taken = true;
	return EMUL_OK;
}

/* OUTS: the element read from memory goes out once the pass commits. */
static int em_outs(struct emul_ctxt *c)
{
	if (!(c->em->flags & EMUL_F_STRING_IO))
		return EMUL_UNHANDLEABLE;
	c->pio_out = true;
	c->pio_val = c->src.val;
	return EMUL_OK;
}

static int raise_gp(struct emul_ctxt *c)
{
	emul_raise(c, X86_TRAP_GP, true, 0);
	return EMUL_EXCEPTION;
}

/*
 * INVLPG m (0f 01 /7): the shadow MMU drops what it has of the address.
 * The operand is an address, never accessed: no segment check, no fault.
 * A register operand is another 0f 01 instruction, not emulated.
 */
static int em_invlpg(struct emul_ctxt *c)
{
	u64 la;

	if (!c->insn.has_mem)
		return EMUL_UNHANDLEABLE;
	if (c->cpu.cpl)
		return raise_gp(c);
	la = emul_linear_unchecked(c, c->insn.ea.seg, effective_address(c));
	minikvm_mmu_invlpg(c->vcpu, la);
	return EMUL_OK;
}

#define INVPCID_INDIV_ADDR	0
#define INVPCID_SINGLE_CTXT	1
#define INVPCID_MAX_TYPE	3

/*
 * INVPCID r, m128 (66 0f 38 82): the type in the register (64 bits in
 * 64-bit mode, else 32), the descriptor in memory: PCID in bits 11:0
 * (63:12 reserved), a linear address in bits 127:64.  The checks of the
 * SDM: #UD in virtual-8086 mode, #GP(0) at CPL > 0, for a type above 3,
 * for reserved descriptor bits, for a PCID other than 0 with CR4.PCIDE
 * clear (types 0 and 1), and for a non-canonical address (type 0); the
 * type is checked before the descriptor is read, as KVM does.  Then the
 * shadow MMU flushes (every type as a full flush: never less than asked).
 * Without the 66 prefix, with f2/f3 or a register operand it is another
 * (or no) instruction: not emulated.
 */
static int em_invpcid(struct emul_ctxt *c)
{
	const struct minikvm_insn *insn = &c->insn;
	u64 desc[2] = {}, type;
	int r;

	if (!insn->opsize_prefix || insn->rep || !insn->has_mem)
		return EMUL_UNHANDLEABLE;
	if (c->cpu.mode == EMUL_MODE_VM86) {
		emul_raise(c, X86_TRAP_UD, false, 0);
		return EMUL_EXCEPTION;
	}
	if (c->cpu.cpl)
		return raise_gp(c);
	type = c->regs[insn_modrm_reg(insn)];
	if (c->cpu.mode != EMUL_MODE_PROT64)
		type = (u32)type;
	if (type > INVPCID_MAX_TYPE)
		return raise_gp(c);
	r = emul_read(c, insn->ea.seg, effective_address(c), desc, sizeof(desc), 0);
	if (r)
		return r;
	if (desc[0] & ~0xfffULL)
		return raise_gp(c);
	if (type <= INVPCID_SINGLE_CTXT && desc[0] &&
	    !(c->cpu.sregs.cr4 & X86_CR4_PCIDE))
		return raise_gp(c);
	if (type == INVPCID_INDIV_ADDR && !emul_is_canonical(desc[1]))
		return raise_gp(c);
	minikvm_mmu_invpcid(c->vcpu);
	return EMUL_OK;
}

/**
 * struct exec_desc - how to run one enum minikvm_exec.
 * @fn: computes the destination from the operands.
 * @prepare: adjusts the operands before they are read, or NULL.
 * @raw: @fn reads and writes memory itself.
 */
struct exec_desc {
	int (*fn)(struct emul_ctxt *c);
	int (*prepare)(struct emul_ctxt *c);
	bool raw;
};

static const struct exec_desc exec_table[NR_EXECS] = {
	[EMU_ADD ... EMU_TEST]	= { .fn = em_alu },
	[EMU_INC ... EMU_NEG]	= { .fn = em_unary },
	[EMU_MOV]		= { .fn = em_mov },
	[EMU_MOV_SREG]		= { .fn = em_mov, .prepare = prepare_mov_sreg },
	[EMU_MOVZX]		= { .fn = em_mov },
	[EMU_MOVSX]		= { .fn = em_movsx },
	[EMU_XCHG]		= { .fn = em_xchg },
	[EMU_XADD]		= { .fn = em_xadd },
	[EMU_CMPXCHG]		= { .fn = em_cmpxchg },
	[EMU_CMPXCHG8B]		= { .fn = em_cmpxchg8b, .raw = true },
	[EMU_BT ... EMU_BTC]	= { .fn = em_alu, .prepare = prepare_bitop },
	[EMU_MOVS ... EMU_LODS]	= { .fn = em_mov },
	[EMU_CMPS ... EMU_SCAS]	= { .fn = em_cmps },
	[EMU_INS]		= { .fn = em_ins },
	[EMU_OUTS]		= { .fn = em_outs },
	[EMU_INVLPG]		= { .fn = em_invlpg, .raw = true },
	[EMU_INVPCID]		= { .fn = em_invpcid, .raw = true },
};

/* ------------------------------------------------------------------ */
/* The steps around an instruction's function                          */

/* LOCK is #UD unless the instruction allows it and writes memory. */
static int check_lock(struct emul_ctxt *c)
{
	if (!c->insn.lock)
		return EMUL_OK;
	if ((c->insn.op.flags & OPF_LOCK) && c->dst.kind == EOP_MEM)
		return EMUL_OK;
	emul_raise(c, X86_TRAP_UD, false, 0);
	return EMUL_EXCEPTION;
}

static bool is_locked(const struct emul_ctxt *c)
{
	return c->insn.lock ||
	       (c->insn.op.exec == EMU_XCHG && c->dst.kind == EOP_MEM);
}

static bool is_all_ram(const struct emul_access *a)
{
	unsigned int i;

	for (i = 0; i < a->nr_pieces; i++)
		if (!a->pieces[i].hva)
			return false;
	return true;
}

static int writeback(struct emul_ctxt *c)
{
	if (c->insn.op.flags & OPF_NOWB)
		return EMUL_OK;
	if (c->dst.kind == EOP_REG) {
		write_reg_operand(c, &c->dst);
		return EMUL_OK;
	}
	if (c->dst.kind != EOP_MEM)
		return EMUL_OK;
	return emul_queue_write(c, c->dst.seg, c->dst.ea, &c->dst.val,
				c->dst.bytes);
}

/* After an iteration: step rSI/rDI, count rCX, and see if it is over. */
static void string_advance(struct emul_ctxt *c)
{
	const struct minikvm_insn *insn = &c->insn;
	s64 delta = insn_dst_bytes(insn);
	bool zf = c->rflags & X86_EFLAGS_ZF, repe = insn->rep == 0xf3;

	if (c->rflags & X86_EFLAGS_DF)
		delta = -delta;
	if (insn->op.dst == OPND_STR_DST)
		add_ad_reg(c, MINIKVM_REG_RDI, delta);
	if (insn->op.src == OPND_STR_SRC)
		add_ad_reg(c, MINIKVM_REG_RSI, delta);
	if (!insn->rep)
		return;
	add_ad_reg(c, MINIKVM_REG_RCX, -1);
	c->done = !(c->regs[MINIKVM_REG_RCX] & ad_mask(c));
	if ((insn->op.flags & OPF_REPZ) && zf != repe)
		c->done = true;
}

static bool is_rep_string(const struct emul_ctxt *c)
{
	return (c->insn.op.flags & OPF_STRING) && c->insn.rep;
}

static int run_exec(struct emul_ctxt *c, const struct exec_desc *d)
{
	int r;

	if (d->prepare) {
		r = d->prepare(c);
		if (r)
			return r;
	}
	if (d->raw)
		return d->fn(c);
	r = read_operands(c);
	if (r)
		return r;
	r = d->fn(c);
	if (r)
		return r;
	return writeback(c);
}

/**
 * emul_execute - run one pass of c->insn on c's working state.
 * @c: the pass, with the CPU snapshot and the registers loaded.
 *
 * On EMUL_OK the working registers, RFLAGS, c->next_rip and c->done are
 * what to commit, and c->write (if c->has_write) the memory write to do.
 *
 * Return: an enum emul_result.
 */
int emul_execute(struct emul_ctxt *c)
{
	unsigned int exec = c->insn.op.exec;
	const struct exec_desc *d;
	int r;

	if (exec >= NR_EXECS || !exec_table[exec].fn)
		return EMUL_UNHANDLEABLE;
	d = &exec_table[array_index_nospec(exec, NR_EXECS)];
	c->done = true;
	if (is_rep_string(c) && !(c->regs[MINIKVM_REG_RCX] & ad_mask(c)))
		return EMUL_OK;
	r = decode_operands(c);
	if (!r)
		r = check_lock(c);
	if (!r)
		r = run_exec(c, d);
	if (r)
		return r;
	if (c->has_write && is_locked(c) && is_all_ram(&c->write)) {
		/*
		 * The guest can do a locked write to RAM itself, atomically;
		 * not if RAM is a write-protected page table: then the write
		 * is done as a compare-and-exchange with what the pass read.
		 */
		if (!(c->em->flags & EMUL_F_PT_WRITE))
			return EMUL_RETRY;
		c->write_locked = true;
	}
	if (c->insn.op.flags & OPF_STRING)
		string_advance(c);
	return EMUL_OK;
}
