// SPDX-License-Identifier: GPL-2.0
/*
 * Events: what the guest's IDT receives next, and when.
 *
 * The queue lives in vcpu->ev and belongs to the vCPU thread. Two states
 * per kind of event, as in the architecture's own bookkeeping:
 *
 *   pending   decided but not started: may still combine (#DF), be
 *             overtaken or be re-evaluated
 *   injected  delivery started: handed to the hardware at the next entry,
 *             whatever the guest state; an exit that cuts it short hands
 *             it back through vmon_event_vectoring()
 *
 * Before each entry vmon_events_prepare() runs with IRQs on: requests
 * from other threads (INIT, SIPI, NMIs, "look at your LAPIC"), the halted
 * wait, and the choice of at most one event, by priority: an event whose
 * delivery is in flight, an exception, an NMI, an interrupt. What cannot
 * be delivered yet opens a window (the backend exits when the guest can
 * take it). vmon_events_inject() then hands the one event to the backend
 * with IRQs off, immediately before VMRUN/VMRESUME, so an entry that is
 * abandoned (signal, resched) never loses or doubles an event.
 */
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/kvm_host.h>
#include "vmon.h"

/* ---------------------------------------------------------------- */
/* Sources on other threads                                          */

void vmon_vcpu_kick(struct vmon_vcpu *vcpu)
{
	int cpu, me;

	set_bit(VMON_REQ_EVENT, &vcpu->requests);
	/* The request before the mode: pairs with vmon_enter_guest(). */
	smp_mb__after_atomic();
	if (wq_has_sleeper(&vcpu->wq))
		wake_up_interruptible(&vcpu->wq);

	me = get_cpu();
	cpu = READ_ONCE(vcpu->cpu);
	/*
	 * In guest mode the CPU must take a host interrupt to exit; the
	 * reschedule IPI is the cheapest and is what KVM sends too.
	 */
	if (READ_ONCE(vcpu->mode) == VMON_IN_GUEST && cpu != me &&
	    cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu))
		smp_send_reschedule(cpu);
	put_cpu();
}

void vmon_vcpu_deliver_nmi(struct vmon_vcpu *vcpu)
{
	atomic_inc(&vcpu->nmi_queued);
	vmon_vcpu_kick(vcpu);
}

void vmon_vcpu_deliver_init(struct vmon_vcpu *vcpu)
{
	set_bit(VMON_REQ_INIT, &vcpu->requests);
	vmon_vcpu_kick(vcpu);
}

void vmon_vcpu_deliver_sipi(struct vmon_vcpu *vcpu, u8 vector)
{
	WRITE_ONCE(vcpu->sipi_vector, vector);
	/* The vector before the request bit that publishes it. */
	smp_mb__before_atomic();
	set_bit(VMON_REQ_SIPI, &vcpu->requests);
	vmon_vcpu_kick(vcpu);
}

/* ---------------------------------------------------------------- */
/* The queue (vCPU thread)                                           */

static bool vmon_exception_is_fault(u8 vector)
{
	switch (vector) {
	case DB_VECTOR: case BP_VECTOR: case OF_VECTOR:
	case DF_VECTOR: case MC_VECTOR: case NMI_VECTOR:
		return false;
	}
	return vector < 32;
}

void vmon_queue_exception(struct vmon_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code)
{
	int prev = -1, v;

	if (vcpu->ev.exc_pending || vcpu->ev.exc_injected)
		prev = vcpu->ev.exc_nr;
	v = vmon_exception_combine(prev, vector);
	if (v < 0) {
		/* A fault while delivering #DF: the CPU shuts down. */
		vcpu->ev.exc_pending = false;
		vcpu->ev.exc_injected = false;
		set_bit(VMON_REQ_TRIPLE_FAULT, &vcpu->requests);
		return;
	}
	if (v != vector) {
		error_code = 0;		/* #DF's error code is 0 */
		has_error = true;
	}
	vcpu->ev.exc_pending = true;
	vcpu->ev.exc_injected = false;
	vcpu->ev.exc_soft = false;
	vcpu->ev.exc_nr = v;
	vcpu->ev.exc_has_error = has_error && vmon_exception_has_error(v);
	vcpu->ev.exc_error = vcpu->ev.exc_has_error ? error_code : 0;
}

