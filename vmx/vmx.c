// SPDX-License-Identifier: GPL-2.0
/*
 * vmon Intel VT-x (VMX) backend: detection, VMXON/VMXOFF per CPU, the
 * VMCS and its migration between CPUs, and the VM entry path. Guest state
 * access lives in vmx_state.c, exit handlers in vmx_exits.c.
 *
 * Facts relied on (Intel SDM vol. 3C/3D):
 *  - A VMCS is active on at most one CPU. Moving it needs VMCLEAR on the
 *    old CPU (an IPI: vmx_vcpu_load(), called by the core with IRQs on)
 *    and VMPTRLD on the new one; VMCLEAR also resets the launch state, so
 *    the next entry is VMLAUNCH, later ones VMRESUME.
 *  - VM entry/exit switch CR0/CR3/CR4, RSP/RIP, segment registers, GDTR/
 *    IDTR/TR bases, SYSENTER, EFER and PAT (with the load controls), DR7
 *    and DEBUGCTL. They do not switch CR2, DR0-3/DR6, KERNEL_GS_BASE, the
 *    SYSCALL MSRs or TSC_AUX, nor the LDTR; the exit leaves TR's limit at
 *    0x67 and GDTR/IDTR limits at 0xffff. vmx_run() does the rest.
 *  - "Acknowledge interrupt on exit" is off: a host interrupt that made
 *    the guest exit stays pending in the local APIC and is taken when the
 *    core enables IRQs. With "NMI exiting" an NMI becomes an exit and is
 *    not delivered to the host at all; vmx_run() calls the kernel's NMI
 *    entry itself, whose IRET also ends the NMI blocking the exit left.
 *  - Host CR3 differs per process with PTI, and CR4 can change per task
 *    (TSD, PCE): both are compared and rewritten before each entry.
 *
 * Emergency reboot, kexec and kdump. A CPU in VMX operation blocks INIT
 * and cannot clear CR4.VMXE, so every path into a new kernel must VMXOFF
 * first. In Debian's 6.1 the kernel offers one callback slot
 * (cpu_emergency_register_virt_callback), called on every CPU by the
 * emergency reboot and the kdump NMI shootdown; kvm_intel takes it at
 * load (and udev loads kvm_intel on every VT-x machine), a second
 * registration WARNs and is dropped, and we cannot tell whether the slot
 * is free. So vmon does not use the slot:
 *  - kexec and orderly reboot: a reboot notifier VMXOFFs every CPU
 *    (vmx_reboot(); as kvm's own reboot notifier does), and entries made
 *    after it fail cleanly instead of faulting (vmx_rebooting, and the
 *    exception-table entries on VMLAUNCH/VMRESUME/VMPTRLD/VMCLEAR).
 *  - emergency reboot and kdump: kvm_intel's callback, when loaded,
 *    VMXOFFs any CPU with CR4.VMXE set (__cpu_emergency_vmxoff() tests
 *    CR4, not kvm's own state), which covers vmon's CPUs too; vmon's
 *    VMCSs are not VMCLEARed then, so their in-memory copy in a crash dump
 *    may be stale. Without kvm_intel loaded nothing leaves VMX operation
 *    on those paths: the crash kernel may fail to start its APs (INIT
 *    blocked). That limit is accepted until the kernel offers more than
 *    one slot (upstream later moved VMXOFF into the kernel itself).
 */
#include <linux/cpu.h>
#include <linux/hw_breakpoint.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/sched/smt.h>
#include <linux/slab.h>
#include <asm/cpu_entry_area.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/hardirq.h>
#include <asm/idtentry.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/virtext.h>
#include "vmon.h"
#include "vmx.h"

static_assert(VMON_RAX == VMX_REGS_RAX && VMON_RCX == VMX_REGS_RCX &&
	      VMON_RDX == VMX_REGS_RDX && VMON_RBX == VMX_REGS_RBX &&
	      VMON_RSP == VMX_REGS_RSP && VMON_RBP == VMX_REGS_RBP &&
	      VMON_RSI == VMX_REGS_RSI && VMON_RDI == VMX_REGS_RDI &&
	      VMON_R8 == VMX_REGS_R8 && VMON_R9 == VMX_REGS_R9 &&
	      VMON_R10 == VMX_REGS_R10 && VMON_R11 == VMX_REGS_R11 &&
	      VMON_R12 == VMX_REGS_R12 && VMON_R13 == VMX_REGS_R13 &&
	      VMON_R14 == VMX_REGS_R14 && VMON_R15 == VMX_REGS_R15);
static_assert(VMX_HOST_RSP_FIELD == HOST_RSP);


struct vmx_caps vmx_caps __read_mostly;
static bool vmx_inout_info __read_mostly;

/* Host per-CPU state. */
struct vmx_cpu {
	void *vmxon_region;		/* one page, revision id first */
	u64 vmxon_pa;
	bool on;			/* VMXON done by vmon */
	struct vmx_vcpu *current_vmcs;	/* VMPTRLD'd here, or NULL */
	struct list_head loaded;	/* VMCSs active here (IRQs off) */
	/* MSRs VMX does not switch, restored after each exit. */
	u64 star, lstar, cstar, sfmask, tsc_aux;
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu_data);

/* One MSR bitmap for every vCPU: 1 = exit. */
static unsigned long *vmx_msr_bitmap;

/* VPIDs 1..65535; 0 is the host's (and "no VPID"). */
static DEFINE_SPINLOCK(vmx_vpid_lock);
static unsigned long *vmx_vpid_bitmap;

/* Set by the reboot notifier: VMX is (being) switched off everywhere. */
static bool vmx_rebooting;

/* Guest segment fields, indexed by VCPU_SREG_* (ES CS SS DS FS GS TR LDTR). */
const u32 vmx_seg_sel[8] = {
	GUEST_ES_SELECTOR, GUEST_CS_SELECTOR, GUEST_SS_SELECTOR,
	GUEST_DS_SELECTOR, GUEST_FS_SELECTOR, GUEST_GS_SELECTOR,
	GUEST_TR_SELECTOR, GUEST_LDTR_SELECTOR,
};
const u32 vmx_seg_limit[8] = {
	GUEST_ES_LIMIT, GUEST_CS_LIMIT, GUEST_SS_LIMIT, GUEST_DS_LIMIT,
	GUEST_FS_LIMIT, GUEST_GS_LIMIT, GUEST_TR_LIMIT, GUEST_LDTR_LIMIT,
};
const u32 vmx_seg_ar[8] = {
	GUEST_ES_AR_BYTES, GUEST_CS_AR_BYTES, GUEST_SS_AR_BYTES,
	GUEST_DS_AR_BYTES, GUEST_FS_AR_BYTES, GUEST_GS_AR_BYTES,
	GUEST_TR_AR_BYTES, GUEST_LDTR_AR_BYTES,
};
const u32 vmx_seg_base[8] = {
	GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE, GUEST_DS_BASE,
	GUEST_FS_BASE, GUEST_GS_BASE, GUEST_TR_BASE, GUEST_LDTR_BASE,
};

