/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon core: the objects shared by the core (core/: device, VMs, vCPUs,
 * memslots, the run loop, CPUID/MSRs, instruction emulation), the device
 * models (dev/, through devices.h), the vendor backends (svm/, vmx/) and
 * nested paging (npt_ept/).
 *
 * Lock legend used on struct fields (bhyve style):
 *   (o)  set once at creation, read-only afterwards
 *   (l)  vm->lock
 *   (s)  vm->slots_lock to write; SRCU (vm->srcu) or vm->slots_lock to read
 *   (m)  vm->mmu_lock
 *   (v)  vcpu->mutex (held by every vCPU ioctl, including KVM_RUN)
 *   (a)  atomic / lockless with the ordering documented at the use
 */
#ifndef VMON_H
#define VMON_H

#include <linux/kvm.h>
#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/xarray.h>
#include <linux/mmu_notifier.h>
#include <linux/kref.h>
#include <linux/signal.h>
#include <linux/wait.h>
#include "insn.h"
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <linux/vmon.h>

/*
 * The result of every MSR handler at every level (core msr.c, the LAPIC,
 * the backend's get_msr/set_msr), as KVM's 0/1 but with names and one
 * more case kept apart:
 *   VMON_MSR_OK         done (@*data filled for a read);
 *   VMON_MSR_UNHANDLED  not this handler's MSR: the caller asks the next
 *                       level, and the last level turns it into a fault;
 *   VMON_MSR_FAULT      this handler's MSR, but the access is refused.
 * Both failures give the guest #GP and userspace a short KVM_GET/SET_MSRS
 * count. OK is 0, so "if (r)" means "not done".
 */
enum vmon_msr_result {
	VMON_MSR_OK = 0,
	VMON_MSR_UNHANDLED,
	VMON_MSR_FAULT,
};

#include "devices.h"
#include "msr_kvm.h"

/* KVM_CAP_X2APIC_API: the flags KVM 6.1 offers, all implemented. */
#define VMON_X2APIC_API_FLAGS	(KVM_X2APIC_API_USE_32BIT_IDS | \
				 KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)
#define VMON_MAX_VCPUS		1024
#define VMON_MAX_VCPU_ID	4096
#define VMON_MAX_MEMSLOTS	512	/* KVM_USER_MEM_SLOTS-like */
#define VMON_MAX_CPUID_ENTRIES	256
#define VMON_RUN_MMAP_PAGES	2	/* kvm_run + PIO data page */
#define VMON_PIO_PAGE_OFFSET	1	/* == KVM_PIO_PAGE_OFFSET on x86 */
#define VMON_PAT_DEFAULT	0x0007040600070406ULL	/* power-on PAT */
/* Power-on/INIT values both backends load (SDM 9.1.1, APM 14.1.3). */
#define VMON_RESET_CR0		(X86_CR0_CD | X86_CR0_NW | X86_CR0_ET)
#define VMON_RESET_DR6		0xffff0ff0ULL
#define VMON_RESET_DR7		0x400ULL
#define VMON_RESET_RDX		0x600ULL	/* without a CPUID leaf 1 */
#define VMON_RESET_RIP		0xfff0ULL	/* CS base 0xffff0000 */

/* Guest general purpose registers, in the hardware encoding order. */
enum vmon_reg {
	VMON_RAX, VMON_RCX, VMON_RDX, VMON_RBX,
	VMON_RSP, VMON_RBP, VMON_RSI, VMON_RDI,
	VMON_R8, VMON_R9, VMON_R10, VMON_R11,
	VMON_R12, VMON_R13, VMON_R14, VMON_R15,
	VMON_NR_GPRS,
};

struct vmon_vm;
struct vmon_vcpu;

/* One event for the guest's IDT (events.c decides, the backend injects). */
enum vmon_event_type {
	VMON_EV_EXTINT,		/* external interrupt: LAPIC, PIC, KVM_INTERRUPT */
	VMON_EV_NMI,
	VMON_EV_EXCEPTION,	/* hardware exception, error code if has_error */
	VMON_EV_SOFT_INT,	/* INT n (insn_len: its length) */
	VMON_EV_SOFT_EXC,	/* INT3 / INTO (insn_len: its length) */
};

struct vmon_event {
	u8 type;		/* enum vmon_event_type */
	u8 vector;
	bool has_error;
	u32 error_code;
	u8 insn_len;
};

/* ---------------------------------------------------------------- */
/* Memory slots                                                      */

struct vmon_memslot {
	u32 id;			/* (o) as_id 0 only: KVM slot number */
	u32 flags;		/* (o) KVM_MEM_* */
	u64 base_gfn;		/* (o) */
	u64 npages;		/* (o) */
	unsigned long hva;	/* (o) userspace_addr */
	/*
	 * KVM_MEM_LOG_DIRTY_PAGES only, else NULL: two bitmaps of
	 * ALIGN(npages, BITS_PER_LONG) bits each. The first is the log
	 * (bits set atomically by any reader of the slot, taken by
	 * KVM_GET/CLEAR_DIRTY_LOG under slots_lock); the second is
	 * KVM_GET_DIRTY_LOG's snapshot buffer (slots_lock). The pointer is
	 * (o) for one slot generation: the slot set copies it along.
	 */
	unsigned long *dirty_bitmap;
};

/*
 * An immutable snapshot of the slot set, published with RCU (SRCU) and
 * replaced wholesale on every KVM_SET_USER_MEMORY_REGION. Slots are sorted
 * by base_gfn and never overlap.
 */
struct vmon_memslots {
	int nr;
	struct vmon_memslot slots[];
};

int vmon_memslots_init(struct vmon_vm *vm);
void vmon_memslots_free(struct vmon_vm *vm);
long vmon_set_user_memory_region(struct vmon_vm *vm, unsigned long arg);

/* Lookup helpers; caller holds vm->srcu (or vm->slots_lock). */
struct vmon_memslot *vmon_gfn_to_memslot(struct vmon_vm *vm, u64 gfn);
/* Copy to/from guest-physical memory through the memslots (may sleep). */
int vmon_read_guest(struct vmon_vm *vm, u64 gpa, void *data, unsigned long len);
int vmon_write_guest(struct vmon_vm *vm, u64 gpa, const void *data,
		     unsigned long len);
