/* SPDX-License-Identifier: GPL-2.0-only */
/* The counter of the benchmark's sink program, shared with the user-space tools. */
#ifndef V4VIA6_BENCH_SINK_H
#define V4VIA6_BENCH_SINK_H

#include <linux/types.h>

/* One per CPU (a BPF_MAP_TYPE_PERCPU_ARRAY with one entry): user space sums them. */
struct sink_count {
	__u64 packets;
	__u64 bytes;
	/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the first frame on this CPU; 0 = none yet */
	__u64 first_ns;
};

#endif /* V4VIA6_BENCH_SINK_H */
