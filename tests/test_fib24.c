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
 * slots filling up inside a batch, a longer-route count that must not wrap,
 * tables left dirty by a dead writer.
 *   test_fib24 [--seed N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v4via6.skel.h"
#include "xdp_frame.h"
#include "xdp_world.h"
#include "xdp_run.h"
#include "dump.h"

#define NHOPS	 12 /* next hops 0..NHOPS-2 on out0, NHOPS-1 is throw */
#define MAX_RT	 4096
#define ROUNDS	 20
#define OPS	 300
#define DESTS	 1500
#define THROW_NH (NHOPS - 1)

struct ref_route {
	__u32 addr; /* host order, host bits zero */
	__u32 len;
	int nh;
};

static struct ref_route ref[MAX_RT];
static size_t nref;
static unsigned long long rng_state;

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
	*addr = a & mask(*len);
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

/* One random change, mirrored in the reference; false on a wrong answer. */
static bool churn_one(struct tlog *l, struct fib24 *fib)
{
	struct ref_route *r;
	struct nexthop nh;
	struct route_key k;
	__u32 addr, len;
	int nhk = rnd() % NHOPS, err;

	random_prefix(&addr, &len);
	r = ref_find(addr, len);
	k = key_of(addr, len);
	hop_of(nhk, &nh);
	switch (rnd() % 3) {
	case 0: /* add: only when new */
		err = fib24_update(fib, &k, &nh, BPF_NOEXIST);
		if (!ASSERT_EQ(err, r ? -EEXIST : 0, "add: error"))
			return false;
		if (!r && nref < MAX_RT)
			ref[nref++] = (struct ref_route){ addr, len, nhk };
		else if (!r) /* the reference is full: take it back */
			fib24_delete(fib, &k);
		return true;
	case 1: /* replace */
		if (!r && nref == MAX_RT)
			return true;
		err = fib24_update(fib, &k, &nh, BPF_ANY);
		if (!ASSERT_EQ(err, 0, "replace: error"))
			return false;
		if (r)
			r->nh = nhk;
		else
			ref[nref++] = (struct ref_route){ addr, len, nhk };
		return true;
	default: /* delete an existing route mostly, sometimes a missing one */
		if (!r && nref && rnd() % 4) {
			r = &ref[rnd() % nref];
			k = key_of(r->addr, r->len);
		}
		err = fib24_delete(fib, &k);
		if (!ASSERT_EQ(err, r ? 0 : -ENOENT, "delete: error"))
			return false;
		if (r)
			*r = ref[--nref];
		return true;
	}
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

static bool test_churn(const struct world *w, struct fib24 *fib)
{
	struct tlog l;
	int round, i;
	size_t dests = 0;

	tlog_begin(&l);
	for (round = 0; round < ROUNDS && !l.fails; round++) {
		for (i = 0; i < OPS && !l.fails; i++)
			churn_one(&l, fib);
		if (!l.fails)
			check_table(&l, fib);
		for (i = 0; i < DESTS && !l.fails; i++, dests++)
			check_dest(&l, w, random_dest());
	}
	if (!l.fails)
		printf("  %d rounds of %d changes, %zu destinations, %zu routes at the end\n",
		       round, OPS, dests, nref);
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
	*fib24_entry(fib, i) ^= V4VIA6_T24_VALID; /* as a writer dying half-way would leave it */
	ASSERT_EQ(fib24_check(fib) > 0, 1, "fib24_check after damage");
	ASSERT_EQ(fib24_rebuild(fib), 0, "fib24_rebuild");
	ASSERT_EQ(*fib24_entry(fib, i), saved, "entry after rebuild");
	check_table(&l, fib);
	for (k = 0; k < 256 && !l.fails; k++)
		check_dest(&l, w, 0x0a000000 | k);
	return tlog_end(&l, "fib24_rebuild_repairs");
}

/* More distinct next hops over time than slots: released slots go to new ones. */
static bool test_slot_gc(const struct world *w, struct fib24 *fib)
{
	struct route_key k = key_of(0x0a030000, 24);
	struct nexthop nh;
	struct tlog l;
	int i, err = 0;

	tlog_begin(&l);
	hop_of(0, &nh);
	for (i = 0; i < V4VIA6_MAX_NEXTHOPS + 5000 && !err; i++) {
		nh.ifindex = 1000 + i; /* never attached: only the slot matters */
		err = fib24_update(fib, &k, &nh, BPF_ANY);
		if (!err)
			err = fib24_delete(fib, &k);
	}
	ASSERT_EQ(err, 0, "add/delete with a new next hop each time: error");
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
		if (!(e & V4VIA6_T24_VALID) || V4VIA6_T24_LEN(e) != 24 || V4VIA6_T24_LONGER(e) ||
		    V4VIA6_T24_NH(e) >= V4VIA6_MAX_NEXTHOPS ||
		    memcmp(&fib->slots[V4VIA6_T24_NH(e)].nh, &nh, sizeof(nh)))
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
		if (bpf_map_update_elem(w->neighs_fd, &nh, &nb, BPF_ANY)) {
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
		bpf_map_delete_elem(w->neighs_fd, &nh);
	}
	ASSERT_EQ(fib24_flush(fib), 0, "fib24_flush");
	ASSERT_EQ(slots_in_use(fib), 0, "slots in use after flush");
	free(keys);
	free(nhs);
	return tlog_end(&l, "fib24_slots_fill_in_a_batch");
}

/*
 * Issue 8, defect 7: the longer-route count of an entry already 0 (a
 * hand-written entry, or a writer that died) must not wrap when a /25 goes,
 * nor make a later /25 invisible to the program.
 */
static bool test_longer_count(const struct world *w, struct fib24 *fib)
{
	struct route_key k24 = key_of(0x0a090900, 24), k25 = key_of(0x0a090980, 25);
	struct nexthop nh1, nh2;
	struct tlog l;
	__u32 i = 0x0a0909;
	int d;

	tlog_begin(&l);
	ASSERT_EQ(fib24_flush(fib), 0, "fib24_flush");
	nref = 0;
	hop_of(1, &nh1);
	hop_of(2, &nh2);
	ASSERT_EQ(fib24_update(fib, &k24, &nh1, BPF_ANY), 0, "add /24");
	ASSERT_EQ(fib24_update(fib, &k25, &nh2, BPF_ANY), 0, "add /25");
	ASSERT_EQ(V4VIA6_T24_LONGER(*fib24_entry(fib, i)), 1, "count with the /25");
	/* the count lost, as bpftool map update or a dead writer may leave it */
	*fib24_entry(fib, i) &= ~(V4VIA6_T24_LONGER_MASK << V4VIA6_T24_LONGER_SHIFT);
	ASSERT_EQ(fib24_delete(fib, &k25), 0, "delete /25");
	ref[nref++] = (struct ref_route){ 0x0a090900, 24, 1 };
	check_table(&l, fib);
	ASSERT_EQ((*fib24_entry(fib, i) & V4VIA6_T24_VALID) &&
			  V4VIA6_T24_LEN(*fib24_entry(fib, i)) == 24,
		  1, "entry after the delete: valid, /24");
	ASSERT_EQ(fib24_update(fib, &k25, &nh2, BPF_ANY), 0, "add /25 again");
	ref[nref++] = (struct ref_route){ 0x0a090980, 25, 2 };
	ASSERT_EQ(V4VIA6_T24_LONGER(*fib24_entry(fib, i)), 1, "count with the /25 again");
	check_table(&l, fib);
	for (d = 0; d < 256 && !l.fails; d += 7)
		check_dest(&l, w, 0x0a090900 | d);
	return tlog_end(&l, "fib24_longer_count_never_wraps");
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
	ASSERT_EQ(V4VIA6_T24_LONGER(*fib24_entry(fib, 0x0a0a0a)), 0,
		  "count of 10.10.10.0/24 before the repair");
	ASSERT_EQ(fib24_open(&next, fib->routes_fd, fib->tbl24_fd, fib->nexthops_fd, NULL), 0,
		  "open by the next process");
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
	struct v4via6_bpf *skel = NULL;
	struct fib24 fib = {};
	struct world w = {};
	int failed = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--seed N]\n", argv[0]);
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
	failed += !test_churn(&w, &fib);
	failed += !test_rebuild(&w, &fib);
	failed += !test_slot_gc(&w, &fib);
	failed += !test_flush(&w, &fib);
	failed += !test_batch(&w, &fib);
	failed += !test_many_nexthops(&w, &fib);
	failed += !test_longer_count(&w, &fib);
	failed += !test_dirty_repair(&w, &fib);
	if (w.fib)
		fib24_close(&fib);
	v4via6_bpf__destroy(skel);
	return failed ? 1 : 0;
}
