// SPDX-License-Identifier: GPL-2.0
/*
 * The 8259A pair of a PC: master at ports 0x20/0x21, slave at 0xa0/0xa1
 * cascaded on the master's IR2, and the PIIX edge/level control registers
 * (ELCR) at 0x4d0/0x4d1. The master's INTR output reaches the CPU through
 * LINT0 of the vCPU with id 0: when it rises that vCPU is kicked, and its
 * thread runs the INTA cycle (vmon_pic_read_irq).
 *
 * The register file of each chip is the uAPI struct kvm_pic_state itself,
 * so KVM_GET/SET_IRQCHIP copy it as KVM does and a state saved on KVM
 * restores here.
 *
 * Priorities follow the 8259A: level 0 is the highest, and @priority_add
 * is the IR that currently holds level 0 (rotation moves it).
 */
#include <linux/slab.h>
#include "irqchip.h"

struct vmon_pic {
	struct vmon_vm *vm;			/* (o) */
	spinlock_t lock;
	struct kvm_pic_state chip[2];		/* (p) master, slave */
	u8 sources[VMON_PIC_PINS];		/* (p) VMON_IRQ_SRC_* bits */
	bool output;				/* (p) write, (a) read: INTR */
	bool kick;				/* (p) INTR rose: kick at unlock */
};

#define PIC_MASTER	0
#define PIC_SLAVE	1
#define PIC_CASCADE_IR	2
#define PIC_SPURIOUS_IR	7

/*
 * Kick outside the lock: the kick takes the vCPU's locks, and the vCPU
 * thread takes ours in vmon_pic_read_irq().
 */
static void pic_unlock(struct vmon_pic *pic, unsigned long flags)
{
	bool kick = pic->kick;
	struct vmon_vcpu *vcpu;

	pic->kick = false;
	spin_unlock_irqrestore(&pic->lock, flags);
	if (!kick)
		return;
	/* vCPUs are freed only after a grace period or at VM teardown. */
	rcu_read_lock();
	vcpu = xa_load(&pic->vm->vcpus, 0);
	if (vcpu) {
		set_bit(VMON_REQ_EVENT, &vcpu->requests);
		vmon_vcpu_kick(vcpu);
	}
	rcu_read_unlock();
}

/*
 * Drive IR @irq of @c to @level. Returns KVM_IRQ_LINE_STATUS semantics:
 * 1 a new request, 0 coalesced with one still in IRR, -1 masked.
 */
static int pic_set_line(struct kvm_pic_state *c, int irq, bool level)
{
	u8 bit = BIT(irq);
	int ret = 1;

	if (c->elcr & bit) {
		/* Level-triggered: IRR follows the line. */
		if (level) {
			ret = !(c->irr & bit);
			c->irr |= bit;
			c->last_irr |= bit;
		} else {
			c->irr &= ~bit;
			c->last_irr &= ~bit;
		}
	} else {
		/* Edge-triggered: only a low-to-high transition requests. */
		if (level && !(c->last_irr & bit)) {
			ret = !(c->irr & bit);
			c->irr |= bit;
		}
		if (level)
			c->last_irr |= bit;
		else
			c->last_irr &= ~bit;
	}
	return (c->imr & bit) ? -1 : ret;
}

/* The best priority level (0 = highest) among @irs, or 8 for none. */
static int pic_best_level(const struct kvm_pic_state *c, u8 irs)
{
	int level;

	for (level = 0; level < 8; level++)
		if (irs & BIT((level + c->priority_add) & 7))
			return level;
	return 8;
}

/* The IR this chip would present on INTR now, or -1. */
static int pic_pending(const struct kvm_pic_state *c, bool master)
{
	int req = pic_best_level(c, c->irr & ~c->imr);
	u8 in_service = c->isr;

	if (req == 8)
		return -1;
	/*
	 * Special fully nested mode: the slave must be able to present a
	 * higher-priority request while one of its own is in service on IR2.
	 */
	if (master && c->special_fully_nested_mode)
		in_service &= ~BIT(PIC_CASCADE_IR);
	/* Special mask mode: a masked level in service blocks nothing. */
	if (c->special_mask)
		in_service &= ~c->imr;
	if (req < pic_best_level(c, in_service))
		return (req + c->priority_add) & 7;
	return -1;
}

/* Recompute the cascade and INTR; call after every state change. */
static void pic_update(struct vmon_pic *pic)
{
	struct kvm_pic_state *m = &pic->chip[PIC_MASTER];
	bool out;

	/*
	 * The slave's INT drives master IR2, which is edge-triggered (the
	 * ELCR mask keeps it so): a pulse requests it once per update that
	 * finds the slave requesting, as a real cascade would re-raise it.
	 */
	if (pic_pending(&pic->chip[PIC_SLAVE], false) >= 0) {
		pic_set_line(m, PIC_CASCADE_IR, true);
		pic_set_line(m, PIC_CASCADE_IR, false);
	}
	out = pic_pending(m, true) >= 0;
	if (out && !pic->output)
		pic->kick = true;
	WRITE_ONCE(pic->output, out);
}

