// SPDX-License-Identifier: GPL-2.0
/*
 * Values of the MSRs a hypervisor loads into the CPU for its guest (the
 * SYSCALL/SYSENTER family, FS/GS/KERNEL_GS_BASE, TSC_AUX): which ones
 * the guest's WRMSR gets #GP for and KVM_SET_MSRS refuses (it stops at
 * that entry and returns the count done), what is kept of the others,
 * and that the guest really runs with what it wrote (SFMASK seen through
 * SYSCALL). KVM 6.1's rules (x86.c __kvm_set_msr, vmx.c, svm.c):
 *
 * - LSTAR, CSTAR, FS_BASE, GS_BASE, KERNEL_GS_BASE must be canonical.
 * - SYSENTER_EIP/ESP are made canonical, never refused; on AMD only the
 *   low 32 bits are kept unless the guest's CPUID vendor is Intel.
 * - TSC_AUX: bits 63:32 refused for an Intel guest, dropped otherwise.
 *   The guest reads and writes it only if its CPUID has RDTSCP or RDPID
 *   (either one alone will do), on both vendors; userspace always may.
 * - SFMASK (bits 63:32 reserved on Intel): kvm_amd keeps all 64 bits in
 *   the VMCB. kvm_intel refuses what the CPU's own WRMSR refuses, and
 *   only while it loads the MSR (64-bit guest with EFER.SCE); otherwise it
 *   stores the value. vmon's VT-x backend refuses bits 63:32 always (it
 *   loads the MSR at every entry): the test asserts that on vmon, and on
 *   kvm_intel only that the outcome is consistent (Bochs's WRMSR drops
 *   the bits instead of faulting, so kvm_intel accepts them there).
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define EFER_SCE		(1ULL << 0)
#define X86_EFLAGS_AC		(1ULL << 18)
#define X86_EFLAGS_ID		(1ULL << 21)

#define NONCANON	0x8000000000001000ULL
#define CANON_HI	0xffff800000002000ULL
/* Bit 47 set, 63:48 clear: canonical form 0xffff800012345678. */
#define SYSENTER_VAL	0x0000800012345678ULL
#define SYSENTER_CANON	0xffff800012345678ULL
#define SFMASK_OK	X86_EFLAGS_ID
#define SFMASK_HI	(0x100000000ULL | SFMASK_OK)
#define TSC_AUX_HI	0x100000007ULL

struct probe {
	u32 msr;
	u64 val;
	u64 before, after, gp;	/* filled by the guest */
};

#define MAX_PROBES	32
struct probe probes[MAX_PROBES];
u64 nr_probes;
volatile u64 gp_count;
volatile u64 syscall_flags;	/* RFLAGS at the SYSCALL entry point */

static void gp_skip_wrmsr(struct vt_regs *regs)
{
	gp_count++;
	regs->rip += 2;
}

static u64 guest_wrmsr(u32 msr, u64 val)
{
	u64 n = gp_count;

	asm volatile("wrmsr" : : "c"(msr), "a"((u32)val), "d"(val >> 32)
		     : "memory");
	return gp_count - n;
}

/* Lands here with CS 0x08, SS 0x10 (STAR), back by RCX with R11's flags. */
asm(".pushsection .text\n"
    ".globl msr_syscall_entry\n"
    "msr_syscall_entry:\n"
    "	pushfq\n"
    "	popq syscall_flags(%rip)\n"
    "	pushq %r11\n"
    "	popfq\n"
    "	jmp *%rcx\n"
    ".popsection\n");
extern char msr_syscall_entry[];

/* SYSCALL with @set in RFLAGS: the flags the entry point saw. */
static u64 guest_syscall(u64 set)
{
	u64 clear = ~set;

	asm volatile("pushfq; orq %0, (%%rsp); popfq; syscall; "
		     "pushfq; andq %1, (%%rsp); popfq"
		     : : "r"(set), "r"(clear) : "rcx", "r11", "memory", "cc");
	return syscall_flags;
}

static u64 guest_rdmsr(u32 msr, u64 *val)
{
	u64 n = gp_count;
	u32 a = 0, d = 0;

	asm volatile("rdmsr" : "+a"(a), "+d"(d) : "c"(msr) : "memory");
	*val = (u64)d << 32 | a;
	return gp_count - n;
}

