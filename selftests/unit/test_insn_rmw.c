// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the read-modify-write side of core/insn.c: the
 * decoder vectors of every instruction vmon emulates on MMIO beyond the
 * MOV family (their GNU as sources are re-assembled by test_insn.c's
 * "gas:" cases), and vmon_insn_exec() against the host CPU executing the
 * same instruction on the same operands and flags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "ut.h"

#define PAD	32

struct rmw_vec {
	int mode;
	const char *as;
	const char *hex;
	int ret;
	enum vmon_insn_kind kind;
	enum vmon_alu_op op;
	unsigned int size;
	int reg;
	bool high8, src_imm, mem_dst;
	u64 imm;
	bool rep;
	unsigned int addr_size;
	int seg;		/* MOVS: source override, -1 none */
};

/* reg -> mem, mem -> reg, imm -> mem, no source, MOVNTI, STOS, reject */
#define RM(o, s, r, h)	0, VMON_INSN_RMW, VMON_ALU_##o, s, r, h, 0, 1, 0, 0, 0, 0
#define MR(o, s, r, h)	0, VMON_INSN_RMW, VMON_ALU_##o, s, r, h, 0, 0, 0, 0, 0, 0
#define IM(o, s, i)	0, VMON_INSN_RMW, VMON_ALU_##o, s, 0, 0, 1, 1, i, 0, 0, 0
#define UN(o, s)	0, VMON_INSN_RMW, VMON_ALU_##o, s, 0, 0, 0, 1, 0, 0, 0, 0
#define NT(s, r)	0, VMON_INSN_STORE_REG, 0, s, r, 0, 0, 0, 0, 0, 0, 0
#define SS(s, rep, a)	0, VMON_INSN_STOS, 0, s, 0, 0, 0, 0, 0, rep, a, 0
#define MV(s, rep, a, g) 0, VMON_INSN_MOVS, 0, s, 0, 0, 0, 0, 0, rep, a, g
#define BAD		-EINVAL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

