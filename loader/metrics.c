// SPDX-License-Identifier: GPL-2.0-only
/*
 * The metrics (see metrics.h). Names follow the Prometheus conventions:
 * v4via6_ prefix, counters end in _total, sizes in bytes. The counters of
 * struct fwd_stats and struct if_stats are named from the maps' BTF, so a
 * counter added there is exported without a change here:
 *   fwd_packets, pass_<reason>  v4via6_packets_total{outcome="fwd"|"pass_<reason>"}
 *   other *_packets, *_bytes    v4via6_<name>_total
 *   anything else (fwd_fib)     v4via6_<name>_packets_total
 *   if_stats member <name>      v4via6_interface_<name>_total{interface,ifindex}
 *   nh_stats per next hop       v4via6_nexthop_{packets,bytes}_total{nexthop,interface,ifindex}
 * A scrape does no per-route work: the routes are counted from the kernel's
 * figure (mapcount.c), the nexthop objects read through a kept mapping of
 * the nexthops array (2 MiB) and their counters in one batch.
 */
#include <errno.h>
#include <stddef.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "counters.h"
#include "dump.h"
#include "egress.h"
#include "mapcount.h"
#include "metrics.h"
#include "nhview.h"
#include "parse.h"
#include "sync/sync_status.h"

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gauge(FILE *out, const char *name, const char *help, unsigned long long v)
{
	family(out, name, "gauge", help);
	fprintf(out, "%s %llu\n", name, v);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* The outcome label of a fwd_stats member, NULL when it is not an outcome. */
static const char *outcome_of(const char *field)
{
	if (!strcmp(field, "fwd_packets"))
		return "fwd";
	if (!strncmp(field, "pass_", 5))
		return field;
	return NULL;
}

static void counter_metric_name(const char *prefix, const char *field, char *buf, size_t len)
{
	if (ends_with(field, "_packets") || ends_with(field, "_bytes"))
		snprintf(buf, len, "%s%s_total", prefix, field);
	else
		snprintf(buf, len, "%s%s_packets_total", prefix, field);
}

struct help {
	const char *field, *text;
};

static const struct help global_help[] = {
	{ "rx_packets", "Frames the XDP program received, on every interface it is attached to." },
	{ "rx_bytes", "Bytes of the frames the XDP program received (from the Ethernet header, "
		      "without FCS)." },
	{ "fwd_bytes", "Bytes of the frames the fast path forwarded (outcome fwd)." },
	{ "fwd_fib", "Frames forwarded with the next hop's MAC from the kernel's neighbour table "
		     "(bpf_fib_lookup), part of outcome fwd." },
	{ NULL, NULL },
};

static const struct help iface_help[] = {
	{ "rx_packets", "Frames the XDP program received on this interface." },
	{ "rx_bytes", "Bytes of the frames the XDP program received on this interface." },
	{ "fwd_packets", "Frames received on this interface that the fast path forwarded." },
	{ "fwd_bytes",
	  "Bytes of the frames received on this interface that the fast path forwarded." },
	{ "pass_packets",
	  "Frames received on this interface that went to the kernel, for any reason "
	  "(the reasons: v4via6_packets_total)." },
	{ NULL, NULL },
};

static void help_of(const struct help *h, const char *field, const char *what, char *buf,
		    size_t len)
{
	for (; h->field; h++) {
		if (!strcmp(h->field, field)) {
			snprintf(buf, len, "%s", h->text);
			return;
		}
	}
	snprintf(buf, len, "Counter %s of struct %s, summed over CPUs.", field, what);
}

static void write_global(FILE *out, const struct v4via6_state *st)
{
	char name[128], help[256];
	struct counter_names cn;
	__u64 v[COUNTERS_MAX];
	bool outcomes = false;
	int i, err;

	err = counters_names(st->stats_fd, &cn);
	if (!err)
		err = counters_read(st->stats_fd, &cn, 1, v);
	if (err) {
		pr_err("metrics: reading the stats map: %s", strerror(-err));
		return;
	}
	for (i = 0; i < cn.n; i++) {
		if (outcome_of(cn.name[i])) {
			if (!outcomes)
				family(out, "v4via6_packets_total", "counter",
				       "Frames by what the fast path did with them: fwd, forwarded "
				       "(XDP_REDIRECT), or pass_<reason>, handed to the kernel for "
				       "that reason. They add up to v4via6_rx_packets_total.");
			outcomes = true;
			fprintf(out, "v4via6_packets_total{outcome=\"%s\"} %llu\n",
				outcome_of(cn.name[i]), (unsigned long long)v[i]);
		}
	}
	for (i = 0; i < cn.n; i++) {
		if (outcome_of(cn.name[i]))
			continue;
		counter_metric_name("v4via6_", cn.name[i], name, sizeof(name));
		help_of(global_help, cn.name[i], "fwd_stats", help, sizeof(help));
		family(out, name, "counter", help);
		fprintf(out, "%s %llu\n", name, (unsigned long long)v[i]);
	}
}

/*
 * Per ingress interface: the attached interfaces (even at zero, so that their
 * series exist from the start) and any other slot that counted something
 * (an interface detached since, or the catch-all slot 0).
 */
static void write_ifaces(FILE *out, const struct v4via6_state *st, const __u32 *attached,
			 int nattached)
{
	char name[128], help[256], (*ifnames)[IF_NAMESIZE] = NULL;
	struct counter_names cn;
	__u32 *rows = NULL, nrows = 0, i, k;
	__u64 *v = NULL;
	bool *show = NULL;
	int f, err;

	if (st->if_stats_fd < 0) {
		/* a pin dir of an older build: its program has no per-interface counters */
		fprintf(out,
			"# v4via6: per-interface counters unavailable: the loaded program "
			"predates them (v4via6 detach --all, then attach, loads the new one)\n");
		return;
	}
	err = counters_names(st->if_stats_fd, &cn);
	if (!err) {
		v = calloc((size_t)cn.max_entries * cn.n, sizeof(*v));
		show = calloc(cn.max_entries, sizeof(*show));
		rows = calloc(cn.max_entries, sizeof(*rows));
		ifnames = calloc(cn.max_entries, sizeof(*ifnames));
		err = v && show && rows && ifnames ? 0 : -ENOMEM;
	}
	if (!err)
		err = counters_read(st->if_stats_fd, &cn, cn.max_entries, v);
	if (err) {
		pr_err("metrics: reading the if_stats map: %s", strerror(-err));
		goto out;
	}
	for (i = 0; i < (__u32)nattached; i++)
		show[attached[i] < cn.max_entries ? attached[i] : V4VIA6_IFINDEX_OTHERS] = true;
	for (k = 0; k < cn.max_entries; k++) {
		for (f = 0; f < cn.n && !show[k]; f++)
			show[k] = v[(size_t)k * cn.n + f] != 0;
		if (!show[k])
			continue;
		rows[nrows++] = k;
		/* slot 0 sums every ifindex >= V4VIA6_MAX_IFINDEX */
		if (k == V4VIA6_IFINDEX_OTHERS)
			snprintf(ifnames[k], IF_NAMESIZE, "other");
		else
			ifname_of(k, ifnames[k]);
	}
	for (f = 0; f < cn.n; f++) {
		counter_metric_name("v4via6_interface_", cn.name[f], name, sizeof(name));
		help_of(iface_help, cn.name[f], "if_stats", help, sizeof(help));
		family(out, name, "counter", help);
		for (i = 0; i < nrows; i++) {
			k = rows[i];
			fprintf(out, "%s{interface=\"", name);
			label_value(out, ifnames[k]);
			fprintf(out, "\",ifindex=\"%u\"} %llu\n", k,
				(unsigned long long)v[(size_t)k * cn.n + f]);
		}
	}
out:
	free(v);
	free(show);
	free(rows);
	free(ifnames);
}

/*
 * A nexthop object in use, copied: a writer may reuse a slot during the
 * scrape, and the series must still be one per next hop.
 */
struct nh_row {
	struct nexthop nh;
	__u32 idx;
};

/* Two objects of the same next hop (see nhobj.c) sort next to each other. */
static int cmp_row(const void *a, const void *b)
{
	const struct nh_row *x = a, *y = b;

	return memcmp(&x->nh, &y->nh, sizeof(x->nh));
}

/* Sums the counters of rows[i..n-1] of rows[i]'s next hop; returns the index after them. */
static __u32 sum_same(const struct nh_row *rows, const struct nh_stats *c, __u32 i, __u32 n,
		      struct nh_stats *sum)
{
	const struct nexthop *nh = &rows[i].nh;

	sum->packets = sum->bytes = 0;
	for (; i < n && !memcmp(&rows[i].nh, nh, sizeof(*nh)); i++) {
		sum->packets += c[i].packets;
		sum->bytes += c[i].bytes;
	}
	return i;
}

/* The per-nexthop families from the rows (sorted) and their counters. */
static void write_nexthop_series(FILE *out, const struct nh_row *rows, const struct nh_stats *c,
				 __u32 n)
{
	static const char *const fam[] = { "v4via6_nexthop_packets_total",
					   "v4via6_nexthop_bytes_total" };
	static const char *const help[] = {
		"Frames the fast path forwarded through this next hop (its nexthop objects' "
		"counters, summed over CPUs).",
		"Bytes of the frames the fast path forwarded through this next hop.",
	};
	char addr[ADDR_STR_LEN], dev[IF_NAMESIZE];
	__u32 i, j, f, last = 0;
	struct nh_stats sum;

	for (f = 0; f < ARRAY_SIZE(fam); f++) {
		family(out, fam[f], "counter", help[f]);
		for (i = 0; i < n; i = j) {
			j = sum_same(rows, c, i, n, &sum);
			format_ipv6(rows[i].nh.addr, addr, sizeof(addr));
			/* the rows of one interface are together: one name lookup each */
			if (!i || rows[i].nh.ifindex != last)
				ifname_of(rows[i].nh.ifindex, dev);
			last = rows[i].nh.ifindex;
			fprintf(out, "%s{nexthop=\"%s\",interface=\"", fam[f], addr);
			label_value(out, dev);
			fprintf(out, "\",ifindex=\"%u\"} %llu\n", rows[i].nh.ifindex,
				(unsigned long long)(f ? sum.bytes : sum.packets));
		}
	}
}

/*
 * The nexthop objects: how many, and the counters of each next hop. The
 * series are per next hop, not per object: a next hop that holds two slots
 * (nhobj.c) sums them, and its series keeps its labels when its routes move
 * to another slot (the counters then restart from 0, which Prometheus' rate()
 * takes as a reset). Throw objects forward nothing: no series.
 */
static void write_nexthops(FILE *out, const struct v4via6_state *st)
{
	struct nh_stats *c = NULL;
	struct nh_row *rows = NULL;
	__u32 *idx = NULL, n, nfwd = 0, taken = 0, i;
	struct nh_view v;
	int err;

	err = nh_view_cached(&v, st->nexthops_fd);
	if (err) {
		pr_err("metrics: reading the nexthops array: %s", strerror(-err));
		return;
	}
	for (i = 1; i < v.n; i++)
		taken += v.slots[i].used != 0;
	idx = calloc(v.n, sizeof(*idx));
	if (!idx) {
		pr_err("metrics: %s", strerror(ENOMEM));
		return;
	}
	n = nh_view_list(&v, idx, v.n);
	gauge(out, "v4via6_nexthops",
	      "Nexthop objects in use (v4via6 nexthop show): one per next hop that routes "
	      "name, throw included.",
	      n);
	gauge(out, "v4via6_nexthops_limit", "Most nexthop objects the nexthops array can hold.",
	      v.n - 1);
	gauge(out, "v4via6_nexthop_slots_used",
	      "Slots of the nexthops array taken: the objects in use and those released, "
	      "wiped for reuse when the array is full.",
	      taken);
	gauge(out, "v4via6_nexthop_slots_free", "Slots of the nexthops array never taken or wiped.",
	      v.n - 1 - taken);
	rows = calloc(n ? n : 1, sizeof(*rows));
	c = calloc(n ? n : 1, sizeof(*c));
	err = rows && c ? 0 : -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		rows[nfwd].nh = v.slots[idx[i]].nh;
		rows[nfwd].idx = idx[i];
		nfwd += rows[nfwd].nh.ifindex != V4VIA6_IFINDEX_KERNEL;
	}
	qsort(rows, nfwd, sizeof(*rows), cmp_row);
	for (i = 0; i < nfwd; i++)
		idx[i] = rows[i].idx;
	if (!err && st->nh_stats_fd < 0)
		err = -ENOENT;
	if (!err)
		err = nh_stats_read(st->nh_stats_fd, idx, nfwd, c);
	if (err)
		pr_err("metrics: reading the nh_stats map: %s", strerror(-err));
	else
		write_nexthop_series(out, rows, c, nfwd);
	free(rows);
	free(c);
	free(idx);
}

