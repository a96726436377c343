// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 nexthop add|replace|del|show: nexthop objects and groups by id, as
 * `ip nexthop` has them (nh_defs, written through fib24.h), and the objects
 * of the forwarding table (slots of the nexthops array) that the routes use,
 * with -s their forwarding counters (nh_stats) as `ip -s nexthop show` does.
 */
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
#include "iface.h"
#include "json.h"
#include "nhview.h"
#include "parse.h"

const char nexthop_usage[] =
	"Usage: v4via6 nexthop add|replace id ID via [inet6] IPV6 dev IFACE\n"
	"       v4via6 nexthop add|replace id ID group ID[,WEIGHT]/ID[,WEIGHT]...\n"
	"       v4via6 nexthop del id ID\n"
	"       v4via6 nexthop show [-s] [id ID | object N] [dev IFACE]\n"
	"  Nexthop objects as ip nexthop has them: ID 1..4294967295, one next hop or a group\n"
	"  of at most 32 objects with weights 1..65535 (1 when left out), for routes that\n"
	"  say `nhid ID`. A group spreads flows over its members by a hash, in proportion\n"
	"  to their weights; replace changes every route using the object at once. An object\n"
	"  in use by a route or a group cannot be deleted. IFACE must be attached.\n"
	"  show prints the objects as ip nexthop show does (each line reads back with add):\n"
	"    id ID via IPV6 dev IFACE\n"
	"    id ID group ID[,WEIGHT]/...\n"
	"  then the forwarding table's objects, one per next hop (IPv6 address and interface)\n"
	"  that routes name, made and freed with them: N is its slot in the nexthops array\n"
	"  (1..65535), entries the tbl24 and tbl8 entries naming it (a /24 1, a /16 256):\n"
	"    object N via inet6 IPV6 dev IFACE lladdr MAC|kernel entries E\n"
	"    object N throw entries E\n"
	"    object N nhid ID entries E          (a group's slot; `group` for a route's own)\n"
	"  lladdr kernel: no MAC in v4via6's neighbour map, the kernel's neighbour table is\n"
	"  asked (bpf_fib_lookup). id ID shows only that object, object N only that slot.\n"
	"  -s, --stats  also the packets and bytes forwarded, summed over CPUs: per object,\n"
	"               per group member (its next hop's), per slot (from 0 when made)\n";

struct nh_filter {
	__u32 id; /* a named object's id; 0: any */
	__u32 object; /* a slot of the nexthops array; 0: any */
	__u32 ifindex; /* 0: any */
	bool stats;
};

/* Parses show's arguments; returns an exit status (usage errors: 2). */
static int parse_show_args(int argc, char **argv, struct nh_filter *flt)
{
	char err[PARSE_ERR_LEN], *end;
	unsigned long v;
	int i;

	memset(flt, 0, sizeof(*flt));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--stats") ||
		    !strcmp(argv[i], "-stats")) {
			flt->stats = true;
		} else if (!strcmp(argv[i], "id") && !flt->id && !flt->object) {
			if (++i >= argc)
				return usage_error("id: missing argument");
			if (parse_nhid(argv[i], &flt->id, err, sizeof(err)))
				return usage_error("%s", err);
		} else if (!strcmp(argv[i], "object") && !flt->id && !flt->object) {
			if (++i >= argc)
				return usage_error("object: missing argument");
			errno = 0;
			v = strtoul(argv[i], &end, 10);
			if (errno || end == argv[i] || *end || argv[i][0] == '-' || !v ||
			    v >= V4VIA6_MAX_NEXTHOPS)
				return usage_error("object %s: not a nexthops slot (1..%u)",
						   argv[i], V4VIA6_MAX_NEXTHOPS - 1);
			flt->object = v;
		} else if (!strcmp(argv[i], "dev") && !flt->ifindex) {
			if (++i >= argc)
				return usage_error("dev: missing argument");
			if (parse_ifname(argv[i], &flt->ifindex, err, sizeof(err))) {
				pr_err("%s: %s", cmd_name(), err);
				return EXIT_FAIL;
			}
		} else {
			return usage_error("%s: unknown argument", argv[i]);
		}
	}
	return EXIT_OK;
}

static void json_stats(const struct nh_stats *c)
{
	json_key("stats");
	json_object_start();
	json_kv_uint("packets", c->packets);
	json_kv_uint("bytes", c->bytes);
	json_object_end();
}

