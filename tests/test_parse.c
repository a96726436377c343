// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the loader's parsers (loader/parse.c), the config file reader
 * (loader/config.c) and the JSON writer (loader/json.c): tables of inputs with
 * the value or the error each must give. Needs no root and no namespace: the
 * config tests name "lo", which every network namespace has.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array_size.h"
#include "check.h"
#include "config.h"
#include "json.h"
#include "parse.h"

struct prefix_case {
	const char *in;
	int rc;
	const char *out; /* format_prefix of the result, or a part of the error */
};

static const struct prefix_case prefix_cases[] = {
	{ "10.0.8.0/22", PARSE_OK, "10.0.8.0/22" },
	{ "10.0.8.42", PARSE_OK, "10.0.8.42/32" },
	{ "10.0.8.42/32", PARSE_OK, "10.0.8.42/32" },
	{ "default", PARSE_OK, "default" },
	{ "0/0", PARSE_OK, "default" },
	{ "0.0.0.0/0", PARSE_OK, "default" },
	{ "10/8", PARSE_OK, "10.0.0.0/8" },
	{ "172.16/12", PARSE_OK, "172.16.0.0/12" },
	{ "255.255.255.255/32", PARSE_OK, "255.255.255.255/32" },
	{ "10.0.8.1/24", PARSE_BAD_VALUE, "host bits set (did you mean 10.0.8.0/24?)" },
	{ "1.0.0.0/0", PARSE_BAD_VALUE, "did you mean default?" },
	{ "10.0.8.0/33", PARSE_BAD_VALUE, "bad prefix length" },
	{ "10.0.8.0/", PARSE_BAD_VALUE, "bad prefix length" },
	{ "10.0.8.0/-1", PARSE_BAD_VALUE, "bad prefix length" },
	{ "256.0.0.0/8", PARSE_BAD_VALUE, "not an IPv4 prefix" },
	{ "10.0.8", PARSE_BAD_VALUE, "not an IPv4 prefix" },
	{ "10.0.8.0.0/8", PARSE_BAD_VALUE, "not an IPv4 prefix" },
	{ "10.0.08.0/24", PARSE_BAD_VALUE, "not an IPv4 prefix" },
	{ " 10.0.8.0/24", PARSE_BAD_VALUE, "not an IPv4 prefix" },
	{ "10.0.8.0/24x", PARSE_BAD_VALUE, "not an IPv4 prefix" },
	{ "", PARSE_BAD_VALUE, "not an IPv4 prefix" },
	{ "fe80::/10", PARSE_BAD_VALUE, "not an IPv4 prefix" },
};

static void test_prefixes(void)
{
	char err[PARSE_ERR_LEN], out[ADDR_STR_LEN], name[64];
	struct route_key key;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(prefix_cases); i++) {
		const struct prefix_case *c = &prefix_cases[i];

		err[0] = out[0] = '\0';
		rc = parse_prefix(c->in, &key, err, sizeof(err));
		if (!rc)
			format_prefix(&key, out, sizeof(out));
		snprintf(name, sizeof(name), "prefix[%s]", c->in);
		CHECK_ONE(name, rc == c->rc && strstr(rc ? err : out, c->out),
			  "rc %d (want %d), got '%s'", rc, c->rc, rc ? err : out);
	}
}

struct text_case {
	const char *in;
	int rc;
	const char *out;
};

static const struct text_case ipv6_cases[] = {
	{ "fe80::1", PARSE_OK, "fe80::1" },
	{ "FE80::FF:FE00:2", PARSE_OK, "fe80::ff:fe00:2" },
	{ "2001:db8::1", PARSE_OK, "2001:db8::1" },
	{ "10.0.0.1", PARSE_BAD_VALUE, "an IPv4 next hop" },
	{ "::", PARSE_BAD_VALUE, "not a unicast" },
	{ "::1", PARSE_BAD_VALUE, "not a unicast" },
	{ "ff02::1", PARSE_BAD_VALUE, "not a unicast" },
	{ "::ffff:10.0.0.1", PARSE_BAD_VALUE, "not a unicast" },
	{ "fe80::1%r0", PARSE_BAD_VALUE, "not an IPv6 address" },
	{ "fe80:::1", PARSE_BAD_VALUE, "not an IPv6 address" },
	{ "", PARSE_BAD_VALUE, "not an IPv6 address" },
};

