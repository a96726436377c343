/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The nexthop objects as the read-only commands see them (nexthop show,
 * status, metrics): the nexthops array through a read-only mapping, its
 * per-CPU counters summed, and the tbl8 pool's use. Nothing here writes a
 * map or takes the state lock; a writer may change a slot while it is read,
 * which at worst shows it as it was a moment before.
 */
#ifndef V4VIA6_NHVIEW_H
#define V4VIA6_NHVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "v4via6.h"
#include "fib24.h"

struct nh_view {
	const struct nexthop_slot *slots; /* slots[0 .. n-1]; slot 0 is never a next hop */
	__u32 n;
	size_t size; /* of the mapping, 0 when it is not nh_view_open's */
};

/* Maps the nexthops array read-only. 0 or -errno (-EINVAL: not a nexthops array). */
int nh_view_open(struct nh_view *v, int nexthops_fd);
void nh_view_close(struct nh_view *v);
/*
 * The same, but the mapping is kept for the next call while the map is the
 * same (same id): the exporter reads the array at every scrape, and a fresh
 * 2 MiB mapping costs its page tables every time. nh_view_close leaves it;
 * nh_view_release drops it (the program is gone: the old map must not be
 * kept alive).
 */
int nh_view_cached(struct nh_view *v, int nexthops_fd);
void nh_view_release(void);

/*
 * Slot i is a nexthop object in use: some tbl24 or tbl8 entry names it. A
 * released slot (no entry left, not yet wiped) is not.
 */
static inline bool nh_in_use(const struct nh_view *v, __u32 i)
{
	return i && i < v->n && (v->slots[i].used & FIB24_SLOT_REFS);
}

/* The slots in use, in index order, into idx (at most max); returns how many there are. */
__u32 nh_view_list(const struct nh_view *v, __u32 *idx, __u32 max);

/*
 * The counters of slots idx[0 .. n-1], summed over CPUs, into out[0 .. n-1].
 * One lookup per slot for a few, one batch of the whole array for many.
 * 0 or -errno.
 */
int nh_stats_read(int nh_stats_fd, const __u32 *idx, __u32 n, struct nh_stats *out);

/*
 * The ids of the nexthop objects of one kind (V4VIA6_NH_NAMED or
 * V4VIA6_NH_ANON) in the nh_defs map, sorted, into *ids (malloc'd, free
 * it). 0 or -errno.
 */
int nh_defs_ids(int nh_defs_fd, __u32 kind, __u32 **ids, __u32 *n);
/* The link is down (map links_down, kept by sync): its members have no bucket. */
bool nh_link_down(int links_down_fd, __u32 ifindex);

/* The named object that is a group with id among its members: its id, or 0. */
__u32 nh_group_naming(int nh_defs_fd, __u32 id);

/*
 * The slots in use whose next hop is nh (a next hop may hold two, see
 * fib24.h), from idx (nh_view_list's, sorted by nh_view_sort_by_nh): where
 * they start in idx and how many. For the counters of a group's members.
 */
void nh_view_sort_by_nh(const struct nh_view *v, __u32 *idx, __u32 n);
__u32 nh_view_find(const struct nh_view *v, const __u32 *idx, __u32 n, const struct nexthop *nh,
		   __u32 *first);

/* tbl8 blocks pointed to by tbl24 (FIB24_GROUP_USED), and the pool's size. 0 or -errno. */
int tbl8_blocks_used(int owners_fd, __u32 *used, __u32 *total);

/* How full the forwarding table's two pools are; -1 where a map cannot be read. */
struct pool_counts {
	long long nh, nh_limit; /* nexthop objects in use, and usable */
	long long t8_used, t8_total; /* tbl8 blocks in use, and in the pool */
};
void pool_counts_read(int nexthops_fd, int owners_fd, struct pool_counts *c);

#endif /* V4VIA6_NHVIEW_H */
