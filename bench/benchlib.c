// SPDX-License-Identifier: GPL-2.0-only
/* What the bench's C tools share (see benchlib.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "v4via6.h"
#include "egress.h"
#include "fib24.h"
#include "maps.h"
#include "benchlib.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench_parse_mac(const char *s, __u8 *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6 ?
		       0 :
		       -EINVAL;
}

int bench_parse_gw(const char *s, struct bench_gw *gw)
{
	char addr[INET6_ADDRSTRLEN];
	const char *comma = strchr(s, ',');

	if (!comma || comma - s >= (long)sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, comma - s);
	addr[comma - s] = 0;
	if (inet_pton(AF_INET6, addr, gw->addr) != 1)
		return -EINVAL;
	return bench_parse_mac(comma + 1, gw->mac);
}

int bench_read_routes(const char *path, size_t max, __u32 ngws, struct bench_route **out, size_t *n)
{
	struct bench_route *r = NULL;
	size_t cap = 0, cnt = 0;
	char pfx[32];
	unsigned int len, gw;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "v4via6-bench: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((!max || cnt < max) && fscanf(f, "%31[0-9.]/%u %u\n", pfx, &len, &gw) == 3) {
		struct in_addr a;

		if (inet_pton(AF_INET, pfx, &a) != 1 || len > 32 || gw >= ngws) {
			fprintf(stderr, "v4via6-bench: %s: line %zu: bad route or gateway index\n",
				path, cnt + 1);
			fclose(f);
			free(r);
			return -EINVAL;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 1024;
			r = realloc(r, cap * sizeof(*r));
			if (!r) {
				fclose(f);
				return -ENOMEM;
			}
		}
		r[cnt].key.prefixlen = len;
		r[cnt].key.addr = a.s_addr;
		r[cnt].gw = gw;
		cnt++;
	}
	fclose(f);
	if (max && cnt < max) {
		fprintf(stderr, "v4via6-bench: %s: only %zu routes, %zu wanted\n", path, cnt, max);
		free(r);
		return -EINVAL;
	}
	*out = r;
	*n = cnt;
	return 0;
}

int bench_iface(const char *name, __u32 *ifindex, __u8 *mac, __u32 *mtu)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	*ifindex = if_nametoindex(name);
	if (!*ifindex) {
		fprintf(stderr, "v4via6-bench: interface %s: %s\n", name, strerror(errno));
		return -ENODEV;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (!err && ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		err = -errno;
	else if (!err)
		*mtu = ifr.ifr_mtu;
	close(fd);
	if (err)
		fprintf(stderr, "v4via6-bench: interface %s: %s\n", name, strerror(-err));
	return err;
}

int bench_add_tx_port(int tx_ports_fd, __u32 ifindex)
{
	struct bpf_devmap_val val = { .ifindex = ifindex };

	if (bpf_map_update_elem(tx_ports_fd, &ifindex, &val, BPF_ANY)) {
		fprintf(stderr, "v4via6-bench: tx_ports: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

int bench_add_egress(int egress_fd, __u32 ifindex, const __u8 *mac, __u32 mtu)
{
	struct egress eg = { .mtu = mtu };
	int err;

	memcpy(eg.mac, mac, 6);
	err = egress_set(egress_fd, ifindex, &eg);
	if (err)
		fprintf(stderr, "v4via6-bench: egress: ifindex %u: %s\n", ifindex, strerror(-err));
	return err;
}

int bench_fill_v4via6(const struct v4via6_maps *m, __u32 out_ifindex, const __u8 *out_mac,
		      __u32 out_mtu, const struct bench_gw *gws, __u32 ngws,
		      const struct bench_route *routes, size_t nroutes)
{
	struct nexthop nh = { .ifindex = out_ifindex }, *nhs = NULL;
	struct route_key *keys = NULL;
	struct fib24 fib;
	size_t i, done = 0;
	int err;

	err = bench_add_egress(m->egress_fd, out_ifindex, out_mac, out_mtu);
	if (!err)
		err = bench_add_tx_port(m->tx_ports_fd, out_ifindex);
	if (err)
		return err;
	err = fib24_open(&fib, m, NULL);
	if (err) {
		fprintf(stderr, "v4via6-bench: mapping the forwarding table: %s\n", strerror(-err));
		return err;
	}
	for (i = 0; i < ngws && !err; i++) {
		struct neigh ne = {};

		memcpy(nh.addr, gws[i].addr, 16);
		memcpy(ne.mac, gws[i].mac, 6);
		err = fib24_neigh_update(&fib, &nh, &ne, BPF_ANY);
		if (err)
			fprintf(stderr, "v4via6-bench: neighbour %zu: %s\n", i, strerror(-err));
	}
	/* one batch, as apply writes them: a million routes in seconds */
	keys = calloc(nroutes ?: 1, sizeof(*keys));
	nhs = calloc(nroutes ?: 1, sizeof(*nhs));
	if (!err && (!keys || !nhs))
		err = -ENOMEM;
	for (i = 0; i < nroutes && !err; i++) {
		keys[i] = routes[i].key;
		nhs[i] = nh;
		memcpy(nhs[i].addr, gws[routes[i].gw].addr, 16);
	}
	if (!err && nroutes) {
		err = fib24_update_batch(&fib, keys, nhs, nroutes, &done);
		if (err)
			fprintf(stderr, "v4via6-bench: routes: route %zu: %s\n", done, strerror(-err));
	}
	free(keys);
	free(nhs);
	fib24_close(&fib);
	return err;
}

static __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __u32 csum_add(__u32 sum, const void *p, size_t len)
{
	const __u16 *w = p;

	for (; len > 1; len -= 2)
		sum += *w++;
	return sum;
}

void bench_frame(__u8 *buf, const __u8 *dmac, __be32 saddr, __be32 daddr, __u16 sport, __u16 dport)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *udp = (void *)(iph + 1);
	__u16 ulen = FRAME_LEN - sizeof(*eth) - sizeof(*iph);
	__u32 sum;

	memset(buf, 0, FRAME_LEN);
	memcpy(eth->h_dest, dmac, ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\xaa", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(FRAME_LEN - sizeof(*eth));
	iph->ttl = 255;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	iph->check = csum_fold(csum_add(0, iph, sizeof(*iph)));
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(ulen);
	sum = csum_add(0, &iph->saddr, 8) + htons(IPPROTO_UDP) + udp->len;
	udp->check = csum_fold(csum_add(sum, udp, ulen)) ?: 0xffff;
}

int bench_test_run(int prog_fd, const __u8 *frame, __u32 ifindex, unsigned int repeat, __u8 *out,
		   __u32 *retval, __u32 *duration)
{
	struct xdp_md ctx = { .data_end = FRAME_LEN, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = FRAME_LEN,
		    .data_out = out, .data_size_out = out ? FRAME_LEN : 0, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*retval = opts.retval;
	*duration = opts.duration;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(const double *v, unsigned int n)
{
	double s[BENCH_MAX_RUNS];

	if (!n)
		return 0;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
