/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flow hash that picks an ECMP member: source, destination and protocol,
 * and for TCP and UDP that are not fragments the ports. A fragment (the first
 * one included: it has MF set) hashes on addresses and protocol only, so that
 * every fragment of a datagram takes one path. The mix is lookup3's final(),
 * as the kernel's jhash_3words: every input bit reaches every output bit, so
 * the group may take the hash's high bits.
 */
#ifndef V4VIA6_FLOWHASH_H
#define V4VIA6_FLOWHASH_H

#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>

#define FLOWHASH_ROL(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
#define FLOWHASH_INIT	   0xdeadbeefU /* lookup3's initial value */

static __always_inline __u32 flowhash_final(__u32 a, __u32 b, __u32 c)
{
	c ^= b;
	c -= FLOWHASH_ROL(b, 14);
	a ^= c;
	a -= FLOWHASH_ROL(c, 11);
	b ^= a;
	b -= FLOWHASH_ROL(a, 25);
	c ^= b;
	c -= FLOWHASH_ROL(b, 16);
	a ^= c;
	a -= FLOWHASH_ROL(c, 4);
	b ^= a;
	b -= FLOWHASH_ROL(a, 14);
	c ^= b;
	c -= FLOWHASH_ROL(b, 24);
	return c;
}

/* iph: a 20-byte header already checked against data_end. */
static __always_inline __u32 flowhash(const struct iphdr *iph, const void *data_end, __u32 seed)
{
	__u32 init = FLOWHASH_INIT + seed, l4 = iph->protocol;
	const __u16 *ports = (const __u16 *)(iph + 1); /* 2-byte aligned in the frame */

	/* IP_MF | IP_OFFSET: any fragment */
	if ((iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) &&
	    !(iph->frag_off & bpf_htons(0x3fff)) && (const void *)(ports + 2) <= data_end)
		l4 ^= (__u32)ports[0] << 16 ^ ports[1] << 8;
	return flowhash_final(init + iph->saddr, init + iph->daddr, init + l4);
}

#endif /* V4VIA6_FLOWHASH_H */
