// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel local APIC, one per vCPU (only with KVM_CREATE_IRQCHIP): the
 * xAPIC page and x2APIC MSRs, interrupt acceptance and priorities, IPIs and
 * the routing of every APIC-bus message (vmon_apic_deliver), the base MSR
 * and KVM_GET/SET_LAPIC. The timer is in lapic_timer.c; the ownership
 * rules of the register page are in lapic.h.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "irqchip.h"
#include "lapic.h"
#include "irqchip.h"

#define LAPIC_MMIO_SIZE		0x1000
#define LAPIC_VERSION		0x14	/* integrated xAPIC, as KVM */
#define LAPIC_NR_LVT		6	/* timer..error; no CMCI, as KVM */
#define LAPIC_LVR_VALUE		(LAPIC_VERSION | ((LAPIC_NR_LVT - 1) << 16))
#define X2APIC_BROADCAST	0xffffffffu
#define XAPIC_BROADCAST		0xffu

/* x2APIC ICR bits that must be zero (SDM 10.12.9; KVM #GPs on them too). */
#define X2APIC_ICR_RESERVED	(GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | \
				 BIT_ULL(13))

/*
 * Writable bits per LVT. Delivery status (bit 12) and remote IRR (bit 14)
 * are read-only on hardware, and vmon delivers instantly, so both read 0.
 */
#define LVT_BASE_BITS		(APIC_LVT_MASKED | APIC_VECTOR_MASK)
#define LVT_MODE_BITS		(LVT_BASE_BITS | APIC_MODE_MASK)
#define LVT_LINT_BITS		(LVT_MODE_BITS | APIC_INPUT_POLARITY | \
				 APIC_LVT_LEVEL_TRIGGER)

static inline struct vmon_lapic *to_lapic(struct vmon_vcpu *vcpu)
{
	return vcpu->lapic;
}

/* The IRR/ISR/TMR word that holds @vec, as an unsigned long for bitops. */
static inline unsigned long *lapic_vec_word(struct vmon_lapic *apic,
					    u32 bank, int vec)
{
	return (unsigned long *)(apic->regs + bank + (vec >> 5) * 0x10);
}

static inline bool lapic_test_vec(struct vmon_lapic *apic, u32 bank, int vec)
{
	return test_bit(vec & 31, lapic_vec_word(apic, bank, vec));
}

static int lapic_highest_vec(struct vmon_lapic *apic, u32 bank)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = lapic_get(apic, bank + i * 0x10);

		if (w)
			return i * 32 + __fls(w);
	}
	return -1;
}

