/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where messages go: the error style, errors as JSON under -j, and the print
 * hooks of libbpf and libxdp. Apart from common.h so that state.c can report
 * errors without including the command-level header that includes state.h.
 */
#ifndef V4VIA6_LOG_H
#define V4VIA6_LOG_H

#include <stdbool.h>

extern bool verbose; /* -v: libbpf's and libxdp's debug log */
extern bool json_output; /* -j: JSON on stdout, errors included */

/*
 * Prints "v4via6: <fmt>\n" on stderr. Under -j, the message is held instead,
 * and the command's errors are printed as one JSON document on stdout when it
 * exits with a failure status (see log.c).
 */
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * One of a list of errors that name their own place, as config_read's
 * "FILE:LINE: <what>": printed as is, without "v4via6: ". Held like pr_err's
 * under -j.
 */
void pr_err_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libbpf: warnings always, debug with -v; libxdp: only with -v (see log.c). */
void setup_library_logging(void);

/*
 * Silences libbpf's warnings (unless -v) while libxdp works: libxdp loads its
 * dispatcher through libbpf, and on this kernel that fails and falls back to
 * attaching our program alone, with a page of warnings that mean nothing.
 */
void quiet_libbpf(bool quiet);

#endif /* V4VIA6_LOG_H */