/* Dirty logging (memslot.c): the two VM ioctls, under slots_lock. */
long vmon_get_dirty_log(struct vmon_vm *vm, unsigned long arg);
long vmon_clear_dirty_log(struct vmon_vm *vm, unsigned long arg);
/* What KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 offers (KVM's MANUAL_CAPS). */
#define VMON_DIRTY_LOG_MANUAL_CAPS	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
					 KVM_DIRTY_LOG_INITIALLY_SET)

/* ---------------------------------------------------------------- */
/* Two-dimensional paging (NPT / EPT): npt_ept/tdp.c                 */

/*
 * Vendor half of nested paging: only the entry format and the hardware
 * invalidation differ between NPT and EPT. The walk, the on-demand fault
 * path and the mmu-notifier coherence are common (npt_ept/tdp.c).
 */
struct vmon_tdp_format {
	const char *name;
	int levels;				/* 4, or 5 on LA57 hosts */
	u64 (*make_table)(phys_addr_t table_pa);	/* non-leaf entry */
	u64 (*make_leaf)(u64 pfn, bool writable, bool exec);
	bool (*is_present)(u64 pte);
	u64 (*pte_pa)(u64 pte);			/* address in an entry */
	/*
	 * Optional: the format to use on this host (NPT follows the host's
	 * paging depth). NULL: this one. Process context, VM creation.
	 */
	const struct vmon_tdp_format *(*for_host)(void);
};

extern const struct vmon_tdp_format vmon_npt_format;
extern const struct vmon_tdp_format vmon_ept_format;

struct vmon_tdp {
	const struct vmon_tdp_format *fmt;	/* (o) */
	u64 *root;				/* (o) top-level table */
	phys_addr_t root_pa;			/* (o) */
	unsigned long nr_tables;		/* (m) */
};

/* Result of a nested page fault. */
enum vmon_tdp_fault_result {
	VMON_TDP_MAPPED,	/* mapping installed; re-enter the guest */
	VMON_TDP_MMIO,		/* no slot or write to a RO slot: emulate */
	VMON_TDP_RETRY,		/* raced with an invalidation; re-enter */
};

int vmon_tdp_init(struct vmon_vm *vm);	/* root + mmu notifier */
void vmon_tdp_destroy(struct vmon_vm *vm);	/* frees every table */
/*
 * Resolve a fault at @gpa. @write/@exec describe the access. Returns a
 * vmon_tdp_fault_result or a negative errno (-ENOMEM, -EFAULT when the
 * slot's userspace mapping is bad: becomes an exit to userspace).
 * Called from the vCPU thread, preemptible, IRQs on.
 */
int vmon_tdp_fault(struct vmon_vcpu *vcpu, u64 gpa, bool write, bool exec);
/*
 * Deleting or moving a slot, under slots_lock: begin() zaps the old range
 * and holds off faults (they return VMON_TDP_RETRY) while the new slot set
 * is published and synchronize_srcu() runs; end() lets faults in again.
 * Zapping before publishing matters: once the new set is visible the mmu
 * notifier can no longer map the old slot's userspace range to gfns.
 */
void vmon_tdp_slot_change_begin(struct vmon_vm *vm, u64 gfn, u64 npages);
void vmon_tdp_slot_change_end(struct vmon_vm *vm);
/*
 * Dirty logging: make the leaves of @gfn + each set bit of @mask
 * read-only (vm->mmu_lock held). Returns true if any leaf lost write
 * permission: the caller must vmon_flush_remote_tlbs() before it reports
 * those pages clean to anybody.
 */
bool vmon_tdp_wrprot_mask_locked(struct vmon_vm *vm, u64 gfn,
				 unsigned long mask);
/* The same for [gfn, gfn + npages), taking mmu_lock and flushing. */
void vmon_tdp_wrprot_range(struct vmon_vm *vm, u64 gfn, u64 npages);
/*
 * npt_ept/tdp_fault.c, vCPU thread: a nested page fault at @gpa. Maps it,
 * or emulates MMIO (vmon_emulate_mmio); > 0 re-enter, 0 exit to
 * userspace, < 0 error.
 */
int vmon_handle_tdp_fault(struct vmon_vcpu *vcpu, u64 gpa, bool write,
			  bool exec);

/*
 * npt_ept/tdp_fault.c: bump vm->tlb_flush_gen and wait until every vCPU
 * that is in guest mode has left it; each vCPU flushes (ops->flush_tlb)
 * before its next entry when it sees a new generation. Call with IRQs
 * enabled, after the page-table change is visible; may be called with
 * mmu_lock held (it only spins).
 */
void vmon_flush_remote_tlbs(struct vmon_vm *vm);

/* ---------------------------------------------------------------- */
/* Backend operations: the one table between core and vendor code.  */

struct vmon_backend_ops {
	const char *name;			/* "svm" / "vmx" */
	const struct vmon_tdp_format *tdp;

	/* Module load/unload (process context). */
	int (*hardware_setup)(void);		/* checks + per-cpu alloc */
	void (*hardware_unsetup)(void);

