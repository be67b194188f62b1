// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs: the list vmon saves and restores (KVM_GET_MSR_INDEX_LIST),
 * KVM_GET/SET_MSRS, and guest RDMSR/WRMSR. The core owns the MSRs that are
 * vCPU state rather than hardware state (TSC via an offset, APIC base,
 * PAT, which each backend loads at entry, and DEBUGCTL, kept at 0); the
 * backend owns those that live in its VMCB/VMCS or that it switches
 * (EFER, the SYSCALL and SYSENTER family, FS/GS/KERNEL_GS_BASE, TSC_AUX).
 * An MSR nobody knows is refused: #GP for the guest, a short count for
 * userspace, as in KVM.
 *
 * The system fd also answers KVM_GET_MSRS for "feature" MSRs: host facts
 * userspace checks a CPU model against (KVM_GET_MSR_FEATURE_INDEX_LIST).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/kvm_para.h>
#include "vmon.h"

#define VMON_MAX_IO_MSRS	256	/* KVM's per-call limit */

static const u32 vmon_msrs_to_save[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP, MSR_IA32_TSC, MSR_IA32_CR_PAT,
	MSR_IA32_APICBASE, MSR_FS_BASE, MSR_GS_BASE, MSR_TSC_AUX,
	MSR_IA32_TSC_ADJUST, MSR_PLATFORM_INFO,
	/* KVM's emulated_msrs and PMU-less counters, msr_kvm.c */
	MSR_IA32_MISC_ENABLE, MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME_NEW,
	MSR_KVM_WALL_CLOCK_NEW, MSR_K7_HWCR, MSR_IA32_UCODE_REV,
	MSR_IA32_TSC_DEADLINE,
};

/*
 * Only MSRs whose value vmon can state truthfully. KVM also lists the VMX
 * capability MSRs and PERF_CAPABILITIES (nested VMX, a vPMU) and DE_CFG
 * (an AMD vCPU MSR vmon does not keep): none of that exists here.
 */
static const u32 vmon_feature_msrs[] = {
	MSR_IA32_ARCH_CAPABILITIES, MSR_IA32_UCODE_REV,
};

/*
 * IA32_ARCH_CAPABILITIES bits that describe the processor itself. Left
 * out, unlike KVM: IBRS_ALL (vmon hides SPEC_CTRL), TSX_CTRL_MSR (not
 * emulated) and SKIP_VMENTRY_L1DFLUSH (a promise vmon does not keep: it
 * does not flush L1D on entry).
 */
#define VMON_ARCH_CAP_HW (ARCH_CAP_RDCL_NO | ARCH_CAP_RSBA | \
			  ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO | \
			  ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO | \
			  ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | \
			  ARCH_CAP_PSDP_NO | ARCH_CAP_FB_CLEAR | \
			  ARCH_CAP_RRSBA | ARCH_CAP_BHI_NO | \
			  ARCH_CAP_PBRSB_NO | ARCH_CAP_GDS_NO | \
			  ARCH_CAP_RFDS_NO | ARCH_CAP_RFDS_CLEAR | \
			  ARCH_CAP_ITS_NO)

/*
 * The host's own value where it has the MSR (Intel), plus the "not
 * affected" bits the kernel's bug detection vouches for, which is also
 * how KVM fills it on AMD hosts, where the MSR does not exist.
 */
static u64 vmon_arch_capabilities(void)
{
	u64 data = 0;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, data);
	data &= VMON_ARCH_CAP_HW;
	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		data |= ARCH_CAP_RDCL_NO;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		data |= ARCH_CAP_SSB_NO;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		data |= ARCH_CAP_MDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT))
		data |= ARCH_CAP_PSCHANGE_MC_NO;
	if (!boot_cpu_has_bug(X86_BUG_RFDS))
		data |= ARCH_CAP_RFDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_ITS))
		data |= ARCH_CAP_ITS_NO;
	if (!boot_cpu_has_bug(X86_BUG_GDS))
		data |= ARCH_CAP_GDS_NO;
	/* No TSX for a guest without RTM on the host: TAA cannot apply. */
	if (!boot_cpu_has(X86_FEATURE_RTM))
		data &= ~ARCH_CAP_TAA_NO;
	else if (!boot_cpu_has_bug(X86_BUG_TAA))
		data |= ARCH_CAP_TAA_NO;
	return data;
}

