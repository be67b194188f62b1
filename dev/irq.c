// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt plumbing: KVM_CREATE_IRQCHIP, GSI routing, KVM_IRQ_LINE(_STATUS),
 * KVM_SIGNAL_MSI and KVM_GET/SET_IRQCHIP. irqfd is in irqfd.c, the in-kernel
 * PIO/MMIO dispatch and ioeventfd in iobus.c, the devices in pic.c and
 * ioapic.c; irqchip.h has the locking rules.
 *
 * A GSI is what userspace and irqfds raise. The routing table maps it to
 * up to one pin per irqchip (a legacy IRQ goes to both the PIC and the
 * IOAPIC, as the guest may use either) or to one MSI message. The table
 * is immutable and replaced whole under RCU: senders in any context read
 * it without a lock, and a KVM_SET_GSI_ROUTING never waits for them.
 */
#include <linux/bitfield.h>
#include <linux/sort.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include "irqchip.h"

/* MSI address and data (Intel SDM "Message Signalled Interrupts"). */
#define MSI_ADDR_DEST_LOGICAL	BIT(2)
#define MSI_ADDR_REDIR_HINT	BIT(3)
#define MSI_ADDR_DEST_ID	GENMASK(19, 12)
#define MSI_DATA_VECTOR		GENMASK(7, 0)
#define MSI_DATA_DELIVERY_MODE	GENMASK(10, 8)
#define MSI_DATA_LEVEL		BIT(15)

struct vmon_irq *vmon_irq_state(struct vmon_vm *vm)
{
	/* Pairs with the release in vmon_irq_get(): the contents come too. */
	return smp_load_acquire(&vm->irq);
}

struct vmon_irq *vmon_irq_chip(struct vmon_vm *vm)
{
	struct vmon_irq *irq = vmon_irq_state(vm);

	/* Pairs with the release in vmon_vm_create_irqchip(): devices too. */
	if (!irq || !smp_load_acquire(&irq->in_kernel))
		return NULL;
	return irq;
}

bool vmon_irqchip_in_kernel(struct vmon_vm *vm)
{
	return vmon_irq_chip(vm) != NULL;
}

/*
 * The per-VM state, created on first use under vm->lock (which also
 * serializes KVM_CREATE_IRQCHIP against KVM_CREATE_VCPU).
 */
struct vmon_irq *vmon_irq_get(struct vmon_vm *vm)
{
	struct vmon_irq *irq;

	lockdep_assert_held(&vm->lock);
	irq = vm->irq;
	if (irq)
		return irq;
	irq = kzalloc(sizeof(*irq), GFP_KERNEL_ACCOUNT);
	if (!irq)
		return NULL;
	irq->irqfd_wq = alloc_workqueue("vmon-irqfd", 0, 0);
	if (!irq->irqfd_wq) {
		kfree(irq);
		return NULL;
	}
	irq->vm = vm;
	mutex_init(&irq->lock);
	spin_lock_init(&irq->irqfds_lock);
	INIT_LIST_HEAD(&irq->irqfds);
	INIT_LIST_HEAD(&irq->ioeventfds);
	/* Lockless readers (vCPUs, eventfds) see it initialized. */
	smp_store_release(&vm->irq, irq);
	return irq;
}

/* For the ioctls that work without an irqchip (KVM_IOEVENTFD). */
struct vmon_irq *vmon_irq_get_locked(struct vmon_vm *vm)
{
	struct vmon_irq *irq;

	mutex_lock(&vm->lock);
	irq = vmon_irq_get(vm);
	mutex_unlock(&vm->lock);
	return irq;
}

/* ---------------------------------------------------------------- */
/* Routing                                                           */

static int vmon_route_cmp(const void *a, const void *b)
{
	const struct vmon_irq_route *x = a, *y = b;

	return x->gsi < y->gsi ? -1 : x->gsi > y->gsi;
}

