// SPDX-License-Identifier: GPL-2.0
/*
 * One hypervisor at a time: while kvm_amd holds SVM (it sets EFER.SVME on
 * every CPU for as long as it has a VM), vmon cannot create a VM, and the
 * other way round. vmon-specific: on /dev/kvm these tests skip.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define KVM_DEV "/dev/kvm"

/* Skips (with the reason) unless we test vmon with KVM loaded beside it. */
#define REQUIRE_VMON_AND_KVM(kvm_fd) do {				\
	if (vt_dev_is_kvm())						\
		SKIP(return, "vmon-specific: %s is KVM itself",		\
		     vt_dev_path());					\
	kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);			\
	if (kvm_fd < 0)							\
		SKIP(return, "no %s to hold the hardware: %s",		\
		     KVM_DEV, strerror(errno));				\
} while (0)

TEST(kvm_vm_blocks_vmon)
{
	int kvm, dev, kvm_vm, vm;

	REQUIRE_VMON_AND_KVM(kvm);
	dev = vt_open_dev();

	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	ASSERT_LE(0, kvm_vm) TH_LOG("KVM_CREATE_VM on %s: %s", KVM_DEV,
				    strerror(errno));
	EXPECT_EQ(-1, ioctl(dev, KVM_CREATE_VM, 0UL));
	EXPECT_EQ(EBUSY, errno) TH_LOG("vmon: %s", strerror(errno));

	/* KVM drops SVM with its last VM: vmon can have it now. */
	close(kvm_vm);
	vm = ioctl(dev, KVM_CREATE_VM, 0UL);
	EXPECT_LE(0, vm) TH_LOG("vmon after KVM let go: %s", strerror(errno));
	close(vm);
	close(dev);
	close(kvm);
}

TEST(vmon_vm_blocks_kvm)
{
	int kvm, dev, kvm_vm, vm;

	REQUIRE_VMON_AND_KVM(kvm);
	dev = vt_open_dev();

	vm = ioctl(dev, KVM_CREATE_VM, 0UL);
	ASSERT_LE(0, vm) TH_LOG("vmon KVM_CREATE_VM: %s", strerror(errno));
	/* kvm_amd refuses to enable SVM on a CPU where EFER.SVME is set. */
	EXPECT_EQ(-1, ioctl(kvm, KVM_CREATE_VM, 0UL));
	EXPECT_EQ(EBUSY, errno) TH_LOG("KVM: %s", strerror(errno));

	close(vm);
	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	EXPECT_LE(0, kvm_vm) TH_LOG("KVM after vmon let go: %s",
				    strerror(errno));
	close(kvm_vm);
	close(dev);
	close(kvm);
}

/* A vmon VM with a vCPU and a memslot must let go just as well. */
TEST(vmon_full_vm_releases_hardware)
{
	int kvm, kvm_vm;
	struct vt_vm *vm;

	REQUIRE_VMON_AND_KVM(kvm);
	vm = vm_create(0);
	vm_vcpu_add(vm, 0, NULL);
	EXPECT_EQ(-1, ioctl(kvm, KVM_CREATE_VM, 0UL));
	EXPECT_EQ(EBUSY, errno);
	vm_free(vm);
	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	EXPECT_LE(0, kvm_vm) TH_LOG("KVM after vmon let go: %s",
				    strerror(errno));
	close(kvm_vm);
	close(kvm);
}

TEST_HARNESS_MAIN