static void write_tbl8(FILE *out, const struct v4via6_state *st)
{
	__u32 used, total;
	int err;

	err = tbl8_blocks_used(st->tbl8_owners_fd, &used, &total);
	if (err) {
		pr_err("metrics: reading tbl8_owners: %s", strerror(-err));
		return;
	}
	gauge(out, "v4via6_tbl8_blocks_used",
	      "tbl8 blocks in use: one per /24 that holds routes longer than /24.", used);
	gauge(out, "v4via6_tbl8_blocks_free",
	      "tbl8 blocks left (a route longer than /24 in a new /24 fails when none is).",
	      total - used);
}

static void write_gauges(FILE *out, const struct v4via6_state *st, int nattached)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t n;
	bool walked;
	int err;

	err = trie_count(st->routes_fd, &n, &walked);
	if (err) {
		pr_err("metrics: counting routes: %s", strerror(-err));
	} else {
		gauge(out, "v4via6_routes",
		      "Routes in v4via6's routes map (throw routes included).", n);
		if (!bpf_obj_get_info_by_fd(st->routes_fd, &info, &len))
			gauge(out, "v4via6_routes_limit", "Most routes the routes map can hold.",
			      info.max_entries);
	}
	gauge(out, "v4via6_neighbours", "Entries of v4via6's neighbour map (next hop -> MAC).",
	      keys_count(st->neighs_fd, sizeof(struct nexthop)));
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(st->neighs_fd, &info, &len))
		gauge(out, "v4via6_neighbours_limit", "Most entries the neighbour map can hold.",
		      info.max_entries);
	gauge(out, "v4via6_interfaces_attached",
	      "Interfaces v4via6 is attached to (entries of the egress map).", nattached);
}

