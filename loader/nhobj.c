// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nexthop objects: slots of the nexthops array that tbl24 and tbl8
 * entries name by index, one per distinct next hop in use, each with the
 * next hop's MAC copied from the neighbour map.
 *
 * Ownership: a slot's `used` counts the entries that point to it, plus the
 * holds of the operation running (a slot handed to a route that is not in
 * the tables yet), so no slot is taken back while anything still needs it. A
 * slot whose count falls to 0 keeps its next hop (a packet that read the old
 * entry just before it changed still finds the right one) and is wiped for
 * another next hop only after an RCU grace period, when no program run that
 * could have read the old entry is left. Its counters are zeroed with it.
 *
 * MACs: a slot's MAC is one aligned 8-byte word (struct nh_mac), written by
 * one store, so a neighbour's new MAC reaches every route through the next
 * hop at once and no packet sees half of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fib24_int.h"

void ref_get(struct fib24 *f, __u32 idx)
{
	struct nexthop_slot *s = &f->slots[idx % V4VIA6_MAX_NEXTHOPS];

	if (!idx || idx >= V4VIA6_MAX_NEXTHOPS || (s->used & FIB24_SLOT_REFS) == FIB24_SLOT_REFS)
		f->broken = true;
	else
		s->used = FIB24_SLOT_ALLOCATED | ((s->used & FIB24_SLOT_REFS) + 1);
}

/* One reference less; at 0 the slot is released but keeps its next hop (see above). */
void ref_put(struct fib24 *f, __u32 idx)
{
	struct nexthop_slot *s = &f->slots[idx % V4VIA6_MAX_NEXTHOPS];

	/* a count that would go below 0 was wrong already: the table is repaired */
	if (!idx || idx >= V4VIA6_MAX_NEXTHOPS || !(s->used & FIB24_SLOT_REFS))
		f->broken = true;
	else
		s->used--;
}

__u64 slot_mac_want(struct fib24 *f, const struct nexthop *nh)
{
	union {
		__u64 word;
		struct nh_mac m;
	} w = { .word = 0 };
	struct neigh n;

	if (nh->ifindex != V4VIA6_IFINDEX_KERNEL && f->neighs_fd >= 0 &&
	    !bpf_map_lookup_elem(f->neighs_fd, nh, &n)) {
		memcpy(w.m.mac, n.mac, sizeof(w.m.mac));
		w.m.known = 1;
	}
	return w.word;
}

static void mac_store(struct nexthop_slot *s, __u64 word)
{
	__atomic_store_n((__u64 *)&s->dmac, word, __ATOMIC_RELEASE);
}

/* The slot's counters start again from zero: it becomes another next hop. */
static void stats_zero(struct fib24 *f, __u32 idx)
{
	static struct nh_stats *zero;
	static int ncpus;

	if (f->nh_stats_fd < 0)
		return;
	if (!zero) {
		ncpus = libbpf_num_possible_cpus();
		zero = ncpus > 0 ? calloc(ncpus, sizeof(*zero)) : NULL;
		if (!zero)
			return;
	}
	bpf_map_update_elem(f->nh_stats_fd, &idx, zero, BPF_ANY);
}

/* A released slot is wiped; a group's members lose its references (fib24_grp.c). */
static void slot_wipe(struct fib24 *f, __u32 i)
{
	if (i < V4VIA6_MAX_NHGRPS)
		grp_release_members(f, i);
	memset(&f->slots[i], 0, sizeof(f->slots[i]));
	stats_zero(f, i);
}

__u32 slots_reclaim(struct fib24 *f)
{
	static __u64 was[V4VIA6_MAX_NEXTHOPS / 64];
	__u32 i, n = 0;

	/*
	 * The slots released now, before the grace period: a member that a
	 * wiped group releases on the way waits for the next one.
	 */
	memset(was, 0, sizeof(was));
	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++)
		if (f->slots[i].used == FIB24_SLOT_ALLOCATED) {
			was[i / 64] |= 1ULL << (i % 64);
			n++;
		}
	if (!n)
		return 0;
	grace_period();
	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++)
		if ((was[i / 64] >> (i % 64) & 1) && f->slots[i].used == FIB24_SLOT_ALLOCATED)
			slot_wipe(f, i);
	return n;
}

void slots_wipe_all(struct fib24 *f)
{
	__u32 i;

	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++) {
		if (!f->slots[i].used && !f->slots[i].nh.ifindex)
			continue;
		memset(&f->slots[i], 0, sizeof(f->slots[i]));
		stats_zero(f, i);
	}
	memset(f->nhg, 0, V4VIA6_MAX_NHGRPS * sizeof(*f->nhg));
}

