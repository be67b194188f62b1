// SPDX-License-Identifier: GPL-2.0
/*
 * Intel EPT entries (SDM vol. 3C, "EPT Translation Mechanism").
 *
 * Read/write/execute are bits 0/1/2; an entry is present when any of them
 * is set. Leaves are never write-only (a misconfiguration): readable
 * always. Leaf memory type WB (6 in bits 5:3) with IPAT (bit 6), so guest
 * PAT cannot make guest RAM uncached while the host maps it WB; this is
 * what KVM does when no non-coherent DMA device is assigned, which vmon
 * never does. Accessed/dirty bits (8/9) are only written when the EPTP
 * enables them; vmon relies on neither.
 *
 * 4 levels (EPTP page-walk length 3): a 48-bit guest-physical space,
 * independent of the host's paging mode.
 */
#include "vmon.h"
#include "tdp_internal.h"

#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB	(6ULL << 3)
#define EPT_IPAT	BIT_ULL(6)

#define EPT_TABLE(pa)		((pa) | EPT_RWX)
#define EPT_LEAF(pa, w, x)	((pa) | EPT_R | EPT_MT_WB | EPT_IPAT |	\
				 ((w) ? EPT_W : 0) | ((x) ? EPT_X : 0))

static_assert(EPT_W == TDP_PTE_WRITABLE);
static_assert(EPT_TABLE(0x1000ULL) == 0x1007ULL);
static_assert(EPT_LEAF(0x12345000ULL, 1, 1) == 0x12345077ULL);
static_assert(EPT_LEAF(0x12345000ULL, 0, 1) == 0x12345075ULL);
static_assert(EPT_LEAF(0x12345000ULL, 1, 0) == 0x12345073ULL);

static u64 ept_make_table(phys_addr_t table_pa)
{
	return EPT_TABLE((u64)table_pa);
}

static u64 ept_make_leaf(u64 pfn, bool writable, bool exec)
{
	return EPT_LEAF(pfn << PAGE_SHIFT, writable, exec);
}

static bool ept_is_present(u64 pte)
{
	return pte & EPT_RWX;
}

static u64 ept_pte_pa(u64 pte)
{
	return pte & TDP_PTE_ADDR_MASK;
}

const struct vmon_tdp_format vmon_ept_format = {
	.name = "ept",
	.levels = 4,
	.make_table = ept_make_table,
	.make_leaf = ept_make_leaf,
	.is_present = ept_is_present,
	.pte_pa = ept_pte_pa,
};