void vmx_vmwrite_error(unsigned long field, unsigned long value)
{
	pr_warn_ratelimited("vmon: VMWRITE %#lx = %#lx failed (VM-instruction error %u)\n",
			    field, value, vmcs_read32(VM_INSTRUCTION_ERROR));
}

static int vmx_vmclear(u64 pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 "jmp 3f\n\t"
		 "2: jmp %l[fail]\n\t"	/* #UD/#GP: VMX is off */
		 "3:\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [pa] "m"(pa) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static int vmx_vmptrld(u64 pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 "jmp 3f\n\t"
		 "2: jmp %l[fail]\n\t"	/* #UD/#GP: VMX is off */
		 "3:\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [pa] "m"(pa) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, rsvd; } desc = { eptp, 0 };

	asm volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static void vmx_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, gla; } desc = { vpid, 0 };

	asm volatile("invvpid %0, %1" : : "m"(desc), "r"(type)
		     : "cc", "memory");
}

/* ------------------------------------------------------------------ */
/* Detection                                                           */

/*
 * A control word from its capability MSR: bits 31:0 must be 1
 * (allowed-0), bits 63:32 may be 1 (allowed-1). Returns false when a
 * @required bit cannot be set.
 */
static bool vmx_adjust_ctls(u32 msr, u32 required, u32 optional, u32 *out)
{
	u64 cap;

	rdmsrl(msr, cap);
	if (required & ~(u32)(cap >> 32))
		return false;
	*out = (((required | optional) & (u32)(cap >> 32)) | (u32)cap);
	return true;
}

static int vmx_missing(const char *what)
{
	vmon_pr_err("VT-x without %s is not supported\n", what);
	return -ENODEV;
}

int vmx_detect(void)
{
	bool true_ctls;
	u64 feat, basic, cap;
	u32 msr_pin, msr_proc, msr_exit, msr_entry;

	if (!(cpuid_ecx(1) & BIT(5))) {
		vmon_pr_err("no VT-x on this CPU (CPUID.1:ECX.VMX clear)\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		vmon_pr_err("VT-x disabled by firmware (IA32_FEATURE_CONTROL)\n");
		return -EPERM;
	}

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	vmx_caps.revision_id = basic & 0x7fffffff;
	vmx_caps.vmcs_size = (basic >> 32) & 0x1fff;
	if (vmx_caps.vmcs_size > PAGE_SIZE || (basic & VMX_BASIC_64) ||
	    ((basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT) !=
	    VMX_BASIC_MEM_TYPE_WB) {
		vmon_pr_err("VT-x: unusable VMCS (IA32_VMX_BASIC %#llx)\n",
			    basic);
		return -ENODEV;
	}
	vmx_inout_info = basic & VMX_BASIC_INOUT;
	true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	msr_pin = true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			      MSR_IA32_VMX_PINBASED_CTLS;
	msr_proc = true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			       MSR_IA32_VMX_PROCBASED_CTLS;
	msr_exit = true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			       MSR_IA32_VMX_EXIT_CTLS;
	msr_entry = true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				MSR_IA32_VMX_ENTRY_CTLS;

	/* Host interrupts and NMIs always leave the guest. */
	if (!vmx_adjust_ctls(msr_pin, PIN_BASED_EXT_INTR_MASK |
			     PIN_BASED_NMI_EXITING, PIN_BASED_VIRTUAL_NMIS,
			     &vmx_caps.pin))
		return vmx_missing("external-interrupt and NMI exiting");
	/*
	 * Every port exits (no I/O bitmaps); CR8 accesses exit because
	 * without a TPR shadow they would reach the host's local APIC.
	 */
	if (!vmx_adjust_ctls(msr_proc, CPU_BASED_HLT_EXITING |
			     CPU_BASED_UNCOND_IO_EXITING |
			     CPU_BASED_USE_MSR_BITMAPS |
			     CPU_BASED_MOV_DR_EXITING |
			     CPU_BASED_CR8_LOAD_EXITING |
			     CPU_BASED_CR8_STORE_EXITING |
			     CPU_BASED_USE_TSC_OFFSETTING |
			     CPU_BASED_MWAIT_EXITING |
			     CPU_BASED_MONITOR_EXITING |
			     CPU_BASED_RDPMC_EXITING |
			     CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0,
			     &vmx_caps.proc))
		return vmx_missing("the basic processor-based controls");
	vmx_caps.proc &= ~(CPU_BASED_USE_IO_BITMAPS & ~vmx_caps.proc);
	/* The windows are switched on per entry (vmx_prepare_events). */
	rdmsrl(msr_proc, cap);
	if (!((cap >> 32) & CPU_BASED_INTR_WINDOW_EXITING))
		return vmx_missing("interrupt-window exiting");
	vmx_caps.nmi_window = (vmx_caps.pin & PIN_BASED_VIRTUAL_NMIS) &&
			      ((cap >> 32) & CPU_BASED_NMI_WINDOW_EXITING);
	if (!vmx_adjust_ctls(MSR_IA32_VMX_PROCBASED_CTLS2, 0,
			     SECONDARY_EXEC_ENABLE_EPT |
			     SECONDARY_EXEC_UNRESTRICTED_GUEST |
			     SECONDARY_EXEC_ENABLE_VPID |
			     SECONDARY_EXEC_ENABLE_RDTSCP |
			     SECONDARY_EXEC_WBINVD_EXITING, &vmx_caps.proc2))
		return vmx_missing("secondary controls");
	if (!(vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_EPT))
		return vmx_missing("EPT");
	if (!(vmx_caps.proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST))
		return vmx_missing("unrestricted guest (needed for real mode)");
	/* EFER and PAT follow the guest on entry and the host on exit. */
	if (!vmx_adjust_ctls(msr_exit, VM_EXIT_HOST_ADDR_SPACE_SIZE |
			     VM_EXIT_LOAD_IA32_EFER | VM_EXIT_LOAD_IA32_PAT,
			     VM_EXIT_SAVE_DEBUG_CONTROLS, &vmx_caps.exit))
		return vmx_missing("EFER/PAT loading on exit");
	if (vmx_caps.exit & VM_EXIT_ACK_INTR_ON_EXIT)
		return vmx_missing("a clear \"acknowledge interrupt on exit\"");
	if (!vmx_adjust_ctls(msr_entry, VM_ENTRY_LOAD_IA32_EFER |
			     VM_ENTRY_LOAD_IA32_PAT,
			     VM_ENTRY_LOAD_DEBUG_CONTROLS, &vmx_caps.entry))
		return vmx_missing("EFER/PAT loading on entry");
	/* IA-32e mode guest follows EFER.LMA per vCPU. */
	vmx_caps.entry &= ~VM_ENTRY_IA32E_MODE;

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, vmx_caps.ept_vpid_cap);
	if (!(vmx_caps.ept_vpid_cap & VMX_EPT_PAGE_WALK_4_BIT) ||
	    !(vmx_caps.ept_vpid_cap & VMX_EPTP_WB_BIT))
		return vmx_missing("4-level write-back EPT");
	if (!(vmx_caps.ept_vpid_cap & VMX_EPT_INVEPT_BIT) ||
	    !(vmx_caps.ept_vpid_cap & (VMX_EPT_EXTENT_CONTEXT_BIT |
				       VMX_EPT_EXTENT_GLOBAL_BIT)))
		return vmx_missing("INVEPT (single-context or global)");
	vmx_caps.invept_single = vmx_caps.ept_vpid_cap &
				 VMX_EPT_EXTENT_CONTEXT_BIT;
	vmx_caps.ept_ad = vmx_caps.ept_vpid_cap & VMX_EPT_AD_BIT;

	/* VPID only with a usable INVVPID; otherwise every entry flushes. */
	vmx_caps.vpid = (vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_VPID) &&
			(vmx_caps.ept_vpid_cap & (VMX_VPID_INVVPID_BIT << 32)) &&
			(vmx_caps.ept_vpid_cap &
			 ((VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT |
			   VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT) << 32));
	vmx_caps.invvpid_single = vmx_caps.ept_vpid_cap &
			(VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32);
	if (!vmx_caps.vpid)
		vmx_caps.proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	vmx_caps.rdtscp = vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;

	rdmsrl(MSR_IA32_VMX_MISC, vmx_caps.misc);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_caps.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_caps.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_caps.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_caps.cr4_fixed1);

	vmon_pr_info("VT-x rev %#x: EPT%s, unrestricted guest, VPID %d, INVEPT %s, RDTSCP %d\n",
		     vmx_caps.revision_id, vmx_caps.ept_ad ? " A/D" : "",
		     vmx_caps.vpid, vmx_caps.invept_single ? "single" : "global",
		     vmx_caps.rdtscp);
	return 0;
}

