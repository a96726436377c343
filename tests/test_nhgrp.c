// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the nexthop objects and groups of the forwarding table
 * (loader/nhdef.c, loader/fib24_grp.c) through the program itself: a route by
 * nexthop id names a group slot whose buckets name the members' slots, and
 * every change (a member replaced, a link down and up, an object deleted,
 * a route deleted) keeps the references, the routes counts and the buckets
 * right (fib24_check finds nothing) and moves only the buckets it must.
 * Also what is refused (and changes nothing), the repair of damaged buckets
 * and counts, and a writer that died after changing an object.
 *   test_nhgrp [--only PART_OF_A_TEST_FUNCTION]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include "v4via6.skel.h"
#include "xdp_frame.h"
#include "xdp_world.h"
#include "xdp_run.h"
#include "nhgrp.h"

#define PFX   0x0a140000 /* 10.20.0.0/16: the routes by id */
#define FLOWS 4096

static struct route_key key_of(__u32 addr, __u32 len)
{
	struct route_key k = { .prefixlen = len, .addr = htonl(addr) };

	return k;
}

/* Next hop k (1..): fe80::k on out0 (k odd) or alt0 (k even), MAC 02:00:00:00:f3:k. */
static void hop(int k, struct nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = w_ifindex(k % 2 ? IF_OUT : IF_ALT);
	nh->addr[0] = 0xfe;
	nh->addr[1] = 0x80;
	nh->addr[15] = k;
}

static void mac_of(int k, __u8 *mac)
{
	static const __u8 base[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf3, 0 };

	memcpy(mac, base, ETH_ALEN);
	mac[5] = k;
}

static struct nh_def one(int k)
{
	struct nh_def d = { .n = 1 };

	hop(k, &d.m[0].nh);
	d.m[0].weight = 1;
	return d;
}

/* A group of objects ids[0..n-1] with weights w. */
static struct nh_def group(const __u32 *ids, const __u32 *w, __u32 n)
{
	struct nh_def d = { .n = n, .flags = V4VIA6_NHDEF_GROUP };
	__u32 i;

	for (i = 0; i < n; i++) {
		d.m[i].id = ids[i];
		d.m[i].weight = w[i];
	}
	return d;
}

static struct nexthop by_id(__u32 id)
{
	struct nh_key k = { .id = id, .kind = V4VIA6_NH_NAMED };
	struct nexthop nh;

	nh_of_key(&k, &nh);
	return nh;
}

static __u32 entry_of(struct fib24 *fib, __u32 d)
{
	__u32 e = *fib24_entry(fib, d >> 8), *b;

	if (e & V4VIA6_T24_TBL8) {
		b = fib24_block(fib, V4VIA6_E_GROUP(e));
		e = b ? b[d & 0xff] : 0;
	}
	return e;
}

static void check_table(struct fib24 *fib)
{
	long bad = fib24_check(fib);

	ASSERT_EQ(bad, 0, "fib24_check: entries, counts, buckets that differ");
}

/* The next hop k a member slot holds (by its address's last byte), 0 for none. */
static int hop_in(struct fib24 *fib, __u32 slot)
{
	return slot && slot < V4VIA6_MAX_NEXTHOPS ? fib->slots[slot].nh.addr[15] : 0;
}

/* How many buckets of group slot g send to next hop k, for k in 0..9. */
static void shares(struct fib24 *fib, __u32 g, int *cnt)
{
	__u32 j;

	memset(cnt, 0, 10 * sizeof(*cnt));
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		int k = hop_in(fib, fib->nhg[g].bucket[j]);

		if (k >= 0 && k < 10)
			cnt[k]++;
	}
}

/*
 * FLOWS UDP flows (source port varies) to d through the program: which next
 * hop (by its MAC) each went to, into got[] (-1: not forwarded); the frames
 * must be byte-exact forwards to that next hop's MAC out of its interface.
 */
