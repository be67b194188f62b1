/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the core (core/) and the device models (dev/): the
 * only dev/ header the core includes. Behind it: the per-vCPU local APIC
 * (lapic.c, lapic_timer.c), the VM-wide devices (ioapic.c, pic.c), the
 * plumbing that feeds them (irq.c: KVM_IRQ_LINE, GSI routing, MSI;
 * irqfd.c) and the in-kernel I/O bus (iobus.c: PIO/MMIO dispatch,
 * ioeventfd). The devices' own state (irqchip.h, lapic.h) is private to
 * dev/; the core sees struct vmon_irq and struct vmon_lapic only as
 * pointers.
 *
 * The path of an interrupt:
 *
 *   source (IPI / LAPIC timer / IOAPIC pin / MSI / irqfd / KVM_IRQ_LINE)
 *     -> vmon_apic_deliver()          picks the destination LAPICs
 *     -> that LAPIC's IRR             (any context, lockless for the caller)
 *     -> vmon_vcpu_kick()             wakes a halted vCPU or IPIs it out
 *                                     of guest mode
 *   vCPU thread, before each entry (events.c):
 *     -> vmon_lapic_pending_vector()  highest IRR above the PPR
 *     -> ops->interrupt_allowed()?    RFLAGS.IF, no STI/MOV SS shadow, GIF
 *          yes: vmon_lapic_ack()      IRR -> ISR; the core injects it
 *          no:  ops->enable_irq_window()
 *     -> the guest's IDT; its EOI write clears ISR (level-triggered
 *        vectors also tell the IOAPIC: vmon_ioapic_eoi()).
 *
 * The 8259 pair reaches the CPU through LINT0 of the vCPU with id 0
 * (ExtINT): vmon_lapic_accept_extint() says whether that LAPIC takes it,
 * vmon_pic_read_irq() is the INTA cycle. With the split irqchip the PIC
 * is userspace's: KVM_INTERRUPT leaves its vector pending on the vCPU
 * until LINT0 takes it (events.c).
 *
 * Context rules, for everything declared here:
 *  - "source side" functions may be called from any context: another vCPU's
 *    thread (holding that vCPU's mutex), an hrtimer callback (hard IRQ), an
 *    eventfd wakeup (may be IRQ context), a VM ioctl. They never sleep.
 *  - "vCPU side" functions are called only from the vCPU's own thread with
 *    vcpu->mutex held and IRQs enabled (preemptible unless stated).
 */
#ifndef VMON_DEVICES_H
#define VMON_DEVICES_H

#include <linux/types.h>
#include <linux/kvm.h>

struct vmon_vm;
struct vmon_vcpu;
struct vmon_irq;	/* vm->irq: dev/irqchip.h */
struct vmon_lapic;	/* vcpu->lapic: dev/lapic.h */

/* KVM_MAX_IRQ_ROUTES on x86 (linux/kvm_host.h, not uapi). */
#define VMON_MAX_IRQ_ROUTES	4096

/* ---------------------------------------------------------------- */
/* One interrupt message on the APIC bus (IOAPIC RTE, MSI, ICR).     */

struct vmon_apic_irq {
	u32 dest_id;		/* APIC ID (physical) or MDA (logical) */
	bool dest_logical;
	u32 shorthand;		/* 0, APIC_DEST_SELF/ALLINC/ALLBUT */
	u32 delivery_mode;	/* APIC_DM_FIXED ... APIC_DM_EXTINT */
	u8 vector;
	bool level_assert;	/* ICR level bit (INIT de-assert: false) */
	bool trig_level;	/* level-triggered (IOAPIC pin, MSI) */
	bool x2apic_dest;	/* dest_id is a 32-bit x2APIC destination */
};

/* ---------------------------------------------------------------- */
/* Core (events.c): source side.                                     */

/*
 * Make the vCPU look at its interrupt state: wake it from HLT, or
 * interrupt it if it is in guest mode. Any context.
 */
void vmon_vcpu_kick(struct vmon_vcpu *vcpu);
/* Deliver an NMI / INIT / SIPI(vector) to a vCPU. Any context. */
void vmon_vcpu_deliver_nmi(struct vmon_vcpu *vcpu);
void vmon_vcpu_deliver_init(struct vmon_vcpu *vcpu);
void vmon_vcpu_deliver_sipi(struct vmon_vcpu *vcpu, u8 vector);

/* ---------------------------------------------------------------- */
/* Local APIC (lapic.c).                                             */

/* Only with an in-kernel irqchip; KVM_CREATE_VCPU / vCPU teardown. */
int vmon_lapic_create(struct vmon_vcpu *vcpu);
void vmon_lapic_free(struct vmon_vcpu *vcpu);
/* Power-on (@init false) or INIT signal (@init true) state. vCPU side. */
void vmon_lapic_reset(struct vmon_vcpu *vcpu, bool init);

/*
 * Source side: deliver @irq from @src (NULL for IOAPIC/MSI/PIC) to every
 * LAPIC it addresses (fixed, lowest priority, NMI, INIT, SIPI, ExtINT).
 * Returns how many LAPICs accepted it, or -1 if none was addressed
 * (KVM_IRQ_LINE_STATUS semantics).
 */
int vmon_apic_deliver(struct vmon_vm *vm, struct vmon_vcpu *src,
		      const struct vmon_apic_irq *irq);

/* vCPU side: the highest pending vector the PPR lets through, or -1. */
int vmon_lapic_pending_vector(struct vmon_vcpu *vcpu);
/* vCPU side: the vector is being injected: IRR -> ISR, update PPR. */
void vmon_lapic_ack(struct vmon_vcpu *vcpu, int vector);
/* vCPU side: true if this LAPIC takes ExtINT from the PIC (LINT0). */
bool vmon_lapic_accept_extint(struct vmon_vcpu *vcpu);
/* vCPU side: TPR as CR8 (0-15). */
u8 vmon_lapic_get_cr8(struct vmon_vcpu *vcpu);
void vmon_lapic_set_cr8(struct vmon_vcpu *vcpu, u8 cr8);

/*
 * vCPU side: guest access to the xAPIC page. Returns true if @gpa is in
 * this vCPU's enabled xAPIC page (the access was handled; reads fill
 * @data), false if not.
 */
bool vmon_lapic_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool write,
		     void *data, int len);