static inline bool lapic_x2apic_mode(struct vmon_lapic *apic)
{
	return (READ_ONCE(apic->base) &
		(MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) ==
	       (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE);
}

static inline bool lapic_sw_enabled(struct vmon_lapic *apic)
{
	return lapic_get(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static inline bool lapic_enabled(struct vmon_lapic *apic)
{
	return lapic_hw_enabled(apic) && lapic_sw_enabled(apic);
}

static inline u32 lapic_xapic_id(struct vmon_lapic *apic)
{
	return lapic_get(apic, APIC_ID) >> 24;
}

static inline u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/*
 * Make the vCPU look at its interrupt state again. On its own thread the
 * request alone is enough: it is checked before the next entry.
 */
static void lapic_request_event(struct vmon_lapic *apic, bool kick)
{
	set_bit(VMON_REQ_EVENT, &apic->vcpu->requests);
	if (kick)
		vmon_vcpu_kick(apic->vcpu);
}

/* ---------------------------------------------------------------- */
/* Priorities                                                        */

static u32 lapic_compute_ppr(struct vmon_lapic *apic)
{
	u32 tpr = lapic_get(apic, APIC_TASKPRI);
	int isr = lapic_highest_vec(apic, APIC_ISR);
	u32 isrv = isr < 0 ? 0 : isr;

	return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0;
}

/* Recompute PPR; true if it dropped, i.e. something may now get through. */
static bool lapic_update_ppr(struct vmon_lapic *apic)
{
	u32 old = lapic_get(apic, APIC_PROCPRI);
	u32 ppr = lapic_compute_ppr(apic);

	lapic_set(apic, APIC_PROCPRI, ppr);
	return ppr < old;
}

/*
 * Arbitration priority (SDM 10.8.3.1), used to pick the target of a
 * lowest-priority message. Racy when read for another vCPU, like the
 * arbitration itself.
 */
static u32 lapic_compute_apr(struct vmon_lapic *apic)
{
	u32 tpr = lapic_get(apic, APIC_TASKPRI) & 0xff;
	int isr = lapic_highest_vec(apic, APIC_ISR);
	int irr = lapic_highest_vec(apic, APIC_IRR);
	u32 isrv = isr < 0 ? 0 : isr, irrv = irr < 0 ? 0 : irr;

	if ((tpr & 0xf0) >= (irrv & 0xf0) && (tpr & 0xf0) > (isrv & 0xf0))
		return tpr;
	return max3(tpr & 0xf0, isrv & 0xf0, irrv & 0xf0);
}

/* ---------------------------------------------------------------- */
/* Accepting interrupts (source side)                                */

/* Record an error; the error LVT reports each new one. Any context. */
static void lapic_error(struct vmon_lapic *apic, unsigned long bit)
{
	u32 lvt;

	if (test_and_set_bit(__ffs(bit), &apic->esr_pending))
		return;
	lvt = lapic_get(apic, APIC_LVTERR);
	/* An illegal error vector must not report itself forever. */
	if (lapic_hw_enabled(apic) && !(lvt & APIC_LVT_MASKED) &&
	    (lvt & APIC_VECTOR_MASK) >= 16)
		vmon_lapic_accept_fixed(apic, lvt & APIC_VECTOR_MASK, false);
}

/*
 * Set @vector in the IRR (TMR first: the vCPU must never see the IRR bit
 * with a stale trigger mode, or its EOI would not reach the IOAPIC).
 */
bool vmon_lapic_accept_fixed(struct vmon_lapic *apic, u8 vector, bool level)
{
	if (!lapic_enabled(apic))
		return false;
	if (vector < 16) {
		lapic_error(apic, APIC_ESR_RECVILL);
		return false;
	}
	if (level)
		set_bit(vector & 31, lapic_vec_word(apic, APIC_TMR, vector));
	else
		clear_bit(vector & 31, lapic_vec_word(apic, APIC_TMR, vector));
	set_bit(vector & 31, lapic_vec_word(apic, APIC_IRR, vector));
	lapic_request_event(apic, true);
	return true;
}

static int lapic_accept(struct vmon_lapic *apic,
			const struct vmon_apic_irq *irq)
{
	struct vmon_vcpu *vcpu = apic->vcpu;

	switch (irq->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		/* A de-assert of a level message carries no interrupt. */
		if (irq->trig_level && !irq->level_assert)
			return 0;
		return vmon_lapic_accept_fixed(apic, irq->vector, irq->trig_level);
	case APIC_DM_NMI:
		vmon_vcpu_deliver_nmi(vcpu);
		return 1;
	case APIC_DM_INIT:
		/* INIT level de-assert only resynchronized arbitration IDs. */
		if (irq->trig_level && !irq->level_assert)
			return 0;
		vmon_vcpu_deliver_init(vcpu);
		return 1;
	case APIC_DM_STARTUP:
		vmon_vcpu_deliver_sipi(vcpu, irq->vector);
		return 1;
	case APIC_DM_EXTINT:
		/* The vCPU fetches the vector from the PIC itself. */
		vmon_vcpu_kick(vcpu);
		return 1;
	default:
		/* SMI (no SMM in vmon), remote read: not modelled. */
		return 0;
	}
}

/* ---------------------------------------------------------------- */
/* Destinations                                                      */

/*
 * Is @irq a broadcast for @apic? An IPI's broadcast id is its sender's
 * (0xff from an xAPIC, 0xffffffff from an x2APIC). A message from no
 * LAPIC (IOAPIC, MSI) follows KVM: the target's mode picks the id, and
 * 0xff also reaches x2APIC-mode targets (KVM's broadcast quirk) unless
 * KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK, with which 0xff is cluster 0,
 * APICs 0-7, or the physical ID 0xff.
 */
static bool lapic_is_broadcast(struct vmon_lapic *apic,
			       const struct vmon_apic_irq *irq, bool ipi)
{
	bool x2 = lapic_x2apic_mode(apic);

	if (ipi)
		return irq->dest_id == (irq->x2apic_dest ? X2APIC_BROADCAST :
							    XAPIC_BROADCAST);
	if (x2 && irq->dest_id == XAPIC_BROADCAST &&
	    !(READ_ONCE(apic->vcpu->vm->x2apic_api) &
	      KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK))
		return true;
	return irq->dest_id == (x2 ? X2APIC_BROADCAST : XAPIC_BROADCAST);
}

static bool lapic_match_physical(struct vmon_lapic *apic,
				 const struct vmon_apic_irq *irq, bool ipi)
{
	if (lapic_is_broadcast(apic, irq, ipi))
		return true;
	/*
	 * An x2APIC ID that does not fit 8 bits still reaches an APIC in
	 * xAPIC mode by its x2APIC ID (the vCPU id), as KVM does for vCPUs
	 * that have not switched yet.
	 */
	if (lapic_x2apic_mode(apic) || irq->dest_id > 0xff)
		return irq->dest_id == apic->vcpu->vcpu_id;
	return irq->dest_id == lapic_xapic_id(apic);
}

static bool lapic_match_logical(struct vmon_lapic *apic,
				const struct vmon_apic_irq *irq, bool ipi)
{
	u32 mda = irq->dest_id, ldr = lapic_get(apic, APIC_LDR);

	if (lapic_is_broadcast(apic, irq, ipi))
		return true;
	if (lapic_x2apic_mode(apic))
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);

	ldr >>= 24;
	switch (lapic_get(apic, APIC_DFR) >> 28) {
	case 0xf:		/* flat: one bit per APIC */
		return ldr & mda;
	case 0x0:		/* cluster: 4-bit cluster, 4 APICs each */
		return (ldr >> 4) == (mda >> 4) && (ldr & mda & 0xf);
	default:
		return false;
	}
}

static bool lapic_match(struct vmon_lapic *apic, struct vmon_lapic *src,
			const struct vmon_apic_irq *irq)
{
	switch (irq->shorthand) {
	case 0:
		return irq->dest_logical ?
		       lapic_match_logical(apic, irq, src) :
		       lapic_match_physical(apic, irq, src);
	case APIC_DEST_SELF:
		return apic == src;
	case APIC_DEST_ALLINC:
		return true;
	case APIC_DEST_ALLBUT:
		return apic != src;
	default:
		return false;
	}
}

bool vmon_lapic_msg_matches(struct vmon_vcpu *vcpu,
			    const struct vmon_apic_irq *msg)
{
	struct vmon_lapic *apic = to_lapic(vcpu);

	return apic && lapic_match(apic, NULL, msg);
}

int vmon_apic_deliver(struct vmon_vm *vm, struct vmon_vcpu *src,
		      const struct vmon_apic_irq *irq)
{
	struct vmon_lapic *from = src ? to_lapic(src) : NULL;
	struct vmon_lapic *best = NULL;
	bool lowest = irq->delivery_mode == APIC_DM_LOWEST;
	u32 best_apr = U32_MAX;
	struct vmon_vcpu *vcpu;
	int accepted = -1;
	unsigned long i;

	/*
	 * Under RCU: a vCPU removed after a failed creation is freed only
	 * after a grace period (vmon_create_vcpu), like the TLB-flush walk.
	 */
	rcu_read_lock();
	xa_for_each(&vm->vcpus, i, vcpu) {
		struct vmon_lapic *apic = to_lapic(vcpu);

		/* A hardware-disabled APIC is off the bus. */
		if (!apic || !lapic_hw_enabled(apic) ||
		    !lapic_match(apic, from, irq))
			continue;
		if (accepted < 0)
			accepted = 0;
		if (!lowest) {
			accepted += lapic_accept(apic, irq);
			continue;
		}
		/*
		 * Lowest priority: the lowest arbitration priority among
		 * the APICs that can take it; ties go to the lowest vCPU
		 * id (xarray order), which keeps the choice deterministic.
		 */
		if (lapic_enabled(apic)) {
			u32 apr = lapic_compute_apr(apic);

			if (apr < best_apr) {
				best_apr = apr;
				best = apic;
			}
		}
	}
	if (best)
		accepted = lapic_accept(best, irq);
	rcu_read_unlock();
	return accepted;
}

/* ---------------------------------------------------------------- */
/* Registers                                                         */

static bool lapic_is_bank(u32 off)
{
	return off >= APIC_ISR && off < APIC_IRR + 0x80 && !(off & 0xf);
}

/* Is @off a register at all in the current mode (reserved: ESR bit 7)? */
static bool lapic_reg_exists(struct vmon_lapic *apic, u32 off)
{
	bool x2 = lapic_x2apic_mode(apic);

	switch (off) {
	case APIC_ARBPRI:
	case APIC_DFR:
	case APIC_ICR2:
		return !x2;
	case APIC_SELF_IPI:
		return x2;
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_EOI: case APIC_LDR: case APIC_SPIV: case APIC_ESR:
	case APIC_ICR: case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC:
	case APIC_LVT0: case APIC_LVT1: case APIC_LVTERR: case APIC_TMICT:
	case APIC_TMCCT: case APIC_TDCR:
		return true;
	default:
		return lapic_is_bank(off);
	}
}

/*
 * KVM_TPR_ACCESS_REPORTING: an access to the TPR register (xAPIC page or
 * x2APIC MSR, also KVM_GET/SET_MSRS; not CR8) exits with
 * KVM_EXIT_TPR_ACCESS before the next entry, with the RIP of the
 * accessing instruction, as in KVM. The instruction completes first.
 */
static void lapic_report_tpr_access(struct vmon_lapic *apic, bool write)
{
	struct vmon_vcpu *vcpu = apic->vcpu;

	if (!vcpu->tpr_access.enabled)
		return;
	vcpu->tpr_access.rip = apic->access_rip;
	vcpu->tpr_access.is_write = write;
	set_bit(VMON_REQ_TPR_ACCESS, &vcpu->requests);
}

/* One 32-bit register; -EINVAL if it cannot be read in this mode. */
static int lapic_reg_read(struct vmon_lapic *apic, u32 off, u32 *val)
{
	if (!lapic_reg_exists(apic, off) || off == APIC_EOI ||
	    off == APIC_SELF_IPI)
		return -EINVAL;

	switch (off) {
	case APIC_ARBPRI:
		*val = lapic_compute_apr(apic);
		break;
	case APIC_TMCCT:
		*val = vmon_lapic_timer_read_tmcct(apic);
		break;
	case APIC_TASKPRI:
		lapic_report_tpr_access(apic, false);
		*val = lapic_get(apic, off);
		break;
	default:
		*val = lapic_get(apic, off);
		break;
	}
	return 0;
}

static void lapic_eoi(struct vmon_lapic *apic)
{
	struct vmon_irq *irq = vmon_irq_chip(apic->vcpu->vm);
	int vec = lapic_highest_vec(apic, APIC_ISR);

	/* Guests EOI without a vector in service, e.g. Linux's timer check. */
	if (vec < 0)
		return;
	__clear_bit(vec & 31, lapic_vec_word(apic, APIC_ISR, vec));
	lapic_update_ppr(apic);
	/*
	 * Split irqchip: the IOAPIC is userspace's, told by an exit before
	 * the next entry (KVM_EXIT_IOAPIC_EOI) when a level-triggered MSI
	 * route of its pins has this vector; the TMR does not matter, as
	 * in KVM.
	 */
	if (irq && irq->split) {
		if (vmon_irq_split_eoi_exit(irq, apic->vcpu, vec)) {
			apic->vcpu->ioapic_eoi_vector = vec;
			set_bit(VMON_REQ_IOAPIC_EOI, &apic->vcpu->requests);
		}
	} else if (lapic_test_vec(apic, APIC_TMR, vec)) {
		/* Only level-triggered vectors have a pin waiting for it. */
		vmon_ioapic_eoi(apic->vcpu->vm, vec);
	} else {
		vmon_ioapic_eoi_edge(apic->vcpu->vm, vec);
	}
	lapic_request_event(apic, false);
}

static void lapic_send_ipi(struct vmon_lapic *apic, u32 low, u32 dest)
{
	struct vmon_apic_irq irq = {
		.dest_id = dest,
		.dest_logical = low & APIC_DEST_LOGICAL,
		.shorthand = low & APIC_DEST_ALLBUT,
		.delivery_mode = low & APIC_DM_FIXED_MASK,
		.vector = low & APIC_VECTOR_MASK,
		.level_assert = low & APIC_INT_ASSERT,
		.trig_level = low & APIC_INT_LEVELTRIG,
		.x2apic_dest = lapic_x2apic_mode(apic),
	};

	/* Vectors 0-15 are illegal; the message is not sent (SDM 10.5.3). */
	if ((irq.delivery_mode == APIC_DM_FIXED ||
	     irq.delivery_mode == APIC_DM_LOWEST) && irq.vector < 16) {
		lapic_error(apic, APIC_ESR_SENDILL);
		return;
	}
	/* A self IPI (x2APIC SELF_IPI: one per interrupt) needs no walk. */
	if (irq.shorthand == APIC_DEST_SELF)
		lapic_accept(apic, &irq);
	else
		vmon_apic_deliver(apic->vcpu->vm, apic->vcpu, &irq);
}

static void lapic_write_spiv(struct vmon_lapic *apic, u32 val)
{
	bool was = lapic_sw_enabled(apic);
	u32 off;

	/* Vector, enable, focus; no directed EOI: the IOAPIC is in-kernel. */
	lapic_set(apic, APIC_SPIV, val & 0x3ff);
	if (!(val & APIC_SPIV_APIC_ENABLED)) {
		/* Software disable masks every LVT (SDM 10.4.7.2). */
		for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
			lapic_set(apic, off,
				  lapic_get(apic, off) | APIC_LVT_MASKED);
		vmon_lapic_timer_lvtt_written(apic);
	} else if (!was) {
		/* Interrupts held in the IRR may be deliverable now. */
		lapic_request_event(apic, false);
	}
}

static void lapic_write_lvt(struct vmon_lapic *apic, u32 off, u32 val)
{
	u32 bits;

	switch (off) {
	case APIC_LVTT:
		bits = LVT_BASE_BITS | vmon_lapic_timer_mode_mask(apic);
		break;
	case APIC_LVT0:
	case APIC_LVT1:
		bits = LVT_LINT_BITS;
		break;
	case APIC_LVTERR:
		bits = LVT_BASE_BITS;
		break;
	default:		/* thermal, performance counters */
		bits = LVT_MODE_BITS;
		break;
	}
	if (!lapic_sw_enabled(apic))
		val |= APIC_LVT_MASKED;
	lapic_set(apic, off, val & bits);
	if (off == APIC_LVTT)
		vmon_lapic_timer_lvtt_written(apic);
}

/*
 * One 32-bit register write (the x2APIC ICR is handled by the MSR code).
 * -EINVAL: not writable in this mode (#GP for an x2APIC WRMSR; ignored
 * on the xAPIC page, as writes to read-only registers are on hardware).
 */
static int lapic_reg_write(struct vmon_lapic *apic, u32 off, u32 val)
{
	bool x2 = lapic_x2apic_mode(apic);

	switch (off) {
	case APIC_ID:
		if (x2)
			return -EINVAL;
		lapic_set(apic, APIC_ID, val & 0xff000000);
		break;
	case APIC_TASKPRI:
		lapic_report_tpr_access(apic, true);
		lapic_set(apic, APIC_TASKPRI, val & 0xff);
		if (lapic_update_ppr(apic))
			lapic_request_event(apic, false);
		break;
	case APIC_EOI:
		/* x2APIC: a non-zero EOI write #GPs (SDM 10.12.1.2). */
		if (x2 && val)
			return -EINVAL;
		lapic_eoi(apic);
		break;
	case APIC_LDR:
		if (x2)
			return -EINVAL;
		lapic_set(apic, APIC_LDR, val & APIC_LDR_MASK);
		break;
	case APIC_DFR:
		if (x2)
			return -EINVAL;
		/* Only the model (bits 31:28) is implemented; the rest is 1. */
		lapic_set(apic, APIC_DFR, val | 0x0fffffff);
		break;
	case APIC_SPIV:
		lapic_write_spiv(apic, val);
		break;
	case APIC_ESR:
		if (x2 && val)
			return -EINVAL;
		/* A write latches the errors seen since the previous one. */
		lapic_set(apic, APIC_ESR, xchg(&apic->esr_pending, 0));
		break;
	case APIC_ICR:
		if (x2)
			return -EINVAL;
		/* Delivery is instant: the busy bit never reads back set. */
		val &= ~APIC_ICR_BUSY;
		lapic_set(apic, APIC_ICR, val);
		lapic_send_ipi(apic, val, lapic_get(apic, APIC_ICR2) >> 24);
		break;
	case APIC_ICR2:
		if (x2)
			return -EINVAL;
		lapic_set(apic, APIC_ICR2, val & 0xff000000);
		break;
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
		lapic_write_lvt(apic, off, val);
		break;
	case APIC_TMICT:
		vmon_lapic_timer_write_tmict(apic, val);
		break;
	case APIC_TDCR:
		vmon_lapic_timer_write_tdcr(apic, val);
		break;
	case APIC_SELF_IPI:
		if (!x2 || (val & ~APIC_VECTOR_MASK))
			return -EINVAL;
		lapic_send_ipi(apic, APIC_DEST_SELF | val, 0);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

bool vmon_lapic_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool write,
		     void *data, int len)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	u64 base;
	u32 off, val;

	if (!apic)
		return false;
	base = apic->base & ~0xfffULL;
	if (gpa < base || gpa >= base + LAPIC_MMIO_SIZE)
		return false;
	apic->access_rip = vcpu->mmio.insn_rip;
	/*
	 * Disabled or in x2APIC mode, the page still swallows accesses:
	 * writes are dropped, reads return all ones. That is KVM's default
	 * (KVM_X86_QUIRK_LAPIC_MMIO_HOLE); the access never reaches
	 * userspace, whose MMIO at 0xfee00000 would take it for an MSI.
	 */
	if (!lapic_hw_enabled(apic) || lapic_x2apic_mode(apic)) {
		if (!write)
			memset(data, 0xff, len);
		return true;
	}
	off = gpa - base;

	if (write) {
		/* Registers are 16-byte aligned, 32 bits wide (SDM 10.4.1). */
		if (len != 4 || (off & 0xf))
			return true;
		if (!lapic_reg_exists(apic, off)) {
			lapic_error(apic, APIC_ESR_ILLREGA);
			return true;
		}
		memcpy(&val, data, 4);
		lapic_reg_write(apic, off, val);
		return true;
	}

	memset(data, 0, len);
	if ((off & 0xf) + len > 4)
		return true;
	if (!lapic_reg_exists(apic, off & ~0xf)) {
		lapic_error(apic, APIC_ESR_ILLREGA);
		return true;
	}
	if (!lapic_reg_read(apic, off & ~0xf, &val))
		memcpy(data, (u8 *)&val + (off & 0xf), len);
	return true;
}

static bool lapic_is_x2apic_msr(u32 index)
{
	return index >= APIC_BASE_MSR && index <= APIC_BASE_MSR + 0xff;
}

enum vmon_msr_result vmon_lapic_get_msr(struct vmon_vcpu *vcpu, u32 index,
					u64 *data, bool host)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	u32 off = (index - APIC_BASE_MSR) << 4, val;

	if (!apic)
		return VMON_MSR_UNHANDLED;
	if (index == MSR_IA32_TSC_DEADLINE) {
		*data = vmon_lapic_timer_get_deadline(apic);
		return VMON_MSR_OK;
	}
	if (!lapic_is_x2apic_msr(index))
		return VMON_MSR_UNHANDLED;
	/* Outside x2APIC mode the MSRs #GP, for userspace too (as KVM). */
	if (!lapic_x2apic_mode(apic))
		return VMON_MSR_FAULT;
	apic->access_rip = vcpu->rip;
	if (off == APIC_ICR) {
		*data = lapic_get(apic, APIC_ICR) |
			(u64)lapic_get(apic, APIC_ICR2) << 32;
		return VMON_MSR_OK;
	}
	if (lapic_reg_read(apic, off, &val))
		return VMON_MSR_FAULT;
	*data = val;
	return VMON_MSR_OK;
}

enum vmon_msr_result vmon_lapic_set_msr(struct vmon_vcpu *vcpu, u32 index,
					u64 data, bool host)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	u32 off = (index - APIC_BASE_MSR) << 4;

	if (!apic)
		return VMON_MSR_UNHANDLED;
	if (index == MSR_IA32_TSC_DEADLINE) {
		vmon_lapic_timer_set_deadline(apic, data);
		return VMON_MSR_OK;
	}
	if (!lapic_is_x2apic_msr(index))
		return VMON_MSR_UNHANDLED;
	if (!lapic_x2apic_mode(apic))
		return VMON_MSR_FAULT;
	apic->access_rip = vcpu->rip;
	if (off == APIC_ICR) {
		if (data & X2APIC_ICR_RESERVED)
			return VMON_MSR_FAULT;
		data &= ~(u64)APIC_ICR_BUSY;
		lapic_set(apic, APIC_ICR, data);
		lapic_set(apic, APIC_ICR2, data >> 32);
		lapic_send_ipi(apic, data, data >> 32);
		return VMON_MSR_OK;
	}
	/* Every other x2APIC register is 32 bits; 63:32 are reserved. */
	if (data >> 32)
		return VMON_MSR_FAULT;
	return lapic_reg_write(apic, off, data) ? VMON_MSR_FAULT : VMON_MSR_OK;
}