static void run_flows(struct tlog *l, const struct world *w, __u32 d, int *got)
{
	struct frame_spec s = FRAME_SPEC(.payload = 64);
	char dst[INET_ADDRSTRLEN];
	struct in_addr a = { htonl(d) };
	struct xdp_result res;
	struct frame in, want;
	__u8 mac[ETH_ALEN];
	int i, k;

	inet_ntop(AF_INET, &a, dst, sizeof(dst));
	s.daddr = dst;
	for (i = 0; i < FLOWS; i++) {
		frame_build(&in, &s);
		/* the UDP source port, right after a 20-byte header */
		in.data[ETH_HLEN + 20] = i >> 8;
		in.data[ETH_HLEN + 21] = i;
		got[i] = -1;
		if (xdp_run(w, &in, w_ifindex(IF_IN), &res)) {
			tlog_fail(l, "test run failed");
			return;
		}
		if (res.verdict != XDP_REDIRECT)
			continue;
		k = res.out.data[5];
		got[i] = k;
		mac_of(k, mac);
		frame_forwarded(&want, &in, mac, w_ifaces[k % 2 ? IF_OUT : IF_ALT].mac);
		if (!expect_frame(l, &res.out, &want)) {
			tlog_fail(l, "  flow %d (to next hop %d)", i, k);
			return;
		}
	}
}

static int reset(struct fib24 *fib)
{
	struct nh_key k, *prev = NULL, keys[64];
	int n = 0, i, err = fib24_flush(fib);

	/* objects: groups first (their members are in use until then) */
	while (!err && n < 64 && !bpf_map_get_next_key(fib->nh_defs_fd, prev, &k)) {
		keys[n] = k;
		prev = &keys[n++];
	}
	for (i = 0; i < n; i++)
		if (keys[i].kind == V4VIA6_NH_NAMED)
			fib24_nh_del(fib, keys[i].id);
	for (i = 0; i < n; i++)
		if (keys[i].kind == V4VIA6_NH_NAMED)
			fib24_nh_del(fib, keys[i].id);
	fib24_link_set(fib, w_ifindex(IF_ALT), true);
	return err;
}

/* Objects 1..4 (one next hop each) and group 10 of them with weights w. */
static void make_group(struct tlog *l, struct fib24 *fib, const __u32 *w)
{
	static const __u32 ids[4] = { 1, 2, 3, 4 };
	struct nh_def d;
	int k;

	(void)l;
	for (k = 1; k <= 4; k++) {
		d = one(k);
		ASSERT_OK(fib24_nh_set(fib, k, &d, BPF_NOEXIST), "nexthop add id k");
	}
	d = group(ids, w, 4);
	ASSERT_OK(fib24_nh_set(fib, 10, &d, BPF_NOEXIST), "nexthop add id 10 group 1/2/3/4");
}

/*
 * A route by a group's id: its entry names a group slot (V4VIA6_E_NHGRP, below
 * V4VIA6_MAX_NHGRPS), whose buckets follow the weights exactly; the member
 * slots are held once each by the group; flows through the program go to
 * every member in about the weights' shares, byte-exact. The object's routes
 * count follows; deleting it is refused while in use; afterwards everything
 * goes (objects, slots).
 */
