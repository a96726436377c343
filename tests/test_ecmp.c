// SPDX-License-Identifier: GPL-2.0-only
/*
 * ECMP in the program, under BPF_PROG_TEST_RUN (issue 11's test_run tests).
 *
 * Groups made through the loader's API, as the commands make them
 * (fib24_nh_set: `nexthop add id G group ...`; fib24_nh_anon: a route's own
 * `nexthop via ... nexthop via ...`; fib24_link_set: a link down), and one
 * written by hand into nh_groups (the program's side alone, with the bucket
 * allocator of loader/nhgrp.c): flows spread by weight; every packet of a
 * flow and every fragment of a datagram to one member; a member that goes
 * moves only its own flows, and one that comes back about its share; every
 * frame that comes out is compared byte for byte with the frame its member
 * must get (its neighbour's MAC, the egress interface's MAC, TTL - 1, the
 * checksum recomputed here), and sent live, it leaves on its member's link;
 * every member down passes to the kernel; the members' counters add up.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>

#include "array_size.h"
#include "check.h"
#include "fib24_int.h"
#include "nhgrp.h"
#include "xdp_frame.h"
#include "xdp_run.h"
#include "xdp_world.h"
#include "v4via6.skel.h"

#define FLOWS	65536
#define QUARTER (FLOWS / 4)
#define HAND_24 0x0a6300 /* 10.99.0.0/24: the hand-built group's route */
#define API_24	0x0a6200 /* 10.98.0.0/24: the route through the API's groups */
#define MAXM	8
#define GID	201 /* the named group of the API tests */

static unsigned long long rng_state = 11;
/* The hand-built group's slot: a free nexthops index below V4VIA6_MAX_NHGRPS (setup). */
static __u32 hand_slot;

static __u32 rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng_state >> 33;
}

/* A next hop of a group: its address, its neighbour's MAC, its link. */
struct member {
	struct nexthop nh;
	__u8 mac[ETH_ALEN];
	enum iface_id iface;
	__u32 id; /* its nexthop object (the API's groups) */
};

/*
 * hand[]: all on out0. api[]: members 3 and 7 on alt0, the others on out0,
 * so that a link down takes exactly one member of the first four.
 */
static struct member hand[MAXM], api[MAXM];

static void members_init(void)
{
	unsigned int k;

	for (k = 0; k < MAXM; k++) {
		struct member *h = &hand[k], *a = &api[k];

		memset(h, 0, sizeof(*h));
		h->iface = IF_OUT;
		h->nh.ifindex = w_ifindex(IF_OUT);
		memcpy(h->nh.addr, "\xfe\x80", 2);
		h->nh.addr[14] = 0xec;
		h->nh.addr[15] = k;
		memcpy(h->mac, "\x02\x00\x00\x00\xec", 5);
		h->mac[5] = k;

		*a = *h;
		a->iface = k % 4 == 3 ? IF_ALT : IF_OUT;
		a->nh.ifindex = w_ifindex(a->iface);
		a->nh.addr[13] = 1;
		a->mac[3] = 1;
		a->id = 101 + k;
	}
}

struct group {
	unsigned int n;
	const struct member *m[MAXM];
	__u32 weights[MAXM];
	/* the hand-built group only: */
	int slot[MAXM]; /* the members' nexthop objects (held) */
	__u16 member[V4VIA6_NHGRP_BUCKETS]; /* member index of each bucket */
};

static void group_of(struct group *g, const struct member *from, unsigned int n,
		     const __u32 *weights)
{
	unsigned int k;

	memset(g, 0, sizeof(*g));
	g->n = n;
	for (k = 0; k < n; k++) {
		g->m[k] = &from[k];
		g->weights[k] = weights[k];
	}
	memset(g->member, 0xff, sizeof(g->member));
}

struct flow {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
	__u16 payload; /* bytes after the IPv4 header: 0 is FRAME_SPEC's */
};

static void flow_random(struct flow *f, __u32 dst24)
{
	f->saddr = 0x0b000000 | (rnd() & 0xffffff); /* 11/8: not a martian */
	f->daddr = dst24 << 8 | (rnd() & 0xff);
	f->sport = rnd();
	f->dport = rnd();
	f->proto = rnd() & 1 ? IPPROTO_TCP : IPPROTO_UDP;
	f->payload = 0;
}

/*
 * A frame of flow f: frag_off 0 unfragmented, else the datagram's fragment
 * (flags and offset). The first 4 bytes after the header are the ports when
 * the frame carries them (offset 0); a later fragment has data there, made
 * different each time, which the hash must not read.
 */
