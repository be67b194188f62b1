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
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include "vmon.h"

#define VMON_MAX_IO_MSRS	256	/* KVM's per-call limit */

static const u32 vmon_msrs_to_save[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP, MSR_IA32_TSC, MSR_IA32_CR_PAT,
	MSR_IA32_APICBASE, MSR_FS_BASE, MSR_GS_BASE, MSR_TSC_AUX,
};

long vmon_get_msr_index_list(void __user *argp)
{
	struct kvm_msr_list __user *ul = argp;
	struct kvm_msr_list l;
	u32 room;

	if (copy_from_user(&l, ul, sizeof(l)))
		return -EFAULT;
	/* As KVM: report the needed count, then fail if it does not fit. */
	room = l.nmsrs;
	l.nmsrs = ARRAY_SIZE(vmon_msrs_to_save);
	if (copy_to_user(ul, &l, sizeof(l)))
		return -EFAULT;
	if (room < l.nmsrs)
		return -E2BIG;
	if (copy_to_user(ul->indices, vmon_msrs_to_save,
			 sizeof(vmon_msrs_to_save)))
		return -EFAULT;
	return 0;
}

int vmon_get_msr(struct vmon_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int r;

	/* x2APIC registers and the TSC deadline belong to the LAPIC. */
	if (vcpu->apic) {
		r = vmon_lapic_get_msr(vcpu, index, data, host);
		if (r <= 0)
			return r ? -EINVAL : 0;
	}
	switch (index) {
	case MSR_IA32_TSC:
		*data = rdtsc() + vcpu->tsc_offset;
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

int vmon_set_msr(struct vmon_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int r;

	if (vcpu->apic) {
		r = vmon_lapic_set_msr(vcpu, index, data, host);
		if (r <= 0)
			return r;
	}
	switch (index) {
	case MSR_IA32_TSC:
		vcpu->tsc_offset = data - rdtsc();
		vmon_ops->set_tsc_offset(vcpu, vcpu->tsc_offset);
		return 0;
	case MSR_IA32_APICBASE:
		if (vcpu->apic)
			return vmon_lapic_set_base(vcpu, data, host);
		/*
		 * Without an in-kernel local APIC the base only has to be
		 * well formed: reserved bits, and x2APIC (not offered) clear.
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
		r = vmon_ops->set_msr(vcpu, index, data, host);
		if (r > 0)
			return -ENOENT;
		return r;
	}
}

/* KVM_GET_MSRS / KVM_SET_MSRS: returns how many entries were processed. */
static long vmon_vcpu_msr_io(struct vmon_vcpu *vcpu, unsigned long arg,
			     bool write)
{
	struct kvm_msrs __user *um = (void __user *)arg;
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
		if (write ? vmon_set_msr(vcpu, e[i].index, e[i].data, true) :
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
	return vmon_vcpu_msr_io(vcpu, arg, false);
}

long vmon_vcpu_set_msrs(struct vmon_vcpu *vcpu, unsigned long arg)
{
	return vmon_vcpu_msr_io(vcpu, arg, true);
}

int vmon_emulate_rdmsr(struct vmon_vcpu *vcpu)
{
	u32 index = vcpu->regs[VMON_RCX];
	u64 data;
	int r;

	if (vmon_get_msr(vcpu, index, &data, false)) {
		pr_debug_ratelimited("vmon: guest rdmsr %x -> #GP\n", index);
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	vcpu->regs[VMON_RAX] = (u32)data;
	vcpu->regs[VMON_RDX] = data >> 32;
	r = vmon_skip_insn(vcpu);
	return r ? r : 1;
}

int vmon_emulate_wrmsr(struct vmon_vcpu *vcpu)
{
	u32 index = vcpu->regs[VMON_RCX];
	u64 data = (vcpu->regs[VMON_RDX] << 32) | (u32)vcpu->regs[VMON_RAX];
	int r;

	if (vmon_set_msr(vcpu, index, data, false)) {
		pr_debug_ratelimited("vmon: guest wrmsr %x -> #GP\n", index);
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	r = vmon_skip_insn(vcpu);
	return r ? r : 1;
}
