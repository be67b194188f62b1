// SPDX-License-Identifier: GPL-2.0
/*
 * vmon VT-x backend: guest state access (KVM_GET/SET_SREGS, MSRs, control
 * registers, events).
 *
 * Who owns what: the VMCS holds segments, descriptor tables, CR3, DR7,
 * SYSENTER, FS/GS bases and the interruptibility state; vmx_vcpu holds
 * what the guest sees of CR0/CR4 (both are fully intercepted, so the read
 * shadows equal these copies), CR2, CR8, EFER and the MSRs VMX does not
 * switch. Every VMCS access is bracketed by vmx_vmcs_get()/put(), which
 * make the VMCS current on this CPU with preemption off.
 */
#include <linux/kvm_host.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/trapnr.h>
#include "vmon.h"
#include "vmx.h"

/* Reset values (SDM vol. 3A, "Processor State After Reset"). */

/* VMCS access-rights values (SDM vol. 3C, table 24-2) at reset. */
#define VMX_AR_CODE_RX_A	0x9b
#define VMX_AR_DATA_RW_A	0x93
#define VMX_AR_LDT		0x82
#define VMX_AR_TSS32_BUSY	0x8b

/*
 * CR4 bits the guest may not set: the architectural ones (core) and those
 * this CPU cannot run a guest with at all (VMX fixed-1 MSR).
 */
static u64 vmx_cr4_reserved(struct vmon_vcpu *vcpu)
{
	return vmon_cr4_reserved(vcpu) | ~vmx_caps.cr4_fixed1;
}

/* ------------------------------------------------------------------ */
/* Control registers and EFER in the VMCS (VMCS current)               */

/*
 * What the CPU runs with: CD/NW off (the guest's RAM is WB through EPT,
 * as KVM does), NE and whatever else the fixed bits demand, except PE/PG
 * which unrestricted guest frees.
 */
