/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DIR-24-8 fast path of the routes map: tbl24, tbl8 and the nexthop
 * objects (see include/v4via6.h), kept equal to the routes LPM trie, and the
 * neighbours' MACs copied into the nexthop objects. The trie and the
 * neighbour map stay the source of truth; every writer of them goes through
 * this module, which updates them and the tables together, in an order that
 * never shows the program a wrong next hop, under a lock shared by every
 * v4via6 process.
 */
#ifndef V4VIA6_FIB24_H
#define V4VIA6_FIB24_H

#include <stdbool.h>
#include <stddef.h>

#include "v4via6.h"
#include "maps.h"
#include "state.h"

/* tbl24 and tbl8 are mmapped in windows of 32768 entries (128 KiB). */
#define FIB24_WIN_SHIFT	 15
#define FIB24_WINDOWS	 (V4VIA6_TBL24_ENTRIES >> FIB24_WIN_SHIFT)
#define FIB24_WINDOWS_T8 ((V4VIA6_TBL8_GROUPS * V4VIA6_BLOCK_ENTRIES) >> FIB24_WIN_SHIFT)

/*
 * A nexthops slot's `used` (the program never reads it): 0 when free, else
 * FIB24_SLOT_ALLOCATED and how many tbl24 and tbl8 entries point to the slot
 * (plus the holds of the writer running). Slot 0 is never a next hop: its
 * `used` is the tables' state word, FIB24_CLEAN when tbl24, tbl8, the counts,
 * the slots and their MACs agree with the trie and the neighbour map,
 * FIB24_DIRTY while a writer changes them (a writer that dies leaves it so;
 * the next fib24_lock repairs). Any other value (0: maps just created) is
 * repaired the same way.
 */
#define FIB24_SLOT_ALLOCATED (1U << 31)
#define FIB24_SLOT_REFS	     (FIB24_SLOT_ALLOCATED - 1)
#define FIB24_CLEAN	     0x636c6e32 /* "cln2" */
#define FIB24_DIRTY	     0x64727479 /* "drty" */

/*
 * A tbl8_owners entry: FIB24_GROUP_FREE, FIB24_GROUP_USED | the /24 (top 24
 * bits) whose tbl24 entry points to the block, or FIB24_GROUP_RELEASED: no
 * longer pointed to, reused after an RCU grace period.
 */
#define FIB24_GROUP_FREE     0ULL
#define FIB24_GROUP_USED     (1ULL << 32)
#define FIB24_GROUP_RELEASED (2ULL << 32)

struct fib24 {
	int routes_fd;
	int tbl24_fd;
	int tbl8_fd;
	int owners_fd;
	int nexthops_fd;
	int neighs_fd;
	int nh_stats_fd; /* -1: none (counters then not reset with a slot) */
	int nh_groups_fd;
	int nh_defs_fd;
	int links_down_fd;
	__u32 ngroups; /* tbl8 blocks: the map's size */
	__u32 group_hint; /* where group_alloc looks first */
	const char *lock_dir; /* its state lock (lock.h) guards writes; NULL: maps of one process */
	/*
	 * tbl24 and tbl8, mmapped a window at a time, when first needed:
	 * mapping all 64 MiB costs 10 ms (the kernel fills every page table
	 * entry at mmap), which `route add` of one /24 should not pay.
	 */
	__u32 *win[FIB24_WINDOWS];
	__u32 *win8[FIB24_WINDOWS_T8 ? FIB24_WINDOWS_T8 : 1];
	__u64 *owners; /* tbl8_owners, mmapped */
	struct nexthop_slot *slots; /* nexthops, mmapped */
	struct nh_group *nhg; /* nh_groups (ECMP buckets), mmapped */
	int lock_depth; /* fib24_lock nests: the outermost repairs dirty tables */
	int op_depth; /* writers nest (a rebuild inside a flush) */
	bool broken; /* a writer found the tables wrong: rebuilt when it ends */
};

/*
 * Maps the tables of m; the fds stay the caller's. lock_dir (the pin dir,
 * kept by pointer: it must outlive f) names the state lock that serializes
 * writers of several processes; NULL for maps only this process writes.
 * Tables left dirty (see FIB24_DIRTY) are repaired here, under the lock, and
 * by every fib24_lock that finds them so: one load when clean.
 * Returns 0 or -errno.
 */
int fib24_open(struct fib24 *f, const struct v4via6_maps *m, const char *lock_dir);
/* The same for the pinned state, locking its pin dir. */
int fib24_open_state(struct fib24 *f, const struct v4via6_state *st);
void fib24_close(struct fib24 *f);

/* The tbl24 entry of a /24 (index: top 24 bits, host order), NULL when it cannot be mapped. */
__u32 *fib24_entry(struct fib24 *f, __u32 i);
/* The 256 entries of tbl8 block g, NULL when out of range or not mappable. */
__u32 *fib24_block(struct fib24 *f, __u32 g);

/* True when the tables' state word says clean (no repair needed). */
bool fib24_clean(const struct fib24 *f);
/*
 * For status, without mapping anything: FIB24_STATE_DIRTY when a writer died
 * half-way, FIB24_STATE_WRITING when one is at work (it holds lock_dir's
 * lock), FIB24_STATE_CLEAN otherwise, or -errno.
 */
enum { FIB24_STATE_CLEAN, FIB24_STATE_DIRTY, FIB24_STATE_WRITING };
int fib24_tables_state(int nexthops_fd, const char *lock_dir);

/*
 * Holds off the writers of other processes until fib24_unlock (nests): the
 * state lock of lock_dir, only counted when the command holds it already. The
 * outermost lock repairs dirty tables first (-errno when that fails).
 */
