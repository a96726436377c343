// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 nexthop show: the nexthop objects the routes use (slots of the
 * nexthops array), as `ip nexthop show` lists the kernel's, with -s their
 * forwarding counters (nh_stats) as `ip -s nexthop show` does.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "fib24.h"
#include "json.h"
#include "nhview.h"
#include "parse.h"

const char nexthop_usage[] =
	"Usage: v4via6 nexthop show [-s] [id ID] [dev IFACE]\n"
	"  The nexthop objects in use: one per next hop (IPv6 address and interface) that\n"
	"  routes name, made and freed by route add and del. ID is the object's slot in the\n"
	"  nexthops array (1..65535); a next hop may hold two slots (one made after freed\n"
	"  slots were reclaimed), each shown with its own routes' entries and counters.\n"
	"    id ID via inet6 IPV6 dev IFACE lladdr MAC|kernel entries N\n"
	"    id ID throw entries N\n"
	"  lladdr kernel: no MAC in v4via6's neighbour map, the kernel's neighbour table is\n"
	"  asked (bpf_fib_lookup). entries: tbl24 and tbl8 entries naming it (a /32 route 1,\n"
	"  a /24 1, a /16 256). throw: the routes that leave their packets to the kernel.\n"
	"  -s, --stats  also the packets and bytes forwarded through it, summed over CPUs\n"
	"               (from 0 when the slot was made)\n";

struct nh_filter {
	__u32 id; /* 0: any */
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
		} else if (!strcmp(argv[i], "id")) {
			if (++i >= argc)
				return usage_error("id: missing argument");
			errno = 0;
			v = strtoul(argv[i], &end, 10);
			if (errno || end == argv[i] || *end || argv[i][0] == '-' || !v ||
			    v >= V4VIA6_MAX_NEXTHOPS)
				return usage_error("id %s: not a nexthop id (1..%u)", argv[i],
						   V4VIA6_MAX_NEXTHOPS - 1);
			flt->id = v;
		} else if (!strcmp(argv[i], "dev")) {
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

static void print_nexthop(__u32 id, const struct nexthop_slot *s, const struct nh_stats *c)
{
	char addr[ADDR_STR_LEN], mac[MAC_STR_LEN], dev[IF_NAMESIZE];
	bool throw = s->nh.ifindex == V4VIA6_IFINDEX_KERNEL;
	__u32 entries = s->used & FIB24_SLOT_REFS;

	if (!throw) {
		format_ipv6(s->nh.addr, addr, sizeof(addr));
		format_mac(s->dmac.mac, mac, sizeof(mac));
		ifname_cached(s->nh.ifindex, dev);
	}
	if (!json_output) {
		if (throw)
			printf("id %u throw entries %u\n", id, entries);
		else
			printf("id %u via inet6 %s dev %s lladdr %s entries %u\n", id, addr, dev,
			       s->dmac.known ? mac : "kernel", entries);
		if (c)
			printf("    forwarded: packets %llu bytes %llu\n",
			       (unsigned long long)c->packets, (unsigned long long)c->bytes);
		return;
	}
	/* the keys of `ip -j nexthop show` where they mean the same: id, gateway, dev */
	json_object_start();
	json_kv_uint("id", id);
	if (throw) {
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
	if (c) {
		json_key("stats");
		json_object_start();
		json_kv_uint("packets", c->packets);
		json_kv_uint("bytes", c->bytes);
		json_object_end();
	}
	json_object_end();
}

static int nexthop_show(int argc, char **argv)
{
	struct nh_stats *counts = NULL;
	struct v4via6_state st;
	struct nh_filter flt;
	struct nh_view v;
	__u32 *idx = NULL, n, i, k;
	int rc, err;

	rc = parse_show_args(argc, argv, &flt);
	if (rc)
		return rc;
	if (open_state_repaired(&st))
		return EXIT_FAIL;
	err = nh_view_open(&v, st.nexthops_fd);
	if (err) {
		pr_err("%s: reading the nexthops array: %s", cmd_name(), strerror(-err));
		state_close(&st);
		return EXIT_FAIL;
	}
	idx = calloc(v.n ? v.n : 1, sizeof(*idx));
	if (!idx) {
		pr_err("%s: %s", cmd_name(), strerror(ENOMEM));
		rc = EXIT_FAIL;
		goto out;
	}
	/* the objects to show, in id order */
	n = nh_view_list(&v, idx, v.n);
	for (i = k = 0; i < n; i++)
		if ((!flt.id || idx[i] == flt.id) &&
		    (!flt.ifindex || v.slots[idx[i]].nh.ifindex == flt.ifindex))
			idx[k++] = idx[i];
	n = k;
	if (flt.id && !n) {
		pr_err("%s: id %u: no such nexthop", cmd_name(), flt.id);
		rc = EXIT_FAIL;
		goto out;
	}
	if (flt.stats) {
		counts = calloc(n ? n : 1, sizeof(*counts));
		err = counts ? 0 : -ENOMEM;
		if (!err && st.nh_stats_fd < 0)
			err = -ENOENT;
		if (!err)
			err = nh_stats_read(st.nh_stats_fd, idx, n, counts);
		if (err) {
			pr_err("%s: reading the nh_stats map: %s", cmd_name(), strerror(-err));
			rc = EXIT_FAIL;
			goto out;
		}
	}
	if (json_output)
		json_array_start();
	for (i = 0; i < n; i++)
		print_nexthop(idx[i], &v.slots[idx[i]], counts ? &counts[i] : NULL);
	if (json_output)
		json_array_end();
out:
	free(counts);
	free(idx);
	nh_view_close(&v);
	state_close(&st);
	return rc;
}

/* name, function, usage, min and max argument count (show counts its own) */
static const struct cmd nexthop_cmds[] = {
	{ "show", nexthop_show, nexthop_usage, 0, CMD_ANY },
	{ "list", nexthop_show, nexthop_usage, 0, CMD_ANY },
	{ NULL },
};

int do_nexthop(int argc, char **argv)
{
	return cmd_dispatch(nexthop_cmds, "show", argc, argv, nexthop_usage);
}
