// SPDX-License-Identifier: GPL-2.0
/*
 * vmon AMD-V (SVM) backend: detection, per-CPU enable, the VMCB, guest
 * state access and the VMRUN path. Exit handlers live in svm_exits.c.
 *
 * Facts relied on (AMD APM vol. 2, ch. 15):
 *  - VMRUN/#VMEXIT switch only part of the state; FS/GS/TR/LDTR hidden
 *    state, KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK and SYSENTER_* move
 *    with VMSAVE/VMLOAD, which svm_vmrun.S does around every VMRUN. That
 *    is why those MSRs are passed through to the guest.
 *  - VMRUN saves the host's CR3 in the host save area itself: nothing here
 *    caches it (with PTI it differs per process).
 *  - With V_INTR_MASKING the guest's RFLAGS.IF masks only virtual
 *    interrupts; physical ones are gated by the host's RFLAGS.IF at VMRUN,
 *    so VMRUN runs with IF=1 under GIF=0 and every host interrupt causes
 *    a #VMEXIT (INTR intercept) and is taken once the core enables IRQs.
 *  - The VMCB clean bits are always 0: the CPU reloads everything.
 */
#include <linux/cc_platform.h>
#include <linux/kvm_host.h>
#include <linux/mem_encrypt.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/svm.h>
#include <asm/trapnr.h>
#include <asm/virtext.h>
#include "vmon.h"
#include "svm.h"

static_assert(VMON_RCX == SVM_REGS_RCX && VMON_RDX == SVM_REGS_RDX &&
	      VMON_RBX == SVM_REGS_RBX && VMON_RBP == SVM_REGS_RBP &&
	      VMON_RSI == SVM_REGS_RSI && VMON_RDI == SVM_REGS_RDI &&
	      VMON_R8 == SVM_REGS_R8 && VMON_R9 == SVM_REGS_R9 &&
	      VMON_R10 == SVM_REGS_R10 && VMON_R11 == SVM_REGS_R11 &&
	      VMON_R12 == SVM_REGS_R12 && VMON_R13 == SVM_REGS_R13 &&
	      VMON_R14 == SVM_REGS_R14 && VMON_R15 == SVM_REGS_R15);
static_assert(sizeof(struct vmcb) <= PAGE_SIZE);

#define SVM_IOPM_SIZE		(3 * PAGE_SIZE)	/* 64K ports + 24 bits */
#define SVM_MSRPM_SIZE		(2 * PAGE_SIZE)

/* Reset values (AMD APM vol. 2, "Initial Processor State"). */

/* Attributes (VMCB compressed form): P, S, type. */
#define SVM_ATTR_CODE_RX_A	0x9b
#define SVM_ATTR_DATA_RW_A	0x93
#define SVM_ATTR_LDT		0x82
#define SVM_ATTR_TSS16_BUSY	0x83

struct svm_caps svm_caps __read_mostly;

/* Host per-CPU state; pages exist for every possible CPU. */
struct svm_cpu {
	struct page *hsave;		/* MSR_VM_HSAVE_PA: VMRUN's own */
	struct page *host_save;		/* VMSAVE/VMLOAD of host state */
	u64 hsave_pa;
	u64 host_save_pa;
	/* ASIDs 1..nr_asids-1 handed out per generation (0 is the host). */
	u64 asid_gen;
	u32 next_asid;
	u64 host_tsc_aux;
	bool svme_set;			/* EFER.SVME is ours to clear */
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpu_data);

/* One I/O and one MSR permission map, shared by every vCPU. */
static struct page *svm_iopm;
static struct page *svm_msrpm;
static bool svm_has_tsc_aux __read_mostly;

/* Switched by VMLOAD/VMSAVE, so the guest may access them directly. */
static const u32 svm_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

static u64 svm_page_pa(struct page *page)
{
	return __sme_set(page_to_phys(page));
}

/* ------------------------------------------------------------------ */
/* Detection and per-CPU enable                                        */