static void vmx_write_cr0_hw(struct vmx_vcpu *vmx)
{
	u64 fixed0 = vmx_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
	u64 hw = (vmx->cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | fixed0 |
		 X86_CR0_NE | X86_CR0_ET;

	vmcs_write(GUEST_CR0, hw & vmx_caps.cr0_fixed1);
	vmcs_write(CR0_READ_SHADOW, vmx->cr0);
}

static void vmx_write_cr4_hw(struct vmx_vcpu *vmx)
{
	vmcs_write(GUEST_CR4, (vmx->cr4 | vmx_caps.cr4_fixed0) &
			      vmx_caps.cr4_fixed1);
	vmcs_write(CR4_READ_SHADOW, vmx->cr4);
}

/* EFER and "IA-32e mode guest" must agree on LMA (SDM 26.3.1.1). */
static void vmx_write_efer_hw(struct vmx_vcpu *vmx)
{
	u32 entry = vmx_caps.entry;

	if (vmx->efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	vmcs_write(VM_ENTRY_CONTROLS, entry);
	vmcs_write(GUEST_IA32_EFER, vmx->efer);
}

static bool vmx_pae_paging(struct vmx_vcpu *vmx)
{
	return vmon_pae_paging(vmx->cr0, vmx->cr4, vmx->efer);
}

/* vcpu->pdptrs into the VMCS: with EPT, PAE paging runs on these. */
static void vmx_write_pdptrs(struct vmon_vcpu *vcpu)
{
	vmx_vmcs_get(vcpu);
	vmcs_write(GUEST_PDPTR0, vcpu->pdptrs[0]);
	vmcs_write(GUEST_PDPTR1, vcpu->pdptrs[1]);
	vmcs_write(GUEST_PDPTR2, vcpu->pdptrs[2]);
	vmcs_write(GUEST_PDPTR3, vcpu->pdptrs[3]);
	vmx_vmcs_put(vcpu);
}

/*
 * In PAE paging, the PDPTEs at the current CR3 (the rule and the read:
 * vmon_load_pdptrs()) into the VMCS: every CR0/CR3/CR4 write vmon
 * emulates that loads them, and KVM_SET_SREGS. -EINVAL for #GP.
 */
int vmx_load_pdptrs(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->pdptrs_dirty = false;
	if (!vmx_pae_paging(vmx))
		return 0;
	if (!vmon_load_pdptrs(vcpu, vmx_get_cr(vcpu, 3)))
		return -EINVAL;
	vmx_write_pdptrs(vcpu);
	return 0;
}

static bool vmx_cs_long(struct vmon_vcpu *vcpu)
{
	u32 ar;

	vmx_vmcs_get(vcpu);
	ar = vmcs_read32(GUEST_CS_AR_BYTES);
	vmx_vmcs_put(vcpu);
	return ar & VMX_AR_L_MASK;
}

/* Guest MOV to CR0 / LMSW / CLTS, with the architectural #GP checks. */
int vmx_set_cr0(struct vmon_vcpu *vcpu, u64 cr0)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 old = vmx->cr0;

	if (cr0 >> 32)
		return -EINVAL;
	cr0 |= X86_CR0_ET;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && !(old & X86_CR0_PG) &&
	    (vmx->efer & EFER_LME)) {
		if (!(vmx->cr4 & X86_CR4_PAE) || vmx_cs_long(vcpu))
			return -EINVAL;
	}
	if (!(cr0 & X86_CR0_PG) && (old & X86_CR0_PG) &&
	    (vmx->efer & EFER_LMA) && vmx_cs_long(vcpu))
		return -EINVAL;

	vmx->cr0 = cr0;
	if ((cr0 ^ old) & X86_CR0_PG) {
		if ((cr0 & X86_CR0_PG) && (vmx->efer & EFER_LME))
			vmx->efer |= EFER_LMA;
		else
			vmx->efer &= ~EFER_LMA;
	}
	if (vmon_cr0_loads_pdptrs(old, cr0, vmx->cr4, vmx->efer) &&
	    vmx_load_pdptrs(vcpu)) {
		vmx->cr0 = old;
		vmx->efer = (vmx->efer & ~EFER_LMA) |
			    ((old & X86_CR0_PG) && (vmx->efer & EFER_LME) ?
			     EFER_LMA : 0);
		return -EINVAL;
	}
	vmx_vmcs_get(vcpu);
	vmx_write_cr0_hw(vmx);
	vmx_write_efer_hw(vmx);
	vmx_vmcs_put(vcpu);
	vmon_regs_invalidate(vcpu);
	/* Paging on/off or WP changed: cached translations are stale. */
	if ((cr0 ^ old) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE))
		vmx->need_flush = true;
	return 0;
}

int vmx_set_cr4(struct vmon_vcpu *vcpu, u64 cr4)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 old = vmx->cr4;

	if ((cr4 & ~vmx_caps.cr4_fixed1) ||
	    !vmon_cr4_write_ok(vcpu, old, cr4, vmx->efer, vmx_get_cr(vcpu, 3)))
		return -EINVAL;
	/* vmon_cr4_write_ok() read and checked the PDPTEs it loads. */
	if (vmon_cr4_loads_pdptrs(vmx->cr0, vmx->efer, old, cr4))
		vmx_write_pdptrs(vcpu);
	vmx->cr4 = cr4;
	vmx_vmcs_get(vcpu);
	vmx_write_cr4_hw(vmx);
	vmx_vmcs_put(vcpu);
	vmon_regs_invalidate(vcpu);
	if ((cr4 ^ old) & VMON_CR4_FLUSH_BITS)
		vmx->need_flush = true;
	return 0;
}

/* Only reached when the CPU forces CR3-load exiting. */
int vmx_set_cr3(struct vmon_vcpu *vcpu, u64 cr3)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 old = vmx_get_cr(vcpu, 3);

	if (!(vmx->efer & EFER_LMA))
		cr3 = (u32)cr3;
	else if (cr3 >> vmon_guest_maxphyaddr(vcpu))
		return -EINVAL;
	vmx_vmcs_get(vcpu);
	vmcs_write(GUEST_CR3, cr3);
	vmx_vmcs_put(vcpu);
	vmon_regs_invalidate(vcpu);
	if (vmx_load_pdptrs(vcpu)) {
		vmx_vmcs_get(vcpu);
		vmcs_write(GUEST_CR3, old);
		vmx_vmcs_put(vcpu);
		return -EINVAL;
	}
	vmx->need_flush = true;
	return 0;
}

