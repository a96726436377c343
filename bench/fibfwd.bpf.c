// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference forwarder of the benchmarks: it asks the kernel's FIB for every
 * packet, as xdp-tools' xdp-forward and the kernel's xdp_fwd sample do. An
 * IPv4 route with an IPv6 gateway resolves through the kernel's IPv6
 * neighbour table (the lookup returns family AF_INET6 and the MACs), so this
 * forwards IPv4 via IPv6 next hops too. It is a baseline, not part of v4via6:
 * it checks less (no IPv4 checksum, no martians) and counts nothing.
 *
 * GPL: bpf_fib_lookup is a GPL-only helper.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ipv4.h"

#ifndef AF_INET
#define AF_INET 2
#endif

/* ifindex -> ifindex of the interfaces frames may leave by; filled by the bench. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

SEC("xdp")
int fibfwd_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = {};
	struct ethhdr *eth = data;
	struct iphdr *iph;
	long rc;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	/* The kernel sends the ICMP time exceeded. */
	if (iph->ttl <= 1)
		return XDP_PASS;

	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	fib.tot_len = bpf_ntohs(iph->tot_len);
	fib.ipv4_src = iph->saddr;
	fib.ipv4_dst = iph->daddr;
	fib.ifindex = ctx->ingress_ifindex;

	/*
	 * Anything but SUCCESS (no route, neighbour not resolved, forwarding
	 * off, needs fragmenting, local delivery) is the kernel's to handle.
	 */
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS;

	/* Redirect first: a frame the kernel gets back must be unmodified. */
	if (bpf_redirect_map(&tx_ports, fib.ifindex, XDP_PASS) != XDP_REDIRECT)
		return XDP_PASS;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	ip_decrease_ttl(iph);
	return XDP_REDIRECT;
}

char _license[] SEC("license") = "GPL";
