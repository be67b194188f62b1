// SPDX-License-Identifier: GPL-2.0
/*
 * vmon VT-x backend: VM-exit handlers, one lookup from the basic exit
 * reason to code (vmx_exit_handlers[]). A VMLAUNCH/VMRESUME that failed
 * as an instruction (VMfail) and an entry refused by the guest-state
 * checks (exit reason bit 31) are checked first, as in KVM. Every
 * handler follows the exit-handler convention (vmon_exit_fn,
 * core/vmon.h); the core's common ones sit in the table directly. The
 * exit information was read, the host's NMI and #MC taken and the event
 * the exit cut short handed back by vmx_exit_irqoff() (vmx.c), still on
 * the CPU the guest ran on with IRQs off (struct vmx_exit_info).
 */
#include <linux/kvm_host.h>
#include <asm/debugreg.h>
#include <asm/vmx.h>
#include "vmon.h"
#include "vmx.h"

static int vmx_exit_unexpected(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 data[4] = { vmx->exit.reason, vmx->exit.qual,
			vmx->exit.intr_info, vcpu->cpu };

	pr_warn_ratelimited("vmon: unexpected VM exit %u (qualification %#llx, interruption info %#x)\n",
			    vmx->exit.reason, vmx->exit.qual,
			    vmx->exit.intr_info);
	return vmon_exit_internal_error(vcpu,
				KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				4, data);
}

/*
 * #DB, for the same reason as #AC, and to see its causes: the exit
 * qualification has them in the payload layout vmon_queue_db() takes
 * (an intercepted #DB leaves DR6 alone). ICEBP (INT1) exits before it
 * completes: skipped, then its #DB delivered as a hardware exception.
 * A single-step pending inside an STI/MOV SS shadow must be in the
 * pending-debug field, or the next entry fails its consistency checks
 * (the CPU fills it for every other exit).
 */
static int vmx_exit_db(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vmcs_get(vcpu);
	if ((vmx->exit.intr_info & INTR_INFO_INTR_TYPE_MASK) ==
	    INTR_TYPE_PRIV_SW_EXCEPTION) {
		vcpu->rip = vmon_rip_advance(vcpu->rip, vmx->exit.insn_len,
					     vmx_get_cpu_mode(vcpu));
	} else if ((vcpu->rflags & X86_EFLAGS_TF) &&
		   (vmx->intr_state & (GUEST_INTR_STATE_STI |
				       GUEST_INTR_STATE_MOV_SS))) {
		vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS,
			   vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) | DR6_BS);
	}
	vmx_vmcs_put(vcpu);
	vmon_queue_db(vcpu, vmx->exit.qual);
	return 1;
}

/* Reason 0: NMIs and #MC were given to the host; #AC and #DB trap. */
static int vmx_exit_exception_nmi(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = vmx->exit.intr_info;
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	if (type == INTR_TYPE_NMI_INTR ||
	    (type == INTR_TYPE_HARD_EXCEPTION && vector == MC_VECTOR))
		return 1;
	/*
	 * #AC is intercepted because a guest can make its delivery raise
	 * #AC again forever inside the CPU, where no host interrupt ends it
	 * (CVE-2015-5307); intercepted, each round is an exit. Handed back.
	 */
	if (type == INTR_TYPE_HARD_EXCEPTION && vector == AC_VECTOR) {
		vmon_queue_exception(vcpu, AC_VECTOR, true, vmx->exit.intr_err);
		return 1;
	}
	if (vector == DB_VECTOR && (type == INTR_TYPE_HARD_EXCEPTION ||
				    type == INTR_TYPE_PRIV_SW_EXCEPTION))
		return vmx_exit_db(vcpu);
	return vmx_exit_unexpected(vcpu);
}

/*
 * RDPMC must not read the host's counters. vmon offers no PMU (CPUID
 * leaf 0xA is hidden), so every counter index is invalid: #GP.
 */
static int vmx_exit_rdpmc(struct vmon_vcpu *vcpu)
{
	vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
	return 1;
}

/*
 * I/O qualification (SDM vol. 3C, table 27-5): bits 2:0 size - 1, 3 IN,
 * 4 string, 5 REP, 31:16 port. For INS/OUTS the VM-exit instruction
 * information gives the address size (bits 9:7) and, for OUTS, the
 * segment (bits 17:15), when IA32_VMX_BASIC[54] says it is reported.
 */
