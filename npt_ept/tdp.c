// SPDX-License-Identifier: GPL-2.0
/*
 * Two-dimensional paging, the vendor-neutral half: one table tree per VM
 * (vm->tdp), filled on demand from nested page faults, kept coherent with
 * the creator's address space through an mmu notifier. The entry format is
 * the only vendor part (npt.c, ept.c); the hardware TLB invalidation is the
 * backend's flush_tlb(), reached through vmon_flush_remote_tlbs().
 *
 * Shape of the tree
 *   4 KiB leaves only (huge pages are future work), so every level above 1
 *   holds table pointers. Table pages are never freed while the VM lives:
 *   zapping clears leaves and keeps the tables, which are freed only by
 *   vmon_tdp_destroy(). Two things rely on it: a lockless walk may follow
 *   any table pointer it reads (tdp_missing_tables()), and no hardware
 *   page-walk cache can hold a pointer to a freed page, so zapping a leaf
 *   needs one TLB flush and nothing more. The cost is at most one 4 KiB
 *   table per 2 MiB of guest-physical space ever touched.
 *
 * No long-term pins
 *   A fault looks the page up with GUP, installs its pfn and drops the
 *   reference at once. This is safe because the mm calls
 *   invalidate_range_start() before it unmaps, migrates, swaps or frees a
 *   page, and that callback removes our mapping (and flushes) before it
 *   returns. The price is the race below.
 *
 * The fault/invalidate race
 *   A fault learns the pfn without holding anything that stops the mm from
 *   changing the host PTE right after, so the pfn may be stale by the time
 *   mmu_lock is taken. Two counters, both written under mmu_lock, make the
 *   fault notice that and retry instead of installing a stale pfn:
 *
 *   - mmu_invalidate_in_progress: raised by invalidate_range_start() (in
 *     the same critical section that zaps the range), lowered by
 *     invalidate_range_end(). Non-zero means the mm may be between
 *     "secondary mappings gone" and "host PTE changed": nothing may be
 *     installed.
 *   - mmu_invalidate_seq: bumped by invalidate_range_end(), after the host
 *     PTEs changed. A fault samples it before GUP.
 *
 *   Under mmu_lock the fault installs only if in_progress == 0 and seq is
 *   still its sample. If an invalidation overlapped the fault in any way,
 *   either its start/end pair is still open (in_progress) or its end has
 *   already bumped seq past the sample; if the invalidation is entirely
 *   before the sample, GUP ran after the host PTE changed (the sample is
 *   read before GUP, smp_rmb, and x86 orders the mm's PTE store before the
 *   seq store) and saw the new page; if it starts after the fault's
 *   critical section, its start zaps what the fault installed. Only whole
 *   VM granularity is tracked, not the range: a fault anywhere retries while
 *   any invalidation of the process is open (KVM narrows this to the range;
 *   future work, it costs a few extra guest entries, not correctness).
 *
 *   A retry just re-enters the guest, which faults again. A FOLL_WRITE GUP
 *   that breaks COW runs an invalidation of its own, so the first write to
 *   a COW page takes two faults.
 *
 * Dirty pages
 *   The guest writes through the nested tables, never through the host
 *   PTE, so the host PTE's dirty bit knows nothing of guest writes. A page
 *   whose host PTE is writable but clean (shmem read-faulted or mapped
 *   with MAP_POPULATE, anonymous memory after MADV_FREE) would look clean
 *   to reclaim and be dropped with everything the guest wrote. So every
 *   writable leaf counts as dirty: clearing or replacing one sets PG_dirty
 *   on its page (tdp_leaf_gone(); SetPageDirty as KVM's
 *   kvm_set_pfn_dirty(), skipping PageReserved pages, which in 6.1 covers
 *   ZONE_DEVICE too). It happens under mmu_lock in the zap itself, so
 *   before the notifier returns, which is before the mm tests the flag
 *   (try_to_unmap for MADV_FREE pages, shrink_folio_list for the rest).
 *   Every path that clears a leaf goes through tdp_zap_table() (notifier
 *   start, change_pte, release, memslot changes, the core's zaps; VM
 *   teardown zaps everything through release before freeing the tables),
 *   and the fault's pfn replacement calls tdp_leaf_gone() itself, as does
 *   dirty logging's write protection (tdp_wrprot_gfn_locked()), which
 *   turns a writable leaf read-only without clearing it.
 *
 *   Why not the hardware dirty bit: NPT has one, EPT only when the EPTP
 *   enables A/D, which vmon does not. One rule for both formats, that
 *   does not depend on the CPU (or an emulator) setting D, is the rule
 *   KVM applies where it runs without A/D bits. The cost: vmon maps
 *   writable slots writable on reads too (not slots that log dirty
 *   pages: there a read maps read-only, and only a write fault makes the
 *   leaf writable, after setting the page's bit), so a page the guest
 *   only read is written back (or kept, after MADV_FREE) as if written.
 *   vmon uses neither the accessed nor the dirty bit: it never sets,
 *   reads or clears them.
 *
 * Flushing
 *   Every zap that cleared a present leaf, and every replacement of a
 *   leaf's pfn, calls vmon_flush_remote_tlbs() before mmu_lock is dropped.
 *   Flushing after unlocking would be wrong: a second zapper of the same
 *   range would find the leaf already clear, skip its flush and return
 *   (letting the mm free the page) while a vCPU TLB still maps it. The
 *   flush only spins (IPI + wait for vCPUs to leave guest mode), so it is
 *   allowed under the spinlock and in non-blockable notifier contexts.
 *   Write protection for dirty logging is a narrowing too: its caller
 *   flushes before it reports the pages clean (vmon_get_dirty_log()).
 *   Permission upgrades of a present leaf (read-only to writable, same
 *   pfn) are not flushed: a stale read-only translation only causes one
 *   more fault, which finds the entry already upgraded.
 *
 * Locks, outermost first
 *   mmap_lock / rmap locks / PTL (the mm, around notifier calls)
 *   -> vm->srcu read side (memslot snapshot)
 *   -> vm->mmu_lock (tables, the two counters, nr_tables)
 *   -> vmon_flush_remote_tlbs() (waits for vCPUs; takes no lock of ours)
 *   Nothing sleeps under mmu_lock and nothing takes it with IRQs off; the
 *   fault does GUP and page allocation before taking it.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pfn.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/srcu.h>
#include "vmon.h"
#include "tdp_internal.h"

/* Table pages allocated before mmu_lock for one fault. */
struct tdp_table_cache {
	int nr;
	void *pages[VMON_TDP_MAX_LEVELS - 1];
};

