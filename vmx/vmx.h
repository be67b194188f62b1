/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon Intel VT-x backend: private to vmx/. The slot numbers of the guest
 * GPRs in vcpu->regs[] are shared with vmx_vmenter.S, which cannot see C
 * enums; vmx.c checks them against enum vmon_reg at build time.
 */
#ifndef VMON_VMX_H
#define VMON_VMX_H

#define VMX_REGS_RAX	0
#define VMX_REGS_RCX	1
#define VMX_REGS_RDX	2
#define VMX_REGS_RBX	3
#define VMX_REGS_RSP	4
#define VMX_REGS_RBP	5
#define VMX_REGS_RSI	6
#define VMX_REGS_RDI	7
#define VMX_REGS_R8	8
#define VMX_REGS_R9	9
#define VMX_REGS_R10	10
#define VMX_REGS_R11	11
#define VMX_REGS_R12	12
#define VMX_REGS_R13	13
#define VMX_REGS_R14	14
#define VMX_REGS_R15	15

/* VMCS field encoding of HOST_RSP (SDM vol. 3D, appendix B). */
#define VMX_HOST_RSP_FIELD	0x00006c14

/* What __vmx_vmon_enter() returns besides a VM exit (0). */
#define VMX_ENTER_VMFAIL	1	/* VMfailValid/VMfailInvalid */

#ifndef __ASSEMBLY__

#include <linux/list.h>
#include <linux/types.h>
#include <asm/vmx.h>
#include "vmon.h"

/* What the CPU can do and which controls vmon runs with (vmx_detect()). */
struct vmx_caps {
	u32 revision_id;
	u32 vmcs_size;
	u32 pin, proc, proc2, exit, entry;	/* chosen controls */
	u64 ept_vpid_cap;
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool vpid;		/* VPID enabled (INVVPID usable) */
	bool invvpid_single;	/* else all-context */
	bool invept_single;	/* else global */
	bool ept_ad;		/* accessed/dirty flags in EPT */
	bool rdtscp;		/* "enable RDTSCP": guest TSC_AUX switched */
	bool nmi_window;	/* virtual NMIs with NMI-window exiting */
};

extern struct vmx_caps vmx_caps;

/* Exit information read right after the exit, with IRQs still off. */
struct vmx_exit_info {
	u32 reason;		/* full 32 bits (bit 31: entry failure) */
	u64 qual;
	u64 gpa;
	u32 intr_info;
	u32 intr_err;
	u32 idt_info;
	u32 idt_err;
	u32 insn_len;
	u32 insn_info;
	u32 insn_error;		/* VM_INSTRUCTION_ERROR after a VMfail */
	bool vmfail;		/* VMLAUNCH/VMRESUME did not enter */
};

/* Per-vCPU backend state (vcpu->vendor). */
struct vmx_vcpu {
	struct vmon_vcpu *vcpu;		/* (o) */
	void *vmcs;			/* (o) one page */
	u64 vmcs_pa;			/* (o) */
	/*
	 * CPU on which the VMCS is active (VMPTRLD done, no VMCLEAR yet), or
	 * -1. Written only on that CPU with IRQs off (load, VMCLEAR IPI,
	 * CPU going offline); the owner reads it to know whom to IPI.
	 */
	int cpu;			/* (a) */
	bool launched;			/* (a) like cpu: VMCLEAR resets it */
	struct list_head loaded_link;	/* on vmx_cpu.loaded, like cpu */
	u16 vpid;			/* (o) 0: VPID off */

	bool need_flush;		/* (v) INVEPT/INVVPID before entry */

	/* Host state written into this VMCS, to skip unchanged VMWRITEs. */
	int host_cpu;			/* (v) per-CPU host fields are its */
	unsigned long host_cr3;		/* (v) */
	unsigned long host_cr4;		/* (v) */
	unsigned long host_fs_base;	/* (v) */
	u16 host_fs_sel, host_gs_sel;	/* (v) */

	/* Guest state VMX does not switch: loaded around each entry. */
	u64 cr2;			/* (v) */
	u64 star, lstar, cstar, sfmask;	/* (v) */
	u64 kernel_gs_base;		/* (v) */
	u64 tsc_aux;			/* (v) */
	u64 efer;			/* (v) guest EFER, LMA included */
	/* CR0/CR4 as the guest sees them (the read shadows: mask is ~0). */
	u64 cr0, cr4;			/* (v) */
	u64 cr8;			/* (v) no TPR shadow: kept here */
	u64 guest_pat;			/* (v) last GUEST_IA32_PAT written */
	u64 exit_rip;			/* (v) RIP at the last exit */

	struct vmx_exit_info exit;	/* (v) the last exit */
	/* Event for the next entry (VM_ENTRY_INTR_INFO_FIELD & co). */
	u32 inject_info;		/* (v) 0: none */
	u32 inject_err;			/* (v) */
	u32 inject_len;			/* (v) soft events: insn length */
	/* Interruptibility state, cached across exits (vmx_events.c). */
	u32 intr_state;			/* (v) GUEST_INTERRUPTIBILITY_INFO */
	bool irq_window;		/* (v) interrupt-window exiting wanted */
	bool nmi_window;		/* (v) NMI-window exiting wanted */
	u32 proc_ctl;			/* (v) CPU_BASED_VM_EXEC_CONTROL now */
	/* PAE paging was (re)entered from outside: PDPTRs need reloading. */
	bool pdptrs_dirty;		/* (v) */
};