	/*
	 * Per-CPU enable/disable, called on the CPU itself with IRQs off
	 * (from on_each_cpu or the CPU hotplug callbacks). enable returns
	 * -EBUSY when another hypervisor holds the CPU.
	 */
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);

	/* Called once per VM / vCPU, process context. */
	int (*vm_init)(struct vmon_vm *vm);
	void (*vm_destroy)(struct vmon_vm *vm);
	int (*vcpu_create)(struct vmon_vcpu *vcpu);
	void (*vcpu_free)(struct vmon_vcpu *vcpu);
	/* Architectural reset (KVM_CREATE_VCPU, INIT). */
	void (*vcpu_reset)(struct vmon_vcpu *vcpu);

	/*
	 * State access, under vcpu->mutex with the vCPU not running.
	 * GPRs, RIP and RFLAGS live in struct vmon_vcpu (core owned): the
	 * backend loads them into hardware in run() and stores them back.
	 */
	void (*get_sregs)(struct vmon_vcpu *vcpu, struct kvm_sregs *sregs);
	int (*set_sregs)(struct vmon_vcpu *vcpu, const struct kvm_sregs *s);
	/*
	 * MSRs the backend keeps (enum vmon_msr_result). The core has
	 * applied the architectural rules (msr.c): the backend refuses only
	 * what its hardware cannot hold.
	 */
	enum vmon_msr_result (*get_msr)(struct vmon_vcpu *vcpu, u32 index,
					u64 *data);
	enum vmon_msr_result (*set_msr)(struct vmon_vcpu *vcpu, u32 index,
					u64 data, bool host_initiated);
	u64 (*get_cr)(struct vmon_vcpu *vcpu, int cr);	/* 0, 3, 4, 8 */
	u64 (*get_efer)(struct vmon_vcpu *vcpu);
	/* CPU mode for decoding: 16, 32 or 64 (CS.D/CS.L/CR0.PE/VM). */
	int (*get_cpu_mode)(struct vmon_vcpu *vcpu);
	u64 (*get_cs_base)(struct vmon_vcpu *vcpu);
	int (*get_cpl)(struct vmon_vcpu *vcpu);
	/* Segment base for string I/O (VCPU_SREG_* from asm/kvm_host.h). */
	u64 (*get_seg_base)(struct vmon_vcpu *vcpu, int seg);
	void (*set_tsc_offset)(struct vmon_vcpu *vcpu, u64 offset);
	/*
	 * CR8 (TPR) without an in-kernel local APIC: KVM_RUN loads it from
	 * kvm_run->cr8 and reports it back there (get_cr(vcpu, 8)), and a
	 * guest write that lowers it exits with KVM_EXIT_SET_TPR.
	 */
	void (*set_cr8)(struct vmon_vcpu *vcpu, u64 cr8);

	/*
	 * Events (events.c owns the queue and the priorities). inject_event
	 * is called with IRQs off right before run() for the one event the
	 * core chose; an event whose delivery an exit cut short goes back to
	 * the core with vmon_event_vectoring() from the end of run() (its
	 * IRQs-off exit work), never from handle_exit().
	 */
	void (*inject_event)(struct vmon_vcpu *vcpu,
			     const struct vmon_event *ev);

	/* RFLAGS.IF set, no STI/MOV SS shadow, GIF set (SVM). */
	bool (*interrupt_allowed)(struct vmon_vcpu *vcpu);
	/* No NMI blocking, no shadow, GIF set. */
	bool (*nmi_allowed)(struct vmon_vcpu *vcpu);
	/*
	 * Exit as soon as the guest can take an interrupt / NMI (VINTR,
	 * interrupt-/NMI-window exiting). The backend drops the intercept
	 * when that exit comes and returns 1 from handle_exit().
	 */
	void (*enable_irq_window)(struct vmon_vcpu *vcpu);
	void (*enable_nmi_window)(struct vmon_vcpu *vcpu);
	u32 (*get_interrupt_shadow)(struct vmon_vcpu *vcpu); /* KVM_X86_SHADOW_INT_* */
	void (*set_interrupt_shadow)(struct vmon_vcpu *vcpu, u32 mask);
	bool (*get_nmi_mask)(struct vmon_vcpu *vcpu);
	void (*set_nmi_mask)(struct vmon_vcpu *vcpu, bool masked);

	/*
	 * Make this vCPU's translations (guest and nested) stale-free on
	 * the next entry. Called with IRQs off right before run().
	 */
	void (*flush_tlb)(struct vmon_vcpu *vcpu);

	/*
	 * Optional: the vCPU is about to enter on @cpu. Called before every
	 * run() with preemption disabled but IRQs still enabled, so it may
	 * wait for an IPI to the CPU the vCPU last ran on (VMX: VMCLEAR
	 * there, VMPTRLD here).
	 */
	void (*vcpu_load)(struct vmon_vcpu *vcpu, int cpu);

	/*
	 * Enter the guest once. Called with preemption and IRQs disabled on
	 * the CPU the vCPU will run on; returns with IRQs still disabled
	 * (host interrupts that caused the exit are taken when the core
	 * re-enables them). Must not sleep. It ends with the exit work that
	 * cannot wait for IRQs on (svm_exit_irqoff(), vmx_exit_irqoff(), as
	 * KVM's handle_exit_irqoff): an NMI or #MC the exit consumed to the
	 * host's handler, the event the exit cut short back to the core.
	 */
	void (*run)(struct vmon_vcpu *vcpu);

	/*
	 * Handle the exit recorded by run(), preemptible with IRQs on:
	 * the backend's exit table, by exit code, with the exit-handler
	 * convention (vmon_exit_fn below).
	 */
	int (*handle_exit)(struct vmon_vcpu *vcpu);

	/*
	 * run() issues an IBPB after every exit when the kernel sets
	 * X86_FEATURE_IBPB_ON_VMEXIT (svm_vmrun.S): the core then needs no
	 * IBPB when another vCPU comes to the CPU.
	 */
	bool exit_ibpb;

	/* Length of the instruction at RIP when the hardware gave it. */
	bool (*next_rip)(struct vmon_vcpu *vcpu, u64 *rip);
	/* Instruction bytes the hardware captured (decode assists). */
	int (*insn_bytes)(struct vmon_vcpu *vcpu, u8 *buf, unsigned int len);
};

extern const struct vmon_backend_ops *vmon_ops;
extern const struct vmon_backend_ops vmon_svm_ops;
extern const struct vmon_backend_ops vmon_vmx_ops;

/* Vendor detection at load; each returns 0 or -ENODEV/-EPERM + a log line. */
int svm_detect(void);
int vmx_detect(void);

/* ---------------------------------------------------------------- */
/* VM                                                                */

