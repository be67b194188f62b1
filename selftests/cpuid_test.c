// SPDX-License-Identifier: GPL-2.0
/*
 * Guest CPUID is answered from the table given with KVM_SET_CPUID2,
 * including leaves the device knows nothing about and indexed leaves.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define LEAF_PLAIN	0x40000010
#define LEAF_INDEXED	0x40000020

static void guest_cpuid(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	GUEST_SYNC2(a | (u64)b << 32, c | (u64)d << 32);
	cpuid(LEAF_PLAIN, 0, &a, &b, &c, &d);
	GUEST_SYNC2(a | (u64)b << 32, c | (u64)d << 32);
	/* Without KVM_CPUID_FLAG_SIGNIFCANT_INDEX, ECX does not matter. */
	cpuid(LEAF_PLAIN, 5, &a, &b, &c, &d);
	GUEST_SYNC2(a | (u64)b << 32, c | (u64)d << 32);
	cpuid(LEAF_INDEXED, 0, &a, &b, &c, &d);
	GUEST_SYNC2(a | (u64)b << 32, c | (u64)d << 32);
	cpuid(LEAF_INDEXED, 1, &a, &b, &c, &d);
	GUEST_SYNC2(a | (u64)b << 32, c | (u64)d << 32);
	GUEST_DONE();
}

static void expect_leaf(struct __test_metadata *_metadata,
			struct vt_vcpu *vcpu, u32 a, u32 b, u32 c, u32 d)
{
	struct ucall uc;

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(a, (u32)uc.args[0]);
	EXPECT_EQ(b, (u32)(uc.args[0] >> 32));
	EXPECT_EQ(c, (u32)uc.args[1]);
	EXPECT_EQ(d, (u32)(uc.args[1] >> 32));
}

TEST(custom_table)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cpuid);
	const struct kvm_cpuid2 *sup = vt_supported_cpuid();
	const struct kvm_cpuid_entry2 *l0 = vt_cpuid_find(sup, 0, 0);
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *e;
	u32 n = sup->nent;

	ASSERT_NE(NULL, l0);
	c = calloc(1, sizeof(*c) + (n + 3) * sizeof(*e));
	memcpy(c->entries, sup->entries, n * sizeof(*e));
	e = &c->entries[n];
	*e++ = (struct kvm_cpuid_entry2){ .function = LEAF_PLAIN,
		.eax = 0x11111111, .ebx = 0x22222222, .ecx = 0x33333333,
		.edx = 0x44444444 };
	*e++ = (struct kvm_cpuid_entry2){ .function = LEAF_INDEXED,
		.index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0xa0, .ebx = 0xb0, .ecx = 0xc0, .edx = 0xd0 };
	*e++ = (struct kvm_cpuid_entry2){ .function = LEAF_INDEXED,
		.index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0xa1, .ebx = 0xb1, .ecx = 0xc1, .edx = 0xd1 };
	c->nent = n + 3;
	vcpu_set_cpuid(vcpu, c);

	expect_leaf(_metadata, vcpu, l0->eax, l0->ebx, l0->ecx, l0->edx);
	expect_leaf(_metadata, vcpu, 0x11111111, 0x22222222, 0x33333333,
		    0x44444444);
	expect_leaf(_metadata, vcpu, 0x11111111, 0x22222222, 0x33333333,
		    0x44444444);
	expect_leaf(_metadata, vcpu, 0xa0, 0xb0, 0xc0, 0xd0);
	expect_leaf(_metadata, vcpu, 0xa1, 0xb1, 0xc1, 0xd1);
	vcpu_run_done(vcpu);

	/*
	 * KVM (since 5.16) refuses to change CPUID once the vCPU has run,
	 * but accepts the identical table again.
	 */
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	c->entries[n].eax = 0x99;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	EXPECT_EQ(EINVAL, errno);
	free(c);
	vm_free(vm);
}

static void guest_vendor(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	GUEST_SYNC2(a | (u64)b << 32, c | (u64)d << 32);
	GUEST_DONE();
}

/* Leaf 0 (max leaf and vendor) is whatever the table says. */
TEST(vendor_leaf_from_table)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_vendor);
	const struct kvm_cpuid2 *sup = vt_supported_cpuid();
	struct kvm_cpuid2 *c;
	u32 i, n = sup->nent, b, cc, d;
	struct ucall uc;
	char vendor[13];

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	memcpy(c, sup, sizeof(*c) + n * sizeof(c->entries[0]));
	for (i = 0; i < n; i++) {
		if (c->entries[i].function != 0)
			continue;
		/* "VmonTestCPU!" in EBX, EDX, ECX order. */
		memcpy(&c->entries[i].ebx, "Vmon", 4);
		memcpy(&c->entries[i].edx, "Test", 4);
		memcpy(&c->entries[i].ecx, "CPU!", 4);
	}
	vcpu_set_cpuid(vcpu, c);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	b = uc.args[0] >> 32;
	cc = (u32)uc.args[1];
	d = uc.args[1] >> 32;
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &cc, 4);
	vendor[12] = 0;
	EXPECT_STREQ("VmonTestCPU!", vendor);
	EXPECT_EQ(vt_cpuid_find(sup, 0, 0)->eax, (u32)uc.args[0]);
	vcpu_run_done(vcpu);
	free(c);
	vm_free(vm);
}

/*
 * CR4 follows the guest's CPUID, not the CPU's: setting CR4.FSGSBASE is
 * a #GP when the table hides FSGSBASE, even on a CPU that has it (KVM
 * intercepts CR4 writes for this; so must vmon, on both vendors).
 */
#define CR4_FSGSBASE	(1ULL << 16)

static volatile u64 gp_count;

static void gp_skip_mov_cr4(struct vt_regs *regs)
{
	gp_count++;
	regs->rip += 3;		/* mov %rax,%cr4 is 0f 22 e0 */
}

static void guest_set_fsgsbase(void)
{
	u64 cr4 = read_cr4() | CR4_FSGSBASE;

	asm volatile(".byte 0x0f, 0x22, 0xe0" : : "a"(cr4) : "memory");
	GUEST_SYNC2(gp_count, !!(read_cr4() & CR4_FSGSBASE));
	GUEST_DONE();
}

static void run_cr4_case(struct __test_metadata *_metadata, bool offer)
{
	const struct kvm_cpuid2 *sup = vt_supported_cpuid();
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_set_fsgsbase);
	struct kvm_cpuid2 *c;
	struct ucall uc;
	u32 i, n = sup->nent;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	memcpy(c, sup, sizeof(*c) + n * sizeof(c->entries[0]));
	for (i = 0; i < n; i++)
		if (c->entries[i].function == 7 && c->entries[i].index == 0 &&
		    !offer)
			c->entries[i].ebx &= ~1u;	/* FSGSBASE */
	vcpu_set_cpuid(vcpu, c);
	vm_install_handler(vm, 13, gp_skip_mov_cr4);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(offer ? 0 : 1, uc.args[0]) TH_LOG("#GP count");
	EXPECT_EQ(offer ? 1 : 0, uc.args[1]) TH_LOG("CR4.FSGSBASE after");
	vcpu_run_done(vcpu);
	free(c);
	vm_free(vm);
}

TEST(cr4_follows_guest_cpuid)
{
	const struct kvm_cpuid_entry2 *l7 =
		vt_cpuid_find(vt_supported_cpuid(), 7, 0);

	if (!l7 || !(l7->ebx & 1))
		SKIP(return, "FSGSBASE not offered by this host");
	run_cr4_case(_metadata, true);
	run_cr4_case(_metadata, false);
}

TEST_HARNESS_MAIN
