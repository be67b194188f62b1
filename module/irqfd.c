// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd (KVM_IRQFD): an eventfd that raises a GSI when signalled, and
 * ioeventfd (KVM_IOEVENTFD): a guest PIO or MMIO write that signals an
 * eventfd instead of exiting to userspace.
 *
 * An irqfd hooks a wait-queue entry into its eventfd, so a signal calls
 * irqfd_wakeup() with the eventfd's wait-queue lock held and IRQs off,
 * possibly from a device's interrupt handler. The delivery path never
 * sleeps (irqchip.h), so the interrupt is raised right there rather than
 * from a work item. Only the teardown needs process context: an entry
 * cannot leave the queue from inside its own wakeup (EPOLLHUP, when the
 * eventfd is closed), so it is unhooked and freed from irq->irqfd_wq.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include "irqchip.h"

struct vmon_irqfd {
	struct vmon_irq *irq;			/* (o) */
	struct eventfd_ctx *eventfd;		/* (o) */
	u32 gsi;				/* (o) */
	wait_queue_entry_t wait;		/* (o) */
	poll_table pt;				/* (o) */
	/* On irq->irqfds while active; a signal injects only then. */
	struct list_head link;			/* (f) */
	bool active;				/* (f) write, (a) read */
	struct work_struct shutdown;		/* (o) */
};

/* Caller holds irq->irqfds_lock. */
static void irqfd_deactivate(struct vmon_irq *irq, struct vmon_irqfd *fd)
{
	WRITE_ONCE(fd->active, false);
	list_del_init(&fd->link);
	queue_work(irq->irqfd_wq, &fd->shutdown);
}

/* Eventfd wait-queue lock held, IRQs off. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			int sync, void *key)
{
	struct vmon_irqfd *fd = container_of(wait, struct vmon_irqfd, wait);
	struct vmon_irq *irq = fd->irq;
	__poll_t flags = key_to_poll(key);
	unsigned long iflags;
	int ret = 0;
	u64 cnt;

	if (flags & EPOLLIN) {
		/* Signals that pile up before we run make one interrupt. */
		eventfd_ctx_do_read(fd->eventfd, &cnt);
		/*
		 * A deassign in progress waits for this wakeup to finish
		 * (it takes this queue's lock to unhook us), so no interrupt
		 * follows the ioctl's return.
		 */
		if (READ_ONCE(fd->active)) {
			/* KVM's pulse: an edge for edge pins, a level blip. */
			vmon_irq_set(irq, fd->gsi, VMON_IRQ_SRC_USER, 1);
			vmon_irq_set(irq, fd->gsi, VMON_IRQ_SRC_USER, 0);
		}
		ret = 1;
	}
	if (flags & EPOLLHUP) {
		/* The eventfd is being closed: let go of it. */
		spin_lock_irqsave(&irq->irqfds_lock, iflags);
		if (fd->active)
			irqfd_deactivate(irq, fd);
		spin_unlock_irqrestore(&irq->irqfds_lock, iflags);
	}
	return ret;
}

static void irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
			     poll_table *pt)
{
	struct vmon_irqfd *fd = container_of(pt, struct vmon_irqfd, pt);

	/* First in line and exclusive: the signal is ours to consume. */
	add_wait_queue_priority(wqh, &fd->wait);
}

static void irqfd_shutdown(struct work_struct *work)
{
	struct vmon_irqfd *fd = container_of(work, struct vmon_irqfd,
					     shutdown);
	u64 cnt;

	/* Takes the queue's lock: a wakeup running elsewhere ends first. */
	eventfd_ctx_remove_wait_queue(fd->eventfd, &fd->wait, &cnt);
	eventfd_ctx_put(fd->eventfd);
	kfree(fd);
}