/* Index of the first route of @gsi, or rt->nr. */
static u32 vmon_route_first(const struct vmon_irq_routing *rt, u32 gsi)
{
	u32 lo = 0, hi = rt->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (rt->e[mid].gsi < gsi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* KVM_X2APIC_API_USE_32BIT_IDS: bits 31:8 of address_hi are dest 31:8. */
static bool vmon_x2apic_format(struct vmon_vm *vm)
{
	return READ_ONCE(vm->x2apic_api) & KVM_X2APIC_API_USE_32BIT_IDS;
}

/* As KVM: with 32-bit ids, address_hi's low byte must be 0. */
static bool vmon_msi_invalid(struct vmon_vm *vm, u32 address_hi)
{
	return vmon_x2apic_format(vm) && (address_hi & 0xff);
}

static int vmon_route_from_user(struct vmon_irq *irq, struct vmon_irq_route *r,
				const struct kvm_irq_routing_entry *ue)
{
	if (ue->gsi >= VMON_MAX_IRQ_ROUTES)
		return -EINVAL;
	r->gsi = ue->gsi;
	r->type = ue->type;
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		/* The split irqchip has no PIC or IOAPIC to route to. */
		if (ue->flags || irq->split)
			return -EINVAL;
		r->irqchip.chip = ue->u.irqchip.irqchip;
		r->irqchip.pin = ue->u.irqchip.pin;
		switch (ue->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			return ue->u.irqchip.pin < 8 ? 0 : -EINVAL;
		case KVM_IRQCHIP_IOAPIC:
			return ue->u.irqchip.pin < VMON_IOAPIC_PINS ?
			       0 : -EINVAL;
		}
		return -EINVAL;
	case KVM_IRQ_ROUTING_MSI:
		/* A device id means nothing to an x86 APIC: accepted. */
		if (ue->flags & ~KVM_MSI_VALID_DEVID)
			return -EINVAL;
		if (vmon_msi_invalid(irq->vm, ue->u.msi.address_hi))
			return -EINVAL;
		r->msi.address_lo = ue->u.msi.address_lo;
		r->msi.address_hi = ue->u.msi.address_hi;
		r->msi.data = ue->u.msi.data;
		return 0;
	}
	/* Hyper-V SynIC, Xen and s390 routes are not offered. */
	return -EINVAL;
}

/*
 * KVM's rule: a GSI has either one non-irqchip route, or irqchip routes
 * to distinct chips. @rt is sorted, so a GSI's routes are adjacent.
 */
static bool vmon_routing_valid(const struct vmon_irq_routing *rt)
{
	u32 i, j;

	for (i = 0; i < rt->nr; i++) {
		for (j = i + 1; j < rt->nr && rt->e[j].gsi == rt->e[i].gsi;
		     j++) {
			if (rt->e[i].type != KVM_IRQ_ROUTING_IRQCHIP ||
			    rt->e[j].type != KVM_IRQ_ROUTING_IRQCHIP ||
			    rt->e[i].irqchip.chip == rt->e[j].irqchip.chip)
				return false;
		}
	}
	return true;
}

static struct vmon_irq_routing *
vmon_routing_build(struct vmon_irq *irq, const struct kvm_irq_routing_entry *ue,
		   u32 nr, int *err)
{
	struct vmon_irq_routing *rt;
	u32 i;

	rt = kvzalloc(struct_size(rt, e, nr), GFP_KERNEL_ACCOUNT);
	if (!rt) {
		*err = -ENOMEM;
		return NULL;
	}
	rt->nr = nr;
	for (i = 0; i < nr; i++) {
		*err = vmon_route_from_user(irq, &rt->e[i], &ue[i]);
		if (*err)
			goto fail;
	}
	sort(rt->e, nr, sizeof(rt->e[0]), vmon_route_cmp, NULL);
	*err = -EINVAL;
	if (!vmon_routing_valid(rt))
		goto fail;
	*err = 0;
	return rt;
fail:
	kvfree(rt);
	return NULL;
}

static void vmon_routing_publish(struct vmon_irq *irq,
				 struct vmon_irq_routing *rt)
{
	struct vmon_irq_routing *old;

	mutex_lock(&irq->lock);
	old = rcu_replace_pointer(irq->routing, rt,
				  lockdep_is_held(&irq->lock));
	mutex_unlock(&irq->lock);
	/* Senders may still hold the old table: free it after them. */
	if (old)
		kvfree_rcu(old, rcu);
}

/* KVM's default: GSI 0-15 to the PICs and IOAPIC pins, 16-23 IOAPIC. */
static struct vmon_irq_routing *vmon_routing_default(struct vmon_irq *irq)
{
	struct kvm_irq_routing_entry *ue;
	struct vmon_irq_routing *rt;
	u32 gsi, n = 0;
	int err;

	ue = kcalloc(VMON_IOAPIC_PINS + VMON_PIC_PINS, sizeof(*ue),
		     GFP_KERNEL);
	if (!ue)
		return NULL;
	for (gsi = 0; gsi < VMON_IOAPIC_PINS; gsi++) {
		ue[n].gsi = gsi;
		ue[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		ue[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		ue[n++].u.irqchip.pin = gsi;
		if (gsi >= VMON_PIC_PINS)
			continue;
		ue[n].gsi = gsi;
		ue[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		ue[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
						    KVM_IRQCHIP_PIC_SLAVE;
		ue[n++].u.irqchip.pin = gsi % 8;
	}
	rt = vmon_routing_build(irq, ue, n, &err);
	kfree(ue);
	return rt;
}

long vmon_vm_set_gsi_routing(struct vmon_vm *vm, unsigned long arg)
{
	struct kvm_irq_routing __user *urt = (void __user *)arg;
	struct kvm_irq_routing_entry *ue = NULL;
	struct vmon_irq *irq = vmon_irq_chip(vm);
	struct vmon_irq_routing *rt;
	struct kvm_irq_routing hdr;
	int r;

	if (copy_from_user(&hdr, urt, sizeof(hdr)))
		return -EFAULT;
	if (!irq || hdr.nr > VMON_MAX_IRQ_ROUTES || hdr.flags)
		return -EINVAL;
	if (hdr.nr) {
		ue = vmemdup_user(urt->entries, array_size(sizeof(*ue),
							  hdr.nr));
		if (IS_ERR(ue))
			return PTR_ERR(ue);
	}
	rt = vmon_routing_build(irq, ue, hdr.nr, &r);
	kvfree(ue);
	if (!rt)
		return r;
	vmon_routing_publish(irq, rt);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Sending                                                           */

/* An MSI's address and data as an APIC-bus message (KVM's kvm_set_msi_irq). */
static void vmon_msi_decode(struct vmon_vm *vm, u32 address_lo, u32 address_hi,
			    u32 data, struct vmon_apic_irq *msg)
{
	*msg = (struct vmon_apic_irq) {
		.dest_id = FIELD_GET(MSI_ADDR_DEST_ID, address_lo),
		.dest_logical = address_lo & MSI_ADDR_DEST_LOGICAL,
		.shorthand = 0,		/* no shorthand */
		.delivery_mode = FIELD_GET(MSI_DATA_DELIVERY_MODE, data) << 8,
		.vector = FIELD_GET(MSI_DATA_VECTOR, data),
		/* The data's level bit is ignored: an MSI always asserts. */
		.level_assert = true,
		.trig_level = data & MSI_DATA_LEVEL,
	};
	/* KVM_X2APIC_API_USE_32BIT_IDS: address_hi 31:8 is dest 31:8. */
	if (vmon_x2apic_format(vm))
		msg->dest_id |= address_hi & 0xffffff00;

	/*
	 * The redirection hint asks for lowest-priority arbitration among
	 * the destinations; a fixed message so marked is delivered as KVM
	 * does, to one of them.
	 */
	if ((address_lo & MSI_ADDR_REDIR_HINT) &&
	    msg->delivery_mode == APIC_DM_FIXED)
		msg->delivery_mode = APIC_DM_LOWEST;
}

static int vmon_msi_send(struct vmon_vm *vm, u32 address_lo, u32 address_hi,
			 u32 data)
{
	struct vmon_apic_irq msg;

	vmon_msi_decode(vm, address_lo, address_hi, data, &msg);
	return vmon_apic_deliver(vm, NULL, &msg);
}

static int vmon_route_set(struct vmon_irq *irq,
			  const struct vmon_irq_route *r, int src, int level)
{
	if (r->type == KVM_IRQ_ROUTING_MSI) {
		/* KVM: such a route (32-bit ids enabled later) is ignored. */
		if (vmon_msi_invalid(irq->vm, r->msi.address_hi))
			return -1;
		/* An MSI is an edge: nothing to do when the line falls. */
		if (!level)
			return -1;
		return vmon_msi_send(irq->vm, r->msi.address_lo,
				     r->msi.address_hi, r->msi.data);
	}
	switch (r->irqchip.chip) {
	case KVM_IRQCHIP_PIC_MASTER:
		return vmon_pic_set_irq(irq->pic, r->irqchip.pin, src, level);
	case KVM_IRQCHIP_PIC_SLAVE:
		return vmon_pic_set_irq(irq->pic, r->irqchip.pin + 8, src,
					level);
	default:
		return vmon_ioapic_set_irq(irq->ioapic, r->irqchip.pin, src,
					   level);
	}
}

/*
 * KVM's status: the sum of the deliveries of every route, 0 if all were
 * coalesced, -1 if every route ignored it (or the GSI has no route).
 */
int vmon_irq_set(struct vmon_irq *irq, u32 gsi, int src, int level)
{
	const struct vmon_irq_routing *rt;
	int ret = -1, r;
	u32 i;

	rcu_read_lock();
	rt = rcu_dereference(irq->routing);
	for (i = vmon_route_first(rt, gsi); i < rt->nr && rt->e[i].gsi == gsi;
	     i++) {
		r = vmon_route_set(irq, &rt->e[i], src, level);
		if (r >= 0)
			ret = max(ret, 0) + r;
	}
	rcu_read_unlock();
	return ret;
}

/* Any context: does @gsi route to IOAPIC pin @pin (the PIT's ack)? */
bool vmon_irq_gsi_has_ioapic_pin(struct vmon_irq *irq, u32 gsi, u32 pin)
{
	const struct vmon_irq_routing *rt;
	bool found = false;
	u32 i;

	rcu_read_lock();
	rt = rcu_dereference(irq->routing);
	for (i = vmon_route_first(rt, gsi); i < rt->nr && rt->e[i].gsi == gsi;
	     i++) {
		const struct vmon_irq_route *e = &rt->e[i];

		if (e->type == KVM_IRQ_ROUTING_IRQCHIP &&
		    e->irqchip.chip == KVM_IRQCHIP_IOAPIC &&
		    e->irqchip.pin == pin)
			found = true;
	}
	rcu_read_unlock();
	return found;
}

bool vmon_irq_split_eoi_exit(struct vmon_irq *irq, struct vmon_vcpu *vcpu,
			     u8 vector)
{
	const struct vmon_irq_routing *rt;
	struct vmon_apic_irq msg;
	bool found = false;
	u32 i;

	/*
	 * KVM rescans these routes into a per-vCPU bitmap whenever the
	 * routing or an APIC's addressing changes; asking them at the EOI
	 * gives the same answer. Sorted by GSI: the reserved ones come first.
	 */
	rcu_read_lock();
	rt = rcu_dereference(irq->routing);
	for (i = 0; i < rt->nr && rt->e[i].gsi < irq->nr_reserved_ioapic_pins &&
	     !found; i++) {
		const struct vmon_irq_route *e = &rt->e[i];

		if (e->type != KVM_IRQ_ROUTING_MSI)
			continue;
		vmon_msi_decode(irq->vm, e->msi.address_lo, e->msi.address_hi,
				e->msi.data, &msg);
		found = msg.trig_level && msg.vector == vector &&
			vmon_lapic_msg_matches(vcpu, &msg);
	}
	rcu_read_unlock();
	return found;
}

static long vmon_irq_line(struct vmon_vm *vm, unsigned long arg, bool status)
{
	struct kvm_irq_level __user *uirq = (void __user *)arg;
	struct vmon_irq *irq = vmon_irq_chip(vm);
	struct kvm_irq_level line;

	if (copy_from_user(&line, uirq, sizeof(line)))
		return -EFAULT;
	if (!irq)
		return -ENXIO;
	line.status = vmon_irq_set(irq, line.irq, VMON_IRQ_SRC_USER,
				   line.level);
	if (status && copy_to_user(uirq, &line, sizeof(line)))
		return -EFAULT;
	return 0;
}

long vmon_vm_irq_line(struct vmon_vm *vm, unsigned long arg)
{
	return vmon_irq_line(vm, arg, false);
}

long vmon_vm_irq_line_status(struct vmon_vm *vm, unsigned long arg)
{
	return vmon_irq_line(vm, arg, true);
}

long vmon_vm_signal_msi(struct vmon_vm *vm, unsigned long arg)
{
	struct kvm_msi msi;

	if (copy_from_user(&msi, (void __user *)arg, sizeof(msi)))
		return -EFAULT;
	if (!vmon_irq_chip(vm) || (msi.flags & ~KVM_MSI_VALID_DEVID))
		return -EINVAL;
	if (vmon_msi_invalid(vm, msi.address_hi))
		return -EINVAL;
	/* As KVM: the delivery count, 0 if coalesced, -1 if no target. */
	return vmon_msi_send(vm, msi.address_lo, msi.address_hi, msi.data);
}

/* ---------------------------------------------------------------- */
/* The irqchip                                                       */

long vmon_vm_create_irqchip(struct vmon_vm *vm, unsigned long arg)
{
	struct vmon_irq_routing *rt;
	struct vmon_irq *irq;

	if (vmon_irq_chip(vm))
		return -EEXIST;
	/* Every vCPU needs a LAPIC from its creation on. */
	if (vm->nr_vcpus)
		return -EINVAL;
	irq = vmon_irq_get(vm);
	if (!irq)
		return -ENOMEM;
	rt = vmon_routing_default(irq);
	irq->pic = vmon_pic_create(vm);
	irq->ioapic = vmon_ioapic_create(vm);
	if (!rt || !irq->pic || !irq->ioapic) {
		kvfree(rt);
		if (irq->ioapic)
			vmon_ioapic_free(irq->ioapic);
		if (irq->pic)
			vmon_pic_free(irq->pic);
		irq->pic = NULL;
		irq->ioapic = NULL;
		return -ENOMEM;
	}
	rcu_assign_pointer(irq->routing, rt);
	/* The devices and routing are visible before anyone may use them. */
	smp_store_release(&irq->in_kernel, true);
	return 0;
}

/*
 * KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP), vm->lock held: the LAPICs only,
 * with an empty routing table (KVM's order of checks and errnos).
 */
long vmon_vm_enable_split_irqchip(struct vmon_vm *vm, u64 nr_reserved)
{
	struct vmon_irq_routing *rt;
	struct vmon_irq *irq;

	lockdep_assert_held(&vm->lock);
	if (nr_reserved > VMON_MAX_IRQ_ROUTES)
		return -EINVAL;
	if (vmon_irq_chip(vm) || vm->nr_vcpus)
		return -EEXIST;
	irq = vmon_irq_get(vm);
	if (!irq)
		return -ENOMEM;
	rt = kvzalloc(sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return -ENOMEM;
	irq->split = true;
	irq->nr_reserved_ioapic_pins = nr_reserved;
	rcu_assign_pointer(irq->routing, rt);
	/* The routing and mode are visible before anyone may use them. */
	smp_store_release(&irq->in_kernel, true);
	return 0;
}

bool vmon_irqchip_split(struct vmon_vm *vm)
{
	struct vmon_irq *irq = vmon_irq_chip(vm);

	return irq && irq->split;
}

/* KVM_GET_IRQCHIP / KVM_SET_IRQCHIP: one chip's state, by chip_id. */
static long vmon_vm_irqchip_state(struct vmon_vm *vm, unsigned long arg,
				  bool set)
{
	struct vmon_irq *irq = vmon_irq_chip(vm);
	struct kvm_irqchip *chip;
	long r = 0;

	chip = memdup_user((void __user *)arg, sizeof(*chip));
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	/* Only the full in-kernel irqchip has a PIC and an IOAPIC. */
	if (!irq || irq->split) {
		r = -ENXIO;
		goto out;
	}
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		if (set)
			vmon_pic_set_state(irq->pic, chip->chip_id,
					   &chip->chip.pic);
		else
			vmon_pic_get_state(irq->pic, chip->chip_id,
					   &chip->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		if (set)
			vmon_ioapic_set_state(irq->ioapic, &chip->chip.ioapic);
		else
			vmon_ioapic_get_state(irq->ioapic, &chip->chip.ioapic);
		break;
	default:
		r = -EINVAL;
		goto out;
	}
	if (!set && copy_to_user((void __user *)arg, chip, sizeof(*chip)))
		r = -EFAULT;
out:
	kfree(chip);
	return r;
}

long vmon_vm_get_irqchip(struct vmon_vm *vm, unsigned long arg)
{
	return vmon_vm_irqchip_state(vm, arg, false);
}

long vmon_vm_set_irqchip(struct vmon_vm *vm, unsigned long arg)
{
	return vmon_vm_irqchip_state(vm, arg, true);
}

/* ---------------------------------------------------------------- */
/* Teardown                                                          */

/*
 * The last reference to the VM is gone: no vCPU thread and no ioctl is
 * left. irqfds can still fire from their eventfds until they are
 * unhooked, so they go first, while the devices they drive still exist.
 */
void vmon_irqchip_destroy(struct vmon_vm *vm)
{
	struct vmon_irq *irq = vm->irq;

	if (!irq)
		return;
	vmon_irqfd_release_all(irq);
	destroy_workqueue(irq->irqfd_wq);
	vmon_ioeventfd_free_all(irq);
	/* Its tick work drives the chips: stopped before they go. */
	vmon_pit_free(irq->pit);
	WRITE_ONCE(vm->irq, NULL);
	if (irq->ioapic)
		vmon_ioapic_free(irq->ioapic);
	if (irq->pic)
		vmon_pic_free(irq->pic);
	kvfree(rcu_dereference_protected(irq->routing, true));
	kfree(irq);
}
