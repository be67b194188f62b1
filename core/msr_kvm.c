// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs KVM 6.1 serves to every guest that have no hardware behind
 * them in vmon, and the dispatch to mtrr.c and mce.c. msr.c calls
 * vmon_msr_kvm_get/set() for any MSR it does not own itself.
 *
 * - IA32_MISC_ENABLE: kept; the guest cannot change the read-only
 *   "PEBS/BTS unavailable" bits and its writes of EMON are ignored.
 * - Performance counters: vmon has no virtual PMU, so it answers as KVM
 *   does for a VM whose PMU is disabled (KVM_CAP_PMU_CAPABILITY): the
 *   legacy AMD counters 0xc0010000-7 and Intel's P6 pair 0xc1/0xc2,
 *   0x186/0x187 read 0 and ignore writes; the F15h counters and Intel's
 *   architectural PMU MSRs #GP (vmon's CPUID offers neither PERFCTR_CORE
 *   nor leaf 0xA counters).
 * - kvmclock, old (0x11/0x12) and new (0x4b564d00/01) pairs: KVM serves
 *   them whatever the guest's CPUID says unless userspace asked for
 *   KVM_CAP_ENFORCE_PV_FEATURE_CPUID, and then refuses them. vmon has no
 *   paravirtual clock and its CPUID does not offer one: it accepts and
 *   keeps the disabled state (SYSTEM_TIME with bit 0 clear, WALL_CLOCK
 *   0 from userspace), which QEMU writes at every reset, and refuses
 *   anything that would need the clock, as KVM with enforcement does.
 * - A set KVM reads as 0 (or a fixed value) and whose writes it ignores.
 */
#include <asm/msr-index.h>
#include <asm/kvm_para.h>
#include <asm/processor.h>
#include "vmon.h"

#define VMON_MISC_ENABLE_RO	(MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL)

void vmon_msr_kvm_reset(struct vmon_vcpu *vcpu)
{
	memset(&vcpu->msr_kvm, 0, sizeof(vcpu->msr_kvm));
	vcpu->msr_kvm.misc_enable = VMON_MISC_ENABLE_RO;
	/* KVM's reset values: kvm_amd's and kvm_intel's. */
	if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_HYGON)
		vcpu->msr_kvm.ucode_rev = 0x01000065;
	else
		vcpu->msr_kvm.ucode_rev = 0x100000000ULL;
	vmon_mce_reset(vcpu);
}

static int vmon_kvmclock_slot(u32 index)
{
	switch (index) {
	case MSR_KVM_WALL_CLOCK:
		return 0;
	case MSR_KVM_SYSTEM_TIME:
		return 1;
	case MSR_KVM_WALL_CLOCK_NEW:
		return 2;
	case MSR_KVM_SYSTEM_TIME_NEW:
		return 3;
	default:
		return -1;
	}
}

enum vmon_msr_result vmon_msr_kvm_get(struct vmon_vcpu *vcpu, u32 index,
				      u64 *data, bool host)
{
	struct vmon_msr_kvm *m = &vcpu->msr_kvm;
	enum vmon_msr_result r;
	int slot;

	r = vmon_mce_get(vcpu, index, data, host);
	if (r != VMON_MSR_UNHANDLED)
		return r;
	r = vmon_mtrr_get(vcpu, index, data);
	if (r != VMON_MSR_UNHANDLED)
		return r;
	slot = vmon_kvmclock_slot(index);
	if (slot >= 0) {
		*data = m->kvmclock[slot];
		return VMON_MSR_OK;
	}
	switch (index) {
	case MSR_IA32_MISC_ENABLE:
		*data = m->misc_enable;
		return VMON_MSR_OK;
	case MSR_K7_HWCR:
		*data = m->hwcr;
		return VMON_MSR_OK;
	case MSR_IA32_UCODE_REV:
		*data = m->ucode_rev;
		return VMON_MSR_OK;
	case MSR_IA32_TSC_DEADLINE:
		/* Reached without an in-kernel LAPIC: 0, as in KVM. */
		*data = 0;
		return VMON_MSR_OK;
	case MSR_K7_CLK_CTL:
		*data = 0x20000000;	/* KVM's K7 ramp-up count */
		return VMON_MSR_OK;
	case MSR_IA32_PERF_STATUS:
		*data = 1000ULL | (4ULL << 40);	/* KVM's fixed answer */
		return VMON_MSR_OK;
	case MSR_K7_EVNTSEL0 ... MSR_K7_EVNTSEL3:
	case MSR_K7_PERFCTR0 ... MSR_K7_PERFCTR3:
	case MSR_P6_PERFCTR0 ... MSR_P6_PERFCTR1:
	case MSR_P6_EVNTSEL0 ... MSR_P6_EVNTSEL1:
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_EBL_CR_POWERON:
	case MSR_IA32_LASTBRANCHFROMIP:
	case MSR_IA32_LASTBRANCHTOIP:
	case MSR_IA32_LASTINTFROMIP:
	case MSR_IA32_LASTINTTOIP:
	case MSR_AMD64_SYSCFG:
	case MSR_K8_TSEG_ADDR:
	case MSR_K8_TSEG_MASK:
	case MSR_VM_HSAVE_PA:
	case MSR_K8_INT_PENDING_MSG:
	case MSR_AMD64_NB_CFG:
	case MSR_FAM10H_MMIO_CONF_BASE:
	case MSR_AMD64_BU_CFG2:
	case MSR_IA32_PERF_CTL:
	case MSR_AMD64_DC_CFG:
	case MSR_AMD64_TW_CFG:
	case MSR_F15H_EX_CFG:
	case MSR_RAPL_POWER_UNIT:
	case MSR_PP0_ENERGY_STATUS:
	case MSR_PP1_ENERGY_STATUS:
	case MSR_PKG_ENERGY_STATUS:
	case MSR_DRAM_ENERGY_STATUS:
		*data = 0;
		return VMON_MSR_OK;
	default:
		return VMON_MSR_UNHANDLED;
	}
}

