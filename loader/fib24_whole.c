// SPDX-License-Identifier: GPL-2.0-only
/*
 * The forwarding table as a whole (see fib24.h): flush, the rebuild from the
 * trie and the neighbour map that repairs what an interrupted writer or a
 * hand-written entry left, and the check that counts what differs.
 *
 * Both compute the tables the trie makes, in memory, with routes (not slots)
 * as next hops: tbl24 from the routes of /24 and shorter, shortest first so
 * that a longer route overwrites the entries it owns, then for each /24 with
 * longer routes a block, seeded with its /24's entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "common.h"
#include "dump.h"
#include "fib24_int.h"

int lock_whole(struct fib24 *f, struct route_entry **routes, size_t *n)
{
	int err = fib24_lock(f);

	if (err)
		return err;
	*routes = NULL;
	*n = 0;
	err = route_dump(f->routes_fd, routes, n);
	if (!err)
		err = t24_map(f, 0, V4VIA6_TBL24_ENTRIES);
	if (!err)
		err = t8_map_all(f);
	if (err) {
		free(*routes);
		*routes = NULL;
		fib24_unlock(f);
	}
	return err;
}

int fib24_flush(struct fib24 *f)
{
	struct route_entry *routes = NULL;
	size_t n = 0, i;
	__u32 j, e;
	int err;

	err = lock_whole(f, &routes, &n);
	if (err)
		return err;
	op_begin(f);
	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++) {
		e = *t24(f, j);
		if (!e)
			continue;
		e_store(f, t24(f, j), 0);
		if (e & V4VIA6_T24_TBL8)
			group_release(f, V4VIA6_E_GROUP(e));
	}
	for (i = 0; i < n; i++) {
		if (bpf_map_delete_elem(f->routes_fd, &routes[i].key) && errno != ENOENT) {
			err = -errno;
			break;
		}
	}
	if (err) { /* some routes are left: the tables must show them again */
		f->broken = true;
	} else {
		/* no entry points to a slot or a block any more */
		grace_period();
		slots_wipe_all(f);
		/* no route names a nexthop object: counts 0, the multipath routes' ones go */
		if (defs_recount(f, NULL, 0, true) < 0)
			err = -ENOMEM;
		for (j = 0; j < f->ngroups; j++) {
			memset(t8(f, j), 0, BLOCK * sizeof(__u32));
			f->owners[j] = FIB24_GROUP_FREE;
		}
		f->broken = false;
	}
	err = op_end(f) ?: err;
	free(routes);
	fib24_unlock(f);
	return err;
}

static int cmp_len(const void *a, const void *b)
{
	const struct route_entry *x = a, *y = b;

	return x->key.prefixlen < y->key.prefixlen ? -1 : x->key.prefixlen > y->key.prefixlen;
}

/* A wanted entry's route (its index in the dump: up to 2^23 routes). */
#define W_ROUTE(w) ((w)&0x7fffffU)

/* The tables the trie makes (see above). */
struct want {
	__u32 *t; /* tbl24: an entry with route indexes, or TBL8 | a block of b */
	__u32 *b; /* blocks, 256 entries each */
	__u32 nb;
};

static void want_free(struct want *w)
{
	free(w->t);
	free(w->b);
}

static int want_compute(struct route_entry *routes, size_t n, struct want *w)
{
	__u32 first, cnt, j, i24, *blk, len, addr;
	size_t i, nlong = 0;

	memset(w, 0, sizeof(*w));
	if (n)
		qsort(routes, n, sizeof(*routes), cmp_len);
	for (i = 0; i < n; i++)
		nlong += routes[i].key.prefixlen > 24;
	w->t = calloc(V4VIA6_TBL24_ENTRIES, sizeof(*w->t));
	w->b = calloc((nlong ? nlong : 1) * BLOCK, sizeof(*w->b));
	if (!w->t || !w->b) {
		want_free(w);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		len = routes[i].key.prefixlen;
		addr = ntohl(routes[i].key.addr);
		if (len <= 24) {
			first = (len ? addr & ~0U << (32 - len) : 0) >> 8;
			cnt = 1U << (24 - len);
			for (j = first; j < first + cnt; j++)
				w->t[j] = e_make(i, len);
			continue;
		}
		i24 = addr >> 8;
		if (!(w->t[i24] & V4VIA6_T24_TBL8)) {
			/* every shorter route is in: the block starts as its /24 */
			for (j = 0; j < BLOCK; j++)
				w->b[w->nb * BLOCK + j] = w->t[i24];
			w->t[i24] = V4VIA6_T24_TBL8 | w->nb++;
		}
		blk = &w->b[V4VIA6_E_GROUP(w->t[i24]) * BLOCK];
		first = addr & 0xff & ~0U << (32 - len);
		for (j = first; j < first + (1U << (32 - len)); j++)
			blk[j] = e_make(i, len);
	}
	return 0;
}

/*
 * How many leaves of tbl24 and of the blocks tbl24 points to name each slot,
 * into refs (zeroed); the blocks pointed to are marked in seen (zeroed), each
 * by the first /24 pointing to it (another one pointing to it is damage).
 */