static inline struct vmx_vcpu *to_vmx(struct vmon_vcpu *vcpu)
{
	return vcpu->vendor;
}

/* ------------------------------------------------------------------ */
/* VMCS access. The VMCS must be current on this CPU (vmx_vmcs_get()). */

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value;

	asm volatile("vmread %1, %0" : "=rm"(value) : "r"(field) : "cc");
	return value;
}

static __always_inline u16 vmcs_read16(unsigned long field)
{
	return vmcs_read(field);
}

static __always_inline u32 vmcs_read32(unsigned long field)
{
	return vmcs_read(field);
}

void vmx_vmwrite_error(unsigned long field, unsigned long value);

static __always_inline void vmcs_write(unsigned long field,
				       unsigned long value)
{
	asm goto("vmwrite %[value], %[field]\n\t"
		 "jna %l[error]"
		 : : [value] "rm"(value), [field] "r"(field)
		 : "cc" : error);
	return;
error:
	vmx_vmwrite_error(field, value);
}

/*
 * Make @vcpu's VMCS current on this CPU for a state access from process
 * context: disables preemption (and VMCLEARs the VMCS on the CPU it was
 * active on by IPI). Pair with vmx_vmcs_put().
 */
void vmx_vmcs_get(struct vmon_vcpu *vcpu);
void vmx_vmcs_put(struct vmon_vcpu *vcpu);

/*
 * Enter the guest once (vmx_vmenter.S): GPRs other than RSP come from and
 * go to @regs; VMRESUME if @launched, else VMLAUNCH. Writes HOST_RSP just
 * before entering. Returns 0 after a VM exit, VMX_ENTER_VMFAIL if the
 * instruction failed (nothing was entered).
 */
int __vmx_vmon_enter(u64 *regs, bool launched);
/* The exit lands here (HOST_RIP). */
void vmx_vmon_vmexit(void);
/* Call an IDT entry point (asm_exc_nmi_noist) with an interrupt frame. */
void vmx_vmon_call_nmi(void (*entry)(void));

/* vmx.c */
extern const u32 vmx_seg_sel[8], vmx_seg_limit[8], vmx_seg_ar[8];
extern const u32 vmx_seg_base[8];
u64 vmx_eptp(struct vmon_vcpu *vcpu);
/* VM-exit instruction information is valid for INS/OUTS. */
bool vmx_has_inout_info(void);

/* vmx_state.c: guest state, shared with the exit handlers. */
void vmx_reset_vcpu(struct vmon_vcpu *vcpu);
int vmx_get_cpu_mode(struct vmon_vcpu *vcpu);
u64 vmx_get_cr(struct vmon_vcpu *vcpu, int cr);
int vmx_get_cpl(struct vmon_vcpu *vcpu);
/* Guest writes to CR0/CR4 (MOV, LMSW, CLTS): 0, or -EINVAL for #GP. */
int vmx_set_cr0(struct vmon_vcpu *vcpu, u64 cr0);
int vmx_set_cr4(struct vmon_vcpu *vcpu, u64 cr4);
int vmx_set_cr3(struct vmon_vcpu *vcpu, u64 cr3);
/* Load the PAE PDPTEs from guest memory when needed; may sleep. */
int vmx_load_pdptrs(struct vmon_vcpu *vcpu);
void vmx_get_sregs(struct vmon_vcpu *vcpu, struct kvm_sregs *sregs);
int vmx_set_sregs(struct vmon_vcpu *vcpu, const struct kvm_sregs *sregs);
enum vmon_msr_result vmx_get_msr(struct vmon_vcpu *vcpu, u32 index, u64 *data);
enum vmon_msr_result vmx_set_msr(struct vmon_vcpu *vcpu, u32 index, u64 data,
				 bool host);
u64 vmx_get_efer(struct vmon_vcpu *vcpu);
void vmx_set_cr8(struct vmon_vcpu *vcpu, u64 cr8);
u64 vmx_get_cs_base(struct vmon_vcpu *vcpu);
u64 vmx_get_seg_base(struct vmon_vcpu *vcpu, int seg);
void vmx_set_tsc_offset(struct vmon_vcpu *vcpu, u64 offset);
/* Log the guest state a failed entry was refused for. */
void vmx_dump_guest_state(struct vmon_vcpu *vcpu, const char *why);

/* vmx_events.c */
void vmx_inject_event(struct vmon_vcpu *vcpu, const struct vmon_event *ev);
void vmx_complete_events(struct vmon_vcpu *vcpu);
void vmx_prepare_events(struct vmon_vcpu *vcpu);
bool vmx_interrupt_allowed(struct vmon_vcpu *vcpu);
bool vmx_nmi_allowed(struct vmon_vcpu *vcpu);
void vmx_enable_irq_window(struct vmon_vcpu *vcpu);
void vmx_enable_nmi_window(struct vmon_vcpu *vcpu);
int vmx_exit_irq_window(struct vmon_vcpu *vcpu);
int vmx_exit_nmi_window(struct vmon_vcpu *vcpu);
u32 vmx_get_interrupt_shadow(struct vmon_vcpu *vcpu);
void vmx_set_interrupt_shadow(struct vmon_vcpu *vcpu, u32 mask);
bool vmx_get_nmi_mask(struct vmon_vcpu *vcpu);
void vmx_set_nmi_mask(struct vmon_vcpu *vcpu, bool masked);

/* vmx_exits.c */
int vmx_handle_exit(struct vmon_vcpu *vcpu);

#endif /* __ASSEMBLY__ */
#endif /* VMON_VMX_H */
