// SPDX-License-Identifier: GPL-2.0
/*
 * vmon's own VMON_GET_VCPU_STATS (uapi/linux/vmon.h): the per-vCPU
 * counters match what the guest did. vmon-specific: on /dev/kvm the ioctl
 * is an unknown vCPU ioctl, which the test checks and then skips.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "../uapi/linux/vmon.h"

#define NR_OUTS		10
#define TOUCH_PAGES	16

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

TEST_HARNESS_MAIN
