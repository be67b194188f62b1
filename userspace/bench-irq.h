/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between bench-irq.c (host) and bench-irq.S (guest): where the
 * interrupt benchmarks' guests keep their IDT, data and stacks, and which
 * vectors and ports they use. Plain #defines so the assembler reads them.
 *
 * Guest-physical layout (libvmon's long-mode tables below 0x8000):
 *   IRQB_IDT      256 gates, 16 bytes each
 *   IRQB_DATA     the counters below, written by the guest, read by the host
 *   IRQB_STACK1   top of vCPU 1's stack; vCPU 0's is IRQB_CODE
 *   IRQB_CODE     bench_irq_code (the whole blob, position-independent)
 */
#ifndef BENCH_IRQ_H
#define BENCH_IRQ_H

#define IRQB_IDT	0x10000
#define IRQB_DATA	0x20000
#define IRQB_STACK1	0x80000
#define IRQB_CODE	0x100000
#define IRQB_MEM	(4 << 20)

/* Counters at IRQB_DATA, 8 bytes each. */
#define IRQB_COUNT0	(IRQB_DATA + 0x00)	/* interrupts taken by vCPU 0 */
#define IRQB_COUNT1	(IRQB_DATA + 0x08)	/* interrupts taken by vCPU 1 */
#define IRQB_STOP	(IRQB_DATA + 0x10)	/* set: finish with DONE_PORT */
#define IRQB_EARLY	(IRQB_DATA + 0x18)	/* timer fired before its deadline */
#define IRQB_DEADLINE	(IRQB_DATA + 0x20)	/* the TSC deadline last armed */
#define IRQB_READY	(IRQB_DATA + 0x28)	/* ipi: vCPU 1's APIC is on */

#define IRQB_VEC_IPI0	0x40	/* vCPU 1 -> vCPU 0 */
#define IRQB_VEC_IPI1	0x41	/* vCPU 0 -> vCPU 1, answered with IPI0 */
#define IRQB_VEC_STOP	0x42	/* vCPU 0 -> vCPU 1: look at IRQB_STOP */
#define IRQB_VEC_IRQFD	0x50
#define IRQB_VEC_TIMER	0x60

#define IRQB_DONE_PORT	0xf5	/* the guest has finished */
#define IRQB_ACK_PORT	0xf6	/* irqfd bench: bound to an ioeventfd */
#define IRQB_BAD_PORT	0xf7	/* unexpected vector, in AL */
#define IRQB_MARK_PORT	0xf8	/* warm-up over: the host starts its clock */

#define IRQB_STUB_SIZE	16	/* bench_irq_stubs: one per vector */

#endif /* BENCH_IRQ_H */