static const struct rmw_vec rmw_vecs[] = {
	{ 64, "add %eax,(%rbx)", "01 03", RM(ADD, 4, 0, 0) },
	{ 64, "or %eax,0x1000(%r12)", "41 09 84 24 00 10 00 00", RM(OR, 4, 0, 0) },
	{ 64, "adc %cl,(%rbx)", "10 0b", RM(ADC, 1, 1, 0) },
	{ 64, "sbb %ah,(%rbx)", "18 23", RM(SBB, 1, 0, 1) },
	{ 64, "and %r9w,(%rbx)", "66 44 21 0b", RM(AND, 2, 9, 0) },
	{ 64, "sub %r10,(%rbx)", "4c 29 13", RM(SUB, 8, 10, 0) },
	{ 64, "xor %dl,(%rsi)", "30 16", RM(XOR, 1, 2, 0) },
	{ 64, "cmp %eax,(%rbx)", "39 03", RM(CMP, 4, 0, 0) },
	{ 64, "add (%rbx),%eax", "03 03", MR(ADD, 4, 0, 0) },
	{ 64, "or (%rbx),%spl", "40 0a 23", MR(OR, 1, 4, 0) },
	{ 64, "sub (%rbx),%r11", "4c 2b 1b", MR(SUB, 8, 11, 0) },
	{ 64, "cmp (%rbx),%bh", "3a 3b", MR(CMP, 1, 3, 1) },
	{ 64, "addl $0x12345678,(%rbx)", "81 03 78 56 34 12", IM(ADD, 4, 0x12345678) },
	{ 64, "orb $0x80,(%rbx)", "80 0b 80", IM(OR, 1, 0x80) },
	{ 64, "adcw $0x1234,(%rbx)", "66 81 13 34 12", IM(ADC, 2, 0x1234) },
	{ 64, "sbbq $-2,(%rbx)", "48 83 1b fe", IM(SBB, 8, 0xfffffffffffffffeULL) },
	{ 64, "andl $-1,0x10(%rbx)", "83 63 10 ff", IM(AND, 4, 0xffffffff) },
	{ 64, "subq $0x7fffffff,(%rbx)", "48 81 2b ff ff ff 7f", IM(SUB, 8, 0x7fffffff) },
	{ 64, "xorb $0x55,(%rbx)", "80 33 55", IM(XOR, 1, 0x55) },
	{ 64, "cmpl $0x0,(%rbx)", "83 3b 00", IM(CMP, 4, 0) },
	{ 64, "lock orl $0x1,(%rbx)", "f0 83 0b 01", IM(OR, 4, 1) },
	{ 64, "lock add %eax,(%rbx)", "f0 01 03", RM(ADD, 4, 0, 0) },
	{ 64, "test %eax,(%rbx)", "85 03", RM(TEST, 4, 0, 0) },
	{ 64, "test %ch,(%rbx)", "84 2b", RM(TEST, 1, 1, 1) },
	{ 64, "testl $0x80000000,(%rbx)", "f7 03 00 00 00 80", IM(TEST, 4, 0x80000000) },
	{ 64, "testb $0x1,(%rbx)", "f6 03 01", IM(TEST, 1, 1) },
	{ 64, "testq $-16,(%rbx)", "48 f7 03 f0 ff ff ff", IM(TEST, 8, 0xfffffffffffffff0ULL) },
	{ 64, "notl (%rbx)", "f7 13", UN(NOT, 4) },
	{ 64, "negq (%rbx)", "48 f7 1b", UN(NEG, 8) },
	{ 64, "lock notb (%rbx)", "f0 f6 13", UN(NOT, 1) },
	{ 64, "incl (%rbx)", "ff 03", UN(INC, 4) },
	{ 64, "decw (%rbx)", "66 ff 0b", UN(DEC, 2) },
	{ 64, "lock incq (%rbx)", "f0 48 ff 03", UN(INC, 8) },
	{ 64, "xchg %eax,(%rbx)", "87 03", RM(XCHG, 4, 0, 0) },
	{ 64, "xchg %r8b,(%rbx)", "44 86 03", RM(XCHG, 1, 8, 0) },
	{ 64, "xchg %rcx,(%rbx)", "48 87 0b", RM(XCHG, 8, 1, 0) },
	{ 64, "bt %eax,(%rbx)", "0f a3 03", RM(BT, 4, 0, 0) },
	{ 64, "bts %rcx,(%rbx)", "48 0f ab 0b", RM(BTS, 8, 1, 0) },
	{ 64, "btr %dx,(%rbx)", "66 0f b3 13", RM(BTR, 2, 2, 0) },
	{ 64, "btc %esi,(%rbx)", "0f bb 33", RM(BTC, 4, 6, 0) },
	{ 64, "btl $0x1f,(%rbx)", "0f ba 23 1f", IM(BT, 4, 0x1f) },
	{ 64, "btsq $0x3f,(%rbx)", "48 0f ba 2b 3f", IM(BTS, 8, 0x3f) },
	{ 64, "btrl $0x3,(%rbx)", "0f ba 33 03", IM(BTR, 4, 3) },
	{ 64, "btcw $0xf,(%rbx)", "66 0f ba 3b 0f", IM(BTC, 2, 0xf) },
	{ 64, "lock btsl $0x3,(%rbx)", "f0 0f ba 2b 03", IM(BTS, 4, 3) },
	{ 64, "cmpxchg %ecx,(%rbx)", "0f b1 0b", RM(CMPXCHG, 4, 1, 0) },
	{ 64, "cmpxchg %dl,(%rbx)", "0f b0 13", RM(CMPXCHG, 1, 2, 0) },
	{ 64, "lock cmpxchg %r9,(%rbx)", "f0 4c 0f b1 0b", RM(CMPXCHG, 8, 9, 0) },
	{ 64, "movnti %eax,(%rbx)", "0f c3 03", NT(4, 0) },
	{ 64, "movnti %r10,(%rbx)", "4c 0f c3 13", NT(8, 10) },
	{ 64, "stos %eax,%es:(%rdi)", "ab", SS(4, 0, 8) },
	{ 64, "stos %al,%es:(%rdi)", "aa", SS(1, 0, 8) },
	{ 64, "rep stos %rax,%es:(%rdi)", "f3 48 ab", SS(8, 1, 8) },
	{ 64, "rep stos %ax,%es:(%rdi)", "66 f3 ab", SS(2, 1, 8) },
	{ 64, "addr32 rep stos %eax,%es:(%edi)", "67 f3 ab", SS(4, 1, 4) },
	{ 64, "movsb %ds:(%rsi),%es:(%rdi)", "a4", MV(1, 0, 8, -1) },
	{ 64, "rep movsl %fs:(%rsi),%es:(%rdi)", "64 f3 a5", MV(4, 1, 8, 4) },
	{ 64, "rep movsq %ds:(%rsi),%es:(%rdi)", "f3 48 a5", MV(8, 1, 8, -1) },
	{ 32, "rep movsw %es:(%esi),%es:(%edi)", "26 66 f3 a5", MV(2, 1, 4, 0) },
	{ 32, "add %eax,(%ebx)", "01 03", RM(ADD, 4, 0, 0) },
	{ 32, "rep stos %eax,%es:(%edi)", "f3 ab", SS(4, 1, 4) },
	/* 82 /0 is the 32-bit alias of 80 /0 (addb $1,(%ebx)); #UD in 64. */
	{ 32, NULL, "82 03 01", IM(ADD, 1, 1) },
	{ 64, NULL, "82 03 01", BAD },
	{ 16, "add %ax,(%bx)", "01 07", RM(ADD, 2, 0, 0) },
	{ 16, "orl $0x1,(%bx,%si)", "66 83 08 01", IM(OR, 4, 1) },
	{ 16, "btsw $0x2,(%di)", "0f ba 2d 02", IM(BTS, 2, 2) },
	/* LOCK where the CPU raises #UD: read-only or register destination. */
	{ 64, NULL, "f0 83 3b 00", BAD },	/* lock cmpl $0,(%rbx) */
	{ 64, NULL, "f0 85 03", BAD },		/* lock test %eax,(%rbx) */
	{ 64, NULL, "f0 0f a3 03", BAD },	/* lock bt %eax,(%rbx) */
	{ 64, NULL, "f0 03 03", BAD },		/* lock add (%rbx),%eax */
	{ 64, NULL, "f3 01 03", BAD },		/* rep add %eax,(%rbx) */
	{ 64, NULL, "66 0f c3 03", BAD },	/* movnti with 66: #UD */
	{ 64, "mull (%rbx)", "f7 23", BAD },
	{ 64, "call *(%rbx)", "ff 13", BAD },
	{ 64, "add %eax,%ebx", "01 c3", BAD },
	{ 64, NULL, "0f ba 03 01", BAD },	/* 0F BA /0: reserved */
	{ 64, "movdqa (%rbx),%xmm0", "66 0f 6f 03", BAD },
};