struct vmon_vm {
	struct kref ref;			/* (a) fd + vCPUs */
	struct mm_struct *mm;			/* (o) creator's mm */
	struct mutex lock;			/* vCPU creation, VM ioctls */
	struct xarray vcpus;			/* (l) write, (a) read */
	int nr_vcpus;				/* (l) */

	struct mutex slots_lock;		/* memslot updates */
	struct srcu_struct srcu;		/* memslot readers */
	struct vmon_memslots __rcu *slots;	/* (s) */

	spinlock_t mmu_lock;			/* TDP tables */
	struct vmon_tdp tdp;			/* (m) */
	struct mmu_notifier mmu_notifier;	/* (o) */
	unsigned long mmu_invalidate_seq;	/* (m) */
	long mmu_invalidate_in_progress;	/* (m) */
	/* Bumped (under mmu_lock) when a vCPU TLB flush is needed. */
	atomic_t tlb_flush_gen;			/* (a) */

	u64 tsc_offset;				/* (o) vCPUs' initial offset */
	/*
	 * KVM_CAP_MAX_VCPU_ID (caps.c): 0 until set, or until the first
	 * vCPU fixes it at VMON_MAX_VCPU_ID, as in KVM.
	 */
	u32 max_vcpu_id;			/* (l) */
	/* KVM_CAP_MSR_PLATFORM_INFO disabled: guest RDMSR of it #GPs. */
	bool platform_info_hidden;		/* (l) write, (a) read */
	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 argument (KVM_DIRTY_LOG_*). */
	u64 manual_dirty_log_protect;		/* (l) write, (a) read */
	/* KVM_CAP_X2APIC_API flags enabled so far (never cleared, as KVM). */
	u32 x2apic_api;				/* (l) write, (a) read */
	/*
	 * The device models' per-VM state (dev/, opaque to the core):
	 * created by KVM_CREATE_IRQCHIP or the first KVM_IOEVENTFD, so it
	 * exists without an irqchip; test for the irqchip with
	 * vmon_irqchip_in_kernel().
	 */
	struct vmon_irq *irq;			/* (l) write, (a) read */

	void *vendor;				/* (o) backend's per-VM data */
};

/* ---------------------------------------------------------------- */
/* vCPU                                                              */

enum vmon_vcpu_mode {
	VMON_OUTSIDE_GUEST,
	VMON_IN_GUEST,		/* between the last check and VMRUN/VMENTRY */
};

/* What KVM_RUN must finish before it re-enters the guest. */
enum vmon_pending {
	VMON_PENDING_NONE,
	VMON_PENDING_PIO_IN,	/* copy kvm_run PIO data to RAX or memory */
	VMON_PENDING_PIO_OUT,	/* OUT seen by userspace: move RIP past it */
	VMON_PENDING_MMIO_READ,	/* write kvm_run->mmio.data to a register */
};

struct vmon_vcpu {
	struct vmon_vm *vm;			/* (o) */
	u32 vcpu_id;				/* (o) */
	struct mutex mutex;
	struct kvm_run *run;			/* (o) shared with userspace */
	void *pio_data;				/* (o) page 1 of the mmap */
	bool ran_once;				/* (v) CPUID is frozen after */
	/*
	 * (v) The host ran userspace, another task or code that read guest
	 * memory for this vCPU since its last entry: VMX's conditional L1D
	 * flush (L1TF) is due. sched_switches: this thread's context
	 * switches at the last entry.
	 */
	bool l1tf_flush_l1d;
	unsigned long sched_switches;		/* (v) */
	bool sigset_active;			/* (v) KVM_SET_SIGNAL_MASK */
	sigset_t sigset;			/* (v) mask during KVM_RUN */
	u64 tsc_offset;				/* (v) guest TSC - host TSC */
	u64 tsc_adjust;				/* (v) IA32_TSC_ADJUST */
	u64 platform_info;			/* (v) MSR_PLATFORM_INFO */
	struct vmon_msr_kvm msr_kvm;		/* (v) MTRR, MCE, ... */

	/* Guest state owned by the core; loaded/stored by backend run(). */
	u64 regs[VMON_NR_GPRS];			/* (v) */
	u64 rip;				/* (v) */
	u64 rflags;				/* (v) */
	u64 xcr0;				/* (v) guest XCR0 */
	u32 pkru;				/* (v) guest PKRU */
	u64 apic_base;				/* (v) */
	u64 pat;				/* (v) */
	u32 mp_state;				/* (v) KVM_MP_STATE_* */
	struct fpu_guest guest_fpu;		/* (v) */
	/*
	 * (v) PAE paging's four PDPTEs, as the last CR write or
	 * KVM_SET_SREGS that loaded them read them (vmon_load_pdptrs(),
	 * KVM's mmu->pdptrs). VMX with EPT enters with these; SVM's nested
	 * paging reads the guest's from memory, so there they only decide
	 * the #GP.
	 */
	u64 pdptrs[4];

	/*
	 * (v) Register cache (see vmon_get_cr()): backend state the core
	 * read during this exit. A bit in regs_avail says the value is
	 * valid; run() entering the guest and every write of that state
	 * (set_sregs, set_msr, vcpu_reset, a CR/EFER write the backend
	 * emulates) clear it with vmon_regs_invalidate().
	 */
	u32 regs_avail;
	int mode_cache;
	int cpl_cache;
	u64 cr_cache[5];			/* CR0, CR3, CR4 */
	u64 efer_cache;
	u64 cs_base_cache;

	struct kvm_cpuid_entry2 *cpuid;		/* (v) KVM_SET_CPUID2 table */
	int cpuid_nent;				/* (v) */

	/* Exit completion state carried from one KVM_RUN to the next. */
	enum vmon_pending pending;		/* (v) */
	struct {
		struct vmon_mmio_insn insn;	/* the decoded access */
		u64 insn_rip;			/* the instruction's RIP */
		u64 gpa;			/* where it went */
		u64 next_rip;
		u64 dst_gpa;			/* MOVS: the destination */
		bool dst_mmio;			/* MOVS: ... is no RAM */
	} mmio;					/* (v) */
	struct {
		bool string;			/* INS: data goes to ES:RDI */
		bool rep;
		u8 size;
		u32 count;
		u64 next_rip;
		u64 insn_rip;			/* IN/OUT: RIP at the exit */
		u64 gva;			/* INS destination (linear) */
		bool df;
		u8 addr_size;
	} pio;					/* (v) */

