// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug with a VM alive: the hypervisor must turn virtualization
 * off on a CPU going offline and back on when it returns (per-CPU host
 * save area, ASIDs), so that vCPUs, old and new, run there afterwards.
 * A vCPU that last ran on the CPU before it went away is the interesting
 * one: whatever it cached about that CPU is stale.
 *
 * Needs root and a second CPU that can go offline; CPU 1 is left online
 * whatever happens (fixture teardown).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define HP_CPU		1
#define ONLINE_PATH	"/sys/devices/system/cpu/cpu1/online"
#define NR_SYNCS	50

static int write_online(int val)
{
	char c = val ? '1' : '0';
	int fd = open(ONLINE_PATH, O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, &c, 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

static int read_online(void)
{
	char c = 0;
	int fd = open(ONLINE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == '1' ? 1 : c == '0' ? 0 : -EIO;
}

static void guest_count(u64 tag)
{
	u64 i;

	for (i = 0; i < NR_SYNCS; i++)
		GUEST_SYNC2(tag, i);
	GUEST_DONE();
}

/* Runs a vCPU on HP_CPU through SYNCs [from, to), then maybe to DONE. */
struct runner {
	struct vt_vcpu *vcpu;
	u64 tag;
	u64 from, to;		/* SYNC numbers expected in [from, to) */
	bool done;		/* then expect GUEST_DONE */
	int pin_err;
	int cpu_seen;		/* sched_getcpu() while running */
	const char *error;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;
	struct ucall uc;
	cpu_set_t set;
	u64 i;

	CPU_ZERO(&set);
	CPU_SET(HP_CPU, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		r->pin_err = errno;
		return NULL;
	}
	for (i = r->from; i < r->to; i++) {
		if (vcpu_run_ucall(r->vcpu, &uc) != UCALL_SYNC ||
		    uc.args[0] != r->tag || uc.args[1] != i) {
			r->error = "unexpected ucall";
			return NULL;
		}
		r->cpu_seen = sched_getcpu();
	}
	if (r->done)
		vcpu_run_done(r->vcpu);
	return NULL;
}

static void run_on_hp_cpu(struct __test_metadata *_metadata,
			  struct runner *r)
{
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, runner_fn, r));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, r->pin_err) TH_LOG("pinning to CPU %d: %s", HP_CPU,
					strerror(r->pin_err));
	ASSERT_EQ(NULL, r->error) TH_LOG("%s", r->error);
	EXPECT_EQ(HP_CPU, r->cpu_seen);
}

FIXTURE(hotplug) {
	struct vt_vm *vm;
	bool ready;
};

/* Library failures exit() from any thread, past the fixture teardown. */
static void online_at_exit(void)
{
	if (read_online() == 0)
		write_online(1);
}

/*
 * The harness runs the body even after SKIP() in the setup (6.1's
 * kselftest_harness.h), so each body starts with this.
 */
#define REQUIRE_READY() do {						\
	if (!self->ready)						\
		return;							\
} while (0)

FIXTURE_SETUP(hotplug)
{
	self->vm = NULL;
	self->ready = false;
	if (geteuid() != 0)
		SKIP(return, "needs root to offline CPU %d", HP_CPU);
	if (access(ONLINE_PATH, W_OK))
		SKIP(return, "%s: %s (one CPU, or CPU %d cannot go offline)",
		     ONLINE_PATH, strerror(errno), HP_CPU);
	if (read_online() != 1)
		SKIP(return, "CPU %d is not online to begin with", HP_CPU);
	atexit(online_at_exit);
	self->ready = true;
}

FIXTURE_TEARDOWN(hotplug)
{
	/* Whatever happened, give CPU 1 back to the rest of the suite. */
	if (read_online() == 0 && write_online(1))
		TH_LOG("could not bring CPU %d back online", HP_CPU);
	if (self->vm)
		vm_free(self->vm);
}

TEST_F(hotplug, offline_online_then_run)
{
	struct vt_vcpu *v0, *v1;
	struct runner r0, r1;
	int r;

	REQUIRE_READY();
	self->vm = vm_create(0);
	v0 = vm_vcpu_add(self->vm, 0, guest_count);
	vcpu_args_set(v0, 1, 0xa0ULL);

	/* v0 runs on CPU 1 first: its state now refers to that CPU. */
	r0 = (struct runner){ .vcpu = v0, .tag = 0xa0, .from = 0, .to = 10 };
	run_on_hp_cpu(_metadata, &r0);

	r = write_online(0);
	ASSERT_EQ(0, r) TH_LOG("offlining CPU %d: %s", HP_CPU, strerror(-r));
	ASSERT_EQ(0, read_online());
	r = write_online(1);
	ASSERT_EQ(0, r) TH_LOG("onlining CPU %d: %s", HP_CPU, strerror(-r));
	ASSERT_EQ(1, read_online());

	/* The old vCPU resumes where it was, on the CPU that came back. */
	r0 = (struct runner){ .vcpu = v0, .tag = 0xa0, .from = 10,
			      .to = NR_SYNCS, .done = true };
	run_on_hp_cpu(_metadata, &r0);

	/* A vCPU created after the CPU returned. */
	v1 = vm_vcpu_add(self->vm, 1, guest_count);
	vcpu_args_set(v1, 1, 0xb1ULL);
	r1 = (struct runner){ .vcpu = v1, .tag = 0xb1, .from = 0,
			      .to = NR_SYNCS, .done = true };
	run_on_hp_cpu(_metadata, &r1);
}

/* A VM created while CPU 1 is offline must work there once it is back. */
TEST_F(hotplug, vm_created_while_offline)
{
	struct vt_vcpu *v0;
	struct runner r0;
	int r;

	REQUIRE_READY();
	r = write_online(0);
	ASSERT_EQ(0, r) TH_LOG("offlining CPU %d: %s", HP_CPU, strerror(-r));
	self->vm = vm_create(0);
	v0 = vm_vcpu_add(self->vm, 0, guest_count);
	vcpu_args_set(v0, 1, 0xc0ULL);
	EXPECT_EQ(0xc0, vcpu_run_sync(v0));	/* on CPU 0 meanwhile */
	r = write_online(1);
	ASSERT_EQ(0, r) TH_LOG("onlining CPU %d: %s", HP_CPU, strerror(-r));

	r0 = (struct runner){ .vcpu = v0, .tag = 0xc0, .from = 1,
			      .to = NR_SYNCS, .done = true };
	run_on_hp_cpu(_metadata, &r0);
}

TEST_HARNESS_MAIN
