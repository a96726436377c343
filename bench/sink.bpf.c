// SPDX-License-Identifier: GPL-2.0-only
/*
 * The end of the benchmark's path: counts and drops every arriving frame.
 * Running an XDP program on the sink's veth end also gives it NAPI, without
 * which frames redirected into that veth are lost. The time of the first frame
 * lets the bench measure how long a route change takes to reach the wire.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sink.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_count);
} counts SEC(".maps");

SEC("xdp")
int sink_xdp(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct sink_count *c;

	c = bpf_map_lookup_elem(&counts, &key);
	if (!c)
		return XDP_DROP;
	if (!c->first_ns)
		c->first_ns = bpf_ktime_get_ns();
	c->packets++;
	c->bytes += ctx->data_end - ctx->data;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