u64 vmx_get_cr(struct vmon_vcpu *vcpu, int cr)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 v;

	switch (cr) {
	case 0:	return vmx->cr0;
	case 2:	return vmx->cr2;
	case 4:	return vmx->cr4;
	case 8:	return vmx->cr8;
	case 3:
		vmx_vmcs_get(vcpu);
		v = vmcs_read(GUEST_CR3);
		vmx_vmcs_put(vcpu);
		return v;
	default:
		WARN_ON_ONCE(1);
		return 0;
	}
}

/* KVM_RUN's kvm_run->cr8 (no in-kernel APIC): the TPR the guest sees. */
void vmx_set_cr8(struct vmon_vcpu *vcpu, u64 cr8)
{
	to_vmx(vcpu)->cr8 = cr8 & 0xf;
}

u64 vmx_get_efer(struct vmon_vcpu *vcpu)
{
	return to_vmx(vcpu)->efer;
}

int vmx_get_cpu_mode(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 ar;

	if (!(vmx->cr0 & X86_CR0_PE) || (vcpu->rflags & X86_EFLAGS_VM))
		return 16;
	vmx_vmcs_get(vcpu);
	ar = vmcs_read32(GUEST_CS_AR_BYTES);
	vmx_vmcs_put(vcpu);
	if ((vmx->efer & EFER_LMA) && (ar & VMX_AR_L_MASK))
		return 64;
	return (ar & VMX_AR_DB_MASK) ? 32 : 16;
}

/* SS.DPL is the CPL on VMX (SDM 26.3.1.2). */
int vmx_get_cpl(struct vmon_vcpu *vcpu)
{
	u32 ar;

	if (!(to_vmx(vcpu)->cr0 & X86_CR0_PE))
		return 0;
	if (vcpu->rflags & X86_EFLAGS_VM)
		return 3;
	vmx_vmcs_get(vcpu);
	ar = vmcs_read32(GUEST_SS_AR_BYTES);
	vmx_vmcs_put(vcpu);
	return VMX_AR_DPL(ar);
}

u64 vmx_get_seg_base(struct vmon_vcpu *vcpu, int seg)
{
	u64 base;

	if (WARN_ON_ONCE(seg < 0 || seg >= ARRAY_SIZE(vmx_seg_base)))
		return 0;
	vmx_vmcs_get(vcpu);
	base = vmcs_read(vmx_seg_base[seg]);
	vmx_vmcs_put(vcpu);
	return base;
}

u64 vmx_get_cs_base(struct vmon_vcpu *vcpu)
{
	return vmx_get_seg_base(vcpu, VCPU_SREG_CS);
}

void vmx_set_tsc_offset(struct vmon_vcpu *vcpu, u64 offset)
{
	vmx_vmcs_get(vcpu);
	vmcs_write(TSC_OFFSET, offset);
	vmx_vmcs_put(vcpu);
}

/* ------------------------------------------------------------------ */
/* Segments (VMCS current)                                             */

static void vmx_read_segment(int seg, struct kvm_segment *var)
{
	u32 ar = vmcs_read32(vmx_seg_ar[seg]);

	var->base = vmcs_read(vmx_seg_base[seg]);
	var->limit = vmcs_read32(vmx_seg_limit[seg]);
	var->selector = vmcs_read16(vmx_seg_sel[seg]);
	var->type = ar & 15;
	var->s = (ar >> 4) & 1;
	var->dpl = VMX_AR_DPL(ar);
	var->avl = (ar >> 12) & 1;
	var->l = (ar >> 13) & 1;
	var->db = (ar >> 14) & 1;
	var->g = (ar >> 15) & 1;
	var->unusable = !!(ar & VMX_AR_UNUSABLE_MASK);
	/* A usable segment is present on VMX: report it like KVM. */
	var->present = !var->unusable;
	var->padding = 0;
}