int svm_detect(void)
{
	u32 eax, ebx, ecx, edx;
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM) ||
	    cpuid_eax(0x80000000) < SVM_CPUID_FUNC) {
		vmon_pr_err("no AMD-V on this CPU (CPUID 0x80000001 ECX.SVM clear)\n");
		return -ENODEV;
	}
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		vmon_pr_err("AMD-V is not usable inside an SEV guest\n");
		return -ENODEV;
	}
	if (!rdmsrl_safe(MSR_VM_CR, &vm_cr) &&
	    (vm_cr & SVM_VM_CR_SVM_DIS_MASK)) {
		vmon_pr_err("AMD-V disabled by firmware (VM_CR.SVMDIS%s)\n",
			    (vm_cr & SVM_VM_CR_SVM_LOCK_MASK) ?
			    ", locked" : "");
		return -EPERM;
	}

	cpuid(SVM_CPUID_FUNC, &eax, &ebx, &ecx, &edx);
	if (!(edx & BIT(0))) {
		vmon_pr_err("AMD-V without nested paging (NPT) is not supported\n");
		return -ENODEV;
	}
	if (ebx < 2) {
		vmon_pr_err("AMD-V reports %u ASIDs; at least 2 are needed\n",
			    ebx);
		return -ENODEV;
	}
	svm_caps.nr_asids = ebx;
	svm_caps.nrips = edx & BIT(3);
	svm_caps.flush_by_asid = edx & BIT(6);
	svm_caps.decode_assists = edx & BIT(7);
	vmon_pr_info("AMD-V rev %u: %u ASIDs, NRIPS %d, FlushByAsid %d, DecodeAssists %d\n",
		     eax & 0xff, ebx, svm_caps.nrips, svm_caps.flush_by_asid,
		     svm_caps.decode_assists);
	return 0;
}

static void svm_msrpm_passthrough(unsigned long *msrpm, u32 msr)
{
	u32 base;

	/* Three 2 KiB vectors, 2 bits (read, write) per MSR. */
	if (msr <= 0x1fff)
		base = 0;
	else if (msr - 0xc0000000 <= 0x1fff)
		base = 0x800;
	else if (msr - 0xc0010000 <= 0x1fff)
		base = 0x1000;
	else
		return;
	__clear_bit(base * 8 + (msr & 0x1fff) * 2, msrpm);
	__clear_bit(base * 8 + (msr & 0x1fff) * 2 + 1, msrpm);
}

static void svm_hardware_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sd = per_cpu_ptr(&svm_cpu_data, cpu);

		if (sd->hsave)
			__free_page(sd->hsave);
		if (sd->host_save)
			__free_page(sd->host_save);
		sd->hsave = NULL;
		sd->host_save = NULL;
	}
	if (svm_msrpm)
		__free_pages(svm_msrpm, get_order(SVM_MSRPM_SIZE));
	if (svm_iopm)
		__free_pages(svm_iopm, get_order(SVM_IOPM_SIZE));
	svm_msrpm = NULL;
	svm_iopm = NULL;
}

static int svm_hardware_setup(void)
{
	unsigned int i;
	int cpu;

	svm_iopm = alloc_pages(GFP_KERNEL, get_order(SVM_IOPM_SIZE));
	svm_msrpm = alloc_pages(GFP_KERNEL, get_order(SVM_MSRPM_SIZE));
	if (!svm_iopm || !svm_msrpm)
		goto nomem;
	/* Every port and every MSR not listed traps. */
	memset(page_address(svm_iopm), 0xff,
	       PAGE_SIZE << get_order(SVM_IOPM_SIZE));
	memset(page_address(svm_msrpm), 0xff,
	       PAGE_SIZE << get_order(SVM_MSRPM_SIZE));
	for (i = 0; i < ARRAY_SIZE(svm_passthrough_msrs); i++)
		svm_msrpm_passthrough(page_address(svm_msrpm),
				      svm_passthrough_msrs[i]);

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sd = per_cpu_ptr(&svm_cpu_data, cpu);
		int node = cpu_to_node(cpu);

		sd->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		sd->host_save = alloc_pages_node(node,
						 GFP_KERNEL | __GFP_ZERO, 0);
		if (!sd->hsave || !sd->host_save)
			goto nomem;
		sd->hsave_pa = svm_page_pa(sd->hsave);
		sd->host_save_pa = svm_page_pa(sd->host_save);
	}
	svm_has_tsc_aux = boot_cpu_has(X86_FEATURE_RDTSCP) ||
			  boot_cpu_has(X86_FEATURE_RDPID);
	/* AMD has no L1TF; VERW before VMRUN is TSA's (svm_vmrun.S). */
	vmon_log_mitigations(cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF_VM) ?
			     "L1D flush not needed; VERW at entry" :
			     "L1D flush not needed; no VERW at entry");
	return 0;

nomem:
	svm_hardware_unsetup();
	return -ENOMEM;
}

/* On the CPU, IRQs off. */
static int svm_cpu_enable(void)
{
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu_data);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;	/* another hypervisor (kvm_amd) owns it */

	/*
	 * Whoever used SVM here before may have left TLB entries tagged
	 * with the ASIDs we are about to hand out: start a new generation
	 * whose first assignment flushes all ASIDs.
	 */
	sd->asid_gen++;
	sd->next_asid = svm_caps.nr_asids;

	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, sd->hsave_pa);
	if (boot_cpu_has(X86_FEATURE_TSCRATEMSR))
		wrmsrl(MSR_AMD64_TSC_RATIO, SVM_TSC_RATIO_DEFAULT);
	if (svm_has_tsc_aux)
		rdmsrl(MSR_TSC_AUX, sd->host_tsc_aux);
	sd->svme_set = true;
	return 0;
}

