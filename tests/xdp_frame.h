/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frames for the XDP unit tests: built from a description, and the frame a
 * correct router would send, built here without any of the program's code.
 * The IPv4 checksum is always recomputed from scratch (RFC 1071), never
 * updated incrementally as the program does, so the two cannot share a bug.
 */
#ifndef XDP_FRAME_H
#define XDP_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_ether.h>

#define FRAME_MAX 2048
#define IP_OFF	  ETH_HLEN /* the IPv4 header of an untagged frame */

struct frame {
	uint8_t data[FRAME_MAX];
	size_t len;
};

/*
 * What a test frame looks like. Start from FRAME_SPEC(), which gives a valid
 * UDP-in-IPv4 frame sent to the router, and override fields; the sentinels
 * (-1) mean "whatever makes the frame valid".
 */
struct frame_spec {
	uint8_t dmac[ETH_ALEN];
	uint8_t smac[ETH_ALEN];
	uint16_t vlan_tpid; /* 0: untagged; else one tag with this TPID before the ethertype */
	uint16_t ethertype;
	uint8_t version;
	uint8_t ihl; /* options, when > 5, are NOPs */
	uint8_t tos;
	uint8_t ttl;
	uint8_t proto;
	uint16_t id;
	uint16_t frag_off; /* flags and offset, as on the wire but in host order */
	const char *saddr;
	const char *daddr;
	size_t payload; /* bytes after the IPv4 header */
	size_t pad; /* Ethernet padding after the IPv4 packet */
	long tot_len; /* -1: header + payload */
	long check; /* -1: the right checksum; else this value */
	long want_check; /* >= 0: choose the ID so that the right checksum is this value */
	long cut; /* >= 0: the frame is cut to this many bytes */
};

/* clang-format off */
#define ROUTER_MAC {0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
#define SENDER_MAC {0x02, 0x00, 0x00, 0x00, 0x00, 0xaa}

#define FRAME_SPEC(...)                                                                        \
	{                                                                                      \
		.dmac = ROUTER_MAC, .smac = SENDER_MAC, .ethertype = ETH_P_IP, .version = 4,   \
		.ihl = 5, .ttl = 64, .proto = 17, .id = 0x1234, .saddr = "192.0.2.1",          \
		.daddr = "10.1.1.1", .payload = 32, .tot_len = -1, .check = -1,                \
		.want_check = -1, .cut = -1, __VA_ARGS__                                       \
	}
/* clang-format on */

static uint32_t parse_ip4(const char *s)
{
	unsigned int a, b, c, d;

	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 || b > 255 || c > 255 ||
	    d > 255) {
		fprintf(stderr, "v4via6: test: bad IPv4 address %s\n", s);
		return 0;
	}
	return a << 24 | b << 16 | c << 8 | d;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* RFC 1071: the one's complement of the one's complement sum of the 16-bit big-endian words. */
static uint16_t csum_rfc1071(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The checksum an IPv4 header of hlen bytes must carry: computed with the field zeroed. */
static uint16_t ip_csum_of(const uint8_t *ip, size_t hlen)
{
	uint8_t hdr[60];

	memcpy(hdr, ip, hlen);
	put16(hdr + 10, 0);
	return csum_rfc1071(hdr, hlen);
}

static size_t spec_hlen(const struct frame_spec *s)
{
	return (s->ihl >= 5 ? s->ihl : 5) * 4;
}

static void frame_build(struct frame *f, const struct frame_spec *s)
{
	size_t hlen = spec_hlen(s), l3 = ETH_HLEN, i;
	uint8_t *ip;
	uint16_t id;

	memset(f, 0, sizeof(*f));
	memcpy(f->data, s->dmac, ETH_ALEN);
	memcpy(f->data + ETH_ALEN, s->smac, ETH_ALEN);
	if (s->vlan_tpid) {
		put16(f->data + 12, s->vlan_tpid);
		put16(f->data + 14, 100); /* VLAN ID 100 */
		l3 += 4;
	}
	put16(f->data + l3 - 2, s->ethertype);
	ip = f->data + l3;
	ip[0] = s->version << 4 | (s->ihl & 0xf);
	ip[1] = s->tos;
	put16(ip + 2, s->tot_len >= 0 ? s->tot_len : hlen + s->payload);
	put16(ip + 4, s->id);
	put16(ip + 6, s->frag_off);
	ip[8] = s->ttl;
	ip[9] = s->proto;
	put32(ip + 12, parse_ip4(s->saddr));
	put32(ip + 16, parse_ip4(s->daddr));
	memset(ip + 20, 1, hlen - 20); /* IP option NOP */
	for (i = 0; i < s->payload; i++)
		ip[hlen + i] = i * 7 + 3;
	memset(ip + hlen + s->payload, 0xa5, s->pad);
	f->len = l3 + hlen + s->payload + s->pad;

	if (s->want_check >= 0) {
		/* The ID is one free 16-bit word of the sum: one of its values gives any checksum.
		 */
		for (id = 0;; id++) {
			put16(ip + 4, id);
			if (ip_csum_of(ip, hlen) == s->want_check || id == 0xffff)
				break;
		}
	}
	put16(ip + 10, s->check >= 0 ? s->check : ip_csum_of(ip, hlen));
	if (s->cut >= 0 && (size_t)s->cut < f->len)
		f->len = s->cut;
}

/*
 * What a router sends for an untagged IPv4 frame with a 20-byte header: new
 * MACs, TTL one less, the checksum recomputed, every other byte unchanged
 * (Ethernet padding included).
 */
static void frame_forwarded(struct frame *out, const struct frame *in, const uint8_t *dmac,
			    const uint8_t *smac)
{
	uint8_t *ip = out->data + IP_OFF;

	*out = *in;
	memcpy(out->data, dmac, ETH_ALEN);
	memcpy(out->data + ETH_ALEN, smac, ETH_ALEN);
	ip[8]--;
	put16(ip + 10, ip_csum_of(ip, 20));
}

/*
 * Prints a frame as hex, 32 bytes a line, indented under a FAIL line; '*'
 * marks where it differs from b. Past the first 64 bytes (the headers), only
 * lines with a difference are printed.
 */
static void frame_dump(FILE *o, const char *what, const struct frame *a, const struct frame *b)
{
	size_t i, j;
	bool differs;

	fprintf(o, "    %s (%zu bytes):\n", what, a->len);
	for (i = 0; i < a->len; i += 32) {
		differs = false;
		for (j = i; j < i + 32 && j < a->len; j++)
			differs |= b && (j >= b->len || b->data[j] != a->data[j]);
		if (i >= 64 && !differs && (b || i + 32 < a->len))
			continue;
		fprintf(o, "     %4zu:", i);
		for (j = i; j < i + 32 && j < a->len; j++)
			fprintf(o, "%c%02x",
				b && (j >= b->len || b->data[j] != a->data[j]) ? '*' : ' ',
				a->data[j]);
		fprintf(o, "\n");
	}
}

#endif /* XDP_FRAME_H */