/* ------------------------------------------------------------------ */
/* L1TF: the L1D flush before VM entry                                 */

/*
 * On a CPU with L1TF a guest can read, through a non-present guest PTE,
 * whatever the L1D cache holds, host data included. KVM's policy, the
 * module parameter vmentry_l1d_flush (same name and values as
 * kvm_intel's):
 *   never   no flush;
 *   cond    flush before an entry only when the host may have left data
 *           of its own in the L1D since the last one: KVM_RUN was
 *           (re)entered from userspace, the thread was scheduled out, the
 *           core walked or copied guest memory (emulation, string I/O),
 *           or a host interrupt ran on this CPU (the kernel's per-CPU
 *           hint, set by its interrupt entry code);
 *   always  flush before every entry;
 *   auto    (the default) cond, or never when the kernel's l1tf= policy
 *           is off (mitigations=off), or always with l1tf=full,force.
 * "not required" when the CPU has no L1TF or says the flush is done by
 * VM entry itself (ARCH_CAPABILITIES.SKIP_VMENTRY_L1DFLUSH). The flush is
 * the FLUSH_CMD MSR where the CPU has it, otherwise reading 64 KiB (twice
 * the L1D) of our own. vmon keeps its own state: the kernel's
 * l1tf_vmx_mitigation (the "VMX:" part of the l1tf vulnerability file)
 * belongs to kvm_intel, which may be loaded beside vmon.
 */
#define VMX_L1D_PAGES_ORDER	4	/* 64 KiB */

static enum vmx_l1d_flush_state vmx_l1d_param = VMENTER_L1D_FLUSH_AUTO;
static enum vmx_l1d_flush_state vmx_l1d_mode __read_mostly =
	VMENTER_L1D_FLUSH_AUTO;		/* AUTO: not set up yet */
static void *vmx_l1d_pages;
static DEFINE_MUTEX(vmx_l1d_lock);

static const char * const vmx_l1d_names[] = {
	[VMENTER_L1D_FLUSH_AUTO] = "auto",
	[VMENTER_L1D_FLUSH_NEVER] = "never",
	[VMENTER_L1D_FLUSH_COND] = "cond",
	[VMENTER_L1D_FLUSH_ALWAYS] = "always",
	[VMENTER_L1D_FLUSH_EPT_DISABLED] = "EPT disabled",
	[VMENTER_L1D_FLUSH_NOT_REQUIRED] = "not required",
};

static bool vmx_l1d_needed(void)
{
	u64 cap;

	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return false;
	return !(boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) &&
		 !rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &cap) &&
		 (cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH));
}

static enum vmx_l1d_flush_state vmx_l1d_resolve(enum vmx_l1d_flush_state m)
{
	if (l1tf_mitigation == L1TF_MITIGATION_FULL_FORCE)
		return VMENTER_L1D_FLUSH_ALWAYS;
	if (m != VMENTER_L1D_FLUSH_AUTO)
		return m;
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		return VMENTER_L1D_FLUSH_NEVER;
	case L1TF_MITIGATION_FULL:
		return VMENTER_L1D_FLUSH_ALWAYS;
	default:
		return VMENTER_L1D_FLUSH_COND;
	}
}

static void vmx_log_mitigations(void)
{
	char entry[64];
	enum vmx_l1d_flush_state m = READ_ONCE(vmx_l1d_mode);

	snprintf(entry, sizeof(entry), "L1D flush %s; %s",
		 m == VMENTER_L1D_FLUSH_NOT_REQUIRED ? "not needed" :
		 vmx_l1d_names[m],
		 cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF) ?
		 "VERW at entry" : "no VERW at entry");
	vmon_log_mitigations(entry);
	/* What the flush cannot do (KVM warns likewise). */
	if (m != VMENTER_L1D_FLUSH_NOT_REQUIRED && sched_smt_active())
		pr_warn("vmon: L1TF: SMT is on: no L1D flush protects the host from a guest on the sibling thread\n");
}

/* hardware_setup: fix the mode and get the buffer the software flush reads. */
static int vmx_l1d_setup(void)
{
	unsigned int i;

	if (!vmx_l1d_needed()) {
		vmx_l1d_mode = VMENTER_L1D_FLUSH_NOT_REQUIRED;
		return 0;
	}
	/* Whatever the mode: it may be changed at run time. */
	if (!boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		struct page *page = alloc_pages(GFP_KERNEL, VMX_L1D_PAGES_ORDER);

		if (!page)
			return -ENOMEM;
		vmx_l1d_pages = page_address(page);
		/* Distinct pages: no KSM merges them under a nested setup. */
		for (i = 0; i < BIT(VMX_L1D_PAGES_ORDER); i++)
			memset(vmx_l1d_pages + i * PAGE_SIZE, i + 1, PAGE_SIZE);
	}
	mutex_lock(&vmx_l1d_lock);
	WRITE_ONCE(vmx_l1d_mode, vmx_l1d_resolve(vmx_l1d_param));
	mutex_unlock(&vmx_l1d_lock);
	return 0;
}

