// SPDX-License-Identifier: GPL-2.0
/*
 * Guests in each CPU mode: real mode and 32-bit protected mode from
 * assembled blobs (guests/modes.S), a real-to-protected mode switch done
 * by the guest itself, and the library's 64-bit C guest.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "../guests/blobs.h"

#define BLOB_GPA	0x1000

TEST(real_mode)
{
	struct vt_vm *vm = vm_create_with_blob(0x100000, rm_fib_start,
					       BLOB_SIZE(rm_fib), BLOB_GPA);
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);
	u16 stored;

	vcpu_setup_real_mode(vcpu, BLOB_GPA, 0x8000);

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x10, 2, 1);
	EXPECT_EQ(46368, *(u16 *)vcpu_io_data(vcpu));

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x11, 1, 1);
	EXPECT_EQ(46368 & 0xff, *(u8 *)vcpu_io_data(vcpu));

	memcpy(&stored, (u8 *)gpa2hva(vm, BLOB_GPA) + BLOB_SIZE(rm_fib) - 2, 2);
	EXPECT_EQ(46368, stored);

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_HLT);
	/* RIP is an offset into CS: the byte after the hlt. */
	EXPECT_EQ(rm_fib_after_hlt - rm_fib_start,
		  vcpu_get_reg_rip(vcpu) & 0xffff);
	vm_free(vm);
}

TEST(protected_mode_32)
{
	struct vt_vm *vm = vm_create_with_blob(0x100000, pm32_sum_start,
					       BLOB_SIZE(pm32_sum), BLOB_GPA);
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);
	struct kvm_sregs sregs;
	u32 stored;

	vcpu_setup_pm32(vcpu, 0x500, BLOB_GPA, 0x8000);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(1, sregs.cs.db);
	EXPECT_EQ(0, sregs.cs.l);
	EXPECT_EQ(X86_CR0_PE, sregs.cr0 & (X86_CR0_PE | X86_CR0_PG));

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(0x7a11117a, *(u32 *)vcpu_io_data(vcpu));
	memcpy(&stored, (u8 *)gpa2hva(vm, BLOB_GPA) + BLOB_SIZE(pm32_sum) - 4,
	       4);
	EXPECT_EQ(0x7a11117a, stored);

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_HLT);
	vm_free(vm);
}

TEST(real_to_protected_switch)
{
	struct vt_vm *vm = vm_create_with_blob(0x100000, rm_to_pm32_start,
					       BLOB_SIZE(rm_to_pm32),
					       RM_TO_PM32_LOAD);
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);
	struct kvm_sregs sregs;

	vcpu_setup_real_mode(vcpu, RM_TO_PM32_LOAD, 0x8000);

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(X86_CR0_PE, *(u32 *)vcpu_io_data(vcpu) &
			      (X86_CR0_PE | X86_CR0_PG));

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x12, 2, 1);
	EXPECT_EQ(0x10, *(u16 *)vcpu_io_data(vcpu));

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_HLT);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(0x08, sregs.cs.selector);
	EXPECT_EQ(1, sregs.cs.db);
	EXPECT_EQ(0, sregs.cs.base);
	EXPECT_EQ(0x10, sregs.ss.selector);
	EXPECT_EQ(0xffffffff, sregs.ds.limit);
	/* The GDT (3 entries) and its 6-byte pseudo-descriptor end the blob. */
	EXPECT_EQ(RM_TO_PM32_LOAD + BLOB_SIZE(rm_to_pm32) - 6 - 24,
		  sregs.gdt.base);
	EXPECT_EQ(23, sregs.gdt.limit);
	vm_free(vm);
}

static u64 guest_fib(u64 n)
{
	u64 a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static void long_mode_guest(u64 arg)
{
	u32 a, b, c, d;

	GUEST_ASSERT_EQ(read_cr0() & (X86_CR0_PE | X86_CR0_PG),
			X86_CR0_PE | X86_CR0_PG);
	GUEST_ASSERT(read_cr4() & X86_CR4_PAE);
	GUEST_ASSERT_EQ(rdmsr(MSR_EFER) & (EFER_LME | EFER_LMA),
			EFER_LME | EFER_LMA);
	/* Leaf 0x80000001 EDX bit 29: the table says long mode. */
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	GUEST_ASSERT(d & (1u << 29));
	GUEST_SYNC(guest_fib(arg));
	GUEST_SYNC(read_cr3());
	GUEST_DONE();
}

TEST(long_mode_64)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, long_mode_guest);

	vcpu_args_set(vcpu, 1, 90ULL);
	EXPECT_EQ(2880067194370816120ULL, vcpu_run_sync(vcpu));
	EXPECT_EQ(vm->pml4, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