static bool test_lifecycle(const struct world *w, struct fib24 *fib)
{
	static const __u32 wt[4] = { 1, 2, 3, 2 };
	struct route_key rk = key_of(PFX, 16), rk2 = key_of(PFX | 0x0500, 24);
	struct nexthop nh = by_id(10);
	struct nh_key gk = { 10, V4VIA6_NH_NAMED };
	unsigned int targets[4];
	int cnt[10], per[10] = { 0 }, *got = calloc(FLOWS, sizeof(int)), k;
	struct nh_def d;
	__u32 e, g;
	struct tlog l;

	tlog_begin(&l);
	ASSERT_OK(reset(fib), "reset");
	make_group(&l, fib, wt);
	ASSERT_OK(fib24_update(fib, &rk, &nh, BPF_NOEXIST), "route add 10.20.0.0/16 nhid 10");
	ASSERT_OK(fib24_update(fib, &rk2, &nh, BPF_NOEXIST), "route add 10.20.5.0/24 nhid 10");
	e = entry_of(fib, PFX | 0x0101);
	g = V4VIA6_E_NH(e);
	ASSERT_TRUE((e & V4VIA6_E_NHGRP) && g && g < V4VIA6_MAX_NHGRPS,
		    "entry %#x does not name a group slot", e);
	ASSERT_EQ(fib24_nh_slot(fib, &gk), g, "fib24_nh_slot of group 10");
	/* 255 entries of the /16's, one of the /24's */
	ASSERT_EQ(fib->slots[g].used, FIB24_SLOT_ALLOCATED | 256, "group slot's count (entries)");
	shares(fib, g, cnt);
	nhgrp_targets(wt, 4, targets);
	for (k = 1; k <= 4; k++)
		ASSERT_EQ(cnt[k], targets[k - 1], "buckets of member k");
	ASSERT_EQ(cnt[1] + cnt[2] + cnt[3] + cnt[4], V4VIA6_NHGRP_BUCKETS, "buckets of members");
	ASSERT_OK(fib24_nh_get(fib, &gk, &d), "nh_get 10");
	ASSERT_EQ(d.routes, 2, "routes count of group 10");
	check_table(fib);
	run_flows(&l, w, PFX | 0x0101, got);
	for (k = 0; k < FLOWS; k++)
		if (got[k] >= 0 && got[k] < 10)
			per[got[k]]++;
	for (k = 1; k <= 4; k++) {
		double want = (double)FLOWS * wt[k - 1] / 8, have = per[k];

		ASSERT_TRUE(have > want * 0.85 && have < want * 1.15,
			    "next hop %d got %d of %d flows, weight share %.0f", k, per[k], FLOWS,
			    want);
	}
	ASSERT_EQ(fib24_nh_del(fib, 10), -EBUSY, "nexthop del 10 in use by routes");
	ASSERT_EQ(fib24_nh_del(fib, 1), -EBUSY, "nexthop del 1, member of group 10");
	ASSERT_OK(fib24_delete(fib, &rk2), "route del 10.20.5.0/24");
	ASSERT_OK(fib24_nh_get(fib, &gk, &d), "nh_get 10");
	ASSERT_EQ(d.routes, 1, "routes count after one route goes");
	ASSERT_OK(fib24_delete(fib, &rk), "route del 10.20.0.0/16");
	ASSERT_OK(fib24_nh_del(fib, 10), "nexthop del 10 (no route)");
	for (k = 1; k <= 4; k++)
		ASSERT_OK(fib24_nh_del(fib, k), "nexthop del k");
	ASSERT_EQ(fib24_nh_slot(fib, &gk), 0, "group 10's slot after its deletion");
	check_table(fib);
	free(got);
	return tlog_end(&l, "nhgrp_lifecycle");
}

/*
 * A link goes down: the members on it leave the group, their buckets go to
 * the others, every other bucket stays; one bucket table write whatever the
 * routes (1,000 of them here). Every link down: the kernel gets the packets
 * (XDP_PASS). Back up: the members get their shares back, the buckets of the
 * members that stayed up move only to make room.
 */
