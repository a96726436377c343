/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading the per-CPU counter maps (stats: struct fwd_stats; if_stats: struct
 * if_stats per ingress ifindex) summed over CPUs. The counters' names and
 * offsets come from the map's BTF, so a counter added to the struct in
 * include/v4via6.h shows up in stats, metrics and stats -w by itself.
 */
#ifndef V4VIA6_COUNTERS_H
#define V4VIA6_COUNTERS_H

#include <linux/types.h>

#define COUNTERS_MAX	  64
#define COUNTER_NAME_SIZE 48

/* The __u64 members of a counter map's value struct. */
struct counter_names {
	int n;
	char name[COUNTERS_MAX][COUNTER_NAME_SIZE];
	__u32 off[COUNTERS_MAX]; /* byte offset in the value */
	__u32 value_size;
	__u32 max_entries;
};

/* Reads the names from the map's BTF. Returns 0 or -errno. */
int counters_names(int map_fd, struct counter_names *cn);

/*
 * Sums each counter over CPUs for the keys 0 .. nkeys-1 of a per-CPU array:
 * out[key * cn->n + i] is counter i of key. One batched lookup when the kernel
 * has it. Returns 0 or -errno.
 */
int counters_read(int map_fd, const struct counter_names *cn, __u32 nkeys, __u64 *out);

#endif /* V4VIA6_COUNTERS_H */
