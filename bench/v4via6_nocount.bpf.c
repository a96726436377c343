// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 without its per-nexthop counters (nh_stats), the one difference: the
 * bench runs it beside v4via6 to measure what the counters cost. Same maps,
 * same names, so the bench fills (or shares) them as v4via6's.
 */
#define V4VIA6_NO_NH_STATS
#include "../bpf/v4via6.bpf.c"