static enum vmon_msr_result vmon_get_feature_msr(u32 index, u64 *data)
{
	switch (index) {
	case MSR_IA32_ARCH_CAPABILITIES:
		*data = vmon_arch_capabilities();
		return VMON_MSR_OK;
	case MSR_IA32_UCODE_REV:
		/* The host's revision; 0 where the MSR cannot be read. */
		if (rdmsrl_safe(MSR_IA32_UCODE_REV, data))
			*data = 0;
		return VMON_MSR_OK;
	default:
		return VMON_MSR_UNHANDLED;
	}
}

/* Report the needed count, then fail with E2BIG if it does not fit (KVM). */
static long vmon_copy_msr_list(struct kvm_msr_list __user *ul,
			       const u32 *msrs, u32 n)
{
	struct kvm_msr_list l;
	u32 room;

	if (copy_from_user(&l, ul, sizeof(l)))
		return -EFAULT;
	room = l.nmsrs;
	l.nmsrs = n;
	if (copy_to_user(ul, &l, sizeof(l)))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	if (copy_to_user(ul->indices, msrs, n * sizeof(*msrs)))
		return -EFAULT;
	return 0;
}

long vmon_get_msr_index_list(void __user *argp)
{
	return vmon_copy_msr_list(argp, vmon_msrs_to_save,
				  ARRAY_SIZE(vmon_msrs_to_save));
}

long vmon_get_msr_feature_index_list(void __user *argp)
{
	return vmon_copy_msr_list(argp, vmon_feature_msrs,
				  ARRAY_SIZE(vmon_feature_msrs));
}

/* IA32_TSC_ADJUST exists for the guest only with its CPUID bit (KVM). */
static bool vmon_guest_has_tsc_adjust(struct vmon_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = vmon_find_cpuid(vcpu, 7, 0);

	return e && (e->ebx & BIT(X86_FEATURE_TSC_ADJUST & 31));
}

static void vmon_set_tsc_offset(struct vmon_vcpu *vcpu, u64 offset)
{
	vcpu->tsc_offset = offset;
	vmon_ops->set_tsc_offset(vcpu, offset);
}

/* A bit of the guest's KVM_SET_CPUID2 table (none before it), as KVM. */
static bool vmon_guest_cpuid_bit(struct vmon_vcpu *vcpu, u32 fn, u32 idx,
				 enum vmon_cpuid_reg reg, int bit)
{
	struct kvm_cpuid_entry2 *e = vmon_find_cpuid(vcpu, fn, idx);
	u32 val;

	if (!e)
		return false;
	val = reg == VMON_EAX ? e->eax : reg == VMON_EBX ? e->ebx :
	      reg == VMON_ECX ? e->ecx : e->edx;
	return val & BIT(bit);
}

/*
 * MSRs the guest may touch only if its CPUID announces them, read or
 * written, whoever keeps the value (KVM's __kvm_get_msr/__kvm_set_msr,
 * which read the guest's CPUID only, not the host's); userspace always
 * may. Whether the host can hold them at all is the backend's limit:
 * it answers VMON_MSR_UNHANDLED.
 */
static bool vmon_msr_guest_allowed(struct vmon_vcpu *vcpu, u32 index,
				   bool host)
{
	switch (index) {
	case MSR_TSC_AUX:
		/* RDPID alone reads it too: either instruction will do. */
		return host ||
		       vmon_guest_cpuid_bit(vcpu, 0x80000001, 0, VMON_EDX, 27) ||
		       vmon_guest_cpuid_bit(vcpu, 7, 0, VMON_ECX, 22);
	default:
		return true;
	}
}

enum vmon_msr_result vmon_get_msr(struct vmon_vcpu *vcpu, u32 index,
				  u64 *data, bool host)
{
	enum vmon_msr_result r;

	if (!vmon_msr_guest_allowed(vcpu, index, host))
		return VMON_MSR_FAULT;

	/* x2APIC registers and the TSC deadline belong to the LAPIC. */
	if (vcpu->lapic) {
		r = vmon_lapic_get_msr(vcpu, index, data, host);
		if (r != VMON_MSR_UNHANDLED)
			return r;
	}
	switch (index) {
	case MSR_IA32_TSC:
		*data = rdtsc() + vcpu->tsc_offset;
		return VMON_MSR_OK;
	case MSR_IA32_TSC_ADJUST:
		/* Readable whatever the CPUID says, as in KVM. */
		*data = vcpu->tsc_adjust;
		return VMON_MSR_OK;
	case MSR_PLATFORM_INFO:
		if (!host && READ_ONCE(vcpu->vm->platform_info_hidden))
			return VMON_MSR_FAULT;
		*data = vcpu->platform_info;
		return VMON_MSR_OK;
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return VMON_MSR_OK;
	case MSR_IA32_CR_PAT:
		*data = vcpu->pat;	/* backends load it at each entry */
		return VMON_MSR_OK;
	case MSR_IA32_DEBUGCTLMSR:
		*data = 0;
		return VMON_MSR_OK;
	default:
		r = vmon_msr_kvm_get(vcpu, index, data, host);
		if (r != VMON_MSR_UNHANDLED)
			return r;
		return vmon_ops->get_msr(vcpu, index, data);
	}
}

