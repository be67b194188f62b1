// SPDX-License-Identifier: GPL-2.0
/*
 * vmon AMD-V backend: #VMEXIT handlers, one lookup from exit code to code.
 * The codes 0x00-0x8e (RDPRU) are an array; the nested page fault (0x400) and
 * VMEXIT_INVALID (-1) are the only others vmon can see and are checked
 * first. Each handler returns as ops->handle_exit does: > 0 re-enter,
 * 0 exit to userspace with kvm_run filled, < 0 errno.
 */
#include <linux/kvm_host.h>
#include <asm/debugreg.h>
#include <asm/svm.h>
#include "vmon.h"
#include "insn.h"
#include "svm.h"

static struct vmcb_control_area *svm_ctl(struct vmon_vcpu *vcpu)
{
	return &to_svm(vcpu)->vmcb->control;
}

/*
 * RDPMC must not read the host's counters. Every AMD CPU has the four
 * legacy counters, whatever CPUID says; with no virtual PMU they count
 * nothing and read 0 (kvm_amd answers the same for them).
 */
static int svm_exit_rdpmc(struct vmon_vcpu *vcpu)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;
	u32 idx = vcpu->regs[VMON_RCX] & ~(3u << 30);

	if (idx > 3 || (s->cpl && (s->cr0 & X86_CR0_PE) &&
			!(s->cr4 & X86_CR4_PCE))) {
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	vcpu->regs[VMON_RAX] = 0;
	vcpu->regs[VMON_RDX] = 0;
	return vmon_skip_emulated_insn(vcpu);
}

/*
 * #AC and #DB are intercepted only so that a delivery that faults again
 * cannot loop inside the CPU; the guest gets the exception back. For #DB
 * the VMCB's DR6 holds its causes (svm_dbg_load() cleared it at entry).
 */
static int svm_exit_ac(struct vmon_vcpu *vcpu)
{
	vmon_queue_exception(vcpu, AC_VECTOR, true, 0);
	return 1;
}

static int svm_exit_db(struct vmon_vcpu *vcpu)
{
	u64 payload = to_svm(vcpu)->vmcb->save.dr6 ^ DR6_ACTIVE_LOW;

	/*
	 * The end of our own step is the guest's single-step trap too if
	 * its TF was set, and the stepped instruction may have hit one of
	 * its breakpoints: only what is left is handed back.
	 */
	if (svm_step_done(vcpu)) {
		if (!to_svm(vcpu)->step_guest_tf)
			payload &= ~(u64)DR6_BS;
		if (!(payload & (DR_TRAP_BITS | DR6_BD | DR6_BS | DR6_RTM)))
			return 1;
	}
	vmon_queue_db(vcpu, payload);
	return 1;
}

static int svm_exit_msr(struct vmon_vcpu *vcpu)
{
	/* EXITINFO1: 0 = RDMSR, 1 = WRMSR. */
	return svm_ctl(vcpu)->exit_info_1 ? vmon_emulate_wrmsr(vcpu) :
					    vmon_emulate_rdmsr(vcpu);
}

/*
 * IOIO EXITINFO1: bit 0 IN, 2 string, 3 REP, 4-6 one-hot operand size
 * (8/16/32), 7-9 one-hot address size (16/32/64), 12:10 effective
 * segment of OUTS (decode assists only), 31:16 port. EXITINFO2 holds
 * the next RIP whether or not NRIPS exists.
 */
static int svm_exit_io(struct vmon_vcpu *vcpu)
{
	struct vmcb_control_area *c = svm_ctl(vcpu);
	u32 info = c->exit_info_1;
	struct vmon_io_exit io = {
		.port = info >> 16,
		.in = info & SVM_IOIO_TYPE_MASK,
		.string = info & SVM_IOIO_STR_MASK,
		.rep = info & SVM_IOIO_REP_MASK,
		.seg = -1,
		.next_rip = c->exit_info_2,
	};
	u32 sz = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	u32 asz = (info & SVM_IOIO_ASIZE_MASK) >> SVM_IOIO_ASIZE_SHIFT;

	io.size = sz & 4 ? 4 : sz & 2 ? 2 : 1;
	if (asz)
		io.addr_size = asz & 4 ? 8 : asz & 2 ? 4 : 2;
	else
		io.addr_size = svm_get_cpu_mode(vcpu) / 8;
	if (io.string && svm_caps.decode_assists)
		io.seg = (info >> 10) & 7;
	return vmon_handle_io(vcpu, &io);
}

/*
 * MOV to/from DR0-7, intercepted only until the guest's first one: the
 * guest's set goes into the hardware and the instruction runs again
 * there, with its own CPL, CR4.DE and DR7.GD checks (debugreg.c).
 */
static int svm_exit_dr(struct vmon_vcpu *vcpu)
{
	svm_dr_intercepts(svm_ctl(vcpu), false);
	return vmon_dr_access(vcpu);
}

