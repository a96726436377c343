/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c, built by `make
 * fuzzers`, run by tests/test-fuzz.sh and `make fuzz`). A harness aborts on
 * a broken invariant, so that libFuzzer saves the input as a crash.
 */
#ifndef V4VIA6_FUZZ_H
#define V4VIA6_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_ASSERT(cond, ...)                                              \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(fuzz_err, "invariant broken: %s: ", #cond); \
			fprintf(fuzz_err, __VA_ARGS__);                     \
			fputc('\n', fuzz_err);                              \
			abort();                                            \
		}                                                           \
	} while (0)

/* The real stderr, for the harness's own reports; the code under test writes to /dev/null. */
static FILE *fuzz_err __attribute__((unused));

static inline void fuzz_quiet(void)
{
	fuzz_err = fdopen(dup(2), "w");
	setvbuf(fuzz_err, NULL, _IONBF, 0);
	stderr = fopen("/dev/null", "w");
}

/* data as a NUL-terminated string (a copy, stopping at the first NUL); free it */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Splits s in place at blanks into at most max words; returns the count. */
static inline int fuzz_split(char *s, char **argv, int max)
{
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(s, " \t\r\n", &save); tok && argc < max;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return argc;
}

#endif /* V4VIA6_FUZZ_H */
