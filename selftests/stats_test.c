// SPDX-License-Identifier: GPL-2.0
/*
 * vmon's own VMON_GET_VCPU_STATS (uapi/linux/vmon.h): the per-vCPU
 * counters match what the guest did. vmon-specific: on /dev/kvm the ioctl
 * is an unknown vCPU ioctl, which the test checks and then skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "apic.h"
#include "../uapi/linux/vmon.h"

#define NR_OUTS		10
#define TOUCH_PAGES	16
#define POLL_PARAM	"/sys/module/vmon/parameters/halt_poll_ns"
#define VEC_TIMER	0x50
#define QUICK_HALTS	200
#define QUICK_NS	20000	/* one-shot timer, 1 GHz APIC bus clock */

static void guest_counts(u64 buf)
{
	int i;

	for (i = 0; i < NR_OUTS; i++)
		asm volatile("outb %%al, $0x80" : : "a"(i));
	/* Fresh pages: each first touch is a nested page fault. */
	for (i = 0; i < TOUCH_PAGES; i++)
		*(volatile u8 *)(buf + i * PAGE_SIZE) = i;
	asm volatile("hlt");
	GUEST_DONE();
}

TEST(vcpu_stats)
{
	struct vmon_vcpu_stats st, st2;
	struct vt_vm *vm = vm_create(TOUCH_PAGES * PAGE_SIZE);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_counts);
	u64 buf = vm_alloc(vm, TOUCH_PAGES * PAGE_SIZE, PAGE_SIZE);
	int i;

	if (vt_dev_is_kvm()) {
		EXPECT_EQ(-1, ioctl(vcpu->fd, VMON_GET_VCPU_STATS, &st));
		EXPECT_EQ(EINVAL, errno);
		vm_free(vm);
		SKIP(return, "vmon-specific ioctl: KVM refuses it (checked)");
	}

	memset(&st, 0xff, sizeof(st));
	ASSERT_EQ(0, ioctl(vcpu->fd, VMON_GET_VCPU_STATS, &st));
	EXPECT_EQ(0, st.exits);
	EXPECT_EQ(0, st.io_exits);

	vcpu_args_set(vcpu, 1, buf);
	for (i = 0; i < NR_OUTS; i++) {
		vcpu_run(vcpu);
		vcpu_assert_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 1, 1);
	}
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_HLT);

	ASSERT_EQ(0, ioctl(vcpu->fd, VMON_GET_VCPU_STATS, &st));
	EXPECT_EQ(NR_OUTS, st.io_exits);
	EXPECT_EQ(1, st.halt_exits);
	EXPECT_EQ(0, st.mmio_exits);
	EXPECT_EQ(0, st.signal_exits);
	/* Every page the guest touched first faulted, plus its code/stack. */
	EXPECT_LE(TOUCH_PAGES, st.tdp_faults);
	/* Each exit to userspace and each fault is a hardware exit. */
	EXPECT_LE(st.io_exits + st.halt_exits + st.tdp_faults, st.exits);
	for (i = 0; i < (int)ARRAY_SIZE(st.reserved); i++)
		EXPECT_EQ(0, st.reserved[i]);

	/* Counters only grow, and the ucall at the end is one more I/O exit. */
	vcpu_run_done(vcpu);
	ASSERT_EQ(0, ioctl(vcpu->fd, VMON_GET_VCPU_STATS, &st2));
	EXPECT_EQ(st.io_exits + 1, st2.io_exits);
	EXPECT_LT(st.exits, st2.exits);
	vm_free(vm);
}

static volatile u64 irq_count;

static void timer_handler(struct vt_regs *regs)
{
	irq_count++;
	xapic_eoi();
}

/* QUICK_HALTS times: arm a 20 us one-shot timer and halt until it fires. */
static void guest_quick_halts(void)
{
	u64 n;

	xapic_enable();
	xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | VEC_TIMER);
	for (;;) {
		for (n = irq_count + QUICK_HALTS; irq_count < n;) {
			u64 want = irq_count + 1;

			xapic_write(APIC_TMICT, QUICK_NS);
			halt_until(READ_ONCE(irq_count) >= want);
		}
		GUEST_SYNC(irq_count);
	}
}

static long read_param(void)
{
	char buf[32] = "";
	int fd = open(POLL_PARAM, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static int write_param(long v)
{
	char buf[32];
	int fd = open(POLL_PARAM, O_WRONLY), len, r;

	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%ld", v);
	r = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return r;
}

FIXTURE(halt_poll) {
	long saved;	/* halt_poll_ns before the test, put back after */
};

FIXTURE_SETUP(halt_poll)
{
	self->saved = read_param();
}

FIXTURE_TEARDOWN(halt_poll)
{
	if (self->saved >= 0)
		write_param(self->saved);
}

/*
 * Halt polling (module parameter halt_poll_ns): a guest that halts for
 * ~20 us at a time is mostly woken while vmon polls, once the vCPU's
 * adaptive window has grown past the wait; with the parameter at 0 no
 * halt is ever caught by a poll, and every one sleeps.
 */
TEST_F(halt_poll, quick_wakeups_are_polled)
{
	struct vmon_vcpu_stats st0, st1, st2;
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu;

	if (vt_dev_is_kvm()) {
		vm_free(vm);
		SKIP(return, "vmon-specific: halt_poll_ns and VMON_GET_VCPU_STATS");
	}
	ASSERT_LE(0, self->saved) TH_LOG("cannot read %s", POLL_PARAM);
	ASSERT_EQ(0, write_param(200000)) TH_LOG("cannot write %s", POLL_PARAM);
	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_quick_halts);
	vcpu->run_timeout_ms = 20000;
	vm_install_handler(vm, VEC_TIMER, timer_handler);

	ASSERT_EQ(0, ioctl(vcpu->fd, VMON_GET_VCPU_STATS, &st0));
	EXPECT_EQ(QUICK_HALTS, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, VMON_GET_VCPU_STATS, &st1));
	TH_LOG("polling on: %llu halts caught by the poll, %llu slept",
	       (unsigned long long)(st1.halt_poll_hits - st0.halt_poll_hits),
	       (unsigned long long)(st1.halt_wakeups - st0.halt_wakeups));
	EXPECT_LT(0, st1.halt_poll_hits - st0.halt_poll_hits);

	ASSERT_EQ(0, write_param(0));
	EXPECT_EQ(2 * QUICK_HALTS, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, VMON_GET_VCPU_STATS, &st2));
	TH_LOG("polling off: %llu caught by the poll, %llu slept",
	       (unsigned long long)(st2.halt_poll_hits - st1.halt_poll_hits),
	       (unsigned long long)(st2.halt_wakeups - st1.halt_wakeups));
	EXPECT_EQ(st1.halt_poll_hits, st2.halt_poll_hits);
	EXPECT_LT(0, st2.halt_wakeups - st1.halt_wakeups);
	vm_free(vm);
}

TEST_HARNESS_MAIN
