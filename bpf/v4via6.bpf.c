// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6: forward IPv4 to IPv6 next hops (RFC 8950 / RFC 5549) in XDP.
 *
 * Each IPv4 destination is looked up DIR-24-8 style: the tbl24 entry of its
 * /24, or for a /24 that holds longer routes the entry of its tbl8 block,
 * names a nexthop object (an IPv6 next hop, an egress interface and the next
 * hop's MAC when known); the routes LPM trie is the loader's source of truth
 * and never walked here. The next hop's MAC comes from the nexthop object, or
 * from the kernel (bpf_fib_lookup) when the loader knows none.
 * The frame gets new MACs and TTL - 1 and is redirected. Everything else goes
 * to the kernel untouched (XDP_PASS), which then does what a router does: ICMP
 * errors, fragmentation, neighbour discovery, IP options.
 *
 * The GPL licence is required: bpf_fib_lookup is a GPL-only helper.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "v4via6.h"
#include "maps.h"
#include "ipv4.h"
#include "flowhash.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* Count the reason and hand the frame, unmodified, to the kernel. */
#define PASS(st, reason)        \
	({                      \
		(st)->reason++; \
		XDP_PASS;       \
	})

/* In 16-bit words: frame data is only 2-byte aligned (NET_IP_ALIGN). */
static __always_inline int mac_eq(const __u8 *a, const __u8 *b)
{
	const __u16 *x = (const __u16 *)a, *y = (const __u16 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2];
}

static __always_inline int addr6_eq(const __u8 *a, const __u32 *b)
{
	const __u32 *x = (const __u32 *)a;

	return x[0] == b[0] && x[1] == b[1] && x[2] == b[2] && x[3] == b[3];
}

/*
 * The next hop's MAC when the neighbour map has none: the kernel resolves an
 * IPv4 route with an IPv6 gateway through its IPv6 neighbour table. (An
 * AF_INET6 lookup of a fe80:: next hop always fails: link-local addresses are
 * never forwarded.) The answer is used only when the kernel's route agrees with
 * ours on egress and gateway; otherwise its MAC would belong to another next hop.
 */
static __always_inline int resolve_via_fib(struct xdp_md *ctx, const struct iphdr *iph,
					   const struct nexthop *nh, __u8 *mac)
{
	struct bpf_fib_lookup fib = {};
	long rc;

	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	fib.tot_len = bpf_ntohs(iph->tot_len);
	fib.ipv4_src = iph->saddr;
	fib.ipv4_dst = iph->daddr;
	fib.ifindex = ctx->ingress_ifindex;

	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || fib.family != AF_INET6 ||
	    fib.ifindex != nh->ifindex || !addr6_eq(nh->addr, fib.ipv6_dst))
		return 0;
	__builtin_memcpy(mac, fib.dmac, ETH_ALEN);
	return 1;
}

/*
 * The nexthop object of the destination's longest matching prefix, NULL for
 * none; *idx its index. Array lookups only, each inlined by the verifier: the
 * tbl24 entry of the destination's /24, and for a /24 that holds longer
 * routes, the entry of its tbl8 block. The trie walk this replaces cost 2.6 us
 * a packet at 1M routes with spread traffic.
 */
static __always_inline const struct nexthop_slot *lookup_route(const struct iphdr *iph,
								const void *data_end, __u32 *idx)
{
	const struct nh_group *g;
	const struct fib_block *b;
	__u32 d = bpf_ntohl(iph->daddr), k = d >> 16, e, zero = 0;
	const __u32 *seed;

	b = bpf_map_lookup_elem(&tbl24, &k);
	if (!b) /* cannot happen: k < 2^16 */
		return NULL;
	/* one load: the entry may change under us, never half */
	e = *(volatile const __u32 *)&b->e[(d >> 8) & 0xff];
	if (e & V4VIA6_T24_TBL8) {
		k = V4VIA6_E_GROUP(e);
		b = bpf_map_lookup_elem(&tbl8, &k);
		if (!b) /* a block beyond the pool: only a hand-written entry says so */
			return NULL;
		e = *(volatile const __u32 *)&b->e[d & 0xff];
	}
	if (!(e & V4VIA6_E_VALID))
		return NULL;
	*idx = V4VIA6_E_NH(e);
	if (e & V4VIA6_E_NHGRP) {
		/* ECMP: the flow's bucket names the member (include/v4via6.h) */
		g = bpf_map_lookup_elem(&nh_groups, idx);
		seed = bpf_map_lookup_elem(&hash_seed, &zero);
		if (!g || !seed) /* a group beyond the map: only a hand-written entry says so */
			return NULL;
		/* the hash's top byte: 256 buckets, not its low bits */
		*idx = *(volatile const __u16 *)&g->bucket[flowhash(iph, data_end, *seed) >> 24];
	}
	return bpf_map_lookup_elem(&nexthops, idx);
}

