// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for core/insn.c.
 *
 * Every vector carries the GNU as source it was generated from; the
 * "gas:" cases re-assemble those (as --64, or --32 with .code16 for the
 * 16-bit ones) and check that the table bytes still match, so the tables
 * cannot silently drift from real encodings. Vectors with a NULL source are
 * byte sequences as cannot produce (redundant or misplaced prefixes,
 * reserved forms); their disassembly is noted where it matters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "ut.h"

#define PAD	32

enum { NOSEG, S_ES, S_CS, S_SS, S_DS, S_FS, S_GS };

struct mmio_vec {
	int mode;
	const char *as;
	const char *hex;
	int ret;
	enum vmon_insn_kind kind;
	unsigned int size, dst_size;
	bool sext;
	int reg;
	bool high8;
	u64 imm;
	int segp1;		/* expected seg + 1 (NOSEG = none) */
};

#define LD(s, d, x, r, h)	0, VMON_INSN_LOAD, s, d, x, r, h, 0
#define SR(s, r, h)		0, VMON_INSN_STORE_REG, s, 0, 0, r, h, 0
#define SI(s, i)		0, VMON_INSN_STORE_IMM, s, 0, 0, 0, 0, i
#define BAD			-EINVAL, 0, 0, 0, 0, 0, 0, 0