/*
 * Decode the intercepted MOV to CR@cr at RIP (no decode assists needed):
 * the source value and the instruction length, or false if the bytes are
 * not that instruction (the caller reports an emulation failure).
 */
static bool svm_decode_cr_write(struct vmon_vcpu *vcpu, int cr, u64 *val,
				unsigned int *len)
{
	int mode = svm_get_cpu_mode(vcpu);
	u8 bytes[VMON_INSN_MAX_LEN];
	int n, crdr, gpr;
	bool to_cr;

	n = vmon_fetch_insn(vcpu, bytes, sizeof(bytes));
	if (n <= 0 ||
	    vmon_decode_mov_crdr(bytes, n, mode, &crdr, &gpr, &to_cr, len) ||
	    crdr != cr || !to_cr)
		return false;
	*val = vcpu->regs[gpr];
	if (mode != 64)
		*val = (u32)*val;
	return true;
}

static int svm_cr_write_failed(struct vmon_vcpu *vcpu, u64 code)
{
	u64 data[2] = { code, vcpu->rip };

	return vmon_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					2, data);
}

static void svm_skip_len(struct vmon_vcpu *vcpu, unsigned int len)
{
	vcpu->rip = vmon_rip_advance(vcpu->rip, len, svm_get_cpu_mode(vcpu));
	vmon_insn_step_trap(vcpu);
}

/*
 * MOV to CR8 (also LOCK MOV CR0): intercepted so that the TPR reaches the
 * in-kernel LAPIC, or, without one, so that lowering it can be reported
 * to userspace (KVM_EXIT_SET_TPR, RIP past the MOV). Reads are not
 * intercepted: with V_INTR_MASKING the guest reads V_TPR.
 */
