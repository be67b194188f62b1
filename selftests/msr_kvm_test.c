// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs KVM 6.1 serves to every guest and QEMU 7.2 writes at reset
 * (issue 10 items 1-2), with KVM's results asserted on both devices:
 *
 * - qemu_reset_msrs: the KVM_SET_MSRS QEMU issues at vCPU reset (kvmclock
 *   old and new pairs 0, MTRRs, PAT, MISC_ENABLE, HWCR, MCG_STATUS/CTL
 *   and 10 MCE banks after KVM_X86_SETUP_MCE) returns the full count.
 * - guest_msrs: guest RDMSR/WRMSR of each MSR: value read, #GP or not,
 *   what reads back (MTRR types and reserved bits, MTRRcap 0x508, PAT,
 *   MCG_*, MCi_*, MISC_ENABLE's read-only bits, the PMU MSRs of a VM
 *   without a virtual PMU). On KVM the test turns the PMU off
 *   (KVM_CAP_PMU_CAPABILITY) so that KVM is the oracle of "no vPMU".
 * - mce_ioctls / mce_injection: KVM_CAP_MCE, GET_MCE_CAP_SUPPORTED,
 *   SETUP_MCE and SET_MCE checks; an uncorrected error injected with
 *   KVM_X86_SET_MCE reaches the guest's #MC handler, which reads the
 *   bank KVM_X86_SET_MCE filled; a corrected one only fills the bank.
 * - index_list: KVM_GET_MSR_INDEX_LIST of /dev/vmon against /dev/kvm's
 *   on the same machine, as sets: every difference is printed and must
 *   be one of the justified ones below (Documentation/api.rst, "MSRs").
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define MSR_MTRRcap		0xfe
#define MSR_MTRRdefType		0x2ff
#define MSR_PAT			0x277
#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC_CTL(b)		(0x400 + 4 * (b))
#define MSR_MC_STATUS(b)	(0x401 + 4 * (b))
#define MSR_MC_ADDR(b)		(0x402 + 4 * (b))
#define MSR_MC_MISC(b)		(0x403 + 4 * (b))
#define MSR_MC0_CTL2		0x280
#define MSR_MISC_ENABLE		0x1a0
#define MSR_K7_HWCR		0xc0010015
#define MSR_K7_EVNTSEL0		0xc0010000
#define MSR_K7_PERFCTR3		0xc0010007
#define MSR_F15H_PERF_CTL0	0xc0010200
#define MSR_F15H_PERF_CTR5	0xc001020b
#define MSR_P6_PERFCTR0		0xc1
#define MSR_P6_EVNTSEL0		0x186
#define MSR_FIXED_CTR0		0x309
#define MSR_PERF_GLOBAL_CTRL	0x38f
#define MSR_PERF_STATUS		0x198
#define MSR_PLATFORM_ID		0x17

#define MCG_CTL_P		(1ULL << 8)
#define MCG_SER_P		(1ULL << 24)
#define MCG_STATUS_RIPV		(1ULL << 0)
#define MCG_STATUS_EIPV		(1ULL << 1)
#define MCG_STATUS_MCIP		(1ULL << 2)
#define MCI_STATUS_VAL		(1ULL << 63)
#define MCI_STATUS_OVER		(1ULL << 62)
#define MCI_STATUS_UC		(1ULL << 61)
#define MCI_STATUS_EN		(1ULL << 60)
#define MCI_STATUS_PCC		(1ULL << 57)
#define NBANKS			10	/* QEMU's MCE_BANKS_DEF */
#define QEMU_MCG_CAP		(MCG_CTL_P | MCG_SER_P | NBANKS)
/* MCG_CAP as the guest reads it: kvm_amd drops bits 63:9 (MCG_SER_P). */
#define GUEST_MCG_CAP	(vt_host_is_intel() ? QEMU_MCG_CAP : QEMU_MCG_CAP & 0x1ff)
/* The vCPU's UCODE_REV at reset: kvm_intel's, kvm_amd's. */
#define UCODE_REV_RESET	(vt_host_is_intel() ? 0x100000000ULL : 0x01000065ULL)
#define PAT_DEFAULT		0x0007040600070406ULL
#define X86_CR4_MCE		(1ULL << 6)
#define KVM_CAP_PMU_CAPABILITY_	225
#define KVM_PMU_CAP_DISABLE_	1

