// SPDX-License-Identifier: GPL-2.0-only
/* `test_xdp --bench`: the program's cost per frame (see xdp_bench.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "v4via6.skel.h"
#include "fib24.h"
#include "xdp_frame.h"
#include "xdp_world.h"
#include "xdp_bench.h"

static int bench_one(const struct world *w, const struct frame *f, int repeat, int calls,
		     __u32 want, double *ns)
{
	struct xdp_md ctx = { .data_end = f->len, .ingress_ifindex = w_ifindex(IF_IN) };
	uint8_t buf[FRAME_MAX];
	double sum = 0;
	int i;

	for (i = 0; i < calls; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = f->len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);

		memcpy(buf, f->data, f->len);
		if (bpf_prog_test_run_opts(w->prog_fd, &opts))
			return -errno;
		if (opts.retval != want)
			return -EPROTO;
		sum += opts.duration;
	}
	*ns = sum / calls;
	return 0;
}

struct bench_case {
	const char *name;
	struct w_route route;
	struct frame_spec spec;
	int repeat, calls;
	__u32 verdict;
};

/* clang-format off */
#define NH_A_MAC MAC(0x0a)
#define NH_B_MAC MAC(0x0b)
static const struct bench_case bench_cases[] = {
	/* addressed to the next hop's MAC, which is also made in0's: see bench_run() */
	{"forward, neighbour map", {"10.1.1.1", 32, {IF_OUT, "fe80::a"}},
	 FRAME_SPEC(.dmac = NH_A_MAC, .ttl = 255, .payload = 26), 254, 2000, XDP_REDIRECT},
	{"forward, bpf_fib_lookup", {"10.20.0.1", 32, {IF_OUT, "fe80::b"}},
	 FRAME_SPEC(.dmac = NH_B_MAC, .daddr = "10.20.0.1", .ttl = 255, .payload = 26), 254, 2000,
	 XDP_REDIRECT},
	{"pass, no route", {"10.1.1.1", 32, {IF_OUT, "fe80::a"}},
	 FRAME_SPEC(.dmac = NH_A_MAC, .daddr = "30.0.0.1", .payload = 26), 500000, 1, XDP_PASS},
	{"pass, TTL 1", {"10.1.1.1", 32, {IF_OUT, "fe80::a"}},
	 FRAME_SPEC(.dmac = NH_A_MAC, .ttl = 1, .payload = 26), 500000, 1, XDP_PASS},
	{"pass, not in tx_ports", {"10.30.0.1", 32, {IF_NOPORT, "fe80::a"}},
	 FRAME_SPEC(.dmac = NH_A_MAC, .daddr = "10.30.0.1", .payload = 26), 500000, 1, XDP_PASS},
};
/* clang-format on */

/* The harness's own cost: a program that only returns XDP_DROP (r0 = 1; exit). */
static int bench_floor_prog(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "floor", "GPL", insns, ARRAY_SIZE(insns), NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void bench_run(const struct world *full)
{
	struct egress in0 = { .mtu = W_MTU };
	struct v4via6_bpf *skel;
	struct world w = *full, floor = *full;
	struct fib24 fib;
	double ns[5];
	struct frame f = { .len = 60 };
	__u32 ifindex = w_ifindex(IF_IN);
	size_t i, r;
	int err = 0;

	/* a fresh program whose trie holds one route at a time */
	if (world_load_skel(&skel, &w, &fib) || world_hold_prog(w.prog_fd, "hold1") ||
	    world_fill_maps(&w))
		goto out;
	for (i = 0; i < w_n_routes; i++)
		w_route_set(&w, &w_routes[i], false);

	printf("bench: BPF_PROG_TEST_RUN, 60-byte frames, one route, warm caches\n"
	       "  ns/frame over 5 rounds:    min  median\n");
	floor.prog_fd = bench_floor_prog();
	if (floor.prog_fd < 0 || world_hold_prog(floor.prog_fd, "hold1-x"))
		goto out;
	for (r = 0; r < ARRAY_SIZE(ns) && !err; r++)
		err = bench_one(&floor, &f, 500000, 1, XDP_DROP, &ns[r]);
	qsort(ns, ARRAY_SIZE(ns), sizeof(ns[0]), cmp_double);
	printf("  %-26s %6.1f %6.1f\n", "floor: XDP_DROP only", ns[0], ns[ARRAY_SIZE(ns) / 2]);
	for (i = 0; i < ARRAY_SIZE(bench_cases); i++) {
		const struct bench_case *b = &bench_cases[i];

		/*
		 * A forwarded frame is addressed to the next hop afterwards; for the
		 * next repeat to be forwarded again, the ingress (in0) has that MAC.
		 */
		memcpy(in0.mac, b->spec.dmac, ETH_ALEN);
		frame_build(&f, &b->spec);
		if (bpf_map_update_elem(w.egress_fd, &ifindex, &in0, BPF_ANY) ||
		    w_route_set(&w, &b->route, true))
			goto out;
		for (r = 0; r < ARRAY_SIZE(ns) && !err; r++)
			err = bench_one(&w, &f, b->repeat, b->calls, b->verdict, &ns[r]);
		w_route_set(&w, &b->route, false);
		qsort(ns, ARRAY_SIZE(ns), sizeof(ns[0]), cmp_double);
		if (err)
			printf("  %-26s error: %s\n", b->name, strerror(-err));
		else
			printf("  %-26s %6.1f %6.1f\n", b->name, ns[0], ns[ARRAY_SIZE(ns) / 2]);
		err = 0;
	}
out:
	if (floor.prog_fd != full->prog_fd && floor.prog_fd >= 0)
		close(floor.prog_fd);
	if (w.fib)
		fib24_close(w.fib);
	v4via6_bpf__destroy(skel);
}
