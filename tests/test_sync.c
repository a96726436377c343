// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of sync's reconciliation (loader/sync/sync_table.c): kernel routes,
 * nexthop objects, neighbours and links given as parsed netlink messages, and
 * the maps checked after each step. The maps are real BPF maps of the
 * program's types, created here and never pinned (root). Also the netlink
 * side's defences against messages the kernel would never send (parsed from
 * crafted messages, and one sent by another process). The netlink side is
 * tested end to end by tests/test-sync.sh and tests/test-sync-churn.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <net/if.h> /* before linux/if.h, which then leaves out what glibc defines */
#include <linux/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/lwtunnel.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>

#include "v4via6.h"
#include "check.h"
#include "v4via6.skel.h"
#include "maps.h"
#include "sync/nl.h"
#include "sync/sync_table.h"

/* The test running: its log, begun by test_begin. */
static struct tlog cur;

static const char *test_begin(const char *name)
{
	tlog_begin(&cur);
	return name;
}

/* A test stops at its first failure. */
#define CHECK(cond, ...)                               \
	do {                                           \
		if (!ASSERT_TRUE(cond, __VA_ARGS__)) { \
			tlog_end(&cur, test);          \
			return;                        \
		}                                      \
	} while (0)

#define IF_B 11 /* attached */
#define IF_C 12 /* attached */
#define IF_D 13 /* not attached */
static const char *const LL_B = "fe80::b", *const LL_C = "fe80::c", *const LL_D = "fe80::d";

static struct sync_table tab;
static struct fib24 fib;
static int new_nexthops;

static void on_new(void *arg, const struct nexthop *nh)
{
	new_nexthops++;
}

/* The program's maps, loaded without the program: sync_table writes them, nothing runs them. */
static struct v4via6_bpf *skel;

static int create_maps(void)
{
	struct v4via6_maps m;

	skel = v4via6_bpf__open();
	if (!skel || bpf_program__set_autoload(skel->progs.v4via6_xdp, false) ||
	    v4via6_bpf__load(skel) || maps_from_object(&m, skel->obj) ||
	    fib24_open(&fib, &m, NULL))
		return -1;
	sync_table_init(&tab, &fib, m.neighs_fd, m.egress_fd, RT_TABLE_MAIN);
	tab.on_new_nexthop = on_new;
	return 0;
}

static void attach(__u32 ifindex)
{
	struct egress eg = { .mtu = 1500 };

	bpf_map_update_elem(tab.egress_fd, &ifindex, &eg, BPF_ANY);
	if (sync_table_read_attached(&tab))
		sync_table_reevaluate(&tab);
}

static struct nl_hop hop6(__u32 ifindex, const char *addr)
{
	struct nl_hop h = { .ifindex = ifindex, .family = AF_INET6 };

	inet_pton(AF_INET6, addr, h.addr);
	return h;
}

static struct nl_hop hop4(__u32 ifindex, const char *addr)
{
	struct nl_hop h = { .ifindex = ifindex, .family = AF_INET };

	inet_pton(AF_INET, addr, h.addr);
	return h;
}

/* A stand-in for nl_parse_route's fingerprint: the route's content, hashed. */
static __u32 fingerprint(const struct nl_route *r)
{
	__u32 h = r->type * 31 + r->nhid;
	int i, j;

	for (i = 0; i < r->nhops; i++) {
		h = h * 31 + r->hops[i].ifindex + r->hops[i].encap;
		for (j = 0; j < 16; j++)
			h = h * 31 + r->hops[i].addr[j];
	}
	return h;
}

/* A route as nl_parse_route gives it; up to three inline hops. */
static struct nl_route route(const char *dst, int len, __u32 table, __u32 metric, __u8 type,
			     int nhops, const struct nl_hop *hops)
{
	struct nl_route r = { .dst_len = len, .table = table, .priority = metric, .type = type };
	int i;

	inet_pton(AF_INET, dst, &r.dst);
	r.nhops = nhops;
	r.multipath = nhops > 1;
	for (i = 0; i < nhops; i++)
		r.hops[i] = hops[i];
	r.fingerprint = fingerprint(&r);
	return r;
}

static void add(struct nl_route r)
{
	sync_on_route(&tab, &r, false);
}

static void del(struct nl_route r)
{
	sync_on_route(&tab, &r, true);
}

static struct nl_route via(const char *dst, int len, __u32 metric, __u32 ifindex, const char *ll)
{
	struct nl_hop h = hop6(ifindex, ll);

	return route(dst, len, RT_TABLE_MAIN, metric, RTN_UNICAST, 1, &h);
}

/*
 * The members of a nexthop object or an anonymous group, as nh_defs holds
 * them: "LL%IFINDEX*WEIGHT" each, or "idN*WEIGHT" for a group of objects, with
 * "!" after a member whose link is down (fib24's links_down), space-separated;
 * "absent" when none.
 */
