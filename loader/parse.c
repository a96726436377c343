// SPDX-License-Identifier: GPL-2.0-only
/* Parsers and formatters of prefixes, IPv6 addresses, MACs and route/neigh lines. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static int fail(int rc, char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

/* A decimal number 0..max, digits only; returns the end or NULL. */
static const char *parse_uint(const char *s, unsigned int max, unsigned int *v)
{
	unsigned int n = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p)) {
		n = n * 10 + (*p - '0');
		if (n > max)
			return NULL;
		p++;
	}
	/* no leading zeros ("010" could be read as octal elsewhere) */
	if (p - s > 1 && *s == '0')
		return NULL;
	*v = n;
	return p;
}

int parse_prefix(const char *s, struct route_key *key, char *err, size_t len)
{
	unsigned int octet, plen = 32, n = 0;
	__u32 addr = 0, mask;
	const char *p = s;
	char want[ADDR_STR_LEN];
	struct route_key fixed;

	if (!strcmp(s, "default")) {
		key->prefixlen = 0;
		key->addr = 0;
		return PARSE_OK;
	}
	/* one to four octets; fewer than four only with a prefix length, as in "10/8" */
	for (;;) {
		p = parse_uint(p, 255, &octet);
		if (!p)
			goto bad;
		addr |= octet << (24 - 8 * n);
		n++;
		if (*p != '.' || n == 4)
			break;
		p++;
	}
	if (*p == '/') {
		p = parse_uint(p + 1, 32, &plen);
		if (!p)
			return fail(PARSE_BAD_VALUE, err, len, "%s: bad prefix length (0 to 32)",
				    s);
	} else if (n != 4) {
		goto bad;
	}
	if (*p)
		goto bad;
	mask = plen ? ~0U << (32 - plen) : 0;
	if (addr & ~mask) {
		fixed.prefixlen = plen;
		fixed.addr = htonl(addr & mask);
		format_prefix(&fixed, want, sizeof(want));
		return fail(PARSE_BAD_VALUE, err, len, "%s: host bits set (did you mean %s?)", s,
			    want);
	}
	key->prefixlen = plen;
	key->addr = htonl(addr);
	return PARSE_OK;
bad:
	return fail(PARSE_BAD_VALUE, err, len,
		    "%s: not an IPv4 prefix (A.B.C.D/N, A.B.C.D or default)", s);
}

int parse_ipv6(const char *s, __u8 addr[16], char *err, size_t len)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET6, s, &a6) != 1) {
		if (inet_pton(AF_INET, s, &a4) == 1)
			return fail(PARSE_BAD_VALUE, err, len,
				    "%s: an IPv4 next hop (v4via6 forwards to IPv6 next hops; "
				    "IPv4 gateways are the kernel's job)",
				    s);
		return fail(PARSE_BAD_VALUE, err, len, "%s: not an IPv6 address", s);
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_MULTICAST(&a6) ||
	    IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_V4MAPPED(&a6))
		return fail(PARSE_BAD_VALUE, err, len,
			    "%s: not a unicast IPv6 address a neighbour can have", s);
	memcpy(addr, &a6, 16);
	return PARSE_OK;
}

