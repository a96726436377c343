// SPDX-License-Identifier: GPL-2.0-only
/*
 * sync's rtnetlink parsers (nl_parse.c) on arbitrary bytes taken as one
 * netlink message: the route, nexthop, neighbour and link parsers each get
 * it, whatever its type says, as a hostile or buggy sender could send it.
 * The message length is checked first, as nl.c's receive path does.
 */
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "fuzz.h"
#include "sync/nl_parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	struct nl_route r;
	struct nl_nhobj o;
	struct nl_neigh n;
	struct nl_link l;
	int i;

	if (size < sizeof(*nlh))
		return 0;
	/*
	 * A copy of the message's own size, so ASan sees any read past it. libmnl
	 * walks attributes up to the 4-byte aligned end of the message (found by
	 * this harness): the copy has that padding, zeroed, as nl.c's receive
	 * buffer has bytes there.
	 */
	nlh = calloc(1, MNL_ALIGN(size));
	memcpy(nlh, data, size);
	if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > size) {
		free(nlh);
		return 0;
	}
	if (!nl_parse_route(nlh, &r)) {
		FUZZ_ASSERT(r.dst_len <= 32, "dst_len %u", r.dst_len);
		for (i = 0; i < r.nhops && i < NL_MAX_HOPS; i++)
			FUZZ_ASSERT(r.hops[i].family == 0 || r.hops[i].family == AF_INET ||
					    r.hops[i].family == AF_INET6,
				    "hop family %u", r.hops[i].family);
	}
	if (!nl_parse_nexthop(nlh, &o))
		FUZZ_ASSERT(o.ngroup >= 0, "ngroup %d", o.ngroup);
	nl_parse_neigh(nlh, &n);
	nl_parse_link(nlh, &l);
	free(nlh);
	return 0;
}
