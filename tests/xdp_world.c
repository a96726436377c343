// SPDX-License-Identifier: GPL-2.0-only
/* The XDP unit tests' world (see xdp_world.h): its tables, and what builds it. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "array_size.h"
#include "v4via6.h"
#include "v4via6.skel.h"
#include "fib24.h"
#include "maps.h"
#include "xdp_frame.h"
#include "xdp_world.h"

/* clang-format off */
struct w_iface w_ifaces[IF_COUNT] = {
	[IF_IN] = {"in0", ROUTER_MAC, true, true},
	[IF_OUT] = {"out0", {0x02, 0, 0, 0, 0x01, 0x00}, true, true},
	[IF_ALT] = {"alt0", {0x02, 0, 0, 0, 0x02, 0x00}, true, true},
	[IF_NOPORT] = {"np0", {0x02, 0, 0, 0, 0x03, 0x00}, true, false},
	[IF_GONE] = {NULL, {0}, false, false, GONE_IFINDEX},
	[IF_KERNEL] = {NULL, {0}, false, false, V4VIA6_IFINDEX_KERNEL},
};

const struct w_route w_routes[] = {
	{"10.1.1.1", 32, {IF_OUT, "fe80::a"}},
	{"10.2.2.0", 24, {IF_OUT, "fe80::a"}},
	/* nested prefixes: the longest must win */
	{"20.0.0.0", 8, {IF_OUT, "fe80::8"}},
	{"20.1.0.0", 16, {IF_ALT, "fe80::16"}},
	{"20.1.2.0", 24, {IF_OUT, "fe80::24"}},
	{"20.1.2.3", 32, {IF_OUT, "fe80::32"}},
	/* next hops only the kernel knows */
	{"10.20.0.1", 32, {IF_OUT, "fe80::b"}}, /* kernel agrees and knows the MAC */
	{"10.20.0.2", 32, {IF_OUT, "fe80::b"}}, /* kernel: other gateway */
	{"10.20.0.3", 32, {IF_OUT, "fe80::b"}}, /* kernel: other interface */
	{"10.20.0.4", 32, {IF_OUT, "fe80::e"}}, /* kernel agrees, no neighbour */
	{"10.20.0.5", 32, {IF_OUT, "fe80::b"}}, /* kernel has no route */
	{"10.20.0.6", 32, {IF_OUT, "fe80::f"}}, /* kernel agrees, neighbour STALE (still valid) */
	{"10.40.0.1", 32, {IF_ALT, "fe80::a"}}, /* fe80::a known on out0 only: ifindex is in the key */
	/* egress problems */
	{"10.30.0.1", 32, {IF_NOPORT, "fe80::a"}},
	{"10.30.0.2", 32, {IF_GONE, "fe80::a"}},
	/* left to the kernel (local or connected, IPv4 gateway...) inside a wider prefix */
	{"20.1.9.0", 24, {IF_KERNEL, "::"}},
	{"10.60.0.0", 24, {IF_KERNEL, "::"}},
	/* global IPv6 next hop */
	{"10.50.0.0", 16, {IF_ALT, "2001:db8::1"}},
};

const struct w_route w_default = {"0.0.0.0", 0, {IF_ALT, "fe80::d0"}};

const struct w_neigh w_neighs[] = {
	{{IF_OUT, "fe80::a"}, MAC(0x0a)},     {{IF_OUT, "fe80::8"}, MAC(0x08)},
	{{IF_ALT, "fe80::16"}, MAC(0x16)},    {{IF_OUT, "fe80::24"}, MAC(0x24)},
	{{IF_OUT, "fe80::32"}, MAC(0x32)},    {{IF_NOPORT, "fe80::a"}, MAC(0x0a)},
	{{IF_GONE, "fe80::a"}, MAC(0x0a)},    {{IF_ALT, "fe80::d0"}, MAC(0xd0)},
	{{IF_ALT, "2001:db8::1"}, MAC(0xdb)},
};