static void flow_frame(const struct flow *f, __u16 frag_off, struct frame *in)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	struct frame_spec s = FRAME_SPEC();
	struct in_addr a;
	__u8 *l4;

	a.s_addr = htonl(f->saddr);
	inet_ntop(AF_INET, &a, src, sizeof(src));
	a.s_addr = htonl(f->daddr);
	inet_ntop(AF_INET, &a, dst, sizeof(dst));
	s.saddr = src;
	s.daddr = dst;
	s.proto = f->proto;
	s.frag_off = frag_off;
	s.id = f->sport ^ f->dport;
	if (f->payload)
		s.payload = f->payload;
	frame_build(in, &s);
	l4 = in->data + IP_OFF + 20;
	if (frag_off & 0x1fff) {
		put32(l4, rnd());
	} else {
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
	}
}

/*
 * Sends one frame of flow f; returns the member of g it went to (by its
 * destination MAC), after checking it byte for byte against what that member
 * must get; -1 (with the failure logged) otherwise. *in, when not NULL, gets
 * the frame sent.
 */
static int send_flow(struct tlog *l, const struct world *w, const struct flow *f, __u16 frag_off,
		     const struct group *g, struct frame *in)
{
	static struct xdp_result res;
	struct frame sent, want;
	unsigned int k;

	flow_frame(f, frag_off, &sent);
	if (in)
		*in = sent;
	if (xdp_run(w, &sent, w_ifindex(IF_IN), &res)) {
		tlog_fail(l, "test_run: %s", strerror(errno));
		return -1;
	}
	if (!expect_verdict(l, res.verdict, XDP_REDIRECT))
		return -1;
	for (k = 0; k < g->n; k++) {
		if (memcmp(res.out.data, g->m[k]->mac, ETH_ALEN))
			continue;
		frame_forwarded(&want, &sent, g->m[k]->mac, w_ifaces[g->m[k]->iface].mac);
		return expect_frame(l, &res.out, &want) ? (int)k : -1;
	}
	tlog_fail(l, "flow %08x -> %08x: sent to a MAC of no member", f->saddr, f->daddr);
	frame_dump(l->more, "out", &res.out, NULL);
	return -1;
}

/*
 * Each member's share of FLOWS random flows to dst24 within 1% of its
 * weight's; counts in count[]. what names the group in the line printed.
 */
static void check_shares(struct tlog *l, const struct world *w, const struct group *g, __u32 dst24,
			 const char *what, unsigned int *count)
{
	double total = 0, share, want, worst = 0;
	unsigned int k, i;
	struct flow f;
	int m;

	memset(count, 0, sizeof(*count) * g->n);
	for (i = 0; i < FLOWS && !l->fails; i++) {
		flow_random(&f, dst24);
		m = send_flow(l, w, &f, 0, g, NULL);
		if (m >= 0)
			count[m]++;
	}
	if (l->fails)
		return;
	for (k = 0; k < g->n; k++)
		total += g->weights[k];
	for (k = 0; k < g->n; k++) {
		share = (double)count[k] / FLOWS;
		want = g->weights[k] / total;
		if (share - want > worst || want - share > worst)
			worst = share > want ? share - want : want - share;
	}
	/*
	 * 256 buckets: a share is off by 1/256 (0.4%) at most (a weight of 1
	 * among 65535s still gets its one bucket), plus the sampling's noise
	 * (0.2% for a half at 64k flows)
	 */
	ASSERT_TRUE(worst < 0.01, "group of %u: a member's share off its weight's by %.2f%%", g->n,
		    worst * 100);
	printf("  %s, %u members (weights", what, g->n);
	for (k = 0; k < g->n; k++)
		printf("%s%u", k ? "/" : " ", g->weights[k]);
	printf("): largest difference from the weights' shares %.2f%%\n", worst * 100);
}

/*
 * Flows of a member that goes away: before[] the members of flows[] before,
 * gone the member that went (-1: none, a member came back). Checks that the
 * flows of the others stayed, that none is left on the one gone, and that
 * about a quarter moved (when one of four goes or comes back); after[] gets
 * the members now.
 */
static void check_moves(struct tlog *l, const struct world *w, const struct group *g,
			const struct flow *flows, const int *before, int *after, int gone, int back,
			const char *what)
{
	unsigned int i, moved = 0, wrong = 0, stuck = 0;

	for (i = 0; i < FLOWS && !l->fails; i++) {
		after[i] = send_flow(l, w, &flows[i], 0, g, NULL);
		stuck += after[i] == gone;
		if (after[i] == before[i])
			continue;
		moved++;
		/* gone: only its flows may move; back: only flows to it */
		wrong += gone >= 0 ? before[i] != gone : after[i] != back;
	}
	if (l->fails)
		return;
	ASSERT_EQ(wrong, 0, "flows that moved and had no reason to");
	ASSERT_EQ(stuck, 0, "flows still on the member gone");
	ASSERT_TRUE(moved > QUARTER * 0.9 && moved < QUARTER * 1.1,
		    "%s: %u flows of %u moved, want about a quarter", what, moved, FLOWS);
	printf("  %s: %u flows of %u moved (%.1f%%), none of the others\n", what, moved, FLOWS,
	       100.0 * moved / FLOWS);
}

