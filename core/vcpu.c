// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU objects: KVM_CREATE_VCPU, the vCPU file (mmap of kvm_run and the
 * PIO data page) and the state ioctls. Every vCPU ioctl runs under
 * vcpu->mutex (declared in the table), so state is never read while the
 * vCPU runs.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#include <asm/msr-index.h>
#include "vmon.h"

void vmon_vcpu_destroy(struct vmon_vcpu *vcpu)
{
	if (vcpu->lapic)
		vmon_lapic_free(vcpu);
	vmon_forget_vcpu(vcpu);
	vmon_ops->vcpu_free(vcpu);
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
	kfree(vcpu->cpuid);
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

static vm_fault_t vmon_vcpu_fault(struct vm_fault *vmf)
{
	struct vmon_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == VMON_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vmon_vcpu_vm_ops = {
	.fault = vmon_vcpu_fault,
};

static int vmon_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &vmon_vcpu_vm_ops;
	return 0;
}

static int vmon_vcpu_release(struct inode *inode, struct file *filp)
{
	struct vmon_vcpu *vcpu = filp->private_data;

	/* The vCPU itself is freed with its VM. */
	vmon_vm_put(vcpu->vm);
	return 0;
}

static long vmon_vcpu_ioctl_run(struct vmon_vcpu *vcpu, unsigned long arg)
{
	return arg ? -EINVAL : vmon_vcpu_run(vcpu);
}

static void vmon_regs_get(struct vmon_vcpu *vcpu, struct kvm_regs *r)
{
	*r = (struct kvm_regs) {
		.rax = vcpu->regs[VMON_RAX], .rbx = vcpu->regs[VMON_RBX],
		.rcx = vcpu->regs[VMON_RCX], .rdx = vcpu->regs[VMON_RDX],
		.rsi = vcpu->regs[VMON_RSI], .rdi = vcpu->regs[VMON_RDI],
		.rsp = vcpu->regs[VMON_RSP], .rbp = vcpu->regs[VMON_RBP],
		.r8 = vcpu->regs[VMON_R8], .r9 = vcpu->regs[VMON_R9],
		.r10 = vcpu->regs[VMON_R10], .r11 = vcpu->regs[VMON_R11],
		.r12 = vcpu->regs[VMON_R12], .r13 = vcpu->regs[VMON_R13],
		.r14 = vcpu->regs[VMON_R14], .r15 = vcpu->regs[VMON_R15],
		.rip = vcpu->rip, .rflags = vcpu->rflags,
	};
}

static void vmon_regs_set(struct vmon_vcpu *vcpu, const struct kvm_regs *r)
{
	vcpu->regs[VMON_RAX] = r->rax;
	vcpu->regs[VMON_RBX] = r->rbx;
	vcpu->regs[VMON_RCX] = r->rcx;
	vcpu->regs[VMON_RDX] = r->rdx;
	vcpu->regs[VMON_RSI] = r->rsi;
	vcpu->regs[VMON_RDI] = r->rdi;
	vcpu->regs[VMON_RSP] = r->rsp;
	vcpu->regs[VMON_RBP] = r->rbp;
	vcpu->regs[VMON_R8] = r->r8;
	vcpu->regs[VMON_R9] = r->r9;
	vcpu->regs[VMON_R10] = r->r10;
	vcpu->regs[VMON_R11] = r->r11;
	vcpu->regs[VMON_R12] = r->r12;
	vcpu->regs[VMON_R13] = r->r13;
	vcpu->regs[VMON_R14] = r->r14;
	vcpu->regs[VMON_R15] = r->r15;
	vcpu->rip = r->rip;
	/* Bit 1 of RFLAGS is always set, as KVM forces it. */
	vcpu->rflags = r->rflags | X86_EFLAGS_FIXED;
}

static void vmon_sregs_get(struct vmon_vcpu *vcpu, struct kvm_sregs *s)
{
	memset(s, 0, sizeof(*s));
	vmon_ops->get_sregs(vcpu, s);
	s->apic_base = vcpu->apic_base;
	/* With an in-kernel LAPIC, CR8 is its TPR. */
	if (vcpu->lapic)
		s->cr8 = vmon_lapic_get_cr8(vcpu);
	/* An external interrupt being delivered shows here, as in KVM. */
	if (vcpu->ev.irq_injected && !vcpu->ev.irq_soft)
		__set_bit(vcpu->ev.irq_nr,
			  (unsigned long *)s->interrupt_bitmap);
}

void vmon_vcpu_reset_regs(struct vmon_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *leaf1 = vmon_find_cpuid(vcpu, 1, 0);

	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	/* EDX holds the processor signature: the guest's, if it has one. */
	vcpu->regs[VMON_RDX] = leaf1 ? leaf1->eax : VMON_RESET_RDX;
	vcpu->rip = VMON_RESET_RIP;
	vcpu->rflags = X86_EFLAGS_FIXED;
	vmon_dbg_reset(vcpu);
}

static int vmon_sregs_set(struct vmon_vcpu *vcpu, const struct kvm_sregs *s)
{
	unsigned int v;
	int r;

	/* Architectural consistency first; nothing changes if it fails. */
	if (!vmon_sregs_valid(vcpu, s))
		return -EINVAL;
	r = vmon_set_msr(vcpu, MSR_IA32_APICBASE, s->apic_base, true);
	if (r)
		return -EINVAL;
	vmon_regs_invalidate(vcpu);
	r = vmon_ops->set_sregs(vcpu, s);
	if (r)
		return r;
	if (vcpu->lapic)
		vmon_lapic_set_cr8(vcpu, s->cr8);
	/* A vector in the bitmap is an interrupt being delivered (KVM). */
	v = find_first_bit((const unsigned long *)s->interrupt_bitmap,
			   KVM_NR_INTERRUPTS);
	if (v < KVM_NR_INTERRUPTS) {
		vcpu->ev.irq_injected = true;
		vcpu->ev.irq_soft = false;
		vcpu->ev.irq_nr = v;
	}
	return 0;
}

static long vmon_vcpu_get_regs(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_regs r;

	vmon_regs_get(vcpu, &r);
	return copy_to_user((void __user *)arg, &r, sizeof(r)) ? -EFAULT : 0;
}

static long vmon_vcpu_set_regs(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_regs r;

	if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
		return -EFAULT;
	vmon_regs_set(vcpu, &r);
	return 0;
}

static long vmon_vcpu_get_sregs(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_sregs s;

	vmon_sregs_get(vcpu, &s);
	return copy_to_user((void __user *)arg, &s, sizeof(s)) ? -EFAULT : 0;
}

static long vmon_vcpu_set_sregs(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_sregs s;

	if (copy_from_user(&s, (void __user *)arg, sizeof(s)))
		return -EFAULT;
	return vmon_sregs_set(vcpu, &s);
}

/*
 * KVM_CAP_SYNC_REGS: registers, special registers and events travel in
 * kvm_run->s.regs. Entry: what userspace marked dirty is loaded (as the
 * SET ioctls would); exit: what it asked for is stored.
 */
int vmon_sync_regs_in(struct vmon_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	if (run->kvm_dirty_regs & KVM_SYNC_X86_REGS) {
		vmon_regs_set(vcpu, &run->s.regs.regs);
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
	}
	if (run->kvm_dirty_regs & KVM_SYNC_X86_SREGS) {
		struct kvm_sregs s = run->s.regs.sregs;

		r = vmon_sregs_set(vcpu, &s);
		if (r)
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_SREGS;
	}
	if (run->kvm_dirty_regs & KVM_SYNC_X86_EVENTS) {
		struct kvm_vcpu_events e = run->s.regs.events;

		r = vmon_events_set(vcpu, &e);
		if (r)
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_EVENTS;
	}
	return 0;
}

void vmon_sync_regs_out(struct vmon_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->kvm_valid_regs & KVM_SYNC_X86_REGS)
		vmon_regs_get(vcpu, &run->s.regs.regs);
	if (run->kvm_valid_regs & KVM_SYNC_X86_SREGS)
		vmon_sregs_get(vcpu, &run->s.regs.sregs);
	if (run->kvm_valid_regs & KVM_SYNC_X86_EVENTS)
		vmon_events_get(vcpu, &run->s.regs.events);
}