static int vmx_exit_io(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 q = vmx->exit.qual;
	struct vmon_io_exit io = {
		.port = q >> 16,
		.size = (q & 7) + 1,
		.in = q & BIT(3),
		.string = q & BIT(4),
		.rep = q & BIT(5),
		.seg = -1,
	};
	int mode = vmx_get_cpu_mode(vcpu);

	io.next_rip = vmon_rip_advance(vcpu->rip, vmx->exit.insn_len, mode);
	if (io.size != 1 && io.size != 2 && io.size != 4)
		return vmx_exit_unexpected(vcpu);
	io.addr_size = mode / 8;
	if (io.string && vmx_has_inout_info()) {
		u32 asz = (vmx->exit.insn_info >> 7) & 7;

		io.addr_size = asz == 2 ? 8 : asz == 1 ? 4 : 2;
		if (!io.in)
			io.seg = (vmx->exit.insn_info >> 15) & 7;
	}
	return vmon_handle_io(vcpu, &io);
}

/* The value of GPR @reg as the current operand size sees it. */
static u64 vmx_gpr_read(struct vmon_vcpu *vcpu, int reg)
{
	u64 v = vcpu->regs[reg];

	return vmx_get_cpu_mode(vcpu) == 64 ? v : (u32)v;
}

static void vmx_gpr_write(struct vmon_vcpu *vcpu, int reg, u64 v)
{
	vcpu->regs[reg] = vmx_get_cpu_mode(vcpu) == 64 ? v : (u32)v;
}

/*
 * Control-register qualification: bits 3:0 CR, 5:4 access type (0 MOV
 * to CR, 1 MOV from CR, 2 CLTS, 3 LMSW), 11:8 GPR, 31:16 LMSW data. CR0
 * and CR4 are fully masked, so every write exits but reads do not; CR3
 * exits only if the CPU cannot run without CR3 exiting; CR8 always.
 * CPL > 0 was already a #GP in the guest, before any exit.
 */
