// SPDX-License-Identifier: GPL-2.0-only
/*
 * The argument parsers of parse.c on arbitrary strings: parse_prefix,
 * parse_ipv6, parse_mac, parse_ifname on the whole input, and
 * parse_route_args, parse_neigh_args, parse_nexthop_args on its words.
 * Round trip: whatever parses, formatted as `route show` / `neigh show` /
 * `nexthop show` print it and parsed again, gives the same value.
 */
#include <unistd.h>

#include "fuzz.h"
#include "parse.h"

#define MAX_WORDS 24

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void round_trip_prefix(const char *s)
{
	struct route_key k, k2;
	char err[PARSE_ERR_LEN], buf[ADDR_STR_LEN];

	if (parse_prefix(s, &k, err, sizeof(err)))
		return;
	FUZZ_ASSERT(k.prefixlen <= 32, "%s: length %u", s, k.prefixlen);
	format_prefix(&k, buf, sizeof(buf));
	FUZZ_ASSERT(!parse_prefix(buf, &k2, err, sizeof(err)), "%s -> %s: %s", s, buf, err);
	FUZZ_ASSERT(!memcmp(&k, &k2, sizeof(k)), "%s -> %s: another prefix", s, buf);
}

static void round_trip_ipv6(const char *s)
{
	__u8 a[16], a2[16];
	char err[PARSE_ERR_LEN], buf[ADDR_STR_LEN];

	if (parse_ipv6(s, a, err, sizeof(err)))
		return;
	format_ipv6(a, buf, sizeof(buf));
	FUZZ_ASSERT(!parse_ipv6(buf, a2, err, sizeof(err)), "%s -> %s: %s", s, buf, err);
	FUZZ_ASSERT(!memcmp(a, a2, 16), "%s -> %s: another address", s, buf);
}

static void round_trip_mac(const char *s)
{
	__u8 m[6], m2[6];
	char err[PARSE_ERR_LEN], buf[MAC_STR_LEN];

	if (parse_mac(s, m, err, sizeof(err)))
		return;
	format_mac(m, buf, sizeof(buf));
	FUZZ_ASSERT(!parse_mac(buf, m2, err, sizeof(err)), "%s -> %s: %s", s, buf, err);
	FUZZ_ASSERT(!memcmp(m, m2, 6), "%s -> %s: another MAC", s, buf);
}

static void route_args(int argc, char **argv, bool need_nh)
{
	char err[PARSE_ERR_LEN], *line, pfx[ADDR_STR_LEN], via[ADDR_STR_LEN];
	char *argv2[MAX_WORDS + 1];
	struct route_spec r, r2;
	int rc, argc2;

	rc = parse_route_args(argc, argv, need_nh, &r, err, sizeof(err));
	FUZZ_ASSERT(rc == PARSE_OK || rc == PARSE_BAD_VALUE || rc == PARSE_USAGE, "rc %d", rc);
	FUZZ_ASSERT(rc == PARSE_OK || strlen(err) > 0, "rc %d with no reason", rc);
	/* nhid and multipath routes have no via and dev of their own (test_parse covers them) */
	if (rc || r.nhid || r.n_hops)
		return;
	format_prefix(&r.key, pfx, sizeof(pfx));
	format_ipv6(r.via, via, sizeof(via));
	/* as route show prints it */
	if (r.throw_)
		rc = asprintf(&line, "throw %s", pfx);
	else if (need_nh)
		rc = asprintf(&line, "%s via inet6 %s dev %s", pfx, via, r.dev);
	else
		rc = asprintf(&line, "%s", pfx);
	if (rc < 0)
		return;
	argc2 = fuzz_split(line, argv2, MAX_WORDS);
	rc = parse_route_args(argc2, argv2, need_nh, &r2, err, sizeof(err));
	FUZZ_ASSERT(!rc, "route %s read back: %s", line, err);
	FUZZ_ASSERT(!memcmp(&r.key, &r2.key, sizeof(r.key)) && r.throw_ == r2.throw_,
		    "route read back as another prefix");
	if (need_nh && !r.throw_)
		FUZZ_ASSERT(!memcmp(r.via, r2.via, 16) && !strcmp(r.dev, r2.dev),
			    "route read back with another next hop");
	free(line);
}

