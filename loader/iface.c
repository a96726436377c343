// SPDX-License-Identifier: GPL-2.0-only
/* Attaching to and detaching from one interface (see iface.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "v4via6.h"
#include "cmd.h"
#include "common.h"
#include "dump.h"
#include "egress.h"
#include "iface.h"

/* libxdp's multi-program dispatcher: our program may run inside it on kernels where it works. */
#define XDP_DISPATCHER_NAME "xdp_dispatcher"

__u32 prog_id_of(int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return 0;
	return info.id;
}

const char *mode_name(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "skb";
	case XDP_MODE_HW:
		return "hw";
	default:
		return "unspec";
	}
}

static __u32 mode_flags(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return XDP_FLAGS_DRV_MODE;
	case XDP_MODE_SKB:
		return XDP_FLAGS_SKB_MODE;
	case XDP_MODE_HW:
		return XDP_FLAGS_HW_MODE;
	default:
		return 0;
	}
}

/* Is our program one of the dispatcher's? */
static bool in_dispatcher(__u32 ifindex, __u32 our_id)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	bool found = false;

	quiet_libbpf(true);
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	quiet_libbpf(false);
	if (libxdp_get_error(mp))
		return false;
	while ((p = xdp_multiprog__next_prog(p, mp)))
		if (xdp_program__id(p) == our_id)
			found = true;
	xdp_multiprog__close(mp);
	return found;
}

int iface_query(const struct v4via6_state *st, __u32 ifindex, struct iface_query *q)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, opts);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), our_id;
	int fd, err;

	memset(q, 0, sizeof(*q));
	err = bpf_xdp_query(ifindex, 0, &opts);
	if (err)
		return err;
	if (opts.drv_prog_id) {
		q->prog_id = opts.drv_prog_id;
		q->mode = XDP_MODE_NATIVE;
	} else if (opts.skb_prog_id) {
		q->prog_id = opts.skb_prog_id;
		q->mode = XDP_MODE_SKB;
	} else if (opts.hw_prog_id) {
		q->prog_id = opts.hw_prog_id;
		q->mode = XDP_MODE_HW;
	} else {
		q->what = IFACE_XDP_NONE;
		return 0;
	}
	our_id = st->prog_fd >= 0 ? prog_id_of(st->prog_fd) : 0;
	if (q->prog_id == our_id) {
		q->what = IFACE_XDP_OURS;
		snprintf(q->prog_name, sizeof(q->prog_name), "%s", V4VIA6_PROG_NAME);
		return 0;
	}
	fd = bpf_prog_get_fd_by_id(q->prog_id);
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			snprintf(q->prog_name, sizeof(q->prog_name), "%s", info.name);
		close(fd);
	}
	if (!strcmp(q->prog_name, V4VIA6_PROG_NAME))
		q->what = IFACE_XDP_OLD_V4VIA6;
	else if (!strcmp(q->prog_name, XDP_DISPATCHER_NAME) && in_dispatcher(ifindex, our_id))
		q->what = IFACE_XDP_OURS;
	else
		q->what = IFACE_XDP_OTHER;
	return 0;
}

int iface_read_egress(__u32 ifindex, struct egress *eg)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -errno;
	/* any socket answers these ioctls; an AF_PACKET one works without IPv6 too */
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(eg, 0, sizeof(*eg));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(eg->mac, ifr.ifr_hwaddr.sa_data, sizeof(eg->mac));
	if (!err && ioctl(fd, SIOCGIFMTU, &ifr))
		err = -errno;
	else if (!err)
		eg->mtu = ifr.ifr_mtu;
	close(fd);
	return err;
}