static u64 *tdp_table_va(const struct vmon_tdp_format *fmt, u64 pte)
{
	return __va(fmt->pte_pa(pte));
}

/*
 * @pte, a present leaf, is being cleared or replaced. If it was writable
 * the guest may have written its page behind the host PTE's back: mark
 * the page dirty (see "Dirty pages" above). The page is still alive: the
 * mm frees or reuses it only after the notifier has zapped this leaf.
 */
static void tdp_leaf_gone(const struct vmon_tdp_format *fmt, u64 pte)
{
	unsigned long pfn = PHYS_PFN(fmt->pte_pa(pte));
	struct page *page;

	if (!(pte & TDP_PTE_WRITABLE) || !pfn_valid(pfn))
		return;
	page = pfn_to_page(pfn);
	/* Reserved pages (ZONE_DEVICE too) are their owner's to mark. */
	if (!PageReserved(page))
		SetPageDirty(page);
}

/*
 * Clear the present leaves covering frames [start, end) below @table, a
 * level-@level table, passing on their dirtiness. Returns true if any was
 * present (a flush is due). Table pages stay (see the top of the file).
 */
static bool tdp_zap_table(struct vmon_vm *vm, u64 *table, int level,
			  u64 start, u64 end)
{
	const struct vmon_tdp_format *fmt = vm->tdp.fmt;
	bool zapped = false;
	u64 gfn = start;

	lockdep_assert_held(&vm->mmu_lock);

	while (gfn < end) {
		u64 next = min(tdp_next_boundary(gfn, level), end);
		u64 *ptep = &table[tdp_index(gfn, level)];
		u64 pte = READ_ONCE(*ptep);

		if (fmt->is_present(pte)) {
			if (level == 1) {
				/*
				 * A plain store: the hardware may set A/D in
				 * this entry concurrently, and vmon uses
				 * neither, so losing them is fine. W is ours,
				 * stable under mmu_lock.
				 */
				WRITE_ONCE(*ptep, 0);
				tdp_leaf_gone(fmt, pte);
				zapped = true;
			} else {
				zapped |= tdp_zap_table(vm,
							tdp_table_va(fmt, pte),
							level - 1, gfn, next);
			}
		}
		gfn = next;
	}
	return zapped;
}

