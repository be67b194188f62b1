// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_ENABLE_CAP on a VM fd: the VM-wide switches userspace may turn
 * before (or, for some, while) the guest runs. Each answers as KVM 6.1
 * does on x86; anything vmon does not implement is EINVAL, which is also
 * KVM's answer for a capability it does not know.
 */
#include <linux/uaccess.h>
#include "vmon.h"

/*
 * The limit can be set once, to the same value again, and not at all once
 * a vCPU exists (the first vCPU fixes it; see vmon_create_vcpu()).
 */
static long vmon_cap_max_vcpu_id(struct vmon_vm *vm, u64 max)
{
	if (max > VMON_MAX_VCPU_ID)
		return -EINVAL;
	if (vm->max_vcpu_id == max)
		return 0;
	if (vm->max_vcpu_id)
		return -EINVAL;
	vm->max_vcpu_id = max;
	return 0;
}

/* Called with vm->lock held (VMON_LOCK_VM). */
long vmon_vm_enable_cap(struct vmon_vm *vm, unsigned long arg)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, (void __user *)arg, sizeof(cap)))
		return -EFAULT;
	/* No x86 VM capability takes flags. */
	if (cap.flags)
		return -EINVAL;
	switch (cap.cap) {
	case KVM_CAP_MSR_PLATFORM_INFO:
		/* Any non-zero argument enables, as in KVM. */
		WRITE_ONCE(vm->platform_info_hidden, !cap.args[0]);
		return 0;
	case KVM_CAP_MAX_VCPU_ID:
		return vmon_cap_max_vcpu_id(vm, cap.args[0]);
	case KVM_CAP_SPLIT_IRQCHIP:
		/* args[0]: GSIs reserved for the userspace IOAPIC's routes. */
		return vmon_vm_enable_split_irqchip(vm, cap.args[0]);
	case KVM_CAP_X2APIC_API:
		if (cap.args[0] & ~(u64)VMON_X2APIC_API_FLAGS)
			return -EINVAL;
		/* Each flag only switches on, as in KVM; no vCPU check. */
		WRITE_ONCE(vm->x2apic_api, vm->x2apic_api | cap.args[0]);
		return 0;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		/* INITIALLY_SET only together with MANUAL_PROTECT_ENABLE. */
		if (cap.args[0] & ~(u64)((cap.args[0] &
					  KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) ?
					 VMON_DIRTY_LOG_MANUAL_CAPS :
					 KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE))
			return -EINVAL;
		WRITE_ONCE(vm->manual_dirty_log_protect, cap.args[0]);
		return 0;
	default:
		return -EINVAL;
	}
}
