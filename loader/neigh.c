// SPDX-License-Identifier: GPL-2.0-only
/* v4via6 neigh add|replace|del|show|flush: the next hops' MACs. */
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
#include "parse.h"

const char neigh_usage[] =
	"Usage: v4via6 neigh add     IPV6 lladdr MAC dev IFACE\n"
	"       v4via6 neigh replace IPV6 lladdr MAC dev IFACE\n"
	"       v4via6 neigh del     IPV6 dev IFACE\n"
	"       v4via6 neigh show\n"
	"       v4via6 neigh flush\n"
	"  `IPV6 dev IFACE lladdr MAC` is accepted too, as `ip neigh` prints it. A next hop\n"
	"  without an entry here is resolved through the kernel's neighbour table.\n";

/* Parses the neighbour into key and val (*dev: its interface's name). Returns an exit status. */
static int neigh_from_args(int argc, char **argv, bool need_mac, struct nexthop *key,
			   struct neigh *val, const char **dev)
{
	char err[PARSE_ERR_LEN];
	struct neigh_spec n;
	int rc;

	rc = parse_neigh_args(argc, argv, need_mac, &n, err, sizeof(err));
	if (rc == PARSE_USAGE)
		return usage_error("%s", err);
	if (rc) {
		pr_err("%s: %s", cmd_name(), err);
		return EXIT_FAIL;
	}
	*dev = n.dev;
	memset(key, 0, sizeof(*key));
	memset(val, 0, sizeof(*val));
	memcpy(key->addr, n.addr, sizeof(key->addr));
	memcpy(val->mac, n.mac, sizeof(val->mac));
	if (parse_ifname(n.dev, &key->ifindex, err, sizeof(err))) {
		pr_err("%s: %s", cmd_name(), err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int neigh_update(int argc, char **argv, __u64 flags)
{
	const char *what = cmd_name(), *dev;
	char addr[ADDR_STR_LEN];
	struct v4via6_state st;
	struct nexthop key;
	struct neigh val;
	struct fib24 fib;
	int rc, err;

	rc = neigh_from_args(argc, argv, true, &key, &val, &dev);
	if (rc)
		return rc;
	if (open_state(&st, false))
		return EXIT_FAIL;
	if (iface_check_attached(&st, key.ifindex, dev) || open_fib(&st, &fib)) {
		state_close(&st);
		return EXIT_FAIL;
	}
	/* the map and the MAC of every nexthop object of this next hop, in one change */
	err = fib24_neigh_update(&fib, &key, &val, flags);
	if (err) {
		format_ipv6(key.addr, addr, sizeof(addr));
		if (err == -EEXIST)
			pr_err("%s: %s: exists (v4via6 neigh replace overwrites)", what, addr);
		else
			pr_err("%s: %s: %s", what, addr, strerror(-err));
		rc = EXIT_FAIL;
	}
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

static int neigh_add(int argc, char **argv)
{
	return neigh_update(argc, argv, BPF_NOEXIST);
}

static int neigh_replace(int argc, char **argv)
{
	return neigh_update(argc, argv, BPF_ANY);
}

static int neigh_del(int argc, char **argv)
{
	char addr[ADDR_STR_LEN], dev[IF_NAMESIZE];
	struct v4via6_state st;
	struct nexthop key;
	struct neigh val;
	const char *name;
	struct fib24 fib;
	int rc, err;

	rc = neigh_from_args(argc, argv, false, &key, &val, &name);
	if (rc)
		return rc;
	if (open_state_fib(&st, &fib))
		return EXIT_FAIL;
	err = fib24_neigh_delete(&fib, &key);
	if (err) {
		format_ipv6(key.addr, addr, sizeof(addr));
		if (err == -ENOENT)
			pr_err("neigh del: %s dev %s: no such neighbour", addr,
			       ifname_of(key.ifindex, dev));
		else
			pr_err("neigh del: %s: %s", addr, strerror(-err));
		rc = EXIT_FAIL;
	}
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

static void print_neigh(const struct neigh_entry *e)
{
	char addr[ADDR_STR_LEN], mac[MAC_STR_LEN], dev[IF_NAMESIZE];

	format_ipv6(e->key.addr, addr, sizeof(addr));
	format_mac(e->val.mac, mac, sizeof(mac));
	ifname_cached(e->key.ifindex, dev);
	if (!json_output) {
		printf("%s dev %s lladdr %s\n", addr, dev, mac);
		return;
	}
	json_object_start();
	json_kv_string("dst", addr);
	json_kv_string("dev", dev);
	json_kv_string("lladdr", mac);
	json_object_end();
}

static int neigh_show(int argc, char **argv)
{
	struct neigh_entry *neighs = NULL;
	struct v4via6_state st;
	size_t i, n = 0;
	int err;

	if (open_state(&st, false))
		return EXIT_FAIL;
	err = neigh_dump(st.neighs_fd, &neighs, &n);
	state_close(&st);
	if (err) {
		pr_err("neigh show: reading neighbours: %s", strerror(-err));
		return EXIT_FAIL;
	}
	if (json_output)
		json_array_start();
	for (i = 0; i < n; i++)
		print_neigh(&neighs[i]);
	if (json_output)
		json_array_end();
	free(neighs);
	return EXIT_OK;
}

static int neigh_flush(int argc, char **argv)
{
	struct neigh_entry *neighs = NULL;
	struct v4via6_state st;
	size_t i, n = 0;
	int rc = EXIT_OK, err;

	struct fib24 fib;

	if (open_state_fib(&st, &fib))
		return EXIT_FAIL;
	err = neigh_dump(st.neighs_fd, &neighs, &n) ?: fib24_write_begin(&fib);
	if (err) {
		pr_err("neigh flush: reading neighbours: %s", strerror(-err));
		rc = EXIT_FAIL;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		if (bpf_map_delete_elem(st.neighs_fd, &neighs[i].key) && errno != ENOENT) {
			pr_err("neigh flush: %s", strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
	}
	/* the nexthop objects forget the MACs: the kernel resolves them again */
	if (!err && fib24_write_end(&fib))
		rc = EXIT_FAIL;
	free(neighs);
	fib24_close(&fib);
	state_close(&st);
	return rc;
}

/* name, function, usage, min and max argument count (the parser counts add's and del's) */
static const struct cmd neigh_cmds[] = {
	{ "add", neigh_add, neigh_usage, 0, CMD_ANY, .writes = true },
	{ "replace", neigh_replace, neigh_usage, 0, CMD_ANY, .writes = true },
	{ "del", neigh_del, neigh_usage, 0, CMD_ANY, .writes = true },
	{ "delete", neigh_del, neigh_usage, 0, CMD_ANY, .writes = true },
	{ "show", neigh_show, neigh_usage, 0, 0 },
	{ "list", neigh_show, neigh_usage, 0, 0 },
	{ "flush", neigh_flush, neigh_usage, 0, 0, .writes = true },
	{ NULL },
};

int do_neigh(int argc, char **argv)
{
	return cmd_dispatch(neigh_cmds, "show", argc, argv, neigh_usage);
}
