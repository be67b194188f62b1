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
	u64 cr0, cr3, cr4, efer;
	/* Read @len bytes of guest-physical memory; 0 or negative errno. */
	int (*read_gpa)(void *opaque, u64 gpa, void *buf, unsigned int len);
	void *opaque;
};

/*
 * Translate @gva. @access is a mask of VMON_PF_WRITE/USER/FETCH describing
 * the access. Handles paging off, 32-bit (4K and 4M PSE pages), PAE (4K,
 * 2M), 4-level and 5-level (CR4.LA57) long mode (4K, 2M, 1G), checking P,
 * R/W (with CR0.WP), U/S, NX (EFER.NXE) and reserved bits.
 * Returns 0 and *@gpa; -EFAULT with *@pf_error = page-fault error code;
 * or the read_gpa error (-EIO, ...) when a table cannot be read.
 */
int vmon_gwalk(const struct vmon_gwalk_ctx *ctx, u64 gva, u32 access,
	       u64 *gpa, u32 *pf_error);

#endif /* VMON_GWALK_H */
