// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpctl: the bench's own loader, so that the end-to-end runs need nothing
 * but the BPF objects.
 *
 *   xdpctl load PROG PINDIR [--routes FILE --count N --out IF --in IF --gw ADDR,MAC...]
 *       loads PROG (v4via6, fibfwd, drop or sink), fills its maps and pins
 *       the program as PINDIR/prog and its maps as PINDIR/<map>. v4via6 gets
 *       the routes, one neighbour per gateway and both interfaces' MAC and
 *       MTU (as progcost does); fibfwd gets the out IF as a tx port.
 *   xdpctl load v4via6_nocount PINDIR --maps V4PINDIR
 *       v4via6 without its per-nexthop counters, on the maps v4via6 pinned in
 *       V4PINDIR (the same table); only the program is pinned in PINDIR.
 *   xdpctl tbl8 PINDIR          v4via6's tbl8 blocks: "used total"
 *   xdpctl attach PINDIR IF     attach the pinned program to IF (native XDP)
 *   xdpctl detach IF
 *   xdpctl count PINDIR         a sink's counters: "packets bytes first_ns"
 *   xdpctl zero PINDIR          reset a sink's counters
 *   xdpctl fwd PINDIR           v4via6's counters: "rx_packets fwd_packets"
 *   xdpctl now                  CLOCK_MONOTONIC in ns, the clock of first_ns
 *   xdpctl runtime PINDIR       the pinned program's "run_time_ns run_cnt"
 *   xdpctl stats-hold SECONDS   keeps the kernel's BPF run-time statistics on
 *                               for SECONDS or until killed (BPF_ENABLE_STATS:
 *                               unlike the sysctl, it ends with the process,
 *                               and a forgotten one ends by itself). They cost
 *                               every program two clock reads per run, so
 *                               progcost must not run while they are on.
 *
 * The attachment and the pins outlive the process; the caller removes them
 * (detach, rm -r PINDIR).
 */
#include <limits.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>

#include "benchlib.h"
#include "sink.h"
#include "v4via6.skel.h"
#include "v4via6_nocount.skel.h"
#include "fibfwd.skel.h"
#include "drop.skel.h"
#include "sink.skel.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: xdpctl load {v4via6|fibfwd|drop|sink} PINDIR [--routes FILE --count N "
		"--out IF --in IF --gw ADDR,MAC...]\n"
		"       xdpctl load v4via6_nocount PINDIR --maps V4PINDIR\n"
		"       xdpctl attach PINDIR IF | detach IF | count PINDIR | zero PINDIR | tbl8 PINDIR\n"
		"       xdpctl fwd PINDIR | runtime PINDIR | now | stats-hold SECONDS\n");
	return 2;
}

