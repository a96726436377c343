// SPDX-License-Identifier: GPL-2.0-only
/*
 * progcost: the cost of one XDP program run, in ns per packet, under
 * BPF_PROG_TEST_RUN, for v4via6, v4via6 without its per-nexthop counters
 * (v4via6_nocount, on the same maps), the bpf_fib_lookup reference forwarder
 * (fibfwd) and a program that only drops (the harness's floor).
 *
 *   progcost --routes FILE --count N --in IF --out IF --gw ADDR,MAC... [options]
 *
 * Run it inside the network namespace whose FIB holds the same N routes:
 * test_run's ingress_ifindex and fibfwd's lookups use the caller's namespace.
 * v4via6's maps get the first N routes of FILE, one neighbour per gateway,
 * and both interfaces' MAC and MTU (as `v4via6 attach` records them).
 *
 * Each test_run call takes one frame, so the bench builds FRAMES frames whose
 * destinations are spread over the N routes and cycles through them; one in
 * BENCH_LONG_EVERY goes to a route longer than /24 when the table has one
 * (bench/mix.h: the same choice as trafgen_cfg.py's). A
 * program's changes to the frame stay in the buffer from one repeat to the
 * next (test_run does not copy the input again), so every forwarded repeat
 * decrements the TTL: frames start at TTL 255 and REPEAT stays below 254, or
 * the runs would measure the TTL-expired path. Each figure is the mean over
 * all frames and calls of a run; the median of RUNS runs is reported. Every
 * call's verdict is checked: a forwarder that passes everything would measure
 * nothing. Results go to stdout as one JSON object; progress to stderr.
 *
 * --park IF,IF,IF,IF attaches drop, v4via6, v4via6_nocount and fibfwd to four idle interfaces
 * for the duration. test_run adds a program to the kernel's XDP dispatcher
 * and removes it again on every call, each time waiting for an RCU grace
 * period (milliseconds here), unless the program is already there because it
 * is attached somewhere: parked, thousands of calls take seconds, not minutes.
 * The figures are the same either way; only the wall-clock time differs.
 */
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include "benchlib.h"
#include "mix.h"
#include "v4via6.skel.h"
#include "v4via6_nocount.skel.h"
#include "fibfwd.skel.h"
#include "drop.skel.h"

#define MAX_RUNS BENCH_MAX_RUNS

enum { P_DROP, P_V4VIA6, P_NOCOUNT, P_FIBFWD, NPROGS };
static const char *const prog_names[NPROGS] = { "drop", "v4via6", "v4via6_nocount", "fibfwd" };

struct options {
	const char *routes, *in, *out;
	char *park[NPROGS];
	size_t count;
	struct bench_gw gws[BENCH_MAX_GWS];
	__u32 ngws;
	unsigned int frames, repeat, calls, runs;
};

/*
 * The route of frame f of frames: spread over the table, and for one frame in
 * BENCH_LONG_EVERY a route longer than /24 (the next one in the table), for
 * the others one of /24 or shorter (the one before), where the table has one.
 */
static size_t frame_route(const struct bench_route *r, size_t n, unsigned int f,
			  unsigned int frames)
{
	size_t i = (size_t)f * n / frames, k;
	int want_long = f % BENCH_LONG_EVERY == BENCH_LONG_EVERY - 1;

	for (k = 0; k < n; k++) {
		size_t j = want_long ? (i + k) % n : (i + n - k) % n;

		if ((r[j].key.prefixlen > 24) == want_long)
			return j;
	}
	return i;
}

/* A host address inside route j's prefix, different for each frame. */
static __be32 dest_in(const struct bench_route *r, unsigned int f)
{
	__u32 len = r->key.prefixlen, host = 0;

	if (len < 32) {
		host = bench_mix(f + 1) & (~0U >> len);
		if (!host)
			host = 1;
	}
	return htonl(ntohl(r->key.addr) | host);
}

/* Whether daddr's tbl24 entry sends the lookup on to a tbl8 block. */
static int through_tbl8(int tbl24_fd, __be32 daddr)
{
	static struct fib_block b;
	__u32 d = ntohl(daddr), k = d >> 16;

	return !bpf_map_lookup_elem(tbl24_fd, &k, &b) && b.e[(d >> 8) & 0xff] & V4VIA6_T24_TBL8;
}

