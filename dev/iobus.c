// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel I/O bus: guest port I/O and MMIO that the kernel serves
 * without exiting to userspace. A vCPU's PIO or MMIO exit (core/emulate.c,
 * the vendors' I/O exits) asks vmon_kernel_pio() / vmon_kernel_mmio();
 * they try the in-kernel devices (PIC ports and ELCR, the PIT, the xAPIC page, the
 * IOAPIC window), then the ioeventfds (KVM_IOEVENTFD: a write that
 * signals an eventfd instead of exiting).
 *
 * The ioeventfd list lives in struct vmon_irq (irqchip.h) because KVM
 * offers ioeventfds without an in-kernel irqchip: the first KVM_IOEVENTFD
 * creates that state with no devices in it.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "irqchip.h"

/* ---------------------------------------------------------------- */
/* In-kernel PIO and MMIO                                            */

bool vmon_kernel_pio(struct vmon_vcpu *vcpu, u16 port, bool in, int size,
		     void *data)
{
	struct vmon_irq *irq = vmon_irq_state(vcpu->vm);

	if (!irq)
		return false;
	/* The split irqchip leaves the PIC ports to userspace. */
	if (vmon_irq_chip(vcpu->vm) && irq->pic &&
	    vmon_pic_pio(irq->pic, port, in, size, data))
		return true;
	if (vmon_pit_pio(vcpu->vm, port, in, size, data))
		return true;
	return !in && vmon_ioeventfd_write(irq, true, port, size, data);
}

bool vmon_kernel_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool write, int len,
		      void *data)
{
	struct vmon_irq *irq = vmon_irq_state(vcpu->vm);

	if (!irq)
		return false;
	if (vmon_irq_chip(vcpu->vm)) {
		/* The LAPIC page first: it may be moved over anything. */
		if (vcpu->lapic && vmon_lapic_mmio(vcpu, gpa, write, data, len))
			return true;
		if (irq->ioapic &&
		    vmon_ioapic_mmio(irq->ioapic, gpa, write, len, data))
			return true;
	}
	return write && vmon_ioeventfd_write(irq, false, gpa, len, data);
}

/* ---------------------------------------------------------------- */
/* ioeventfd                                                         */

struct vmon_ioeventfd {
	struct list_head link;			/* (i) write, (r) read */
	struct eventfd_ctx *eventfd;		/* (o) */
	u64 addr;				/* (o) */
	u32 len;				/* (o) 0: any access length */
	u32 bus;				/* (o) KVM_IOEVENTFD_FLAG_* bus */
	bool wildcard;				/* (o) no datamatch */
	u64 datamatch;				/* (o) */
};

/* Which address space: MMIO, PIO, or virtio-ccw (never hit on x86). */
/* KVM's NR_IOBUS_DEVS: the devices one bus can hold. */
#define IOEVENTFD_MAX		1000

static u32 ioeventfd_bus(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return KVM_IOEVENTFD_FLAG_PIO;
	return flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY;
}

/* KVM's overlap rule: two that could both match one write conflict. */
static bool ioeventfd_collides(const struct vmon_ioeventfd *a,
			       const struct vmon_ioeventfd *b)
{
	return a->bus == b->bus && a->addr == b->addr &&
	       (!a->len || !b->len ||
		(a->len == b->len &&
		 (a->wildcard || b->wildcard || a->datamatch == b->datamatch)));
}