/* The hand-built group: its members' nexthop objects, with their MACs. */
static int hand_slots(struct fib24 *fib, struct group *g)
{
	struct neigh nb = {};
	unsigned int k;

	for (k = 0; k < g->n; k++) {
		memcpy(nb.mac, g->m[k]->mac, ETH_ALEN);
		if (fib24_neigh_update(fib, &g->m[k]->nh, &nb, BPF_ANY))
			return -1;
		g->slot[k] = slot_get(fib, &g->m[k]->nh);
		if (g->slot[k] < 0)
			return -1;
	}
	return 0;
}

static void hand_put(struct fib24 *fib, struct group *g)
{
	unsigned int k;

	for (k = 0; k < g->n; k++)
		slot_put(fib, g->slot[k]);
}

/* Rebalances and writes the hand-built group's buckets; returns the buckets moved or -1. */
static int hand_write(const struct world *w, struct group *g)
{
	struct nh_group val;
	__u32 key = hand_slot, j;
	int moved = nhgrp_rebalance(g->member, g->weights, g->n);

	if (moved < 0)
		return -1;
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
		val.bucket[j] = g->member[j] < g->n ? g->slot[g->member[j]] : 0;
	return bpf_map_update_elem(w->nh_groups_fd, &key, &val, BPF_ANY) ? -1 : moved;
}

