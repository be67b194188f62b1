// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer on a host hrtimer: one-shot, periodic and
 * TSC-deadline modes (SDM 10.5.4).
 *
 * Clock: a 1 GHz bus, 1 ns per count before the divider, as in KVM, so
 * guests calibrating against the PIT or the TSC see the same rate on both.
 * The hrtimer expires in hard-IRQ context and only sets the timer vector
 * in the IRR and kicks the vCPU; the count itself is never stored, it is
 * derived from the next expiry when the guest reads TMCCT.
 */
#include <linux/math64.h>
#include <linux/module.h>
#include <asm/tsc.h>
#include "lapic.h"

#define LAPIC_BUS_NS		1	/* per timer count, before the divider */

/*
 * Shortest periodic period, as KVM's min_timer_period_us: a host hrtimer
 * is not throttled by the scheduler, so without a floor a guest could
 * keep a host CPU in hard-IRQ context. One-shot and TSC-deadline timers
 * need no floor: each expiry costs the guest an exit to re-arm.
 */
static unsigned int lapic_min_period_us = 200;
module_param(lapic_min_period_us, uint, 0644);
MODULE_PARM_DESC(lapic_min_period_us,
		 "Shortest periodic LAPIC timer period in microseconds (200)");

static void lapic_timer_deliver(struct vmon_lapic *apic)
{
	u32 lvt = lapic_get(apic, APIC_LVTT);

	if (lapic_hw_enabled(apic) && !(lvt & APIC_LVT_MASKED))
		vmon_lapic_accept_fixed(apic, lvt & APIC_VECTOR_MASK, false);
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct vmon_lapic *apic = container_of(t, struct vmon_lapic,
					       timer.hrtimer);
	u32 mode = READ_ONCE(apic->timer.mode);
	/* LVTT writes may raise it concurrently (lapic_limit_period). */
	s64 period = READ_ONCE(apic->timer.period);

	lapic_timer_deliver(apic);
	if (mode == APIC_LVT_TIMER_TSCDEADLINE) {
		/* SDM 10.5.4.1: the timer disarms itself by clearing it. */
		WRITE_ONCE(apic->timer.tsc_deadline, 0);
		return HRTIMER_NORESTART;
	}
	if (mode == APIC_LVT_TIMER_PERIODIC && period) {
		/*
		 * Advance from the previous expiry, not from now, so the
		 * period does not drift; expiries missed while the host was
		 * busy collapse into this one interrupt, as on hardware
		 * where the IRR holds one bit per vector.
		 */
		hrtimer_forward(t, hrtimer_cb_get_time(t),
				ns_to_ktime(period));
		WRITE_ONCE(apic->timer.target, hrtimer_get_expires(t));
		return HRTIMER_RESTART;
	}
	return HRTIMER_NORESTART;
}

void vmon_lapic_timer_init(struct vmon_lapic *apic)
{
	hrtimer_init(&apic->timer.hrtimer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_ABS_HARD);
	apic->timer.hrtimer.function = lapic_timer_fn;
}

void vmon_lapic_timer_cancel(struct vmon_lapic *apic)
{
	hrtimer_cancel(&apic->timer.hrtimer);
}

static void lapic_update_divide(struct vmon_lapic *apic)
{
	u32 tdcr = lapic_get(apic, APIC_TDCR);

	/* Bits 0, 1, 3 encode 2^(n+1); 0b111 means divide by 1. */
	apic->timer.divide = 1 << ((((tdcr & 3) | ((tdcr & 8) >> 1)) + 1) & 7);
}

/*
 * At most 2^32 counts times the divider, 128: under 2^39 ns, so neither
 * this product nor the divider rescaling below can overflow.
 */
static s64 lapic_count_to_ns(struct vmon_lapic *apic, u32 count)
{
	return (s64)count * LAPIC_BUS_NS * apic->timer.divide;
}

static void lapic_limit_period(struct vmon_lapic *apic)
{
	s64 min = (s64)READ_ONCE(lapic_min_period_us) * NSEC_PER_USEC;

	if (apic->timer.mode == APIC_LVT_TIMER_PERIODIC &&
	    apic->timer.period && apic->timer.period < min)
		WRITE_ONCE(apic->timer.period, min);
}