/* sync's status file: the fields it writes, as metrics. */
struct sync_ctx {
	unsigned long table, resyncs, overruns, last_resync, nexthops, resolved, mp_kernel, errors;
	unsigned long groups, nhobjs, links_down, link_downs;
	unsigned long lag_last, lag_max;
	int nroutes;
	struct {
		char reason[32];
		unsigned long val;
	} routes[16];
};

static void sync_field(void *arg, const char *key, unsigned long val)
{
	struct sync_ctx *c = arg;
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "table", offsetof(struct sync_ctx, table) },
		{ "resyncs", offsetof(struct sync_ctx, resyncs) },
		{ "overruns", offsetof(struct sync_ctx, overruns) },
		{ "last_resync", offsetof(struct sync_ctx, last_resync) },
		{ "nexthops", offsetof(struct sync_ctx, nexthops) },
		{ "neighs_resolved", offsetof(struct sync_ctx, resolved) },
		{ "multipath_kernel", offsetof(struct sync_ctx, mp_kernel) },
		{ "groups", offsetof(struct sync_ctx, groups) },
		{ "nhobjs", offsetof(struct sync_ctx, nhobjs) },
		{ "links_down", offsetof(struct sync_ctx, links_down) },
		{ "link_downs", offsetof(struct sync_ctx, link_downs) },
		{ "map_errors", offsetof(struct sync_ctx, errors) },
		{ "lag_us_last", offsetof(struct sync_ctx, lag_last) },
		{ "lag_us_max", offsetof(struct sync_ctx, lag_max) },
	};
	size_t i;

	if (!strncmp(key, "routes_", 7) && c->nroutes < 16) {
		snprintf(c->routes[c->nroutes].reason, sizeof(c->routes[0].reason), "%s", key + 7);
		c->routes[c->nroutes++].val = val;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(key, fields[i].key))
			*(unsigned long *)((char *)c + fields[i].off) = val;
}

