// SPDX-License-Identifier: GPL-2.0-only
/*
 * audit_fib24 PIN_DIR: checks the forwarding table of a pinned state against
 * the routes trie and the neighbour map, without loader/fib24*.c (an audit
 * that shared their code would share their mistakes): the trie dumped key by
 * key; the routes of /24 or shorter painted shortest first into a plain array
 * (each /24 gets its longest covering route), and for each /24 that holds
 * longer routes, its 256 addresses painted the same way. Then:
 *  - every one of the 2^24 tbl24 entries: a leaf of its route (valid, its
 *    length, a nexthop slot holding its next hop), 0 where no route covers it,
 *    or, for a /24 with longer routes, a tbl8 block that tbl8_owners gives to
 *    that /24 (and to no other), whose 256 entries are each the leaf of the
 *    longest match;
 *  - every block marked in use is pointed to by the /24 that owns it;
 *  - every slot's count is the number of tbl24 and tbl8 leaves naming it;
 *  - every slot in use holds its next hop's MAC from the neighbour map (known),
 *    or none (not known) when the map has no entry;
 *  - a route by nexthop id names a group slot (V4VIA6_E_NHGRP, below
 *    V4VIA6_MAX_NHGRPS) and nothing else does; every bucket of a group slot
 *    in use names a slot holding one of its object's members' next hops, and
 *    each distinct member slot counts one reference of the group.
 * Prints "audit: N routes, M /24 entries differ, ..." and the first few
 * differences; exits 0 when nothing differs and the state word (slot 0) is not
 * dirty, 1 otherwise, 2 on error. Used by test-crash.sh and test-fib24.sh.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "v4via6.h"
#include "fib24.h" /* the values of the state word, the slot counts and the owners only */

struct rt {
	struct route_key key;
	struct nexthop nh;
};

static int open_pin(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "audit: %s: %s\n", path, strerror(errno));
	return fd;
}

#define BATCH 8192

/* Every route of the trie: by BPF_MAP_LOOKUP_BATCH, or key by key where the kernel has no batch. */
static struct rt *dump_trie(int fd, size_t *n)
{
	static struct route_key keys[BATCH];
	static struct route vals[BATCH];
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct route_key key, next, in, out;
	size_t cap = 1 << 16;
	struct rt *r = malloc(cap * sizeof(*r));
	struct route val;
	bool first = true;
	void *prev = NULL;
	__u32 count, i;
	int err;

	*n = 0;
	for (;;) {
		count = BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &count, &opts);
		if (err && errno != ENOENT)
			break;
		for (i = 0; r && i < count; i++) {
			if (*n == cap) {
				cap *= 2;
				r = realloc(r, cap * sizeof(*r));
				if (!r)
					return NULL;
			}
			r[*n].key = keys[i];
			r[(*n)++].nh = vals[i].nh;
		}
		if (err || !r)
			return r; /* ENOENT: that was the last batch */
		in = out;
		first = false;
	}
	if (!first) {
		fprintf(stderr, "audit: batch lookup failed: %s\n", strerror(errno));
		free(r);
		return NULL;
	}
	while (r && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		/* a lookup is a longest match: it returns this key's own value */
		if (bpf_map_lookup_elem(fd, &key, &val) || val.prefixlen != key.prefixlen) {
			fprintf(stderr, "audit: lookup of a dumped key failed\n");
			free(r);
			return NULL;
		}
		if (*n == cap) {
			cap *= 2;
			r = realloc(r, cap * sizeof(*r));
			if (!r)
				break;
		}
		r[*n].key = key;
		r[(*n)++].nh = val.nh;
	}
	return r;
}

static int by_len(const void *a, const void *b)
{
	const struct rt *x = a, *y = b;

	return (x->key.prefixlen > y->key.prefixlen) - (x->key.prefixlen < y->key.prefixlen);
}

static __u32 max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/* What the audit reads: the maps, mmapped read-only, and the routes. */
struct audit {
	const __u32 *t24; /* 2^24 entries */
	const __u32 *t8; /* ngroups blocks of 256 */
	const __u64 *owners;
	const struct nexthop_slot *slots;
	const struct nh_group *nhg; /* the groups' buckets */
	__u32 ngroups;
	struct rt *r; /* sorted by length */
	size_t n;
	__u32 *refs; /* per slot: the leaves naming it */
	__u32 *pointed; /* per block: the /24 pointing to it + 1 */
	unsigned long bad;
};

/*
 * Group slots in use: each bucket a member's slot (0 only when none is up:
 * then all are 0), and one reference per distinct member slot. Returns the
 * buckets (or groups) that are wrong.
 */
