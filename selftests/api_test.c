// SPDX-License-Identifier: GPL-2.0
/*
 * System and VM ioctls: argument checking and errnos exactly as KVM
 * returns them (checked against kvm_amd on Linux 6.1).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

/* An ioctl number in KVM's space that no kernel defines. */
#define KVM_UNKNOWN_IOCTL	_IO(KVMIO, 0xfe)
/* A cap number far beyond any KVM defines. */
#define UNKNOWN_CAP		0x7fff0000L

TEST(api_version)
{
	int fd = vt_open_dev();

	EXPECT_EQ(KVM_API_VERSION, ioctl(fd, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(12, ioctl(fd, KVM_GET_API_VERSION, 0));
	/* The argument must be 0. */
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* Caps the suite relies on: each must be advertised (non-zero). */
static const struct { long cap; const char *name; } needed_caps[] = {
	{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
	{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
	{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
	{ KVM_CAP_READONLY_MEM, "READONLY_MEM" },
	{ KVM_CAP_SYNC_MMU, "SYNC_MMU" },
	{ KVM_CAP_MP_STATE, "MP_STATE" },
	{ KVM_CAP_NR_MEMSLOTS, "NR_MEMSLOTS" },
	{ KVM_CAP_MAX_VCPUS, "MAX_VCPUS" },
	{ KVM_CAP_MAX_VCPU_ID, "MAX_VCPU_ID" },
	{ KVM_CAP_NR_VCPUS, "NR_VCPUS" },
	{ KVM_CAP_CHECK_EXTENSION_VM, "CHECK_EXTENSION_VM" },
};

/* Caps that are merely queried: the answer must be >= 0. */
static const long other_caps[] = {
	KVM_CAP_IRQCHIP, KVM_CAP_HLT, KVM_CAP_MMU_SHADOW_CACHE_CONTROL,
	KVM_CAP_SET_TSS_ADDR, KVM_CAP_VAPIC, KVM_CAP_NOP_IO_DELAY,
	KVM_CAP_PV_MMU, KVM_CAP_COALESCED_MMIO, KVM_CAP_IOMMU,
	KVM_CAP_DESTROY_MEMORY_REGION_WORKS, KVM_CAP_USER_NMI,
	KVM_CAP_SET_GUEST_DEBUG, KVM_CAP_IRQ_ROUTING, KVM_CAP_IRQ_INJECT_STATUS,
	KVM_CAP_ASSIGN_DEV_IRQ, KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, KVM_CAP_MCE,
	KVM_CAP_IRQFD, KVM_CAP_PIT2, KVM_CAP_SET_BOOT_CPU_ID,
	KVM_CAP_PIT_STATE2, KVM_CAP_IOEVENTFD, KVM_CAP_SET_IDENTITY_MAP_ADDR,
	KVM_CAP_XEN_HVM, KVM_CAP_ADJUST_CLOCK, KVM_CAP_INTERNAL_ERROR_DATA,
	KVM_CAP_VCPU_EVENTS, KVM_CAP_PCI_SEGMENT, KVM_CAP_PCI_2_3,
	KVM_CAP_X86_ROBUST_SINGLESTEP, KVM_CAP_DEBUGREGS, KVM_CAP_XSAVE,
	KVM_CAP_XCRS, KVM_CAP_ASYNC_PF, KVM_CAP_TSC_CONTROL,
	KVM_CAP_GET_TSC_KHZ, KVM_CAP_ONE_REG, KVM_CAP_KVMCLOCK_CTRL,
	KVM_CAP_SIGNAL_MSI, KVM_CAP_TSC_DEADLINE_TIMER, KVM_CAP_X86_SMM,
	KVM_CAP_MULTI_ADDRESS_SPACE, KVM_CAP_SPLIT_IRQCHIP,
	KVM_CAP_X86_DISABLE_EXITS, KVM_CAP_GET_MSR_FEATURES,
	KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_CAP_EXCEPTION_PAYLOAD,
	KVM_CAP_X86_USER_SPACE_MSR, KVM_CAP_DIRTY_LOG_RING,
	KVM_CAP_BINARY_STATS_FD, KVM_CAP_SYS_ATTRIBUTES,
};

TEST(check_extension_system)
{
	int fd = vt_open_dev();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(needed_caps); i++) {
		int r = ioctl(fd, KVM_CHECK_EXTENSION, needed_caps[i].cap);

		EXPECT_LT(0, r) TH_LOG("KVM_CAP_%s = %d", needed_caps[i].name, r);
	}
	for (i = 0; i < ARRAY_SIZE(other_caps); i++)
		EXPECT_LE(0, ioctl(fd, KVM_CHECK_EXTENSION, other_caps[i]))
			TH_LOG("cap %ld: %s", other_caps[i], strerror(errno));

	/* Unknown caps are "not supported", not an error. */
	EXPECT_EQ(0, ioctl(fd, KVM_CHECK_EXTENSION, UNKNOWN_CAP));
	EXPECT_EQ(0, ioctl(fd, KVM_CHECK_EXTENSION, 100000L));
	EXPECT_EQ(0, ioctl(fd, KVM_CHECK_EXTENSION, -1L));

	/* The suite needs two vCPUs and a few slots. */
	EXPECT_LE(2, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
	EXPECT_LE(8, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	EXPECT_LE(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS),
		  ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
	EXPECT_LE(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS),
		  ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID));
	close(fd);
}

TEST(check_extension_vm)
{
	struct vt_vm *vm = vm_create_bare();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(needed_caps); i++) {
		int r = ioctl(vm->fd, KVM_CHECK_EXTENSION, needed_caps[i].cap);

		EXPECT_LT(0, r) TH_LOG("KVM_CAP_%s = %d on the VM fd",
				       needed_caps[i].name, r);
		/* Same answer as the system fd for these. */
		EXPECT_EQ(ioctl(vm->dev_fd, KVM_CHECK_EXTENSION,
				needed_caps[i].cap), r)
			TH_LOG("KVM_CAP_%s differs", needed_caps[i].name);
	}
	for (i = 0; i < ARRAY_SIZE(other_caps); i++)
		EXPECT_LE(0, ioctl(vm->fd, KVM_CHECK_EXTENSION, other_caps[i]));
	EXPECT_EQ(0, ioctl(vm->fd, KVM_CHECK_EXTENSION, UNKNOWN_CAP));
	EXPECT_EQ(0, ioctl(vm->fd, KVM_CHECK_EXTENSION, -1L));
	vm_free(vm);
}

TEST(create_vm_type)
{
	int fd = vt_open_dev();
	int vm;

	/* x86 has only type 0. */
	EXPECT_EQ(-1, ioctl(fd, KVM_CREATE_VM, 1UL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, KVM_CREATE_VM, ~0UL));
	EXPECT_EQ(EINVAL, errno);

	vm = ioctl(fd, KVM_CREATE_VM, 0UL);
	ASSERT_LE(0, vm) TH_LOG("KVM_CREATE_VM: %s", strerror(errno));
	/* VM fds are close-on-exec, like vCPU fds. */
	EXPECT_TRUE(fcntl(vm, F_GETFD) & FD_CLOEXEC);
	close(vm);
	close(fd);
}

TEST(vcpu_mmap_size)
{
	int fd = vt_open_dev();
	int size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	/* kvm_run and the PIO data page at least (KVM: 3 pages on x86). */
	EXPECT_LE((int)(2 * PAGE_SIZE), size);
	EXPECT_EQ(0, size % PAGE_SIZE);
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

static struct kvm_cpuid2 *alloc_cpuid(int nent)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      nent * sizeof(struct kvm_cpuid_entry2));

	c->nent = nent;
	return c;
}

TEST(supported_cpuid)
{
	int fd = vt_open_dev();
	struct kvm_cpuid2 *c = alloc_cpuid(256);
	const struct kvm_cpuid_entry2 *e;
	u32 n;

	ASSERT_EQ(0, ioctl(fd, KVM_GET_SUPPORTED_CPUID, c))
		TH_LOG("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	n = c->nent;
	EXPECT_LT(1, n);
	EXPECT_GT(256, n);

	e = vt_cpuid_find(c, 0, 0);
	ASSERT_NE(NULL, e);
	EXPECT_LE(1, e->eax);
	e = vt_cpuid_find(c, 0x80000000, 0);
	ASSERT_NE(NULL, e);
	EXPECT_LE(0x80000001, e->eax);
	e = vt_cpuid_find(c, 0x80000001, 0);
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(e->edx & (1u << 29)) TH_LOG("no long mode");
	free(c);

	/*
	 * Too small: E2BIG. KVM 6.1 does not write nent back on this error
	 * (the caller learns only "bigger"); writing the needed count would
	 * also do.
	 */
	c = alloc_cpuid(1);
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_SUPPORTED_CPUID, c));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_TRUE(c->nent == 1 || c->nent == n) TH_LOG("nent %u", c->nent);
	c->nent = n - 1;
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_SUPPORTED_CPUID, c));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_TRUE(c->nent == n - 1 || c->nent == n) TH_LOG("nent %u", c->nent);
	c->nent = 0;
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_SUPPORTED_CPUID, c));
	EXPECT_EQ(E2BIG, errno);
	free(c);

	/* Exactly enough works and reports the same count. */
	c = alloc_cpuid(n);
	EXPECT_EQ(0, ioctl(fd, KVM_GET_SUPPORTED_CPUID, c));
	EXPECT_EQ(n, c->nent);
	free(c);

	/* More than the maximum is clamped, not refused. */
	c = alloc_cpuid(1000);
	EXPECT_EQ(0, ioctl(fd, KVM_GET_SUPPORTED_CPUID, c));
	EXPECT_EQ(n, c->nent);
	free(c);
	close(fd);
}