static void guest_probe_msrs(void)
{
	u64 i;

	/* kvm_intel loads the SYSCALL MSRs only with EFER.SCE. */
	guest_wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	for (i = 0; i < nr_probes; i++) {
		struct probe *p = &probes[i];

		p->before = rdmsr(p->msr);
		p->gp = guest_wrmsr(p->msr, p->val);
		p->after = rdmsr(p->msr);
	}
	GUEST_DONE();
}

static void add_probe(struct vt_vm *vm, u32 msr, u64 val)
{
	struct probe *p = gpa2hva(vm, (u64)(uintptr_t)probes);
	u64 *n = gpa2hva(vm, (u64)(uintptr_t)&nr_probes);

	p[*n].msr = msr;
	p[*n].val = val;
	++*n;
}

static bool has_rdtscp(void)
{
	const struct kvm_cpuid_entry2 *e =
		vt_cpuid_find(vt_supported_cpuid(), 0x80000001, 0);

	return e && (e->edx & (1u << 27));
}

enum { REFUSED, KEPT, ANY };	/* ANY: refused, or kept as written */

static const struct probe *probe_at(struct vt_vm *vm, int i)
{
	return (struct probe *)gpa2hva(vm, (u64)(uintptr_t)probes) + i;
}

static void check_probe(struct __test_metadata *_metadata,
			const struct probe *p, int expect, u64 kept)
{
	if (expect == ANY) {
		expect = p->gp ? REFUSED : KEPT;
		kept = p->val;
		TH_LOG("msr %#x = %#llx: %s on this CPU", p->msr,
		       (unsigned long long)p->val,
		       p->gp ? "#GP" : "accepted");
	}
	if (expect == REFUSED) {
		EXPECT_EQ(1, p->gp) TH_LOG("msr %#x = %#llx: no #GP", p->msr,
					    (unsigned long long)p->val);
		EXPECT_EQ(p->before, p->after) TH_LOG("msr %#x changed",
						      p->msr);
	} else {
		EXPECT_EQ(0, p->gp) TH_LOG("msr %#x = %#llx: #GP", p->msr,
					    (unsigned long long)p->val);
		EXPECT_EQ(kept, p->after) TH_LOG("msr %#x reads back",
						 p->msr);
	}
}

/* Intercepted on Intel by both hypervisors (vmon, kvm_intel). */
static const u32 syscall_msrs[] = { MSR_LSTAR, MSR_CSTAR };

static const u32 address_msrs[] = {
	MSR_LSTAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE,
};

/*
 * Only MSRs whose guest WRMSR both hypervisors intercept: the others
 * (FS/GS/KERNEL_GS_BASE and SYSENTER on both vendors, the SYSCALL family
 * on AMD) go straight to the CPU, as in KVM 6.1, and the emulator's WRMSR
 * decides (QEMU's TCG takes non-canonical addresses); set_msrs_values
 * checks the hypervisor's rules for all of them.
 */
TEST(guest_wrmsr_values)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_probe_msrs);
	bool intel = vt_host_is_intel(), kvm = vt_dev_is_kvm();
	bool tsc_aux = has_rdtscp();
	unsigned int i;
	int k = 0;

	vm_install_handler(vm, 13, gp_skip_wrmsr);
	for (i = 0; intel && i < ARRAY_SIZE(syscall_msrs); i++) {
		add_probe(vm, syscall_msrs[i], NONCANON);
		add_probe(vm, syscall_msrs[i], CANON_HI);
		add_probe(vm, syscall_msrs[i], 0);
	}
	add_probe(vm, MSR_SYSCALL_MASK, SFMASK_OK);
	add_probe(vm, MSR_SYSCALL_MASK, SFMASK_HI);
	add_probe(vm, MSR_SYSCALL_MASK, SFMASK_OK);
	if (tsc_aux) {
		add_probe(vm, MSR_TSC_AUX, 5);
		add_probe(vm, MSR_TSC_AUX, TSC_AUX_HI);
	}
	vcpu_run_done(vcpu);

	for (i = 0; intel && i < ARRAY_SIZE(syscall_msrs); i++) {
		check_probe(_metadata, probe_at(vm, k++), REFUSED, 0);
		check_probe(_metadata, probe_at(vm, k++), KEPT, CANON_HI);
		check_probe(_metadata, probe_at(vm, k++), KEPT, 0);
	}
	check_probe(_metadata, probe_at(vm, k++), KEPT, SFMASK_OK);
	check_probe(_metadata, probe_at(vm, k++),
		    !intel ? KEPT : kvm ? ANY : REFUSED, SFMASK_HI);
	check_probe(_metadata, probe_at(vm, k++), KEPT, SFMASK_OK);
	if (tsc_aux) {
		check_probe(_metadata, probe_at(vm, k++), KEPT, 5);
		check_probe(_metadata, probe_at(vm, k++),
			    intel ? REFUSED : KEPT, (u32)TSC_AUX_HI);
	}
	vm_free(vm);
}

