// SPDX-License-Identifier: GPL-2.0-only
/* The C tests' assertions and their PASS/FAIL lines (see check.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

const char *check_suite = "test";
int check_failures;

/* The log the ASSERT_*s write to: the test begun last. */
static struct tlog *current;

void tlog_begin(struct tlog *l)
{
	memset(l, 0, sizeof(*l));
	l->more = open_memstream(&l->buf, &l->len);
	l->outer = current;
	current = l;
}

static void tlog_vfail(struct tlog *l, const char *fmt, va_list ap)
{
	if (!l->fails++) {
		vsnprintf(l->first, sizeof(l->first), fmt, ap);
	} else {
		fprintf(l->more, "    ");
		vfprintf(l->more, fmt, ap);
		fprintf(l->more, "\n");
	}
}

void tlog_fail(struct tlog *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tlog_vfail(l, fmt, ap);
	va_end(ap);
}

void tlog_close(struct tlog *l)
{
	fclose(l->more);
	if (current == l)
		current = l->outer;
}

bool tlog_end(struct tlog *l, const char *name)
{
	tlog_close(l);
	if (l->fails)
		printf("FAIL %s/%s: %s\n%s", check_suite, name, l->first, l->buf);
	else
		printf("PASS %s/%s\n", check_suite, name);
	fflush(stdout);
	free(l->buf);
	check_failures += !!l->fails;
	return !l->fails;
}

void tlog_skip(struct tlog *l, const char *name, const char *fmt, ...)
{
	va_list ap;

	tlog_close(l);
	free(l->buf);
	printf("SKIP %s/%s: ", check_suite, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

bool check_eq(long long actual, long long expected, const char *what)
{
	if (actual == expected)
		return true;
	tlog_fail(current, "%s: actual %lld != expected %lld", what, actual, expected);
	return false;
}

bool check_streq(const char *actual, const char *expected, const char *what)
{
	if (!strcmp(actual, expected))
		return true;
	tlog_fail(current, "%s: actual %s != expected %s", what, actual, expected);
	return false;
}

bool check_true(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	tlog_vfail(current, fmt, ap);
	va_end(ap);
	return false;
}