static long vmon_vcpu_get_fpu(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;
	struct kvm_fpu f;

	memset(&f, 0, sizeof(f));
	memcpy(f.fpr, fx->st_space, sizeof(f.fpr));
	f.fcw = fx->cwd;
	f.fsw = fx->swd;
	f.ftwx = fx->twd;
	f.last_opcode = fx->fop;
	f.last_ip = fx->rip;
	f.last_dp = fx->rdp;
	memcpy(f.xmm, fx->xmm_space, sizeof(f.xmm));
	/* MXCSR stays 0 here, as in KVM 6.1 (it is in KVM_GET_XSAVE there). */
	return copy_to_user((void __user *)arg, &f, sizeof(f)) ? -EFAULT : 0;
}

static long vmon_vcpu_set_fpu(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct fpstate *fps = vcpu->guest_fpu.fpstate;
	struct fxregs_state *fx = &fps->regs.fxsave;
	struct kvm_fpu f;

	if (copy_from_user(&f, (void __user *)arg, sizeof(f)))
		return -EFAULT;
	memcpy(fx->st_space, f.fpr, sizeof(f.fpr));
	fx->cwd = f.fcw;
	fx->swd = f.fsw;
	fx->twd = f.ftwx;
	fx->fop = f.last_opcode;
	fx->rip = f.last_ip;
	fx->rdp = f.last_dp;
	memcpy(fx->xmm_space, f.xmm, sizeof(f.xmm));
	/*
	 * MXCSR is ignored, as KVM 6.1 does: a value with reserved bits set
	 * would make the kernel's XRSTOR fault on the next entry.
	 */
	/*
	 * XRSTOR loads the legacy area only for components marked present
	 * in XSTATE_BV; without this the values just written would be
	 * replaced by the init state on the next entry.
	 */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		fps->regs.xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
	return 0;
}

