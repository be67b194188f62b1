// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: IN/OUT of 1, 2 and 4 bytes, string OUTS/INS with REP
 * (data, RSI/RDI/RCX afterwards, both directions of DF, FS/GS overrides
 * and ignored DS/ES bases in 64-bit mode), where RIP is at an I/O exit,
 * and the rule that a pending IN completes on the next KVM_RUN.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define PORT_B	0x80
#define PORT_W	0x1234
#define PORT_L	0xfff8
#define FILL	0x1122334455667788ULL

/* Address of the labelled I/O instructions (same in guest and host). */
extern const char pio_out_insn[], pio_out_next[];
extern const char pio_in_insn[], pio_in_next[];

static void guest_out_sizes(void)
{
	asm volatile("outb %%al, $0x80" : : "a"(0x11223344));
	asm volatile("outw %%ax, %%dx" : : "a"(0x11223344), "d"(PORT_W));
	asm volatile("outl %%eax, %%dx" : : "a"(0x11223344), "d"(PORT_L));
	/* Port in DX above 0xff, byte-sized. */
	asm volatile("outb %%al, %%dx" : : "a"(0x99), "d"(0x3f8));
	GUEST_DONE();
}

TEST(out_sizes)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_out_sizes);

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, PORT_B, 1, 1);
	EXPECT_EQ(0x44, *(u8 *)vcpu_io_data(vcpu));
	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, PORT_W, 2, 1);
	EXPECT_EQ(0x3344, *(u16 *)vcpu_io_data(vcpu));
	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, PORT_L, 4, 1);
	EXPECT_EQ(0x11223344, *(u32 *)vcpu_io_data(vcpu));
	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
	EXPECT_EQ(0x99, *(u8 *)vcpu_io_data(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_in_sizes(void)
{
	u64 v;

	/* IN AL/AX keep the rest of RAX; IN EAX zero-extends into RAX. */
	v = FILL;
	asm volatile("inb $0x80, %%al" : "+a"(v));
	GUEST_SYNC(v);
	v = FILL;
	asm volatile("inw %%dx, %%ax" : "+a"(v) : "d"(PORT_W));
	GUEST_SYNC(v);
	v = FILL;
	asm volatile("inl %%dx, %%eax" : "+a"(v) : "d"(PORT_L));
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(in_sizes)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_in_sizes);

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_IN, PORT_B, 1, 1);
	*(u8 *)vcpu_io_data(vcpu) = 0xa5;
	EXPECT_EQ(0x11223344556677a5ULL, vcpu_run_sync(vcpu));

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_IN, PORT_W, 2, 1);
	*(u16 *)vcpu_io_data(vcpu) = 0xbeef;
	EXPECT_EQ(0x112233445566beefULL, vcpu_run_sync(vcpu));

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_IN, PORT_L, 4, 1);
	*(u32 *)vcpu_io_data(vcpu) = 0xdeadbeef;
	EXPECT_EQ(0xdeadbeefULL, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void __attribute__((noinline)) guest_labelled_io(void)
{
	u64 v = FILL;

	asm volatile(".globl pio_out_insn, pio_out_next\n"
		     "pio_out_insn: outb %%al, $0x80\n"
		     "pio_out_next:\n" : : "a"(0x5a));
	asm volatile(".globl pio_in_insn, pio_in_next\n"
		     "pio_in_insn: inb $0x80, %%al\n"
		     "pio_in_next:\n" : "+a"(v));
	GUEST_SYNC(v);
	GUEST_DONE();
}

/*
 * KVM reports an I/O exit with RIP still at the I/O instruction and the
 * destination register untouched: both are updated when the next KVM_RUN
 * completes the access (userspace can still change the IN data until then).
 */
TEST(pending_in_completes_on_next_run)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_labelled_io);
	struct kvm_regs regs;

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, PORT_B, 1, 1);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ((u64)pio_out_insn, regs.rip);

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_IN, PORT_B, 1, 1);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ((u64)pio_in_insn, regs.rip);
	EXPECT_EQ(FILL, regs.rax);

	/* The data may be written any time before the next KVM_RUN. */
	*(u8 *)vcpu_io_data(vcpu) = 0x3c;
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(FILL, regs.rax);
	EXPECT_EQ(0x112233445566773cULL, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* Guest-side buffers (the guest's own copies: same address, own data). */
static u8 outs_buf[256] __attribute__((aligned(64)));
static u8 ins_buf[256] __attribute__((aligned(64)));

static void guest_outs(void)
{
	int i;

	for (i = 0; i < 256; i++)
		outs_buf[i] = i * 7 + 3;

	/* rep outsb/w/l upwards. */
	{
		u64 si = (u64)outs_buf, cx = 13;

		asm volatile("cld; rep outsb" : "+S"(si), "+c"(cx)
			     : "d"(PORT_B) : "memory");
		GUEST_SYNC2(si, cx);
	}
	{
		u64 si = (u64)outs_buf, cx = 7;

		asm volatile("cld; rep outsw" : "+S"(si), "+c"(cx)
			     : "d"(PORT_W) : "memory");
		GUEST_SYNC2(si, cx);
	}
	{
		u64 si = (u64)outs_buf, cx = 5;

		asm volatile("cld; rep outsl" : "+S"(si), "+c"(cx)
			     : "d"(PORT_L) : "memory");
		GUEST_SYNC2(si, cx);
	}
	/* Downwards (DF=1): elements go out from the highest address. */
	{
		u64 si = (u64)outs_buf + 2 * 3, cx = 4;

		asm volatile("std; rep outsw; cld" : "+S"(si), "+c"(cx)
			     : "d"(PORT_W) : "memory");
		GUEST_SYNC2(si, cx);
	}
	/* RCX = 0: nothing happens, no exit. */
	{
		u64 si = (u64)outs_buf, cx = 0;

		asm volatile("cld; rep outsb" : "+S"(si), "+c"(cx)
			     : "d"(PORT_B) : "memory");
		GUEST_SYNC2(si, cx);
	}
	/* A single OUTSB without REP. */
	{
		u64 si = (u64)outs_buf + 9;

		asm volatile("cld; outsb" : "+S"(si) : "d"(PORT_B) : "memory");
		GUEST_SYNC2(si, 0);
	}
	GUEST_DONE();
}

/*
 * Collect the data of consecutive OUT exits on @port until the next
 * ucall; returns the number of exits. The data is what matters; KVM
 * chooses how many elements go in one exit (io.count).
 */
static int collect_outs(struct vt_vcpu *vcpu, u16 port, u8 size, u8 *buf,
			size_t *len, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	int exits = 0;

	*len = 0;
	for (;;) {
		vcpu_run(vcpu);
		if (get_ucall(vcpu, uc) != UCALL_NONE)
			break;
		VT_ASSERT(run->exit_reason != KVM_EXIT_INTERNAL_ERROR,
			  "internal error: suberror %u ndata %u data 0x%llx 0x%llx 0x%llx",
			  run->internal.suberror, run->internal.ndata,
			  (unsigned long long)run->internal.data[0],
			  (unsigned long long)run->internal.data[1],
			  (unsigned long long)run->internal.data[2]);
		VT_ASSERT(run->exit_reason == KVM_EXIT_IO &&
			  run->io.direction == KVM_EXIT_IO_OUT &&
			  run->io.port == port && run->io.size == size &&
			  run->io.count >= 1,
			  "unexpected exit %s port 0x%x size %u count %u",
			  exit_reason_str(run->exit_reason), run->io.port,
			  run->io.size, run->io.count);
		memcpy(buf + *len, vcpu_io_data(vcpu), run->io.count * size);
		*len += run->io.count * size;
		exits++;
	}
	__vt_ucall_check(__FILE__, __LINE__, uc);
	VT_ASSERT(uc->cmd == UCALL_SYNC, "expected GUEST_SYNC");
	return exits;
}

TEST(rep_outs)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_outs);
	u64 gbuf = (u64)outs_buf;
	u8 expect[256], got[256];
	struct ucall uc;
	size_t len;
	int i, n;

	for (i = 0; i < 256; i++)
		expect[i] = i * 7 + 3;

	n = collect_outs(vcpu, PORT_B, 1, got, &len, &uc);
	EXPECT_EQ(13, len);
	EXPECT_EQ(0, memcmp(expect, got, 13));
	EXPECT_EQ(gbuf + 13, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	TH_LOG("rep outsb x13: %d exit(s)", n);

	n = collect_outs(vcpu, PORT_W, 2, got, &len, &uc);
	EXPECT_EQ(14, len);
	EXPECT_EQ(0, memcmp(expect, got, 14));
	EXPECT_EQ(gbuf + 14, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	TH_LOG("rep outsw x7: %d exit(s)", n);

	n = collect_outs(vcpu, PORT_L, 4, got, &len, &uc);
	EXPECT_EQ(20, len);
	EXPECT_EQ(0, memcmp(expect, got, 20));
	EXPECT_EQ(gbuf + 20, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);

	/* DF=1 from word 3 down to word 0. */
	collect_outs(vcpu, PORT_W, 2, got, &len, &uc);
	EXPECT_EQ(8, len);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, memcmp(expect + 2 * (3 - i), got + 2 * i, 2))
			TH_LOG("word %d", i);
	EXPECT_EQ(gbuf - 2, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);

	/* RCX = 0: no exit at all. */
	n = collect_outs(vcpu, PORT_B, 1, got, &len, &uc);
	EXPECT_EQ(0, n);
	EXPECT_EQ(gbuf, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);

	/* Plain OUTSB. */
	collect_outs(vcpu, PORT_B, 1, got, &len, &uc);
	EXPECT_EQ(1, len);
	EXPECT_EQ(expect[9], got[0]);
	EXPECT_EQ(gbuf + 10, uc.args[0]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_ins(void)
{
	u64 di, cx;

	guest_memset(ins_buf, 0xee, sizeof(ins_buf));
	di = (u64)ins_buf;
	cx = 11;
	asm volatile("cld; rep insb" : "+D"(di), "+c"(cx) : "d"(PORT_B)
		     : "memory");
	GUEST_SYNC2(di, cx);

	di = (u64)ins_buf + 64;
	cx = 6;
	asm volatile("cld; rep insw" : "+D"(di), "+c"(cx) : "d"(PORT_W)
		     : "memory");
	GUEST_SYNC2(di, cx);

	di = (u64)ins_buf + 128;
	cx = 5;
	asm volatile("cld; rep insl" : "+D"(di), "+c"(cx) : "d"(PORT_L)
		     : "memory");
	GUEST_SYNC2(di, cx);

	/* Downwards: the first element lands at the highest address. */
	di = (u64)ins_buf + 200 + 3;
	cx = 4;
	asm volatile("std; rep insb; cld" : "+D"(di), "+c"(cx) : "d"(PORT_B)
		     : "memory");
	GUEST_SYNC2(di, cx);
	GUEST_DONE();
}

/* Answer IN exits on @port with bytes @next, @next+1, ... until a ucall. */
static int answer_ins(struct vt_vcpu *vcpu, u16 port, u8 size, u8 *next,
		      struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	int exits = 0;
	u32 i;

	for (;;) {
		vcpu_run(vcpu);
		if (get_ucall(vcpu, uc) != UCALL_NONE)
			break;
		VT_ASSERT(run->exit_reason != KVM_EXIT_INTERNAL_ERROR,
			  "internal error: suberror %u ndata %u data 0x%llx 0x%llx 0x%llx",
			  run->internal.suberror, run->internal.ndata,
			  (unsigned long long)run->internal.data[0],
			  (unsigned long long)run->internal.data[1],
			  (unsigned long long)run->internal.data[2]);
		VT_ASSERT(run->exit_reason == KVM_EXIT_IO &&
			  run->io.direction == KVM_EXIT_IO_IN &&
			  run->io.port == port && run->io.size == size &&
			  run->io.count >= 1,
			  "unexpected exit %s port 0x%x size %u count %u",
			  exit_reason_str(run->exit_reason), run->io.port,
			  run->io.size, run->io.count);
		for (i = 0; i < run->io.count * size; i++)
			((u8 *)vcpu_io_data(vcpu))[i] = (*next)++;
		exits++;
	}
	__vt_ucall_check(__FILE__, __LINE__, uc);
	VT_ASSERT(uc->cmd == UCALL_SYNC, "expected GUEST_SYNC");
	return exits;
}

TEST(rep_ins)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ins);
	u64 gbuf = (u64)ins_buf;
	u8 *buf = gpa2hva(vm, gbuf);
	struct ucall uc;
	u8 next = 0x40;
	int i, n;

	n = answer_ins(vcpu, PORT_B, 1, &next, &uc);
	TH_LOG("rep insb x11: %d exit(s)", n);
	EXPECT_EQ(gbuf + 11, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	for (i = 0; i < 11; i++)
		EXPECT_EQ(0x40 + i, buf[i]);
	EXPECT_EQ(0xee, buf[11]);

	next = 0x80;
	answer_ins(vcpu, PORT_W, 2, &next, &uc);
	EXPECT_EQ(gbuf + 64 + 12, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	for (i = 0; i < 12; i++)
		EXPECT_EQ(0x80 + i, buf[64 + i]);
	EXPECT_EQ(0xee, buf[64 + 12]);

	next = 0x10;
	answer_ins(vcpu, PORT_L, 4, &next, &uc);
	EXPECT_EQ(gbuf + 128 + 20, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	for (i = 0; i < 20; i++)
		EXPECT_EQ(0x10 + i, buf[128 + i]);

	next = 0xc0;
	answer_ins(vcpu, PORT_B, 1, &next, &uc);
	EXPECT_EQ(gbuf + 200 - 1, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0xc0 + i, buf[203 - i]);
	EXPECT_EQ(0xee, buf[199]);
	EXPECT_EQ(0xee, buf[204]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static u8 big_buf[3 * 4096] __attribute__((aligned(4096)));

/* Strings that cross a page boundary or exceed one exit's worth of data. */
static void guest_long_strings(void)
{
	u64 p, cx;
	int i;

	for (i = 0; i < (int)sizeof(big_buf); i++)
		big_buf[i] = i * 13 + 5;

	p = (u64)big_buf + 4096 - 20;
	cx = 40;
	asm volatile("cld; rep insb" : "+D"(p), "+c"(cx) : "d"(PORT_B)
		     : "memory");
	GUEST_SYNC2(p, cx);

	p = (u64)big_buf + 2 * 4096 - 16;
	cx = 30;
	asm volatile("cld; rep outsw" : "+S"(p), "+c"(cx) : "d"(PORT_W)
		     : "memory");
	GUEST_SYNC2(p, cx);

	p = (u64)big_buf + 100;
	cx = 1500;	/* 6000 bytes: two page crossings, many exits */
	asm volatile("cld; rep insl" : "+D"(p), "+c"(cx) : "d"(PORT_L)
		     : "memory");
	GUEST_SYNC2(p, cx);
	GUEST_DONE();
}

TEST(long_and_page_crossing_strings)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_long_strings);
	u64 g = (u64)big_buf;
	u8 *buf = gpa2hva(vm, g);
	u8 got[128], next = 0;
	struct ucall uc;
	size_t len;
	int i, n;

	n = answer_ins(vcpu, PORT_B, 1, &next, &uc);
	TH_LOG("rep insb x40 across a page: %d exit(s)", n);
	EXPECT_EQ(g + 4096 + 20, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	for (i = 0; i < 40; i++)
		EXPECT_EQ((u8)i, buf[4096 - 20 + i]) TH_LOG("byte %d", i);
	EXPECT_EQ((u8)((4096 - 21) * 13 + 5), buf[4096 - 21]);
	EXPECT_EQ((u8)((4096 + 20) * 13 + 5), buf[4096 + 20]);

	collect_outs(vcpu, PORT_W, 2, got, &len, &uc);
	EXPECT_EQ(60, len);
	for (i = 0; i < 60; i++)
		EXPECT_EQ((u8)((2 * 4096 - 16 + i) * 13 + 5), got[i])
			TH_LOG("byte %d", i);
	EXPECT_EQ(g + 2 * 4096 + 44, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);

	next = 0;
	n = answer_ins(vcpu, PORT_L, 4, &next, &uc);
	TH_LOG("rep insl x1500: %d exit(s)", n);
	EXPECT_EQ(g + 100 + 6000, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	for (i = 0; i < 6000; i++)
		if (buf[100 + i] != (u8)i) {
			EXPECT_EQ((u8)i, buf[100 + i]) TH_LOG("byte %d", i);
			break;
		}
	EXPECT_EQ((u8)(6100 * 13 + 5), buf[6100]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

#define MSR_FS_BASE	0xc0000100
#define JUNK_BASE	0x40000000ULL

static u8 seg_buf[64] __attribute__((aligned(64)));
static u8 seg_in_buf[16] __attribute__((aligned(16)));

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

/* REP OUTSB with DF=1: bytes 9, 8, ..., 0 of seg_buf. */
static void guest_outsb_down(void)
{
	u64 si = (u64)seg_buf + 9, cx = 10;
	int i;

	for (i = 0; i < 64; i++)
		seg_buf[i] = 0xa0 + i;
	asm volatile("std; rep outsb; cld" : "+S"(si), "+c"(cx)
		     : "d"(PORT_B) : "memory", "cc");
	GUEST_SYNC2(si, cx);
	GUEST_DONE();
}

TEST(rep_outsb_downwards)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_outsb_down);
	u64 g = (u64)seg_buf;
	struct ucall uc;
	size_t len;
	u8 got[64];
	int i;

	collect_outs(vcpu, PORT_B, 1, got, &len, &uc);
	ASSERT_EQ(10, len);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(0xa0 + 9 - i, got[i]) TH_LOG("byte %d", i);
	EXPECT_EQ(g - 1, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * OUTS with FS and GS overrides in 64-bit mode, where FS and GS keep
 * their bases (set by the host with KVM_SET_SREGS, or by the guest with
 * WRMSR) and RSI is an offset into the segment.
 */
static void guest_outs_fs_gs(void)
{
	u64 si, cx;
	int i;

	for (i = 0; i < 64; i++)
		seg_buf[i] = 0xa0 + i;

	/* FS base seg_buf + 16. */
	si = 4;
	cx = 6;
	asm volatile("cld; rep outsb %%fs:(%%rsi), (%%dx)" : "+S"(si), "+c"(cx)
		     : "d"(PORT_B) : "memory");
	GUEST_SYNC2(si, cx);

	/* GS override, no REP; GS base seg_buf + 48. */
	si = 1;
	asm volatile("cld; outsb %%gs:(%%rsi), (%%dx)" : "+S"(si)
		     : "d"(PORT_B) : "memory");
	GUEST_SYNC2(si, 0);

	/* FS base written by the guest itself; words upwards ... */
	wrmsr(MSR_FS_BASE, (u64)seg_buf + 32);
	si = 2;
	cx = 2;
	asm volatile("cld; rep outsw %%fs:(%%rsi), (%%dx)" : "+S"(si), "+c"(cx)
		     : "d"(PORT_W) : "memory");
	GUEST_SYNC2(si, cx);
	/* ... and bytes downwards, down to FS:0. */
	si = 3;
	cx = 4;
	asm volatile("std; rep outsb %%fs:(%%rsi), (%%dx); cld" : "+S"(si),
		     "+c"(cx) : "d"(PORT_B) : "memory", "cc");
	GUEST_SYNC2(si, cx);
	GUEST_DONE();
}

TEST(outs_fs_gs_override)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_outs_fs_gs);
	u64 g = (u64)seg_buf;
	struct kvm_sregs sregs;
	struct ucall uc;
	size_t len;
	u8 got[64];
	int i;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.fs.base = g + 16;
	sregs.gs.base = g + 48;
	vcpu_sregs_set(vcpu, &sregs);

	collect_outs(vcpu, PORT_B, 1, got, &len, &uc);
	ASSERT_EQ(6, len);
	for (i = 0; i < 6; i++)
		EXPECT_EQ(0xa0 + 16 + 4 + i, got[i]) TH_LOG("FS byte %d", i);
	EXPECT_EQ(10, uc.args[0]);	/* RSI is the offset, not linear */
	EXPECT_EQ(0, uc.args[1]);

	collect_outs(vcpu, PORT_B, 1, got, &len, &uc);
	ASSERT_EQ(1, len);
	EXPECT_EQ(0xa0 + 48 + 1, got[0]);
	EXPECT_EQ(2, uc.args[0]);

	collect_outs(vcpu, PORT_W, 2, got, &len, &uc);
	ASSERT_EQ(4, len);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0xa0 + 32 + 2 + i, got[i]) TH_LOG("FS (WRMSR) byte %d",
							     i);
	EXPECT_EQ(6, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);

	collect_outs(vcpu, PORT_B, 1, got, &len, &uc);
	ASSERT_EQ(4, len);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0xa0 + 32 + 3 - i, got[i]) TH_LOG("FS DF=1 byte %d", i);
	EXPECT_EQ(~0ULL, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	/* The guest's WRMSR is what KVM_GET_SREGS reports now. */
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(g + 32, sregs.fs.base);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * In 64-bit mode the DS and ES bases do not apply, whatever the segment
 * registers hold: the host puts junk there with KVM_SET_SREGS, and OUTS
 * (DS:RSI) and INS (ES:RDI) must still use plain RSI/RDI.
 */
static void guest_ds_es_ignored(void)
{
	u64 si, di, cx;
	int i;

	for (i = 0; i < 64; i++)
		seg_buf[i] = 0xa0 + i;
	si = (u64)seg_buf + 7;
	cx = 3;
	asm volatile("cld; rep outsb" : "+S"(si), "+c"(cx) : "d"(PORT_B)
		     : "memory");
	GUEST_SYNC2(si, cx);

	guest_memset(seg_in_buf, 0xee, sizeof(seg_in_buf));
	di = (u64)seg_in_buf + 2;
	cx = 3;
	asm volatile("cld; rep insb" : "+D"(di), "+c"(cx) : "d"(PORT_B)
		     : "memory");
	GUEST_SYNC2(di, cx);
	GUEST_DONE();
}

TEST(string_io_ignores_ds_es_base)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ds_es_ignored);
	u8 *in = gpa2hva(vm, (u64)seg_in_buf);
	struct kvm_sregs sregs;
	u8 got[64], next = 0x61;
	struct ucall uc;
	size_t len;
	int i;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.ds.base = JUNK_BASE;
	sregs.es.base = JUNK_BASE;
	vcpu_sregs_set(vcpu, &sregs);

	collect_outs(vcpu, PORT_B, 1, got, &len, &uc);
	ASSERT_EQ(3, len);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0xa0 + 7 + i, got[i]) TH_LOG("OUTS byte %d", i);
	EXPECT_EQ((u64)seg_buf + 10, uc.args[0]);

	answer_ins(vcpu, PORT_B, 1, &next, &uc);
	EXPECT_EQ((u64)seg_in_buf + 5, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	EXPECT_EQ(0xee, in[1]);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0x61 + i, in[2 + i]) TH_LOG("INS byte %d", i);
	EXPECT_EQ(0xee, in[5]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