/* A slot of the nexthops array: a next hop, a throw, or a group's slot. */
static void print_slot(__u32 idx, const struct nexthop_slot *s, const struct nh_stats *c)
{
	char addr[ADDR_STR_LEN], mac[MAC_STR_LEN], dev[IF_NAMESIZE];
	bool throw = s->nh.ifindex == V4VIA6_IFINDEX_KERNEL, group = nh_is_group(&s->nh);
	__u32 entries = s->used & FIB24_SLOT_REFS;
	struct nh_key k = {};

	if (group) {
		nh_key_of(&s->nh, &k);
	} else if (!throw) {
		format_ipv6(s->nh.addr, addr, sizeof(addr));
		format_mac(s->dmac.mac, mac, sizeof(mac));
		ifname_cached(s->nh.ifindex, dev);
	}
	if (!json_output) {
		if (group && k.kind == V4VIA6_NH_NAMED)
			printf("object %u nhid %u entries %u\n", idx, k.id, entries);
		else if (group)
			printf("object %u group entries %u\n", idx, entries);
		else if (throw)
			printf("object %u throw entries %u\n", idx, entries);
		else
			printf("object %u via inet6 %s dev %s lladdr %s entries %u\n", idx, addr,
			       dev, s->dmac.known ? mac : "kernel", entries);
		if (c)
			printf("    forwarded: packets %llu bytes %llu\n",
			       (unsigned long long)c->packets, (unsigned long long)c->bytes);
		return;
	}
	/* the keys of `ip -j nexthop show` where they mean the same: gateway, dev */
	json_object_start();
	json_kv_uint("object", idx);
	if (group && k.kind == V4VIA6_NH_NAMED) {
		json_kv_uint("nhid", k.id);
	} else if (group) {
		json_kv_bool("group", true);
	} else if (throw) {
		json_kv_bool("throw", true);
	} else {
		json_kv_string("gateway", addr);
		json_kv_string("dev", dev);
		json_kv_uint("ifindex", s->nh.ifindex);
		json_key("lladdr"); /* null: the kernel resolves it */
		if (s->dmac.known)
			json_string(mac);
		else
			json_null();
	}
	json_kv_uint("entries", entries);
	if (c)
		json_stats(c);
	json_object_end();
}

/* What show reads: the slots in use, sorted by next hop, for the members' counters. */
struct nh_show {
	struct nh_view v;
	__u32 *by_nh, n_by_nh; /* slots in use, by next hop */
	struct nh_stats *by_nh_stats; /* their counters (-s) */
	int links_down_fd;
};

/* The counters of next hop nh: of every slot that holds it (0 when none does). */
static void nh_counters(const struct nh_show *sh, const struct nexthop *nh, struct nh_stats *c)
{
	__u32 first, n, k;

	c->packets = c->bytes = 0;
	n = nh_view_find(&sh->v, sh->by_nh, sh->n_by_nh, nh, &first);
	for (k = first; k < first + n; k++) {
		c->packets += sh->by_nh_stats[k].packets;
		c->bytes += sh->by_nh_stats[k].bytes;
	}
}

/* A named object, as `ip nexthop show` prints it, which nexthop add reads back. */
static void print_def(__u32 id, const struct nh_def *d, const struct nh_show *sh, bool stats)
{
	__u32 ids[V4VIA6_NHGRP_MAX_SIZE], w[V4VIA6_NHGRP_MAX_SIZE], i, n;
	char addr[ADDR_STR_LEN], dev[IF_NAMESIZE], g[GROUP_STR_LEN];
	bool group = d->flags & V4VIA6_NHDEF_GROUP;
	bool down = !group && nh_link_down(sh->links_down_fd, d->m[0].nh.ifindex);
	struct nh_stats c;

	n = d->n < V4VIA6_NHGRP_MAX_SIZE ? d->n : V4VIA6_NHGRP_MAX_SIZE;
	if (group) {
		for (i = 0; i < n; i++) {
			ids[i] = d->m[i].id;
			w[i] = d->m[i].weight;
		}
		format_group(ids, w, n, g, sizeof(g));
	} else {
		format_ipv6(d->m[0].nh.addr, addr, sizeof(addr));
		ifname_cached(d->m[0].nh.ifindex, dev);
	}
	if (!json_output) {
		if (group)
			printf("id %u group %s\n", id, g);
		else /* "linkdown" as ip prints it; add reads it back and ignores it */
			printf("id %u via %s dev %s%s\n", id, addr, dev, down ? " linkdown" : "");
		if (stats && group) {
			printf("  stats:\n");
			for (i = 0; i < n; i++) {
				nh_counters(sh, &d->m[i].nh, &c);
				printf("    id %u packets %llu bytes %llu\n", d->m[i].id,
				       (unsigned long long)c.packets, (unsigned long long)c.bytes);
			}
		} else if (stats) {
			nh_counters(sh, &d->m[0].nh, &c);
			printf("    forwarded: packets %llu bytes %llu\n",
			       (unsigned long long)c.packets, (unsigned long long)c.bytes);
		}
		return;
	}
	json_object_start();
	json_kv_uint("id", id);
	if (group) {
		json_key("group");
		json_array_start();
		for (i = 0; i < n; i++) {
			json_object_start();
			json_kv_uint("id", d->m[i].id);
			json_kv_uint("weight", d->m[i].weight);
			json_key("flags");
			json_array_start();
			if (nh_link_down(sh->links_down_fd, d->m[i].nh.ifindex))
				json_string("linkdown");
			json_array_end();
			if (stats) {
				nh_counters(sh, &d->m[i].nh, &c);
				json_stats(&c);
			}
			json_object_end();
		}
		json_array_end();
	} else {
		json_kv_string("gateway", addr);
		json_kv_string("dev", dev);
	}
	json_key("flags");
	json_array_start();
	if (down)
		json_string("linkdown");
	json_array_end();
	if (d->flags & V4VIA6_NHDEF_SYNC)
		json_kv_string("protocol", "kernel"); /* mirrored by v4via6 sync */
	if (stats && !group) {
		nh_counters(sh, &d->m[0].nh, &c);
		json_stats(&c);
	}
	json_object_end();
}