static void vmx_l1d_unsetup(void)
{
	if (vmx_l1d_pages)
		free_pages((unsigned long)vmx_l1d_pages, VMX_L1D_PAGES_ORDER);
	vmx_l1d_pages = NULL;
	vmx_l1d_mode = VMENTER_L1D_FLUSH_AUTO;
}

static int vmx_l1d_param_set(const char *val, const struct kernel_param *kp)
{
	enum vmx_l1d_flush_state m;

	for (m = VMENTER_L1D_FLUSH_AUTO; m <= VMENTER_L1D_FLUSH_ALWAYS; m++)
		if (sysfs_streq(val, vmx_l1d_names[m]))
			break;
	if (m > VMENTER_L1D_FLUSH_ALWAYS)
		return -EINVAL;
	mutex_lock(&vmx_l1d_lock);
	vmx_l1d_param = m;
	/* Not set up yet (load time, or SVM host), or nothing to flush. */
	if (vmx_l1d_mode == VMENTER_L1D_FLUSH_AUTO ||
	    vmx_l1d_mode == VMENTER_L1D_FLUSH_NOT_REQUIRED) {
		mutex_unlock(&vmx_l1d_lock);
		return 0;
	}
	WRITE_ONCE(vmx_l1d_mode, vmx_l1d_resolve(m));
	mutex_unlock(&vmx_l1d_lock);
	vmx_log_mitigations();
	return 0;
}

static int vmx_l1d_param_get(char *buf, const struct kernel_param *kp)
{
	enum vmx_l1d_flush_state m = READ_ONCE(vmx_l1d_mode);

	if (m == VMENTER_L1D_FLUSH_AUTO && !boot_cpu_has_bug(X86_BUG_L1TF))
		m = VMENTER_L1D_FLUSH_NOT_REQUIRED;
	return sysfs_emit(buf, "%s\n", vmx_l1d_names[m]);
}

static const struct kernel_param_ops vmx_l1d_param_ops = {
	.set = vmx_l1d_param_set,
	.get = vmx_l1d_param_get,
};
module_param_cb(vmentry_l1d_flush, &vmx_l1d_param_ops, NULL, 0644);
MODULE_PARM_DESC(vmentry_l1d_flush,
		 "L1D flush before VM entry (VT-x, L1TF): auto (default), never, cond, always");

/* Right before VM entry, IRQs off, guest context being loaded. */
static noinstr void vmx_l1d_flush(struct vmon_vcpu *vcpu)
{
	enum vmx_l1d_flush_state m = READ_ONCE(vmx_l1d_mode);
	const u8 *p = vmx_l1d_pages;
	unsigned int i, size = PAGE_SIZE << VMX_L1D_PAGES_ORDER;
	u32 leaf = 0;

	if (m != VMENTER_L1D_FLUSH_COND && m != VMENTER_L1D_FLUSH_ALWAYS)
		return;
	if (m == VMENTER_L1D_FLUSH_COND) {
		bool due = vcpu->l1tf_flush_l1d || kvm_get_cpu_l1tf_flush_l1d();

		vcpu->l1tf_flush_l1d = false;
		kvm_clear_cpu_l1tf_flush_l1d();
		if (!due)
			return;
	}
	vcpu->stat.l1d_flushes++;
	if (static_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	/*
	 * Software flush: fault the buffer's pages into the TLB first, so
	 * that the fill is not cut short by page walks; serialize; then read
	 * one byte per cache line of twice the L1D (its replacement is not
	 * exactly LRU), which evicts every line the host left there.
	 */
	for (i = 0; i < size; i += PAGE_SIZE)
		(void)READ_ONCE(p[i]);
	/* CPUID writes all four: EAX is an output too. */
	asm volatile("cpuid" : "+a"(leaf) : : "ebx", "ecx", "edx", "memory");
	for (i = 0; i < size; i += L1_CACHE_BYTES)
		(void)READ_ONCE(p[i]);
	asm volatile("lfence" : : : "memory");
}

/* ------------------------------------------------------------------ */
/* Setup, VMXON/VMXOFF, emergency                                      */

static void vmx_msr_passthrough(u32 msr, bool read, bool write)
{
	u32 base;

	/* 1 KiB each: read low, read high, write low, write high. */
	if (msr <= 0x1fff)
		base = 0;
	else if (msr - 0xc0000000 <= 0x1fff)
		base = 0x400;
	else
		return;
	if (read)
		__clear_bit(base * 8 + (msr & 0x1fff), vmx_msr_bitmap);
	if (write)
		__clear_bit((base + 0x800) * 8 + (msr & 0x1fff),
			    vmx_msr_bitmap);
}

/*
 * Reboot or kexec while vmon holds VT-x: INIT is blocked in VMX root
 * operation, so every CPU must leave it (as kvm's reboot notifier does).
 * Entries after this fail instead of faulting (vmx_rebooting).
 */
static void vmx_off_ipi(void *unused)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);

	if (!vc->on)
		return;
	cpu_vmxoff();
	vc->on = false;
	vc->current_vmcs = NULL;
}

static int vmx_reboot(struct notifier_block *nb, unsigned long code,
		      void *unused)
{
	WRITE_ONCE(vmx_rebooting, true);
	on_each_cpu(vmx_off_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block vmx_reboot_nb = {
	.notifier_call = vmx_reboot,
};

static void vmx_hardware_unsetup(void)
{
	int cpu;

	unregister_reboot_notifier(&vmx_reboot_nb);
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu_data, cpu);

		free_page((unsigned long)vc->vmxon_region);
		vc->vmxon_region = NULL;
	}
	free_page((unsigned long)vmx_msr_bitmap);
	vmx_msr_bitmap = NULL;
	bitmap_free(vmx_vpid_bitmap);
	vmx_vpid_bitmap = NULL;
	vmx_l1d_unsetup();
}