static long vmon_vcpu_get_mp_state(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_mp_state mp;

	/* An INIT or SIPI that arrived is reflected, as in KVM. */
	vmon_events_accept(vcpu);
	mp.mp_state = vcpu->mp_state;
	return copy_to_user((void __user *)arg, &mp, sizeof(mp)) ? -EFAULT : 0;
}

static long vmon_vcpu_set_mp_state(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, (void __user *)arg, sizeof(mp)))
		return -EFAULT;
	/* Without an in-kernel local APIC, KVM accepts only RUNNABLE. */
	if (!vcpu->lapic)
		return mp.mp_state == KVM_MP_STATE_RUNNABLE ?
		       (vcpu->mp_state = mp.mp_state, 0) : -EINVAL;
	switch (mp.mp_state) {
	case KVM_MP_STATE_SIPI_RECEIVED:
		/* Kept as INIT_RECEIVED with the SIPI about to be taken. */
		vcpu->mp_state = KVM_MP_STATE_INIT_RECEIVED;
		set_bit(VMON_REQ_SIPI, &vcpu->requests);
		return 0;
	case KVM_MP_STATE_RUNNABLE:
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_HALTED:
		vcpu->mp_state = mp.mp_state;
		set_bit(VMON_REQ_EVENT, &vcpu->requests);
		return 0;
	default:
		return -EINVAL;
	}
}

static long vmon_vcpu_set_signal_mask(struct vmon_vcpu *vcpu,
				      unsigned long arg)
{
	struct kvm_signal_mask __user *um = (void __user *)arg;
	struct kvm_signal_mask m;
	sigset_t set;

	if (!um) {		/* NULL: KVM_RUN keeps the thread's mask */
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&m, um, sizeof(m)))
		return -EFAULT;
	if (m.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, um->sigset, sizeof(set)))
		return -EFAULT;
	/* SIGKILL and SIGSTOP can never be blocked. */
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

/* The guest's TSC runs at the host's rate: vmon does not scale it. */
static long vmon_vcpu_get_tsc_khz(struct vmon_vcpu *vcpu, unsigned long arg)
{
	return tsc_khz ? tsc_khz : -EIO;
}

/* vmon's own (uapi/vmon.h): the counters the run loop keeps. */
static long vmon_vcpu_get_stats(struct vmon_vcpu *vcpu, unsigned long arg)
{
	return copy_to_user((void __user *)arg, &vcpu->stat,
			    sizeof(vcpu->stat)) ? -EFAULT : 0;
}

static const struct vmon_ioctl_desc vmon_vcpu_ioctls[] = {
	VMON_IOCTL(KVM_RUN, vmon_vcpu_ioctl_run, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_REGS, vmon_vcpu_get_regs, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_REGS, vmon_vcpu_set_regs, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_SREGS, vmon_vcpu_get_sregs, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_SREGS, vmon_vcpu_set_sregs, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_FPU, vmon_vcpu_get_fpu, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_FPU, vmon_vcpu_set_fpu, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_MSRS, vmon_vcpu_get_msrs, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_MSRS, vmon_vcpu_set_msrs, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_CPUID2, vmon_vcpu_set_cpuid2, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_CPUID2, vmon_vcpu_get_cpuid2, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_MP_STATE, vmon_vcpu_get_mp_state, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_MP_STATE, vmon_vcpu_set_mp_state, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_SIGNAL_MASK, vmon_vcpu_set_signal_mask,
		   VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_TSC_KHZ, vmon_vcpu_get_tsc_khz, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_INTERRUPT, vmon_vcpu_interrupt, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_NMI, vmon_vcpu_nmi, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_VCPU_EVENTS, vmon_vcpu_get_events, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_VCPU_EVENTS, vmon_vcpu_set_events, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_GET_LAPIC, vmon_vcpu_get_lapic, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_LAPIC, vmon_vcpu_set_lapic, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_SET_VAPIC_ADDR, vmon_vcpu_set_vapic_addr,
		   VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_TPR_ACCESS_REPORTING, vmon_vcpu_tpr_access_reporting,
		   VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_X86_SETUP_MCE, vmon_vcpu_setup_mce, VMON_LOCK_VCPU),
	VMON_IOCTL(KVM_X86_SET_MCE, vmon_vcpu_set_mce, VMON_LOCK_VCPU),
	VMON_IOCTL(VMON_GET_VCPU_STATS, vmon_vcpu_get_stats, VMON_LOCK_VCPU),
};