	int cpu;				/* (v) last host CPU */
	int mode;				/* (a) enum vmon_vcpu_mode */
	int tlb_flush_gen;			/* (v) last flush seen */

	/*
	 * Events (events.c). The queue is vCPU state; sources on other
	 * threads only touch @requests, @nmi_queued and the LAPIC's IRR,
	 * then vmon_vcpu_kick().
	 */
	struct {
		bool exc_pending;		/* queued, not yet delivered */
		bool exc_injected;		/* delivery started (vectoring) */
		bool exc_soft;			/* INT3/INTO: soft_len valid */
		u8 exc_nr;
		bool exc_has_error;
		u32 exc_error;
		bool irq_injected;		/* EXTINT or soft int in flight */
		bool irq_soft;
		u8 irq_nr;
		u8 soft_len;
		bool nmi_injected;
		u8 nmi_pending;			/* 0-2, as KVM */
		/*
		 * Split irqchip: a KVM_INTERRUPT vector waiting for LINT0
		 * (KVM's pending_external_vector).
		 */
		bool extint_pending;
		u8 extint_vector;
	} ev;					/* (v) */
	atomic_t nmi_queued;			/* (a) NMIs not yet counted */
	unsigned long requests;			/* (a) VMON_REQ_* bits */
	u8 sipi_vector;				/* (a) with VMON_REQ_SIPI */
	wait_queue_head_t wq;			/* (a) halted vCPU sleeps */
	struct vmon_lapic *lapic;		/* (o) in-kernel LAPIC or NULL */
	/* Split irqchip: the vector of VMON_REQ_IOAPIC_EOI. */
	u8 ioapic_eoi_vector;			/* (v) */
	/* KVM_TPR_ACCESS_REPORTING; the access of VMON_REQ_TPR_ACCESS. */
	struct {
		bool enabled;
		bool is_write;
		u64 rip;
	} tpr_access;				/* (v) */

	u32 halt_poll_ns;			/* (v) adaptive poll window */

	/* Guest DR0-3 and DR6 (debugreg.c); DR7 lives in the VMCB/VMCS. */
	struct {
		u64 db[4];
		u64 dr6;
		bool hw;			/* in the hardware, not intercepted */
		bool clear_gd;			/* a #DB goes in: DR7.GD off */
	} dbg;					/* (v) */

	/* Counters, read by VMON_GET_VCPU_STATS (uapi/vmon.h). */
	struct vmon_vcpu_stats stat;		/* (v) */

	void *vendor;				/* (o) backend's per-vCPU data */
};

/* vcpu->requests bits: work for the vCPU thread before its next entry. */
enum {
	VMON_REQ_EVENT,		/* re-evaluate interrupts (LAPIC, PIC, NMI) */
	VMON_REQ_INIT,		/* INIT signal */
	VMON_REQ_SIPI,		/* startup IPI, vector in sipi_vector */
	VMON_REQ_TRIPLE_FAULT,	/* shutdown: KVM_EXIT_SHUTDOWN */
	VMON_REQ_IOAPIC_EOI,	/* split irqchip: KVM_EXIT_IOAPIC_EOI */
	VMON_REQ_TPR_ACCESS,	/* KVM_EXIT_TPR_ACCESS */
};

/* Core event services (events.c). */
void vmon_queue_exception(struct vmon_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code);
/* From run()'s IRQs-off exit work: @ev's delivery was cut short; again. */
void vmon_event_vectoring(struct vmon_vcpu *vcpu, const struct vmon_event *ev);
/*
 * Before each entry, IRQs on: process requests, block while halted, pick
 * the event. > 0 enter, 0 exit to userspace (kvm_run filled), < 0 errno.
 */
int vmon_events_prepare(struct vmon_vcpu *vcpu);
/* IRQs off, right before run(): hand the chosen event to the backend. */
void vmon_events_inject(struct vmon_vcpu *vcpu);
/* After handle_exit(): KVM_EXIT_IRQ_WINDOW_OPEN (0) or go on (1). */
int vmon_events_after_exit(struct vmon_vcpu *vcpu);
/* kvm_run's if_flag and ready_for_interrupt_injection on the way out. */
void vmon_events_save_run(struct vmon_vcpu *vcpu);
void vmon_events_reset(struct vmon_vcpu *vcpu);
void vmon_events_accept(struct vmon_vcpu *vcpu);	/* INIT/SIPI now */
/* KVM_RUN on an UNINITIALIZED AP: wait for INIT, then -EAGAIN. */
int vmon_wait_uninitialized(struct vmon_vcpu *vcpu);
long vmon_vcpu_interrupt(struct vmon_vcpu *vcpu, unsigned long arg);
long vmon_vcpu_nmi(struct vmon_vcpu *vcpu, unsigned long arg);
long vmon_vcpu_get_events(struct vmon_vcpu *vcpu, unsigned long arg);
void vmon_events_get(struct vmon_vcpu *vcpu, struct kvm_vcpu_events *e);
int vmon_events_set(struct vmon_vcpu *vcpu, const struct kvm_vcpu_events *e);
/* KVM_CAP_SYNC_REGS (vcpu.c): kvm_run->s.regs in and out of KVM_RUN. */
int vmon_sync_regs_in(struct vmon_vcpu *vcpu);
void vmon_sync_regs_out(struct vmon_vcpu *vcpu);
long vmon_vcpu_set_events(struct vmon_vcpu *vcpu, unsigned long arg);

/* ---------------------------------------------------------------- */
/* Core services the backends call from handle_exit().               */