static int vmx_hardware_setup(void)
{
	static const u32 rw[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
	};
	/* Loaded for the guest around entry; writes update vmx_vcpu. */
	static const u32 ro[] = {
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	};
	unsigned int i;
	int cpu;

	vmx_msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	vmx_vpid_bitmap = bitmap_zalloc(VMX_NR_VPIDS, GFP_KERNEL);
	if (!vmx_msr_bitmap || !vmx_vpid_bitmap)
		goto nomem;
	memset(vmx_msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(rw); i++)
		vmx_msr_passthrough(rw[i], true, true);
	for (i = 0; i < ARRAY_SIZE(ro); i++)
		vmx_msr_passthrough(ro[i], true, false);
	__set_bit(0, vmx_vpid_bitmap);

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu_data, cpu);
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page)
			goto nomem;
		vc->vmxon_region = page_address(page);
		vc->vmxon_pa = page_to_phys(page);
		*(u32 *)vc->vmxon_region = vmx_caps.revision_id;
		INIT_LIST_HEAD(&vc->loaded);
	}
	if (vmx_l1d_setup())
		goto nomem;
	register_reboot_notifier(&vmx_reboot_nb);
	vmx_log_mitigations();
	return 0;

nomem:
	vmx_hardware_unsetup();
	return -ENOMEM;
}

static bool vmx_fixed_ok(u64 val, u64 fixed0, u64 fixed1)
{
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

/* On the CPU, IRQs off (hotplug callback or IPI). */
static int vmx_cpu_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);
	int cpu = smp_processor_id();
	u64 feat;

	if (READ_ONCE(vmx_rebooting))
		return -EBUSY;
	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_warn_ratelimited("vmon: CR4.VMXE already set on CPU %d: another hypervisor holds VT-x\n",
				    cpu);
		return -EBUSY;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_warn_ratelimited("vmon: VT-x disabled by firmware (IA32_FEATURE_CONTROL) on CPU %d\n",
				    cpu);
		return -EPERM;
	}

	intel_pt_handle_vmx(1);
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (!vmx_fixed_ok(read_cr0(), vmx_caps.cr0_fixed0,
			  vmx_caps.cr0_fixed1) ||
	    !vmx_fixed_ok(__read_cr4(), vmx_caps.cr4_fixed0,
			  vmx_caps.cr4_fixed1)) {
		pr_warn_ratelimited("vmon: host CR0 %lx / CR4 %lx violate the VMX fixed bits on CPU %d\n",
				    read_cr0(), __read_cr4(), cpu);
		goto fail;
	}

	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[vmxon_fail]\n\t"
		 "jmp 3f\n\t"
		 "2: jmp %l[vmxon_fail]\n\t"	/* #GP: refused */
		 "3:\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [pa] "m"(vc->vmxon_pa) : "cc", "memory" : vmxon_fail);

	vc->on = true;
	vc->current_vmcs = NULL;
	rdmsrl(MSR_STAR, vc->star);
	rdmsrl(MSR_LSTAR, vc->lstar);
	rdmsrl(MSR_CSTAR, vc->cstar);
	rdmsrl(MSR_SYSCALL_MASK, vc->sfmask);
	if (vmx_caps.rdtscp)
		rdmsrl(MSR_TSC_AUX, vc->tsc_aux);
	/* Whoever ran VMX here before may have left translations behind. */
	if (vmx_caps.ept_vpid_cap & VMX_EPT_EXTENT_GLOBAL_BIT)
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	if (vmx_caps.vpid &&
	    (vmx_caps.ept_vpid_cap & (VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT << 32)))
		vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
	return 0;

vmxon_fail:
	pr_warn_ratelimited("vmon: VMXON failed on CPU %d\n", cpu);
fail:
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	intel_pt_handle_vmx(0);
	return -EIO;
}

/* On the CPU with IRQs off: VMCLEAR what is active here. */
static void vmx_vmclear_local(struct vmx_vcpu *vmx, struct vmx_cpu *vc)
{
	vmx_vmclear(vmx->vmcs_pa);
	if (vc->current_vmcs == vmx)
		vc->current_vmcs = NULL;
	list_del(&vmx->loaded_link);
	vmx->launched = false;
	/* The list is consistent before anyone may load it elsewhere. */
	smp_wmb();
	WRITE_ONCE(vmx->cpu, -1);
}

static void vmx_cpu_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);
	struct vmx_vcpu *vmx, *tmp;

	if (!vc->on)
		return;
	list_for_each_entry_safe(vmx, tmp, &vc->loaded, loaded_link)
		vmx_vmclear_local(vmx, vc);
	cpu_vmxoff();
	intel_pt_handle_vmx(0);
	vc->on = false;
}

/* ------------------------------------------------------------------ */
/* Loading a VMCS on a CPU                                             */

static void vmx_vmclear_ipi(void *data)
{
	struct vmx_vcpu *vmx = data;

	if (READ_ONCE(vmx->cpu) == smp_processor_id())
		vmx_vmclear_local(vmx, this_cpu_ptr(&vmx_cpu_data));
}

/* Host state that depends on the CPU only. */
static void vmx_write_host_cpu_state(int cpu)
{
	struct desc_ptr idt;
	u64 v;

	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_GS_BASE, v);
	vmcs_write(HOST_GS_BASE, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	vmcs_write(HOST_IA32_SYSENTER_ESP, v);
}

/*
 * Make the VMCS current on @cpu (this CPU), preemption disabled. Moving
 * it from another CPU needs IRQs on (the VMCLEAR IPI waits).
 */
static void vmx_vcpu_load(struct vmon_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu_data, cpu);
	int old = READ_ONCE(vmx->cpu);
	unsigned long flags;
	bool moved = false;

	if (old != cpu) {
		if (old >= 0 && !WARN_ON_ONCE(irqs_disabled()))
			smp_call_function_single(old, vmx_vmclear_ipi, vmx, 1);
		/* Pairs with the smp_wmb() in vmx_vmclear_local(). */
		smp_rmb();
		if (WARN_ON_ONCE(READ_ONCE(vmx->cpu) >= 0))
			return;
		moved = true;
	}
	/* Atomic against the reboot IPI switching VMX off here. */
	local_irq_save(flags);
	if (!vc->on) {
		local_irq_restore(flags);
		return;		/* vmx_run() sees the VMCS is not ours */
	}
	if (moved) {
		list_add(&vmx->loaded_link, &vc->loaded);
		WRITE_ONCE(vmx->cpu, cpu);
	}
	if (vc->current_vmcs != vmx) {
		if (vmx_vmptrld(vmx->vmcs_pa)) {
			pr_warn_ratelimited("vmon: VMPTRLD failed on CPU %d\n",
					    cpu);
		} else {
			vc->current_vmcs = vmx;
			/* The CPU may hold old translations for this VPID. */
			if (moved)
				vmx->need_flush = true;
			if (moved || vmx->host_cpu != cpu) {
				vmx_write_host_cpu_state(cpu);
				vmx->host_cpu = cpu;
			}
		}
	}
	local_irq_restore(flags);
}

void vmx_vmcs_get(struct vmon_vcpu *vcpu)
{
	vmx_vcpu_load(vcpu, get_cpu());
}

void vmx_vmcs_put(struct vmon_vcpu *vcpu)
{
	put_cpu();
}