/* ---------------------------------------------------------------- */
/* Base MSR, CR8, queries (vCPU side)                                */

static void lapic_apply_base(struct vmon_lapic *apic, u64 value)
{
	struct vmon_vcpu *vcpu = apic->vcpu;
	u64 changed = vcpu->apic_base ^ value;

	vcpu->apic_base = value;
	WRITE_ONCE(apic->base, value);
	/* Enabling restores the ID, as KVM: the guest cannot rename CPUs. */
	if ((changed & MSR_IA32_APICBASE_ENABLE) &&
	    (value & MSR_IA32_APICBASE_ENABLE))
		lapic_set(apic, APIC_ID, vcpu->vcpu_id << 24);
	/* x2APIC: the ID is the vCPU id and the LDR derives from it. */
	if ((changed & X2APIC_ENABLE) && (value & X2APIC_ENABLE)) {
		lapic_set(apic, APIC_ID, vcpu->vcpu_id);
		lapic_set(apic, APIC_LDR, lapic_x2apic_ldr(vcpu->vcpu_id));
	}
	if (changed & MSR_IA32_APICBASE_ENABLE)
		lapic_request_event(apic, false);
}

enum vmon_msr_result vmon_lapic_set_base(struct vmon_vcpu *vcpu, u64 value,
					 bool host)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	const u64 mode_bits = MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE;
	u64 old_mode = vcpu->apic_base & mode_bits;
	u64 new_mode = value & mode_bits;
	u64 reserved;

	reserved = ~GENMASK_ULL(vmon_guest_maxphyaddr(vcpu) - 1, 0) | 0x2ff;
	if (!lapic_guest_cpuid1_ecx(vcpu, 21))
		reserved |= X2APIC_ENABLE;
	if ((value & reserved) || new_mode == X2APIC_ENABLE)
		return VMON_MSR_FAULT;
	if (!host) {
		/* SDM 10.12.5: x2APIC is left only through disabled, and */
		if (old_mode == mode_bits && new_mode == MSR_IA32_APICBASE_ENABLE)
			return VMON_MSR_FAULT;
		/* entered only from xAPIC mode. */
		if (!old_mode && new_mode == mode_bits)
			return VMON_MSR_FAULT;
		/* The BSP flag is the platform's, as in msr.c without an APIC. */
		if ((value ^ vcpu->apic_base) & MSR_IA32_APICBASE_BSP)
			return VMON_MSR_FAULT;
	}
	if (!apic) {
		vcpu->apic_base = value;
		return VMON_MSR_OK;
	}
	lapic_apply_base(apic, value);
	return VMON_MSR_OK;
}

