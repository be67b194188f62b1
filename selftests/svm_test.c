// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-specific guest-visible behaviour of the SVM backend, checked on both
 * vmon and kvm_amd: debug registers and MSRs that live in the VMCB or are
 * switched by VMLOAD/VMSAVE survive exits and host/guest switches, SVM
 * instructions #UD in a guest without EFER.SVME, RDPMC, INVD, RDTSCP and
 * TSC_AUX, CR8 and the kvm_run->cr8 field, GPRs across many exits, a long
 * loop interrupted by host timer interrupts, two vCPUs, and KVM_SET_SREGS
 * validation. The whole binary skips on a CPU that is not AMD.
 */
#include <cpuid.h>
#include <pthread.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

/* ---- DR0-3 ---- */
static void guest_dr(void)
{
	u64 v0 = 0x1111000, v1 = 0x2222000, v2 = 0x3333000, v3 = 0x4444000;
	u64 r0, r1, r2, r3;

	asm volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3"
		     : : "r"(v0), "r"(v1), "r"(v2), "r"(v3));
	GUEST_SYNC(1);	/* an exit in between: values must survive */
	asm volatile("mov %%dr0, %0; mov %%dr1, %1; mov %%dr2, %2; mov %%dr3, %3"
		     : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3));
	GUEST_ASSERT_EQ(r0, v0);
	GUEST_ASSERT_EQ(r1, v1);
	GUEST_ASSERT_EQ(r2, v2);
	GUEST_ASSERT_EQ(r3, v3);
	/* r15 as the GPR operand (REX.B) */
	asm volatile("mov %%dr2, %%r15; mov %%r15, %0" : "=r"(r2) : : "r15");
	GUEST_ASSERT_EQ(r2, v2);
	GUEST_DONE();
}

TEST(dr0_3)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_dr);

	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- SVM instructions #UD with EFER.SVME clear ---- */
static void guest_clgi(void)
{
	asm volatile("clgi");
	GUEST_DONE();
}

static void guest_vmload(void)
{
	asm volatile("xor %%eax, %%eax; vmload %%rax" : : : "rax", "memory");
	GUEST_DONE();
}

static void guest_stgi(void)
{
	asm volatile("stgi");
	GUEST_DONE();
}

/* Run to the next ucall, which must be an exception: its vector. */
static u64 run_expect_exc(struct vt_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	if (get_ucall(vcpu, &uc) != UCALL_EXCEPTION) {
		fprintf(stderr, "# no exception: ucall %llu\n",
			(unsigned long long)uc.cmd);
		return ~0ULL;
	}
	return uc.args[0];
}

TEST(svm_insns_ud)
{
	void *g[] = { guest_clgi, guest_vmload, guest_stgi };
	const char *name[] = { "clgi", "vmload", "stgi" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(g); i++) {
		struct vt_vm *vm = vm_create(0);
		struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, g[i]);

		EXPECT_EQ(6, run_expect_exc(vcpu)) TH_LOG("%s", name[i]);
		vm_free(vm);
	}
}

/* ---- RDPMC: legacy counters readable, others #GP ---- */
static void guest_rdpmc(void)
{
	u32 a, d;

	asm volatile("rdpmc" : "=a"(a), "=d"(d) : "c"(0));
	GUEST_SYNC(a);
	/* EPYC has 6 core counters (PerfCtrExtCore): 7 is out of range. */
	asm volatile("rdpmc" : "=a"(a), "=d"(d) : "c"(7));
	GUEST_DONE();
}

TEST(rdpmc)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rdpmc);
	u64 v = vcpu_run_sync(vcpu);

	/* vmon has no vPMU: its counters read 0; KVM's count what it sees. */
	if (!vt_dev_is_kvm())
		EXPECT_EQ(0, v);
	EXPECT_EQ(13, run_expect_exc(vcpu));
	vm_free(vm);
}

/* ---- INVD runs as a no-op ---- */
static void guest_invd(void)
{
	asm volatile("invd");
	GUEST_SYNC(7);
	GUEST_DONE();
}

TEST(invd)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_invd);

	EXPECT_EQ(7, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- TSC_AUX / RDTSCP ---- */
#define MSR_TSC_AUX	0xc0000103

static void guest_rdtscp(void)
{
	u32 a, d, c;

	asm volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c));
	GUEST_SYNC(c);
	wrmsr(MSR_TSC_AUX, 0x42);
	asm volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c));
	GUEST_SYNC(c);
	GUEST_DONE();
}

