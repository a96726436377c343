/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One interface's part of the state: the XDP attachment and its entries in
 * the tx_ports and egress maps. Used by attach, detach, apply and status.
 */
#ifndef V4VIA6_IFACE_H
#define V4VIA6_IFACE_H

#include <stdbool.h>
#include <linux/types.h>
#include <xdp/libxdp.h>

#include "state.h"

/* What runs on an interface, as far as v4via6 is concerned. */
enum iface_xdp {
	IFACE_XDP_NONE, /* no XDP program */
	IFACE_XDP_OURS, /* our program (maybe inside libxdp's dispatcher) */
	IFACE_XDP_OLD_V4VIA6, /* another v4via6 program: an earlier load */
	IFACE_XDP_OTHER, /* someone else's program */
};

struct iface_query {
	enum iface_xdp what;
	enum xdp_attach_mode mode; /* XDP_MODE_NATIVE or XDP_MODE_SKB when attached */
	__u32 prog_id; /* the attached program (or dispatcher) */
	char prog_name[16];
};

/* Our program's id. */
__u32 prog_id_of(int prog_fd);

/* What runs on ifindex; 0 or -errno. */
int iface_query(const struct v4via6_state *st, __u32 ifindex, struct iface_query *q);

/* "native", "skb", "hw" or "unspec". */
const char *mode_name(enum xdp_attach_mode mode);

/*
 * Attaches our program to ifindex in mode (XDP_MODE_UNSPEC: as the kernel
 * chooses, native where the driver supports it), replacing an older v4via6
 * program atomically and leaving ours untouched, then writes the interface's
 * MAC and MTU into egress and its ifindex into tx_ports. *attached tells
 * whether the XDP program was attached by this call (for undo). Errors are
 * printed with cmd_name() in front. Returns 0 or -errno.
 */
int iface_attach(struct v4via6_state *st, __u32 ifindex, enum xdp_attach_mode mode, bool *attached);

#define IFACE_QUIET_MISSING 1 /* iface_detach: a missing interface is not an error to print */
#define IFACE_UNDO	    2 /* iface_detach: undoing a failed attach (also quiet) */

/*
 * Detaches our program from ifindex (another program stays) and removes the
 * interface from tx_ports and egress. An interface that is in neither and does
 * not run our program gives -ENOENT (printed unless flags say quiet).
 */
int iface_detach(struct v4via6_state *st, __u32 ifindex, unsigned int flags);

/*
 * 0 when ifindex (named dev on the command line) is attached; otherwise says
 * "<command>: dev DEV: not attached (...)" and returns -ENOENT. Route and
 * neighbour writes check it.
 */
int iface_check_attached(const struct v4via6_state *st, __u32 ifindex, const char *dev);

/* The interface's MAC and MTU from the kernel, as the egress map holds them. */
struct egress;
int iface_read_egress(__u32 ifindex, struct egress *eg);

/* The ifindexes in the egress and tx_ports maps, sorted, without duplicates. */
int iface_list(const struct v4via6_state *st, __u32 *ifindexes, int max);

#endif /* V4VIA6_IFACE_H */
