/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `test_xdp --bench`: the program's cost per frame under BPF_PROG_TEST_RUN
 * with `repeat`, on a fresh load with one route. Not a test: it prints figures.
 *
 * With repeat, the kernel runs the program again and again on the same buffer
 * and never resets it, so a forwarded frame loses one TTL per run: a frame
 * with TTL 255 is forwarded 254 times and then passed (TTL 1). Forwarding is
 * therefore measured in runs of 254 repeats on fresh frames.
 */
#ifndef XDP_BENCH_H
#define XDP_BENCH_H

#include "xdp_frame.h"
#include "xdp_world.h"

static int bench_one(const struct world *w, const struct frame *f, int repeat, int calls,
		     __u32 want, double *ns)
{
	struct xdp_md ctx = {.data_end = f->len, .ingress_ifindex = w_ifindex(IF_IN)};
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

static void bench_run(const struct world *full)
{
	const struct w_route one_route = {"10.1.1.1", 32, {IF_OUT, "fe80::a"}};
	const struct w_route one_fib_route = {"10.20.0.1", 32, {IF_OUT, "fe80::b"}};
	struct frame_spec sfwd = FRAME_SPEC(.ttl = 255, .payload = 26);
	struct frame_spec sfib = FRAME_SPEC(.daddr = "10.20.0.1", .ttl = 255, .payload = 26);
	struct frame_spec snoroute = FRAME_SPEC(.daddr = "30.0.0.1", .payload = 26);
	struct frame_spec sttl1 = FRAME_SPEC(.ttl = 1, .payload = 26);
	struct frame_spec snoport = FRAME_SPEC(.daddr = "10.30.0.1", .payload = 26);
	const struct w_route one_noport_route = {"10.30.0.1", 32, {IF_NOPORT, "fe80::a"}};
	struct v4via6_bpf *skel;
	struct frame fwd, fib, noroute, ttl1, noport;
	struct world w = *full;
	double ns;
	int err;

	/* a fresh program whose trie holds one route (two for the fib case, each measured alone) */
	skel = v4via6_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "v4via6: bench: loading the program: %s\n", strerror(errno));
		return;
	}
	w.prog_fd = bpf_program__fd(skel->progs.v4via6_xdp);
	w.routes_fd = bpf_map__fd(skel->maps.routes);
	w.neighs_fd = bpf_map__fd(skel->maps.neighs);
	w.egress_fd = bpf_map__fd(skel->maps.egress);
	w.tx_ports_fd = bpf_map__fd(skel->maps.tx_ports);
	w.stats_fd = bpf_map__fd(skel->maps.stats);
	if (world_hold_prog(w.prog_fd, "hold1") || world_fill_maps(&w))
		goto out;
	/* world_fill_maps installed the whole table: keep just one route */
	for (size_t i = 0; i < ARRAY_LEN(w_routes); i++)
		w_route_set(&w, &w_routes[i], false);
	frame_build(&fwd, &sfwd);
	frame_build(&fib, &sfib);
	frame_build(&noroute, &snoroute);
	frame_build(&ttl1, &sttl1);
	frame_build(&noport, &snoport);

	printf("bench: BPF_PROG_TEST_RUN, %zu-byte frame, one destination, warm caches\n", fwd.len);
	w_route_set(&w, &one_route, true);
	err = bench_one(&w, &fwd, 254, 4000, XDP_REDIRECT, &ns);
	printf("  forward, neighbour map:   %s%.1f ns/frame\n", err ? "error " : "", ns);
	err = bench_one(&w, &noroute, 1000000, 1, XDP_PASS, &ns);
	printf("  pass, no route:           %s%.1f ns/frame\n", err ? "error " : "", ns);
	err = bench_one(&w, &ttl1, 1000000, 1, XDP_PASS, &ns);
	printf("  pass, TTL 1:              %s%.1f ns/frame\n", err ? "error " : "", ns);
	w_route_set(&w, &one_route, false);
	w_route_set(&w, &one_noport_route, true);
	err = bench_one(&w, &noport, 1000000, 1, XDP_PASS, &ns);
	printf("  pass, not in tx_ports:    %s%.1f ns/frame\n", err ? "error " : "", ns);
	w_route_set(&w, &one_noport_route, false);
	w_route_set(&w, &one_fib_route, true);
	err = bench_one(&w, &fib, 254, 4000, XDP_REDIRECT, &ns);
	printf("  forward, bpf_fib_lookup:  %s%.1f ns/frame\n", err ? "error " : "", ns);
out:
	v4via6_bpf__destroy(skel);
}

#endif /* XDP_BENCH_H */
