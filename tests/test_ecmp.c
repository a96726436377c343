// SPDX-License-Identifier: GPL-2.0-only
/*
 * ECMP in the program, under BPF_PROG_TEST_RUN (issue 11's first tests): a
 * route whose entry names a nexthop group spreads flows over its members by
 * weight, keeps every packet of a flow (and every fragment of a datagram) on
 * one member, and when a member goes or comes back moves only the flows it
 * must (loader/nhgrp.c). The groups are written by hand here: the loader's
 * group objects are not there yet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "array_size.h"
#include "check.h"
#include "fib24_int.h"
#include "nhgrp.h"
#include "xdp_frame.h"
#include "xdp_run.h"
#include "xdp_world.h"
#include "v4via6.skel.h"

#define FLOWS  65536
#define GROUP  7 /* nh_groups index used */
#define DST_24 0x0a6300 /* 10.99.0.0/24 */
#define MAXM   8

static unsigned long long rng_state = 11;

static __u32 rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng_state >> 33;
}

static void hop_of(int k, struct nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = w_ifindex(IF_OUT);
	nh->addr[0] = 0xfe;
	nh->addr[1] = 0x80;
	nh->addr[14] = 0xec;
	nh->addr[15] = k;
}

static void mac_of(int k, __u8 *mac)
{
	static const __u8 base[ETH_ALEN] = { 0x02, 0, 0, 0, 0xec, 0 };

	memcpy(mac, base, ETH_ALEN);
	mac[5] = k;
}

struct group {
	unsigned int n;
	__u32 weights[MAXM];
	int slot[MAXM]; /* nexthop objects of the members (held) */
	__u16 member[V4VIA6_NHGRP_BUCKETS]; /* member index of each bucket */
};

/* The members' nexthop objects, with their MACs. */
static int group_slots(struct fib24 *fib, struct group *g)
{
	struct neigh nb = {};
	struct nexthop nh;
	unsigned int k;

	for (k = 0; k < g->n; k++) {
		hop_of(k, &nh);
		mac_of(k, nb.mac);
		if (fib24_neigh_update(fib, &nh, &nb, BPF_ANY))
			return -1;
		g->slot[k] = slot_get(fib, &nh);
		if (g->slot[k] < 0)
			return -1;
	}
	return 0;
}

/* Rebalances and writes the group's buckets; returns the buckets moved or -1. */
static int group_write(const struct world *w, struct group *g)
{
	struct nh_group val;
	__u32 key = GROUP, j;
	int moved = nhgrp_rebalance(g->member, g->weights, g->n);

	if (moved < 0)
		return -1;
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
		val.bucket[j] = g->slot[g->member[j]];
	return bpf_map_update_elem(w->nh_groups_fd, &key, &val, BPF_ANY) ? -1 : moved;
}

struct flow {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
};

static void flow_random(struct flow *f)
{
	f->saddr = 0x0b000000 | (rnd() & 0xffffff); /* 11/8: not a martian */
	f->daddr = DST_24 << 8 | (rnd() & 0xff);
	f->sport = rnd();
	f->dport = rnd();
	f->proto = rnd() & 1 ? IPPROTO_TCP : IPPROTO_UDP;
}

/* The member a frame of the flow goes to (by its destination MAC), -1 on error. */
static int send_flow(struct tlog *l, const struct world *w, const struct flow *f, __u16 frag_off,
		     const struct group *g)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	struct frame_spec s = FRAME_SPEC();
	struct xdp_result res;
	struct in_addr a;
	struct frame in;
	__u8 mac[ETH_ALEN];
	unsigned int k;

	a.s_addr = htonl(f->saddr);
	inet_ntop(AF_INET, &a, src, sizeof(src));
	a.s_addr = htonl(f->daddr);
	inet_ntop(AF_INET, &a, dst, sizeof(dst));
	s.saddr = src;
	s.daddr = dst;
	s.proto = f->proto;
	s.frag_off = frag_off;
	frame_build(&in, &s);
	/* the ports: the first 4 bytes after the IPv4 header */
	in.data[ETH_HLEN + 20] = f->sport >> 8;
	in.data[ETH_HLEN + 21] = f->sport;
	in.data[ETH_HLEN + 22] = f->dport >> 8;
	in.data[ETH_HLEN + 23] = f->dport;
	if (xdp_run(w, &in, w_ifindex(IF_IN), &res) || res.verdict != XDP_REDIRECT) {
		tlog_fail(l, "%s -> %s: not redirected (verdict %u)", src, dst, res.verdict);
		return -1;
	}
	for (k = 0; k < g->n; k++) {
		mac_of(k, mac);
		if (!memcmp(res.out.data, mac, ETH_ALEN))
			return k;
	}
	tlog_fail(l, "%s -> %s: sent to a MAC of no member", src, dst);
	return -1;
}

