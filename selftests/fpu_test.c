// SPDX-License-Identifier: GPL-2.0
/*
 * Guest FPU/SSE state is the guest's: it survives exits while the host
 * uses its own XMM/x87/MXCSR state, KVM_GET_FPU shows it, KVM_SET_FPU
 * changes it, and two vCPUs never see each other's.
 *
 * The suite is built with -mgeneral-regs-only, so only the inline asm
 * below touches these registers, on both sides.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

/* 80-bit extended encoding of the integer 12345 + id (little endian). */
static void int_to_x87(u64 v, u8 out[10])
{
	int e = 63;
	u64 m = v;

	while (!(m & (1ULL << 63))) {
		m <<= 1;
		e--;
	}
	memcpy(out, &m, 8);
	out[8] = (16383 + e) & 0xff;
	out[9] = (16383 + e) >> 8;
}

static inline void guest_set_xmm0(u64 lo, u64 hi)
{
	asm volatile("movq %0, %%xmm0\n\t"
		     "movq %1, %%xmm1\n\t"
		     "punpcklqdq %%xmm1, %%xmm0\n\t"
		     "pxor %%xmm1, %%xmm1" : : "r"(lo), "r"(hi));
}

static inline void guest_get_xmm0(u64 *lo, u64 *hi)
{
	asm volatile("movq %%xmm0, %0\n\t"
		     "pshufd $0xee, %%xmm0, %%xmm2\n\t"
		     "movq %%xmm2, %1" : "=r"(*lo), "=r"(*hi));
}

static void guest_fpu(u64 id)
{
	u64 lo = 0x1111111111111111ULL * (id + 1), hi = ~lo, a, b;
	u64 ival = 12345 + id, out = 0;
	u32 mxcsr = 0x1f80 | ((id + 1) << 13), m;

	guest_set_xmm0(lo, hi);
	asm volatile("fninit; fildq %0" : : "m"(ival));
	asm volatile("ldmxcsr %0" : : "m"(mxcsr));
	GUEST_SYNC(1);

	guest_get_xmm0(&a, &b);
	GUEST_ASSERT_EQ(a, lo);
	GUEST_ASSERT_EQ(b, hi);
	asm volatile("stmxcsr %0" : "=m"(m));
	GUEST_ASSERT_EQ(m, mxcsr);
	asm volatile("fistpq %0" : "=m"(out));
	GUEST_ASSERT_EQ(out, ival);
	GUEST_SYNC(2);

	/* The host now sets xmm0 with KVM_SET_FPU. */
	guest_get_xmm0(&a, &b);
	GUEST_SYNC2(a, b);
	GUEST_DONE();
}

/* Scribble over the host's own FPU/SSE state. */
static void host_clobber_fpu(void)
{
	u64 junk = 0x5555aaaa5555aaaaULL;
	u32 mxcsr = 0x1f80 | (3 << 13);

	asm volatile("movq %0, %%xmm0\n\t"
		     "movq %0, %%xmm1\n\t"
		     "movq %0, %%xmm2\n\t"
		     "fninit; fldz; fld1; fldpi\n\t"
		     "ldmxcsr %1" : : "r"(junk), "m"(mxcsr));
}

static void host_restore_fpu(void)
{
	u32 mxcsr = 0x1f80;

	asm volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

TEST(state_survives_exits)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_fpu);
	struct kvm_fpu fpu;
	u8 st0[10];
	u64 lo = 0x1111111111111111ULL, hi = ~lo, v[2];
	struct ucall uc;

	vcpu_args_set(vcpu, 1, 0ULL);
	EXPECT_EQ(1, vcpu_run_sync(vcpu));

	/* KVM_GET_FPU shows the guest's registers. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_FPU, &fpu));
	memcpy(v, fpu.xmm[0], 16);
	EXPECT_EQ(lo, v[0]);
	EXPECT_EQ(hi, v[1]);
	int_to_x87(12345, st0);
	EXPECT_EQ(0, memcmp(st0, fpu.fpr[0], 10));
	EXPECT_EQ(0x37f, fpu.fcw);		/* after fninit */
	EXPECT_EQ(7, (fpu.fsw >> 11) & 7);	/* TOP after one push */

	host_clobber_fpu();
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	host_restore_fpu();

	/* KVM_SET_FPU reaches the guest's registers. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_FPU, &fpu));
	v[0] = 0xfeedfacecafebeefULL;
	v[1] = 0x0123456789abcdefULL;
	memcpy(fpu.xmm[0], v, 16);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_FPU, &fpu));
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(v[0], uc.args[0]);
	EXPECT_EQ(v[1], uc.args[1]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST(two_vcpus_isolated)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu[2];
	struct kvm_fpu fpu;
	u64 v[2];
	int i;

	for (i = 0; i < 2; i++) {
		vcpu[i] = vm_vcpu_add(vm, i, guest_fpu);
		vcpu_args_set(vcpu[i], 1, (u64)i);
	}
	/* Interleave: each vCPU sets its state, then checks it. */
	EXPECT_EQ(1, vcpu_run_sync(vcpu[0]));
	EXPECT_EQ(1, vcpu_run_sync(vcpu[1]));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, ioctl(vcpu[i]->fd, KVM_GET_FPU, &fpu));
		memcpy(v, fpu.xmm[0], 16);
		EXPECT_EQ(0x1111111111111111ULL * (i + 1), v[0]);
	}
	host_clobber_fpu();
	EXPECT_EQ(2, vcpu_run_sync(vcpu[1]));
	EXPECT_EQ(2, vcpu_run_sync(vcpu[0]));
	host_restore_fpu();
	vm_free(vm);
}

/*
 * Preemption inside KVM_RUN: the vCPU thread and a host thread that
 * keeps other values in XMM0 share one CPU, so the vCPU thread is
 * descheduled many times while its guest runs; the guest must find its
 * own XMM0 every time (the host must reload the guest's registers before
 * re-entering, not only on return to user mode).
 */
#define SPIN_ITERS	3000000ULL

static void guest_fpu_spin(u64 iters)
{
	u64 lo = 0x0123456789abcdefULL, hi = 0xfedcba9876543210ULL, a, b, i;

	guest_set_xmm0(lo, hi);
	for (i = 0; i < iters; i++) {
		guest_get_xmm0(&a, &b);
		GUEST_ASSERT_EQ(a, lo);
		GUEST_ASSERT_EQ(b, hi);
	}
	GUEST_DONE();
}

static volatile int hog_stop;

static void *fpu_hog(void *arg)
{
	u64 v = 0xbad0bad0bad0bad0ULL;

	while (!hog_stop)
		asm volatile("movq %0, %%xmm0\n\t"
			     "punpcklqdq %%xmm0, %%xmm0" : : "r"(v));
	return NULL;
}

TEST(state_survives_preemption)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_fpu_spin);
	cpu_set_t one;
	pthread_t hog;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	/* The hog inherits the affinity: both threads share CPU 0. */
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	hog_stop = 0;
	ASSERT_EQ(0, pthread_create(&hog, NULL, fpu_hog, NULL));
	vcpu_args_set(vcpu, 1, SPIN_ITERS);
	vcpu_run_done(vcpu);
	hog_stop = 1;
	pthread_join(hog, NULL);
	vm_free(vm);
}

TEST_HARNESS_MAIN
