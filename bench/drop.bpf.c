// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drops every frame. Under BPF_PROG_TEST_RUN it measures the harness's own
 * cost (the floor under every other figure); attached to the router's ingress
 * it measures what the generator can send (the ceiling of the end-to-end rates).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int drop_xdp(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
