// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O APIC: 24 pins at 0xfec00000, version 0x11 (an 82093AA-like
 * IOAPIC without the EOI register, as KVM's), reached through the
 * IOREGSEL/IOWIN window. Each pin's redirection entry turns the pin into
 * one message for vmon_apic_deliver().
 *
 * Pin levels are logical (asserted or not): polarity is stored for the
 * guest to read back but not applied, as in KVM, because KVM_IRQ_LINE
 * already speaks of assertion.
 *
 * Level-triggered pins: delivery sets Remote IRR; the LAPIC's EOI of the
 * vector (vmon_ioapic_eoi) clears it and, if the line is still asserted,
 * delivers again. A guest that never quiets its device would then loop
 * forever between EOI and the next delivery; after a long run of such
 * re-deliveries the next one is delayed by 10 ms, which lets a buggy
 * guest progress slowly (real hardware is slower to re-deliver, too).
 */
#include <linux/bitfield.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include "irqchip.h"

#define IOAPIC_VERSION		0x11
#define IOAPIC_REG_SELECT	0x00
#define IOAPIC_REG_WINDOW	0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_RTE		0x10	/* two registers per pin */

#define RTE_VECTOR		GENMASK_ULL(7, 0)
#define RTE_DELIVERY_MODE	GENMASK_ULL(10, 8)
#define RTE_DEST_LOGICAL	BIT_ULL(11)
#define RTE_DELIVERY_STATUS	BIT_ULL(12)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST		GENMASK_ULL(63, 56)
/* The guest cannot write these. */
#define RTE_READ_ONLY		(RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)

/* Successive EOI re-deliveries of one pin before one is delayed. */
#define IOAPIC_STORM_COUNT	10000
#define IOAPIC_STORM_DELAY	(HZ / 100)

struct vmon_ioapic {
	struct vmon_vm *vm;			/* (o) */
	spinlock_t lock;
	u64 base;				/* (c) */
	u32 ioregsel;				/* (c) */
	u32 id;					/* (c) */
	u32 irr;				/* (c) pins asserted */
	/* Edge pins delivered since their line last rose. */
	u32 irr_delivered;			/* (c) */
	u64 rte[VMON_IOAPIC_PINS];		/* (c) */
	u8 sources[VMON_IOAPIC_PINS];		/* (c) VMON_IRQ_SRC_* bits */
	u32 eoi_redeliveries[VMON_IOAPIC_PINS];	/* (c) */
	struct delayed_work storm_work;		/* (o) */
};

/*
 * Send pin @pin's message if it may go. Returns what vmon_apic_deliver()
 * returns, or -1 if masked or still waiting for an EOI.
 */
static int ioapic_service(struct vmon_ioapic *io, int pin)
{
	u64 rte = io->rte[pin];
	struct vmon_apic_irq msg = {
		.dest_id = FIELD_GET(RTE_DEST, rte),
		.dest_logical = rte & RTE_DEST_LOGICAL,
		.shorthand = 0,		/* no shorthand */
		/* The RTE field is the ICR's delivery mode, unshifted. */
		.delivery_mode = FIELD_GET(RTE_DELIVERY_MODE, rte) << 8,
		.vector = FIELD_GET(RTE_VECTOR, rte),
		.level_assert = true,
		.trig_level = rte & RTE_LEVEL,
	};
	int ret;

	if ((rte & RTE_MASKED) || (msg.trig_level && (rte & RTE_REMOTE_IRR)))
		return -1;
	if (!msg.trig_level)
		io->irr_delivered |= BIT(pin);
	ret = vmon_apic_deliver(io->vm, NULL, &msg);
	/*
	 * Remote IRR waits for an EOI; 0 means every destination still had
	 * the vector pending (coalesced), and that earlier delivery's EOI
	 * will come. With no destination at all (-1) the pin waits too, as
	 * in KVM, until the guest rewrites the entry.
	 */
	if (ret && msg.trig_level)
		io->rte[pin] |= RTE_REMOTE_IRR;
	return ret;
}

/* The pin's line is now @level. KVM_IRQ_LINE_STATUS semantics. */
static int ioapic_set_line(struct vmon_ioapic *io, int pin, bool level)
{
	u32 bit = BIT(pin);
	u32 old = io->irr;

	if (!level) {
		io->irr &= ~bit;
		return 1;
	}
	io->irr |= bit;
	if (!(io->rte[pin] & RTE_LEVEL)) {
		io->irr_delivered &= ~bit;
		/* No edge: the line was already high. */
		if (old & bit)
			return 0;
	}
	return ioapic_service(io, pin);
}