/* Zap [start, end) in frames, clamped to what the tree can map. */
static bool tdp_zap_gfn_range_locked(struct vmon_vm *vm, u64 start, u64 end)
	__must_hold(&vm->mmu_lock)
{
	int levels = vm->tdp.fmt->levels;

	end = min(end, tdp_max_gfn(levels));
	if (start >= end)
		return false;
	return tdp_zap_table(vm, vm->tdp.root, levels, start, end);
}

static bool tdp_zap_all_locked(struct vmon_vm *vm)
	__must_hold(&vm->mmu_lock)
{
	return tdp_zap_gfn_range_locked(vm, 0, tdp_max_gfn(vm->tdp.fmt->levels));
}

/*
 * Zap every frame backed by host virtual addresses [start, end).
 * Caller holds mmu_lock and the vm->srcu read side (the slot snapshot).
 * Slots may alias one hva range, so every slot is checked, not just the
 * first match.
 */
static bool tdp_zap_hva_range_locked(struct vmon_vm *vm, unsigned long start,
				     unsigned long end)
	__must_hold(&vm->mmu_lock)
{
	struct vmon_memslots *slots = srcu_dereference(vm->slots, &vm->srcu);
	bool zapped = false;
	int i;

	if (!slots)
		return false;

	for (i = 0; i < slots->nr; i++) {
		const struct vmon_memslot *slot = &slots->slots[i];
		unsigned long s_end = slot->hva + (slot->npages << PAGE_SHIFT);
		unsigned long lo = max(start, slot->hva);
		unsigned long hi = min(end, s_end);

		if (lo >= hi)
			continue;
		zapped |= tdp_zap_gfn_range_locked(vm,
			slot->base_gfn + ((lo - slot->hva) >> PAGE_SHIFT),
			slot->base_gfn +
				((hi - slot->hva + PAGE_SIZE - 1) >> PAGE_SHIFT));
	}
	return zapped;
}

/* ---------------------------------------------------------------- */
/* Fault                                                             */

/*
 * How many table pages installing @gfn's leaf still needs. Lockless:
 * table pointers only ever go from absent to present while the VM lives,
 * so the answer can only shrink before the fault takes mmu_lock.
 */
static int tdp_missing_tables(struct vmon_tdp *tdp, u64 gfn)
{
	const struct vmon_tdp_format *fmt = tdp->fmt;
	u64 *table = tdp->root;
	int level;

	for (level = fmt->levels; level > 1; level--) {
		u64 pte = READ_ONCE(table[tdp_index(gfn, level)]);

		if (!fmt->is_present(pte))
			return level - 1;
		table = tdp_table_va(fmt, pte);
	}
	return 0;
}

static int tdp_cache_topup(struct tdp_table_cache *cache, int nr)
{
	while (cache->nr < nr) {
		unsigned long page = get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!page)
			return -ENOMEM;
		cache->pages[cache->nr++] = (void *)page;
	}
	return 0;
}

static void tdp_cache_free(struct tdp_table_cache *cache)
{
	while (cache->nr)
		free_page((unsigned long)cache->pages[--cache->nr]);
}

/*
 * Walk to @gfn's leaf entry, linking tables from @cache where missing.
 * Returns NULL only if the cache ran dry, which tdp_missing_tables()
 * rules out.
 */