static void write_sync(FILE *out, const char *pin_dir)
{
	struct sync_ctx c = { 0 };
	bool up;
	int i;

	up = sync_status_fields(pin_dir, sync_field, &c);
	gauge(out, "v4via6_sync_up", "Whether a v4via6 sync process serves this pin dir.", up);
	if (!up)
		return;
	family(out, "v4via6_sync_info", "gauge", "The routing table v4via6 sync follows.");
	fprintf(out, "v4via6_sync_info{table=\"%lu\"} 1\n", c.table);
	family(out, "v4via6_sync_resyncs_total", "counter",
	       "Full dumps of the kernel's tables since sync started (the first one, overruns, "
	       "links going down, SIGHUP).");
	fprintf(out, "v4via6_sync_resyncs_total %lu\n", c.resyncs);
	family(out, "v4via6_sync_overruns_total", "counter",
	       "Notifications the kernel dropped (ENOBUFS), each followed by a full resync.");
	fprintf(out, "v4via6_sync_overruns_total %lu\n", c.overruns);
	if (c.last_resync)
		gauge(out, "v4via6_sync_last_resync_timestamp_seconds",
		      "When the last full resync ended (Unix time).", c.last_resync);
	family(out, "v4via6_sync_kernel_routes", "gauge",
	       "The kernel's routes by what sync made of them: mirrored (a next hop in the map), "
	       "or left to the kernel, and why.");
	for (i = 0; i < c.nroutes; i++)
		fprintf(out, "v4via6_sync_kernel_routes{reason=\"%s\"} %lu\n", c.routes[i].reason,
			c.routes[i].val);
	gauge(out, "v4via6_sync_nexthops", "Distinct next hops the mirrored routes use.",
	      c.nexthops);
	gauge(out, "v4via6_sync_nexthops_resolved",
	      "Next hops in use whose MAC is in the neighbour map.", c.resolved);
	gauge(out, "v4via6_sync_ecmp_prefixes",
	      "Prefixes XDP forwards through a group (multipath routes, nexthop objects).",
	      c.groups);
	gauge(out, "v4via6_sync_ecmp_prefixes_kernel",
	      "Prefixes with several next hops left to the kernel (one XDP cannot take, or more "
	      "than 32).",
	      c.mp_kernel);
	gauge(out, "v4via6_sync_nexthop_objects",
	      "The kernel's nexthop objects sync mirrors into nh_defs.", c.nhobjs);
	gauge(out, "v4via6_sync_links_down",
	      "Attached links down or without carrier: their members are out of every group.",
	      c.links_down);
	family(out, "v4via6_sync_link_downs_total", "counter",
	       "Attached links that went down or lost carrier since sync started.");
	fprintf(out, "v4via6_sync_link_downs_total %lu\n", c.link_downs);
	family(out, "v4via6_sync_map_errors_total", "counter",
	       "Map writes by sync that failed (each is logged).");
	fprintf(out, "v4via6_sync_map_errors_total %lu\n", c.errors);
	family(out, "v4via6_sync_lag_seconds", "gauge",
	       "From kernel notifications ready to read to their changes in the maps (the wait for "
	       "the state lock included): the last batch's.");
	fprintf(out, "v4via6_sync_lag_seconds %lu.%06lu\n", c.lag_last / 1000000, c.lag_last % 1000000);
	family(out, "v4via6_sync_lag_max_seconds", "gauge",
	       "The largest v4via6_sync_lag_seconds since sync started.");
	fprintf(out, "v4via6_sync_lag_max_seconds %lu.%06lu\n", c.lag_max / 1000000, c.lag_max % 1000000);
}