static bool test_link_down(const struct world *w, struct fib24 *fib)
{
	static const __u32 wt[4] = { 1, 1, 1, 1 };
	__u16 before[V4VIA6_NHGRP_BUCKETS];
	struct nexthop nh = by_id(10);
	struct frame_spec s = FRAME_SPEC();
	struct xdp_result res;
	struct route_key rk;
	struct frame in;
	int cnt[10], moved = 0, stayed = 0, k, n;
	__u32 e, g, j, i;
	struct tlog l;

	tlog_begin(&l);
	ASSERT_OK(reset(fib), "reset");
	make_group(&l, fib, wt);
	for (i = 0; i < 1000; i++) {
		rk = key_of(0x0b000000 | i << 8, 24);
		if (fib24_update(fib, &rk, &nh, BPF_NOEXIST))
			tlog_fail(&l, "route add %u nhid 10", i);
	}
	e = entry_of(fib, 0x0b000001);
	g = V4VIA6_E_NH(e);
	memcpy(before, fib->nhg[g].bucket, sizeof(before));
	n = fib24_link_set(fib, w_ifindex(IF_ALT), false);
	ASSERT_EQ(n, 1, "groups rewritten for alt0 down");
	shares(fib, g, cnt);
	ASSERT_EQ(cnt[2] + cnt[4], 0, "buckets left to the members on alt0");
	ASSERT_EQ(cnt[1] + cnt[3], V4VIA6_NHGRP_BUCKETS, "buckets of the members on out0");
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		k = hop_in(fib, before[j]);
		if (k % 2)
			stayed += before[j] == fib->nhg[g].bucket[j];
		else
			moved++;
	}
	ASSERT_EQ(stayed, 128, "buckets of out0's members that stayed");
	ASSERT_EQ(moved, 128, "buckets of alt0's members that moved");
	check_table(fib);
	ASSERT_EQ(fib24_link_set(fib, w_ifindex(IF_ALT), false), 0, "alt0 down again: nothing");
	ASSERT_EQ(fib24_link_set(fib, w_ifindex(IF_OUT), false), 1, "out0 down too");
	shares(fib, g, cnt);
	ASSERT_EQ(cnt[0], V4VIA6_NHGRP_BUCKETS, "buckets with every link down (0: to the kernel)");
	s.daddr = "11.0.3.9";
	frame_build(&in, &s);
	ASSERT_OK(xdp_run(w, &in, w_ifindex(IF_IN), &res), "test run");
	ASSERT_EQ(res.verdict, XDP_PASS, "verdict with every member down");
	ASSERT_EQ(res.delta.pass_throw, 1, "pass_throw with every member down");
	check_table(fib);
	ASSERT_EQ(fib24_link_set(fib, w_ifindex(IF_OUT), true), 1, "out0 up");
	ASSERT_EQ(fib24_link_set(fib, w_ifindex(IF_ALT), true), 1, "alt0 up");
	shares(fib, g, cnt);
	for (k = 1; k <= 4; k++)
		ASSERT_EQ(cnt[k], 64, "buckets of member k after both links came back");
	check_table(fib);
	ASSERT_OK(reset(fib), "reset");
	check_table(fib);
	return tlog_end(&l, "nhgrp_link_down_up");
}

/*
 * The first member's link goes down and comes back (found by the failover
 * test: the survivor kept its first buckets in order, which were the lost
 * member's, so on the way back the two swapped and every flow moved): the
 * survivor's buckets never move, and the member gets exactly its own back.
 */
static bool test_comes_back(const struct world *w, struct fib24 *fib)
{
	static const __u32 ids[2] = { 1, 2 }, wt[2] = { 1, 1 };
	__u16 before[V4VIA6_NHGRP_BUCKETS];
	struct route_key rk = key_of(PFX, 16);
	struct nexthop nh = by_id(12);
	struct nh_def d;
	int k, survivor_moved = 0, back = 0;
	__u32 g, j;
	struct tlog l;

	(void)w;
	tlog_begin(&l);
	ASSERT_OK(reset(fib), "reset");
	for (k = 1; k <= 2; k++) {
		d = one(k);
		ASSERT_OK(fib24_nh_set(fib, k, &d, BPF_NOEXIST), "nexthop add id k");
	}
	d = group(ids, wt, 2);
	ASSERT_OK(fib24_nh_set(fib, 12, &d, BPF_NOEXIST), "nexthop add id 12 group 1/2");
	ASSERT_OK(fib24_update(fib, &rk, &nh, BPF_NOEXIST), "route add nhid 12");
	g = V4VIA6_E_NH(entry_of(fib, PFX | 1));
	memcpy(before, fib->nhg[g].bucket, sizeof(before));
	for (k = 0; k < 2; k++) { /* twice: the second time round too */
		ASSERT_EQ(fib24_link_set(fib, w_ifindex(IF_OUT), false), 1, "out0 down");
		for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
			survivor_moved += hop_in(fib, before[j]) == 2 &&
					  fib->nhg[g].bucket[j] != before[j];
		ASSERT_EQ(fib24_link_set(fib, w_ifindex(IF_OUT), true), 1, "out0 up");
		for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
			survivor_moved += hop_in(fib, before[j]) == 2 &&
					  fib->nhg[g].bucket[j] != before[j];
			back += fib->nhg[g].bucket[j] == before[j];
		}
	}
	ASSERT_EQ(survivor_moved, 0, "buckets of the member that stayed up that moved");
	ASSERT_EQ(back, 2 * V4VIA6_NHGRP_BUCKETS, "buckets as before after each down and up");
	check_table(fib);
	ASSERT_OK(reset(fib), "reset");
	return tlog_end(&l, "nhgrp_member_comes_back_to_its_buckets");
}

