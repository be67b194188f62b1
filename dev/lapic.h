/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local APIC internals shared by lapic.c (registers, delivery, state) and
 * lapic_timer.c (the APIC timer on a host hrtimer). Nothing outside those
 * two files includes this; the rest of vmon uses devices.h.
 *
 * The registers live in a 1 KiB page laid out like the xAPIC MMIO page,
 * which is also the KVM_GET/SET_LAPIC format. Ownership:
 *
 *  - IRR and TMR are written from any context (IPIs from other vCPUs, the
 *    IOAPIC, MSIs, irqfds, this APIC's timer in hard-IRQ context) with
 *    atomic bit operations; the vCPU thread clears IRR bits atomically too.
 *  - Everything else is written only by the vCPU thread (vcpu->mutex held).
 *    Other threads read ID, LDR, DFR, SVR, TPR and the LVTs with READ_ONCE
 *    when they match destinations; a torn view there only means the same
 *    race the guest would have on hardware with an APIC being reprogrammed.
 *  - The timer state is changed by the vCPU thread only after
 *    hrtimer_cancel(), so the callback and the thread never write it at the
 *    same time (the callback moves a periodic target forward, or clears the
 *    TSC deadline, and nothing else).
 *
 * x2APIC keeps the same page: the ID register holds the 32-bit x2APIC ID,
 * and the ICR destination (32 bits) sits in the ICR2 slot, which is also
 * how KVM_GET_LAPIC reports it.
 */
#ifndef VMON_LAPIC_H
#define VMON_LAPIC_H

#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include "vmon.h"

struct vmon_lapic {
	u8 regs[KVM_APIC_REG_SIZE] __aligned(16);
	struct vmon_vcpu *vcpu;			/* (o) */
	/* Copy of vcpu->apic_base that sources may read. (v) write, (a) */
	u64 base;
	/* Errors since the last ESR write (bits as in the ESR). (a) */
	unsigned long esr_pending;
	/* (v) RIP of the instruction whose access is being served. */
	u64 access_rip;

	struct {
		struct hrtimer hrtimer;
		u32 mode;		/* (v) LVTT mode bits at last update */
		u32 divide;		/* (v) 1..128 */
		s64 period;		/* (v) ns; 0: not counting */
		ktime_t target;		/* (v, callback) next expiry */
		u64 tsc_deadline;	/* (v, callback) guest TSC; 0: idle */
	} timer;
};

static inline u32 lapic_get(struct vmon_lapic *apic, u32 off)
{
	return READ_ONCE(*(u32 *)(apic->regs + off));
}

static inline void lapic_set(struct vmon_lapic *apic, u32 off, u32 val)
{
	WRITE_ONCE(*(u32 *)(apic->regs + off), val);
}

static inline bool lapic_hw_enabled(struct vmon_lapic *apic)
{
	return READ_ONCE(apic->base) & MSR_IA32_APICBASE_ENABLE;
}

/* Guest CPUID.1:ECX bit; no table means no feature, as KVM. */
static inline bool lapic_guest_cpuid1_ecx(struct vmon_vcpu *vcpu, int bit)
{
	struct kvm_cpuid_entry2 *e = vmon_find_cpuid(vcpu, 1, 0);

	return e && (e->ecx & BIT(bit));
}

/* lapic.c: set @vector in the IRR and kick the vCPU. Any context. */
bool vmon_lapic_accept_fixed(struct vmon_lapic *apic, u8 vector, bool level);

/* lapic_timer.c; all vCPU side unless stated. */
void vmon_lapic_timer_init(struct vmon_lapic *apic);
void vmon_lapic_timer_cancel(struct vmon_lapic *apic);
/* Stopped, one-shot, divider from TDCR (reset and KVM_SET_LAPIC). */
void vmon_lapic_timer_reset(struct vmon_lapic *apic);
u32 vmon_lapic_timer_mode_mask(struct vmon_lapic *apic);
void vmon_lapic_timer_lvtt_written(struct vmon_lapic *apic);
void vmon_lapic_timer_write_tmict(struct vmon_lapic *apic, u32 val);
void vmon_lapic_timer_write_tdcr(struct vmon_lapic *apic, u32 val);
u32 vmon_lapic_timer_read_tmcct(struct vmon_lapic *apic);
/* KVM_SET_LAPIC: restart from the saved current count. */
void vmon_lapic_timer_restore(struct vmon_lapic *apic, u32 tmcct);
u64 vmon_lapic_timer_get_deadline(struct vmon_lapic *apic);
void vmon_lapic_timer_set_deadline(struct vmon_lapic *apic, u64 data);

#endif /* VMON_LAPIC_H */