void vmon_event_vectoring(struct vmon_vcpu *vcpu, const struct vmon_event *ev)
{
	switch (ev->type) {
	case VMON_EV_EXCEPTION:
	case VMON_EV_SOFT_EXC:
		vcpu->ev.exc_injected = true;
		vcpu->ev.exc_pending = false;
		vcpu->ev.exc_soft = ev->type == VMON_EV_SOFT_EXC;
		vcpu->ev.exc_nr = ev->vector;
		vcpu->ev.exc_has_error = ev->has_error;
		vcpu->ev.exc_error = ev->error_code;
		vcpu->ev.soft_len = ev->insn_len;
		break;
	case VMON_EV_NMI:
		vcpu->ev.nmi_injected = true;
		break;
	case VMON_EV_EXTINT:
	case VMON_EV_SOFT_INT:
		vcpu->ev.irq_injected = true;
		vcpu->ev.irq_soft = ev->type == VMON_EV_SOFT_INT;
		vcpu->ev.irq_nr = ev->vector;
		vcpu->ev.soft_len = ev->insn_len;
		break;
	}
}

void vmon_events_reset(struct vmon_vcpu *vcpu)
{
	bool extint = vcpu->ev.extint_pending;
	u8 extint_vector = vcpu->ev.extint_vector;

	memset(&vcpu->ev, 0, sizeof(vcpu->ev));
	/* KVM keeps a KVM_INTERRUPT vector across INIT (set at creation only). */
	vcpu->ev.extint_pending = extint;
	vcpu->ev.extint_vector = extint_vector;
	atomic_set(&vcpu->nmi_queued, 0);
	clear_bit(VMON_REQ_TRIPLE_FAULT, &vcpu->requests);
}

/* At most one NMI running and one waiting, as on hardware (and KVM). */
static void vmon_process_nmi(struct vmon_vcpu *vcpu)
{
	unsigned int limit = 2, n;

	if (vmon_ops->get_nmi_mask(vcpu) || vcpu->ev.nmi_injected)
		limit = 1;
	n = vcpu->ev.nmi_pending + atomic_xchg(&vcpu->nmi_queued, 0);
	vcpu->ev.nmi_pending = min(n, limit);
}

static bool vmon_event_in_flight(struct vmon_vcpu *vcpu)
{
	return vcpu->ev.exc_injected || vcpu->ev.nmi_injected ||
	       vcpu->ev.irq_injected;
}

/*
 * An ExtINT the LAPIC's LINT0 takes now (KVM's kvm_cpu_has_extint): from
 * the in-kernel PIC on the vCPU with id 0, or with the split irqchip a
 * KVM_INTERRUPT vector on any vCPU.
 */
static bool vmon_extint_pending(struct vmon_vcpu *vcpu)
{
	if (!vcpu->lapic || !vmon_lapic_accept_extint(vcpu))
		return false;
	if (vmon_irqchip_split(vcpu->vm))
		return vcpu->ev.extint_pending;
	return vcpu->vcpu_id == 0 && vmon_pic_has_irq(vcpu->vm);
}

/* The in-kernel interrupt controllers' next vector, without taking it. */
static bool vmon_kernel_irq_pending(struct vmon_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return false;
	return vmon_lapic_pending_vector(vcpu) >= 0 || vmon_extint_pending(vcpu);
}

/*
 * INTA: take the vector from the LAPIC, else from the PIC. With the split
 * irqchip KVM's order: the ExtINT first, then the LAPIC.
 */
static int vmon_kernel_irq_ack(struct vmon_vcpu *vcpu)
{
	int v;

	if (vmon_irqchip_split(vcpu->vm) && vmon_extint_pending(vcpu)) {
		vcpu->ev.extint_pending = false;
		return vcpu->ev.extint_vector;
	}
	v = vmon_lapic_pending_vector(vcpu);
	if (v >= 0) {
		vmon_lapic_ack(vcpu, v);
		return v;
	}
	if (vmon_extint_pending(vcpu))
		return vmon_pic_read_irq(vcpu->vm);
	return -1;
}

/*
 * Userspace injects interrupts (KVM_INTERRUPT, KVM_EXIT_IRQ_WINDOW_OPEN)
 * without an irqchip and with the split one: KVM's "no PIC in kernel".
 */
static bool vmon_user_pic(struct vmon_vcpu *vcpu)
{
	return !vcpu->lapic || vmon_irqchip_split(vcpu->vm);
}

/*
 * KVM's kvm_cpu_accept_dm_intr: room for a KVM_INTERRUPT vector, and a
 * LAPIC (if any) whose LINT0 would take it.
 */