/*
 * The exit-handler convention. Every function that handles an exit or
 * part of one, core or backend, and ops->handle_exit() itself, returns
 *   1 (> 0)  re-enter the guest;
 *   0        exit to userspace: run->exit_reason (and its union member)
 *            is set, KVM_RUN returns 0;
 *   < 0      an errno KVM_RUN returns (run->exit_reason as it is).
 * A guest fault is no error: the handler queues the exception and
 * returns 1. An instruction vmon cannot decode or emulate is
 * KVM_EXIT_INTERNAL_ERROR (0), never an errno nor a guest #UD. The core
 * handlers below with this signature sit in both backends' exit tables
 * directly (as KVM's kvm_emulate_cpuid() does).
 */
typedef int (*vmon_exit_fn)(struct vmon_vcpu *vcpu);

/*
 * Skip the intercepted instruction (next_rip(), or fetch and decode it)
 * and raise the single-step trap it owes: 1, or 0 when it could not be
 * decoded (KVM_EXIT_INTERNAL_ERROR set), as KVM's
 * kvm_skip_emulated_instruction(). Also the handler of instructions that
 * run as no-ops (INVD, WBINVD).
 */
int vmon_skip_emulated_insn(struct vmon_vcpu *vcpu);
/* The host took it (INTR, NMI, SMI, INIT, #MC in run()): re-enter. */
int vmon_exit_host_event(struct vmon_vcpu *vcpu);
/* #UD for the guest: an instruction its CPU does not have. */
int vmon_exit_ud(struct vmon_vcpu *vcpu);

/*
 * The core's part of an architectural reset, called by the backend's
 * vcpu_reset (vcpu.c): GPRs, RIP, RFLAGS, the debug registers, as KVM's
 * kvm_vcpu_reset(). The backend resets what it keeps to the VMON_RESET_*
 * values.
 */
void vmon_vcpu_reset_regs(struct vmon_vcpu *vcpu);

/*
 * The RIP @len bytes after @rip in CPU mode @mode (16, 32, 64): outside
 * 64-bit mode EIP wraps at 4 GiB (KVM: the emulator's eip, and VMX's
 * skip_emulated_instruction). Every "next RIP" goes through here.
 */
static inline u64 vmon_rip_advance(u64 rip, unsigned int len, int mode)
{
	rip += len;
	return mode == 64 ? rip : (u32)rip;
}

/* The host's #MC handler for a machine check that hit the guest (hw.c). */
void vmon_machine_check(void);

/*
 * Debug registers (debugreg.c). vmon_dbg_reset() from vcpu_reset;
 * vmon_dr_access() from the MOV DR intercept (re-executes the insn, the
 * backend drops its DR intercepts while dbg.hw); vmon_dbg_load() in run()
 * with IRQs off before entry, after inject_event(): it returns the DR7
 * the guest enters with, which the backend loads if it differs;
 * vmon_dbg_save() right after the exit (the
 * backend first reads its own DR6 back when dbg.hw, then intercepts DR
 * access again); vmon_queue_db() queues #DB with its cause bits (VMX
 * pending-debug layout) merged into DR6; vmon_insn_step_trap() after an
 * emulated instruction retired (a guest TF makes it a single-step #DB).
 */
void vmon_dbg_reset(struct vmon_vcpu *vcpu);
int vmon_dr_access(struct vmon_vcpu *vcpu);
u64 vmon_dbg_load(struct vmon_vcpu *vcpu, u64 guest_dr7);
void vmon_dbg_save(struct vmon_vcpu *vcpu);
void vmon_queue_db(struct vmon_vcpu *vcpu, u64 payload);
void vmon_insn_step_trap(struct vmon_vcpu *vcpu);
/* CPUID leaf from the vCPU table, dynamic bits applied; advances RIP. */
int vmon_emulate_cpuid(struct vmon_vcpu *vcpu);
/* RDMSR/WRMSR from the guest (ECX = index); injects #GP on failure. */
int vmon_emulate_rdmsr(struct vmon_vcpu *vcpu);
int vmon_emulate_wrmsr(struct vmon_vcpu *vcpu);
/* XSETBV from the guest. */
int vmon_emulate_xsetbv(struct vmon_vcpu *vcpu);

struct vmon_io_exit {
	u16 port;
	u8 size;		/* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
	u8 addr_size;		/* 2, 4 or 8 (string forms) */
	int seg;		/* VCPU_SREG_* for OUTS source, -1 if unknown */
	u64 next_rip;
};
/* Port I/O: fills kvm_run for KVM_EXIT_IO (returns 0) or an error exit. */
int vmon_handle_io(struct vmon_vcpu *vcpu, const struct vmon_io_exit *io);
/*
 * An access at @gpa outside guest RAM (or a write to a read-only slot):
 * decode the instruction at RIP, serve it in the kernel (I/O bus) or fill
 * kvm_run for KVM_EXIT_MMIO. > 0 re-enter, 0 exit, < 0 error.
 */
int vmon_emulate_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool exec);
/*
 * HLT: skipped, then KVM_EXIT_HLT, or with the in-kernel LAPIC mp_state
 * HALTED and the wait in vmon_events_prepare().
 */
int vmon_emulate_hlt(struct vmon_vcpu *vcpu);
/* Guest MOV to CR8 (already validated): > 0 re-enter, 0 SET_TPR exit. */
int vmon_guest_set_cr8(struct vmon_vcpu *vcpu, u64 old, u64 val);
/* KVM_EXIT_SHUTDOWN (triple fault), state left as the fault left it. */
int vmon_exit_shutdown(struct vmon_vcpu *vcpu);
int vmon_exit_fail_entry(struct vmon_vcpu *vcpu, u64 reason);
/* KVM_EXIT_INTERNAL_ERROR with suberror and up to 4 data words. */
int vmon_exit_internal_error(struct vmon_vcpu *vcpu, u32 suberror,
			     int ndata, const u64 *data);

/*
 * Hardware task switch (task_switch.c) for a CPU that exits instead of
 * switching. @reason: VMON_TS_* (the VMX qualification's encoding).
 * @next_rip: the EIP saved in the old task (past the JMP/CALL/IRET/INT n,
 * or RIP itself for an event); the backend leaves vcpu->rip alone.
 * @via: the event (IDT-vectoring) that reached a task gate, or NULL; it
 * counts as delivered once the switch commits. Faults become guest
 * exceptions; > 0 re-enter, 0 KVM_EXIT_INTERNAL_ERROR.
 */
