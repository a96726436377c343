// SPDX-License-Identifier: GPL-2.0-only
/* The randomized test and its reference classifier (see xdp_fuzz.h). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "check.h"
#include "xdp_frame.h"
#include "xdp_world.h"
#include "xdp_run.h"
#include "xdp_fuzz.h"

size_t fuzz_frames = FUZZ_FRAMES;

#define FUZZ_SHOWN 3 /* mismatching frames dumped under the FAIL line */

/* What must happen to a frame. */
struct ref {
	__u32 verdict;
	size_t outcome;
	bool fib;
	uint8_t dmac[ETH_ALEN];
	enum iface_id via;
};

static bool hop_eq(const struct w_hop *a, const struct w_hop *b)
{
	uint8_t x[16], y[16];

	inet_pton(AF_INET6, a->gw, x);
	inet_pton(AF_INET6, b->gw, y);
	return a->iface == b->iface && !memcmp(x, y, sizeof(x));
}

static const struct w_neigh *ref_neigh(const struct w_neigh *tab, size_t n, const struct w_hop *h)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (hop_eq(&tab[i].hop, h))
			return &tab[i];
	return NULL;
}

/* Longest prefix match by scanning the table. */
static const struct w_route *ref_route(uint32_t dst, bool with_default)
{
	const struct w_route *best = with_default ? &w_default : NULL;
	size_t i;

	for (i = 0; i < w_n_routes; i++) {
		const struct w_route *r = &w_routes[i];
		uint32_t mask = r->plen ? 0xffffffffu << (32 - r->plen) : 0;

		if ((dst & mask) == parse_ip4(r->prefix) && (!best || r->plen > best->plen))
			best = r;
	}
	return best;
}

/*
 * RFC 1812 5.3.7 and the kernel's martian checks: 0/8, 127/8, 224/4,
 * 255.255.255.255; RFC 3927 2.7: 169.254/16; reserved: 240/4.
 */
static bool ref_martian(uint32_t a)
{
	return a < 0x01000000 || (a >= 0x7f000000 && a <= 0x7fffffff) ||
	       (a >= 0xa9fe0000 && a <= 0xa9feffff) || (a >= 0xe0000000 && a <= 0xefffffff) ||
	       (a >= 0xf0000000 && a <= 0xfffffffe) || a == 0xffffffff;
}

/* What the kernel's FIB says for dst: only the /32 routes of w_kroutes exist there. */
static const struct w_kroute *ref_kroute(uint32_t dst)
{
	size_t i;

	for (i = 0; i < w_n_kroutes; i++)
		if (parse_ip4(w_kroutes[i].dst) == dst)
			return &w_kroutes[i];
	return NULL;
}

#define REF_PASS(r, reason)                 \
	do {                                \
		(r)->outcome = OUT(reason); \
		return;                     \
	} while (0)

static void ref_classify(const struct frame *f, bool with_default, struct ref *r)
{
	const uint8_t *p = f->data, *ip = p + IP_OFF;
	const struct w_neigh *n, *kn;
	const struct w_kroute *kr;
	const struct w_route *rt;
	unsigned int type, ihl, tot;
	uint32_t src, dst;

	memset(r, 0, sizeof(*r));
	r->verdict = XDP_PASS;
	if (f->len < ETH_HLEN)
		REF_PASS(r, pass_truncated);
	type = get16(p + 12);
	if (type == ETH_P_8021Q || type == ETH_P_8021AD)
		REF_PASS(r, pass_vlan);
	if (type != ETH_P_IP)
		REF_PASS(r, pass_not_ipv4);
	if (p[0] & 1) /* the group bit: multicast or broadcast */
		REF_PASS(r, pass_l2_multicast);
	if (memcmp(p, w_ifaces[IF_IN].mac, ETH_ALEN))
		REF_PASS(r, pass_l2_other_host);
	if (f->len < ETH_HLEN + 20)
		REF_PASS(r, pass_truncated);
	ihl = ip[0] & 0xf;
	tot = get16(ip + 2);
	if (ip[0] >> 4 != 4 || ihl < 5 || tot < ihl * 4 || ETH_HLEN + tot > f->len)
		REF_PASS(r, pass_bad_header);
	if (ihl > 5)
		REF_PASS(r, pass_options);
	if (csum_rfc1071(ip, 20) != 0)
		REF_PASS(r, pass_bad_csum);
	src = get32(ip + 12);
	dst = get32(ip + 16);
	if (ref_martian(src) || ref_martian(dst))
		REF_PASS(r, pass_martian);
	rt = ref_route(dst, with_default);
	if (!rt)
		REF_PASS(r, pass_no_route);
	if (rt->hop.iface == IF_KERNEL)
		REF_PASS(r, pass_throw);
	if (ip[8] <= 1)
		REF_PASS(r, pass_ttl);
	if (!w_ifaces[rt->hop.iface].egress)
		REF_PASS(r, pass_no_egress);
	if (f->len - ETH_HLEN > W_MTU) /* the whole frame goes out, not only tot_len */
		REF_PASS(r, pass_mtu);
	n = ref_neigh(w_neighs, w_n_neighs, &rt->hop);
	if (!n) {
		/* the kernel's MAC counts only when the kernel routes to the same next hop */
		kr = ref_kroute(dst);
		if (!kr || !hop_eq(&kr->hop, &rt->hop))
			REF_PASS(r, pass_no_neigh);
		kn = ref_neigh(w_kneighs, w_n_kneighs, &kr->hop);
		if (!kn)
			REF_PASS(r, pass_no_neigh);
		n = kn;
		r->fib = true;
	}
	if (!w_ifaces[rt->hop.iface].tx_port)
		REF_PASS(r, pass_no_egress);
	r->verdict = XDP_REDIRECT;
	r->outcome = OUT(fwd_packets);
	memcpy(r->dmac, n->mac, ETH_ALEN);
	r->via = rt->hop.iface;
}