static bool vmon_accept_dm_intr(struct vmon_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return true;
	return !vmon_extint_pending(vcpu) && vmon_lapic_accept_extint(vcpu);
}

/*
 * KVM's "ready for interrupt injection": the guest can take an interrupt
 * now and nothing is half delivered or queued before it.
 */
static bool vmon_ready_for_interrupt(struct vmon_vcpu *vcpu)
{
	return vmon_ops->interrupt_allowed(vcpu) && vmon_accept_dm_intr(vcpu) &&
	       !vmon_event_in_flight(vcpu) && !vcpu->ev.exc_pending;
}

/* ---------------------------------------------------------------- */
/* INIT, SIPI and the halted states (in-kernel LAPIC only)           */

static void vmon_do_init(struct vmon_vcpu *vcpu)
{
	vmon_regs_invalidate(vcpu);
	vmon_ops->vcpu_reset(vcpu);
	vmon_events_reset(vcpu);
	vmon_lapic_reset(vcpu, true);
	/* The BSP restarts at the reset vector; an AP waits for a SIPI. */
	vcpu->mp_state = vcpu->vcpu_id == 0 ? KVM_MP_STATE_RUNNABLE :
					      KVM_MP_STATE_INIT_RECEIVED;
}

static void vmon_do_sipi(struct vmon_vcpu *vcpu, u8 vector)
{
	struct kvm_sregs s;

	/* Real mode at vector:0000, the rest as INIT left it. */
	vmon_ops->get_sregs(vcpu, &s);
	s.cs.selector = vector << 8;
	s.cs.base = (u64)vector << 12;
	vmon_regs_invalidate(vcpu);
	if (!vmon_ops->set_sregs(vcpu, &s)) {
		vcpu->rip = 0;
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}

static void vmon_process_requests(struct vmon_vcpu *vcpu)
{
	clear_bit(VMON_REQ_EVENT, &vcpu->requests);
	if (!vcpu->lapic) {
		clear_bit(VMON_REQ_INIT, &vcpu->requests);
		clear_bit(VMON_REQ_SIPI, &vcpu->requests);
		return;
	}
	if (test_and_clear_bit(VMON_REQ_INIT, &vcpu->requests))
		vmon_do_init(vcpu);
	if (test_and_clear_bit(VMON_REQ_SIPI, &vcpu->requests)) {
		/* Pairs with vmon_vcpu_deliver_sipi(). */
		smp_mb__after_atomic();
		/* A SIPI means something only to a vCPU waiting for one. */
		if (vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED)
			vmon_do_sipi(vcpu, READ_ONCE(vcpu->sipi_vector));
	}
}

/* KVM_GET_MP_STATE: INIT/SIPI that arrived count as taken. */
void vmon_events_accept(struct vmon_vcpu *vcpu)
{
	if (vcpu->lapic && (READ_ONCE(vcpu->requests) &
			   (BIT(VMON_REQ_INIT) | BIT(VMON_REQ_SIPI))))
		vmon_process_requests(vcpu);
}

/* Would a halted vCPU wake up now? */
static bool vmon_vcpu_wakeup(struct vmon_vcpu *vcpu)
{
	unsigned long req = READ_ONCE(vcpu->requests);

	if (req & (BIT(VMON_REQ_INIT) | BIT(VMON_REQ_SIPI)))
		return true;
	if (vcpu->mp_state != KVM_MP_STATE_HALTED)
		return false;
	/* An exception already queued: the single-step trap after HLT. */
	if (vcpu->ev.exc_pending)
		return true;
	if (atomic_read(&vcpu->nmi_queued) || vcpu->ev.nmi_pending)
		return true;
	return vmon_kernel_irq_pending(vcpu) &&
	       vmon_ops->interrupt_allowed(vcpu);
}

/*
 * Halt polling, adaptive as KVM's: a vCPU that halts is often woken again
 * within microseconds (the answer to an IPI it sent, a timer about to
 * fire). Spinning briefly for it saves the sleep and the wakeup. Each vCPU
 * keeps its own poll window: it starts at 0, grows (HALT_POLL_START, then
 * doubling) after a halt that a longer poll would have caught, i.e. that
 * ended within halt_poll_ns, and drops back to 0 after a halt longer than
 * that, or one ended by a signal. halt_poll_ns caps the window; 0 turns
 * polling off. The poll ends early on need_resched(), a signal, or another
 * task runnable on this CPU: then the waker needs the CPU, and polling
 * would only delay the event it waits for.
 */
static unsigned int vmon_halt_poll_ns = 200000;
module_param_named(halt_poll_ns, vmon_halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns,
		 "most ns a halted vCPU polls for a wakeup before sleeping (0: off)");

#define HALT_POLL_START		10000	/* ns: first window after a miss */

static bool vmon_halt_poll(struct vmon_vcpu *vcpu, u64 start)
{
	u64 window = min(vcpu->halt_poll_ns, READ_ONCE(vmon_halt_poll_ns));

	if (!window)
		return false;
	do {
		if (vmon_vcpu_wakeup(vcpu))
			return true;
		cpu_relax();
	} while (ktime_get_ns() - start < window && !need_resched() &&
		 single_task_running() && !signal_pending(current));
	return false;
}

/* After a halt that slept: size the next poll window from how long it was. */
static void vmon_halt_poll_adapt(struct vmon_vcpu *vcpu, u64 halted_ns,
				 bool signalled)
{
	u32 max = READ_ONCE(vmon_halt_poll_ns), w = vcpu->halt_poll_ns;

	if (!max || signalled || halted_ns > max)
		w = 0;
	else if (halted_ns > w)
		w = w ? min_t(u64, 2ULL * w, max) : min_t(u32, HALT_POLL_START,
							   max);
	vcpu->halt_poll_ns = w;
}

/*
 * Sleep until something the vCPU waits for arrives. No busy loop: the
 * thread is off the CPU until a source kicks it (IPI, timer, irqfd, SIPI)
 * or a signal comes. Returns 1 to go round again, -EINTR on a signal.
 */
static int vmon_vcpu_block(struct vmon_vcpu *vcpu)
{
	bool halted = vcpu->mp_state == KVM_MP_STATE_HALTED;
	u64 start = ktime_get_ns();
	int r;

	if (halted && vmon_halt_poll(vcpu, start)) {
		vcpu->stat.halt_poll_hits++;
		goto woken;
	}
	vcpu->stat.halt_wakeups++;
	r = wait_event_interruptible(vcpu->wq, vmon_vcpu_wakeup(vcpu));
	if (halted)
		vmon_halt_poll_adapt(vcpu, ktime_get_ns() - start, r);
	if (r) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		vcpu->stat.signal_exits++;
		return -EINTR;
	}
woken:
	if (vcpu->mp_state == KVM_MP_STATE_HALTED &&
	    !(READ_ONCE(vcpu->requests) &
	      (BIT(VMON_REQ_INIT) | BIT(VMON_REQ_SIPI))))
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	return 1;
}

