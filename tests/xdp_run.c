// SPDX-License-Identifier: GPL-2.0-only
/* One frame through the XDP program, and the checks of what came out (see xdp_run.h). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "check.h"
#include "xdp_frame.h"
#include "xdp_world.h"
#include "xdp_run.h"

#define STAT(f)                                   \
	{                                         \
#f, offsetof(struct fwd_stats, f) \
	}
/* clang-format off */
const struct stat_field stat_fields[] = {
	STAT(rx_packets),     STAT(rx_bytes),	   STAT(fwd_packets),	    STAT(fwd_bytes),
	STAT(fwd_fib),	      STAT(pass_not_ipv4), STAT(pass_vlan),	    STAT(pass_l2_multicast), STAT(pass_l2_other_host),
	STAT(pass_truncated), STAT(pass_bad_header), STAT(pass_bad_csum),   STAT(pass_options),
	STAT(pass_martian),   STAT(pass_no_route), STAT(pass_throw), STAT(pass_ttl),	    STAT(pass_mtu),
	STAT(pass_no_neigh),  STAT(pass_no_egress),
};
/* clang-format on */
_Static_assert(ARRAY_SIZE(stat_fields) * sizeof(__u64) == sizeof(struct fwd_stats),
	       "struct fwd_stats has a counter this test does not know: add it to stat_fields");

const size_t n_stat_fields = ARRAY_SIZE(stat_fields);

static int stats_read(const struct world *w, struct fwd_stats *sum)
{
	static struct fwd_stats *percpu;
	static int ncpus;
	__u32 key = V4VIA6_STATS_KEY;
	size_t c, i;

	if (!percpu) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus <= 0)
			return -EINVAL;
		percpu = calloc(ncpus, sizeof(*percpu));
		if (!percpu)
			return -ENOMEM;
	}
	if (bpf_map_lookup_elem(w->stats_fd, &key, percpu))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (c = 0; c < (size_t)ncpus; c++)
		for (i = 0; i < ARRAY_SIZE(stat_fields); i++)
			STAT_AT(sum, stat_fields[i].off) += STAT_AT(&percpu[c], stat_fields[i].off);
	return 0;
}

/* What fills a short frame up to ETH_HLEN (see xdp_run.h). */
#define FILLER 0x5a

int xdp_run(const struct world *w, const struct frame *in, __u32 ifindex, struct xdp_result *r)
{
	static uint8_t buf_in[FRAME_MAX], buf_out[FRAME_MAX];
	__u32 size = in->len < ETH_HLEN ? ETH_HLEN : in->len;
	struct xdp_md ctx = { .data_end = in->len, .ingress_ifindex = ifindex };
	struct fwd_stats before, after;
	size_t i;
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf_in, .data_size_in = size,
		    .data_out = buf_out, .data_size_out = sizeof(buf_out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	memcpy(buf_in, in->data, in->len);
	memset(buf_in + in->len, FILLER, size - in->len);
	err = stats_read(w, &before);
	if (err)
		return err;
	if (bpf_prog_test_run_opts(w->prog_fd, &opts))
		return -errno;
	err = stats_read(w, &after);
	if (err)
		return err;
	if (opts.data_size_out > FRAME_MAX)
		return -EOVERFLOW;
	r->verdict = opts.retval;
	r->out.len = opts.data_size_out;
	memcpy(r->out.data, buf_out, r->out.len);
	/* the filler must come back untouched; then it is not part of the frame */
	if (size != in->len && r->out.len == size &&
	    !memcmp(r->out.data + in->len, buf_in + in->len, size - in->len))
		r->out.len = in->len;
	for (i = 0; i < ARRAY_SIZE(stat_fields); i++)
		STAT_AT(&r->delta, stat_fields[i].off) =
			STAT_AT(&after, stat_fields[i].off) - STAT_AT(&before, stat_fields[i].off);
	return 0;
}

static const char *verdict_str(__u32 v)
{
	static const char *const names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					     "XDP_REDIRECT" };

	return v < ARRAY_SIZE(names) ? names[v] : "XDP_?";
}

bool expect_verdict(struct tlog *l, __u32 actual, __u32 expected)
{
	if (actual == expected)
		return true;
	tlog_fail(l, "verdict: actual %s != expected %s", verdict_str(actual),
		  verdict_str(expected));
	return false;
}

bool expect_frame(struct tlog *l, const struct frame *actual, const struct frame *expected)
{
	size_t i;

	if (actual->len == expected->len && !memcmp(actual->data, expected->data, actual->len))
		return true;
	for (i = 0; i < actual->len && i < expected->len; i++)
		if (actual->data[i] != expected->data[i])
			break;
	if (actual->len != expected->len)
		tlog_fail(l, "frame length: actual %zu != expected %zu", actual->len,
			  expected->len);
	else
		tlog_fail(l, "frame byte %zu: actual 0x%02x != expected 0x%02x", i, actual->data[i],
			  expected->data[i]);
	frame_dump(l->more, "actual", actual, expected);
	frame_dump(l->more, "expected", expected, NULL);
	return false;
}

bool expect_stats(struct tlog *l, const struct fwd_stats *actual, const struct fwd_stats *expected)
{
	char tag[64];
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stat_fields); i++) {
		snprintf(tag, sizeof(tag), "stats.%s", stat_fields[i].name);
		ok &= ASSERT_EQ(STAT_AT(actual, stat_fields[i].off),
				STAT_AT(expected, stat_fields[i].off), tag);
	}
	return ok;
}

void stats_expected(struct fwd_stats *e, size_t len, size_t outcome, bool fib)
{
	memset(e, 0, sizeof(*e));
	e->rx_packets = 1;
	e->rx_bytes = len;
	STAT_AT(e, outcome) = 1;
	if (outcome == OUT(fwd_packets)) {
		e->fwd_bytes = len;
		e->fwd_fib = fib;
	}
}