static unsigned long audit_groups(struct audit *a, int defs_fd)
{
	const struct nh_group *grp = a->nhg;
	unsigned long bad = 0;
	__u32 g, j, i, k;
	struct nh_def d;

	for (g = 1; g < V4VIA6_MAX_NHGRPS; g++) {
		__u8 seen[V4VIA6_MAX_NEXTHOPS / 8] = { 0 }; /* member slots counted */

		if (!a->slots[g].used)
			continue;
		if (a->slots[g].nh.ifindex != V4VIA6_IFINDEX_GROUP) {
			if (bad++ < 10)
				printf("  group slot %u holds a next hop that is no group\n", g);
			continue;
		}
		if (bpf_map_lookup_elem(defs_fd, a->slots[g].nh.addr, &d))
			d.n = 0; /* retired or gone: its buckets must be empty */
		for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
			k = grp[g].bucket[j];
			if (!k)
				continue;
			for (i = 0; i < d.n && i < V4VIA6_NHGRP_MAX_SIZE; i++)
				if (k < V4VIA6_MAX_NEXTHOPS && a->slots[k].used &&
				    !memcmp(&a->slots[k].nh, &d.m[i].nh, sizeof(d.m[i].nh)))
					break;
			if (i == d.n || i == V4VIA6_NHGRP_MAX_SIZE) {
				if (bad++ < 10)
					printf("  group slot %u bucket %u: slot %u is none of its "
					       "members\n",
					       g, j, k);
				continue;
			}
			if (!(seen[k / 8] & 1 << (k % 8)))
				a->refs[k]++;
			seen[k / 8] |= 1 << (k % 8);
		}
	}
	return bad;
}

static void report(struct audit *a, __u32 j, int byte, const char *fmt, __u32 x)
{
	if (a->bad++ >= 10)
		return;
	if (byte < 0)
		printf("  %u.%u.%u.0/24: ", j >> 16, (j >> 8) & 255, j & 255);
	else
		printf("  %u.%u.%u.%d (tbl8): ", j >> 16, (j >> 8) & 255, j & 255, byte);
	printf(fmt, x);
	printf("\n");
}

/* Entry e of /24 j (byte: its tbl8 entry, -1: tbl24) must be the leaf of route ri + 1 (0: none). */
static void check_leaf(struct audit *a, __u32 e, __u32 ri, __u32 j, int byte)
{
	const struct rt *want = ri ? &a->r[ri - 1] : NULL;
	__u32 k = V4VIA6_E_NH(e);

	if (!want) {
		if (e)
			report(a, j, byte, "entry 0x%08x, but no route covers it", e);
		return;
	}
	if ((e & (V4VIA6_E_VALID | V4VIA6_T24_TBL8)) != V4VIA6_E_VALID) {
		report(a, j, byte, "entry 0x%08x is no route, but a route covers it", e);
		return;
	}
	if (V4VIA6_E_LEN(e) != want->key.prefixlen)
		report(a, j, byte, "prefix length differs (entry 0x%08x)", e);
	else if (k == 0 || k >= V4VIA6_MAX_NEXTHOPS)
		report(a, j, byte, "nexthop slot %u out of range", k);
	else if (!a->slots[k].used)
		report(a, j, byte, "nexthop slot %u is free", k);
	else if (memcmp(&a->slots[k].nh, &want->nh, sizeof(want->nh)))
		report(a, j, byte, "next hop differs (slot %u)", k);
	else if (!(e & V4VIA6_E_NHGRP) != (want->nh.ifindex != V4VIA6_IFINDEX_GROUP) ||
		 !(e & V4VIA6_E_NHGRP) != (k >= V4VIA6_MAX_NHGRPS))
		report(a, j, byte, "group flag wrong (entry 0x%08x)", e);
	if (k && k < V4VIA6_MAX_NEXTHOPS)
		a->refs[k]++;
}