static const struct text_case mac_cases[] = {
	{ "02:00:00:00:00:01", PARSE_OK, "02:00:00:00:00:01" },
	{ "2:0:0:0:0:1", PARSE_OK, "02:00:00:00:00:01" },
	{ "02:AB:cd:EF:00:ff", PARSE_OK, "02:ab:cd:ef:00:ff" },
	{ "01:00:5e:00:00:01", PARSE_BAD_VALUE, "multicast" },
	{ "ff:ff:ff:ff:ff:ff", PARSE_BAD_VALUE, "multicast" },
	{ "00:00:00:00:00:00", PARSE_BAD_VALUE, "zero" },
	{ "02:00:00:00:00", PARSE_BAD_VALUE, "not a MAC" },
	{ "02:00:00:00:00:01:02", PARSE_BAD_VALUE, "not a MAC" },
	{ "02:00:00:00:00:001", PARSE_BAD_VALUE, "not a MAC" },
	{ "02-00-00-00-00-01", PARSE_BAD_VALUE, "not a MAC" },
	{ "zz:00:00:00:00:01", PARSE_BAD_VALUE, "not a MAC" },
	{ "", PARSE_BAD_VALUE, "not a MAC" },
};

static void test_ipv6_and_mac(void)
{
	char err[PARSE_ERR_LEN], out[ADDR_STR_LEN], name[64];
	__u8 addr[16], mac[6];
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(ipv6_cases); i++) {
		const struct text_case *c = &ipv6_cases[i];

		err[0] = out[0] = '\0';
		rc = parse_ipv6(c->in, addr, err, sizeof(err));
		if (!rc)
			format_ipv6(addr, out, sizeof(out));
		snprintf(name, sizeof(name), "ipv6[%s]", c->in);
		CHECK_ONE(name, rc == c->rc && strstr(rc ? err : out, c->out),
			  "rc %d (want %d), got '%s'", rc, c->rc, rc ? err : out);
	}
	for (i = 0; i < ARRAY_SIZE(mac_cases); i++) {
		const struct text_case *c = &mac_cases[i];

		err[0] = out[0] = '\0';
		rc = parse_mac(c->in, mac, err, sizeof(err));
		if (!rc)
			format_mac(mac, out, sizeof(out));
		snprintf(name, sizeof(name), "mac[%s]", c->in);
		CHECK_ONE(name, rc == c->rc && strstr(rc ? err : out, c->out),
			  "rc %d (want %d), got '%s'", rc, c->rc, rc ? err : out);
	}
}

struct args_case {
	const char *in; /* words separated by single spaces */
	int rc;
	const char *err; /* a part of the error, when rc is not PARSE_OK */
};

