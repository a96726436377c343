// SPDX-License-Identifier: GPL-2.0-only
/* Parsing of the rtnetlink messages sync follows; see nl_parse.h. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include "array_size.h"
#include "nl_parse.h"

/* Collects a message's attributes by type; later duplicates win, unknown types are skipped. */
struct attrs {
	const struct nlattr *tb[64];
};

static int collect(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type < ARRAY_SIZE(at->tb))
		at->tb[type] = a;
	return MNL_CB_OK;
}

static uint32_t attr_u32(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : 0;
}

/* RTA_VIA: struct rtvia, a family and an address of that family. */
static void hop_via(struct nl_hop *h, const struct nlattr *a)
{
	const struct rtvia *via = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	if (len < sizeof(*via))
		return;
	len -= sizeof(*via);
	if (via->rtvia_family == AF_INET6 && len >= 16) {
		h->family = AF_INET6;
		memcpy(h->addr, via->rtvia_addr, 16);
	} else if (via->rtvia_family == AF_INET && len >= 4) {
		h->family = AF_INET;
		memcpy(h->addr, via->rtvia_addr, 4);
	}
}

/* RTA_GATEWAY of an IPv4 route is always an IPv4 address. */
static void hop_gateway4(struct nl_hop *h, const struct nlattr *a)
{
	if (mnl_attr_get_payload_len(a) < 4)
		return;
	h->family = AF_INET;
	memcpy(h->addr, mnl_attr_get_payload(a), 4);
}

/* RTA_MULTIPATH: a sequence of struct rtnexthop, each followed by its own attributes. */
static void parse_multipath(struct nl_route *r, const struct nlattr *a)
{
	const uint8_t *p = mnl_attr_get_payload(a);
	int left = mnl_attr_get_payload_len(a);

	r->multipath = true;
	while (left >= (int)sizeof(struct rtnexthop)) {
		const struct rtnexthop *rtnh = (const void *)p;
		struct attrs at = {};

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > left)
			break;
		if (r->nhops < NL_MAX_HOPS) {
			struct nl_hop *h = &r->hops[r->nhops];

			h->ifindex = rtnh->rtnh_ifindex;
			h->flags = rtnh->rtnh_flags;
			mnl_attr_parse_payload(RTNH_DATA(rtnh), rtnh->rtnh_len - sizeof(*rtnh),
					       collect, &at);
			if (at.tb[RTA_VIA])
				hop_via(h, at.tb[RTA_VIA]);
			else if (at.tb[RTA_GATEWAY])
				hop_gateway4(h, at.tb[RTA_GATEWAY]);
		}
		r->nhops++;
		left -= RTNH_ALIGN(rtnh->rtnh_len);
		p += RTNH_ALIGN(rtnh->rtnh_len);
	}
}

int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {};

	memset(r, 0, sizeof(*r));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) || rtm->rtm_family != AF_INET ||
	    rtm->rtm_dst_len > 32)
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*rtm), collect, &at) < 0)
		return -EINVAL;
	r->dst_len = rtm->rtm_dst_len;
	r->tos = rtm->rtm_tos;
	r->type = rtm->rtm_type;
	r->cloned = rtm->rtm_flags & RTM_F_CLONED;
	/* rtm_table has 8 bits; RTA_TABLE carries ids above 255 */
	r->table = at.tb[RTA_TABLE] ? attr_u32(at.tb[RTA_TABLE]) : rtm->rtm_table;
	if (at.tb[RTA_DST] && mnl_attr_get_payload_len(at.tb[RTA_DST]) >= 4)
		memcpy(&r->dst, mnl_attr_get_payload(at.tb[RTA_DST]), 4);
	if (at.tb[RTA_PRIORITY])
		r->priority = attr_u32(at.tb[RTA_PRIORITY]);
	if (at.tb[RTA_NH_ID])
		r->nhid = attr_u32(at.tb[RTA_NH_ID]);

	if (at.tb[RTA_MULTIPATH]) {
		parse_multipath(r, at.tb[RTA_MULTIPATH]);
	} else if (at.tb[RTA_OIF] || at.tb[RTA_VIA] || at.tb[RTA_GATEWAY]) {
		struct nl_hop *h = &r->hops[0];

		r->nhops = 1;
		h->flags = rtm->rtm_flags;
		if (at.tb[RTA_OIF])
			h->ifindex = attr_u32(at.tb[RTA_OIF]);
		if (at.tb[RTA_VIA])
			hop_via(h, at.tb[RTA_VIA]);
		else if (at.tb[RTA_GATEWAY])
			hop_gateway4(h, at.tb[RTA_GATEWAY]);
	}
	return 0;
}

