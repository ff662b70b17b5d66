// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzing the instruction emulator from a guest: random instruction bytes
 * run with every register pointing at MMIO, so that whatever the CPU
 * accepts and accesses memory with is handed to the emulator.  The only
 * acceptable outcomes are clean ones: MMIO, I/O, HLT, SHUTDOWN and
 * FAIL_ENTRY (random code can reach a state VMRUN refuses) exits,
 * or a well-formed KVM_EXIT_INTERNAL_ERROR (KVM_INTERNAL_ERROR_EMULATION).
 * The host kernel log must stay clean (tools/lane-a checks it).
 *
 * Memory: RAM is [0, 512 KiB) (code, page tables, a stack); every other
 * address below 4 GiB is MMIO, identity mapped in 64-bit mode.  Each
 * iteration starts from a fresh state: random bytes at a random place in
 * the code page (sometimes across its end), random registers and flags,
 * and one of 64-bit, flat 32-bit and real mode.  A second test rewrites
 * the code from another thread while the vCPU runs, so that the emulator
 * also decodes bytes the CPU never executed.
 *
 * FUZZ_ITERATIONS (default 6000), FUZZ_SECONDS (100) and FUZZ_SEED tune a
 * run; the racing test does a quarter of them.
 *
 * minikvm only: stock KVM is no oracle here.  Under these instructions it
 * WARNs (6.1: KVM_RUN with a PIO/MMIO pending, x86.c; 6.12:
 * KVM_EMULATOR_BUG_ON), and once, while stock 6.1 ran this test, QEMU TCG
 * itself (the lane's L0) aborted on an iothread-lock assertion, ending
 * the lane's whole boot (2026-11-22).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "kselftest_harness.h"
#include "minikvm_util.h"
#include "processor.h"

#define RAM_SIZE	0x80000ULL
#define CODE_GPA	0x1000ULL
#define PML4_GPA	0x10000ULL	/* then PDPT, 4 PDs */
#define STACK_TOP	0x70000ULL
#define CODE_BYTES	16

struct fuzz_stats {
	unsigned long iterations;
	unsigned long mmio_exits;
	unsigned long io_exits;
	unsigned long hlt;
	unsigned long shutdown;
	unsigned long fail_entry;
	unsigned long emulation_failures;
	unsigned long other_internal;
	unsigned long bytes_changed;
	unsigned long timeouts;
};

struct fuzz {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint8_t *mem;
	uint64_t rng;
	struct fuzz_stats st;
};

static uint64_t rnd(struct fuzz *f)
{
	/* xorshift64* */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545f4914f6cdd1dULL;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static void build_identity_map(struct fuzz *f)
{
	uint64_t *pml4 = (uint64_t *)(f->mem + PML4_GPA);
	uint64_t *pdpt = pml4 + 512;
	unsigned int g, i;

	memset(pml4, 0, 6 * PAGE_SIZE);
	pml4[0] = (PML4_GPA + PAGE_SIZE) | PTE_PRESENT | PTE_WRITABLE;
	for (g = 0; g < 4; g++) {
		uint64_t pd_gpa = PML4_GPA + (2 + g) * PAGE_SIZE;
		uint64_t *pd = (uint64_t *)(f->mem + pd_gpa);

		pdpt[g] = pd_gpa | PTE_PRESENT | PTE_WRITABLE;
		for (i = 0; i < 512; i++)
			pd[i] = ((uint64_t)g << 30 | (uint64_t)i << 21) |
				PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
	}
}

static void fuzz_init(struct fuzz *f, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->rng = seed | 1;
	f->vm = vm_create_barebones();
	f->mem = vm_add_anon_region(f->vm, 0, 0, RAM_SIZE);
	f->vcpu = vm_vcpu_add_raw(f->vm, 0);
	vcpu_declare_long_mode_cpuid(f->vm->sys_fd, f->vcpu->fd);
}

/* An address in MMIO, or now and then a small or a RAM one. */
static uint64_t rnd_reg(struct fuzz *f)
{
	switch (rnd(f) % 8) {
	case 0:
		return rnd(f) % 64;
	case 1:
		return rnd(f) % RAM_SIZE;
	case 2:
		return rnd(f);
	default:
		return RAM_SIZE + rnd(f) % (0x100000000ULL - RAM_SIZE);
	}
}

static const uint8_t prefixes[] = {
	0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
};

/* Opcodes with a ModRM memory operand that the emulators care about. */
static const uint8_t hot_opcodes[] = {
	0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20,
	0x21, 0x28, 0x29, 0x30, 0x31, 0x38, 0x39, 0x3b, 0x63, 0x80, 0x81,
	0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8e,
	0x8f, 0xc6, 0xc7, 0xd1, 0xf6, 0xf7, 0xfe, 0xff,
};

static const uint8_t hot_0f[] = {
	0xa3, 0xab, 0xb0, 0xb1, 0xb3, 0xb6, 0xb7, 0xba, 0xbb, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc7, 0x10, 0x11, 0x6f, 0x7f, 0xae, 0x01, 0x00,
};

/* Prefixes, an opcode likely to touch memory, ModRM with mod != 3. */
static unsigned int gen_structured(struct fuzz *f, uint8_t *b, bool long_mode)
{
	unsigned int n = 0, i, nr_prefixes = rnd(f) % 4;

	for (i = 0; i < nr_prefixes; i++)
		b[n++] = prefixes[rnd(f) % sizeof(prefixes)];
	if (long_mode && rnd(f) % 2)
		b[n++] = 0x40 | (rnd(f) & 0xf);
	if (rnd(f) % 4 == 0) {
		b[n++] = 0x0f;
		b[n++] = hot_0f[rnd(f) % sizeof(hot_0f)];
	} else if (rnd(f) % 5 == 0) {
		b[n++] = 0xa0 + rnd(f) % 16;	/* moffs and string forms */
	} else {
		b[n++] = hot_opcodes[rnd(f) % sizeof(hot_opcodes)];
	}
	b[n++] = (rnd(f) % 3) << 6 | (rnd(f) & 0x3f);
	while (n < CODE_BYTES)
		b[n++] = rnd(f);
	return n;
}

enum fuzz_mode { FUZZ_LONG, FUZZ_PROT32, FUZZ_REAL };

static void set_state(struct fuzz *f, enum fuzz_mode mode, uint64_t code_gpa)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t *gpr = (uint64_t *)&r;
	unsigned int i;

	vcpu_sregs_get(f->vcpu, &s);
	s.cr4 = 0;
	s.efer = 0;
	if (mode == FUZZ_REAL) {
		s.cr0 = X86_CR0_ET;
		kvm_seg_flat(&s.cs, 0, 11, false, false);
		s.cs.limit = 0xffff;
		s.cs.g = 0;
		s.ds = s.cs;
		s.ds.type = 3;
		s.ds.selector = rnd(f) & 0xffff;
		s.ds.base = s.ds.selector << 4;
		s.es = s.fs = s.gs = s.ss = s.ds;
	} else {
		s.cr0 = X86_CR0_PE | X86_CR0_ET;
		kvm_seg_flat(&s.cs, 8, 11, false, true);
		kvm_seg_flat(&s.ds, 16, 3, false, true);
		s.es = s.fs = s.gs = s.ss = s.ds;
	}
	if (mode == FUZZ_LONG) {
		s.cr0 |= X86_CR0_PG;
		s.cr4 = X86_CR4_PAE;
		s.efer = EFER_LME | EFER_LMA;
		s.cr3 = PML4_GPA;
		kvm_seg_flat(&s.cs, 8, 11, true, false);
	}
	vcpu_sregs_set(f->vcpu, &s);

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 16; i++)
		gpr[i] = rnd_reg(f);
	if (mode != FUZZ_LONG)
		for (i = 0; i < 16; i++)
			gpr[i] &= mode == FUZZ_REAL ? 0xffff : 0xffffffff;
	if (rnd(f) % 2)
		r.rsp = STACK_TOP - 0x100;
	r.rip = code_gpa;
	/* Arithmetic flags and DF at random; IF and TF clear. */
	r.rflags = 0x2 | (rnd(f) & 0xcd5);
	vcpu_regs_set(f->vcpu, &r);
}

