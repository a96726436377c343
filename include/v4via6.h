/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Definitions shared by the XDP program (bpf/) and user space (loader/,
 * tests/, bench/). Written once: both sides include this file, so a map key
 * or a counter can never mean one thing in the kernel and another in the
 * loader. Byte order is named per field.
 */
#ifndef V4VIA6_H
#define V4VIA6_H

#include <linux/types.h>

/* Map names: also the file names of the pins under the pin directory. */
#define V4VIA6_MAP_ROUTES   "routes"
#define V4VIA6_MAP_NEIGHS   "neighs"
#define V4VIA6_MAP_EGRESS   "egress"
#define V4VIA6_MAP_TX_PORTS "tx_ports"
#define V4VIA6_MAP_STATS    "stats"
#define V4VIA6_MAP_TBL24    "tbl24"
#define V4VIA6_MAP_NEXTHOPS "nexthops"
#define V4VIA6_MAP_IF_STATS "if_stats"
#define V4VIA6_MAP_TBL8	    "tbl8"
#define V4VIA6_MAP_TBL8_OWNERS "tbl8_owners"
#define V4VIA6_MAP_NH_STATS "nh_stats"
#define V4VIA6_MAP_NH_GROUPS "nh_groups"
#define V4VIA6_MAP_HASH_SEED "hash_seed"
#define V4VIA6_MAP_NH_DEFS "nh_defs"
#define V4VIA6_MAP_LINKS_DOWN "links_down"
/* The program's pin, so that later commands find the loaded program again. */
#define V4VIA6_PIN_PROG	       "prog"
#define V4VIA6_PROG_NAME       "v4via6_xdp"
#define V4VIA6_PIN_DIR_DEFAULT "/sys/fs/bpf/v4via6"

/*
 * The map layout: the set of maps and their keys and values. Pinned in the pin
 * dir (an empty directory "layout-N"), so that a build never reads maps it
 * does not know; `v4via6 upgrade` moves a state to a new layout. Raise it with
 * any change to a map. (Defined only if not yet: tests build the program with
 * another layout to exercise that path.)
 */
#ifndef V4VIA6_LAYOUT
#define V4VIA6_LAYOUT 3
#endif

/* Limits: map sizes. The LPM trie allocates per entry: a large limit costs nothing until used. */
#define V4VIA6_MAX_ROUTES (4U * 1024 * 1024)
#define V4VIA6_MAX_NEIGHS 65536
/* Interfaces attached at once. */
#define V4VIA6_MAX_IFACES 256
/*
 * The egress array and the tx_ports devmap are indexed by ifindex (an
 * inlined array lookup, where a hash costs a call): an interface whose
 * ifindex is this or above cannot be attached.
 */
#define V4VIA6_MAX_PORT_IFINDEX 65536
/* Distinct next hops (throw included) that routes may use at once: nexthop objects. */
#define V4VIA6_MAX_NEXTHOPS 65536
/* One tbl24 entry per /24: 2^24 entries of 4 bytes, 64 MiB, allocated at load. */
#define V4VIA6_TBL24_ENTRIES (1U << 24)
/*
 * tbl24 and tbl8 hold blocks of 256 entries (one per /16 in tbl24, one per
 * /24 in tbl8): an array map lays each value out 8-byte aligned, so an array
 * of single __u32 entries would take 8 bytes an entry. Seen through mmap,
 * tbl24 is a plain __u32[2^24].
 */
#define V4VIA6_BLOCK_ENTRIES 256
struct fib_block {
	__u32 e[V4VIA6_BLOCK_ENTRIES];
};
/*
 * tbl8 blocks: one per /24 that holds routes longer than /24, 256 entries of
 * 4 bytes (1 KiB) each. 32768 blocks are 32 MiB, allocated at load; a /24
 * needs one block however many longer routes it holds. (The map may be made
 * smaller before load, as the tests do: the loader reads its size.)
 */
#define V4VIA6_TBL8_GROUPS 32768

/* Key of the routes LPM trie: an IPv4 prefix (prefixlen first, as BPF_MAP_TYPE_LPM_TRIE requires).
 */
struct route_key {
	__u32 prefixlen; /* host order, 0..32 */
	__be32 addr; /* network order, host bits zero */
};

