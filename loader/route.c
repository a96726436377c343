// SPDX-License-Identifier: GPL-2.0-only
/* v4via6 route add|replace|del|show|flush|check: the routes LPM trie (and its tbl24). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "dump.h"
#include "fib24.h"
#include "json.h"
#include "local.h"
#include "parse.h"

static const char route_usage[] =
    "Usage: v4via6 route add     PREFIX via [inet6] IPV6 dev IFACE\n"
    "       v4via6 route replace PREFIX via [inet6] IPV6 dev IFACE\n"
    "       v4via6 route add|replace throw PREFIX\n"
    "       v4via6 route del     PREFIX\n"
    "       v4via6 route show    [PREFIX | local]\n"
    "       v4via6 route flush\n"
    "       v4via6 route check\n"
    "  PREFIX is A.B.C.D/N, A.B.C.D (a /32), default or 0/0. `nexthop via inet6 IPV6 dev\n"
    "  IFACE` is accepted too, as `ip route` writes it. IFACE must be attached.\n"
    "  A throw route leaves its prefix to the kernel, inside a wider route of v4via6's.\n"
    "  show local lists the router's own and broadcast addresses, which v4via6 leaves to\n"
    "  the kernel by itself (read from the kernel's local table by every command that\n"
    "  writes routes); show leaves them out.\n"
    "  check compares the program's /24 table with the routes and repairs it.\n";

static int open_fib(const char *what, const struct v4via6_state *st, struct fib24 *fib)
{
	int err = fib24_open_state(fib, st);

	if (err)
		pr_err("%s: mapping the /24 table: %s", what, strerror(-err));
	return err;
}

/* Parses the route, checks its interface is attached; returns an exit status. */
static int route_from_args(const char *what, int argc, char **argv, struct route_key *key,
			   struct nexthop *nh, const struct v4via6_state *st)
{
	char err[PARSE_ERR_LEN];
	struct route_spec r;
	struct egress eg;
	int rc;