static const struct mmio_vec mmio_vecs[] = {
	{ 64, "mov (%rbx),%al", "8a 03", LD(1, 1, 0, 0, 0), NOSEG },
	{ 64, "mov (%rbx),%cl", "8a 0b", LD(1, 1, 0, 1, 0), NOSEG },
	{ 64, "mov (%rbx),%ah", "8a 23", LD(1, 1, 0, 0, 1), NOSEG },
	{ 64, "mov (%rbx),%ch", "8a 2b", LD(1, 1, 0, 1, 1), NOSEG },
	{ 64, "mov (%rbx),%dh", "8a 33", LD(1, 1, 0, 2, 1), NOSEG },
	{ 64, "mov (%rbx),%bh", "8a 3b", LD(1, 1, 0, 3, 1), NOSEG },
	{ 64, "mov (%rbx),%spl", "40 8a 23", LD(1, 1, 0, 4, 0), NOSEG },
	{ 64, "mov (%rbx),%bpl", "40 8a 2b", LD(1, 1, 0, 5, 0), NOSEG },
	{ 64, "mov (%rbx),%sil", "40 8a 33", LD(1, 1, 0, 6, 0), NOSEG },
	{ 64, "mov (%rbx),%dil", "40 8a 3b", LD(1, 1, 0, 7, 0), NOSEG },
	{ 64, "mov (%rbx),%r8b", "44 8a 03", LD(1, 1, 0, 8, 0), NOSEG },
	{ 64, "mov (%r12),%r15b", "45 8a 3c 24", LD(1, 1, 0, 15, 0), NOSEG },
	{ 64, "mov (%rbx),%ax", "66 8b 03", LD(2, 2, 0, 0, 0), NOSEG },
	{ 64, "mov (%rbx),%eax", "8b 03", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "mov (%rbx),%rax", "48 8b 03", LD(8, 8, 0, 0, 0), NOSEG },
	{ 64, "mov (%rbx),%r9", "4c 8b 0b", LD(8, 8, 0, 9, 0), NOSEG },
	{ 64, "mov (%rbx),%r10d", "44 8b 13", LD(4, 4, 0, 10, 0), NOSEG },
	{ 64, "mov (%rbx),%r11w", "66 44 8b 1b", LD(2, 2, 0, 11, 0), NOSEG },
	{ 64, "mov (%rax),%rsp", "48 8b 20", LD(8, 8, 0, 4, 0), NOSEG },
	{ 64, "mov 0x10(%rbx),%ecx", "8b 4b 10", LD(4, 4, 0, 1, 0), NOSEG },
	{ 64, "mov 0x12345678(%rbx),%edx", "8b 93 78 56 34 12", LD(4, 4, 0, 2, 0), NOSEG },
	{ 64, "mov -0x80(%rbp),%esi", "8b 75 80", LD(4, 4, 0, 6, 0), NOSEG },
	{ 64, "mov (%rbp),%eax", "8b 45 00", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "mov (%r13),%eax", "41 8b 45 00", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "mov (%rsp),%eax", "8b 04 24", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "mov (%r12),%eax", "41 8b 04 24", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "mov 0x8(%rsp),%edi", "8b 7c 24 08", LD(4, 4, 0, 7, 0), NOSEG },
	{ 64, "mov -0x12345678(%rsp),%edi", "8b bc 24 88 a9 cb ed", LD(4, 4, 0, 7, 0), NOSEG },
	{ 64, "mov (%rax,%rcx,4),%eax", "8b 04 88", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "mov 0x1000(%rax,%r9,8),%r14", "4e 8b b4 c8 00 10 00 00", LD(8, 8, 0, 14, 0), NOSEG },
	{ 64, "mov 0x7f(%r13,%r13,1),%r13", "4f 8b 6c 2d 7f", LD(8, 8, 0, 13, 0), NOSEG },
	{ 64, "mov 0x12345678(,%rbx,2),%eax", "8b 04 5d 78 56 34 12", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "mov 0x12345678(,%r12,8),%r8", "4e 8b 04 e5 78 56 34 12", LD(8, 8, 0, 8, 0), NOSEG },
	{ 64, "mov 0x1234(%rip),%eax", "8b 05 34 12 00 00", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "mov -0x4(%rip),%r12b", "44 8a 25 fc ff ff ff", LD(1, 1, 0, 12, 0), NOSEG },
	{ 64, "mov 0x1234,%eax", "8b 04 25 34 12 00 00", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "addr32 mov (%ebx),%eax", "67 8b 03", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "addr32 mov 0x10(%eip),%eax", "67 8b 05 10 00 00 00", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "addr32 mov 0x10(%eax,%ebx,2),%rdx", "67 48 8b 54 58 10", LD(8, 8, 0, 2, 0), NOSEG },
	{ 64, "mov %fs:(%rbx),%eax", "64 8b 03", LD(4, 4, 0, 0, 0), S_FS },
	{ 64, "mov %gs:0x10,%rax", "65 48 8b 04 25 10 00 00 00", LD(8, 8, 0, 0, 0), S_GS },
	{ 64, NULL, "3e 8b 03", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, NULL, "26 2e 36 8b 03", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, NULL, "64 3e 8b 03", LD(4, 4, 0, 0, 0), S_FS },
	{ 64, NULL, "3e 65 8b 03", LD(4, 4, 0, 0, 0), S_GS },
	{ 64, NULL, "64 65 8b 03", LD(4, 4, 0, 0, 0), S_GS },
	{ 64, "movzbl (%rbx),%eax", "0f b6 03", LD(1, 4, 0, 0, 0), NOSEG },
	{ 64, "movzbw (%rbx),%ax", "66 0f b6 03", LD(1, 2, 0, 0, 0), NOSEG },
	{ 64, "movzbq (%rbx),%r8", "4c 0f b6 03", LD(1, 8, 0, 8, 0), NOSEG },
	{ 64, "movzwl (%rbx),%eax", "0f b7 03", LD(2, 4, 0, 0, 0), NOSEG },
	{ 64, "movzwq 0x10(%rsp),%rax", "48 0f b7 44 24 10", LD(2, 8, 0, 0, 0), NOSEG },
	{ 64, NULL, "66 0f b7 0b", LD(2, 2, 0, 1, 0), NOSEG },
	{ 64, "movsbl (%rbx),%eax", "0f be 03", LD(1, 4, 1, 0, 0), NOSEG },
	{ 64, "movsbw (%rbx),%dx", "66 0f be 13", LD(1, 2, 1, 2, 0), NOSEG },
	{ 64, "movsbq (%rbx),%rsi", "48 0f be 33", LD(1, 8, 1, 6, 0), NOSEG },
	{ 64, "movswl (%rbx),%r9d", "44 0f bf 0b", LD(2, 4, 1, 9, 0), NOSEG },
	{ 64, "movswq (%rbx),%r12", "4c 0f bf 23", LD(2, 8, 1, 12, 0), NOSEG },
	{ 64, "movslq (%rbx),%rax", "48 63 03", LD(4, 8, 1, 0, 0), NOSEG },
	{ 64, "movslq 0x12345678(%rip),%r15", "4c 63 3d 78 56 34 12", LD(4, 8, 1, 15, 0), NOSEG },
	{ 64, "movsxd (%rbx),%eax", "63 03", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "movabs 0x1122334455667788,%al", "a0 88 77 66 55 44 33 22 11", LD(1, 1, 0, 0, 0), NOSEG },
	{ 64, "movabs 0x1122334455667788,%ax", "66 a1 88 77 66 55 44 33 22 11", LD(2, 2, 0, 0, 0), NOSEG },
	{ 64, "movabs 0x1122334455667788,%eax", "a1 88 77 66 55 44 33 22 11", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "movabs 0x1122334455667788,%rax", "48 a1 88 77 66 55 44 33 22 11", LD(8, 8, 0, 0, 0), NOSEG },
	{ 64, "addr32 mov 0x12345678,%eax", "67 a1 78 56 34 12", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, "movabs %fs:0x1122334455667788,%eax", "64 a1 88 77 66 55 44 33 22 11", LD(4, 4, 0, 0, 0), S_FS },
	{ 64, NULL, "48 66 8b 03", LD(2, 2, 0, 0, 0), NOSEG },
	{ 64, NULL, "66 48 8b 03", LD(8, 8, 0, 0, 0), NOSEG },
	{ 64, NULL, "41 3e 8a 23", LD(1, 1, 0, 0, 1), NOSEG },
	{ 64, NULL, "4c 41 8b 03", LD(4, 4, 0, 0, 0), NOSEG },
	{ 64, NULL, "40 8a 23", LD(1, 1, 0, 4, 0), NOSEG },
	{ 64, "mov %al,(%rbx)", "88 03", SR(1, 0, 0), NOSEG },
	{ 64, "mov %ah,(%rbx)", "88 23", SR(1, 0, 1), NOSEG },
	{ 64, "mov %bh,0x10(%rsi)", "88 7e 10", SR(1, 3, 1), NOSEG },
	{ 64, "mov %dil,(%rbx)", "40 88 3b", SR(1, 7, 0), NOSEG },
	{ 64, "mov %r9b,(%rbx)", "44 88 0b", SR(1, 9, 0), NOSEG },
	{ 64, "mov %ax,(%rbx)", "66 89 03", SR(2, 0, 0), NOSEG },
	{ 64, "mov %eax,(%rbx)", "89 03", SR(4, 0, 0), NOSEG },
	{ 64, "mov %rax,(%rbx)", "48 89 03", SR(8, 0, 0), NOSEG },
	{ 64, "mov %r15,(%r14)", "4d 89 3e", SR(8, 15, 0), NOSEG },
	{ 64, "mov %r8d,0x12345678(%r13,%r12,8)", "47 89 84 e5 78 56 34 12", SR(4, 8, 0), NOSEG },
	{ 64, "mov %esp,0x1234(%rip)", "89 25 34 12 00 00", SR(4, 4, 0), NOSEG },
	{ 64, "mov %cx,%gs:(%rdi)", "65 66 89 0f", SR(2, 1, 0), S_GS },
	{ 64, "movabs %al,0x1122334455667788", "a2 88 77 66 55 44 33 22 11", SR(1, 0, 0), NOSEG },
	{ 64, "movabs %rax,0x1122334455667788", "48 a3 88 77 66 55 44 33 22 11", SR(8, 0, 0), NOSEG },
	{ 64, "addr32 mov %ax,0x12345678", "67 66 a3 78 56 34 12", SR(2, 0, 0), NOSEG },
	{ 64, "xrelease mov %eax,(%rbx)", "f3 89 03", SR(4, 0, 0), NOSEG },
	{ 64, "xrelease mov %ah,(%rbx)", "f3 88 23", SR(1, 0, 1), NOSEG },
	{ 64, "movb $0x12,(%rbx)", "c6 03 12", SI(1, 0x12), NOSEG },
	{ 64, "movb $0x80,(%rbx)", "c6 03 80", SI(1, 0xffffffffffffff80), NOSEG },
	{ 64, "movw $0x1234,(%rbx)", "66 c7 03 34 12", SI(2, 0x1234), NOSEG },
	{ 64, "movw $0x8000,(%rbx)", "66 c7 03 00 80", SI(2, 0xffffffffffff8000), NOSEG },
	{ 64, "movl $0x12345678,(%rbx)", "c7 03 78 56 34 12", SI(4, 0x12345678), NOSEG },
	{ 64, "movl $0x87654321,(%rbx)", "c7 03 21 43 65 87", SI(4, 0xffffffff87654321), NOSEG },
	{ 64, "movq $-1,(%rbx)", "48 c7 03 ff ff ff ff", SI(8, 0xffffffffffffffff), NOSEG },
	{ 64, "movq $0x7fffffff,(%rbx)", "48 c7 03 ff ff ff 7f", SI(8, 0x7fffffff), NOSEG },
	{ 64, "movq $-0x80000000,(%r8)", "49 c7 00 00 00 00 80", SI(8, 0xffffffff80000000), NOSEG },
	{ 64, "movl $0x1,0x10(%rip)", "c7 05 10 00 00 00 01 00 00 00", SI(4, 1), NOSEG },
	{ 64, "movw $0x5678,0x10(%rip)", "66 c7 05 10 00 00 00 78 56", SI(2, 0x5678), NOSEG },
	{ 64, "movl $0x1,0x12345678(,%rax,4)", "c7 04 85 78 56 34 12 01 00 00 00", SI(4, 1), NOSEG },
	{ 64, "movb $0x1,%gs:(%rax)", "65 c6 00 01", SI(1, 1), S_GS },
	{ 64, "movq $-2,0x100(%rsp)", "48 c7 84 24 00 01 00 00 fe ff ff ff", SI(8, 0xfffffffffffffffe), NOSEG },
	{ 64, "xrelease movl $0x1,(%rbx)", "f3 c7 03 01 00 00 00", SI(4, 1), NOSEG },
	{ 64, NULL, "2e 2e 2e 2e 2e 66 c7 84 24 00 01 00 00 34 12", SI(2, 0x1234), NOSEG },
	{ 64, NULL, "2e 2e 2e 2e 2e 2e 66 c7 84 24 00 01 00 00 34 12", BAD, NOSEG },
	{ 64, NULL, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e", BAD, NOSEG },
	{ 64, NULL, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66", BAD, NOSEG },
	{ 64, NULL, "66 66 66 66 66 66 66 66 66 66 66 66 66 8b 03", LD(2, 2, 0, 0, 0), NOSEG },
	{ 64, NULL, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 8b 03", BAD, NOSEG },
	{ 64, "mov %eax,%ebx", "89 c3", BAD, NOSEG },
	{ 64, NULL, "8b c3", BAD, NOSEG },
	{ 64, NULL, "8a e0", BAD, NOSEG },
	{ 64, "movzbl %al,%eax", "0f b6 c0", BAD, NOSEG },
	{ 64, "movslq %eax,%rax", "48 63 c0", BAD, NOSEG },
	{ 64, NULL, "c7 c0 01 00 00 00", BAD, NOSEG },
	{ 64, NULL, "c6 08 01", BAD, NOSEG },
	{ 64, NULL, "c7 38 01 00 00 00", BAD, NOSEG },
	{ 64, "xabort $0x1", "c6 f8 01", BAD, NOSEG },
	{ 64, "movdqa (%rbx),%xmm0", "66 0f 6f 03", BAD, NOSEG },
	{ 64, "vmovdqu (%rbx),%ymm0", "c5 fe 6f 03", BAD, NOSEG },
	{ 64, "mov %es,(%rbx)", "8c 03", BAD, NOSEG },
	{ 64, "mov (%rbx),%es", "8e 03", BAD, NOSEG },
	{ 64, "push (%rbx)", "ff 33", BAD, NOSEG },
	{ 64, "popcnt (%rbx),%eax", "f3 0f b8 03", BAD, NOSEG },
	{ 64, NULL, "f0 89 03", BAD, NOSEG },
	{ 64, NULL, "f0 8b 03", BAD, NOSEG },
	{ 64, NULL, "f2 89 03", BAD, NOSEG },
	{ 64, NULL, "f3 8b 03", BAD, NOSEG },
	{ 64, NULL, "f3 a1 78 56 34 12 00 00 00 00", BAD, NOSEG },
	{ 64, NULL, "f3 0f b6 03", BAD, NOSEG },
	{ 64, NULL, "66 63 03", BAD, NOSEG },
	{ 64, NULL, "0f 0b", BAD, NOSEG },
	{ 32, "mov (%ebx),%eax", "8b 03", LD(4, 4, 0, 0, 0), NOSEG },
	{ 32, "mov (%ebx),%ax", "66 8b 03", LD(2, 2, 0, 0, 0), NOSEG },
	{ 32, "mov (%ebx),%ah", "8a 23", LD(1, 1, 0, 0, 1), NOSEG },
	{ 32, "mov (%ebx),%bl", "8a 1b", LD(1, 1, 0, 3, 0), NOSEG },
	{ 32, "mov 0x12345678,%eax", "a1 78 56 34 12", LD(4, 4, 0, 0, 0), NOSEG },
	{ 32, "mov 0x12345678,%ecx", "8b 0d 78 56 34 12", LD(4, 4, 0, 1, 0), NOSEG },
	{ 32, "addr16 mov 0x1234,%al", "67 a0 34 12", LD(1, 1, 0, 0, 0), NOSEG },
	{ 32, "mov (%esp),%edi", "8b 3c 24", LD(4, 4, 0, 7, 0), NOSEG },
	{ 32, "mov 0x10(%ebp),%esi", "8b 75 10", LD(4, 4, 0, 6, 0), NOSEG },
	{ 32, "mov 0x12345678(,%ecx,4),%edx", "8b 14 8d 78 56 34 12", LD(4, 4, 0, 2, 0), NOSEG },
	{ 32, "mov 0x12345678(%eax,%ecx,4),%edx", "8b 94 88 78 56 34 12", LD(4, 4, 0, 2, 0), NOSEG },
	{ 32, "addr16 mov (%bx,%si),%eax", "67 8b 00", LD(4, 4, 0, 0, 0), NOSEG },
	{ 32, "addr16 mov 0x1234,%ecx", "67 8b 0e 34 12", LD(4, 4, 0, 1, 0), NOSEG },
	{ 32, "addr16 mov 0x1234(%bp,%di),%dx", "67 66 8b 93 34 12", LD(2, 2, 0, 2, 0), NOSEG },
	{ 32, "movzbl (%ebx),%eax", "0f b6 03", LD(1, 4, 0, 0, 0), NOSEG },
	{ 32, "movzwl (%ebx),%esp", "0f b7 23", LD(2, 4, 0, 4, 0), NOSEG },
	{ 32, "movsbw (%ebx),%bp", "66 0f be 2b", LD(1, 2, 1, 5, 0), NOSEG },
	{ 32, "movswl 0x4(%esi),%edi", "0f bf 7e 04", LD(2, 4, 1, 7, 0), NOSEG },
	{ 32, "mov %es:(%ebx),%eax", "26 8b 03", LD(4, 4, 0, 0, 0), S_ES },
	{ 32, "mov %cs:(%ebx),%eax", "2e 8b 03", LD(4, 4, 0, 0, 0), S_CS },
	{ 32, "mov %ss:(%eax),%eax", "36 8b 00", LD(4, 4, 0, 0, 0), S_SS },
	{ 32, "mov %ds:(%ebp),%eax", "3e 8b 45 00", LD(4, 4, 0, 0, 0), S_DS },
	{ 32, "mov %fs:(%ebx),%eax", "64 8b 03", LD(4, 4, 0, 0, 0), S_FS },
	{ 32, "mov %gs:0x10,%eax", "65 a1 10 00 00 00", LD(4, 4, 0, 0, 0), S_GS },
	{ 32, NULL, "64 26 8b 03", LD(4, 4, 0, 0, 0), S_ES },
	{ 32, "mov %eax,(%ebx)", "89 03", SR(4, 0, 0), NOSEG },
	{ 32, "mov %dh,(%ebx)", "88 33", SR(1, 2, 1), NOSEG },
	{ 32, "mov %si,0x10(%ebx)", "66 89 73 10", SR(2, 6, 0), NOSEG },
	{ 32, "mov %eax,0x12345678", "a3 78 56 34 12", SR(4, 0, 0), NOSEG },
	{ 32, "mov %al,0x12345678", "a2 78 56 34 12", SR(1, 0, 0), NOSEG },
	{ 32, "mov %ax,0x12345678", "66 a3 78 56 34 12", SR(2, 0, 0), NOSEG },
	{ 32, "movl $0x12345678,(%ebx)", "c7 03 78 56 34 12", SI(4, 0x12345678), NOSEG },
	{ 32, "movw $0x1,(%ebx)", "66 c7 03 01 00", SI(2, 1), NOSEG },
	{ 32, "movb $0xff,0x12345678", "c6 05 78 56 34 12 ff", SI(1, 0xffffffffffffffff), NOSEG },
	{ 32, "movl $0x1,0x8(%esp)", "c7 44 24 08 01 00 00 00", SI(4, 1), NOSEG },
	{ 32, NULL, "40 8b 03", BAD, NOSEG },
	{ 32, NULL, "48 89 03", BAD, NOSEG },
	{ 32, "arpl %ax,(%ebx)", "63 03", BAD, NOSEG },
	{ 32, "mov %eax,%ebx", "89 c3", BAD, NOSEG },
	{ 32, "les (%ebx),%eax", "c4 03", BAD, NOSEG },
	{ 32, NULL, "f0 89 03", BAD, NOSEG },
	{ 16, "mov (%bx),%ax", "8b 07", LD(2, 2, 0, 0, 0), NOSEG },
	{ 16, "mov (%bx),%eax", "66 8b 07", LD(4, 4, 0, 0, 0), NOSEG },
	{ 16, "mov (%bx,%si),%al", "8a 00", LD(1, 1, 0, 0, 0), NOSEG },
	{ 16, "mov (%bx,%si),%ch", "8a 28", LD(1, 1, 0, 1, 1), NOSEG },
	{ 16, "mov (%bp),%ax", "8b 46 00", LD(2, 2, 0, 0, 0), NOSEG },
	{ 16, "mov 0x1234,%cx", "8b 0e 34 12", LD(2, 2, 0, 1, 0), NOSEG },
	{ 16, "mov 0x10(%bx,%di),%dx", "8b 51 10", LD(2, 2, 0, 2, 0), NOSEG },
	{ 16, "mov 0x1234(%bp,%si),%bx", "8b 9a 34 12", LD(2, 2, 0, 3, 0), NOSEG },
	{ 16, "mov -0x2(%di),%sp", "8b 65 fe", LD(2, 2, 0, 4, 0), NOSEG },
	{ 16, "mov 0x1234,%al", "a0 34 12", LD(1, 1, 0, 0, 0), NOSEG },
	{ 16, "mov 0x1234,%ax", "a1 34 12", LD(2, 2, 0, 0, 0), NOSEG },
	{ 16, "mov 0x1234,%eax", "66 a1 34 12", LD(4, 4, 0, 0, 0), NOSEG },
	{ 16, "addr32 mov 0x12345678,%eax", "67 66 a1 78 56 34 12", LD(4, 4, 0, 0, 0), NOSEG },
	{ 16, "addr32 mov (%eax,%ecx,4),%ax", "67 8b 04 88", LD(2, 2, 0, 0, 0), NOSEG },
	{ 16, "addr32 mov 0x12345678,%si", "67 8b 35 78 56 34 12", LD(2, 2, 0, 6, 0), NOSEG },
	{ 16, "movzbw (%bx),%ax", "0f b6 07", LD(1, 2, 0, 0, 0), NOSEG },
	{ 16, "movzbl (%bx),%eax", "66 0f b6 07", LD(1, 4, 0, 0, 0), NOSEG },
	{ 16, "movsbw (%bx),%di", "0f be 3f", LD(1, 2, 1, 7, 0), NOSEG },
	{ 16, "movswl (%bx),%ebx", "66 0f bf 1f", LD(2, 4, 1, 3, 0), NOSEG },
	{ 16, "mov %es:(%di),%ax", "26 8b 05", LD(2, 2, 0, 0, 0), S_ES },
	{ 16, "mov %fs:(%bx),%ax", "64 8b 07", LD(2, 2, 0, 0, 0), S_FS },
	{ 16, "mov %ah,(%di)", "88 25", SR(1, 0, 1), NOSEG },
	{ 16, "mov %eax,0x1234", "66 a3 34 12", SR(4, 0, 0), NOSEG },
	{ 16, "mov %al,0x1234", "a2 34 12", SR(1, 0, 0), NOSEG },
	{ 16, "mov %bp,0x2(%bp)", "89 6e 02", SR(2, 5, 0), NOSEG },
	{ 16, "movw $0x1234,(%bx)", "c7 07 34 12", SI(2, 0x1234), NOSEG },
	{ 16, "movl $0x12345678,(%bx)", "66 c7 07 78 56 34 12", SI(4, 0x12345678), NOSEG },
	{ 16, "movb $0x12,0x10(%si)", "c6 44 10 12", SI(1, 0x12), NOSEG },
	{ 16, "movw $0xffff,%gs:0x1234", "65 c7 06 34 12 ff ff", SI(2, 0xffffffffffffffff), S_GS },
	{ 16, NULL, "40 8b 07", BAD, NOSEG },
	{ 16, "mov %ax,%bx", "89 c3", BAD, NOSEG },
};

struct len_vec {
	int mode;
	const char *as;
	const char *hex;
	int ret;		/* length or -EINVAL */
};

static const struct len_vec len_vecs[] = {
	{ 64, "hlt", "f4", 1 },
	{ 64, "cpuid", "0f a2", 2 },
	{ 64, "rdmsr", "0f 32", 2 },
	{ 64, "wrmsr", "0f 30", 2 },
	{ 64, "rdtsc", "0f 31", 2 },
	{ 64, "rdtscp", "0f 01 f9", 3 },
	{ 64, "rdpmc", "0f 33", 2 },
	{ 64, "invd", "0f 08", 2 },
	{ 64, "wbinvd", "0f 09", 2 },
	{ 64, "xsetbv", "0f 01 d1", 3 },
	{ 64, "vmcall", "0f 01 c1", 3 },
	{ 64, "vmmcall", "0f 01 d9", 3 },
	{ 64, "vmrun", "0f 01 d8", 3 },
	{ 64, "vmload", "0f 01 da", 3 },
	{ 64, "vmsave", "0f 01 db", 3 },
	{ 64, "stgi", "0f 01 dc", 3 },
	{ 64, "clgi", "0f 01 dd", 3 },
	{ 64, "skinit", "0f 01 de", 3 },
	{ 64, "invlpga", "0f 01 df", 3 },
	{ 64, "monitor", "0f 01 c8", 3 },
	{ 64, "mwait", "0f 01 c9", 3 },
	{ 64, "monitorx", "0f 01 fa", 3 },
	{ 64, "mwaitx", "0f 01 fb", 3 },
	{ 64, "pause", "f3 90", 2 },
	{ 64, "nop", "90", 1 },
	{ 64, "int3", "cc", 1 },
	{ 64, "int $0x80", "cd 80", 2 },
	{ 64, "int1", "f1", 1 },
	{ 64, "in $0x60,%al", "e4 60", 2 },
	{ 64, "in $0x60,%eax", "e5 60", 2 },
	{ 64, "in $0x60,%ax", "66 e5 60", 3 },
	{ 64, "in (%dx),%al", "ec", 1 },
	{ 64, "in (%dx),%ax", "66 ed", 2 },
	{ 64, "in (%dx),%eax", "ed", 1 },
	{ 64, "out %al,$0x80", "e6 80", 2 },
	{ 64, "out %eax,(%dx)", "ef", 1 },
	{ 64, "out %ax,$0x80", "66 e7 80", 3 },
	{ 64, "out %ax,(%dx)", "66 ef", 2 },
	{ 64, "insb", "6c", 1 },
	{ 64, "insw", "66 6d", 2 },
	{ 64, "insl", "6d", 1 },
	{ 64, "rep insb", "f3 6c", 2 },
	{ 64, "rep insl", "f3 6d", 2 },
	{ 64, "outsb", "6e", 1 },
	{ 64, "rep outsw", "66 f3 6f", 3 },
	{ 64, "outsl", "6f", 1 },
	{ 64, "rep outsb %fs:(%rsi),(%dx)", "64 f3 6e", 3 },
	{ 64, "addr32 rep insb", "67 f3 6c", 3 },
	{ 64, "addr32 outsw %gs:(%esi),(%dx)", "65 67 66 6f", 4 },
	{ 64, "invlpg (%rax)", "0f 01 38", 3 },
	{ 64, "invlpg 0x10(%rax)", "0f 01 78 10", 4 },
	{ 64, "invlpg 0x12345678(%rax,%rbx,4)", "0f 01 bc 98 78 56 34 12", 8 },
	{ 64, "invlpg 0x1234(%rip)", "0f 01 3d 34 12 00 00", 7 },
	{ 64, "invlpg (%r12)", "41 0f 01 3c 24", 5 },
	{ 64, "invlpg (%r13)", "41 0f 01 7d 00", 5 },
	{ 64, "invlpg 0x1234", "0f 01 3c 25 34 12 00 00", 8 },
	{ 64, "addr32 invlpg (%eax)", "67 0f 01 38", 4 },
	{ 64, "invlpg %fs:(%rax)", "64 0f 01 38", 4 },
	{ 64, "mov %cr0,%rax", "0f 20 c0", 3 },
	{ 64, "mov %rax,%cr3", "0f 22 d8", 3 },
	{ 64, "mov %rax,%cr8", "44 0f 22 c0", 4 },
	{ 64, "mov %cr4,%r10", "41 0f 20 e2", 4 },
	{ 64, "mov %cr2,%rax", "0f 20 d0", 3 },
	{ 64, "mov %db7,%rax", "0f 21 f8", 3 },
	{ 64, "mov %rax,%db0", "0f 23 c0", 3 },
	{ 64, "mov %r15,%db6", "41 0f 23 f7", 4 },
	{ 64, "clts", "0f 06", 2 },
	{ 64, "lmsw %ax", "0f 01 f0", 3 },
	{ 64, "lmsw (%rax)", "0f 01 30", 3 },
	{ 64, "lmsw 0x12345678(%rbx,%rcx,8)", "0f 01 b4 cb 78 56 34 12", 8 },
	{ 64, "smsw %eax", "0f 01 e0", 3 },
	{ 64, "smsw 0x10(%rbx)", "0f 01 63 10", 4 },
	{ 64, "smsw %rax", "48 0f 01 e0", 4 },
	{ 64, NULL, "f0 0f 22 c0", 4 },
	{ 64, NULL, "66 2e 67 f3 f4", 5 },
	{ 64, NULL, "48 90", 2 },
	{ 64, NULL, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 0f a2", 15 },
	{ 64, NULL, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 0f a2", -EINVAL },
	{ 64, NULL, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 0f 01 3c 24", 14 },
	{ 64, NULL, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 0f 01 7c 24 00", 15 },
	{ 64, NULL, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 0f 01 7c 24 00", -EINVAL },
	{ 64, NULL, "ce", -EINVAL },
	{ 64, "add %eax,%ebx", "01 c3", -EINVAL },
	{ 64, "sgdt (%rax)", "0f 01 00", -EINVAL },
	{ 64, "lgdt (%rax)", "0f 01 10", -EINVAL },
	{ 64, "swapgs", "0f 01 f8", -EINVAL },
	{ 64, "syscall", "0f 05", -EINVAL },
	{ 64, "ud2", "0f 0b", -EINVAL },
	{ 64, "mov %eax,(%rbx)", "89 03", -EINVAL },
	{ 64, "vmxon (%rax)", "f3 0f c7 30", -EINVAL },
	{ 64, "clzero", "0f 01 fc", -EINVAL },
	{ 64, "xgetbv", "0f 01 d0", -EINVAL },
	{ 64, "rdrand %eax", "0f c7 f0", -EINVAL },
	{ 64, "ret", "c3", -EINVAL },
	{ 64, "iretq", "48 cf", -EINVAL },
	{ 64, "invpcid (%rax),%rax", "66 0f 38 82 00", -EINVAL },
	{ 64, "mov %ds,%eax", "8c d8", -EINVAL },
	{ 64, "sidt (%rax)", "0f 01 08", -EINVAL },
	{ 64, "clac", "0f 01 ca", -EINVAL },
	{ 32, "into", "ce", 1 },
	{ 32, "hlt", "f4", 1 },
	{ 32, "cpuid", "0f a2", 2 },
	{ 32, "in $0x60,%al", "e4 60", 2 },
	{ 32, "out %ax,(%dx)", "66 ef", 2 },
	{ 32, "insw", "66 6d", 2 },
	{ 32, "rep outsl", "f3 6f", 2 },
	{ 32, "int $0x21", "cd 21", 2 },
	{ 32, "invlpg (%eax)", "0f 01 38", 3 },
	{ 32, "invlpg 0x12345678", "0f 01 3d 78 56 34 12", 7 },
	{ 32, "invlpg (%esp)", "0f 01 3c 24", 4 },
	{ 32, "invlpg 0x1(%ebp)", "0f 01 7d 01", 4 },
	{ 32, "addr16 invlpg (%bx,%si)", "67 0f 01 38", 4 },
	{ 32, "addr16 invlpg 0x1234", "67 0f 01 3e 34 12", 6 },
	{ 32, "addr16 invlpg 0x1234(%bx)", "67 0f 01 bf 34 12", 6 },
	{ 32, "mov %cr0,%eax", "0f 20 c0", 3 },
	{ 32, "mov %eax,%cr4", "0f 22 e0", 3 },
	{ 32, "mov %db7,%ecx", "0f 21 f9", 3 },
	{ 32, "lmsw (%ebx)", "0f 01 33", 3 },
	{ 32, "vmmcall", "0f 01 d9", 3 },
	{ 32, "vmrun", "0f 01 d8", 3 },
	{ 32, "rdtscp", "0f 01 f9", 3 },
	{ 32, NULL, "48 f4", -EINVAL },
	{ 32, NULL, "f0 0f 22 c0", 4 },
	{ 16, "hlt", "f4", 1 },
	{ 16, "into", "ce", 1 },
	{ 16, "int $0x10", "cd 10", 2 },
	{ 16, "in $0x60,%al", "e4 60", 2 },
	{ 16, "in (%dx),%eax", "66 ed", 2 },
	{ 16, "outsw", "6f", 1 },
	{ 16, "outsl", "66 6f", 2 },
	{ 16, "rep insb", "f3 6c", 2 },
	{ 16, "invlpg (%bx)", "0f 01 3f", 3 },
	{ 16, "invlpg 0x1234(%bx)", "0f 01 bf 34 12", 5 },
	{ 16, "invlpg 0x12(%bp,%si)", "0f 01 7a 12", 4 },
	{ 16, "invlpg 0x1234", "0f 01 3e 34 12", 5 },
	{ 16, "invlpg (%bp)", "0f 01 7e 00", 4 },
	{ 16, "addr32 invlpg (%eax,%ebx,2)", "67 0f 01 3c 58", 5 },
	{ 16, "addr32 invlpg 0x12345678", "67 0f 01 3d 78 56 34 12", 8 },
	{ 16, "mov %cr0,%eax", "0f 20 c0", 3 },
	{ 16, "mov %eax,%cr0", "0f 22 c0", 3 },
	{ 16, "lmsw %ax", "0f 01 f0", 3 },
	{ 16, "smsw (%bx)", "0f 01 27", 3 },
	{ 16, "cpuid", "0f a2", 2 },
	{ 16, "vmcall", "0f 01 c1", 3 },
	{ 16, "sgdt (%bx)", "0f 01 07", -EINVAL },
};

struct crdr_vec {
	int mode;
	const char *as;
	const char *hex;
	int ret;
	int crdr, gpr;
	bool to;
};

static const struct crdr_vec crdr_vecs[] = {
	{ 64, "mov %cr0,%rax", "0f 20 c0", 0, 0, 0, 0 },
	{ 64, "mov %rbx,%cr3", "0f 22 db", 0, 3, 3, 1 },
	{ 64, "mov %r9,%cr4", "41 0f 22 e1", 0, 4, 9, 1 },
	{ 64, "mov %cr2,%r11", "41 0f 20 d3", 0, 2, 11, 0 },
	{ 64, "mov %cr8,%rax", "44 0f 20 c0", 0, 8, 0, 0 },
	{ 64, "mov %r15,%cr8", "45 0f 22 c7", 0, 8, 15, 1 },
	{ 64, "mov %rsp,%cr0", "0f 22 c4", 0, 0, 4, 1 },
	{ 64, "mov %db6,%rcx", "0f 21 f1", 0, 6, 1, 0 },
	{ 64, "mov %rdx,%db7", "0f 23 fa", 0, 7, 2, 1 },
	{ 64, "mov %r8,%db3", "41 0f 23 d8", 0, 3, 8, 1 },
	{ 64, "mov %db0,%r13", "41 0f 21 c5", 0, 0, 13, 0 },
	{ 64, NULL, "f0 0f 20 c0", 0, 8, 0, 0 },
	{ 64, NULL, "f0 0f 22 c3", 0, 8, 3, 1 },
	{ 64, NULL, "0f 20 00", 0, 0, 0, 0 },
	{ 64, NULL, "0f 22 5b", 0, 3, 3, 1 },
	{ 64, NULL, "66 2e 0f 20 e0", 0, 4, 0, 0 },
	{ 64, NULL, "0f 20 c8", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "0f 20 e8", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "0f 22 f8", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "44 0f 20 c8", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "44 0f 20 d8", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "44 0f 21 c0", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "f0 0f 21 c0", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "f0 44 0f 20 c0", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "f0 0f 20 d0", -EINVAL, 0, 0, 0 },
	{ 64, NULL, "0f 24 c0", -EINVAL, 0, 0, 0 },
	{ 64, "cpuid", "0f a2", -EINVAL, 0, 0, 0 },
	{ 64, "mov %eax,%ebx", "89 c3", -EINVAL, 0, 0, 0 },
	{ 32, "mov %cr0,%eax", "0f 20 c0", 0, 0, 0, 0 },
	{ 32, "mov %eax,%cr4", "0f 22 e0", 0, 4, 0, 1 },
	{ 32, "mov %esi,%cr3", "0f 22 de", 0, 3, 6, 1 },
	{ 32, "mov %db7,%ecx", "0f 21 f9", 0, 7, 1, 0 },
	{ 32, "mov %edi,%db0", "0f 23 c7", 0, 0, 7, 1 },
	{ 32, NULL, "f0 0f 22 c0", 0, 8, 0, 1 },
	{ 32, NULL, "44 0f 20 c0", -EINVAL, 0, 0, 0 },
	{ 16, "mov %cr0,%eax", "0f 20 c0", 0, 0, 0, 0 },
	{ 16, "mov %ebx,%cr0", "0f 22 c3", 0, 0, 3, 1 },
	{ 16, "mov %cr3,%edx", "0f 20 da", 0, 3, 2, 0 },
	{ 16, "mov %db7,%eax", "0f 21 f8", 0, 7, 0, 0 },
};

static unsigned int parse_hex(const char *hex, u8 *buf)
{
	unsigned int n = 0;
	char *end;

	while (*hex) {
		buf[n++] = (u8)strtoul(hex, &end, 16);
		hex = end;
		while (*hex == ' ')
			hex++;
	}
	return n;
}

static const char *vec_name(const char *as, const char *hex)
{
	static char name[160];

	if (as)
		snprintf(name, sizeof(name), "%s", as);
	else
		snprintf(name, sizeof(name), "[%s]", hex);
	return name;
}

/* Bytes followed by @pad filler, so reading past the end changes nothing. */
static unsigned int load(const char *hex, u8 pad, u8 *buf)
{
	memset(buf, pad, PAD);
	return parse_hex(hex, buf);
}

static void check_mmio(const struct mmio_vec *v)
{
	struct vmon_mmio_insn in;
	u8 buf[PAD];
	unsigned int len, i;
	int ret;

	ut_begin("decode %d-bit %s", v->mode, vec_name(v->as, v->hex));
	len = load(v->hex, 0x90, buf);
	ret = vmon_decode_mmio(buf, PAD, v->mode, &in);
	UT_EQ(ret, v->ret);
	if (ret || v->ret)
		return;
	UT_EQ(in.len, len);
	UT_EQ(in.kind, v->kind);
	UT_EQ(in.size, v->size);
	if (v->kind == VMON_INSN_LOAD) {
		UT_EQ(in.dst_size, v->dst_size);
		UT_EQ(in.sign_extend, v->sext);
	}
	if (v->kind != VMON_INSN_STORE_IMM) {
		UT_EQ(in.reg, v->reg);
		UT_EQ(in.high8, v->high8);
	} else {
		UT_EQ(in.imm, v->imm);
	}
	UT_EQ(in.seg, v->segp1 - 1);
	UT_EQ(vmon_insn_seg_override(buf, PAD, v->mode), v->segp1 - 1);

	/* Exactly the instruction's bytes, other filler: same result. */
	load(v->hex, 0xff, buf);
	ret = vmon_decode_mmio(buf, len, v->mode, &in);
	UT_EQ(ret, 0);
	UT_EQ(in.len, len);

	/* Every strict prefix of a valid instruction asks for more. */
	for (i = 0; i < len; i++) {
		ret = vmon_decode_mmio(buf, i, v->mode, &in);
		if (ret != -EAGAIN)
			ut_fail(__FILE__, __LINE__,
				"avail %u of %u: ret %d, expected -EAGAIN",
				i, len, ret);
	}
}

static void check_len(const struct len_vec *v)
{
	unsigned int len, i;
	u8 buf[PAD];
	int ret;

	ut_begin("length %d-bit %s", v->mode, vec_name(v->as, v->hex));
	len = load(v->hex, 0x90, buf);
	UT_EQ(vmon_insn_length(buf, PAD, v->mode), v->ret);
	if (v->ret < 0)
		return;
	UT_EQ(v->ret, len);
	load(v->hex, 0x0f, buf);
	UT_EQ(vmon_insn_length(buf, len, v->mode), v->ret);
	for (i = 0; i < len; i++) {
		ret = vmon_insn_length(buf, i, v->mode);
		if (ret != -EAGAIN)
			ut_fail(__FILE__, __LINE__,
				"avail %u of %u: ret %d, expected -EAGAIN",
				i, len, ret);
	}
}

static void check_crdr(const struct crdr_vec *v)
{
	int crdr = -1, gpr = -1, ret;
	unsigned int len, ilen = 0, i;
	bool to = false;
	u8 buf[PAD];

	ut_begin("mov cr/dr %d-bit %s", v->mode, vec_name(v->as, v->hex));
	len = load(v->hex, 0x90, buf);
	ret = vmon_decode_mov_crdr(buf, PAD, v->mode, &crdr, &gpr, &to, &ilen);
	UT_EQ(ret, v->ret);
	if (ret || v->ret)
		return;
	UT_EQ(crdr, v->crdr);
	UT_EQ(gpr, v->gpr);
	UT_EQ(to, v->to);
	UT_EQ(ilen, len);
	/* The generic length decoder must agree. */
	UT_EQ(vmon_insn_length(buf, PAD, v->mode), len);
	for (i = 0; i < len; i++) {
		ret = vmon_decode_mov_crdr(buf, i, v->mode, &crdr, &gpr, &to,
					   &ilen);
		if (ret != -EAGAIN)
			ut_fail(__FILE__, __LINE__,
				"avail %u of %u: ret %d, expected -EAGAIN",
				i, len, ret);
	}
}

/* ---- GNU as cross-check ------------------------------------------- */

struct gas_item {
	int mode;
	const char *as;
	const char *hex;
};

static struct gas_item gas_items[ARRAY_SIZE(mmio_vecs) + ARRAY_SIZE(len_vecs) +
				 ARRAY_SIZE(crdr_vecs) + UT_RMW_GAS_MAX];
static unsigned int nr_gas;

void add_gas(int mode, const char *as, const char *hex)
{
	if (as && nr_gas < ARRAY_SIZE(gas_items))
		gas_items[nr_gas++] = (struct gas_item){ mode, as, hex };
}

static bool have_tools(void)
{
	return !system("command -v as >/dev/null 2>&1 && "
		       "command -v objcopy >/dev/null 2>&1 && "
		       "command -v nm >/dev/null 2>&1");
}

/*
 * Assemble every item of @mode in one file, each behind a label, and
 * read back the bytes between consecutive labels.
 */
static int gas_mode(int mode, u8 (*bytes)[PAD], unsigned int *lens)
{
	char dir[] = "/tmp/vmon-unit-XXXXXX", path[256], cmd[1024], line[256];
	unsigned long long *offs;
	unsigned long long off;
	unsigned int i, n = 0;
	u8 bin[16384];
	size_t binlen;
	int ret = -1;
	FILE *f;

	offs = calloc(nr_gas + 1, sizeof(*offs));
	if (!offs || !mkdtemp(dir)) {
		free(offs);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/t.s", dir);
	f = fopen(path, "w");
	if (!f)
		goto out;
	fprintf(f, "\t.text\n%s", mode == 16 ? "\t.code16\n" : "");
	for (i = 0; i < nr_gas; i++)
		if (gas_items[i].mode == mode)
			fprintf(f, "v%u:\n\t%s\n", i, gas_items[i].as);
	fprintf(f, "vend:\n");
	fclose(f);

	snprintf(cmd, sizeof(cmd),
		 "cd %s && as %s -o t.o t.s >as.log 2>&1 && "
		 "objcopy -O binary -j .text t.o t.bin && nm t.o >t.nm",
		 dir, mode == 64 ? "--64" : "--32");
	if (system(cmd))
		goto out;

	snprintf(path, sizeof(path), "%s/t.nm", dir);
	f = fopen(path, "r");
	if (!f)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		char type, name[64];

		if (sscanf(line, "%llx %c %63s", &off, &type, name) != 3)
			continue;
		if (!strcmp(name, "vend"))
			offs[nr_gas] = off;
		else if (name[0] == 'v' && sscanf(name + 1, "%u", &i) == 1 &&
			 i < nr_gas)
			offs[i] = off;
	}
	fclose(f);

	snprintf(path, sizeof(path), "%s/t.bin", dir);
	f = fopen(path, "rb");
	if (!f)
		goto out;
	binlen = fread(bin, 1, sizeof(bin), f);
	fclose(f);

	for (i = 0; i < nr_gas; i++) {
		unsigned int j, next = nr_gas;

		if (gas_items[i].mode != mode)
			continue;
		for (j = i + 1; j < nr_gas; j++)
			if (gas_items[j].mode == mode) {
				next = j;
				break;
			}
		if (offs[next] > binlen || offs[next] < offs[i] ||
		    offs[next] - offs[i] > PAD)
			goto out;
		lens[i] = offs[next] - offs[i];
		memcpy(bytes[i], bin + offs[i], lens[i]);
		n++;
	}
	ret = n;
out:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		ret = -1;
	free(offs);
	return ret;
}

static void test_gas(void)
{
	static u8 bytes[ARRAY_SIZE(gas_items)][PAD];
	static unsigned int lens[ARRAY_SIZE(gas_items)];
	static const int modes[] = { 16, 32, 64 };
	bool ok[3];
	unsigned int i, m;

	for (i = 0; i < ARRAY_SIZE(mmio_vecs); i++)
		add_gas(mmio_vecs[i].mode, mmio_vecs[i].as, mmio_vecs[i].hex);
	for (i = 0; i < ARRAY_SIZE(len_vecs); i++)
		add_gas(len_vecs[i].mode, len_vecs[i].as, len_vecs[i].hex);
	for (i = 0; i < ARRAY_SIZE(crdr_vecs); i++)
		add_gas(crdr_vecs[i].mode, crdr_vecs[i].as, crdr_vecs[i].hex);
	rmw_add_gas();

	if (!have_tools()) {
		for (i = 0; i < nr_gas; i++)
			ut_skip("GNU as/objcopy/nm not installed",
				"gas %d-bit %s", gas_items[i].mode,
				gas_items[i].as);
		return;
	}
	for (m = 0; m < 3; m++)
		ok[m] = gas_mode(modes[m], bytes, lens) >= 0;

	for (i = 0; i < nr_gas; i++) {
		const struct gas_item *g = &gas_items[i];
		u8 want[PAD];
		unsigned int n;

		m = g->mode == 16 ? 0 : g->mode == 32 ? 1 : 2;
		ut_begin("gas %d-bit %s = %s", g->mode, g->as, g->hex);
		if (!ok[m]) {
			ut_fail(__FILE__, __LINE__, "assembling %d-bit vectors failed",
				g->mode);
			continue;
		}
		n = parse_hex(g->hex, want);
		UT_EQ(lens[i], n);
		if (lens[i] == n && memcmp(bytes[i], want, n))
			ut_fail(__FILE__, __LINE__, "bytes differ from as output");
	}
}

/* ---- register semantics ----------------------------------------- */

struct load_vec {
	const char *name;
	int reg;
	bool high8;
	unsigned int size, dst_size;
	bool sext;
	u64 before, data, after;
};

static const struct load_vec load_vecs[] = {
	{ "8-bit merges low byte", 0, false, 1, 1, false,
	  0x1122334455667788, 0xab, 0x11223344556677ab },
	{ "8-bit high merges bits 15:8", 0, true, 1, 1, false,
	  0x1122334455667788, 0xab, 0x112233445566ab88 },
	{ "8-bit ignores data above size", 3, false, 1, 1, false,
	  0xffffffffffffffff, 0x1234, 0xffffffffffffff34 },
	{ "8-bit high ignores data above size", 3, true, 1, 1, false,
	  0, 0xfff0, 0xf000 },
	{ "8-bit r15b", 15, false, 1, 1, false,
	  0x8000000000000000, 0x7f, 0x800000000000007f },
	{ "16-bit merges", 2, false, 2, 2, false,
	  0x1122334455667788, 0xabcd, 0x112233445566abcd },
	{ "32-bit zero-extends", 1, false, 4, 4, false,
	  0x1122334455667788, 0xdeadbeef, 0x00000000deadbeef },
	{ "32-bit ignores data above size", 1, false, 4, 4, false,
	  0xffffffffffffffff, 0x1234567887654321, 0x87654321 },
	{ "64-bit replaces", 8, false, 8, 8, false,
	  0x1122334455667788, 0xfedcba9876543210, 0xfedcba9876543210 },
	{ "movzx byte to 32", 0, false, 1, 4, false,
	  0xffffffffffffffff, 0x80, 0x80 },
	{ "movzx byte to 16 merges", 0, false, 1, 2, false,
	  0xffffffffffffffff, 0x80, 0xffffffffffff0080 },
	{ "movzx byte to 64", 9, false, 1, 8, false,
	  0xffffffffffffffff, 0xff, 0xff },
	{ "movzx word to 32", 0, false, 2, 4, false,
	  0xffffffffffffffff, 0xffff, 0xffff },
	{ "movzx word to 64", 0, false, 2, 8, false,
	  0x1234, 0x8000, 0x8000 },
	{ "movsx byte to 32", 0, false, 1, 4, true,
	  0xffffffffffffffff, 0x80, 0xffffff80 },
	{ "movsx byte to 16 merges", 0, false, 1, 2, true,
	  0x1122334455667788, 0x80, 0x112233445566ff80 },
	{ "movsx byte to 64", 0, false, 1, 8, true,
	  0, 0x80, 0xffffffffffffff80 },
	{ "movsx positive byte", 0, false, 1, 8, true,
	  0xffffffffffffffff, 0x7f, 0x7f },
	{ "movsx word to 32", 0, false, 2, 4, true,
	  0, 0x8001, 0xffff8001 },
	{ "movsx word to 64", 12, false, 2, 8, true,
	  0, 0x8001, 0xffffffffffff8001 },
	{ "movsxd", 0, false, 4, 8, true,
	  0, 0x80000000, 0xffffffff80000000 },
	{ "movsxd positive", 0, false, 4, 8, true,
	  0xffffffffffffffff, 0x7fffffff, 0x7fffffff },
	{ "movsx ignores data above size", 0, false, 1, 8, true,
	  0, 0xff7f, 0x7f },
	{ "movsxd without REX.W", 0, false, 4, 4, false,
	  0xffffffffffffffff, 0x80000000, 0x80000000 },
};

static void test_apply_load(void)
{
	unsigned int i, r;

	for (i = 0; i < ARRAY_SIZE(load_vecs); i++) {
		const struct load_vec *v = &load_vecs[i];
		u64 regs[16];

		ut_begin("apply_load %s", v->name);
		for (r = 0; r < 16; r++)
			regs[r] = 0x0101010101010101ULL * r;
		regs[v->reg] = v->before;
		vmon_insn_apply_load(v->reg, v->high8, v->size, v->dst_size,
				     v->sext, regs, v->data);
		UT_EQ(regs[v->reg], v->after);
		for (r = 0; r < 16; r++)
			if (r != (unsigned int)v->reg &&
			    regs[r] != 0x0101010101010101ULL * r)
				ut_fail(__FILE__, __LINE__,
					"register %u changed", r);
	}

	ut_begin("apply_load rejects bad arguments");
	{
		u64 regs[16], copy[16];

		for (r = 0; r < 16; r++)
			regs[r] = copy[r] = 0x1111111111111111ULL * r;
		vmon_insn_apply_load(16, false, 4, 4, false, regs, 0);
		vmon_insn_apply_load(-1, false, 4, 4, false, regs, 0);
		vmon_insn_apply_load(0, false, 3, 4, false, regs, 0);
		vmon_insn_apply_load(0, false, 4, 0, false, regs, 0);
		vmon_insn_apply_load(0, false, 4, 16, false, regs, 0);
		UT_CHECK(!memcmp(regs, copy, sizeof(regs)));
	}
}

static void test_store_value(void)
{
	struct vmon_mmio_insn in;
	u64 regs[16];
	unsigned int r;

	for (r = 0; r < 16; r++)
		regs[r] = 0x1122334455667788ULL + r * 0x1000000000000ULL;

	ut_begin("store_value register sizes");
	memset(&in, 0, sizeof(in));
	in.kind = VMON_INSN_STORE_REG;
	in.reg = 3;
	in.size = 1;
	UT_EQ(vmon_insn_store_value(&in, regs), 0x88);
	in.high8 = true;
	UT_EQ(vmon_insn_store_value(&in, regs), 0x77);
	in.high8 = false;
	in.size = 2;
	UT_EQ(vmon_insn_store_value(&in, regs), 0x7788);
	in.size = 4;
	UT_EQ(vmon_insn_store_value(&in, regs), 0x55667788);
	in.size = 8;
	in.reg = 15;
	UT_EQ(vmon_insn_store_value(&in, regs), regs[15]);

	ut_begin("store_value immediates are truncated to size");
	memset(&in, 0, sizeof(in));
	in.kind = VMON_INSN_STORE_IMM;
	in.imm = 0xffffffffffffff80ULL;
	in.size = 1;
	UT_EQ(vmon_insn_store_value(&in, regs), 0x80);
	in.size = 2;
	UT_EQ(vmon_insn_store_value(&in, regs), 0xff80);
	in.size = 4;
	UT_EQ(vmon_insn_store_value(&in, regs), 0xffffff80);
	in.size = 8;
	UT_EQ(vmon_insn_store_value(&in, regs), 0xffffffffffffff80ULL);

	ut_begin("store_value of a load is 0");
	memset(&in, 0, sizeof(in));
	in.kind = VMON_INSN_LOAD;
	in.size = 8;
	UT_EQ(vmon_insn_store_value(&in, regs), 0);
}

/* Decode, then do what the core does with the result. */
static void test_end_to_end(void)
{
	struct vmon_mmio_insn in;
	u8 buf[PAD];
	u64 regs[16];

	ut_begin("e2e mov (%%rbx),%%bh then load 0x5a");
	memset(regs, 0xee, sizeof(regs));
	load("8a 3b", 0x90, buf);
	UT_EQ(vmon_decode_mmio(buf, PAD, 64, &in), 0);
	vmon_insn_apply_load(in.reg, in.high8, in.size, in.dst_size,
			     in.sign_extend, regs, 0x5a);
	UT_EQ(regs[3], 0xeeeeeeeeeeee5aeeULL);

	ut_begin("e2e movsbq (%%rbx),%%rsi then load 0xfe");
	memset(regs, 0, sizeof(regs));
	load("48 0f be 33", 0x90, buf);
	UT_EQ(vmon_decode_mmio(buf, PAD, 64, &in), 0);
	vmon_insn_apply_load(in.reg, in.high8, in.size, in.dst_size,
			     in.sign_extend, regs, 0xfe);
	UT_EQ(regs[6], 0xfffffffffffffffeULL);

	ut_begin("e2e movzwl (%%ebx),%%esp (32-bit) then load 0xbeef");
	memset(regs, 0xff, sizeof(regs));
	load("0f b7 23", 0x90, buf);
	UT_EQ(vmon_decode_mmio(buf, PAD, 32, &in), 0);
	vmon_insn_apply_load(in.reg, in.high8, in.size, in.dst_size,
			     in.sign_extend, regs, 0xbeef);
	UT_EQ(regs[4], 0xbeef);

	ut_begin("e2e mov %%ah,(%%rbx) stores bits 15:8");
	memset(regs, 0, sizeof(regs));
	regs[0] = 0x1234;
	load("88 23", 0x90, buf);
	UT_EQ(vmon_decode_mmio(buf, PAD, 64, &in), 0);
	UT_EQ(vmon_insn_store_value(&in, regs), 0x12);

	ut_begin("e2e movq $-2,0x100(%%rsp) stores all ones but bit 0");
	load("48 c7 84 24 00 01 00 00 fe ff ff ff", 0x90, buf);
	UT_EQ(vmon_decode_mmio(buf, PAD, 64, &in), 0);
	UT_EQ(vmon_insn_store_value(&in, regs), 0xfffffffffffffffeULL);
}

struct seg_vec {
	int mode;
	const char *hex;
	int seg;
};

static const struct seg_vec seg_vecs[] = {
	{ 64, "f4", -1 },
	{ 64, "64 f3 6e", 4 },			/* rep outsb %fs:(%rsi) */
	{ 64, "65 67 66 6f", 5 },		/* outsw %gs:(%esi) */
	{ 64, "2e 6e", -1 },			/* ignored in 64-bit */
	{ 64, "26 36 3e 6e", -1 },
	{ 64, "65 2e 6e", 5 },
	{ 64, "65 48 6e", 5 },
	{ 32, "2e 6e", 1 },
	{ 32, "26 6e", 0 },
	{ 32, "36 6e", 2 },
	{ 32, "3e 6e", 3 },
	{ 32, "26 64 6e", 4 },			/* last one wins */
	{ 32, "64 26 6e", 0 },
	{ 16, "26 f3 6e", 0 },
	{ 16, "f3 6e", -1 },
	{ 64, "", -1 },				/* nothing to read */
	{ 64, "64 64", -1 },			/* truncated */
	{ 8, "64 6e", -1 },			/* bad mode */
};

static void test_seg_override(void)
{
	unsigned int i, len;
	u8 buf[PAD];

	for (i = 0; i < ARRAY_SIZE(seg_vecs); i++) {
		const struct seg_vec *v = &seg_vecs[i];

		ut_begin("seg_override %d-bit [%s]", v->mode, v->hex);
		len = load(v->hex, 0x90, buf);
		UT_EQ(vmon_insn_seg_override(buf, len, v->mode), v->seg);
	}
}

static void test_misc(void)
{
	struct vmon_mmio_insn in;
	unsigned int len;
	int a, b;
	bool to;
	u8 buf[PAD];

	ut_begin("invalid modes are rejected");
	load("8b 03", 0x90, buf);
	UT_EQ(vmon_decode_mmio(buf, PAD, 0, &in), -EINVAL);
	UT_EQ(vmon_decode_mmio(buf, PAD, 8, &in), -EINVAL);
	UT_EQ(vmon_decode_mmio(buf, PAD, 63, &in), -EINVAL);
	load("f4", 0x90, buf);
	UT_EQ(vmon_insn_length(buf, PAD, 48), -EINVAL);
	load("0f 20 c0", 0x90, buf);
	UT_EQ(vmon_decode_mov_crdr(buf, PAD, 1, &a, &b, &to, &len), -EINVAL);

	ut_begin("empty input asks for more");
	UT_EQ(vmon_decode_mmio(buf, 0, 64, &in), -EAGAIN);
	UT_EQ(vmon_insn_length(buf, 0, 64), -EAGAIN);
	UT_EQ(vmon_decode_mov_crdr(buf, 0, 64, &a, &b, &to, &len), -EAGAIN);

	ut_begin("an unsupported opcode is -EINVAL even when truncated");
	load("8d", 0x90, buf);		/* LEA: no memory access */
	UT_EQ(vmon_decode_mmio(buf, 1, 64, &in), -EINVAL);
	load("0f 0b", 0x90, buf);
	UT_EQ(vmon_decode_mmio(buf, 2, 64, &in), -EINVAL);
	UT_EQ(vmon_insn_length(buf, 2, 64), -EINVAL);

	ut_begin("REX is only a prefix in 64-bit mode");
	load("48 8b 03", 0x90, buf);
	UT_EQ(vmon_decode_mmio(buf, PAD, 64, &in), 0);
	UT_EQ(in.size, 8);
	UT_EQ(vmon_decode_mmio(buf, PAD, 32, &in), -EINVAL);
	UT_EQ(vmon_decode_mmio(buf, PAD, 16, &in), -EINVAL);
}

void test_insn(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mmio_vecs); i++)
		check_mmio(&mmio_vecs[i]);
	for (i = 0; i < ARRAY_SIZE(len_vecs); i++)
		check_len(&len_vecs[i]);
	for (i = 0; i < ARRAY_SIZE(crdr_vecs); i++)
		check_crdr(&crdr_vecs[i]);
	test_apply_load();
	test_store_value();
	test_end_to_end();
	test_seg_override();
	test_misc();
	test_gas();
	test_insn_rmw();
}
