// SPDX-License-Identifier: GPL-2.0-only
/*
 * ecmpcost: what ECMP costs (issue 11's bench), as progcost measures the rest.
 *
 *   ecmpcost --routes FILE --in IF --out IF --alt IF [options]
 *
 * 1. Program cost under BPF_PROG_TEST_RUN, ns per packet above the XDP_DROP
 *    floor, of one route through a plain next hop and through nexthop groups
 *    of 1, 2 and 8 members (`nexthop add id G group ...`, `route ... nhid G`),
 *    the same frames in each case: FRAMES flows (sources and ports differ)
 *    to destinations in 10.200.0.0/16, the route replaced between cases. The
 *    members are next hops on the out interface whose MAC is the in
 *    interface's: test_run keeps a frame's changes from one repeat to the
 *    next, and the program passes a frame that is not addressed to the
 *    ingress MAC (bench/lib-live.sh says more). Every case's frames are
 *    checked once: redirected, TTL 254, and how many members they reach.
 *    Medians of RUNS runs, the order of the cases rotated between runs.
 * 2. Convergence: for each size in SIZES, a table of that many routes (the
 *    first lines of FILE) all through one group of two members, one on the
 *    out and one on the alt interface; the out link goes down and comes back
 *    FLIPS times (fib24_link_set, as sync does on RTM_NEWLINK), each call
 *    timed; after a down, a frame that went out goes to alt; after an up, the
 *    out member holds half the buckets again (resilient: not necessarily
 *    the same ones, so that frame may stay where it is). The
 *    goal: one write per group, under 1 ms, whatever the table's size.
 *
 * Run it in a network namespace of the caller's (bench/run.sh's "rt"): the
 * interfaces must exist there. Results: one JSON object on stdout; progress
 * and a summary on stderr. --park IF,IF attaches drop and v4via6 to two idle
 * interfaces for the duration (see progcost.c: test_run is then fast).
 */
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>

#include "benchlib.h"
#include "mix.h"
#include "v4via6.skel.h"
#include "drop.skel.h"

#define MEMBERS	    8
#define NSIZES	    4
#define MAX_FLIPS   BENCH_MAX_RUNS
#define GROUP_ID    100 /* the cost's groups: GROUP_ID + members */
#define CONV_ID	    200 /* the convergence's group */
#define COST_PREFIX 0x0ac80000 /* 10.200.0.0/16 */

enum { C_PLAIN, C_GROUP1, C_GROUP2, C_GROUP8, NCASES };
static const char *const case_names[NCASES] = { "plain", "group1", "group2", "group8" };
static const unsigned int case_members[NCASES] = { 0, 1, 2, 8 };

struct options {
	const char *routes, *in, *out, *alt;
	char *park[2];
	size_t sizes[NSIZES];
	unsigned int nsizes, frames, repeat, calls, runs, flips;
};

struct iface {
	__u32 ifindex, mtu;
	__u8 mac[6];
};

static void usage(void)
{
	fprintf(stderr,
		"usage: ecmpcost --routes FILE --in IF --out IF --alt IF [--sizes 1000,1000000]\n"
		"                [--frames 256] [--repeat 250] [--calls 2] [--runs 5] [--flips 11]\n"
		"                [--park IF,IF]\n");
}

static int parse_sizes(char *s, struct options *o)
{
	char *t;

	for (t = strtok(s, ","); t; t = strtok(NULL, ",")) {
		if (o->nsizes == NSIZES || !(o->sizes[o->nsizes++] = strtoul(t, NULL, 0)))
			return -1;
	}
	return o->nsizes ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "routes", required_argument, NULL, 'r' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "alt", required_argument, NULL, 'a' },
		{ "sizes", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'f' },
		{ "repeat", required_argument, NULL, 'R' },
		{ "calls", required_argument, NULL, 'c' },
		{ "runs", required_argument, NULL, 'k' },
		{ "flips", required_argument, NULL, 'F' },
		{ "park", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char sizes[] = "1000,1000000";
	int c;

	*o = (struct options){ .frames = 256, .repeat = 250, .calls = 2, .runs = 5, .flips = 11 };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->routes = optarg;
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'a':
			o->alt = optarg;
			break;
		case 's':
			if (parse_sizes(optarg, o)) {
				usage();
				return 2;
			}
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
		case 'F':
			o->flips = strtoul(optarg, NULL, 0);
			break;
		case 'P':
			o->park[0] = strtok(optarg, ",");
			o->park[1] = strtok(NULL, ",");
			if (!o->park[1]) {
				usage();
				return 2;
			}
			break;
		case 'h':
			usage();
			exit(0);
		default:
			usage();
			return 2;
		}
	}
	if (!o->nsizes && parse_sizes(sizes, o))
		return 2;
	if (!o->routes || !o->in || !o->out || !o->alt || !o->frames || !o->repeat ||
	    o->repeat > 250 || !o->calls || !o->runs || o->runs > BENCH_MAX_RUNS || !o->flips ||
	    o->flips > MAX_FLIPS) {
		usage();
		return 2;
	}
	return 0;
}