static int vmx_exit_cr(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 q = vmx->exit.qual;
	int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 val, old;
	int r = 0;

	switch (type) {
	case 0:		/* MOV to CR */
		val = vmx_gpr_read(vcpu, reg);
		if (cr == 8 && (val & ~0xfULL))
			r = -EINVAL;
		switch (r ? -1 : cr) {
		case -1:
			break;
		case 0:
			r = vmx_set_cr0(vcpu, val);
			break;
		case 3:
			r = vmx_set_cr3(vcpu, val);
			break;
		case 4:
			r = vmx_set_cr4(vcpu, val);
			break;
		case 8:
			/*
			 * The core decides: the in-kernel LAPIC's TPR, or
			 * KVM_EXIT_SET_TPR (RIP past the MOV) without one.
			 */
			r = vmon_skip_emulated_insn(vcpu);
			old = vmx->cr8;
			vmx->cr8 = val;
			return r > 0 ? vmon_guest_set_cr8(vcpu, old, val) : r;
		default:
			return vmx_exit_unexpected(vcpu);
		}
		break;
	case 1:		/* MOV from CR */
		if (cr != 3 && cr != 8)
			return vmx_exit_unexpected(vcpu);
		vmx_gpr_write(vcpu, reg, vmx_get_cr(vcpu, cr));
		break;
	case 2:		/* CLTS */
		r = vmx_set_cr0(vcpu, vmx->cr0 & ~X86_CR0_TS);
		break;
	case 3:		/* LMSW: low four bits; PE can be set, not cleared */
		val = (q >> 16) & 0xf;
		r = vmx_set_cr0(vcpu, (vmx->cr0 & ~0xeULL) | val);
		break;
	}
	if (r) {
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	return vmon_skip_emulated_insn(vcpu);
}

/*
 * MOV to/from DR0-7, intercepted only until the guest's first one: the
 * guest's set goes into the hardware and the instruction runs again
 * there (debugreg.c). The exit comes before DR7.GD's #DB, which is
 * raised here (and before the CPL check, kept here too, as in KVM); its
 * injection clears GD (vmon_dbg_load()).
 */
static int vmx_exit_dr(struct vmon_vcpu *vcpu)
{
	u64 dr7;

	if (vmx_get_cpl(vcpu)) {
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	vmx_vmcs_get(vcpu);
	dr7 = vmcs_read(GUEST_DR7);
	vmx_vmcs_put(vcpu);
	if (dr7 & DR7_GD) {
		vmon_queue_db(vcpu, DR6_BD);
		return 1;
	}
	return vmon_dr_access(vcpu);
}

/* EPT violation: bit 1 write, bit 2 instruction fetch. */
static int vmx_exit_ept_violation(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 q = vmx->exit.qual;

	return vmon_handle_tdp_fault(vcpu, vmx->exit.gpa,
				     q & BIT(EPT_VIOLATION_ACC_WRITE_BIT),
				     q & BIT(EPT_VIOLATION_ACC_INSTR_BIT));
}

/* vmon never writes a misconfigured EPT entry (no MMIO SPTEs): a bug. */
static int vmx_exit_ept_misconfig(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 data[2] = { EXIT_REASON_EPT_MISCONFIG, vmx->exit.gpa };

	pr_err_ratelimited("vmon: EPT misconfiguration at gpa %llx\n",
			   vmx->exit.gpa);
	return vmon_exit_internal_error(vcpu,
				KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				2, data);
}

/*
 * Task switch (SDM vol. 3C 27.2.1, table 27-2): qualification bits 15:0
 * the new TSS selector, 31:30 the source (0 CALL, 1 IRET, 2 JMP, 3 task
 * gate in the IDT, which is VMON_TS_*). Through an IDT gate the
 * IDT-vectoring information names the event (vmx_complete_events()
 * already handed a hardware one back to the core; the core drops it when
 * the switch commits). An instruction (JMP, CALL, IRET, INT n, INT3,
 * INTO, INT1) is complete once the switch is: the old task saves the RIP
 * past it, with the length the CPU reports for this exit.
 */
static int vmx_exit_task_switch(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = vmx->exit.idt_info;
	u32 type = info & VECTORING_INFO_TYPE_MASK;
	bool idt_v = info & VECTORING_INFO_VALID_MASK;
	struct vmon_event ev = { .vector = info & VECTORING_INFO_VECTOR_MASK };
	struct vmon_task_switch ts = {
		.selector = (u16)vmx->exit.qual,
		.reason = ((u32)vmx->exit.qual >> 30) & 3,
		.next_rip = vcpu->rip,
	};
	bool insn = true;

	if (ts.reason == VMON_TS_GATE && idt_v) {
		switch (type) {
		case INTR_TYPE_NMI_INTR:
			ev.type = VMON_EV_NMI;
			insn = false;
			break;
		case INTR_TYPE_EXT_INTR:
			ev.type = VMON_EV_EXTINT;
			insn = false;
			break;
		case INTR_TYPE_HARD_EXCEPTION:
			ev.type = VMON_EV_EXCEPTION;
			ev.has_error = info & VECTORING_INFO_DELIVER_CODE_MASK;
			ev.error_code = vmx->exit.idt_err;
			ts.has_error = ev.has_error;
			ts.error_code = ev.error_code;
			insn = false;
			break;
		case INTR_TYPE_SOFT_INTR:
			ev.type = VMON_EV_SOFT_INT;
			break;
		default:	/* INT3/INTO, INT1 */
			ev.type = VMON_EV_SOFT_EXC;
			break;
		}
		ts.via = &ev;
	}
	if (insn) {
		if (!vmx->exit.insn_len)
			return vmx_exit_unexpected(vcpu);
		ts.next_rip = vmon_rip_advance(vcpu->rip, vmx->exit.insn_len,
					       vmx_get_cpu_mode(vcpu));
	}
	return vmon_task_switch(vcpu, &ts);
}

/*
 * GETSEC exits unconditionally, but CR4.SMXE = 0 makes it #UD first, and
 * vmon never lets the guest set SMXE (no SMX in its CPUID: CR4 bit
 * reserved, #GP). KVM 6.1 has no handler (internal error); an exit here
 * can only come from a CPU that gets the priority wrong, and the guest
 * gets what a CPU without SMX gives it.
 */
#define VMX_EXIT_REASON_GETSEC	11	/* not in 6.1's uapi/asm/vmx.h */

/*
 * The guest triple-faulted. Unlike SVM's VMCB after a shutdown intercept,
 * the VMCS stays defined: kvm_intel reports KVM_EXIT_SHUTDOWN and leaves
 * the state as it was, and so does vmon (userspace resets the vCPU if it
 * wants to). INVD/WBINVD would drop or flush the host's caches: no-ops
 * (as KVM).
 */
static const vmon_exit_fn vmx_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]		= vmx_exit_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= vmon_exit_host_event,
	[EXIT_REASON_TRIPLE_FAULT]		= vmon_exit_shutdown,
	[EXIT_REASON_INTERRUPT_WINDOW]		= vmx_exit_irq_window,
	[EXIT_REASON_NMI_WINDOW]		= vmx_exit_nmi_window,
	[EXIT_REASON_INIT_SIGNAL]		= vmon_exit_host_event,
	[EXIT_REASON_TASK_SWITCH]		= vmx_exit_task_switch,
	[EXIT_REASON_CPUID]			= vmon_emulate_cpuid,
	[VMX_EXIT_REASON_GETSEC]		= vmon_exit_ud,
	[EXIT_REASON_HLT]			= vmon_emulate_hlt,
	[EXIT_REASON_INVD]			= vmon_skip_emulated_insn,
	[EXIT_REASON_RDPMC]			= vmx_exit_rdpmc,
	/* No nested VMX, no hypercall ABI: as on a CPU without VMX. */
	[EXIT_REASON_VMCALL]			= vmon_exit_ud,
	[EXIT_REASON_VMCLEAR]			= vmon_exit_ud,
	[EXIT_REASON_VMLAUNCH]			= vmon_exit_ud,
	[EXIT_REASON_VMPTRLD]			= vmon_exit_ud,
	[EXIT_REASON_VMPTRST]			= vmon_exit_ud,
	[EXIT_REASON_VMREAD]			= vmon_exit_ud,
	[EXIT_REASON_VMRESUME]			= vmon_exit_ud,
	[EXIT_REASON_VMWRITE]			= vmon_exit_ud,
	[EXIT_REASON_VMOFF]			= vmon_exit_ud,
	[EXIT_REASON_VMON]			= vmon_exit_ud,
	[EXIT_REASON_CR_ACCESS]			= vmx_exit_cr,
	[EXIT_REASON_DR_ACCESS]			= vmx_exit_dr,
	[EXIT_REASON_IO_INSTRUCTION]		= vmx_exit_io,
	[EXIT_REASON_MSR_READ]			= vmon_emulate_rdmsr,
	[EXIT_REASON_MSR_WRITE]			= vmon_emulate_wrmsr,
	/* CPUID hides MONITOR/MWAIT: #UD, as on a CPU without them. */
	[EXIT_REASON_MWAIT_INSTRUCTION]		= vmon_exit_ud,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= vmon_exit_ud,
	[EXIT_REASON_MCE_DURING_VMENTRY]	= vmon_exit_host_event,
	[EXIT_REASON_EPT_VIOLATION]		= vmx_exit_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= vmx_exit_ept_misconfig,
	[EXIT_REASON_INVEPT]			= vmon_exit_ud,
	[EXIT_REASON_INVVPID]			= vmon_exit_ud,
	[EXIT_REASON_WBINVD]			= vmon_skip_emulated_insn,
	[EXIT_REASON_XSETBV]			= vmon_emulate_xsetbv,
	[EXIT_REASON_VMFUNC]			= vmon_exit_ud,
};