static unsigned int parse(const char *hex, u8 pad, u8 *buf)
{
	unsigned int n = 0;

	memset(buf, pad, PAD);
	while (*hex) {
		buf[n++] = strtoul(hex, (char **)&hex, 16);
		while (*hex == ' ')
			hex++;
	}
	return n;
}

static void check_rmw(const struct rmw_vec *v)
{
	struct vmon_mmio_insn in;
	u8 buf[PAD];
	unsigned int len, i;
	int ret;

	ut_begin("rmw decode %d-bit %s", v->mode, v->as ? v->as : v->hex);
	len = parse(v->hex, 0x90, buf);
	ret = vmon_decode_mmio(buf, PAD, v->mode, &in);
	UT_EQ(ret, v->ret);
	if (ret || v->ret)
		return;
	UT_EQ(in.len, len);
	UT_EQ(in.kind, v->kind);
	UT_EQ(in.size, v->size);
	if (v->kind == VMON_INSN_STOS || v->kind == VMON_INSN_MOVS) {
		UT_EQ(in.rep, v->rep);
		UT_EQ(in.addr_size, v->addr_size);
		if (v->kind == VMON_INSN_MOVS)
			UT_EQ(in.seg, v->seg);
	} else {
		UT_EQ(in.reg, v->reg);
		UT_EQ(in.high8, v->high8);
	}
	if (v->kind == VMON_INSN_RMW) {
		UT_EQ(in.op, v->op);
		UT_EQ(in.src_imm, v->src_imm);
		UT_EQ(in.mem_dst, v->mem_dst);
		if (v->src_imm)
			UT_EQ(in.imm, v->imm);
	}
	for (i = 0; i < len; i++) {
		ret = vmon_decode_mmio(buf, i, v->mode, &in);
		if (ret != -EAGAIN)
			ut_fail(__FILE__, __LINE__,
				"avail %u of %u: ret %d, expected -EAGAIN",
				i, len, ret);
	}
}