/* ------------------------------------------------------------------ */

enum { RD, WR };
#define NOGP	0
#define GP	1

struct probe {
	u32 op, msr;
	u64 val;		/* WR: written */
	u64 gp_want, read_want;	/* RD: value; WR: value read back after */
	u64 gp, got;		/* filled by the guest */
};

#define MAX_PROBES	96
struct probe probes[MAX_PROBES];
u64 nr_probes;
volatile u64 gp_count;

static void gp_skip(struct vt_regs *regs)
{
	gp_count++;
	regs->rip += 2;		/* RDMSR and WRMSR are 2 bytes */
}

static u64 guest_rdmsr(u32 msr, u64 *v)
{
	u64 n = gp_count;
	u32 lo = 0, hi = 0;

	/* A #GP leaves EDX:EAX as they were: 0. */
	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*v = ((u64)hi << 32) | lo;
	return gp_count - n;
}

static u64 guest_wrmsr(u32 msr, u64 val)
{
	u64 n = gp_count;

	asm volatile("wrmsr" : : "c"(msr), "a"((u32)val), "d"(val >> 32)
		     : "memory");
	return gp_count - n;
}

static void guest_probe(void)
{
	u64 i, v;

	for (i = 0; i < nr_probes; i++) {
		struct probe *p = &probes[i];

		if (p->op == WR) {
			p->gp = guest_wrmsr(p->msr, p->val);
			guest_rdmsr(p->msr, &p->got);
		} else {
			p->gp = guest_rdmsr(p->msr, &v);
			p->got = v;
		}
	}
	GUEST_DONE();
}

static struct vt_vm *vm;

static void add(u32 op, u32 msr, u64 val, u64 gp, u64 want)
{
	struct probe *p = gpa2hva(vm, (u64)(uintptr_t)probes);
	u64 *n = gpa2hva(vm, (u64)(uintptr_t)&nr_probes);

	VT_ASSERT(*n < MAX_PROBES, "too many probes");
	p[*n] = (struct probe){ .op = op, .msr = msr, .val = val,
				.gp_want = gp, .read_want = want };
	++*n;
}

#define RDP(msr, gp, want)	add(RD, msr, 0, gp, want)
#define WRP(msr, v, gp, want)	add(WR, msr, v, gp, want)

/* KVM without a vPMU is the oracle: turn KVM's PMU off where it can. */
static void pmu_off(struct vt_vm *v)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_PMU_CAPABILITY_,
		.args[0] = KVM_PMU_CAP_DISABLE_,
	};

	if (!vt_dev_is_kvm())
		return;
	if (!vt_check_cap(v->fd, KVM_CAP_PMU_CAPABILITY_))
		return;		/* enable_pmu=0: already off */
	VT_IOCTL(v->fd, KVM_ENABLE_CAP, &cap);
}

static void setup_mce(struct vt_vcpu *vcpu, u64 cap)
{
	VT_IOCTL(vcpu->fd, KVM_X86_SETUP_MCE, &cap);
}

static bool guest_is_amd(void)
{
	const struct kvm_cpuid_entry2 *e =
		vt_cpuid_find(vt_supported_cpuid(), 0, 0);

	return e && e->ebx == 0x68747541;
}

static struct vt_vcpu *vcpu_qemu_like(struct vt_vm *v, void *code)
{
	struct vt_vcpu *vcpu;

	pmu_off(v);
	vcpu = vm_vcpu_add(v, 0, code);
	vcpu_set_cpuid(vcpu, vt_supported_cpuid());
	setup_mce(vcpu, QEMU_MCG_CAP);
	return vcpu;
}