/*
 * KVM's rules for MSRs that hold an address or a value the backends load
 * into hardware, the same on both vendors and for the guest and
 * userspace alike: false to refuse @*data, which may be adjusted.
 */
static bool vmon_msr_value_ok(struct vmon_vcpu *vcpu, u32 index, u64 *data)
{
	switch (index) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		return vmon_guest_canonical(vcpu, *data);
	case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_SYSENTER_ESP:
		/*
		 * Made canonical, not refused: Intel would #GP, AMD ignores
		 * the high half; a canonical value is what VM entry needs.
		 */
		*data = vmon_guest_canonicalize(vcpu, *data);
		return true;
	case MSR_TSC_AUX:
		/*
		 * Bits 63:32 are reserved on Intel, ignored on AMD: the
		 * guest's CPUID vendor decides, and only the low half stays.
		 */
		if ((*data >> 32) && vmon_guest_cpuid_is_intel(vcpu))
			return false;
		*data = (u32)*data;
		return true;
	default:
		return true;
	}
}

enum vmon_msr_result vmon_set_msr(struct vmon_vcpu *vcpu, u32 index,
				  u64 data, bool host)
{
	enum vmon_msr_result r;

	if (!vmon_msr_guest_allowed(vcpu, index, host) ||
	    !vmon_msr_value_ok(vcpu, index, &data))
		return VMON_MSR_FAULT;
	if (vcpu->lapic) {
		r = vmon_lapic_set_msr(vcpu, index, data, host);
		if (r != VMON_MSR_UNHANDLED)
			return r;
	}
	switch (index) {
	case MSR_IA32_TSC: {
		u64 offset = data - rdtsc();

		/*
		 * The guest's write moves TSC_ADJUST by the same step (SDM
		 * "Time-Stamp Counter Adjustment"); userspace setting the
		 * TSC (restore, synchronisation) leaves it alone, as in KVM.
		 */
		if (!host)
			vcpu->tsc_adjust += offset - vcpu->tsc_offset;
		vmon_set_tsc_offset(vcpu, offset);
		return VMON_MSR_OK;
	}
	case MSR_IA32_TSC_ADJUST:
		/* KVM drops the write, userspace's too, without the bit. */
		if (!vmon_guest_has_tsc_adjust(vcpu))
			return VMON_MSR_OK;
		/*
		 * Only the guest's write moves the TSC (KVM): a restore must
		 * not count the adjustment twice.
		 */
		if (!host)
			vmon_set_tsc_offset(vcpu, vcpu->tsc_offset +
					    (data - vcpu->tsc_adjust));
		vcpu->tsc_adjust = data;
		return VMON_MSR_OK;
	case MSR_PLATFORM_INFO:
		/*
		 * Read-only for the guest. vmon does not emulate CPUID
		 * faulting, so unlike KVM it cannot let the bit that
		 * announces it be set.
		 */
		if (!host || (data & MSR_PLATFORM_INFO_CPUID_FAULT))
			return VMON_MSR_FAULT;
		vcpu->platform_info = data;
		return VMON_MSR_OK;
	case MSR_IA32_APICBASE:
		if (vcpu->lapic)
			return vmon_lapic_set_base(vcpu, data, host);
		/*
		 * Without an in-kernel local APIC the base only has to be
		 * well formed: reserved bits clear, and x2APIC mode (which
		 * only the in-kernel LAPIC emulates) off. KVM would take
		 * the x2APIC bit here if the guest's CPUID had it.
		 */
		if (data & ~(MSR_IA32_APICBASE_BASE | MSR_IA32_APICBASE_ENABLE |
			     MSR_IA32_APICBASE_BSP))
			return VMON_MSR_FAULT;
		if (!host && ((data ^ vcpu->apic_base) & MSR_IA32_APICBASE_BSP))
			return VMON_MSR_FAULT;
		vcpu->apic_base = data;
		return VMON_MSR_OK;
	case MSR_IA32_CR_PAT:
		if (!vmon_pat_valid(data))
			return VMON_MSR_FAULT;
		vcpu->pat = data;
		return VMON_MSR_OK;
	case MSR_EFER: {
		u64 old = vmon_ops->get_efer(vcpu);

		/* KVM's set_efer(); the backend only stores the result. */
		if (!vmon_efer_valid(vcpu, data, host))
			return VMON_MSR_FAULT;
		/* LME cannot change while paging is on (#GP). */
		if (!host && (vmon_ops->get_cr(vcpu, 0) & X86_CR0_PG) &&
		    ((data ^ old) & EFER_LME))
			return VMON_MSR_FAULT;
		/* LMA is the CPU's: only KVM_SET_SREGS may set it. */
		data = (data & ~EFER_LMA) | (old & EFER_LMA);
		return vmon_ops->set_msr(vcpu, index, data, host);
	}
	case MSR_IA32_DEBUGCTLMSR:
		/* No LBR virtualization: accept the defined bits, keep 0. */
		if (data & ~0x3fULL)
			return VMON_MSR_FAULT;
		return VMON_MSR_OK;
	default:
		r = vmon_msr_kvm_set(vcpu, index, data, host);
		if (r != VMON_MSR_UNHANDLED)
			return r;
		vmon_regs_invalidate(vcpu);	/* EFER may change the mode */
		return vmon_ops->set_msr(vcpu, index, data, host);
	}
}