/*
 * Start counting down from TMICT; @first_ns, if not 0, is the time to the
 * first expiry (a divider change or KVM_SET_LAPIC continuing a count).
 */
static void lapic_timer_start(struct vmon_lapic *apic, s64 first_ns)
{
	apic->timer.period = lapic_count_to_ns(apic,
					       lapic_get(apic, APIC_TMICT));
	lapic_limit_period(apic);
	if (!apic->timer.period)
		return;
	if (first_ns <= 0 || first_ns > apic->timer.period)
		first_ns = apic->timer.period;
	apic->timer.target = ktime_add_ns(ktime_get(), first_ns);
	hrtimer_start(&apic->timer.hrtimer, apic->timer.target,
		      HRTIMER_MODE_ABS_HARD);
}

void vmon_lapic_timer_reset(struct vmon_lapic *apic)
{
	WRITE_ONCE(apic->timer.mode, lapic_get(apic, APIC_LVTT) &
		   vmon_lapic_timer_mode_mask(apic));
	apic->timer.period = 0;
	apic->timer.tsc_deadline = 0;
	lapic_update_divide(apic);
}

u32 vmon_lapic_timer_mode_mask(struct vmon_lapic *apic)
{
	/* TSC-deadline mode exists only if the guest's CPUID says so. */
	if (lapic_guest_cpuid1_ecx(apic->vcpu, 24))
		return APIC_LVT_TIMER_PERIODIC | APIC_LVT_TIMER_TSCDEADLINE;
	return APIC_LVT_TIMER_PERIODIC;
}

/*
 * LVTT changed. One-shot <-> periodic takes effect at the next expiry; a
 * switch into or out of TSC-deadline mode stops the timer (SDM 10.5.4.1).
 */
void vmon_lapic_timer_lvtt_written(struct vmon_lapic *apic)
{
	u32 mode = lapic_get(apic, APIC_LVTT) &
		   (APIC_LVT_TIMER_PERIODIC | APIC_LVT_TIMER_TSCDEADLINE);

	if (mode == apic->timer.mode)
		return;
	if ((mode == APIC_LVT_TIMER_TSCDEADLINE) !=
	    (apic->timer.mode == APIC_LVT_TIMER_TSCDEADLINE)) {
		vmon_lapic_timer_cancel(apic);
		lapic_set(apic, APIC_TMICT, 0);
		apic->timer.period = 0;
		apic->timer.tsc_deadline = 0;
	}
	WRITE_ONCE(apic->timer.mode, mode);
	lapic_limit_period(apic);
}

void vmon_lapic_timer_write_tmict(struct vmon_lapic *apic, u32 val)
{
	/* Not used in TSC-deadline mode; the write is ignored. */
	if (apic->timer.mode == APIC_LVT_TIMER_TSCDEADLINE)
		return;
	vmon_lapic_timer_cancel(apic);
	lapic_set(apic, APIC_TMICT, val);
	lapic_timer_start(apic, 0);
}

u32 vmon_lapic_timer_read_tmcct(struct vmon_lapic *apic)
{
	s64 remaining;

	if (apic->timer.mode == APIC_LVT_TIMER_TSCDEADLINE ||
	    !lapic_get(apic, APIC_TMICT) || !apic->timer.period)
		return 0;
	remaining = ktime_to_ns(ktime_sub(READ_ONCE(apic->timer.target),
					  ktime_get()));
	if (remaining <= 0)
		return 0;	/* one-shot expired (or periodic re-arming) */
	if (remaining > apic->timer.period)
		remaining = apic->timer.period;
	return div64_u64(remaining, LAPIC_BUS_NS * apic->timer.divide);
}

void vmon_lapic_timer_write_tdcr(struct vmon_lapic *apic, u32 val)
{
	u32 old = apic->timer.divide;
	s64 remaining;
	bool queued;

	lapic_set(apic, APIC_TDCR, val & 0xb);
	lapic_update_divide(apic);
	if (apic->timer.divide == old || !apic->timer.period ||
	    apic->timer.mode == APIC_LVT_TIMER_TSCDEADLINE)
		return;
	/* The count left keeps counting down, at the new rate. */
	queued = hrtimer_cancel(&apic->timer.hrtimer);
	remaining = ktime_to_ns(ktime_sub(apic->timer.target, ktime_get()));
	if (remaining <= 0 && apic->timer.mode != APIC_LVT_TIMER_PERIODIC) {
		/* A one-shot due but not yet fired must not be lost. */
		if (queued)
			lapic_timer_deliver(apic);
		apic->timer.period = lapic_count_to_ns(apic,
						lapic_get(apic, APIC_TMICT));
		return;
	}
	/* Within [0, period]: the product with the divider fits in 64 bits. */
	remaining = clamp_t(s64, remaining, 0, apic->timer.period);
	lapic_timer_start(apic, mul_u64_u32_div(remaining, apic->timer.divide,
						old) ?: 1);
}