static const char *def_members(const struct nh_key *key)
{
	static char buf[1024];
	char a[INET6_ADDRSTRLEN];
	struct nh_def def;
	size_t off = 0;
	__u32 i, down;

	if (fib24_nh_get(&fib, key, &def))
		return "absent";
	buf[0] = 0;
	for (i = 0; i < def.n && off < sizeof(buf) - 80; i++) {
		if (def.flags & V4VIA6_NHDEF_GROUP) {
			off += snprintf(buf + off, sizeof(buf) - off, "%sid%u*%u", i ? " " : "",
					def.m[i].id, def.m[i].weight);
		} else {
			inet_ntop(AF_INET6, def.m[i].nh.addr, a, sizeof(a));
			off += snprintf(buf + off, sizeof(buf) - off, "%s%s%%%u*%u", i ? " " : "",
					a, def.m[i].nh.ifindex, def.m[i].weight);
		}
		if (!bpf_map_lookup_elem(fib.links_down_fd, &def.m[i].nh.ifindex, &down) && down)
			off += snprintf(buf + off, sizeof(buf) - off, "!");
	}
	return buf;
}

static const char *named_def(__u32 id)
{
	return def_members(&(struct nh_key){ .id = id, .kind = V4VIA6_NH_NAMED });
}

/*
 * What the routes map holds for a prefix: "absent", "kernel", "LL%IFINDEX",
 * "nhid N" (a nexthop object) or "group MEMBERS" (an anonymous group, def_members).
 */