enum { VMON_TS_CALL, VMON_TS_IRET, VMON_TS_JMP, VMON_TS_GATE };
struct vmon_task_switch {
	u16 selector;
	u8 reason;
	bool has_error;
	u32 error_code;
	u64 next_rip;
	const struct vmon_event *via;
};
int vmon_task_switch(struct vmon_vcpu *vcpu, const struct vmon_task_switch *ts);

/* Host-wide hardware enable refcount (core/hw.c). */
int vmon_hw_init(void);		/* CPU hotplug callbacks */
void vmon_hw_exit(void);
int vmon_hw_get(void);		/* first VM: enable on all CPUs */
void vmon_hw_put(void);		/* last VM: disable on all CPUs */

/*
 * Declarative ioctl tables (dev.c, vm.c, vcpu.c): one row per command with
 * the lock the dispatcher takes around the handler, so a reader gets from
 * an ioctl number to its handler and its locking in one hop.
 */
enum vmon_ioctl_lock {
	VMON_LOCK_NONE,		/* handler does its own locking, or none */
	VMON_LOCK_VM,		/* vm->lock */
	VMON_LOCK_SLOTS,	/* vm->slots_lock */
	VMON_LOCK_VCPU,		/* vcpu->mutex (killable) */
};

struct vmon_ioctl_desc {
	unsigned int cmd;
	const char *name;
	enum vmon_ioctl_lock lock;
	long (*fn)(void *obj, unsigned long arg);
};

#define VMON_IOCTL(_cmd, _fn, _lock) \
	{ .cmd = (_cmd), .name = #_cmd, .lock = (_lock), \
	  .fn = (long (*)(void *, unsigned long))(_fn) }

const struct vmon_ioctl_desc *vmon_ioctl_find(const struct vmon_ioctl_desc *t,
					      size_t n, unsigned int cmd);
long vmon_ioctl_finish(const struct vmon_ioctl_desc *d, long r);
long vmon_check_extension(struct vmon_vm *vm, long ext);
long vmon_get_supported_cpuid(void __user *argp);
long vmon_get_msr_index_list(void __user *argp);
/* Feature MSRs on the system fd (msr.c), KVM_ENABLE_CAP on a VM (caps.c). */
long vmon_get_msr_feature_index_list(void __user *argp);
long vmon_get_feature_msrs(void __user *argp);
long vmon_vm_enable_cap(struct vmon_vm *vm, unsigned long arg);

/* Module-wide: device, VM and vCPU file operations. */
int vmon_dev_init(void);
const char *vmon_dev_name(void);
void vmon_dev_exit(void);
long vmon_create_vm(void);
int vmon_create_vcpu(struct vmon_vm *vm, u32 id);
void vmon_vm_put(struct vmon_vm *vm);
long vmon_vcpu_run(struct vmon_vcpu *vcpu);
void vmon_forget_vcpu(struct vmon_vcpu *vcpu);
void vmon_log_mitigations(const char *entry);
void vmon_vcpu_destroy(struct vmon_vcpu *vcpu);
/* MSR access shared by KVM_GET/SET_MSRS and guest RDMSR/WRMSR (msr.c). */
enum vmon_msr_result vmon_get_msr(struct vmon_vcpu *vcpu, u32 index,
				  u64 *data, bool host);
enum vmon_msr_result vmon_set_msr(struct vmon_vcpu *vcpu, u32 index,
				  u64 data, bool host);
long vmon_vcpu_get_msrs(struct vmon_vcpu *vcpu, unsigned long arg);
long vmon_vcpu_set_msrs(struct vmon_vcpu *vcpu, unsigned long arg);
long vmon_vcpu_set_cpuid2(struct vmon_vcpu *vcpu, unsigned long arg);
long vmon_vcpu_get_cpuid2(struct vmon_vcpu *vcpu, unsigned long arg);
extern u64 vmon_host_xcr0;

/* Completion of exits that waited for userspace (emulate.c). */
int vmon_complete_pio_in(struct vmon_vcpu *vcpu);
int vmon_complete_pio_out(struct vmon_vcpu *vcpu);
int vmon_complete_mmio_read(struct vmon_vcpu *vcpu);

/* Vendor-neutral guest-state checks (guest_checks.c). */
enum vmon_cpuid_reg { VMON_EAX, VMON_EBX, VMON_ECX, VMON_EDX };
struct kvm_cpuid_entry2 *vmon_find_cpuid(struct vmon_vcpu *vcpu, u32 fn,
					 u32 idx);
bool vmon_guest_has(struct vmon_vcpu *vcpu, int host_feature, u32 fn,
		    u32 idx, enum vmon_cpuid_reg reg, int bit);
u64 vmon_cr4_reserved(struct vmon_vcpu *vcpu);
/*
 * PAE paging (KVM's load_pdptrs() and its callers). With CR0.PG, CR4.PAE
 * and not long mode the CPU takes the four PDPTEs from memory at MOV to
 * CR3, at a MOV to CR0 that changes CD, NW or PG and at a MOV to CR4 that
 * changes PAE, PGE, PSE or SMEP, and raises #GP if one that is present
 * has a reserved bit. vmon_load_pdptrs() reads them into vcpu->pdptrs:
 * false (#GP) for a reserved bit or memory that is no RAM. Call it under
 * vcpu->mutex, preemptible (it takes vm->srcu).
 */
#define VMON_CR0_PDPTR_BITS (X86_CR0_CD | X86_CR0_NW | X86_CR0_PG)
#define VMON_CR4_PDPTR_BITS (X86_CR4_PGE | X86_CR4_PSE | X86_CR4_PAE | \
			     X86_CR4_SMEP)
bool vmon_load_pdptrs(struct vmon_vcpu *vcpu, u64 cr3);

static inline bool vmon_pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) &&
	       !(efer & EFER_LMA);
}