TEST(rdtscp)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rdtscp);
	const struct kvm_cpuid_entry2 *e =
		vt_cpuid_find(vt_supported_cpuid(), 0x80000001, 0);

	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_TSC_AUX, 0x1234));
	EXPECT_EQ(0x1234, vcpu_run_sync(vcpu));
	if (!e || !(e->edx & (1u << 27))) {
		/* Guest WRMSR of TSC_AUX #GPs without RDTSCP in CPUID. */
		EXPECT_EQ(13, run_expect_exc(vcpu));
		vm_free(vm);
		return;
	}
	EXPECT_EQ(0x42, vcpu_run_sync(vcpu));
	EXPECT_EQ(0x42, vcpu_get_msr(vcpu, MSR_TSC_AUX));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * ---- MSRs switched by VMLOAD/VMSAVE ----
 * The host uses the same MSRs (LSTAR for its own syscalls, the ioctls of
 * this very test): guest values must survive every round trip.
 */
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_CSTAR	0xc0000083
#define MSR_SFMASK	0xc0000084
#define MSR_FS_BASE	0xc0000100
#define MSR_KGS		0xc0000102
#define MSR_SYSENTER_CS	0x174

static void guest_msrs(void)
{
	GUEST_ASSERT_EQ(rdmsr(MSR_LSTAR), 0xffffffff81000000ULL);
	GUEST_ASSERT_EQ(rdmsr(MSR_STAR), 0x0023001000000000ULL);
	GUEST_ASSERT_EQ(rdmsr(MSR_KGS), 0xffff888000001000ULL);
	GUEST_ASSERT_EQ(rdmsr(MSR_SFMASK), 0x47700);
	GUEST_ASSERT_EQ(rdmsr(MSR_SYSENTER_CS), 0x10);
	wrmsr(MSR_LSTAR, 0xffffffff82000000ULL);
	wrmsr(MSR_CSTAR, 0xffffffff83000000ULL);
	wrmsr(MSR_KGS, 0x7f0000001000ULL);
	wrmsr(MSR_FS_BASE, 0x5000);
	GUEST_SYNC(1);
	GUEST_ASSERT_EQ(rdmsr(MSR_LSTAR), 0xffffffff82000000ULL);
	GUEST_ASSERT_EQ(rdmsr(MSR_FS_BASE), 0x6000);
	GUEST_DONE();
}

TEST(vmload_msrs)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_msrs);
	struct kvm_sregs sregs;

	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_LSTAR, 0xffffffff81000000ULL));
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_STAR, 0x0023001000000000ULL));
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_KGS, 0xffff888000001000ULL));
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_SFMASK, 0x47700));
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_SYSENTER_CS, 0x10));
	/* A non-canonical LSTAR is refused: 0 MSRs written. */
	EXPECT_EQ(0, vcpu_set_msr(vcpu, MSR_LSTAR, 0x8000000000000000ULL));
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	EXPECT_EQ(0xffffffff82000000ULL, vcpu_get_msr(vcpu, MSR_LSTAR));
	EXPECT_EQ(0xffffffff83000000ULL, vcpu_get_msr(vcpu, MSR_CSTAR));
	EXPECT_EQ(0x7f0000001000ULL, vcpu_get_msr(vcpu, MSR_KGS));
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(0x5000, sregs.fs.base);
	sregs.fs.base = 0x6000;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- CR8, V_TPR and kvm_run->cr8 ---- */
/*
 * Without an in-kernel local APIC (these VMs have none), KVM keeps CR8 in
 * the vCPU and mirrors it in kvm_run (arch/x86/kvm/x86.c, 6.1):
 *  - every exit to userspace stores the guest's CR8 in kvm_run->cr8
 *    (post_kvm_run_save());
 *  - every KVM_RUN starts by loading CR8 from kvm_run->cr8
 *    (kvm_arch_vcpu_ioctl_run(): "re-sync apic's tpr"), EINVAL if it has
 *    bits above 3 set. So a CR8 written with KVM_SET_SREGS lasts only
 *    until the next KVM_RUN, which replaces it with kvm_run->cr8;
 *  - a guest MOV to CR8 is intercepted, and lowering the TPR exits to
 *    userspace with KVM_EXIT_SET_TPR (svm.c, cr8_write_interception()),
 *    RIP past the MOV.
 * QEMU relies on the first two (it writes run->cr8 before each KVM_RUN).
 */
extern const char cr8_lower_next[];