TEST(guest_msrs)
{
	struct vt_vcpu *vcpu;
	struct probe *p;
	u64 n, i;

	vm = vm_create(0);
	vcpu = vcpu_qemu_like(vm, guest_probe);
	vm_install_handler(vm, 13, gp_skip);

	/* MTRRs (KVM mtrr.c): cap, types 0/1/4/5/6 only, reserved bits. */
	RDP(MSR_MTRRcap, NOGP, 0x508);
	WRP(MSR_MTRRcap, 0x508, GP, 0x508);
	RDP(MSR_MTRRdefType, NOGP, 0);
	WRP(MSR_MTRRdefType, 0xc06, NOGP, 0xc06);
	WRP(MSR_MTRRdefType, 0xc07, GP, 0xc06);		/* type 7 */
	WRP(MSR_MTRRdefType, 0x1c06, GP, 0xc06);	/* bit 12 */
	WRP(0x250, 0x0606060606060606ULL, NOGP, 0x0606060606060606ULL);
	WRP(0x250, 0x0606060606060602ULL, GP, 0x0606060606060606ULL);
	WRP(0x258, 0x0101010101010101ULL, NOGP, 0x0101010101010101ULL);
	WRP(0x259, 0x0000000000000000ULL, NOGP, 0);
	WRP(0x268, 0x0505050505050505ULL, NOGP, 0x0505050505050505ULL);
	WRP(0x26f, 0x0404040404040404ULL, NOGP, 0x0404040404040404ULL);
	WRP(0x26f, 0x0803040404040404ULL, GP, 0x0404040404040404ULL);
	WRP(0x200, 0x80000006, NOGP, 0x80000006);
	WRP(0x200, 0x80000106, GP, 0x80000006);		/* bits 11:8 */
	WRP(0x200, 0x80000003, GP, 0x80000006);		/* type 3 */
	WRP(0x201, 0xff8000800ULL, NOGP, 0xff8000800ULL);
	WRP(0x201, 0xff8000801ULL, GP, 0xff8000800ULL);	/* bits 10:0 */
	WRP(0x201, 1ULL << 63, GP, 0xff8000800ULL);	/* > MAXPHYADDR */
	WRP(0x20e, 0xc0000000, NOGP, 0xc0000000);
	WRP(0x20f, 0xfc0000800ULL, NOGP, 0xfc0000800ULL);
	RDP(0x210, GP, 0);
	WRP(0x210, 0, GP, 0);
	/* PAT */
	RDP(MSR_PAT, NOGP, PAT_DEFAULT);
	WRP(MSR_PAT, 0x0007040600070401ULL, NOGP, 0x0007040600070401ULL);
	WRP(MSR_PAT, 0x0007040600070402ULL, GP, 0x0007040600070401ULL);
	/* MCA after KVM_X86_SETUP_MCE(MCG_CTL_P | MCG_SER_P | 10 banks) */
	RDP(MSR_MCG_CAP, NOGP, GUEST_MCG_CAP);
	WRP(MSR_MCG_CAP, 0, GP, GUEST_MCG_CAP);
	RDP(MSR_MCG_STATUS, NOGP, 0);
	WRP(MSR_MCG_STATUS, 0, NOGP, 0);
	RDP(MSR_MCG_CTL, NOGP, ~0ULL);
	WRP(MSR_MCG_CTL, 5, GP, ~0ULL);
	WRP(MSR_MCG_CTL, 0, NOGP, 0);
	WRP(MSR_MCG_CTL, ~0ULL, NOGP, ~0ULL);
	RDP(MSR_MC_CTL(0), NOGP, ~0ULL);
	WRP(MSR_MC_CTL(0), 0x1234, GP, ~0ULL);
	WRP(MSR_MC_CTL(4), ~0ULL & ~(1ULL << 10), NOGP, ~0ULL & ~(1ULL << 10));
	WRP(MSR_MC_CTL(1), 0, NOGP, 0);
	WRP(MSR_MC_CTL(1), ~0ULL, NOGP, ~0ULL);
	RDP(MSR_MC_STATUS(0), NOGP, 0);
	WRP(MSR_MC_STATUS(0), 0, NOGP, 0);
	WRP(MSR_MC_STATUS(0), MCI_STATUS_VAL, GP, 0);	/* no McStatusWrEn */
	WRP(MSR_MC_ADDR(9), 0x1000, NOGP, 0x1000);
	WRP(MSR_MC_MISC(9), 0x55, NOGP, 0x55);
	RDP(MSR_MC_CTL(NBANKS), GP, 0);
	WRP(MSR_MC_CTL(NBANKS), 0, GP, 0);
	RDP(MSR_MC0_CTL2, GP, 0);			/* no CMCI */
	/* IA32_MISC_ENABLE: PEBS/BTS unavailable, read-only; EMON ignored */
	RDP(MSR_MISC_ENABLE, NOGP, 0x1800);
	WRP(MSR_MISC_ENABLE, 0x1801, NOGP, 0x1801);
	WRP(MSR_MISC_ENABLE, 0x0801, GP, 0x1801);
	WRP(MSR_MISC_ENABLE, 0x1881, NOGP, 0x1801);
	/* HWCR: only McStatusWrEn sticks; then an AMD guest may set STATUS */
	RDP(MSR_K7_HWCR, NOGP, 0);
	WRP(MSR_K7_HWCR, 0x2, GP, 0);
	WRP(MSR_K7_HWCR, 1ULL << 18, NOGP, 1ULL << 18);
	if (guest_is_amd())
		WRP(MSR_MC_STATUS(2), MCI_STATUS_VAL | 7, NOGP,
		    MCI_STATUS_VAL | 7);
	else
		WRP(MSR_MC_STATUS(2), MCI_STATUS_VAL | 7, GP, 0);
	/* HWCR: a write of 0 (or of ignored bits) keeps McStatusWrEn (KVM) */
	WRP(MSR_K7_HWCR, 0, NOGP, 1ULL << 18);
	WRP(MSR_K7_HWCR, 0x40, NOGP, 1ULL << 18);
	/* PMU MSRs without a vPMU: legacy ones read 0, writes dropped */
	RDP(MSR_K7_EVNTSEL0, NOGP, 0);
	WRP(MSR_K7_EVNTSEL0, 0x430076, NOGP, 0);
	WRP(MSR_K7_PERFCTR3, 0, NOGP, 0);
	WRP(MSR_K7_PERFCTR3, 1234, NOGP, 0);
	WRP(MSR_P6_PERFCTR0, 7, NOGP, 0);
	WRP(MSR_P6_EVNTSEL0, 0x430076, NOGP, 0);
	RDP(MSR_F15H_PERF_CTL0, GP, 0);
	WRP(MSR_F15H_PERF_CTR5, 0, GP, 0);
	RDP(MSR_FIXED_CTR0, GP, 0);
	WRP(MSR_PERF_GLOBAL_CTRL, 0, GP, 0);
	/* kvmclock in its disabled state (not 0x11: KVM writes guest memory) */
	WRP(MSR_KVM_SYSTEM_TIME, 0, NOGP, 0);
	WRP(MSR_KVM_SYSTEM_TIME_NEW, 0, NOGP, 0);
	RDP(MSR_KVM_WALL_CLOCK, NOGP, 0);
	/* The vCPU's microcode revision; TSC_DEADLINE without a LAPIC */
	RDP(0x8b, NOGP, UCODE_REV_RESET);
	WRP(0x8b, 0, NOGP, UCODE_REV_RESET);
	RDP(0x6e0, NOGP, 0);
	WRP(0x6e0, 12345, NOGP, 0);
	/* KVM's fixed answers */
	RDP(MSR_PLATFORM_ID, NOGP, 0);
	RDP(MSR_PERF_STATUS, NOGP, 1000ULL | (4ULL << 40));

	vcpu_run_done(vcpu);
	p = gpa2hva(vm, (u64)(uintptr_t)probes);
	n = *(u64 *)gpa2hva(vm, (u64)(uintptr_t)&nr_probes);
	for (i = 0; i < n; i++, p++) {
		EXPECT_EQ(p->gp_want, p->gp)
			TH_LOG("probe %llu: %s %#x (%#llx): %s", (unsigned long long)i,
			       p->op == WR ? "wrmsr" : "rdmsr", p->msr,
			       (unsigned long long)p->val,
			       p->gp ? "#GP" : "no #GP");
		if (p->op == WR || !p->gp)
			EXPECT_EQ(p->read_want, p->got)
				TH_LOG("probe %llu: msr %#x reads %#llx, want %#llx",
				       (unsigned long long)i, p->msr,
				       (unsigned long long)p->got,
				       (unsigned long long)p->read_want);
	}
	vm_free(vm);
}