int vmon_wait_uninitialized(struct vmon_vcpu *vcpu)
{
	vcpu->stat.halt_wakeups++;
	if (wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->requests) &
				     (BIT(VMON_REQ_INIT) | BIT(VMON_REQ_SIPI)))) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		vcpu->stat.signal_exits++;
		return -EINTR;
	}
	vmon_process_requests(vcpu);
	return -EAGAIN;
}

/* ---------------------------------------------------------------- */
/* Choosing the next event                                           */

int vmon_events_prepare(struct vmon_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int v, r;

	for (;;) {
		vmon_process_requests(vcpu);
		/* KVM's order: the TPR report, the shutdown, the IOAPIC EOI. */
		if (test_and_clear_bit(VMON_REQ_TPR_ACCESS, &vcpu->requests)) {
			run->exit_reason = KVM_EXIT_TPR_ACCESS;
			run->tpr_access.rip = vcpu->tpr_access.rip;
			run->tpr_access.is_write = vcpu->tpr_access.is_write;
			return 0;
		}
		if (test_and_clear_bit(VMON_REQ_TRIPLE_FAULT,
				       &vcpu->requests))
			return vmon_exit_shutdown(vcpu);
		if (test_and_clear_bit(VMON_REQ_IOAPIC_EOI, &vcpu->requests)) {
			run->exit_reason = KVM_EXIT_IOAPIC_EOI;
			run->eoi.vector = vcpu->ioapic_eoi_vector;
			return 0;
		}
		if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
			break;
		if (!vcpu->lapic) {
			/* Userspace owns the vCPU's state: nothing to wait for. */
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
			break;
		}
		r = vmon_vcpu_block(vcpu);
		if (r <= 0)
			return r;
	}

	vmon_process_nmi(vcpu);

	if (!vmon_event_in_flight(vcpu)) {
		if (vcpu->ev.exc_pending) {
			vcpu->ev.exc_pending = false;
			vcpu->ev.exc_injected = true;
			/*
			 * A fault pushes RF=1 (the handler's IRET must not
			 * re-trigger an instruction breakpoint), as the CPU
			 * does for its own faults and KVM for the ones it
			 * injects; traps (#BP, #OF), #DB and aborts do not.
			 */
			if (vmon_exception_is_fault(vcpu->ev.exc_nr))
				vcpu->rflags |= X86_EFLAGS_RF;
		} else if (vcpu->ev.nmi_pending &&
			   vmon_ops->nmi_allowed(vcpu)) {
			vcpu->ev.nmi_pending--;
			vcpu->ev.nmi_injected = true;
		} else if (vmon_kernel_irq_pending(vcpu) &&
			   vmon_ops->interrupt_allowed(vcpu)) {
			v = vmon_kernel_irq_ack(vcpu);
			if (v >= 0) {
				vcpu->ev.irq_injected = true;
				vcpu->ev.irq_soft = false;
				vcpu->ev.irq_nr = v;
			}
		}
	}

	/* What has to wait asks to be told when it can go. */
	if (vcpu->ev.nmi_pending)
		vmon_ops->enable_nmi_window(vcpu);
	if (vmon_kernel_irq_pending(vcpu) ||
	    (vmon_user_pic(vcpu) && run->request_interrupt_window))
		vmon_ops->enable_irq_window(vcpu);
	return 1;
}