static void vmx_write_segment(int seg, const struct kvm_segment *var)
{
	u32 ar;

	if (var->unusable || !var->present) {
		ar = VMX_AR_UNUSABLE_MASK;
	} else {
		u8 type = var->type;

		/*
		 * Entry demands the accessed bit on usable code/data
		 * segments; userspace often leaves it clear (KVM sets it).
		 */
		if (seg != VCPU_SREG_LDTR && seg != VCPU_SREG_TR)
			type |= 1;
		ar = (type & 15) | (var->s & 1) << 4 | (var->dpl & 3) << 5 |
		     1 << 7 | (var->avl & 1) << 12 | (var->l & 1) << 13 |
		     (var->db & 1) << 14 | (var->g & 1) << 15;
	}
	vmcs_write(vmx_seg_sel[seg], var->selector);
	vmcs_write(vmx_seg_base[seg], var->base);
	vmcs_write(vmx_seg_limit[seg], var->limit);
	vmcs_write(vmx_seg_ar[seg], ar);
}

void vmx_get_sregs(struct vmon_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vmcs_get(vcpu);
	vmx_read_segment(VCPU_SREG_CS, &sregs->cs);
	vmx_read_segment(VCPU_SREG_DS, &sregs->ds);
	vmx_read_segment(VCPU_SREG_ES, &sregs->es);
	vmx_read_segment(VCPU_SREG_FS, &sregs->fs);
	vmx_read_segment(VCPU_SREG_GS, &sregs->gs);
	vmx_read_segment(VCPU_SREG_SS, &sregs->ss);
	vmx_read_segment(VCPU_SREG_TR, &sregs->tr);
	vmx_read_segment(VCPU_SREG_LDTR, &sregs->ldt);
	sregs->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sregs->cr3 = vmcs_read(GUEST_CR3);
	vmx_vmcs_put(vcpu);
	memset(sregs->gdt.padding, 0, sizeof(sregs->gdt.padding));
	memset(sregs->idt.padding, 0, sizeof(sregs->idt.padding));
	sregs->cr0 = vmx->cr0;
	sregs->cr2 = vmx->cr2;
	sregs->cr4 = vmx->cr4;
	sregs->cr8 = vmx->cr8;
	sregs->efer = vmx->efer;
	/* The core fills apic_base and the pending-interrupt bitmap. */
	memset(sregs->interrupt_bitmap, 0, sizeof(sregs->interrupt_bitmap));
}

