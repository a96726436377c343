// SPDX-License-Identifier: GPL-2.0-only
/* v4via6 status: what is loaded, where it is attached, how much state it holds. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "dump.h"
#include "egress.h"
#include "fib24.h"
#include "iface.h"
#include "json.h"
#include "local.h"
#include "nhview.h"
#include "parse.h"
#include "sync/sync_status.h"

const char status_usage[] =
	"Usage: v4via6 status\n"
	"  The pin dir, the program, each interface with its XDP mode, MTU and MAC, and the\n"
	"  numbers of routes, neighbours, nexthop objects in use (of the nexthops array's\n"
	"  65535) and tbl8 blocks in use (one per /24 holding routes longer than /24).\n"
	"  Says so when nothing is loaded (exit 0).\n";

/* How an interface in our maps runs: our program's mode, or why it does not. */
static const char *iface_state(const struct v4via6_state *st, __u32 ifindex)
{
	struct iface_query q;

	if (iface_query(st, ifindex, &q))
		return "gone";
	switch (q.what) {
	case IFACE_XDP_OURS:
		return mode_name(q.mode);
	case IFACE_XDP_OLD_V4VIA6:
		return "other-v4via6";
	case IFACE_XDP_OTHER:
		return "other-program";
	default:
		return "not-attached";
	}
}

static void print_ifaces(const struct v4via6_state *st)
{
	static __u32 idx[V4VIA6_MAX_IFACES * 2];
	char name[IF_NAMESIZE], mac[MAC_STR_LEN];
	struct egress eg;
	int i, n;

	n = iface_list(st, idx, ARRAY_SIZE(idx));
	if (json_output) {
		json_key("interfaces");
		json_array_start();
	} else {
		printf("interfaces: %d\n", n);
	}
	for (i = 0; i < n; i++) {
		memset(&eg, 0, sizeof(eg));
		egress_get(st->egress_fd, idx[i], &eg);
		format_mac(eg.mac, mac, sizeof(mac));
		ifname_of(idx[i], name);
		if (json_output) {
			json_object_start();
			json_kv_string("ifname", name);
			json_kv_uint("ifindex", idx[i]);
			json_kv_string("mode", iface_state(st, idx[i]));
			json_kv_uint("mtu", eg.mtu);
			json_kv_string("mac", mac);
			json_object_end();
		} else {
			printf("  %-15s %-13s mtu %u mac %s\n", name, iface_state(st, idx[i]),
			       eg.mtu, mac);
		}
	}
	if (json_output)
		json_array_end();
}

/*
 * Throw routes (ifindex V4VIA6_IFINDEX_KERNEL), and the routes whose interface
 * is not in egress: the program passes the packets of both to the kernel, but
 * only the second are a sign that something is missing. Local entries are
 * v4via6's, not routes: counted apart.
 */
static void count_routes(const struct v4via6_state *st, const struct route_entry *r, size_t n,
			 size_t *n_throw, size_t *n_unattached, size_t *n_local)
{
	__u32 last = 0;
	bool last_ok = false;
	struct egress eg;
	size_t i;

	*n_throw = *n_unattached = *n_local = 0;
	for (i = 0; i < n; i++) {
		if (route_is_local(&r[i].val)) {
			(*n_local)++;
			continue;
		}
		if (r[i].nh.ifindex == V4VIA6_IFINDEX_KERNEL) {
			(*n_throw)++;
			continue;
		}
		/* by nexthop id or multipath: its members' links are the objects' business */
		if (r[i].nh.ifindex == V4VIA6_IFINDEX_GROUP)
			continue;
		if (!i || r[i].nh.ifindex != last) {
			last = r[i].nh.ifindex;
			last_ok = !egress_get(st->egress_fd, last, &eg);
		}
		*n_unattached += !last_ok;
	}
}

/* What status counts in a loaded state. */
struct status_counts {
	size_t routes, throw, unattached, local, neighs;
	struct pool_counts pools;
	int tables; /* FIB24_STATE_* */
};

