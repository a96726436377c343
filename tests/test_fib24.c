// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the DIR-24-8 table (loader/fib24.c) through the program itself:
 * random route churn (adds, replaces, deletes of random prefixes of every
 * length 0..32, nested and overlapping), and after each round, thousands of
 * random destinations run through the XDP program (BPF_PROG_TEST_RUN), whose
 * verdict and next hop must equal an independent longest-prefix match over a
 * plain list of the routes. Also: fib24_check after every round, the trie's
 * own answers to EEXIST/ENOENT, flush, the next-hop slots' release when more
 * distinct next hops come and go than there are slots, and issue 8's defects:
 * slots filling up inside a batch, tables left dirty by a dead writer.
 *
 * The tbl8 pool is made small (TEST_GROUPS blocks, where the program has
 * 32768): the churn gives routes longer than /24 to more /24s over time than
 * the pool holds, so blocks are released and reused, and a route that finds
 * the pool full must fail with ENOSPC and change nothing. Also: a neighbour's
 * new MAC reaches every route through it by one write, a damaged tbl8 entry
 * is found and repaired, a reader running the program while a writer changes
 * routes sees each destination's old or new route, never another, and the
 * per-nexthop counters count what went through each slot.
 *   test_fib24 [--seed N] [--only PART_OF_A_TEST_FUNCTION]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "v4via6.skel.h"
#include "xdp_frame.h"
#include "xdp_world.h"
#include "xdp_run.h"
#include "dump.h"
#include "nhview.h"

#define NHOPS	 12 /* next hops 0..NHOPS-2 on out0, NHOPS-1 is throw */
#define MAX_RT	 4096
#define ROUNDS	 20
#define OPS	 300
#define DESTS	 1500
#define THROW_NH (NHOPS - 1)
/* tbl8 blocks in this test's pool */
#define TEST_GROUPS 16
/* the /24s the churn puts routes longer than /24 in: 10.0.0.0/24 .. 10.0.47.0/24 */
#define CHURN_LONG_24S 48

struct ref_route {
	__u32 addr; /* host order, host bits zero */
	__u32 len;
	int nh;
};

static struct ref_route ref[MAX_RT];
static size_t nref;
static unsigned long long rng_state;
/* routes longer than /24 go into 10.0.0.0/24 .. 10.0.(long_24s - 1).0/24 */
static __u32 long_24s = CHURN_LONG_24S;

static __u64 rnd(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 mask(__u32 len)
{
	return len ? ~0U << (32 - len) : 0;
}

static void hop_of(int k, struct nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	if (k == THROW_NH)
		return; /* ifindex V4VIA6_IFINDEX_KERNEL */
	nh->ifindex = w_ifindex(IF_OUT);
	nh->addr[0] = 0xfe;
	nh->addr[1] = 0x80;
	nh->addr[14] = 0xf2;
	nh->addr[15] = k;
}

static void mac_of(int k, __u8 *mac)
{
	static const __u8 base[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf2, 0 };

	memcpy(mac, base, ETH_ALEN);
	mac[5] = k;
}

/* The independent reference: the longest route containing d, by a plain scan. */
static int ref_lookup(__u32 d)
{
	int best = -1, nh = -1;
	size_t i;

	for (i = 0; i < nref; i++)
		if ((d & mask(ref[i].len)) == ref[i].addr && (int)ref[i].len > best) {
			best = ref[i].len;
			nh = ref[i].nh;
		}
	return nh;
}

static struct ref_route *ref_find(__u32 addr, __u32 len)
{
	size_t i;

	for (i = 0; i < nref; i++)
		if (ref[i].addr == addr && ref[i].len == len)
			return &ref[i];
	return NULL;
}

/* Prefixes crowd into 10.0.0.0/14 so that they nest and overlap; a few go anywhere. */
static void random_prefix(__u32 *addr, __u32 *len)
{
	__u64 r = rnd();
	__u32 a = (__u32)r;

	/* every length, with more of them around /24, where tbl24 changes behaviour */
	*len = (r >> 32) % 4 ? 16 + (r >> 34) % 17 : (r >> 34) % 33;
	if ((r >> 40) % 8)
		a = 0x0a000000 | (a & 0x3ffff);
	/* longer than /24: in a few /24s, so that the small pool fills and empties */
	if (*len > 24)
		a = 0x0a000000 | (__u32)((r >> 44) % long_24s) << 8 | (a & 0xff);
	*addr = a & mask(*len);
}

/* Routes longer than /24 in /24 i24 (top 24 bits), by the reference. */
static int ref_longer(__u32 i24)
{
	int n = 0;
	size_t i;

	for (i = 0; i < nref; i++)
		n += ref[i].len > 24 && ref[i].addr >> 8 == i24;
	return n;
}

/* /24s holding routes longer than /24, by the reference: the blocks they need. */
static __u32 ref_blocks(void)
{
	static __u8 seen[1U << 24 >> 3];
	__u32 n = 0, i24;
	size_t i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < nref; i++) {
		if (ref[i].len <= 24)
			continue;
		i24 = ref[i].addr >> 8;
		if (!(seen[i24 >> 3] & 1 << (i24 & 7)))
			n++;
		seen[i24 >> 3] |= 1 << (i24 & 7);
	}
	return n;
}

static __u32 random_dest(void)
{
	__u64 r = rnd();
	__u32 d;

	do {
		if (r % 4 == 0 && nref) /* inside a route */
			d = ref[(r >> 8) % nref].addr |
			    ((__u32)rnd() & ~mask(ref[(r >> 8) % nref].len));
		else if (r % 4 != 3)
			d = 0x0a000000 | ((__u32)rnd() & 0x3ffff);
		else
			d = (__u32)rnd();
		r = rnd();
		/* martians go to the kernel before any lookup */
	} while ((d >> 28) == 0xe || (d >> 28) == 0xf || (d >> 24) == 0 || (d >> 24) == 127);
	return d;
}

static struct route_key key_of(__u32 addr, __u32 len)
{
	struct route_key k = { .prefixlen = len, .addr = htonl(addr) };

	return k;
}

/* What the churn saw: the /24s it changed this round, blocks taken, full pools. */
struct churn {
	__u32 touched[32];
	int ntouched;
	int blocks_taken; /* a /24 got its first route longer than /24 */
	int enospc; /* a route found the pool full */
	__u32 enospc_24; /* the /24 of the round's first, +1; 0: none yet */
};

static void touch(struct churn *c, __u32 i24)
{
	int i;

	for (i = 0; i < c->ntouched; i++)
		if (c->touched[i] == i24)
			return;
	if (c->ntouched < (int)ARRAY_SIZE(c->touched))
		c->touched[c->ntouched++] = i24;
}

/* The trie's route of exactly this prefix, by a lookup (the value says which length matched). */
static bool trie_has(struct fib24 *fib, __u32 addr, __u32 len)
{
	struct route_key k = { .prefixlen = len, .addr = htonl(addr) };
	struct route v;

	return !bpf_map_lookup_elem(fib->routes_fd, &k, &v) && v.prefixlen == len;
}

/* A route that found the pool full is in no map: the trie is the reference's. */
static void check_refused(struct tlog *l, struct fib24 *fib, __u32 addr, __u32 len)
{
	ASSERT_TRUE(!trie_has(fib, addr, len), "a route refused with ENOSPC is in the trie");
	ASSERT_EQ(map_count(fib->routes_fd, sizeof(struct route_key)), nref,
		  "routes in the trie after ENOSPC");
}

