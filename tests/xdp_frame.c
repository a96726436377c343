// SPDX-License-Identifier: GPL-2.0-only
/*
 * The XDP unit tests' frames (see xdp_frame.h): built from a description, and
 * the frame a correct router would send, with none of the program's code.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_ether.h>

#include "xdp_frame.h"

uint32_t parse_ip4(const char *s)
{
	unsigned int a, b, c, d;

	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 || b > 255 || c > 255 ||
	    d > 255) {
		fprintf(stderr, "v4via6: test: bad IPv4 address %s\n", s);
		return 0;
	}
	return a << 24 | b << 16 | c << 8 | d;
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

uint16_t csum_rfc1071(const uint8_t *p, size_t len)
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

uint16_t ip_csum_of(const uint8_t *ip, size_t hlen)
{
	uint8_t hdr[60];

	memcpy(hdr, ip, hlen);
	put16(hdr + 10, 0);
	return csum_rfc1071(hdr, hlen);
}

size_t spec_hlen(const struct frame_spec *s)
{
	return (s->ihl >= 5 ? s->ihl : 5) * 4;
}

void frame_build(struct frame *f, const struct frame_spec *s)
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

void frame_forwarded(struct frame *out, const struct frame *in, const uint8_t *dmac,
		     const uint8_t *smac)
{
	uint8_t *ip = out->data + IP_OFF;

	*out = *in;
	memcpy(out->data, dmac, ETH_ALEN);
	memcpy(out->data + ETH_ALEN, smac, ETH_ALEN);
	ip[8]--;
	put16(ip + 10, ip_csum_of(ip, 20));
}

void frame_dump(FILE *o, const char *what, const struct frame *a, const struct frame *b)
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