void rmw_add_gas(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rmw_vecs); i++)
		add_gas(rmw_vecs[i].mode, rmw_vecs[i].as, rmw_vecs[i].hex);
}

/* ------------------------------------------------------------------ */
/* vmon_insn_exec() against the host CPU                              */

#define ARITH	0x8d5ULL
#define CF	0x001ULL
#define AF	0x010ULL

/*
 * One host instruction on *mem with source src (rAX for CMPXCHG in
 * *rax), flags in and out through *fl. -mno-red-zone (Makefile) keeps
 * the pushf/popf from clobbering the compiler's locals.
 */
typedef void host_fn(u64 *mem, u64 src, u64 *rax, u64 *fl);

#define H2(name, mn, T, sfx, c)						\
static void h_##name##sfx(u64 *mem, u64 src, u64 *rax, u64 *fl)	\
{									\
	T m = *mem, s = src;						\
	u64 f = *fl;							\
	(void)rax;							\
	asm volatile("push %[f]\n\tpopf\n\t" mn #sfx " %[s], %[m]\n\t"	\
		     "pushf\n\tpop %[f]"				\
		     : [m] "+m"(m), [f] "+r"(f) : [s] c(s) : "cc");	\
	*mem = (u64)m;							\
	*fl = f;							\
}
#define HX(name, mn, T, sfx, c)						\
static void h_##name##sfx(u64 *mem, u64 src, u64 *rax, u64 *fl)	\
{									\
	T m = *mem, s = src;						\
	u64 f = *fl;							\
	(void)rax;							\
	asm volatile("push %[f]\n\tpopf\n\t" mn #sfx " %[s], %[m]\n\t"	\
		     "pushf\n\tpop %[f]"				\
		     : [m] "+m"(m), [f] "+r"(f), [s] "+" c(s) : : "cc");\
	*mem = (u64)m;							\
	*fl = f;							\
	*rax = (u64)s;		/* XCHG: the register's new value */	\
}
#define H1(name, mn, T, sfx)						\
static void h_##name##sfx(u64 *mem, u64 src, u64 *rax, u64 *fl)	\
{									\
	T m = *mem;							\
	u64 f = *fl;							\
	(void)src; (void)rax;						\
	asm volatile("push %[f]\n\tpopf\n\t" mn #sfx " %[m]\n\t"	\
		     "pushf\n\tpop %[f]"				\
		     : [m] "+m"(m), [f] "+r"(f) : : "cc");		\
	*mem = (u64)m;							\
	*fl = f;							\
}
#define HC(T, sfx, c)							\
static void h_cmpxchg##sfx(u64 *mem, u64 src, u64 *rax, u64 *fl)	\
{									\
	T m = *mem, s = src;						\
	u64 f = *fl, a = *rax;	/* the whole of RAX, as the CPU has it */\
	asm volatile("push %[f]\n\tpopf\n\tcmpxchg" #sfx " %[s], %[m]\n\t"\
		     "pushf\n\tpop %[f]"				\
		     : [m] "+m"(m), [f] "+r"(f), "+a"(a) : [s] c(s) : "cc");\
	*mem = (u64)m;							\
	*fl = f;							\
	*rax = a;							\
}

#define ALL2(name, mn)							\
	H2(name, mn, u8, b, "q") H2(name, mn, u16, w, "r")		\
	H2(name, mn, u32, l, "r") H2(name, mn, u64, q, "r")
#define ALLBT(name, mn)							\
	H2(name, mn, u16, w, "r") H2(name, mn, u32, l, "r")		\
	H2(name, mn, u64, q, "r")
#define ALL1(name, mn)							\
	H1(name, mn, u8, b) H1(name, mn, u16, w)			\
	H1(name, mn, u32, l) H1(name, mn, u64, q)