/* Deletes every route longer than /24 of a /24 that has some: its block goes back. */
static bool clear_one_24(struct tlog *l, struct fib24 *fib, struct churn *c)
{
	struct route_key k;
	size_t i, start = nref ? rnd() % nref : 0;
	__u32 i24;

	for (i = 0; i < nref && ref[(start + i) % nref].len <= 24; i++)
		;
	if (i == nref)
		return true;
	i24 = ref[(start + i) % nref].addr >> 8;
	touch(c, i24);
	for (i = 0; i < nref;) {
		if (ref[i].len <= 24 || ref[i].addr >> 8 != i24) {
			i++;
			continue;
		}
		k = key_of(ref[i].addr, ref[i].len);
		if (!ASSERT_EQ(fib24_delete(fib, &k), 0, "clearing a /24: delete"))
			return false;
		ref[i] = ref[--nref];
	}
	return true;
}

/* One random change, mirrored in the reference; false on a wrong answer. */
static bool churn_one(struct tlog *l, struct fib24 *fib, struct churn *c)
{
	struct ref_route *r;
	struct nexthop nh;
	struct route_key k;
	__u32 addr, len;
	int nhk = rnd() % NHOPS, err, op = rnd() % 10;
	bool new_block, full;

	random_prefix(&addr, &len);
	r = ref_find(addr, len);
	k = key_of(addr, len);
	hop_of(nhk, &nh);
	/* a route longer than /24 in a /24 with none needs a block: is one left? */
	new_block = len > 24 && !r && !ref_longer(addr >> 8);
	full = new_block && ref_blocks() >= TEST_GROUPS;
	touch(c, addr >> 8);
	if (op < 3) { /* add: only when new */
		err = fib24_update(fib, &k, &nh, BPF_NOEXIST);
		if (!ASSERT_EQ(err, r ? -EEXIST : full ? -ENOSPC : 0, "add: error"))
			return false;
		if (err == -ENOSPC) {
			c->enospc++;
			check_refused(l, fib, addr, len);
			if (!c->enospc_24)
				c->enospc_24 = (addr >> 8) + 1;
			return !l->fails;
		}
		if (!r && nref < MAX_RT) {
			ref[nref++] = (struct ref_route){ addr, len, nhk };
			c->blocks_taken += new_block;
		} else if (!r) { /* the reference is full: take it back */
			fib24_delete(fib, &k);
		}
		return true;
	}
	if (op < 6) { /* replace */
		if (!r && nref == MAX_RT)
			return true;
		err = fib24_update(fib, &k, &nh, BPF_ANY);
		if (!ASSERT_EQ(err, full ? -ENOSPC : 0, "replace: error"))
			return false;
		if (err == -ENOSPC) {
			c->enospc++;
			check_refused(l, fib, addr, len);
			return !l->fails;
		}
		if (r) {
			r->nh = nhk;
		} else {
			ref[nref++] = (struct ref_route){ addr, len, nhk };
			c->blocks_taken += new_block;
		}
		return true;
	}
	if (op == 9)
		return clear_one_24(l, fib, c);
	/* delete an existing route mostly, sometimes a missing one */
	if (!r && nref && rnd() % 4) {
		r = &ref[rnd() % nref];
		k = key_of(r->addr, r->len);
		touch(c, r->addr >> 8);
	}
	err = fib24_delete(fib, &k);
	if (!ASSERT_EQ(err, r ? 0 : -ENOENT, "delete: error"))
		return false;
	if (r)
		*r = ref[--nref];
	return true;
}

/*
 * Runs one destination through the program; false when the verdict, the
 * frame or a counter differs from what the reference's next hop makes.
 */
static bool check_dest(struct tlog *l, const struct world *w, __u32 d)
{
	char dst[INET_ADDRSTRLEN];
	struct frame_spec s = FRAME_SPEC();
	struct in_addr a = { htonl(d) };
	struct fwd_stats want_stats;
	struct xdp_result res;
	struct frame in, want_frame;
	__u8 mac[ETH_ALEN];
	int want = ref_lookup(d), err;
	bool ok;

	inet_ntop(AF_INET, &a, dst, sizeof(dst));
	s.daddr = dst;
	frame_build(&in, &s);
	if (get32(in.data + IP_OFF + 16) != d) {
		tlog_fail(l, "%s: the frame was built for another destination", dst);
		return false;
	}
	err = xdp_run(w, &in, w_ifindex(IF_IN), &res);
	if (err) {
		tlog_fail(l, "%s: test run: %s", dst, strerror(-err));
		return false;
	}
	if (want < 0 || want == THROW_NH) {
		want_frame = in;
		stats_expected(&want_stats, in.len, want < 0 ? OUT(pass_no_route) : OUT(pass_throw),
			       false);
		ok = expect_verdict(l, res.verdict, XDP_PASS);
	} else {
		mac_of(want, mac);
		frame_forwarded(&want_frame, &in, mac, w_ifaces[IF_OUT].mac);
		stats_expected(&want_stats, in.len, OUT(fwd_packets), false);
		ok = expect_verdict(l, res.verdict, XDP_REDIRECT);
	}
	ok = ok && expect_frame(l, &res.out, &want_frame) &&
	     expect_stats(l, &res.delta, &want_stats);
	if (!ok)
		tlog_fail(l, "  for %s: the reference says %s %d", dst,
			  want < 0	   ? "no route" :
			  want == THROW_NH ? "throw" :
					     "next hop",
			  want);
	return ok;
}

static bool check_table(struct tlog *l, struct fib24 *fib)
{
	long bad = fib24_check(fib);

	return ASSERT_EQ(bad, 0, "fib24_check: entries that differ");
}

/* All 256 addresses of /24 i24 (but its martians) through the program. */
static void check_24(struct tlog *l, const struct world *w, __u32 i24)
{
	__u32 b;

	if (i24 >> 16 == 0 || i24 >> 16 == 127 || i24 >> 20 >= 0xe)
		return;
	for (b = 0; b < 256 && !l->fails; b++)
		check_dest(l, w, i24 << 8 | b);
}

static __u32 blocks_used(const struct fib24 *fib)
{
	__u32 used, total;

	tbl8_blocks_used(fib->owners_fd, &used, &total);
	return used;
}

/*
 * Random changes of nested routes of every length, ROUNDS rounds of OPS;
 * after each, every address of the /24s it changed and DESTS random ones
 * through the program against the reference, fib24_check, and the blocks in
 * use against the /24s with longer routes. The pool is small: over the
 * rounds, more /24s take a block than it holds (they come and go, blocks are
 * reused), and a route finding it full must fail with ENOSPC, changing
 * nothing (its /24's answers are checked right after the first of a round).
 */