int vmon_lapic_pending_vector(struct vmon_vcpu *vcpu)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	int vec;

	if (!apic || !lapic_hw_enabled(apic))
		return -1;
	vec = lapic_highest_vec(apic, APIC_IRR);
	/* Only a higher priority class than the PPR's gets through. */
	if (vec < 0 || (u32)(vec & 0xf0) <= lapic_get(apic, APIC_PROCPRI))
		return -1;
	return vec;
}

void vmon_lapic_ack(struct vmon_vcpu *vcpu, int vector)
{
	struct vmon_lapic *apic = to_lapic(vcpu);

	if (!apic || vector < 0 || vector > 255)
		return;
	clear_bit(vector & 31, lapic_vec_word(apic, APIC_IRR, vector));
	/* ISR is the vCPU thread's alone. */
	__set_bit(vector & 31, lapic_vec_word(apic, APIC_ISR, vector));
	/* PPR only rises here: nothing new can become deliverable. */
	lapic_update_ppr(apic);
}

static bool lapic_lint0_is_nmi(struct vmon_lapic *apic)
{
	u32 lvt0 = lapic_get(apic, APIC_LVT0);

	return (lvt0 & (APIC_LVT_MASKED | APIC_MODE_MASK)) == APIC_DM_NMI;
}

/*
 * A tick of PIT counter 0, the old NMI watchdog's virtual wire (KVM's
 * policy, not the MP specification's): once any LAPIC has LINT0 unmasked
 * in NMI mode, every hardware-enabled LAPIC receives the tick through
 * LVT0 as its LVT0 is programmed. ExtINT there is the PIC's own path
 * (vmon_lapic_accept_extint), so it adds nothing. Process context.
 */