int nl_parse_nexthop(const struct nlmsghdr *nlh, struct nl_nhobj *nh)
{
	const struct nhmsg *nhm = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {};

	memset(nh, 0, sizeof(*nh));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nhm))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*nhm), collect, &at) < 0 || !at.tb[NHA_ID])
		return -EINVAL;
	nh->id = attr_u32(at.tb[NHA_ID]);
	nh->family = nhm->nh_family;
	nh->blackhole = at.tb[NHA_BLACKHOLE] != NULL;
	nh->hop.flags = nhm->nh_flags;
	if (at.tb[NHA_OIF])
		nh->hop.ifindex = attr_u32(at.tb[NHA_OIF]);
	if (at.tb[NHA_GATEWAY]) {
		size_t len = mnl_attr_get_payload_len(at.tb[NHA_GATEWAY]);

		if (nhm->nh_family == AF_INET6 && len >= 16) {
			nh->hop.family = AF_INET6;
			memcpy(nh->hop.addr, mnl_attr_get_payload(at.tb[NHA_GATEWAY]), 16);
		} else if (nhm->nh_family == AF_INET && len >= 4) {
			nh->hop.family = AF_INET;
			memcpy(nh->hop.addr, mnl_attr_get_payload(at.tb[NHA_GATEWAY]), 4);
		}
	}
	if (at.tb[NHA_GROUP]) {
		const struct nexthop_grp *g = mnl_attr_get_payload(at.tb[NHA_GROUP]);
		int n = mnl_attr_get_payload_len(at.tb[NHA_GROUP]) / sizeof(*g), i;

		nh->ngroup = n;
		for (i = 0; i < n && i < NL_MAX_HOPS; i++)
			nh->group[i] = g[i].id;
	}
	return 0;
}

int nl_parse_neigh(const struct nlmsghdr *nlh, struct nl_neigh *n)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {};

	memset(n, 0, sizeof(*n));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm) || ndm->ndm_family != AF_INET6)
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*ndm), collect, &at) < 0 || !at.tb[NDA_DST] ||
	    mnl_attr_get_payload_len(at.tb[NDA_DST]) != 16)
		return -EINVAL;
	n->family = ndm->ndm_family;
	n->ifindex = ndm->ndm_ifindex;
	n->state = ndm->ndm_state;
	memcpy(n->addr, mnl_attr_get_payload(at.tb[NDA_DST]), 16);
	if (at.tb[NDA_LLADDR] && mnl_attr_get_payload_len(at.tb[NDA_LLADDR]) == 6) {
		n->has_lladdr = true;
		memcpy(n->lladdr, mnl_attr_get_payload(at.tb[NDA_LLADDR]), 6);
	}
	return 0;
}

int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {};

	memset(l, 0, sizeof(*l));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*ifi), collect, &at) < 0)
		return -EINVAL;
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	if (at.tb[IFLA_MTU])
		l->mtu = attr_u32(at.tb[IFLA_MTU]);
	if (at.tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(at.tb[IFLA_ADDRESS]) == 6) {
		l->has_addr = true;
		memcpy(l->addr, mnl_attr_get_payload(at.tb[IFLA_ADDRESS]), 6);
	}
	return 0;
}