/* ------------------------------------------------------------------ */

struct msrs {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[128];
};

static void put(struct msrs *m, u32 index, u64 data)
{
	m->e[m->hdr.nmsrs].index = index;
	m->e[m->hdr.nmsrs++].data = data;
}

/* What QEMU 7.2's kvm_put_msrs() writes at reset, for its default CPU. */
TEST(qemu_reset_msrs)
{
	struct vt_vm *v = vm_create(0);
	struct vt_vcpu *vcpu = vcpu_qemu_like(v, guest_probe);
	static struct msrs m;
	u32 i;

	put(&m, MSR_PAT, PAT_DEFAULT);
	put(&m, MSR_MISC_ENABLE, 1);		/* FAST_STRING */
	put(&m, MSR_K7_HWCR, 0);
	put(&m, MSR_KVM_SYSTEM_TIME, 0);
	put(&m, MSR_KVM_WALL_CLOCK, 0);
	put(&m, MSR_KVM_SYSTEM_TIME_NEW, 0);
	put(&m, MSR_KVM_WALL_CLOCK_NEW, 0);
	put(&m, 0x8b, 0x100000000ULL);		/* UCODE_REV */
	put(&m, 0x6e0, 0);			/* TSC_DEADLINE */
	put(&m, MSR_MTRRdefType, 0);
	put(&m, 0x250, 0);
	put(&m, 0x258, 0);
	put(&m, 0x259, 0);
	for (i = 0x268; i <= 0x26f; i++)
		put(&m, i, 0);
	for (i = 0x200; i <= 0x20f; i++)
		put(&m, i, 0);
	put(&m, MSR_MCG_STATUS, 0);
	put(&m, MSR_MCG_CTL, ~0ULL);
	for (i = 0; i < NBANKS; i++) {
		put(&m, MSR_MC_CTL(i), ~0ULL);
		put(&m, MSR_MC_STATUS(i), 0);
		put(&m, MSR_MC_ADDR(i), 0);
		put(&m, MSR_MC_MISC(i), 0);
	}
	for (i = MSR_K7_EVNTSEL0; i <= MSR_K7_PERFCTR3; i++)
		put(&m, i, 0);
	EXPECT_EQ((int)m.hdr.nmsrs, ioctl(vcpu->fd, KVM_SET_MSRS, &m))
		TH_LOG("KVM_SET_MSRS stopped at entry %d", ioctl(vcpu->fd, KVM_SET_MSRS, &m));

	/* Userspace may set MCi_STATUS (restore), and MCG_CTL only 0/~0. */
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_MC_STATUS(3), MCI_STATUS_VAL));
	EXPECT_EQ(MCI_STATUS_VAL, vcpu_get_msr(vcpu, MSR_MC_STATUS(3)));
	vm_free(v);
}

