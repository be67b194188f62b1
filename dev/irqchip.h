/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to dev/ (irq.c, irqfd.c, iobus.c, ioapic.c, pic.c): the per-VM
 * device state behind vm->irq. Everything outside dev/ goes through
 * devices.h.
 *
 * vm->irq points to a struct vmon_irq, created (under vm->lock) by
 * KVM_CREATE_IRQCHIP or by the first KVM_IOEVENTFD: KVM offers ioeventfds
 * without an in-kernel irqchip, so their list cannot live in the chip.
 * The devices (PIC, IOAPIC, routing) exist once @in_kernel is set; that
 * store is a release, vmon_irq_chip() reads it with acquire.
 *
 * Locks, in addition to the legend of vmon.h:
 *   (i)  irq->lock (mutex): routing, irqfd and ioeventfd updates
 *   (r)  RCU: (i) to write, rcu_read_lock() to read; the old copy is
 *        freed after a grace period, so readers never block
 *   (f)  irq->irqfds_lock (spinlock, IRQs off)
 *   (p)  pic->lock (spinlock, IRQs off)
 *   (c)  ioapic->lock (spinlock, IRQs off)
 *
 * Lock order (never the other way round):
 *   eventfd wait-queue lock -> (f)
 *   eventfd wait-queue lock -> (p) or (c) -> vmon_apic_deliver()'s locks
 *     -> the vCPU's wait queue (vmon_vcpu_kick)
 * so a LAPIC must not call vmon_ioapic_eoi() holding a lock that
 * vmon_apic_deliver() takes, and nothing here signals an eventfd while
 * holding (p), (c) or (f).
 */
#ifndef VMON_IRQCHIP_H
#define VMON_IRQCHIP_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "vmon.h"

#define VMON_PIC_PINS		16
#define VMON_IOAPIC_PINS	KVM_IOAPIC_NUM_PINS
#define VMON_IOAPIC_BASE	0xfec00000ULL
#define VMON_IOAPIC_SIZE	0x100

/*
 * Who drives a line: a pin's level is the OR of its sources, as in KVM, so
 * KVM_IRQ_LINE and a resampling irqfd on the same GSI do not undo each
 * other. KVM_IRQ_LINE and plain irqfds share one source, as in KVM.
 */
enum {
	VMON_IRQ_SRC_USER,
	VMON_IRQ_SRC_RESAMPLE,
	VMON_IRQ_SRC_PIT,
};

struct vmon_irq_route {
	u32 gsi;
	u32 type;			/* KVM_IRQ_ROUTING_IRQCHIP / _MSI */
	union {
		struct {
			u32 chip;	/* KVM_IRQCHIP_* */
			u32 pin;
		} irqchip;
		struct {
			u32 address_lo;
			u32 address_hi;
			u32 data;
		} msi;
	};
};

/* Immutable once published; entries sorted by gsi. */
struct vmon_irq_routing {
	struct rcu_head rcu;
	u32 nr;
	struct vmon_irq_route e[];
};

struct vmon_pic;
struct vmon_ioapic;
struct vmon_pit;

struct vmon_irq {
	struct vmon_vm *vm;				/* (o) */
	struct mutex lock;
	bool in_kernel;					/* (l) write (release), (a) */
	/*
	 * KVM_CAP_SPLIT_IRQCHIP: LAPICs in the kernel, PIC and IOAPIC in
	 * userspace (@pic and @ioapic stay NULL); the IOAPIC's pins are MSI
	 * routes on GSIs below @nr_reserved_ioapic_pins.
	 */
	bool split;					/* (o) once in_kernel */
	u32 nr_reserved_ioapic_pins;			/* (o) once in_kernel */
	struct vmon_pic *pic;				/* (o) once in_kernel */
	struct vmon_ioapic *ioapic;			/* (o) once in_kernel */
	/* KVM_CREATE_PIT2, with or without irqchip; (l) write (release). */
	struct vmon_pit *pit;				/* (a) */
	struct vmon_irq_routing __rcu *routing;		/* (r) */

	spinlock_t irqfds_lock;
	struct list_head irqfds;			/* (f) */
	/* Tears irqfds down outside the eventfd's wait-queue lock. */
	struct workqueue_struct *irqfd_wq;		/* (o) */

