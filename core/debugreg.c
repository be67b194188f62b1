// SPDX-License-Identifier: GPL-2.0
/*
 * Guest debug registers: the rules both backends share.
 *
 * DR0-3 and DR6 are guest state kept in vcpu->dbg; DR7 stays where the
 * hardware switches it (VMCB, VMCS). Access is lazy, as in KVM:
 *
 *   intercepted  every MOV to/from DR0-7 exits. The first one sets
 *                dbg.hw and re-executes the instruction without skipping.
 *   dbg.hw       the backend drops the intercepts; the guest's whole set
 *                is in the hardware for the next entry and the guest
 *                reads and writes it directly. The next exit, whatever
 *                its reason, reads the set back and intercepts again.
 *
 * So a guest runs on hardware DR0-3 that are its own whenever its DR7
 * can enable one: while it could change DR7 without an exit (dbg.hw), and
 * while the DR7 it left enables a breakpoint. Otherwise DR0-3 may hold
 * what the host or another guest left there: the guest cannot read them
 * and its DR7 cannot arm them without the exit that loads its own.
 *
 * #DB is intercepted on both backends (a delivery that raises #DB again
 * would loop inside the CPU) and handed back with vmon_queue_db(): the
 * cause bits in the layout of VMX's pending-debug-exceptions field
 * (B0-3, BD, BS, RTM active high), merged into DR6 as the CPU does.
 */
#include <linux/kvm_host.h>
#include <asm/debugreg.h>
#include <asm/kvm_host.h>
#include "vmon.h"

void vmon_dbg_reset(struct vmon_vcpu *vcpu)
{
	memset(vcpu->dbg.db, 0, sizeof(vcpu->dbg.db));
	vcpu->dbg.dr6 = DR6_ACTIVE_LOW;
	vcpu->dbg.hw = false;
	vcpu->dbg.clear_gd = false;
}

void vmon_queue_db(struct vmon_vcpu *vcpu, u64 payload)
{
	u64 dr6 = vcpu->dbg.dr6;

	/* B0-3 may be cleared by a new #DB; BD, BS, BT are never cleared. */
	dr6 &= ~(u64)DR_TRAP_BITS;
	dr6 |= DR6_ACTIVE_LOW | payload;
	/* RTM is active low in DR6; bit 12 exists only in the payload. */
	dr6 ^= payload & DR6_ACTIVE_LOW;
	dr6 &= ~BIT_ULL(12);
	vcpu->dbg.dr6 = dr6;
	vmon_queue_exception(vcpu, DB_VECTOR, false, 0);
}

void vmon_insn_step_trap(struct vmon_vcpu *vcpu)
{
	/*
	 * The emulated instruction retired with TF set: the single-step
	 * trap it would have raised. (None of them changes TF, and TF set by
	 * the instruction itself would not trap yet: RFLAGS is the old one.)
	 */
	if (unlikely(vcpu->rflags & X86_EFLAGS_TF))
		vmon_queue_db(vcpu, DR6_BS);
	/* A completed instruction clears RF, as on hardware (and KVM). */
	vcpu->rflags &= ~X86_EFLAGS_RF;
}

int vmon_dr_access(struct vmon_vcpu *vcpu)
{
	vcpu->dbg.hw = true;
	return 1;
}

/*
 * The CPU clears DR7.GD on entering the #DB handler, whatever the #DB's
 * cause, so that the handler may use the debug registers (SDM 17.2.4).
 * A #DB the hypervisor injects gets no such help from the CPU (VMX and
 * SVM event injection leave DR7 alone), nor does one it intercepted
 * before delivery: so, as KVM's inject_pending_event(), every #DB that
 * goes in clears GD. Its DR6 (BD for a general detect) was merged by
 * vmon_queue_db(). vmon_events_inject() sets clear_gd.
 */
u64 vmon_dbg_load(struct vmon_vcpu *vcpu, u64 guest_dr7)
{
	if (unlikely(vcpu->dbg.clear_gd)) {
		vcpu->dbg.clear_gd = false;
		guest_dr7 &= ~(u64)DR7_GD;
	}
	if (likely(!vcpu->dbg.hw && !(guest_dr7 & DR7_BP_EN_MASK))) {
		/* No host breakpoint may fire on the way into the guest. */
		if (hw_breakpoint_active())
			set_debugreg(0, 7);
		return guest_dr7;
	}
	set_debugreg(0, 7);
	set_debugreg(vcpu->dbg.db[0], 0);
	set_debugreg(vcpu->dbg.db[1], 1);
	set_debugreg(vcpu->dbg.db[2], 2);
	set_debugreg(vcpu->dbg.db[3], 3);
	return guest_dr7;
}

void vmon_dbg_save(struct vmon_vcpu *vcpu)
{
	if (unlikely(vcpu->dbg.hw)) {
		get_debugreg(vcpu->dbg.db[0], 0);
		get_debugreg(vcpu->dbg.db[1], 1);
		get_debugreg(vcpu->dbg.db[2], 2);
		get_debugreg(vcpu->dbg.db[3], 3);
		vcpu->dbg.hw = false;
	}
	/* The exit left DR7 with every breakpoint off: the host's back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
}