/* Member k's next hop: fe80::e:K on ifindex. */
static void member_nh(struct nexthop *nh, __u32 ifindex, unsigned int k)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = ifindex;
	nh->addr[0] = 0xfe;
	nh->addr[1] = 0x80;
	nh->addr[13] = 0x0e;
	nh->addr[15] = k;
}

static int nh_fail(struct fib24 *fib, const char *what, __u32 id, const struct nh_def *def, int err)
{
	fprintf(stderr, "ecmpcost: %s %u: %s%s%s\n", what, id, strerror(-err),
		err == -EINVAL ? ": " : "", err == -EINVAL ? fib24_nh_invalid(fib, id, def) : "");
	return err;
}

/* Nexthop object id: one next hop (nh), or a group of the objects ids[0..n-1], weights 1. */
static int nh_add(struct fib24 *fib, __u32 id, const struct nexthop *nh, const __u32 *ids,
		  unsigned int n)
{
	struct nh_def def = { .n = nh ? 1 : n };
	unsigned int k;
	int err;

	if (nh) {
		def.m[0].nh = *nh;
		def.m[0].weight = 1;
	} else {
		def.flags = V4VIA6_NHDEF_GROUP;
		for (k = 0; k < n; k++) {
			def.m[k].id = ids[k];
			def.m[k].weight = 1;
		}
	}
	err = fib24_nh_set(fib, id, &def, BPF_ANY);
	return err ? nh_fail(fib, "nexthop", id, &def, err) : 0;
}

static void nh_by_id(__u32 id, struct nexthop *nh)
{
	nh_of_key(&(struct nh_key){ .id = id, .kind = V4VIA6_NH_NAMED }, nh);
}

/* The objects of the cost: members 1..8 (MAC: the in interface's) and the groups of 1, 2, 8. */
static int cost_objects(struct fib24 *fib, const struct iface *in, const struct iface *out,
			struct nexthop *route_nh)
{
	__u32 ids[MEMBERS];
	struct neigh ne = {};
	struct nexthop nh;
	unsigned int k, c;
	int err;

	memcpy(ne.mac, in->mac, 6);
	for (k = 0; k < MEMBERS; k++) {
		member_nh(&nh, out->ifindex, k + 1);
		ids[k] = k + 1;
		err = fib24_neigh_update(fib, &nh, &ne, BPF_ANY);
		if (!err)
			err = nh_add(fib, ids[k], &nh, NULL, 0);
		if (err)
			return err;
		if (!k)
			route_nh[C_PLAIN] = nh; /* the plain route: member 1's next hop */
	}
	for (c = C_GROUP1; c < NCASES; c++) {
		err = nh_add(fib, GROUP_ID + case_members[c], NULL, ids, case_members[c]);
		if (err)
			return err;
		nh_by_id(GROUP_ID + case_members[c], &route_nh[c]);
	}
	return 0;
}

static void cost_objects_del(struct fib24 *fib)
{
	unsigned int k, c;

	for (c = C_GROUP1; c < NCASES; c++)
		fib24_nh_del(fib, GROUP_ID + case_members[c]);
	for (k = 0; k < MEMBERS; k++)
		fib24_nh_del(fib, k + 1);
}

static int route_set(struct fib24 *fib, const struct nexthop *nh)
{
	struct route_key key = { .prefixlen = 16, .addr = htonl(COST_PREFIX) };
	int err = fib24_update(fib, &key, nh, BPF_ANY);

	if (err)
		fprintf(stderr, "ecmpcost: route 10.200.0.0/16: %s\n", strerror(-err));
	return err;
}

