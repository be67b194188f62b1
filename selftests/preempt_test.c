// SPDX-License-Identifier: GPL-2.0
/*
 * A guest that never exits on its own must not own its host CPU: the vCPU
 * thread stays preemptible (host timer interrupts end the guest slice and
 * the scheduler can switch), and a signal still ends KVM_RUN with EINTR.
 *
 * The vCPU thread and a CPU-bound host thread are pinned to the same CPU;
 * the host thread must get a fair part of that CPU while the guest spins.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define SHARED_CPU	0
#define WINDOW_MS	1000

static void guest_spin_forever(u64 *counter)
{
	/* Touch memory so the host can see that the guest really ran. */
	for (;;)
		WRITE_ONCE(*counter, READ_ONCE(*counter) + 1);
}

static u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void on_sigusr1(int sig)
{
}

struct vcpu_thread {
	struct vt_vcpu *vcpu;
	volatile bool entering;		/* about to call KVM_RUN */
	volatile bool done;
	int pin_err;
	int ret, err;
	u32 exit_reason;
};

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;

	t->pin_err = pin_self(SHARED_CPU);
	t->entering = true;
	t->ret = __vcpu_run(t->vcpu);
	t->err = errno;
	t->exit_reason = t->vcpu->run->exit_reason;
	t->done = true;
	return NULL;
}

struct hog_thread {
	volatile bool stop;
	volatile u64 iterations;
	int pin_err;
};

static void *hog_thread_fn(void *arg)
{
	struct hog_thread *h = arg;

	h->pin_err = pin_self(SHARED_CPU);
	while (!h->stop)
		h->iterations++;
	return NULL;
}

TEST(spinning_guest_is_preemptible)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct vcpu_thread vt = { 0 };
	struct hog_thread hog = { 0 };
	struct vt_vm *vm;
	struct vt_vcpu *vcpu;
	u64 counter_gpa;
	volatile u64 *counter;
	pthread_t vth, hth;
	clockid_t hog_clock;
	u64 t0, wall, cpu0, hog_cpu, guest_before, guest_after;
	int i;

	/*
	 * Under Bochs a host CPU running a spinning nested guest never
	 * switches to another host thread (its timer ticks still arrive):
	 * the host thread gets 0 ms, and the kernel reports soft lockups
	 * and RCU stalls, on kvm_intel exactly as on vmon.
	 */
	if (vt_running_on_emulator("bochs"))
		SKIP(return, "Bochs (vmontest.emulator=bochs; emulator_bugs.py: bochs-no-switch-from-spinning-guest): a CPU running a spinning nested guest never switches to another host thread, on kvm_intel as on vmon; runs on QEMU/AMD and hardware");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs: the test's own control thread must not share CPU %d",
		     SHARED_CPU);
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_spin_forever);
	counter_gpa = vm_alloc(vm, 8, 8);
	counter = gpa2hva(vm, counter_gpa);
	vt.vcpu = vcpu;
	/* The control thread (this one) stays off the shared CPU. */
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		for (i = 0; i < CPU_SETSIZE; i++)
			if (i != SHARED_CPU)
				CPU_SET(i, &set);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	}
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	vcpu_args_set(vcpu, 1, counter_gpa);

	ASSERT_EQ(0, pthread_create(&vth, NULL, vcpu_thread_fn, &vt));
	while (!vt.entering)
		sleep_ms(1);
	ASSERT_EQ(0, vt.pin_err) TH_LOG("pinning the vCPU thread: %s",
					strerror(-vt.pin_err));
	/* Let the guest start spinning before the competitor arrives. */
	sleep_ms(200);
	ASSERT_FALSE(vt.done) TH_LOG("KVM_RUN returned early: %d (%s), exit %s",
				     vt.ret, strerror(vt.err),
				     exit_reason_str(vt.exit_reason));

	ASSERT_EQ(0, pthread_create(&hth, NULL, hog_thread_fn, &hog));
	ASSERT_EQ(0, pthread_getcpuclockid(hth, &hog_clock));
	t0 = now_ns(CLOCK_MONOTONIC);
	cpu0 = now_ns(hog_clock);
	guest_before = *counter;
	sleep_ms(WINDOW_MS);
	wall = now_ns(CLOCK_MONOTONIC) - t0;
	hog_cpu = now_ns(hog_clock) - cpu0;
	guest_after = *counter;
	hog.stop = true;
	pthread_join(hth, NULL);
	ASSERT_EQ(0, hog.pin_err);

	TH_LOG("over %llu ms: host thread got %llu ms of CPU %d (%llu iterations), guest counted %llu",
	       (unsigned long long)wall / 1000000,
	       (unsigned long long)hog_cpu / 1000000, SHARED_CPU,
	       (unsigned long long)hog.iterations,
	       (unsigned long long)(guest_after - guest_before));
	/*
	 * A fair share would be about half of the window. A vCPU thread
	 * that never yields would leave the host thread next to nothing
	 * (only the instants before KVM_RUN spins up). Ask for a tenth:
	 * TCG is slow and the machine is shared, so timing is loose.
	 */
	EXPECT_GE(hog_cpu, wall / 10);
	EXPECT_LT(1000, hog.iterations);
	/* And the guest was not simply descheduled for the whole window. */
	EXPECT_LT(guest_before, guest_after);
	EXPECT_FALSE(vt.done);

	/* A signal still gets the vCPU thread out of the guest. */
	for (i = 0; i < 500 && !vt.done; i++) {
		pthread_kill(vth, SIGUSR1);
		sleep_ms(20);
	}
	ASSERT_TRUE(vt.done) TH_LOG("KVM_RUN ignored signals for 10 s");
	pthread_join(vth, NULL);
	EXPECT_EQ(-1, vt.ret);
	EXPECT_EQ(EINTR, vt.err);
	EXPECT_EQ(KVM_EXIT_INTR, vt.exit_reason)
		TH_LOG("exit %s", exit_reason_str(vt.exit_reason));
	vm_free(vm);
}

TEST_HARNESS_MAIN
