// SPDX-License-Identifier: GPL-2.0
/*
 * What Linux's own KVM selftests (tsc_msrs_test, platform_info_test,
 * max_vcpuid_cap_test, get_msr_index_features) leave out around the same
 * features: KVM_ENABLE_CAP's refusals on a VM, the feature MSRs through
 * the system fd's KVM_GET_MSRS, IA32_TSC_ADJUST without its CPUID bit,
 * and the guest's view of MSR_PLATFORM_INFO. Errnos and values as KVM
 * 6.1 gives them, so each test passes on both devices.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b
#define MSR_IA32_UCODE_REV	0x8b
#define MSR_PLATFORM_INFO	0xce
#define MSR_UNKNOWN		0xdeadbeef
#define CPUID_7_EBX_TSC_ADJUST	(1u << 1)
#define UNITY			(1ull << 30)	/* ~1 s of TSC or less */
#define RUN_TIMEOUT_MS		10000

static int enable_cap(struct vt_vm *vm, u32 cap, u32 flags, u64 arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .flags = flags };

	c.args[0] = arg0;
	return ioctl(vm->fd, KVM_ENABLE_CAP, &c) ? -errno : 0;
}

TEST(enable_cap_refusals)
{
	struct vt_vm *vm = vm_create_bare();
	int max = vt_check_cap(vm->dev_fd, KVM_CAP_MAX_VCPU_ID);
	int fd;

	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_ENABLE_CAP_VM));
	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_MSR_PLATFORM_INFO));
	/* No x86 VM capability takes flags; an unknown one is EINVAL. */
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_MSR_PLATFORM_INFO, 1, 1));
	EXPECT_EQ(-EINVAL, enable_cap(vm, 0xfff0, 0, 0));
	/* 0 matches "not set yet" and sets nothing: a limit can follow. */
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 0));
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, max + 1));

	/* The first vCPU fixes the limit at the maximum. */
	fd = ioctl(vm->fd, KVM_CREATE_VCPU, 0UL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 4));
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, max));
	/* The VM's answer to the capability does not change with it. */
	EXPECT_EQ(max, vt_check_cap(vm->fd, KVM_CAP_MAX_VCPU_ID));
	close(fd);
	vm_free(vm);
}

TEST(max_vcpu_id_limits_creation)
{
	struct vt_vm *vm = vm_create_bare();
	int fd;

	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 4));
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 4));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_VCPU, 4UL));
	EXPECT_EQ(EINVAL, errno);
	fd = ioctl(vm->fd, KVM_CREATE_VCPU, 3UL);
	EXPECT_LE(0, fd) TH_LOG("id 3 below the limit: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	vm_free(vm);
}

static struct kvm_msr_list *msr_list(int dev_fd, unsigned long req)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *l;

	/* Too small: E2BIG, with the needed count written back. */
	if (ioctl(dev_fd, req, &probe) != -1 || errno != E2BIG)
		return NULL;
	l = calloc(1, sizeof(*l) + probe.nmsrs * sizeof(l->indices[0]));
	l->nmsrs = probe.nmsrs;
	if (ioctl(dev_fd, req, l)) {
		free(l);
		return NULL;
	}
	return l;
}

static bool list_has(const struct kvm_msr_list *l, u32 index)
{
	u32 i;

	for (i = 0; i < l->nmsrs; i++)
		if (l->indices[i] == index)
			return true;
	return false;
}

TEST(msr_lists)
{
	int dev = vt_open_dev();
	struct kvm_msr_list *l = msr_list(dev, KVM_GET_MSR_INDEX_LIST);

	ASSERT_NE(NULL, l);
	EXPECT_TRUE(list_has(l, MSR_IA32_TSC_ADJUST));
	EXPECT_TRUE(list_has(l, MSR_PLATFORM_INFO));
	free(l);

	ASSERT_LT(0, vt_check_cap(dev, KVM_CAP_GET_MSR_FEATURES));
	l = msr_list(dev, KVM_GET_MSR_FEATURE_INDEX_LIST);
	ASSERT_NE(NULL, l);
	/* Both vendors' KVM list it; it is the host's, read as is. */
	EXPECT_TRUE(list_has(l, MSR_IA32_UCODE_REV));
	free(l);
	close(dev);
}