/*
 * On the CPU with IRQs off; also the emergency reboot path (core/hw.c),
 * possibly in NMI context: MSR accesses and STGI only.
 */
static void svm_cpu_disable(void)
{
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu_data);

	if (!sd->svme_set)
		return;
	/* Sets GIF before clearing SVME, so INIT/NMI are not left blocked. */
	cpu_svm_disable();
	sd->svme_set = false;
}

/* ------------------------------------------------------------------ */
/* VM and vCPU lifetime                                                */

static int svm_vm_init(struct vmon_vm *vm)
{
	/* Nothing per VM: nCR3 is read from vm->tdp at every VMRUN. */
	return 0;
}

static void svm_vm_destroy(struct vmon_vm *vm)
{
}

static int svm_vcpu_create(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm;
	struct page *page;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(svm);
		return -ENOMEM;
	}
	svm->vmcb = page_address(page);
	svm->vmcb_pa = svm_page_pa(page);
	svm->last_cpu = -1;
	vcpu->vendor = svm;
	return 0;
}

static void svm_vcpu_free(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (!svm)
		return;
	free_page((unsigned long)svm->vmcb);
	kfree(svm);
	vcpu->vendor = NULL;
}

static void svm_set_intercept(struct vmcb_control_area *c, int bit)
{
	c->intercepts[bit / 32] |= BIT(bit % 32);
}

/* Reads and writes of DR0-7: the INTERCEPT_DR word, bits 0-7 and 16-23. */
#define SVM_DR_INTERCEPTS	0x00ff00ffU

/* DR access exits until the guest first touches one (debugreg.c). */
void svm_dr_intercepts(struct vmcb_control_area *c, bool on)
{
	c->intercepts[INTERCEPT_DR] = on ? SVM_DR_INTERCEPTS : 0;
}

