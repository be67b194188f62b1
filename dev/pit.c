// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel i8254 PIT (KVM_CREATE_PIT2): three counters at 1.193182 MHz
 * behind ports 0x40-0x43, the speaker port 0x61 (gate of counter 2,
 * only with KVM_PIT_SPEAKER_DUMMY, as KVM), and counter 0's output on
 * GSI 0 (PIC IRQ0 and IOAPIC pin 0 under KVM's default routing; QEMU
 * routes GSI 0 to pin 2).
 *
 * Counters are not stepped: each remembers the time its count was loaded
 * and derives the current count and OUT from the elapsed time, per mode
 * (0: interrupt on terminal count, 1: one-shot, 2: rate generator,
 * 3: square wave, 4: software strobe, 5: hardware strobe), as KVM's model.
 * Counter 0 in modes 0, 1, 4 arms a one-shot hrtimer, in modes 2 and 3 a
 * periodic one (at least 200 us, KVM's min_timer_period_us); mode 5
 * stops it. Only with an in-kernel irqchip, as KVM.
 *
 * Ticks (KVM's policy): the hrtimer only counts; a work item pulses GSI 0.
 * With reinject (the default) every tick is delivered, each one after the
 * previous one was acknowledged (PIC INTA of IRQ0, or the LAPIC EOI of
 * IOAPIC vector of a pin GSI 0 routes to), so ticks missed while the
 * guest had interrupts off arrive later one by one; unmasking GSI 0 drops
 * the backlog (KVM's mask notifier). Without reinject each tick pulses the
 * line and a tick that finds the previous one still pending is lost. Each
 * pulse also goes through LINT0 of every LAPIC once one of them has LINT0
 * in NMI mode (the old NMI watchdog's virtual wire, as KVM).
 *
 * Locks: (t) pit->lock (mutex) for the counters: port I/O runs on the vCPU
 * thread, the ioctls in process context. The hrtimer and the ack path
 * touch only the atomics.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "irqchip.h"

#define PIT_FREQ		1193182
#define PIT_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)
#define PIT_PORT_BASE		0x40
#define PIT_PORT_SPEAKER	0x61

enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD0, RW_WORD1 };

struct vmon_pit {
	struct vmon_irq *irq;				/* (o) */
	struct mutex lock;
	struct kvm_pit_channel_state ch[3];		/* (t) */
	u32 flags;					/* (t) KVM_PIT_FLAGS_* */
	bool speaker;					/* (o) port 0x61 */
	bool speaker_data_on;				/* (t) */

	struct hrtimer timer;
	u64 period_ns;					/* (t) 0: one-shot */
	atomic_t reinject;
	atomic_t pending;
	atomic_t irq_ack;
	struct work_struct inject;
};

static struct vmon_pit *pit_get(struct vmon_vm *vm)
{
	struct vmon_irq *irq = vmon_irq_state(vm);

	/* Pairs with the release in pit_create(): the PIT is initialized. */
	return irq ? smp_load_acquire(&irq->pit) : NULL;
}

static u32 pit_mod(s64 d, u32 count)
{
	u32 rem;

	div_u64_rem(d, count, &rem);
	return rem;
}

static s64 pit_elapsed_ticks(const struct kvm_pit_channel_state *c)
{
	s64 ns = ktime_get_ns() - c->count_load_time;

	if (ns < 0)
		return 0;
	return mul_u64_u32_div(ns, PIT_FREQ, NSEC_PER_SEC);
}

static u16 pit_count(const struct kvm_pit_channel_state *c)
{
	s64 d = pit_elapsed_ticks(c);
	u32 count = c->count ? c->count : 0x10000;

	switch (c->mode) {
	case 2:
		return count - pit_mod(d, count);
	case 3:
		return count - pit_mod(2 * d, count);
	default:
		return (count - d) & 0xffff;
	}
}

static int pit_out(const struct kvm_pit_channel_state *c)
{
	s64 d = pit_elapsed_ticks(c);
	u32 count = c->count ? c->count : 0x10000;

	switch (c->mode) {
	case 0:
		return d >= count;
	case 1:
		return d < count;
	case 2:
		return d && !pit_mod(d, count);
	case 3:
		return pit_mod(d, count) < ((count + 1) >> 1);
	default:
		return d == count;
	}
}

/* ---------------------------------------------------------------- */
/* Ticks                                                             */

static void pit_reset_reinject(struct vmon_pit *pit)
{
	atomic_set(&pit->pending, 0);
	atomic_set(&pit->irq_ack, 1);
}

static void pit_inject_work(struct work_struct *work)
{
	struct vmon_pit *pit = container_of(work, struct vmon_pit, inject);

	/* With reinject, one tick at a time: wait for the ack. */
	if (atomic_read(&pit->reinject) && !atomic_xchg(&pit->irq_ack, 0))
		return;
	vmon_irq_set(pit->irq, 0, VMON_IRQ_SRC_PIT, 1);
	vmon_irq_set(pit->irq, 0, VMON_IRQ_SRC_PIT, 0);
	/* Virtual wire for the NMI watchdog: also through LINT0, as KVM. */
	vmon_lapic_pit_nmi_watchdog(pit->irq->vm);
}

static enum hrtimer_restart pit_timer_fn(struct hrtimer *t)
{
	struct vmon_pit *pit = container_of(t, struct vmon_pit, timer);
	u64 period = READ_ONCE(pit->period_ns);

	if (atomic_read(&pit->reinject))
		atomic_inc(&pit->pending);
	schedule_work(&pit->inject);
	if (!period)
		return HRTIMER_NORESTART;
	hrtimer_add_expires_ns(t, period);
	return HRTIMER_RESTART;
}

/* Any context: IRQ0 (PIC) or GSI 0's IOAPIC pin was acknowledged. */
void vmon_pit_ack(struct vmon_vm *vm)
{
	struct vmon_pit *pit = pit_get(vm);

	if (!pit || !atomic_read(&pit->reinject))
		return;
	atomic_set(&pit->irq_ack, 1);
	/* irq_ack before pending: pairs with pit_timer_fn / the work. */
	smp_mb();
	if (atomic_dec_if_positive(&pit->pending) > 0)
		schedule_work(&pit->inject);
}

/*
 * Any context: GSI 0 was unmasked at the PIC or at an IOAPIC pin it routes
 * to. As KVM's mask notifier: the ticks that piled up while it was masked
 * are dropped rather than replayed.
 */
void vmon_pit_unmasked(struct vmon_vm *vm)
{
	struct vmon_pit *pit = pit_get(vm);

	if (pit && atomic_read(&pit->reinject))
		pit_reset_reinject(pit);
}

static void pit_stop_timer(struct vmon_pit *pit)
{
	hrtimer_cancel(&pit->timer);
	flush_work(&pit->inject);
}

static void pit_start_timer(struct vmon_pit *pit, u32 count, bool periodic)
{
	u64 ns = mul_u64_u32_div(count, NSEC_PER_SEC, PIT_FREQ);

	pit_stop_timer(pit);
	if (!vmon_irq_chip(pit->irq->vm) ||
	    (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY))
		return;
	WRITE_ONCE(pit->period_ns, periodic ? max_t(u64, ns,
						    PIT_MIN_PERIOD_NS) : 0);
	pit_reset_reinject(pit);
	hrtimer_start(&pit->timer, ktime_add_ns(ktime_get(), ns),
		      HRTIMER_MODE_ABS);
}

/* (t) held. A new count: the counter restarts from it. */
static void pit_load(struct vmon_pit *pit, int n, u32 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];

	if (!val)
		val = 0x10000;
	c->count = val;
	c->count_load_time = ktime_get_ns();
	if (n)
		return;
	switch (c->mode) {
	case 0: case 1: case 4:
		pit_start_timer(pit, val, false);
		break;
	case 2: case 3:
		pit_start_timer(pit, val, true);
		break;
	default:
		pit_stop_timer(pit);
	}
}

/* ---------------------------------------------------------------- */
/* Port I/O                                                          */

static void pit_latch_count(struct kvm_pit_channel_state *c)
{
	if (c->count_latched)
		return;
	c->latched_count = pit_count(c);
	c->count_latched = c->rw_mode;
}

static void pit_latch_status(struct kvm_pit_channel_state *c)
{
	if (c->status_latched)
		return;
	c->status = (pit_out(c) << 7) | (c->rw_mode << 4) | (c->mode << 1) |
		    c->bcd;
	c->status_latched = 1;
}

static void pit_write_control(struct vmon_pit *pit, u8 val)
{
	int n = val >> 6, i;
	struct kvm_pit_channel_state *c;
	u8 access = (val >> 4) & 3;

	if (n == 3) {
		/* Read-back: bits 1-3 pick counters; 0 bits latch. */
		for (i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			if (!(val & 0x20))
				pit_latch_count(&pit->ch[i]);
			if (!(val & 0x10))
				pit_latch_status(&pit->ch[i]);
		}
		return;
	}
	c = &pit->ch[n];
	if (access == RW_LATCH) {
		pit_latch_count(c);
		return;
	}
	c->rw_mode = access;
	c->read_state = access;
	c->write_state = access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;		/* 6 and 7 are 2 and 3 */
	c->bcd = val & 1;
}

static void pit_write_count(struct vmon_pit *pit, int n, u8 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];

	switch (c->write_state) {
	default:
	case RW_LSB:
		pit_load(pit, n, val);
		break;
	case RW_MSB:
		pit_load(pit, n, val << 8);
		break;
	case RW_WORD0:
		c->write_latch = val;
		c->write_state = RW_WORD1;
		break;
	case RW_WORD1:
		pit_load(pit, n, c->write_latch | (val << 8));
		c->write_state = RW_WORD0;
		break;
	}
}

static u8 pit_read_count(struct kvm_pit_channel_state *c)
{
	u16 count;
	u8 ret;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		switch (c->count_latched) {
		default:
		case RW_LSB:
			c->count_latched = 0;
			return c->latched_count & 0xff;
		case RW_MSB:
			c->count_latched = 0;
			return c->latched_count >> 8;
		case RW_WORD0:
			c->count_latched = RW_MSB;
			return c->latched_count & 0xff;
		}
	}
	count = pit_count(c);
	switch (c->read_state) {
	default:
	case RW_LSB:
		ret = count & 0xff;
		break;
	case RW_MSB:
		ret = count >> 8;
		break;
	case RW_WORD0:
		ret = count & 0xff;
		c->read_state = RW_WORD1;
		break;
	case RW_WORD1:
		ret = count >> 8;
		c->read_state = RW_WORD0;
		break;
	}
	return ret;
}