int fib24_lock(struct fib24 *f);
void fib24_unlock(struct fib24 *f);

/*
 * Adds or overwrites one route, as bpf_map_update_elem on the trie with flags
 * BPF_ANY, BPF_NOEXIST or BPF_EXIST would. Returns 0 or -errno (-EEXIST,
 * -ENOENT as the flags say, -ENOSPC when no nexthops slot is left).
 */
int fib24_update(struct fib24 *f, const struct route_key *key, const struct nexthop *nh,
		 __u64 flags);
/* Deletes one route (exact prefix). Returns 0, -ENOENT or -errno. */
/*
 * Adds or overwrites n routes with distinct keys (BPF_ANY), as fib24_update
 * does one at a time, but with one BPF_MAP_UPDATE_BATCH into the trie: a
 * million routes go in about 40% faster than with a syscall each (apply).
 * *done says how many went in whole; keys[*done] is the one that failed.
 * Returns 0 or -errno.
 */
int fib24_update_batch(struct fib24 *f, const struct route_key *keys, const struct nexthop *nhs,
		       size_t n, size_t *done);
int fib24_delete(struct fib24 *f, const struct route_key *key);
/* Deletes every route. */
int fib24_flush(struct fib24 *f);
/*
 * Recomputes tbl24, tbl8, the blocks' owners, the slots' counts and their
 * MACs from the trie and the neighbour map, writing only the entries that
 * differ; the tables are clean after.
 */
int fib24_rebuild(struct fib24 *f);
/*
 * Compares the tables with what the trie and the neighbour map say they
 * must hold: returns the number of tbl24 and tbl8 entries, slot counts, block
 * owners and nexthop MACs that differ (0: equal), or -errno.
 */
long fib24_check(struct fib24 *f);

/*
 * The neighbour map's writers: each writes the map and the MAC of every
 * nexthop object of that next hop, as one change (a writer killed half-way
 * leaves the tables dirty, repaired from the map). val NULL deletes; flags
 * as bpf_map_update_elem's. Returns 0 or -errno of the map operation.
 */
int fib24_neigh_update(struct fib24 *f, const struct nexthop *key, const struct neigh *val,
		       __u64 flags);
int fib24_neigh_delete(struct fib24 *f, const struct nexthop *key);
/*
 * For many neighbour map writes at once (apply): fib24_write_begin, the
 * writes, then fib24_write_end, which copies every MAC into the nexthop
 * objects. Returns 0 or -errno.
 */
int fib24_write_begin(struct fib24 *f);
int fib24_write_end(struct fib24 *f);

/*
 * ECMP: nexthop objects by id and groups (include/v4via6.h, struct nh_def),
 * kept in the nh_defs map. A route names one by the struct nexthop that
 * nh_of_key makes (fib24_update as any route); the tables name the object's
 * group slot, whose buckets name the members' slots (nhgrp.h spreads them).
 */
void nh_of_key(const struct nh_key *key, struct nexthop *nh);
bool nh_is_group(const struct nexthop *nh);
/* The key a group next hop names (nh_is_group). */
void nh_key_of(const struct nexthop *nh, struct nh_key *key);

/*
 * Why def cannot be nexthop object id, as a message that names what is wrong
 * (static storage), or NULL: id 0, no member or more than
 * V4VIA6_NHGRP_MAX_SIZE, a weight of 0 or above V4VIA6_NH_MAX_WEIGHT, a
 * group (V4VIA6_NHDEF_GROUP, members by m[].id and m[].weight) naming itself,
 * an unknown object, another group or one id twice; one next hop (no GROUP
 * flag, n 1, m[0].nh) on ifindex 0 or V4VIA6_IFINDEX_GROUP.
 */
const char *fib24_nh_invalid(struct fib24 *f, __u32 id, const struct nh_def *def);
/*
 * Adds (flags BPF_NOEXIST), replaces (BPF_EXIST) or either (BPF_ANY) nexthop
 * object id; a group's members' next hops are read from their objects. A
 * replace rewrites the buckets of the object's group and of every group it
 * is a member of, in place, fewest buckets moved: every route follows at
 * once. The routes count of def is ignored (kept). Returns 0, -EEXIST,
 * -ENOENT, -EINVAL (fib24_nh_invalid says why), -ENOSPC (no group slot).
 */
int fib24_nh_set(struct fib24 *f, __u32 id, const struct nh_def *def, __u64 flags);
/* Deletes nexthop object id: 0, -ENOENT, -EBUSY when a route or a group names it. */
int fib24_nh_del(struct fib24 *f, __u32 id);
/* Reads a nexthop object (named or anonymous): 0 or -ENOENT. */
int fib24_nh_get(struct fib24 *f, const struct nh_key *key, struct nh_def *def);
/*
 * The next hop for a route of n next hops of its own (`nexthop via A dev X
 * weight W ...`, RTA_MULTIPATH): an anonymous object with those members (nh,
 * weight), found or made. It goes when no route names it any more. 0,
 * -EINVAL (fib24_nh_invalid's reasons), -ENOSPC.
 */
int fib24_nh_anon(struct fib24 *f, const struct nh_member *m, __u32 n, struct nexthop *nh);
/*
 * A link went down (up false) or came back: its members leave (come back
 * into) every group at once, one bucket table write per group however many
 * routes use it. A group with no member left passes its packets to the
 * kernel. Returns how many groups changed, or -errno.
 */
int fib24_link_set(struct fib24 *f, __u32 ifindex, bool up);
/* The group slot (nexthops index) of a nexthop object the tables use, 0 when none. */
__u32 fib24_nh_slot(struct fib24 *f, const struct nh_key *key);

#endif /* V4VIA6_FIB24_H */