static u64 *tdp_walk_alloc_locked(struct vmon_vm *vm, u64 gfn,
				  struct tdp_table_cache *cache)
	__must_hold(&vm->mmu_lock)
{
	struct vmon_tdp *tdp = &vm->tdp;
	const struct vmon_tdp_format *fmt = tdp->fmt;
	u64 *table = tdp->root;
	int level;

	for (level = fmt->levels; level > 1; level--) {
		u64 *ptep = &table[tdp_index(gfn, level)];
		u64 pte = READ_ONCE(*ptep);

		if (fmt->is_present(pte)) {
			table = tdp_table_va(fmt, pte);
			continue;
		}
		if (WARN_ON_ONCE(!cache->nr))
			return NULL;
		/*
		 * The page was zeroed before mmu_lock was taken; x86 keeps
		 * stores in order, so a walker (CPU or hardware) that sees
		 * the link sees the zeroes.
		 */
		table = cache->pages[--cache->nr];
		WRITE_ONCE(*ptep, fmt->make_table(__pa(table)));
		tdp->nr_tables++;
	}
	return &table[tdp_index(gfn, 1)];
}

/*
 * Find the page behind @hva. A writable slot is looked up for writing even
 * on a read, so the guest gets a writable mapping at once (breaking COW,
 * and allocating on a read of never-touched memory): one fault per page
 * instead of two. If the host mapping itself is read-only, a read still
 * succeeds with a read-only leaf (*writable cleared) and a later write
 * fails with -EFAULT, as in KVM.
 */
static int tdp_get_page(unsigned long hva, bool write, bool *writable,
			struct page **page)
{
	int ret;

	if (*writable) {
		ret = get_user_pages_fast(hva, 1, FOLL_WRITE, page);
		if (ret == 1)
			return 0;
		if (ret != -EFAULT || write)
			return ret < 0 ? ret : -EFAULT;
		*writable = false;
	}
	ret = get_user_pages_fast(hva, 1, 0, page);
	if (ret == 1)
		return 0;
	return ret < 0 ? ret : -EFAULT;
}

/*
 * The caller holds the vm->srcu read side for the whole call: the slot
 * found here must stay the published one until the leaf is installed,
 * which is what lets a memslot DELETE/MOVE (synchronize_srcu, then zap)
 * catch every mapping made from the old slot. @exec is not used: leaves
 * are always executable (the guest's own NX still applies).
 */
int vmon_tdp_fault(struct vmon_vcpu *vcpu, u64 gpa, bool write, bool exec)
{
	struct vmon_vm *vm = vcpu->vm;
	struct vmon_tdp *tdp = &vm->tdp;
	const struct vmon_tdp_format *fmt = tdp->fmt;
	struct tdp_table_cache cache = { .nr = 0 };
	u64 gfn = gpa >> PAGE_SHIFT;
	struct vmon_memslot *slot;
	unsigned long hva, seq;
	struct page *page;
	u64 *ptep, old, new, pfn;
	bool writable;
	int ret;

	RCU_LOCKDEP_WARN(!srcu_read_lock_held(&vm->srcu),
			 "TDP fault without vm->srcu");

	/* Beyond the tree's reach: no slot can be there either. */
	if (gfn >= tdp_max_gfn(fmt->levels))
		return VMON_TDP_MMIO;
	slot = vmon_gfn_to_memslot(vm, gfn);
	if (!slot)
		return VMON_TDP_MMIO;
	writable = !(slot->flags & KVM_MEM_READONLY);
	if (write && !writable)
		return VMON_TDP_MMIO;
	/*
	 * GUP works on current->mm, the notifier watches vm->mm: mapping a
	 * page of any other mm would escape invalidation entirely.
	 */
	if (current->mm != vm->mm)
		return -EFAULT;
	hva = slot->hva + ((gfn - slot->base_gfn) << PAGE_SHIFT);

	ret = tdp_cache_topup(&cache, tdp_missing_tables(tdp, gfn));
	if (ret)
		goto out_free;

	seq = READ_ONCE(vm->mmu_invalidate_seq);
	/* seq before GUP's PTE reads; the mm does PTE change, then seq++. */
	smp_rmb();

	ret = tdp_get_page(hva, write, &writable, &page);
	if (ret)
		goto out_free;

	spin_lock(&vm->mmu_lock);
	if (vm->mmu_invalidate_in_progress || vm->mmu_invalidate_seq != seq) {
		ret = VMON_TDP_RETRY;
		goto out_unlock;
	}
	ptep = tdp_walk_alloc_locked(vm, gfn, &cache);
	if (!ptep) {
		ret = VMON_TDP_RETRY;
		goto out_unlock;
	}

	/*
	 * A logged slot maps writable only on a write, and sets the page's
	 * bit before the writable leaf is visible: a page that can be
	 * written without a fault always has its bit set, or a collection
	 * that took the bit is about to write-protect it (see
	 * vmon_get_dirty_log()).
	 */
	if (slot->dirty_bitmap) {
		if (!write)
			writable = false;
		else if (writable)
			set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
	}
	pfn = page_to_pfn(page);
	new = fmt->make_leaf(pfn, writable, true);
	old = READ_ONCE(*ptep);
	if (!fmt->is_present(old)) {
		WRITE_ONCE(*ptep, new);
	} else if (fmt->pte_pa(old) == PFN_PHYS(pfn)) {
		/*
		 * Another vCPU got here first, or this is a write to a page
		 * mapped read-only. A present leaf with this pfn is valid
		 * (any invalidation since it was made would have zapped it),
		 * so only upgrade it, never downgrade.
		 */
		if (writable)
			WRITE_ONCE(*ptep, new);
	} else {
		/*
		 * Only after a memslot MOVE/DELETE+CREATE re-backed this gfn
		 * and before the core's zap ran: the old pfn must go from
		 * every TLB, its dirtiness to its page.
		 */
		WRITE_ONCE(*ptep, new);
		tdp_leaf_gone(fmt, old);
		vmon_flush_remote_tlbs(vm);
	}
	ret = VMON_TDP_MAPPED;

out_unlock:
	spin_unlock(&vm->mmu_lock);
	put_page(page);
out_free:
	tdp_cache_free(&cache);
	return ret;
}