/*
 * Value of the routes map: where a prefix goes. It is also the key of the
 * neighbour map (an IPv6 next hop on one interface: link-local addresses are
 * per link), so the program looks the neighbour up with the route's value as
 * the key, without copying it.
 */
struct nexthop {
	__u32 ifindex; /* egress interface, host order */
	__u8 addr[16]; /* IPv6 next hop, network order; link-local or global */
};

/*
 * A routes map value with this ifindex sends the prefix to the kernel: the
 * program passes the packet (pass_throw), as iproute2's `throw` route type ends
 * a lookup in a table. `v4via6 route add throw PREFIX` writes one by hand;
 * v4via6 sync installs it for prefixes the kernel
 * routes otherwise (IPv4 gateway, local address, blackhole...), so that a less
 * specific prefix with an IPv6 next hop never captures their packets.
 */
#define V4VIA6_IFINDEX_KERNEL 0

/*
 * Value of the routes map. prefixlen repeats the key's: a user-space lookup
 * of the trie is a longest-prefix match that returns only the value, and the
 * tbl24 upkeep (loader/fib24.c) must know how long the matching route is.
 * nh comes first, so that &route->nh is a neighbour map key. prefixlen was a
 * __u32: its high half became flags, placed so that values written before
 * read as flags 0 on either byte order (pins from older versions still work).
 */
struct route {
	struct nexthop nh;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u16 prefixlen; /* host order: the key's prefixlen */
	__u16 flags; /* V4VIA6_ROUTE_*, for user space: the program never reads them */
#else
	__u16 flags;
	__u16 prefixlen;
#endif
};

/*
 * A local entry (loader/local.c): a throw route for one of the router's own or
 * broadcast addresses (the kernel's local table), which the kernel delivers
 * itself. Written by v4via6, not by the operator: `route show` leaves it out,
 * apply and route flush leave it alone, and it goes with the address.
 */
#define V4VIA6_ROUTE_LOCAL 0x1

/*
 * The DIR-24-8 fast path (loader/fib24.c keeps it equal to the routes trie).
 * tbl24 is indexed by the top 24 bits of the destination (host order); tbl8
 * is an array of blocks of 256 entries, indexed by the block and the
 * destination's last byte. Each entry is one __u32, written with one aligned
 * store, so the program reads an old or a new entry, never a mix:
 *   0                 no route
 *   bit 31 set        (tbl24 only) routes longer than /24 lie in this /24:
 *                     bits 0..22 are its tbl8 block
 *   bit 30 set        a route: bits 0..15 its nexthop object (an index into
 *                     nexthops), bit 23 set when that object is a group
 *                     (ECMP, below), bits 24..29 its prefix length (0..32),
 *                     which the writer needs to know which route owns the entry
 */
#define V4VIA6_T24_TBL8	      (1U << 31)
#define V4VIA6_T24_GROUP_MASK 0x7fffffU
#define V4VIA6_E_VALID	      (1U << 30)
#define V4VIA6_E_LEN_SHIFT    24
#define V4VIA6_E_LEN_MASK     0x3fU
#define V4VIA6_E_NH_MASK      0xffffU
#define V4VIA6_E_NHGRP	      (1U << 23)
#define V4VIA6_E_NH(e)	      ((e)&V4VIA6_E_NH_MASK)
#define V4VIA6_E_LEN(e)	      (((e) >> V4VIA6_E_LEN_SHIFT) & V4VIA6_E_LEN_MASK)
#define V4VIA6_E_GROUP(e)     ((e)&V4VIA6_T24_GROUP_MASK)

/*
 * A destination MAC as one aligned 8-byte word: the loader writes it with one
 * store and the program reads it with one load, so a neighbour's new MAC
 * reaches every route through the nexthop at once and is never seen half
 * written.
 */
struct nh_mac {
	__u8 mac[6];
	__u8 known; /* 1: mac is the neighbour's; 0: ask the kernel (bpf_fib_lookup) */
	__u8 pad;
} __attribute__((aligned(8)));

