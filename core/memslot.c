// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory slots (KVM_SET_USER_MEMORY_REGION) and guest-physical
 * access through them.
 *
 * Readers (the nested page fault path, instruction fetch, string I/O) run
 * under vm->srcu and see an immutable sorted array. Writers hold
 * vm->slots_lock. Deleting or moving a slot first zaps its range and
 * holds off nested page faults (vmon_tdp_slot_change_begin), then
 * publishes the new array and waits for every reader of the old one
 * (synchronize_srcu), then lets faults in again: no fault can install a
 * translation taken from the old slot, and the mmu notifier never has to
 * find a range that is no longer in the published set.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/processor.h>
#include "vmon.h"

/* KVM's limit: a slot's page count must fit in 31 bits. */
#define VMON_MEM_MAX_NR_PAGES	((1UL << 31) - 1)

/*
 * Highest guest frame the nested page tables can map: the host's physical
 * address width, and no more than the table depth reaches.
 */
static u64 vmon_max_gfn(struct vmon_vm *vm)
{
	int bits = min_t(int, boot_cpu_data.x86_phys_bits,
			 PAGE_SHIFT + 9 * vm->tdp.fmt->levels);

	return (1ULL << (bits - PAGE_SHIFT)) - 1;
}

static struct vmon_memslots *vmon_slots_alloc(int nr)
{
	return kvzalloc(struct_size_t(struct vmon_memslots, slots, nr),
			GFP_KERNEL_ACCOUNT);
}

int vmon_memslots_init(struct vmon_vm *vm)
{
	struct vmon_memslots *s = vmon_slots_alloc(0);

	if (!s)
		return -ENOMEM;
	RCU_INIT_POINTER(vm->slots, s);
	return 0;
}

void vmon_memslots_free(struct vmon_vm *vm)
{
	kvfree(rcu_dereference_protected(vm->slots, 1));
}

static struct vmon_memslots *vmon_slots(struct vmon_vm *vm)
{
	return srcu_dereference_check(vm->slots, &vm->srcu,
				      lockdep_is_held(&vm->slots_lock));
}

struct vmon_memslot *vmon_gfn_to_memslot(struct vmon_vm *vm, u64 gfn)
{
	struct vmon_memslots *s = vmon_slots(vm);
	int lo = 0, hi = s->nr - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		struct vmon_memslot *m = &s->slots[mid];

