/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small real-mode and 32-bit guests assembled from the .S files here. Each blob
 * is data in the test binary ([start, end)); tests copy it into guest
 * memory. The comments in the .S files give each blob's contract.
 */
#ifndef VMTEST_BLOBS_H
#define VMTEST_BLOBS_H

#define BLOB(name) extern const unsigned char name##_start[], name##_end[]
#define BLOB_SIZE(name) ((size_t)(name##_end - name##_start))

BLOB(rm_fib);
BLOB(pm32_sum);
BLOB(rm_to_pm32);
BLOB(rm_triple_fault);

/* The byte after rm_fib's hlt. */
extern const unsigned char rm_fib_after_hlt[];

/* rm_to_pm32 is not position independent. */
#define RM_TO_PM32_LOAD	0x1000

#endif /* VMTEST_BLOBS_H */