static bool test_churn(const struct world *w, struct fib24 *fib)
{
	struct churn c = {};
	struct tlog l;
	int round, i;
	bool checked;
	size_t dests = 0;

	tlog_begin(&l);
	long_24s = CHURN_LONG_24S;
	for (round = 0; round < ROUNDS && !l.fails; round++) {
		c.ntouched = 0;
		c.enospc_24 = 0;
		checked = false;
		for (i = 0; i < OPS && !l.fails; i++) {
			churn_one(&l, fib, &c);
			if (c.enospc_24 && !checked && !l.fails) {
				checked = true;
				/* the first refusal: nothing changed, right now */
				check_table(&l, fib);
				check_24(&l, w, c.enospc_24 - 1);
			}
		}
		if (!l.fails)
			check_table(&l, fib);
		ASSERT_EQ(blocks_used(fib), ref_blocks(), "tbl8 blocks in use");
		for (i = 0; i < c.ntouched && !l.fails; i++, dests += 256)
			check_24(&l, w, c.touched[i]);
		for (i = 0; i < DESTS && !l.fails; i++, dests++)
			check_dest(&l, w, random_dest());
	}
	ASSERT_TRUE(c.blocks_taken > 2 * TEST_GROUPS,
		    "the churn gave a block to %d /24s over the rounds: no reuse of %d blocks",
		    c.blocks_taken, TEST_GROUPS);
	ASSERT_TRUE(c.enospc > 0, "the pool never filled");
	if (!l.fails)
		printf("  %d rounds of %d changes, %zu destinations, %zu routes at the end; %d "
		       "/24s took one of %d tbl8 blocks, %d routes found the pool full\n",
		       round, OPS, dests, nref, c.blocks_taken, TEST_GROUPS, c.enospc);
	return tlog_end(&l, "fib24_churn_vs_reference");
}

/* A rebuild of a table already right writes nothing; of a wrong one, repairs it. */
static bool test_rebuild(const struct world *w, struct fib24 *fib)
{
	struct tlog l;
	__u32 i = 0x0a0000;
	__u64 saved;
	int k;

	tlog_begin(&l);
	saved = *fib24_entry(fib, i);
	*fib24_entry(fib, i) ^= V4VIA6_E_VALID; /* as a writer dying half-way would leave it */
	ASSERT_EQ(fib24_check(fib) > 0, 1, "fib24_check after damage");
	ASSERT_EQ(fib24_rebuild(fib), 0, "fib24_rebuild");
	ASSERT_EQ(*fib24_entry(fib, i), saved, "entry after rebuild");
	check_table(&l, fib);
	for (k = 0; k < 256 && !l.fails; k++)
		check_dest(&l, w, 0x0a000000 | k);
	return tlog_end(&l, "fib24_rebuild_repairs");
}

/* More distinct next hops over time than slots: released slots go to new ones. */
static void hop_many(__u32 k, struct nexthop *nh);
static __u32 slot_of(struct fib24 *fib, __u32 d);
static bool send_n(struct tlog *l, const struct world *w, __u32 d, int n, int payload, size_t *len);

/*
 * More distinct next hops over time than slots: released slots go to new
 * ones. A released slot that forwarded frames is wiped with its counters
 * before another next hop takes it.
 */
static bool test_slot_gc(const struct world *w, struct fib24 *fib)
{
	struct route_key k = key_of(0x0a030000, 24), kx = key_of(0x0ac80100, 24);
	struct neigh nb = { .mac = { 0x02, 0, 0, 0, 0xab, 0xcd } };
	struct nexthop nh, nhx;
	struct nh_stats st;
	struct tlog l;
	__u32 x = 0;
	size_t len;
	int i, err = 0;

	tlog_begin(&l);
	/* 10.200.1.0/24 via a next hop of its own forwards 5 frames, then goes */
	hop_many(0xabcdef, &nhx);
	ASSERT_EQ(fib24_neigh_update(fib, &nhx, &nb, BPF_ANY), 0, "fib24_neigh_update");
	ASSERT_EQ(fib24_update(fib, &kx, &nhx, BPF_ANY), 0, "add 10.200.1.0/24");
	x = slot_of(fib, 0x0ac80101);
	send_n(&l, w, 0x0ac80101, 5, 20, &len);
	ASSERT_OK(world_nh_stats(w, x, &st), "reading nh_stats");
	ASSERT_EQ(st.packets, 5, "packets of 10.200.1.0/24's slot");
	ASSERT_EQ(fib24_delete(fib, &kx), 0, "delete 10.200.1.0/24");
	hop_of(0, &nh);
	for (i = 0; i < V4VIA6_MAX_NEXTHOPS + 5000 && !err; i++) {
		nh.ifindex = 1000 + i; /* never attached: only the slot matters */
		err = fib24_update(fib, &k, &nh, BPF_ANY);
		if (!err)
			err = fib24_delete(fib, &k);
	}
	ASSERT_EQ(err, 0, "add/delete with a new next hop each time: error");
	ASSERT_TRUE(x && (!fib->slots[x].used || memcmp(&fib->slots[x].nh, &nhx, sizeof(nhx))),
		    "slot %u of the deleted route was never reclaimed", x);
	ASSERT_OK(world_nh_stats(w, x, &st), "reading nh_stats");
	ASSERT_EQ(st.packets, 0, "packets of the reclaimed slot");
	ASSERT_EQ(st.bytes, 0, "bytes of the reclaimed slot");
	ASSERT_EQ(fib24_neigh_delete(fib, &nhx), 0, "fib24_neigh_delete");
	check_table(&l, fib);
	for (i = 0; i < 200 && !l.fails; i++)
		check_dest(&l, w, random_dest());
	return tlog_end(&l, "fib24_nexthop_slot_gc");
}

static bool test_flush(const struct world *w, struct fib24 *fib)
{
	struct tlog l;
	__u32 j, used = 0;
	int i;

	tlog_begin(&l);
	ASSERT_EQ(fib24_flush(fib), 0, "fib24_flush");
	nref = 0;
	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++)
		used += *fib24_entry(fib, j) != 0;
	ASSERT_EQ(used, 0, "tbl24 entries left after flush");
	ASSERT_EQ(map_count(fib->routes_fd, sizeof(struct route_key)), 0,
		  "routes left after flush");
	for (i = 0; i < 200 && !l.fails; i++)
		check_dest(&l, w, random_dest());
	return tlog_end(&l, "fib24_flush");
}

/*
 * apply's path: distinct routes of every length in one fib24_update_batch,
 * then a second batch that replaces half of them and adds more.
 */
static bool test_batch(const struct world *w, struct fib24 *fib)
{
	struct route_key *keys = calloc(MAX_RT, sizeof(*keys));
	struct nexthop *nhs = calloc(MAX_RT, sizeof(*nhs));
	size_t n, done, round;
	struct ref_route *r;
	struct tlog l;
	__u32 addr, len;
	int i, nhk;

	tlog_begin(&l);
	long_24s = TEST_GROUPS; /* a batch that finds the pool full stops there */
	for (round = 0; round < 2 && keys && nhs && !l.fails; round++) {
		n = 0;
		for (i = 0; i < OPS && nref < MAX_RT; i++) {
			random_prefix(&addr, &len);
			r = ref_find(addr, len);
			if (r && (round == 0 || rnd() % 2))
				continue; /* keys of one batch are distinct */
			nhk = rnd() % NHOPS;
			if (r)
				r->nh = nhk;
			else
				ref[nref++] = (struct ref_route){ addr, len, nhk };
			keys[n] = key_of(addr, len);
			hop_of(nhk, &nhs[n++]);
			/* a prefix drawn twice in this round must not go in twice */
			for (size_t j = 0; j + 1 < n; j++)
				if (!memcmp(&keys[j], &keys[n - 1], sizeof(keys[j]))) {
					nhs[j] = nhs[--n];
					break;
				}
		}
		ASSERT_EQ(fib24_update_batch(fib, keys, nhs, n, &done), 0, "fib24_update_batch");
		ASSERT_EQ(done, n, "routes written");
		check_table(&l, fib);
		for (i = 0; i < DESTS && !l.fails; i++)
			check_dest(&l, w, random_dest());
	}
	free(keys);
	free(nhs);
	return tlog_end(&l, "fib24_update_batch_vs_reference");
}

