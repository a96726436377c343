/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running one frame through the XDP program (BPF_PROG_TEST_RUN), reading the
 * counters around it, and checking verdict, frame and counters in the kernel
 * selftests' style: each check prints `tag: actual X != expected Y`.
 */
#ifndef XDP_RUN_H
#define XDP_RUN_H

#include <stddef.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "v4via6.h"
#include "check.h"
#include "xdp_frame.h"
#include "xdp_world.h"

/* The counters by name, in the order of struct fwd_stats. */
struct stat_field {
	const char *name;
	size_t off;
};

extern const struct stat_field stat_fields[];
extern const size_t n_stat_fields;

#define OUT(f)		offsetof(struct fwd_stats, f)
#define STAT_AT(s, off) (*(__u64 *)((char *)(s) + (off)))

struct xdp_result {
	__u32 verdict;
	struct frame out;
	struct fwd_stats delta; /* counters after minus before */
};

/*
 * Runs the frame `in` through the program as if received on ifindex; r gets
 * the verdict, the frame that came out and the counters it moved.
 *
 * BPF_PROG_TEST_RUN refuses data shorter than an Ethernet header. A shorter
 * frame of len bytes goes in as a linear part of len bytes (xdp_md.data_end)
 * followed by a fragment holding filler up to ETH_HLEN: the program is not
 * frags-aware, so what it sees, data_end - data, is exactly the short frame.
 */
int xdp_run(const struct world *w, const struct frame *in, __u32 ifindex, struct xdp_result *r);
bool expect_verdict(struct tlog *l, __u32 actual, __u32 expected);
bool expect_frame(struct tlog *l, const struct frame *actual, const struct frame *expected);
/* Every counter must have moved by exactly what `expected` says. */
bool expect_stats(struct tlog *l, const struct fwd_stats *actual, const struct fwd_stats *expected);
/* The counters one frame of len bytes must move: rx, one outcome, and the fwd byte/fib counts. */
void stats_expected(struct fwd_stats *e, size_t len, size_t outcome, bool fib);

#endif /* XDP_RUN_H */
