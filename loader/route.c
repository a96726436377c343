// SPDX-License-Identifier: GPL-2.0-only
/* v4via6 route add|replace|del|show|flush|check: the routes LPM trie (and its forwarding table). */
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
#include "nhview.h"
#include "iface.h"
#include "json.h"
#include "local.h"
#include "parse.h"

const char route_usage[] =
	"Usage: v4via6 route add     PREFIX via [inet6] IPV6 dev IFACE\n"
	"       v4via6 route replace PREFIX via [inet6] IPV6 dev IFACE\n"
	"       v4via6 route add|replace PREFIX nhid ID\n"
	"       v4via6 route add|replace PREFIX nexthop via [inet6] IPV6 dev IFACE [weight W]\n"
	"                                       [nexthop via ...]...\n"
	"       v4via6 route add|replace throw PREFIX\n"
	"       v4via6 route del     PREFIX\n"
	"       v4via6 route show    [PREFIX | local]\n"
	"       v4via6 route flush\n"
	"       v4via6 route check\n"
	"  PREFIX is A.B.C.D/N, A.B.C.D (a /32), default or 0/0. `nexthop via inet6 IPV6 dev\n"
	"  IFACE` is accepted too, as `ip route` writes it. IFACE must be attached.\n"
	"  nhid ID names a nexthop object or group (v4via6 nexthop add). Several `nexthop via`\n"
	"  make a multipath route (ECMP: flows spread by weight, 1..65535, at most 32 next\n"
	"  hops); show prints it as ip route does, one `nexthop` line per next hop.\n"
	"  A throw route leaves its prefix to the kernel, inside a wider route of v4via6's.\n"
	"  show local lists the router's own and broadcast addresses, which v4via6 leaves to\n"
	"  the kernel by itself (read from the kernel's local table by every command that\n"
	"  writes routes); show leaves them out.\n"
	"  check compares the program's forwarding table (tbl24, tbl8 and the nexthop objects\n"
	"  with their MACs) with the routes and neighbours, and repairs it.\n";

/* A full table: which of its pools is full. */
static void pr_nospace(const struct fib24 *fib, const char *what, const char *pfx)
{
	struct pool_counts c;

	pool_counts_read(fib->nexthops_fd, fib->owners_fd, &c);
	pr_err("%s: %s: %s (nexthop objects: %lld of %lld in use; tbl8 blocks: %lld of %lld in use)",
	       what, pfx, strerror(ENOSPC), c.nh, c.nh_limit, c.t8_used, c.t8_total);
}

/* The parsed route: plain, nhid or multipath (hops resolved into members). */
struct route_req {
	struct route_spec r;
	struct nexthop nh; /* plain, throw or nhid: what goes into the trie */
	struct nh_member m[V4VIA6_NHGRP_MAX_SIZE]; /* multipath: r.n_hops of them */
};

