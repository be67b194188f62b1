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
#include "vmon.h"

#define VMON_MAX_IO_MSRS	256	/* KVM's per-call limit */

static const u32 vmon_msrs_to_save[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP, MSR_IA32_TSC, MSR_IA32_CR_PAT,
	MSR_IA32_APICBASE, MSR_FS_BASE, MSR_GS_BASE, MSR_TSC_AUX,
	MSR_IA32_TSC_ADJUST, MSR_PLATFORM_INFO,
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

static int vmon_get_feature_msr(u32 index, u64 *data)
{
	switch (index) {
	case MSR_IA32_ARCH_CAPABILITIES:
		*data = vmon_arch_capabilities();
		return 0;
	case MSR_IA32_UCODE_REV:
		/* The host's revision; 0 where the MSR cannot be read. */
		if (rdmsrl_safe(MSR_IA32_UCODE_REV, data))
			*data = 0;
		return 0;
	default:
		return -ENOENT;
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

int vmon_get_msr(struct vmon_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int r;

	/* x2APIC registers and the TSC deadline belong to the LAPIC. */
	if (vcpu->lapic) {
		r = vmon_lapic_get_msr(vcpu, index, data, host);
		if (r <= 0)
			return r ? -EINVAL : 0;
	}
	switch (index) {
	case MSR_IA32_TSC:
		*data = rdtsc() + vcpu->tsc_offset;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* Readable whatever the CPUID says, as in KVM. */
		*data = vcpu->tsc_adjust;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!host && READ_ONCE(vcpu->vm->platform_info_hidden))
			return -EINVAL;
		*data = vcpu->platform_info;
		return 0;
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_IA32_CR_PAT:
		*data = vcpu->pat;	/* backends load it at each entry */
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		*data = 0;
		return 0;
	default:
		return vmon_ops->get_msr(vcpu, index, data) ? -ENOENT : 0;
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

int vmon_set_msr(struct vmon_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int r;

	if (!vmon_msr_value_ok(vcpu, index, &data))
		return -EINVAL;
	if (vcpu->lapic) {
		r = vmon_lapic_set_msr(vcpu, index, data, host);
		if (r <= 0)
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
		return 0;
	}
	case MSR_IA32_TSC_ADJUST:
		/* KVM drops the write, userspace's too, without the bit. */
		if (!vmon_guest_has_tsc_adjust(vcpu))
			return 0;
		/*
		 * Only the guest's write moves the TSC (KVM): a restore must
		 * not count the adjustment twice.
		 */
		if (!host)
			vmon_set_tsc_offset(vcpu, vcpu->tsc_offset +
					    (data - vcpu->tsc_adjust));
		vcpu->tsc_adjust = data;
		return 0;
	case MSR_PLATFORM_INFO:
		/*
		 * Read-only for the guest. vmon does not emulate CPUID
		 * faulting, so unlike KVM it cannot let the bit that
		 * announces it be set.
		 */
		if (!host || (data & MSR_PLATFORM_INFO_CPUID_FAULT))
			return -EINVAL;
		vcpu->platform_info = data;
		return 0;
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
			return -EINVAL;
		if (!host && ((data ^ vcpu->apic_base) & MSR_IA32_APICBASE_BSP))
			return -EINVAL;
		vcpu->apic_base = data;
		return 0;
	case MSR_IA32_CR_PAT:
		if (!vmon_pat_valid(data))
			return -EINVAL;
		vcpu->pat = data;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		/* No LBR virtualization: accept the defined bits, keep 0. */
		if (data & ~0x3fULL)
			return -EINVAL;
		return 0;
	default:
		vmon_regs_invalidate(vcpu);	/* EFER may change the mode */
		r = vmon_ops->set_msr(vcpu, index, data, host);
		if (r > 0)
			return -ENOENT;
		return r;
	}
}

/*
 * KVM_GET_MSRS / KVM_SET_MSRS on a vCPU (@vcpu set) or KVM_GET_MSRS of
 * feature MSRs on the system fd (@vcpu NULL): returns how many entries
 * were processed.
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
	return vmon_skip_insn(vcpu) ? 0 : 1;
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
	return vmon_skip_insn(vcpu) ? 0 : 1;
}