/* ---------------------------------------------------------------- */
/* Zapping for the core                                              */

/*
 * Why a bracket and not just a zap of the old range after
 * synchronize_srcu(): between publishing a slot set without the old slot
 * and that zap, the notifier no longer finds the old slot's hva, so if
 * userspace unmaps the old memory in that window the mm frees pages the
 * guest can still reach. With the bracket the zap happens while the old
 * slot is still published (so the notifier and the zap agree), and the
 * raised in_progress keeps every fault from installing anything until the
 * new set is published and every fault that saw the old set has finished.
 *
 * Memslot code, under slots_lock:
 *   vmon_tdp_slot_change_begin(vm, old->base_gfn, old->npages);
 *   rcu_assign_pointer(vm->slots, new_set);
 *   synchronize_srcu(&vm->srcu);
 *   vmon_tdp_slot_change_end(vm);
 *   kfree(old_set);
 * Faults in the window return VMON_TDP_RETRY (vCPUs re-enter and spin
 * until end). CREATE needs neither call: nothing can be mapped in a gfn
 * range that had no slot.
 */
void vmon_tdp_slot_change_begin(struct vmon_vm *vm, u64 gfn, u64 npages)
{
	u64 end = gfn + npages;

	if (end < gfn)
		end = U64_MAX;

	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidate_in_progress++;
	if (tdp_zap_gfn_range_locked(vm, gfn, end))
		vmon_flush_remote_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
}

void vmon_tdp_slot_change_end(struct vmon_vm *vm)
{
	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidate_seq++;
	if (!WARN_ON_ONCE(vm->mmu_invalidate_in_progress <= 0))
		vm->mmu_invalidate_in_progress--;
	spin_unlock(&vm->mmu_lock);
}

/* ---------------------------------------------------------------- */
/* Write protection for dirty logging                                */

/* @gfn's leaf entry, or NULL if a table on the way is missing. */
static u64 *tdp_leaf_lookup_locked(struct vmon_vm *vm, u64 gfn)
	__must_hold(&vm->mmu_lock)
{
	const struct vmon_tdp_format *fmt = vm->tdp.fmt;
	u64 *table = vm->tdp.root;
	int level;

	if (gfn >= tdp_max_gfn(fmt->levels))
		return NULL;
	for (level = fmt->levels; level > 1; level--) {
		u64 pte = READ_ONCE(table[tdp_index(gfn, level)]);

		if (!fmt->is_present(pte))
			return NULL;
		table = tdp_table_va(fmt, pte);
	}
	return &table[tdp_index(gfn, 1)];
}