/*
 * An object replaced: the group with it as member sends its buckets to the
 * new next hop, in place (same buckets), the others' stay; a route by the
 * object's own id follows too; the old next hop's slot is released.
 */
static bool test_replace(const struct world *w, struct fib24 *fib)
{
	static const __u32 wt[4] = { 1, 1, 1, 1 };
	struct route_key rk = key_of(PFX, 16), rk1 = key_of(0x0a150000, 16);
	__u16 before[V4VIA6_NHGRP_BUCKETS];
	struct nexthop nh = by_id(10), n1 = by_id(1);
	struct nh_def d = one(5);
	int cnt[10], wrong = 0, *got = calloc(FLOWS, sizeof(int)), k;
	__u32 g, j;
	struct tlog l;

	(void)w;
	tlog_begin(&l);
	ASSERT_OK(reset(fib), "reset");
	make_group(&l, fib, wt);
	ASSERT_OK(fib24_update(fib, &rk, &nh, BPF_NOEXIST), "route add nhid 10");
	ASSERT_OK(fib24_update(fib, &rk1, &n1, BPF_NOEXIST), "route add nhid 1");
	g = V4VIA6_E_NH(entry_of(fib, PFX | 1));
	memcpy(before, fib->nhg[g].bucket, sizeof(before));
	ASSERT_OK(fib24_nh_set(fib, 1, &d, BPF_EXIST), "nexthop replace id 1 via fe80::5");
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		k = hop_in(fib, before[j]);
		if ((k == 1) != (hop_in(fib, fib->nhg[g].bucket[j]) == 5))
			wrong++;
		else if (k != 1 && before[j] != fib->nhg[g].bucket[j])
			wrong++;
	}
	ASSERT_EQ(wrong, 0, "buckets that moved other than next hop 1's, to fe80::5");
	shares(fib, V4VIA6_E_NH(entry_of(fib, 0x0a150001)), cnt);
	ASSERT_EQ(cnt[5], V4VIA6_NHGRP_BUCKETS, "route by id 1: buckets to fe80::5");
	run_flows(&l, w, 0x0a150001, got);
	for (k = 0; k < FLOWS; k++)
		if (got[k] != 5) {
			tlog_fail(&l, "flow %d of nhid 1 went to %d, not 5", k, got[k]);
			break;
		}
	d.flags = V4VIA6_NHDEF_GROUP;
	ASSERT_EQ(fib24_nh_set(fib, 1, &d, BPF_EXIST), -EINVAL, "replace member 1 by a group");
	check_table(fib);
	ASSERT_OK(reset(fib), "reset");
	free(got);
	return tlog_end(&l, "nhgrp_replace_member");
}