/* Writes the interface into egress (only when it changed) and tx_ports. */
static int write_maps(struct v4via6_state *st, __u32 ifindex, const char *name)
{
	struct bpf_devmap_val port = { .ifindex = ifindex };
	struct egress eg, cur;
	int err;

	err = iface_read_egress(ifindex, &eg);
	if (err) {
		pr_err("%s: %s: reading MAC and MTU: %s", cmd_name(), name, strerror(-err));
		return err;
	}
	if (ifindex >= V4VIA6_MAX_PORT_IFINDEX) {
		pr_err("%s: %s: ifindex %u: only interfaces of ifindex below %u can be attached",
		       cmd_name(), name, ifindex, V4VIA6_MAX_PORT_IFINDEX);
		return -ERANGE;
	}
	if (egress_get(st->egress_fd, ifindex, &cur)) {
		__u32 all[V4VIA6_MAX_IFACES];

		if (egress_list(st->egress_fd, all, V4VIA6_MAX_IFACES) >= V4VIA6_MAX_IFACES) {
			pr_err("%s: %s: %u interfaces are attached already, the most there can be",
			       cmd_name(), name, V4VIA6_MAX_IFACES);
			return -ENOSPC;
		}
	}
	if (egress_get(st->egress_fd, ifindex, &cur) || memcmp(&cur, &eg, sizeof(eg))) {
		err = egress_set(st->egress_fd, ifindex, &eg);
		if (err) {
			pr_err("%s: %s: egress map: %s", cmd_name(), name, strerror(-err));
			return err;
		}
	}
	if (bpf_map_update_elem(st->tx_ports_fd, &ifindex, &port, BPF_ANY)) {
		err = -errno;
		pr_err("%s: %s: tx_ports map: %s", cmd_name(), name, strerror(-err));
		return err;
	}
	return 0;
}

static int attach_new(struct v4via6_state *st, __u32 ifindex, enum xdp_attach_mode mode,
		      const char *name)
{
	struct xdp_program *xprog;
	int err;

	xprog = xdp_program__from_fd(st->prog_fd);
	err = libxdp_get_error(xprog);
	if (err) {
		pr_err("%s: %s: %s", cmd_name(), name, strerror(-err));
		return err;
	}
	/*
	 * libxdp 1.3.1 cannot load its dispatcher on this kernel and then
	 * attaches the program alone; on kernels where the dispatcher works,
	 * our program runs inside it. iface_query recognises both.
	 */
	quiet_libbpf(true);
	err = xdp_program__attach(xprog, ifindex, mode, 0);
	quiet_libbpf(false);
	xdp_program__close(xprog);
	return err;
}

/* An earlier v4via6 program runs there: swap it for ours without taking the link down. */
static int replace_old(struct v4via6_state *st, __u32 ifindex, const struct iface_query *q,
		       const char *name)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int old_fd, err;

	old_fd = bpf_prog_get_fd_by_id(q->prog_id);
	if (old_fd < 0) {
		err = -errno;
		pr_err("%s: %s: old v4via6 program id %u: %s", cmd_name(), name, q->prog_id,
		       strerror(-err));
		return err;
	}
	opts.old_prog_fd = old_fd;
	err = bpf_xdp_attach(ifindex, st->prog_fd, mode_flags(q->mode) | XDP_FLAGS_REPLACE, &opts);
	close(old_fd);
	if (err)
		pr_err("%s: %s: replacing v4via6 program id %u: %s", cmd_name(), name, q->prog_id,
		       strerror(-err));
	return err;
}

int iface_attach(struct v4via6_state *st, __u32 ifindex, enum xdp_attach_mode mode, bool *attached)
{
	const char *what = cmd_name();
	char name[IF_NAMESIZE];
	struct iface_query q;
	int err;

	*attached = false;
	ifname_of(ifindex, name);
	err = iface_query(st, ifindex, &q);
	if (err) {
		pr_err("%s: %s: querying XDP: %s", what, name, strerror(-err));
		return err;
	}
	if (q.what != IFACE_XDP_NONE && mode != XDP_MODE_UNSPEC && mode != q.mode &&
	    q.what != IFACE_XDP_OTHER) {
		pr_err("%s: %s: v4via6 runs there in %s mode (detach it first to change the mode)",
		       what, name, mode_name(q.mode));
		return -EEXIST;
	}
	switch (q.what) {
	case IFACE_XDP_NONE:
		/*
		 * Native unless asked otherwise: generic (skb) mode forwards at a
		 * fraction of the speed, so it must be a choice, not a silent fallback.
		 */
		if (mode == XDP_MODE_UNSPEC)
			mode = XDP_MODE_NATIVE;
		err = attach_new(st, ifindex, mode, name);
		*attached = !err;
		/* a concurrent attach of the same program got there first: fine */
		if (err && !iface_query(st, ifindex, &q) && q.what == IFACE_XDP_OURS)
			err = 0;
		else if (err)
			pr_err("%s: %s: attaching XDP in %s mode: %s%s", what, name,
			       mode_name(mode), strerror(-err),
			       mode == XDP_MODE_NATIVE ? " (no native XDP here? --mode skb)" : "");
		break;
	case IFACE_XDP_OURS:
		break; /* nothing to do: the link is not bounced */
	case IFACE_XDP_OLD_V4VIA6:
		err = replace_old(st, ifindex, &q, name);
		break;
	case IFACE_XDP_OTHER:
		pr_err("%s: %s: another XDP program runs there (%s, id %u); detach it first", what,
		       name, q.prog_name[0] ? q.prog_name : "?", q.prog_id);
		return -EBUSY;
	}
	if (err)
		return err;
	err = write_maps(st, ifindex, name);
	if (err && *attached) {
		iface_detach(st, ifindex, IFACE_QUIET_MISSING);
		*attached = false;
	}
	return err;
}

