// SPDX-License-Identifier: GPL-2.0
/*
 * Machine-check architecture as KVM 6.1 offers it: MCG_CAP chosen by
 * userspace (KVM_X86_SETUP_MCE, within KVM_X86_GET_MCE_CAP_SUPPORTED),
 * MCG_STATUS, MCG_CTL, up to 32 banks of MCi_CTL/STATUS/ADDR/MISC, and
 * KVM_X86_SET_MCE, which fills a bank and, for an uncorrected error,
 * raises #MC in the guest (or shuts it down, as the CPU would, when a
 * machine check is already in progress or CR4.MCE is clear).
 *
 * Not offered, unlike KVM on Intel hosts: CMCI (MCG_CMCI_P, the MCi_CTL2
 * MSRs and the LVT CMCI entry) and local machine checks (MCG_LMCE_P,
 * which needs IA32_FEATURE_CONTROL). Without CMCI KVM refuses MCi_CTL2
 * to the guest and takes only 0 from userspace; vmon does the same.
 */
#include <linux/uaccess.h>
#include <linux/nospec.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include "vmon.h"

#define VMON_MCE_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)
#define VMON_HWCR_MCSTATUSWREN	BIT_ULL(18)

/* At vCPU creation, as KVM: 32 banks, no MCG_CTL, everything 0. */
void vmon_mce_reset(struct vmon_vcpu *vcpu)
{
	vcpu->msr_kvm.mcg_cap = VMON_MAX_MCE_BANKS;
}

/* AuthenticAMD or HygonGenuine in the guest's CPUID (KVM's test). */
static bool vmon_guest_cpuid_is_amd(struct vmon_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = vmon_find_cpuid(vcpu, 0, 0);

	return e && ((e->ebx == 0x68747541 && e->edx == 0x69746e65 &&
		      e->ecx == 0x444d4163) ||
		     (e->ebx == 0x6f677948 && e->edx == 0x6e65476e &&
		      e->ecx == 0x656e6975));
}

static unsigned int vmon_mce_nbanks(struct vmon_vcpu *vcpu)
{
	return vcpu->msr_kvm.mcg_cap & 0xff;
}

enum vmon_msr_result vmon_mce_get(struct vmon_vcpu *vcpu, u32 index,
				  u64 *data, bool host)
{
	struct vmon_msr_kvm *m = &vcpu->msr_kvm;
	u32 n = 4 * vmon_mce_nbanks(vcpu);

	switch (index) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
		*data = 0;
		return VMON_MSR_OK;
	case MSR_IA32_MCG_CAP:
		*data = m->mcg_cap;
		return VMON_MSR_OK;
	case MSR_IA32_MCG_STATUS:
		*data = m->mcg_status;
		return VMON_MSR_OK;
	case MSR_IA32_MCG_CTL:
		if (!(m->mcg_cap & MCG_CTL_P) && !host)
			return VMON_MSR_FAULT;
		*data = m->mcg_ctl;
		return VMON_MSR_OK;
	case MSR_IA32_MC0_CTL2 ... MSR_IA32_MCx_CTL2(VMON_MAX_MCE_BANKS) - 1:
		/* No CMCI: only userspace may read them, and they are 0. */
		if (!host || index - MSR_IA32_MC0_CTL2 >= n / 4)
			return VMON_MSR_FAULT;
		*data = 0;
		return VMON_MSR_OK;
	case MSR_IA32_MC0_CTL ... MSR_IA32_MCx_CTL(VMON_MAX_MCE_BANKS) - 1:
		if (index - MSR_IA32_MC0_CTL >= n)
			return VMON_MSR_FAULT;
		*data = m->mce_banks[array_index_nospec(index - MSR_IA32_MC0_CTL,
							n)];
		return VMON_MSR_OK;
	default:
		return VMON_MSR_UNHANDLED;
	}
}

enum vmon_msr_result vmon_mce_set(struct vmon_vcpu *vcpu, u32 index,
				  u64 data, bool host)
{
	struct vmon_msr_kvm *m = &vcpu->msr_kvm;
	u32 n = 4 * vmon_mce_nbanks(vcpu), off;

	switch (index) {
	case MSR_IA32_MCG_STATUS:
		m->mcg_status = data;
		return VMON_MSR_OK;
	case MSR_IA32_MCG_CTL:
		if (!(m->mcg_cap & MCG_CTL_P) && (data || !host))
			return VMON_MSR_FAULT;
		if (data != 0 && data != ~0ULL)
			return VMON_MSR_FAULT;
		m->mcg_ctl = data;
		return VMON_MSR_OK;
	case MSR_IA32_MC0_CTL2 ... MSR_IA32_MCx_CTL2(VMON_MAX_MCE_BANKS) - 1:
		if (index - MSR_IA32_MC0_CTL2 >= n / 4 || data || !host)
			return VMON_MSR_FAULT;
		return VMON_MSR_OK;
	case MSR_IA32_MC0_CTL ... MSR_IA32_MCx_CTL(VMON_MAX_MCE_BANKS) - 1:
		off = index - MSR_IA32_MC0_CTL;
		if (off >= n)
			return VMON_MSR_FAULT;
		/*
		 * MCi_CTL: 0 or all ones, bit 10 (K8 GART erratum) and bit 0
		 * (UnixWare) may be clear, as KVM allows.
		 */
		if ((off & 3) == 0 && data && (data | BIT(10) | 1) != ~0ULL)
			return VMON_MSR_FAULT;
		/*
		 * MCi_STATUS: the guest may only clear it, except on an AMD
		 * guest with HWCR.McStatusWrEn set.
		 */
		if ((off & 3) == 1 && !host && data &&
		    (!vmon_guest_cpuid_is_amd(vcpu) ||
		     !(m->hwcr & VMON_HWCR_MCSTATUSWREN)))
			return VMON_MSR_FAULT;
		m->mce_banks[array_index_nospec(off, n)] = data;
		return VMON_MSR_OK;
	default:
		return VMON_MSR_UNHANDLED;
	}
}

