/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The routing config file of `v4via6 apply`: one statement per line, `#`
 * comments, blank lines ignored.
 *
 *   attach IFACE [mode native|skb]
 *   route PREFIX via [inet6] IPV6 dev IFACE
 *   route throw PREFIX                     (left to the kernel)
 *   neigh IPV6 lladdr MAC dev IFACE        (or IPV6 dev IFACE lladdr MAC)
 *   nexthop id N via [inet6] IPV6 dev IFACE
 *   nexthop id N group ID[,WEIGHT]/ID[,WEIGHT]...
 *   route PREFIX nhid N
 *   route PREFIX nexthop via [inet6] IPV6 dev IFACE [weight W] nexthop ...
 *
 * A multipath route may go on over lines that begin with white space and
 * `nexthop`, as `ip route` and `v4via6 route show` print it. The whole file
 * is read and checked before anything changes.
 */
#ifndef V4VIA6_CONFIG_H
#define V4VIA6_CONFIG_H

#include <stddef.h>
#include <net/if.h>
#include <xdp/libxdp.h>

#include "v4via6.h"

struct config_iface {
	char name[IF_NAMESIZE];
	__u32 ifindex;
	enum xdp_attach_mode mode; /* XDP_MODE_UNSPEC when the line names none */
	unsigned int line;
};

struct config_route {
	struct route_key key;
	/*
	 * nhid N: nh_of_key's; multipath: ifindex V4VIA6_IFINDEX_GROUP until
	 * apply makes its object (fib24_nh_anon) from hops[first_hop ..]
	 */
	struct nexthop nh;
	unsigned int line;
	unsigned int dev; /* index into the config's device names, while reading */
	__u32 first_hop, n_hops; /* multipath: its next hops in cfg->hops; n_hops 0: none */
};

/*
 * A next hop of a multipath route or of a nexthop object (m.nh, m.weight),
 * or a group's member (m.id, m.weight).
 */
struct config_hop {
	struct nh_member m;
	unsigned int dev; /* while reading */
};

/* A nexthop object: `nexthop id N ...`. */
struct config_nh {
	__u32 id;
	__u32 flags; /* V4VIA6_NHDEF_GROUP or 0 */
	__u32 first_hop, n_hops; /* its next hop or members in cfg->hops */
	unsigned int line;
};

struct config_neigh {
	struct nexthop key;
	struct neigh val;
	unsigned int line;
	unsigned int dev;
};

struct config {
	struct config_iface *ifaces;
	size_t n_ifaces;
	struct config_route *routes; /* sorted by route_key_cmp */
	size_t n_routes;
	struct config_neigh *neighs; /* sorted by neigh_key_cmp */
	size_t n_neighs;
	struct config_nh *nhs; /* sorted by id */
	size_t n_nhs;
	struct config_hop *hops;
	size_t n_hops;
};

/* The object config_nh e describes, as fib24_nh_set takes it. */
void config_nh_def(const struct config *cfg, const struct config_nh *e, struct nh_def *def);

/*
 * Reads and checks path ("-": standard input). Every bad line is reported on
 * stderr as "PATH:LINE: <what is wrong>": syntax, host bits, an address or MAC
 * that does not parse, a duplicate route, neighbour or attach, a route or
 * neighbour whose interface has no attach line, an interface that does not
 * exist, a nexthop object named twice, a group naming a group or an object
 * the file does not have, a route naming one it does not have, more objects
 * than the maps hold. Returns 0, -EINVAL when any line is bad, or -errno when the file
 * cannot be read (also reported).
 */
int config_read(const char *path, struct config *cfg);
void config_free(struct config *cfg);

#endif /* V4VIA6_CONFIG_H */