ALL2(add, "add") ALL2(or, "or") ALL2(adc, "adc") ALL2(sbb, "sbb")
ALL2(and, "and") ALL2(sub, "sub") ALL2(xor, "xor") ALL2(cmp, "cmp")
ALL2(test, "test")
ALL1(not, "not") ALL1(neg, "neg") ALL1(inc, "inc") ALL1(dec, "dec")
ALLBT(bt, "bt") ALLBT(bts, "bts") ALLBT(btr, "btr") ALLBT(btc, "btc")
HX(xchg, "xchg", u8, b, "q") HX(xchg, "xchg", u16, w, "r")
HX(xchg, "xchg", u32, l, "r") HX(xchg, "xchg", u64, q, "r")
HC(u8, b, "q") HC(u16, w, "r") HC(u32, l, "r") HC(u64, q, "r")

struct exec_op {
	enum vmon_alu_op op;
	const char *name;
	host_fn *fn[4];		/* sizes 1, 2, 4, 8; NULL: no such form */
	u64 defined;		/* flags the SDM defines after it */
};

#define FNS(n)	{ h_##n##b, h_##n##w, h_##n##l, h_##n##q }
#define FNSBT(n) { NULL, h_##n##w, h_##n##l, h_##n##q }

static const struct exec_op exec_ops[] = {
	{ VMON_ALU_ADD, "add", FNS(add), ARITH },
	{ VMON_ALU_OR, "or", FNS(or), ARITH & ~AF },
	{ VMON_ALU_ADC, "adc", FNS(adc), ARITH },
	{ VMON_ALU_SBB, "sbb", FNS(sbb), ARITH },
	{ VMON_ALU_AND, "and", FNS(and), ARITH & ~AF },
	{ VMON_ALU_SUB, "sub", FNS(sub), ARITH },
	{ VMON_ALU_XOR, "xor", FNS(xor), ARITH & ~AF },
	{ VMON_ALU_CMP, "cmp", FNS(cmp), ARITH },
	{ VMON_ALU_TEST, "test", FNS(test), ARITH & ~AF },
	{ VMON_ALU_NOT, "not", FNS(not), ARITH },
	{ VMON_ALU_NEG, "neg", FNS(neg), ARITH },
	{ VMON_ALU_INC, "inc", FNS(inc), ARITH },
	{ VMON_ALU_DEC, "dec", FNS(dec), ARITH },
	{ VMON_ALU_BT, "bt", FNSBT(bt), CF },
	{ VMON_ALU_BTS, "bts", FNSBT(bts), CF },
	{ VMON_ALU_BTR, "btr", FNSBT(btr), CF },
	{ VMON_ALU_BTC, "btc", FNSBT(btc), CF },
	{ VMON_ALU_XCHG, "xchg", FNS(xchg), ARITH },
	{ VMON_ALU_CMPXCHG, "cmpxchg", FNS(cmpxchg), ARITH },
};

static const u64 values[] = {
	0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x7fff, 0x8000,
	0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xfffffffffffffffeULL, ~0ULL,
	0x0123456789abcdefULL, 0xfedcba9876543210ULL,
};