static enum vmon_msr_result vmon_kvmclock_set(struct vmon_vcpu *vcpu,
					      int slot, u64 data, bool host)
{
	/*
	 * SYSTEM_TIME: bit 0 enables the clock. WALL_CLOCK: any guest
	 * write asks KVM to fill the structure at that address.
	 */
	if (slot & 1 ? (data & 1) : (data || !host))
		return VMON_MSR_FAULT;
	vcpu->msr_kvm.kvmclock[slot] = data;
	return VMON_MSR_OK;
}

enum vmon_msr_result vmon_msr_kvm_set(struct vmon_vcpu *vcpu, u32 index,
				      u64 data, bool host)
{
	struct vmon_msr_kvm *m = &vcpu->msr_kvm;
	enum vmon_msr_result r;
	int slot;

	r = vmon_mce_set(vcpu, index, data, host);
	if (r != VMON_MSR_UNHANDLED)
		return r;
	r = vmon_mtrr_set(vcpu, index, data);
	if (r != VMON_MSR_UNHANDLED)
		return r;
	slot = vmon_kvmclock_slot(index);
	if (slot >= 0)
		return vmon_kvmclock_set(vcpu, slot, data, host);
	switch (index) {
	case MSR_IA32_MISC_ENABLE:
		if (!host) {
			if ((m->misc_enable ^ data) & VMON_MISC_ENABLE_RO)
				return VMON_MSR_FAULT;
			data &= ~MSR_IA32_MISC_ENABLE_EMON;
			data |= m->misc_enable & MSR_IA32_MISC_ENABLE_EMON;
		}
		m->misc_enable = data;
		return VMON_MSR_OK;
	case MSR_K7_HWCR:
		/* Flush filter, IGNNE emulation, TLB cache: ignored (KVM). */
		data &= ~0x148ULL;
		if (data && data != BIT_ULL(18))
			return VMON_MSR_FAULT;
		/* As KVM: a write of 0 leaves McStatusWrEn as it was. */
		if (data)
			m->hwcr = data;
		return VMON_MSR_OK;
	case MSR_FAM10H_MMIO_CONF_BASE:
		return data ? VMON_MSR_FAULT : VMON_MSR_OK;
	case MSR_IA32_UCODE_REV:
		/*
		 * Userspace sets the vCPU's revision; the guest's write (the
		 * "load microcode" handshake) changes nothing, as in KVM.
		 */
		if (host)
			m->ucode_rev = data;
		return VMON_MSR_OK;
	case MSR_IA32_TSC_DEADLINE:	/* no in-kernel LAPIC: dropped */
	case MSR_K7_EVNTSEL0 ... MSR_K7_EVNTSEL3:
	case MSR_K7_PERFCTR0 ... MSR_K7_PERFCTR3:
	case MSR_P6_PERFCTR0 ... MSR_P6_PERFCTR1:
	case MSR_P6_EVNTSEL0 ... MSR_P6_EVNTSEL1:
	case MSR_K7_CLK_CTL:
	case MSR_AMD64_NB_CFG:
	case MSR_IA32_UCODE_WRITE:
	case MSR_VM_HSAVE_PA:
	case MSR_AMD64_PATCH_LOADER:
	case MSR_AMD64_BU_CFG2:
	case MSR_AMD64_DC_CFG:
	case MSR_AMD64_TW_CFG:
	case MSR_F15H_EX_CFG:
		return VMON_MSR_OK;	/* ignored, as in KVM */
	default:
		return VMON_MSR_UNHANDLED;
	}
}