/* Before obj is loaded: its maps become those of the same name in from (loaded). */
static int share_maps(struct bpf_object *obj, struct bpf_object *from)
{
	struct bpf_map *m, *src;

	bpf_object__for_each_map(m, obj) {
		src = bpf_object__find_map_by_name(from, bpf_map__name(m));
		if (src && bpf_map__reuse_fd(m, bpf_map__fd(src)))
			return -errno;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: progcost --routes FILE --count N --in IF --out IF --gw ADDR,MAC [--gw ...]\n"
		"                [--frames 256] [--repeat 200] [--calls 20] [--runs 5]\n"
		"                [--park IF,IF,IF,IF]\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = { { "routes", required_argument, NULL, 'r' },
						  { "count", required_argument, NULL, 'n' },
						  { "in", required_argument, NULL, 'i' },
						  { "out", required_argument, NULL, 'o' },
						  { "gw", required_argument, NULL, 'g' },
						  { "frames", required_argument, NULL, 'f' },
						  { "repeat", required_argument, NULL, 'R' },
						  { "calls", required_argument, NULL, 'c' },
						  { "runs", required_argument, NULL, 'k' },
						  { "park", required_argument, NULL, 'P' },
						  { "help", no_argument, NULL, 'h' },
						  {} };
	int c;

	*o = (struct options){ .frames = 256, .repeat = 200, .calls = 20, .runs = 5 };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->routes = optarg;
			break;
		case 'n':
			o->count = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'f':
			o->frames = strtoul(optarg, NULL, 0);
			break;
		case 'R':
			o->repeat = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o->calls = strtoul(optarg, NULL, 0);
			break;
		case 'k':
			o->runs = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			if (o->ngws == BENCH_MAX_GWS || bench_parse_gw(optarg, &o->gws[o->ngws])) {
				fprintf(stderr, "progcost: --gw %s: want ADDR,MAC (at most %d)\n",
					optarg, BENCH_MAX_GWS);
				return 2;
			}
			o->ngws++;
			break;
		case 'P': {
			int p;

			for (p = 0; p < NPROGS; p++)
				o->park[p] = strtok(p ? NULL : optarg, ",");
			if (!o->park[NPROGS - 1]) {
				usage();
				return 2;
			}
			break;
		}
		case 'h':
			usage();
			exit(0);
		default:
			usage();
			return 2;
		}
	}
	if (!o->routes || !o->count || !o->in || !o->out || !o->ngws || !o->frames || !o->repeat ||
	    o->repeat > 250 || !o->calls || !o->runs || o->runs > MAX_RUNS) {
		usage();
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct v4via6_bpf *v4 = NULL;
	struct v4via6_nocount_bpf *nocount = NULL;
	struct fibfwd_bpf *fib = NULL;
	struct drop_bpf *drop = NULL;
	struct bench_route *routes = NULL;
	struct options o;
	__u32 in_ifindex, out_ifindex, in_mtu, out_mtu, retval, dur;
	__u8 in_mac[6], out_mac[6], out_a[FRAME_LEN], out_b[FRAME_LEN], out_c[FRAME_LEN];
	static const __u32 expect[NPROGS] = { XDP_DROP, XDP_REDIRECT, XDP_REDIRECT, XDP_REDIRECT };
	double ns[NPROGS][MAX_RUNS], fill_s;
	struct v4via6_maps maps;
	unsigned long wrong[NPROGS] = {}, calls_total;
	unsigned int redirected[NPROGS] = {}, same = 0, ttl_ok = 0, tbl8 = 0;
	int fds[NPROGS], parked[NPROGS] = {}, err = 1, rc;
	size_t nroutes = 0;
	__u8 *frames = NULL;
	unsigned int f, k, c, p;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (bench_iface(o.in, &in_ifindex, in_mac, &in_mtu) ||
	    bench_iface(o.out, &out_ifindex, out_mac, &out_mtu))
		return 1;
	if (bench_read_routes(o.routes, o.count, o.ngws, &routes, &nroutes))
		return 1;

	v4 = v4via6_bpf__open_and_load();
	nocount = v4 ? v4via6_nocount_bpf__open() : NULL;
	fib = fibfwd_bpf__open_and_load();
	drop = drop_bpf__open_and_load();
	if (!v4 || !nocount || !fib || !drop || share_maps(nocount->obj, v4->obj) ||
	    v4via6_nocount_bpf__load(nocount)) {
		fprintf(stderr, "progcost: loading the programs: %s\n", strerror(errno));
		goto out;
	}
	fds[P_DROP] = bpf_program__fd(drop->progs.drop_xdp);
	fds[P_V4VIA6] = bpf_program__fd(v4->progs.v4via6_xdp);
	fds[P_NOCOUNT] = bpf_program__fd(nocount->progs.v4via6_xdp);
	fds[P_FIBFWD] = bpf_program__fd(fib->progs.fibfwd_xdp);

	for (p = 0; o.park[0] && p < NPROGS; p++) {
		parked[p] = if_nametoindex(o.park[p]);
		if (!parked[p] || bpf_xdp_attach(parked[p], fds[p], XDP_FLAGS_DRV_MODE, NULL)) {
			fprintf(stderr, "progcost: parking %s on %s: %s\n", prog_names[p],
				o.park[p], strerror(errno));
			parked[p] = 0;
			goto out;
		}
	}

	fprintf(stderr, "  progcost: %zu routes: filling v4via6's maps\n", nroutes);
	fill_s = bench_now();
	if (maps_from_object(&maps, v4->obj) ||
	    bench_fill_v4via6(&maps, out_ifindex, out_mac, out_mtu, o.gws, o.ngws, routes,
			      nroutes) ||
	    bench_add_egress(maps.egress_fd, in_ifindex, in_mac, in_mtu) ||
	    bench_add_tx_port(bpf_map__fd(fib->maps.tx_ports), out_ifindex))
		goto out;
	fill_s = bench_now() - fill_s;

	frames = calloc(o.frames, FRAME_LEN);
	if (!frames)
		goto out;
	for (f = 0; f < o.frames; f++) {
		__be32 daddr = dest_in(&routes[frame_route(routes, nroutes, f, o.frames)], f);

		bench_frame(frames + f * FRAME_LEN, in_mac, htonl(0xc0000201), daddr, 1024 + f, 9);
		tbl8 += through_tbl8(maps.tbl24_fd, daddr);
	}

	/* The forwarders must redirect every frame, and rewrite it the same way. */
	for (f = 0; f < o.frames; f++) {
		const __u8 *fr = frames + f * FRAME_LEN;
		__u8 *outs[NPROGS] = { out_a, out_a, out_c, out_b };

		for (p = 0; p < NPROGS; p++) {
			if (bench_test_run(fds[p], fr, in_ifindex, 1, outs[p], &retval, &dur)) {
				fprintf(stderr, "progcost: test_run: %s\n", strerror(errno));
				goto out;
			}
			redirected[p] += retval == expect[p];
		}
		same += !memcmp(out_a, out_b, FRAME_LEN) && !memcmp(out_c, out_b, FRAME_LEN);
		ttl_ok += ((struct iphdr *)(out_a + ETH_HLEN))->ttl == 254;
	}
	fprintf(stderr,
		"  progcost: %zu routes: checked %u frames (%u through tbl8): v4via6 redirected %u, "
		"v4via6_nocount %u, fibfwd %u, identical output %u\n",
		nroutes, o.frames, tbl8, redirected[P_V4VIA6], redirected[P_NOCOUNT],
		redirected[P_FIBFWD], same);

	for (k = 0; k < o.runs; k++) {
		for (p = 0; p < NPROGS; p++) {
			unsigned int q = (p + k) % NPROGS; /* rotate the order between runs */
			double sum = 0;

			for (c = 0; c < o.calls; c++)
				for (f = 0; f < o.frames; f++) {
					if (bench_test_run(fds[q], frames + f * FRAME_LEN,
							   in_ifindex, o.repeat, NULL, &retval,
							   &dur)) {
						fprintf(stderr, "progcost: test_run: %s\n",
							strerror(errno));
						goto out;
					}
					sum += dur;
					wrong[q] += retval != expect[q];
				}
			ns[q][k] = sum / ((double)o.calls * o.frames);
		}
		fprintf(stderr,
			"  progcost: %zu routes: run %u/%u: drop %.1f v4via6 %.1f v4via6_nocount %.1f "
			"fibfwd %.1f ns\n",
			nroutes, k + 1, o.runs, ns[P_DROP][k], ns[P_V4VIA6][k], ns[P_NOCOUNT][k],
			ns[P_FIBFWD][k]);
	}

	calls_total = (unsigned long)o.runs * o.calls * o.frames;
	printf("{\"routes\": %zu, \"frames\": %u, \"repeat\": %u, \"calls\": %u, \"runs\": %u, "
	       "\"v4via6_map_fill_s\": %.3f, \"checked\": {\"frames\": %u, \"tbl8_frames\": %u, "
	       "\"v4via6_redirect\": %u, \"v4via6_nocount_redirect\": %u, "
	       "\"fibfwd_redirect\": %u, \"identical_output\": %u, \"ttl_decremented\": %u}, "
	       "\"programs\": {",
	       nroutes, o.frames, o.repeat, o.calls, o.runs, fill_s, o.frames, tbl8,
	       redirected[P_V4VIA6], redirected[P_NOCOUNT], redirected[P_FIBFWD], same, ttl_ok);
	for (p = 0; p < NPROGS; p++) {
		printf("%s\"%s\": {\"median_ns\": %.2f, \"runs_ns\": [", p ? ", " : "",
		       prog_names[p], bench_median(ns[p], o.runs));
		for (k = 0; k < o.runs; k++)
			printf("%s%.2f", k ? ", " : "", ns[p][k]);
		printf("], \"wrong_verdicts\": %lu, \"calls\": %lu}", wrong[p], calls_total);
	}
	printf("}}\n");
	err = 0;
out:
	for (p = 0; p < NPROGS; p++)
		if (parked[p])
			bpf_xdp_detach(parked[p], XDP_FLAGS_DRV_MODE, NULL);
	free(frames);
	free(routes);
	drop_bpf__destroy(drop);
	fibfwd_bpf__destroy(fib);
	v4via6_nocount_bpf__destroy(nocount);
	v4via6_bpf__destroy(v4);
	return err;
}
