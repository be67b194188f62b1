// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN: the loop between userspace and the vendor backend.
 *
 *   KVM_RUN ioctl (vcpu->mutex held)
 *     -> finish what the last exit left pending (IN data, MMIO read)
 *     -> loop: host work (signals, resched)
 *              IRQs off, mode = IN_GUEST, TLB generation check
 *              vmon_ops->run()          VMRUN / VMLAUNCH
 *              IRQs on (host interrupts that caused the exit run here)
 *              vmon_ops->handle_exit()  per-vendor exit table
 *     <- 0 with kvm_run->exit_reason, or -errno
 */
#include <linux/kvm_host.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <asm/fpu/xcr.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include "vmon.h"

u64 vmon_host_xcr0 __read_mostly;

/*
 * The vCPU that last entered a guest on this CPU (preemption off). An
 * entry of any other vCPU calls for an IBPB first, so that one guest's
 * branch-predictor training does not steer another's (KVM: the IBPB when
 * the VMCB/VMCS loaded on a CPU changes). Kept per vCPU, not per VMCS:
 * a vCPU that migrates and comes back with nobody in between costs none,
 * like KVM's SVM. Cleared when the vCPU is freed (vmon_forget_vcpu), so a
 * new vCPU at the same address is never taken for it.
 */
static DEFINE_PER_CPU(struct vmon_vcpu *, vmon_last_vcpu);

/*
 * Before entering @vcpu on this CPU, preemption disabled. Where the
 * backend's exit path already issues an IBPB after every exit (SVM with
 * X86_FEATURE_IBPB_ON_VMEXIT, the kernel's retbleed/SRSO IBPB mode), the
 * last guest's predictions were flushed at its exit: KVM's SVM skips the
 * switch IBPB then, and so does vmon. VMX's exit path has no such IBPB
 * (neither has KVM's), so it always pays the switch one.
 */
static void vmon_switch_barrier(struct vmon_vcpu *vcpu)
{
	if (this_cpu_read(vmon_last_vcpu) == vcpu)
		return;
	this_cpu_write(vmon_last_vcpu, vcpu);
	if (vmon_ops->exit_ibpb && cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
		return;
	/* Patched to nothing unless the kernel uses IBPB (X86_FEATURE_USE_IBPB). */
	indirect_branch_prediction_barrier();
	vcpu->stat.ibpb_switches++;
}

/* @vcpu is being freed: no CPU may still take it for its last guest. */
void vmon_forget_vcpu(struct vmon_vcpu *vcpu)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cmpxchg(per_cpu_ptr(&vmon_last_vcpu, cpu), vcpu, NULL);
}

/*
 * The load message: what vmon applies at entry and exit on this CPU.
 * @entry is the backend's part ("L1D flush ...; VERW at entry"); the
 * IBPB and VMSCAPE parts are the core's.
 */
void vmon_log_mitigations(const char *entry)
{
	const char *ibpb, *vmscape;
	bool on_exit = vmon_ops->exit_ibpb &&
		       cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT);

	if (on_exit)
		ibpb = "IBPB on every exit";
	else if (cpu_feature_enabled(X86_FEATURE_USE_IBPB))
		ibpb = "IBPB on vCPU switch";
	else
		ibpb = "no IBPB (not in use)";
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		vmscape = "VMSCAPE IBPB armed";
	else if (!boot_cpu_has_bug(X86_BUG_VMSCAPE))
		vmscape = "VMSCAPE not affected";
	else if (on_exit)
		vmscape = "VMSCAPE IBPB on exit";
	else
		vmscape = "VMSCAPE vulnerable";
	vmon_pr_info("%s mitigations: %s; %s; %s\n", vmon_ops->name, entry,
		     ibpb, vmscape);
}

int vmon_exit_host_event(struct vmon_vcpu *vcpu)
{
	return 1;
}

int vmon_exit_ud(struct vmon_vcpu *vcpu)
{
	vmon_queue_exception(vcpu, UD_VECTOR, false, 0);
	return 1;
}