static void svm_init_control(struct vmcb_control_area *c, u64 tsc_offset)
{
	static const u8 intercepts[] = {
		INTERCEPT_CR4_WRITE, INTERCEPT_CR8_WRITE,
		INTERCEPT_EXCEPTION_OFFSET + MC_VECTOR,
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI,
		INTERCEPT_CPUID, INTERCEPT_HLT, INTERCEPT_IOIO_PROT,
		INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN,
		/* Would read host PMCs / drop dirty host cache lines. */
		INTERCEPT_RDPMC, INTERCEPT_INVD, INTERCEPT_WBINVD,
		/*
		 * #AC and #DB: a guest can make their delivery fault again
		 * forever inside the CPU, where no host interrupt can end it
		 * (CVE-2015-5307, CVE-2015-8104); intercepted, each round is
		 * an exit.
		 */
		INTERCEPT_EXCEPTION_OFFSET + AC_VECTOR,
		INTERCEPT_EXCEPTION_OFFSET + DB_VECTOR,
		/* No nested SVM: these #UD in the guest. VMRUN is mandatory. */
		INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
		INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
		INTERCEPT_SKINIT, INTERCEPT_INVLPGA, INTERCEPT_RDPRU,
		INTERCEPT_MONITOR, INTERCEPT_MWAIT,
		INTERCEPT_XSETBV,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		svm_set_intercept(c, intercepts[i]);
	svm_dr_intercepts(c, true);
	c->iopm_base_pa = svm_page_pa(svm_iopm);
	c->msrpm_base_pa = svm_page_pa(svm_msrpm);
	c->tsc_offset = tsc_offset;
	/* Guest IF/TPR act on virtual interrupts only, never on the host's. */
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->tlb_ctl = TLB_CONTROL_DO_NOTHING;
	c->clean = 0;
}

static void svm_init_seg(struct vmcb_seg *s, u16 sel, u16 attrib, u64 base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = 0xffff;
	s->base = base;
}

/*
 * Architectural reset (also after a SHUTDOWN intercept, which leaves the
 * VMCB undefined): a fresh VMCB and the core's registers.
 */
void svm_reset_vmcb(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	clear_page(vmcb);
	svm_init_control(&vmcb->control, vcpu->tsc_offset);

	svm_init_seg(&s->cs, 0xf000, SVM_ATTR_CODE_RX_A, 0xffff0000);
	svm_init_seg(&s->ds, 0, SVM_ATTR_DATA_RW_A, 0);
	svm_init_seg(&s->es, 0, SVM_ATTR_DATA_RW_A, 0);
	svm_init_seg(&s->fs, 0, SVM_ATTR_DATA_RW_A, 0);
	svm_init_seg(&s->gs, 0, SVM_ATTR_DATA_RW_A, 0);
	svm_init_seg(&s->ss, 0, SVM_ATTR_DATA_RW_A, 0);
	svm_init_seg(&s->ldtr, 0, SVM_ATTR_LDT, 0);
	svm_init_seg(&s->tr, 0, SVM_ATTR_TSS16_BUSY, 0);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->cr0 = VMON_RESET_CR0;
	/* The guest sees EFER 0; VMRUN demands SVME in the guest's EFER. */
	s->efer = EFER_SVME;
	s->dr6 = VMON_RESET_DR6;
	s->dr7 = VMON_RESET_DR7;
	s->g_pat = vcpu->pat;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = VMON_RESET_RIP;

	vmon_vcpu_reset_regs(vcpu);
	svm->tsc_aux = 0;
	svm->nmi_masked = false;
	svm->awaiting_iret = false;
	svm->step_active = false;
	svm->shadow_seen = false;
	svm->asid_gen = 0;	/* stale guest translations: new ASID */
}

/* ------------------------------------------------------------------ */
/* Segments and control registers                                      */

static struct vmcb_seg *svm_seg(struct vmcb *vmcb, int seg)
{
	struct vmcb_save_area *s = &vmcb->save;

	switch (seg) {
	case VCPU_SREG_ES:	return &s->es;
	case VCPU_SREG_CS:	return &s->cs;
	case VCPU_SREG_SS:	return &s->ss;
	case VCPU_SREG_DS:	return &s->ds;
	case VCPU_SREG_FS:	return &s->fs;
	case VCPU_SREG_GS:	return &s->gs;
	case VCPU_SREG_TR:	return &s->tr;
	default:		return &s->ldtr;
	}
}

static void svm_get_segment(struct vmcb *vmcb, int seg,
			    struct kvm_segment *var)
{
	const struct vmcb_seg *s = svm_seg(vmcb, seg);
	u16 a = s->attrib;

	var->base = s->base;
	var->limit = s->limit;
	var->selector = s->selector;
	var->type = a & SVM_SELECTOR_TYPE_MASK;
	var->s = !!(a & SVM_SELECTOR_S_MASK);
	var->dpl = (a & SVM_SELECTOR_DPL_MASK) >> SVM_SELECTOR_DPL_SHIFT;
	var->present = !!(a & SVM_SELECTOR_P_MASK);
	var->avl = !!(a & SVM_SELECTOR_AVL_MASK);
	var->l = !!(a & SVM_SELECTOR_L_MASK);
	var->db = !!(a & SVM_SELECTOR_DB_MASK);
	/*
	 * The CPU does not keep G for every segment; the expanded limit
	 * says what it was. "Unusable" does not exist in the VMCB: a
	 * non-present segment is the closest, as KVM reports it.
	 */
	var->g = s->limit > 0xfffff;
	var->unusable = !var->present;
	var->padding = 0;

	switch (seg) {
	case VCPU_SREG_TR:
		var->type |= 0x2;	/* loaded TSS is busy */
		break;
	case VCPU_SREG_DS:
	case VCPU_SREG_ES:
	case VCPU_SREG_FS:
	case VCPU_SREG_GS:
		if (!var->unusable)
			var->type |= 0x1;	/* cached: always accessed */
		break;
	case VCPU_SREG_SS:
		if (var->unusable)
			var->db = 0;
		var->dpl = vmcb->save.cpl;
		break;
	}
}

static void svm_set_segment(struct vmcb *vmcb, int seg,
			    const struct kvm_segment *var)
{
	struct vmcb_seg *s = svm_seg(vmcb, seg);

	s->base = var->base;
	s->limit = var->limit;
	s->selector = var->selector;
	s->attrib = (var->type & SVM_SELECTOR_TYPE_MASK) |
		    (var->s & 1) << SVM_SELECTOR_S_SHIFT |
		    (var->dpl & 3) << SVM_SELECTOR_DPL_SHIFT |
		    ((var->present & 1) && !var->unusable) <<
		    SVM_SELECTOR_P_SHIFT |
		    (var->avl & 1) << SVM_SELECTOR_AVL_SHIFT |
		    (var->l & 1) << SVM_SELECTOR_L_SHIFT |
		    (var->db & 1) << SVM_SELECTOR_DB_SHIFT |
		    (var->g & 1) << SVM_SELECTOR_G_SHIFT;
	/* The CPL is SS.DPL (the VMCB keeps it apart; KVM does the same). */
	if (seg == VCPU_SREG_SS)
		vmcb->save.cpl = var->dpl & 3;
}

static u64 svm_get_cr(struct vmon_vcpu *vcpu, int cr)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	switch (cr) {
	case 0:	return vmcb->save.cr0;
	case 2:	return vmcb->save.cr2;
	case 3:	return vmcb->save.cr3;
	case 4:	return vmcb->save.cr4;
	case 8:	return vmcb->control.int_ctl & V_TPR_MASK;
	default:
		WARN_ON_ONCE(1);
		return 0;
	}
}