/* The INTA cycle on one chip. */
static void pic_intack(struct kvm_pic_state *c, int irq)
{
	c->isr |= BIT(irq);
	/* A level-triggered request stays in IRR while its line is high. */
	if (!(c->elcr & BIT(irq)))
		c->irr &= ~BIT(irq);
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (irq + 1) & 7;
		c->isr &= ~BIT(irq);
	}
}

int vmon_pic_set_irq(struct vmon_pic *pic, u32 pin, int src, int level)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&pic->lock, flags);
	if (level)
		pic->sources[pin] |= BIT(src);
	else
		pic->sources[pin] &= ~BIT(src);
	ret = pic_set_line(&pic->chip[pin >> 3], pin & 7,
			   pic->sources[pin] != 0);
	pic_update(pic);
	pic_unlock(pic, flags);
	return ret;
}

bool vmon_pic_has_irq(struct vmon_vm *vm)
{
	struct vmon_irq *irq = vmon_irq_chip(vm);

	return irq && irq->pic && READ_ONCE(irq->pic->output);
}

int vmon_pic_read_irq(struct vmon_vm *vm)
{
	struct vmon_irq *irq = vmon_irq_chip(vm);
	struct kvm_pic_state *m, *s;
	struct vmon_pic *pic;
	unsigned long flags;
	int ir, ir2, vector;

	if (!irq || !irq->pic)
		return -1;
	pic = irq->pic;
	m = &pic->chip[PIC_MASTER];
	s = &pic->chip[PIC_SLAVE];
	spin_lock_irqsave(&pic->lock, flags);
	ir = pic_pending(m, true);
	if (ir < 0) {
		/* The request went away before INTA: IR7 of the master. */
		vector = m->irq_base + PIC_SPURIOUS_IR;
	} else {
		pic_intack(m, ir);
		if (ir == 0)
			vmon_pit_ack(vm);
		if (ir == PIC_CASCADE_IR) {
			ir2 = pic_pending(s, false);
			if (ir2 >= 0)
				pic_intack(s, ir2);
			else
				ir2 = PIC_SPURIOUS_IR;
			vector = s->irq_base + ir2;
		} else {
			vector = m->irq_base + ir;
		}
	}
	pic_update(pic);
	pic_unlock(pic, flags);
	return vector;
}

/* ICW1: start the initialization sequence. */
static void pic_icw1(struct kvm_pic_state *c, u8 val)
{
	c->init4 = val & 1;
	/*
	 * Edge detection restarts: a line already high must fall and rise
	 * again. Nothing stays in service either (as QEMU), or a guest that
	 * re-initializes in the middle of a handler blocks its own IRQs.
	 * Single mode (bit 1) and LTIM (bit 3) are ignored, as in KVM: the
	 * PC wiring is fixed and the ELCR says which IRs are level.
	 */
	c->last_irr = 0;
	c->irr &= c->elcr;
	c->imr = 0;
	c->isr = 0;
	c->priority_add = 0;
	c->special_mask = 0;
	c->read_reg_select = 0;
	c->poll = 0;
	c->auto_eoi = 0;
	c->rotate_on_auto_eoi = 0;
	c->special_fully_nested_mode = 0;
	c->init_state = 1;
}

/* OCW2: EOIs and priority rotation. */
static void pic_ocw2(struct vmon_pic *pic, struct kvm_pic_state *c, u8 val)
{
	int irq, level;

	switch (val >> 5) {
	case 0:			/* rotate in auto-EOI mode: clear */
	case 4:			/* ... set */
		c->rotate_on_auto_eoi = val >> 7;
		return;
	case 1:			/* non-specific EOI */
	case 5:			/* rotate on non-specific EOI */
		level = pic_best_level(c, c->isr);
		if (level == 8)
			return;
		irq = (level + c->priority_add) & 7;
		c->isr &= ~BIT(irq);
		if (val >> 5 == 5)
			c->priority_add = (irq + 1) & 7;
		break;
	case 3:			/* specific EOI */
		c->isr &= ~BIT(val & 7);
		break;
	case 6:			/* set priority: IR val&7 becomes lowest */
		c->priority_add = ((val & 7) + 1) & 7;
		break;
	case 7:			/* rotate on specific EOI */
		c->isr &= ~BIT(val & 7);
		c->priority_add = ((val & 7) + 1) & 7;
		break;
	default:		/* 2: no operation */
		return;
	}
	pic_update(pic);
}