/* Whether the filter's dev is one of the object's next hops. */
static bool def_on_dev(const struct nh_def *d, __u32 ifindex)
{
	__u32 i;

	for (i = 0; i < d->n && i < V4VIA6_NHGRP_MAX_SIZE; i++)
		if (d->m[i].nh.ifindex == ifindex)
			return true;
	return false;
}

/* The named objects the filter selects, in id order, printed. */
static int show_defs(const struct v4via6_state *st, const struct nh_filter *flt,
		     const struct nh_show *sh)
{
	__u32 *ids = NULL, n = 0, i, shown = 0;
	struct nh_key k = { .kind = V4VIA6_NH_NAMED };
	struct nh_def d;
	int err;

	err = nh_defs_ids(st->nh_defs_fd, V4VIA6_NH_NAMED, &ids, &n);
	if (err) {
		pr_err("%s: reading the nh_defs map: %s", cmd_name(), strerror(-err));
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		k.id = ids[i];
		if ((flt->id && k.id != flt->id) || bpf_map_lookup_elem(st->nh_defs_fd, &k, &d))
			continue;
		if (flt->ifindex && !def_on_dev(&d, flt->ifindex))
			continue;
		print_def(k.id, &d, sh, flt->stats);
		shown++;
	}
	free(ids);
	if (flt->id && !shown) {
		pr_err("%s: id %u: no such nexthop object", cmd_name(), flt->id);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int nexthop_show(int argc, char **argv)
{
	struct nh_stats *counts = NULL;
	struct nh_show sh = {};
	struct v4via6_state st;
	struct nh_filter flt;
	__u32 *idx = NULL, n, i, k;
	int rc, err;

	rc = parse_show_args(argc, argv, &flt);
	if (rc)
		return rc;
	if (open_state_repaired(&st))
		return EXIT_FAIL;
	sh.links_down_fd = st.links_down_fd;
	err = nh_view_open(&sh.v, st.nexthops_fd);
	if (err) {
		pr_err("%s: reading the nexthops array: %s", cmd_name(), strerror(-err));
		state_close(&st);
		return EXIT_FAIL;
	}
	idx = calloc(sh.v.n ? sh.v.n : 1, sizeof(*idx));
	sh.by_nh = calloc(sh.v.n ? sh.v.n : 1, sizeof(*sh.by_nh));
	if (!idx || !sh.by_nh) {
		pr_err("%s: %s", cmd_name(), strerror(ENOMEM));
		rc = EXIT_FAIL;
		goto out;
	}
	/* the objects to show, in slot order */
	n = nh_view_list(&sh.v, idx, sh.v.n);
	if (flt.stats) {
		/* every slot's counters, by next hop, for the named objects' members */
		memcpy(sh.by_nh, idx, n * sizeof(*idx));
		sh.n_by_nh = n;
		nh_view_sort_by_nh(&sh.v, sh.by_nh, n);
		sh.by_nh_stats = calloc(n ? n : 1, sizeof(*sh.by_nh_stats));
		err = sh.by_nh_stats ? 0 : -ENOMEM;
		if (!err && st.nh_stats_fd < 0)
			err = -ENOENT;
		if (!err)
			err = nh_stats_read(st.nh_stats_fd, sh.by_nh, n, sh.by_nh_stats);
		if (err) {
			pr_err("%s: reading the nh_stats map: %s", cmd_name(), strerror(-err));
			rc = EXIT_FAIL;
			goto out;
		}
	}
	for (i = k = 0; i < n; i++)
		if ((!flt.object || idx[i] == flt.object) &&
		    (!flt.ifindex || sh.v.slots[idx[i]].nh.ifindex == flt.ifindex))
			idx[k++] = idx[i];
	n = flt.id ? 0 : k; /* id names an object, not a slot */
	if (flt.object && !n) {
		pr_err("%s: object %u: not in use", cmd_name(), flt.object);
		rc = EXIT_FAIL;
		goto out;
	}
	if (flt.stats) {
		counts = calloc(n ? n : 1, sizeof(*counts));
		err = counts ? nh_stats_read(st.nh_stats_fd, idx, n, counts) : -ENOMEM;
		if (err) {
			pr_err("%s: reading the nh_stats map: %s", cmd_name(), strerror(-err));
			rc = EXIT_FAIL;
			goto out;
		}
	}
	/* an unknown id is an error before the document begins, as an unknown object is */
	if (flt.id) {
		struct nh_key key = { .id = flt.id, .kind = V4VIA6_NH_NAMED };
		struct nh_def d;

		if (st.nh_defs_fd < 0 || bpf_map_lookup_elem(st.nh_defs_fd, &key, &d)) {
			pr_err("%s: id %u: no such nexthop object", cmd_name(), flt.id);
			rc = EXIT_FAIL;
			goto out;
		}
	}
	if (json_output)
		json_array_start();
	if (!flt.object)
		rc = show_defs(&st, &flt, &sh);
	for (i = 0; !rc && i < n; i++)
		print_slot(idx[i], &sh.v.slots[idx[i]], counts ? &counts[i] : NULL);
	if (json_output && !rc)
		json_array_end();
out:
	free(counts);
	free(idx);
	free(sh.by_nh);
	free(sh.by_nh_stats);
	nh_view_close(&sh.v);
	state_close(&st);
	return rc;
}

/* The object a nexthop line describes, as fib24_nh_set takes it. */
static void def_of_spec(const struct nexthop_spec *s, __u32 ifindex, struct nh_def *d)
{
	__u32 i;

	memset(d, 0, sizeof(*d));
	if (!s->group) {
		d->n = 1;
		d->m[0].nh.ifindex = ifindex;
		memcpy(d->m[0].nh.addr, s->via, sizeof(d->m[0].nh.addr));
		d->m[0].weight = 1;
		return;
	}
	d->flags = V4VIA6_NHDEF_GROUP;
	d->n = s->n;
	for (i = 0; i < s->n; i++) {
		d->m[i].id = s->member[i];
		d->m[i].weight = s->weight[i];
	}
}

static int nexthop_set(int argc, char **argv, __u64 flags)
{
	const char *what = cmd_name(), *why;
	char err[PARSE_ERR_LEN];
	struct v4via6_state st;
	struct nexthop_spec s;
	__u32 ifindex = 0;
	struct fib24 fib;
	struct nh_def d;
	int rc, e;

	rc = parse_nexthop_args(argc, argv, &s, err, sizeof(err));
	if (rc == PARSE_USAGE)
		return usage_error("%s", err);
	if (rc) {
		pr_err("%s: %s", what, err);
		return EXIT_FAIL;
	}
	if (!s.group && parse_ifname(s.dev, &ifindex, err, sizeof(err))) {
		pr_err("%s: %s", what, err);
		return EXIT_FAIL;
	}
	if (open_state(&st, false))
		return EXIT_FAIL;
	if (!s.group && iface_check_attached(&st, ifindex, s.dev)) {
		state_close(&st);
		return EXIT_FAIL;
	}
	if (open_fib(&st, &fib)) {
		state_close(&st);
		return EXIT_FAIL;
	}
	def_of_spec(&s, ifindex, &d);
	rc = EXIT_FAIL;
	why = fib24_nh_invalid(&fib, s.id, &d);
	if (why) {
		pr_err("%s: id %u: %s", what, s.id, why);
		goto out;
	}
	e = fib24_nh_set(&fib, s.id, &d, flags);
	if (e == -EEXIST)
		pr_err("%s: id %u: exists (v4via6 nexthop replace overwrites)", what, s.id);
	else if (e == -ENOENT)
		pr_err("%s: id %u: no such nexthop object", what, s.id);
	else if (e == -ENOSPC)
		pr_err("%s: id %u: %s (at most %u objects, %u of them used by routes)", what, s.id,
		       strerror(-e), V4VIA6_MAX_NH_DEFS, V4VIA6_MAX_NHGRPS - 1);
	else if (e == -EINVAL)
		pr_err("%s: id %u: %s", what, s.id,
		       (why = fib24_nh_invalid(&fib, s.id, &d)) ? why : strerror(-e));
	else if (e)
		pr_err("%s: id %u: %s", what, s.id, strerror(-e));
	else
		rc = EXIT_OK;
out:
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

static int nexthop_add(int argc, char **argv)
{
	return nexthop_set(argc, argv, BPF_NOEXIST);
}

/* as ip nexthop replace: made when missing */
static int nexthop_replace(int argc, char **argv)
{
	return nexthop_set(argc, argv, BPF_ANY);
}

/* The first route naming object id, into pfx, and how many do; 0 when none (or unreadable). */
static size_t routes_naming(int routes_fd, __u32 id, char *pfx, size_t len)
{
	struct nh_key k = { .id = id, .kind = V4VIA6_NH_NAMED };
	struct route_entry *r = NULL;
	struct nexthop nh;
	size_t n = 0, i, count = 0;

	nh_of_key(&k, &nh);
	if (route_dump(routes_fd, &r, &n))
		return 0;
	for (i = 0; i < n; i++) {
		if (memcmp(&r[i].nh, &nh, sizeof(nh)))
			continue;
		if (!count++)
			format_prefix(&r[i].key, pfx, len);
	}
	free(r);
	return count;
}

static int nexthop_del(int argc, char **argv)
{
	char err[PARSE_ERR_LEN], pfx[ADDR_STR_LEN];
	struct v4via6_state st;
	struct fib24 fib;
	__u32 id, g;
	size_t n;
	int e, rc = EXIT_FAIL;

	if (argc < 1 || strcmp(argv[0], "id"))
		return usage_error(argc ? "%s: unexpected argument" : "missing \"id ID\"",
				   argc ? argv[0] : "");
	if (argc < 2)
		return usage_error("id: missing argument");
	if (argc > 2)
		return usage_error("%s: unexpected argument", argv[2]);
	if (parse_nhid(argv[1], &id, err, sizeof(err))) {
		pr_err("%s: %s", cmd_name(), err);
		return EXIT_FAIL;
	}
	if (open_state_fib(&st, &fib))
		return EXIT_FAIL;
	e = fib24_nh_del(&fib, id);
	if (e == -ENOENT) {
		pr_err("%s: id %u: no such nexthop object", cmd_name(), id);
	} else if (e == -EBUSY) {
		if ((g = nh_group_naming(fib.nh_defs_fd, id)))
			pr_err("%s: id %u: in use by group %u (v4via6 nexthop replace id %u "
			       "without it, or del id %u, first)",
			       cmd_name(), id, g, g, g);
		else if ((n = routes_naming(st.routes_fd, id, pfx, sizeof(pfx))))
			pr_err("%s: id %u: in use by route %s%s (v4via6 route del or replace "
			       "first)",
			       cmd_name(), id, pfx, n > 1 ? " and others" : "");
		else
			pr_err("%s: id %u: in use", cmd_name(), id);
	} else if (e) {
		pr_err("%s: id %u: %s", cmd_name(), id, strerror(-e));
	} else {
		rc = EXIT_OK;
	}
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

/* name, function, usage, min and max argument count (each counts its own) */
static const struct cmd nexthop_cmds[] = {
	{ "show", nexthop_show, nexthop_usage, 0, CMD_ANY },
	{ "list", nexthop_show, nexthop_usage, 0, CMD_ANY },
	{ "add", nexthop_add, nexthop_usage, 0, CMD_ANY, .writes = true },
	{ "replace", nexthop_replace, nexthop_usage, 0, CMD_ANY, .writes = true },
	{ "del", nexthop_del, nexthop_usage, 0, CMD_ANY, .writes = true },
	{ "delete", nexthop_del, nexthop_usage, 0, CMD_ANY, .writes = true },
	{ NULL },
};

int do_nexthop(int argc, char **argv)
{
	return cmd_dispatch(nexthop_cmds, "show", argc, argv, nexthop_usage);
}