static const struct args_case route_cases[] = {
	{ "10.0.8.0/22 via inet6 fe80::1 dev r0", PARSE_OK, NULL },
	{ "10.0.8.0/22 via fe80::1 dev r0", PARSE_OK, NULL },
	{ "10.0.8.0/22 dev r0 via fe80::1", PARSE_OK, NULL },
	{ "0/0 nexthop via inet6 fe80::1 dev wlp0s20f3", PARSE_OK, NULL },
	{ "default via inet6 fe80::2 dev r1", PARSE_OK, NULL },
	{ "10.0.8.0/22", PARSE_USAGE, "missing \"via inet6 ADDR\"" },
	{ "10.0.8.0/22 via fe80::1", PARSE_USAGE, "missing \"dev IFACE\"" },
	{ "10.0.8.0/22 dev r0", PARSE_USAGE, "missing \"via" },
	{ "10.0.8.0/22 via", PARSE_USAGE, "via: missing argument" },
	{ "10.0.8.0/22 via inet6", PARSE_USAGE, "inet6: missing argument" },
	{ "10.0.8.0/22 via fe80::1 dev", PARSE_USAGE, "dev: missing argument" },
	{ "10.0.8.0/22 via fe80::1 dev r0 metric 5", PARSE_USAGE, "metric: unexpected" },
	{ "10.0.8.0/22 via fe80::1 via fe80::2 dev r0", PARSE_USAGE, "via: unexpected" },
	{ "10.0.8.0/22 via fe80::1 dev r0 dev r1", PARSE_USAGE, "dev: unexpected" },
	{ "10.0.8.0/22 via 192.0.2.1 dev r0", PARSE_BAD_VALUE, "an IPv4 next hop" },
	{ "10.0.8.0/22 via inet 192.0.2.1 dev r0", PARSE_BAD_VALUE, "an IPv4 next hop" },
	{ "10.0.8.1/22 via fe80::1 dev r0", PARSE_BAD_VALUE, "host bits set" },
	{ "", PARSE_USAGE, "missing PREFIX" },
	/* ECMP: nexthop objects and multipath, as ip route prints them */
	{ "10.0.0.0/24 nhid 10", PARSE_OK, NULL },
	{ "10.0.0.0/24 nhid 4294967295", PARSE_OK, NULL },
	{ "10.0.0.0/24 nhid 0", PARSE_BAD_VALUE, "nhid 0: not a nexthop id" },
	{ "10.0.0.0/24 nhid 4294967296", PARSE_BAD_VALUE, "not a nexthop id" },
	{ "10.0.0.0/24 nhid x", PARSE_BAD_VALUE, "nhid x: not a nexthop id" },
	{ "10.0.0.0/24 nhid", PARSE_USAGE, "nhid: missing argument" },
	{ "10.0.0.0/24 nhid 1 dev r0", PARSE_USAGE, "dev: unexpected" },
	{ "10.0.0.0/24 nexthop via inet6 fe80::1 dev r0 weight 1 nexthop via fe80::2 dev r1 "
	  "weight 3",
	  PARSE_OK, NULL },
	{ "10.0.0.0/24 nexthop via fe80::1 dev r0 nexthop dev r1 via fe80::2", PARSE_OK, NULL },
	{ "10.0.0.0/24 nexthop via fe80::1 dev r0 weight 65535", PARSE_OK, NULL },
	{ "10.0.0.0/24 nexthop via fe80::1 dev r0 weight 2 dead linkdown nexthop via fe80::2 dev r1",
	  PARSE_OK, NULL },
	{ "10.0.0.0/24 nexthop via fe80::1 dev r0 weight 0", PARSE_BAD_VALUE,
	  "weight 0: not a weight (1..65535)" },
	{ "10.0.0.0/24 nexthop via fe80::1 dev r0 weight 65536", PARSE_BAD_VALUE,
	  "weight 65536: not a weight" },
	{ "10.0.0.0/24 nexthop via fe80::1 dev r0 weight 1 weight 2", PARSE_USAGE,
	  "weight: unexpected" },
	{ "10.0.0.0/24 nexthop via fe80::1 nexthop via fe80::2 dev r1", PARSE_USAGE,
	  "nexthop 1: missing \"dev IFACE\"" },
	{ "10.0.0.0/24 nexthop via fe80::1 dev r0 nexthop dev r1", PARSE_USAGE,
	  "nexthop 2: missing \"via inet6 ADDR\"" },
	{ "10.0.0.0/24 via fe80::1 dev r0 nexthop via fe80::2 dev r1", PARSE_USAGE,
	  "nexthop: unexpected" },
	/* a word after dev is the device's name, even "nexthop" (fuzz_args found it counted) */
	{ "default nexthop via 80::0 dev nexthop", PARSE_OK, NULL },
	{ "default via 80::0 dev nexthop", PARSE_OK, NULL },
	{ "10.0.0.0/24 nexthop via fe80::1 dev r0 weight", PARSE_USAGE, "weight: missing" },
	{ "10.0.0.0/24 weight 1 nexthop via fe80::1 dev r0", PARSE_USAGE, "weight: unexpected" },
};