static long vmon_vcpu_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct vmon_vcpu *vcpu = filp->private_data;
	const struct vmon_ioctl_desc *d;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	d = vmon_ioctl_find(vmon_vcpu_ioctls, ARRAY_SIZE(vmon_vcpu_ioctls),
			    cmd);
	if (!d)
		return -EINVAL;		/* what KVM's vCPU fd answers */
	if (d->lock == VMON_LOCK_VCPU && mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	r = d->fn(vcpu, arg);
	if (d->lock == VMON_LOCK_VCPU)
		mutex_unlock(&vcpu->mutex);
	return vmon_ioctl_finish(d, r);
}

static const struct file_operations vmon_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= vmon_vcpu_release,
	.unlocked_ioctl	= vmon_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= vmon_vcpu_mmap,
	.llseek		= noop_llseek,
};

/* Called with vm->lock held (ioctl table policy). */
int vmon_create_vcpu(struct vmon_vm *vm, u32 id)
{
	struct vmon_vcpu *vcpu;
	int r, fd;

	if (id >= VMON_MAX_VCPU_ID)
		return -EINVAL;
	/* The first vCPU fixes KVM_CAP_MAX_VCPU_ID, as in KVM. */
	if (!vm->max_vcpu_id)
		vm->max_vcpu_id = VMON_MAX_VCPU_ID;
	if (id >= vm->max_vcpu_id)
		return -EINVAL;
	if (vm->nr_vcpus >= VMON_MAX_VCPUS)
		return -EINVAL;
	if (xa_load(&vm->vcpus, id))
		return -EEXIST;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	r = -ENOMEM;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data)
		goto err_pages;
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		goto err_pages;
	r = vmon_ops->vcpu_create(vcpu);
	if (r)
		goto err_fpu;

	/*
	 * With an in-kernel irqchip the APs wait for INIT/SIPI, as on a real
	 * machine (and in KVM); without one userspace starts every vCPU.
	 */
	if (vmon_irqchip_in_kernel(vm) && id != 0)
		vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
	else
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	vcpu->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			  (id == 0 ? MSR_IA32_APICBASE_BSP : 0);
	vcpu->pat = VMON_PAT_DEFAULT;
	vmon_msr_kvm_reset(vcpu);
	/*
	 * One TSC for the whole VM, counting from 0 at KVM_CREATE_VM: vCPUs
	 * created later must not start behind the others, or an SMP guest
	 * sees its TSC go backwards between CPUs (KVM matches them too).
	 */
	vcpu->tsc_offset = vm->tsc_offset;
	vmon_regs_invalidate(vcpu);
	vmon_ops->vcpu_reset(vcpu);
	vmon_events_reset(vcpu);
	if (vmon_irqchip_in_kernel(vm)) {
		r = vmon_lapic_create(vcpu);
		if (r)
			goto err_vendor;
		vmon_lapic_reset(vcpu, false);
	}

	r = xa_insert(&vm->vcpus, id, vcpu, GFP_KERNEL_ACCOUNT);
	if (r)
		goto err_vendor;

	/* The vCPU fd holds a VM reference, dropped in its release. */
	kref_get(&vm->ref);
	fd = anon_inode_getfd("vmon-vcpu", &vmon_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		xa_erase(&vm->vcpus, id);
		/* A TLB-flush walker may still be looking at it. */
		synchronize_rcu();
		vmon_vm_put(vm);	/* never the last: the VM fd is open */
		r = fd;
		goto err_vendor;
	}
	vm->nr_vcpus++;
	return fd;

err_vendor:
	if (vcpu->lapic)
		vmon_lapic_free(vcpu);
	vmon_ops->vcpu_free(vcpu);
err_fpu:
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
err_pages:
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	return r;
}