/* Without KVM_X86_SETUP_MCE: 32 banks, no MCG_CTL, as KVM. */
TEST(mce_default)
{
	struct vt_vm *v = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(v, 0, guest_probe);

	EXPECT_EQ(32, vcpu_get_msr(vcpu, MSR_MCG_CAP));
	EXPECT_EQ(0, vcpu_get_msr(vcpu, MSR_MC_CTL(31)));
	EXPECT_EQ(0, vcpu_set_msr(vcpu, MSR_MCG_CTL, ~0ULL));	/* refused */
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_MCG_CTL, 0));
	vm_free(v);
}

TEST(mce_ioctls)
{
	struct vt_vm *v = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(v, 0, guest_probe);
	struct kvm_x86_mce mce = { .status = MCI_STATUS_VAL, .bank = NBANKS };
	u64 sup = 0, cap;

	EXPECT_EQ(32, vt_check_cap(v->dev_fd, KVM_CAP_MCE));
	EXPECT_EQ(0, ioctl(v->dev_fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &sup));
	EXPECT_EQ(MCG_CTL_P | MCG_SER_P, sup & (MCG_CTL_P | MCG_SER_P));
	cap = 0;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap = 33;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap = NBANKS | (1ULL << 40);			/* unsupported bit */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);
	setup_mce(vcpu, QEMU_MCG_CAP);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce));	/* bank 10 */
	EXPECT_EQ(EINVAL, errno);
	mce.bank = 1;
	mce.status = MCI_STATUS_EN;				/* not VAL */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce));
	EXPECT_EQ(EINVAL, errno);
	/* A corrected error: logged in the bank, no #MC. */
	mce.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x17;
	mce.addr = 0xabc000;
	mce.misc = 0x86;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce));
	EXPECT_EQ(mce.status, vcpu_get_msr(vcpu, MSR_MC_STATUS(1)));
	EXPECT_EQ(0xabc000, vcpu_get_msr(vcpu, MSR_MC_ADDR(1)));
	EXPECT_EQ(0x86, vcpu_get_msr(vcpu, MSR_MC_MISC(1)));
	/* A second one overwrites it and says an error was lost. */
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce));
	EXPECT_EQ(mce.status | MCI_STATUS_OVER,
		  vcpu_get_msr(vcpu, MSR_MC_STATUS(1)));
	vm_free(v);
}