const struct w_kroute w_kroutes[] = {
	{"10.20.0.1", {IF_OUT, "fe80::b"}},
	{"10.20.0.2", {IF_OUT, "fe80::c"}},
	{"10.20.0.3", {IF_ALT, "fe80::b"}},
	{"10.20.0.4", {IF_OUT, "fe80::e"}},
	{"10.20.0.6", {IF_OUT, "fe80::f"}},
};

const struct w_neigh w_kneighs[] = {
	{{IF_OUT, "fe80::b"}, MAC(0x0b)},
	{{IF_OUT, "fe80::c"}, MAC(0x0c)},
	{{IF_ALT, "fe80::b"}, MAC(0x1b)},
	{{IF_OUT, "fe80::f"}, MAC(0x0f), "stale"},
};
/* clang-format on */

const size_t w_n_routes = ARRAY_SIZE(w_routes);
const size_t w_n_neighs = ARRAY_SIZE(w_neighs);
const size_t w_n_kroutes = ARRAY_SIZE(w_kroutes);
const size_t w_n_kneighs = ARRAY_SIZE(w_kneighs);

__u32 w_tbl8_groups;

int world_load_skel(struct v4via6_bpf **skel, struct world *w, struct fib24 *fib)
{
	int err;

	w->fib = NULL;
	*skel = v4via6_bpf__open();
	if (*skel && w_tbl8_groups &&
	    (bpf_map__set_max_entries((*skel)->maps.tbl8, w_tbl8_groups) ||
	     bpf_map__set_max_entries((*skel)->maps.tbl8_owners, w_tbl8_groups))) {
		fprintf(stderr, "    v4via6: setting the tbl8 pool's size: %s\n", strerror(errno));
		return -1;
	}
	if (!*skel || v4via6_bpf__load(*skel)) {
		fprintf(stderr, "    v4via6: loading the XDP program: %s\n", strerror(errno));
		return -1;
	}
	w->prog_fd = bpf_program__fd((*skel)->progs.v4via6_xdp);
	if (maps_from_object(&w->maps, (*skel)->obj))
		return -1;
	err = fib24_open(fib, &w->maps, NULL);
	if (err)
		fprintf(stderr, "    v4via6: mapping tbl24 and nexthops: %s\n", strerror(-err));
	w->fib = err ? NULL : fib;
	return err;
}

int w_ifindex(enum iface_id i)
{
	return w_ifaces[i].ifindex;
}

static void w_nexthop(struct nexthop *nh, const struct w_hop *h)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = w_ifindex(h->iface);
	inet_pton(AF_INET6, h->gw, nh->addr);
}

/* Runs a shell command in our namespace; on failure prints why (under the FAIL line to come). */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512], line[512];
	va_list ap;
	FILE *p;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p))
		fprintf(stderr, "    %s: %s", cmd, line);
	rc = pclose(p);
	if (rc)
		fprintf(stderr, "    %s: exit status %d\n", cmd, rc);
	return rc ? -1 : 0;
}