void vmon_lapic_pit_nmi_watchdog(struct vmon_vm *vm)
{
	struct vmon_vcpu *vcpu;
	bool any = false;
	unsigned long i;

	rcu_read_lock();
	xa_for_each(&vm->vcpus, i, vcpu) {
		struct vmon_lapic *apic = to_lapic(vcpu);

		if (apic && lapic_lint0_is_nmi(apic)) {
			any = true;
			break;
		}
	}
	if (!any)
		goto out;
	xa_for_each(&vm->vcpus, i, vcpu) {
		struct vmon_lapic *apic = to_lapic(vcpu);
		struct vmon_apic_irq irq = { .level_assert = true };
		u32 lvt0;

		if (!apic || !lapic_hw_enabled(apic))
			continue;
		lvt0 = lapic_get(apic, APIC_LVT0);
		irq.delivery_mode = lvt0 & APIC_MODE_MASK;
		irq.vector = lvt0 & APIC_VECTOR_MASK;
		irq.trig_level = lvt0 & APIC_LVT_LEVEL_TRIGGER;
		if (!(lvt0 & APIC_LVT_MASKED) &&
		    irq.delivery_mode != APIC_DM_EXTINT)
			lapic_accept(apic, &irq);
	}
out:
	rcu_read_unlock();
}