static void neigh_args(int argc, char **argv, bool need_mac)
{
	char err[PARSE_ERR_LEN], *line, addr[ADDR_STR_LEN], mac[MAC_STR_LEN];
	char *argv2[MAX_WORDS + 1];
	struct neigh_spec n, n2;
	int rc, argc2;

	rc = parse_neigh_args(argc, argv, need_mac, &n, err, sizeof(err));
	FUZZ_ASSERT(rc == PARSE_OK || rc == PARSE_BAD_VALUE || rc == PARSE_USAGE, "rc %d", rc);
	if (rc)
		return;
	format_ipv6(n.addr, addr, sizeof(addr));
	format_mac(n.mac, mac, sizeof(mac));
	/* as neigh show prints it */
	if (need_mac)
		rc = asprintf(&line, "%s dev %s lladdr %s", addr, n.dev, mac);
	else
		rc = asprintf(&line, "%s dev %s", addr, n.dev);
	if (rc < 0)
		return;
	argc2 = fuzz_split(line, argv2, MAX_WORDS);
	rc = parse_neigh_args(argc2, argv2, need_mac, &n2, err, sizeof(err));
	FUZZ_ASSERT(!rc, "neigh %s read back: %s", line, err);
	FUZZ_ASSERT(!memcmp(n.addr, n2.addr, 16) && !strcmp(n.dev, n2.dev), "neigh %s read back",
		    line);
	if (need_mac)
		FUZZ_ASSERT(!memcmp(n.mac, n2.mac, 6), "neigh %s read back with another MAC", line);
	free(line);
}

static void nexthop_args(int argc, char **argv)
{
	char err[PARSE_ERR_LEN], *line, via[ADDR_STR_LEN], g[GROUP_STR_LEN];
	static struct nexthop_spec a, b;
	char *argv2[MAX_WORDS + 1];
	int rc, argc2;

	rc = parse_nexthop_args(argc, argv, &a, err, sizeof(err));
	FUZZ_ASSERT(rc == PARSE_OK || rc == PARSE_BAD_VALUE || rc == PARSE_USAGE, "rc %d", rc);
	FUZZ_ASSERT(rc == PARSE_OK || strlen(err) > 0, "rc %d with no reason", rc);
	if (rc)
		return;
	FUZZ_ASSERT(a.id && (a.group ? a.n >= 1 && a.n <= V4VIA6_NHGRP_MAX_SIZE : !!a.dev),
		    "id %u, %u members", a.id, a.n);
	/* as nexthop show prints it */
	if (a.group) {
		format_group(a.member, a.weight, a.n, g, sizeof(g));
		rc = asprintf(&line, "id %u group %s", a.id, g);
	} else {
		format_ipv6(a.via, via, sizeof(via));
		rc = asprintf(&line, "id %u via %s dev %s", a.id, via, a.dev);
	}
	if (rc < 0)
		return;
	argc2 = fuzz_split(line, argv2, MAX_WORDS);
	rc = parse_nexthop_args(argc2, argv2, &b, err, sizeof(err));
	FUZZ_ASSERT(!rc, "nexthop %s read back: %s", line, err);
	FUZZ_ASSERT(a.id == b.id && a.group == b.group && a.n == b.n &&
			    !memcmp(a.member, b.member, sizeof(a.member[0]) * a.n) &&
			    !memcmp(a.weight, b.weight, sizeof(a.weight[0]) * a.n) &&
			    (a.group || (!memcmp(a.via, b.via, 16) && !strcmp(a.dev, b.dev))),
		    "nexthop %s read back as another", line);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *argv[MAX_WORDS + 1], err[PARSE_ERR_LEN];
	__u32 ifindex;
	int argc;

	if (!s)
		return 0;
	round_trip_prefix(s);
	round_trip_ipv6(s);
	round_trip_mac(s);
	/* any name: only its length and the kernel's answer matter */
	parse_ifname(s, &ifindex, err, sizeof(err));

	argc = fuzz_split(s, argv, MAX_WORDS);
	route_args(argc, argv, true);
	route_args(argc, argv, false);
	neigh_args(argc, argv, true);
	neigh_args(argc, argv, false);
	nexthop_args(argc, argv);
	free(s);
	return 0;
}