static const struct {
	unsigned int n;
	__u32 weights[MAXM];
} share_cases[] = {
	{ 2, { 1, 1 } },
	{ 3, { 1, 2, 3 } },
	{ 4, { 1, 1, 1, 1 } },
	{ 8, { 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ 8, { 65535, 1, 300, 40000, 7, 1000, 65535, 20000 } },
};

/* The hand-built group: 64k random flows over 2, 3, 4 and 8 members, shares by weight. */
static bool test_hand_shares(struct world *w, struct fib24 *fib)
{
	unsigned int count[MAXM];
	struct group g;
	struct tlog l;
	size_t c;

	tlog_begin(&l);
	for (c = 0; c < ARRAY_SIZE(share_cases) && !l.fails; c++) {
		group_of(&g, hand, share_cases[c].n, share_cases[c].weights);
		if (hand_slots(fib, &g) || hand_write(w, &g) < 0) {
			tlog_fail(&l, "setting up a group of %u", g.n);
			break;
		}
		check_shares(&l, w, &g, HAND_24, "by hand", count);
		hand_put(fib, &g);
	}
	return tlog_end(&l, "hand/shares_by_weight");
}

/* The hand-built group: one member of four removed, then added back. */
static bool test_hand_resilient(struct world *w, struct fib24 *fib)
{
	static const __u32 ones[] = { 1, 1, 1, 1 };
	static struct flow flows[FLOWS];
	static int before[FLOWS], during[FLOWS], after[FLOWS];
	struct group g;
	struct tlog l;
	unsigned int i;

	tlog_begin(&l);
	group_of(&g, hand, 4, ones);
	if (hand_slots(fib, &g) || hand_write(w, &g) < 0) {
		tlog_fail(&l, "setting up the group");
		return tlog_end(&l, "hand/resilient_remove_and_add");
	}
	for (i = 0; i < FLOWS && !l.fails; i++) {
		flow_random(&flows[i], HAND_24);
		before[i] = send_flow(&l, w, &flows[i], 0, &g, NULL);
	}
	g.weights[2] = 0; /* member 2 goes */
	ASSERT_EQ(hand_write(w, &g), 64, "buckets moved when one member of four goes");
	check_moves(&l, w, &g, flows, before, during, 2, -1, "member 2 removed");
	g.weights[2] = 1; /* back */
	ASSERT_EQ(hand_write(w, &g), 64, "buckets moved when it comes back");
	check_moves(&l, w, &g, flows, during, after, -1, 2, "member 2 back");
	hand_put(fib, &g);
	return tlog_end(&l, "hand/resilient_remove_and_add");
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

/*
 * The API's side: the members' nexthop objects (`nexthop add id 101+k via
 * ADDR dev IF`) and their neighbours. NULL, or what failed.
 */
static const char *api_setup(struct fib24 *fib)
{
	static char why[256];
	struct neigh nb = {};
	struct nh_def def;
	unsigned int k;
	int err;

	for (k = 0; k < MAXM; k++) {
		memcpy(nb.mac, api[k].mac, ETH_ALEN);
		err = fib24_neigh_update(fib, &api[k].nh, &nb, BPF_ANY);
		if (err) {
			snprintf(why, sizeof(why), "neighbour of member %u: %s", k, strerror(-err));
			return why;
		}
		memset(&def, 0, sizeof(def));
		def.n = 1;
		def.m[0].nh = api[k].nh;
		def.m[0].weight = 1;
		err = fib24_nh_set(fib, api[k].id, &def, BPF_NOEXIST);
		if (err) {
			snprintf(why, sizeof(why), "fib24_nh_set(%u): %s%s%s", api[k].id,
				 strerror(-err), err == -EINVAL ? ": " : "",
				 err == -EINVAL ? fib24_nh_invalid(fib, api[k].id, &def) : "");
			return why;
		}
	}
	return NULL;
}

static const char *api_broken; /* api_setup's failure, if any: every API test fails with it */

static struct route_key api_key(void)
{
	return (struct route_key){ .prefixlen = 24, .addr = htonl(API_24 << 8) };
}

/* The def of group g, by its members' object ids. */
static void group_def(const struct group *g, struct nh_def *def)
{
	unsigned int k;

	memset(def, 0, sizeof(*def));
	def->n = g->n;
	def->flags = V4VIA6_NHDEF_GROUP;
	for (k = 0; k < g->n; k++) {
		def->m[k].id = g->m[k]->id;
		def->m[k].weight = g->weights[k];
	}
}

/*
 * Routes 10.98.0.0/24 through g: named group gid (made or replaced), or with
 * gid 0 the route's own next hops (an anonymous group). *rnh gets the route's
 * next hop. Logs and returns -1 on failure.
 */
static int api_route(struct tlog *l, struct fib24 *fib, const struct group *g, __u32 gid,
		     struct nexthop *rnh)
{
	struct route_key key = api_key();
	struct nh_member m[MAXM];
	struct nh_def def;
	unsigned int k;
	int err;

	if (api_broken) {
		tlog_fail(l, "the members' nexthop objects: %s", api_broken);
		return -1;
	}
	if (gid) {
		group_def(g, &def);
		err = fib24_nh_set(fib, gid, &def, BPF_ANY);
		if (err) {
			tlog_fail(l, "fib24_nh_set(%u, group of %u): %s%s%s", gid, g->n,
				  strerror(-err), err == -EINVAL ? ": " : "",
				  err == -EINVAL ? fib24_nh_invalid(fib, gid, &def) : "");
			return -1;
		}
		nh_of_key(&(struct nh_key){ .id = gid, .kind = V4VIA6_NH_NAMED }, rnh);
	} else {
		memset(m, 0, sizeof(m));
		for (k = 0; k < g->n; k++) {
			m[k].nh = g->m[k]->nh;
			m[k].weight = g->weights[k];
		}
		err = fib24_nh_anon(fib, m, g->n, rnh);
		if (err) {
			tlog_fail(l, "fib24_nh_anon(group of %u): %s", g->n, strerror(-err));
			return -1;
		}
	}
	err = fib24_update(fib, &key, rnh, BPF_ANY);
	if (err)
		tlog_fail(l, "fib24_update(10.98.0.0/24 via the group): %s", strerror(-err));
	return err ? -1 : 0;
}

/* The route goes, and named group gid with it (0: an anonymous one, which goes by itself). */
static void api_unroute(struct tlog *l, struct fib24 *fib, __u32 gid)
{
	struct route_key key = api_key();
	int err = fib24_delete(fib, &key);

	if (err && err != -ENOENT)
		tlog_fail(l, "fib24_delete(10.98.0.0/24): %s", strerror(-err));
	err = gid ? fib24_nh_del(fib, gid) : 0;
	if (err)
		tlog_fail(l, "fib24_nh_del(%u): %s", gid, strerror(-err));
	/* what the test did left the tables as the trie and the objects say */
	ASSERT_EQ(fib24_check(fib), 0, "fib24_check after the route and its group went");
}

/* 64k random flows over groups of 2, 3, 4 and 8 members, named and anonymous: shares by weight. */
static bool test_api_shares(struct world *w, struct fib24 *fib)
{
	unsigned int count[MAXM];
	struct nexthop rnh;
	struct group g;
	struct tlog l;
	size_t c;

	tlog_begin(&l);
	for (c = 0; c < ARRAY_SIZE(share_cases) && !l.fails; c++) {
		__u32 gid = c % 2 ? 0 : GID + c; /* named and anonymous in turn */

		group_of(&g, api, share_cases[c].n, share_cases[c].weights);
		if (api_route(&l, fib, &g, gid, &rnh))
			break;
		check_shares(&l, w, &g, API_24, gid ? "nhid G" : "nexthop via ...", count);
		api_unroute(&l, fib, gid);
	}
	return tlog_end(&l, "api/shares_by_weight");
}

/* Every packet of a flow to one member; every fragment of a datagram, of any protocol, too. */
static bool test_api_sticky(struct world *w, struct fib24 *fib)
{
	static const __u32 ones[] = { 1, 1, 1, 1 };
	static const __u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_GRE,
				       IPPROTO_ESP };
	struct flow flows[1000];
	int first[ARRAY_SIZE(flows)], m, frag[3];
	unsigned int i, moved = 0, split = 0;
	struct nexthop rnh;
	struct group g;
	struct tlog l;

	tlog_begin(&l);
	group_of(&g, api, 4, ones);
	if (api_route(&l, fib, &g, GID, &rnh))
		return tlog_end(&l, "api/flow_and_fragments_sticky");
	for (i = 0; i < ARRAY_SIZE(flows) && !l.fails; i++) {
		flow_random(&flows[i], API_24);
		flows[i].proto = protos[i % ARRAY_SIZE(protos)];
		first[i] = send_flow(&l, w, &flows[i], 0, &g, NULL);
	}
	for (i = 0; i < ARRAY_SIZE(flows) && !l.fails; i++) {
		m = send_flow(&l, w, &flows[i], 0, &g, NULL);
		moved += m != first[i];
		/* the first fragment (MF, ports in it), a middle one (MF), the last */
		frag[0] = send_flow(&l, w, &flows[i], 0x2000, &g, NULL);
		frag[1] = send_flow(&l, w, &flows[i], 0x2000 | 185, &g, NULL);
		frag[2] = send_flow(&l, w, &flows[i], 370, &g, NULL);
		split += frag[0] != frag[1] || frag[1] != frag[2];
	}
	ASSERT_EQ(moved, 0, "flows whose second packet went to another member");
	ASSERT_EQ(split, 0, "datagrams whose fragments went to different members");
	api_unroute(&l, fib, GID);
	return tlog_end(&l, "api/flow_and_fragments_sticky");
}

/* Records where FLOWS new random flows go through g. */
static void flows_place(struct tlog *l, const struct world *w, const struct group *g,
			struct flow *flows, int *where)
{
	unsigned int i;

	for (i = 0; i < FLOWS && !l->fails; i++) {
		flow_random(&flows[i], API_24);
		where[i] = send_flow(l, w, &flows[i], 0, g, NULL);
	}
}

/* One member of four on a link that goes down, then up: only its flows move, then a quarter back. */
static bool test_api_link(struct world *w, struct fib24 *fib)
{
	static const __u32 ones[] = { 1, 1, 1, 1 };
	static struct flow flows[FLOWS];
	static int before[FLOWS], during[FLOWS], after[FLOWS];
	__u32 alt = w_ifindex(IF_ALT);
	struct nexthop rnh;
	struct group g;
	struct tlog l;
	int r;

	tlog_begin(&l);
	group_of(&g, api, 4, ones); /* member 3 is on alt0, the others on out0 */
	if (api_route(&l, fib, &g, GID, &rnh))
		return tlog_end(&l, "api/link_down_moves_a_quarter");
	flows_place(&l, w, &g, flows, before);
	r = fib24_link_set(fib, alt, false);
	ASSERT_TRUE(r >= 1, "fib24_link_set(alt0, down): %d (%s), want the groups changed", r,
		    r < 0 ? strerror(-r) : "none");
	ASSERT_EQ(fib24_check(fib), 0, "fib24_check with alt0 down");
	if (!l.fails)
		check_moves(&l, w, &g, flows, before, during, 3, -1, "alt0 down");
	r = fib24_link_set(fib, alt, true);
	ASSERT_TRUE(r >= 1, "fib24_link_set(alt0, up): %d (%s), want the groups changed", r,
		    r < 0 ? strerror(-r) : "none");
	if (!l.fails)
		check_moves(&l, w, &g, flows, during, after, -1, 3, "alt0 up");
	api_unroute(&l, fib, GID);
	return tlog_end(&l, "api/link_down_moves_a_quarter");
}

/* The group replaced without one of its four members, then with it again. */
static bool test_api_replace(struct world *w, struct fib24 *fib)
{
	static const __u32 ones[] = { 1, 1, 1, 1 };
	static struct flow flows[FLOWS];
	static int before[FLOWS], during[FLOWS], after[FLOWS];
	struct nexthop rnh;
	struct group g, three;
	struct nh_def def;
	struct tlog l;
	int err;

	tlog_begin(&l);
	group_of(&g, api, 4, ones);
	if (api_route(&l, fib, &g, GID, &rnh))
		return tlog_end(&l, "api/replace_moves_a_quarter");
	flows_place(&l, w, &g, flows, before);
	/* `nexthop replace id G group 101/102/104`: member 2 (id 103) goes */
	three = g;
	three.n = 3;
	three.m[2] = &api[3];
	group_def(&three, &def);
	err = fib24_nh_set(fib, GID, &def, BPF_EXIST);
	ASSERT_OK(err, "fib24_nh_set(replace, without member 2)");
	/* the flows keep g's member numbering: member 2 is gone, no flow goes to it */
	if (!l.fails)
		check_moves(&l, w, &g, flows, before, during, 2, -1, "member 2 replaced away");
	group_def(&g, &def);
	err = fib24_nh_set(fib, GID, &def, BPF_EXIST);
	ASSERT_OK(err, "fib24_nh_set(replace, member 2 back)");
	if (!l.fails)
		check_moves(&l, w, &g, flows, during, after, -1, 2, "member 2 replaced back");
	api_unroute(&l, fib, GID);
	return tlog_end(&l, "api/replace_moves_a_quarter");
}

/* Every member's link down: the packets go to the kernel untouched; links up: forwarded again. */
static bool test_api_all_down(struct world *w, struct fib24 *fib)
{
	static const __u32 ones[] = { 1, 1, 1, 1 };
	static struct xdp_result res;
	const enum iface_id links[] = { IF_OUT, IF_ALT };
	struct nexthop rnh;
	struct frame in;
	struct group g;
	struct flow f;
	struct tlog l;
	unsigned int i;
	size_t k;
	int r;

	tlog_begin(&l);
	group_of(&g, api, 4, ones);
	if (api_route(&l, fib, &g, GID, &rnh))
		return tlog_end(&l, "api/all_links_down_pass");
	for (k = 0; k < ARRAY_SIZE(links); k++) {
		r = fib24_link_set(fib, w_ifindex(links[k]), false);
		ASSERT_TRUE(r >= 1, "fib24_link_set(%s, down): %d (%s)", w_ifaces[links[k]].name, r,
			    r < 0 ? strerror(-r) : "no group changed");
	}
	ASSERT_EQ(fib24_check(fib), 0, "fib24_check with every member's link down");
	for (i = 0; i < 1000 && !l.fails; i++) {
		flow_random(&f, API_24);
		flow_frame(&f, 0, &in);
		if (xdp_run(w, &in, w_ifindex(IF_IN), &res)) {
			tlog_fail(&l, "test_run: %s", strerror(errno));
			break;
		}
		expect_verdict(&l, res.verdict, XDP_PASS);
		expect_frame(&l, &res.out, &in);
		ASSERT_EQ(res.delta.pass_throw, 1,
			  "pass_throw of a frame to a group with no member");
	}
	for (k = 0; k < ARRAY_SIZE(links); k++) {
		r = fib24_link_set(fib, w_ifindex(links[k]), true);
		ASSERT_TRUE(r >= 1, "fib24_link_set(%s, up): %d (%s)", w_ifaces[links[k]].name, r,
			    r < 0 ? strerror(-r) : "no group changed");
	}
	for (i = 0; i < 1000 && !l.fails; i++) {
		flow_random(&f, API_24);
		send_flow(&l, w, &f, 0, &g, NULL);
	}
	api_unroute(&l, fib, GID);
	return tlog_end(&l, "api/all_links_down_pass");
}

/*
 * The nexthops slot of each member of the route's group (per-member counters
 * are those of the member's slot), read from the group's buckets; 0 for a
 * member with no bucket. -1 when the group has no slot or a member two.
 */
static int member_slots(const struct world *w, const struct nexthop *rnh, const struct group *g,
			__u32 *slot)
{
	struct nh_group val;
	struct nh_key key;
	__u32 gs, b, j, k;

	nh_key_of(rnh, &key);
	gs = fib24_nh_slot(w->fib, &key);
	if (!gs || gs >= V4VIA6_MAX_NHGRPS || bpf_map_lookup_elem(w->nh_groups_fd, &gs, &val))
		return -1;
	memset(slot, 0, sizeof(*slot) * g->n);
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		b = val.bucket[j];
		for (k = 0; b && k < g->n; k++) {
			if (memcmp(&w->fib->slots[b].nh, &g->m[k]->nh, sizeof(struct nexthop)))
				continue;
			if (slot[k] && slot[k] != b)
				return -1;
			slot[k] = b;
		}
	}
	return 0;
}

