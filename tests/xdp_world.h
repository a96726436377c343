/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The world the XDP unit tests run in: a network namespace of the test's own
 * (unshare, so nothing leaks to the host and process exit removes it all),
 * veth pairs for real ifindexes, kernel routes and IPv6 neighbours for the
 * bpf_fib_lookup path, and the program's maps. The tables declared here
 * (defined in xdp_world.c) are the one description of that world:
 * world_build_netns() and world_fill_maps() install them, and the reference
 * classifier of the randomized test reads them to predict the program.
 */
#ifndef XDP_WORLD_H
#define XDP_WORLD_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "array_size.h"
#include "v4via6.h"
#include "v4via6.skel.h"
#include "fib24.h"
#include "maps.h"
#include "xdp_frame.h"

enum iface_id {
	IF_IN, /* where test frames arrive */
	IF_OUT, /* the usual egress */
	IF_ALT, /* a second egress, for "the kernel's route uses another interface" */
	IF_NOPORT, /* in the egress map but not in tx_ports */
	IF_GONE, /* routed to, but in no map and not a device */
	IF_KERNEL, /* V4VIA6_IFINDEX_KERNEL: the prefix is left to the kernel */
	IF_COUNT
};

struct w_iface {
	const char *name; /* NULL: no such device */
	uint8_t mac[ETH_ALEN];
	bool egress; /* has an egress map entry */
	bool tx_port; /* is in the tx_ports devmap */
	int ifindex; /* given when name is NULL, else filled by world_build_netns() */
};

#define GONE_IFINDEX 999

extern struct w_iface w_ifaces[IF_COUNT];

#define W_MTU 1500 /* the egress map's MTU for every interface, and the devices' */

/* A next hop: an IPv6 address on an interface. */
struct w_hop {
	enum iface_id iface;
	const char *gw;
};

/* Routes of the program's LPM trie. */
struct w_route {
	const char *prefix;
	int plen;
	struct w_hop hop;
};

/* MACs of next hops, in the neighbour map (user space) or in the kernel's neighbour table. */
struct w_neigh {
	struct w_hop hop;
	uint8_t mac[ETH_ALEN];
	const char *nud; /* kernel neighbours: NULL is permanent */
};

/* A kernel route: `ip route add DST/32 via inet6 GW dev IF`. */
struct w_kroute {
	const char *dst;
	struct w_hop hop;
};

/* clang-format off */
#define MAC(last) {0x02, 0x00, 0x00, 0x00, 0xee, last}
/* clang-format on */

extern const struct w_route w_routes[];
extern const size_t w_n_routes;
/* Installed only while a case or phase asks for it: it hides "no route". */
extern const struct w_route w_default;
extern const struct w_neigh w_neighs[];
extern const size_t w_n_neighs;
extern const struct w_kroute w_kroutes[];
extern const size_t w_n_kroutes;
extern const struct w_neigh w_kneighs[];
extern const size_t w_n_kneighs;

struct world {
	int prog_fd;
	V4VIA6_MAPS_MEMBER; /* the program's maps (loader/maps.h) */
	struct fib24 *fib; /* routes go through it, as the loader writes them */
};

/*
 * The tbl8 pool's size in blocks (tbl8 and tbl8_owners), set before
 * world_load_skel; 0: the program's own (V4VIA6_TBL8_GROUPS). A test makes it
 * small to fill it and see its blocks reused.
 */
extern __u32 w_tbl8_groups;
/*
 * Loads the program and takes its maps into w; routes go through fib (the
 * caller's), which maps tbl24 and nexthops.
 */
int world_load_skel(struct v4via6_bpf **skel, struct world *w, struct fib24 *fib);
int w_ifindex(enum iface_id i);
/* Adds (add) or deletes r in the program's table, through w->fib. */
int w_route_set(const struct world *w, const struct w_route *r, bool add);
/* The kernel side: a namespace of our own with its devices, routes and neighbours. */
int world_build_netns(void);
/*
 * Every BPF_PROG_TEST_RUN of an XDP program puts it into the kernel's XDP
 * dispatcher and takes it out again; each change waits for an RCU grace
 * period, which on a loaded machine makes a run take milliseconds instead of
 * microseconds. A program attached to a device stays in the dispatcher, so
 * attach it to a veth end that is down and never sees a frame.
 */
int world_hold_prog(int prog_fd, const char *dev);
/* The program's maps. */
int world_fill_maps(const struct world *w);
/* nh_stats[idx] (a nexthop object's counters) summed over the CPUs into sum: 0 or -errno. */
int world_nh_stats(const struct world *w, __u32 idx, struct nh_stats *sum);

#endif /* XDP_WORLD_H */
