/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The routing config file of `v4via6 apply`: one statement per line, `#`
 * comments, blank lines ignored.
 *
 *   attach IFACE [mode native|skb]
 *   route PREFIX via [inet6] IPV6 dev IFACE
 *   route throw PREFIX                     (left to the kernel)
 *   neigh IPV6 lladdr MAC dev IFACE        (or IPV6 dev IFACE lladdr MAC)
 *
 * The whole file is read and checked before anything changes.
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
	struct nexthop nh;
	unsigned int line;
	unsigned int dev; /* index into the config's device names, while reading */
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
};

/*
 * Reads and checks path ("-": standard input). Every bad line is reported on
 * stderr as "PATH:LINE: <what is wrong>": syntax, host bits, an address or MAC
 * that does not parse, a duplicate route, neighbour or attach, a route or
 * neighbour whose interface has no attach line, an interface that does not
 * exist. Returns 0, -EINVAL when any line is bad, or -errno when the file
 * cannot be read (also reported).
 */
int config_read(const char *path, struct config *cfg);
void config_free(struct config *cfg);

#endif /* V4VIA6_CONFIG_H */