/* Packets and bytes of nh_stats[slot], over every CPU (0 for slot 0). */
static int nh_counters(const struct world *w, __u32 slot, __u64 *packets, __u64 *bytes)
{
	struct nh_stats sum = {};

	if (slot && world_nh_stats(w, slot, &sum))
		return -1;
	*packets = sum.packets;
	*bytes = sum.bytes;
	return 0;
}

/* The members' counters (nh_stats of their slots) move by the packets and bytes each got. */
static bool test_api_counters(struct world *w, struct fib24 *fib)
{
	static const __u32 weights[] = { 1, 2, 3, 1, 1 };
	__u64 pk0[MAXM], by0[MAXM], pk, by, sum = 0, bytes[MAXM] = {};
	unsigned int count[MAXM] = {}, i, k;
	__u32 slot[MAXM];
	struct nexthop rnh;
	struct frame in;
	struct group g;
	struct flow f;
	struct tlog l;
	int m;

	tlog_begin(&l);
	group_of(&g, api, ARRAY_SIZE(weights), weights); /* member 3 on alt0 */
	if (api_route(&l, fib, &g, 0, &rnh))
		return tlog_end(&l, "api/member_counters");
	if (member_slots(w, &rnh, &g, slot)) {
		tlog_fail(&l, "the group's slot or its members' slots not found");
		api_unroute(&l, fib, 0);
		return tlog_end(&l, "api/member_counters");
	}
	for (k = 0; k < g.n; k++)
		if (!slot[k] || nh_counters(w, slot[k], &pk0[k], &by0[k]))
			tlog_fail(&l, "member %u: no slot in the group, or its counters unreadable",
				  k);
	for (i = 0; i < 4096 && !l.fails; i++) {
		flow_random(&f, API_24);
		f.payload = 8 + i % 200; /* frames of several lengths: the bytes count them */
		m = send_flow(&l, w, &f, 0, &g, &in);
		if (m < 0)
			break;
		count[m]++;
		bytes[m] += in.len;
	}
	for (k = 0; k < g.n && !l.fails; k++) {
		if (nh_counters(w, slot[k], &pk, &by)) {
			tlog_fail(&l, "reading nh_stats[%u]", slot[k]);
			break;
		}
		ASSERT_EQ(pk - pk0[k], count[k], "a member's packets counter");
		ASSERT_EQ(by - by0[k], bytes[k], "a member's bytes counter");
		sum += pk - pk0[k];
	}
	ASSERT_EQ(sum, 4096, "the members' packets together");
	api_unroute(&l, fib, 0);
	return tlog_end(&l, "api/member_counters");
}