int parse_mac(const char *s, __u8 mac[6], char *err, size_t len)
{
	unsigned int i, v, digits;
	const char *p = s;

	for (i = 0; i < 6; i++) {
		v = 0;
		for (digits = 0; digits < 2 && isxdigit((unsigned char)*p); digits++, p++)
			v = v * 16 +
			    (isdigit((unsigned char)*p) ? *p - '0' : (*p | 0x20) - 'a' + 10);
		if (!digits || (i < 5 && *p++ != ':'))
			goto bad;
		mac[i] = v;
	}
	if (*p)
		goto bad;
	if (mac[0] & 1)
		return fail(PARSE_BAD_VALUE, err, len, "%s: a multicast MAC address", s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return fail(PARSE_BAD_VALUE, err, len, "%s: the zero MAC address", s);
	return PARSE_OK;
bad:
	return fail(PARSE_BAD_VALUE, err, len, "%s: not a MAC address (like 02:00:00:00:00:01)", s);
}

int parse_ifname(const char *s, __u32 *ifindex, char *err, size_t len)
{
	unsigned int idx;

	if (!*s || strlen(s) >= IF_NAMESIZE)
		return fail(PARSE_BAD_VALUE, err, len, "dev %s: not an interface name", s);
	idx = if_nametoindex(s);
	if (!idx)
		return fail(PARSE_BAD_VALUE, err, len, "dev %s: %s", s,
			    errno == ENODEV ? "no such interface" : strerror(errno));
	*ifindex = idx;
	return PARSE_OK;
}

/* Takes the value after keyword argv[*i]; a missing value is a usage error. */
static const char *next_arg(int argc, char **argv, int *i, char *err, size_t len)
{
	if (*i + 1 >= argc) {
		fail(PARSE_USAGE, err, len, "%s: missing argument", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

/* A decimal number 1..max (leading zeros refused), for ids and weights. */
static bool parse_u32(const char *s, __u32 max, __u32 *v)
{
	unsigned long long n = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p) || (*p == '0' && p[1]))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > max)
			return false;
	}
	if (*p || !n)
		return false;
	*v = n;
	return true;
}

int parse_nhid(const char *s, __u32 *id, char *err, size_t len)
{
	if (!parse_u32(s, UINT32_MAX, id))
		return fail(PARSE_BAD_VALUE, err, len, "id %s: not a nexthop id (1..%u)", s,
			    UINT32_MAX);
	return PARSE_OK;
}

/* "via [inet6] ADDR" at argv[*i] (the "via"): the address into addr. */
static int parse_via(int argc, char **argv, int *i, __u8 addr[16], char *err, size_t len)
{
	const char *v = next_arg(argc, argv, i, err, len);

	if (!v)
		return PARSE_USAGE;
	if (!strcmp(v, "inet6")) {
		v = next_arg(argc, argv, i, err, len);
		if (!v)
			return PARSE_USAGE;
	} else if (!strcmp(v, "inet")) {
		return fail(PARSE_BAD_VALUE, err, len,
			    "via inet: an IPv4 next hop (v4via6 forwards to IPv6 "
			    "next hops; IPv4 gateways are the kernel's job)");
	}
	return parse_ipv6(v, addr, err, len);
}

/* A weight 1..V4VIA6_NH_MAX_WEIGHT. */
static int parse_weight(const char *s, __u32 *w, char *err, size_t len)
{
	if (!parse_u32(s, V4VIA6_NH_MAX_WEIGHT, w))
		return fail(PARSE_BAD_VALUE, err, len, "weight %s: not a weight (1..%u)", s,
			    V4VIA6_NH_MAX_WEIGHT);
	return PARSE_OK;
}

/* The end of a hop: it has its via and dev. */
static int hop_done(const struct route_spec *r, bool have_via, char *err, size_t len)
{
	if (!have_via)
		return fail(PARSE_USAGE, err, len, "nexthop %u: missing \"via inet6 ADDR\"",
			    r->n_hops);
	if (!r->hops[r->n_hops - 1].dev)
		return fail(PARSE_USAGE, err, len, "nexthop %u: missing \"dev IFACE\"", r->n_hops);
	return PARSE_OK;
}

