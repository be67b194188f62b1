/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to npt_ept/: the pure index arithmetic shared by the table walks,
 * and the pieces that are not (yet) part of the vmon.h contract.
 *
 * The index helpers work on guest frame numbers, not addresses: a level-L
 * entry covers 2^(9 * (L - 1)) frames, level 1 being the 4 KiB leaf level.
 * They are macros first so the self-checks below can be static_asserts,
 * then typed inline wrappers for the code.
 */
#ifndef VMON_TDP_INTERNAL_H
#define VMON_TDP_INTERNAL_H

#include <linux/build_bug.h>
#include <linux/bits.h>
#include <linux/types.h>

struct vmon_vm;
struct vmon_tdp_format;

#define VMON_TDP_MAX_LEVELS	5
#define TDP_LEVEL_BITS		9
#define TDP_ENTRIES		(1 << TDP_LEVEL_BITS)

/* x86 entries of both vendors hold a physical address in bits 51:12. */
#define TDP_PTE_ADDR_MASK	GENMASK_ULL(51, 12)
/* ...and write permission in bit 1 (NPT R/W, EPT W; asserted there). */
#define TDP_PTE_WRITABLE	BIT_ULL(1)

#define TDP_LEVEL_SHIFT(level)	(TDP_LEVEL_BITS * ((level) - 1))
#define TDP_INDEX(gfn, level)	\
	(((gfn) >> TDP_LEVEL_SHIFT(level)) & (TDP_ENTRIES - 1))
/* First frame covered by the next level-@level entry after @gfn's. */
#define TDP_NEXT_BOUNDARY(gfn, level)	\
	(((gfn) | ((1ULL << TDP_LEVEL_SHIFT(level)) - 1)) + 1)
/* Frames reachable by a tree of @levels levels (48-bit GPA for 4). */
#define TDP_MAX_GFN(levels)	(1ULL << (TDP_LEVEL_BITS * (levels)))

/* Self-check of the arithmetic; 0x12345678 splits as 0x2/0x8d/0x2b/0x78. */
static_assert(TDP_INDEX(0x12345678ULL, 1) == 0x78);
static_assert(TDP_INDEX(0x12345678ULL, 2) == 0x2b);
static_assert(TDP_INDEX(0x12345678ULL, 3) == 0x8d);
static_assert(TDP_INDEX(0x12345678ULL, 4) == 0x2);
static_assert(TDP_NEXT_BOUNDARY(0x12345678ULL, 1) == 0x12345679ULL);
static_assert(TDP_NEXT_BOUNDARY(0x12345678ULL, 2) == 0x12345800ULL);
static_assert(TDP_NEXT_BOUNDARY(0x0ULL, 4) == 0x8000000ULL);
static_assert(TDP_NEXT_BOUNDARY(0x7ffffffULL, 4) == 0x8000000ULL);
static_assert(TDP_MAX_GFN(4) == 1ULL << (48 - 12));
static_assert(TDP_MAX_GFN(5) == 1ULL << (57 - 12));

static inline unsigned int tdp_index(u64 gfn, int level)
{
	return TDP_INDEX(gfn, level);
}

static inline u64 tdp_next_boundary(u64 gfn, int level)
{
	return TDP_NEXT_BOUNDARY(gfn, level);
}

static inline u64 tdp_max_gfn(int levels)
{
	return TDP_MAX_GFN(levels);
}

#endif /* VMON_TDP_INTERNAL_H */
