/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the bench's C tools share: reading routegen's table, the gateways given
 * on the command line, an interface's MAC and MTU, and filling v4via6's maps
 * (routes, neighs, egress, tx_ports) from them, the way the loader would.
 * Defined in benchlib.c, linked into each tool through libbench.a.
 */
#ifndef V4VIA6_BENCH_LIB_H
#define V4VIA6_BENCH_LIB_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "v4via6.h"
#include "fib24.h"
#include "maps.h"

#define BENCH_MAX_GWS 16
#define BENCH_MAX_RUNS 64
#define FRAME_LEN      60 /* the bench's frames: 64 bytes on the wire, without the FCS */

/* One line of routegen's output. */
struct bench_route {
	struct route_key key;
	__u32 gw; /* index into the gateway list */
};

/* An IPv6 next hop on the egress interface and its MAC, from --gw ADDR,MAC. */
struct bench_gw {
	__u8 addr[16];
	__u8 mac[6];
};

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);
/* "fe80::1:1,02:00:00:00:01:01" */
int bench_parse_gw(const char *s, struct bench_gw *gw);
/* Reads the first max lines of a routegen table (all when max is 0) into *out. */
int bench_read_routes(const char *path, size_t max, __u32 ngws, struct bench_route **out,
		      size_t *n);
/* The MAC and MTU of an interface of the current network namespace. */
int bench_iface(const char *name, __u32 *ifindex, __u8 *mac, __u32 *mtu);
/* Lets frames be redirected to ifindex through a DEVMAP (v4via6) or a DEVMAP_HASH (fibfwd). */
int bench_add_tx_port(int tx_ports_fd, __u32 ifindex);
/* Records an attached interface's MAC and MTU in v4via6's egress array, as `v4via6 attach` does. */
int bench_add_egress(int egress_fd, __u32 ifindex, const __u8 *mac, __u32 mtu);
/*
 * Fills v4via6's maps: egress and tx_ports for the out interface, one neighbour
 * per gateway, the routes. The caller adds the ingress interface to egress:
 * the program checks that a frame is addressed to that interface's MAC.
 * Neighbours and routes go through loader/fib24.c, as the loader's do, which
 * keeps tbl24, tbl8 and the nexthop objects (with their MACs) with them.
 */
int bench_fill_v4via6(const struct v4via6_maps *m, __u32 out_ifindex, const __u8 *out_mac,
		      __u32 out_mtu, const struct bench_gw *gws, __u32 ngws,
		      const struct bench_route *routes, size_t nroutes);

/*
 * A whole FRAME_LEN-byte IPv4/UDP frame from saddr:sport to daddr:dport
 * (network order addresses), checksums right, TTL 255.
 */
void bench_frame(__u8 *buf, const __u8 *dmac, __be32 saddr, __be32 daddr, __u16 sport, __u16 dport);
/*
 * One BPF_PROG_TEST_RUN of a FRAME_LEN-byte frame received on ifindex,
 * repeated; out (FRAME_LEN bytes) gets the frame after, when not NULL.
 * *duration: the mean ns of a run. 0 or -errno.
 */
int bench_test_run(int prog_fd, const __u8 *frame, __u32 ifindex, unsigned int repeat, __u8 *out,
		   __u32 *retval, __u32 *duration);
/* The median of n values (n <= BENCH_MAX_RUNS). */
double bench_median(const double *v, unsigned int n);

#endif /* V4VIA6_BENCH_LIB_H */