/* Next hop k of many, all on out0: fe80::f3:K (K over the last three bytes). */
static void hop_many(__u32 k, struct nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = w_ifindex(IF_OUT);
	nh->addr[0] = 0xfe;
	nh->addr[1] = 0x80;
	nh->addr[12] = 0xf3;
	nh->addr[13] = k >> 16;
	nh->addr[14] = k >> 8;
	nh->addr[15] = k;
}

/* Slots that some tbl24 entry (or a hold) still counts. */
static __u32 slots_in_use(const struct fib24 *fib)
{
	__u32 i, n = 0;

	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++)
		n += (fib->slots[i].used & FIB24_SLOT_REFS) != 0;
	return n;
}

#define MANY 40000

/*
 * Issue 8, defect 1: two batches of MANY /24s, each route with a next hop of
 * its own, the second replacing the first's next hops: the slots fill up in
 * the middle of the second batch. Every /24 must then point to its own next
 * hop, read independently from tbl24 and the slots, and through the program
 * for a sample; the first batch's slots are released.
 */
static bool test_many_nexthops(const struct world *w, struct fib24 *fib)
{
	struct route_key *keys = calloc(MANY, sizeof(*keys));
	struct nexthop *nhs = calloc(MANY, sizeof(*nhs)), nh;
	char dst[INET_ADDRSTRLEN];
	struct frame_spec s;
	size_t done, bad = 0;
	struct frame in, want;
	struct xdp_result res;
	struct neigh nb = {};
	struct in_addr a;
	struct tlog l;
	__u32 k, round, base = 0x0a000000;
	__u64 e;

	tlog_begin(&l);
	ASSERT_EQ(fib24_flush(fib), 0, "fib24_flush");
	nref = 0;
	for (round = 0; round < 2 && keys && nhs && !l.fails; round++) {
		for (k = 0; k < MANY; k++) {
			keys[k] = key_of(base + (k << 8), 24);
			hop_many(round * MANY + k, &nhs[k]);
		}
		ASSERT_EQ(fib24_update_batch(fib, keys, nhs, MANY, &done), 0, "fib24_update_batch");
		ASSERT_EQ(done, MANY, "routes written");
	}
	for (k = 0; k < MANY && !l.fails; k++) {
		e = *fib24_entry(fib, (base >> 8) + k);
		hop_many(MANY + k, &nh);
		if ((e & (V4VIA6_E_VALID | V4VIA6_T24_TBL8)) != V4VIA6_E_VALID ||
		    V4VIA6_E_LEN(e) != 24 || V4VIA6_E_NH(e) >= V4VIA6_MAX_NEXTHOPS ||
		    memcmp(&fib->slots[V4VIA6_E_NH(e)].nh, &nh, sizeof(nh)))
			bad++;
	}
	ASSERT_EQ(bad, 0, "/24s not on their own next hop");
	check_table(&l, fib);
	ASSERT_EQ(slots_in_use(fib), MANY, "slots in use");
	/* through the program: each sampled /24 forwards to its next hop's MAC */
	for (round = 0; round < 200 && !l.fails; round++) {
		k = rnd() % MANY;
		hop_many(MANY + k, &nh);
		memcpy(nb.mac, (__u8[]){ 0x02, 0x00, 0xf3, k >> 16, k >> 8, k }, ETH_ALEN);
		/* the program reads the MAC from the slot: written through fib24 */
		if (fib24_neigh_update(fib, &nh, &nb, BPF_ANY)) {
			tlog_fail(&l, "writing a neighbour: %s", strerror(errno));
			break;
		}
		a.s_addr = htonl(base + (k << 8) + 1 + rnd() % 254);
		inet_ntop(AF_INET, &a, dst, sizeof(dst));
		s = (struct frame_spec)FRAME_SPEC();
		s.daddr = dst;
		frame_build(&in, &s);
		if (xdp_run(w, &in, w_ifindex(IF_IN), &res)) {
			tlog_fail(&l, "%s: test run failed", dst);
			break;
		}
		frame_forwarded(&want, &in, nb.mac, w_ifaces[IF_OUT].mac);
		if (!expect_verdict(&l, res.verdict, XDP_REDIRECT) ||
		    !expect_frame(&l, &res.out, &want))
			tlog_fail(&l, "  for %s (route %u)", dst, k);
		fib24_neigh_delete(fib, &nh);
	}
	ASSERT_EQ(fib24_flush(fib), 0, "fib24_flush");
	ASSERT_EQ(slots_in_use(fib), 0, "slots in use after flush");
	free(keys);
	free(nhs);
	return tlog_end(&l, "fib24_slots_fill_in_a_batch");
}

/* Empties the table and the reference. */
static bool reset(struct tlog *l, struct fib24 *fib)
{
	nref = 0;
	return ASSERT_EQ(fib24_flush(fib), 0, "fib24_flush");
}

/* Adds a route to the table and the reference. */
static bool add_ref(struct tlog *l, struct fib24 *fib, __u32 addr, __u32 len, int nhk)
{
	struct route_key k = key_of(addr, len);
	struct nexthop nh;
	int err;

	hop_of(nhk, &nh);
	err = fib24_update(fib, &k, &nh, BPF_ANY);
	if (!err)
		ref[nref++] = (struct ref_route){ addr, len, nhk };
	return ASSERT_EQ(err, 0, "fib24_update");
}

/*
 * A /24's block: made (a copy of the /24's entry, then the /25's half) when
 * its first longer route comes, owned by it, given back (tbl24 holds the /24's
 * entry again) when the last goes, and another taken when one comes again.
 */
static bool test_tbl8_lifecycle(const struct world *w, struct fib24 *fib)
{
	struct route_key k25 = key_of(0x0a090980, 25);
	__u32 i = 0x0a0909, e, g, j, *b;
	struct tlog l;

	tlog_begin(&l);
	reset(&l, fib);
	add_ref(&l, fib, 0x0a090900, 24, 1);
	ASSERT_EQ(blocks_used(fib), 0, "blocks in use with a /24");
	add_ref(&l, fib, 0x0a090980, 25, 2);
	e = *fib24_entry(fib, i);
	g = V4VIA6_E_GROUP(e);
	ASSERT_TRUE(e & V4VIA6_T24_TBL8, "tbl24 entry 0x%08x with a /25: no block", e);
	ASSERT_EQ(blocks_used(fib), 1, "blocks in use with a /25");
	if (!l.fails) {
		ASSERT_EQ(fib->owners[g], FIB24_GROUP_USED | i, "owner of the block");
		b = fib24_block(fib, g);
		for (j = 0; b && j < 256; j++)
			if (V4VIA6_E_LEN(b[j]) != (j < 128 ? 24u : 25u) || !(b[j] & V4VIA6_E_VALID))
				break;
		ASSERT_EQ(j, 256, "block entries: the /24's, then the /25's (first wrong)");
	}
	check_table(&l, fib);
	check_24(&l, w, i);
	ASSERT_EQ(fib24_delete(fib, &k25), 0, "delete /25");
	nref--;
	e = *fib24_entry(fib, i);
	ASSERT_TRUE((e & (V4VIA6_T24_TBL8 | V4VIA6_E_VALID)) == V4VIA6_E_VALID &&
			    V4VIA6_E_LEN(e) == 24,
		    "tbl24 entry 0x%08x after the /25 went: not the /24's", e);
	ASSERT_EQ(blocks_used(fib), 0, "blocks in use after the /25 went");
	if (g < TEST_GROUPS)
		ASSERT_EQ(fib->owners[g], FIB24_GROUP_RELEASED, "owner of the block given back");
	check_table(&l, fib);
	check_24(&l, w, i);
	add_ref(&l, fib, 0x0a090980, 25, 3);
	ASSERT_EQ(blocks_used(fib), 1, "blocks in use with the /25 again");
	check_table(&l, fib);
	check_24(&l, w, i);
	return tlog_end(&l, "fib24_tbl8_block_made_and_given_back");
}