int vmx_set_sregs(struct vmon_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	/* The core checked the architectural rules; add this CPU's. */
	if (sregs->cr4 & vmx_cr4_reserved(vcpu))
		return -EINVAL;

	vmx->cr0 = sregs->cr0 | X86_CR0_ET;
	vmx->cr2 = sregs->cr2;
	vmx->cr4 = sregs->cr4;
	vmx->cr8 = sregs->cr8 & 0xf;
	vmx->efer = sregs->efer;

	vmx_vmcs_get(vcpu);
	vmx_write_segment(VCPU_SREG_CS, &sregs->cs);
	vmx_write_segment(VCPU_SREG_DS, &sregs->ds);
	vmx_write_segment(VCPU_SREG_ES, &sregs->es);
	vmx_write_segment(VCPU_SREG_FS, &sregs->fs);
	vmx_write_segment(VCPU_SREG_GS, &sregs->gs);
	vmx_write_segment(VCPU_SREG_SS, &sregs->ss);
	vmx_write_segment(VCPU_SREG_TR, &sregs->tr);
	vmx_write_segment(VCPU_SREG_LDTR, &sregs->ldt);
	vmcs_write(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmcs_write(GUEST_CR3, sregs->cr3);
	vmx_write_cr0_hw(vmx);
	vmx_write_cr4_hw(vmx);
	vmx_write_efer_hw(vmx);
	vmx_vmcs_put(vcpu);
	/* As KVM: PDPTEs come from memory when sregs enter PAE paging. */
	vmx_load_pdptrs(vcpu);
	/* Paging state changed behind the CPU's back. */
	vmx->need_flush = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* MSRs                                                                */

/* The software copy of an MSR switched around entry, or NULL. */
static u64 *vmx_msr_field(struct vmx_vcpu *vmx, u32 index)
{
	switch (index) {
	case MSR_STAR:
		return &vmx->star;
	case MSR_LSTAR:
		return &vmx->lstar;
	case MSR_CSTAR:
		return &vmx->cstar;
	case MSR_SYSCALL_MASK:
		return &vmx->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &vmx->kernel_gs_base;
	default:
		return NULL;
	}
}

/* The VMCS field of an MSR the CPU switches, or 0. */
static u32 vmx_msr_vmcs_field(u32 index)
{
	switch (index) {
	case MSR_FS_BASE:
		return GUEST_FS_BASE;
	case MSR_GS_BASE:
		return GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:
		return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return GUEST_SYSENTER_EIP;
	default:
		return 0;
	}
}

enum vmon_msr_result vmx_get_msr(struct vmon_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 *field = vmx_msr_field(vmx, index);
	u32 vmcs_field = vmx_msr_vmcs_field(index);

	if (field) {
		*data = *field;
		return VMON_MSR_OK;
	}
	if (vmcs_field) {
		vmx_vmcs_get(vcpu);
		*data = vmcs_read(vmcs_field);
		vmx_vmcs_put(vcpu);
		return VMON_MSR_OK;
	}
	switch (index) {
	case MSR_EFER:
		*data = vmx->efer;
		return VMON_MSR_OK;
	case MSR_TSC_AUX:
		if (!vmx_caps.rdtscp)
			return VMON_MSR_UNHANDLED;
		*data = vmx->tsc_aux;
		return VMON_MSR_OK;
	default:
		return VMON_MSR_UNHANDLED;
	}
}

/* EFER as the core checked it (msr.c). */
static void vmx_set_efer(struct vmon_vcpu *vcpu, u64 efer)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->efer = efer;
	vmx_vmcs_get(vcpu);
	vmx_write_efer_hw(vmx);
	vmx_vmcs_put(vcpu);
}

enum vmon_msr_result vmx_set_msr(struct vmon_vcpu *vcpu, u32 index, u64 data,
				 bool host)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 *field = vmx_msr_field(vmx, index);
	u32 vmcs_field = vmx_msr_vmcs_field(index);

	/*
	 * Everything here is loaded into the CPU as it is: the core has
	 * checked the addresses (canonical) and TSC_AUX; SFMASK's bits 63:32
	 * are reserved (WRMSR #GP), so vmx_run() would fault loading them.
	 */
	if (index == MSR_SYSCALL_MASK && (data >> 32))
		return VMON_MSR_FAULT;
	if (field || vmcs_field) {
		if (field) {
			*field = data;
			return VMON_MSR_OK;
		}
		vmx_vmcs_get(vcpu);
		vmcs_write(vmcs_field, data);
		vmx_vmcs_put(vcpu);
		return VMON_MSR_OK;
	}
	switch (index) {
	case MSR_EFER:
		vmx_set_efer(vcpu, data);
		return VMON_MSR_OK;
	case MSR_TSC_AUX:
		/* The core checked the guest's CPUID and bits 63:32. */
		if (!vmx_caps.rdtscp)
			return VMON_MSR_UNHANDLED;
		vmx->tsc_aux = data;
		return VMON_MSR_OK;
	default:
		return VMON_MSR_UNHANDLED;
	}
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

/* ------------------------------------------------------------------ */
/* Reset                                                               */

static void vmx_reset_seg(int seg, u16 sel, u32 ar, u64 base)
{
	vmcs_write(vmx_seg_sel[seg], sel);
	vmcs_write(vmx_seg_base[seg], base);
	vmcs_write(vmx_seg_limit[seg], 0xffff);
	vmcs_write(vmx_seg_ar[seg], ar);
}

/* Architectural reset (KVM_CREATE_VCPU, INIT). */
void vmx_reset_vcpu(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->cr0 = VMON_RESET_CR0;
	vmx->cr2 = 0;
	vmx->cr4 = 0;
	vmx->cr8 = 0;
	vmx->efer = 0;
	vmx->star = vmx->lstar = vmx->cstar = vmx->sfmask = 0;
	vmx->kernel_gs_base = 0;
	vmx->tsc_aux = 0;
	vmon_vcpu_reset_regs(vcpu);
	vmx->inject_info = 0;
	vmx->intr_state = 0;
	vmx->irq_window = false;
	vmx->nmi_window = false;
	vmx->need_flush = true;

	vmx->exit_rip = vcpu->rip;

	vmx_vmcs_get(vcpu);
	vmx_reset_seg(VCPU_SREG_CS, 0xf000, VMX_AR_CODE_RX_A, 0xffff0000);
	vmx_reset_seg(VCPU_SREG_DS, 0, VMX_AR_DATA_RW_A, 0);
	vmx_reset_seg(VCPU_SREG_ES, 0, VMX_AR_DATA_RW_A, 0);
	vmx_reset_seg(VCPU_SREG_FS, 0, VMX_AR_DATA_RW_A, 0);
	vmx_reset_seg(VCPU_SREG_GS, 0, VMX_AR_DATA_RW_A, 0);
	vmx_reset_seg(VCPU_SREG_SS, 0, VMX_AR_DATA_RW_A, 0);
	vmx_reset_seg(VCPU_SREG_LDTR, 0, VMX_AR_LDT, 0);
	vmx_reset_seg(VCPU_SREG_TR, 0, VMX_AR_TSS32_BUSY, 0);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_CR3, 0);
	vmx_write_cr0_hw(vmx);
	vmx_write_cr4_hw(vmx);
	vmx_write_efer_hw(vmx);
	vmcs_write(GUEST_DR7, VMON_RESET_DR7);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_IA32_PAT, vcpu->pat);
	vmx->guest_pat = vcpu->pat;
	/*
	 * The core sets the VM-wide offset after vcpu_create: written there,
	 * the guest's RDTSC would read the host's TSC while the core (RDMSR
	 * IA32_TSC, the TSC-deadline timer) counts from KVM_CREATE_VM.
	 */
	vmcs_write(TSC_OFFSET, vcpu->tsc_offset);
	vmcs_write(GUEST_PDPTR0, 0);
	vmcs_write(GUEST_PDPTR1, 0);
	vmcs_write(GUEST_PDPTR2, 0);
	vmcs_write(GUEST_PDPTR3, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(GUEST_RIP, vcpu->rip);
	vmcs_write(GUEST_RFLAGS, vcpu->rflags);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmx_vmcs_put(vcpu);
}

