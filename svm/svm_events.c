// SPDX-License-Identifier: GPL-2.0
/*
 * SVM half of event injection: EVENTINJ, EXITINTINFO, the interrupt and
 * NMI windows. The core (core/events.c) decides what to inject; this
 * file only speaks the VMCB's encoding.
 *
 * Facts relied on (AMD APM vol. 2, 15.20-15.21):
 *  - EVENTINJ is consumed by the next VMRUN; an event whose delivery an
 *    intercept interrupted comes back in EXITINTINFO.
 *  - SVM has no NMI-blocking bit in the VMCB (without vNMI): after an
 *    NMI is injected the guest blocks NMIs until its IRET completes. We
 *    track that, intercept IRET, and single-step over the IRET when an
 *    NMI is waiting, so the next NMI lands after the IRET, not on it.
 *  - A virtual interrupt (V_IRQ) with the VINTR intercept exits exactly
 *    when the guest could take an interrupt: the interrupt window.
 */
#include <linux/kvm_host.h>
#include <asm/svm.h>
#include <asm/trapnr.h>
#include "vmon.h"
#include "svm.h"

static void svm_intercept(struct svm_vcpu *svm, int bit, bool on)
{
	u32 *w = &svm->vmcb->control.intercepts[bit / 32];

	if (on)
		*w |= BIT(bit % 32);
	else
		*w &= ~BIT(bit % 32);
}

/* An STI/MOV SS shadow still applies only if RIP did not move since. */
static bool svm_in_shadow(struct vmon_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	return (vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) &&
	       vmcb->save.rip == vcpu->rip;
}

void svm_inject_event(struct vmon_vcpu *vcpu, const struct vmon_event *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	bool err = false;
	u32 type;

	switch (ev->type) {
	case VMON_EV_NMI:
		type = SVM_EVTINJ_TYPE_NMI;
		svm->nmi_masked = true;
		svm_intercept(svm, INTERCEPT_IRET, true);
		break;
	case VMON_EV_EXCEPTION:
		type = SVM_EVTINJ_TYPE_EXEPT;
		/* Real mode pushes no error code; VMRUN rejects one there. */
		err = ev->has_error && (svm->vmcb->save.cr0 & X86_CR0_PE);
		break;
	case VMON_EV_SOFT_EXC:
	case VMON_EV_SOFT_INT:
		/*
		 * Without NRIP-save the CPU pushes the VMCB's RIP: point it
		 * past the instruction, as if it had executed.
		 */
		vcpu->rip += ev->insn_len;
		c->next_rip = vcpu->rip;
		type = ev->type == VMON_EV_SOFT_INT ? SVM_EVTINJ_TYPE_SOFT :
						      SVM_EVTINJ_TYPE_EXEPT;
		break;
	case VMON_EV_EXTINT:
	default:
		type = SVM_EVTINJ_TYPE_INTR;
		break;
	}
	c->event_inj = ev->vector | SVM_EVTINJ_VALID | type |
		       (err ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = err ? ev->error_code : 0;
}

/*
 * After #VMEXIT (IRQs off): hand back an event whose delivery was cut
 * short, and notice an IRET that completed. INTn, INT3 and INTO are not
 * handed back: RIP still points at the instruction, which raises them
 * again.
 */
void svm_complete_events(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	u32 info = c->exit_int_info;
	struct vmon_event ev = { 0 };

	if (svm->awaiting_iret && svm->vmcb->save.rip != svm->iret_rip) {
		svm->awaiting_iret = false;
		svm->nmi_masked = false;
	}
	c->event_inj = 0;
	c->event_inj_err = 0;
	if (c->exit_code == SVM_EXIT_ERR || !(info & SVM_EXITINTINFO_VALID))
		return;

	ev.vector = info & SVM_EXITINTINFO_VEC_MASK;
	switch (info & SVM_EXITINTINFO_TYPE_MASK) {
	case SVM_EXITINTINFO_TYPE_INTR:
		ev.type = VMON_EV_EXTINT;
		break;
	case SVM_EXITINTINFO_TYPE_NMI:
		/* Not delivered: blocking starts again when it is. */
		ev.type = VMON_EV_NMI;
		svm->nmi_masked = false;
		svm_intercept(svm, INTERCEPT_IRET, false);
		break;
	case SVM_EXITINTINFO_TYPE_EXEPT:
		if (ev.vector == BP_VECTOR || ev.vector == OF_VECTOR)
			return;
		ev.type = VMON_EV_EXCEPTION;
		ev.has_error = info & SVM_EXITINTINFO_VALID_ERR;
		ev.error_code = c->exit_int_info_err;
		break;
	default:
		return;
	}
	vmon_event_vectoring(vcpu, &ev);
}

bool svm_interrupt_allowed(struct vmon_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && !svm_in_shadow(vcpu);
}

bool svm_nmi_allowed(struct vmon_vcpu *vcpu)
{
	return !to_svm(vcpu)->nmi_masked && !svm_in_shadow(vcpu);
}

static void svm_close_irq_window(struct svm_vcpu *svm)
{
	svm->vmcb->control.int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
	svm_intercept(svm, INTERCEPT_VINTR, false);
}

/*
 * Step one guest instruction with RFLAGS.TF: how a window that an IRET in
 * progress or an STI/MOV SS shadow holds shut is opened. Our TF lives only
 * in the VMCB (svm_run() adds and strips it), so the guest's RFLAGS,
 * as the core and KVM_GET_REGS see them, never carry it.
 */
static bool svm_step_one(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->step_refused && svm->step_refused_rip == vcpu->rip)
		return false;
	if (svm->step_active)
		return true;
	svm->step_active = true;
	svm->step_rip = vcpu->rip;
	return true;
}