/*
 * vCPU side: x2APIC MSRs (0x800-0x8ff) and MSR_IA32_TSC_DEADLINE
 * (enum vmon_msr_result, in vmon.h: UNHANDLED for any other MSR).
 */
enum vmon_msr_result vmon_lapic_get_msr(struct vmon_vcpu *vcpu, u32 index,
					u64 *data, bool host);
enum vmon_msr_result vmon_lapic_set_msr(struct vmon_vcpu *vcpu, u32 index,
					u64 data, bool host);
/* vCPU side: MSR_IA32_APICBASE write (mode changes); OK or FAULT. */
enum vmon_msr_result vmon_lapic_set_base(struct vmon_vcpu *vcpu, u64 value,
					 bool host);

/* vCPU ioctls (vcpu->mutex held). */
long vmon_vcpu_get_lapic(struct vmon_vcpu *vcpu, unsigned long arg);
long vmon_vcpu_set_lapic(struct vmon_vcpu *vcpu, unsigned long arg);
/* KVM_SET_VAPIC_ADDR: 0 only (no TPR mirror page; KVM_CAP_VAPIC is 0). */
long vmon_vcpu_set_vapic_addr(struct vmon_vcpu *vcpu, unsigned long arg);
/*
 * KVM_TPR_ACCESS_REPORTING: sets vcpu->tpr_access.enabled; the LAPIC then
 * raises VMON_REQ_TPR_ACCESS on each guest TPR register access.
 */
long vmon_vcpu_tpr_access_reporting(struct vmon_vcpu *vcpu, unsigned long arg);

/* ---------------------------------------------------------------- */
/* IOAPIC, PICs, routing, irqfd, I/O bus (ioapic.c, pic.c, irq.c,    */
/* irqfd.c, iobus.c).                                                */

/*
 * VM ioctls. CREATE_IRQCHIP runs under vm->lock and fails with EEXIST if
 * there is one, EINVAL once a vCPU exists (as KVM). The others return
 * ENXIO without an irqchip where KVM does.
 */
long vmon_vm_create_irqchip(struct vmon_vm *vm, unsigned long arg);
/*
 * KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP), vm->lock held: in-kernel LAPICs
 * only, @nr_reserved GSIs for the userspace IOAPIC's MSI routes. EINVAL
 * for more than VMON_MAX_IRQ_ROUTES, EEXIST with an irqchip or a vCPU.
 */
long vmon_vm_enable_split_irqchip(struct vmon_vm *vm, u64 nr_reserved);
long vmon_vm_irq_line(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_irq_line_status(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_get_irqchip(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_set_irqchip(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_set_gsi_routing(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_signal_msi(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_irqfd(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_ioeventfd(struct vmon_vm *vm, unsigned long arg);
/*
 * The PIT (pit.c), VM ioctls. CREATE_PIT2/CREATE_PIT under vm->lock:
 * EEXIST if there is one; the others ENXIO without a PIT, as KVM.
 */
long vmon_vm_create_pit(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_create_pit2(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_get_pit(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_set_pit(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_get_pit2(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_set_pit2(struct vmon_vm *vm, unsigned long arg);
long vmon_vm_reinject_control(struct vmon_vm *vm, unsigned long arg);
/* VM teardown, before the vCPUs are freed. */
void vmon_irqchip_destroy(struct vmon_vm *vm);
/* True once KVM_CREATE_IRQCHIP or the split irqchip succeeded (acquire). */
bool vmon_irqchip_in_kernel(struct vmon_vm *vm);
/*
 * True with the split irqchip: no in-kernel PIC or IOAPIC; ExtINT comes
 * from KVM_INTERRUPT into any LAPIC (vcpu->ev.extint_*), and the EOI of
 * an IOAPIC vector exits (VMON_REQ_IOAPIC_EOI, vcpu->ioapic_eoi_vector).
 */
bool vmon_irqchip_split(struct vmon_vm *vm);

/*
 * vCPU side: port I/O and MMIO that the kernel handles itself (PIC ports,
 * ELCR, ioeventfd; the xAPIC page, the IOAPIC window, ioeventfd). Return
 * true if handled (reads fill @data); false sends it to userspace.
 */
bool vmon_kernel_pio(struct vmon_vcpu *vcpu, u16 port, bool in, int size,
		     void *data);
bool vmon_kernel_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool write, int len,
		      void *data);

/* vCPU side (the vCPU with id 0): PIC output and the INTA cycle. */
bool vmon_pic_has_irq(struct vmon_vm *vm);
int vmon_pic_read_irq(struct vmon_vm *vm);	/* vector; spurious: 7/15 */

/* Any context: a level-triggered @vector was EOIed by a LAPIC. */
void vmon_ioapic_eoi(struct vmon_vm *vm, u8 vector);
/* Any context: an edge-triggered @vector was EOIed (the PIT's ack). */
void vmon_ioapic_eoi_edge(struct vmon_vm *vm, u8 vector);

#endif /* VMON_DEVICES_H */