static void guest_cr8(void)
{
	u64 v;

	asm volatile("mov %0, %%cr8" : : "r"(5ULL));
	GUEST_SYNC(1);
	asm volatile("mov %%cr8, %0" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mov %%cr8, %0" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mov %%cr8, %0" : "=r"(v));
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(cr8_and_run_cr8)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cr8);
	struct kvm_run *run = vcpu->run;
	struct kvm_sregs sregs;

	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	EXPECT_EQ(5, run->cr8) TH_LOG("the exit must report the guest's CR8");
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(5, sregs.cr8);

	/* KVM_SET_SREGS alone: KVM_RUN takes kvm_run->cr8 (5) instead. */
	sregs.cr8 = 9;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(9, sregs.cr8);
	EXPECT_EQ(5, vcpu_run_sync(vcpu))
		TH_LOG("KVM_RUN must load CR8 from kvm_run->cr8");

	/* Through kvm_run. */
	run->cr8 = 9;
	EXPECT_EQ(9, vcpu_run_sync(vcpu));
	EXPECT_EQ(9, run->cr8);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(9, sregs.cr8);

	/* Bits above the 4-bit TPR: KVM_RUN refuses, guest untouched. */
	run->cr8 = 16;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINVAL, errno);
	run->cr8 = 7;
	EXPECT_EQ(7, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void __attribute__((noinline)) guest_cr8_lower(void)
{
	u64 v;

	asm volatile("mov %0, %%cr8" : : "r"(9ULL));
	asm volatile("mov %0, %%cr8\n"
		     ".globl cr8_lower_next\n"
		     "cr8_lower_next:" : : "r"(3ULL));
	asm volatile("mov %%cr8, %0" : "=r"(v));
	GUEST_SYNC(v);
	GUEST_DONE();
}

TEST(cr8_lowered_exits_set_tpr)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cr8_lower);
	struct kvm_run *run = vcpu->run;

	/* Raising the TPR (0 -> 9) stays in the kernel; 9 -> 3 does not. */
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_SET_TPR);
	EXPECT_EQ(3, run->cr8);
	EXPECT_EQ((u64)cr8_lower_next, vcpu_get_reg_rip(vcpu));
	EXPECT_EQ(3, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- GPRs survive exits; host edits are seen ---- */
static void guest_gprs(void)
{
	u64 out[6];
	int i;

	for (i = 0; i < 200; i++) {
		asm volatile(
			"push %%rbp\n"
			"mov $0x1111, %%rbx\n"
			"mov $0x2222, %%rbp\n"
			"mov $0x8888, %%r8\n"
			"mov $0x9999, %%r9\n"
			"mov $0xaaaa, %%r12\n"
			"mov $0x1000, %%dx\n"
			"mov $0, %%rdi\n"		/* not a ucall: raw out */
			"mov $0xffff, %%r15\n"
			"out %%al, $0x80\n"
			"mov %%rbx, 0(%0)\n"
			"mov %%rbp, 8(%0)\n"
			"mov %%r8, 16(%0)\n"
			"mov %%r9, 24(%0)\n"
			"mov %%r12, 32(%0)\n"
			"mov %%r15, 40(%0)\n"
			"pop %%rbp\n"
			: : "r"(out)
			: "rbx", "rdx", "rdi", "r8", "r9", "r12", "r15",
			  "memory");
		GUEST_ASSERT_EQ(out[0], 0x1111);
		GUEST_ASSERT_EQ(out[1], 0x2222);
		GUEST_ASSERT_EQ(out[2], 0x8888);
		GUEST_ASSERT_EQ(out[3], 0x9999);
		GUEST_ASSERT_EQ(out[4], 0xaaaa);
		GUEST_ASSERT_EQ(out[5], 0xbeef + i);	/* the host's */
	}
	GUEST_DONE();
}

TEST(gprs)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_gprs);
	struct kvm_regs regs;
	int i;

	for (i = 0; i < 200; i++) {
		vcpu_run(vcpu);
		vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 1, 1);
		vcpu_regs_get(vcpu, &regs);
		ASSERT_EQ(0xffff, regs.r15);
		ASSERT_EQ(0x1111, regs.rbx);
		regs.r15 = 0xbeef + i;
		vcpu_regs_set(vcpu, &regs);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- a long guest loop: host interrupts exit and resume it ---- */
static void guest_loop(u64 n)
{
	volatile u64 sum = 0;
	u64 i;

	for (i = 0; i < n; i++)
		sum += i;
	GUEST_SYNC(sum);
	GUEST_DONE();
}