static u64 svm_get_efer(struct vmon_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.efer & ~EFER_SVME;
}

int svm_get_cpu_mode(struct vmon_vcpu *vcpu)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	if (!(s->cr0 & X86_CR0_PE) || (vcpu->rflags & X86_EFLAGS_VM))
		return 16;
	if ((s->efer & EFER_LMA) && (s->cs.attrib & SVM_SELECTOR_L_MASK))
		return 64;
	return (s->cs.attrib & SVM_SELECTOR_DB_MASK) ? 32 : 16;
}

static u64 svm_get_cs_base(struct vmon_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.cs.base;
}

static int svm_get_cpl(struct vmon_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.cpl;
}

static u64 svm_get_seg_base(struct vmon_vcpu *vcpu, int seg)
{
	return svm_seg(to_svm(vcpu)->vmcb, seg)->base;
}

static void svm_get_sregs(struct vmon_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	svm_get_segment(vmcb, VCPU_SREG_CS, &sregs->cs);
	svm_get_segment(vmcb, VCPU_SREG_DS, &sregs->ds);
	svm_get_segment(vmcb, VCPU_SREG_ES, &sregs->es);
	svm_get_segment(vmcb, VCPU_SREG_FS, &sregs->fs);
	svm_get_segment(vmcb, VCPU_SREG_GS, &sregs->gs);
	svm_get_segment(vmcb, VCPU_SREG_SS, &sregs->ss);
	svm_get_segment(vmcb, VCPU_SREG_TR, &sregs->tr);
	svm_get_segment(vmcb, VCPU_SREG_LDTR, &sregs->ldt);
	sregs->gdt.base = s->gdtr.base;
	sregs->gdt.limit = s->gdtr.limit;
	sregs->idt.base = s->idtr.base;
	sregs->idt.limit = s->idtr.limit;
	memset(sregs->gdt.padding, 0, sizeof(sregs->gdt.padding));
	memset(sregs->idt.padding, 0, sizeof(sregs->idt.padding));
	sregs->cr0 = s->cr0;
	sregs->cr2 = s->cr2;
	sregs->cr3 = s->cr3;
	sregs->cr4 = s->cr4;
	sregs->cr8 = vmcb->control.int_ctl & V_TPR_MASK;
	sregs->efer = s->efer & ~EFER_SVME;
	/* The core fills apic_base and the pending-interrupt bitmap. */
	memset(sregs->interrupt_bitmap, 0, sizeof(sregs->interrupt_bitmap));
}

static int svm_set_sregs(struct vmon_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	/* The core has checked the architectural rules (guest_checks.c). */
	svm_set_segment(vmcb, VCPU_SREG_CS, &sregs->cs);
	svm_set_segment(vmcb, VCPU_SREG_DS, &sregs->ds);
	svm_set_segment(vmcb, VCPU_SREG_ES, &sregs->es);
	svm_set_segment(vmcb, VCPU_SREG_FS, &sregs->fs);
	svm_set_segment(vmcb, VCPU_SREG_GS, &sregs->gs);
	svm_set_segment(vmcb, VCPU_SREG_SS, &sregs->ss);
	svm_set_segment(vmcb, VCPU_SREG_TR, &sregs->tr);
	svm_set_segment(vmcb, VCPU_SREG_LDTR, &sregs->ldt);
	s->gdtr.base = sregs->gdt.base;
	s->gdtr.limit = sregs->gdt.limit;
	s->idtr.base = sregs->idt.base;
	s->idtr.limit = sregs->idt.limit;
	s->cr0 = sregs->cr0;
	s->cr2 = sregs->cr2;
	s->cr3 = sregs->cr3;
	s->cr4 = sregs->cr4;
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) |
				(sregs->cr8 & V_TPR_MASK);
	s->efer = sregs->efer | EFER_SVME;
	/*
	 * Paging state changed behind the CPU's back: cached guest
	 * translations of this ASID may be stale. A new ASID drops them.
	 */
	svm->asid_gen = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* MSRs kept in the VMCB                                               */