/* Counter 2's gate: a rising edge restarts modes 1, 2, 3 and 5. */
static void pit_set_gate2(struct vmon_pit *pit, u8 gate)
{
	struct kvm_pit_channel_state *c = &pit->ch[2];

	if (!c->gate && gate && c->mode != 0 && c->mode != 4)
		c->count_load_time = ktime_get_ns();
	c->gate = gate;
}

bool vmon_pit_pio(struct vmon_vm *vm, u16 port, bool in, int size,
		  void *data)
{
	struct vmon_pit *pit = pit_get(vm);
	u8 *v = data;

	if (!pit)
		return false;
	if (port >= PIT_PORT_BASE && port < PIT_PORT_BASE + 4) {
		int n = port - PIT_PORT_BASE;

		mutex_lock(&pit->lock);
		if (!in && n == 3)
			pit_write_control(pit, *v);
		else if (!in)
			pit_write_count(pit, n, *v);
		else if (n == 3)
			*v = 0xff;	/* the control port reads as nothing */
		else
			*v = pit_read_count(&pit->ch[n]);
		mutex_unlock(&pit->lock);
		if (in && size > 1)
			memset(v + 1, 0xff, size - 1);
		return true;
	}
	if (port != PIT_PORT_SPEAKER || !pit->speaker)
		return false;
	mutex_lock(&pit->lock);
	if (in) {
		/* Bit 4 toggles with the refresh clock, about every 15 us. */
		u8 refresh = (ktime_get_ns() >> 14) & 1;

		*v = pit->ch[2].gate | (pit->speaker_data_on << 1) |
		     (refresh << 4) | (pit_out(&pit->ch[2]) << 5);
		if (size > 1)
			memset(v + 1, 0, size - 1);
	} else {
		pit->speaker_data_on = (*v >> 1) & 1;
		pit_set_gate2(pit, *v & 1);
	}
	mutex_unlock(&pit->lock);
	return true;
}