	rc = parse_route_args(argc, argv, true, &r, err, sizeof(err));
	if (rc == PARSE_USAGE)
		return usage_error(what, err, route_usage);
	if (rc) {
		pr_err("%s: %s", what, err);
		return EXIT_FAIL;
	}
	*key = r.key;
	memset(nh, 0, sizeof(*nh));
	if (r.throw_) /* nh->ifindex is V4VIA6_IFINDEX_KERNEL */
		return EXIT_OK;
	memcpy(nh->addr, r.via, sizeof(nh->addr));
	if (parse_ifname(r.dev, &nh->ifindex, err, sizeof(err))) {
		pr_err("%s: %s", what, err);
		return EXIT_FAIL;
	}
	if (st && bpf_map_lookup_elem(st->egress_fd, &nh->ifindex, &eg)) {
		pr_err("%s: dev %s: not attached (v4via6 attach %s first)", what, r.dev, r.dev);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int route_update(const char *what, int argc, char **argv, __u64 flags)
{
	char pfx[ADDR_STR_LEN];
	struct v4via6_state st;
	struct local_set ls;
	struct route_key key;
	struct fib24 fib;
	struct nexthop nh;
	int rc, err;

	if (wants_help(argc, argv))
		return print_help(route_usage);
	/* bad usage is reported before anything is opened */
	rc = route_from_args(what, argc, argv, &key, &nh, NULL);
	if (rc)
		return rc;
	if (open_state(what, &st, false))
		return EXIT_FAIL;
	rc = route_from_args(what, argc, argv, &key, &nh, &st);
	if (!rc && open_fib(what, &st, &fib))
		rc = EXIT_FAIL;
	if (rc)
		goto out;
	if (local_before(&fib, &key, what, &ls)) {
		rc = EXIT_FAIL;
		goto out_fib;
	}
	if (local_refuses(&ls, &key, &nh, what)) {
		rc = EXIT_FAIL;
		goto out_local;
	}
	/* a throw takes a local entry's place (both leave the prefix to the kernel), so does any
	 * route at a local entry whose address is gone */
	if (ls.read)
		flags = BPF_ANY;
	/* one update: a replaced route never disappears in between */
	err = fib24_update(&fib, &key, &nh, flags);
	if (err) {
		format_prefix(&key, pfx, sizeof(pfx));
		if (err == -EEXIST)
			pr_err("%s: %s: exists (v4via6 route replace overwrites)", what, pfx);
		else
			pr_err("%s: %s: %s", what, pfx, strerror(-err));
		rc = EXIT_FAIL;
	}
out_local:
	if (local_after(&fib, st.pin_dir, &ls, what))
		rc = EXIT_FAIL;
out_fib:
	fib24_close(&fib);
out:
	state_close(&st);
	return rc;
}

static int route_add(int argc, char **argv)
{
	return route_update("route add", argc, argv, BPF_NOEXIST);
}

static int route_replace(int argc, char **argv)
{
	return route_update("route replace", argc, argv, BPF_ANY);
}

static int route_del(int argc, char **argv)
{
	char err[PARSE_ERR_LEN], pfx[ADDR_STR_LEN];
	struct v4via6_state st;
	struct local_set ls;
	struct route_spec r;
	struct fib24 fib;
	int rc, e;

	if (wants_help(argc, argv))
		return print_help(route_usage);
	/* `route del PREFIX via ... dev ...` as ip accepts it: the rest must still parse */
	rc = parse_route_args(argc, argv, argc > 1, &r, err, sizeof(err));
	if (rc == PARSE_USAGE)
		return usage_error("route del", err, route_usage);
	if (rc) {
		pr_err("route del: %s", err);
		return EXIT_FAIL;
	}
	if (open_state("route del", &st, false))
		return EXIT_FAIL;
	if (open_fib("route del", &st, &fib)) {
		state_close(&st);
		return EXIT_FAIL;
	}
	if (local_before(&fib, &r.key, "route del", &ls)) {
		fib24_close(&fib);
		state_close(&st);
		return EXIT_FAIL;
	}
	rc = EXIT_OK;
	format_prefix(&r.key, pfx, sizeof(pfx));
	if (local_has(&ls, &r.key) && local_entry_at(&fib, &r.key)) {
		pr_err("route del: %s: a local address of this router, not a route (its local "
		       "entry goes with the address)",
		       pfx);
		rc = EXIT_FAIL;
	} else if ((e = fib24_delete(&fib, &r.key))) {
		if (e == -ENOENT)
			pr_err("route del: %s: no such route", pfx);
		else
			pr_err("route del: %s: %s", pfx, strerror(-e));
		rc = EXIT_FAIL;
	}
	/* a throw deleted at a local prefix gives way to a local entry again */
	if (local_after(&fib, st.pin_dir, &ls, "route del"))
		rc = EXIT_FAIL;
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

static void print_route(const struct route_entry *e)
{
	char pfx[ADDR_STR_LEN], via[ADDR_STR_LEN], dev[IF_NAMESIZE];

	format_prefix(&e->key, pfx, sizeof(pfx));
	if (e->nh.ifindex == V4VIA6_IFINDEX_KERNEL) {
		const char *type = route_is_local(&e->val) ? "local" : "throw";

		if (!json_output) {
			printf("%s %s\n", type, pfx);
			return;
		}
		json_object_start();
		json_kv_string("type", type);
		json_kv_string("dst", pfx);
		json_object_end();
		return;
	}
	format_ipv6(e->nh.addr, via, sizeof(via));
	ifname_cached(e->nh.ifindex, dev);
	if (!json_output) {
		printf("%s via inet6 %s dev %s\n", pfx, via, dev);
		return;
	}
	json_object_start();
	json_kv_string("dst", pfx);
	json_key("via");
	json_object_start();
	json_kv_string("family", "inet6");
	json_kv_string("host", via);
	json_object_end();
	json_kv_string("dev", dev);
	json_object_end();
}

static int route_show(int argc, char **argv)
{
	char err[PARSE_ERR_LEN];
	struct route_entry *routes = NULL;
	struct v4via6_state st;
	struct route_spec r;
	struct fib24 fib;
	size_t i, n = 0;
	bool local = false;
	int rc;

	if (wants_help(argc, argv))
		return print_help(route_usage);
	/* the local entries instead of the routes: "local", or "table local" as ip says it */
	if ((argc == 1 && !strcmp(argv[0], "local")) ||
	    (argc == 2 && !strcmp(argv[0], "table") && !strcmp(argv[1], "local"))) {
		local = true;
		argc = 0;
	}
	if (argc > 1)
		return usage_error("route show", "too many arguments", route_usage);
	if (argc == 1) {
		rc = parse_route_args(argc, argv, false, &r, err, sizeof(err));
		if (rc) {
			pr_err("route show: %s", err);
			return rc;
		}
	}
	if (open_state("route show", &st, false))
		return EXIT_FAIL;
	/* tables a dead writer left dirty are repaired here too (fib24_open) */
	if (open_fib("route show", &st, &fib)) {
		state_close(&st);
		return EXIT_FAIL;
	}
	fib24_close(&fib);
	rc = route_dump(st.routes_fd, &routes, &n);
	state_close(&st);
	if (rc) {
		pr_err("route show: reading routes: %s", strerror(-rc));
		return EXIT_FAIL;
	}
	if (json_output)
		json_array_start();
	for (i = 0; i < n; i++)
		if (route_is_local(&routes[i].val) == local &&
		    (!argc || !route_key_cmp(&routes[i].key, &r.key)))
			print_route(&routes[i]);
	if (json_output)
		json_array_end();
	free(routes);
	return EXIT_OK;
}

static int route_flush(int argc, char **argv)
{
	struct v4via6_state st;
	struct local_set ls;
	struct fib24 fib;
	int rc = EXIT_OK, err;

	if (wants_help(argc, argv))
		return print_help(route_usage);
	if (argc)
		return usage_error("route flush", "too many arguments", route_usage);
	if (open_state("route flush", &st, false))
		return EXIT_FAIL;
	if (open_fib("route flush", &st, &fib)) {
		state_close(&st);
		return EXIT_FAIL;
	}
	if (local_begin(&fib, "route flush", &ls)) {
		fib24_close(&fib);
		state_close(&st);
		return EXIT_FAIL;
	}
	err = fib24_flush(&fib);
	if (err) {
		pr_err("route flush: %s", strerror(-err));
		rc = EXIT_FAIL;
	}
	/* the operator's routes only: the local entries are written again at once */
	if (local_end(&fib, st.pin_dir, &ls, "route flush", 0))
		rc = EXIT_FAIL;
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

/*
 * Compares tbl24 with the trie, and rebuilds it when they differ: after a
 * writer died half-way, or a route was written into the trie by hand.
 */
static int route_check(int argc, char **argv)
{
	struct route_entry *all = NULL;
	struct v4via6_state st;
	struct local_set ls;
	struct fib24 fib;
	int rc = EXIT_OK, err;
	size_t n = 0;
	long bad;

	if (wants_help(argc, argv))
		return print_help(route_usage);
	if (argc)
		return usage_error("route check", "too many arguments", route_usage);
	if (open_state("route check", &st, false))
		return EXIT_FAIL;
	if (open_fib("route check", &st, &fib)) {
		state_close(&st);
		return EXIT_FAIL;
	}
	if (local_begin(&fib, "route check", &ls)) {
		fib24_close(&fib);
		state_close(&st);
		return EXIT_FAIL;
	}
	bad = fib24_check(&fib);
	if (bad < 0) {
		pr_err("route check: %s", strerror((int)-bad));
		rc = EXIT_FAIL;
	} else if (bad) {
		pr_err("route check: %ld /24 entries differ from the routes; rebuilt", bad);
		bad = fib24_rebuild(&fib);
		if (bad)
			pr_err("route check: rebuilding: %s", strerror((int)-bad));
		rc = EXIT_FAIL;
	}
	/* every local entry of the map, not only those listed: what a killed writer left */
	err = route_dump(st.routes_fd, &all, &n);
	if (!err)
		err = local_update(&fib, st.pin_dir, &ls, all, n, "route check");
	else
		pr_err("route check: reading routes: %s", strerror(-err));
	free(all);
	if (local_end(&fib, st.pin_dir, &ls, "route check", err))
		rc = EXIT_FAIL;
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

static const struct cmd route_cmds[] = {
    {"add", route_add},	    {"replace", route_replace}, {"del", route_del},
    {"delete", route_del},  {"show", route_show},	{"list", route_show},
    {"flush", route_flush}, {"check", route_check},	{NULL, NULL},
};

int do_route(int argc, char **argv)
{
	return cmd_dispatch("route", route_cmds, route_show, argc, argv, route_usage);
}