bool vmon_lapic_accept_extint(struct vmon_vcpu *vcpu)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	u32 lvt0;

	if (!apic)
		return false;
	/* A disabled APIC passes INTR straight to the CPU. */
	if (!lapic_hw_enabled(apic))
		return true;
	lvt0 = lapic_get(apic, APIC_LVT0);
	return !(lvt0 & APIC_LVT_MASKED) &&
	       (lvt0 & APIC_MODE_MASK) == APIC_DM_EXTINT;
}

u8 vmon_lapic_get_cr8(struct vmon_vcpu *vcpu)
{
	struct vmon_lapic *apic = to_lapic(vcpu);

	return apic ? (lapic_get(apic, APIC_TASKPRI) >> 4) & 0xf : 0;
}

void vmon_lapic_set_cr8(struct vmon_vcpu *vcpu, u8 cr8)
{
	struct vmon_lapic *apic = to_lapic(vcpu);

	if (!apic)
		return;
	lapic_set(apic, APIC_TASKPRI, (cr8 & 0xf) << 4);
	if (lapic_update_ppr(apic))
		lapic_request_event(apic, false);
}

/* ---------------------------------------------------------------- */
/* Life cycle                                                        */

int vmon_lapic_create(struct vmon_vcpu *vcpu)
{
	struct vmon_lapic *apic;

	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->vcpu = vcpu;
	apic->base = vcpu->apic_base;
	vmon_lapic_timer_init(apic);
	vcpu->lapic = apic;
	return 0;
}

