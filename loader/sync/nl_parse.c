// SPDX-License-Identifier: GPL-2.0-only
/* Parsing of the rtnetlink messages sync follows; see nl_parse.h. */
#include <errno.h>
#include <arpa/inet.h>
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

const char *nl_parse_error;

static int invalid(const char *why)
{
	nl_parse_error = why;
	return -EINVAL;
}

/* FNV-1a, for a route's fingerprint */
#define FP_INIT 2166136261u

static uint32_t fp_add(uint32_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

/* An attribute's type and payload, when present. */
static uint32_t fp_attr(uint32_t h, const struct nlattr *a)
{
	uint16_t type;

	if (!a)
		return h;
	type = mnl_attr_get_type(a);
	h = fp_add(h, &type, sizeof(type));
	return fp_add(h, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

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

/*
 * RTA_MULTIPATH: a sequence of struct rtnexthop, each followed by its own
 * attributes. Returns the fingerprint h with the hops added.
 */
static uint32_t parse_multipath(struct nl_route *r, const struct nlattr *a, uint32_t h)
{
	const uint8_t *p = mnl_attr_get_payload(a);
	int left = mnl_attr_get_payload_len(a);

	r->multipath = true;
	while (left >= (int)sizeof(struct rtnexthop)) {
		const struct rtnexthop *rtnh = (const void *)p;
		struct attrs at = {};

		uint32_t onlink = rtnh->rtnh_flags & RTNH_F_ONLINK;

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > left)
			break;
		h = fp_add(h, &rtnh->rtnh_ifindex, sizeof(rtnh->rtnh_ifindex));
		h = fp_add(h, &rtnh->rtnh_hops, sizeof(rtnh->rtnh_hops));
		h = fp_add(h, &onlink, sizeof(onlink));
		/* the gateway, encapsulation and realm of the hop */
		h = fp_add(h, RTNH_DATA(rtnh), rtnh->rtnh_len - sizeof(*rtnh));
		if (r->nhops < NL_MAX_HOPS) {
			struct nl_hop *hop = &r->hops[r->nhops];

			hop->ifindex = rtnh->rtnh_ifindex;
			hop->flags = rtnh->rtnh_flags;
			hop->weight = rtnh->rtnh_hops + 1;
			mnl_attr_parse_payload(RTNH_DATA(rtnh), rtnh->rtnh_len - sizeof(*rtnh),
					       collect, &at);
			if (at.tb[RTA_VIA])
				hop_via(hop, at.tb[RTA_VIA]);
			else if (at.tb[RTA_GATEWAY])
				hop_gateway4(hop, at.tb[RTA_GATEWAY]);
			hop->encap = at.tb[RTA_ENCAP] != NULL;
		}
		r->nhops++;
		left -= RTNH_ALIGN(rtnh->rtnh_len);
		p += RTNH_ALIGN(rtnh->rtnh_len);
	}
	return h;
}

/* RTA_METRICS: nested RTAX_* attributes; only the MTU matters to forwarding. */
static uint32_t metric_mtu(const struct nlattr *metrics)
{
	struct attrs at = {};

	if (mnl_attr_parse_nested(metrics, collect, &at) < 0 || !at.tb[RTAX_MTU])
		return 0;
	return attr_u32(at.tb[RTAX_MTU]);
}

int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {};
	uint32_t mask, h = FP_INIT;

	memset(r, 0, sizeof(*r));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return invalid("shorter than struct rtmsg");
	if (rtm->rtm_family != AF_INET)
		return -EAFNOSUPPORT;
	if (rtm->rtm_dst_len > 32)
		return invalid("prefix length above 32");
	if (mnl_attr_parse(nlh, sizeof(*rtm), collect, &at) < 0)
		return invalid("malformed attributes");
	r->dst_len = rtm->rtm_dst_len;
	r->tos = rtm->rtm_tos;
	r->type = rtm->rtm_type;
	r->cloned = rtm->rtm_flags & RTM_F_CLONED;
	r->nlflags = nlh->nlmsg_flags;
	/* rtm_table has 8 bits; RTA_TABLE carries ids above 255 */
	r->table = at.tb[RTA_TABLE] ? attr_u32(at.tb[RTA_TABLE]) : rtm->rtm_table;
	if (at.tb[RTA_DST]) {
		if (mnl_attr_get_payload_len(at.tb[RTA_DST]) != 4)
			return invalid("RTA_DST is not 4 bytes long");
		memcpy(&r->dst, mnl_attr_get_payload(at.tb[RTA_DST]), 4);
	} else if (r->dst_len) {
		return invalid("no RTA_DST for a prefix length above 0");
	}
	/*
	 * The kernel refuses a route whose prefix has host bits set ("Invalid
	 * prefix for given prefix length") and never sends one.
	 */
	mask = r->dst_len ? htonl(~0u << (32 - r->dst_len)) : 0;
	if (r->dst & ~mask)
		return invalid("RTA_DST has bits set beyond its prefix length");
	if (at.tb[RTA_PRIORITY])
		r->priority = attr_u32(at.tb[RTA_PRIORITY]);
	if (at.tb[RTA_NH_ID])
		r->nhid = attr_u32(at.tb[RTA_NH_ID]);
	if (at.tb[RTA_METRICS])
		r->mtu = metric_mtu(at.tb[RTA_METRICS]);

	/*
	 * A route through a nexthop object is that object, whatever it holds
	 * now: the hops the kernel adds to it (nexthop_compat_mode) change
	 * with the object, and are left out of the fingerprint.
	 */
	h = fp_add(h, &rtm->rtm_type, 1);
	h = fp_add(h, &rtm->rtm_protocol, 1);
	h = fp_add(h, &rtm->rtm_scope, 1);
	h = fp_attr(h, at.tb[RTA_PREFSRC]);
	h = fp_attr(h, at.tb[RTA_METRICS]);
	h = fp_attr(h, at.tb[RTA_NH_ID]);
	if (at.tb[RTA_MULTIPATH]) {
		uint32_t with_hops = parse_multipath(r, at.tb[RTA_MULTIPATH], h);

		if (!r->nhid)
			h = with_hops;
	} else if (at.tb[RTA_OIF] || at.tb[RTA_VIA] || at.tb[RTA_GATEWAY]) {
		struct nl_hop *hop = &r->hops[0];

		r->nhops = 1;
		hop->flags = rtm->rtm_flags;
		hop->weight = 1;
		if (at.tb[RTA_OIF])
			hop->ifindex = attr_u32(at.tb[RTA_OIF]);
		if (at.tb[RTA_VIA])
			hop_via(hop, at.tb[RTA_VIA]);
		else if (at.tb[RTA_GATEWAY])
			hop_gateway4(hop, at.tb[RTA_GATEWAY]);
		hop->encap = at.tb[RTA_ENCAP] != NULL;
	}
	if (!r->nhid && !at.tb[RTA_MULTIPATH]) {
		uint32_t onlink = rtm->rtm_flags & RTNH_F_ONLINK;

		h = fp_add(h, &onlink, sizeof(onlink));
		h = fp_attr(h, at.tb[RTA_OIF]);
		h = fp_attr(h, at.tb[RTA_VIA]);
		h = fp_attr(h, at.tb[RTA_GATEWAY]);
		h = fp_attr(h, at.tb[RTA_ENCAP_TYPE]);
		h = fp_attr(h, at.tb[RTA_ENCAP]);
		h = fp_attr(h, at.tb[RTA_FLOW]);
	}
	r->fingerprint = h;
	return 0;
}

int nl_parse_nexthop(const struct nlmsghdr *nlh, struct nl_nhobj *nh)
{
	const struct nhmsg *nhm = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {};

	memset(nh, 0, sizeof(*nh));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nhm))
		return invalid("shorter than struct nhmsg");
	if (mnl_attr_parse(nlh, sizeof(*nhm), collect, &at) < 0)
		return invalid("malformed attributes");
	if (!at.tb[NHA_ID])
		return invalid("no NHA_ID");
	nh->id = attr_u32(at.tb[NHA_ID]);
	nh->family = nhm->nh_family;
	nh->blackhole = at.tb[NHA_BLACKHOLE] != NULL;
	nh->fdb = at.tb[NHA_FDB] != NULL;
	if (at.tb[NHA_GROUP_TYPE] && mnl_attr_get_payload_len(at.tb[NHA_GROUP_TYPE]) >= 2)
		nh->resilient = mnl_attr_get_u16(at.tb[NHA_GROUP_TYPE]) == NEXTHOP_GRP_TYPE_RES;
	nh->hop.flags = nhm->nh_flags;
	nh->hop.weight = 1;
	if (at.tb[NHA_OIF])
		nh->hop.ifindex = attr_u32(at.tb[NHA_OIF]);
	nh->hop.encap = at.tb[NHA_ENCAP] != NULL;
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
		/* weight_high (Linux 6.12) was a reserved zero before: 16-bit weights either way */
		for (i = 0; i < n && i < NL_MAX_HOPS; i++) {
			nh->group[i] = g[i].id;
			nh->weight[i] = ((uint32_t)g[i].weight_high << 8 | g[i].weight) + 1;
		}
	}
	return 0;
}

int nl_parse_neigh(const struct nlmsghdr *nlh, struct nl_neigh *n)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {};

	memset(n, 0, sizeof(*n));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return invalid("shorter than struct ndmsg");
	if (ndm->ndm_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (mnl_attr_parse(nlh, sizeof(*ndm), collect, &at) < 0)
		return invalid("malformed attributes");
	if (!at.tb[NDA_DST] || mnl_attr_get_payload_len(at.tb[NDA_DST]) != 16)
		return invalid("no 16-byte NDA_DST");
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
		return invalid("shorter than struct ifinfomsg");
	if (mnl_attr_parse(nlh, sizeof(*ifi), collect, &at) < 0)
		return invalid("malformed attributes");
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