struct cost {
	double ns[NCASES + 1][BENCH_MAX_RUNS]; /* [NCASES]: drop */
	unsigned int redirected[NCASES], members[NCASES];
	unsigned long wrong[NCASES + 1];
};

/* Every case's frames once: redirected, TTL 254, and the members reached (by next hop MAC). */
static int cost_check(struct fib24 *fib, int prog, const struct nexthop *route_nh,
		      const __u8 *frames, const struct options *o, __u32 in_ifindex, struct cost *r)
{
	__u8 out[FRAME_LEN], seen[1 << 16];
	__u32 retval, dur, idx, e;
	struct nh_group g;
	unsigned int c, f;
	int err;

	for (c = 0; c < NCASES; c++) {
		err = route_set(fib, &route_nh[c]);
		if (err)
			return err;
		memset(seen, 0, sizeof(seen));
		for (f = 0; f < o->frames; f++) {
			err = bench_test_run(prog, frames + f * FRAME_LEN, in_ifindex, 1, out,
					     &retval, &dur);
			if (err)
				return err;
			r->redirected[c] += retval == XDP_REDIRECT &&
					    ((struct iphdr *)(out + ETH_HLEN))->ttl == 254;
		}
		/* members reached: the distinct member slots of the route's buckets */
		e = *fib24_entry(fib, COST_PREFIX >> 8);
		idx = V4VIA6_E_NH(e);
		if (e & V4VIA6_E_NHGRP && !bpf_map_lookup_elem(fib->nh_groups_fd, &idx, &g))
			for (f = 0; f < V4VIA6_NHGRP_BUCKETS; f++)
				seen[g.bucket[f]] = 1;
		else
			seen[idx] = 1;
		for (f = 1; f < sizeof(seen); f++)
			r->members[c] += seen[f];
	}
	return 0;
}

static int cost_runs(struct fib24 *fib, const int *fds, const struct nexthop *route_nh,
		     const __u8 *frames, const struct options *o, __u32 in_ifindex, struct cost *r)
{
	__u32 retval, dur;
	unsigned int k, q, c, f, i;
	int err;

	for (k = 0; k < o->runs; k++) {
		for (i = 0; i <= NCASES; i++) {
			double sum = 0;

			q = (i + k) % (NCASES + 1); /* the order rotated between runs */
			if (q < NCASES && (err = route_set(fib, &route_nh[q])))
				return err;
			for (c = 0; c < o->calls; c++)
				for (f = 0; f < o->frames; f++) {
					err = bench_test_run(fds[q < NCASES],
							     frames + f * FRAME_LEN, in_ifindex,
							     o->repeat, NULL, &retval, &dur);
					if (err)
						return err;
					sum += dur;
					r->wrong[q] += retval !=
						       (q < NCASES ? XDP_REDIRECT : XDP_DROP);
				}
			r->ns[q][k] = sum / ((double)o->calls * o->frames);
		}
		fprintf(stderr, "  ecmpcost: run %u/%u: drop %.1f", k + 1, o->runs,
			r->ns[NCASES][k]);
		for (q = 0; q < NCASES; q++)
			fprintf(stderr, " %s %.1f", case_names[q], r->ns[q][k]);
		fprintf(stderr, " ns\n");
	}
	return 0;
}

struct conv {
	size_t routes;
	/*
	 * fill_plain_s: the n routes to one plain next hop into an empty table,
	 * no nexthop object defined; fill_s: through the group; rewrite_s: then
	 * all moved to a plain next hop, one batch (a link down without groups)
	 */
	double fill_plain_s, fill_s, rewrite_s, down_us[MAX_FLIPS], up_us[MAX_FLIPS];
	int groups_down, groups_up;
	/* checks: the probe on alt after down; after up, the out member's buckets back (128) */
	unsigned int on_alt, out_back;
};

/* How many of group CONV_ID's buckets send to a member on ifindex; -1 if unreadable. */
static int buckets_on(struct fib24 *fib, __u32 ifindex)
{
	struct nh_key key = { .id = CONV_ID, .kind = V4VIA6_NH_NAMED };
	__u32 g = fib24_nh_slot(fib, &key), j;
	struct nh_group val;
	int n = 0;

	if (!g || bpf_map_lookup_elem(fib->nh_groups_fd, &g, &val))
		return -1;
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
		n += val.bucket[j] && fib->slots[val.bucket[j]].nh.ifindex == ifindex;
	return n;
}