void vmon_lapic_free(struct vmon_vcpu *vcpu)
{
	struct vmon_lapic *apic = to_lapic(vcpu);

	if (!apic)
		return;
	/* The callback dereferences the vCPU: it must be done first. */
	vmon_lapic_timer_cancel(apic);
	vcpu->lapic = NULL;
	kfree(apic);
}

/*
 * SDM 10.4.7.1: INIT resets the APIC like power-on, except that the ID,
 * the base MSR (including x2APIC mode) and, in x2APIC mode, the LDR stay.
 */
void vmon_lapic_reset(struct vmon_vcpu *vcpu, bool init)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	u32 off;

	if (!apic)
		return;
	vmon_lapic_timer_cancel(apic);
	if (!init) {
		lapic_apply_base(apic, APIC_DEFAULT_PHYS_BASE |
				 MSR_IA32_APICBASE_ENABLE |
				 (vcpu->vcpu_id == 0 ? MSR_IA32_APICBASE_BSP : 0));
		lapic_set(apic, APIC_ID, vcpu->vcpu_id << 24);
	}
	lapic_set(apic, APIC_LVR, LAPIC_LVR_VALUE);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		lapic_set(apic, off, APIC_LVT_MASKED);
	/*
	 * The BSP's LINT0 starts in ExtINT mode, unmasked, as with KVM's
	 * default quirk: guests that never program the APIC (real-mode
	 * code, early boot) still get the 8259's interrupts.
	 */
	if (vcpu->vcpu_id == 0)
		lapic_set(apic, APIC_LVT0, APIC_DM_EXTINT);
	lapic_set(apic, APIC_DFR, 0xffffffff);
	lapic_set(apic, APIC_SPIV, 0xff);
	lapic_set(apic, APIC_TASKPRI, 0);
	if (!lapic_x2apic_mode(apic))
		lapic_set(apic, APIC_LDR, 0);
	lapic_set(apic, APIC_ESR, 0);
	apic->esr_pending = 0;
	lapic_set(apic, APIC_ICR, 0);
	lapic_set(apic, APIC_ICR2, 0);
	lapic_set(apic, APIC_TDCR, 0);
	lapic_set(apic, APIC_TMICT, 0);
	lapic_set(apic, APIC_TMCCT, 0);
	for (off = 0; off < 0x80; off += 0x10) {
		lapic_set(apic, APIC_IRR + off, 0);
		lapic_set(apic, APIC_ISR + off, 0);
		lapic_set(apic, APIC_TMR + off, 0);
	}
	vmon_lapic_timer_reset(apic);
	lapic_update_ppr(apic);
}