/* The VMCB field of an MSR that VMLOAD/VMSAVE switch, or NULL. */
static u64 *svm_msr_field(struct vmcb_save_area *s, u32 index)
{
	switch (index) {
	case MSR_STAR:
		return &s->star;
	case MSR_LSTAR:
		return &s->lstar;
	case MSR_CSTAR:
		return &s->cstar;
	case MSR_SYSCALL_MASK:
		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &s->kernel_gs_base;
	case MSR_FS_BASE:
		return &s->fs.base;
	case MSR_GS_BASE:
		return &s->gs.base;
	case MSR_IA32_SYSENTER_CS:
		return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:
		return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &s->sysenter_eip;
	default:
		return NULL;
	}
}

static enum vmon_msr_result svm_get_msr(struct vmon_vcpu *vcpu, u32 index,
					u64 *data)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 *field = svm_msr_field(&svm->vmcb->save, index);

	if (field) {
		*data = *field;
		return VMON_MSR_OK;
	}
	switch (index) {
	case MSR_EFER:
		*data = svm->vmcb->save.efer & ~EFER_SVME;
		return VMON_MSR_OK;
	case MSR_TSC_AUX:
		if (!svm_has_tsc_aux)
			return VMON_MSR_UNHANDLED;
		*data = svm->tsc_aux;
		return VMON_MSR_OK;
	default:
		return VMON_MSR_UNHANDLED;
	}
}

static enum vmon_msr_result svm_set_msr(struct vmon_vcpu *vcpu, u32 index,
					u64 data, bool host_initiated)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 *field = svm_msr_field(&svm->vmcb->save, index);

	/*
	 * The core has checked the addresses; VMRUN loads the rest as they
	 * are (SFMASK's high half included, as in KVM). AMD's SYSENTER MSRs
	 * are 32 bits: only a guest that says it is Intel keeps the high
	 * half (KVM keeps it in software for that case).
	 */
	if ((index == MSR_IA32_SYSENTER_EIP ||
	     index == MSR_IA32_SYSENTER_ESP) &&
	    !vmon_guest_cpuid_is_intel(vcpu))
		data = (u32)data;
	if (field) {
		*field = data;
		return VMON_MSR_OK;
	}
	switch (index) {
	case MSR_EFER:
		/* Checked by the core (msr.c); VMRUN wants SVME on. */
		svm->vmcb->save.efer = data | EFER_SVME;
		return VMON_MSR_OK;
	case MSR_TSC_AUX:
		/* The core checked the guest's CPUID and cut bits 63:32. */
		if (!svm_has_tsc_aux)
			return VMON_MSR_UNHANDLED;
		svm->tsc_aux = data;
		return VMON_MSR_OK;
	default:
		return VMON_MSR_UNHANDLED;
	}
}

/* ------------------------------------------------------------------ */
/* Events, TLB, instruction info                                       */

static void svm_set_cr8(struct vmon_vcpu *vcpu, u64 cr8)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	c->int_ctl = (c->int_ctl & ~V_TPR_MASK) | (cr8 & V_TPR_MASK);
}

static void svm_set_tsc_offset(struct vmon_vcpu *vcpu, u64 offset)
{
	to_svm(vcpu)->vmcb->control.tsc_offset = offset;
}

/* IRQs off, on the CPU that runs next. */
static void svm_flush_tlb(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm_caps.flush_by_asid)
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ASID;
	else
		svm->asid_gen = 0;	/* a new ASID is a clean TLB */
}

/* Exits that are instruction intercepts: NRIP is the next instruction. */
static bool svm_exit_has_nrip(u32 code)
{
	switch (code) {
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_WRITE_DR7:
	case SVM_EXIT_RDPMC:
	case SVM_EXIT_CPUID:
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
	case SVM_EXIT_HLT:
	case SVM_EXIT_MSR:
	case SVM_EXIT_XSETBV:
		return true;
	default:
		return false;
	}
}

static bool svm_next_rip(struct vmon_vcpu *vcpu, u64 *rip)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	if (!svm_caps.nrips || !c->next_rip ||
	    !svm_exit_has_nrip(c->exit_code))
		return false;
	*rip = c->next_rip;
	return true;
}

static int svm_insn_bytes(struct vmon_vcpu *vcpu, u8 *buf, unsigned int len)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;
	unsigned int n;

	if (!svm_caps.decode_assists || c->exit_code != SVM_EXIT_NPF)
		return 0;
	n = min_t(unsigned int, len, c->insn_len & 0xf);
	memcpy(buf, c->insn_bytes, n);
	return n;
}

/* ------------------------------------------------------------------ */
/* VMRUN                                                               */