/* The link the probe frame leaves on: its source MAC names the egress interface. */
static int probe_link(int prog, const __u8 *frame, __u32 in_ifindex, const struct iface *out,
		      const struct iface *alt)
{
	__u8 buf[FRAME_LEN];
	__u32 retval, dur;

	if (bench_test_run(prog, frame, in_ifindex, 1, buf, &retval, &dur) ||
	    retval != XDP_REDIRECT)
		return -1;
	return !memcmp(buf + 6, out->mac, 6) ? 0 : !memcmp(buf + 6, alt->mac, 6) ? 1 : -1;
}

/*
 * The table of n routes, all through group CONV_ID (member 11 on out, 12 on
 * alt); the out link down and up FLIPS times. The probe frame goes to the
 * first route's prefix, from a source that hashes to the out member.
 */
static int converge(struct fib24 *fib, int prog, const struct bench_route *routes, size_t n,
		    const struct iface *in, const struct iface *out, const struct iface *alt,
		    const struct options *o, struct conv *r)
{
	static const __u32 ids[2] = { 11, 12 };
	struct route_key *keys = calloc(n, sizeof(*keys));
	struct nexthop *nhs = calloc(n, sizeof(*nhs)), nh;
	__u8 probe[FRAME_LEN];
	struct neigh ne = {};
	unsigned int i, s;
	size_t done = 0;
	double t0;
	int err = -ENOMEM, side = -1;

	memset(r, 0, sizeof(*r));
	r->routes = n;
	if (!keys || !nhs)
		goto out;
	err = fib24_flush(fib);
	member_nh(&nh, out->ifindex, 0x10);
	for (i = 0; i < n; i++) {
		keys[i] = routes[i].key;
		nhs[i] = nh;
	}
	t0 = bench_now();
	err = err ?: fib24_update_batch(fib, keys, nhs, n, &done);
	r->fill_plain_s = bench_now() - t0;
	err = err ?: fib24_flush(fib);
	memcpy(ne.mac, in->mac, 6);
	for (i = 0; i < 2 && !err; i++) {
		member_nh(&nh, i ? alt->ifindex : out->ifindex, 0x10 + i);
		err = fib24_neigh_update(fib, &nh, &ne, BPF_ANY);
		if (!err)
			err = nh_add(fib, ids[i], &nh, NULL, 0);
	}
	if (!err)
		err = nh_add(fib, CONV_ID, NULL, ids, 2);
	if (err)
		goto out;
	nh_by_id(CONV_ID, &nh);
	for (i = 0; i < n; i++)
		nhs[i] = nh;
	t0 = bench_now();
	err = fib24_update_batch(fib, keys, nhs, n, &done);
	r->fill_s = bench_now() - t0;
	if (err) {
		fprintf(stderr, "ecmpcost: %zu routes through the group: route %zu: %s\n", n, done,
			strerror(-err));
		goto out;
	}
	/* a probe that the group sends to the out member (one source in two does) */
	for (s = 1; s < 256 && side != 0; s++) {
		__u32 host = routes[0].key.prefixlen < 32 ? 1 : 0;

		bench_frame(probe, in->mac, htonl(0xc0000200 | s), routes[0].key.addr | htonl(host),
			    1000 + s, 9);
		side = probe_link(prog, probe, in->ifindex, out, alt);
	}
	if (side) {
		fprintf(stderr, "ecmpcost: no probe frame found that takes the out member\n");
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < o->flips; i++) {
		t0 = bench_now();
		r->groups_down = fib24_link_set(fib, out->ifindex, false);
		r->down_us[i] = (bench_now() - t0) * 1e6;
		r->on_alt += probe_link(prog, probe, in->ifindex, out, alt) == 1;
		t0 = bench_now();
		r->groups_up = fib24_link_set(fib, out->ifindex, true);
		r->up_us[i] = (bench_now() - t0) * 1e6;
		r->out_back += buckets_on(fib, out->ifindex) == V4VIA6_NHGRP_BUCKETS / 2;
		if (r->groups_down < 0 || r->groups_up < 0) {
			err = r->groups_down < 0 ? r->groups_down : r->groups_up;
			fprintf(stderr, "ecmpcost: fib24_link_set: %s\n", strerror(-err));
			goto out;
		}
	}
	/* what a link down costs without groups: every route written again */
	member_nh(&nh, alt->ifindex, 0x11);
	for (i = 0; i < n; i++)
		nhs[i] = nh;
	t0 = bench_now();
	err = fib24_update_batch(fib, keys, nhs, n, &done);
	r->rewrite_s = bench_now() - t0;
	if (err) {
		fprintf(stderr, "ecmpcost: %zu routes to a plain next hop: route %zu: %s\n", n,
			done, strerror(-err));
		goto out;
	}
	err = fib24_flush(fib);
	fib24_nh_del(fib, CONV_ID);
	fib24_nh_del(fib, ids[0]);
	fib24_nh_del(fib, ids[1]);
out:
	free(keys);
	free(nhs);
	return err;
}

