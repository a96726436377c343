/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * v4via6's counters and gauges in the Prometheus text exposition format
 * (version 0.0.4, what `promtool check metrics` reads): written by
 * `v4via6 metrics` and served by `v4via6 exporter`.
 */
#ifndef V4VIA6_METRICS_H
#define V4VIA6_METRICS_H

#include <stddef.h>
#include <stdio.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Writes every metric of the state pinned in pin_dir to out, read from the
 * maps now (nothing is cached between calls). Opens the pins anew each time,
 * so a program detached and attached again is followed. Nothing loaded is
 * v4via6_up 0, not an error. Returns 0, or -errno when out fails.
 */
int metrics_write(FILE *out, const char *pin_dir);

/*
 * The pin dir for metrics and exporter (see resolve_pin_dir): one given with
 * --pin-dir must exist; the default one may not yet (v4via6_up 0 until an
 * attach). Errors are printed with cmd_name() in front. 0 or -errno.
 */
int metrics_pin_dir(char *dir, size_t len);

#endif /* V4VIA6_METRICS_H */