/*
 * Clear W in @gfn's leaf. The page keeps its mapping, but from now on the
 * host PTE rule of "Dirty pages" no longer sees this leaf as writable, so
 * pass its dirtiness on now, as a zap would.
 */
static bool tdp_wrprot_gfn_locked(struct vmon_vm *vm, u64 gfn)
	__must_hold(&vm->mmu_lock)
{
	const struct vmon_tdp_format *fmt = vm->tdp.fmt;
	u64 *ptep = tdp_leaf_lookup_locked(vm, gfn);
	u64 pte;

	if (!ptep)
		return false;
	pte = READ_ONCE(*ptep);
	if (!fmt->is_present(pte) || !(pte & TDP_PTE_WRITABLE))
		return false;
	/*
	 * A plain store, as in tdp_zap_table(): the hardware only ever sets
	 * A/D here (vmon uses neither), it never sets W again; W is ours.
	 */
	WRITE_ONCE(*ptep, pte & ~TDP_PTE_WRITABLE);
	tdp_leaf_gone(fmt, pte);
	return true;
}

bool vmon_tdp_wrprot_mask_locked(struct vmon_vm *vm, u64 gfn,
				 unsigned long mask)
{
	bool changed = false;

	lockdep_assert_held(&vm->mmu_lock);
	while (mask) {
		unsigned int bit = __ffs(mask);

		changed |= tdp_wrprot_gfn_locked(vm, gfn + bit);
		mask &= mask - 1;
	}
	return changed;
}

void vmon_tdp_wrprot_range(struct vmon_vm *vm, u64 gfn, u64 npages)
{
	bool changed = false;
	u64 i;

	spin_lock(&vm->mmu_lock);
	for (i = 0; i < npages; i++) {
		changed |= tdp_wrprot_gfn_locked(vm, gfn + i);
		if (!(i & 4095) && spin_needbreak(&vm->mmu_lock)) {
			if (changed)
				vmon_flush_remote_tlbs(vm);
			changed = false;
			cond_resched_lock(&vm->mmu_lock);
		}
	}
	if (changed)
		vmon_flush_remote_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
}

/* ---------------------------------------------------------------- */
/* MMU notifier                                                      */

static struct vmon_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct vmon_vm, mmu_notifier);
}

/*
 * Never sleeps (spinlock, SRCU read side, a spinning flush), so it serves
 * non-blockable ranges (OOM reaper) as they are and never returns -EAGAIN.
 * in_progress is raised for every range, overlapping a slot or not: start
 * and end then balance by construction, whatever the slots do in between.
 */
static int tdp_mn_invalidate_range_start(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	struct vmon_vm *vm = mn_to_vm(mn);
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidate_in_progress++;
	if (tdp_zap_hva_range_locked(vm, range->start, range->end))
		vmon_flush_remote_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	return 0;
}

static void tdp_mn_invalidate_range_end(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct vmon_vm *vm = mn_to_vm(mn);

	spin_lock(&vm->mmu_lock);
	/* Faults compare seq under this lock: no ordering games needed. */
	vm->mmu_invalidate_seq++;
	if (!WARN_ON_ONCE(vm->mmu_invalidate_in_progress <= 0))
		vm->mmu_invalidate_in_progress--;
	spin_unlock(&vm->mmu_lock);
}

/*
 * Called inside a start/end pair (KSM, COW), under the host PTL, after
 * start already zapped the page; zapping again keeps this correct even if
 * a caller ever sends it alone. The new pfn is picked up by the next fault.
 */
static void tdp_mn_change_pte(struct mmu_notifier *mn, struct mm_struct *mm,
			      unsigned long address, pte_t pte)
{
	struct vmon_vm *vm = mn_to_vm(mn);
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	if (tdp_zap_hva_range_locked(vm, address, address + PAGE_SIZE))
		vmon_flush_remote_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
}