/* ------------------------------------------------------------------ */

volatile u64 mc_seen, mc_mcg_status, mc_status, mc_addr, mc_misc, mc_rip;
extern char mc_resume[];

static void guest_mc_handler(struct vt_regs *regs)
{
	u64 v;

	mc_seen++;
	mc_rip = regs->rip;
	guest_rdmsr(MSR_MCG_STATUS, &v);
	mc_mcg_status = v;
	guest_rdmsr(MSR_MC_STATUS(3), &v);
	mc_status = v;
	guest_rdmsr(MSR_MC_ADDR(3), &v);
	mc_addr = v;
	guest_rdmsr(MSR_MC_MISC(3), &v);
	mc_misc = v;
	guest_wrmsr(MSR_MC_STATUS(3), 0);
	guest_wrmsr(MSR_MCG_STATUS, 0);		/* MCIP off: done */
}

static void guest_mce(void)
{
	u64 cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | X86_CR4_MCE));
	GUEST_SYNC(1);		/* the host injects here */
	GUEST_SYNC(mc_seen);
	GUEST_DONE();
}

TEST(mce_injection)
{
	struct vt_vm *v = vm_create(0);
	struct vt_vcpu *vcpu = vcpu_qemu_like(v, guest_mce);
	struct kvm_x86_mce mce = {
		.status = MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN |
			  MCI_STATUS_PCC | 0x150,
		.addr = 0x12345000,
		.misc = 0x8c,
		.mcg_status = MCG_STATUS_MCIP | MCG_STATUS_EIPV |
			      MCG_STATUS_RIPV,
		.bank = 3,
	};
	volatile u64 *seen = gpa2hva(v, (u64)(uintptr_t)&mc_seen);

	vm_install_handler(v, 13, gp_skip);
	vm_install_handler(v, 18, guest_mc_handler);
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce));
	EXPECT_EQ(mce.status, vcpu_get_msr(vcpu, MSR_MC_STATUS(3)));
	EXPECT_EQ(mce.mcg_status, vcpu_get_msr(vcpu, MSR_MCG_STATUS));
	EXPECT_EQ(1, vcpu_run_sync(vcpu)) TH_LOG("#MC handler runs once");
	EXPECT_EQ(1, *seen);
	EXPECT_EQ(mce.mcg_status,
		  *(u64 *)gpa2hva(v, (u64)(uintptr_t)&mc_mcg_status));
	EXPECT_EQ(mce.status, *(u64 *)gpa2hva(v, (u64)(uintptr_t)&mc_status));
	EXPECT_EQ(mce.addr, *(u64 *)gpa2hva(v, (u64)(uintptr_t)&mc_addr));
	EXPECT_EQ(mce.misc, *(u64 *)gpa2hva(v, (u64)(uintptr_t)&mc_misc));
	EXPECT_EQ(0, vcpu_get_msr(vcpu, MSR_MCG_STATUS));
	vcpu_run_done(vcpu);
	vm_free(v);
}

/* MCIP still set: a second uncorrected error shuts the guest down. */
TEST(mce_while_mcip_shuts_down)
{
	struct vt_vm *v = vm_create(0);
	struct vt_vcpu *vcpu = vcpu_qemu_like(v, guest_mce);
	struct kvm_x86_mce mce = {
		.status = MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_PCC,
		.mcg_status = MCG_STATUS_MCIP, .bank = 0,
	};

	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_MCG_STATUS, MCG_STATUS_MCIP));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce));
	EXPECT_EQ(KVM_EXIT_SHUTDOWN, (__vcpu_run(vcpu), vcpu->run->exit_reason));
	vm_free(v);
}

/* ------------------------------------------------------------------ */

