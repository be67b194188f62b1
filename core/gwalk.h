/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon guest page-table walker: guest linear -> guest physical, for
 * fetching instructions and string I/O operands. Pure logic (see insn.h);
 * guest memory is read through a callback.
 */
#ifndef VMON_GWALK_H
#define VMON_GWALK_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "unit_shim.h"
#endif

/* Page-fault error code bits, as the architecture defines them. */
#define VMON_PF_PRESENT	(1u << 0)
#define VMON_PF_WRITE	(1u << 1)
#define VMON_PF_USER	(1u << 2)
#define VMON_PF_RSVD	(1u << 3)
#define VMON_PF_FETCH	(1u << 4)

struct vmon_gwalk_ctx {
	u64 cr0, cr3, cr4, efer;	/* long mode is EFER.LMA */
	/* Read @len bytes of guest-physical memory; 0 or negative errno. */
	int (*read_gpa)(void *opaque, u64 gpa, void *buf, unsigned int len);
	void *opaque;
	/*
	 * Guest MAXPHYADDR (CPUID 8000_0008h:EAX[7:0]) for the reserved-bit
	 * checks; 0 means 52. Address bits at or above it set in an entry
	 * give a VMON_PF_RSVD fault.
	 */
	u8 maxphyaddr;
};

/*
 * Translate @gva. @access is a mask of VMON_PF_WRITE/USER/FETCH describing
 * the access (USER: the access is made at CPL 3). Handles paging off
 * (identity, 32-bit linear address), 32-bit (4K and 4M PSE pages, with
 * PSE-36/40 high address bits), PAE (4K, 2M; PDPTEs are read from memory
 * on every walk), 4-level and 5-level (CR4.LA57) long mode (4K, 2M, 1G),
 * checking P, R/W (with CR0.WP), U/S, NX (EFER.NXE), SMEP and reserved
 * bits. Not checked: SMAP (needs RFLAGS.AC), protection keys, AMD's
 * reserved bit 8 in non-leaf PML4Es/PML5Es; 1G pages are always allowed.
 * Accessed/dirty bits are never written: the caller only re-reads what
 * the guest just touched (instruction fetch, string I/O operands), where
 * the hardware walk already set them.
 *
 * Returns 0 and *@gpa;
 * -EFAULT with *@pf_error = the page-fault error code to inject (#PF);
 * -ERANGE when @gva is not canonical in long mode: the CPU raises #GP
 *   (#SS for stack accesses) for this, not #PF, and *@pf_error is 0;
 * or the read_gpa error when a table cannot be read (-EIO, ...; a
 *   read_gpa -EFAULT or positive return becomes -EIO so that -EFAULT
 *   always means #PF).
 */
int vmon_gwalk(const struct vmon_gwalk_ctx *ctx, u64 gva, u32 access,
	       u64 *gpa, u32 *pf_error);

#endif /* VMON_GWALK_H */