static u64 mask_of(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static void exec_one(const struct exec_op *e, unsigned int si, u64 a, u64 b,
		     u64 fin, unsigned int *fails)
{
	unsigned int size = 1u << si;
	u64 m = mask_of(size), hmem = a & m, hrax, hfl = fin, regs[16], fl = fin;
	u64 wval = 0;
	struct vmon_mmio_insn in = {
		.kind = VMON_INSN_RMW, .op = e->op, .size = size,
		.reg = 1, .mem_dst = true,
	};
	bool write, bad;

	memset(regs, 0, sizeof(regs));
	if (e->op >= VMON_ALU_BT && e->op <= VMON_ALU_BTC)
		b &= size * 8 - 1;	/* the bit inside the chunk read */
	regs[1] = b;
	regs[0] = e->op == VMON_ALU_CMPXCHG ? (a & 1 ? a : b ^ a) : 0;
	hrax = regs[0];
	if (e->op == VMON_ALU_CMPXCHG && (b & 3) == 0)
		regs[0] = hrax = a;	/* some compares succeed */
	e->fn[si](&hmem, b, &hrax, &hfl);

	write = vmon_insn_exec(&in, regs, &fl, a, &wval);
	bad = ((fl ^ hfl) & e->defined) || ((fl ^ fin) & ~ARITH);
	if (write)
		bad |= wval != (hmem & m);
	else
		bad |= (hmem & m) != (a & m);
	if (e->op == VMON_ALU_XCHG)
		bad |= (regs[1] & m) != (hrax & m);
	if (e->op == VMON_ALU_CMPXCHG)
		bad |= regs[0] != hrax;
	if (bad && (*fails)++ < 4)
		ut_fail(__FILE__, __LINE__,
			"%s size %u a %#llx b %#llx flags %#llx: vmon mem %#llx (write %d) flags %#llx, cpu mem %#llx flags %#llx",
			e->name, size, (unsigned long long)a,
			(unsigned long long)b, (unsigned long long)fin,
			(unsigned long long)wval, write,
			(unsigned long long)fl, (unsigned long long)hmem,
			(unsigned long long)hfl);
}

static void test_exec_vs_cpu(void)
{
	static const u64 fins[] = { 0x2, 0x3, 0x2 | ARITH, 0x2 | (ARITH & ~CF) };
	unsigned int o, si, i, j, f;

	for (o = 0; o < ARRAY_SIZE(exec_ops); o++) {
		for (si = 0; si < 4; si++) {
			unsigned int fails = 0;

			if (!exec_ops[o].fn[si])
				continue;
			ut_begin("exec %s size %u = cpu", exec_ops[o].name,
				 1u << si);
			for (i = 0; i < ARRAY_SIZE(values); i++)
				for (j = 0; j < ARRAY_SIZE(values); j++)
					for (f = 0; f < ARRAY_SIZE(fins); f++)
						exec_one(&exec_ops[o], si,
							 values[i], values[j],
							 fins[f], &fails);
		}
	}
}

/* The register-destination forms and a high-byte source. */
static void test_exec_forms(void)
{
	struct vmon_mmio_insn in = {
		.kind = VMON_INSN_RMW, .op = VMON_ALU_SUB, .size = 4,
		.reg = 3, .mem_dst = false,
	};
	u64 regs[16] = { 0 }, fl = 0x2, w = 0;

	ut_begin("exec sub (mem),%%ebx: register result, zero-extended");
	regs[3] = 0xffffffff00000005ULL;
	UT_EQ(vmon_insn_exec(&in, regs, &fl, 7, &w), false);
	UT_EQ(regs[3], 0xfffffffeULL);
	UT_EQ(fl & ARITH, CF | 0x80 | AF);	/* 5 - 7: CF, SF, AF; PF odd */

	ut_begin("exec cmp (mem),%%bh: flags only");
	in.op = VMON_ALU_CMP;
	in.size = 1;
	in.high8 = true;
	regs[3] = 0x4200;
	fl = 0x2;
	UT_EQ(vmon_insn_exec(&in, regs, &fl, 0x42, &w), false);
	UT_EQ(regs[3], 0x4200);
	UT_EQ(fl & ARITH, 0x40 | 0x4);		/* ZF, PF */

	ut_begin("exec or %%ah,(mem): the high byte is the source");
	in.op = VMON_ALU_OR;
	in.mem_dst = true;
	regs[0] = 0x8100;
	in.reg = 0;
	UT_EQ(vmon_insn_exec(&in, regs, &fl, 0x02, &w), true);
	UT_EQ(w, 0x83);

	ut_begin("exec orl $imm,(mem): the immediate is the source");
	in = (struct vmon_mmio_insn){ .kind = VMON_INSN_RMW, .op = VMON_ALU_OR,
				      .size = 4, .src_imm = true,
				      .imm = 0x100, .mem_dst = true };
	UT_EQ(vmon_insn_exec(&in, regs, &fl, 0x1, &w), true);
	UT_EQ(w, 0x101);

	ut_begin("exec rejects a non-RMW instruction");
	in.kind = VMON_INSN_LOAD;
	UT_EQ(vmon_insn_exec(&in, regs, &fl, 0x1, &w), false);
}

void test_insn_rmw(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rmw_vecs); i++)
		check_rmw(&rmw_vecs[i]);
	test_exec_forms();
	test_exec_vs_cpu();
}
