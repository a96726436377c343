// SPDX-License-Identifier: GPL-2.0-only
/* rtnetlink sockets, dumps and notifications for sync; see nl.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include "array_size.h"
#include "nl.h"

/* Large enough for any one notification, and for many dump messages per read. */
#define NL_BUF_LEN (64 * 1024)

static int open_sock(struct nl_sock *s, int flags)
{
	memset(s, 0, sizeof(*s));
	s->mnl = mnl_socket_open2(NETLINK_ROUTE, flags | SOCK_CLOEXEC);
	if (!s->mnl)
		return -errno;
	if (mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		nl_close(s);
		return err;
	}
	s->portid = mnl_socket_get_portid(s->mnl);
	s->seq = time(NULL);
	s->buf_len = NL_BUF_LEN;
	s->buf = malloc(s->buf_len);
	if (!s->buf) {
		nl_close(s);
		return -ENOMEM;
	}
	return 0;
}

int nl_open(struct nl_sock *s)
{
	return open_sock(s, 0);
}

int nl_open_events(struct nl_sock *s, int rcvbuf)
{
	static const unsigned int groups[] = {RTNLGRP_IPV4_ROUTE, RTNLGRP_NEXTHOP, RTNLGRP_NEIGH,
					      RTNLGRP_LINK};
	unsigned int i;
	int err;

	err = open_sock(s, SOCK_NONBLOCK);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		unsigned int g = groups[i];

		if (mnl_socket_setsockopt(s->mnl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			goto fail;
	}
	/* SO_RCVBUFFORCE goes past net.core.rmem_max (we are root); SO_RCVBUF is the fallback. */
	if (setsockopt(nl_fd(s), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(nl_fd(s), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		goto fail;
	return 0;
fail:
	err = -errno;
	nl_close(s);
	return err;
}

void nl_close(struct nl_sock *s)
{
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

int nl_fd(const struct nl_sock *s)
{
	return mnl_socket_get_fd(s->mnl);
}

struct dump_ctx {
	nl_msg_fn fn;
	void *arg;
	bool interrupted;
	int err;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->interrupted = true;
	c->err = c->fn(nlh, c->arg);
	return c->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int nl_dump(struct nl_sock *s, uint16_t type, uint8_t family, nl_msg_fn fn, void *arg)
{
	struct dump_ctx c = {.fn = fn, .arg = arg};
	char req[256] = {};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	unsigned int seq = ++s->seq;
	ssize_t n;
	int ret;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/* every family header starts with its family byte */
	switch (type) {
	case RTM_GETROUTE:
		((struct rtmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg)))
		    ->rtm_family = family;
		break;
	case RTM_GETNEXTHOP:
		((struct nhmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg)))->nh_family =
		    family;
		break;
	case RTM_GETNEIGH:
		((struct ndmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ndmsg)))
		    ->ndm_family = family;
		break;
	default:
		((struct rtgenmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)))
		    ->rtgen_family = family;
		break;
	}
	if (mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(s->mnl, s->buf, s->buf_len);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(s->buf, n, seq, s->portid, dump_cb, &c);
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		return c.err ? c.err : -errno;
	return c.interrupted ? -EAGAIN : 0;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;

	c->err = c->fn(nlh, c->arg);
	return c->err ? MNL_CB_ERROR : MNL_CB_OK;
}

/*
 * After an overrun, empties the queue: what it holds is older than the dump
 * that follows. Until the queue has been empty once, the kernel reports no
 * further overrun (netlink_overrun() sets ENOBUFS only when the socket is not
 * already marked congested, and netlink_rcv_wake() clears that mark only on
 * an empty queue): notifications dropped before then would be lost silently.
 */
static int discard(struct nl_sock *s)
{
	while (mnl_socket_recvfrom(s->mnl, s->buf, s->buf_len) >= 0 || errno == ENOBUFS)
		;
	return errno == EAGAIN ? -ENOBUFS : -errno;
}

int nl_drain(struct nl_sock *s, nl_msg_fn fn, void *arg)
{
	struct dump_ctx c = {.fn = fn, .arg = arg};
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(s->mnl, s->buf, s->buf_len);
		if (n < 0 && errno == ENOBUFS)
			return discard(s);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		/* seq 0 and portid 0: notifications come from the kernel with any sequence */
		if (mnl_cb_run(s->buf, n, 0, 0, event_cb, &c) < 0 && c.err)
			return c.err;
	}
}

int nl_neigh_use(struct nl_sock *s, uint32_t ifindex, const uint8_t addr[16])
{
	char req[256] = {};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ndmsg *ndm;
	unsigned int seq = ++s->seq;
	ssize_t n;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	/* NLM_F_CREATE: a missing entry is created, and NTF_USE then starts its resolution */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET6;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, 16, addr);
	if (mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(s->mnl, s->buf, s->buf_len);
	if (n < 0)
		return -errno;
	/* the ack: mnl_cb_run returns -1 with errno set to the kernel's error */
	return mnl_cb_run(s->buf, n, seq, s->portid, NULL, NULL) < 0 ? -errno : 0;
}