void vmx_dump_guest_state(struct vmon_vcpu *vcpu, const char *why)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vmcs_get(vcpu);
	pr_warn_ratelimited("vmon: %s: cr0 %lx/%llx cr3 %lx cr4 %lx/%llx efer %llx entry %lx rip %llx rflags %llx cs %x/%lx/%lx ss %x/%lx tr %x/%lx ldtr %x/%lx intr %lx act %lx inj %lx\n",
			    why, vmcs_read(GUEST_CR0), vmx->cr0,
			    vmcs_read(GUEST_CR3), vmcs_read(GUEST_CR4),
			    vmx->cr4, vmx->efer, vmcs_read(VM_ENTRY_CONTROLS),
			    vcpu->rip, vcpu->rflags,
			    vmcs_read16(GUEST_CS_SELECTOR),
			    vmcs_read(GUEST_CS_AR_BYTES),
			    vmcs_read(GUEST_CS_LIMIT),
			    vmcs_read16(GUEST_SS_SELECTOR),
			    vmcs_read(GUEST_SS_AR_BYTES),
			    vmcs_read16(GUEST_TR_SELECTOR),
			    vmcs_read(GUEST_TR_AR_BYTES),
			    vmcs_read16(GUEST_LDTR_SELECTOR),
			    vmcs_read(GUEST_LDTR_AR_BYTES),
			    vmcs_read(GUEST_INTERRUPTIBILITY_INFO),
			    vmcs_read(GUEST_ACTIVITY_STATE),
			    vmcs_read(VM_ENTRY_INTR_INFO_FIELD));
	vmx_vmcs_put(vcpu);
}