int metrics_write(FILE *out, const char *pin_dir)
{
	static __u32 attached[V4VIA6_MAX_IFACES];
	struct v4via6_state st;
	int err, n;

	err = state_open(&st, pin_dir, false);
	if (err && err != -ENOENT && !state_err_reported(err))
		pr_err("metrics: %s: %s", pin_dir, strerror(-err));
	gauge(out, "v4via6_up", "Whether the v4via6 XDP program is loaded (pinned in the pin dir).",
	      !err);
	if (!err) {
		n = egress_list(st.egress_fd, attached, V4VIA6_MAX_IFACES);
		if (n < 0)
			n = 0;
		write_global(out, &st);
		write_ifaces(out, &st, attached, n);
		write_gauges(out, &st, n);
		write_nexthops(out, &st);
		write_tbl8(out, &st);
		state_close(&st);
	} else {
		nh_view_release();
	}
	write_sync(out, pin_dir);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

const char metrics_usage[] =
	"Usage: v4via6 metrics\n"
	"  Every counter and gauge in the Prometheus text format (what v4via6 exporter serves):\n"
	"  forwarding outcomes, per ingress interface, routes, neighbours, next-hop slots,\n"
	"  interfaces, sync's state. Nothing loaded prints v4via6_up 0 (exit 0).\n";

int metrics_pin_dir(char *dir, size_t len)
{
	const char *what = cmd_name();
	struct stat sb;

	if (resolve_pin_dir(dir, len, false))
		return -EINVAL;
	/* a pin dir named by hand must exist (a typo); the default one appears with attach */
	if (pin_dir_opt && stat(dir, &sb)) {
		pr_err("%s: --pin-dir %s: %s", what, dir, strerror(errno));
		return -ENOENT;
	}
	if (pin_dir_opt && !S_ISDIR(sb.st_mode)) {
		pr_err("%s: --pin-dir %s: %s", what, dir, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	return 0;
}

int do_metrics(int argc, char **argv)
{
	char dir[PATH_MAX];

	if (metrics_pin_dir(dir, sizeof(dir)))
		return EXIT_FAIL;
	if (metrics_write(stdout, dir)) {
		pr_err("metrics: writing: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