/* Copies of what a refused route must not change: the tables' parts it could touch. */
struct snapshot {
	__u64 owners[TEST_GROUPS];
	struct fib_block blocks[TEST_GROUPS];
	__u32 t24[256]; /* the /16 of the refused route */
	struct nexthop_slot *slots;
	size_t routes;
};

static void snap(struct fib24 *fib, struct snapshot *s, __u32 i16)
{
	__u32 g;

	memcpy(s->owners, fib->owners, sizeof(s->owners));
	for (g = 0; g < TEST_GROUPS; g++)
		memcpy(&s->blocks[g], fib24_block(fib, g), sizeof(s->blocks[g]));
	memcpy(s->t24, fib24_entry(fib, i16 << 8), sizeof(s->t24));
	memcpy(s->slots, fib->slots, V4VIA6_MAX_NEXTHOPS * sizeof(*s->slots));
	s->routes = map_count(fib->routes_fd, sizeof(struct route_key));
}

/*
 * A full pool: every block taken by a /24 with a /25; a /25 in a /24 more
 * gets ENOSPC (alone and in a batch), and the trie, tbl24, the blocks, their
 * owners and the slots are as before, byte for byte. When one /24 gives its
 * block back, the refused route goes in.
 */
static bool test_pool_full(const struct world *w, struct fib24 *fib)
{
	struct snapshot *before = calloc(2, sizeof(*before));
	struct route_key k = key_of(0x0a0b1080, 25);
	struct nexthop nh;
	struct tlog l;
	size_t done;
	__u32 i;
	int err;

	tlog_begin(&l);
	if (!before || !(before[0].slots = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*before->slots))) ||
	    !(before[1].slots = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*before->slots)))) {
		tlog_fail(&l, "out of memory");
		goto out;
	}
	reset(&l, fib);
	add_ref(&l, fib, 0x0a0b0000, 16, 1);
	for (i = 0; i < TEST_GROUPS && !l.fails; i++)
		add_ref(&l, fib, 0x0a0b0080 | i << 8, 25, 2 + i % 4);
	ASSERT_EQ(blocks_used(fib), TEST_GROUPS, "blocks in use");
	snap(fib, &before[0], 0x0a0b);
	hop_of(7, &nh);
	err = fib24_update(fib, &k, &nh, BPF_ANY);
	ASSERT_EQ(err, -ENOSPC, "a /25 in one /24 more: error");
	err = fib24_update_batch(fib, &k, &nh, 1, &done);
	ASSERT_EQ(err, -ENOSPC, "the same in a batch: error");
	ASSERT_EQ(done, 0, "the same in a batch: routes written");
	snap(fib, &before[1], 0x0a0b);
	ASSERT_EQ(before[1].routes, before[0].routes, "routes in the trie");
	ASSERT_TRUE(!trie_has(fib, 0x0a0b1080, 25), "the refused /25 is in the trie");
	ASSERT_TRUE(!memcmp(before[0].owners, before[1].owners, sizeof(before->owners)),
		    "the blocks' owners changed");
	ASSERT_TRUE(!memcmp(before[0].blocks, before[1].blocks, sizeof(before->blocks)),
		    "the blocks changed");
	ASSERT_TRUE(!memcmp(before[0].t24, before[1].t24, sizeof(before->t24)), "tbl24 changed");
	ASSERT_TRUE(!memcmp(before[0].slots, before[1].slots,
			    V4VIA6_MAX_NEXTHOPS * sizeof(*before->slots)),
		    "the nexthop slots changed");
	check_table(&l, fib);
	check_24(&l, w, 0x0a0b10);
	check_24(&l, w, 0x0a0b00);
	/* one /24 gives its block back: the /25 now goes in */
	k = key_of(0x0a0b0380, 25);
	ASSERT_EQ(fib24_delete(fib, &k), 0, "delete a /25");
	for (i = 0; i < nref; i++)
		if (ref[i].addr == 0x0a0b0380 && ref[i].len == 25)
			ref[i] = ref[--nref];
	add_ref(&l, fib, 0x0a0b1080, 25, 7);
	check_table(&l, fib);
	check_24(&l, w, 0x0a0b10);
	check_24(&l, w, 0x0a0b03);
out:
	if (before) {
		free(before[0].slots);
		free(before[1].slots);
	}
	free(before);
	return tlog_end(&l, "fib24_tbl8_pool_full_enospc_changes_nothing");
}

/*
 * A damaged tbl8 entry (one of a /26's made "no route", one of the /24's
 * pointing to another slot, as bpftool map update could): fib24_check counts
 * them, fib24_rebuild repairs them, the program answers right again.
 */
static bool test_tbl8_damage(const struct world *w, struct fib24 *fib)
{
	__u32 i = 0x0a0c05, e, *b;
	struct tlog l;

	tlog_begin(&l);
	reset(&l, fib);
	add_ref(&l, fib, 0x0a0c0500, 24, 1);
	add_ref(&l, fib, 0x0a0c0540, 26, 2);
	add_ref(&l, fib, 0x0a0c0507, 32, 3);
	e = *fib24_entry(fib, i);
	b = (e & V4VIA6_T24_TBL8) ? fib24_block(fib, V4VIA6_E_GROUP(e)) : NULL;
	if (!ASSERT_TRUE(b, "10.12.5.0/24 has no tbl8 block (entry 0x%08x)", e))
		return tlog_end(&l, "fib24_check_repairs_tbl8_entry");
	ASSERT_EQ(fib24_check(fib), 0, "fib24_check before the damage");
	b[0x50] = 0; /* 10.12.5.80: the /26's */
	b[0x07] = b[0x80]; /* 10.12.5.7: the /32's, now the /24's */
	b[0x90] = (b[0x90] & ~V4VIA6_E_NH_MASK) | V4VIA6_E_NH(b[0x07] + 1); /* another slot */
	ASSERT_TRUE(fib24_check(fib) >= 3, "fib24_check after damaging 3 entries: %ld",
		    fib24_check(fib));
	ASSERT_EQ(fib24_rebuild(fib), 0, "fib24_rebuild");
	check_table(&l, fib);
	/* bits the program ignores in an entry that points to a block are damage all the same */
	*fib24_entry(fib, i) = e | V4VIA6_E_VALID | 5U << V4VIA6_E_LEN_SHIFT;
	ASSERT_TRUE(fib24_check(fib) >= 1, "fib24_check after damaging a block's tbl24 entry: %ld",
		    fib24_check(fib));
	ASSERT_EQ(fib24_rebuild(fib), 0, "fib24_rebuild");
	ASSERT_EQ(*fib24_entry(fib, i), e, "the block's tbl24 entry after the rebuild");
	check_table(&l, fib);
	check_24(&l, w, i);
	return tlog_end(&l, "fib24_check_repairs_tbl8_entry");
}