static void print_runs(const char *key, const double *v, unsigned int n, int last)
{
	unsigned int k;

	printf("\"%s\": {\"median\": %.2f, \"runs\": [", key, bench_median(v, n));
	for (k = 0; k < n; k++)
		printf("%s%.2f", k ? ", " : "", v[k]);
	printf("]}%s", last ? "" : ", ");
}

static void report(const struct options *o, const struct cost *c, const struct conv *cv,
		   unsigned int nconv)
{
	double floor = bench_median(c->ns[NCASES], o->runs), plain;
	unsigned int q, i;

	printf("{\"frames\": %u, \"repeat\": %u, \"calls\": %u, \"runs\": %u, \"cost\": {",
	       o->frames, o->repeat, o->calls, o->runs);
	print_runs("drop", c->ns[NCASES], o->runs, 0);
	for (q = 0; q < NCASES; q++) {
		printf("\"%s\": {\"members\": %u, \"redirected\": %u, \"wrong_verdicts\": %lu, ",
		       case_names[q], c->members[q], c->redirected[q], c->wrong[q]);
		print_runs("ns", c->ns[q], o->runs, 1);
		printf("}, ");
	}
	printf("\"wrong_verdicts_drop\": %lu}, \"convergence\": [", c->wrong[NCASES]);
	for (i = 0; i < nconv; i++) {
		printf("%s{\"routes\": %zu, \"fill_plain_s\": %.3f, \"fill_s\": %.3f, "
		       "\"rewrite_s\": %.3f, "
		       "\"groups_changed\": [%d, %d], "
		       "\"checks\": {\"flips\": %u, \"on_alt_after_down\": %u, "
		       "\"out_buckets_back_after_up\": %u}, ",
		       i ? ", " : "", cv[i].routes, cv[i].fill_plain_s, cv[i].fill_s,
		       cv[i].rewrite_s, cv[i].groups_down, cv[i].groups_up, o->flips, cv[i].on_alt,
		       cv[i].out_back);
		print_runs("link_down_us", cv[i].down_us, o->flips, 0);
		print_runs("link_up_us", cv[i].up_us, o->flips, 1);
		printf("}");
	}
	printf("]}\n");

	plain = bench_median(c->ns[C_PLAIN], o->runs) - floor;
	fprintf(stderr, "  ecmpcost: ns/packet above the drop floor (%.1f ns):", floor);
	for (q = 0; q < NCASES; q++)
		fprintf(stderr, " %s %.1f (%+.1f)", case_names[q],
			bench_median(c->ns[q], o->runs) - floor,
			bench_median(c->ns[q], o->runs) - floor - plain);
	fprintf(stderr, "\n");
	for (i = 0; i < nconv; i++)
		fprintf(stderr,
			"  ecmpcost: %zu routes through one group: link down %.1f us, up %.1f us "
			"(medians of %u; groups changed %d); every route rewritten instead %.3f s\n",
			cv[i].routes, bench_median(cv[i].down_us, o->flips),
			bench_median(cv[i].up_us, o->flips), o->flips, cv[i].groups_down,
			cv[i].rewrite_s);
}