/*
 * A nexthop object: value of the nexthops array, named by index by the
 * tbl24 and tbl8 entries (slot 0 is never a next hop). nh comes first: it is
 * the neighbour map's key for the slot. A throw route's slot holds ifindex
 * V4VIA6_IFINDEX_KERNEL. The egress interface's MAC and MTU come from the
 * egress array (one write when a link changes, whatever the number of
 * nexthops on it), the frame goes out through tx_ports[ifindex] (a DEVMAP
 * array). Slot 0's used is the loader's record of whether the tables agree
 * with the trie (clean/dirty).
 */
struct nexthop_slot {
	struct nexthop nh;
	__u32 used; /* 0 when free; else a count of the entries using it (loader/fib24.h) */
	struct nh_mac dmac; /* from the neighbour map, kept by the loader */
};

/*
 * ECMP: an entry with V4VIA6_E_NHGRP names a nexthop group, a nexthops slot
 * below V4VIA6_MAX_NHGRPS (those slots are kept for groups) whose buckets
 * are nh_groups[slot]. A group maps a flow hash to one of its members
 * through a table of buckets, as the kernel's resilient nexthop groups do:
 * each bucket holds a member's nexthop object index, members hold buckets in
 * proportion to their weights, and a member that goes away hands its buckets
 * to the others while every other bucket (every other flow) stays where it
 * is. A bucket is one aligned __u16 store: a packet sees the old or the new
 * member, never a torn group. A bucket of 0 (slot 0, whose ifindex is
 * V4VIA6_IFINDEX_KERNEL) passes the packet to the kernel: every member down.
 */
#define V4VIA6_MAX_NHGRPS     4096
#define V4VIA6_NHGRP_BUCKETS  256
#define V4VIA6_NHGRP_MAX_SIZE 32 /* members in one group */
#define V4VIA6_NH_MAX_WEIGHT  65535 /* the kernel's 16-bit group weights */

struct nh_group {
	__u16 bucket[V4VIA6_NHGRP_BUCKETS]; /* nexthop object indexes */
};

/*
 * Nexthop objects by id, as `ip nexthop` has them (map nh_defs, read by the
 * loader only: the source of truth of the groups, as the trie is of the
 * routes). A route that names one (`nhid N`, or several `nexthop via` of its
 * own) holds in the trie a struct nexthop with ifindex V4VIA6_IFINDEX_GROUP
 * and the def's key in addr; the tables name its group slot. Every route by
 * id goes through a group, one member or many, so that replacing a nexthop
 * or losing a link is one write per group, whatever the number of routes.
 */
#define V4VIA6_IFINDEX_GROUP 0xffffffffU
#define V4VIA6_MAX_NH_DEFS   16384

enum {
	V4VIA6_NH_NAMED = 0, /* `nexthop add id N`: the operator's or the kernel's id */
	V4VIA6_NH_ANON = 1, /* the next hops of a multipath route, an id of the loader's */
};

struct nh_key {
	__u32 id; /* host order; named: 1..2^32-1 */
	__u32 kind; /* V4VIA6_NH_NAMED or V4VIA6_NH_ANON */
};

struct nh_member {
	struct nexthop nh; /* the next hop, resolved (a group's member: its object's) */
	__u32 id; /* a group of objects: the member's id; else 0 */
	__u32 weight; /* 1..V4VIA6_NH_MAX_WEIGHT */
	__u32 flags; /* none yet: 0 */
};

#define V4VIA6_NHDEF_GROUP     0x1 /* `group N1,W/N2,W` (else one next hop, `via`) */
#define V4VIA6_NHDEF_SYNC      0x2 /* mirrored from the kernel by v4via6 sync */
#define V4VIA6_NHDEF_RESILIENT 0x4 /* the kernel's `type resilient` (ours always are) */

struct nh_def {
	__u32 n; /* members, 1..V4VIA6_NHGRP_MAX_SIZE */
	__u32 flags; /* V4VIA6_NHDEF_* */
	__u32 routes; /* routes in the trie naming it (V4VIA6_NH_ANON at 0: removed) */
	__u32 groups; /* one next hop: the groups (named) that have it as a member */
	struct nh_member m[V4VIA6_NHGRP_MAX_SIZE];
};

/*
 * The links that are down (map links_down, ifindex -> 1, loader only, kept
 * by sync from RTM_NEWLINK): their members have no bucket in any group.
 */

/* Per-nexthop counters: a per-CPU array indexed like nexthops. */
struct nh_stats {
	__u64 packets; /* forwarded through the nexthop */
	__u64 bytes;
};