TEST(msr_index_list)
{
	int fd = vt_open_dev();
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	u32 n, i;
	bool lstar = false, star = false;

	/* Too small: E2BIG, and nmsrs tells the needed count. */
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_MSR_INDEX_LIST, &probe));
	EXPECT_EQ(E2BIG, errno);
	n = probe.nmsrs;
	ASSERT_LT(0, n);

	list = calloc(1, sizeof(*list) + (n + 8) * sizeof(u32));
	list->nmsrs = n - 1;
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_MSR_INDEX_LIST, list));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(n, list->nmsrs);

	list->nmsrs = n + 8;
	ASSERT_EQ(0, ioctl(fd, KVM_GET_MSR_INDEX_LIST, list));
	EXPECT_EQ(n, list->nmsrs);
	for (i = 0; i < list->nmsrs; i++) {
		star |= list->indices[i] == 0xc0000081;
		lstar |= list->indices[i] == 0xc0000082;
	}
	/* (EFER is not listed: it travels in KVM_GET/SET_SREGS.) */
	EXPECT_TRUE(star);
	EXPECT_TRUE(lstar);
	free(list);
	close(fd);
}

TEST(unknown_ioctls)
{
	struct vt_vm *vm = vm_create_bare();
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);

	/* Each fd answers an unknown ioctl differently in KVM. */
	EXPECT_EQ(-1, ioctl(vm->dev_fd, KVM_UNKNOWN_IOCTL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_UNKNOWN_IOCTL, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_UNKNOWN_IOCTL, 0));
	EXPECT_EQ(EINVAL, errno);

	/* Not even in KVM's ioctl space (e.g. isatty()'s TCGETS). */
	EXPECT_EQ(-1, ioctl(vm->dev_fd, _IO('x', 1), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, _IO('x', 1), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, _IO('x', 1), 0));
	EXPECT_EQ(EINVAL, errno);

	/* vCPU ioctls on the VM fd and VM ioctls on the system fd. */
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_RUN, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(vm->dev_fd, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EINVAL, errno);
	vm_free(vm);
}

/* KVM ties a VM to the mm that created it: other processes get EIO. */
TEST(foreign_mm_gets_eio)
{
	struct vt_vm *vm = vm_create_bare();
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;
		struct kvm_regs regs;

		if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) != -1 || errno != EIO)
			bad |= 1;
		if (ioctl(vcpu->fd, KVM_RUN, 0) != -1 || errno != EIO)
			bad |= 2;
		if (ioctl(vm->fd, KVM_CREATE_VCPU, 1) != -1 || errno != EIO)
			bad |= 4;
		/* The system fd is not tied to an mm. */
		if (ioctl(vm->dev_fd, KVM_GET_API_VERSION, 0) != 12)
			bad |= 8;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("bits: 1 GET_REGS, 2 RUN, 4 CREATE_VCPU, 8 API_VERSION");
	vm_free(vm);
}

TEST_HARNESS_MAIN
