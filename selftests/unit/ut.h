/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal KTAP producer for host-side unit tests: results are collected
 * and printed at the end so the plan line comes first.
 */
#ifndef VMON_UT_H
#define VMON_UT_H

#include <stdbool.h>
#include <stdint.h>

/* Start a test case; every ut_check() until the next ut_begin() is in it. */
void ut_begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record a skipped case with the reason. */
void ut_skip(const char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A failed check: a diagnostic line and the current case fails. */
void ut_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print the KTAP report; returns the process exit status. */
int ut_report(void);

#define UT_CHECK(cond) do {						\
	if (!(cond))							\
		ut_fail(__FILE__, __LINE__, "%s", #cond);		\
} while (0)

#define UT_EQ(a, b) do {						\
	unsigned long long ut_a_ = (unsigned long long)(a);		\
	unsigned long long ut_b_ = (unsigned long long)(b);		\
	if (ut_a_ != ut_b_)						\
		ut_fail(__FILE__, __LINE__, "%s == %#llx, expected %s == %#llx", \
			#a, ut_a_, #b, ut_b_);				\
} while (0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

void test_insn(void);
/* test_insn_rmw.c: its vectors join test_insn.c's "gas:" re-assembly. */
#define UT_RMW_GAS_MAX	128
void add_gas(int mode, const char *as, const char *hex);
void rmw_add_gas(void);
void test_insn_rmw(void);
void test_gwalk(void);

#endif /* VMON_UT_H */