/* Parses the route and resolves its interfaces; returns an exit status. */
static int route_from_args(int argc, char **argv, struct route_req *q)
{
	char err[PARSE_ERR_LEN];
	struct nh_key k;
	__u32 i;
	int rc;

	rc = parse_route_args(argc, argv, true, &q->r, err, sizeof(err));
	if (rc == PARSE_USAGE)
		return usage_error("%s", err);
	if (rc) {
		pr_err("%s: %s", cmd_name(), err);
		return EXIT_FAIL;
	}
	memset(&q->nh, 0, sizeof(q->nh));
	memset(q->m, 0, sizeof(q->m));
	if (q->r.throw_) /* nh->ifindex is V4VIA6_IFINDEX_KERNEL */
		return EXIT_OK;
	if (q->r.nhid) {
		k.id = q->r.nhid;
		k.kind = V4VIA6_NH_NAMED;
		nh_of_key(&k, &q->nh);
		return EXIT_OK;
	}
	for (i = 0; i < q->r.n_hops; i++) {
		memcpy(q->m[i].nh.addr, q->r.hops[i].via, sizeof(q->m[i].nh.addr));
		q->m[i].weight = q->r.hops[i].weight;
		if (parse_ifname(q->r.hops[i].dev, &q->m[i].nh.ifindex, err, sizeof(err))) {
			pr_err("%s: %s", cmd_name(), err);
			return EXIT_FAIL;
		}
	}
	if (q->r.n_hops)
		return EXIT_OK;
	memcpy(q->nh.addr, q->r.via, sizeof(q->nh.addr));
	if (parse_ifname(q->r.dev, &q->nh.ifindex, err, sizeof(err))) {
		pr_err("%s: %s", cmd_name(), err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Every interface the route names is attached; else says which is not. */
static int route_ifaces_attached(const struct v4via6_state *st, const struct route_req *q)
{
	__u32 i;

	for (i = 0; i < q->r.n_hops; i++)
		if (iface_check_attached(st, q->m[i].nh.ifindex, q->r.hops[i].dev))
			return EXIT_FAIL;
	if (!q->r.n_hops && !q->r.nhid && q->nh.ifindex != V4VIA6_IFINDEX_KERNEL &&
	    iface_check_attached(st, q->nh.ifindex, q->r.dev))
		return EXIT_FAIL;
	return EXIT_OK;
}

/*
 * The next hop the trie gets for a route by id (the object must exist) or
 * with next hops of its own (an anonymous object, found or made).
 */
static int route_group_nh(struct fib24 *fib, struct route_req *q, const char *pfx)
{
	struct nh_key k = { .id = q->r.nhid, .kind = V4VIA6_NH_NAMED };
	struct nh_def def;
	int err;

	if (q->r.nhid) {
		err = fib24_nh_get(fib, &k, &def);
		if (err == -ENOENT)
			pr_err("%s: nhid %u: no such nexthop object (v4via6 nexthop add id %u ...)",
			       cmd_name(), q->r.nhid, q->r.nhid);
		else if (err)
			pr_err("%s: nhid %u: %s", cmd_name(), q->r.nhid, strerror(-err));
		return err ? EXIT_FAIL : EXIT_OK;
	}
	if (!q->r.n_hops)
		return EXIT_OK;
	err = fib24_nh_anon(fib, q->m, q->r.n_hops, &q->nh);
	if (err == -ENOSPC)
		pr_err("%s: %s: %s (the nh_defs map holds %u nexthop objects)", cmd_name(), pfx,
		       strerror(-err), V4VIA6_MAX_NH_DEFS);
	else if (err)
		pr_err("%s: %s: its next hops: %s", cmd_name(), pfx, strerror(-err));
	return err ? EXIT_FAIL : EXIT_OK;
}

static int route_update(int argc, char **argv, __u64 flags)
{
	static const struct nexthop group_nh = { .ifindex = V4VIA6_IFINDEX_GROUP };
	const char *what = cmd_name();
	char pfx[ADDR_STR_LEN];
	struct v4via6_state st;
	struct route_req q;
	struct local_set ls;
	struct fib24 fib;
	int rc, err;

	/* bad usage is reported before anything is opened */
	rc = route_from_args(argc, argv, &q);
	if (rc)
		return rc;
	format_prefix(&q.r.key, pfx, sizeof(pfx));
	if (open_state(&st, false))
		return EXIT_FAIL;
	rc = route_ifaces_attached(&st, &q);
	if (!rc && open_fib(&st, &fib))
		rc = EXIT_FAIL;
	if (rc)
		goto out;
	if (local_before(&fib, &q.r.key, &ls)) {
		rc = EXIT_FAIL;
		goto out_fib;
	}
	/* before a multipath route's object is made: q.nh is a group's only after */
	if (local_refuses(&ls, &q.r.key, q.r.n_hops ? &group_nh : &q.nh)) {
		rc = EXIT_FAIL;
		goto out_local;
	}
	rc = route_group_nh(&fib, &q, pfx);
	if (rc)
		goto out_local;
	/* a throw takes a local entry's place (both leave the prefix to the kernel), so does any
	 * route at a local entry whose address is gone */
	if (ls.read)
		flags = BPF_ANY;
	/* one update: a replaced route never disappears in between */
	err = fib24_update(&fib, &q.r.key, &q.nh, flags);
	if (err) {
		if (err == -EEXIST)
			pr_err("%s: %s: exists (v4via6 route replace overwrites)", what, pfx);
		else if (err == -ENOSPC && nh_is_group(&q.nh))
			pr_err("%s: %s: %s (a group slot for its nexthop object: routes name at "
			       "most %u objects, by nhid or with next hops of their own; or a tbl8 "
			       "block)",
			       what, pfx, strerror(-err), V4VIA6_MAX_NHGRPS - 1);
		else if (err == -ENOSPC)
			pr_nospace(&fib, what, pfx);
		else
			pr_err("%s: %s: %s", what, pfx, strerror(-err));
		rc = EXIT_FAIL;
	}
out_local:
	if (local_after(&fib, st.pin_dir, &ls))
		rc = EXIT_FAIL;
out_fib:
	fib24_close(&fib);
out:
	state_close(&st);
	return rc;
}

static int route_add(int argc, char **argv)
{
	return route_update(argc, argv, BPF_NOEXIST);
}

static int route_replace(int argc, char **argv)
{
	return route_update(argc, argv, BPF_ANY);
}

static int route_del(int argc, char **argv)
{
	char err[PARSE_ERR_LEN], pfx[ADDR_STR_LEN];
	struct v4via6_state st;
	struct local_set ls;
	struct route_spec r;
	struct fib24 fib;
	int rc, e;

	/* `route del PREFIX via ... dev ...` as ip accepts it: the rest must still parse */
	rc = parse_route_args(argc, argv, argc > 1, &r, err, sizeof(err));
	if (rc == PARSE_USAGE)
		return usage_error("%s", err);
	if (rc) {
		pr_err("route del: %s", err);
		return EXIT_FAIL;
	}
	if (open_state_fib(&st, &fib))
		return EXIT_FAIL;
	if (local_before(&fib, &r.key, &ls)) {
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
	if (local_after(&fib, st.pin_dir, &ls))
		rc = EXIT_FAIL;
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

/* The links down (links_down), read once for a listing: a million routes ask. */
static struct {
	__u32 ifindex[V4VIA6_MAX_IFACES];
	int n; /* -1: not read */
} downs = { .n = -1 };

static bool link_is_down(int links_down_fd, __u32 ifindex)
{
	__u32 key, prev = 0;
	bool first = true;
	int i;

	if (downs.n < 0) {
		downs.n = 0;
		while (links_down_fd >= 0 &&
		       !bpf_map_get_next_key(links_down_fd, first ? NULL : &prev, &key)) {
			first = false;
			prev = key;
			if (downs.n < V4VIA6_MAX_IFACES && nh_link_down(links_down_fd, key))
				downs.ifindex[downs.n++] = key;
		}
	}
	for (i = 0; i < downs.n; i++)
		if (downs.ifindex[i] == ifindex)
			return true;
	return false;
}

/* A route's own next hops (an anonymous object), as `ip route` prints RTA_MULTIPATH. */

/* An IPv6 next hop of an IPv4 route as `ip -j route` shows it: "via":{"family","host"}, "dev". */
static void json_via(const char *via, const char *dev)
{
	json_key("via");
	json_object_start();
	json_kv_string("family", "inet6");
	json_kv_string("host", via);
	json_object_end();
	json_kv_string("dev", dev);
}
static void print_hops(const char *pfx, const struct nh_def *def, int links_down_fd)
{
	char via[ADDR_STR_LEN], dev[IF_NAMESIZE];
	__u32 i, n = def ? def->n : 0;

	if (!json_output) {
		printf("%s", pfx);
		if (!n)
			printf(" nexthop (gone)");
		printf("\n");
	} else {
		json_object_start();
		json_kv_string("dst", pfx);
		json_key("nexthops");
		json_array_start();
	}
	for (i = 0; i < n && i < V4VIA6_NHGRP_MAX_SIZE; i++) {
		const struct nh_member *m = &def->m[i];
		bool down = link_is_down(links_down_fd, m->nh.ifindex);

		format_ipv6(m->nh.addr, via, sizeof(via));
		ifname_cached(m->nh.ifindex, dev);
		if (!json_output) {
			/* "linkdown" as ip prints it; route add reads it back and ignores it */
			printf("\tnexthop via inet6 %s dev %s weight %u%s\n", via, dev, m->weight,
			       down ? " linkdown" : "");
			continue;
		}
		json_object_start();
		json_via(via, dev);
		json_kv_uint("weight", m->weight);
		json_key("flags");
		json_array_start();
		if (down)
			json_string("linkdown");
		json_array_end();
		json_object_end();
	}
	if (json_output) {
		json_array_end();
		json_object_end();
	}
}

static void print_route(const struct route_entry *e, const struct v4via6_state *st)
{
	/* routes of one set of next hops share its object: one lookup for a run of them */
	static struct nh_key last = { .kind = V4VIA6_NH_NAMED };
	static struct nh_def def;
	char pfx[ADDR_STR_LEN], via[ADDR_STR_LEN], dev[IF_NAMESIZE];
	struct nh_key k;

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
	if (nh_is_group(&e->nh)) {
		nh_key_of(&e->nh, &k);
		if (k.kind == V4VIA6_NH_ANON) {
			if (memcmp(&k, &last, sizeof(k)) &&
			    (st->nh_defs_fd < 0 || bpf_map_lookup_elem(st->nh_defs_fd, &k, &def))) {
				print_hops(pfx, NULL, -1);
				return;
			}
			last = k;
			print_hops(pfx, &def, st->links_down_fd);
			return;
		}
		if (!json_output) {
			printf("%s nhid %u\n", pfx, k.id);
			return;
		}
		json_object_start();
		json_kv_string("dst", pfx);
		json_kv_uint("nhid", k.id);
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
	json_via(via, dev);
	json_object_end();
}

static int route_show(int argc, char **argv)
{
	char err[PARSE_ERR_LEN];
	struct route_entry *routes = NULL;
	struct v4via6_state st;
	struct route_spec r;
	size_t i, n = 0;
	bool local = false;
	int rc;

	/* the local entries instead of the routes: "local", or "table local" as ip says it */
	if ((argc == 1 && !strcmp(argv[0], "local")) ||
	    (argc == 2 && !strcmp(argv[0], "table") && !strcmp(argv[1], "local"))) {
		local = true;
		argc = 0;
	}
	if (argc > 1) /* the table allows 2 for "table local" */
		return usage_error("too many arguments");
	if (argc == 1) {
		rc = parse_route_args(argc, argv, false, &r, err, sizeof(err));
		if (rc) {
			pr_err("route show: %s", err);
			return rc;
		}
	}
	if (open_state_repaired(&st))
		return EXIT_FAIL;
	rc = route_dump(st.routes_fd, &routes, &n);
	if (rc) {
		pr_err("route show: reading routes: %s", strerror(-rc));
		state_close(&st);
		return EXIT_FAIL;
	}
	if (json_output)
		json_array_start();
	for (i = 0; i < n; i++)
		if (route_is_local(&routes[i].val) == local &&
		    (!argc || !route_key_cmp(&routes[i].key, &r.key)))
			print_route(&routes[i], &st);
	if (json_output)
		json_array_end();
	state_close(&st);
	free(routes);
	return EXIT_OK;
}

static int route_flush(int argc, char **argv)
{
	struct v4via6_state st;
	struct local_set ls;
	struct fib24 fib;
	int rc = EXIT_OK, err;

	if (open_state_fib(&st, &fib))
		return EXIT_FAIL;
	if (local_begin(&fib, &ls)) {
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
	if (local_end(&fib, st.pin_dir, &ls, 0))
		rc = EXIT_FAIL;
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

/*
 * Compares the forwarding table with the trie and the neighbour map, and
 * rebuilds it when they differ: after a writer died half-way, or an entry
 * was written by hand.
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

	if (open_state_fib(&st, &fib))
		return EXIT_FAIL;
	if (local_begin(&fib, &ls)) {
		fib24_close(&fib);
		state_close(&st);
		return EXIT_FAIL;
	}
	bad = fib24_check(&fib);
	if (bad < 0) {
		pr_err("route check: %s", strerror((int)-bad));
		rc = EXIT_FAIL;
	} else if (bad) {
		pr_err("route check: %ld entries of the forwarding table differ from the routes "
		       "and neighbours; rebuilt",
		       bad);
		bad = fib24_rebuild(&fib);
		if (bad)
			pr_err("route check: rebuilding: %s", strerror((int)-bad));
		rc = EXIT_FAIL;
	}
	/* every local entry of the map, not only those listed: what a killed writer left */
	err = route_dump(st.routes_fd, &all, &n);
	if (!err)
		err = local_update(&fib, st.pin_dir, &ls, all, n);
	else
		pr_err("route check: reading routes: %s", strerror(-err));
	free(all);
	if (local_end(&fib, st.pin_dir, &ls, err))
		rc = EXIT_FAIL;
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

/* name, function, usage, min and max argument count (the parser counts add's and del's) */
static const struct cmd route_cmds[] = {
	{ "add", route_add, route_usage, 0, CMD_ANY, .writes = true },
	{ "replace", route_replace, route_usage, 0, CMD_ANY, .writes = true },
	{ "del", route_del, route_usage, 0, CMD_ANY, .writes = true },
	{ "delete", route_del, route_usage, 0, CMD_ANY, .writes = true },
	{ "show", route_show, route_usage, 0, 2 },
	{ "list", route_show, route_usage, 0, 2 },
	{ "flush", route_flush, route_usage, 0, 0, .writes = true },
	{ "check", route_check, route_usage, 0, 0, .writes = true },
	{ NULL },
};

int do_route(int argc, char **argv)
{
	return cmd_dispatch(route_cmds, "show", argc, argv, route_usage);
}