int vmon_ioapic_set_irq(struct vmon_ioapic *io, u32 pin, int src, int level)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&io->lock, flags);
	if (level)
		io->sources[pin] |= BIT(src);
	else
		io->sources[pin] &= ~BIT(src);
	ret = ioapic_set_line(io, pin, io->sources[pin] != 0);
	spin_unlock_irqrestore(&io->lock, flags);
	return ret;
}

void vmon_ioapic_eoi(struct vmon_vm *vm, u8 vector)
{
	struct vmon_irq *irq = vmon_irq_chip(vm);
	struct vmon_ioapic *io;
	unsigned long flags;
	int pin;

	if (!irq || !irq->ioapic)
		return;
	io = irq->ioapic;
	spin_lock_irqsave(&io->lock, flags);
	for (pin = 0; pin < VMON_IOAPIC_PINS; pin++) {
		u64 *rte = &io->rte[pin];

		if (FIELD_GET(RTE_VECTOR, *rte) != vector ||
		    !(*rte & RTE_LEVEL))
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		if ((*rte & RTE_MASKED) || !(io->irr & BIT(pin))) {
			io->eoi_redeliveries[pin] = 0;
			continue;
		}
		if (++io->eoi_redeliveries[pin] < IOAPIC_STORM_COUNT) {
			ioapic_service(io, pin);
			continue;
		}
		io->eoi_redeliveries[pin] = 0;
		schedule_delayed_work(&io->storm_work, IOAPIC_STORM_DELAY);
	}
	spin_unlock_irqrestore(&io->lock, flags);
}

/*
 * The PIT's ack through the IOAPIC: the EOI of an edge-triggered vector
 * of a pin that GSI 0 routes to (pin 0 under KVM's default routing, pin 2
 * under QEMU's) tells the PIT that its tick was taken, as KVM's ack
 * notifier. Lockless RTE reads: a racing reprogramming costs at most one
 * early or late ack.
 */
void vmon_ioapic_eoi_edge(struct vmon_vm *vm, u8 vector)
{
	struct vmon_irq *irq = vmon_irq_chip(vm);
	int pin;

	/* Pairs with the release in pit_create(). */
	if (!irq || !irq->ioapic || !smp_load_acquire(&irq->pit))
		return;
	for (pin = 0; pin < VMON_IOAPIC_PINS; pin++) {
		u64 rte = READ_ONCE(irq->ioapic->rte[pin]);

		if (FIELD_GET(RTE_VECTOR, rte) == vector &&
		    !(rte & RTE_LEVEL) &&
		    vmon_irq_gsi_has_ioapic_pin(irq, 0, pin)) {
			vmon_pit_ack(vm);
			return;
		}
	}
}

/* The delayed re-delivery of level pins after an interrupt storm. */
static void ioapic_storm_work(struct work_struct *work)
{
	struct vmon_ioapic *io = container_of(to_delayed_work(work),
					      struct vmon_ioapic, storm_work);
	unsigned long flags;
	int pin;

	spin_lock_irqsave(&io->lock, flags);
	for (pin = 0; pin < VMON_IOAPIC_PINS; pin++)
		if ((io->rte[pin] & RTE_LEVEL) && (io->irr & BIT(pin)))
			ioapic_service(io, pin);
	spin_unlock_irqrestore(&io->lock, flags);
}

static u32 ioapic_read_reg(struct vmon_ioapic *io)
{
	u32 sel = io->ioregsel;
	u32 pin;

	switch (sel) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		/* No APIC bus arbitration to model: ARB reads as the ID. */
		return (io->id & 0xf) << 24;
	case IOAPIC_REG_VERSION:
		return (VMON_IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	}
	pin = (sel - IOAPIC_REG_RTE) >> 1;
	if (sel < IOAPIC_REG_RTE || pin >= VMON_IOAPIC_PINS)
		return ~0U;	/* as KVM: unimplemented registers read as 1s */
	pin = array_index_nospec(pin, VMON_IOAPIC_PINS);
	return sel & 1 ? upper_32_bits(io->rte[pin]) :
			 lower_32_bits(io->rte[pin]);
}

