/* SPDX-License-Identifier: GPL-2.0-only */
/* IPv4 header checks and rewrites for the v4via6 XDP program. */
#ifndef V4VIA6_IPV4_H
#define V4VIA6_IPV4_H

#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* True when the 20-byte header (no options) sums to 0xffff, i.e. its checksum is right. */
static __always_inline int ipv4_csum_ok(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * Addresses a router never forwards (RFC 1812 5.3.7, and the kernel's martian
 * checks in ip_route_input_slow): multicast and limited broadcast have no
 * unicast next hop, 0/8 and 127/8 are never valid on the wire. Also left to
 * the kernel: 169.254/16, link-local (RFC 3927 2.7: a router must not forward
 * it), and 240/4, reserved (RFC 1112 4; Linux routes it as unicast, so the
 * kernel's routes decide). One compare covers 224/3: multicast, 240/4 and
 * 255.255.255.255. The kernel drops and logs the martians; the fast path only
 * ever leaves them to it.
 */
static __always_inline int ipv4_martian_addr(__u32 a)
{
	return a >= 0xe0000000 || (a >> 24) == 0 || (a >> 24) == 127 || (a >> 16) == 0xa9fe;
}

static __always_inline int ipv4_martian(__be32 saddr, __be32 daddr)
{
	return ipv4_martian_addr(bpf_ntohl(saddr)) || ipv4_martian_addr(bpf_ntohl(daddr));
}

/* from the kernel's include/net/ip.h: TTL - 1 with the checksum updated incrementally (RFC 1624) */
static __always_inline void ip_decrease_ttl(struct iphdr *iph)
{
	__u32 check = iph->check;

	check += bpf_htons(0x0100);
	iph->check = (__u16)(check + (check >= 0xFFFF));
	iph->ttl--;
}

#endif /* V4VIA6_IPV4_H */
