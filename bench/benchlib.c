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
#include <bpf/bpf.h>

#include "v4via6.h"
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

	memcpy(eg.mac, mac, 6);
	if (bpf_map_update_elem(egress_fd, &ifindex, &eg, BPF_ANY)) {
		fprintf(stderr, "v4via6-bench: egress: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

int bench_fill_v4via6(const struct v4via6_maps *m, __u32 out_ifindex, const __u8 *out_mac,
		      __u32 out_mtu, const struct bench_gw *gws, __u32 ngws,
		      const struct bench_route *routes, size_t nroutes)
{
	struct nexthop nh = { .ifindex = out_ifindex };
	struct fib24 fib;
	size_t i;
	int err;

	if (bench_add_egress(m->egress_fd, out_ifindex, out_mac, out_mtu))
		return -errno;
	if (bench_add_tx_port(m->tx_ports_fd, out_ifindex))
		return -errno;
	for (i = 0; i < ngws; i++) {
		struct neigh ne = {};

		memcpy(nh.addr, gws[i].addr, 16);
		memcpy(ne.mac, gws[i].mac, 6);
		if (bpf_map_update_elem(m->neighs_fd, &nh, &ne, BPF_ANY)) {
			fprintf(stderr, "v4via6-bench: neighs: %s\n", strerror(errno));
			return -errno;
		}
	}
	err = fib24_open(&fib, m, NULL);
	if (err) {
		fprintf(stderr, "v4via6-bench: mapping tbl24: %s\n", strerror(-err));
		return err;
	}
	for (i = 0; i < nroutes && !err; i++) {
		memcpy(nh.addr, gws[routes[i].gw].addr, 16);
		err = fib24_update(&fib, &routes[i].key, &nh, BPF_ANY);
		if (err)
			fprintf(stderr, "v4via6-bench: routes: route %zu: %s\n", i, strerror(-err));
	}
	fib24_close(&fib);
	return err;
}