/* ------------------------------------------------------------------ */
/* VM and vCPU lifetime                                                */

static int vmx_vm_init(struct vmon_vm *vm)
{
	/* Nothing per VM: the EPTP is built from vm->tdp per vCPU. */
	return 0;
}

static void vmx_vm_destroy(struct vmon_vm *vm)
{
}

static u16 vmx_alloc_vpid(void)
{
	unsigned long vpid;

	if (!vmx_caps.vpid)
		return 0;
	spin_lock(&vmx_vpid_lock);
	vpid = find_first_zero_bit(vmx_vpid_bitmap, VMX_NR_VPIDS);
	if (vpid < VMX_NR_VPIDS)
		__set_bit(vpid, vmx_vpid_bitmap);
	else
		vpid = 0;
	spin_unlock(&vmx_vpid_lock);
	return vpid;
}

static void vmx_free_vpid(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpid_bitmap);
	spin_unlock(&vmx_vpid_lock);
}

u64 vmx_eptp(struct vmon_vcpu *vcpu)
{
	return vcpu->vm->tdp.root_pa | VMX_EPTP_MT_WB | VMX_EPTP_PWL_4 |
	       (vmx_caps.ept_ad ? VMX_EPTP_AD_ENABLE_BIT : 0);
}

/* Controls and host state that never change for this VMCS. */
static void vmx_init_vmcs_controls(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 proc2 = vmx_caps.proc2;
	u64 v;

	if (!vmx->vpid)
		proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_caps.pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_caps.proc);
	vmx->proc_ctl = vmx_caps.proc;
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_write(VM_EXIT_CONTROLS, vmx_caps.exit);
	vmcs_write(VM_ENTRY_CONTROLS, vmx_caps.entry);
	if (vmx->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	/* #MC goes to the host's handler (vmx_run), never to the guest. */
	/* #MC for the host; #AC, #DB against the delivery loop (vmx_exits.c). */
	vmcs_write(EXCEPTION_BITMAP, BIT(MC_VECTOR) | BIT(AC_VECTOR) |
		   BIT(DB_VECTOR));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(MSR_BITMAP, __pa(vmx_msr_bitmap));
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(EPT_POINTER, vmx_eptp(vcpu));
	/* TSC_OFFSET: vmx_reset_vcpu, once the core has chosen it. */
	/* The guest sees (and owns no bit of) CR0/CR4 via the shadows. */
	vmcs_write(CR0_GUEST_HOST_MASK, ~0UL);
	vmcs_write(CR4_GUEST_HOST_MASK, ~0UL);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, __read_cr3());
	vmcs_write(HOST_CR4, cr4_read_shadow());
	vmx->host_cr3 = __read_cr3();
	vmx->host_cr4 = cr4_read_shadow();
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_FS_BASE, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmcs_write(HOST_RIP, (unsigned long)vmx_vmon_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	vmcs_write(HOST_IA32_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(HOST_IA32_PAT, v);
	vmx->host_fs_sel = 0;
	vmx->host_gs_sel = 0;
	vmx->host_fs_base = 0;
	vmx->host_cpu = -1;
}

static int vmx_vcpu_create(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx;
	struct page *page;

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(vmx);
		return -ENOMEM;
	}
	vmx->vcpu = vcpu;
	vmx->vmcs = page_address(page);
	vmx->vmcs_pa = page_to_phys(page);
	*(u32 *)vmx->vmcs = vmx_caps.revision_id;
	vmx->cpu = -1;
	vmx->host_cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vmx->vpid = vmx_alloc_vpid();
	vcpu->vendor = vmx;

	/* A fresh VMCS must be VMCLEARed once: launch state "clear". */
	if (vmx_vmclear(vmx->vmcs_pa)) {
		vmon_pr_err("VMCLEAR of a new VMCS failed\n");
		vcpu->vendor = NULL;
		vmx_free_vpid(vmx->vpid);
		__free_page(page);
		kfree(vmx);
		return -EIO;
	}
	vmx_vmcs_get(vcpu);
	vmx_init_vmcs_controls(vcpu);
	vmx_vmcs_put(vcpu);
	return 0;
}

static void vmx_vcpu_free(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int cpu;

	if (!vmx)
		return;
	cpu = READ_ONCE(vmx->cpu);
	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vmclear_ipi, vmx, 1);
	WARN_ON_ONCE(READ_ONCE(vmx->cpu) >= 0);
	vmx_free_vpid(vmx->vpid);
	free_page((unsigned long)vmx->vmcs);
	kfree(vmx);
	vcpu->vendor = NULL;
}

/* ------------------------------------------------------------------ */
/* TLB                                                                 */

static void vmx_flush_now(struct vmx_vcpu *vmx)
{
	if (vmx_caps.invept_single)
		vmx_invept(VMX_EPT_EXTENT_CONTEXT, vmx_eptp(vmx->vcpu));
	else
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	if (vmx->vpid) {
		if (vmx_caps.invvpid_single)
			vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vmx->vpid);
		else
			vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
	}
	vmx->need_flush = false;
}

/* IRQs off, right before run(): the translations of this EPTP go. */
static void vmx_flush_tlb(struct vmon_vcpu *vcpu)
{
	to_vmx(vcpu)->need_flush = true;
}

/* ------------------------------------------------------------------ */
/* VM entry                                                            */

/* The only code that runs with guest context loaded; not instrumentable. */
static noinstr int vmx_enter_exit(struct vmx_vcpu *vmx, u64 *regs)
{
	int r;

	guest_state_enter_irqoff();
	/* L1TF; the VERW (MDS) is still done last, in __vmx_vmon_enter. */
	vmx_l1d_flush(vmx->vcpu);
	/* CR2 is not switched by VMX; NMI handlers preserve it. */
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);
	r = __vmx_vmon_enter(regs, vmx->launched);
	vmx->cr2 = native_read_cr2();
	guest_state_exit_irqoff();
	return r;
}

static u16 vmx_read_ldt(void)
{
	u16 sel;

	asm volatile("sldt %0" : "=g"(sel));
	return sel;
}

static void vmx_load_ldt(u16 sel)
{
	asm volatile("lldt %0" : : "rm"(sel));
}

/* Host selectors VM exit can load must have RPL = TI = 0 (SDM 26.2.3). */
static u16 vmx_host_sel(u16 sel)
{
	return (sel & 7) ? 0 : sel;
}