static int ioeventfd_assign(struct vmon_vm *vm,
			    const struct kvm_ioeventfd *args)
{
	struct vmon_ioeventfd *p, *q;
	struct eventfd_ctx *eventfd;
	struct vmon_irq *irq;
	int r;

	switch (args->len) {
	case 0: case 1: case 2: case 4: case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	if (args->flags & ~KVM_IOEVENTFD_VALID_FLAG_MASK)
		return -EINVAL;
	/* Without a length there is nothing to compare the data with. */
	if (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	irq = vmon_irq_get_locked(vm);
	if (!p || !irq) {
		r = -ENOMEM;
		goto fail;
	}
	p->eventfd = eventfd;
	p->addr = args->addr;
	p->len = args->len;
	p->bus = ioeventfd_bus(args->flags);
	p->wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	p->datamatch = p->wildcard ? 0 : args->datamatch;

	mutex_lock(&irq->lock);
	r = -EEXIST;
	list_for_each_entry(q, &irq->ioeventfds, link)
		if (ioeventfd_collides(p, q))
			goto fail_unlock;
	r = -ENOSPC;
	if (irq->nr_ioeventfds >= IOEVENTFD_MAX)
		goto fail_unlock;
	irq->nr_ioeventfds++;
	list_add_tail_rcu(&p->link, &irq->ioeventfds);
	mutex_unlock(&irq->lock);
	return 0;

fail_unlock:
	mutex_unlock(&irq->lock);
fail:
	kfree(p);
	eventfd_ctx_put(eventfd);
	return r;
}

static int ioeventfd_deassign(struct vmon_vm *vm,
			      const struct kvm_ioeventfd *args)
{
	struct vmon_irq *irq = vmon_irq_state(vm);
	bool wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	u32 bus = ioeventfd_bus(args->flags);
	struct eventfd_ctx *eventfd;
	struct vmon_ioeventfd *p, *found = NULL;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	if (!irq)
		goto out;
	mutex_lock(&irq->lock);
	list_for_each_entry(p, &irq->ioeventfds, link) {
		if (p->bus != bus || p->eventfd != eventfd ||
		    p->addr != args->addr || p->len != args->len ||
		    p->wildcard != wildcard ||
		    (!wildcard && p->datamatch != args->datamatch))
			continue;
		list_del_rcu(&p->link);
		irq->nr_ioeventfds--;
		found = p;
		break;
	}
	mutex_unlock(&irq->lock);
	if (found) {
		/*
		 * A vCPU may be signalling it right now. Waiting here, not
		 * in an RCU callback, keeps no callback of ours pending when
		 * the module goes away.
		 */
		synchronize_rcu();
		eventfd_ctx_put(found->eventfd);
		kfree(found);
	}
out:
	eventfd_ctx_put(eventfd);
	return found ? 0 : -ENOENT;
}

long vmon_vm_ioeventfd(struct vmon_vm *vm, unsigned long arg)
{
	struct kvm_ioeventfd args;

	if (copy_from_user(&args, (void __user *)arg, sizeof(args)))
		return -EFAULT;
	if (args.flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioeventfd_deassign(vm, &args);
	return ioeventfd_assign(vm, &args);
}

static bool ioeventfd_match(const struct vmon_ioeventfd *p, u32 bus,
			    u64 addr, int len, const void *data)
{
	u64 val = 0;

	if (p->bus != bus || p->addr != addr)
		return false;
	if (!p->len)
		return true;
	if (p->len != len)
		return false;
	if (p->wildcard)
		return true;
	/* len is 1, 2, 4 or 8; x86 is little-endian. */
	memcpy(&val, data, len);
	return val == p->datamatch;
}

bool vmon_ioeventfd_write(struct vmon_irq *irq, bool pio, u64 addr, int len,
			  const void *data)
{
	u32 bus = pio ? KVM_IOEVENTFD_FLAG_PIO : 0;
	struct vmon_ioeventfd *p;
	bool hit = false;

	rcu_read_lock();
	list_for_each_entry_rcu(p, &irq->ioeventfds, link) {
		if (ioeventfd_match(p, bus, addr, len, data)) {
			eventfd_signal(p->eventfd, 1);
			hit = true;
			break;
		}
	}
	rcu_read_unlock();
	return hit;
}

/* VM teardown: no vCPU is left to signal them. */
void vmon_ioeventfd_free_all(struct vmon_irq *irq)
{
	struct vmon_ioeventfd *p, *tmp;

	list_for_each_entry_safe(p, tmp, &irq->ioeventfds, link) {
		list_del(&p->link);
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
}