static __always_inline int forward(struct xdp_md *ctx, struct fwd_stats *st)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	const struct nexthop_slot *slot;
	const struct egress *eg, *in;
	struct nh_stats *ns __attribute__((unused));
	struct iphdr *iph;
	union {
		__u64 word;
		struct nh_mac m;
	} dst;
	__u32 tot_len, ingress, idx = 0, len;
	int from_fib = 0;

	if ((void *)(eth + 1) > data_end)
		return PASS(st, pass_truncated);
	if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD))
		return PASS(st, pass_vlan);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return PASS(st, pass_not_ipv4);
	/* A router forwards only frames sent to it (the kernel: pkt_type PACKET_HOST). */
	if (eth->h_dest[0] & 1)
		return PASS(st, pass_l2_multicast);
	/*
	 * Nor to another host: veth, and a NIC in promiscuous mode (bridge port,
	 * tcpdump), deliver unicast frames for other MACs as well. The kernel
	 * drops those (PACKET_OTHERHOST); forwarding them would duplicate another
	 * host's traffic. The loader writes the MAC of every attached interface
	 * into the egress array; with no entry there is nothing to compare with.
	 */
	ingress = ctx->ingress_ifindex;
	in = bpf_map_lookup_elem(&egress, &ingress);
	if (in && in->mtu && !mac_eq(eth->h_dest, in->mac))
		return PASS(st, pass_l2_other_host);

	/* RFC 1812 5.2.2: the checks a router makes before forwarding. */
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return PASS(st, pass_truncated);
	if (iph->version != 4 || iph->ihl < 5)
		return PASS(st, pass_bad_header);
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < (__u32)iph->ihl * 4 || (void *)iph + tot_len > data_end)
		return PASS(st, pass_bad_header);
	if (iph->ihl != 5)
		return PASS(st, pass_options);
	if (!ipv4_csum_ok(iph))
		return PASS(st, pass_bad_csum);
	if (ipv4_martian(iph->saddr, iph->daddr))
		return PASS(st, pass_martian);

	slot = lookup_route(iph, data_end, &idx);
	if (!slot)
		return PASS(st, pass_no_route);
	/* A throw route: the kernel routes this prefix otherwise (IPv4 gateway, local, ...). */
	if (slot->nh.ifindex == V4VIA6_IFINDEX_KERNEL)
		return PASS(st, pass_throw);
	if (iph->ttl <= 1)
		return PASS(st, pass_ttl);
	eg = bpf_map_lookup_elem(&egress, &slot->nh.ifindex);
	if (!eg || !eg->mtu)
		return PASS(st, pass_no_egress);
	/*
	 * The frame goes out whole, with whatever follows the IPv4 packet
	 * (Ethernet padding, or junk): all of it must fit the egress MTU, not
	 * only tot_len. The kernel trims what follows before it forwards.
	 */
	len = data_end - data;
	if (len - ETH_HLEN > eg->mtu)
		return PASS(st, pass_mtu);

	/* one load: a neighbour's new MAC is written in one store */
	dst.word = *(volatile const __u64 *)&slot->dmac;
	if (!dst.m.known) {
		if (!resolve_via_fib(ctx, iph, &slot->nh, dst.m.mac))
			return PASS(st, pass_no_neigh);
		from_fib = 1;
	}

	/*
	 * Redirect before rewriting: bpf_redirect_map only records the target,
	 * and if the interface is not in tx_ports it returns XDP_PASS, and the
	 * kernel must then get the frame as it arrived.
	 */
	if (bpf_redirect_map(&tx_ports, slot->nh.ifindex, XDP_PASS) != XDP_REDIRECT)
		return PASS(st, pass_no_egress);

	__builtin_memcpy(eth->h_dest, dst.m.mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eg->mac, ETH_ALEN);
	ip_decrease_ttl(iph);
	st->fwd_packets++;
	st->fwd_bytes += len;
	st->fwd_fib += from_fib;
#ifndef V4VIA6_NO_NH_STATS /* the bench's variant without them, to measure their cost */
	ns = bpf_map_lookup_elem(&nh_stats, &idx);
	if (ns) {
		ns->packets++;
		ns->bytes += len;
	}
#endif
	return XDP_REDIRECT;
}

SEC("xdp")
int v4via6_xdp(struct xdp_md *ctx)
{
	__u32 key = V4VIA6_STATS_KEY, len = ctx->data_end - ctx->data;
	__u32 ifindex = ctx->ingress_ifindex;
	struct if_stats *ifs;
	struct fwd_stats *st;
	int verdict;

	st = bpf_map_lookup_elem(&stats, &key);
	if (!st) /* cannot happen: an array always has its entry; keeps the verifier content */
		return XDP_PASS;
	st->rx_packets++;
	st->rx_bytes += len;
	if (ifindex >= V4VIA6_MAX_IFINDEX)
		ifindex = V4VIA6_IFINDEX_OTHERS;
	ifs = bpf_map_lookup_elem(&if_stats, &ifindex);
	verdict = forward(ctx, st);
	/* the program never resizes the frame: len is also what goes out */
	if (ifs) {
		ifs->rx_packets++;
		ifs->rx_bytes += len;
		if (verdict == XDP_REDIRECT) {
			ifs->fwd_packets++;
			ifs->fwd_bytes += len;
		} else {
			ifs->pass_packets++;
		}
	}
	return verdict;
}

char _license[] SEC("license") = "GPL";
