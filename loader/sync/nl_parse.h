/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rtnetlink messages that sync follows, parsed into plain structs: IPv4
 * routes, nexthop objects, IPv6 neighbours and links. Parsing only: what to do
 * with them is sync_table.c's business.
 */
#ifndef V4VIA6_NL_PARSE_H
#define V4VIA6_NL_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>

/* ECMP routes and nexthop groups: as many as a group of the program holds (V4VIA6_NHGRP_MAX_SIZE). */
#define NL_MAX_HOPS 32

/* A next hop as a route or a nexthop object gives it. */
struct nl_hop {
	uint32_t ifindex;
	uint32_t flags; /* RTNH_F_*: DEAD and LINKDOWN make it unusable */
	uint8_t family; /* of the gateway: AF_INET6, AF_INET, or 0 for none (on-link) */
	uint8_t addr[16]; /* the gateway, network order; an IPv4 one in the first 4 bytes */
	bool encap; /* RTA_ENCAP/NHA_ENCAP: the kernel encapsulates (seg6, mpls, ip6...) */
	uint32_t weight; /* in RTA_MULTIPATH: rtnh_hops + 1; else 1 */
};

struct nl_route {
	uint32_t table;
	uint32_t priority; /* the metric */
	uint32_t dst; /* network order, host bits zero */
	uint8_t dst_len;
	uint8_t tos;
	uint8_t type; /* RTN_* */
	bool cloned; /* a cache entry (RTM_F_CLONED), not a route */
	uint16_t nlflags; /* the message's NLM_F_*: APPEND, REPLACE tell where an alias goes */
	uint32_t mtu; /* the route's mtu metric (RTAX_MTU), 0 for none */
	/*
	 * What tells this route from another of the same prefix, table, TOS
	 * and metric (an alias, `ip route append`): a hash of the rest of
	 * what the kernel compares (type, protocol, scope, prefsrc, metrics,
	 * encapsulation, next hops, or the nexthop object's id), without the
	 * flags that change on their own (linkdown, dead).
	 */
	uint32_t fingerprint;
	uint32_t nhid; /* RTA_NH_ID, or 0 */
	bool multipath; /* the hops came in RTA_MULTIPATH */
	int nhops; /* hops the kernel gave, possibly more than NL_MAX_HOPS */
	struct nl_hop hops[NL_MAX_HOPS];
};

struct nl_nhobj {
	uint32_t id;
	uint8_t family;
	bool blackhole;
	bool fdb; /* NHA_FDB: a bridge's, never a route's */
	bool resilient; /* NHA_GROUP_TYPE NEXTHOP_GRP_TYPE_RES */
	struct nl_hop hop; /* gateway and device, when not a group */
	int ngroup; /* members of a group, possibly more than NL_MAX_HOPS */
	uint32_t group[NL_MAX_HOPS];
	/* each member's weight, 1..65536: struct nexthop_grp's weight_high and weight, plus one */
	uint32_t weight[NL_MAX_HOPS];
};

struct nl_neigh {
	uint32_t ifindex;
	uint8_t family;
	uint8_t addr[16];
	uint16_t state; /* NUD_* */
	bool has_lladdr;
	uint8_t lladdr[6];
};

struct nl_link {
	uint32_t ifindex;
	uint32_t flags; /* IFF_* */
	uint32_t mtu;
	bool has_addr;
	uint8_t addr[6];
};

/*
 * Each returns 0, -EAFNOSUPPORT for a message of a family sync does not follow
 * (to be ignored), or -EINVAL for a malformed one, which only a forged or
 * corrupted message can be: the kernel never sends it (to be counted). Then
 * nl_parse_error says what is wrong.
 */
extern const char *nl_parse_error;

int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *r);
int nl_parse_nexthop(const struct nlmsghdr *nlh, struct nl_nhobj *nh);
int nl_parse_neigh(const struct nlmsghdr *nlh, struct nl_neigh *n);
int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *l);

#endif /* V4VIA6_NL_PARSE_H */