/* splitmix64: small, and the same sequence everywhere for a seed */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint64_t *s, uint32_t n)
{
	return rnd(s) % n;
}

/* clang-format off */
static const char *const fuzz_dsts[] = {
	"10.1.1.1", "10.2.2.9", "10.2.3.1", "20.1.2.3", "20.1.2.4", "20.1.3.1", "20.2.0.1",
	"10.20.0.1", "10.20.0.1", "10.20.0.2", "10.20.0.3", "10.20.0.4", "10.20.0.5",
	"10.40.0.1", "10.30.0.1", "10.30.0.2", "10.50.0.9", "30.0.0.1", "10.20.0.6",
	"10.60.0.9", "20.1.9.1",
	"224.0.0.5", "255.255.255.255", "127.0.0.1", "0.1.2.3", "240.0.0.1",
	"169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0", "239.255.255.255",
	"240.0.0.0", "255.255.255.254",
};

static const char *const fuzz_srcs[] = {
	"127.0.0.1", "224.0.0.1", "255.255.255.255", "0.0.0.0", "0.255.0.1", "239.1.1.1",
	"169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0", "240.0.0.0",
	"255.255.255.254",
};
/* clang-format on */

static void fuzz_frame(uint64_t *s, struct frame *f)
{
	static const uint16_t types[] = { ETH_P_IPV6, ETH_P_ARP, ETH_P_8021Q, ETH_P_8021AD,
					  0x0801 };
	static const uint8_t ttls[] = { 0, 1, 2, 255 };
	struct frame_spec sp = FRAME_SPEC();
	char dst[16], src[16];
	size_t i, hlen, n;
	uint8_t *ip;

	snprintf(dst, sizeof(dst), "%u.%u.%u.%u", below(s, 256), below(s, 256), below(s, 256),
		 below(s, 256));
	snprintf(src, sizeof(src), "%u.%u.%u.%u", below(s, 256), below(s, 256), below(s, 256),
		 below(s, 256));
	sp.daddr = below(s, 8) ? fuzz_dsts[below(s, ARRAY_SIZE(fuzz_dsts))] : dst;
	if (!below(s, 16))
		sp.saddr = below(s, 2) ? fuzz_srcs[below(s, ARRAY_SIZE(fuzz_srcs))] : src;
	sp.ttl = below(s, 4) ? below(s, 256) : ttls[below(s, ARRAY_SIZE(ttls))];
	sp.tos = below(s, 4) ? 0 : below(s, 256);
	sp.proto = below(s, 256);
	sp.id = below(s, 65536);
	sp.frag_off = below(s, 4) ? 0 : below(s, 65536);
	/* now and then around the MTU */
	sp.payload = below(s, 16) ? below(s, 120) : W_MTU - 20 - 3 + below(s, 6);
	sp.pad = below(s, 4) ? 0 : below(s, 40);
	if (!below(s, 16))
		sp.ihl = below(s, 16);
	if (!below(s, 16))
		sp.version = below(s, 16);
	if (!below(s, 16))
		sp.tot_len = below(s, 2) ? below(s, 65536) :
					   spec_hlen(&sp) + sp.payload + sp.pad + 3 - below(s, 7);
	if (!below(s, 16))
		sp.ethertype = types[below(s, ARRAY_SIZE(types))];
	if (!below(s, 32))
		sp.vlan_tpid = below(s, 2) ? ETH_P_8021Q : ETH_P_8021AD;
	if (!below(s, 16))
		for (i = 0; i < ETH_ALEN; i++)
			sp.dmac[i] = below(s, 256);
	if (!below(s, 16))
		sp.check = below(s, 65536);
	frame_build(f, &sp);

	if (!below(s, 4)) {
		/* flip bits, mostly in the headers, and often make the checksum right again */
		for (n = 1 + below(s, 3); n; n--) {
			i = below(s, f->len < 48 || below(s, 4) ? f->len : 48);
			f->data[i] ^= 1 << below(s, 8);
		}
		ip = f->data + IP_OFF;
		hlen = (ip[0] & 0xf) * 4;
		if (below(s, 2) && hlen >= 20 && IP_OFF + hlen <= f->len)
			put16(ip + 10, ip_csum_of(ip, hlen));
	}
	if (!below(s, 8)) {
		if (below(s, 2)) {
			f->len = below(s, f->len + 1);
		} else {
			for (n = below(s, 64); n && f->len < FRAME_MAX; n--)
				f->data[f->len++] = below(s, 256);
		}
	}
}

