// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd (KVM_IRQFD): an eventfd that raises a GSI when signalled. The
 * other direction, ioeventfd, is part of the I/O bus (iobus.c).
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