/*
 * The guest physical address of @linear as the guest's own page tables
 * say now (the code may have rewritten them, so that the CPU ran stale
 * translations the emulator does not see); false if it is not in RAM.
 */
static bool guest_to_ram(struct fuzz *f, const struct kvm_sregs *s,
			 uint64_t linear, uint64_t *gpa)
{
	uint64_t table = s->cr3 & 0xffffffffff000ULL, e = 0;
	int level;

	if (!(s->cr0 & X86_CR0_PG)) {
		*gpa = linear & 0xffffffff;
		return *gpa < RAM_SIZE;
	}
	if (!(s->efer & EFER_LMA))
		return false;
	for (level = 4; level >= 1; level--) {
		uint64_t at = table + ((linear >> (12 + 9 * (level - 1))) & 511) * 8;

		if (at + 8 > RAM_SIZE)
			return false;
		memcpy(&e, f->mem + at, 8);
		if (!(e & PTE_PRESENT))
			return false;
		if (level == 1 || (level <= 3 && (e & PTE_LARGE)))
			break;
		table = e & 0xffffffffff000ULL;
	}
	*gpa = (e & 0xffffffffff000ULL & ~((1ULL << (12 + 9 * (level - 1))) - 1)) |
	       (linear & ((1ULL << (12 + 9 * (level - 1))) - 1));
	return *gpa < RAM_SIZE;
}

