// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO exits: guest accesses to a gpa with no memslot, and writes to a
 * read-only slot. Writes carry their data out; read data supplied by the
 * host lands in the destination register (with the x86 rules for partial
 * registers, zero and sign extension) on the next KVM_RUN. Read-modify-
 * write instructions are a read exit then a write exit on both devices;
 * SSE moves are where vmon and KVM still part ways.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define MMIO	VT_MMIO_GPA
#define ONES	0xffffffffffffffffULL

static void guest_mmio_writes(u64 base)
{
	u64 idx = 3;

	asm volatile("movb %b0, (%1)" : : "r"(0x11), "r"(base) : "memory");
	asm volatile("movw %w0, 2(%1)" : : "r"(0x2233), "r"(base) : "memory");
	asm volatile("movl %k0, 4(%1)" : : "r"(0x44556677), "r"(base)
		     : "memory");
	asm volatile("movq %0, 8(%1)" : : "r"(0x8899aabbccddeeffULL),
		     "r"(base) : "memory");
	/* Immediate operands and a scaled index. */
	asm volatile("movl $0x12345678, 0x10(%0,%1,8)" : : "r"(base),
		     "r"(idx) : "memory");
	asm volatile("movb $0x9a, 0x40(%0)" : : "r"(base) : "memory");
	/* A high-byte register as the source. */
	asm volatile("movb %%ah, 0x41(%0)" : : "r"(base), "a"(0xbc00)
		     : "memory");
	GUEST_DONE();
}

/* Extended registers (REX prefixes) as source and base. */
static void guest_mmio_write_rex(u64 base)
{
	asm volatile("mov %0, %%r10\n\t"
		     "mov $0x0123456789abcdef, %%r9\n\t"
		     "movq %%r9, 0x48(%%r10)"
		     : : "r"(base) : "r9", "r10", "memory");
	GUEST_DONE();
}

static void expect_write(struct __test_metadata *_metadata,
			 struct vt_vcpu *vcpu, u64 gpa, u32 len, u64 data)
{
	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, gpa, len, true);
	EXPECT_EQ(data, vcpu_mmio_data(vcpu))
		TH_LOG("write of %u bytes at 0x%llx", len,
		       (unsigned long long)gpa);
}

TEST(writes)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_writes);
	struct vt_vcpu *vcpu2;

	vcpu_args_set(vcpu, 1, MMIO);
	expect_write(_metadata, vcpu, MMIO, 1, 0x11);
	expect_write(_metadata, vcpu, MMIO + 2, 2, 0x2233);
	expect_write(_metadata, vcpu, MMIO + 4, 4, 0x44556677);
	expect_write(_metadata, vcpu, MMIO + 8, 8, 0x8899aabbccddeeffULL);
	expect_write(_metadata, vcpu, MMIO + 0x28, 4, 0x12345678);
	expect_write(_metadata, vcpu, MMIO + 0x40, 1, 0x9a);
	expect_write(_metadata, vcpu, MMIO + 0x41, 1, 0xbc);
	vcpu_run_done(vcpu);

	vcpu2 = vm_vcpu_add(vm, 1, guest_mmio_write_rex);
	vcpu_args_set(vcpu2, 1, MMIO);
	expect_write(_metadata, vcpu2, MMIO + 0x48, 8, 0x0123456789abcdefULL);
	vcpu_run_done(vcpu2);
	vm_free(vm);
}

