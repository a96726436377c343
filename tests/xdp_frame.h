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

/* A dotted quad in host order; 0, with a message, when s is not one. */
uint32_t parse_ip4(const char *s);
/* Big-endian fields of a frame. */
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
uint16_t get16(const uint8_t *p);
uint32_t get32(const uint8_t *p);
/* RFC 1071: the one's complement of the one's complement sum of the 16-bit big-endian words. */
uint16_t csum_rfc1071(const uint8_t *p, size_t len);
/* The checksum an IPv4 header of hlen bytes must carry: computed with the field zeroed. */
uint16_t ip_csum_of(const uint8_t *ip, size_t hlen);
/* The length of the IPv4 header s describes (20 bytes when its IHL is below 5). */
size_t spec_hlen(const struct frame_spec *s);
void frame_build(struct frame *f, const struct frame_spec *s);
/*
 * What a router sends for an untagged IPv4 frame with a 20-byte header: new
 * MACs, TTL one less, the checksum recomputed, every other byte unchanged
 * (Ethernet padding included).
 */
void frame_forwarded(struct frame *out, const struct frame *in, const uint8_t *dmac,
		     const uint8_t *smac);
/*
 * Prints a frame as hex, 32 bytes a line, indented under a FAIL line; '*'
 * marks where it differs from b. Past the first 64 bytes (the headers), only
 * lines with a difference are printed.
 */
void frame_dump(FILE *o, const char *what, const struct frame *a, const struct frame *b);

#endif /* XDP_FRAME_H */