static int setup(struct v4via6_bpf **skel, struct world *w, struct fib24 *fib)
{
	__u32 zero = 0, seed = 0x5eed1234;

	if (world_load_skel(skel, w, fib) || world_hold_prog(w->prog_fd, "hold0") ||
	    world_fill_maps(w) || fib24_flush(fib))
		return -1;
	if (bpf_map_update_elem(w->hash_seed_fd, &zero, &seed, BPF_ANY))
		return -1;
	/* the route: 10.99.0.0/24 names the group (by hand: no group objects in fib24 yet) */
	*fib24_entry(fib, DST_24) = V4VIA6_E_VALID | 24 << V4VIA6_E_LEN_SHIFT | V4VIA6_E_NHGRP |
				    GROUP;
	return 0;
}

/* 64k random flows over groups of 2, 3, 4 and 8 members: each member's share near its weight's. */
static bool test_shares(struct world *w, struct fib24 *fib)
{
	static const struct {
		unsigned int n;
		__u32 weights[MAXM];
	} cases[] = {
		{ 2, { 1, 1 } },
		{ 3, { 1, 2, 3 } },
		{ 4, { 1, 1, 1, 1 } },
		{ 8, { 1, 2, 3, 4, 5, 6, 7, 8 } },
	};
	struct tlog l;
	size_t c;

	tlog_begin(&l);
	for (c = 0; c < ARRAY_SIZE(cases) && !l.fails; c++) {
		struct group g = { .n = cases[c].n };
		unsigned int count[MAXM] = { 0 }, k, i;
		double total = 0, share, want, worst = 0;
		struct flow f;
		int m;

		memcpy(g.weights, cases[c].weights, sizeof(g.weights));
		memset(g.member, 0xff, sizeof(g.member));
		if (group_slots(fib, &g) || group_write(w, &g) < 0) {
			tlog_fail(&l, "setting up a group of %u", g.n);
			break;
		}
		for (i = 0; i < FLOWS && !l.fails; i++) {
			flow_random(&f);
			m = send_flow(&l, w, &f, 0, &g);
			if (m >= 0)
				count[m]++;
		}
		for (k = 0; k < g.n; k++)
			total += g.weights[k];
		for (k = 0; k < g.n; k++) {
			share = (double)count[k] / FLOWS;
			want = g.weights[k] / total;
			if (share - want > worst || want - share > worst)
				worst = share > want ? share - want : want - share;
		}
		/* 256 buckets: a share is off by at most 1/256 (0.4%), plus sampling noise */
		ASSERT_TRUE(worst < 0.01,
			    "group of %u: a member's share off its weight's by %.2f%%", g.n,
			    worst * 100);
		printf("  %u members: largest difference from the weights' shares %.2f%%\n", g.n,
		       worst * 100);
		for (k = 0; k < g.n; k++)
			slot_put(fib, g.slot[k]);
	}
	return tlog_end(&l, "shares_by_weight");
}

/* Every packet of a flow to one member, every fragment of a datagram to one member. */
static bool test_sticky(struct world *w, struct fib24 *fib)
{
	struct group g = { .n = 4, .weights = { 1, 1, 1, 1 } };
	struct flow flows[1000];
	int first[1000], m, frag, later;
	unsigned int i, moved = 0, split = 0;
	struct tlog l;

	tlog_begin(&l);
	memset(g.member, 0xff, sizeof(g.member));
	if (group_slots(fib, &g) || group_write(w, &g) < 0) {
		tlog_fail(&l, "setting up the group");
		return tlog_end(&l, "flow_and_fragments_sticky");
	}
	for (i = 0; i < ARRAY_SIZE(flows); i++) {
		flow_random(&flows[i]);
		first[i] = send_flow(&l, w, &flows[i], 0, &g);
	}
	for (i = 0; i < ARRAY_SIZE(flows) && !l.fails; i++) {
		m = send_flow(&l, w, &flows[i], 0, &g);
		moved += m != first[i];
		/* first fragment (MF), a later one (offset 185 * 8): one member, ports or not */
		frag = send_flow(&l, w, &flows[i], 0x2000, &g);
		later = send_flow(&l, w, &flows[i], 185, &g);
		split += frag != later;
	}
	ASSERT_EQ(moved, 0, "flows whose second packet went to another member");
	ASSERT_EQ(split, 0, "datagrams whose fragments went to different members");
	for (i = 0; i < g.n; i++)
		slot_put(fib, g.slot[i]);
	return tlog_end(&l, "flow_and_fragments_sticky");
}