/* A MOV to CR0 from @old to @cr0 that loads the PDPTEs (KVM: !LME). */
static inline bool vmon_cr0_loads_pdptrs(u64 old, u64 cr0, u64 cr4,
					 u64 efer)
{
	return !(efer & EFER_LME) && (cr0 & X86_CR0_PG) &&
	       (cr4 & X86_CR4_PAE) && ((cr0 ^ old) & VMON_CR0_PDPTR_BITS);
}

/* A MOV to CR4 from @old to @cr4 that loads the PDPTEs. */
static inline bool vmon_cr4_loads_pdptrs(u64 cr0, u64 efer, u64 old,
					 u64 cr4)
{
	return vmon_pae_paging(cr0, cr4, efer) &&
	       ((cr4 ^ old) & VMON_CR4_PDPTR_BITS);
}

/*
 * MOV to CR4 from @old with the guest's @efer and @cr3: false for #GP
 * (KVM's kvm_set_cr4()), including PDPTEs it loads (then in
 * vcpu->pdptrs, for the backend that holds them); the backend adds only
 * its own limits (VMX's fixed bits). A change of VMON_CR4_FLUSH_BITS
 * flushes the guest's TLB.
 */
bool vmon_cr4_write_ok(struct vmon_vcpu *vcpu, u64 old, u64 cr4, u64 efer,
		       u64 cr3);
#define VMON_CR4_FLUSH_BITS (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE | \
			     X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP | \
			     X86_CR4_PKE | X86_CR4_LA57)
/* Leaf 1 / 7.0 feature bit offered by KVM_GET_SUPPORTED_CPUID (cpuid.c). */
bool vmon_cpuid_offered(u32 fn, enum vmon_cpuid_reg reg, int bit);
bool vmon_efer_valid(struct vmon_vcpu *vcpu, u64 efer, bool host);
u8 vmon_guest_maxphyaddr(struct vmon_vcpu *vcpu);
bool vmon_sregs_valid(struct vmon_vcpu *vcpu, const struct kvm_sregs *s);
bool vmon_canonical(u64 addr);
bool vmon_guest_canonical(struct vmon_vcpu *vcpu, u64 addr);
u64 vmon_guest_canonicalize(struct vmon_vcpu *vcpu, u64 addr);
bool vmon_guest_cpuid_is_intel(struct vmon_vcpu *vcpu);
bool vmon_pat_valid(u64 pat);
bool vmon_exception_has_error(u8 vector);
bool vmon_exception_contributory(u8 vector);
int vmon_exception_combine(int prev, u8 vector);

/*
 * Register cache (KVM's kvm_cache_regs.h, bhyve's getreg): the core
 * reads CR0/3/4, EFER, the CPU mode, CPL and CS base through these, so
 * one exit asks the backend (a VMREAD on VMX) once per value. Filled
 * lazily, under vcpu->mutex with the vCPU not in guest mode; emptied by
 * vmon_regs_invalidate() at every entry and every write of that state.
 * CR8 is not cached (the TPR moves with LAPIC writes).
 */
enum {
	VMON_REG_CR0	= BIT(0),
	VMON_REG_CR3	= BIT(3),
	VMON_REG_CR4	= BIT(4),
	VMON_REG_EFER	= BIT(5),
	VMON_REG_MODE	= BIT(6),
	VMON_REG_CPL	= BIT(7),
	VMON_REG_CS_BASE = BIT(8),
};

static inline void vmon_regs_invalidate(struct vmon_vcpu *vcpu)
{
	vcpu->regs_avail = 0;
}

static inline u64 vmon_get_cr(struct vmon_vcpu *vcpu, int cr)
{
	if (cr != 0 && cr != 3 && cr != 4)
		return vmon_ops->get_cr(vcpu, cr);
	if (!(vcpu->regs_avail & BIT(cr))) {
		vcpu->cr_cache[cr] = vmon_ops->get_cr(vcpu, cr);
		vcpu->regs_avail |= BIT(cr);
	}
	return vcpu->cr_cache[cr];
}

static inline u64 vmon_get_efer(struct vmon_vcpu *vcpu)
{
	if (!(vcpu->regs_avail & VMON_REG_EFER)) {
		vcpu->efer_cache = vmon_ops->get_efer(vcpu);
		vcpu->regs_avail |= VMON_REG_EFER;
	}
	return vcpu->efer_cache;
}

static inline int vmon_cpu_mode(struct vmon_vcpu *vcpu)
{
	if (!(vcpu->regs_avail & VMON_REG_MODE)) {
		vcpu->mode_cache = vmon_ops->get_cpu_mode(vcpu);
		vcpu->regs_avail |= VMON_REG_MODE;
	}
	return vcpu->mode_cache;
}

static inline int vmon_get_cpl(struct vmon_vcpu *vcpu)
{
	if (!(vcpu->regs_avail & VMON_REG_CPL)) {
		vcpu->cpl_cache = vmon_ops->get_cpl(vcpu);
		vcpu->regs_avail |= VMON_REG_CPL;
	}
	return vcpu->cpl_cache;
}

static inline u64 vmon_get_cs_base(struct vmon_vcpu *vcpu)
{
	if (!(vcpu->regs_avail & VMON_REG_CS_BASE)) {
		vcpu->cs_base_cache = vmon_ops->get_cs_base(vcpu);
		vcpu->regs_avail |= VMON_REG_CS_BASE;
	}
	return vcpu->cs_base_cache;
}

/* Fetch up to @len instruction bytes at CS:RIP through guest paging. */
int vmon_fetch_insn(struct vmon_vcpu *vcpu, u8 *buf, unsigned int len);
/* Translate a guest linear address (guest page tables). */
int vmon_gva_to_gpa(struct vmon_vcpu *vcpu, u64 gva, bool write, u64 *gpa);

#define vmon_pr_info(fmt, ...)	pr_info("vmon: " fmt, ##__VA_ARGS__)
#define vmon_pr_err(fmt, ...)	pr_err("vmon: " fmt, ##__VA_ARGS__)

#endif /* VMON_H */