long vmon_dev_get_mce_cap_supported(void *unused, unsigned long arg)
{
	u64 cap = VMON_MCE_CAP_SUPPORTED;

	if (copy_to_user((void __user *)arg, &cap, sizeof(cap)))
		return -EFAULT;
	return 0;
}

/* KVM_X86_SETUP_MCE: vcpu->mutex held (ioctl table). */
long vmon_vcpu_setup_mce(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct vmon_msr_kvm *m = &vcpu->msr_kvm;
	unsigned int nb, b;
	u64 cap;

	if (copy_from_user(&cap, (void __user *)arg, sizeof(cap)))
		return -EFAULT;
	nb = cap & 0xff;
	/* Bank count, the extended count in 23:16, the supported bits. */
	if (!nb || nb > VMON_MAX_MCE_BANKS ||
	    (cap & ~(VMON_MCE_CAP_SUPPORTED | 0xff | 0xff0000)))
		return -EINVAL;
	/* On AMD bits 63:9 are reserved: MCG_SER_P goes (kvm_amd). */
	if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_HYGON)
		cap &= 0x1ff;
	m->mcg_cap = cap;
	if (cap & MCG_CTL_P)
		m->mcg_ctl = ~0ULL;
	for (b = 0; b < nb; b++)
		m->mce_banks[4 * b] = ~0ULL;
	return 0;
}

/* KVM_X86_SET_MCE: vcpu->mutex held (ioctl table). */
long vmon_vcpu_set_mce(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct vmon_msr_kvm *m = &vcpu->msr_kvm;
	struct kvm_x86_mce mce;
	unsigned int nb = vmon_mce_nbanks(vcpu);
	u64 *bank;
	bool uc;

	if (copy_from_user(&mce, (void __user *)arg, sizeof(mce)))
		return -EFAULT;
	if (mce.bank >= nb || !(mce.status & MCI_STATUS_VAL))
		return -EINVAL;
	bank = &m->mce_banks[array_index_nospec(4 * mce.bank, 4 * nb)];
	uc = mce.status & MCI_STATUS_UC;

	/*
	 * An uncorrected error that signals no #MC (UCNA: none of PCC, S,
	 * AR, and MCG_STATUS 0) is only logged; KVM would also raise CMCI,
	 * which vmon does not offer.
	 */
	if (uc && !mce.mcg_status &&
	    !(mce.status & (MCI_STATUS_PCC | MCI_STATUS_S | MCI_STATUS_AR))) {
		bank[1] = mce.status;
		bank[2] = mce.addr;
		bank[3] = mce.misc;
		m->mcg_status = mce.mcg_status;
		return 0;
	}
	/* Reporting of uncorrected errors disabled: dropped, as in KVM. */
	if (uc && (((m->mcg_cap & MCG_CTL_P) && m->mcg_ctl != ~0ULL) ||
		   bank[0] != ~0ULL))
		return 0;
	if (uc) {
		if ((m->mcg_status & MCG_STATUS_MCIP) ||
		    !(vmon_ops->get_cr(vcpu, 4) & X86_CR4_MCE)) {
			set_bit(VMON_REQ_TRIPLE_FAULT, &vcpu->requests);
			return 0;
		}
		if (bank[1] & MCI_STATUS_VAL)
			mce.status |= MCI_STATUS_OVER;
		bank[2] = mce.addr;
		bank[3] = mce.misc;
		m->mcg_status = mce.mcg_status;
		bank[1] = mce.status;
		vmon_queue_exception(vcpu, X86_TRAP_MC, false, 0);
	} else if (!(bank[1] & MCI_STATUS_VAL) || !(bank[1] & MCI_STATUS_UC)) {
		/* A corrected error overwrites anything but an uncorrected. */
		if (bank[1] & MCI_STATUS_VAL)
			mce.status |= MCI_STATUS_OVER;
		bank[2] = mce.addr;
		bank[3] = mce.misc;
		bank[1] = mce.status;
	} else {
		bank[1] |= MCI_STATUS_OVER;
	}
	return 0;
}