/* ---------------------------------------------------------------- */
/* KVM_GET_LAPIC / KVM_SET_LAPIC                                     */

/* KVM_X2APIC_API_USE_32BIT_IDS: x2APIC IDs travel as they are. */
static bool lapic_x2apic_format(struct vmon_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->x2apic_api) & KVM_X2APIC_API_USE_32BIT_IDS;
}

long vmon_vcpu_get_lapic(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	struct kvm_lapic_state *s;
	long r = 0;

	if (!apic)
		return -EINVAL;
	s = kmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	memcpy(s->regs, apic->regs, sizeof(s->regs));
	*(u32 *)(s->regs + APIC_TMCCT) = vmon_lapic_timer_read_tmcct(apic);
	/*
	 * Without KVM_X2APIC_API_USE_32BIT_IDS, KVM reports an x2APIC ID in
	 * the xAPIC ID register's position (bits 31:24); with it, the 32-bit
	 * ID as it is, which must be the vCPU id (KVM's check, on GET too).
	 */
	if (lapic_x2apic_mode(apic)) {
		u32 *id = (u32 *)(s->regs + APIC_ID);

		if (!lapic_x2apic_format(vcpu))
			*id <<= 24;
		else if (*id != vcpu->vcpu_id)
			r = -EINVAL;
	}
	if (!r && copy_to_user((void __user *)arg, s, sizeof(*s)))
		r = -EFAULT;
	kfree(s);
	return r;
}

long vmon_vcpu_set_lapic(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct vmon_lapic *apic = to_lapic(vcpu);
	struct kvm_lapic_state *s;
	u32 tmcct;

	if (!apic)
		return -EINVAL;
	s = memdup_user((void __user *)arg, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);

	if (lapic_x2apic_mode(apic)) {
		u32 *id = (u32 *)(s->regs + APIC_ID);

		if (!lapic_x2apic_format(vcpu)) {
			*id >>= 24;
		} else if (*id != vcpu->vcpu_id) {
			kfree(s);
			return -EINVAL;
		}
		*(u32 *)(s->regs + APIC_LDR) = lapic_x2apic_ldr(*id);
	}
	vmon_lapic_timer_cancel(apic);
	/*
	 * Sources may set IRR bits concurrently; one landing during the
	 * copy may be lost, as if it had arrived before the state was set.
	 */
	memcpy(apic->regs, s->regs, sizeof(apic->regs));
	tmcct = lapic_get(apic, APIC_TMCCT);
	lapic_set(apic, APIC_TMCCT, 0);
	lapic_set(apic, APIC_LVR, LAPIC_LVR_VALUE);
	apic->esr_pending = 0;
	lapic_update_ppr(apic);

	/* Restart the timer where the saved count left it. */
	vmon_lapic_timer_restore(apic, tmcct);

	lapic_request_event(apic, false);
	kfree(s);
	return 0;
}

/*
 * KVM_SET_VAPIC_ADDR. QEMU calls it with 0 at every APIC reset. KVM keeps
 * a nonzero address to mirror the TPR into that guest page for the TPR-
 * patching option ROM (kvmvapic); vmon does not offer that (KVM_CAP_VAPIC
 * is 0), so it accepts only the address that switches the mirror off.
 */
long vmon_vcpu_set_vapic_addr(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_vapic_addr va;

	if (!vcpu->lapic)
		return -EINVAL;		/* as KVM without an in-kernel LAPIC */
	if (copy_from_user(&va, (void __user *)arg, sizeof(va)))
		return -EFAULT;
	return va.vapic_addr ? -EINVAL : 0;
}

/* KVM_TPR_ACCESS_REPORTING: as KVM 6.1, a flag; flags must be 0. */
long vmon_vcpu_tpr_access_reporting(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_tpr_access_ctl __user *uac = (void __user *)arg;
	struct kvm_tpr_access_ctl tac;

	if (copy_from_user(&tac, uac, sizeof(tac)))
		return -EFAULT;
	if (tac.flags)
		return -EINVAL;
	vcpu->tpr_access.enabled = !!tac.enabled;
	/* KVM copies the structure back, unchanged. */
	if (copy_to_user(uac, &tac, sizeof(tac)))
		return -EFAULT;
	return 0;
}