/* One member of four removed: only its flows move; added back: about a quarter move. */
static bool test_resilient(struct world *w, struct fib24 *fib)
{
	static struct flow flows[FLOWS];
	static int before[FLOWS];
	struct group g = { .n = 4, .weights = { 1, 1, 1, 1 } };
	unsigned int i, other_moved = 0, moved = 0, back_moved = 0, back_other = 0;
	struct tlog l;
	int m, b;

	tlog_begin(&l);
	memset(g.member, 0xff, sizeof(g.member));
	if (group_slots(fib, &g) || group_write(w, &g) < 0) {
		tlog_fail(&l, "setting up the group");
		return tlog_end(&l, "resilient_remove_and_add");
	}
	for (i = 0; i < FLOWS && !l.fails; i++) {
		flow_random(&flows[i]);
		before[i] = send_flow(&l, w, &flows[i], 0, &g);
	}
	g.weights[2] = 0; /* member 2 goes (its link went down) */
	b = group_write(w, &g);
	ASSERT_EQ(b, 64, "buckets moved when one member of four goes");
	for (i = 0; i < FLOWS && !l.fails; i++) {
		m = send_flow(&l, w, &flows[i], 0, &g);
		moved += m != before[i];
		other_moved += before[i] != 2 && m != before[i];
		ASSERT_TRUE(m != 2, "a flow still on the member removed");
	}
	ASSERT_EQ(other_moved, 0, "flows of the members that stayed that moved");
	ASSERT_TRUE(moved > FLOWS / 4 * 0.9 && moved < FLOWS / 4 * 1.1,
		    "%u flows of %u moved, want about a quarter", moved, FLOWS);
	g.weights[2] = 1; /* back */
	b = group_write(w, &g);
	ASSERT_EQ(b, 64, "buckets moved when it comes back");
	for (i = 0; i < FLOWS && !l.fails; i++) {
		m = send_flow(&l, w, &flows[i], 0, &g);
		back_moved += m == 2;
		back_other += m != 2 && m != before[i] && before[i] != 2;
	}
	ASSERT_TRUE(back_moved > FLOWS / 4 * 0.9 && back_moved < FLOWS / 4 * 1.1,
		    "%u flows of %u moved back, want about a quarter", back_moved, FLOWS);
	if (!l.fails)
		printf("  removed: %u flows moved (%.1f%%), none of the others; back: %u moved\n",
		       moved, 100.0 * moved / FLOWS, back_moved);
	for (i = 0; i < g.n; i++)
		slot_put(fib, g.slot[i]);
	(void)back_other;
	return tlog_end(&l, "resilient_remove_and_add");
}

/* The bucket allocator alone. */
static bool test_buckets(void)
{
	__u32 w2[] = { 1, 2 }, big[] = { 65535, 1 }, zero[] = { 0, 0 };
	unsigned int t[V4VIA6_NHGRP_MAX_SIZE], i, have[V4VIA6_NHGRP_MAX_SIZE];
	__u16 b[V4VIA6_NHGRP_BUCKETS];
	struct tlog l;
	int r;

	tlog_begin(&l);
	ASSERT_EQ(nhgrp_targets(w2, 2, t), 0, "targets of 1:2");
	ASSERT_TRUE(t[0] == 85 && t[1] == 171, "1:2 -> %u:%u buckets, want 85:171", t[0], t[1]);
	ASSERT_EQ(nhgrp_targets(big, 2, t), 0, "targets of 65535:1");
	ASSERT_TRUE(t[0] == 255 && t[1] == 1, "65535:1 -> %u:%u buckets, want 255:1", t[0], t[1]);
	ASSERT_EQ(nhgrp_targets(zero, 2, t), -EINVAL, "every weight 0");
	ASSERT_EQ(nhgrp_targets(w2, 0, t), -EINVAL, "no member");
	ASSERT_EQ(nhgrp_targets(w2, V4VIA6_NHGRP_MAX_SIZE + 1, t), -EINVAL, "too many members");
	/* random changes: after each, every member holds its target, and what moved is the least */
	memset(b, 0xff, sizeof(b));
	for (r = 0; r < 2000 && !l.fails; r++) {
		__u32 w[V4VIA6_NHGRP_MAX_SIZE];
		unsigned int n = 1 + rnd() % V4VIA6_NHGRP_MAX_SIZE, least = 0, j;
		int moved;

		for (i = 0; i < n; i++)
			w[i] = rnd() % 4 ? 1 + rnd() % 65535 : 0;
		w[rnd() % n] |= 1;
		nhgrp_targets(w, n, t);
		memset(have, 0, sizeof(have));
		for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
			if (b[j] < n)
				have[b[j]]++;
		for (i = 0; i < n; i++)
			least += t[i] > have[i] ? t[i] - have[i] : 0;
		moved = nhgrp_rebalance(b, w, n);
		memset(have, 0, sizeof(have));
		for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
			have[b[j] < n ? b[j] : 0] += b[j] < n;
		for (i = 0; i < n; i++)
			ASSERT_EQ(have[i], t[i], "a member's buckets after a change");
		ASSERT_EQ(moved, least, "buckets moved (the least a change allows)");
	}
	return tlog_end(&l, "bucket_allocator");
}

int main(void)
{
	struct v4via6_bpf *skel = NULL;
	struct fib24 fib = {};
	struct world w = {};
	int failed = 0;

	check_suite = "ecmp";
	setvbuf(stdout, NULL, _IOLBF, 0);
	failed += !test_buckets();
	if (world_build_netns() || setup(&skel, &w, &fib)) {
		printf("FAIL ecmp/setup: could not build the test's namespace and maps (see above)\n");
		v4via6_bpf__destroy(skel);
		return 1;
	}
	failed += !test_shares(&w, &fib);
	failed += !test_sticky(&w, &fib);
	failed += !test_resilient(&w, &fib);
	fib24_close(&fib);
	v4via6_bpf__destroy(skel);
	return failed ? 1 : 0;
}