static void guest_mmio_reads(u64 base)
{
	u64 v, idx = 2;

	/* Partial register writes keep the upper bits ... */
	v = ONES;
	asm volatile("movb (%1), %b0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	v = ONES;
	asm volatile("movw 2(%1), %w0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	/* ... a 32-bit one clears them. */
	v = ONES;
	asm volatile("movl 4(%1), %k0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	v = 0;
	asm volatile("movq 8(%1), %0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	/* MOVZX and MOVSX from 8 and 16 bits, MOVSXD from 32. */
	v = ONES;
	asm volatile("movzbl 0x10(%1), %k0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	v = ONES;
	asm volatile("movzwq 0x12(%1), %0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	v = 0;
	asm volatile("movsbq 0x14(%1), %0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	v = 0;
	asm volatile("movswl 0x16(%1), %k0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	v = 0;
	asm volatile("movslq 0x18(%1), %0" : "+r"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	/* High-byte destination and a scaled index. */
	v = ONES;
	asm volatile("movb 0x20(%1), %%ah" : "+a"(v) : "r"(base) : "memory");
	GUEST_SYNC(v);
	v = ONES;
	asm volatile("movl 0x10(%1,%2,8), %k0" : "+r"(v) : "r"(base),
		     "r"(idx) : "memory");
	GUEST_SYNC(v);
	GUEST_DONE();
}

/* Expect a read of @len bytes at @gpa, answer @data, return what the guest saw. */
static u64 reply_read(struct vt_vcpu *vcpu, u64 gpa, u32 len, u64 data)
{
	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, gpa, len, false);
	vcpu_mmio_reply(vcpu, data);
	return vcpu_run_sync(vcpu);
}

TEST(reads)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_reads);

	vcpu_args_set(vcpu, 1, MMIO);
	EXPECT_EQ(0xffffffffffffff5aULL, reply_read(vcpu, MMIO, 1, 0x5a));
	EXPECT_EQ(0xffffffffffff1234ULL, reply_read(vcpu, MMIO + 2, 2, 0x1234));
	EXPECT_EQ(0x00000000deadbeefULL,
		  reply_read(vcpu, MMIO + 4, 4, 0xdeadbeef));
	EXPECT_EQ(0xfedcba9876543210ULL,
		  reply_read(vcpu, MMIO + 8, 8, 0xfedcba9876543210ULL));
	EXPECT_EQ(0xf0, reply_read(vcpu, MMIO + 0x10, 1, 0xf0));
	EXPECT_EQ(0x8001, reply_read(vcpu, MMIO + 0x12, 2, 0x8001));
	EXPECT_EQ(0xffffffffffffff80ULL, reply_read(vcpu, MMIO + 0x14, 1, 0x80));
	/* MOVSX to a 32-bit register zero-extends into bits 63:32. */
	EXPECT_EQ(0x00000000ffff8000ULL,
		  reply_read(vcpu, MMIO + 0x16, 2, 0x8000));
	EXPECT_EQ(0xffffffff80000001ULL,
		  reply_read(vcpu, MMIO + 0x18, 4, 0x80000001));
	EXPECT_EQ(0xffffffffffff77ffULL, reply_read(vcpu, MMIO + 0x20, 1, 0x77));
	EXPECT_EQ(0x0000000012345678ULL,
		  reply_read(vcpu, MMIO + 0x20, 4, 0x12345678));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

#define RO_GPA	0x80000000ULL

static void guest_readonly(u64 *p)
{
	u64 v;

	GUEST_SYNC(READ_ONCE(p[0]));
	WRITE_ONCE(p[0], 0x1111222233334444ULL);
	/* The write did not reach memory: reads still see the slot. */
	GUEST_SYNC(READ_ONCE(p[0]));
	asm volatile("movl %k0, 12(%1)" : : "r"(0xabcdef01), "r"(p)
		     : "memory");
	v = READ_ONCE(p[1]);
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(readonly_slot)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_readonly);
	u64 *mem = vm_mem_add(vm, 1, RO_GPA, 16 * PAGE_SIZE,
			      KVM_MEM_READONLY);

	mem[0] = 0x0102030405060708ULL;
	mem[1] = 0x1112131415161718ULL;
	vcpu_args_set(vcpu, 1, RO_GPA);
	EXPECT_EQ(mem[0], vcpu_run_sync(vcpu));

	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, RO_GPA, 8, true);
	EXPECT_EQ(0x1111222233334444ULL, vcpu_mmio_data(vcpu));
	EXPECT_EQ(0x0102030405060708ULL, vcpu_run_sync(vcpu));

	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, RO_GPA + 12, 4, true);
	EXPECT_EQ(0xabcdef01, vcpu_mmio_data(vcpu));
	EXPECT_EQ(0x1112131415161718ULL, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	EXPECT_EQ(0x0102030405060708ULL, mem[0]);
	EXPECT_EQ(0x1112131415161718ULL, mem[1]);
	vm_free(vm);
}

/* MMIO reads complete on the next KVM_RUN, like IN: RIP waits too. */
extern const char mmio_read_insn[];

static void __attribute__((noinline)) guest_mmio_labelled(u64 base)
{
	u64 v = ONES;

	asm volatile(".globl mmio_read_insn\n"
		     "mmio_read_insn: movl (%1), %k0" : "+a"(v) : "b"(base)
		     : "memory");
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(read_completes_on_next_run)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_labelled);
	struct kvm_regs regs;

	vcpu_args_set(vcpu, 1, MMIO);
	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, MMIO, 4, false);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ((u64)mmio_read_insn, regs.rip);
	EXPECT_EQ(ONES, regs.rax);
	vcpu_mmio_reply(vcpu, 0x600df00d);
	EXPECT_EQ(0x600df00d, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * Read-modify-write instructions on MMIO, emulated as KVM's emulator
 * does: a read exit, then (if the instruction writes) a write exit with
 * the result; CMP, TEST and BT only read, MOVNTI only writes, CMPXCHG
 * writes even when the compare fails (the old value back). The oracle
 * for registers, flags and written data is the host CPU running the
 * same instruction on ordinary memory holding the value the test
 * answers with; the exits are the same on both devices.
 */
struct rmw_regs {
	u64 rax, rcx, flags;
};

typedef void rmw_fn(u64 addr, struct rmw_regs *r);

/* RSP moves past the red zone: pushf/popf would clobber it. */
#define RMW_FN(name, insn)						\
static void name(u64 addr, struct rmw_regs *r)				\
{									\
	asm volatile("add $-128, %%rsp\n\t"				\
		     "push %[f]\n\tpopf\n\t"				\
		     insn "\n\t"					\
		     "pushf\n\tpop %[f]\n\t"				\
		     "sub $-128, %%rsp"					\
		     : "+a"(r->rax), "+c"(r->rcx), [f] "+r"(r->flags)	\
		     : "b"(addr) : "cc", "memory");			\
}

RMW_FN(r_add, "addl %%eax, (%%rbx)")
RMW_FN(r_or, "orl %%eax, (%%rbx)")
RMW_FN(r_adc, "adcb %%cl, (%%rbx)")
RMW_FN(r_sbb, "sbbw %%cx, (%%rbx)")
RMW_FN(r_and, "andq %%rcx, (%%rbx)")
RMW_FN(r_subi, "subl $1, (%%rbx)")
RMW_FN(r_xori, "xorb $0xff, (%%rbx)")
RMW_FN(r_lock_or, "lock orq $0x100, (%%rbx)")
RMW_FN(r_cmp, "cmpl %%eax, (%%rbx)")
RMW_FN(r_add_to_reg, "addl (%%rbx), %%eax")
RMW_FN(r_sub_to_reg, "subq (%%rbx), %%rcx")
RMW_FN(r_testi, "testl $0x80000000, (%%rbx)")
RMW_FN(r_test, "testb %%cl, (%%rbx)")
RMW_FN(r_not, "notw (%%rbx)")
RMW_FN(r_neg, "negl (%%rbx)")
RMW_FN(r_inc, "incb (%%rbx)")
RMW_FN(r_dec, "decq (%%rbx)")
RMW_FN(r_bti, "btl $5, (%%rbx)")
RMW_FN(r_bts, "btsl %%ecx, (%%rbx)")
RMW_FN(r_btr, "btrq $63, (%%rbx)")
RMW_FN(r_btc, "btcw %%cx, (%%rbx)")
RMW_FN(r_xchg, "xchgl %%ecx, (%%rbx)")
RMW_FN(r_cmpxchg, "cmpxchgl %%ecx, (%%rbx)")
RMW_FN(r_cmpxchgq, "lock cmpxchgq %%rcx, (%%rbx)")
RMW_FN(r_movnti, "movnti %%rcx, (%%rbx)")

#define ARITH	0x8d5ULL		/* CF PF AF ZF SF OF */
#define CF	0x001ULL
#define AF	0x010ULL

static const struct rmw_case {
	const char *name;
	rmw_fn *fn;
	u32 len;
	bool read, write;
	u64 mem, rax, rcx, flags;	/* inputs: the read's answer, regs */
	u64 flags_checked;		/* the flags the SDM defines */
} rmw_cases[] = {
	{ "add", r_add, 4, 1, 1, 0xfffffff0, 0x20, 0, 0x2, ARITH },
	{ "or", r_or, 4, 1, 1, 0x10, 0x80000003, 0, 0x2, ARITH & ~AF },
	{ "adc", r_adc, 1, 1, 1, 0x7f, 0, 0x0, 0x3, ARITH },
	{ "sbb", r_sbb, 2, 1, 1, 0x8000, 0, 0x1, 0x3, ARITH },
	{ "and", r_and, 8, 1, 1, 0xff00ff00ff00ff00ULL, 0,
	  0x0ff00ff00ff00ff0ULL, 0x2, ARITH & ~AF },
	{ "sub imm", r_subi, 4, 1, 1, 0, 0, 0, 0x2, ARITH },
	{ "xor imm", r_xori, 1, 1, 1, 0x5a, 0, 0, 0x2, ARITH & ~AF },
	{ "lock or", r_lock_or, 8, 1, 1, 0x8000000000000001ULL, 0, 0, 0x2,
	  ARITH & ~AF },
	{ "cmp", r_cmp, 4, 1, 0, 5, 7, 0, 0x2, ARITH },
	{ "add to reg", r_add_to_reg, 4, 1, 0, 0x7fffffff, 1, 0, 0x2, ARITH },
	{ "sub to reg", r_sub_to_reg, 8, 1, 0, 3, 0, 3, 0x3, ARITH },
	{ "test imm", r_testi, 4, 1, 0, 0x80000000, 0, 0, 0x2, ARITH & ~AF },
	{ "test", r_test, 1, 1, 0, 0xf0, 0, 0x0f, 0x2, ARITH & ~AF },
	{ "not", r_not, 2, 1, 1, 0x1234, 0, 0, 0x2 | ARITH, ARITH },
	{ "neg", r_neg, 4, 1, 1, 0x80000000, 0, 0, 0x2, ARITH },
	{ "inc", r_inc, 1, 1, 1, 0xff, 0, 0, 0x3, ARITH },
	{ "dec", r_dec, 8, 1, 1, 0, 0, 0, 0x2, ARITH },
	{ "bt imm", r_bti, 4, 1, 0, 0x20, 0, 0, 0x2, CF },
	{ "bts", r_bts, 4, 1, 1, 0x1, 0, 31, 0x3, CF },
	{ "btr imm", r_btr, 8, 1, 1, 0x8000000000000000ULL, 0, 0, 0x2, CF },
	{ "btc", r_btc, 2, 1, 1, 0xffff, 0, 3, 0x2, CF },
	{ "xchg", r_xchg, 4, 1, 1, 0xcafef00d, ONES, ONES, 0x2, ARITH },
	{ "cmpxchg equal", r_cmpxchg, 4, 1, 1, 0x1234, 0x1234, 0x5678, 0x2,
	  ARITH },
	{ "cmpxchg differs", r_cmpxchg, 4, 1, 1, 0x1234, ONES, 0x5678, 0x2,
	  ARITH },
	{ "lock cmpxchg 64", r_cmpxchgq, 8, 1, 1, 0x1122334455667788ULL,
	  0x1122334455667788ULL, 0x99, 0x2, ARITH },
	{ "movnti", r_movnti, 8, 0, 1, 0, 0, 0x0123456789abcdefULL, 0x2,
	  ARITH },
};

#define RMW_GPA	(MMIO + 0x80)

static void guest_mmio_rmw(u64 base)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rmw_cases); i++) {
		const struct rmw_case *c = &rmw_cases[i];
		struct rmw_regs r = { c->rax, c->rcx, c->flags };

		c->fn(base, &r);
		ucall(UCALL_SYNC, 3, r.rax, r.rcx, r.flags);
	}
	GUEST_DONE();
}

TEST(rmw_instructions)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_rmw);
	unsigned int i;

	vcpu_args_set(vcpu, 1, RMW_GPA);
	for (i = 0; i < ARRAY_SIZE(rmw_cases); i++) {
		const struct rmw_case *c = &rmw_cases[i];
		struct rmw_regs cpu = { c->rax, c->rcx, c->flags };
		u64 mem = c->mem;
		struct ucall uc;

		/* What the host CPU does on memory holding the same value. */
		c->fn((u64)&mem, &cpu);

		vcpu_run(vcpu);
		if (c->read) {
			vcpu_assert_mmio(vcpu, RMW_GPA, c->len, false);
			vcpu_mmio_reply(vcpu, c->mem);
			if (c->write)
				vcpu_run(vcpu);
		}
		if (c->write) {
			vcpu_assert_mmio(vcpu, RMW_GPA, c->len, true);
			EXPECT_EQ(mem & (ONES >> (64 - 8 * c->len)),
				  vcpu_mmio_data(vcpu))
				TH_LOG("%s: data written", c->name);
		}
		ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc))
			TH_LOG("%s: no sync after the exits", c->name);
		EXPECT_EQ(cpu.rax, uc.args[0]) TH_LOG("%s: rax", c->name);
		EXPECT_EQ(cpu.rcx, uc.args[1]) TH_LOG("%s: rcx", c->name);
		EXPECT_EQ(cpu.flags & c->flags_checked,
			  uc.args[2] & c->flags_checked)
			TH_LOG("%s: flags %#llx, cpu %#llx", c->name,
			       (unsigned long long)uc.args[2],
			       (unsigned long long)cpu.flags);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * REP STOS into MMIO: one write exit per element, RDI and RCX stepping
 * (DF=0 up, DF=1 down), and the guest goes on after the last one.
 */