/* Checks one frame against the reference; returns false (and logs the first few) on mismatch. */
static bool fuzz_check(struct tlog *l, const struct world *w, const struct frame *in,
		       bool with_default, int *shown, struct fwd_stats *seen)
{
	struct frame expected;
	struct fwd_stats want;
	struct xdp_result r;
	struct tlog one;
	struct ref ref;
	const uint8_t *oip;
	int err;

	ref_classify(in, with_default, &ref);
	err = xdp_run(w, in, w_ifindex(IF_IN), &r);
	if (err) {
		tlog_fail(l, "BPF_PROG_TEST_RUN: %s", strerror(-err));
		return false;
	}
	tlog_begin(&one);
	expect_verdict(&one, r.verdict, ref.verdict);
	if (r.verdict == XDP_REDIRECT) {
		/* checked apart from the reference: what any redirected frame must be */
		oip = r.out.data + IP_OFF;
		if (r.out.len < ETH_HLEN + 20 || in->len != r.out.len) {
			ASSERT_EQ(r.out.len, in->len, "redirected frame length");
		} else {
			ASSERT_EQ(get16(r.out.data + 12), ETH_P_IP, "redirected ethertype");
			ASSERT_EQ(oip[8], in->data[IP_OFF + 8] - 1, "redirected TTL");
			ASSERT_EQ(csum_rfc1071(oip, 20), 0, "redirected header checksum verifies");
		}
	}
	if (ref.verdict == XDP_REDIRECT)
		frame_forwarded(&expected, in, ref.dmac, w_ifaces[ref.via].mac);
	else
		expected = *in;
	expect_frame(&one, &r.out, &expected);
	stats_expected(&want, in->len, ref.outcome, ref.fib);
	expect_stats(&one, &r.delta, &want);
	STAT_AT(seen, ref.outcome)++;
	seen->fwd_fib += ref.fib;

	tlog_close(&one);
	if (one.fails && (*shown)++ < FUZZ_SHOWN) {
		tlog_fail(l, "%s", one.first);
		fprintf(l->more, "%s", one.buf);
		frame_dump(l->more, "input", in, NULL);
	}
	free(one.buf);
	return !one.fails;
}

bool fuzz_run(const struct world *w, unsigned long long seed)
{
	struct fwd_stats seen = {};
	uint64_t s = seed;
	struct tlog l;
	struct frame f;
	int bad = 0, shown = 0, err;
	bool with_default;
	char name[80];
	size_t i;

	tlog_begin(&l);
	for (i = 0; i < fuzz_frames; i++) {
		/* the second half with a default route: "no route" becomes "forward" */
		with_default = i >= fuzz_frames / 2;
		if (i == fuzz_frames / 2 && (err = w_route_set(w, &w_default, true))) {
			tlog_fail(&l, "adding the default route: %s", strerror(-err));
			break;
		}
		fuzz_frame(&s, &f);
		bad += !fuzz_check(&l, w, &f, with_default, &shown, &seen);
		if (l.fails && !shown) /* the harness itself failed */
			break;
	}
	w_route_set(w, &w_default, false);
	if (bad)
		tlog_fail(&l, "%d of %zu frames differ from the reference (first %d shown)", bad, i,
			  FUZZ_SHOWN);
	/* a randomized test that never reaches an outcome proves nothing about it */
	for (i = 0; i < n_stat_fields; i++)
		if (stat_fields[i].off != OUT(rx_packets) && stat_fields[i].off != OUT(rx_bytes) &&
		    stat_fields[i].off != OUT(fwd_bytes))
			ASSERT_EQ(STAT_AT(&seen, stat_fields[i].off) > 0, 1, stat_fields[i].name);
	snprintf(name, sizeof(name), "random (seed %#llx, %zu frames)", seed, fuzz_frames);
	return tlog_end(&l, name);
}
