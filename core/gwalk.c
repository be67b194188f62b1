// SPDX-License-Identifier: GPL-2.0
/*
 * vmon guest page-table walker (guest linear -> guest physical).
 *
 * Used for the few accesses vmon emulates itself (instruction fetch,
 * string I/O operands), so it favours plainness over speed: every entry
 * is re-read through ctx->read_gpa, nothing is cached, and accessed/dirty
 * bits are left alone (see gwalk.h).
 *
 * Built both into vmon.ko and into the host unit tests (selftests/unit/).
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#endif
#include "gwalk.h"

#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define CR4_SMEP	(1ULL << 20)
#define EFER_NXE	(1ULL << 11)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_PS		(1ULL << 7)
#define PTE_NX		(1ULL << 63)

/* Bits @lo..@hi inclusive. */
#define BITS(hi, lo)	((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

/* What the entries seen so far allow; a walk only ever narrows it. */
struct walk {
	const struct vmon_gwalk_ctx *ctx;
	u32 access;
	bool writable, user, nx;
	u64 addr_mask;		/* entry address bits below MAXPHYADDR */
	u64 rsvd_high;		/* reserved high bits of every 8-byte entry */
};

static unsigned int maxphyaddr(const struct vmon_gwalk_ctx *ctx)
{
	if (!ctx->maxphyaddr || ctx->maxphyaddr > 52)
		return 52;
	return ctx->maxphyaddr < 32 ? 32 : ctx->maxphyaddr;
}

static int read_entry(const struct vmon_gwalk_ctx *ctx, u64 gpa,
		      unsigned int size, u64 *val)
{
	u8 buf[8];
	unsigned int i;
	int ret;

	/*
	 * -EFAULT is ours (a guest #PF), so a table that cannot be read
	 * must not use it.
	 */
	ret = ctx->read_gpa(ctx->opaque, gpa, buf, size);
	if (ret)
		return ret < 0 && ret != -EFAULT ? ret : -EIO;
	*val = 0;
	for (i = size; i--; )
		*val = (*val << 8) | buf[i];
	return 0;
}

/*
 * The I/D bit of the error code exists only when NX or SMEP could make a
 * fetch fault; elsewhere it is reserved and must stay 0.
 */
static int fault(const struct walk *w, u32 extra, u32 *pf_error)
{
	const struct vmon_gwalk_ctx *ctx = w->ctx;
	u32 err = w->access & (VMON_PF_WRITE | VMON_PF_USER);
	bool id_valid = (ctx->cr4 & CR4_SMEP) ||
			((ctx->cr4 & CR4_PAE) && (ctx->efer & EFER_NXE));

	if ((w->access & VMON_PF_FETCH) && id_valid)
		err |= VMON_PF_FETCH;
	*pf_error = err | extra;
	return -EFAULT;
}

static void narrow(struct walk *w, u64 entry, bool has_nx)
{
	w->writable &= !!(entry & PTE_RW);
	w->user &= !!(entry & PTE_US);
	if (has_nx)
		w->nx |= !!(entry & PTE_NX);
}

/* Rights checks, done once the whole walk has succeeded. */
static int check_rights(const struct walk *w, u32 *pf_error)
{
	const struct vmon_gwalk_ctx *ctx = w->ctx;
	bool user = w->access & VMON_PF_USER;

	if (user && !w->user)
		goto bad;
	if ((w->access & VMON_PF_WRITE) && !w->writable &&
	    (user || (ctx->cr0 & CR0_WP)))
		goto bad;
	if (w->access & VMON_PF_FETCH) {
		if (w->nx)
			goto bad;
		if (!user && w->user && (ctx->cr4 & CR4_SMEP))
			goto bad;
	}
	return 0;
bad:
	return fault(w, VMON_PF_PRESENT, pf_error);
}

/*
 * Walk 8-byte-entry tables from @level (5..1) down, starting at @table.
 * Level 3 may map 1G and level 2 2M; levels 4 and 5 must not set PS.
 */
static int walk64(struct walk *w, u64 table, int level, u64 gva, u64 *gpa,
		  u32 *pf_error)
{
	bool nxe = w->ctx->efer & EFER_NXE;
	u64 entry, rsvd, page;
	int shift, ret;

	for (; level >= 1; level--) {
		shift = 12 + 9 * (level - 1);
		ret = read_entry(w->ctx, table + ((gva >> shift) & 511) * 8, 8,
				 &entry);
		if (ret)
			return ret;
		if (!(entry & PTE_P))
			return fault(w, 0, pf_error);

		rsvd = w->rsvd_high | (nxe ? 0 : PTE_NX);
		if (level >= 4)
			rsvd |= PTE_PS;
		else if (level == 3 && (entry & PTE_PS))
			rsvd |= BITS(29, 13);
		else if (level == 2 && (entry & PTE_PS))
			rsvd |= BITS(20, 13);
		if (entry & rsvd)
			return fault(w, VMON_PF_PRESENT | VMON_PF_RSVD,
				     pf_error);

		narrow(w, entry, nxe);
		if (level == 1 || (level <= 3 && (entry & PTE_PS))) {
			page = 1ULL << shift;
			ret = check_rights(w, pf_error);
			if (ret)
				return ret;
			*gpa = (entry & w->addr_mask & ~(page - 1)) |
			       (gva & (page - 1));
			return 0;
		}
		table = entry & w->addr_mask;
	}
	return -EINVAL;		/* not reached: level 1 is always a leaf */
}