/* The next hop through which every route of test_neigh_one_write goes. */
#define ONE_NH	   5
#define ONE_ROUTES 1000

/* A watcher of one MAC word, while a writer changes it. */
struct mac_watch {
	volatile const __u64 *word;
	__u64 old, new;
	__u64 ready; /* the watcher has read the word once */
	int stop;
	__u64 last; /* the value it saw last */
	long changes, others; /* transitions seen; values neither old nor new */
};

static void *watch_mac(void *arg)
{
	struct mac_watch *m = arg;
	__u64 last = *m->word, v;

	__atomic_store_n(&m->last, last, __ATOMIC_RELEASE);
	__atomic_store_n(&m->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE)) {
		v = __atomic_load_n(m->word, __ATOMIC_RELAXED);
		if (v == last)
			continue;
		m->changes++;
		m->others += v != m->old && v != m->new;
		last = v;
		__atomic_store_n(&m->last, last, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Waits up to 5 s until *p == v. */
static void wait_until(const __u64 *p, __u64 v)
{
	int i;

	for (i = 0; i < 50000 && __atomic_load_n(p, __ATOMIC_ACQUIRE) != v; i++)
		usleep(100);
}
/* The slot named by the table's entry for destination d; 0 for none. */
static __u32 slot_of(struct fib24 *fib, __u32 d)
{
	__u32 e = *fib24_entry(fib, d >> 8), *b;

	if (e & V4VIA6_T24_TBL8) {
		b = fib24_block(fib, V4VIA6_E_GROUP(e));
		e = b ? b[d & 0xff] : 0;
	}
	return (e & V4VIA6_E_VALID) ? V4VIA6_E_NH(e) : 0;
}

/*
 * ONE_ROUTES routes of every length 8..32 (those longer than /24 in the
 * pool's TEST_GROUPS /24s), all through one next hop: one nexthop slot. Its
 * neighbour's new MAC (fib24_neigh_update) is one store to that slot's MAC
 * word (a watcher sees it change once, never to a third value), and every
 * destination's frame then carries the new MAC.
 */
static bool test_neigh_one_write(const struct world *w, struct fib24 *fib)
{
	struct neigh n1 = { .mac = { 0x02, 0, 0, 0, 0xaa, 1 } }, n2 = n1;
	struct mac_watch m = {};
	union {
		__u64 word;
		struct nh_mac m;
	} want = { .word = 0 };
	struct nexthop nh;
	pthread_t th;
	struct tlog l;
	__u32 addr, len, slot = 0, d;
	size_t i;
	int bad = 0;

	tlog_begin(&l);
	reset(&l, fib);
	hop_of(ONE_NH, &nh);
	while (nref < ONE_ROUTES && !l.fails) {
		__u64 r = rnd();

		len = 8 + r % 25;
		addr = (len <= 20 ? 0x0a000000 | ((__u32)r & 0xffff0000) >> 8 : 0x0a070000) |
		       ((__u32)(r >> 32) & (len > 24 ? (TEST_GROUPS - 1) << 8 | 0xff : 0xfff));
		addr &= mask(len);
		if (!ref_find(addr, len))
			add_ref(&l, fib, addr, len, ONE_NH);
	}
	/* the reference says "next hop ONE_NH" with mac_of's MAC: that is n1 */
	mac_of(ONE_NH, n1.mac);
	ASSERT_EQ(fib24_neigh_update(fib, &nh, &n1, BPF_ANY), 0, "fib24_neigh_update");
	for (i = 0; i < nref && !l.fails; i++) {
		d = ref[i].addr | ((__u32)rnd() & ~mask(ref[i].len));
		if (d >> 24 == 10 && !slot)
			slot = slot_of(fib, d);
		bad += d >> 24 == 10 && slot_of(fib, d) != slot;
	}
	ASSERT_EQ(bad, 0, "destinations whose entry names another slot than the first's");
	ASSERT_TRUE(slot, "no slot found");
	for (d = 0; d < TEST_GROUPS && !l.fails; d++)
		check_24(&l, w, 0x0a0700 | d);
	/* the new MAC: one write, watched */
	n2.mac[5] = 0x77;
	m.word = (volatile const __u64 *)&fib->slots[slot % V4VIA6_MAX_NEXTHOPS].dmac;
	m.old = *m.word;
	want.m.known = 1;
	memcpy(want.m.mac, n2.mac, ETH_ALEN);
	m.new = want.word; /* what the write must store */
	if (pthread_create(&th, NULL, watch_mac, &m)) {
		tlog_fail(&l, "pthread_create failed");
		return tlog_end(&l, "fib24_neigh_mac_one_write");
	}
	/* the watcher reads the old word before the write, and the new one after */
	wait_until(&m.ready, 1);
	ASSERT_EQ(fib24_neigh_update(fib, &nh, &n2, BPF_ANY), 0, "fib24_neigh_update (new MAC)");
	ASSERT_EQ(*m.word, m.new, "the slot's MAC word after the write");
	wait_until(&m.last, m.new);
	__atomic_store_n(&m.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	ASSERT_TRUE(m.old != m.new, "the slot's MAC word did not change");
	ASSERT_EQ(m.changes, 1, "changes of the slot's MAC word seen");
	ASSERT_EQ(m.others, 0, "values of the MAC word neither old nor new");
	ASSERT_TRUE(!memcmp(fib->slots[slot].dmac.mac, n2.mac, ETH_ALEN) &&
			    fib->slots[slot].dmac.known,
		    "the slot's MAC is not the new one");
	/* every route's destinations through the program: the new MAC */
	for (i = 0; i < nref && !l.fails; i++) {
		struct frame_spec s = FRAME_SPEC();
		char dst[INET_ADDRSTRLEN];
		struct xdp_result res;
		struct frame in, want;
		struct in_addr a;

		d = ref[i].addr | ((__u32)rnd() & ~mask(ref[i].len));
		if (d >> 24 != 10)
			continue;
		a.s_addr = htonl(d);
		inet_ntop(AF_INET, &a, dst, sizeof(dst));
		s.daddr = dst;
		frame_build(&in, &s);
		if (xdp_run(w, &in, w_ifindex(IF_IN), &res)) {
			tlog_fail(&l, "%s: test run failed", dst);
			break;
		}
		frame_forwarded(&want, &in, n2.mac, w_ifaces[IF_OUT].mac);
		if (!expect_verdict(&l, res.verdict, XDP_REDIRECT) ||
		    !expect_frame(&l, &res.out, &want))
			tlog_fail(&l, "  for %s (route %zu of %zu)", dst, i, nref);
	}
	mac_of(ONE_NH, n1.mac);
	ASSERT_EQ(fib24_neigh_update(fib, &nh, &n1, BPF_ANY), 0, "fib24_neigh_update (back)");
	check_table(&l, fib);
	if (!l.fails)
		printf("  %zu routes through slot %u\n", nref, slot);
	return tlog_end(&l, "fib24_neigh_mac_one_write");
}

/* Every slot's counters (sums over CPUs): V4VIA6_MAX_NEXTHOPS of them. */
static int nh_stats_all(const struct world *w, struct nh_stats *all)
{
	__u32 i;
	int err;

	for (i = 0; i < V4VIA6_MAX_NEXTHOPS; i++) {
		err = world_nh_stats(w, i, &all[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Sends n frames of payload bytes to d; false on a verdict other than XDP_REDIRECT. */
static bool send_n(struct tlog *l, const struct world *w, __u32 d, int n, int payload, size_t *len)
{
	struct frame_spec s = FRAME_SPEC(.payload = payload);
	char dst[INET_ADDRSTRLEN];
	struct in_addr a = { htonl(d) };
	struct xdp_result res;
	struct frame in;
	int i;

	inet_ntop(AF_INET, &a, dst, sizeof(dst));
	s.daddr = dst;
	frame_build(&in, &s);
	*len = in.len;
	for (i = 0; i < n; i++)
		if (xdp_run(w, &in, w_ifindex(IF_IN), &res) ||
		    !expect_verdict(l, res.verdict, XDP_REDIRECT))
			return false;
	return true;
}

/*
 * Per-nexthop counters: N frames through the slot of a /26 move its counters
 * by N packets and N times the frame's length (summed over the CPUs), and no
 * other slot's. A wiped slot (flush) reads 0, and the next hop that takes it
 * again counts from 0.
 */
static bool test_nh_stats(const struct world *w, struct fib24 *fib)
{
	struct nh_stats *before = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*before));
	struct nh_stats *after = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*after)), one;
	__u32 d = 0x0a0d0345, slot, i, moved = 0;
	struct tlog l;
	size_t len;
	const int n = 37;

	tlog_begin(&l);
	if (!before || !after) {
		tlog_fail(&l, "out of memory");
		goto out;
	}
	reset(&l, fib);
	add_ref(&l, fib, 0x0a0d0000, 16, 1);
	add_ref(&l, fib, 0x0a0d0340, 26, 2);
	slot = slot_of(fib, d);
	ASSERT_TRUE(slot, "no slot for the /26");
	ASSERT_OK(nh_stats_all(w, before), "reading nh_stats");
	send_n(&l, w, d, n, 100, &len);
	ASSERT_OK(nh_stats_all(w, after), "reading nh_stats");
	ASSERT_EQ(after[slot].packets - before[slot].packets, n, "packets of the /26's slot");
	ASSERT_EQ(after[slot].bytes - before[slot].bytes, n * len, "bytes of the /26's slot");
	for (i = 0; i < V4VIA6_MAX_NEXTHOPS; i++)
		moved += i != slot && (after[i].packets != before[i].packets ||
				       after[i].bytes != before[i].bytes);
	ASSERT_EQ(moved, 0, "other slots whose counters moved");
	/* wiped with the table; the same next hop takes the same slot again, from 0 */
	reset(&l, fib);
	ASSERT_OK(world_nh_stats(w, slot, &one), "reading nh_stats");
	ASSERT_EQ(one.packets, 0, "packets of the wiped slot");
	ASSERT_EQ(one.bytes, 0, "bytes of the wiped slot");
	add_ref(&l, fib, 0x0a0d0340, 26, 2);
	ASSERT_EQ(slot_of(fib, d), slot, "slot of the /26 again");
	send_n(&l, w, d, 3, 10, &len);
	ASSERT_OK(world_nh_stats(w, slot, &one), "reading nh_stats");
	ASSERT_EQ(one.packets, 3, "packets of the slot taken again");
	ASSERT_EQ(one.bytes, 3 * len, "bytes of the slot taken again");
out:
	free(before);
	free(after);
	return tlog_end(&l, "fib24_nexthop_counters");
}

/* The writer/reader test: its prefixes, destinations and the answers after each change. */
#define WR_OPS	 1500
#define WR_DESTS 8
static const struct {
	__u32 addr, len;
} wr_prefixes[] = {
	{ 0x0a0e0000, 16 }, { 0x0a0e0400, 22 }, { 0x0a0e0500, 24 },
	{ 0x0a0e0540, 26 }, { 0x0a0e0580, 25 }, { 0x0a0e0582, 32 },
	{ 0x0a0e0600, 24 }, { 0x0a0e0680, 25 }, { 0x0a0e06f0, 28 },
};
static const __u32 wr_dests[WR_DESTS] = { 0x0a0e0501, 0x0a0e0546, 0x0a0e0582, 0x0a0e05c8,
					  0x0a0e06ff, 0x0a0e0609, 0x0a0e068c, 0x0a0e0701 };
static int wr_ans[WR_OPS + 1][WR_DESTS];

struct wr_shared {
	const struct world *w;
	int started, done; /* the writer's change started / done last */
	volatile int stop;
	long runs, in_flight, wrong, widest; /* widest: most changes one run overlapped */
	char first_wrong[160];
};

/* What the program answered for d: a next hop k, THROW_NH, -1 (no route), -2 (anything else). */
static int answer(const struct world *w, __u32 d)
{
	static const __u8 base[5] = { 0x02, 0, 0, 0, 0xf2 };
	struct frame_spec s = FRAME_SPEC();
	char dst[INET_ADDRSTRLEN];
	struct in_addr a = { htonl(d) };
	struct xdp_result res;
	struct frame in;

	inet_ntop(AF_INET, &a, dst, sizeof(dst));
	s.daddr = dst;
	frame_build(&in, &s);
	if (xdp_run(w, &in, w_ifindex(IF_IN), &res))
		return -2;
	if (res.verdict == XDP_REDIRECT && !memcmp(res.out.data, base, sizeof(base)))
		return res.out.data[5];
	if (res.verdict == XDP_PASS && res.delta.pass_no_route == 1)
		return -1;
	if (res.verdict == XDP_PASS && res.delta.pass_throw == 1)
		return THROW_NH;
	return -2;
}

static void *wr_reader(void *arg)
{
	struct wr_shared *sh = arg;
	int s0, s1, j, got, k;
	bool ok;

	for (k = 0; !sh->stop; k = (k + 1) % WR_DESTS) {
		s0 = __atomic_load_n(&sh->done, __ATOMIC_ACQUIRE);
		got = answer(sh->w, wr_dests[k]);
		s1 = __atomic_load_n(&sh->started, __ATOMIC_ACQUIRE);
		/* the state before the run, or after any change that started since */
		for (ok = false, j = s0; j <= s1 && !ok; j++)
			ok = wr_ans[j][k] == got;
		__atomic_store_n(&sh->runs, sh->runs + 1, __ATOMIC_RELEASE);
		sh->in_flight += s1 > s0;
		if (s1 - s0 > sh->widest)
			sh->widest = s1 - s0;
		if (!ok && !sh->wrong++)
			snprintf(sh->first_wrong, sizeof(sh->first_wrong),
				 "destination %u: answer %d, but changes %d..%d say %d..%d",
				 wr_dests[k] & 0xffff, got, s0, s1, wr_ans[s0][k], wr_ans[s1][k]);
	}
	return NULL;
}

/*
 * A writer changes nested routes (shorter and longer than /24, so blocks
 * come and go, and the small pool's blocks are reused) while a reader runs
 * destinations through the program: each answer must be the destination's
 * route before the run or after a change that started during it, never
 * another next hop, nor "no route" where a route always covers it.
 */
static bool test_writer_reader(const struct world *w, struct fib24 *fib)
{
	struct wr_shared sh = { .w = w };
	struct ref_route *r;
	struct route_key k;
	struct nexthop nh;
	pthread_t th;
	struct tlog l;
	int op, i, nhk, err = 0;
	long runs;
	__u32 p;

	tlog_begin(&l);
	reset(&l, fib);
	/* 10.0.0.0/8 stays: no destination is ever without a route */
	add_ref(&l, fib, 0x0a000000, 8, 0);
	for (i = 0; i < WR_DESTS; i++)
		wr_ans[0][i] = ref_lookup(wr_dests[i]);
	if (l.fails || pthread_create(&th, NULL, wr_reader, &sh)) {
		tlog_fail(&l, "setting up the reader failed");
		return tlog_end(&l, "fib24_writer_reader_old_or_new");
	}
	for (op = 1; op <= WR_OPS && !err; op++) {
		p = rnd() % ARRAY_SIZE(wr_prefixes);
		k = key_of(wr_prefixes[p].addr, wr_prefixes[p].len);
		r = ref_find(wr_prefixes[p].addr, wr_prefixes[p].len);
		nhk = rnd() % NHOPS;
		/* the reference after the change, then the answers, then the change */
		if (rnd() % 3 == 0) {
			if (r)
				*r = ref[--nref];
		} else if (r) {
			r->nh = nhk;
		} else {
			ref[nref++] =
				(struct ref_route){ wr_prefixes[p].addr, wr_prefixes[p].len, nhk };
		}
		for (i = 0; i < WR_DESTS; i++)
			wr_ans[op][i] = ref_lookup(wr_dests[i]);
		__atomic_store_n(&sh.started, op, __ATOMIC_RELEASE);
		if (ref_find(wr_prefixes[p].addr, wr_prefixes[p].len)) {
			hop_of(nhk, &nh);
			err = fib24_update(fib, &k, &nh, BPF_ANY);
		} else {
			err = fib24_delete(fib, &k);
			if (err == -ENOENT && !r)
				err = 0;
		}
		__atomic_store_n(&sh.done, op, __ATOMIC_RELEASE);
		/* a run or two between changes: each answer is checked against few states */
		for (runs = __atomic_load_n(&sh.runs, __ATOMIC_ACQUIRE) + 2;
		     __atomic_load_n(&sh.runs, __ATOMIC_ACQUIRE) < runs && op % 4;)
			;
	}
	sh.stop = 1;
	pthread_join(th, NULL);
	ASSERT_EQ(err, 0, "a change failed");
	ASSERT_TRUE(!sh.wrong, "%ld of %ld answers neither old nor new; first: %s", sh.wrong,
		    sh.runs, sh.first_wrong);
	ASSERT_TRUE(sh.in_flight > 0, "no run overlapped a change (%ld runs)", sh.runs);
	check_table(&l, fib);
	for (i = 0; i < WR_DESTS && !l.fails; i++)
		check_24(&l, w, wr_dests[i] >> 8);
	if (!l.fails)
		printf("  %d changes, %ld runs, %ld of them during a change, at most %ld\n", WR_OPS,
		       sh.runs, sh.in_flight, sh.widest);
	return tlog_end(&l, "fib24_writer_reader_old_or_new");
}

/*
 * Issue 8, crash consistency: a writer dies between the trie and tbl24 (the
 * trie written behind fib24's back, the state word left dirty). The next
 * process to open the maps repairs them before anything else.
 */
static bool test_dirty_repair(const struct world *w, struct fib24 *fib)
{
	struct route_key k = key_of(0x0a0a0000, 16), k2 = key_of(0x0a0a0a80, 26);
	struct route val = { .prefixlen = 16 };
	struct fib24 next;
	struct tlog l;
	int d;

	tlog_begin(&l);
	ASSERT_EQ(fib24_flush(fib), 0, "fib24_flush");
	nref = 0;
	hop_of(3, &val.nh);
	ASSERT_EQ(fib24_update(fib, &k, &val.nh, BPF_ANY), 0, "add /16");
	ASSERT_EQ(fib24_clean(fib), 1, "clean after a write");
	/* what a writer killed half-way leaves: dirty, the trie ahead of tbl24 */
	fib->slots[0].used = FIB24_DIRTY;
	ASSERT_EQ(fib24_tables_state(fib->nexthops_fd, NULL), FIB24_STATE_DIRTY,
		  "fib24_tables_state: dirty");
	hop_of(4, &val.nh);
	ASSERT_EQ(bpf_map_update_elem(fib->routes_fd, &k, &val, BPF_ANY), 0, "trie write");
	val.prefixlen = 26;
	ASSERT_EQ(bpf_map_update_elem(fib->routes_fd, &k2, &val, BPF_ANY), 0, "trie write");
	ref[nref++] = (struct ref_route){ 0x0a0a0000, 16, 4 };
	ref[nref++] = (struct ref_route){ 0x0a0a0a80, 26, 4 };
	/* (fib24_check would repair first: its lock finds the tables dirty) */
	ASSERT_EQ(*fib24_entry(fib, 0x0a0a0a) & V4VIA6_T24_TBL8, 0,
		  "10.10.10.0/24 has a tbl8 block before the repair");
	ASSERT_EQ(fib24_open(&next, &w->maps, NULL), 0, "open by the next process");
	ASSERT_EQ(fib24_clean(&next), 1, "clean after the open");
	fib24_close(&next);
	ASSERT_EQ(fib24_tables_state(fib->nexthops_fd, NULL), FIB24_STATE_CLEAN,
		  "fib24_tables_state: clean");
	check_table(&l, fib);
	for (d = 0; d < 300 && !l.fails; d++)
		check_dest(&l, w, 0x0a0a0000 | (rnd() & 0xffff));
	return tlog_end(&l, "fib24_dirty_repaired_at_open");
}

static int setup(struct v4via6_bpf **skel, struct world *w, struct fib24 *fib)
{
	struct neigh nb = {};
	struct nexthop nh;
	int k;

	w_tbl8_groups = TEST_GROUPS;
	if (world_load_skel(skel, w, fib) || world_hold_prog(w->prog_fd, "hold0") ||
	    world_fill_maps(w))
		return -1;
	/* the world's own routes go: this test's reference knows only its own */
	if (fib24_flush(fib))
		return -1;
	for (k = 0; k < THROW_NH; k++) {
		hop_of(k, &nh);
		mac_of(k, nb.mac);
		if (bpf_map_update_elem(w->neighs_fd, &nh, &nb, BPF_ANY))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed = 24;
	const char *only = NULL;
	struct v4via6_bpf *skel = NULL;
	struct fib24 fib = {};
	struct world w = {};
	int failed = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--seed N] [--only PART_OF_A_TEST_FUNCTION]\n",
				argv[0]);
			return 2;
		}
	}
	rng_state = seed;
	check_suite = "fib24";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (world_build_netns() || setup(&skel, &w, &fib)) {
		printf("FAIL fib24/setup: could not build the test's namespace and maps (see "
		       "above)\n");
		v4via6_bpf__destroy(skel);
		return 1;
	}
/* a test function, unless --only names another (the tests after a skipped one may depend on it) */
#define RUN(fn) (only && !strstr(#fn, only) ? 0 : !fn(&w, &fib))
	failed += RUN(test_churn);
	failed += RUN(test_rebuild);
	failed += RUN(test_slot_gc);
	failed += RUN(test_flush);
	failed += RUN(test_batch);
	failed += RUN(test_many_nexthops);
	failed += RUN(test_tbl8_lifecycle);
	failed += RUN(test_pool_full);
	failed += RUN(test_tbl8_damage);
	failed += RUN(test_neigh_one_write);
	failed += RUN(test_nh_stats);
	failed += RUN(test_writer_reader);
	failed += RUN(test_dirty_repair);
	if (w.fib)
		fib24_close(&fib);
	v4via6_bpf__destroy(skel);
	return failed ? 1 : 0;
}