static const struct args_case nexthop_cases[] = {
	{ "id 1 via fe80::1 dev r0", PARSE_OK, NULL },
	{ "id 1 via inet6 fe80::1 dev r0 scope link", PARSE_OK, NULL },
	{ "dev r0 via fe80::1 id 4294967295", PARSE_OK, NULL },
	{ "id 10 group 1/2,3", PARSE_OK, NULL },
	{ "id 10 group 1,65535", PARSE_OK, NULL },
	{ "id 0 via fe80::1 dev r0", PARSE_BAD_VALUE, "id 0: not a nexthop id" },
	{ "id 01 via fe80::1 dev r0", PARSE_BAD_VALUE, "id 01: not a nexthop id" },
	{ "id 10 group 1/10", PARSE_BAD_VALUE, "id 10 names itself" },
	{ "id 10 group 1/2/1", PARSE_BAD_VALUE, "member 1 named twice" },
	{ "id 10 group 1,0", PARSE_BAD_VALUE, "weight 0: not a weight" },
	{ "id 10 group 1,65536", PARSE_BAD_VALUE, "weight 65536: not a weight" },
	{ "id 10 group 1/x", PARSE_BAD_VALUE, "member x: not a nexthop id" },
	{ "id 10 group 1//2", PARSE_BAD_VALUE, "not a list of members" },
	{ "id 10 group 1/2/3/4/5/6/7/8/9/11/12/13/14/15/16/17/18/19/20/21/22/23/24/25/26/27/28/"
	  "29/30/31/32/33/34",
	  PARSE_BAD_VALUE, "more than 32 members" },
	{ "id 10 group 1/2 via fe80::1", PARSE_USAGE, "via: unexpected" },
	{ "id 1 via fe80::1 dev r0 group 2", PARSE_USAGE, "group: unexpected" },
	{ "via fe80::1 dev r0", PARSE_USAGE, "missing \"id ID\"" },
	{ "id 1 dev r0", PARSE_USAGE, "missing \"via inet6 ADDR\" or \"group" },
	{ "id 1 via fe80::1", PARSE_USAGE, "missing \"dev IFACE\"" },
	{ "id 1 via 10.0.0.1 dev r0", PARSE_BAD_VALUE, "an IPv4 next hop" },
	{ "id", PARSE_USAGE, "id: missing argument" },
	{ "id 1 group", PARSE_USAGE, "group: missing argument" },
};

static const struct args_case neigh_cases[] = {
	{ "fe80::2 lladdr 02:00:00:00:00:02 dev r1", PARSE_OK, NULL },
	{ "fe80::2 dev r1 lladdr 02:00:00:00:00:02", PARSE_OK, NULL },
	{ "fe80::2 dev r1", PARSE_USAGE, "missing \"lladdr MAC\"" },
	{ "fe80::2 lladdr 02:00:00:00:00:02", PARSE_USAGE, "missing \"dev IFACE\"" },
	{ "fe80::2 lladdr", PARSE_USAGE, "lladdr: missing argument" },
	{ "fe80::2 lladdr 02:00:00:00:00:02 dev r1 router", PARSE_USAGE, "router: unexpected" },
	{ "fe80::2 lladdr 02:00:00:00:00 dev r1", PARSE_BAD_VALUE, "not a MAC" },
	{ "10.0.0.2 lladdr 02:00:00:00:00:02 dev r1", PARSE_BAD_VALUE, "an IPv4" },
};