/* The hops of a multipath route, from argv[i] (a "nexthop"); *weighted: any has a weight. */
static int parse_hops(int argc, char **argv, int i, struct route_spec *r, bool *weighted, char *err,
		      size_t len)
{
	bool have_via = false, have_weight = false;
	struct route_hop *h = NULL;
	int rc;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "nexthop")) {
			if (h && (rc = hop_done(r, have_via, err, len)))
				return rc;
			if (r->n_hops == V4VIA6_NHGRP_MAX_SIZE)
				return fail(PARSE_BAD_VALUE, err, len,
					    "more than %u next hops (the largest group)",
					    V4VIA6_NHGRP_MAX_SIZE);
			h = &r->hops[r->n_hops++];
			memset(h, 0, sizeof(*h));
			h->weight = 1;
			have_via = have_weight = false;
		} else if (!strcmp(argv[i], "via") && !have_via) {
			rc = parse_via(argc, argv, &i, h->via, err, len);
			if (rc)
				return rc;
			have_via = true;
		} else if (!strcmp(argv[i], "dev") && !h->dev) {
			h->dev = next_arg(argc, argv, &i, err, len);
			if (!h->dev)
				return PARSE_USAGE;
		} else if (!strcmp(argv[i], "weight") && !have_weight) {
			if (!next_arg(argc, argv, &i, err, len))
				return PARSE_USAGE;
			rc = parse_weight(argv[i], &h->weight, err, len);
			if (rc)
				return rc;
			have_weight = *weighted = true;
		} else if (!strcmp(argv[i], "dead") || !strcmp(argv[i], "linkdown")) {
			/* flags ip route (and route show) print after a hop whose link is down */
			continue;
		} else {
			return fail(PARSE_USAGE, err, len, "%s: unexpected argument", argv[i]);
		}
	}
	return hop_done(r, have_via, err, len);
}

int parse_route_args(int argc, char **argv, bool need_nh, struct route_spec *r, char *err,
		     size_t len)
{
	bool have_via = false, weighted = false;
	int i, rc;

	/* the hops are cleared as they are read: a million plain routes need not clear 1 KiB each */
	memset(r, 0, offsetof(struct route_spec, hops));
	if (argc >= 1 && !strcmp(argv[0], "throw")) {
		r->throw_ = true;
		argc--;
		argv++;
		need_nh = false;
	}
	if (argc < 1)
		return fail(PARSE_USAGE, err, len, "missing PREFIX");
	rc = parse_prefix(argv[0], &r->key, err, len);
	if (rc)
		return rc;
	if (need_nh && argc >= 2 && !strcmp(argv[1], "nhid")) {
		if (argc < 3)
			return fail(PARSE_USAGE, err, len, "nhid: missing argument");
		if (argc > 3)
			return fail(PARSE_USAGE, err, len, "%s: unexpected argument", argv[3]);
		rc = parse_nhid(argv[2], &r->nhid, err, len);
		if (rc)
			return fail(rc, err, len, "nhid %s: not a nexthop id (1..%u)", argv[2],
				    UINT32_MAX);
		return PARSE_OK;
	}
	for (i = 1; i < argc; i++) {
		if (!need_nh)
			return fail(PARSE_USAGE, err, len, "%s: unexpected argument", argv[i]);
		if (!strcmp(argv[i], "nexthop") && !have_via && !r->dev) {
			rc = parse_hops(argc, argv, i, r, &weighted, err, len);
			if (rc)
				return rc;
			break;
		} else if (!strcmp(argv[i], "via") && !have_via) {
			rc = parse_via(argc, argv, &i, r->via, err, len);
			if (rc)
				return rc;
			have_via = true;
		} else if (!strcmp(argv[i], "dev") && !r->dev) {
			r->dev = next_arg(argc, argv, &i, err, len);
			if (!r->dev)
				return PARSE_USAGE;
		} else {
			return fail(PARSE_USAGE, err, len, "%s: unexpected argument", argv[i]);
		}
	}
	/* one `nexthop` without a weight is the plain route `ip route` writes so */
	if (r->n_hops == 1 && !weighted) {
		memcpy(r->via, r->hops[0].via, sizeof(r->via));
		r->dev = r->hops[0].dev;
		memset(&r->hops[0], 0, sizeof(r->hops[0]));
		r->n_hops = 0;
		have_via = true;
	}
	if (r->n_hops)
		return PARSE_OK;
	if (need_nh && !have_via)
		return fail(PARSE_USAGE, err, len, "missing \"via inet6 ADDR\"");
	if (need_nh && !r->dev)
		return fail(PARSE_USAGE, err, len, "missing \"dev IFACE\"");
	return PARSE_OK;
}