/*
 * After handle_exit(), before re-entering: with a userspace irqchip, a
 * VMM that asked for an interrupt window gets KVM_EXIT_IRQ_WINDOW_OPEN
 * as soon as the guest can take one (KVM's rule).
 */
int vmon_events_after_exit(struct vmon_vcpu *vcpu)
{
	if (vmon_user_pic(vcpu) && vcpu->run->request_interrupt_window &&
	    vmon_ready_for_interrupt(vcpu)) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		vcpu->stat.irq_window_exits++;
		return 0;
	}
	return 1;
}

void vmon_events_save_run(struct vmon_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	/* With the in-kernel PIC always 1, as KVM (pic_in_kernel). */
	run->ready_for_interrupt_injection = !vmon_user_pic(vcpu) ||
		vmon_ready_for_interrupt(vcpu);
}

/* IRQs off, right before run(): the hardware owns the event from here. */
void vmon_events_inject(struct vmon_vcpu *vcpu)
{
	struct vmon_event ev = { 0 };

	if (vcpu->ev.exc_injected) {
		ev.type = vcpu->ev.exc_soft ? VMON_EV_SOFT_EXC :
					       VMON_EV_EXCEPTION;
		ev.vector = vcpu->ev.exc_nr;
		ev.has_error = vcpu->ev.exc_has_error;
		ev.error_code = vcpu->ev.exc_error;
		ev.insn_len = vcpu->ev.soft_len;
		vcpu->ev.exc_injected = false;
		/* The handler must find DR7.GD clear (debugreg.c). */
		if (ev.vector == DB_VECTOR)
			vcpu->dbg.clear_gd = true;
	} else if (vcpu->ev.nmi_injected) {
		ev.type = VMON_EV_NMI;
		ev.vector = NMI_VECTOR;
		vcpu->ev.nmi_injected = false;
		vcpu->stat.nmi_injections++;
	} else if (vcpu->ev.irq_injected) {
		ev.type = vcpu->ev.irq_soft ? VMON_EV_SOFT_INT :
					       VMON_EV_EXTINT;
		ev.vector = vcpu->ev.irq_nr;
		ev.insn_len = vcpu->ev.soft_len;
		vcpu->ev.irq_injected = false;
		vcpu->stat.irq_injections++;
	} else {
		return;
	}
	vmon_ops->inject_event(vcpu, &ev);
}

/* ---------------------------------------------------------------- */
/* ioctls                                                            */

long vmon_vcpu_interrupt(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, (void __user *)arg, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= KVM_NR_INTERRUPTS)
		return -EINVAL;
	/*
	 * Split irqchip: the vector waits for this vCPU's LINT0 (ExtINT),
	 * one at a time (KVM's pending_external_vector). With the in-kernel
	 * PIC the interrupt lines are the kernel's.
	 */
	if (vmon_irqchip_split(vcpu->vm)) {
		if (vcpu->ev.extint_pending)
			return -EEXIST;
		vcpu->ev.extint_pending = true;
		vcpu->ev.extint_vector = irq.irq;
		set_bit(VMON_REQ_EVENT, &vcpu->requests);
		return 0;
	}
	if (vmon_irqchip_in_kernel(vcpu->vm))
		return -ENXIO;
	/*
	 * As in KVM: the VMM checked ready_for_interrupt_injection, so the
	 * vector is injected at the next entry (delivery has begun).
	 */
	vcpu->ev.irq_injected = true;
	vcpu->ev.irq_soft = false;
	vcpu->ev.irq_nr = irq.irq;
	return 0;
}