static int svm_exit_write_cr8(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 old = svm->vmcb->control.int_ctl & V_TPR_MASK, val;
	unsigned int len;

	if (!svm_decode_cr_write(vcpu, 8, &val, &len))
		return svm_cr_write_failed(vcpu, SVM_EXIT_WRITE_CR8);
	if (val & ~(u64)V_TPR_MASK) {
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	svm->vmcb->control.int_ctl = (svm->vmcb->control.int_ctl &
				      ~V_TPR_MASK) | val;
	svm_skip_len(vcpu, len);
	return vmon_guest_set_cr8(vcpu, old, val);
}

/*
 * MOV to CR4: intercepted, as KVM does, because the CPU would accept any
 * bit it implements, including features the guest's CPUID hides (LA57,
 * PKE, SMAP, ...). The architectural checks are the ones a CPU with the
 * guest's CPUID makes; a change of a paging bit flushes the guest's TLB
 * (a new ASID), which the real write would have done.
 */
static int svm_exit_write_cr4(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;
	u64 old = s->cr4, val;
	unsigned int len;

	if (!svm_decode_cr_write(vcpu, 4, &val, &len))
		return svm_cr_write_failed(vcpu, SVM_EXIT_WRITE_CR4);
	if (!vmon_cr4_write_ok(vcpu, old, val, s->efer, s->cr3)) {
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	s->cr4 = val;
	vmon_regs_invalidate(vcpu);
	if ((val ^ old) & VMON_CR4_FLUSH_BITS)
		svm->asid_gen = 0;
	svm_skip_len(vcpu, len);
	return 1;
}

/*
 * The VMCB is undefined after a shutdown intercept; kvm_amd re-initializes
 * the vCPU (INIT) before reporting KVM_EXIT_SHUTDOWN. vmon rebuilds the
 * VMCB and the registers as at reset; the LAPIC and the event queue are
 * left as they were.
 */
static int svm_exit_shutdown(struct vmon_vcpu *vcpu)
{
	svm_reset_vmcb(vcpu);
	return vmon_exit_shutdown(vcpu);
}

/* EXITINFO1: #PF-style error code; EXITINFO2: guest physical address. */
static int svm_exit_npf(struct vmon_vcpu *vcpu)
{
	struct vmcb_control_area *c = svm_ctl(vcpu);
	u64 err = c->exit_info_1, gpa = c->exit_info_2;

	/* vmon never sets reserved bits in its tables: they are broken. */
	if (unlikely(err & PFERR_RSVD_MASK)) {
		u64 data[3] = { SVM_EXIT_NPF, err, gpa };

		pr_err_ratelimited("vmon: reserved bit in nested page table at gpa %llx\n",
				   gpa);
		return vmon_exit_internal_error(vcpu,
					KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					3, data);
	}
	return vmon_handle_tdp_fault(vcpu, gpa, err & PFERR_WRITE_MASK,
				     err & PFERR_FETCH_MASK);
}

static int svm_exit_invalid(struct vmon_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	pr_warn_ratelimited("vmon: VMRUN failed consistency checks: cr0 %llx cr3 %llx cr4 %llx efer %llx cs %x/%x rip %llx event_inj %x\n",
			    s->cr0, s->cr3, s->cr4, s->efer, s->cs.selector,
			    s->cs.attrib, s->rip, vmcb->control.event_inj);
	/* KVM reports the low 32 bits of the exit code: 0xffffffff. */
	return vmon_exit_fail_entry(vcpu, vmcb->control.exit_code);
}

/*
 * No TASK_SWITCH intercept: unlike VMX, SVM performs hardware task
 * switches in the guest, and with NPT that is right for vmon. CR0 (TS),
 * CR3 and the segment state the switch loads are guest-owned in the VMCB
 * (no CR0/CR3 intercepts), so nothing vmon caches goes stale. An event
 * vmon injects (EVENTINJ) that reaches a task gate is delivered by the
 * CPU, error code included; an intercept during that delivery hands it
 * back in EXITINTINFO and the next VMRUN redoes the switch from the
 * start. KVM intercepts task switches for reasons of its own: with
 * shadow paging (npt=0) a task switch's CR3 load must go through its
 * MMU, and one emulator serves both vendors. Intercepting here would also
 * cost: without NRIP-save vmon would have to decode JMP/CALL far, IRET
 * and INT n itself for the RIP the old task saves (task_switch.c is
 * ready for the rest). The one interaction left is vmon's own
 * single-step (svm_step_one(): TF in the VMCB) over an instruction that
 * switches tasks: the CPU would save that TF in the old task's TSS.
 */
/* INVD would discard dirty host lines, WBINVD flush every cache: no-ops. */
static const vmon_exit_fn svm_exit_handlers[] = {
	[SVM_EXIT_WRITE_CR4]				= svm_exit_write_cr4,
	[SVM_EXIT_WRITE_CR8]				= svm_exit_write_cr8,
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7]	= svm_exit_dr,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7]	= svm_exit_dr,
	[SVM_EXIT_EXCP_BASE + MC_VECTOR]		= vmon_exit_host_event,
	[SVM_EXIT_INTR]					= vmon_exit_host_event,
	[SVM_EXIT_NMI]					= vmon_exit_host_event,
	[SVM_EXIT_SMI]					= vmon_exit_host_event,
	[SVM_EXIT_RDPMC]				= svm_exit_rdpmc,
	[SVM_EXIT_CPUID]				= vmon_emulate_cpuid,
	[SVM_EXIT_INVD]					= vmon_skip_emulated_insn,
	[SVM_EXIT_WBINVD]				= vmon_skip_emulated_insn,
	[SVM_EXIT_EXCP_BASE + AC_VECTOR]		= svm_exit_ac,
	[SVM_EXIT_EXCP_BASE + DB_VECTOR]		= svm_exit_db,
	[SVM_EXIT_HLT]					= vmon_emulate_hlt,
	[SVM_EXIT_VINTR]				= svm_exit_vintr,
	[SVM_EXIT_IRET]					= svm_exit_iret,
	[SVM_EXIT_INVLPGA]				= vmon_exit_ud,
	[SVM_EXIT_IOIO]					= svm_exit_io,
	[SVM_EXIT_MSR]					= svm_exit_msr,
	[SVM_EXIT_SHUTDOWN]				= svm_exit_shutdown,
	/* No nested SVM, no hypercall ABI: as on hardware without SVM. */
	[SVM_EXIT_VMRUN]				= vmon_exit_ud,
	[SVM_EXIT_VMMCALL]				= vmon_exit_ud,
	[SVM_EXIT_VMLOAD]				= vmon_exit_ud,
	[SVM_EXIT_VMSAVE]				= vmon_exit_ud,
	[SVM_EXIT_STGI]					= vmon_exit_ud,
	[SVM_EXIT_CLGI]					= vmon_exit_ud,
	[SVM_EXIT_SKINIT]				= vmon_exit_ud,
	[SVM_EXIT_MONITOR]				= vmon_exit_ud,
	[SVM_EXIT_MWAIT]				= vmon_exit_ud,
	[SVM_EXIT_XSETBV]				= vmon_emulate_xsetbv,
	[SVM_EXIT_RDPRU]				= vmon_exit_ud,
	[SVM_EXIT_NPF]					= svm_exit_npf,
};

int svm_handle_exit(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	u64 code = ((u64)c->exit_code_hi << 32) | c->exit_code;
	vmon_exit_fn fn = NULL;

	/* VMEXIT_INVALID is -1 in 64 bits; accept a CPU that writes 32. */
	if (unlikely((u32)code == (u32)SVM_EXIT_ERR))
		return svm_exit_invalid(vcpu);
	/* Our TF step would have shown: drop it, re-run the instruction. */
	if (unlikely(svm->step_active) && svm_step_refuse(vcpu, code))
		return 1;
	if (code < ARRAY_SIZE(svm_exit_handlers))
		fn = svm_exit_handlers[code];
	if (unlikely(!fn)) {
		u64 data[2] = { code, vcpu->cpu };

		pr_warn_ratelimited("vmon: unexpected #VMEXIT %#llx\n", code);
		return vmon_exit_internal_error(vcpu,
					KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					2, data);
	}
	return fn(vcpu);
}
