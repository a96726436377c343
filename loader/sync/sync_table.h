/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sync's in-memory copy of the kernel's tables, and the logic that makes the
 * program's maps equal to it.
 *
 * The copy holds every IPv4 route (by prefix, each prefix with its variants:
 * table, TOS, metric), the nexthop objects, the IPv6 neighbours and the links.
 * Notifications and dumps update it through the sync_on_*() calls; each
 * change is written to the maps at once, touching only the keys whose value
 * differs (never delete-then-add), so traffic on routes that stay is never
 * interrupted.
 *
 * What goes into the routes map, per prefix, follows the kernel's choice: the
 * local table first (the router's own and broadcast addresses), then the
 * lowest-metric route of the followed table. Routes of the same prefix,
 * table, TOS and metric (aliases: `ip route append`, `prepend`) are all kept,
 * in the kernel's order, and the kernel uses the first one. When that route
 * has a usable IPv6 next hop on an attached interface, the map gets that next
 * hop; a multipath route (RTA_MULTIPATH) whose every hop is one gets them all
 * with their weights, as an anonymous group (fib24_nh_anon); a route through
 * a nexthop object (RTA_NH_ID) names the object, which sync mirrors into
 * nh_defs (V4VIA6_NHDEF_SYNC) with its group's weights. A multipath route or
 * an object of which one hop cannot be mirrored is left to the kernel whole:
 * mirroring part of it would change where the network sends its flows.
 * When the route has none (an IPv4 gateway, a connected or blackhole route, an
 * interface not attached, an encapsulation or an mtu metric...), the map gets
 * a "kernel" entry (V4VIA6_IFINDEX_KERNEL): the program then passes the packet
 * to the kernel, where a less specific IPv6 route in the map would otherwise
 * have captured it.
 *
 * Links: an attached link that goes down or loses carrier leaves every group
 * at once (fib24_link_set, one write per group), before anything else: IPv4
 * sends no route deletion for it, and the kernel flushes the nexthop objects
 * on it without a notification; the full resync that follows finds out what
 * the kernel removed.
 */
#ifndef V4VIA6_SYNC_TABLE_H
#define V4VIA6_SYNC_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "v4via6.h"
#include "fib24.h"
#include "nl_parse.h"
#include "sync_htab.h"

/* Why a route is, or is not, in the routes map with a next hop. */
enum sync_reason {
	SR_MIRRORED, /* forwarded by XDP */
	SR_IPV4_GATEWAY, /* an IPv4 next hop */
	SR_CONNECTED, /* no gateway: directly connected, the kernel resolves with ARP */
	SR_REJECT, /* blackhole, unreachable, prohibit */
	SR_LOCAL, /* local table: the router's own and broadcast addresses */
	SR_NOT_ATTACHED, /* an IPv6 next hop on an interface v4via6 is not attached to */
	SR_UNUSABLE, /* next hop down, unknown nexthop object, TOS route, other route types */
	SR_UNSUPPORTED, /* what XDP cannot do as the kernel does: encapsulation, an mtu metric,
			 * defaults the kernel picks among by neighbour state */
	SR_SHADOWED, /* not the kernel's choice (a higher metric, a later alias) */
	SR_OTHER_TABLE, /* in a table sync does not follow */
	SR_COUNT
};

extern const char *const sync_reason_names[SR_COUNT];

struct sync_counts {
	unsigned long routes[SR_COUNT]; /* kernel routes by reason */
	/* prefixes with several next hops left to the kernel (a hop XDP cannot take, > 32 hops) */
	unsigned long multipath_kernel;
	unsigned long groups; /* prefixes forwarded through a group (multipath or nexthop object) */
	unsigned long nhobjs; /* the kernel's nexthop objects mirrored into nh_defs */
	unsigned long links_down; /* attached links down or without carrier now */
	unsigned long link_downs; /* attached links that went down, since sync started */
	unsigned long nexthops; /* distinct next hops in use */
	unsigned long neighs_resolved; /* of those, with a MAC in the neighbour map */
	unsigned long map_errors; /* map writes that failed (logged) */
};

struct sync_table {
	struct fib24 *fib; /* the routes map and its tbl24: every route write goes through it */
	int neighs_fd;
	int egress_fd;
	uint32_t table; /* the routing table followed */
	/*
	 * While loading a dump, changes stay in memory; sync_table_apply()
	 * then reconciles the maps with it in one pass.
	 */
	bool loading;
	struct htab prefixes; /* struct route_key -> variants, what the map holds */
	struct htab nhobjs; /* nexthop object id -> struct nl_nhobj */
	/*
	 * nexthop object id -> the nh_def sync wrote (V4VIA6_NHDEF_SYNC), what
	 * nh_defs holds: the objects routes use and their members
	 */
	struct htab mirrored;
	struct htab neighs; /* struct nexthop -> kernel neighbour state and MAC */
	struct htab uses; /* struct nexthop in use by the map -> refs, what the map holds */
	struct htab links; /* ifindex -> struct nl_link */
	struct htab warned; /* prefixes already warned about as multipath */
	struct htab warned_ids; /* nexthop object ids already warned about */
	unsigned long link_downs; /* attached links that went down (logged), since the start */
	unsigned long object_errors; /* nexthop objects that could not be written (logged, a few) */
	/* bumped by each change of the kernel's tables: what ensure_object found holds within one */
	unsigned long round;
	uint32_t attached[V4VIA6_MAX_IFACES]; /* keys of the egress map, sorted */
	int nattached;
	unsigned long map_errors;
	bool changed; /* something changed since the caller last cleared it */
	bool warned_defaults; /* the warning on several default routes was given */
	/* Called when a next hop comes into use, to have the kernel resolve it at once. */
	void (*on_new_nexthop)(void *arg, const struct nexthop *nh);
	void *arg;
};

void sync_table_init(struct sync_table *t, struct fib24 *fib, int neighs_fd, int egress_fd,
		     uint32_t table);
/* Forgets the kernel's tables (before a full dump); the maps are left as they are. */
void sync_table_reset(struct sync_table *t);
void sync_table_free(struct sync_table *t);

/* Reads the set of attached interfaces (the egress map's keys); true when it changed. */
bool sync_table_read_attached(struct sync_table *t);

/*
 * After a full dump (loading): makes the maps equal to the copy, in place:
 * keys the kernel no longer has are deleted, keys whose value differs are
 * updated, the others are not touched; tbl24 is then rebuilt from the trie
 * (which repairs it, were it ever off). Ends loading.
 */
void sync_table_apply(struct sync_table *t);
/* Re-evaluates every prefix (e.g. when the attached interfaces changed). */
void sync_table_reevaluate(struct sync_table *t);

void sync_on_route(struct sync_table *t, const struct nl_route *r, bool del);
void sync_on_nexthop(struct sync_table *t, const struct nl_nhobj *o, bool del);
void sync_on_neigh(struct sync_table *t, const struct nl_neigh *n, bool del);
/*
 * Returns true when the link went down or away: the kernel then flushes the
 * IPv4 routes through it without a notification, so the caller must dump again.
 */
bool sync_on_link(struct sync_table *t, const struct nl_link *l, bool del);

void sync_table_counts(const struct sync_table *t, struct sync_counts *c);
/* Calls fn for every next hop in use. */
void sync_for_each_nexthop(struct sync_table *t, void (*fn)(void *arg, const struct nexthop *nh),
			   void *arg);
/* Whether the kernel's entry for nh is static (PERMANENT or NOARP): never to be refreshed. */
bool sync_neigh_static(struct sync_table *t, const struct nexthop *nh);

#endif /* V4VIA6_SYNC_TABLE_H */
