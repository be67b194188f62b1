// SPDX-License-Identifier: GPL-2.0
/*
 * Exits that end a guest's run: HLT, shutdown (triple fault), and a
 * guest state that KVM_SET_SREGS accepts but VMRUN refuses.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "../guests/blobs.h"

extern const char hlt_insn[], hlt_next[];

static void __attribute__((noinline)) guest_hlt(void)
{
	asm volatile(".globl hlt_insn, hlt_next\n"
		     "hlt_insn: hlt\n"
		     "hlt_next:\n");
	GUEST_SYNC(1);
	asm volatile("hlt");
	GUEST_DONE();
}


TEST(hlt)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_hlt);
	struct kvm_mp_state mp;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_HLT);
	/* Unlike I/O, HLT is complete when it exits: RIP is past it. */
	EXPECT_EQ((u64)hlt_next, vcpu_get_reg_rip(vcpu));
	/* No in-kernel APIC: the vCPU stays runnable, userspace decides. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);

	/* The next KVM_RUN simply continues after the hlt. */
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_HLT);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_triple_fault(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr = { 0, 0 };

	GUEST_SYNC(0);
	/* No IDT: #UD cannot be delivered, nor the #DF after it. */
	asm volatile("lidt %0; ud2" : : "m"(idtr));
	GUEST_SYNC(1);
}

TEST(triple_fault_long_mode)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_triple_fault);
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_SHUTDOWN);

	vcpu_regs_get(vcpu, &regs);
	vcpu_sregs_get(vcpu, &sregs);
	if (vt_host_is_intel()) {
		/* kvm_intel leaves the state of the fault: still long mode. */
		EXPECT_NE(0, sregs.efer & EFER_LMA);
		vm_free(vm);
		return;
	}
	/*
	 * On AMD a shutdown leaves the vCPU in the INIT state (KVM resets
	 * it: the VMCB is undefined after a shutdown intercept).
	 */
	EXPECT_EQ(0xfff0, regs.rip);
	EXPECT_EQ(0xf000, sregs.cs.selector);
	EXPECT_EQ(0xffff0000, sregs.cs.base);
	EXPECT_EQ(0, sregs.cr0 & (X86_CR0_PE | X86_CR0_PG));
	EXPECT_EQ(0, sregs.efer & (EFER_LME | EFER_LMA));
	vm_free(vm);
}

TEST(triple_fault_real_mode)
{
	struct vt_vm *vm = vm_create_with_blob(0x100000, rm_triple_fault_start,
					       BLOB_SIZE(rm_triple_fault),
					       0x1000);
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);

	vcpu_setup_real_mode(vcpu, 0x1000, 0x8000);
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_SHUTDOWN);
	vm_free(vm);
}

static void guest_never(void)
{
	GUEST_SYNC(0xbad);
}

/*
 * Long mode with CS.L=1 and CS.D=1: KVM_SET_SREGS takes it, the VMRUN
 * consistency checks (APM vol. 2, 15.5.1) refuse it: VMEXIT_INVALID,
 * reported as KVM_EXIT_FAIL_ENTRY.
 */
TEST(fail_entry_cs_l_and_d)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_never);
	struct kvm_run *run = vcpu->run;
	struct kvm_sregs sregs;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.l = 1;
	sregs.cs.db = 1;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &sregs));

	ASSERT_EQ(0, __vcpu_run(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	vcpu_assert_exit(vcpu, KVM_EXIT_FAIL_ENTRY);
	TH_LOG("hardware_entry_failure_reason 0x%llx cpu %u",
	       (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
	       run->fail_entry.cpu);
	/*
	 * The vendor's own code, as KVM reports it: SVM's VMEXIT_INVALID
	 * (-1, truncated to 32 bits), or VMX's exit reason "invalid guest
	 * state" (33) with bit 31, "VM-entry failure", set.
	 */
	EXPECT_EQ(vt_host_is_intel() ? 0x80000021ULL : 0xffffffffULL,
		  run->fail_entry.hardware_entry_failure_reason);
	vm_free(vm);
}

/*
 * A single-step trap (EFLAGS.TF) is a #DB delivered through the guest's
 * own IDT: vmon intercepts #DB on AMD (a #DB whose delivery faults again
 * could otherwise loop inside the CPU) and must hand it back unchanged.
 */
static void guest_single_step(void)
{
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "nop\n\t"
		     "nop" : : : "memory", "cc");
	GUEST_DONE();
}

TEST(single_step_db_reaches_guest)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_single_step);
	struct ucall uc;

	vcpu_run(vcpu);
	EXPECT_EQ(UCALL_EXCEPTION, get_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]) TH_LOG("vector %llu",
					(unsigned long long)uc.args[0]);
	vm_free(vm);
}

/*
 * A breakpoint armed by writing DR7 after DR0 fires on the very next
 * access: the guest's DR0 must be in the hardware from the DR7 write on,
 * not only after some later exit (vmon intercepts DR7 writes on AMD for
 * this; before, the guest ran with the host's DR0-3 meanwhile).
 */
static volatile u64 bp_hits, bp_rip;

static __attribute__((noinline)) void bp_target(void)
{
	asm volatile("nop");
}

static void db_handler(struct vt_regs *regs)
{
	bp_hits++;
	bp_rip = regs->rip;
	regs->rflags |= 1u << 16;	/* RF: resume without re-trapping */
}

static void guest_dr7_breakpoint(void)
{
	u64 target = (u64)(uintptr_t)bp_target;

	asm volatile("mov %0, %%dr0" : : "r"(target));
	/* L0, execute breakpoint, length 1. */
	asm volatile("mov %0, %%dr7" : : "r"(0x401ULL));
	bp_target();
	asm volatile("mov %0, %%dr7" : : "r"(0x400ULL));
	GUEST_SYNC2(bp_hits, bp_rip == target);
	GUEST_DONE();
}

TEST(dr7_breakpoint_fires_at_once)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_dr7_breakpoint);
	struct ucall uc;

	vm_install_handler(vm, 1, db_handler);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]) TH_LOG("breakpoint hits");
	EXPECT_EQ(1, uc.args[1]) TH_LOG("#DB RIP is the breakpoint");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