int vmon_emulate_hlt(struct vmon_vcpu *vcpu)
{
	int r = vmon_skip_emulated_insn(vcpu);

	if (r <= 0)
		return r;
	/* With the in-kernel LAPIC the kernel waits for the interrupt. */
	if (vcpu->lapic) {
		vcpu->mp_state = KVM_MP_STATE_HALTED;
		return 1;
	}
	vcpu->stat.halt_exits++;
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

int vmon_exit_shutdown(struct vmon_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

int vmon_exit_fail_entry(struct vmon_vcpu *vcpu, u64 reason)
{
	vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	vcpu->run->fail_entry.hardware_entry_failure_reason = reason;
	vcpu->run->fail_entry.cpu = vcpu->cpu;
	return 0;
}

int vmon_exit_internal_error(struct vmon_vcpu *vcpu, u32 suberror,
			     int ndata, const u64 *data)
{
	struct kvm_run *run = vcpu->run;
	int i;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	ndata = min_t(int, ndata, ARRAY_SIZE(run->internal.data));
	for (i = 0; i < ndata; i++)
		run->internal.data[i] = data[i];
	run->internal.ndata = ndata;
	return 0;
}

/* Finish an exit that needed userspace's answer (KVM: complete_userspace_io). */
static int vmon_complete_pending(struct vmon_vcpu *vcpu)
{
	enum vmon_pending p = vcpu->pending;

	vcpu->pending = VMON_PENDING_NONE;
	switch (p) {
	case VMON_PENDING_PIO_IN:
		return vmon_complete_pio_in(vcpu);
	case VMON_PENDING_PIO_OUT:
		return vmon_complete_pio_out(vcpu);
	case VMON_PENDING_MMIO_READ:
		return vmon_complete_mmio_read(vcpu);
	default:
		return 1;
	}
}

/*
 * A guest MOV to CR8. With the in-kernel LAPIC it is the LAPIC's TPR (a
 * lower TPR may unblock an interrupt); without one, lowering it exits to
 * userspace with KVM_EXIT_SET_TPR, as KVM does.
 */
int vmon_guest_set_cr8(struct vmon_vcpu *vcpu, u64 old, u64 val)
{
	if (vcpu->lapic) {
		vmon_lapic_set_cr8(vcpu, val);
		set_bit(VMON_REQ_EVENT, &vcpu->requests);
		return 1;
	}
	if (val < old) {
		vcpu->run->exit_reason = KVM_EXIT_SET_TPR;
		return 0;
	}
	return 1;
}

/* Returns false if a request came in: the entry was abandoned. */
static bool vmon_enter_guest(struct vmon_vcpu *vcpu)
{
	int gen;
	bool xcr0_switch, pkru_switch;
	u32 host_pkru = 0;
	unsigned long csw;

	WRITE_ONCE(vcpu->cpu, smp_processor_id());
	WRITE_ONCE(vcpu->mode, VMON_IN_GUEST);
	/*
	 * Scheduled out since the last entry (KVM: sched_in): other tasks
	 * ran on some CPU, so the L1D may hold their data (VMX's cond flush).
	 */
	csw = current->nvcsw + current->nivcsw;
	if (csw != vcpu->sched_switches) {
		vcpu->sched_switches = csw;
		vcpu->l1tf_flush_l1d = true;
	}
	/*
	 * Order the mode store before reading the flush generation and the
	 * requests: a source that set a request after this point sees
	 * IN_GUEST and sends the IPI that makes the guest exit at once.
	 */
	smp_mb();
	if (READ_ONCE(vcpu->requests)) {
		WRITE_ONCE(vcpu->mode, VMON_OUTSIDE_GUEST);
		return false;
	}
	vmon_events_inject(vcpu);
	gen = atomic_read(&vcpu->vm->tlb_flush_gen);
	if (gen != vcpu->tlb_flush_gen) {
		vcpu->tlb_flush_gen = gen;
		vmon_ops->flush_tlb(vcpu);
	}

	/*
	 * A preemption or a kernel FPU user (softirq) since KVM_RUN swapped
	 * the guest's FPU state in has saved the registers and left them to
	 * be reloaded on return to user mode: reload them now, with the
	 * host's XCR0, or the guest would run on whatever they hold.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();

	/*
	 * PKRU: neither VM entry nor exit switches it. vmon does not offer
	 * PKU and both backends now refuse CR4.PKE to the guest, so this is
	 * belt and braces: should a guest ever run WRPKRU, it runs on its own
	 * value and the host on its own.
	 */
	pkru_switch = cpu_feature_enabled(X86_FEATURE_OSPKE);
	if (pkru_switch) {
		host_pkru = rdpkru();
		if (vcpu->pkru != host_pkru)
			wrpkru(vcpu->pkru);
	}

	xcr0_switch = vmon_host_xcr0 &&
		      (vmon_get_cr(vcpu, 4) & X86_CR4_OSXSAVE) &&
		      vcpu->xcr0 != vmon_host_xcr0;
	if (xcr0_switch)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);

	vmon_ops->run(vcpu);
	/* The guest ran: every cached register may have changed. */
	vmon_regs_invalidate(vcpu);

	/*
	 * VMSCAPE: the kernel issues an IBPB before this CPU next returns to
	 * userspace (this VMM, or any task) when the flag is set. Set on the
	 * CPU that ran the guest, before preemption is enabled (as KVM).
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER)) {
		this_cpu_write(x86_ibpb_exit_to_user, true);
		vcpu->stat.vmscape_arms++;
	}
	if (xcr0_switch)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmon_host_xcr0);
	if (pkru_switch) {
		vcpu->pkru = rdpkru();
		if (vcpu->pkru != host_pkru)
			wrpkru(host_pkru);
	}
	WRITE_ONCE(vcpu->mode, VMON_OUTSIDE_GUEST);
	vcpu->stat.exits++;
	return true;
}

static int vmon_run_loop(struct vmon_vcpu *vcpu)
{
	int r;

	for (;;) {
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			vcpu->stat.signal_exits++;
			return -EINTR;
		}
		cond_resched();

		r = vmon_events_prepare(vcpu);
		if (r <= 0)
			return r;
		if (vcpu->lapic)
			vmon_ops->set_cr8(vcpu, vmon_lapic_get_cr8(vcpu));

		preempt_disable();
		if (vmon_ops->vcpu_load)
			vmon_ops->vcpu_load(vcpu, smp_processor_id());
		vmon_switch_barrier(vcpu);
		local_irq_disable();
		/* Re-check with IRQs off: a kick now is not lost. */
		if (signal_pending(current) || need_resched()) {
			local_irq_enable();
			preempt_enable();
			continue;
		}
		guest_timing_enter_irqoff();
		if (!vmon_enter_guest(vcpu)) {
			guest_timing_exit_irqoff();
			local_irq_enable();
			preempt_enable();
			continue;
		}
		/*
		 * Take the host interrupt that caused the exit before closing
		 * the guest-time window, so ticks that hit the guest are
		 * accounted to it (as KVM does).
		 */
		local_irq_enable();
		local_irq_disable();
		guest_timing_exit_irqoff();
		local_irq_enable();
		preempt_enable();

		r = vmon_ops->handle_exit(vcpu);
		if (r > 0)
			r = vmon_events_after_exit(vcpu);
		if (r <= 0)
			return r;
	}
}

