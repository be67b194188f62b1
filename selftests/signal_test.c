// SPDX-License-Identifier: GPL-2.0
/*
 * Leaving KVM_RUN without a guest exit: a signal to the vCPU thread,
 * kvm_run->immediate_exit, and completion of a pending I/O or MMIO read
 * by a KVM_RUN that does not enter the guest (KVM's selftests and QEMU
 * rely on that to leave a vCPU in a consistent state).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

static volatile sig_atomic_t nr_signals;

static void on_sigusr1(int sig)
{
	nr_signals++;
}

struct kicker {
	pthread_t target;
	volatile bool stop;
	int delay_ms;
};

/*
 * Signal the vCPU thread until it says stop: a signal that lands before
 * KVM_RUN is entered would otherwise be lost in the handler.
 */
static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts = { 0, k->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	while (!k->stop) {
		pthread_kill(k->target, SIGUSR1);
		ts.tv_nsec = 20 * 1000000L;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };

	/* No SA_RESTART: KVM_RUN is never restarted anyway (-EINTR). */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static void guest_spin(u64 *counter)
{
	GUEST_SYNC(0);
	for (;;)
		WRITE_ONCE(*counter, READ_ONCE(*counter) + 1);
}

TEST(signal_interrupts_run)
{
	struct kicker k = { .target = pthread_self(), .delay_ms = 100 };
	struct vt_vm *vm;
	struct vt_vcpu *vcpu;
	u64 counter_gpa;
	volatile u64 *counter;
	pthread_t t;
	u64 before;
	int r, round;

	/*
	 * Under Bochs a host CPU running a spinning nested guest never
	 * switches to another host thread (its timer ticks still arrive):
	 * the kicker thread, placed on that CPU, never runs to send the
	 * signal. RCU stalls, then kselftest's timeout, on kvm_intel
	 * exactly as on vmon.
	 */
	if (vt_running_on_emulator("bochs"))
		SKIP(return, "Bochs (vmontest.emulator=bochs; emulator_bugs.py: bochs-no-switch-from-spinning-guest): a CPU running a spinning nested guest never switches to another host thread, on kvm_intel as on vmon; runs on QEMU/AMD and hardware");
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_spin);
	counter_gpa = vm_alloc(vm, 8, 8);
	counter = gpa2hva(vm, counter_gpa);
	install_handler();
	vcpu_args_set(vcpu, 1, counter_gpa);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));

	for (round = 0; round < 2; round++) {
		before = *counter;
		k.stop = false;
		ASSERT_EQ(0, pthread_create(&t, NULL, kicker_fn, &k));
		r = __vcpu_run(vcpu);
		k.stop = true;
		pthread_join(t, NULL);

		EXPECT_EQ(-1, r);
		EXPECT_EQ(EINTR, errno);
		EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason)
			TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
		EXPECT_LT(0, nr_signals);
		/* The guest was running all along, and resumes each time. */
		EXPECT_LT(before, *counter);
	}
	vm_free(vm);
}

/* A signal that is already pending when KVM_RUN starts. */
TEST(signal_pending_before_run)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_spin);
	u64 counter_gpa = vm_alloc(vm, 8, 8);
	sigset_t set, old;
	int r;

	install_handler();
	vcpu_args_set(vcpu, 1, counter_gpa);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));

	/* Block it, raise it, and let KVM_RUN unblock it via the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	pthread_kill(pthread_self(), SIGUSR1);
	{
		/* KVM_SET_SIGNAL_MASK: the mask in force during KVM_RUN. */
		struct kvm_signal_mask *m = calloc(1, sizeof(*m) + 8);

		m->len = 8;
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, m));
		free(m);
	}
	r = __vcpu_run(vcpu);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	EXPECT_LT(0, nr_signals);
	vm_free(vm);
}

static void guest_out_first(void)
{
	asm volatile("outb %%al, $0x80" : : "a"(0x42));
	GUEST_DONE();
}

TEST(immediate_exit)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_out_first);
	struct kvm_regs before, after;
	const u32 sentinel = 0xabcd;

	vcpu_regs_get(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	vcpu->run->exit_reason = sentinel;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	/*
	 * KVM 6.1 does not touch exit_reason on this path; KVM_EXIT_INTR
	 * would be a reasonable answer too. Anything else would be a lie.
	 */
	EXPECT_TRUE(vcpu->run->exit_reason == sentinel ||
		    vcpu->run->exit_reason == KVM_EXIT_INTR)
		TH_LOG("exit_reason %u", vcpu->run->exit_reason);
	/* The guest did not run: not one instruction. */
	vcpu_regs_get(vcpu, &after);
	EXPECT_EQ(before.rip, after.rip);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));

	/* Again: still nothing. */
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(before.rip, vcpu_get_reg_rip(vcpu));

	vcpu->run->immediate_exit = 0;
	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 1, 1);
	EXPECT_EQ(0x42, *(u8 *)vcpu_io_data(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

extern const char ie_in_next[], ie_out_next[], ie_mmio_next[];

static void __attribute__((noinline)) guest_pending_io(u64 mmio)
{
	u64 v = 0x1122334455667788ULL;

	asm volatile("inb $0x80, %%al\n"
		     ".globl ie_in_next\n"
		     "ie_in_next:" : "+a"(v));
	GUEST_SYNC(v);
	asm volatile("outb %%al, $0x81\n"
		     ".globl ie_out_next\n"
		     "ie_out_next:" : : "a"(0x99));
	v = 0;
	asm volatile("movq (%1), %0\n"
		     ".globl ie_mmio_next\n"
		     "ie_mmio_next:" : "+a"(v) : "b"(mmio) : "memory");
	GUEST_SYNC(v);
	GUEST_DONE();
}

/*
 * After an IN (or OUT, or MMIO read) exit, KVM_RUN with immediate_exit=1
 * completes the access (register written, RIP advanced) and returns EINTR
 * without entering the guest.
 */
TEST(immediate_exit_completes_pending_io)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_pending_io);
	struct kvm_regs regs;

	vcpu_args_set(vcpu, 1, VT_MMIO_GPA);

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_IN, 0x80, 1, 1);
	*(u8 *)vcpu_io_data(vcpu) = 0xab;
	vcpu->run->immediate_exit = 1;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ((u64)ie_in_next, regs.rip);
	EXPECT_EQ(0x11223344556677abULL, regs.rax);
	/* Completion happens once: a second immediate exit changes nothing. */
	*(u8 *)vcpu_io_data(vcpu) = 0xcd;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ((u64)ie_in_next, regs.rip);
	EXPECT_EQ(0x11223344556677abULL, regs.rax);
	vcpu->run->immediate_exit = 0;
	EXPECT_EQ(0x11223344556677abULL, vcpu_run_sync(vcpu));

	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x81, 1, 1);
	vcpu->run->immediate_exit = 1;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ((u64)ie_out_next, vcpu_get_reg_rip(vcpu));
	vcpu->run->immediate_exit = 0;

	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, VT_MMIO_GPA, 8, false);
	vcpu_mmio_reply(vcpu, 0x0badcafe0badcafeULL);
	vcpu->run->immediate_exit = 1;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ((u64)ie_mmio_next, regs.rip);
	EXPECT_EQ(0x0badcafe0badcafeULL, regs.rax);
	vcpu->run->immediate_exit = 0;
	EXPECT_EQ(0x0badcafe0badcafeULL, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST(run_arg_must_be_zero)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_out_first);

	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_RUN, 1UL));
	EXPECT_EQ(EINVAL, errno);
	vcpu_run(vcpu);
	vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 1, 1);
	vm_free(vm);
}

TEST_HARNESS_MAIN