		if (gfn < m->base_gfn)
			hi = mid - 1;
		else if (gfn >= m->base_gfn + m->npages)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

static struct vmon_memslot *vmon_id_to_memslot(struct vmon_memslots *s,
					       u32 id)
{
	int i;

	for (i = 0; i < s->nr; i++)
		if (s->slots[i].id == id)
			return &s->slots[i];
	return NULL;
}

static bool vmon_slots_overlap(struct vmon_memslots *s, u32 skip_id,
			       u64 gfn, u64 npages)
{
	int i;

	for (i = 0; i < s->nr; i++) {
		struct vmon_memslot *m = &s->slots[i];

		if (m->id == skip_id)
			continue;
		if (gfn < m->base_gfn + m->npages && m->base_gfn < gfn + npages)
			return true;
	}
	return false;
}

/* New array = old minus slot @del_id, plus @add (if any), sorted by gfn. */
static struct vmon_memslots *vmon_slots_rebuild(struct vmon_memslots *old,
						int del_id,
						const struct vmon_memslot *add)
{
	struct vmon_memslots *s = vmon_slots_alloc(old->nr + 1);
	int i, n = 0;
	bool placed = !add;

	if (!s)
		return NULL;
	for (i = 0; i < old->nr; i++) {
		if ((int)old->slots[i].id == del_id)
			continue;
		if (!placed && add->base_gfn < old->slots[i].base_gfn) {
			s->slots[n++] = *add;
			placed = true;
		}
		s->slots[n++] = old->slots[i];
	}
	if (!placed)
		s->slots[n++] = *add;
	s->nr = n;
	return s;
}

/* Called with vm->slots_lock held (ioctl table policy). */
long vmon_set_user_memory_region(struct vmon_vm *vm, unsigned long arg)
{
	struct kvm_userspace_memory_region mem;
	struct vmon_memslots *old, *new;
	struct vmon_memslot *cur, add;
	u32 as_id, id;
	u64 npages, gfn;
	bool zap = false;
	u64 zap_gfn = 0, zap_npages = 0;

	if (copy_from_user(&mem, (void __user *)arg, sizeof(mem)))
		return -EFAULT;

	/* The same checks, in the same order, as KVM. */
	if (mem.flags & ~KVM_MEM_READONLY)
		return -EINVAL;	/* no dirty logging in vmon (documented) */
	as_id = mem.slot >> 16;
	id = (u16)mem.slot;
	if ((mem.memory_size & (PAGE_SIZE - 1)) ||
	    mem.guest_phys_addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if ((mem.userspace_addr & (PAGE_SIZE - 1)) ||
	    mem.userspace_addr != untagged_addr(mem.userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)mem.userspace_addr,
		       mem.memory_size))
		return -EINVAL;
	if (as_id != 0 || id >= VMON_MAX_MEMSLOTS)
		return -EINVAL;
	if (mem.guest_phys_addr + mem.memory_size < mem.guest_phys_addr)
		return -EINVAL;
	npages = mem.memory_size >> PAGE_SHIFT;
	if (npages > VMON_MEM_MAX_NR_PAGES)
		return -EINVAL;

	old = rcu_dereference_protected(vm->slots,
					lockdep_is_held(&vm->slots_lock));
	cur = vmon_id_to_memslot(old, id);
	gfn = mem.guest_phys_addr >> PAGE_SHIFT;

	if (!npages) {
		if (!cur)
			return -EINVAL;
		new = vmon_slots_rebuild(old, id, NULL);
		zap = true;
	} else {
		if (cur) {
			if (mem.userspace_addr != cur->hva ||
			    npages != cur->npages ||
			    ((mem.flags ^ cur->flags) & KVM_MEM_READONLY))
				return -EINVAL;
			if (gfn == cur->base_gfn)
				return 0;	/* nothing changes */
			zap = true;		/* a move */
		}
		/* As KVM's arch check: the slot must be mappable. */
		if (gfn + npages - 1 > vmon_max_gfn(vm))
			return -EINVAL;
		if (vmon_slots_overlap(old, id, gfn, npages))
			return -EEXIST;
		add = (struct vmon_memslot) {
			.id = id, .flags = mem.flags, .base_gfn = gfn,
			.npages = npages,
			.hva = (unsigned long)mem.userspace_addr,
		};
		new = vmon_slots_rebuild(old, cur ? (int)id : -1, &add);
	}
	if (!new)
		return -ENOMEM;
	if (zap) {
		zap_gfn = cur->base_gfn;
		zap_npages = cur->npages;
	}

	if (zap)
		vmon_tdp_slot_change_begin(vm, zap_gfn, zap_npages);
	rcu_assign_pointer(vm->slots, new);
	synchronize_srcu(&vm->srcu);
	if (zap)
		vmon_tdp_slot_change_end(vm);
	kvfree(old);
	return 0;
}

/* Copy a range that lies in guest-physical memory, slot by slot. */
static int vmon_guest_copy(struct vmon_vm *vm, u64 gpa, void *data,
			   unsigned long len, bool write)
{
	while (len) {
		struct vmon_memslot *m = vmon_gfn_to_memslot(vm,
							     gpa >> PAGE_SHIFT);
		unsigned long off = offset_in_page(gpa);
		unsigned long n = min(len, PAGE_SIZE - off);
		void __user *hva;

		if (!m || (write && (m->flags & KVM_MEM_READONLY)))
			return -EFAULT;
		hva = (void __user *)(m->hva +
			(((gpa >> PAGE_SHIFT) - m->base_gfn) << PAGE_SHIFT) + off);
		if (write ? copy_to_user(hva, data, n) :
			    copy_from_user(data, hva, n))
			return -EFAULT;
		gpa += n;
		data += n;
		len -= n;
	}
	return 0;
}

int vmon_read_guest(struct vmon_vm *vm, u64 gpa, void *data,
		    unsigned long len)
{
	return vmon_guest_copy(vm, gpa, data, len, false);
}

int vmon_write_guest(struct vmon_vm *vm, u64 gpa, const void *data,
		     unsigned long len)
{
	return vmon_guest_copy(vm, gpa, (void *)data, len, true);
}