static const char *map_route(const char *dst, int len)
{
	static char buf[1100];
	struct nh_key nk;
	struct route_key key = { .prefixlen = len }, k, next, *prev = NULL;
	struct route r;
	struct nexthop nh;
	char a[INET6_ADDRSTRLEN];

	inet_pton(AF_INET, dst, &key.addr);
	/* an exact key: the LPM trie's lookup would give the longest match instead */
	while (!bpf_map_get_next_key(fib.routes_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (k.prefixlen != key.prefixlen || k.addr != key.addr)
			continue;
		if (bpf_map_lookup_elem(fib.routes_fd, &k, &r))
			break;
		nh = r.nh;
		if (nh.ifindex == V4VIA6_IFINDEX_KERNEL)
			return "kernel";
		if (nh_is_group(&nh)) {
			nh_key_of(&nh, &nk);
			if (nk.kind == V4VIA6_NH_NAMED)
				snprintf(buf, sizeof(buf), "nhid %u", nk.id);
			else
				snprintf(buf, sizeof(buf), "group %s", def_members(&nk));
			return buf;
		}
		inet_ntop(AF_INET6, nh.addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s%%%u", a, nh.ifindex);
		return buf;
	}
	return "absent";
}

/* The neighbour map's MAC for a next hop: "absent" or "xx:..:xx". */
static const char *map_neigh(__u32 ifindex, const char *ll)
{
	static char buf[32];
	struct nexthop key = { .ifindex = ifindex };
	struct neigh n;

	inet_pton(AF_INET6, ll, key.addr);
	if (bpf_map_lookup_elem(tab.neighs_fd, &key, &n))
		return "absent";
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", n.mac[0], n.mac[1], n.mac[2],
		 n.mac[3], n.mac[4], n.mac[5]);
	return buf;
}

static void neigh(__u32 ifindex, const char *ll, __u16 state, __u8 last, bool del)
{
	struct nl_neigh n = { .ifindex = ifindex, .family = AF_INET6, .state = state };

	inet_pton(AF_INET6, ll, n.addr);
	if (last) {
		n.has_lladdr = true;
		memcpy(n.lladdr, (__u8[]){ 2, 0, 0, 0, 0, last }, 6);
	}
	sync_on_neigh(&tab, &n, del);
}

#define EQ(got, want)                                 \
	do {                                          \
		if (!ASSERT_STREQ(got, want, #got)) { \
			tlog_end(&cur, test);         \
			return;                       \
		}                                     \
	} while (0)

static void test_metric(void)
{
	const char *test = test_begin("metric");

	add(via("10.9.0.0", 16, 20, IF_B, LL_B));
	EQ(map_route("10.9.0.0", 16), "fe80::b%11");
	add(via("10.9.0.0", 16, 10, IF_C, LL_C));
	EQ(map_route("10.9.0.0", 16), "fe80::c%12");
	del(via("10.9.0.0", 16, 10, IF_C, LL_C));
	EQ(map_route("10.9.0.0", 16), "fe80::b%11");
	del(via("10.9.0.0", 16, 20, IF_B, LL_B));
	EQ(map_route("10.9.0.0", 16), "absent");
	tlog_end(&cur, test);
}

static void test_kernel_entries(void)
{
	const char *test = test_begin("kernel_entries");
	struct nl_hop gw4 = hop4(IF_B, "192.0.2.1"), dev = { .ifindex = IF_B };
	struct nl_route tos = via("10.70.0.0", 16, 0, IF_B, LL_B);
	struct nl_route other = via("10.62.0.0", 16, 0, IF_B, LL_B);
	struct sync_counts c;

	tos.tos = 4;
	add(via("10.0.0.0", 8, 0, IF_B, LL_B));
	add(route("10.50.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 1, &gw4));
	add(route("10.51.0.0", 16, RT_TABLE_MAIN, 0, RTN_BLACKHOLE, 0, NULL));
	add(route("10.52.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 1, &dev));
	add(route("10.1.1.1", 32, RT_TABLE_LOCAL, 0, RTN_LOCAL, 1, &dev));
	add(tos);
	/* the local table wins over main, whatever the metric */
	add(via("10.1.1.1", 32, 0, IF_B, LL_B));
	add(via("10.60.0.0", 16, 0, IF_B, LL_B));
	add(route("10.61.0.0", 16, 100, 0, RTN_UNICAST, 1, &(struct nl_hop){ 0 }));
	other.table = 100;
	add(other);
	EQ(map_route("10.0.0.0", 8), "fe80::b%11");
	EQ(map_route("10.50.0.0", 16), "kernel");
	EQ(map_route("10.51.0.0", 16), "kernel");
	EQ(map_route("10.52.0.0", 16), "kernel");
	EQ(map_route("10.1.1.1", 32), "kernel");
	EQ(map_route("10.70.0.0", 16), "kernel");
	EQ(map_route("10.62.0.0", 16), "absent");
	sync_table_counts(&tab, &c);
	CHECK(c.routes[SR_MIRRORED] == 2 && c.routes[SR_IPV4_GATEWAY] == 1 &&
		      c.routes[SR_REJECT] == 1 && c.routes[SR_CONNECTED] == 1 &&
		      c.routes[SR_LOCAL] == 1 && c.routes[SR_UNUSABLE] == 1 &&
		      c.routes[SR_SHADOWED] == 1 && c.routes[SR_OTHER_TABLE] == 2,
	      "counts mirrored %lu ipv4_gateway %lu reject %lu connected %lu local %lu unusable %lu "
	      "shadowed %lu other_table %lu",
	      c.routes[SR_MIRRORED], c.routes[SR_IPV4_GATEWAY], c.routes[SR_REJECT],
	      c.routes[SR_CONNECTED], c.routes[SR_LOCAL], c.routes[SR_UNUSABLE],
	      c.routes[SR_SHADOWED], c.routes[SR_OTHER_TABLE]);
	/* the local route goes: main's route for the prefix takes over */
	del(route("10.1.1.1", 32, RT_TABLE_LOCAL, 0, RTN_LOCAL, 1, &dev));
	EQ(map_route("10.1.1.1", 32), "fe80::b%11");
	tlog_end(&cur, test);
}

static void test_attach(void)
{
	const char *test = test_begin("not_attached_then_attached");

	add(via("10.30.0.0", 16, 0, IF_D, LL_D));
	EQ(map_route("10.30.0.0", 16), "kernel");
	attach(IF_D);
	EQ(map_route("10.30.0.0", 16), "fe80::d%13");
	tlog_end(&cur, test);
}

static void set_link(__u32 ifindex, bool up)
{
	struct nl_link l = { .ifindex = ifindex, .mtu = 1500 };

	l.flags = up ? IFF_UP | IFF_RUNNING | IFF_LOWER_UP : IFF_UP;
	sync_on_link(&tab, &l, false);
}

/*
 * RTA_MULTIPATH: every hop with its weight (rtnh_hops + 1), as an anonymous
 * group; a hop whose link is down stays a member (fib24_link_set takes it out);
 * one hop XDP cannot take leaves the whole prefix to the kernel.
 */
static void test_multipath(void)
{
	const char *test = test_begin("multipath_weights");
	struct nl_hop hops[3] = { hop6(IF_B, LL_B), hop6(IF_C, LL_C), hop6(IF_B, "fe80::e") };
	struct nl_route r;
	struct sync_counts c0, c1;

	hops[0].weight = 2;
	hops[1].weight = 3;
	hops[1].flags = RTNH_F_LINKDOWN;
	hops[2].weight = 1;
	add(route("10.40.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 3, hops));
	EQ(map_route("10.40.0.0", 16), "group fe80::b%11*2 fe80::c%12*3 fe80::e%11*1");
	/* a weight changed (`ip route replace`): another group, in place of the old one */
	hops[2].weight = 256;
	r = route("10.40.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 3, hops);
	r.nlflags = NLM_F_REPLACE;
	add(r);
	EQ(map_route("10.40.0.0", 16), "group fe80::b%11*2 fe80::c%12*3 fe80::e%11*256");
	/* link C down, then back: its member leaves the group and comes back */
	set_link(IF_C, true);
	set_link(IF_C, false);
	EQ(map_route("10.40.0.0", 16), "group fe80::b%11*2 fe80::c%12*3! fe80::e%11*256");
	set_link(IF_C, true);
	EQ(map_route("10.40.0.0", 16), "group fe80::b%11*2 fe80::c%12*3 fe80::e%11*256");
	del(r);
	EQ(map_route("10.40.0.0", 16), "absent");

	sync_table_counts(&tab, &c0);
	/* an IPv4 gateway, or an interface not attached, among the hops: all to the kernel */
	hops[2] = hop4(IF_B, "192.0.2.1");
	add(route("10.41.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 3, hops));
	EQ(map_route("10.41.0.0", 16), "kernel");
	hops[2] = hop6(14, "fe80::e4"); /* never attached */
	add(route("10.42.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 3, hops));
	EQ(map_route("10.42.0.0", 16), "kernel");
	sync_table_counts(&tab, &c1);
	CHECK(c1.multipath_kernel == c0.multipath_kernel + 2, "multipath_kernel %lu, expected %lu",
	      c1.multipath_kernel, c0.multipath_kernel + 2);
	del(route("10.41.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 3, hops));
	hops[2] = hop4(IF_B, "192.0.2.1");
	del(route("10.41.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 3, hops));
	hops[2] = hop6(14, "fe80::e4"); /* never attached */
	del(route("10.42.0.0", 16, RT_TABLE_MAIN, 0, RTN_UNICAST, 3, hops));
	EQ(map_route("10.41.0.0", 16), "absent");
	EQ(map_route("10.42.0.0", 16), "absent");
	tlog_end(&cur, test);
}

static void nhgroup(__u32 id, int n, const __u32 *group, const __u32 *weights, bool del)
{
	struct nl_nhobj o = { .id = id, .ngroup = n };
	int i;

	for (i = 0; i < n; i++) {
		o.group[i] = group[i];
		o.weight[i] = weights ? weights[i] : 1;
	}
	sync_on_nexthop(&tab, &o, del);
}

static void nhobj(__u32 id, struct nl_hop h, int ngroup, const __u32 *group, bool del)
{
	struct nl_nhobj o = { .id = id, .family = h.family, .hop = h };

	if (ngroup)
		return nhgroup(id, ngroup, group, NULL, del);
	sync_on_nexthop(&tab, &o, del);
}

/* A route through nexthop object id, as the kernel sends it (nexthop_compat_mode's hops left out). */
static struct nl_route via_nhid(const char *dst, __u32 id)
{
	struct nl_route r = via(dst, 16, 0, 0, LL_B);

	r.nhops = 0;
	r.nhid = id;
	r.fingerprint = fingerprint(&r);
	return r;
}

/*
 * The kernel's nexthop objects mirrored into nh_defs (V4VIA6_NHDEF_SYNC): a
 * route names the object, a group has its weights (16-bit), a replace is
 * followed in place, a deletion after the routes.
 */
static void test_nexthop_objects(void)
{
	const char *test = test_begin("nexthop_objects");
	struct nl_route r10 = via_nhid("10.10.0.0", 10), r20 = via_nhid("10.20.0.0", 20);
	struct nl_route r30 = via_nhid("10.33.0.0", 30);
	const __u32 members[] = { 21, 22 }, m30[] = { 31, 32 }, w30[] = { 1, 300 };
	const __u32 w30b[] = { 2, 65535 };
	struct nh_def def;

	nhobj(10, hop6(IF_B, LL_B), 0, NULL, false);
	add(r10);
	EQ(map_route("10.10.0.0", 16), "nhid 10");
	EQ(named_def(10), "fe80::b%11*1");
	CHECK(!fib24_nh_get(&fib, &(struct nh_key){ .id = 10 }, &def) &&
		      (def.flags & V4VIA6_NHDEF_SYNC),
	      "object 10 not flagged as sync's");
	/* replaced: the route follows through the object, unchanged */
	nhobj(10, hop6(IF_C, LL_C), 0, NULL, false);
	EQ(named_def(10), "fe80::c%12*1");
	EQ(map_route("10.10.0.0", 16), "nhid 10");
	/* a group with a member XDP cannot take (an IPv4 gateway): left to the kernel */
	nhobj(21, hop4(IF_B, "192.0.2.1"), 0, NULL, false);
	nhobj(22, hop6(IF_B, "fe80::22"), 0, NULL, false);
	nhobj(20, (struct nl_hop){ 0 }, 2, members, false);
	add(r20);
	EQ(map_route("10.20.0.0", 16), "kernel");
	EQ(named_def(20), "absent");
	EQ(named_def(21), "absent");
	/* a group with weights above 255 */
	nhobj(31, hop6(IF_B, "fe80::31"), 0, NULL, false);
	nhobj(32, hop6(IF_C, "fe80::32"), 0, NULL, false);
	nhgroup(30, 2, m30, w30, false);
	add(r30);
	EQ(map_route("10.33.0.0", 16), "nhid 30");
	EQ(named_def(30), "id31*1 id32*300");
	/* the group changed in the kernel: rewritten in place, the route untouched */
	nhgroup(30, 2, m30, w30b, false);
	EQ(named_def(30), "id31*2 id32*65535");
	/* a member deleted: the kernel sends its deletion, then the group's update */
	nhobj(31, hop6(IF_B, "fe80::31"), 0, NULL, true);
	EQ(named_def(30), "id32*65535");
	EQ(named_def(31), "absent");
	EQ(map_route("10.33.0.0", 16), "nhid 30");
	nhgroup(30, 1, m30 + 1, w30b + 1, false);
	EQ(named_def(30), "id32*65535");
	/* the kernel deletes the routes of a deleted object, and v4via6 the object after them */
	nhobj(10, hop6(IF_C, LL_C), 0, NULL, true);
	EQ(map_route("10.10.0.0", 16), "absent");
	EQ(named_def(10), "absent");
	nhgroup(30, 1, m30 + 1, NULL, true);
	EQ(map_route("10.33.0.0", 16), "absent");
	EQ(named_def(30), "absent");
	/* no route and no group names it any more: v4via6 keeps only what routes use */
	EQ(named_def(32), "absent");
	nhobj(32, hop6(IF_C, "fe80::32"), 0, NULL, true);
	/* nor what no route has used yet */
	nhobj(40, hop6(IF_B, "fe80::40"), 0, NULL, false);
	EQ(named_def(40), "absent");
	nhobj(40, hop6(IF_B, "fe80::40"), 0, NULL, true);
	del(r20);
	nhobj(20, (struct nl_hop){ 0 }, 2, members, true);
	nhobj(21, hop4(IF_B, "192.0.2.1"), 0, NULL, true);
	nhobj(22, hop6(IF_B, "fe80::22"), 0, NULL, true);
	EQ(named_def(22), "absent");
	tlog_end(&cur, test);
}

static void test_neighbours(void)
{
	const char *test = test_begin("neighbours");
	int before = new_nexthops;

	neigh(IF_B, "fe80::99", NUD_REACHABLE, 0x99, false);
	add(via("10.99.0.0", 16, 0, IF_B, "fe80::99"));
	CHECK(new_nexthops == before + 1, "no NTF_USE asked for a new next hop");
	EQ(map_neigh(IF_B, "fe80::99"), "02:00:00:00:00:99");
	neigh(IF_B, "fe80::99", NUD_STALE, 0x98, false);
	EQ(map_neigh(IF_B, "fe80::99"), "02:00:00:00:00:98");
	neigh(IF_B, "fe80::99", NUD_FAILED, 0x98, false);
	EQ(map_neigh(IF_B, "fe80::99"), "absent");
	neigh(IF_B, "fe80::99", NUD_PERMANENT, 0x97, false);
	EQ(map_neigh(IF_B, "fe80::99"), "02:00:00:00:00:97");
	/* two routes share the next hop: the entry stays until the last goes */
	add(via("10.98.0.0", 16, 0, IF_B, "fe80::99"));
	CHECK(new_nexthops == before + 1, "NTF_USE asked again for a next hop in use");
	del(via("10.99.0.0", 16, 0, IF_B, "fe80::99"));
	EQ(map_neigh(IF_B, "fe80::99"), "02:00:00:00:00:97");
	del(via("10.98.0.0", 16, 0, IF_B, "fe80::99"));
	EQ(map_neigh(IF_B, "fe80::99"), "absent");
	/* a neighbour that is not a next hop in use never enters the map */
	neigh(IF_C, "fe80::77", NUD_REACHABLE, 0x77, false);
	EQ(map_neigh(IF_C, "fe80::77"), "absent");
	tlog_end(&cur, test);
}

static void put_route(const char *dst, int len, __u32 ifindex, const char *ll)
{
	struct route_key key = { .prefixlen = len };
	struct nexthop nh = { .ifindex = ifindex };

	inet_pton(AF_INET, dst, &key.addr);
	inet_pton(AF_INET6, ll, nh.addr);
	fib24_update(&fib, &key, &nh, BPF_ANY);
}

/* A restart or a resync: the maps hold something, the kernel something else. */
static void test_reconcile(void)
{
	const char *test = test_begin("reconcile_in_place");
	struct nexthop stale = { .ifindex = IF_C };
	struct neigh mac = { .mac = { 2, 0, 0, 0, 0, 0x55 } };

	sync_table_reset(&tab);
	sync_table_read_attached(&tab);
	put_route("10.200.0.0", 16, IF_B, LL_B); /* stays */
	put_route("10.201.0.0", 16, IF_B, LL_B); /* changes */
	put_route("10.202.0.0", 16, IF_B, LL_B); /* gone from the kernel */
	inet_pton(AF_INET6, "fe80::55", stale.addr);
	bpf_map_update_elem(tab.neighs_fd, &stale, &mac, BPF_ANY);
	neigh(IF_B, LL_B, NUD_REACHABLE, 0x0b, false);
	add(via("10.200.0.0", 16, 0, IF_B, LL_B));
	add(via("10.201.0.0", 16, 0, IF_C, LL_C));
	add(via("10.203.0.0", 16, 0, IF_C, LL_C));
	/* loading: nothing written yet */
	EQ(map_route("10.202.0.0", 16), "fe80::b%11");
	EQ(map_route("10.203.0.0", 16), "absent");
	sync_table_apply(&tab);
	EQ(map_route("10.200.0.0", 16), "fe80::b%11");
	EQ(map_route("10.201.0.0", 16), "fe80::c%12");
	EQ(map_route("10.202.0.0", 16), "absent");
	EQ(map_route("10.203.0.0", 16), "fe80::c%12");
	EQ(map_route("10.10.0.0", 16), "absent"); /* from earlier tests: not in this dump */
	EQ(map_neigh(IF_C, "fe80::55"), "absent");
	EQ(map_neigh(IF_B, LL_B), "02:00:00:00:00:0b");
	CHECK(fib24_check(&fib) == 0, "tbl24 differs from the trie in %ld entries",
	      fib24_check(&fib));
	tlog_end(&cur, test);
}

/* Aliases (`ip route append`/`prepend`): all kept in the kernel's order, the first one mirrored. */
static void test_aliases(void)
{
	const char *test = test_begin("aliases");
	struct nl_route a = via("10.110.0.0", 16, 0, IF_B, LL_B);
	struct nl_route b = via("10.110.0.0", 16, 0, IF_C, LL_C);
	struct nl_route c = via("10.110.0.0", 16, 0, IF_B, "fe80::cc");
	struct nl_route d = via("10.110.0.0", 16, 0, IF_C, "fe80::dd");
	struct nl_route cover = via("10.0.0.0", 8, 0, IF_C, "fe80::8");
	struct sync_counts cnt;

	add(cover);
	a.nlflags = NLM_F_CREATE | NLM_F_EXCL; /* ip route add */
	add(a);
	b.nlflags = NLM_F_CREATE | NLM_F_APPEND; /* ip route append: B after A */
	add(b);
	EQ(map_route("10.110.0.0", 16), "fe80::b%11");
	sync_table_counts(&tab, &cnt);
	CHECK(cnt.routes[SR_SHADOWED] >= 1, "the appended alias is not counted as shadowed");
	/* the kernel names the alias it deleted: B goes, A stays */
	del(b);
	EQ(map_route("10.110.0.0", 16), "fe80::b%11");
	add(b);
	/* deleting A leaves B: the prefix stays, now via B (not captured by 10/8) */
	del(a);
	EQ(map_route("10.110.0.0", 16), "fe80::c%12");
	/* ip route prepend: C before B */
	c.nlflags = NLM_F_CREATE;
	add(c);
	EQ(map_route("10.110.0.0", 16), "fe80::cc%11");
	/* a replayed notification (the dump saw it already) moves nothing */
	add(b);
	EQ(map_route("10.110.0.0", 16), "fe80::cc%11");
	/* ip route replace: the first alias (C) becomes D */
	d.nlflags = NLM_F_REPLACE;
	add(d);
	EQ(map_route("10.110.0.0", 16), "fe80::dd%12");
	del(d);
	EQ(map_route("10.110.0.0", 16), "fe80::c%12");
	/* a deletion replayed after a dump that saw it removes nothing else */
	del(d);
	EQ(map_route("10.110.0.0", 16), "fe80::c%12");
	del(b);
	EQ(map_route("10.110.0.0", 16), "absent");
	del(cover);
	tlog_end(&cur, test);
}

/* What the fast path cannot do as the kernel does is left to it: encapsulation, an mtu metric. */
static void test_unsupported(void)
{
	const char *test = test_begin("encap_and_mtu_to_kernel");
	struct nl_route enc = via("10.120.0.0", 16, 0, IF_B, LL_B);
	struct nl_route mtu = via("10.121.0.0", 16, 0, IF_B, LL_B);
	struct nl_route obj = via("10.122.0.0", 16, 0, 0, LL_B);
	struct nl_hop h = hop6(IF_B, LL_B);
	struct sync_counts c0, c1;

	sync_table_counts(&tab, &c0);
	enc.hops[0].encap = true;
	add(enc);
	mtu.mtu = 1400;
	add(mtu);
	h.encap = true;
	nhobj(120, h, 0, NULL, false);
	obj.nhops = 0;
	obj.nhid = 120;
	add(obj);
	EQ(map_route("10.120.0.0", 16), "kernel");
	EQ(map_route("10.121.0.0", 16), "kernel");
	EQ(map_route("10.122.0.0", 16), "kernel");
	sync_table_counts(&tab, &c1);
	CHECK(c1.routes[SR_UNSUPPORTED] == c0.routes[SR_UNSUPPORTED] + 3,
	      "unsupported %lu, expected %lu", c1.routes[SR_UNSUPPORTED],
	      c0.routes[SR_UNSUPPORTED] + 3);
	/* the object loses its encapsulation: the route is mirrored */
	nhobj(120, hop6(IF_B, LL_B), 0, NULL, false);
	EQ(map_route("10.122.0.0", 16), "nhid 120");
	del(enc);
	del(mtu);
	nhobj(120, h, 0, NULL, true);
	tlog_end(&cur, test);
}

/* An RTM_NEWROUTE for PREFIX/LEN via inet6 GW dev 11, as the kernel would write it. */
static struct nlmsghdr *route_msg_via(char *buf, const char *prefix, int len, const char *gw)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	struct { /* struct rtvia with room for an IPv6 address */
		__kernel_sa_family_t family;
		__u8 addr[16];
	} __attribute__((packed)) via = { .family = AF_INET6 };
	__be32 dst;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_seq = 0xdead;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	inet_pton(AF_INET, prefix, &dst);
	inet_pton(AF_INET6, gw, via.addr);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mnl_attr_put_u32(nlh, RTA_OIF, IF_B);
	mnl_attr_put(nlh, RTA_VIA, sizeof(via), &via);
	return nlh;
}

static struct nlmsghdr *route_msg(char *buf, const char *prefix, int len)
{
	return route_msg_via(buf, prefix, len, "fe80::1");
}

static void test_parse(void)
{
	const char *test = test_begin("parse_route");
	char buf[512];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nl_route r;
	__u32 fp;
	int err;

	nlh = route_msg(buf, "10.1.0.0", 16);
	err = nl_parse_route(nlh, &r);
	CHECK(!err && r.nhops == 1 && !r.hops[0].encap && !r.mtu, "plain route: err %d", err);
	/* the kernel refuses 10.1.2.3/16 and never sends it: only a forger does */
	nlh = route_msg(buf, "10.1.2.3", 16);
	err = nl_parse_route(nlh, &r);
	CHECK(err == -EINVAL, "10.1.2.3/16 (host bits set) parsed: err %d", err);
	/* a seg6 (or any) encapsulation, and an mtu metric */
	nlh = route_msg(buf, "10.1.0.0", 16);
	mnl_attr_put_u16(nlh, RTA_ENCAP_TYPE, LWTUNNEL_ENCAP_SEG6);
	nest = mnl_attr_nest_start(nlh, RTA_ENCAP);
	mnl_attr_put_u32(nlh, 1, 0);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, RTA_METRICS);
	mnl_attr_put_u32(nlh, RTAX_MTU, 1300);
	mnl_attr_nest_end(nlh, nest);
	err = nl_parse_route(nlh, &r);
	CHECK(!err && r.hops[0].encap && r.mtu == 1300, "encap %d mtu %u (err %d)", r.hops[0].encap,
	      r.mtu, err);
	/* aliases differ by their hops; a route via a nexthop object is the object it names */
	nl_parse_route(route_msg_via(buf, "10.1.0.0", 16, "fe80::1"), &r);
	fp = r.fingerprint;
	nl_parse_route(route_msg_via(buf, "10.1.0.0", 16, "fe80::2"), &r);
	CHECK(r.fingerprint != fp, "two aliases via different hops have one fingerprint");
	nlh = route_msg_via(buf, "10.1.0.0", 16, "fe80::1");
	mnl_attr_put_u32(nlh, RTA_NH_ID, 7);
	nl_parse_route(nlh, &r);
	fp = r.fingerprint;
	nlh = route_msg_via(buf, "10.1.0.0", 16, "fe80::2");
	mnl_attr_put_u32(nlh, RTA_NH_ID, 7);
	nl_parse_route(nlh, &r);
	CHECK(r.fingerprint == fp, "a route via nhid 7 changed fingerprint with the object's hop");
	tlog_end(&cur, test);
}

/* RTM_NEWNEXTHOP: a group's 16-bit weights (weight_high, Linux 6.12), its type, an fdb object. */
static void test_parse_nexthop(void)
{
	const char *test = test_begin("parse_nexthop");
	char buf[512] __attribute__((aligned(4)));
	struct nexthop_grp g[2] = { { .id = 1, .weight = 0 },
				    { .id = 2, .weight = 299 & 0xff, .weight_high = 299 >> 8 } };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nhmsg *nhm;
	struct nl_nhobj o;
	int err;

	nlh->nlmsg_type = RTM_NEWNEXTHOP;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NHA_ID, 10);
	mnl_attr_put(nlh, NHA_GROUP, sizeof(g), g);
	mnl_attr_put_u16(nlh, NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_RES);
	err = nl_parse_nexthop(nlh, &o);
	CHECK(!err && o.id == 10 && o.ngroup == 2 && o.group[1] == 2 && o.weight[0] == 1 &&
		      o.weight[1] == 300 && o.resilient && !o.fdb,
	      "err %d id %u ngroup %d weights %u %u resilient %d fdb %d", err, o.id, o.ngroup,
	      o.weight[0], o.weight[1], o.resilient, o.fdb);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEXTHOP;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_family = AF_INET6;
	mnl_attr_put_u32(nlh, NHA_ID, 11);
	mnl_attr_put(nlh, NHA_FDB, 0, NULL);
	err = nl_parse_nexthop(nlh, &o);
	CHECK(!err && o.fdb && !o.resilient, "fdb object: err %d fdb %d", err, o.fdb);
	tlog_end(&cur, test);
}

static void test_datagram_length(void)
{
	const char *test = test_begin("nlmsg_len_2_31");
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = route_msg(buf, "10.1.0.0", 16);
	size_t len = nlh->nlmsg_len;

	CHECK(nl_datagram_ok(buf, len), "a well-formed message refused");
	/* libmnl compares it as an int: 2^31 + len passes mnl_nlmsg_ok() */
	nlh->nlmsg_len = 0x80000000u + len;
	CHECK(!nl_datagram_ok(buf, len), "nlmsg_len 0x%x in a %zu-byte datagram accepted",
	      nlh->nlmsg_len, len);
	nlh->nlmsg_len = len + 4;
	CHECK(!nl_datagram_ok(buf, len), "nlmsg_len past the datagram accepted");
	nlh->nlmsg_len = len;
	CHECK(!nl_datagram_ok(buf, len + 8), "a truncated second header accepted");
	tlog_end(&cur, test);
}

static int forged_seen;

static int count_forged(const struct nlmsghdr *nlh, void *arg)
{
	forged_seen += nlh->nlmsg_seq == 0xdead;
	return 0;
}

/* Another process (root can) sends a route to sync's notification socket: dropped and counted. */
static void test_foreign_sender(void)
{
	const char *test = test_begin("foreign_sender_dropped");
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct nl_sock ev;
	struct pollfd pfd;
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = route_msg(buf, "10.1.0.0", 16);
	int fd, err;

	err = nl_open_events(&ev, 1 << 20);
	CHECK(!err, "nl_open_events: %s", strerror(-err));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	to.nl_pid = ev.portid;
	if (fd < 0 || sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		tlog_skip(&cur, test, "cannot send to a netlink port: %s", strerror(errno));
		goto out;
	}
	pfd.fd = nl_fd(&ev);
	pfd.events = POLLIN;
	poll(&pfd, 1, 1000);
	err = nl_drain(&ev, count_forged, NULL);
	CHECK(!err && !forged_seen && ev.foreign == 1,
	      "forged message seen %d times, foreign %lu, err %d", forged_seen, ev.foreign, err);
	tlog_end(&cur, test);
out:
	if (fd >= 0)
		close(fd);
	nl_close(&ev);
}

int main(void)
{
	/* one line per test, in order with sync's warnings on stderr */
	check_suite = "sync_table";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (create_maps()) {
		printf("SKIP sync_table: cannot create BPF maps (root needed): %s\n",
		       strerror(errno));
		return 0;
	}
	attach(IF_B);
	attach(IF_C);
	test_metric();
	test_kernel_entries();
	test_attach();
	test_multipath();
	test_nexthop_objects();
	test_neighbours();
	test_aliases();
	test_unsupported();
	test_parse();
	test_parse_nexthop();
	test_datagram_length();
	test_foreign_sender();
	test_reconcile();
	sync_table_free(&tab);
	fib24_close(&fib);
	v4via6_bpf__destroy(skel);
	return check_failures ? 1 : 0;
}
