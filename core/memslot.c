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
	struct vmon_memslots *s = rcu_dereference_protected(vm->slots, 1);
	int i;

	for (i = 0; s && i < s->nr; i++)
		kvfree(s->slots[i].dirty_bitmap);
	kvfree(s);
}

/* Bytes in one of a slot's two dirty bitmaps, as KVM's. */
static unsigned long vmon_dirty_bitmap_bytes(const struct vmon_memslot *m)
{
	return ALIGN(m->npages, BITS_PER_LONG) / 8;
}

/*
 * The log and, behind it, KVM_GET_DIRTY_LOG's snapshot buffer. With
 * KVM_DIRTY_LOG_INITIALLY_SET every page starts dirty, as in KVM.
 */
static unsigned long *vmon_dirty_bitmap_alloc(struct vmon_vm *vm, u64 npages)
{
	unsigned long bytes = ALIGN(npages, BITS_PER_LONG) / 8;
	unsigned long *b = kvzalloc(2 * bytes, GFP_KERNEL_ACCOUNT);

	if (b && (READ_ONCE(vm->manual_dirty_log_protect) &
		  KVM_DIRTY_LOG_INITIALLY_SET))
		bitmap_set(b, 0, npages);
	return b;
}

/* KVM's mark_page_dirty: caller holds vm->srcu (or slots_lock). */
static void vmon_mark_page_dirty(struct vmon_memslot *m, u64 gfn)
{
	if (m->dirty_bitmap)
		set_bit(gfn - m->base_gfn, m->dirty_bitmap);
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
	unsigned long *old_bm = NULL, *bm = NULL;
	u32 as_id, id;
	u64 npages, gfn;
	bool zap = false, wrprot = false;
	u64 zap_gfn = 0, zap_npages = 0;

	if (copy_from_user(&mem, (void __user *)arg, sizeof(mem)))
		return -EFAULT;

	/* The same checks, in the same order, as KVM. */
	if (mem.flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
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

	if (cur)
		old_bm = cur->dirty_bitmap;
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
			if (gfn != cur->base_gfn)
				zap = true;	/* a move */
			else if (mem.flags == cur->flags)
				return 0;	/* nothing changes */
			/* else a flags-only change: dirty logging on/off */
		}
		/* As KVM's arch check: the slot must be mappable. */
		if (gfn + npages - 1 > vmon_max_gfn(vm))
			return -EINVAL;
		if (vmon_slots_overlap(old, id, gfn, npages))
			return -EEXIST;
		/* A logged slot keeps its log across moves, as in KVM. */
		if (mem.flags & KVM_MEM_LOG_DIRTY_PAGES) {
			bm = old_bm;
			if (!bm) {
				bm = vmon_dirty_bitmap_alloc(vm, npages);
				if (!bm)
					return -ENOMEM;
				/* Pages mapped writable before now. */
				wrprot = cur && !zap;
			}
		}
		add = (struct vmon_memslot) {
			.id = id, .flags = mem.flags, .base_gfn = gfn,
			.npages = npages,
			.hva = (unsigned long)mem.userspace_addr,
			.dirty_bitmap = bm,
		};
		new = vmon_slots_rebuild(old, cur ? (int)id : -1, &add);
	}
	if (!new) {
		if (bm != old_bm)
			kvfree(bm);
		return -ENOMEM;
	}
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
	/*
	 * Logging on for a live slot: every fault from here on sees the
	 * log (synchronize_srcu above), so write-protecting what was mapped
	 * before leaves no writable leaf behind whose writes go unlogged.
	 */
	if (wrprot)
		vmon_tdp_wrprot_range(vm, gfn, npages);
	/* No reader of the old set (faults, guest writes) is left. */
	if (old_bm != bm)
		kvfree(old_bm);
	kvfree(old);
	return 0;
}

/*
 * KVM x86's slot space: two address spaces (the second is SMM's) of
 * KVM_USER_MEM_SLOTS ids each. A dirty-log ioctl on an id inside it that
 * vmon cannot create (SMM, ids from VMON_MAX_MEMSLOTS) names no slot.
 */
#define VMON_KVM_ADDRESS_SPACES		2
#define VMON_KVM_USER_MEM_SLOTS		32764

static bool vmon_dirty_log_slot_valid(u32 slot)
{
	return (slot >> 16) < VMON_KVM_ADDRESS_SPACES &&
	       (u16)slot < VMON_KVM_USER_MEM_SLOTS;
}

/*
 * The slot behind a dirty-log ioctl's slot field, with KVM's errnos:
 * EINVAL for an address space or id out of range, ENOENT for no slot or
 * a slot without KVM_MEM_LOG_DIRTY_PAGES. Under slots_lock.
 */
static int vmon_dirty_log_slot(struct vmon_vm *vm, u32 slot,
			       struct vmon_memslot **out)
{
	struct vmon_memslots *s = rcu_dereference_protected(vm->slots,
					lockdep_is_held(&vm->slots_lock));
	struct vmon_memslot *m;

	if (!vmon_dirty_log_slot_valid(slot))
		return -EINVAL;
	if ((slot >> 16) != 0)
		return -ENOENT;
	m = vmon_id_to_memslot(s, (u16)slot);
	if (!m || !m->dirty_bitmap)
		return -ENOENT;
	*out = m;
	return 0;
}