static __u32 nexthop_hash(const struct nexthop *nh)
{
	const unsigned char *p = (const unsigned char *)nh;
	__u32 h = 2166136261U; /* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(*nh); i++)
		h = (h ^ p[i]) * 16777619U;
	return h;
}

/* Where a next hop's probe runs: group slots below V4VIA6_MAX_NHGRPS, the others above. */
static void probe_range(const struct nexthop *nh, __u32 *lo, __u32 *n)
{
	bool grp = nh_is_group(nh);

	*lo = grp ? 1 : V4VIA6_MAX_NHGRPS;
	*n = grp ? V4VIA6_MAX_NHGRPS - 1 : V4VIA6_MAX_NEXTHOPS - V4VIA6_MAX_NHGRPS;
}

/* A slot's index as an entry names it: a group's with V4VIA6_E_NHGRP. */
static int slot_ref(__u32 i)
{
	return i < V4VIA6_MAX_NHGRPS ? (int)(i | V4VIA6_E_NHGRP) : (int)i;
}

int slot_find(struct fib24 *f, const struct nexthop *nh)
{
	__u32 lo, n, start, k, i;

	probe_range(nh, &lo, &n);
	start = nexthop_hash(nh) % n;
	for (k = 0; k < n; k++) {
		i = lo + (start + k) % n;
		if (f->slots[i].used && !memcmp(&f->slots[i].nh, nh, sizeof(*nh)))
			return i;
	}
	return -ENOENT;
}

/* A new slot i for nh: its MAC, or for a group its buckets; complete before it is used. */
static int slot_fill(struct fib24 *f, __u32 i, const struct nexthop *nh)
{
	struct nexthop_slot *s = &f->slots[i];
	int err;

	s->nh = *nh;
	if (nh_is_group(nh)) {
		mac_store(s, 0);
		err = grp_fill(f, i);
		if (err) {
			memset(s, 0, sizeof(*s));
			return err;
		}
	} else {
		mac_store(s, slot_mac_want(f, nh));
	}
	/* the slot is complete before any entry points to it */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->used = FIB24_SLOT_ALLOCATED | 1;
	return 0;
}

/*
 * Linear probing from the next hop's hash over its range of slots. A slot
 * wiped by slots_reclaim may end a probe early, and the next hop then gets a
 * second slot: harmless, both hold the same next hop and MAC (or buckets).
 */
int slot_get(struct fib24 *f, const struct nexthop *nh)
{
	__u32 lo, n, start, k, i;
	struct nexthop_slot *s;
	int pass, err;

	probe_range(nh, &lo, &n);
	start = nexthop_hash(nh) % n;
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < n; k++) {
			i = lo + (start + k) % n;
			s = &f->slots[i];
			if (s->used && !memcmp(&s->nh, nh, sizeof(*nh))) {
				ref_get(f, i);
				return slot_ref(i);
			}
			if (s->used)
				continue;
			err = slot_fill(f, i, nh);
			return err ? err : slot_ref(i);
		}
		if (!slots_reclaim(f))
			break;
	}
	return -ENOSPC;
}

void slot_put(struct fib24 *f, int idx)
{
	if (idx > 0)
		ref_put(f, idx & V4VIA6_E_NH_MASK);
}

void slots_mac_sync(struct fib24 *f, const struct nexthop *key)
{
	struct nexthop_slot *s;
	__u64 want = 0;
	bool have = false;
	__u32 i;

	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++) {
		s = &f->slots[i];
		if (!s->used || (key && memcmp(&s->nh, key, sizeof(*key))))
			continue;
		/* one lookup for a key, one per slot for all */
		if (!key || !have)
			want = slot_mac_want(f, &s->nh);
		have = true;
		if (*(__u64 *)&s->dmac != want)
			mac_store(s, want);
	}
}

long slots_mac_check(struct fib24 *f)
{
	long bad = 0;
	__u32 i;

	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++)
		if (f->slots[i].used &&
		    *(__u64 *)&f->slots[i].dmac != slot_mac_want(f, &f->slots[i].nh))
			bad++;
	return bad;
}

static int neigh_write(struct fib24 *f, const struct nexthop *key, const struct neigh *val,
		       __u64 flags)
{
	int err = fib24_write_begin(f), e2;

	if (err)
		return err;
	if (val ? bpf_map_update_elem(f->neighs_fd, key, val, flags) :
		  bpf_map_delete_elem(f->neighs_fd, key))
		err = -errno;
	else
		slots_mac_sync(f, key);
	e2 = op_end(f);
	fib24_unlock(f);
	return e2 ?: err;
}

int fib24_neigh_update(struct fib24 *f, const struct nexthop *key, const struct neigh *val,
		       __u64 flags)
{
	return neigh_write(f, key, val, flags);
}

int fib24_neigh_delete(struct fib24 *f, const struct nexthop *key)
{
	return neigh_write(f, key, NULL, 0);
}