/* KVM_SET_MSRS of { STAR, @msr = @val, CSTAR }: how many were done. */
static int set_three(struct vt_vcpu *vcpu, u32 msr, u64 val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[3];
	} m = { .hdr.nmsrs = 3 };

	m.e[0].index = MSR_STAR;
	m.e[0].data = 0x0023001000000000ULL;
	m.e[1].index = msr;
	m.e[1].data = val;
	m.e[2].index = MSR_CSTAR;
	m.e[2].data = CANON_HI;
	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

/* Userspace: refused at that entry (count 1), or done and read back. */
static void check_set(struct __test_metadata *_metadata, u32 msr, u64 val,
		      bool refused, u64 kept)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_probe_msrs);
	u64 old = vcpu_get_msr(vcpu, msr);
	int r = set_three(vcpu, msr, val);

	EXPECT_EQ(refused ? 1 : 3, r) TH_LOG("KVM_SET_MSRS msr %#x = %#llx",
					     msr, (unsigned long long)val);
	EXPECT_EQ(refused ? old : kept, vcpu_get_msr(vcpu, msr))
		TH_LOG("msr %#x after KVM_SET_MSRS", msr);
	vm_free(vm);
}

TEST(set_msrs_values)
{
	bool intel = vt_host_is_intel();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(address_msrs); i++) {
		check_set(_metadata, address_msrs[i], NONCANON, true, 0);
		check_set(_metadata, address_msrs[i], CANON_HI, false,
			  CANON_HI);
	}
	check_set(_metadata, MSR_IA32_SYSENTER_EIP, SYSENTER_VAL, false,
		  intel ? SYSENTER_CANON : (u32)SYSENTER_VAL);
	check_set(_metadata, MSR_IA32_SYSENTER_ESP, SYSENTER_VAL, false,
		  intel ? SYSENTER_CANON : (u32)SYSENTER_VAL);
	/*
	 * A fresh vCPU has EFER.SCE clear: kvm_intel does not load SFMASK
	 * then and stores any value; vmon refuses bits 63:32 on Intel.
	 */
	check_set(_metadata, MSR_SYSCALL_MASK, SFMASK_HI,
		  intel && !vt_dev_is_kvm(), SFMASK_HI);
	if (has_rdtscp())
		check_set(_metadata, MSR_TSC_AUX, TSC_AUX_HI, intel,
			  (u32)TSC_AUX_HI);
}

/* WRMSR 9, then RDMSR: how many of the two got #GP, and what was read. */
static void guest_tsc_aux(void)
{
	u64 gp = guest_wrmsr(MSR_TSC_AUX, 9), val;

	gp += guest_rdmsr(MSR_TSC_AUX, &val);
	GUEST_SYNC(gp);
	GUEST_SYNC(val);
	GUEST_DONE();
}

#define RDTSCP_BIT	(1u << 27)	/* CPUID 0x80000001 EDX */
#define RDPID_BIT	(1u << 22)	/* CPUID 7.0 ECX */

/*
 * The guest's access to TSC_AUX with @rdtscp / @rdpid set or cleared in
 * its CPUID: #GP for both accesses or for neither. KVM reads the guest's
 * CPUID only, so an RDPID bit the host lacks counts too.
 */