void vmon_lapic_timer_restore(struct vmon_lapic *apic, u32 tmcct)
{
	vmon_lapic_timer_reset(apic);
	/*
	 * A one-shot whose count reached 0 has fired already: it stays
	 * idle. The TSC deadline comes back through its MSR, as with KVM.
	 */
	if (apic->timer.mode != APIC_LVT_TIMER_TSCDEADLINE &&
	    (tmcct || apic->timer.mode == APIC_LVT_TIMER_PERIODIC))
		lapic_timer_start(apic, lapic_count_to_ns(apic, tmcct));
}

/*
 * Deadlines this far ahead (146 years) are "never" for the guest: the
 * hrtimer is parked there, and the guest re-arms or is gone long before.
 */
#define LAPIC_FAR_NS		(KTIME_MAX / 2)

/*
 * Guest TSC ticks to ns at the host's rate (no TSC scaling), saturating
 * at LAPIC_FAR_NS. The quotient ticks * 10^6 / tsc_khz is larger than
 * @ticks when the TSC runs below 1 GHz, and then does not fit 64 bits
 * for a guest-chosen deadline near 2^64: mul_u64_u32_div() would raise
 * #DE in the host. So the whole milliseconds (ticks / tsc_khz, a plain
 * 64-by-32 division that cannot trap) are compared first: below the
 * limit, the ns value is under LAPIC_FAR_NS + 10^6 and fits, whatever
 * the TSC's rate. (A limit computed in ticks, LAPIC_FAR_NS * tsc_khz /
 * 10^6, would itself overflow above a 4 GHz TSC.) KVM 6.1 multiplies
 * modulo 2^64 instead, and so fires some far deadlines at once; vmon
 * never wraps into "now".
 */
static u64 lapic_tsc_to_ns(u64 ticks)
{
	if (div_u64(ticks, tsc_khz) >= LAPIC_FAR_NS / NSEC_PER_MSEC)
		return LAPIC_FAR_NS;
	return mul_u64_u32_div(ticks, NSEC_PER_MSEC, tsc_khz);
}

static void lapic_deadline_start(struct vmon_lapic *apic)
{
	u64 deadline = apic->timer.tsc_deadline, now_tsc, ns;

	if (!deadline || !tsc_khz)
		return;
	now_tsc = rdtsc() + apic->vcpu->tsc_offset;
	if (deadline <= now_tsc) {
		/* Already due: fire now, as writing a past deadline does. */
		apic->timer.tsc_deadline = 0;
		lapic_timer_deliver(apic);
		return;
	}
	/*
	 * Both are guest TSC values, modulo 2^64 like the TSC offset that
	 * makes them: a deadline numerically below the TSC is past (above),
	 * even where deadline - now_tsc would wrap to nearly 2^64.
	 */
	ns = lapic_tsc_to_ns(deadline - now_tsc);
	hrtimer_start(&apic->timer.hrtimer, ktime_add_ns(ktime_get(), ns),
		      HRTIMER_MODE_ABS_HARD);
}

u64 vmon_lapic_timer_get_deadline(struct vmon_lapic *apic)
{
	if (apic->timer.mode != APIC_LVT_TIMER_TSCDEADLINE)
		return 0;
	return READ_ONCE(apic->timer.tsc_deadline);
}

void vmon_lapic_timer_set_deadline(struct vmon_lapic *apic, u64 data)
{
	/* Ignored outside TSC-deadline mode (SDM 10.5.4.1). */
	if (apic->timer.mode != APIC_LVT_TIMER_TSCDEADLINE)
		return;
	vmon_lapic_timer_cancel(apic);
	apic->timer.tsc_deadline = data;
	lapic_deadline_start(apic);
}
