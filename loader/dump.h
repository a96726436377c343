/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whole-table reads of the routes and neighs maps, sorted: what route show,
 * neigh show, apply's diff and status work on.
 */
#ifndef V4VIA6_DUMP_H
#define V4VIA6_DUMP_H

#include <stddef.h>
#include <linux/types.h>

#include "v4via6.h"

/* A routes map entry; nh is also the start of the map's value (struct route). */
struct route_entry {
	struct route_key key;
	union {
		struct route val;
		struct nexthop nh;
	};
};

struct neigh_entry {
	struct nexthop key;
	struct neigh val;
};

/* Every route, sorted by route_key_cmp; *out is malloc'd (free it). 0 or -errno. */
int route_dump(int routes_fd, struct route_entry **out, size_t *n);
/* Every neighbour, sorted by neigh_key_cmp; *out is malloc'd (free it). 0 or -errno. */
int neigh_dump(int neighs_fd, struct neigh_entry **out, size_t *n);
/* The keys of a map keyed by __u32 (at most max), sorted; returns their count. */
int map_keys_u32(int fd, __u32 *keys, int max);
/* qsort's comparison of two __u32. */
int cmp_u32(const void *a, const void *b);
/* Counts the keys of a map without reading values. */
size_t map_count(int fd, size_t key_size);

int route_entry_cmp(const void *a, const void *b);
int neigh_entry_cmp(const void *a, const void *b);

#endif /* V4VIA6_DUMP_H */