static void ioapic_write_reg(struct vmon_ioapic *io, u32 val)
{
	u32 sel = io->ioregsel;
	u64 old, rte;
	u32 pin;

	if (sel == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	pin = (sel - IOAPIC_REG_RTE) >> 1;
	/* VERSION and ARB are read-only. */
	if (sel < IOAPIC_REG_RTE || pin >= VMON_IOAPIC_PINS)
		return;
	pin = array_index_nospec(pin, VMON_IOAPIC_PINS);
	old = io->rte[pin];
	if (sel & 1)
		rte = (u64)val << 32 | lower_32_bits(old);
	else
		rte = (old & GENMASK_ULL(63, 32)) | val;
	rte = (rte & ~RTE_READ_ONLY) | (old & RTE_READ_ONLY);
	/*
	 * Switching a pin to edge drops Remote IRR: Linux and Xen rely on
	 * it to end a level interrupt on IOAPICs without an EOI register.
	 */
	if (!(rte & RTE_LEVEL))
		rte &= ~RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	if ((old & ~rte & RTE_MASKED) &&
	    vmon_irq_gsi_has_ioapic_pin(vmon_irq_state(io->vm), 0, pin))
		vmon_pit_unmasked(io->vm);
	/* An unmasked (or newly level) pin whose line is high goes now. */
	if ((rte & RTE_LEVEL) && (io->irr & BIT(pin)))
		ioapic_service(io, pin);
}

bool vmon_ioapic_mmio(struct vmon_ioapic *io, u64 gpa, bool write, int len,
		      void *data)
{
	unsigned long flags;
	u32 val = 0;
	u64 off;

	spin_lock_irqsave(&io->lock, flags);
	off = gpa - io->base;
	if (gpa < io->base || off >= VMON_IOAPIC_SIZE) {
		spin_unlock_irqrestore(&io->lock, flags);
		return false;
	}
	/*
	 * The registers are 32 bits wide; narrower writes zero-extend and
	 * wider ones keep the low half, as in KVM. Other offsets are
	 * reserved: they read as 0 and ignore writes.
	 */
	if (write) {
		memcpy(&val, data, min(len, 4));
		if (off == IOAPIC_REG_SELECT)
			io->ioregsel = val & 0xff;
		else if (off == IOAPIC_REG_WINDOW)
			ioapic_write_reg(io, val);
	} else {
		if (off == IOAPIC_REG_SELECT)
			val = io->ioregsel;
		else if (off == IOAPIC_REG_WINDOW)
			val = ioapic_read_reg(io);
	}
	spin_unlock_irqrestore(&io->lock, flags);

	if (!write) {
		memset(data, 0, len);
		memcpy(data, &val, min(len, 4));
	}
	return true;
}

void vmon_ioapic_get_state(struct vmon_ioapic *io,
			   struct kvm_ioapic_state *state)
{
	unsigned long flags;
	int pin;

	memset(state, 0, sizeof(*state));
	spin_lock_irqsave(&io->lock, flags);
	state->base_address = io->base;
	state->ioregsel = io->ioregsel;
	state->id = io->id;
	/* An edge already delivered is not pending any more. */
	state->irr = io->irr & ~io->irr_delivered;
	for (pin = 0; pin < VMON_IOAPIC_PINS; pin++)
		state->redirtbl[pin].bits = io->rte[pin];
	spin_unlock_irqrestore(&io->lock, flags);
}

void vmon_ioapic_set_state(struct vmon_ioapic *io,
			   const struct kvm_ioapic_state *state)
{
	unsigned long flags;
	int pin;

	spin_lock_irqsave(&io->lock, flags);
	io->base = state->base_address;
	io->ioregsel = state->ioregsel;
	io->id = state->id;
	for (pin = 0; pin < VMON_IOAPIC_PINS; pin++)
		io->rte[pin] = state->redirtbl[pin].bits;
	memset(io->eoi_redeliveries, 0, sizeof(io->eoi_redeliveries));
	/* Pending requests of the saved state are raised again, as KVM. */
	io->irr = 0;
	io->irr_delivered = 0;
	for (pin = 0; pin < VMON_IOAPIC_PINS; pin++)
		if (state->irr & BIT(pin))
			ioapic_set_line(io, pin, true);
	spin_unlock_irqrestore(&io->lock, flags);
}

struct vmon_ioapic *vmon_ioapic_create(struct vmon_vm *vm)
{
	struct vmon_ioapic *io = kzalloc(sizeof(*io), GFP_KERNEL_ACCOUNT);
	int pin;

	if (!io)
		return NULL;
	io->vm = vm;
	spin_lock_init(&io->lock);
	INIT_DELAYED_WORK(&io->storm_work, ioapic_storm_work);
	io->base = VMON_IOAPIC_BASE;
	/* Power-on: every pin masked, everything else zero. */
	for (pin = 0; pin < VMON_IOAPIC_PINS; pin++)
		io->rte[pin] = RTE_MASKED;
	return io;
}

/* After the last source and vCPU is gone: nothing can re-arm the work. */
void vmon_ioapic_free(struct vmon_ioapic *io)
{
	cancel_delayed_work_sync(&io->storm_work);
	kfree(io);
}
