// SPDX-License-Identifier: GPL-2.0-only
/*
 * Group slots (ECMP, include/v4via6.h): a nexthops slot below
 * V4VIA6_MAX_NHGRPS that a route by nexthop id names, and its buckets in
 * nh_groups, each naming a member's slot.
 *
 * Ownership: a group slot holds one reference on each distinct member slot
 * its buckets name, so a member's slot lives as long as a bucket may send a
 * packet to it. A change of the members (a replace, a link down or up) is
 * done in place: the new members' references are taken, each bucket that
 * changes is one aligned 16-bit store (a packet reads the old member or the
 * new one), then the old members' references go. A released group slot keeps
 * its buckets and references until it is wiped, after an RCU grace period
 * (slots_reclaim), so a packet that read the old entry still finds them.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "fib24_int.h"
#include "nhgrp.h"

/* A key no def has: a retired slot is never found again by slot_get. */
#define KIND_RETIRED 0xffffffffU

bool link_down(struct fib24 *f, __u32 ifindex)
{
	__u32 v;

	return f->links_down_fd >= 0 && !bpf_map_lookup_elem(f->links_down_fd, &ifindex, &v) && v;
}

/* The distinct nonzero slots of b, into set; how many. */
static int distinct(const __u16 *b, __u16 *set)
{
	int n = 0, k;
	__u32 j;

	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		if (!b[j])
			continue;
		for (k = 0; k < n && set[k] != b[j]; k++)
			;
		if (k == n)
			set[n++] = b[j];
	}
	return n;
}

/*
 * The buckets group slot g's def wants, from its buckets now (cur), moving the
 * fewest; the members' slots in ms[] (0: none): with take, held (the caller
 * puts them), else only looked up (check: -ENOENT when one has none). All
 * zero when no member is up or there is no def. 0 or -errno.
 */
static int want_buckets(struct fib24 *f, __u32 g, const __u16 *cur, __u16 *nb, int *ms,
			bool take)
{
	__u32 w[V4VIA6_NHGRP_MAX_SIZE], j, i, live = 0;
	__u16 mi[V4VIA6_NHGRP_BUCKETS];
	struct nh_def d;
	struct nh_key k;

	memset(nb, 0, V4VIA6_NHGRP_BUCKETS * sizeof(*nb));
	nh_key_of(&f->slots[g].nh, &k);
	if (!nh_is_group(&f->slots[g].nh) || k.kind == KIND_RETIRED ||
	    bpf_map_lookup_elem(f->nh_defs_fd, &k, &d) || !d.n || d.n > V4VIA6_NHGRP_MAX_SIZE)
		return 0;
	for (i = 0; i < d.n; i++) {
		w[i] = link_down(f, d.m[i].nh.ifindex) ? 0 : d.m[i].weight;
		if (!w[i])
			continue;
		ms[i] = take ? slot_get(f, &d.m[i].nh) : slot_find(f, &d.m[i].nh);
		if (ms[i] < 0) {
			int err = ms[i];

			ms[i] = 0;
			return err;
		}
		live++;
	}
	if (!live)
		return 0;
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		mi[j] = NHGRP_NONE;
		for (i = 0; i < d.n && cur[j]; i++)
			if (w[i] && ms[i] == cur[j]) {
				mi[j] = i;
				break;
			}
	}
	if (nhgrp_rebalance(mi, w, d.n) < 0)
		return -EINVAL;
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
		nb[j] = ms[mi[j]];
	return 0;
}