static void count_refs(struct fib24 *f, __u32 *refs, __u32 *seen)
{
	__u32 j, k, e, g, *b;

	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++) {
		e = *t24(f, j);
		if (e_leaf(e) && V4VIA6_E_NH(e) < V4VIA6_MAX_NEXTHOPS)
			refs[V4VIA6_E_NH(e)]++;
		if (!(e & V4VIA6_T24_TBL8))
			continue;
		g = V4VIA6_E_GROUP(e);
		if (g >= f->ngroups || seen[g])
			continue;
		seen[g] = j + 1;
		b = t8(f, g);
		for (k = 0; k < BLOCK; k++)
			if (e_leaf(b[k]) && V4VIA6_E_NH(b[k]) < V4VIA6_MAX_NEXTHOPS)
				refs[V4VIA6_E_NH(b[k])]++;
	}
	grp_count_refs(f, refs);
}

/* The slot of route i (a hold, taken once, kept in slot[i]), or -errno. */
static int route_slot(struct fib24 *f, const struct route_entry *routes, int *slot, __u32 i)
{
	if (!slot[i])
		slot[i] = slot_get(f, &routes[i].nh);
	return slot[i];
}

/* A wanted entry (route index) as a table entry (slot), or -errno. */
static long translate(struct fib24 *f, const struct route_entry *routes, int *slot, __u32 w)
{
	int s;

	if (!e_leaf(w))
		return w;
	s = route_slot(f, routes, slot, W_ROUTE(w));
	return s < 0 ? s : (long)e_make(s, V4VIA6_E_LEN(w));
}

/* Writes the block of /24 i (wanted: wb) in place, or into a new block. */
static int rebuild_block(struct fib24 *f, const struct route_entry *routes, int *slot,
			 const __u32 *wb, __u32 i, __u32 *seen)
{
	__u32 cur = *t24(f, i), g = V4VIA6_E_GROUP(cur), j, *b;
	bool own = (cur & V4VIA6_T24_TBL8) && g < f->ngroups && seen[g] == i + 1;
	long v;
	int ng;

	if (own) {
		f->owners[g] = FIB24_GROUP_USED | i;
	} else {
		ng = group_alloc(f, i);
		if (ng < 0)
			return ng;
		g = ng;
	}
	b = t8(f, g);
	for (j = 0; j < BLOCK; j++) {
		v = translate(f, routes, slot, wb[j]);
		if (v < 0)
			return v;
		if (b[j] != v)
			e_store(f, &b[j], v);
	}
	/* also where bits the program ignores were set by hand */
	if (!own || cur != (V4VIA6_T24_TBL8 | g))
		e_store(f, t24(f, i), V4VIA6_T24_TBL8 | g);
	return 0;
}

/*
 * Recomputes the tables from the trie, under the lock: the slots' counts and
 * the blocks' owners from what the tables hold now, then each entry that
 * differs from what the trie says, by the same stores as every writer (so,
 * in an order that is safe for the program), then the slots' MACs.
 */
int rebuild_locked(struct fib24 *f)
{
	struct route_entry *routes = NULL;
	__u32 *refs = NULL, *seen = NULL, j, cur;
	int *slot = NULL;
	struct want w = {};
	size_t n = 0, i;
	long v;
	int err;

	err = lock_whole(f, &routes, &n);
	if (err)
		return err;
	op_begin(f);
	refs = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*refs));
	seen = calloc(f->ngroups ? f->ngroups : 1, sizeof(*seen));
	slot = calloc(n ? n : 1, sizeof(*slot));
	err = refs && seen && slot ? want_compute(routes, n, &w) : -ENOMEM;
	if (err)
		goto out;
	count_refs(f, refs, seen);
	for (j = 1; j < V4VIA6_MAX_NEXTHOPS; j++) {
		if (refs[j])
			f->slots[j].used = FIB24_SLOT_ALLOCATED | refs[j];
		else if (f->slots[j].used) /* released: wiped after a grace period */
			f->slots[j].used = FIB24_SLOT_ALLOCATED;
	}
	/* a block no /24 points to is released; one pointed to is its /24's */
	for (j = 0; j < f->ngroups; j++)
		if (seen[j])
			f->owners[j] = FIB24_GROUP_USED | (seen[j] - 1);
		else if (f->owners[j] != FIB24_GROUP_FREE)
			f->owners[j] = FIB24_GROUP_RELEASED;
	/* the objects' counts of routes, then each group's buckets as its object says */
	err = defs_recount(f, routes, n, true) < 0 ? -ENOMEM : 0;
	for (j = 1; j < V4VIA6_MAX_NHGRPS && !err; j++)
		if (f->slots[j].used && nh_is_group(&f->slots[j].nh) && grp_refresh(f, j) < 0)
			err = -ENOSPC;
	for (j = 0; j < V4VIA6_TBL24_ENTRIES && !err; j++) {
		cur = *t24(f, j);
		if (w.t[j] & V4VIA6_T24_TBL8) {
			err = rebuild_block(f, routes, slot, &w.b[V4VIA6_E_GROUP(w.t[j]) * BLOCK],
					    j, seen);
			continue;
		}
		v = translate(f, routes, slot, w.t[j]);
		if (v < 0) {
			err = v;
			break;
		}
		if (cur == v)
			continue;
		e_store(f, t24(f, j), v);
		/* its block (if its own) goes back; the store made it unreachable */
		if ((cur & V4VIA6_T24_TBL8) && V4VIA6_E_GROUP(cur) < f->ngroups &&
		    seen[V4VIA6_E_GROUP(cur)] == j + 1)
			group_release(f, V4VIA6_E_GROUP(cur));
	}
	for (i = 0; i < n; i++)
		slot_put(f, slot[i]);
	if (!err)
		slots_mac_sync(f, NULL);
