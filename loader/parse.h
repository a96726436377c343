/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parsers and formatters of the command-line and config-file values, shared by
 * the commands, `apply` and `sync`. Parsers write a reason (without a prefix)
 * into err, so each caller adds its own context: "v4via6: route add: ..." or
 * "FILE:LINE: ...". They return PARSE_OK, PARSE_BAD_VALUE (a value that does
 * not parse or is not allowed) or PARSE_USAGE (unknown or missing tokens);
 * the last two equal the exit statuses 1 and 2.
 */
#ifndef V4VIA6_PARSE_H
#define V4VIA6_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include <xdp/libxdp.h>

#include "v4via6.h"

#define PARSE_OK	0
#define PARSE_BAD_VALUE 1
#define PARSE_USAGE	2

#define PARSE_ERR_LEN 256
/* Large enough for "255.255.255.255/32", "default" and any IPv6 address. */
#define ADDR_STR_LEN 64
#define MAC_STR_LEN  18

/*
 * An IPv4 prefix: "A.B.C.D/N", "A.B.C.D" (a /32), "default", "0/0", or a
 * shortened "10/8" as ip accepts it. Host bits set under the mask are an error
 * that suggests the prefix meant.
 */
int parse_prefix(const char *s, struct route_key *key, char *err, size_t len);

/* An IPv6 next hop. An IPv4 address is refused with a reason (that is the kernel's job). */
int parse_ipv6(const char *s, __u8 addr[16], char *err, size_t len);

/* A MAC address "02:00:00:00:00:01"; zero and multicast addresses are refused. */
int parse_mac(const char *s, __u8 mac[6], char *err, size_t len);

/* An interface name of the current network namespace, to its ifindex. */
int parse_ifname(const char *s, __u32 *ifindex, char *err, size_t len);

/* One next hop of a multipath route: `nexthop via [inet6] A dev X [weight W]`. */
struct route_hop {
	__u8 via[16];
	const char *dev;
	__u32 weight; /* 1..V4VIA6_NH_MAX_WEIGHT, 1 when not given */
};

/* What a route line says; dev points into the argument vector. */
struct route_spec {
	struct route_key key;
	__u8 via[16];
	const char *dev;
	bool throw_; /* "throw PREFIX": leave the prefix to the kernel (V4VIA6_IFINDEX_KERNEL) */
	__u32 nhid; /* "PREFIX nhid N": nexthop object N; 0: none */
	__u32 n_hops; /* a multipath route: hops[0 .. n_hops-1]; 0: not one */
	struct route_hop hops[V4VIA6_NHGRP_MAX_SIZE];
};

/*
 * "PREFIX via [inet6] ADDR dev IFACE", in any order after the prefix, with
 * an optional "nexthop" before via (as `ip route` writes it), or "throw
 * PREFIX" (as `ip route` writes that type), which needs nothing else;
 * "PREFIX nhid N" (a nexthop object); "PREFIX nexthop via [inet6] A dev X
 * [weight W] nexthop ..." (multipath, as `ip route` prints it: one
 * `nexthop` without a weight is a plain route, one with a weight a multipath
 * route of one next hop). With need_nh false only "PREFIX" is accepted
 * (route del, route show).
 */
int parse_route_args(int argc, char **argv, bool need_nh, struct route_spec *r, char *err,
		     size_t len);

/* What a nexthop object line says (`ip nexthop`'s grammar); dev points into argv. */
struct nexthop_spec {
	__u32 id;
	bool group; /* "group ...": members below; else via and dev */
	__u8 via[16];
	const char *dev;
	__u32 n; /* members */
	__u32 member[V4VIA6_NHGRP_MAX_SIZE]; /* their ids */
	__u32 weight[V4VIA6_NHGRP_MAX_SIZE]; /* 1..V4VIA6_NH_MAX_WEIGHT */
};

/*
 * "id N via [inet6] ADDR dev IFACE" or "id N group ID[,W]/ID[,W]...", as
 * `ip nexthop show` prints them (its "scope link" after dev is accepted).
 * Values that are not allowed (id 0, a weight of 0 or above 65535, more than
 * V4VIA6_NHGRP_MAX_SIZE members, a group naming itself or one id twice) are
 * PARSE_BAD_VALUE.
 */
int parse_nexthop_args(int argc, char **argv, struct nexthop_spec *s, char *err, size_t len);

/* A nexthop object id, 1..2^32-1 (decimal). */
int parse_nhid(const char *s, __u32 *id, char *err, size_t len);

/*
 * A group's members as `ip nexthop` writes them: "1/2,3" (a weight of 1 is
 * left out). Returns buf.
 */
const char *format_group(const __u32 *ids, const __u32 *weights, __u32 n, char *buf, size_t len);
/* Long enough for format_group of the largest group. */
#define GROUP_STR_LEN (V4VIA6_NHGRP_MAX_SIZE * 22)

/* What a neighbour line says; dev points into the argument vector. */
struct neigh_spec {
	__u8 addr[16];
	__u8 mac[6];
	const char *dev;
};

/*
 * "IPV6 lladdr MAC dev IFACE", also "IPV6 dev IFACE lladdr MAC" as `ip neigh`
 * prints it. With need_mac false, "IPV6 dev IFACE" (neigh del).
 */
int parse_neigh_args(int argc, char **argv, bool need_mac, struct neigh_spec *n, char *err,
		     size_t len);

/*
 * "default" or "A.B.C.D/N": what route show prints, and route add reads back,
 * and what every message names a prefix by. Returns buf.
 */
const char *format_prefix(const struct route_key *key, char *buf, size_t len);
void format_ipv6(const __u8 addr[16], char *buf, size_t len);
void format_mac(const __u8 mac[6], char *buf, size_t len);

/* Orders route keys by address, then prefix length (route show, apply). */
int route_key_cmp(const struct route_key *a, const struct route_key *b);
/* Orders neighbours by address, then ifindex. */
int neigh_key_cmp(const struct nexthop *a, const struct nexthop *b);

/*
 * An XDP mode, as `attach --mode` and the config's `attach IFACE mode` say it:
 * "native" (or "drv") or "skb" (or "generic"); false for anything else.
 */
bool parse_xdp_mode(const char *s, enum xdp_attach_mode *mode);

#endif /* V4VIA6_PARSE_H */