static int get_list(const char *path, u32 *out, u32 room)
{
	struct { struct kvm_msr_list l; u32 idx[512]; } b = { .l.nmsrs = 512 };
	int fd = open(path, O_RDWR), r;

	if (fd < 0)
		return -1;
	r = ioctl(fd, KVM_GET_MSR_INDEX_LIST, &b);
	close(fd);
	if (r < 0 || b.l.nmsrs > room)
		return -1;
	memcpy(out, b.idx, b.l.nmsrs * sizeof(u32));
	return b.l.nmsrs;
}

static bool in(const u32 *l, int n, u32 x)
{
	while (n--)
		if (l[n] == x)
			return true;
	return false;
}

/* Why an MSR KVM lists is not in vmon's list; NULL: unjustified. */
static const char *kvm_only_reason(u32 m)
{
	if ((m >= 0xc1 && m <= 0xc8) || (m >= 0x186 && m <= 0x18d) ||
	    (m >= 0x309 && m <= 0x30b) || (m >= 0x38d && m <= 0x390) ||
	    m == 0x3f1 || m == 0x600 || m == 0x3f2 || m == 0x345 ||
	    (m >= 0xc0010000 && m <= 0xc0010007) ||
	    (m >= 0xc0010200 && m <= 0xc001020b))
		return "PMU MSR: vmon has no vPMU (stateless or #GP, not saved)";
	if (m >= 0x40000000 && m < 0x40000200)
		return "Hyper-V MSR: no Hyper-V enlightenments";
	if (m >= 0x4b564d02 && m <= 0x4b564dff)
		return "KVM PV MSR other than kvmclock: no PV interface";
	if (m >= 0x480 && m <= 0x491)
		return "VMX capability MSR: no nested VMX";
	if (m >= 0x560 && m <= 0x58f)
		return "Intel PT: not virtualized";
	switch (m) {
	case 0xc0010117: return "VM_HSAVE_PA: no nested SVM";
	case 0x3a: return "FEATURE_CONTROL: no nested VMX/SGX/LMCE";
	case 0xd90: return "BNDCFGS: no MPX";
	case 0x48: return "SPEC_CTRL: hidden (issue 9 follow-up)";
	case 0xe1: return "UMWAIT_CONTROL: no WAITPKG";
	case 0x1c4: case 0x1c5: return "XFD: no AMX";
	case 0x10a: return "ARCH_CAPABILITIES: vCPU copy not kept (CPUID 7.EDX[29] not offered)";
	case 0x4d0: return "MCG_EXT_CTL: no LMCE";
	case 0x9e: return "SMBASE: no SMM";
	case 0x34: return "SMI_COUNT: no SMM";
	case 0x140: return "MISC_FEATURES_ENABLES: no CPUID faulting";
	case 0xc001011f: return "VIRT_SPEC_CTRL: hidden (speculation MSRs)";
	case 0xc0000104: return "TSC_RATIO: no TSC scaling";
	case 0x1fc: return "POWER_CTL: not emulated";
	default: return NULL;
	}
}

/* Why vmon lists an MSR KVM does not; NULL: unjustified. */
static const char *vmon_only_reason(u32 m)
{
	switch (m) {
	case 0xc0000080: case 0x1b: case 0xc0000100: case 0xc0000101:
		return "EFER/APIC_BASE/FS/GS_BASE: also in SREGS in KVM; listed harmlessly";
	case 0xc0010000 ... 0xc0010007:
		return "legacy PMU MSR: KVM lists it only with a vPMU";
	default:
		return NULL;
	}
}

TEST(index_list)
{
	static u32 kvm[512], vmon[512];
	int nk = get_list("/dev/kvm", kvm, 512);
	int nv = get_list("/dev/vmon", vmon, 512);
	int i, bad = 0;

	if (nk < 0 || nv < 0)
		SKIP(return, "needs /dev/kvm and /dev/vmon in the same boot");
	for (i = 0; i < nk; i++) {
		const char *why;

		if (in(vmon, nv, kvm[i]))
			continue;
		why = kvm_only_reason(kvm[i]);
		TH_LOG("KVM only: %#x: %s", kvm[i], why ? why : "UNJUSTIFIED");
		bad += !why;
	}
	for (i = 0; i < nv; i++) {
		const char *why;

		if (in(kvm, nk, vmon[i]))
			continue;
		why = vmon_only_reason(vmon[i]);
		TH_LOG("vmon only: %#x: %s", vmon[i], why ? why : "UNJUSTIFIED");
		bad += !why;
	}
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