static void svm_new_asid(struct svm_vcpu *svm, struct svm_cpu *sd)
{
	if (sd->next_asid >= svm_caps.nr_asids) {
		/* Out of ASIDs: recycle all of them, flushing them all. */
		sd->asid_gen++;
		sd->next_asid = 1;
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	svm->asid = sd->next_asid++;
	svm->asid_gen = sd->asid_gen;
}

static __always_inline void svm_clgi(void)
{
	asm volatile("clgi" ::: "memory");
}

static __always_inline void svm_stgi(void)
{
	asm volatile("stgi" ::: "memory");
}

/* The only code that runs with guest context loaded; not instrumentable. */
static noinstr void svm_enter_exit(struct svm_vcpu *svm, u64 *regs,
				   u64 host_save_pa)
{
	guest_state_enter_irqoff();
	/*
	 * IF=1 lets physical interrupts exit the guest; GIF=0 keeps them
	 * from being taken here. Not STI right before VMRUN: AMD leaks the
	 * STI shadow into the guest if the VMRUN itself exits.
	 */
	raw_local_irq_enable();
	amd_clear_divider();
	__svm_vmon_run(svm->vmcb_pa, regs, host_save_pa);
	raw_local_irq_disable();
	guest_state_exit_irqoff();
}

/*
 * Debug registers (the rules: debugreg.c). DR6 and DR7 are in the VMCB.
 * While DR access is intercepted the guest's DR6 is vcpu->dbg.dr6 and the
 * VMCB's starts each entry clean, so that an intercepted #DB leaves
 * exactly its causes there (svm_exit_db()); with the guest's set in the
 * hardware (dbg.hw) the VMCB holds the guest's own DR6.
 */
static void svm_dbg_load(struct vmon_vcpu *vcpu)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	s->dr7 = vmon_dbg_load(vcpu, s->dr7);
	s->dr6 = vcpu->dbg.hw ? vcpu->dbg.dr6 : DR6_ACTIVE_LOW;
}

static void svm_dbg_save(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 ours = 0;

	if (vcpu->dbg.hw) {
		/* BS from our own step (svm_step_one) is not the guest's. */
		if (svm->step_active && !svm->step_guest_tf)
			ours = DR6_BS;
		vcpu->dbg.dr6 = (svm->vmcb->save.dr6 & ~ours) |
				(vcpu->dbg.dr6 & ours);
		svm_dr_intercepts(&svm->vmcb->control, true);
	}
	vmon_dbg_save(vcpu);
}

/*
 * The part of an exit that must run with IRQs still off, on the CPU the
 * guest ran on, before the core enables them (KVM's
 * svm_handle_exit_irqoff() and svm_complete_interrupts()): a machine
 * check the exit consumed goes to the host's handler, and the event
 * whose delivery the exit cut short back to the core
 * (svm_complete_events(), vmon_event_vectoring()). An NMI needs nothing
 * here: it stays pending while GIF is clear and is taken at STGI. The
 * exit table (svm_exits.c) finds these done.
 */
static void svm_exit_irqoff(struct vmon_vcpu *vcpu)
{
	if (unlikely(to_svm(vcpu)->vmcb->control.exit_code ==
		     SVM_EXIT_EXCP_BASE + MC_VECTOR))
		vmon_machine_check();
	svm_complete_events(vcpu);
}

/*
 * Called with preemption and IRQs off (see vmon.h): the VMCB from vcpu,
 * VMRUN between CLGI and STGI, vcpu from the VMCB, svm_exit_irqoff().
 */