static int pin_all(struct bpf_object *obj, struct bpf_program *prog, const char *dir)
{
	char path[PATH_MAX];

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/prog", dir);
	if (bpf_program__pin(prog, path) || bpf_object__pin_maps(obj, dir)) {
		fprintf(stderr, "xdpctl: pinning in %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* v4via6_nocount on the maps pinned in v4dir, its program pinned in dir. */
static int load_nocount(const char *dir, const char *v4dir)
{
	struct v4via6_nocount_bpf *s = v4via6_nocount_bpf__open();
	char path[PATH_MAX];
	struct bpf_map *m;
	int err = 0;

	if (!s)
		return -errno;
	bpf_object__for_each_map(m, s->obj) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", v4dir, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0 || bpf_map__reuse_fd(m, fd)) {
			err = -errno;
			fprintf(stderr, "xdpctl: %s: %s\n", path, strerror(errno));
			break;
		}
		close(fd); /* reuse_fd took its own */
	}
	if (!err && v4via6_nocount_bpf__load(s))
		err = -errno;
	if (!err && mkdir(dir, 0700) && errno != EEXIST)
		err = -errno;
	snprintf(path, sizeof(path), "%s/prog", dir);
	if (!err && bpf_program__pin(s->progs.v4via6_xdp, path))
		err = -errno;
	if (err)
		fprintf(stderr, "xdpctl: load v4via6_nocount: %s\n", strerror(-err));
	v4via6_nocount_bpf__destroy(s);
	return err;
}

static int cmd_load(int argc, char **argv)
{
	const char *what = argv[0], *dir = argv[1], *routes_path = NULL, *out = NULL, *in = NULL,
		   *maps_dir = NULL;
	struct bench_gw gws[BENCH_MAX_GWS];
	struct bench_route *routes = NULL;
	size_t count = 0, nroutes = 0;
	__u32 ngws = 0, out_ifindex = 0, mtu = 0, in_ifindex = 0, in_mtu = 0;
	__u8 mac[6], in_mac[6];
	int i, err = -EINVAL;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--routes"))
			routes_path = argv[i + 1];
		else if (!strcmp(argv[i], "--count"))
			count = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
		else if (!strcmp(argv[i], "--in"))
			in = argv[i + 1];
		else if (!strcmp(argv[i], "--maps"))
			maps_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--gw") && ngws < BENCH_MAX_GWS &&
			 !bench_parse_gw(argv[i + 1], &gws[ngws]))
			ngws++;
		else
			return usage();
	}
	if (i != argc)
		return usage();
	if ((out && bench_iface(out, &out_ifindex, mac, &mtu)) ||
	    (in && bench_iface(in, &in_ifindex, in_mac, &in_mtu)))
		return 1;

	if (!strcmp(what, "v4via6")) {
		struct v4via6_bpf *s = v4via6_bpf__open_and_load();
		struct v4via6_maps maps;

		if (!s || !out || !ngws || !routes_path)
			goto bad;
		err = bench_read_routes(routes_path, count, ngws, &routes, &nroutes);
		if (!err)
			err = maps_from_object(&maps, s->obj);
		if (!err)
			err = bench_fill_v4via6(&maps, out_ifindex, mac, mtu, gws, ngws, routes,
						nroutes);
		if (!err && in)
			err = bench_add_egress(maps.egress_fd, in_ifindex, in_mac, in_mtu);
		if (!err)
			err = pin_all(s->obj, s->progs.v4via6_xdp, dir);
		v4via6_bpf__destroy(s);
	} else if (!strcmp(what, "v4via6_nocount")) {
		if (!maps_dir)
			return usage();
		err = load_nocount(dir, maps_dir);
	} else if (!strcmp(what, "fibfwd")) {
		struct fibfwd_bpf *s = fibfwd_bpf__open_and_load();

		if (!s || !out)
			goto bad;
		err = bench_add_tx_port(bpf_map__fd(s->maps.tx_ports), out_ifindex);
		if (!err)
			err = pin_all(s->obj, s->progs.fibfwd_xdp, dir);
		fibfwd_bpf__destroy(s);
	} else if (!strcmp(what, "drop")) {
		struct drop_bpf *s = drop_bpf__open_and_load();

		if (!s)
			goto bad;
		err = pin_all(s->obj, s->progs.drop_xdp, dir);
		drop_bpf__destroy(s);
	} else if (!strcmp(what, "sink")) {
		struct sink_bpf *s = sink_bpf__open_and_load();

		if (!s)
			goto bad;
		err = pin_all(s->obj, s->progs.sink_xdp, dir);
		sink_bpf__destroy(s);
	} else {
		return usage();
	}
	free(routes);
	return err ? 1 : 0;
bad:
	fprintf(stderr, "xdpctl: load %s: %s\n", what,
		errno ? strerror(errno) : "missing --out, --gw or --routes");
	return 1;
}

