/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the forwarding table's upkeep: what fib24.c (one route at a time),
 * fib24_whole.c (flush, rebuild, check) and nhobj.c (the nexthop objects)
 * share. Nothing else includes it.
 */
#ifndef V4VIA6_FIB24_INT_H
#define V4VIA6_FIB24_INT_H

#include "fib24.h"

#define WIN_ENTRIES (1U << FIB24_WIN_SHIFT)
#define WIN_BYTES   ((size_t)WIN_ENTRIES * sizeof(__u32))
#define BLOCK	    V4VIA6_BLOCK_ENTRIES

/* An entry that names a nexthop object (not empty, not a tbl8 block). */
static inline bool e_leaf(__u32 e)
{
	return (e & (V4VIA6_E_VALID | V4VIA6_T24_TBL8)) == V4VIA6_E_VALID;
}

static inline __u32 e_make(__u32 idx, __u32 len)
{
	return idx | len << V4VIA6_E_LEN_SHIFT | V4VIA6_E_VALID;
}

/* Entry i of tbl24 / the entries of block g, in windows mapped by t24_map / t8_map. */
static inline __u32 *t24(struct fib24 *f, __u32 i)
{
	return &f->win[i >> FIB24_WIN_SHIFT][i & (WIN_ENTRIES - 1)];
}

static inline __u32 *t8(struct fib24 *f, __u32 g)
{
	__u32 i = g * BLOCK;

	return &f->win8[i >> FIB24_WIN_SHIFT][i & (WIN_ENTRIES - 1)];
}

/* Map the windows of tbl24 entries first..first+n-1, of block g, of every block. 0 or -errno. */
int t24_map(struct fib24 *f, __u32 first, __u32 n);
int t8_map(struct fib24 *f, __u32 g);
int t8_map_all(struct fib24 *f);

/*
 * One aligned store of an entry of tbl24 or tbl8: the program reads the old
 * or the new entry, never a mix. The new slot counts the entry before it is
 * visible, the old one after.
 */
void e_store(struct fib24 *f, __u32 *p, __u32 v);

/* A writer starts / ends (see fib24.c): a death in between leaves the tables dirty. */
void op_begin(struct fib24 *f);
int op_end(struct fib24 *f);
int rebuild_locked(struct fib24 *f);
/* Maps everything and dumps the trie, under the lock (fib24_whole.c). */
struct route_entry;
int lock_whole(struct fib24 *f, struct route_entry **routes, size_t *n);

/* Waits until every program run that started before has ended. */
void grace_period(void);

/* nhobj.c: the nexthop objects. */
void ref_get(struct fib24 *f, __u32 idx);
void ref_put(struct fib24 *f, __u32 idx);
/*
 * The slot of a next hop with a hold on it, allocated (with its MAC, or a
 * group's buckets) if needed: its index as entries name it (a group's with
 * V4VIA6_E_NHGRP), -ENOSPC, or -ENOENT for a group with no def.
 */
int slot_get(struct fib24 *f, const struct nexthop *nh);
/* The slot of a next hop in use or released, without a hold: its index or -ENOENT. */
int slot_find(struct fib24 *f, const struct nexthop *nh);
void slot_put(struct fib24 *f, int idx);
/* Wipes the released slots after a grace period; returns how many. */
__u32 slots_reclaim(struct fib24 *f);
/* Wipes every slot but 0 (no entry points to one any more, after a grace period). */
void slots_wipe_all(struct fib24 *f);
/* The MAC word a slot of nh must hold, from the neighbour map. */
__u64 slot_mac_want(struct fib24 *f, const struct nexthop *nh);
/* Copies the neighbour map's MAC into every allocated slot (of key only, if not NULL). */
void slots_mac_sync(struct fib24 *f, const struct nexthop *key);
/* Slots whose MAC differs from the neighbour map's. */
long slots_mac_check(struct fib24 *f);

/* fib24_grp.c: group slots (ECMP). */
bool link_down(struct fib24 *f, __u32 ifindex);
/* New group slot g (its nh set): its buckets from its def, with their references; -ENOENT: no def. */
int grp_fill(struct fib24 *f, __u32 g);
/* Group slot g's buckets made to agree with its def and the links, fewest moved: moved or -errno. */
int grp_refresh(struct fib24 *f, __u32 g);
/* A wiped group slot gives its members' references back. */
void grp_release_members(struct fib24 *f, __u32 g);
/* Adds the references group slots hold on their members into refs. */
void grp_count_refs(struct fib24 *f, __u32 *refs);
/* The slot of a group key in use or released, 0 when none. */
__u32 grp_find(struct fib24 *f, const struct nh_key *key);
/* A def changed (refresh its slot) or is gone (its slot retired, its buckets emptied). */
void grp_changed(struct fib24 *f, const struct nh_key *key, bool gone);
/* Group slots in use whose buckets a refresh would change. */
long grp_check(struct fib24 *f);
/* nhdef.c: the routes count of the def a group next hop names, by delta (anonymous at 0: gone). */
void def_routes_adj(struct fib24 *f, const struct nexthop *nh, int delta);
/*
 * The same for a batch: the changes added up per object, written once each
 * by tally_flush (a 1 KiB def read and written per route cost 7 times the
 * batch's own time at 1M routes).
 */
#define DEF_TALLY_MAX 64
struct def_tally {
	struct nh_key key[DEF_TALLY_MAX];
	int delta[DEF_TALLY_MAX];
	int n;
};
void tally_add(struct fib24 *f, struct def_tally *t, const struct nexthop *nh, int delta);
void tally_flush(struct fib24 *f, struct def_tally *t);
/*
 * The counts of every def (routes from the trie's routes, groups naming it from
 * the groups), anonymous ones with no route removed: how many differed.
 */
long defs_recount(struct fib24 *f, const struct route_entry *routes, size_t n, bool fix);
/* An anonymous def that no route names (a route refused) goes. */
void def_gc(struct fib24 *f, const struct nexthop *nh);
/* Whether the def a group next hop names exists. */
bool defs_has(struct fib24 *f, const struct nexthop *nh);
/* Whether any def exists (routes by id may be in the trie). */
bool defs_any(struct fib24 *f);

/* Blocks: fib24.c. A block for /24 i24 (tbl24 then points to it), -ENOSPC. */
int group_get(struct fib24 *f, __u32 i24);
/* /24 i24's block goes back when it holds no route longer than /24. */
void group_try_collapse(struct fib24 *f, __u32 i24);
/* Puts the refs of a block's entries and marks it released. */
void group_release(struct fib24 *f, __u32 g);
/* A free block (owner set to i24), after reclaiming released ones if needed; -ENOSPC. */
int group_alloc(struct fib24 *f, __u32 i24);

#endif /* V4VIA6_FIB24_INT_H */