static void svm_run(struct vmon_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu_data);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_control_area *c = &vmcb->control;
	int cpu = smp_processor_id();
	bool tsc_aux, injecting;

	/* ASIDs are per CPU: a vCPU that moved needs one from its new CPU. */
	if (svm->last_cpu != cpu) {
		svm->last_cpu = cpu;
		svm->asid_gen = 0;
	}
	if (svm->asid_gen != sd->asid_gen)
		svm_new_asid(svm, sd);
	c->asid = svm->asid;
	c->nested_cr3 = __sme_set(vcpu->vm->tdp.root_pa);
	c->clean = 0;

	/*
	 * RIP moved outside the guest: an instruction was emulated (or
	 * userspace set RIP), so an STI/MOV SS shadow no longer applies.
	 */
	if (vmcb->save.rip != vcpu->rip) {
		c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
		svm->shadow_seen = false;
	}
	vmcb->save.rax = vcpu->regs[VMON_RAX];
	vmcb->save.rsp = vcpu->regs[VMON_RSP];
	vmcb->save.rip = vcpu->rip;
	/*
	 * A step (svm_step_one) ends once its instruction is behind: RIP
	 * moved (emulated, or a HLT skipped), or this entry delivers an
	 * event, which ends any shadow and whose frame must not hold our TF.
	 */
	injecting = c->event_inj & SVM_EVTINJ_VALID;
	if (svm->step_active && (vcpu->rip != svm->step_rip || injecting))
		svm->step_active = false;
	vmcb->save.rflags = vcpu->rflags;
	if (svm->step_active) {
		svm->step_guest_tf = vcpu->rflags & X86_EFLAGS_TF;
		vmcb->save.rflags |= X86_EFLAGS_TF;
	}
	svm_step_intercepts(vcpu);
	vmcb->save.g_pat = vcpu->pat;

	svm_dbg_load(vcpu);
	/*
	 * RDTSCP/RDPID are not intercepted: the guest's TSC_AUX must be in.
	 * Only once GIF is clear: an NMI taken with the guest's value would
	 * find the wrong CPU number where the kernel uses RDPID.
	 */
	tsc_aux = svm_has_tsc_aux && svm->tsc_aux != sd->host_tsc_aux;
	svm_clgi();
	if (tsc_aux)
		wrmsrl(MSR_TSC_AUX, svm->tsc_aux);
	svm_enter_exit(svm, vcpu->regs, sd->host_save_pa);

	if (tsc_aux)
		wrmsrl(MSR_TSC_AUX, sd->host_tsc_aux);
	svm_dbg_save(vcpu);
	svm_stgi();		/* an NMI that made us exit is taken here */

	/*
	 * A shadow lasts until its instruction completes, across exits.
	 * QEMU's SVM forgets it at VMRUN (svm_enable_irq_window()) and
	 * reports none at the next exit: an exit at the RIP where the last
	 * one saw a shadow, with no event delivered in between, is still in
	 * it. (On hardware the VMCB says so itself; at worst this holds an
	 * interrupt back for one instruction.)
	 */
	if (svm->shadow_seen && !injecting && vmcb->save.rip == svm->shadow_rip)
		c->int_state |= SVM_INTERRUPT_SHADOW_MASK;
	svm->shadow_seen = c->int_state & SVM_INTERRUPT_SHADOW_MASK;
	svm->shadow_rip = vmcb->save.rip;

	vcpu->regs[VMON_RAX] = vmcb->save.rax;
	vcpu->regs[VMON_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	if (svm->step_refused && vcpu->rip != svm->step_refused_rip)
		svm->step_refused = false;
	/*
	 * The guest's TF is the one it had: ours stays out of its RFLAGS.
	 * Except after the stepped IRET, which loaded all of RFLAGS, TF
	 * included, from the guest's frame (kvm_amd 6.1 drops that TF).
	 */
	if (svm->step_active && !(svm->awaiting_iret &&
				  vmcb->save.rip != svm->iret_rip))
		vcpu->rflags = (vmcb->save.rflags & ~X86_EFLAGS_TF) |
			       (vcpu->rflags & X86_EFLAGS_TF);
	else
		vcpu->rflags = vmcb->save.rflags;
	c->tlb_ctl = TLB_CONTROL_DO_NOTHING;
	svm_exit_irqoff(vcpu);
}

static void svm_vcpu_reset(struct vmon_vcpu *vcpu)
{
	svm_reset_vmcb(vcpu);
}

const struct vmon_backend_ops vmon_svm_ops = {
	.name = "svm",
	.tdp = &vmon_npt_format,
	.exit_ibpb = true,	/* svm_vmrun.S: entry_ibpb on IBPB_ON_VMEXIT */
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_reset = svm_vcpu_reset,
	.get_sregs = svm_get_sregs,
	.set_sregs = svm_set_sregs,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.get_cr = svm_get_cr,
	.get_efer = svm_get_efer,
	.get_cpu_mode = svm_get_cpu_mode,
	.get_cs_base = svm_get_cs_base,
	.get_cpl = svm_get_cpl,
	.get_seg_base = svm_get_seg_base,
	.set_tsc_offset = svm_set_tsc_offset,
	.set_cr8 = svm_set_cr8,
	.inject_event = svm_inject_event,
	.interrupt_allowed = svm_interrupt_allowed,
	.nmi_allowed = svm_nmi_allowed,
	.enable_irq_window = svm_enable_irq_window,
	.enable_nmi_window = svm_enable_nmi_window,
	.get_interrupt_shadow = svm_get_interrupt_shadow,
	.set_interrupt_shadow = svm_set_interrupt_shadow,
	.get_nmi_mask = svm_get_nmi_mask,
	.set_nmi_mask = svm_set_nmi_mask,
	.flush_tlb = svm_flush_tlb,
	.run = svm_run,
	.handle_exit = svm_handle_exit,
	.next_rip = svm_next_rip,
	.insn_bytes = svm_insn_bytes,
};