/* The block of /24 j, which holds routes longer than /24 (long: their indexes in a->r). */
static void check_block(struct audit *a, __u32 j, __u32 e, __u32 base, const size_t *long_idx,
			size_t nl)
{
	__u32 want[V4VIA6_BLOCK_ENTRIES], g = V4VIA6_E_GROUP(e), b, first, cnt, len;
	const __u32 *blk;
	size_t i;

	if (!(e & V4VIA6_T24_TBL8)) {
		report(a, j, -1, "entry 0x%08x, but longer routes need a tbl8 block", e);
		return;
	}
	/* bits the program ignores are damage all the same */
	if (e != (V4VIA6_T24_TBL8 | g))
		report(a, j, -1, "entry 0x%08x has bits set beside its tbl8 block", e);
	if (g >= a->ngroups) {
		report(a, j, -1, "tbl8 block %u beyond the pool", g);
		return;
	}
	if (a->pointed[g]) {
		report(a, j, -1, "tbl8 block %u is another /24's too", g);
		return;
	}
	a->pointed[g] = j + 1;
	if (a->owners[g] != (FIB24_GROUP_USED | j))
		report(a, j, -1, "tbl8 block %u is not owned by this /24", g);
	/* painted shortest first: the /24's own route, then the longer ones */
	for (b = 0; b < V4VIA6_BLOCK_ENTRIES; b++)
		want[b] = base;
	for (i = 0; i < nl; i++) {
		len = a->r[long_idx[i]].key.prefixlen;
		first = ntohl(a->r[long_idx[i]].key.addr) & 0xff;
		cnt = 1U << (32 - len);
		for (b = first; b < first + cnt && b < V4VIA6_BLOCK_ENTRIES; b++)
			want[b] = long_idx[i] + 1;
	}
	blk = a->t8 + (size_t)g * V4VIA6_BLOCK_ENTRIES;
	for (b = 0; b < V4VIA6_BLOCK_ENTRIES; b++)
		check_leaf(a, blk[b], want[b], j, b);
}

/* The routes for by_i24 (qsort passes no context). */
static struct rt *audit_routes;

static int by_i24(const void *x, const void *y)
{
	const size_t *p = x, *q = y;
	__u32 a = ntohl(audit_routes[*p].key.addr) >> 8, b = ntohl(audit_routes[*q].key.addr) >> 8;

	/* then by index: the routes of one /24 stay shortest first */
	return a != b ? (a > b) - (a < b) : (*p > *q) - (*p < *q);
}

/* The neighbour map's MAC word for a next hop: the MAC, known; 0 when the map has none. */
static __u64 mac_want(int neighs_fd, const struct nexthop *nh)
{
	union {
		__u64 word;
		struct nh_mac m;
	} w = { .word = 0 };
	struct neigh n;

	if (nh->ifindex != V4VIA6_IFINDEX_KERNEL && !bpf_map_lookup_elem(neighs_fd, nh, &n)) {
		memcpy(w.m.mac, n.mac, sizeof(w.m.mac));
		w.m.known = 1;
	}
	return w.word;
}