/* Splits s (copied into buf) at spaces. */
static int split(const char *s, char *buf, size_t len, char **argv, int max)
{
	char *save = NULL, *tok;
	int argc = 0;

	snprintf(buf, len, "%s", s);
	for (tok = strtok_r(buf, " ", &save); tok && argc < max; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	return argc;
}

static char *many_argv[256];

static void test_args(void)
{
	char err[PARSE_ERR_LEN], buf[512], name[128];
	struct route_spec r;
	struct neigh_spec n;
	char *argv[64];
	size_t i;
	int argc, rc;

	for (i = 0; i < ARRAY_SIZE(route_cases); i++) {
		const struct args_case *c = &route_cases[i];

		argc = split(c->in, buf, sizeof(buf), argv, 64);
		err[0] = '\0';
		rc = parse_route_args(argc, argv, true, &r, err, sizeof(err));
		snprintf(name, sizeof(name), "route-args[%s]", c->in);
		CHECK_ONE(name, rc == c->rc && (!c->err || strstr(err, c->err)),
			  "rc %d (want %d), error '%s'", rc, c->rc, err);
	}
	argc = split("10.0.8.0/22 via inet6 fe80::ff:fe00:1 dev r0", buf, sizeof(buf), argv, 16);
	rc = parse_route_args(argc, argv, true, &r, err, sizeof(err));
	CHECK_ONE("route-args-values",
		  !rc && r.key.prefixlen == 22 && r.key.addr == htonl(0x0a000800) &&
			  r.via[0] == 0xfe && r.via[1] == 0x80 && r.via[15] == 1 &&
			  !strcmp(r.dev, "r0"),
		  "rc %d, prefixlen %u, dev %s", rc, r.key.prefixlen, r.dev ? r.dev : "(null)");
	argc = split("10.0.8.0/22 via fe80::1", buf, sizeof(buf), argv, 16);
	rc = parse_route_args(argc, argv, false, &r, err, sizeof(err));
	CHECK_ONE("route-args-prefix-only", rc == PARSE_USAGE,
		  "rc %d: a next hop where none is taken", rc);
	argc = split("10.0.0.0/24 nexthop via fe80::1 dev r0 weight 2 nexthop via inet6 fe80::2 "
		     "dev r1",
		     buf, sizeof(buf), argv, 64);
	rc = parse_route_args(argc, argv, true, &r, err, sizeof(err));
	CHECK_ONE("route-args-multipath",
		  !rc && r.n_hops == 2 && r.hops[0].weight == 2 && r.hops[1].weight == 1 &&
			  !strcmp(r.hops[0].dev, "r0") && !strcmp(r.hops[1].dev, "r1") &&
			  r.hops[1].via[15] == 2 && !r.dev && !r.nhid,
		  "rc %d (%s), %u hops", rc, err, r.n_hops);
	/* one nexthop: a plain route without a weight, a multipath route of one with one */
	argc = split("10.0.0.0/24 nexthop via fe80::1 dev r0", buf, sizeof(buf), argv, 64);
	rc = parse_route_args(argc, argv, true, &r, err, sizeof(err));
	CHECK_ONE("route-args-one-nexthop", !rc && !r.n_hops && r.dev && !strcmp(r.dev, "r0"),
		  "rc %d, %u hops", rc, r.n_hops);
	argc = split("10.0.0.0/24 nexthop via fe80::1 dev r0 weight 1", buf, sizeof(buf), argv, 64);
	rc = parse_route_args(argc, argv, true, &r, err, sizeof(err));
	CHECK_ONE("route-args-one-weighted", !rc && r.n_hops == 1 && !r.dev, "rc %d, %u hops", rc,
		  r.n_hops);
	argc = split("10.0.0.0/24 nhid 4000000000", buf, sizeof(buf), argv, 64);
	rc = parse_route_args(argc, argv, true, &r, err, sizeof(err));
	CHECK_ONE("route-args-nhid", !rc && r.nhid == 4000000000U && !r.n_hops, "rc %d, nhid %u",
		  rc, r.nhid);
	{
		char many[1024];
		size_t k = 0;
		int h;

		k += snprintf(many, sizeof(many), "10.0.0.0/24");
		for (h = 0; h < 33; h++)
			k += snprintf(many + k, sizeof(many) - k, " nexthop via fe80::%x dev r0",
				      h + 1);
		/* longer than split's buffer: split in place */
		argc = 0;
		for (char *save = NULL, *tok = strtok_r(many, " ", &save); tok && argc < 200;
		     tok = strtok_r(NULL, " ", &save))
			many_argv[argc++] = tok;
		rc = parse_route_args(argc, many_argv, true, &r, err, sizeof(err));
		CHECK_ONE("route-args-33-hops",
			  rc == PARSE_BAD_VALUE && strstr(err, "more than 32 next hops"),
			  "rc %d, error '%s'", rc, err);
	}

	for (i = 0; i < ARRAY_SIZE(nexthop_cases); i++) {
		const struct args_case *c = &nexthop_cases[i];
		struct nexthop_spec s;

		argc = split(c->in, buf, sizeof(buf), argv, 16);
		err[0] = '\0';
		rc = parse_nexthop_args(argc, argv, &s, err, sizeof(err));
		snprintf(name, sizeof(name), "nexthop-args[%s]", c->in);
		CHECK_ONE(name, rc == c->rc && (!c->err || strstr(err, c->err)),
			  "rc %d (want %d), error '%s'", rc, c->rc, err);
	}
	{
		struct nexthop_spec s;
		char g[GROUP_STR_LEN];

		argc = split("id 10 group 1/2,3/4000000000,65535", buf, sizeof(buf), argv, 16);
		rc = parse_nexthop_args(argc, argv, &s, err, sizeof(err));
		CHECK_ONE("nexthop-args-group",
			  !rc && s.id == 10 && s.group && s.n == 3 && s.member[2] == 4000000000U &&
				  s.weight[0] == 1 && s.weight[1] == 3 && s.weight[2] == 65535,
			  "rc %d (%s)", rc, err);
		format_group(s.member, s.weight, s.n, g, sizeof(g));
		CHECK_ONE("format-group", !strcmp(g, "1/2,3/4000000000,65535"), "got %s", g);
		argc = split("id 7 via inet6 fe80::7 dev r1", buf, sizeof(buf), argv, 16);
		rc = parse_nexthop_args(argc, argv, &s, err, sizeof(err));
		CHECK_ONE("nexthop-args-via",
			  !rc && s.id == 7 && !s.group && s.via[15] == 7 && !strcmp(s.dev, "r1"),
			  "rc %d (%s)", rc, err);
	}

	for (i = 0; i < ARRAY_SIZE(neigh_cases); i++) {
		const struct args_case *c = &neigh_cases[i];

		argc = split(c->in, buf, sizeof(buf), argv, 16);
		err[0] = '\0';
		rc = parse_neigh_args(argc, argv, true, &n, err, sizeof(err));
		snprintf(name, sizeof(name), "neigh-args[%s]", c->in);
		CHECK_ONE(name, rc == c->rc && (!c->err || strstr(err, c->err)),
			  "rc %d (want %d), error '%s'", rc, c->rc, err);
	}
	argc = split("fe80::2 dev r1", buf, sizeof(buf), argv, 16);
	rc = parse_neigh_args(argc, argv, false, &n, err, sizeof(err));
	CHECK_ONE("neigh-args-del", !rc && !strcmp(n.dev, "r1"), "rc %d: %s", rc, err);
}

/* Runs config_read on text; returns its result, with what it printed in out. */
static int read_config(const char *text, struct config *cfg, char *out, size_t len)
{
	char path[] = "/tmp/v4via6-test-config-XXXXXX";
	int fd, saved, rc;
	FILE *f;
	size_t n;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -EIO;
	close(fd);
	f = tmpfile();
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);
	rc = config_read(path, cfg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(path);
	return rc;
}

static bool has_line(const char *out, unsigned int line, const char *what)
{
	char want[64];
	const char *p;

	snprintf(want, sizeof(want), ":%u: ", line);
	for (p = strstr(out, want); p; p = strstr(p + 1, want)) {
		const char *eol = strchr(p, '\n');

		if (strstr(p, what) && (!eol || strstr(p, what) < eol))
			return true;
	}
	return false;
}

static void test_config(void)
{
	struct config cfg;
	char out[4096];
	int rc, saved, null;

	rc = read_config("# the seed\n"
			 "attach lo mode skb\n"
			 "\n"
			 "route 10.0.8.0/24 via inet6 fe80::1 dev lo   # comment\n"
			 "  route default via fe80::2 dev lo\n"
			 "route 10.0.0.0/8 via fe80::3 dev lo\n"
			 "neigh fe80::2 lladdr 02:00:00:00:00:02 dev lo\n",
			 &cfg, out, sizeof(out));
	CHECK_ONE("config-good",
		  !rc && cfg.n_ifaces == 1 && cfg.ifaces[0].mode == XDP_MODE_SKB &&
			  cfg.n_routes == 3 && cfg.n_neighs == 1 &&
			  cfg.routes[0].key.prefixlen == 0 && cfg.routes[1].key.prefixlen == 8 &&
			  cfg.routes[2].key.prefixlen == 24 &&
			  cfg.routes[2].nh.ifindex == cfg.ifaces[0].ifindex &&
			  cfg.neighs[0].key.ifindex == cfg.ifaces[0].ifindex,
		  "rc %d, %zu ifaces, %zu routes (sorted?), %zu neighs; stderr: %s", rc,
		  cfg.n_ifaces, cfg.n_routes, cfg.n_neighs, out);
	if (!rc)
		config_free(&cfg);

	rc = read_config("attach lo\n"
			 "attach lo\n"
			 "attach nosuchdev0\n"
			 "route 10.0.8.1/24 via fe80::1 dev lo\n"
			 "route 10.0.9.0/24 via 10.0.0.1 dev lo\n"
			 "route 10.0.10.0/24 via fe80::1 dev lo\n"
			 "route 10.0.10.0/24 via fe80::2 dev lo\n"
			 "route 10.0.11.0/24 via fe80::1 dev lo extra\n"
			 "neigh fe80::2 lladdr 02:00:00:00:00 dev lo\n"
			 "frobnicate\n"
			 "route 10.0.12.0/24 via fe80::1 dev other0\n"
			 "attach lo mode fast\n"
			 "neigh fe80::5 lladdr 02:00:00:00:00:05 dev lo\n"
			 "neigh fe80::5 lladdr 02:00:00:00:00:06 dev lo\n",
			 &cfg, out, sizeof(out));
	CHECK_ONE("config-bad-rc", rc == -EINVAL, "rc %d", rc);
	CHECK_ONE("config-bad-every-line",
		  has_line(out, 2, "duplicate attach lo (first on line 1)") &&
			  has_line(out, 3, "no such interface") &&
			  has_line(out, 4, "host bits set") &&
			  has_line(out, 5, "an IPv4 next hop") &&
			  has_line(out, 7, "duplicate route 10.0.10.0/24 (first on line 6)") &&
			  has_line(out, 8, "extra: unexpected") && has_line(out, 9, "not a MAC") &&
			  has_line(out, 10, "unknown statement") &&
			  has_line(out, 11, "no \"attach other0\" line") &&
			  has_line(out, 12, "mode native|skb") &&
			  has_line(out, 14, "duplicate neigh fe80::5 dev lo (first on line 13)") &&
			  !has_line(out, 1, "") && !has_line(out, 6, "") && !has_line(out, 13, ""),
		  "stderr:\n%s", out);

	/* ECMP: objects, groups, routes by id, multipath over continuation lines */
	rc = read_config(
		"attach lo\n"
		"nexthop id 2 via fe80::2 dev lo\n"
		"nexthop id 10 group 1/2,3\n"
		"nexthop id 1 via inet6 fe80::1 dev lo scope link\n"
		"route 10.0.0.0/24 nhid 10\n"
		"route 10.0.1.0/24\n"
		"\tnexthop via inet6 fe80::1 dev lo weight 1\n"
		"\tnexthop via inet6 fe80::2 dev lo weight 7 linkdown\n"
		"route 10.0.2.0/24 nexthop via fe80::3 dev lo weight 2 nexthop via fe80::4 "
		"dev lo\n"
		"route 10.0.3.0/24 via fe80::1 dev lo\n",
		&cfg, out, sizeof(out));
	CHECK_ONE("config-ecmp",
		  !rc && cfg.n_routes == 4 && cfg.n_nhs == 3 && cfg.nhs[0].id == 1 &&
			  cfg.nhs[2].id == 10 && cfg.nhs[2].n_hops == 2 &&
			  cfg.nhs[2].flags == V4VIA6_NHDEF_GROUP &&
			  cfg.hops[cfg.nhs[2].first_hop + 1].m.weight == 3 &&
			  cfg.hops[cfg.nhs[0].first_hop].m.nh.ifindex == cfg.ifaces[0].ifindex &&
			  cfg.routes[0].nh.ifindex == V4VIA6_IFINDEX_GROUP &&
			  !cfg.routes[0].n_hops && cfg.routes[1].n_hops == 2 &&
			  cfg.hops[cfg.routes[1].first_hop + 1].m.weight == 7 &&
			  cfg.hops[cfg.routes[1].first_hop + 1].m.nh.ifindex ==
				  cfg.ifaces[0].ifindex &&
			  cfg.routes[2].n_hops == 2 && cfg.routes[3].nh.ifindex != 0 &&
			  !cfg.routes[3].n_hops,
		  "rc %d, %zu routes, %zu objects; stderr: %s", rc, cfg.n_routes, cfg.n_nhs, out);
	if (!rc)
		config_free(&cfg);

	rc = read_config(
		"attach lo\n"
		"nexthop id 1 via fe80::1 dev lo\n"
		"nexthop id 1 via fe80::2 dev lo\n"
		"nexthop id 0 via fe80::1 dev lo\n"
		"nexthop id 5 group 1/5\n"
		"nexthop id 6 group 1/99\n"
		"nexthop id 7 group 1,0\n"
		"nexthop id 8 group 1,65536\n"
		"nexthop id 9 group 1/7\n"
		"nexthop id 11 group 1/2/3/4/5/6/7/8/9/10/12/13/14/15/16/17/18/19/20/21/22/23/"
		"24/25/26/27/28/29/30/31/32/33/34\n"
		"route 10.0.0.0/24 nhid 42\n"
		"\tnexthop via fe80::1 dev lo\n"
		"nexthop id 12 via fe80::1 dev other0\n"
		"route 10.0.1.0/24 nexthop via fe80::1 dev lo weight 0\n"
		"route 10.0.2.0/24\n"
		"  nexthop via fe80::1 dev other1 weight 2\n"
		"route 10.0.3.0/24 nhid 0\n"
		"nexthop id 13 via fe80::1\n",
		&cfg, out, sizeof(out));
	CHECK_ONE("config-ecmp-bad-rc", rc == -EINVAL, "rc %d", rc);
	CHECK_ONE("config-ecmp-bad-every-line",
		  has_line(out, 3, "duplicate nexthop id 1 (first on line 2)") &&
			  has_line(out, 4, "id 0: not a nexthop id") &&
			  has_line(out, 5, "id 5 names itself") &&
			  has_line(out, 6, "member 99: no \"nexthop id 99\" line") &&
			  has_line(out, 7, "weight 0: not a weight") &&
			  has_line(out, 8, "weight 65536: not a weight") &&
			  has_line(out, 9, "member 7: no \"nexthop id 7\" line") &&
			  has_line(out, 10, "more than 32 members") &&
			  has_line(out, 11, "nexthop: unexpected argument") &&
			  has_line(out, 13, "no \"attach other0\" line") &&
			  has_line(out, 14, "weight 0: not a weight") &&
			  has_line(out, 15, "no \"attach other1\" line") &&
			  has_line(out, 17, "nhid 0: not a nexthop id") &&
			  has_line(out, 18, "missing \"dev IFACE\"") && !has_line(out, 2, "") &&
			  !has_line(out, 12, "") && !has_line(out, 16, ""),
		  "stderr:\n%s", out);
	rc = read_config("attach lo\n"
			 "nexthop id 1 via fe80::1 dev lo\n"
			 "nexthop id 2 group 1\n"
			 "nexthop id 3 group 2/1\n"
			 "\tnexthop via fe80::1 dev lo\n"
			 "route 10.0.0.0/24 nhid 3\n"
			 "route 10.0.9.0/24 nhid 42\n",
			 &cfg, out, sizeof(out));
	CHECK_ONE("config-ecmp-nested",
		  rc == -EINVAL && has_line(out, 4, "member 2 is a group") &&
			  has_line(out, 5, "no route line before it") && !has_line(out, 6, "") &&
			  has_line(out, 7, "nhid 42: no \"nexthop id 42\" line"),
		  "rc %d, stderr:\n%s", rc, out);

	rc = read_config("", &cfg, out, sizeof(out));
	CHECK_ONE("config-empty", !rc && !cfg.n_ifaces && !cfg.n_routes && !cfg.n_neighs,
		  "rc %d: %s", rc, out);
	if (!rc)
		config_free(&cfg);
	fflush(stderr);
	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	rc = config_read("/nonexistent/v4via6.conf", &cfg);
	dup2(saved, 2);
	close(saved);
	close(null);
	CHECK_ONE("config-missing-file", rc == -ENOENT, "rc %d", rc);
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *saved = stdout;

	stdout = open_memstream(&buf, &len);
	json_object_start();
	json_kv_string("s", "a\"b\\c\nd\te\x01");
	json_kv_uint("n", 18446744073709551615ULL);
	json_key("a");
	json_array_start();
	json_object_start();
	json_kv_bool("t", true);
	json_object_end();
	json_string("x");
	json_array_end();
	json_key("e");
	json_array_start();
	json_array_end();
	json_object_end();
	fclose(stdout);
	stdout = saved;
	CHECK_ONE("json-writer",
		  buf && !strcmp(buf, "{\"s\":\"a\\\"b\\\\c\\nd\\te\\u0001\","
				      "\"n\":18446744073709551615,\"a\":[{\"t\":true},\"x\"],"
				      "\"e\":[]}\n"),
		  "got %s", buf ? buf : "(nothing)");
	free(buf);

	/* bytes that are not UTF-8 (stray, overlong, surrogate, truncated) become \u00XX */
	buf = NULL;
	stdout = open_memstream(&buf, &len);
	json_string(
		"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xff\xfe|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\x7f");
	fclose(stdout);
	stdout = saved;
	CHECK_ONE(
		"json-non-utf8",
		buf && !strcmp(buf,
			       "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\u00ff\\u00fe|\\u00c0\\u00af|"
			       "\\u00ed\\u00a0\\u0080|\\u00e2\\u0082|\\u007f\""),
		"got %s", buf ? buf : "(nothing)");
	free(buf);
}

int main(void)
{
	check_suite = "parse";
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_prefixes();
	test_ipv6_and_mac();
	test_args();
	test_config();
	test_json();
	return check_failures ? 1 : 0;
}