/* ---------------------------------------------------------------- */
/* Life cycle                                                        */

static void pit_reset(struct vmon_pit *pit)
{
	int i;

	pit->flags = 0;
	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel_state *c = &pit->ch[i];

		memset(c, 0, sizeof(*c));
		c->mode = 0xff;		/* no mode until programmed, as KVM */
		c->gate = i != 2;
		pit_load(pit, i, 0);
	}
}

void vmon_pit_free(struct vmon_pit *pit)
{
	if (!pit)
		return;
	pit_stop_timer(pit);
	kfree(pit);
}

/* KVM_CREATE_PIT2 / KVM_CREATE_PIT (vm->lock held). */
static long pit_create(struct vmon_vm *vm, u32 flags)
{
	struct vmon_pit *pit;
	struct vmon_irq *irq;

	irq = vmon_irq_get(vm);
	if (!irq)
		return -ENOMEM;
	if (irq->pit)
		return -EEXIST;
	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	pit->irq = irq;
	mutex_init(&pit->lock);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = pit_timer_fn;
	INIT_WORK(&pit->inject, pit_inject_work);
	pit->speaker = flags & KVM_PIT_SPEAKER_DUMMY;
	atomic_set(&pit->reinject, 1);
	pit_reset_reinject(pit);
	mutex_lock(&pit->lock);
	pit_reset(pit);
	mutex_unlock(&pit->lock);
	/* Published initialized: pairs with pit_get()'s acquire. */
	smp_store_release(&irq->pit, pit);
	return 0;
}