static void pic_write(struct vmon_pic *pic, int n, bool data, u8 val)
{
	struct kvm_pic_state *c = &pic->chip[n];

	if (!data) {
		if (val & 0x10) {
			pic_icw1(c, val);
			pic_update(pic);
		} else if (val & 0x08) {
			/* OCW3 */
			if (val & 0x04)
				c->poll = 1;
			if (val & 0x02)
				c->read_reg_select = val & 1;
			if (val & 0x40)
				c->special_mask = (val >> 5) & 1;
			pic_update(pic);
		} else {
			pic_ocw2(pic, c, val);
		}
		return;
	}

	switch (c->init_state) {
	case 0:			/* OCW1 */
		/* IRQ0 unmasked: the PIT drops its backlog (GSI 0). */
		if (c == &pic->chip[PIC_MASTER] && (c->imr & ~val & 1))
			vmon_pit_unmasked(pic->vm);
		c->imr = val;
		pic_update(pic);
		break;
	case 1:			/* ICW2 */
		c->irq_base = val & 0xf8;
		c->init_state = 2;
		break;
	case 2:			/* ICW3: the cascade wiring is fixed */
		c->init_state = c->init4 ? 3 : 0;
		break;
	case 3:			/* ICW4 */
		c->special_fully_nested_mode = (val >> 4) & 1;
		c->auto_eoi = (val >> 1) & 1;
		c->init_state = 0;
		break;
	}
}

/*
 * Poll mode: the read is the INTA cycle without the CPU: the highest
 * request is acknowledged and, as in KVM and QEMU, also taken out of
 * service; the byte is its IR number, 7 if none.
 */
static u8 pic_poll(struct vmon_pic *pic, int n)
{
	struct kvm_pic_state *c = &pic->chip[n];
	struct kvm_pic_state *m = &pic->chip[PIC_MASTER];
	int irq = pic_pending(c, n == PIC_MASTER);

	if (irq < 0) {
		pic_update(pic);
		return PIC_SPURIOUS_IR;
	}
	/* Polling the slave also answers the master's cascade request. */
	if (n == PIC_SLAVE) {
		m->isr &= ~BIT(PIC_CASCADE_IR);
		m->irr &= ~BIT(PIC_CASCADE_IR);
	}
	c->irr &= ~BIT(irq);
	c->isr &= ~BIT(irq);
	/* Leave a cascade request pending for the slave's own poll. */
	if (n == PIC_SLAVE || irq != PIC_CASCADE_IR)
		pic_update(pic);
	return irq;
}

static u8 pic_read(struct vmon_pic *pic, int n, bool data)
{
	struct kvm_pic_state *c = &pic->chip[n];

	if (c->poll) {
		c->poll = 0;
		return pic_poll(pic, n);
	}
	if (data)
		return c->imr;
	return c->read_reg_select ? c->isr : c->irr;
}

bool vmon_pic_pio(struct vmon_pic *pic, u16 port, bool in, int size,
		  void *data)
{
	unsigned long flags;
	u8 *val = data;
	int n;

	switch (port) {
	case 0x20: case 0x21: case 0xa0: case 0xa1:
	case 0x4d0: case 0x4d1:
		break;
	default:
		return false;
	}
	/* Byte registers: wider accesses are swallowed, as in KVM. */
	if (size != 1) {
		if (in)
			memset(data, 0, size);
		return true;
	}

	spin_lock_irqsave(&pic->lock, flags);
	if (port >= 0x4d0) {
		n = port & 1;
		if (in)
			*val = pic->chip[n].elcr;
		else
			pic->chip[n].elcr = *val & pic->chip[n].elcr_mask;
	} else {
		n = port >= 0xa0 ? PIC_SLAVE : PIC_MASTER;
		if (in)
			*val = pic_read(pic, n, port & 1);
		else
			pic_write(pic, n, port & 1, *val);
	}
	pic_unlock(pic, flags);
	return true;
}

void vmon_pic_get_state(struct vmon_pic *pic, int chip,
			struct kvm_pic_state *state)
{
	unsigned long flags;

	spin_lock_irqsave(&pic->lock, flags);
	*state = pic->chip[chip];
	spin_unlock_irqrestore(&pic->lock, flags);
}

void vmon_pic_set_state(struct vmon_pic *pic, int chip,
			const struct kvm_pic_state *state)
{
	struct kvm_pic_state *c = &pic->chip[chip];
	unsigned long flags;
	u8 elcr_mask;

	spin_lock_irqsave(&pic->lock, flags);
	/*
	 * Which IRs may be level-triggered is wiring, not state: keep the
	 * mask (KVM copies it; a restored state from KVM carries the same).
	 */
	elcr_mask = c->elcr_mask;
	*c = *state;
	c->elcr_mask = elcr_mask;
	c->elcr &= elcr_mask;
	pic_update(pic);
	pic_unlock(pic, flags);
}

struct vmon_pic *vmon_pic_create(struct vmon_vm *vm)
{
	struct vmon_pic *pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);

	if (!pic)
		return NULL;
	pic->vm = vm;
	spin_lock_init(&pic->lock);
	/*
	 * PIIX: IRQ0-2 (timer, keyboard, cascade) and IRQ8/13 (RTC, FPU)
	 * are always edge-triggered.
	 */
	pic->chip[PIC_MASTER].elcr_mask = 0xf8;
	pic->chip[PIC_SLAVE].elcr_mask = 0xde;
	return pic;
}

void vmon_pic_free(struct vmon_pic *pic)
{
	kfree(pic);
}
