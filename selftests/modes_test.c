// SPDX-License-Identifier: GPL-2.0
/*
 * Guests in each CPU mode: real mode and 32-bit protected mode from
 * assembled blobs (guests/modes.S), a real-to-protected mode switch done
 * by the guest itself, the PDPTE check of a CR4 write under PAE paging,
 * and the library's 64-bit C guest.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "../guests/blobs.h"

#define BLOB_GPA	0x1000
#define X86_CR4_PSE_BIT	0x10ULL

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

/*
 * 32-bit PAE paging: a MOV to CR4 that changes PSE (one of PAE, PGE, PSE,
 * SMEP) reloads the four PDPTEs from memory and raises #GP if one that is
 * present has a reserved bit (SDM 4.4.1; KVM's kvm_set_cr4() ->
 * load_pdptrs(), on both vendors). The guest toggles PSE once with good
 * PDPTEs, then sets reserved bit 5 in PDPTE 3 (which maps nothing it
 * uses) and toggles again: with no IDT the #GP is a triple fault.
 */
static const u8 pae_cr4_code[] = {
	0x0f, 0x20, 0xe0,			/* mov %cr4, %eax */
	0x83, 0xf0, 0x10,			/* xor $0x10, %eax (PSE) */
	0x0f, 0x22, 0xe0,			/* mov %eax, %cr4 */
	0xe6, 0x10,				/* out %al, $0x10 */
	0xc7, 0x05, 0x18, 0x30, 0x00, 0x00,	/* movl $0x21, 0x3018 */
	0x21, 0x00, 0x00, 0x00,
	0x0f, 0x20, 0xe0,			/* mov %cr4, %eax */
	0x83, 0xf0, 0x10,			/* xor $0x10, %eax */
	0x0f, 0x22, 0xe0,			/* mov %eax, %cr4: #GP */
	0xe6, 0x11,				/* out %al, $0x11 */
	0xf4,					/* hlt */
};

TEST(pae_cr4_write_checks_pdptes)
{
	struct vt_vm *vm = vm_create_with_blob(0x100000, pae_cr4_code,
					       sizeof(pae_cr4_code), BLOB_GPA);
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);
	u64 *pdpt = gpa2hva(vm, 0x3000), *pd = gpa2hva(vm, 0x4000);
	struct kvm_sregs sregs;

	memset(pdpt, 0, 32);
	pdpt[0] = 0x4000 | 1;		/* P */
	pd[0] = 0x83;			/* 2 MiB at 0: P, RW, PS */
	vcpu_setup_pm32(vcpu, 0x500, BLOB_GPA, 0x8000);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr3 = 0x3000;
	sregs.cr4 = X86_CR4_PAE;
	sregs.cr0 |= X86_CR0_PG;
	vcpu_sregs_set(vcpu, &sregs);

	vcpu_run(vcpu);
	/*
	 * QEMU's TCG sets the accessed bit (5) in the PDPTE its walk used,
	 * a reserved bit in PAE paging: the software walk that decodes the
	 * intercepted MOV (vmon's and kvm_amd's alike, 2026-12-07) then
	 * fails and nothing is left to judge. Judged on Bochs.
	 */
	if (vcpu->run->exit_reason != KVM_EXIT_IO && (pdpt[0] & 0x20) &&
	    vt_running_on_emulator("qemu-tcg")) {
		unsigned long long pdpte = pdpt[0];
		unsigned int reason = vcpu->run->exit_reason;

		vm_free(vm);
		SKIP(return, "QEMU TCG set reserved bit 5 in a PDPTE (%#llx): exit %u",
		     pdpte, reason);
	}
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	EXPECT_EQ((X86_CR4_PAE | X86_CR4_PSE_BIT) & 0xff,
		  *(u8 *)vcpu_io_data(vcpu));
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_SHUTDOWN, vcpu->run->exit_reason)
		TH_LOG("CR4 write with a reserved bit in a PDPTE: exit %u, not #GP",
		       vcpu->run->exit_reason);
	vm_free(vm);
}

TEST_HARNESS_MAIN
