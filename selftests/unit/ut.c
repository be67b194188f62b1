// SPDX-License-Identifier: GPL-2.0
/* KTAP output for the host unit tests (see ut.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ut.h"

struct ut_case {
	char *name;
	char *diag;		/* accumulated "# ..." lines, or NULL */
	bool failed;
	const char *skip;
};

static struct ut_case *cases;
static size_t nr_cases, cap_cases;

static char *vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0) {
		perror("vasprintf");
		exit(2);
	}
	return s;
}

static struct ut_case *new_case(const char *fmt, va_list ap)
{
	if (nr_cases == cap_cases) {
		cap_cases = cap_cases ? 2 * cap_cases : 256;
		cases = realloc(cases, cap_cases * sizeof(*cases));
		if (!cases) {
			perror("realloc");
			exit(2);
		}
	}
	memset(&cases[nr_cases], 0, sizeof(cases[0]));
	cases[nr_cases].name = vformat(fmt, ap);
	return &cases[nr_cases++];
}

void ut_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	new_case(fmt, ap);
	va_end(ap);
}

void ut_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	new_case(fmt, ap)->skip = why;
	va_end(ap);
}

void ut_fail(const char *file, int line, const char *fmt, ...)
{
	struct ut_case *c;
	char *msg, *d;
	va_list ap;

	if (!nr_cases) {
		fprintf(stderr, "ut_fail outside a test case\n");
		exit(2);
	}
	c = &cases[nr_cases - 1];
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	if (asprintf(&d, "%s# %s:%d: %s\n", c->diag ? c->diag : "", file,
		     line, msg) < 0)
		exit(2);
	free(c->diag);
	free(msg);
	c->diag = d;
	c->failed = true;
}

int ut_report(void)
{
	size_t i, failed = 0, skipped = 0;

	printf("TAP version 13\n1..%zu\n", nr_cases);
	for (i = 0; i < nr_cases; i++) {
		struct ut_case *c = &cases[i];

		if (c->diag)
			fputs(c->diag, stdout);
		if (c->skip) {
			printf("ok %zu %s # SKIP %s\n", i + 1, c->name, c->skip);
			skipped++;
		} else {
			printf("%sok %zu %s\n", c->failed ? "not " : "", i + 1,
			       c->name);
			failed += c->failed;
		}
	}
	printf("# Totals: pass:%zu fail:%zu skip:%zu\n",
	       nr_cases - failed - skipped, failed, skipped);
	return failed ? 1 : 0;
}

int main(void)
{
	test_insn();
	test_gwalk();
	return ut_report();
}
