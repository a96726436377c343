/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One assertion style for the C tests, after the kernel's BPF selftests. A
 * test runs between tlog_begin() and tlog_end(), which prints its one line:
 * "PASS suite/name", or "FAIL suite/name: the first failure" with the other
 * failures and any dumps indented under it. Each ASSERT_* returns whether it
 * held; when not, it records "what: actual X != expected Y" (ASSERT_TRUE: its
 * printf-like message) in the current test's log.
 */
#ifndef V4VIA6_TESTS_CHECK_H
#define V4VIA6_TESTS_CHECK_H

#include <stdbool.h>
#include <stdio.h>

/* The first part of every test's name ("xdp", "parse"): set by the test's main. */
extern const char *check_suite;
/* Tests that failed so far: the test's exit status is failed or not. */
extern int check_failures;

/* The failures of one test: the first goes on the FAIL line, the rest (and dumps) under it. */
struct tlog {
	FILE *more; /* printed under the FAIL line */
	char *buf;
	size_t len;
	int fails;
	char first[256];
	struct tlog *outer; /* the log the ASSERT_*s go back to after this one */
};

/* Starts a test; its log is where the ASSERT_*s record until tlog_end. */
void tlog_begin(struct tlog *l);
void tlog_fail(struct tlog *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends a log without a line (a part of a test, read by the caller): l->buf is then the caller's. */
void tlog_close(struct tlog *l);
/* Prints the test's one line (and what went wrong under it); true when it passed. */
bool tlog_end(struct tlog *l, const char *name);
/* Ends a test that cannot run: "SKIP suite/name: why". */
void tlog_skip(struct tlog *l, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

bool check_eq(long long actual, long long expected, const char *what);
bool check_streq(const char *actual, const char *expected, const char *what);
bool check_true(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ASSERT_EQ(actual, expected, what)    check_eq((actual), (expected), (what))
#define ASSERT_OK(err, what)		     check_eq((err), 0, (what))
#define ASSERT_STREQ(actual, expected, what) check_streq((actual), (expected), (what))
#define ASSERT_TRUE(cond, ...)		     check_true(!!(cond), __VA_ARGS__)

/* A test of one assertion: its PASS or FAIL line at once. */
#define CHECK_ONE(name, cond, ...)              \
	do {                                    \
		struct tlog l_;                 \
                                                \
		tlog_begin(&l_);                \
		ASSERT_TRUE(cond, __VA_ARGS__); \
		tlog_end(&l_, name);            \
	} while (0)

#endif /* V4VIA6_TESTS_CHECK_H */
