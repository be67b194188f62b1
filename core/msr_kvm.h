/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSRs vmon serves because KVM 6.1 serves them to every guest: the MTRRs
 * (mtrr.c), machine-check architecture and its ioctls (mce.c), and the
 * MSRs KVM answers without real hardware behind them (msr_kvm.c:
 * IA32_MISC_ENABLE, the PMU MSRs of a VM without a virtual PMU, the old
 * and new kvmclock MSRs in their disabled state, the read-as-zero set).
 * Documentation/api.rst has the table, MSR by MSR, against KVM.
 *
 * All fields are vCPU state: (v) vcpu->mutex.
 */
#ifndef VMON_MSR_KVM_H
#define VMON_MSR_KVM_H

#include <linux/types.h>

#define VMON_NR_VAR_MTRR	8	/* KVM_NR_VAR_MTRR */
#define VMON_NR_FIXED_MTRR	11	/* 64K, 2 x 16K, 8 x 4K */
#define VMON_MAX_MCE_BANKS	32	/* KVM_MAX_MCE_BANKS */

struct vmon_vcpu;

struct vmon_msr_kvm {
	u64 mtrr_deftype;			/* (v) MTRRdefType */
	u64 mtrr_fixed[VMON_NR_FIXED_MTRR];	/* (v) */
	u64 mtrr_var[2 * VMON_NR_VAR_MTRR];	/* (v) base, mask pairs */
	u64 mcg_cap;				/* (v) KVM_X86_SETUP_MCE */
	u64 mcg_status;				/* (v) */
	u64 mcg_ctl;				/* (v) */
	u64 mce_banks[4 * VMON_MAX_MCE_BANKS];	/* (v) CTL, STATUS, ADDR, MISC */
	u64 misc_enable;			/* (v) IA32_MISC_ENABLE */
	u64 ucode_rev;				/* (v) the vCPU's UCODE_REV */
	u64 hwcr;				/* (v) AMD HWCR: McStatusWrEn or 0 */
	u64 kvmclock[4];			/* (v) 0x11, 0x12, 0x4b564d00/01 */
};

/* VMON_MSR_UNHANDLED: not one of these (core/vmon.h has the enum). */
enum vmon_msr_result vmon_msr_kvm_get(struct vmon_vcpu *vcpu, u32 index,
				      u64 *data, bool host);
enum vmon_msr_result vmon_msr_kvm_set(struct vmon_vcpu *vcpu, u32 index,
				      u64 data, bool host);
void vmon_msr_kvm_reset(struct vmon_vcpu *vcpu);

enum vmon_msr_result vmon_mtrr_get(struct vmon_vcpu *vcpu, u32 index,
				   u64 *data);
enum vmon_msr_result vmon_mtrr_set(struct vmon_vcpu *vcpu, u32 index,
				   u64 data);
enum vmon_msr_result vmon_mce_get(struct vmon_vcpu *vcpu, u32 index,
				  u64 *data, bool host);
enum vmon_msr_result vmon_mce_set(struct vmon_vcpu *vcpu, u32 index,
				  u64 data, bool host);
void vmon_mce_reset(struct vmon_vcpu *vcpu);

/* The ioctls (mce.c). */
long vmon_dev_get_mce_cap_supported(void *unused, unsigned long arg);
long vmon_vcpu_setup_mce(struct vmon_vcpu *vcpu, unsigned long arg);
long vmon_vcpu_set_mce(struct vmon_vcpu *vcpu, unsigned long arg);

#endif