static int irqfd_assign(struct vmon_irq *irq, const struct kvm_irqfd *args)
{
	struct eventfd_ctx *eventfd;
	struct vmon_irqfd *fd, *tmp;
	__poll_t events;
	struct fd f;
	int r;

	f = fdget(args->fd);
	if (!f.file)
		return -EBADF;
	eventfd = eventfd_ctx_fileget(f.file);
	if (IS_ERR(eventfd)) {
		r = PTR_ERR(eventfd);
		goto out_fdput;
	}
	fd = kzalloc(sizeof(*fd), GFP_KERNEL_ACCOUNT);
	if (!fd) {
		r = -ENOMEM;
		goto out_put;
	}
	fd->irq = irq;
	fd->eventfd = eventfd;
	fd->gsi = args->gsi;
	INIT_LIST_HEAD(&fd->link);
	INIT_WORK(&fd->shutdown, irqfd_shutdown);
	init_waitqueue_func_entry(&fd->wait, irqfd_wakeup);
	init_poll_funcptr(&fd->pt, irqfd_queue_proc);

	/*
	 * irq->lock keeps a deassign from tearing the irqfd down before it
	 * is hooked into the eventfd below; EPOLLHUP cannot come before
	 * then either, since we hold a reference to the file.
	 */
	mutex_lock(&irq->lock);
	spin_lock_irq(&irq->irqfds_lock);
	list_for_each_entry(tmp, &irq->irqfds, link) {
		if (tmp->eventfd == eventfd) {
			/* One eventfd raises one GSI, as in KVM. */
			spin_unlock_irq(&irq->irqfds_lock);
			mutex_unlock(&irq->lock);
			kfree(fd);
			r = -EBUSY;
			goto out_put;
		}
	}
	list_add_tail(&fd->link, &irq->irqfds);
	fd->active = true;
	spin_unlock_irq(&irq->irqfds_lock);

	/* Hook in; a signal that came before is not lost. */
	events = vfs_poll(f.file, &fd->pt);
	if (events & EPOLLIN) {
		vmon_irq_set(irq, fd->gsi, VMON_IRQ_SRC_USER, 1);
		vmon_irq_set(irq, fd->gsi, VMON_IRQ_SRC_USER, 0);
	}
	mutex_unlock(&irq->lock);
	fdput(f);
	return 0;

out_put:
	eventfd_ctx_put(eventfd);
out_fdput:
	fdput(f);
	return r;
}

static int irqfd_deassign(struct vmon_vm *vm, const struct kvm_irqfd *args)
{
	struct vmon_irq *irq = vmon_irq_state(vm);
	struct vmon_irqfd *fd, *tmp;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	if (!irq)
		goto out;
	mutex_lock(&irq->lock);
	spin_lock_irq(&irq->irqfds_lock);
	list_for_each_entry_safe(fd, tmp, &irq->irqfds, link)
		if (fd->eventfd == eventfd && fd->gsi == args->gsi)
			irqfd_deactivate(irq, fd);
	spin_unlock_irq(&irq->irqfds_lock);
	mutex_unlock(&irq->lock);
	/* No interrupt from it once we return (KVM's guarantee). */
	flush_workqueue(irq->irqfd_wq);
out:
	eventfd_ctx_put(eventfd);
	/* KVM answers 0 even when nothing matched. */
	return 0;
}

long vmon_vm_irqfd(struct vmon_vm *vm, unsigned long arg)
{
	struct vmon_irq *irq;
	struct kvm_irqfd args;

	if (copy_from_user(&args, (void __user *)arg, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, &args);
	/* Resampling irqfds are not offered (no KVM_CAP_IRQFD_RESAMPLE). */
	if (args.flags & KVM_IRQFD_FLAG_RESAMPLE)
		return -EINVAL;
	irq = vmon_irq_chip(vm);
	if (!irq)
		return -EINVAL;
	return irqfd_assign(irq, &args);
}

/* VM teardown: no ioctl is left, only eventfd signals and closes. */
void vmon_irqfd_release_all(struct vmon_irq *irq)
{
	struct vmon_irqfd *fd, *tmp;

	spin_lock_irq(&irq->irqfds_lock);
	list_for_each_entry_safe(fd, tmp, &irq->irqfds, link)
		irqfd_deactivate(irq, fd);
	spin_unlock_irq(&irq->irqfds_lock);
	flush_workqueue(irq->irqfd_wq);
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
