// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO exits: guest accesses to a gpa with no memslot, and writes to a
 * read-only slot. Writes carry their data out; read data supplied by the
 * host lands in the destination register (with the x86 rules for partial
 * registers, zero and sign extension) on the next KVM_RUN. ALU
 * instructions on MMIO are where vmon and KVM part ways on purpose.
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
 * An ALU instruction with a memory operand in MMIO space. The two devices
 * differ here, by design (Documentation/api.rst, KVM_RUN exits):
 *  - KVM has a full instruction emulator: ADD becomes an MMIO read exit,
 *    then an MMIO write exit of the sum, and the guest goes on.
 *  - vmon decodes only the MOV family (MOV, MOVZX, MOVSX, MOVSXD) and
 *    reports anything else as KVM_EXIT_INTERNAL_ERROR with suberror
 *    KVM_INTERNAL_ERROR_EMULATION; data[0] is RIP (still at the
 *    instruction), data[1] the guest-physical address, data[2..3] the
 *    instruction bytes.
 * Each device is held to its own documented behaviour.
 */
extern const char mmio_alu_insn[];

static void __attribute__((noinline)) guest_mmio_alu(u64 base)
{
	asm volatile(".globl mmio_alu_insn\n"
		     "mmio_alu_insn: addl %%eax, 0x30(%%rbx)"
		     : : "a"(0x5), "b"(base) : "memory", "cc");
	GUEST_DONE();
}

TEST(alu_op_not_emulated_by_vmon)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_alu);
	struct kvm_run *run = vcpu->run;
	/* addl %eax, 0x30(%rbx): 01 43 30 */
	const u8 insn[] = { 0x01, 0x43, 0x30 };

	vcpu_args_set(vcpu, 1, MMIO);
	vcpu_run(vcpu);
	if (vt_dev_is_kvm()) {
		vcpu_assert_mmio(vcpu, MMIO + 0x30, 4, false);
		vcpu_mmio_reply(vcpu, 0x100);
		vcpu_run(vcpu);
		vcpu_assert_mmio(vcpu, MMIO + 0x30, 4, true);
		EXPECT_EQ(0x105, vcpu_mmio_data(vcpu));
		vcpu_run_done(vcpu);
	} else {
		vcpu_assert_exit(vcpu, KVM_EXIT_INTERNAL_ERROR);
		EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);
		ASSERT_LE(2, run->internal.ndata);
		EXPECT_EQ((u64)mmio_alu_insn, run->internal.data[0]);
		EXPECT_EQ(MMIO + 0x30, run->internal.data[1]);
		if (run->internal.ndata >= 3)
			EXPECT_EQ(0, memcmp(&run->internal.data[2], insn,
					    sizeof(insn)));
		EXPECT_EQ((u64)mmio_alu_insn, vcpu_get_reg_rip(vcpu));
	}
	vm_free(vm);
}

TEST_HARNESS_MAIN