static void vmx_read_exit_info(struct vmx_vcpu *vmx, int r)
{
	struct vmx_exit_info *e = &vmx->exit;

	memset(e, 0, sizeof(*e));
	if (r) {
		e->vmfail = true;
		/* VMfailInvalid (no current VMCS) leaves no error number. */
		e->insn_error = r == VMX_ENTER_VMFAIL ?
				vmcs_read32(VM_INSTRUCTION_ERROR) : 0;
		return;
	}
	e->reason = vmcs_read32(VM_EXIT_REASON);
	e->qual = vmcs_read(EXIT_QUALIFICATION);
	e->insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	e->insn_info = vmcs_read32(VMX_INSTRUCTION_INFO);
	e->intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
	e->intr_err = vmcs_read32(VM_EXIT_INTR_ERROR_CODE);
	e->idt_info = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	e->idt_err = vmcs_read32(IDT_VECTORING_ERROR_CODE);
	if ((u16)e->reason == EXIT_REASON_EPT_VIOLATION ||
	    (u16)e->reason == EXIT_REASON_EPT_MISCONFIG)
		e->gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
}

/*
 * Debug registers (the rules: debugreg.c). VMX switches DR7 only: the
 * guest's DR6 is vcpu->dbg.dr6, in the hardware while dbg.hw. An
 * intercepted #DB does not write DR6 (its causes are in the exit
 * qualification), so the hardware DR6 is only ever what the guest wrote.
 */
static void vmx_dbg_load(struct vmon_vcpu *vcpu)
{
	u64 dr7 = vmcs_read(GUEST_DR7), now = vmon_dbg_load(vcpu, dr7);

	if (now != dr7)
		vmcs_write(GUEST_DR7, now);
	if (vcpu->dbg.hw)
		set_debugreg(vcpu->dbg.dr6, 6);
}

static void vmx_dbg_save(struct vmon_vcpu *vcpu)
{
	if (vcpu->dbg.hw) {
		get_debugreg(vcpu->dbg.dr6, 6);
		/* The host's #DB handler must not find the guest's bits. */
		set_debugreg(DR6_RESERVED, 6);
	}
	vmon_dbg_save(vcpu);
}

/*
 * Load a guest MSR value with a checked write: the core and vmx_set_msr()
 * refuse every value WRMSR would fault on, so a failure is a vmon bug, to
 * be reported once, not an unchecked-MSR-access splat at every entry.
 */
static void vmx_load_guest_msr(u32 msr, u64 val)
{
	if (unlikely(wrmsrl_safe(msr, val)))
		pr_warn_once("vmon: cannot load guest MSR %#x = %#llx\n",
			     msr, val);
}

/* What one entry saves of the host and its exit puts back. */
struct vmx_host_state {
	u16 fs_sel, gs_sel, ds_sel, es_sel, ldt_sel;
	unsigned long fs_base;
	u64 kernel_gs_base;
	bool star;		/* the guest's SYSCALL MSRs went in */
	bool tsc_aux;		/* the guest's TSC_AUX went in */
};

/*
 * Host state that can change between entries: what VM exit loads from
 * the VMCS host area (CR3, CR4, FS/GS selectors, FS base) is rewritten
 * there when it changed; what it cannot load is kept in @h.
 */
static void vmx_save_host_state(struct vmx_vcpu *vmx,
				struct vmx_host_state *h)
{
	unsigned long cr3, cr4;