/* Routes of inline next hops: one anonymous object per set of members, gone with its last route. */
static bool test_anon(const struct world *w, struct fib24 *fib)
{
	struct route_key a = key_of(PFX, 16), b = key_of(0x0a150000, 16), c = key_of(0x0a160000, 16);
	struct nh_member m[3] = {};
	struct nexthop n1, n2, n3;
	struct nh_key k;
	struct nh_def d;
	int cnt[10];
	struct tlog l;

	(void)w;
	tlog_begin(&l);
	ASSERT_OK(reset(fib), "reset");
	hop(1, &m[0].nh);
	hop(2, &m[1].nh);
	hop(3, &m[2].nh);
	m[0].weight = 1;
	m[1].weight = 3;
	m[2].weight = 1;
	ASSERT_OK(fib24_nh_anon(fib, m, 2, &n1), "anon 1,3");
	ASSERT_OK(fib24_update(fib, &a, &n1, BPF_NOEXIST), "route a");
	ASSERT_OK(fib24_nh_anon(fib, m, 2, &n2), "anon 1,3 again");
	ASSERT_TRUE(!memcmp(&n1, &n2, sizeof(n1)), "the same members made another object");
	ASSERT_OK(fib24_update(fib, &b, &n2, BPF_NOEXIST), "route b");
	ASSERT_OK(fib24_nh_anon(fib, m, 3, &n3), "anon 3 members");
	ASSERT_TRUE(memcmp(&n1, &n3, sizeof(n1)), "other members, the same object");
	ASSERT_OK(fib24_update(fib, &c, &n3, BPF_NOEXIST), "route c");
	shares(fib, V4VIA6_E_NH(entry_of(fib, PFX | 1)), cnt);
	ASSERT_EQ(cnt[1], 64, "buckets of the weight-1 member");
	ASSERT_EQ(cnt[2], 192, "buckets of the weight-3 member");
	nh_key_of(&n1, &k);
	ASSERT_OK(fib24_nh_get(fib, &k, &d), "the anonymous object");
	ASSERT_EQ(d.routes, 2, "its routes");
	ASSERT_OK(fib24_delete(fib, &a), "route del a");
	ASSERT_OK(fib24_nh_get(fib, &k, &d), "the object after one of its routes went");
	/* replaced by another route's next hop: the last route is gone from it */
	ASSERT_OK(fib24_update(fib, &b, &n3, BPF_EXIST), "route replace b");
	ASSERT_EQ(fib24_nh_get(fib, &k, &d), -ENOENT, "the object after its last route went");
	/* a route refused: the object made for it goes too */
	m[0].weight = 7;
	ASSERT_OK(fib24_nh_anon(fib, m, 2, &n1), "anon 7,3");
	ASSERT_EQ(fib24_update(fib, &c, &n1, BPF_NOEXIST), -EEXIST, "route add c again");
	nh_key_of(&n1, &k);
	ASSERT_EQ(fib24_nh_get(fib, &k, &d), -ENOENT, "the object of the refused route");
	m[0].weight = 0;
	ASSERT_EQ(fib24_nh_anon(fib, m, 2, &n1), -EINVAL, "weight 0");
	m[0].weight = 65536;
	ASSERT_EQ(fib24_nh_anon(fib, m, 2, &n1), -EINVAL, "weight 65536");
	check_table(fib);
	ASSERT_OK(reset(fib), "reset");
	nh_key_of(&n3, &k);
	ASSERT_EQ(fib24_nh_get(fib, &k, &d), -ENOENT, "the objects after a flush");
	return tlog_end(&l, "nhgrp_anonymous");
}

/* Bad objects and routes: refused with a reason, nothing changed. */
static bool test_refused(const struct world *w, struct fib24 *fib)
{
	static const __u32 wt[4] = { 1, 1, 1, 1 };
	struct route_key rk = key_of(PFX, 16);
	struct nexthop nh = by_id(77);
	struct nh_def d;
	const char *why;
	__u32 ids[2] = { 1, 10 }, w2[2] = { 1, 1 }, i;
	struct tlog l;

	(void)w;
	tlog_begin(&l);
	ASSERT_OK(reset(fib), "reset");
	make_group(&l, fib, wt);
	d = one(1);
	ASSERT_EQ(fib24_nh_set(fib, 1, &d, BPF_NOEXIST), -EEXIST, "nexthop add id 1 again");
	ASSERT_EQ(fib24_nh_set(fib, 9, &d, BPF_EXIST), -ENOENT, "nexthop replace id 9");
	ASSERT_TRUE(fib24_nh_invalid(fib, 0, &d), "id 0 accepted");
	d = group(ids, w2, 2);
	why = fib24_nh_invalid(fib, 11, &d);
	ASSERT_TRUE(why && strstr(why, "is a group"), "group of a group: %s", why ?: "accepted");
	ids[1] = 11;
	d = group(ids, w2, 2);
	why = fib24_nh_invalid(fib, 11, &d);
	ASSERT_TRUE(why && strstr(why, "names itself"), "group naming itself: %s", why ?: "accepted");
	ids[1] = 99;
	d = group(ids, w2, 2);
	why = fib24_nh_invalid(fib, 11, &d);
	ASSERT_TRUE(why && strstr(why, "99"), "unknown member: %s", why ?: "accepted");
	ids[1] = 2;
	w2[1] = 0;
	d = group(ids, w2, 2);
	ASSERT_TRUE(fib24_nh_invalid(fib, 11, &d), "weight 0 accepted");
	w2[1] = 65536;
	d = group(ids, w2, 2);
	ASSERT_EQ(fib24_nh_set(fib, 11, &d, BPF_NOEXIST), -EINVAL, "weight 65536");
	w2[1] = 65535;
	d = group(ids, w2, 2);
	ASSERT_OK(fib24_nh_set(fib, 11, &d, BPF_NOEXIST), "weight 65535");
	d.n = V4VIA6_NHGRP_MAX_SIZE + 1;
	ASSERT_TRUE(fib24_nh_invalid(fib, 12, &d), "33 members accepted");
	d = one(1);
	d.m[0].nh.ifindex = 0;
	ASSERT_TRUE(fib24_nh_invalid(fib, 12, &d), "a next hop with no interface accepted");
	ASSERT_EQ(fib24_update(fib, &rk, &nh, BPF_ANY), -ENOENT, "route by an unknown id");
	for (i = 0; i < 2; i++)
		ASSERT_EQ(*fib24_entry(fib, (PFX >> 8) + i), 0, "tables after the refused route");
	check_table(fib);
	ASSERT_OK(reset(fib), "reset");
	return tlog_end(&l, "nhgrp_refused");
}