long vmon_vm_create_pit2(struct vmon_vm *vm, unsigned long arg)
{
	struct kvm_pit_config cfg;

	if (copy_from_user(&cfg, (void __user *)arg, sizeof(cfg)))
		return -EFAULT;
	return pit_create(vm, cfg.flags);
}

long vmon_vm_create_pit(struct vmon_vm *vm, unsigned long arg)
{
	return pit_create(vm, KVM_PIT_SPEAKER_DUMMY);
}

/* ---------------------------------------------------------------- */
/* State ioctls                                                      */

static void pit_set_channels(struct vmon_pit *pit,
			     const struct kvm_pit_channel_state *ch,
			     u32 flags)
{
	int i;

	memcpy(pit->ch, ch, sizeof(pit->ch));
	pit->flags = flags;
	/* As KVM: every counter reloads, from now. */
	for (i = 0; i < 3; i++)
		pit_load(pit, i, pit->ch[i].count);
}

long vmon_vm_get_pit(struct vmon_vm *vm, unsigned long arg)
{
	struct vmon_pit *pit = pit_get(vm);
	struct kvm_pit_state ps;

	if (!pit)
		return -ENXIO;
	mutex_lock(&pit->lock);
	memcpy(ps.channels, pit->ch, sizeof(ps.channels));
	mutex_unlock(&pit->lock);
	return copy_to_user((void __user *)arg, &ps, sizeof(ps)) ? -EFAULT : 0;
}

long vmon_vm_set_pit(struct vmon_vm *vm, unsigned long arg)
{
	struct vmon_pit *pit = pit_get(vm);
	struct kvm_pit_state ps;

	if (copy_from_user(&ps, (void __user *)arg, sizeof(ps)))
		return -EFAULT;
	if (!pit)
		return -ENXIO;
	mutex_lock(&pit->lock);
	pit_set_channels(pit, ps.channels, pit->flags);
	mutex_unlock(&pit->lock);
	return 0;
}

long vmon_vm_get_pit2(struct vmon_vm *vm, unsigned long arg)
{
	struct vmon_pit *pit = pit_get(vm);
	struct kvm_pit_state2 ps;

	if (!pit)
		return -ENXIO;
	memset(&ps, 0, sizeof(ps));
	mutex_lock(&pit->lock);
	memcpy(ps.channels, pit->ch, sizeof(ps.channels));
	ps.flags = pit->flags;
	mutex_unlock(&pit->lock);
	return copy_to_user((void __user *)arg, &ps, sizeof(ps)) ? -EFAULT : 0;
}

long vmon_vm_set_pit2(struct vmon_vm *vm, unsigned long arg)
{
	struct vmon_pit *pit = pit_get(vm);
	struct kvm_pit_state2 ps;

	if (copy_from_user(&ps, (void __user *)arg, sizeof(ps)))
		return -EFAULT;
	if (!pit)
		return -ENXIO;
	mutex_lock(&pit->lock);
	pit_set_channels(pit, ps.channels, ps.flags);
	mutex_unlock(&pit->lock);
	return 0;
}

long vmon_vm_reinject_control(struct vmon_vm *vm, unsigned long arg)
{
	struct vmon_pit *pit = pit_get(vm);
	struct kvm_reinject_control rc;

	if (copy_from_user(&rc, (void __user *)arg, sizeof(rc)))
		return -EFAULT;
	if (!pit)
		return -ENXIO;
	mutex_lock(&pit->lock);
	if (!!rc.pit_reinject != atomic_read(&pit->reinject)) {
		if (rc.pit_reinject)
			pit_reset_reinject(pit);
		atomic_set(&pit->reinject, !!rc.pit_reinject);
	}
	mutex_unlock(&pit->lock);
	return 0;
}