static int cmd_attach(const char *dir, const char *ifname)
{
	char path[PATH_MAX];
	int fd, ifindex = if_nametoindex(ifname);

	snprintf(path, sizeof(path), "%s/prog", dir);
	fd = bpf_obj_get(path);
	if (fd < 0 || !ifindex || bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "xdpctl: attach %s to %s: %s\n", path, ifname, strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_detach(const char *ifname)
{
	int ifindex = if_nametoindex(ifname);

	if (!ifindex || bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "xdpctl: detach %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_count(const char *dir, int zero)
{
	int ncpus = libbpf_num_possible_cpus(), fd, i;
	struct sink_count *c, sum = {};
	char path[PATH_MAX];
	__u32 key = 0;

	snprintf(path, sizeof(path), "%s/counts", dir);
	fd = bpf_obj_get(path);
	c = calloc(ncpus > 0 ? ncpus : 1, sizeof(*c));
	if (fd < 0 || !c || ncpus <= 0) {
		fprintf(stderr, "xdpctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (zero) {
		if (bpf_map_update_elem(fd, &key, c, BPF_ANY)) {
			fprintf(stderr, "xdpctl: zeroing %s: %s\n", path, strerror(errno));
			return 1;
		}
		return 0;
	}
	if (bpf_map_lookup_elem(fd, &key, c)) {
		fprintf(stderr, "xdpctl: reading %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < ncpus; i++) {
		sum.packets += c[i].packets;
		sum.bytes += c[i].bytes;
		if (c[i].first_ns && (!sum.first_ns || c[i].first_ns < sum.first_ns))
			sum.first_ns = c[i].first_ns;
	}
	printf("%llu %llu %llu\n", sum.packets, sum.bytes, sum.first_ns);
	free(c);
	return 0;
}

/* v4via6's own counters, summed over the CPUs, to see that it forwarded what it received. */
static int cmd_fwd(const char *dir)
{
	int ncpus = libbpf_num_possible_cpus(), fd, i;
	struct fwd_stats *st;
	char path[PATH_MAX];
	__u64 rx = 0, fwd = 0;
	__u32 key = V4VIA6_STATS_KEY;

	snprintf(path, sizeof(path), "%s/%s", dir, V4VIA6_MAP_STATS);
	fd = bpf_obj_get(path);
	st = calloc(ncpus > 0 ? ncpus : 1, sizeof(*st));
	if (fd < 0 || !st || ncpus <= 0 || bpf_map_lookup_elem(fd, &key, st)) {
		fprintf(stderr, "xdpctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < ncpus; i++) {
		rx += st[i].rx_packets;
		fwd += st[i].fwd_packets;
	}
	printf("%llu %llu\n", rx, fwd);
	free(st);
	return 0;
}

/* Blocks of tbl8 in use (their owner entry says so: loader/fib24.h) and in the pool. */
static int cmd_tbl8(const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), k, used = 0;
	__u64 owner;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, V4VIA6_MAP_TBL8_OWNERS);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "xdpctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (k = 0; k < info.max_entries; k++)
		used += !bpf_map_lookup_elem(fd, &k, &owner) && (owner & FIB24_GROUP_USED);
	printf("%u %u\n", used, info.max_entries);
	close(fd);
	return 0;
}

static int cmd_runtime(const char *dir)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/prog", dir);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "xdpctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("%llu %llu\n", (unsigned long long)info.run_time_ns,
	       (unsigned long long)info.run_cnt);
	return 0;
}

static int cmd_stats_hold(unsigned int seconds)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0) {
		fprintf(stderr, "xdpctl: enabling BPF run-time stats: %s\n", strerror(errno));
		return 1;
	}
	sleep(seconds);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "load"))
		return cmd_load(argc - 2, argv + 2);
	if (argc == 4 && !strcmp(argv[1], "attach"))
		return cmd_attach(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "detach"))
		return cmd_detach(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "count"))
		return cmd_count(argv[2], 0);
	if (argc == 3 && !strcmp(argv[1], "tbl8"))
		return cmd_tbl8(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "runtime"))
		return cmd_runtime(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "stats-hold"))
		return cmd_stats_hold(strtoul(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "fwd"))
		return cmd_fwd(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "zero"))
		return cmd_count(argv[2], 1);
	if (argc == 2 && !strcmp(argv[1], "now")) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%llu\n", (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
		return 0;
	}
	return usage();
}