static int read_counts(const struct v4via6_state *st, struct status_counts *c)
{
	struct route_entry *routes = NULL;
	int err;

	err = route_dump(st->routes_fd, &routes, &c->routes);
	if (err) {
		pr_err("status: reading routes: %s", strerror(-err));
		return err;
	}
	count_routes(st, routes, c->routes, &c->throw, &c->unattached, &c->local);
	c->routes -= c->local;
	free(routes);
	c->neighs = map_count(st->neighs_fd, sizeof(struct nexthop));
	pool_counts_read(st->nexthops_fd, st->tbl8_owners_fd, &c->pools);
	/* dirty: a writer died half-way; the next command that opens the routes repairs it */
	c->tables = fib24_tables_state(st->nexthops_fd, st->pin_dir);
	return 0;
}

static void print_counts_json(const struct status_counts *c)
{
	json_kv_string("tables", c->tables == FIB24_STATE_DIRTY	  ? "dirty" :
				 c->tables == FIB24_STATE_WRITING ? "writing" :
								    "clean");
	json_kv_uint("routes", c->routes);
	json_kv_uint("routes_throw", c->throw);
	json_kv_uint("routes_unattached", c->unattached);
	json_kv_uint("local_addresses", c->local);
	json_kv_uint("neighbours", c->neighs);
	if (c->pools.nh >= 0) {
		json_kv_uint("nexthops", c->pools.nh);
		json_kv_uint("nexthops_limit", c->pools.nh_limit);
	}
	if (c->pools.t8_used >= 0) {
		json_kv_uint("tbl8_blocks_used", c->pools.t8_used);
		json_kv_uint("tbl8_blocks_total", c->pools.t8_total);
	}
}

static void print_counts_text(const struct status_counts *c)
{
	printf("routes: %zu", c->routes);
	if (c->throw || c->unattached)
		printf(" (");
	if (c->throw)
		printf("%zu throw%s", c->throw, c->unattached ? ", " : ")");
	if (c->unattached)
		printf("%zu via interfaces not attached: the kernel forwards those)",
		       c->unattached);
	printf("\nlocal addresses: %zu\n", c->local);
	printf("neighbours: %zu\n", c->neighs);
	if (c->pools.nh >= 0)
		printf("nexthops: %lld in use of %lld\n", c->pools.nh, c->pools.nh_limit);
	if (c->pools.t8_used >= 0)
		printf("tbl8 blocks: %lld used of %lld (one per /24 holding routes longer than /24)\n",
		       c->pools.t8_used, c->pools.t8_total);
	if (c->tables == FIB24_STATE_DIRTY)
		printf("tables: dirty (a writer was interrupted; the next command repairs it)\n");
	else if (c->tables == FIB24_STATE_WRITING)
		printf("tables: being written (a v4via6 command is at work)\n");
	else
		printf("tables: clean\n");
}

static void print_not_loaded(const char *dir)
{
	if (json_output) {
		json_object_start();
		json_kv_string("pin_dir", dir);
		json_kv_bool("loaded", false);
		json_object_end();
	} else {
		printf("pin dir: %s\nprogram: not loaded\n", dir);
	}
}

int do_status(int argc, char **argv)
{
	struct status_counts c = {};
	struct v4via6_state st;
	char dir[PATH_MAX];
	__u32 prog_id;
	int err;

	if (resolve_pin_dir(dir, sizeof(dir), false))
		return EXIT_FAIL;
	err = state_open(&st, dir, false);
	if (err == -ENOENT) {
		print_not_loaded(dir);
		return EXIT_OK;
	}
	if (err) {
		pr_state_err(dir, err);
		return EXIT_FAIL;
	}
	prog_id = prog_id_of(st.prog_fd);
	if (read_counts(&st, &c)) {
		state_close(&st);
		return EXIT_FAIL;
	}
	if (json_output) {
		json_object_start();
		json_kv_string("pin_dir", dir);
		json_kv_bool("loaded", true);
		json_kv_uint("prog_id", prog_id);
		json_kv_string("prog_name", V4VIA6_PROG_NAME);
	} else {
		printf("pin dir: %s\nprogram: %s id %u\n", dir, V4VIA6_PROG_NAME, prog_id);
	}
	print_ifaces(&st);
	if (json_output)
		print_counts_json(&c);
	else
		print_counts_text(&c);
	sync_status_print(dir, json_output);
	if (json_output)
		json_object_end();
	state_close(&st);
	return EXIT_OK;
}