static void check_tsc_aux_gate(struct __test_metadata *_metadata,
			       bool rdtscp, bool rdpid)
{
	const struct kvm_cpuid2 *sup = vt_supported_cpuid();
	size_t size = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_tsc_aux);
	struct kvm_cpuid2 *c = malloc(size);
	bool allowed = rdtscp || rdpid;
	u64 gp, val;
	u32 i;

	memcpy(c, sup, size);
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0x80000001)
			e->edx = rdtscp ? e->edx | RDTSCP_BIT :
					  e->edx & ~RDTSCP_BIT;
		if (e->function == 7 && e->index == 0)
			e->ecx = rdpid ? e->ecx | RDPID_BIT :
					 e->ecx & ~RDPID_BIT;
	}
	vcpu_set_cpuid(vcpu, c);
	free(c);
	vm_install_handler(vm, 13, gp_skip_wrmsr);
	/* Userspace is not bound by the guest's CPUID. */
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_TSC_AUX, 3));
	gp = vcpu_run_sync(vcpu);
	val = vcpu_run_sync(vcpu);
	vcpu_run_done(vcpu);
	EXPECT_EQ(allowed ? 0 : 2, gp)
		TH_LOG("RDTSCP %d RDPID %d: #GP count", rdtscp, rdpid);
	if (allowed)
		EXPECT_EQ(9, val);
	EXPECT_EQ(allowed ? 9 : 3, vcpu_get_msr(vcpu, MSR_TSC_AUX));
	vm_free(vm);
}

/*
 * Before this, vmon's VT-x backend refused a guest with RDPID alone, and
 * neither backend checked the guest's CPUID on RDMSR.
 */
TEST(tsc_aux_needs_rdtscp_or_rdpid)
{
	const struct kvm_cpuid_entry2 *e7 =
		vt_cpuid_find(vt_supported_cpuid(), 7, 0);

	/* The MSR is there for userspace when the host lists either. */
	if (!has_rdtscp() && !(e7 && (e7->ecx & RDPID_BIT)))
		SKIP(return, "the host has neither RDTSCP nor RDPID");
	check_tsc_aux_gate(_metadata, false, false);
	check_tsc_aux_gate(_metadata, true, false);
	check_tsc_aux_gate(_metadata, false, true);
	check_tsc_aux_gate(_metadata, true, true);
}

static void guest_syscall_mask(void)
{
	guest_wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	guest_wrmsr(MSR_STAR, 0x08ULL << 32);
	guest_wrmsr(MSR_LSTAR, (u64)(uintptr_t)msr_syscall_entry);
	guest_wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_ID);
	/* A refused (or, on AMD, accepted) high half changes nothing. */
	guest_wrmsr(MSR_SYSCALL_MASK, rdmsr(MSR_SYSCALL_MASK) |
		    0xffffffff00000000ULL);
	GUEST_SYNC(guest_syscall(X86_EFLAGS_ID | X86_EFLAGS_AC));
	guest_wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_AC);
	GUEST_SYNC(guest_syscall(X86_EFLAGS_ID | X86_EFLAGS_AC));
	GUEST_DONE();
}

/*
 * The CPU masks RFLAGS at SYSCALL with the guest's SFMASK, not the
 * host's (Linux masks both flags). AC and ID: QEMU's TCG clears DF at
 * every SYSCALL whatever the mask.
 */
TEST(sfmask_applies_to_syscall)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_syscall_mask);
	const u64 both = X86_EFLAGS_ID | X86_EFLAGS_AC;
	u64 flags;

	vm_install_handler(vm, 13, gp_skip_wrmsr);
	flags = vcpu_run_sync(vcpu);
	EXPECT_EQ(X86_EFLAGS_AC, flags & both)
		TH_LOG("RFLAGS %#llx with SFMASK = ID",
		       (unsigned long long)flags);
	flags = vcpu_run_sync(vcpu);
	EXPECT_EQ(X86_EFLAGS_ID, flags & both)
		TH_LOG("RFLAGS %#llx with SFMASK = AC",
		       (unsigned long long)flags);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
