/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon AMD-V backend: private to svm/. The slot numbers of the guest GPRs
 * in vcpu->regs[] are shared with svm_vmrun.S, which cannot see C enums;
 * svm.c checks them against enum vmon_reg at build time.
 */
#ifndef VMON_SVM_H
#define VMON_SVM_H

#define SVM_REGS_RCX	1
#define SVM_REGS_RDX	2
#define SVM_REGS_RBX	3
#define SVM_REGS_RBP	5
#define SVM_REGS_RSI	6
#define SVM_REGS_RDI	7
#define SVM_REGS_R8	8
#define SVM_REGS_R9	9
#define SVM_REGS_R10	10
#define SVM_REGS_R11	11
#define SVM_REGS_R12	12
#define SVM_REGS_R13	13
#define SVM_REGS_R14	14
#define SVM_REGS_R15	15

#ifndef __ASSEMBLY__

#include <linux/types.h>
#include <asm/svm.h>
#include "vmon.h"

/* What CPUID 0x8000000A says this CPU can do; filled by svm_detect(). */
struct svm_caps {
	u32 nr_asids;		/* EBX: ASIDs including 0 (the host's) */
	bool nrips;		/* next RIP saved on #VMEXIT */
	bool flush_by_asid;	/* TLB_CONTROL_FLUSH_ASID */
	bool decode_assists;	/* insn bytes on #NPF, GPR in EXITINFO1 */
};

extern struct svm_caps svm_caps;

/* Per-vCPU backend state (vcpu->vendor). */
struct svm_vcpu {
	struct vmcb *vmcb;		/* (o) one page */
	u64 vmcb_pa;			/* (o) C-bit included */

	/* ASID bookkeeping: valid while asid_gen matches the CPU's. */
	int last_cpu;			/* (v) -1: never ran */
	u32 asid;			/* (v) */
	u64 asid_gen;			/* (v) 0: none assigned */

	u64 tsc_aux;			/* (v) MSR_TSC_AUX for RDTSCP/RDPID */

	/* NMI blocking, which the VMCB does not hold (svm_events.c). */
	bool nmi_masked;		/* (v) injected NMI, IRET not done */
	bool awaiting_iret;		/* (v) IRET at iret_rip intercepted */
	u64 iret_rip;			/* (v) */
	/* Where the last exit saw an STI/MOV SS shadow (svm_run). */
	bool shadow_seen;		/* (v) */
	u64 shadow_rip;			/* (v) */

	/* One instruction stepped with TF (svm_step_one) to open a window. */
	bool step_active;		/* (v) TF added in the VMCB */
	bool step_guest_tf;		/* (v) the guest's own TF then */
	u64 step_rip;			/* (v) the instruction stepped */
	/* A step given up (svm_step_refuse) at step_refused_rip. */
	bool step_refused;		/* (v) */
	u64 step_refused_rip;		/* (v) */
};

static inline struct svm_vcpu *to_svm(struct vmon_vcpu *vcpu)
{
	return vcpu->vendor;
}

/*
 * Enter the guest once (svm_vmrun.S). Called with GIF=0 and RFLAGS.IF=1:
 * VMSAVEs the host state to @host_save_pa, VMLOADs the guest's, runs it,
 * and undoes both. GPRs other than RAX/RSP come from and go to @regs.
 */
void __svm_vmon_run(u64 vmcb_pa, u64 *regs, u64 host_save_pa);

/* svm.c: state helpers the exit handlers use. */
void svm_reset_vmcb(struct vmon_vcpu *vcpu);

/* svm_events.c */
void svm_inject_event(struct vmon_vcpu *vcpu, const struct vmon_event *ev);
void svm_complete_events(struct vmon_vcpu *vcpu);
bool svm_interrupt_allowed(struct vmon_vcpu *vcpu);
bool svm_nmi_allowed(struct vmon_vcpu *vcpu);
void svm_enable_irq_window(struct vmon_vcpu *vcpu);
void svm_enable_nmi_window(struct vmon_vcpu *vcpu);
bool svm_step_done(struct vmon_vcpu *vcpu);
void svm_step_intercepts(struct vmon_vcpu *vcpu);
bool svm_step_refuse(struct vmon_vcpu *vcpu, u64 code);
void svm_dr_intercepts(struct vmcb_control_area *c, bool on);
int svm_exit_vintr(struct vmon_vcpu *vcpu);
int svm_exit_iret(struct vmon_vcpu *vcpu);
u32 svm_get_interrupt_shadow(struct vmon_vcpu *vcpu);
void svm_set_interrupt_shadow(struct vmon_vcpu *vcpu, u32 mask);
bool svm_get_nmi_mask(struct vmon_vcpu *vcpu);
void svm_set_nmi_mask(struct vmon_vcpu *vcpu, bool masked);
int svm_get_cpu_mode(struct vmon_vcpu *vcpu);

/* svm_exits.c */
int svm_handle_exit(struct vmon_vcpu *vcpu);

#endif /* __ASSEMBLY__ */
#endif /* VMON_SVM_H */