/*
 * Value of the neighbour map: the MACs `v4via6 neigh` and sync set, read by
 * the loader only. It copies each into the nexthop objects of that next hop.
 */
struct neigh {
	__u8 mac[6]; /* the next hop's link-layer address */
	__u16 pad;
};

/*
 * Value of the egress array, indexed by ifindex: what the program needs to
 * know of an interface it sends on, and the MAC of one it receives on. The
 * loader writes it on attach and keeps it current (v4via6 sync follows
 * RTM_NEWLINK); reading it costs one inlined array lookup where bpf_check_mtu
 * would cost a helper call and a device lookup per packet. mtu 0: the
 * interface is not attached.
 */
struct egress {
	__u8 mac[6]; /* source MAC of frames sent on this interface */
	__u16 pad;
	__u32 mtu; /* L3 MTU: the largest IPv4 total length sent unfragmented; 0: not attached */
};

/*
 * Forwarding counters, one set per CPU in a BPF_MAP_TYPE_PERCPU_ARRAY with a
 * single entry, so that `bpftool map dump` prints each by name. Every frame the
 * program sees moves rx_packets and exactly one outcome counter: fwd_packets or
 * one pass_* counter. fwd_fib counts the forwarded frames whose MAC came from
 * the kernel, and moves together with fwd_packets.
 */
struct fwd_stats {
	__u64 rx_packets; /* every frame seen */
	__u64 rx_bytes;
	__u64 fwd_packets; /* XDP_REDIRECT: forwarded by the fast path */
	__u64 fwd_bytes;
	__u64 fwd_fib; /* of fwd_packets: next hop MAC from the kernel (bpf_fib_lookup) */
	/* XDP_PASS, each for one reason: */
	__u64 pass_not_ipv4; /* IPv6, ARP, anything not IPv4 */
	__u64 pass_vlan; /* 802.1Q / 802.1ad tagged */
	__u64 pass_l2_multicast; /* destination MAC is multicast or broadcast */
	__u64 pass_l2_other_host; /* destination MAC is not the ingress interface's */
	__u64 pass_truncated; /* shorter than Ethernet + IPv4 header */
	__u64 pass_bad_header; /* version != 4, IHL < 5, bad total length */
	__u64 pass_bad_csum; /* IPv4 header checksum wrong */
	__u64 pass_options; /* IHL > 5: the kernel handles IP options */
	__u64 pass_martian; /* multicast, broadcast, loopback, 0/8, 169.254/16, 240/4 */
	__u64 pass_no_route; /* no matching prefix */
	__u64 pass_throw; /* a prefix left to the kernel: V4VIA6_IFINDEX_KERNEL (route throw) */
	__u64 pass_ttl; /* TTL <= 1: the kernel sends ICMP time exceeded */
	__u64 pass_mtu; /* larger than the egress MTU: ICMP frag-needed or fragmentation */
	__u64 pass_no_neigh; /* next hop MAC unknown: the kernel resolves it */
	__u64 pass_no_egress; /* egress interface not attached (not in tx_ports/egress) */
};

/* The single key of the stats map. */
#define V4VIA6_STATS_KEY 0

/*
 * Counters per ingress interface, in a BPF_MAP_TYPE_PERCPU_ARRAY indexed by
 * ifindex: an array lookup is inlined by the verifier, where a hash would cost
 * a call. ifindexes 1 .. V4VIA6_MAX_IFINDEX - 1 have their own slot. A larger
 * ifindex (a namespace that made and removed many devices) counts in slot 0,
 * the catch-all: ifindex 0 is never a device, so slot 0 is otherwise unused.
 * Every frame moves rx and either fwd or pass; the reasons for passing are
 * counted only globally, in struct fwd_stats.
 */
#define V4VIA6_MAX_IFINDEX    1024
#define V4VIA6_IFINDEX_OTHERS 0 /* the catch-all slot */

struct if_stats {
	__u64 rx_packets; /* every frame received on the interface */
	__u64 rx_bytes;
	__u64 fwd_packets; /* of those, forwarded by the fast path (XDP_REDIRECT) */
	__u64 fwd_bytes;
	__u64 pass_packets; /* of those, handed to the kernel (XDP_PASS), for any reason */
};

#endif /* V4VIA6_H */
