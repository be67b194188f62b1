// SPDX-License-Identifier: GPL-2.0
/*
 * VM objects: creation (KVM_CREATE_VM), the VM file and its ioctls, and
 * teardown when the last reference (VM fd or a vCPU fd) goes.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <asm/msr.h>
#include "vmon.h"

static void vmon_vm_release_ref(struct kref *ref)
{
	struct vmon_vm *vm = container_of(ref, struct vmon_vm, ref);
	struct vmon_vcpu *vcpu;
	unsigned long i;

	/*
	 * First the mmu notifier (with the tables): until it is unregistered
	 * another thread's munmap can still zap and walk vm->vcpus to flush,
	 * so the vCPUs must outlive it.
	 */
	vmon_tdp_destroy(vm);
	/* irqfds, timers' targets and routing go before the vCPUs they hit. */
	vmon_irqchip_destroy(vm);
	/* Every vCPU fd is closed (each held a reference): free them all. */
	xa_for_each(&vm->vcpus, i, vcpu)
		vmon_vcpu_destroy(vcpu);
	xa_destroy(&vm->vcpus);
	vmon_ops->vm_destroy(vm);
	vmon_memslots_free(vm);
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kfree(vm);
	/* After the tables are gone: the hardware may be switched off. */
	vmon_hw_put();
	module_put(THIS_MODULE);
}

void vmon_vm_put(struct vmon_vm *vm)
{
	kref_put(&vm->ref, vmon_vm_release_ref);
}

static int vmon_vm_release(struct inode *inode, struct file *filp)
{
	vmon_vm_put(filp->private_data);
	return 0;
}

static long vmon_vm_create_vcpu(struct vmon_vm *vm, unsigned long id)
{
	/* KVM takes the id as a u32 too: 1UL << 32 is vCPU 0 there. */
	return vmon_create_vcpu(vm, (u32)id);
}

/*
 * KVM_SET_TSS_ADDR: the three pages KVM's VMX backend needs to run real
 * mode without unrestricted guest. vmon requires unrestricted guest (and
 * SVM needs nothing), so, as KVM does then, nothing is kept: only KVM's
 * check that the three pages fit below 4 GiB.
 */
static long vmon_vm_set_tss_addr(struct vmon_vm *vm, unsigned long addr)
{
	return addr > (unsigned int)(-3 * PAGE_SIZE) ? -EINVAL : 0;
}

static long vmon_vm_check_extension(struct vmon_vm *vm, unsigned long arg)
{
	return vmon_check_extension(vm, arg);
}

static const struct vmon_ioctl_desc vmon_vm_ioctls[] = {
	VMON_IOCTL(KVM_CREATE_VCPU, vmon_vm_create_vcpu, VMON_LOCK_VM),
	VMON_IOCTL(KVM_SET_USER_MEMORY_REGION, vmon_set_user_memory_region,
		   VMON_LOCK_SLOTS),
	VMON_IOCTL(KVM_GET_DIRTY_LOG, vmon_get_dirty_log, VMON_LOCK_SLOTS),
	VMON_IOCTL(KVM_CLEAR_DIRTY_LOG, vmon_clear_dirty_log, VMON_LOCK_SLOTS),
	VMON_IOCTL(KVM_CHECK_EXTENSION, vmon_vm_check_extension,
		   VMON_LOCK_NONE),
	VMON_IOCTL(KVM_SET_TSS_ADDR, vmon_vm_set_tss_addr, VMON_LOCK_VM),
	VMON_IOCTL(KVM_ENABLE_CAP, vmon_vm_enable_cap, VMON_LOCK_VM),
	VMON_IOCTL(KVM_CREATE_IRQCHIP, vmon_vm_create_irqchip, VMON_LOCK_VM),
	VMON_IOCTL(KVM_CREATE_PIT, vmon_vm_create_pit, VMON_LOCK_VM),
	VMON_IOCTL(KVM_CREATE_PIT2, vmon_vm_create_pit2, VMON_LOCK_VM),
	VMON_IOCTL(KVM_GET_PIT, vmon_vm_get_pit, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_SET_PIT, vmon_vm_set_pit, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_GET_PIT2, vmon_vm_get_pit2, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_SET_PIT2, vmon_vm_set_pit2, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_REINJECT_CONTROL, vmon_vm_reinject_control,
		   VMON_LOCK_NONE),
	/* Interrupt sources: their own locking, callable while vCPUs run. */
	VMON_IOCTL(KVM_IRQ_LINE, vmon_vm_irq_line, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_IRQ_LINE_STATUS, vmon_vm_irq_line_status,
		   VMON_LOCK_NONE),
	VMON_IOCTL(KVM_SIGNAL_MSI, vmon_vm_signal_msi, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_IRQFD, vmon_vm_irqfd, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_IOEVENTFD, vmon_vm_ioeventfd, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_GET_IRQCHIP, vmon_vm_get_irqchip, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_SET_IRQCHIP, vmon_vm_set_irqchip, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_SET_GSI_ROUTING, vmon_vm_set_gsi_routing,
		   VMON_LOCK_NONE),
};

static long vmon_vm_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	struct vmon_vm *vm = filp->private_data;
	const struct vmon_ioctl_desc *d;
	struct mutex *lock = NULL;
	long r;

	/* A VM fd passed to another process must not touch its creator's mm. */
	if (vm->mm != current->mm)
		return -EIO;
	d = vmon_ioctl_find(vmon_vm_ioctls, ARRAY_SIZE(vmon_vm_ioctls), cmd);
	if (!d)
		return -ENOTTY;		/* what KVM's VM fd answers */
	if (d->lock == VMON_LOCK_VM)
		lock = &vm->lock;
	else if (d->lock == VMON_LOCK_SLOTS)
		lock = &vm->slots_lock;
	if (lock)
		mutex_lock(lock);
	r = d->fn(vm, arg);
	if (lock)
		mutex_unlock(lock);
	return vmon_ioctl_finish(d, r);
}

static const struct file_operations vmon_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= vmon_vm_release,
	.unlocked_ioctl	= vmon_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

long vmon_create_vm(void)
{
	struct vmon_vm *vm;
	int r, fd;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	xa_init(&vm->vcpus);
	/* The guest's TSC starts at 0, as in KVM, not at the host's uptime. */
	vm->tsc_offset = -rdtsc();
	mmgrab(current->mm);
	vm->mm = current->mm;

	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto err_mm;
	r = vmon_memslots_init(vm);
	if (r)
		goto err_srcu;
	/* Before any backend state: fails with EBUSY if KVM holds the CPU. */
	r = vmon_hw_get();
	if (r)
		goto err_slots;
	r = vmon_tdp_init(vm);
	if (r)
		goto err_hw;
	r = vmon_ops->vm_init(vm);
	if (r)
		goto err_tdp;

	/* Released in vmon_vm_release_ref: keeps rmmod away while VMs live. */
	__module_get(THIS_MODULE);
	fd = anon_inode_getfd("vmon-vm", &vmon_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		vmon_vm_put(vm);
	return fd;

err_tdp:
	vmon_tdp_destroy(vm);
err_hw:
	vmon_hw_put();
err_slots:
	vmon_memslots_free(vm);
err_srcu:
	cleanup_srcu_struct(&vm->srcu);
err_mm:
	mmdrop(vm->mm);
	kfree(vm);
	return r;
}