TEST(long_loop)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_loop);
	u64 n = 20000000;

	vcpu_args_set(vcpu, 1, n);
	EXPECT_EQ(n * (n - 1) / 2, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- two vCPUs on two threads: ASIDs per CPU ---- */
static void guest_smp(u64 id)
{
	u64 i;

	for (i = 0; i < 3000; i++)
		GUEST_SYNC2(id, i);
	GUEST_DONE();
}

static void *smp_thread(void *arg)
{
	struct vt_vcpu *vcpu = arg;
	struct ucall uc;
	u64 i;

	for (i = 0; i < 3000; i++) {
		if (vcpu_run_ucall(vcpu, &uc) != UCALL_SYNC ||
		    uc.args[0] != vcpu->id || uc.args[1] != i)
			return (void *)1;
	}
	vcpu_run_done(vcpu);
	return NULL;
}

TEST(two_vcpus)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *v0 = vm_vcpu_add(vm, 0, guest_smp);
	struct vt_vcpu *v1 = vm_vcpu_add(vm, 1, guest_smp);
	pthread_t t0, t1;
	void *r0, *r1;

	vcpu_args_set(v0, 1, 0ULL);
	vcpu_args_set(v1, 1, 1ULL);
	pthread_create(&t0, NULL, smp_thread, v0);
	pthread_create(&t1, NULL, smp_thread, v1);
	pthread_join(t0, &r0);
	pthread_join(t1, &r1);
	EXPECT_EQ(NULL, r0);
	EXPECT_EQ(NULL, r1);
	vm_free(vm);
}

/* ---- sregs validation ---- */
static void guest_nop(void)
{
	GUEST_DONE();
}

TEST(sregs_checks)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_nop);
	struct kvm_sregs s, t;
	unsigned int i;

	vcpu_sregs_get(vcpu, &s);
	for (i = 0; i < 5; i++) {
		t = s;
		switch (i) {
		case 0:		/* CR4.VMXE on AMD */
			t.cr4 |= 1UL << 13;
			break;
		case 1:		/* long mode without PAE */
			t.cr4 &= ~X86_CR4_PAE;
			break;
		case 2:		/* LME + PG without LMA */
			t.efer &= ~EFER_LMA;
			break;
		case 3:		/* CR0.NW without CR0.CD */
			t.cr0 |= 1UL << 29;
			t.cr0 &= ~(1UL << 30);
			break;
		case 4:		/* CR0 bits 63:32 are reserved */
			t.cr0 |= 1ULL << 32;
			break;
		}
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &t))
			TH_LOG("case %u accepted", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("case %u", i);
	}
	/* Nothing of the refused states stuck. */
	vcpu_sregs_get(vcpu, &t);
	EXPECT_EQ(0, memcmp(&s, &t, sizeof(s)));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* KVM's set_sregs_test, on a vCPU without KVM_SET_CPUID2. */
static bool sup(u32 fn, int reg, int bit)
{
	const struct kvm_cpuid_entry2 *e = vt_cpuid_find(vt_supported_cpuid(), fn, 0);
	u32 v;

	if (!e)
		return false;
	v = reg == 1 ? e->ebx : reg == 2 ? e->ecx : e->edx;
	return v & (1u << bit);
}

TEST(cr4_feature_bits)
{
	struct vt_vm *vm = vm_create_bare();
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);
	struct kvm_sregs s, t;
	u64 cr4 = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100 |
		  0x200 | 0x400;
	static const struct { u64 bit; u32 fn; int reg, b; } f[] = {
		{ 1 << 11, 7, 2, 2 }, { 1 << 12, 7, 2, 16 },
		{ 1 << 13, 1, 2, 5 }, { 1 << 14, 1, 2, 6 },
		{ 1 << 16, 7, 1, 0 }, { 1 << 17, 1, 2, 17 },
		{ 1 << 18, 1, 2, 26 }, { 1 << 20, 7, 1, 7 },
		{ 1 << 21, 7, 1, 20 }, { 1 << 22, 7, 2, 3 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(f); i++)
		if (sup(f[i].fn, f[i].reg, f[i].b))
			cr4 |= f[i].bit;
	vcpu_sregs_get(vcpu, &s);
	s.cr4 |= cr4;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &s)) TH_LOG("cr4 %llx", (unsigned long long)s.cr4);
	vcpu_sregs_get(vcpu, &t);
	EXPECT_EQ(s.cr4, t.cr4);
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		if (t.cr4 & f[i].bit)
			continue;
		s = t;
		s.cr4 |= f[i].bit;
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &s)) TH_LOG("bit %llx", (unsigned long long)f[i].bit);
	}
	vm_free(vm);
}

static bool host_is_amd(void)
{
	u32 a, b, c, d;

	if (!__get_cpuid(0, &a, &b, &c, &d))
		return false;
	/* "AuthenticAMD" in EBX, EDX, ECX. */
	return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;
}

int main(int argc, char **argv)
{
	if (!host_is_amd()) {
		ksft_print_header();
		ksft_exit_skip("AMD-specific (SVM) behaviour: this CPU is not AMD\n");
	}
	return test_harness_run(argc, argv);
}