/*
 * VMLAUNCH/VMRESUME did not enter: a VMCS control or host-state field is
 * wrong (VM-instruction error), or VMX is off (reboot). vmon's bug, never
 * silently retried.
 */
static int vmx_exit_vmfail(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	pr_warn_ratelimited("vmon: VM entry failed on CPU %d: VM-instruction error %u\n",
			    vcpu->cpu, vmx->exit.insn_error);
	return vmon_exit_fail_entry(vcpu, vmx->exit.insn_error);
}

int vmx_handle_exit(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 reason = vmx->exit.reason;
	vmon_exit_fn fn = NULL;

	if (unlikely(vmx->exit.vmfail))
		return vmx_exit_vmfail(vcpu);
	/* #MC during entry: the host took it (vmx_exit_irqoff); see the table. */
	if (unlikely(reason & VMX_EXIT_REASONS_FAILED_VMENTRY) &&
	    (u16)reason != EXIT_REASON_MCE_DURING_VMENTRY) {
		vmx_dump_guest_state(vcpu, (u16)reason == EXIT_REASON_INVALID_STATE ?
				     "invalid guest state" :
				     "VM entry failed");
		return vmon_exit_fail_entry(vcpu, reason);
	}
	if ((u16)reason < ARRAY_SIZE(vmx_exit_handlers))
		fn = vmx_exit_handlers[(u16)reason];
	return fn ? fn(vcpu) : vmx_exit_unexpected(vcpu);
}