static void guest_mmio_stos(u64 base)
{
	u64 rdi = base, rcx = 3;

	asm volatile("rep stosl" : "+D"(rdi), "+c"(rcx) : "a"(0xabcd0123)
		     : "memory");
	GUEST_SYNC2(rdi, rcx);
	rdi = base + 0x20;
	asm volatile("std\n\tstosw\n\tcld" : "+D"(rdi) : "a"(0x4455)
		     : "memory", "cc");
	GUEST_SYNC(rdi);
	rcx = 0;
	asm volatile("rep stosb" : "+D"(rdi), "+c"(rcx) : "a"(0x66)
		     : "memory");
	GUEST_SYNC2(rdi, rcx);
	GUEST_DONE();
}

TEST(rep_stos)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_stos);
	struct ucall uc;
	int i;

	vcpu_args_set(vcpu, 1, MMIO + 0x100);
	for (i = 0; i < 3; i++)
		expect_write(_metadata, vcpu, MMIO + 0x100 + 4 * i, 4,
			     0xabcd0123);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(MMIO + 0x10c, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	expect_write(_metadata, vcpu, MMIO + 0x120, 2, 0x4455);
	EXPECT_EQ(MMIO + 0x11e, vcpu_run_sync(vcpu));
	/* RCX = 0: no access at all. */
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(MMIO + 0x11e, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * REP MOVS with MMIO as the source (a read exit per element, the data
 * landing in RAM), as the destination (a write exit per element from
 * RAM) and on both sides (read, then write), indexes stepping.
 */
static u32 movs_ram[4];

static void guest_mmio_movs(u64 base)
{
	u64 rsi = base, rdi = (u64)movs_ram, rcx = 3;

	asm volatile("rep movsl" : "+S"(rsi), "+D"(rdi), "+c"(rcx)
		     : : "memory");
	GUEST_SYNC2(rsi, rdi);
	GUEST_SYNC2(movs_ram[0] ^ movs_ram[1], movs_ram[2]);
	rsi = (u64)movs_ram;
	rdi = base + 0x40;
	rcx = 2;
	asm volatile("rep movsl" : "+S"(rsi), "+D"(rdi), "+c"(rcx)
		     : : "memory");
	GUEST_SYNC2(rsi, rdi);
	rsi = base + 0x60;
	rdi = base + 0x70;
	asm volatile("movsw" : "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_SYNC2(rsi, rdi);
	GUEST_DONE();
}

TEST(rep_movs)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_movs);
	const u64 base = MMIO + 0x200;
	struct ucall uc;
	int i;

	vcpu_args_set(vcpu, 1, base);
	for (i = 0; i < 3; i++) {
		vcpu_run(vcpu);
		vcpu_assert_mmio(vcpu, base + 4 * i, 4, false);
		vcpu_mmio_reply(vcpu, 0x11110000 + i);
	}
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(base + 12, uc.args[0]);
	EXPECT_EQ((u64)movs_ram + 12, uc.args[1]);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0x11110000 ^ 0x11110001, uc.args[0]);
	EXPECT_EQ(0x11110002, uc.args[1]);

	expect_write(_metadata, vcpu, base + 0x40, 4, 0x11110000);
	expect_write(_metadata, vcpu, base + 0x44, 4, 0x11110001);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ((u64)movs_ram + 8, uc.args[0]);
	EXPECT_EQ(base + 0x48, uc.args[1]);

	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, base + 0x60, 2, false);
	vcpu_mmio_reply(vcpu, 0xbeef);
	expect_write(_metadata, vcpu, base + 0x70, 2, 0xbeef);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(base + 0x62, uc.args[0]);
	EXPECT_EQ(base + 0x72, uc.args[1]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * An instruction vmon does not emulate (an SSE move, which needs the
 * guest FPU) is KVM_EXIT_INTERNAL_ERROR with suberror
 * KVM_INTERNAL_ERROR_EMULATION on vmon: data[0] is RIP (still at the
 * instruction), data[1] the guest-physical address, data[2..3] the
 * instruction bytes. KVM emulates it: a read exit, the data in xmm0.
 */
extern const char mmio_sse_insn[];

static void __attribute__((noinline)) guest_mmio_sse(u64 base)
{
	u64 lo;

	asm volatile(".globl mmio_sse_insn\n"
		     "mmio_sse_insn: movdqu (%1), %%xmm0\n\t"
		     "movq %%xmm0, %0"
		     : "=r"(lo) : "b"(base) : "memory");
	GUEST_SYNC(lo);
	GUEST_DONE();
}

TEST(sse_move_not_emulated_by_vmon)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_sse);
	struct kvm_run *run = vcpu->run;
	/* movdqu (%rbx),%xmm0: f3 0f 6f 03 */
	const u8 insn[] = { 0xf3, 0x0f, 0x6f, 0x03 };
	struct ucall uc;

	vcpu_args_set(vcpu, 1, MMIO + 0x30);
	vcpu_run(vcpu);
	if (vt_dev_is_kvm()) {
		/* KVM reads the 16 bytes in fragments of at most 8. */
		ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
		EXPECT_EQ(MMIO + 0x30, run->mmio.phys_addr);
		while (run->exit_reason == KVM_EXIT_MMIO) {
			ASSERT_FALSE(run->mmio.is_write);
			memset(run->mmio.data, 0x5a, run->mmio.len);
			vcpu_run(vcpu);
		}
		ASSERT_EQ(UCALL_SYNC, get_ucall(vcpu, &uc));
		EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, uc.args[0]);
		vcpu_run_done(vcpu);
	} else {
		vcpu_assert_exit(vcpu, KVM_EXIT_INTERNAL_ERROR);
		EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);
		ASSERT_LE(2, run->internal.ndata);
		EXPECT_EQ((u64)mmio_sse_insn, run->internal.data[0]);
		EXPECT_EQ(MMIO + 0x30, run->internal.data[1]);
		if (run->internal.ndata >= 3)
			EXPECT_EQ(0, memcmp(&run->internal.data[2], insn,
					    sizeof(insn)));
		EXPECT_EQ((u64)mmio_sse_insn, vcpu_get_reg_rip(vcpu));
	}
	vm_free(vm);
}

TEST_HARNESS_MAIN