	cr3 = __read_cr3();
	if (unlikely(cr3 != vmx->host_cr3)) {
		vmcs_write(HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	cr4 = cr4_read_shadow();
	if (unlikely(cr4 != vmx->host_cr4)) {
		vmcs_write(HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
	savesegment(fs, h->fs_sel);
	savesegment(gs, h->gs_sel);
	savesegment(ds, h->ds_sel);
	savesegment(es, h->es_sel);
	h->ldt_sel = vmx_read_ldt();
	rdmsrl(MSR_FS_BASE, h->fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	if (vmx_host_sel(h->fs_sel) != vmx->host_fs_sel) {
		vmx->host_fs_sel = vmx_host_sel(h->fs_sel);
		vmcs_write(HOST_FS_SELECTOR, vmx->host_fs_sel);
	}
	if (vmx_host_sel(h->gs_sel) != vmx->host_gs_sel) {
		vmx->host_gs_sel = vmx_host_sel(h->gs_sel);
		vmcs_write(HOST_GS_SELECTOR, vmx->host_gs_sel);
	}
	if (h->fs_base != vmx->host_fs_base) {
		vmx->host_fs_base = h->fs_base;
		vmcs_write(HOST_FS_BASE, h->fs_base);
	}
}

/* The guest state the VMCS gets from vcpu and vmx, and the event. */
static void vmx_load_guest_state(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	/* Before RIP is written: the shadow check compares it. */
	vmx_prepare_events(vcpu);
	vmcs_write(GUEST_RIP, vcpu->rip);
	vmcs_write(GUEST_RSP, vcpu->regs[VMON_RSP]);
	vmcs_write(GUEST_RFLAGS, vcpu->rflags);
	if (vcpu->pat != vmx->guest_pat) {
		vmcs_write(GUEST_IA32_PAT, vcpu->pat);
		vmx->guest_pat = vcpu->pat;
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, vmx->inject_info);
	if (vmx->inject_info) {
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, vmx->inject_err);
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmx->inject_len);
	}

	vmx_dbg_load(vcpu);
}

/* MSRs VMX leaves alone; the guest's go in only when they differ. */
static void vmx_load_guest_msrs(struct vmx_vcpu *vmx, struct vmx_cpu *vc,
				struct vmx_host_state *h)
{
	vmx_load_guest_msr(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	h->star = vmx->star != vc->star || vmx->lstar != vc->lstar ||
		  vmx->cstar != vc->cstar || vmx->sfmask != vc->sfmask;
	if (h->star) {
		vmx_load_guest_msr(MSR_STAR, vmx->star);
		vmx_load_guest_msr(MSR_LSTAR, vmx->lstar);
		vmx_load_guest_msr(MSR_CSTAR, vmx->cstar);
		vmx_load_guest_msr(MSR_SYSCALL_MASK, vmx->sfmask);
	}
	h->tsc_aux = vmx_caps.rdtscp && vmx->tsc_aux != vc->tsc_aux;
	if (h->tsc_aux)
		vmx_load_guest_msr(MSR_TSC_AUX, vmx->tsc_aux);
}

/* After the exit: the host's MSRs, segments, LDT, TR limit and GDT. */
static void vmx_restore_host_state(struct vmx_vcpu *vmx, struct vmx_cpu *vc,
				   const struct vmx_host_state *h)
{
	if (h->tsc_aux)
		wrmsrl(MSR_TSC_AUX, vc->tsc_aux);
	if (h->star) {
		wrmsrl(MSR_STAR, vc->star);
		wrmsrl(MSR_LSTAR, vc->lstar);
		wrmsrl(MSR_CSTAR, vc->cstar);
		wrmsrl(MSR_SYSCALL_MASK, vc->sfmask);
	}
	/* SWAPGS in the guest changes it without an exit. */
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	if (unlikely(h->ldt_sel || (h->gs_sel & 7))) {
		vmx_load_ldt(h->ldt_sel);
		load_gs_index(h->gs_sel);
	}
	if (unlikely(h->fs_sel & 7)) {
		loadsegment(fs, h->fs_sel);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (unlikely(h->ds_sel | h->es_sel)) {
		loadsegment(ds, h->ds_sel);
		loadsegment(es, h->es_sel);
	}
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	/* The exit set TR's limit to 0x67 and GDTR's to 0xffff. */
	invalidate_tss_limit();
	load_fixmap_gdt(smp_processor_id());
}

/* The guest state vmon keeps outside the VMCS, read back after the exit. */
static void vmx_save_guest_state(struct vmon_vcpu *vcpu, int r)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!r && !(vmx->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		vmx->launched = true;
	vmx->inject_info = 0;
	if (!r) {
		vcpu->regs[VMON_RSP] = vmcs_read(GUEST_RSP);
		vcpu->rip = vmcs_read(GUEST_RIP);
		vcpu->rflags = vmcs_read(GUEST_RFLAGS);
	}
	vmx->exit_rip = vcpu->rip;
}

/*
 * The part of an exit that must run with IRQs still off, on the CPU the
 * guest ran on, before the core enables them (KVM's
 * vmx_handle_exit_irqoff() and vmx_complete_interrupts()): an NMI or a
 * machine check the exit consumed goes to the host's handler, and the
 * event whose delivery the exit cut short back to the core
 * (vmx_complete_events(), vmon_event_vectoring()). The exit table
 * (vmx_exits.c) finds these done. As in KVM, the host state is back
 * first.
 */
static void vmx_exit_irqoff(struct vmon_vcpu *vcpu)
{
	struct vmx_exit_info *e = &to_vmx(vcpu)->exit;
	u32 type = e->intr_info & INTR_INFO_INTR_TYPE_MASK;
	bool exc = !e->vmfail && (u16)e->reason == EXIT_REASON_EXCEPTION_NMI &&
		   (e->intr_info & INTR_INFO_VALID_MASK);

	if (exc && type == INTR_TYPE_NMI_INTR)
		vmx_vmon_call_nmi(asm_exc_nmi_noist);
	if (unlikely(!e->vmfail &&
		     ((u16)e->reason == EXIT_REASON_MCE_DURING_VMENTRY ||
		      (exc && type == INTR_TYPE_HARD_EXCEPTION &&
		       (e->intr_info & INTR_INFO_VECTOR_MASK) == MC_VECTOR))))
		vmon_machine_check();
	vmx_complete_events(vcpu);
}

/*
 * Called with preemption and IRQs off, after vmx_vcpu_load() (vmon.h):
 * entry preparation, the entry, vmx_exit_irqoff().
 */
static void vmx_run(struct vmon_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);
	struct vmx_host_state host;
	u64 host_debugctl;
	int r;

	if (unlikely(vc->current_vmcs != vmx ||
		     vmx->cpu != smp_processor_id())) {
		/* VMX went off under us (reboot) or the load failed. */
		memset(&vmx->exit, 0, sizeof(vmx->exit));
		vmx->exit.vmfail = true;
		return;
	}
	if (vmx->need_flush)
		vmx_flush_now(vmx);

	vmx_save_host_state(vmx, &host);
	vmx_load_guest_state(vcpu);
	vmx_load_guest_msrs(vmx, vc, &host);
	/*
	 * VM exit clears IA32_DEBUGCTL: the host's (bus-lock detection, BTF,
	 * LBR) goes back right after. Read at every entry, with IRQs off,
	 * since the host may change it at any time (an IPI, perf), as KVM.
	 */
	host_debugctl = get_debugctlmsr();

	r = vmx_enter_exit(vmx, vcpu->regs);

	if (host_debugctl)
		update_debugctlmsr(host_debugctl);

	vmx_read_exit_info(vmx, r);
	vmx_restore_host_state(vmx, vc, &host);
	vmx_dbg_save(vcpu);
	vmx_save_guest_state(vcpu, r);
	vmx_exit_irqoff(vcpu);
}

/* Exits that are instruction intercepts: the length is valid. */
static bool vmx_exit_has_insn_len(u32 reason)
{
	switch (reason) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_HLT:
	case EXIT_REASON_INVD:
	case EXIT_REASON_RDPMC:
	case EXIT_REASON_RDTSC:
	case EXIT_REASON_VMCALL ... EXIT_REASON_VMON:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_DR_ACCESS:
	case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_MONITOR_INSTRUCTION:
	case EXIT_REASON_PAUSE_INSTRUCTION:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_RDTSCP:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_WBINVD:
	case EXIT_REASON_XSETBV:
	case EXIT_REASON_VMFUNC:
		return true;
	default:
		return false;
	}
}

static bool vmx_next_rip(struct vmon_vcpu *vcpu, u64 *rip)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx->exit.vmfail || !vmx->exit.insn_len ||
	    !vmx_exit_has_insn_len((u16)vmx->exit.reason))
		return false;
	*rip = vmon_rip_advance(vcpu->rip, vmx->exit.insn_len,
				vmx_get_cpu_mode(vcpu));
	return true;
}

/* VMX captures no instruction bytes: the core fetches them. */
static int vmx_insn_bytes(struct vmon_vcpu *vcpu, u8 *buf, unsigned int len)
{
	return 0;
}

bool vmx_has_inout_info(void)
{
	return vmx_inout_info;
}

const struct vmon_backend_ops vmon_vmx_ops = {
	.name = "vmx",
	.tdp = &vmon_ept_format,
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_reset = vmx_reset_vcpu,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.get_cr = vmx_get_cr,
	.get_efer = vmx_get_efer,
	.get_cpu_mode = vmx_get_cpu_mode,
	.get_cs_base = vmx_get_cs_base,
	.get_cpl = vmx_get_cpl,
	.get_seg_base = vmx_get_seg_base,
	.set_tsc_offset = vmx_set_tsc_offset,
	.set_cr8 = vmx_set_cr8,
	.inject_event = vmx_inject_event,
	.interrupt_allowed = vmx_interrupt_allowed,
	.nmi_allowed = vmx_nmi_allowed,
	.enable_irq_window = vmx_enable_irq_window,
	.enable_nmi_window = vmx_enable_nmi_window,
	.get_interrupt_shadow = vmx_get_interrupt_shadow,
	.set_interrupt_shadow = vmx_set_interrupt_shadow,
	.get_nmi_mask = vmx_get_nmi_mask,
	.set_nmi_mask = vmx_set_nmi_mask,
	.flush_tlb = vmx_flush_tlb,
	.vcpu_load = vmx_vcpu_load,
	.run = vmx_run,
	.handle_exit = vmx_handle_exit,
	.next_rip = vmx_next_rip,
	.insn_bytes = vmx_insn_bytes,
};
