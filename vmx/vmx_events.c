// SPDX-License-Identifier: GPL-2.0
/*
 * VMX half of event injection: the VM-entry interruption-information
 * field, IDT-vectoring information, the guest interruptibility state and
 * the interrupt-/NMI-window exits. The core (core/events.c) decides
 * what to inject; this file only speaks the VMCS's encoding.
 *
 * The interruptibility state is cached in struct vmx_vcpu (read after
 * every exit, written before every entry) so that the core can ask
 * "may the guest take an interrupt?" from process context without
 * loading the VMCS. The window requests are applied in vmx_run().
 *
 * Facts relied on (Intel SDM vol. 3C, 25.8.3, 26.6, 27.2.4, 28.2):
 *  - Injecting an external interrupt requires RFLAGS.IF=1 and no STI or
 *    MOV SS blocking; injecting an NMI requires no NMI blocking.
 *  - With virtual NMIs, NMI blocking is the interruptibility state's bit
 *    3, set by the delivery of an injected NMI and cleared by IRET.
 *  - An exit during event delivery leaves the event in the IDT-vectoring
 *    information; for an NMI, blocking is not in effect then.
 */
#include <linux/kvm_host.h>
#include <asm/vmx.h>
#include <asm/trapnr.h>
#include "vmon.h"
#include "vmx.h"

#define VMX_SHADOW (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

/* The state as it applies at the current RIP. */
static u32 vmx_intr_state(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 s = vmx->intr_state;

	/* RIP moved outside the guest: the shadow belonged to another insn. */
	if (vmx->exit_rip != vcpu->rip)
		s &= ~VMX_SHADOW;
	return s;
}

void vmx_inject_event(struct vmon_vcpu *vcpu, const struct vmon_event *ev)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	bool err = false;
	u32 type;

	vmx->inject_len = 0;
	switch (ev->type) {
	case VMON_EV_NMI:
		type = INTR_TYPE_NMI_INTR;
		break;
	case VMON_EV_EXCEPTION:
		type = INTR_TYPE_HARD_EXCEPTION;
		/* Real mode pushes no error code; entry rejects one there. */
		err = ev->has_error && (vmx->cr0 & X86_CR0_PE);
		break;
	case VMON_EV_SOFT_EXC:
		type = INTR_TYPE_SOFT_EXCEPTION;
		vmx->inject_len = ev->insn_len;
		break;
	case VMON_EV_SOFT_INT:
		type = INTR_TYPE_SOFT_INTR;
		vmx->inject_len = ev->insn_len;
		break;
	case VMON_EV_EXTINT:
	default:
		type = INTR_TYPE_EXT_INTR;
		break;
	}
	vmx->inject_info = ev->vector | type | INTR_INFO_VALID_MASK |
			   (err ? INTR_INFO_DELIVER_CODE_MASK : 0);
	vmx->inject_err = err ? ev->error_code : 0;
}

/*
 * After the exit (IRQs off, VMCS current): cache the interruptibility
 * state and hand back an event whose delivery was cut short. Software
 * interrupts and INT3/INTO/INT1 are not handed back: RIP still points at
 * the instruction, which raises them again.
 */
void vmx_complete_events(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = vmx->exit.idt_info;
	struct vmon_event ev = { 0 };

	vmx->inject_info = 0;
	if (vmx->exit.vmfail)
		return;
	vmx->intr_state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (!(info & VECTORING_INFO_VALID_MASK) ||
	    (vmx->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		return;

	ev.vector = info & VECTORING_INFO_VECTOR_MASK;
	switch (info & VECTORING_INFO_TYPE_MASK) {
	case INTR_TYPE_EXT_INTR:
		ev.type = VMON_EV_EXTINT;
		break;
	case INTR_TYPE_NMI_INTR:
		ev.type = VMON_EV_NMI;
		vmx->intr_state &= ~GUEST_INTR_STATE_NMI;
		break;
	case INTR_TYPE_HARD_EXCEPTION:
		ev.type = VMON_EV_EXCEPTION;
		ev.has_error = info & VECTORING_INFO_DELIVER_CODE_MASK;
		ev.error_code = vmx->exit.idt_err;
		break;
	default:
		return;
	}
	vmon_event_vectoring(vcpu, &ev);
}

bool vmx_interrupt_allowed(struct vmon_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) &&
	       !(vmx_intr_state(vcpu) & VMX_SHADOW);
}

bool vmx_nmi_allowed(struct vmon_vcpu *vcpu)
{
	return !(vmx_intr_state(vcpu) & (VMX_SHADOW | GUEST_INTR_STATE_NMI));
}

void vmx_enable_irq_window(struct vmon_vcpu *vcpu)
{
	to_vmx(vcpu)->irq_window = true;
}

/*
 * Without virtual NMIs there is no NMI-window exit: a waiting NMI goes in
 * at the first exit after the guest's IRET.
 */
void vmx_enable_nmi_window(struct vmon_vcpu *vcpu)
{
	if (vmx_caps.nmi_window)
		to_vmx(vcpu)->nmi_window = true;
}

int vmx_exit_irq_window(struct vmon_vcpu *vcpu)
{
	to_vmx(vcpu)->irq_window = false;
	return 1;
}

int vmx_exit_nmi_window(struct vmon_vcpu *vcpu)
{
	to_vmx(vcpu)->nmi_window = false;
	return 1;
}

/* Before entry (IRQs off, VMCS current): state and window controls. */
void vmx_prepare_events(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 proc = vmx_caps.proc;

	vmx->intr_state = vmx_intr_state(vcpu);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, vmx->intr_state);
	if (vmx->irq_window)
		proc |= CPU_BASED_INTR_WINDOW_EXITING;
	if (vmx->nmi_window)
		proc |= CPU_BASED_NMI_WINDOW_EXITING;
	/* The guest's debug registers are in the hardware (debugreg.c). */
	if (vcpu->dbg.hw)
		proc &= ~CPU_BASED_MOV_DR_EXITING;
	if (proc != vmx->proc_ctl) {
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
		vmx->proc_ctl = proc;
	}
}

u32 vmx_get_interrupt_shadow(struct vmon_vcpu *vcpu)
{
	u32 s = vmx_intr_state(vcpu), r = 0;

	if (s & GUEST_INTR_STATE_STI)
		r |= KVM_X86_SHADOW_INT_STI;
	if (s & GUEST_INTR_STATE_MOV_SS)
		r |= KVM_X86_SHADOW_INT_MOV_SS;
	return r;
}

void vmx_set_interrupt_shadow(struct vmon_vcpu *vcpu, u32 mask)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->intr_state &= ~VMX_SHADOW;
	if (mask & KVM_X86_SHADOW_INT_STI)
		vmx->intr_state |= GUEST_INTR_STATE_STI;
	if (mask & KVM_X86_SHADOW_INT_MOV_SS)
		vmx->intr_state |= GUEST_INTR_STATE_MOV_SS;
	/* The shadow belongs to the current instruction. */
	vmx->exit_rip = vcpu->rip;
}

bool vmx_get_nmi_mask(struct vmon_vcpu *vcpu)
{
	return to_vmx(vcpu)->intr_state & GUEST_INTR_STATE_NMI;
}

void vmx_set_nmi_mask(struct vmon_vcpu *vcpu, bool masked)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (masked)
		vmx->intr_state |= GUEST_INTR_STATE_NMI;
	else
		vmx->intr_state &= ~GUEST_INTR_STATE_NMI;
}