/*
 * Live: the frame a member gets leaves on that member's link. Frames sent
 * with BPF_F_TEST_XDP_LIVE_FRAMES are really redirected; each is read from
 * the far end of out0 and alt0 (GRO on there: a veth delivers redirected
 * frames only to a peer that runs NAPI).
 */
static int capture_open(const char *dev)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = 1 };
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct ifreq ifr = {};
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&ev;
	sa.sll_ifindex = if_nametoindex(dev);
	if (!sa.sll_ifindex || ioctl(fd, SIOCETHTOOL, &ifr) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether want arrives on fd within timeout_ms (other frames, ND and such, are skipped). */
static bool capture_seen(int fd, const struct frame *want, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	static __u8 buf[FRAME_MAX];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == (ssize_t)want->len && !memcmp(buf, want->data, n))
			return true;
		if (n >= 0)
			continue;
		if (errno != EAGAIN || timeout_ms <= 0 || poll(&p, 1, timeout_ms) <= 0)
			return false;
		timeout_ms = 0; /* one wait: after it, what is there is all */
	}
}

static int live_send(const struct world *w, const struct frame *in)
{
	struct xdp_md ctx = { .data_end = in->len, .ingress_ifindex = w_ifindex(IF_IN) };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data, .data_size_in = in->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	return bpf_prog_test_run_opts(w->prog_fd, &opts) ? -errno : 0;
}

