/* SPDX-License-Identifier: GPL-2.0 */
/* What vmon-bench.c and bench-irq.c share. */
#ifndef BENCH_H
#define BENCH_H

extern const char *bench_dev;	/* --dev */

double bench_now(void);		/* CLOCK_MONOTONIC, seconds */

/*
 * The interrupt benchmarks (bench-irq.c). Each returns 0 and its figure
 * in *ns, or -1 with the reason on stderr.
 */
int bench_ipi(unsigned long n, double *ns);	/* per round trip */
int bench_irqfd(unsigned long n, double *ns);	/* per round trip */
int bench_timer(unsigned long ms, double *ns);	/* per interrupt */

#endif /* BENCH_H */