/*
 * exit_mmap() or our own unregister. After exit_mmap no task has vm->mm as
 * its mm, and vmon_tdp_fault() refuses every other mm, so nothing can be
 * mapped again: zapping once freezes the tree.
 */
static void tdp_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct vmon_vm *vm = mn_to_vm(mn);

	spin_lock(&vm->mmu_lock);
	if (tdp_zap_all_locked(vm))
		vmon_flush_remote_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
}

/*
 * No aging callbacks (clear_flush_young, clear_young, test_young): the mm
 * then treats guest use as no use, so reclaim may pick a page the guest
 * uses often. That costs a refault, never correctness (reclaim goes through
 * invalidate_range_start). Reporting the accessed bits needs a format op;
 * future work.
 */
static const struct mmu_notifier_ops tdp_mmu_notifier_ops = {
	.release = tdp_mn_release,
	.invalidate_range_start = tdp_mn_invalidate_range_start,
	.invalidate_range_end = tdp_mn_invalidate_range_end,
	.change_pte = tdp_mn_change_pte,
};

/* ---------------------------------------------------------------- */
/* Setup and teardown                                                */

static void tdp_free_table(struct vmon_tdp *tdp, u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < TDP_ENTRIES; i++) {
			u64 pte = table[i];

			if (tdp->fmt->is_present(pte))
				tdp_free_table(tdp, tdp_table_va(tdp->fmt, pte),
					       level - 1);
		}
	}
	free_page((unsigned long)table);
	tdp->nr_tables--;
}

/*
 * Process context, before any vCPU exists. Initialises mmu_lock and the
 * two invalidation counters too: they are nested paging's state. On
 * failure nothing is left behind and vmon_tdp_destroy() is a no-op.
 */
int vmon_tdp_init(struct vmon_vm *vm)
{
	const struct vmon_tdp_format *fmt = vmon_ops->tdp;
	unsigned long root;
	int ret;

	if (fmt->for_host)
		fmt = fmt->for_host();
	if (WARN_ON_ONCE(fmt->levels < 2 || fmt->levels > VMON_TDP_MAX_LEVELS))
		return -EINVAL;

	root = get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!root)
		return -ENOMEM;

	spin_lock_init(&vm->mmu_lock);
	vm->mmu_invalidate_seq = 0;
	vm->mmu_invalidate_in_progress = 0;
	vm->tdp.fmt = fmt;
	vm->tdp.root = (u64 *)root;
	vm->tdp.root_pa = __pa(root);
	vm->tdp.nr_tables = 1;

	/*
	 * Registering needs a live mm (mm_users). The core's mmgrab only
	 * keeps the struct; if the creator is already exiting, give up.
	 * The mmput() below may be the last one and run our release.
	 */
	if (!mmget_not_zero(vm->mm)) {
		ret = -ESRCH;
		goto err_root;
	}
	vm->mmu_notifier.ops = &tdp_mmu_notifier_ops;
	ret = mmu_notifier_register(&vm->mmu_notifier, vm->mm);
	mmput(vm->mm);
	if (ret) {
		vm->mmu_notifier.ops = NULL;
		goto err_root;
	}
	return 0;

err_root:
	free_page(root);
	vm->tdp.root = NULL;
	vm->tdp.root_pa = 0;
	vm->tdp.nr_tables = 0;
	return ret;
}

/*
 * After every vCPU is gone (no fault in flight, no vCPU in guest mode that
 * could use the tables), before vm->srcu is cleaned up and the slots are
 * freed: the notifier callbacks use both until unregister returns.
 */
void vmon_tdp_destroy(struct vmon_vm *vm)
{
	if (vm->mmu_notifier.ops) {
		/* Runs release (zap all) unless exit_mmap already did. */
		mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
		vm->mmu_notifier.ops = NULL;
	}
	if (vm->tdp.root) {
		tdp_free_table(&vm->tdp, vm->tdp.root, vm->tdp.fmt->levels);
		WARN_ON_ONCE(vm->tdp.nr_tables);
		vm->tdp.root = NULL;
		vm->tdp.root_pa = 0;
	}
}
