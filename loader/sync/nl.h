/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rtnetlink sockets of sync, through libmnl: one subscribed to the route,
 * nexthop, neighbour and link groups for notifications, one for requests
 * (dumps, neighbour refreshes), so that a dump's answer never interleaves with
 * notifications.
 */
#ifndef V4VIA6_NL_H
#define V4VIA6_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

struct mnl_socket;

struct nl_sock {
	struct mnl_socket *mnl;
	unsigned int portid;
	unsigned int seq;
	char *buf;
	size_t buf_len;
	/*
	 * Datagrams dropped unread: sent by another process than the kernel
	 * (any process with CAP_NET_ADMIN can send to our port), or with a
	 * message whose length does not fit the datagram.
	 */
	unsigned long foreign;
	unsigned long malformed;
};

/* Called for each message received; returns 0, or a negative errno to stop. */
typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, void *arg);

/* A socket for requests. Returns 0 or -errno. */
int nl_open(struct nl_sock *s);
/*
 * A non-blocking socket subscribed to RTNLGRP_IPV4_ROUTE, RTNLGRP_NEXTHOP,
 * RTNLGRP_NEIGH and RTNLGRP_LINK, with a receive buffer of rcvbuf bytes
 * (SO_RCVBUFFORCE, so that a burst of notifications fits; the kernel doubles
 * the number for its bookkeeping).
 */
int nl_open_events(struct nl_sock *s, int rcvbuf);
void nl_close(struct nl_sock *s);
int nl_fd(const struct nl_sock *s);

/*
 * Dumps one table (RTM_GETROUTE for AF_INET, RTM_GETNEXTHOP, RTM_GETNEIGH for
 * AF_INET6, RTM_GETLINK) through fn. Returns 0, -EAGAIN when the kernel flagged
 * the dump inconsistent (NLM_F_DUMP_INTR: it changed while being dumped; the
 * rest of the dump has been read and dropped, dump again), or -errno. fn sees
 * no message of an interrupted dump after the flag.
 */
int nl_dump(struct nl_sock *s, uint16_t type, uint8_t family, nl_msg_fn fn, void *arg);

/*
 * Reads every notification queued on an events socket, without blocking.
 * Returns 0 when the queue is empty, -ENOBUFS when the kernel dropped some
 * (the socket overran: the rest of the queue is then discarded, and the
 * caller must resynchronise with a dump), or another -errno.
 */
int nl_drain(struct nl_sock *s, nl_msg_fn fn, void *arg);

/*
 * True when every message of a datagram lies whole inside it. libmnl's
 * mnl_nlmsg_ok() compares nlmsg_len as an int, so a length of 2^31 or more
 * passes it, and a parser would read past the buffer: every datagram is
 * checked here before any message of it is parsed.
 */
bool nl_datagram_ok(const void *buf, size_t len);

/*
 * RTM_NEWNEIGH with NTF_USE for an IPv6 neighbour: what the kernel's own fast
 * paths do when they send through an entry. It keeps a reachable entry alive
 * (re-confirmed before it goes stale), and creates and resolves a missing one.
 * Never for a PERMANENT entry: on Linux 6.18 NTF_USE strips PERMANENT (whatever
 * the request's flags and ndm_state) and resolves the entry again.
 */
int nl_neigh_use(struct nl_sock *s, uint32_t ifindex, const uint8_t addr[16]);

#endif /* V4VIA6_NL_H */