/*
 * KVM_GET_DIRTY_LOG, under slots_lock (which orders it against slot
 * changes and KVM_CLEAR_DIRTY_LOG).
 *
 * Without manual protection each word of the log is taken (xchg) and its
 * pages write-protected under mmu_lock, then every vCPU TLB is flushed,
 * and only then are the bits copied out. A write that lands after its bit
 * was taken either happens before the flush (so before this returns, and
 * userspace's copy of the page, made after, sees it) or faults on the
 * write-protected leaf and sets the bit again for the next call: no write
 * is ever lost. A fault sets the bit before it makes the leaf writable,
 * and vmon's own writes set it after writing, so neither can slip between
 * the xchg and the write protection unseen.
 *
 * With KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE the log is only copied out;
 * KVM_CLEAR_DIRTY_LOG takes bits and protects pages.
 */
long vmon_get_dirty_log(struct vmon_vm *vm, unsigned long arg)
{
	struct kvm_dirty_log log;
	struct vmon_memslot *m;
	unsigned long *buf, n, i;
	bool flush = false;
	int r;

	if (copy_from_user(&log, (void __user *)arg, sizeof(log)))
		return -EFAULT;
	r = vmon_dirty_log_slot(vm, log.slot, &m);
	if (r)
		return r;
	n = vmon_dirty_bitmap_bytes(m);

	if (READ_ONCE(vm->manual_dirty_log_protect)) {
		buf = m->dirty_bitmap;
	} else {
		buf = m->dirty_bitmap + n / sizeof(long);
		memset(buf, 0, n);
		spin_lock(&vm->mmu_lock);
		for (i = 0; i < n / sizeof(long); i++) {
			unsigned long mask;

			if (!READ_ONCE(m->dirty_bitmap[i]))
				continue;
			mask = xchg(&m->dirty_bitmap[i], 0);
			buf[i] = mask;
			flush |= vmon_tdp_wrprot_mask_locked(vm,
				m->base_gfn + i * BITS_PER_LONG, mask);
		}
		if (flush)
			vmon_flush_remote_tlbs(vm);
		spin_unlock(&vm->mmu_lock);
	}
	if (copy_to_user(log.dirty_bitmap, buf, n))
		return -EFAULT;
	return 0;
}

/*
 * KVM_CLEAR_DIRTY_LOG, under slots_lock: clear the bits userspace passes
 * (those it has collected) and write-protect their pages, flushing before
 * return. first_page must be a multiple of 64, num_pages too unless the
 * range runs to the end of the slot, as in KVM. Only bits that were set
 * are cleared (fetch_andnot), so a bit a fault set again meanwhile for a
 * page userspace did not ask about stays.
 */
long vmon_clear_dirty_log(struct vmon_vm *vm, unsigned long arg)
{
	struct kvm_clear_dirty_log log;
	struct vmon_memslot *m;
	unsigned long *buf, n, i, words;
	bool flush = false;
	u64 off;
	int r;

	if (copy_from_user(&log, (void __user *)arg, sizeof(log)))
		return -EFAULT;
	if (!vmon_dirty_log_slot_valid(log.slot))
		return -EINVAL;
	if (log.first_page & 63)
		return -EINVAL;
	r = vmon_dirty_log_slot(vm, log.slot, &m);
	if (r)
		return r;
	if (log.first_page > m->npages ||
	    log.num_pages > m->npages - log.first_page ||
	    (log.num_pages < m->npages - log.first_page &&
	     (log.num_pages & 63)))
		return -EINVAL;

	words = DIV_ROUND_UP(log.num_pages, BITS_PER_LONG);
	n = words * sizeof(long);
	buf = m->dirty_bitmap + vmon_dirty_bitmap_bytes(m) / sizeof(long);
	if (copy_from_user(buf, log.dirty_bitmap, n))
		return -EFAULT;

	spin_lock(&vm->mmu_lock);
	for (i = 0, off = log.first_page; i < words;
	     i++, off += BITS_PER_LONG) {
		unsigned long *p = &m->dirty_bitmap[off / BITS_PER_LONG];
		unsigned long mask = buf[i];

		if (!mask)
			continue;
		/* Bits past the slot's end are never set in the log. */
		mask &= atomic_long_fetch_andnot(mask, (atomic_long_t *)p);
		if (mask)
			flush |= vmon_tdp_wrprot_mask_locked(vm,
						m->base_gfn + off, mask);
	}
	if (flush)
		vmon_flush_remote_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
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
		/* After the write, so a collection in between sees it later. */
		if (write)
			vmon_mark_page_dirty(m, gpa >> PAGE_SHIFT);
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

/*
 * Every write vmon makes into guest memory on the guest's behalf
 * (emulated instructions, task switches, ...) comes here and is logged
 * as KVM's kvm_write_guest() does. Caller holds vm->srcu.
 */
int vmon_write_guest(struct vmon_vm *vm, u64 gpa, const void *data,
		     unsigned long len)
{
	return vmon_guest_copy(vm, gpa, (void *)data, len, true);
}