int main(int argc, char **argv)
{
	size_t slot_bytes = (size_t)V4VIA6_MAX_NEXTHOPS * sizeof(struct nexthop_slot);
	int routes_fd, tbl24_fd, tbl8_fd, owners_fd, nexthops_fd, neighs_fd, groups_fd, defs_fd;
	unsigned long bad24, bad_slots = 0, bad_owners = 0, bad_macs = 0, blocks = 0, bad_groups;
	__u32 *paint, j, first, cnt, k, g, e;
	struct audit a = {};
	size_t i, nl, *long_idx, l;

	if (argc != 2) {
		fprintf(stderr, "usage: audit_fib24 PIN_DIR\n");
		return 2;
	}
	routes_fd = open_pin(argv[1], V4VIA6_MAP_ROUTES);
	tbl24_fd = open_pin(argv[1], V4VIA6_MAP_TBL24);
	tbl8_fd = open_pin(argv[1], V4VIA6_MAP_TBL8);
	owners_fd = open_pin(argv[1], V4VIA6_MAP_TBL8_OWNERS);
	nexthops_fd = open_pin(argv[1], V4VIA6_MAP_NEXTHOPS);
	neighs_fd = open_pin(argv[1], V4VIA6_MAP_NEIGHS);
	groups_fd = open_pin(argv[1], V4VIA6_MAP_NH_GROUPS);
	defs_fd = open_pin(argv[1], V4VIA6_MAP_NH_DEFS);
	if (routes_fd < 0 || tbl24_fd < 0 || tbl8_fd < 0 || owners_fd < 0 || nexthops_fd < 0 ||
	    neighs_fd < 0 || groups_fd < 0 || defs_fd < 0)
		return 2;
	a.ngroups = max_entries(tbl8_fd);
	if (!a.ngroups || max_entries(owners_fd) != a.ngroups) {
		fprintf(stderr, "audit: tbl8 and tbl8_owners differ in size or cannot be read\n");
		return 2;
	}
	a.t24 = mmap(NULL, (size_t)V4VIA6_TBL24_ENTRIES * sizeof(__u32), PROT_READ, MAP_SHARED,
		     tbl24_fd, 0);
	a.t8 = mmap(NULL, (size_t)a.ngroups * sizeof(struct fib_block), PROT_READ, MAP_SHARED,
		    tbl8_fd, 0);
	a.owners =
		mmap(NULL, (size_t)a.ngroups * sizeof(__u64), PROT_READ, MAP_SHARED, owners_fd, 0);
	a.slots = mmap(NULL, slot_bytes, PROT_READ, MAP_SHARED, nexthops_fd, 0);
	a.nhg = mmap(NULL, V4VIA6_MAX_NHGRPS * sizeof(struct nh_group), PROT_READ, MAP_SHARED,
		     groups_fd, 0);
	paint = calloc(V4VIA6_TBL24_ENTRIES, sizeof(*paint)); /* route index + 1, 0: none */
	a.refs = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*a.refs));
	a.pointed = calloc(a.ngroups, sizeof(*a.pointed));
	a.r = dump_trie(routes_fd, &a.n);
	long_idx = malloc((a.n ? a.n : 1) * sizeof(*long_idx));
	if (a.t24 == MAP_FAILED || a.t8 == MAP_FAILED || a.owners == MAP_FAILED ||
	    a.slots == MAP_FAILED || a.nhg == MAP_FAILED || !paint || !a.refs || !a.pointed || !a.r || !long_idx) {
		fprintf(stderr, "audit: mapping or reading the maps failed: %s\n", strerror(errno));
		return 2;
	}
	qsort(a.r, a.n, sizeof(*a.r), by_len);
	audit_routes = a.r;
	for (i = nl = 0; i < a.n; i++) {
		__u32 len = a.r[i].key.prefixlen, addr = ntohl(a.r[i].key.addr);

		if (len > 24) {
			long_idx[nl++] = i;
			continue;
		}
		first = (len ? addr & ~0U << (32 - len) : 0) >> 8;
		cnt = 1U << (24 - len);
		for (j = first; j < first + cnt; j++)
			paint[j] = i + 1;
	}
	/* the routes longer than /24 grouped by /24, each group shortest first */
	qsort(long_idx, nl, sizeof(*long_idx), by_i24);
	for (j = 0, l = 0; j < V4VIA6_TBL24_ENTRIES; j++) {
		e = a.t24[j];
		if (l < nl && ntohl(a.r[long_idx[l]].key.addr) >> 8 == j) {
			for (i = l; i < nl && ntohl(a.r[long_idx[i]].key.addr) >> 8 == j; i++)
				;
			check_block(&a, j, e, paint[j], long_idx + l, i - l);
			l = i;
			blocks++;
			continue;
		}
		if (e & V4VIA6_T24_TBL8)
			report(&a, j, -1, "entry 0x%08x is a tbl8 block, but no route is longer",
			       e);
		else
			check_leaf(&a, e, paint[j], j, -1);
	}
	bad24 = a.bad;
	/* a block in use that its /24 does not point to would never come back */
	for (g = 0; g < a.ngroups; g++) {
		if (a.pointed[g])
			continue;
		if (a.owners[g] & FIB24_GROUP_USED ||
		    (a.owners[g] != FIB24_GROUP_FREE && a.owners[g] != FIB24_GROUP_RELEASED)) {
			if (bad_owners++ < 10)
				printf("  tbl8 block %u: owner 0x%llx, but no /24 points to it\n",
				       g, (unsigned long long)a.owners[g]);
		}
	}
	bad_groups = audit_groups(&a, defs_fd);
	/* a slot's count must be the leaves naming it: a wrong one frees it too early, or never */
	for (k = 1; k < V4VIA6_MAX_NEXTHOPS; k++) {
		__u32 used = a.slots[k].used;
		bool ok = a.refs[k] ? used == (FIB24_SLOT_ALLOCATED | a.refs[k]) :
				      !(used & FIB24_SLOT_REFS);

		if (!ok && bad_slots++ < 10)
			printf("  nexthop slot %u: used 0x%x, but %u entries name it\n", k, used,
			       a.refs[k]);
		if (used &&
		    *(const __u64 *)&a.slots[k].dmac != mac_want(neighs_fd, &a.slots[k].nh) &&
		    bad_macs++ < 10)
			printf("  nexthop slot %u: its MAC differs from the neighbour map's\n", k);
	}
	printf("audit: %zu routes (%zu longer than /24, in %lu tbl8 blocks of %u), %lu table entries "
	       "differ, %lu block owners, %lu slot counts, %lu MACs, %lu group buckets%s\n",
	       a.n, nl, blocks, a.ngroups, bad24, bad_owners, bad_slots, bad_macs, bad_groups,
	       a.slots[0].used == FIB24_DIRTY ? "; the tables are marked dirty" : "");
	return bad24 || bad_owners || bad_slots || bad_macs || bad_groups ||
			       a.slots[0].used == FIB24_DIRTY ?
		       1 :
		       0;
}