int main(int argc, char **argv)
{
	struct nexthop route_nh[NCASES];
	static struct conv conv[NSIZES];
	static struct cost cost;
	struct v4via6_bpf *v4 = NULL;
	struct drop_bpf *drop = NULL;
	struct bench_route *routes = NULL;
	struct iface in, out, alt;
	struct v4via6_maps maps;
	struct fib24 fib = {};
	struct options o;
	int fds[2], parked[2] = {}, err = 1, rc, fib_open = 0;
	size_t nroutes = 0, max = 0;
	unsigned int f, i, p;
	__u8 *frames = NULL;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (bench_iface(o.in, &in.ifindex, in.mac, &in.mtu) ||
	    bench_iface(o.out, &out.ifindex, out.mac, &out.mtu) ||
	    bench_iface(o.alt, &alt.ifindex, alt.mac, &alt.mtu))
		return 1;
	for (i = 0; i < o.nsizes; i++)
		max = o.sizes[i] > max ? o.sizes[i] : max;
	if (bench_read_routes(o.routes, max, BENCH_MAX_GWS, &routes, &nroutes))
		return 1;
	if (nroutes < max) {
		fprintf(stderr, "ecmpcost: %s: %zu routes, want %zu\n", o.routes, nroutes, max);
		goto out;
	}

	v4 = v4via6_bpf__open_and_load();
	drop = drop_bpf__open_and_load();
	if (!v4 || !drop) {
		fprintf(stderr, "ecmpcost: loading the programs: %s\n", strerror(errno));
		goto out;
	}
	fds[0] = bpf_program__fd(drop->progs.drop_xdp);
	fds[1] = bpf_program__fd(v4->progs.v4via6_xdp);
	for (p = 0; o.park[0] && p < 2; p++) {
		parked[p] = if_nametoindex(o.park[p]);
		if (!parked[p] || bpf_xdp_attach(parked[p], fds[p], XDP_FLAGS_DRV_MODE, NULL)) {
			fprintf(stderr, "ecmpcost: parking on %s: %s\n", o.park[p],
				strerror(errno));
			parked[p] = 0;
			goto out;
		}
	}
	if (maps_from_object(&maps, v4->obj) ||
	    bench_add_egress(maps.egress_fd, in.ifindex, in.mac, in.mtu) ||
	    bench_add_egress(maps.egress_fd, out.ifindex, out.mac, out.mtu) ||
	    bench_add_egress(maps.egress_fd, alt.ifindex, alt.mac, alt.mtu) ||
	    bench_add_tx_port(maps.tx_ports_fd, out.ifindex) ||
	    bench_add_tx_port(maps.tx_ports_fd, alt.ifindex))
		goto out;
	rc = fib24_open(&fib, &maps, NULL);
	if (rc) {
		fprintf(stderr, "ecmpcost: mapping the forwarding table: %s\n", strerror(-rc));
		goto out;
	}
	fib_open = 1;

	/* 1. the cost: the same frames through each case in turn */
	if (cost_objects(&fib, &in, &out, route_nh))
		goto out;
	frames = calloc(o.frames, FRAME_LEN);
	if (!frames)
		goto out;
	for (f = 0; f < o.frames; f++)
		bench_frame(frames + f * FRAME_LEN, in.mac, htonl(0xc0000000 | bench_mix(f) >> 8),
			    htonl(COST_PREFIX | (bench_mix(~f) & 0xffff) | 1), 1024 + f,
			    bench_mix(f) & 0xffff);
	fprintf(stderr, "  ecmpcost: %u frames through plain, group of 1, 2, 8: checking\n",
		o.frames);
	if (cost_check(&fib, fds[1], route_nh, frames, &o, in.ifindex, &cost) ||
	    cost_runs(&fib, fds, route_nh, frames, &o, in.ifindex, &cost))
		goto out;
	fib24_flush(&fib);
	cost_objects_del(&fib);

	/* 2. convergence, at each size */
	for (i = 0; i < o.nsizes; i++) {
		fprintf(stderr, "  ecmpcost: %zu routes through one group of 2: link down/up x%u\n",
			o.sizes[i], o.flips);
		if (converge(&fib, fds[1], routes, o.sizes[i], &in, &out, &alt, &o, &conv[i]))
			goto out;
	}
	report(&o, &cost, conv, o.nsizes);
	err = 0;
out:
	for (p = 0; p < 2; p++)
		if (parked[p])
			bpf_xdp_detach(parked[p], XDP_FLAGS_DRV_MODE, NULL);
	if (fib_open)
		fib24_close(&fib);
	free(frames);
	free(routes);
	drop_bpf__destroy(drop);
	v4via6_bpf__destroy(v4);
	return err;
}