/*
 * 256 UDP flows through g (routed at dst24) sent live: each leaves on its
 * member's link, byte for byte, and on no other. 1 when live test_run is
 * not available (*why says why), -1 on failure, 0 when done.
 */
static int check_live(struct tlog *l, const struct world *w, const struct group *g, __u32 dst24,
		      const char **why)
{
	const enum iface_id links[2] = { IF_OUT, IF_ALT };
	unsigned int i, got[2] = {}, lost = 0, wrong = 0;
	int fd[2] = { -1, -1 }, m, err = 0, side;
	struct frame in, want;
	char peer[IFNAMSIZ];
	struct flow f;

	for (i = 0; i < 2; i++) {
		snprintf(peer, sizeof(peer), "%s-p", w_ifaces[links[i]].name);
		fd[i] = capture_open(peer);
		if (fd[i] < 0) {
			tlog_fail(l, "capturing on %s (AF_PACKET, GRO on): %s", peer,
				  strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < 256 && !l->fails; i++) {
		flow_random(&f, dst24);
		f.proto = IPPROTO_UDP;
		m = send_flow(l, w, &f, 0, g, &in);
		if (m < 0)
			break;
		frame_forwarded(&want, &in, g->m[m]->mac, w_ifaces[g->m[m]->iface].mac);
		err = live_send(w, &in);
		if (err == -EINVAL || err == -EOPNOTSUPP) {
			*why = strerror(-err);
			goto out;
		}
		if (err) {
			tlog_fail(l, "live test_run: %s", strerror(-err));
			break;
		}
		side = g->m[m]->iface == IF_ALT;
		if (capture_seen(fd[side], &want, 1000))
			got[side]++;
		else
			lost++;
		/* nothing of it on the other link */
		wrong += capture_seen(fd[!side], &want, 0);
	}
	ASSERT_EQ(lost, 0, "frames that did not leave on their member's link");
	ASSERT_EQ(wrong, 0, "frames that left on another link");
	ASSERT_TRUE(got[0] && got[1], "frames out on out0 %u, on alt0 %u: want both links used",
		    got[0], got[1]);
out:
	for (i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return l->fails ? -1 : *why ? 1 : 0;
}

static bool test_api_live(struct world *w, struct fib24 *fib)
{
	static const __u32 ones[] = { 1, 1, 1, 1 };
	const char *why = NULL;
	struct nexthop rnh;
	struct group g;
	struct tlog l;

	tlog_begin(&l);
	group_of(&g, api, 4, ones); /* member 3 on alt0, the others on out0 */
	if (api_route(&l, fib, &g, GID, &rnh))
		return tlog_end(&l, "api/redirect_to_member_link");
	if (check_live(&l, w, &g, API_24, &why) == 1) {
		api_unroute(&l, fib, GID);
		tlog_skip(&l, "api/redirect_to_member_link",
			  "test_run with BPF_F_TEST_XDP_LIVE_FRAMES: %s", why);
		return true;
	}
	api_unroute(&l, fib, GID);
	return tlog_end(&l, "api/redirect_to_member_link");
}

static int setup(struct v4via6_bpf **skel, struct world *w, struct fib24 *fib)
{
	__u32 zero = 0, seed = 0x5eed1234;

	if (world_load_skel(skel, w, fib) || world_hold_prog(w->prog_fd, "hold0") ||
	    world_fill_maps(w) || fib24_flush(fib))
		return -1;
	if (bpf_map_update_elem(w->hash_seed_fd, &zero, &seed, BPF_ANY))
		return -1;
	members_init();
	/*
	 * the hand-built group's route, written by hand (not in the trie), to a
	 * group slot no object has: the hand-built tests run before any route
	 * by id, so none takes it meanwhile
	 */
	for (hand_slot = 1; hand_slot < V4VIA6_MAX_NHGRPS && fib->slots[hand_slot].used;
	     hand_slot++)
		;
	if (hand_slot == V4VIA6_MAX_NHGRPS)
		return -1;
	*fib24_entry(fib, HAND_24) = V4VIA6_E_VALID | 24 << V4VIA6_E_LEN_SHIFT | V4VIA6_E_NHGRP |
				     hand_slot;
	api_broken = api_setup(fib);
	return 0;
}

/* The hand-built route and group go: what is left is what the API wrote. */
static void hand_clear(struct world *w, struct fib24 *fib)
{
	struct nh_group none = {};
	__u32 key = hand_slot;

	*fib24_entry(fib, HAND_24) = 0;
	bpf_map_update_elem(w->nh_groups_fd, &key, &none, BPF_ANY);
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
	failed += !test_hand_shares(&w, &fib);
	failed += !test_hand_resilient(&w, &fib);
	hand_clear(&w, &fib);
	failed += !test_api_shares(&w, &fib);
	failed += !test_api_sticky(&w, &fib);
	failed += !test_api_link(&w, &fib);
	failed += !test_api_replace(&w, &fib);
	failed += !test_api_all_down(&w, &fib);
	failed += !test_api_counters(&w, &fib);
	failed += !test_api_live(&w, &fib);
	fib24_close(&fib);
	v4via6_bpf__destroy(skel);
	return failed ? 1 : 0;
}