static int walk_long(struct walk *w, u64 gva, u64 *gpa, u32 *pf_error)
{
	int bits = (w->ctx->cr4 & CR4_LA57) ? 57 : 48;
	int shift = 64 - bits;

	if ((u64)((s64)(gva << shift) >> shift) != gva)
		return -ERANGE;
	w->rsvd_high = BITS(51, 0) & ~w->addr_mask & ~BITS(11, 0);
	return walk64(w, w->ctx->cr3 & w->addr_mask, bits == 57 ? 5 : 4,
		      gva, gpa, pf_error);
}

static int walk_pae(struct walk *w, u64 gva, u64 *gpa, u32 *pf_error)
{
	u64 pdpte, pdpt = w->ctx->cr3 & BITS(31, 5);
	int ret;

	gva &= 0xffffffffULL;
	ret = read_entry(w->ctx, pdpt + (gva >> 30) * 8, 8, &pdpte);
	if (ret)
		return ret;
	if (!(pdpte & PTE_P))
		return fault(w, 0, pf_error);

	/* PAE entries reserve every bit from MAXPHYADDR up to 62. */
	w->rsvd_high = BITS(62, 0) & ~w->addr_mask & ~BITS(11, 0);
	/* PDPTEs carry no rights and no NX: bit 63 is always reserved. */
	if (pdpte & (w->rsvd_high | PTE_NX | BITS(8, 5) | BITS(2, 1)))
		return fault(w, VMON_PF_PRESENT | VMON_PF_RSVD, pf_error);
	return walk64(w, pdpte & w->addr_mask, 2, gva, gpa, pf_error);
}

static int walk_32(struct walk *w, u64 gva, u64 *gpa, u32 *pf_error)
{
	const struct vmon_gwalk_ctx *ctx = w->ctx;
	unsigned int pse_bits;
	u64 pde, pte;
	int ret;

	gva &= 0xffffffffULL;
	ret = read_entry(ctx, (ctx->cr3 & BITS(31, 12)) + (gva >> 22) * 4, 4,
			 &pde);
	if (ret)
		return ret;
	if (!(pde & PTE_P))
		return fault(w, 0, pf_error);
	narrow(w, pde, false);

	if ((pde & PTE_PS) && (ctx->cr4 & CR4_PSE)) {
		/*
		 * 4M page: PDE bits 20:13 hold address bits 39:32 (PSE-36,
		 * extended to 40 bits); those at or above MAXPHYADDR and
		 * bit 21 are reserved.
		 */
		pse_bits = maxphyaddr(ctx);
		pse_bits = (pse_bits > 40 ? 40 : pse_bits) - 32;
		if (pde & BITS(21, 13 + pse_bits))
			return fault(w, VMON_PF_PRESENT | VMON_PF_RSVD,
				     pf_error);
		ret = check_rights(w, pf_error);
		if (ret)
			return ret;
		*gpa = (pde & BITS(31, 22)) | (((pde >> 13) & 0xff) << 32) |
		       (gva & BITS(21, 0));
		return 0;
	}

	ret = read_entry(ctx, (pde & BITS(31, 12)) + ((gva >> 12) & 1023) * 4,
			 4, &pte);
	if (ret)
		return ret;
	if (!(pte & PTE_P))
		return fault(w, 0, pf_error);
	narrow(w, pte, false);
	ret = check_rights(w, pf_error);
	if (ret)
		return ret;
	*gpa = (pte & BITS(31, 12)) | (gva & BITS(11, 0));
	return 0;
}

int vmon_gwalk(const struct vmon_gwalk_ctx *ctx, u64 gva, u32 access,
	       u64 *gpa, u32 *pf_error)
{
	struct walk w = {
		.ctx = ctx,
		.access = access,
		.writable = true,
		.user = true,
		.addr_mask = BITS(maxphyaddr(ctx) - 1, 12),
	};

	*pf_error = 0;
	if (!(ctx->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (ctx->efer & EFER_LMA)
		return walk_long(&w, gva, gpa, pf_error);
	if (ctx->cr4 & CR4_PAE)
		return walk_pae(&w, gva, gpa, pf_error);
	return walk_32(&w, gva, gpa, pf_error);
}