long vmon_vcpu_nmi(struct vmon_vcpu *vcpu, unsigned long arg)
{
	atomic_inc(&vcpu->nmi_queued);
	return 0;
}

void vmon_events_get(struct vmon_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	memset(e, 0, sizeof(*e));
	vmon_process_nmi(vcpu);
	/* INT3/INTO restart from RIP: the ABI has no length to carry. */
	if (!vcpu->ev.exc_soft) {
		/*
		 * Without KVM_CAP_EXCEPTION_PAYLOAD a pending exception also
		 * reads as injected (KVM 6.1 reports both flags so).
		 */
		e->exception.pending = vcpu->ev.exc_pending;
		e->exception.injected = vcpu->ev.exc_injected ||
					vcpu->ev.exc_pending;
	}
	e->exception.nr = vcpu->ev.exc_nr;
	e->exception.has_error_code = vcpu->ev.exc_has_error;
	e->exception.error_code = vcpu->ev.exc_error;
	e->interrupt.injected = vcpu->ev.irq_injected && !vcpu->ev.irq_soft;
	e->interrupt.nr = vcpu->ev.irq_nr;
	e->interrupt.shadow = vmon_ops->get_interrupt_shadow(vcpu);
	e->nmi.injected = vcpu->ev.nmi_injected;
	e->nmi.pending = vcpu->ev.nmi_pending != 0;
	e->nmi.masked = vmon_ops->get_nmi_mask(vcpu);
	/* vmon has no SMM; KVM reports the (empty) SMM state as valid too. */
	e->flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
		   KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
}

long vmon_vcpu_get_events(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_vcpu_events e;

	vmon_events_get(vcpu, &e);
	if (copy_to_user((void __user *)arg, &e, sizeof(e)))
		return -EFAULT;
	return 0;
}

int vmon_events_set(struct vmon_vcpu *vcpu, const struct kvm_vcpu_events *ev)
{
	const struct kvm_vcpu_events e = *ev;

	/* Payloads need KVM_CAP_EXCEPTION_PAYLOAD, which vmon lacks. */
	if (e.flags & ~(KVM_VCPUEVENT_VALID_NMI_PENDING |
			KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM))
		return -EINVAL;
	if (e.exception.injected &&
	    (e.exception.nr > 31 || e.exception.nr == NMI_VECTOR))
		return -EINVAL;
	/* No SMM: entering it cannot be honoured. */
	if ((e.flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (e.smi.smm || e.smi.pending))
		return -EINVAL;

	vmon_process_nmi(vcpu);
	vcpu->ev.exc_pending = false;
	vcpu->ev.exc_injected = e.exception.injected;
	vcpu->ev.exc_soft = false;
	vcpu->ev.exc_nr = e.exception.nr;
	vcpu->ev.exc_has_error = e.exception.has_error_code;
	vcpu->ev.exc_error = e.exception.error_code;

	vcpu->ev.irq_injected = e.interrupt.injected;
	vcpu->ev.irq_nr = e.interrupt.nr;
	vcpu->ev.irq_soft = e.interrupt.soft;
	if (e.flags & KVM_VCPUEVENT_VALID_SHADOW)
		vmon_ops->set_interrupt_shadow(vcpu, e.interrupt.shadow);

	vcpu->ev.nmi_injected = e.nmi.injected;
	if (e.flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		vcpu->ev.nmi_pending = e.nmi.pending;
	vmon_ops->set_nmi_mask(vcpu, e.nmi.masked);

	if ((e.flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR) && vcpu->lapic)
		WRITE_ONCE(vcpu->sipi_vector, e.sipi_vector);
	set_bit(VMON_REQ_EVENT, &vcpu->requests);
	return 0;
}

long vmon_vcpu_set_events(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_vcpu_events e;

	if (copy_from_user(&e, (void __user *)arg, sizeof(e)))
		return -EFAULT;
	return vmon_events_set(vcpu, &e);
}
