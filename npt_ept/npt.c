// SPDX-License-Identifier: GPL-2.0
/*
 * AMD nested page table entries (AMD APM vol. 2, "Nested Paging").
 *
 * NPT entries are ordinary long-mode page-table entries, walked as user
 * accesses: every level needs U/S set, or each guest access faults. Memory
 * type: PAT index 0 (PWT = PCD = PAT = 0), which Linux programs as WB; the
 * guest's own PAT type combines with it, so guest UC stays UC. NX is bit 63
 * and is honoured because Linux always runs with EFER.NXE.
 *
 * With SME active, host physical addresses in these entries carry the
 * C-bit exactly like the host's own page tables (__sme_set); the SVM
 * backend must likewise load nCR3 with __sme_set(vm->tdp.root_pa).
 *
 * Depth follows the host's paging mode at VMRUN: 4 levels, or 5 when the
 * host has CR4.LA57 (vmon_npt_la57_format, chosen by npt_for_host()).
 */
#include <linux/mem_encrypt.h>
#include "vmon.h"
#include "tdp_internal.h"

#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)
#define NPT_NX		BIT_ULL(63)

#define NPT_TABLE(pa)		((pa) | NPT_P | NPT_RW | NPT_US)
#define NPT_LEAF(pa, w, x)	((pa) | NPT_P | NPT_US |		\
				 ((w) ? NPT_RW : 0) | ((x) ? 0 : NPT_NX))

/* Encodings as the APM lays them out (no C-bit involved here). */
static_assert(NPT_RW == TDP_PTE_WRITABLE);
static_assert(NPT_TABLE(0x1000ULL) == 0x1007ULL);
static_assert(NPT_LEAF(0x12345000ULL, 1, 1) == 0x12345007ULL);
static_assert(NPT_LEAF(0x12345000ULL, 0, 1) == 0x12345005ULL);
static_assert(NPT_LEAF(0x12345000ULL, 1, 0) == 0x8000000012345007ULL);

static u64 npt_make_table(phys_addr_t table_pa)
{
	return NPT_TABLE(__sme_set((u64)table_pa));
}

static u64 npt_make_leaf(u64 pfn, bool writable, bool exec)
{
	return NPT_LEAF(__sme_set(pfn << PAGE_SHIFT), writable, exec);
}

static bool npt_is_present(u64 pte)
{
	return pte & NPT_P;
}

static u64 npt_pte_pa(u64 pte)
{
	return __sme_clr(pte & TDP_PTE_ADDR_MASK);
}

/* NPT walks with the host's paging depth: 5 levels under CR4.LA57. */
static const struct vmon_tdp_format vmon_npt_la57_format = {
	.name = "npt-5level",
	.levels = 5,
	.make_table = npt_make_table,
	.make_leaf = npt_make_leaf,
	.is_present = npt_is_present,
	.pte_pa = npt_pte_pa,
};

static const struct vmon_tdp_format *npt_for_host(void)
{
	if (!pgtable_l5_enabled())
		return &vmon_npt_format;
	pr_info_once("vmon: host uses 5-level paging: 5-level NPT\n");
	return &vmon_npt_la57_format;
}

const struct vmon_tdp_format vmon_npt_format = {
	.name = "npt",
	.levels = 4,
	.make_table = npt_make_table,
	.make_leaf = npt_make_leaf,
	.is_present = npt_is_present,
	.pte_pa = npt_pte_pa,
	.for_host = npt_for_host,
};