/* "ID[,W]/ID[,W]..." into s's members. */
static int parse_group(const char *arg, struct nexthop_spec *s, char *err, size_t len)
{
	char buf[GROUP_STR_LEN + 64], *save = NULL, *tok, *comma;
	__u32 i, id;
	int rc;

	if (strlen(arg) >= sizeof(buf))
		return fail(PARSE_BAD_VALUE, err, len, "group %.32s...: more than %u members", arg,
			    V4VIA6_NHGRP_MAX_SIZE);
	strcpy(buf, arg);
	if (!*buf || *buf == '/' || buf[strlen(buf) - 1] == '/' || strstr(buf, "//"))
		return fail(PARSE_BAD_VALUE, err, len,
			    "group %s: not a list of members (ID[,WEIGHT]/ID[,WEIGHT]...)", arg);
	for (tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (s->n == V4VIA6_NHGRP_MAX_SIZE)
			return fail(PARSE_BAD_VALUE, err, len, "group: more than %u members",
				    V4VIA6_NHGRP_MAX_SIZE);
		comma = strchr(tok, ',');
		if (comma)
			*comma++ = '\0';
		rc = parse_nhid(tok, &id, err, len);
		if (rc)
			return fail(rc, err, len, "group: member %s: not a nexthop id (1..%u)", tok,
				    UINT32_MAX);
		if (id == s->id)
			return fail(PARSE_BAD_VALUE, err, len, "group: id %u names itself", id);
		for (i = 0; i < s->n; i++)
			if (s->member[i] == id)
				return fail(PARSE_BAD_VALUE, err, len,
					    "group: member %u named twice", id);
		s->member[s->n] = id;
		s->weight[s->n] = 1;
		if (comma) {
			rc = parse_weight(comma, &s->weight[s->n], err, len);
			if (rc)
				return fail(rc, err, len,
					    "group: member %u: weight %s: not a weight (1..%u)", id,
					    comma, V4VIA6_NH_MAX_WEIGHT);
		}
		s->n++;
	}
	return PARSE_OK;
}

int parse_nexthop_args(int argc, char **argv, struct nexthop_spec *s, char *err, size_t len)
{
	const char *group = NULL;
	bool have_via = false, have_id = false;
	int i, rc;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "id") && !have_id) {
			if (!next_arg(argc, argv, &i, err, len))
				return PARSE_USAGE;
			rc = parse_nhid(argv[i], &s->id, err, len);
			if (rc)
				return rc;
			have_id = true;
		} else if (!strcmp(argv[i], "via") && !have_via && !group) {
			rc = parse_via(argc, argv, &i, s->via, err, len);
			if (rc)
				return rc;
			have_via = true;
		} else if (!strcmp(argv[i], "dev") && !s->dev && !group) {
			s->dev = next_arg(argc, argv, &i, err, len);
			if (!s->dev)
				return PARSE_USAGE;
		} else if ((!strcmp(argv[i], "linkdown") || !strcmp(argv[i], "dead")) &&
			   (have_via || s->dev)) {
			/* shown after a next hop whose link is down: not a setting */
			continue;
		} else if (!strcmp(argv[i], "scope") && (have_via || s->dev)) {
			/* `ip nexthop show` prints "scope link": nothing of ours */
			if (!next_arg(argc, argv, &i, err, len))
				return PARSE_USAGE;
		} else if (!strcmp(argv[i], "group") && !group && !have_via && !s->dev) {
			group = next_arg(argc, argv, &i, err, len);
			if (!group)
				return PARSE_USAGE;
		} else {
			return fail(PARSE_USAGE, err, len, "%s: unexpected argument", argv[i]);
		}
	}
	if (!have_id)
		return fail(PARSE_USAGE, err, len, "missing \"id ID\"");
	if (group) {
		s->group = true;
		return parse_group(group, s, err, len);
	}
	if (!have_via)
		return fail(PARSE_USAGE, err, len,
			    "missing \"via inet6 ADDR\" or \"group ID[,WEIGHT]/...\"");
	if (!s->dev)
		return fail(PARSE_USAGE, err, len, "missing \"dev IFACE\"");
	return PARSE_OK;
}