int grp_refresh(struct fib24 *f, __u32 g)
{
	__u16 cur[V4VIA6_NHGRP_BUCKETS], nb[V4VIA6_NHGRP_BUCKETS], set[V4VIA6_NHGRP_BUCKETS];
	int ms[V4VIA6_NHGRP_MAX_SIZE] = { 0 }, moved = 0, err, n, k;
	__u16 *b = f->nhg[g].bucket;
	__u32 j, i;

	if (!g || g >= V4VIA6_MAX_NHGRPS)
		return -ERANGE;
	memcpy(cur, b, sizeof(cur));
	err = want_buckets(f, g, cur, nb, ms, true);
	if (!err) {
		/* the new members first, the old ones after: a bucket never names a free slot */
		n = distinct(nb, set);
		for (k = 0; k < n; k++)
			ref_get(f, set[k]);
		for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
			if (cur[j] == nb[j])
				continue;
			__atomic_store_n(&b[j], nb[j], __ATOMIC_RELEASE);
			moved++;
		}
		n = distinct(cur, set);
		for (k = 0; k < n; k++)
			ref_put(f, set[k]);
	}
	for (i = 0; i < V4VIA6_NHGRP_MAX_SIZE; i++)
		slot_put(f, ms[i]);
	return err ?: moved;
}

int grp_fill(struct fib24 *f, __u32 g)
{
	int err;

	/*
	 * With no def (a route naming an object that is gone: only a hand
	 * edit of the maps does that, fib24_update refuses it), no bucket:
	 * the kernel routes its packets, and route check names it.
	 * Wiped with its last slot: nothing to give back.
	 */
	memset(&f->nhg[g], 0, sizeof(f->nhg[g]));
	err = grp_refresh(f, g);
	return err < 0 ? err : 0;
}

void grp_release_members(struct fib24 *f, __u32 g)
{
	__u16 set[V4VIA6_NHGRP_BUCKETS];
	int n, k;

	n = distinct(f->nhg[g].bucket, set);
	for (k = 0; k < n; k++)
		ref_put(f, set[k]);
	memset(&f->nhg[g], 0, sizeof(f->nhg[g]));
}

void grp_count_refs(struct fib24 *f, __u32 *refs)
{
	__u16 set[V4VIA6_NHGRP_BUCKETS];
	__u32 g;
	int n, k;

	for (g = 1; g < V4VIA6_MAX_NHGRPS; g++) {
		if (!f->slots[g].used)
			continue;
		n = distinct(f->nhg[g].bucket, set);
		for (k = 0; k < n; k++) /* a __u16: below V4VIA6_MAX_NEXTHOPS */
			refs[set[k]]++;
	}
}

/* The slot of a group key in use or released, 0 when none. */
__u32 grp_find(struct fib24 *f, const struct nh_key *key)
{
	struct nexthop nh;
	__u32 g;

	nh_of_key(key, &nh);
	for (g = 1; g < V4VIA6_MAX_NHGRPS; g++)
		if (f->slots[g].used && !memcmp(&f->slots[g].nh, &nh, sizeof(nh)))
			return g;
	return 0;
}

void grp_changed(struct fib24 *f, const struct nh_key *key, bool gone)
{
	__u32 g = grp_find(f, key);
	struct nh_key dead;

	if (!g)
		return;
	if (gone) {
		/* no entry names it (no route does): never found again, wiped later */
		dead = *key;
		dead.kind = KIND_RETIRED;
		nh_of_key(&dead, &f->slots[g].nh);
	}
	if (grp_refresh(f, g) < 0)
		f->broken = true;
}

long grp_check(struct fib24 *f)
{
	__u16 cur[V4VIA6_NHGRP_BUCKETS], nb[V4VIA6_NHGRP_BUCKETS];
	int ms[V4VIA6_NHGRP_MAX_SIZE];
	long bad = 0;
	__u32 g, j;

	for (g = 1; g < V4VIA6_MAX_NHGRPS; g++) {
		if (!(f->slots[g].used & FIB24_SLOT_REFS) || !nh_is_group(&f->slots[g].nh))
			continue;
		/*
		 * What a refresh would write: nothing when the buckets are
		 * right (each member its share, no stranger), else the moves.
		 */
		memcpy(cur, f->nhg[g].bucket, sizeof(cur));
		memset(ms, 0, sizeof(ms));
		if (want_buckets(f, g, cur, nb, ms, false)) {
			bad++;
			continue;
		}
		for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
			bad += cur[j] != nb[j];
	}
	return bad;
}