TEST(feature_msrs_on_system_fd)
{
	int dev = vt_open_dev();
	struct kvm_msr_list *l = msr_list(dev, KVM_GET_MSR_FEATURE_INDEX_LIST);
	struct kvm_msrs *m;
	u32 i;

	ASSERT_NE(NULL, l);
	/* Every listed MSR reads, then an unknown one stops the count. */
	m = calloc(1, sizeof(*m) + (l->nmsrs + 2) * sizeof(m->entries[0]));
	for (i = 0; i < l->nmsrs; i++)
		m->entries[i].index = l->indices[i];
	m->entries[l->nmsrs].index = MSR_UNKNOWN;
	m->entries[l->nmsrs + 1].index = l->indices[0];
	m->nmsrs = l->nmsrs + 2;
	EXPECT_EQ((int)l->nmsrs, ioctl(dev, KVM_GET_MSRS, m));
	m->nmsrs = 0;
	EXPECT_EQ(0, ioctl(dev, KVM_GET_MSRS, m));
	free(m);

	/* nmsrs >= 256 (KVM's MAX_IO_MSRS) is refused before any entry. */
	m = calloc(1, sizeof(*m) + 256 * sizeof(m->entries[0]));
	m->nmsrs = 256;
	EXPECT_EQ(-1, ioctl(dev, KVM_GET_MSRS, m));
	EXPECT_EQ(E2BIG, errno);
	/* The system fd reads feature MSRs only: no writes there. */
	m->nmsrs = 1;
	m->entries[0].index = l->indices[0];
	EXPECT_EQ(-1, ioctl(dev, KVM_SET_MSRS, m));
	EXPECT_EQ(EINVAL, errno);
	free(m);
	free(l);
	close(dev);
}

static struct kvm_cpuid2 *cpuid_without_tsc_adjust(void)
{
	const struct kvm_cpuid2 *sup = vt_supported_cpuid();
	size_t size = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	u32 i;

	memcpy(c, sup, size);
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 7 && c->entries[i].index == 0)
			c->entries[i].ebx &= ~CPUID_7_EBX_TSC_ADJUST;
	return c;
}

/* Offered, and emulated whatever the host has (KVM does the same). */
TEST(tsc_adjust_offered)
{
	const struct kvm_cpuid_entry2 *e;

	e = vt_cpuid_find(vt_supported_cpuid(), 7, 0);
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(e->ebx & CPUID_7_EBX_TSC_ADJUST);
}

static void guest_tsc_adjust_hidden(void)
{
	asm volatile("wrmsr" : : "c"(MSR_IA32_TSC_ADJUST),
		     "a"((u32)(UNITY * 8)), "d"((u32)((UNITY * 8) >> 32)));
	GUEST_SYNC2(rdmsr(MSR_IA32_TSC_ADJUST), rdmsr(MSR_IA32_TSC));
}

/*
 * Without the CPUID bit KVM drops writes to TSC_ADJUST, the guest's (no
 * #GP, the TSC does not move) and userspace's alike, but still reads it.
 */
TEST(tsc_adjust_without_cpuid_bit)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_tsc_adjust_hidden);
	struct kvm_cpuid2 *c = cpuid_without_tsc_adjust();
	struct ucall uc;

	vcpu->run_timeout_ms = RUN_TIMEOUT_MS;
	vcpu_set_cpuid(vcpu, c);
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, UNITY * 4));
	EXPECT_EQ(0, vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0, uc.args[0]);
	EXPECT_GT(UNITY * 4, uc.args[1]) TH_LOG("TSC moved: %llu",
					       (unsigned long long)uc.args[1]);
	vcpu_run_done(vcpu);
	free(c);
	vm_free(vm);
}

/* With it, a restore of both MSRs gives back both values. */
TEST(tsc_adjust_restore)
{
	struct vt_vm *vm = vm_create_bare();
	struct vt_vcpu *vcpu = vcpu_create_bare(vm, 0);
	u64 tsc;

	vcpu_set_cpuid(vcpu, vt_supported_cpuid());
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, UNITY * 3));
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_IA32_TSC, UNITY * 64));
	EXPECT_EQ(UNITY * 3, vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	tsc = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	EXPECT_LE(UNITY * 64, tsc);
	EXPECT_GT(UNITY * 65, tsc);
	vm_free(vm);
}

static volatile u64 gp_count;

static void gp_skip_msr_insn(struct vt_regs *regs)
{
	gp_count++;
	regs->rip += 2;		/* rdmsr and wrmsr are 0f 32 / 0f 30 */
}

static void guest_platform_info(void)
{
	u64 v;

	/* Read-only for the guest, whether reads are allowed or not. */
	asm volatile("wrmsr" : : "c"(MSR_PLATFORM_INFO), "a"(0), "d"(0));
	GUEST_SYNC2(gp_count, 0);
	v = rdmsr(MSR_PLATFORM_INFO);
	GUEST_SYNC2(gp_count, v);
	/* Now disabled by the host. */
	v = rdmsr(MSR_PLATFORM_INFO);
	GUEST_SYNC2(gp_count, v);
}

TEST(platform_info_guest_view)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_platform_info);
	u64 info = vcpu_get_msr(vcpu, MSR_PLATFORM_INFO);
	struct ucall uc;

	vcpu->run_timeout_ms = RUN_TIMEOUT_MS;
	vm_install_handler(vm, 13, gp_skip_msr_insn);
	/* Readable by default (KVM enables it at VM creation). */
	info = (info & ~0xff00ULL) | 0x1200;
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_PLATFORM_INFO, info));
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]) TH_LOG("guest WRMSR must #GP");
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(info, uc.args[1]);
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_MSR_PLATFORM_INFO, 0, 0));
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(2, uc.args[0]) TH_LOG("guest RDMSR must #GP when disabled");
	/* Userspace still reads it. */
	EXPECT_EQ(info, vcpu_get_msr(vcpu, MSR_PLATFORM_INFO));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