out:
	/* counted from scratch: whatever was wrong before is right now */
	f->broken = !!err;
	if (err)
		f->op_depth--; /* stays dirty */
	else
		err = op_end(f);
	want_free(&w);
	free(refs);
	free(seen);
	free(slot);
	free(routes);
	fib24_unlock(f);
	return err;
}

int fib24_rebuild(struct fib24 *f)
{
	return rebuild_locked(f);
}

/* Whether table entry e is the wanted entry w (route indexes): same route, by its next hop. */
static bool entry_ok(struct fib24 *f, const struct route_entry *routes, __u32 e, __u32 w)
{
	const struct nexthop_slot *s;

	const __u32 known = V4VIA6_E_VALID | V4VIA6_E_LEN_MASK << V4VIA6_E_LEN_SHIFT |
			    V4VIA6_E_NHGRP | V4VIA6_E_NH_MASK;

	if (!e_leaf(w))
		return e == w;
	if (!e_leaf(e) || V4VIA6_E_LEN(e) != V4VIA6_E_LEN(w) || (e & ~known))
		return false;
	if (!V4VIA6_E_NH(e) || V4VIA6_E_NH(e) >= V4VIA6_MAX_NEXTHOPS)
		return false;
	/* a group's slot, and only a group's, is named with V4VIA6_E_NHGRP */
	if (!(e & V4VIA6_E_NHGRP) != (V4VIA6_E_NH(e) >= V4VIA6_MAX_NHGRPS))
		return false;
	s = &f->slots[V4VIA6_E_NH(e)];
	return s->used && !memcmp(&s->nh, &routes[W_ROUTE(w)].nh, sizeof(s->nh));
}

static long check_tables(struct fib24 *f, const struct route_entry *routes, const struct want *w,
			 __u32 *refs, __u32 *seen)
{
	__u32 j, k, e, g, *wb;
	long bad = 0;

	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++) {
		e = *t24(f, j);
		if (!(w->t[j] & V4VIA6_T24_TBL8)) {
			bad += !entry_ok(f, routes, e, w->t[j]);
			continue;
		}
		g = V4VIA6_E_GROUP(e);
		if (e != (V4VIA6_T24_TBL8 | g) || g >= f->ngroups || seen[g] != j + 1 ||
		    f->owners[g] != (FIB24_GROUP_USED | j)) {
			bad++;
			continue;
		}
		wb = &w->b[V4VIA6_E_GROUP(w->t[j]) * BLOCK];
		for (k = 0; k < BLOCK; k++)
			bad += !entry_ok(f, routes, t8(f, g)[k], wb[k]);
	}
	/* a slot whose count is wrong would be freed too early, or never */
	for (j = 1; j < V4VIA6_MAX_NEXTHOPS; j++)
		if (refs[j] && f->slots[j].used != (FIB24_SLOT_ALLOCATED | refs[j]))
			bad++;
		else if (!refs[j] && (f->slots[j].used & FIB24_SLOT_REFS))
			bad++;
	/* a block marked in use that no /24 points to would never come back */
	for (g = 0; g < f->ngroups; g++)
		if (!seen[g] && (f->owners[g] & FIB24_GROUP_USED))
			bad++;
	return bad + slots_mac_check(f) + grp_check(f);
}

long fib24_check(struct fib24 *f)
{
	struct route_entry *routes = NULL;
	__u32 *refs = NULL, *seen = NULL;
	struct want w = {};
	size_t n = 0;
	long bad = 0, v;
	int err;

	err = lock_whole(f, &routes, &n);
	if (err)
		return err;
	refs = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*refs));
	seen = calloc(f->ngroups ? f->ngroups : 1, sizeof(*seen));
	err = refs && seen ? want_compute(routes, n, &w) : -ENOMEM;
	if (!err) {
		count_refs(f, refs, seen);
		bad = check_tables(f, routes, &w, refs, seen);
		v = defs_recount(f, routes, n, false);
		if (v < 0)
			err = v;
		else
			bad += v;
	}
	want_free(&w);
	free(refs);
	free(seen);
	free(routes);
	fib24_unlock(f);
	return err ? err : bad;
}