/*
 * Every way our TF could reach guest-visible state exits first while a
 * step is armed: INT n, INT3/INTO and any fault (the frame pushed would
 * hold TF, and the handler's IRET would make it the guest's), PUSHF
 * (TF on the stack) and POPF (the guest's new TF would be lost). NMI is
 * no exception intercept; #DB, #AC and #MC always exit.
 */
#define SVM_STEP_EXC	(0xffffffffU & ~(BIT(DB_VECTOR) | BIT(NMI_VECTOR) | \
					 BIT(AC_VECTOR) | BIT(MC_VECTOR)))

void svm_step_intercepts(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u32 *exc = &svm->vmcb->control.intercepts[INTERCEPT_EXCEPTION];
	bool on = svm->step_active;

	if (on)
		*exc |= SVM_STEP_EXC;
	else
		*exc &= ~SVM_STEP_EXC;
	svm_intercept(svm, INTERCEPT_INTn, on);
	svm_intercept(svm, INTERCEPT_PUSHF, on);
	svm_intercept(svm, INTERCEPT_POPF, on);
}

/*
 * One of the exits above came during a step: nothing ran, RIP is still
 * on the instruction. Drop the step (no TF at the next entry, so the
 * instruction runs, or faults, as the guest's own). No window opens on
 * that entry: a V_IRQ would be taken inside the shadow on QEMU's SVM
 * (svm_enable_irq_window()); the next exit looks again.
 */
bool svm_step_refuse(struct vmon_vcpu *vcpu, u64 code)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (code != SVM_EXIT_SWINT && code != SVM_EXIT_PUSHF &&
	    code != SVM_EXIT_POPF &&
	    !(code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32 &&
	      (SVM_STEP_EXC & BIT(code - SVM_EXIT_EXCP_BASE))))
		return false;
	svm->step_active = false;
	svm->step_refused = true;
	svm->step_refused_rip = vcpu->rip;
	set_bit(VMON_REQ_EVENT, &vcpu->requests);
	return true;
}

void svm_enable_irq_window(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;

	/*
	 * In a shadow, step out of it first. The APM has VMRUN load the
	 * shadow from int_state, and a V_IRQ would wait for it; QEMU's
	 * emulated SVM (7.2 and later) saves the shadow at #VMEXIT but never
	 * loads it, so the V_IRQ was taken inside it: an interrupt that comes
	 * between "sti" and "hlt" was delivered before the HLT, which then
	 * halted for good. The step costs one #DB exit, rarely, on hardware.
	 */
	if (svm_in_shadow(vcpu)) {
		/*
		 * Nor may a V_IRQ left from an earlier entry stay armed. A
		 * step refused here (svm_step_refuse) opens no window this
		 * time: the instruction runs, and the window waits for the
		 * next exit (a host tick at the latest).
		 */
		svm_close_irq_window(svm);
		svm_step_one(vcpu);
		return;
	}
	/* A dummy virtual interrupt that no TPR can hold back. */
	c->int_ctl |= V_IRQ_MASK | V_INTR_PRIO_MASK | V_IGN_TPR_MASK;
	c->int_vector = 0;
	svm_intercept(svm, INTERCEPT_VINTR, true);
}

void svm_enable_nmi_window(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->awaiting_iret || (!svm->nmi_masked && svm_in_shadow(vcpu)))
		svm_step_one(vcpu);
	else if (svm->nmi_masked)
		svm_intercept(svm, INTERCEPT_IRET, true);
}

/* #DB from the step above: not the guest's; the window is open. */
bool svm_step_done(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (!svm->step_active)
		return false;
	svm->step_active = false;
	if (svm->awaiting_iret) {
		svm->awaiting_iret = false;
		svm->nmi_masked = false;
	}
	return true;
}

int svm_exit_vintr(struct vmon_vcpu *vcpu)
{
	svm_close_irq_window(to_svm(vcpu));
	return 1;
}

/* IRET intercepted before it runs: NMIs unblock once it completes. */
int svm_exit_iret(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm_intercept(svm, INTERCEPT_IRET, false);
	svm->awaiting_iret = true;
	svm->iret_rip = vcpu->rip;
	return 1;
}

u32 svm_get_interrupt_shadow(struct vmon_vcpu *vcpu)
{
	return svm_in_shadow(vcpu) ?
	       KVM_X86_SHADOW_INT_STI | KVM_X86_SHADOW_INT_MOV_SS : 0;
}

void svm_set_interrupt_shadow(struct vmon_vcpu *vcpu, u32 mask)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;

	if (mask) {
		vmcb->control.int_state |= SVM_INTERRUPT_SHADOW_MASK;
		/* The shadow belongs to the current instruction. */
		vmcb->save.rip = vcpu->rip;
	} else {
		vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	}
	svm->shadow_seen = mask;
	svm->shadow_rip = vcpu->rip;
}

bool svm_get_nmi_mask(struct vmon_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi_masked;
}

void svm_set_nmi_mask(struct vmon_vcpu *vcpu, bool masked)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->nmi_masked = masked;
	svm->awaiting_iret = false;
	svm_intercept(svm, INTERCEPT_IRET, masked);
}