/*
 * An emulation failure must be well formed: KVM_INTERNAL_ERROR_EMULATION,
 * and with the flags, 1 to 15 instruction bytes and five words of exit
 * information.  The bytes are compared with the guest's code as its page
 * tables map it now: they differ only if the instruction rewrote its own
 * code after the fetch (a REP MOVS over it, say) or another thread is
 * racing; such mismatches are counted, not failed.
 */
static bool failure_is_clean(struct fuzz *f)
{
	struct kvm_run *run = f->vcpu->run;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t gpa;
	uint8_t n, i;

	if (run->emulation_failure.suberror != KVM_INTERNAL_ERROR_EMULATION)
		return false;
	if (run->emulation_failure.ndata > 16)
		return false;
	if (run->emulation_failure.ndata != 8 ||
	    run->emulation_failure.flags !=
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) {
		/* No bytes (code outside RAM), or another kind of error. */
		f->st.other_internal++;
		return true;
	}
	n = run->emulation_failure.insn_size;
	if (!n || n > 15)
		return false;
	f->st.emulation_failures++;
	vcpu_regs_get(f->vcpu, &r);
	vcpu_sregs_get(f->vcpu, &s);
	for (i = 0; i < n; i++) {
		uint64_t linear = s.cs.base + r.rip + i;

		if (!(s.efer & EFER_LMA) || !s.cs.l)
			linear = (uint32_t)(s.cs.base + (uint32_t)(r.rip + i));
		if (guest_to_ram(f, &s, linear, &gpa) &&
		    f->mem[gpa] != run->emulation_failure.insn_bytes[i]) {
			f->st.bytes_changed++;
			break;
		}
	}
	return true;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * An iteration that ends on an MMIO or I/O exit leaves the access to be
 * completed by the next KVM_RUN: complete it now, with immediate_exit,
 * before the registers change under it.
 */
static void drain_pending_exit(struct fuzz *f)
{
	struct kvm_run *run = f->vcpu->run;
	unsigned int i;

	run->immediate_exit = 1;
	for (i = 0; i < 16; i++) {
		if (run->exit_reason != KVM_EXIT_MMIO &&
		    run->exit_reason != KVM_EXIT_IO)
			break;
		if (__vcpu_run(f->vcpu))
			break;
	}
	run->immediate_exit = 0;
}

/* Run one iteration to its end.  Return: false on an unclean outcome. */
static bool run_iteration(struct __test_metadata *_metadata, struct fuzz *f)
{
	struct kvm_run *run = f->vcpu->run;
	unsigned int exits, intrs = 0;

	for (exits = 0; exits < 64; exits++) {
		if (__vcpu_run(f->vcpu)) {
			if (errno == EINTR && ++intrs < 3)
				continue;
			if (errno == EINTR) {
				f->st.timeouts++;
				return true;
			}
			TH_LOG("KVM_RUN: %s", strerror(errno));
			return false;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			f->st.mmio_exits++;
			if (run->mmio.phys_addr < RAM_SIZE || !run->mmio.len ||
			    run->mmio.len > 8) {
				TH_LOG("bad MMIO exit gpa 0x%llx len %u",
				       run->mmio.phys_addr, run->mmio.len);
				return false;
			}
			if (!run->mmio.is_write)
				*(uint64_t *)run->mmio.data = rnd(f);
			continue;
		case KVM_EXIT_IO:
			f->st.io_exits++;
			continue;
		case KVM_EXIT_HLT:
			f->st.hlt++;
			return true;
		case KVM_EXIT_SHUTDOWN:
			f->st.shutdown++;
			return true;
		case KVM_EXIT_FAIL_ENTRY:
			/* Random code can leave a state VMRUN refuses. */
			f->st.fail_entry++;
			return true;
		case KVM_EXIT_INTERNAL_ERROR:
			if (failure_is_clean(f))
				return true;
			TH_LOG("unclean emulation failure: suberror %u ndata %u flags 0x%llx size %u",
			       run->emulation_failure.suberror,
			       run->emulation_failure.ndata,
			       (unsigned long long)run->emulation_failure.flags,
			       run->emulation_failure.insn_size);
			return false;
		case KVM_EXIT_INTR:
			continue;
		default:
			TH_LOG("unexpected exit %u (%s)", run->exit_reason,
			       exit_reason_str(run->exit_reason));
			return false;
		}
	}
	f->st.timeouts++;
	drain_pending_exit(f);
	return true;
}

/* Fresh tables, a stack, random code; then run it. */
static bool fuzz_one(struct __test_metadata *_metadata, struct fuzz *f)
{
	enum fuzz_mode mode = rnd(f) % 10 < 6 ? FUZZ_LONG :
			      rnd(f) % 2 ? FUZZ_PROT32 : FUZZ_REAL;
	uint64_t code = CODE_GPA + (rnd(f) % 4 ? rnd(f) % 0x100 :
				    PAGE_SIZE - 1 - rnd(f) % CODE_BYTES);
	uint8_t *b = f->mem + code;
	unsigned int i;

	build_identity_map(f);
	if (rnd(f) % 2) {
		gen_structured(f, b, mode == FUZZ_LONG);
	} else {
		for (i = 0; i < CODE_BYTES; i++)
			b[i] = rnd(f);
	}
	memset(b + CODE_BYTES, 0xf4, 16);	/* hlt */
	set_state(f, mode, code);
	f->st.iterations++;
	return run_iteration(_metadata, f);
}

static void start_alarm(void)
{
	struct itimerval it = {
		.it_interval = { .tv_usec = 50000 },
		.it_value = { .tv_usec = 50000 },
	};
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_alarm(void)
{
	struct itimerval it = {};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void print_stats(const struct fuzz_stats *st, double secs)
{
	ksft_print_msg("%lu iterations in %.1f s: %lu MMIO exits, %lu I/O, %lu HLT, %lu SHUTDOWN, %lu FAIL_ENTRY, %lu emulation failures (%lu with code changed since), %lu other internal errors, %lu timeouts\n",
		       st->iterations, secs, st->mmio_exits, st->io_exits,
		       st->hlt, st->shutdown, st->fail_entry,
		       st->emulation_failures, st->bytes_changed,
		       st->other_internal, st->timeouts);
}

static double elapsed(uint64_t start)
{
	return (now_ns() - start) / 1e9;
}

/* The harness' time limit per test, above the default FUZZ_SECONDS. */
#define FUZZ_TIMEOUT	300

FIXTURE(fuzz) {};

FIXTURE_SETUP(fuzz)
{
	if (strcmp(device_module_name(), "minikvm"))
		SKIP(return, "fuzzes minikvm's emulator; stock KVM WARNs under it");
}

FIXTURE_TEARDOWN(fuzz) {}

TEST_F_TIMEOUT(fuzz, random_instructions_end_cleanly, FUZZ_TIMEOUT)
{
	unsigned long n = env_ulong("FUZZ_ITERATIONS", 6000);
	unsigned long secs = env_ulong("FUZZ_SECONDS", 100);
	uint64_t start = now_ns();
	struct fuzz f;
	unsigned long i;

	fuzz_init(&f, env_ulong("FUZZ_SEED", 0x6d696e696b766dULL));
	start_alarm();
	for (i = 0; i < n && elapsed(start) < secs; i++)
		if (!fuzz_one(_metadata, &f))
			break;
	stop_alarm();
	print_stats(&f.st, elapsed(start));
	EXPECT_EQ(i, f.st.iterations);
	EXPECT_LT(0, f.st.mmio_exits);
	kvm_vm_free(f.vm);
}

struct racer {
	uint8_t *code;
	volatile bool stop;
	uint64_t rng;
};

/* Keep rewriting the code page's first bytes with random ones. */
static void *race_code(void *arg)
{
	struct racer *r = arg;
	unsigned int i;

	while (!r->stop) {
		r->rng = r->rng * 6364136223846793005ULL + 1442695040888963407ULL;
		i = (r->rng >> 33) % (0x100 + CODE_BYTES);
		r->code[i] = r->rng >> 56;
	}
	return NULL;
}

TEST_F_TIMEOUT(fuzz, code_rewritten_under_the_emulator_ends_cleanly,
	       FUZZ_TIMEOUT)
{
	unsigned long n = env_ulong("FUZZ_ITERATIONS", 6000) / 4;
	unsigned long secs = env_ulong("FUZZ_SECONDS", 100) / 4;
	uint64_t start = now_ns();
	struct racer racer = { .rng = 42 };
	pthread_t thread;
	struct fuzz f;
	unsigned long i;

	fuzz_init(&f, env_ulong("FUZZ_SEED", 0x6d696e696b766dULL) + 1);
	racer.code = f.mem + CODE_GPA;
	ASSERT_EQ(0, pthread_create(&thread, NULL, race_code, &racer));
	start_alarm();
	for (i = 0; i < n && elapsed(start) < secs; i++)
		if (!fuzz_one(_metadata, &f))
			break;
	stop_alarm();
	racer.stop = true;
	pthread_join(thread, NULL);
	print_stats(&f.st, elapsed(start));
	EXPECT_EQ(i, f.st.iterations);
	kvm_vm_free(f.vm);
}

TEST_HARNESS_MAIN
