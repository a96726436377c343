/* SPDX-License-Identifier: GPL-2.0-only */
/* The maps of the v4via6 XDP program; keys and values come from include/v4via6.h. */
#ifndef V4VIA6_MAPS_H
#define V4VIA6_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "v4via6.h"

/* IPv4 prefix -> IPv6 next hop and egress interface. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required for LPM tries */
	__uint(max_entries, V4VIA6_MAX_ROUTES);
	__type(key, struct route_key);
	__type(value, struct nexthop);
} routes SEC(".maps");

/* (egress ifindex, IPv6 next hop) -> MAC, filled by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, V4VIA6_MAX_NEIGHS);
	__type(key, struct nexthop);
	__type(value, struct neigh);
} neighs SEC(".maps");

/* ifindex -> source MAC and MTU of each attached interface. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, V4VIA6_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct egress);
} egress SEC(".maps");

/* ifindex -> ifindex: the interfaces frames may be redirected to. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, V4VIA6_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwd_stats);
} stats SEC(".maps");

#endif /* V4VIA6_MAPS_H */