	struct list_head ioeventfds;			/* (i) write, (r) read */
	int nr_ioeventfds;				/* (i) */
};

/* irq.c */
/* NULL until KVM_CREATE_IRQCHIP or the first KVM_IOEVENTFD. */
struct vmon_irq *vmon_irq_state(struct vmon_vm *vm);
struct vmon_irq *vmon_irq_chip(struct vmon_vm *vm);	/* NULL: no irqchip */
/* As vmon_irq_get_locked(), with vm->lock already held. */
struct vmon_irq *vmon_irq_get(struct vmon_vm *vm);
/* Creates the per-VM state if needed (takes vm->lock); NULL: no memory. */
struct vmon_irq *vmon_irq_get_locked(struct vmon_vm *vm);
/* Any context: drive @gsi from @src; KVM_IRQ_LINE_STATUS's status. */
int vmon_irq_set(struct vmon_irq *irq, u32 gsi, int src, int level);

bool vmon_irq_gsi_has_ioapic_pin(struct vmon_irq *irq, u32 gsi, u32 pin);
/*
 * Split irqchip, vCPU side: does the EOI of @vector on @vcpu go to the
 * userspace IOAPIC (KVM_EXIT_IOAPIC_EOI)? KVM's ioapic-scan rule: a
 * level-triggered MSI route on a reserved GSI with that vector that
 * addresses @vcpu.
 */
bool vmon_irq_split_eoi_exit(struct vmon_irq *irq, struct vmon_vcpu *vcpu,
			     u8 vector);

/* lapic.c: does @msg (no shorthand, from no LAPIC) address @vcpu? */
bool vmon_lapic_msg_matches(struct vmon_vcpu *vcpu,
			    const struct vmon_apic_irq *msg);

/* irqfd.c */
void vmon_irqfd_release_all(struct vmon_irq *irq);

/* iobus.c */
void vmon_ioeventfd_free_all(struct vmon_irq *irq);
/* vCPU side: a guest write; true if an ioeventfd took it. */
bool vmon_ioeventfd_write(struct vmon_irq *irq, bool pio, u64 addr, int len,
			  const void *data);

/* pic.c */
struct vmon_pic *vmon_pic_create(struct vmon_vm *vm);
void vmon_pic_free(struct vmon_pic *pic);
int vmon_pic_set_irq(struct vmon_pic *pic, u32 pin, int src, int level);
bool vmon_pic_pio(struct vmon_pic *pic, u16 port, bool in, int size,
		  void *data);
void vmon_pic_get_state(struct vmon_pic *pic, int chip,
			struct kvm_pic_state *state);
void vmon_pic_set_state(struct vmon_pic *pic, int chip,
			const struct kvm_pic_state *state);

/* pit.c */
void vmon_pit_free(struct vmon_pit *pit);
/* Port 0x40-0x43, 0x61 (with KVM_PIT_SPEAKER_DUMMY); vCPU side. */
bool vmon_pit_pio(struct vmon_vm *vm, u16 port, bool in, int size,
		  void *data);
/* Any context, no lock of pit.c held: GSI 0 was acknowledged. */
void vmon_pit_ack(struct vmon_vm *vm);
/* lapic.c, from the PIT's tick work: LINT0 in NMI mode (NMI watchdog). */
void vmon_lapic_pit_nmi_watchdog(struct vmon_vm *vm);
/* Any context: GSI 0 was unmasked (PIC IMR or an IOAPIC pin it routes to). */
void vmon_pit_unmasked(struct vmon_vm *vm);

/* ioapic.c */

struct vmon_ioapic *vmon_ioapic_create(struct vmon_vm *vm);
void vmon_ioapic_free(struct vmon_ioapic *ioapic);
int vmon_ioapic_set_irq(struct vmon_ioapic *ioapic, u32 pin, int src,
			int level);
bool vmon_ioapic_mmio(struct vmon_ioapic *ioapic, u64 gpa, bool write,
		      int len, void *data);
void vmon_ioapic_get_state(struct vmon_ioapic *ioapic,
			   struct kvm_ioapic_state *state);
void vmon_ioapic_set_state(struct vmon_ioapic *ioapic,
			   const struct kvm_ioapic_state *state);

#endif /* VMON_IRQCHIP_H */