/*
 * KVM_GET_MSRS / KVM_SET_MSRS on a vCPU (@vcpu set) or KVM_GET_MSRS of
 * feature MSRs on the system fd (@vcpu NULL): returns how many entries
 * were processed; the first that is not VMON_MSR_OK stops the walk.
 */
static long vmon_msr_io(struct vmon_vcpu *vcpu, void __user *argp,
			bool write)
{
	struct kvm_msrs __user *um = argp;
	struct kvm_msr_entry *e;
	struct kvm_msrs m;
	long r;
	u32 i;

	if (copy_from_user(&m, um, sizeof(m)))
		return -EFAULT;
	if (m.nmsrs >= VMON_MAX_IO_MSRS)
		return -E2BIG;
	e = memdup_user(um->entries, m.nmsrs * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < m.nmsrs; i++) {
		if (!vcpu ? vmon_get_feature_msr(e[i].index, &e[i].data) :
		    write ? vmon_set_msr(vcpu, e[i].index, e[i].data, true) :
			    vmon_get_msr(vcpu, e[i].index, &e[i].data, true))
			break;
	}
	r = i;
	if (!write && copy_to_user(um->entries, e, i * sizeof(*e)))
		r = -EFAULT;
	kfree(e);
	return r;
}

long vmon_vcpu_get_msrs(struct vmon_vcpu *vcpu, unsigned long arg)
{
	return vmon_msr_io(vcpu, (void __user *)arg, false);
}

long vmon_vcpu_set_msrs(struct vmon_vcpu *vcpu, unsigned long arg)
{
	return vmon_msr_io(vcpu, (void __user *)arg, true);
}

long vmon_get_feature_msrs(void __user *argp)
{
	return vmon_msr_io(NULL, argp, false);
}

int vmon_emulate_rdmsr(struct vmon_vcpu *vcpu)
{
	u32 index = vcpu->regs[VMON_RCX];
	u64 data;

	if (vmon_get_msr(vcpu, index, &data, false)) {
		pr_debug_ratelimited("vmon: guest rdmsr %x -> #GP\n", index);
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	vcpu->regs[VMON_RAX] = (u32)data;
	vcpu->regs[VMON_RDX] = data >> 32;
	return vmon_skip_emulated_insn(vcpu);
}

int vmon_emulate_wrmsr(struct vmon_vcpu *vcpu)
{
	u32 index = vcpu->regs[VMON_RCX];
	u64 data = (vcpu->regs[VMON_RDX] << 32) | (u32)vcpu->regs[VMON_RAX];

	if (vmon_set_msr(vcpu, index, data, false)) {
		pr_debug_ratelimited("vmon: guest wrmsr %x -> #GP\n", index);
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	return vmon_skip_emulated_insn(vcpu);
}