static const char *mac_str(const uint8_t *m)
{
	static char buf[4][18];
	static int n;
	char *b = buf[n++ % 4];

	snprintf(b, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return b;
}

int w_route_set(const struct world *w, const struct w_route *r, bool add)
{
	struct route_key key = { .prefixlen = r->plen, .addr = htonl(parse_ip4(r->prefix)) };
	struct nexthop nh;

	if (!add)
		return fib24_delete(w->fib, &key);
	w_nexthop(&nh, &r->hop);
	return fib24_update(w->fib, &key, &nh, BPF_ANY);
}

int world_build_netns(void)
{
	const char *peer_mac = mac_str((uint8_t[])SENDER_MAC);
	size_t i;
	int i_f;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "    v4via6: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	if (sh("ip link set lo up"))
		return -1;
	for (i_f = 0; i_f < IF_COUNT; i_f++) {
		const struct w_iface *f = &w_ifaces[i_f];

		if (!f->name)
			continue;
		/* the peer ends play the sender and the next hops; only their existence matters */
		if (sh("ip link add %s address %s mtu %d type veth peer name %s-p address %s",
		       f->name, mac_str(f->mac), W_MTU, f->name, peer_mac) ||
		    sh("ip link set %s up && ip link set %s-p up", f->name, f->name))
			return -1;
		w_ifaces[i_f].ifindex = if_nametoindex(f->name);
	}
	if (sh("ip link add hold0 type veth peer name hold1") ||
	    sh("ip link add hold1-x type veth peer name hold1-y"))
		return -1;
	/* bpf_fib_lookup answers FWD_DISABLED unless the ingress device forwards */
	if (sh("sysctl -qw net.ipv4.conf.all.forwarding=1"))
		return -1;
	for (i = 0; i < ARRAY_SIZE(w_kneighs); i++) {
		const struct w_neigh *n = &w_kneighs[i];

		if (sh("ip -6 neigh add %s lladdr %s dev %s nud %s", n->hop.gw, mac_str(n->mac),
		       w_ifaces[n->hop.iface].name, n->nud ? n->nud : "permanent"))
			return -1;
	}
	for (i = 0; i < ARRAY_SIZE(w_kroutes); i++) {
		const struct w_kroute *r = &w_kroutes[i];

		if (sh("ip route add %s/32 via inet6 %s dev %s", r->dst, r->hop.gw,
		       w_ifaces[r->hop.iface].name))
			return -1;
	}
	return 0;
}

int world_hold_prog(int prog_fd, const char *dev)
{
	int err = bpf_xdp_attach(if_nametoindex(dev), prog_fd, XDP_FLAGS_DRV_MODE, NULL);

	if (err)
		fprintf(stderr, "    v4via6: attaching to %s: %s\n", dev, strerror(-err));
	return err;
}

int world_fill_maps(const struct world *w)
{
	struct bpf_devmap_val port = {};
	struct egress eg = { .mtu = W_MTU };
	struct neigh nb = {};
	struct nexthop nh;
	__u32 ifindex;
	size_t i;
	int err;

	for (i = 0; i < IF_COUNT; i++) {
		ifindex = w_ifindex(i);
		memcpy(eg.mac, w_ifaces[i].mac, ETH_ALEN);
		if (w_ifaces[i].egress && bpf_map_update_elem(w->egress_fd, &ifindex, &eg, BPF_ANY))
			goto fail;
		port.ifindex = ifindex;
		if (w_ifaces[i].tx_port &&
		    bpf_map_update_elem(w->tx_ports_fd, &ifindex, &port, BPF_ANY))
			goto fail;
	}
	for (i = 0; i < ARRAY_SIZE(w_neighs); i++) {
		w_nexthop(&nh, &w_neighs[i].hop);
		memcpy(nb.mac, w_neighs[i].mac, ETH_ALEN);
		if (bpf_map_update_elem(w->neighs_fd, &nh, &nb, BPF_ANY))
			goto fail;
	}
	for (i = 0; i < ARRAY_SIZE(w_routes); i++) {
		err = w_route_set(w, &w_routes[i], true);
		if (err) {
			errno = -err;
			goto fail;
		}
	}
	return 0;
fail:
	fprintf(stderr, "    v4via6: filling the maps: %s\n", strerror(errno));
	return -1;
}

int world_nh_stats(const struct world *w, __u32 idx, struct nh_stats *sum)
{
	static struct nh_stats *percpu;
	static int ncpus;
	int c;

	if (!percpu) {
		ncpus = libbpf_num_possible_cpus();
		percpu = ncpus > 0 ? calloc(ncpus, sizeof(*percpu)) : NULL;
		if (!percpu)
			return -ENOMEM;
	}
	if (bpf_map_lookup_elem(w->nh_stats_fd, &idx, percpu))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (c = 0; c < ncpus; c++) {
		sum->packets += percpu[c].packets;
		sum->bytes += percpu[c].bytes;
	}
	return 0;
}