/*
 * Damage found and repaired: a bucket sending to a stranger, a routes count
 * wrong, an anonymous object with no route; and a writer that died after
 * changing an object (the tables dirty): the next lock makes the buckets
 * follow the object.
 */
static bool test_repair(const struct world *w, struct fib24 *fib)
{
	static const __u32 wt[4] = { 1, 1, 1, 1 };
	struct route_key rk = key_of(PFX, 16);
	struct nh_key gk = { 10, V4VIA6_NH_NAMED }, ak = { 900, V4VIA6_NH_ANON };
	struct nh_key mk = { 1, V4VIA6_NH_NAMED };
	struct nexthop nh = by_id(10);
	struct nh_def d;
	int cnt[10];
	__u32 g;
	struct tlog l;

	(void)w;
	tlog_begin(&l);
	ASSERT_OK(reset(fib), "reset");
	make_group(&l, fib, wt);
	ASSERT_OK(fib24_update(fib, &rk, &nh, BPF_NOEXIST), "route add nhid 10");
	g = V4VIA6_E_NH(entry_of(fib, PFX | 1));
	fib->nhg[g].bucket[7] = fib->nhg[g].bucket[200] == fib->nhg[g].bucket[7] ?
					fib->nhg[g].bucket[100] :
					fib->nhg[g].bucket[200];
	ASSERT_OK(fib24_nh_get(fib, &gk, &d), "nh_get 10");
	d.routes = 5;
	bpf_map_update_elem(fib->nh_defs_fd, &gk, &d, BPF_EXIST);
	d.routes = 0;
	bpf_map_update_elem(fib->nh_defs_fd, &ak, &d, BPF_NOEXIST);
	ASSERT_OK(fib24_nh_get(fib, &mk, &d), "nh_get 1");
	ASSERT_EQ(d.groups, 1, "groups naming object 1");
	d.groups = 0; /* would let it be deleted while group 10 names it */
	bpf_map_update_elem(fib->nh_defs_fd, &mk, &d, BPF_EXIST);
	ASSERT_TRUE(fib24_check(fib) >= 4, "check found %ld of 4 damages", fib24_check(fib));
	ASSERT_OK(fib24_rebuild(fib), "rebuild");
	check_table(fib);
	ASSERT_OK(fib24_nh_get(fib, &mk, &d), "nh_get 1");
	ASSERT_EQ(d.groups, 1, "groups naming object 1 after the repair");
	ASSERT_EQ(fib24_nh_del(fib, 1), -EBUSY, "nexthop del 1 after the repair");
	ASSERT_OK(fib24_nh_get(fib, &gk, &d), "nh_get 10");
	ASSERT_EQ(d.routes, 1, "routes count after the repair");
	ASSERT_EQ(fib24_nh_get(fib, &ak, &d), -ENOENT, "the anonymous object of no route");
	/* a writer died after writing group 10 with new weights */
	ASSERT_OK(fib24_nh_get(fib, &gk, &d), "nh_get 10");
	d.m[0].weight = 3;
	bpf_map_update_elem(fib->nh_defs_fd, &gk, &d, BPF_EXIST);
	fib->slots[0].used = FIB24_DIRTY;
	ASSERT_OK(fib24_lock(fib), "lock (repairs)");
	fib24_unlock(fib);
	shares(fib, g, cnt);
	ASSERT_EQ(cnt[1], 128, "buckets of member 1 (weight 3 of 6) after the repair");
	check_table(fib);
	ASSERT_OK(reset(fib), "reset");
	return tlog_end(&l, "nhgrp_repair");
}

