// SPDX-License-Identifier: GPL-2.0
/*
 * MTRRs as KVM 6.1 emulates them: MTRRcap reads 0x508 (8 variable
 * ranges, fixed ranges, write-combining, no SMRR), MTRRdefType, the
 * eleven fixed-range MSRs and the eight variable pairs 0x200-0x20f keep
 * what is written once the types and reserved bits pass KVM's checks.
 *
 * The memory types are kept, not applied: under NPT and EPT vmon maps
 * guest memory write-back, as KVM does when no non-coherent DMA device is
 * assigned (Documentation/design.rst, "Guest MTRRs and memory types").
 */
#include <asm/msr-index.h>
#include "vmon.h"

#define VMON_MTRRCAP		(0x500 | VMON_NR_VAR_MTRR)	/* WC, FIX */
#define MTRR_VAR0		0x200	/* IA32_MTRR_PHYSBASE0 */
#define VMON_MTRR_DEF_RESERVED	(~0xcffULL)		/* E, FE, type */

/* UC, WC, WT, WP, WB: 0, 1, 4, 5, 6. */
static bool vmon_mtrr_type_ok(u64 t)
{
	return t < 8 && (BIT(t) & 0x73);
}

static int vmon_mtrr_fixed_index(u32 index)
{
	switch (index) {
	case MSR_MTRRfix64K_00000:
		return 0;
	case MSR_MTRRfix16K_80000:
	case MSR_MTRRfix16K_A0000:
		return 1 + index - MSR_MTRRfix16K_80000;
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		return 3 + index - MSR_MTRRfix4K_C0000;
	default:
		return -1;
	}
}

/* Bits at and above the guest's MAXPHYADDR, which no range may set. */
static u64 vmon_mtrr_rsvd_gpa(struct vmon_vcpu *vcpu)
{
	return ~0ULL << vmon_guest_maxphyaddr(vcpu);
}

enum vmon_msr_result vmon_mtrr_get(struct vmon_vcpu *vcpu, u32 index,
				   u64 *data)
{
	struct vmon_msr_kvm *m = &vcpu->msr_kvm;
	int i;

	if (index == MSR_MTRRcap) {
		*data = VMON_MTRRCAP;
		return VMON_MSR_OK;
	}
	if (index == MSR_MTRRdefType) {
		*data = m->mtrr_deftype;
		return VMON_MSR_OK;
	}
	i = vmon_mtrr_fixed_index(index);
	if (i >= 0) {
		*data = m->mtrr_fixed[i];
		return VMON_MSR_OK;
	}
	if (index >= MTRR_VAR0 &&
	    index < (MTRR_VAR0 + 2 * VMON_NR_VAR_MTRR)) {
		*data = m->mtrr_var[index - MTRR_VAR0];
		return VMON_MSR_OK;
	}
	return VMON_MSR_UNHANDLED;
}

static bool vmon_mtrr_valid(struct vmon_vcpu *vcpu, u32 index, u64 data)
{
	int i;

	if (index == MSR_MTRRdefType)
		return !(data & VMON_MTRR_DEF_RESERVED) &&
		       vmon_mtrr_type_ok(data & 0xff);
	if (vmon_mtrr_fixed_index(index) >= 0) {
		for (i = 0; i < 8; i++)
			if (!vmon_mtrr_type_ok((data >> (i * 8)) & 0xff))
				return false;
		return true;
	}
	if (!(index & 1))	/* PhysBase: type in 7:0, 11:8 reserved */
		return vmon_mtrr_type_ok(data & 0xff) &&
		       !(data & (vmon_mtrr_rsvd_gpa(vcpu) | 0xf00));
	/* PhysMask: valid in bit 11, 10:0 reserved */
	return !(data & (vmon_mtrr_rsvd_gpa(vcpu) | 0x7ff));
}

/* MTRRcap is read-only: #GP on write, as in KVM. */
enum vmon_msr_result vmon_mtrr_set(struct vmon_vcpu *vcpu, u32 index,
				   u64 data)
{
	struct vmon_msr_kvm *m = &vcpu->msr_kvm;
	int i;

	if (index == MSR_MTRRcap)
		return VMON_MSR_FAULT;
	if (index != MSR_MTRRdefType && vmon_mtrr_fixed_index(index) < 0 &&
	    (index < MTRR_VAR0 ||
	     index >= (MTRR_VAR0 + 2 * VMON_NR_VAR_MTRR))) {
		/* KVM owns 0x200-0x2ff as MTRR space: the rest #GPs. */
		if (index >= 0x200 && index <= 0x2ff && index != MSR_IA32_CR_PAT)
			return VMON_MSR_FAULT;
		return VMON_MSR_UNHANDLED;
	}
	if (!vmon_mtrr_valid(vcpu, index, data))
		return VMON_MSR_FAULT;
	if (index == MSR_MTRRdefType) {
		m->mtrr_deftype = data;
		return VMON_MSR_OK;
	}
	i = vmon_mtrr_fixed_index(index);
	if (i >= 0)
		m->mtrr_fixed[i] = data;
	else
		m->mtrr_var[index - MTRR_VAR0] = data;
	return VMON_MSR_OK;
}