int iface_detach(struct v4via6_state *st, __u32 ifindex, unsigned int flags)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct xdp_program *xprog;
	char name[IF_NAMESIZE], what[80];
	struct iface_query q;
	bool in_maps = false;
	struct egress eg;
	int err = 0;

	snprintf(what, sizeof(what), "%s%s", cmd_name(), flags & IFACE_UNDO ? ": undo" : "");
	ifname_of(ifindex, name);
	if (!egress_get(st->egress_fd, ifindex, &eg))
		in_maps = true;
	/* an interface that is gone has no XDP program left to detach */
	if (iface_query(st, ifindex, &q))
		q.what = IFACE_XDP_NONE;
	if (q.what == IFACE_XDP_OURS && q.prog_id == prog_id_of(st->prog_fd)) {
		/* REPLACE with old_prog_fd: detaches only if our program is still the one there */
		opts.old_prog_fd = st->prog_fd;
		err = bpf_xdp_detach(ifindex, mode_flags(q.mode) | XDP_FLAGS_REPLACE, &opts);
	} else if (q.what == IFACE_XDP_OURS) {
		xprog = xdp_program__from_fd(st->prog_fd);
		err = libxdp_get_error(xprog);
		quiet_libbpf(true);
		if (!err)
			err = xdp_program__detach(xprog, ifindex, q.mode, 0);
		quiet_libbpf(false);
		xdp_program__close(xprog);
	} else if (!in_maps) {
		if (!(flags & (IFACE_QUIET_MISSING | IFACE_UNDO)))
			pr_err("%s: %s: not attached", what, name);
		return -ENOENT;
	}
	if (err) {
		pr_err("%s: %s: detaching XDP: %s", what, name, strerror(-err));
		return err;
	}
	if (bpf_map_delete_elem(st->tx_ports_fd, &ifindex) && errno != ENOENT) {
		err = -errno;
		pr_err("%s: %s: tx_ports map: %s", what, name, strerror(-err));
	}
	if (egress_clear(st->egress_fd, ifindex) && ifindex < V4VIA6_MAX_PORT_IFINDEX) {
		err = -errno;
		pr_err("%s: %s: egress map: %s", what, name, strerror(-err));
	}
	return err;
}

int iface_list(const struct v4via6_state *st, __u32 *ifindexes, int max)
{
	int i, n, m = 0;

	/*
	 * egress alone: attach writes egress before tx_ports, detach removes
	 * it after, so an interface half attached or detached is in egress.
	 */
	n = egress_list(st->egress_fd, ifindexes, max);
	if (n < 0)
		n = 0;
	qsort(ifindexes, n, sizeof(*ifindexes), cmp_u32);
	for (i = 0; i < n; i++)
		if (!m || ifindexes[m - 1] != ifindexes[i])
			ifindexes[m++] = ifindexes[i];
	return m;
}

int iface_check_attached(const struct v4via6_state *st, __u32 ifindex, const char *dev)
{
	struct egress eg;

	if (!egress_get(st->egress_fd, ifindex, &eg))
		return 0;
	pr_err("%s: dev %s: not attached (v4via6 attach %s first)", cmd_name(), dev, dev);
	return -ENOENT;
}