/* The writer test_killed kills: links down and up, a member replaced, routes added and deleted. */
static void churn_forever(struct fib24 *fib)
{
	struct nexthop nh = by_id(10);
	struct route_key rk;
	struct nh_def d;
	__u32 i;

	for (i = 0;; i++) {
		fib24_link_set(fib, w_ifindex(IF_ALT), i % 2);
		d = one(i % 3 ? 1 : 5);
		fib24_nh_set(fib, 1, &d, BPF_EXIST);
		rk = key_of(0x0b000000 | (i % 64) << 8, 24);
		if (i % 128 < 64)
			fib24_update(fib, &rk, &nh, BPF_ANY);
		else
			fib24_delete(fib, &rk);
	}
}

/*
 * A writer of objects, links and routes by id killed with -9 at random
 * moments, eight times: the next lock finds the tables dirty (or clean) and
 * after it the check finds nothing wrong: buckets, references and counts.
 */
static bool test_killed(const struct world *w, struct fib24 *fib)
{
	static const __u32 wt[4] = { 1, 2, 1, 2 };
	int round, st, dirty = 0;
	struct tlog l;
	pid_t pid;

	(void)w;
	tlog_begin(&l);
	ASSERT_OK(reset(fib), "reset");
	make_group(&l, fib, wt);
	for (round = 0; round < 8 && !l.fails; round++) {
		pid = fork();
		if (pid < 0) {
			tlog_fail(&l, "fork: %s", strerror(errno));
			break;
		}
		if (!pid) {
			churn_forever(fib);
			_exit(0);
		}
		usleep(2000 + (round * 7919) % 40000);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		dirty += !fib24_clean(fib);
		ASSERT_OK(fib24_lock(fib), "lock after the kill (repairs)");
		fib24_unlock(fib);
		check_table(fib);
	}
	printf("  %d kills, %d left the tables dirty\n", round, dirty);
	fib24_link_set(fib, w_ifindex(IF_ALT), true);
	ASSERT_OK(reset(fib), "reset");
	check_table(fib);
	return tlog_end(&l, "nhgrp_writer_killed");
}

int main(int argc, char **argv)
{
	struct v4via6_bpf *skel = NULL;
	const char *only = NULL;
	struct fib24 fib = {};
	struct world w = {};
	struct neigh nb = {};
	struct nexthop nh;
	int failed = 0, k;

	if (argc == 3 && !strcmp(argv[1], "--only")) {
		only = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--only PART_OF_A_TEST_FUNCTION]\n", argv[0]);
		return 2;
	}
	check_suite = "nhgrp";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (world_build_netns() || world_load_skel(&skel, &w, &fib) ||
	    world_hold_prog(w.prog_fd, "hold0") || world_fill_maps(&w) || fib24_flush(&fib)) {
		printf("FAIL nhgrp/setup: could not build the test's namespace and maps\n");
		v4via6_bpf__destroy(skel);
		return 1;
	}
	for (k = 1; k < 10; k++) {
		hop(k, &nh);
		mac_of(k, nb.mac);
		bpf_map_update_elem(w.neighs_fd, &nh, &nb, BPF_ANY);
	}
	fib24_rebuild(&fib); /* the MACs into any slot */
#define RUN(fn) (only && !strstr(#fn, only) ? 0 : !fn(&w, &fib))
	failed += RUN(test_lifecycle);
	failed += RUN(test_link_down);
	failed += RUN(test_comes_back);
	failed += RUN(test_replace);
	failed += RUN(test_anon);
	failed += RUN(test_refused);
	failed += RUN(test_repair);
	failed += RUN(test_killed);
	fib24_close(&fib);
	v4via6_bpf__destroy(skel);
	return failed ? 1 : 0;
}