long vmon_vcpu_run(struct vmon_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	run->flags = 0;
	if ((run->kvm_valid_regs & ~KVM_SYNC_X86_VALID_FIELDS) ||
	    (run->kvm_dirty_regs & ~KVM_SYNC_X86_VALID_FIELDS))
		return -EINVAL;

	/* The KVM_SET_SIGNAL_MASK mask is in force for the whole ioctl. */
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
	/* No in-kernel APIC: kvm_run->cr8 is the TPR, as in KVM. */
	if (!vcpu->lapic) {
		if (run->cr8 > 15) {
			r = -EINVAL;
			goto out_sigset;
		}
		vmon_ops->set_cr8(vcpu, run->cr8);
	}
	if (run->kvm_dirty_regs) {
		r = vmon_sync_regs_in(vcpu);
		if (r)
			goto out_sigset;
	}
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);

	/*
	 * As in KVM: an AP that never got INIT waits here for it, and the
	 * KVM_RUN that saw it arrive returns EAGAIN (EINTR on a signal).
	 */
	if (vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED && vcpu->lapic) {
		r = vmon_wait_uninitialized(vcpu);
		goto out;
	}
	/* As in KVM: a pending I/O completes even with immediate_exit. */
	r = vmon_complete_pending(vcpu);
	if (r <= 0)
		goto out;
	if (READ_ONCE(run->immediate_exit)) {
		r = -EINTR;
		goto out;
	}
	vcpu->ran_once = true;
	/* Userspace ran since the last entry (KVM: vcpu_run). */
	vcpu->l1tf_flush_l1d = true;
	r = vmon_run_loop(vcpu);
out:
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
out_sigset:
	if (vcpu->sigset_active) {
		sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
		sigemptyset(&current->real_blocked);
	}
	if (run->kvm_valid_regs)
		vmon_sync_regs_out(vcpu);
	vmon_events_save_run(vcpu);
	run->cr8 = vcpu->lapic ? vmon_lapic_get_cr8(vcpu) :
				vmon_get_cr(vcpu, 8);
	run->apic_base = vcpu->apic_base;
	return r;
}
