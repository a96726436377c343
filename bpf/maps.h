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
	__type(value, struct route);
} routes SEC(".maps");

/* Top 16 bits of the destination -> the entries of its 256 /24s (see include/v4via6.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* the loader writes it through mmap */
	__uint(max_entries, V4VIA6_TBL24_ENTRIES / V4VIA6_BLOCK_ENTRIES);
	__type(key, __u32);
	__type(value, struct fib_block);
} tbl24 SEC(".maps");

/* tbl8 block (for a /24 with longer routes) -> its entries, by the destination's last byte. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, V4VIA6_TBL8_GROUPS);
	__type(key, __u32);
	__type(value, struct fib_block);
} tbl8 SEC(".maps");

/* tbl8 block -> the /24 that owns it (loader/fib24.h); the program never reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, V4VIA6_TBL8_GROUPS);
	__type(key, __u32);
	__type(value, __u64);
} tbl8_owners SEC(".maps");

/* Nexthop object index -> next hop, its MAC, and its slot's use count. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, V4VIA6_MAX_NEXTHOPS);
	__type(key, __u32);
	__type(value, struct nexthop_slot);
} nexthops SEC(".maps");

/* (egress ifindex, IPv6 next hop) -> MAC: user space's record, copied into the nexthop objects. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, V4VIA6_MAX_NEIGHS);
	__type(key, struct nexthop);
	__type(value, struct neigh);
} neighs SEC(".maps");

/* ifindex -> source MAC and MTU of each attached interface (mtu 0: not attached). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* the loader lists the attached through mmap */
	__uint(max_entries, V4VIA6_MAX_PORT_IFINDEX);
	__type(key, __u32);
	__type(value, struct egress);
} egress SEC(".maps");

/* ifindex -> ifindex: the interfaces frames may be redirected to. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, V4VIA6_MAX_PORT_IFINDEX);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwd_stats);
} stats SEC(".maps");

/* ingress ifindex -> its counters (slot 0: every ifindex >= V4VIA6_MAX_IFINDEX). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, V4VIA6_MAX_IFINDEX);
	__type(key, __u32);
	__type(value, struct if_stats);
} if_stats SEC(".maps");

/* group slot (a nexthops index below V4VIA6_MAX_NHGRPS) -> its buckets (include/v4via6.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, V4VIA6_MAX_NHGRPS);
	__type(key, __u32);
	__type(value, struct nh_group);
} nh_groups SEC(".maps");

/*
 * The flow hash's seed, random per router (written by the loader when it
 * makes the maps, carried over by upgrades), so that two routers in a row do
 * not polarise: the same flows on the same member everywhere.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} hash_seed SEC(".maps");

/* The nexthop objects by id, read by the loader only (include/v4via6.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, V4VIA6_MAX_NH_DEFS);
	__type(key, struct nh_key);
	__type(value, struct nh_def);
} nh_defs SEC(".maps");

/* ifindex -> 1: links down, read by the loader only (include/v4via6.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, V4VIA6_MAX_PORT_IFINDEX);
	__type(key, __u32);
	__type(value, __u32);
} links_down SEC(".maps");

/* nexthop object index -> packets and bytes forwarded through it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, V4VIA6_MAX_NEXTHOPS);
	__type(key, __u32);
	__type(value, struct nh_stats);
} nh_stats SEC(".maps");

#endif /* V4VIA6_MAPS_H */
