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
	static const unsigned int groups[] = { RTNLGRP_IPV4_ROUTE, RTNLGRP_NEXTHOP, RTNLGRP_NEIGH,
					       RTNLGRP_LINK };
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

bool nl_datagram_ok(const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		const struct nlmsghdr *nlh = (const void *)p;
		size_t msg_len;

		if (len < sizeof(*nlh))
			return false;
		msg_len = nlh->nlmsg_len;
		if (msg_len < sizeof(*nlh) || msg_len > len)
			return false;
		/* the last message may go without its alignment padding */
		msg_len = NLMSG_ALIGN(msg_len);
		if (msg_len >= len)
			return true;
		p += msg_len;
		len -= msg_len;
	}
	return true;
}

/*
 * Receives one datagram sent by the kernel (nl_pid 0) into s->buf. Datagrams
 * from any other sender are dropped and counted: a process with CAP_NET_ADMIN
 * can send to our port, and what it says about routes is not the kernel's
 * word. Returns the length, -EBADMSG for a datagram from the kernel that is
 * truncated or whose message lengths do not fit (counted, dropped), or -errno.
 */
static ssize_t recv_kernel(struct nl_sock *s)
{
	struct sockaddr_nl addr;
	struct iovec iov = { .iov_base = s->buf, .iov_len = s->buf_len };
	struct msghdr msg;
	ssize_t n;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &addr;
		msg.msg_namelen = sizeof(addr);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		n = recvmsg(nl_fd(s), &msg, 0);
		if (n < 0)
			return -errno;
		if (msg.msg_namelen != sizeof(addr) || addr.nl_family != AF_NETLINK ||
		    addr.nl_pid != 0) {
			s->foreign++;
			continue;
		}
		if ((msg.msg_flags & MSG_TRUNC) || !nl_datagram_ok(s->buf, n)) {
			s->malformed++;
			return -EBADMSG;
		}
		return n;
	}
}

/* What a reply to a request (a dump or an acknowledged request) has brought so far. */
struct reply {
	unsigned int seq;
	nl_msg_fn fn; /* NULL for an acknowledgement */
	void *arg;
	bool interrupted; /* NLM_F_DUMP_INTR seen */
};

/*
 * Runs one datagram of a reply (checked by recv_kernel): messages of another
 * request (left over from an earlier one that failed) are skipped; NLMSG_DONE
 * or an NLMSG_ERROR ends it. Returns 1 while more is to come, 0 at its end,
 * or a negative errno (the kernel's error, or fn's).
 */
static int run_reply(struct nl_sock *s, ssize_t len, struct reply *r)
{
	const struct nlmsghdr *nlh = (const void *)s->buf;
	int left = len, err;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_seq != r->seq || nlh->nlmsg_pid != s->portid)
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			r->interrupted = true;
		if (nlh->nlmsg_type == NLMSG_DONE) {
			/* the kernel puts a dump's own error there */
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int) &&
			    *(const int *)mnl_nlmsg_get_payload(nlh) < 0)
				return *(const int *)mnl_nlmsg_get_payload(nlh);
			return 0;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				return -EBADMSG;
			return e->error; /* 0: the acknowledgement */
		}
		/*
		 * An interrupted dump is dumped again: what it still brings is
		 * worth nothing, but it must be read to its end, or the next
		 * dump on this socket would read it.
		 */
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !r->fn || r->interrupted)
			continue;
		err = r->fn(nlh, r->arg);
		if (err)
			return err;
	}
	return 1;
}

/* Reads the reply to request seq until its end. */
static int read_reply(struct nl_sock *s, struct reply *r)
{
	ssize_t n;
	int ret = 1;

	do {
		n = recv_kernel(s);
		if (n == -EBADMSG) {
			/* part of the reply is lost: as good as an interrupted dump */
			r->interrupted = true;
			continue;
		}
		if (n < 0)
			return n;
		ret = run_reply(s, n, r);
	} while (ret == 1 || n == -EBADMSG);
	return ret;
}

int nl_dump(struct nl_sock *s, uint16_t type, uint8_t family, nl_msg_fn fn, void *arg)
{
	char req[256] = {};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct reply r = { .seq = ++s->seq, .fn = fn, .arg = arg };
	int ret;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = r.seq;
	/* every family header starts with its family byte */
	switch (type) {
	case RTM_GETROUTE:
		((struct rtmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg)))->rtm_family =
			family;
		break;
	case RTM_GETNEXTHOP:
		((struct nhmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg)))->nh_family =
			family;
		break;
	case RTM_GETNEIGH:
		((struct ndmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ndmsg)))->ndm_family =
			family;
		break;
	default:
		((struct rtgenmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)))
			->rtgen_family = family;
		break;
	}
	if (mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ret = read_reply(s, &r);
	if (ret < 0)
		return ret;
	return r.interrupted ? -EAGAIN : 0;
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
	ssize_t n;

	while ((n = recv_kernel(s)) >= 0 || n == -ENOBUFS || n == -EBADMSG)
		;
	return n == -EAGAIN ? -ENOBUFS : n;
}

int nl_drain(struct nl_sock *s, nl_msg_fn fn, void *arg)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int left, err;

	for (;;) {
		n = recv_kernel(s);
		/* a notification lost (overrun, or one we could not read): as after an overrun */
		if (n == -ENOBUFS || n == -EBADMSG)
			return discard(s);
		if (n < 0)
			return n == -EAGAIN ? 0 : n;
		/* notifications carry the sequence and port of the request that caused them */
		left = n;
		for (nlh = (const void *)s->buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			err = fn(nlh, arg);
			if (err)
				return err;
		}
	}
}

int nl_neigh_use(struct nl_sock *s, uint32_t ifindex, const uint8_t addr[16])
{
	char req[256] = {};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct reply r = { .seq = ++s->seq };
	struct ndmsg *ndm;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	/* NLM_F_CREATE: a missing entry is created, and NTF_USE then starts its resolution */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
	nlh->nlmsg_seq = r.seq;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET6;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, 16, addr);
	if (mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return read_reply(s, &r);
}