const char *format_group(const __u32 *ids, const __u32 *weights, __u32 n, char *buf, size_t len)
{
	size_t k = 0;
	__u32 i;

	buf[0] = '\0';
	for (i = 0; i < n && k < len; i++) {
		if (weights[i] == 1)
			k += snprintf(buf + k, len - k, "%s%u", i ? "/" : "", ids[i]);
		else
			k += snprintf(buf + k, len - k, "%s%u,%u", i ? "/" : "", ids[i],
				      weights[i]);
	}
	return buf;
}

int parse_neigh_args(int argc, char **argv, bool need_mac, struct neigh_spec *n, char *err,
		     size_t len)
{
	bool have_mac = false;
	const char *v;
	int i, rc;

	memset(n, 0, sizeof(*n));
	if (argc < 1)
		return fail(PARSE_USAGE, err, len, "missing IPV6");
	rc = parse_ipv6(argv[0], n->addr, err, len);
	if (rc)
		return rc;
	for (i = 1; i < argc; i++) {
		if (need_mac && !strcmp(argv[i], "lladdr") && !have_mac) {
			v = next_arg(argc, argv, &i, err, len);
			if (!v)
				return PARSE_USAGE;
			rc = parse_mac(v, n->mac, err, len);
			if (rc)
				return rc;
			have_mac = true;
		} else if (!strcmp(argv[i], "dev") && !n->dev) {
			n->dev = next_arg(argc, argv, &i, err, len);
			if (!n->dev)
				return PARSE_USAGE;
		} else {
			return fail(PARSE_USAGE, err, len, "%s: unexpected argument", argv[i]);
		}
	}
	if (need_mac && !have_mac)
		return fail(PARSE_USAGE, err, len, "missing \"lladdr MAC\"");
	if (!n->dev)
		return fail(PARSE_USAGE, err, len, "missing \"dev IFACE\"");
	return PARSE_OK;
}

const char *format_prefix(const struct route_key *key, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	if (!key->prefixlen) {
		snprintf(buf, len, "default");
		return buf;
	}
	inet_ntop(AF_INET, &key->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, key->prefixlen);
	return buf;
}

void format_ipv6(const __u8 addr[16], char *buf, size_t len)
{
	if (!inet_ntop(AF_INET6, addr, buf, len))
		snprintf(buf, len, "?");
}

void format_mac(const __u8 mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

int route_key_cmp(const struct route_key *a, const struct route_key *b)
{
	__u32 x = ntohl(a->addr), y = ntohl(b->addr);

	if (x != y)
		return x < y ? -1 : 1;
	if (a->prefixlen != b->prefixlen)
		return a->prefixlen < b->prefixlen ? -1 : 1;
	return 0;
}

int neigh_key_cmp(const struct nexthop *a, const struct nexthop *b)
{
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	if (c)
		return c;
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

bool parse_xdp_mode(const char *s, enum xdp_attach_mode *mode)
{
	if (!strcmp(s, "native") || !strcmp(s, "drv"))
		*mode = XDP_MODE_NATIVE;
	else if (!strcmp(s, "skb") || !strcmp(s, "generic"))
		*mode = XDP_MODE_SKB;
	else
		return false;
	return true;
}
