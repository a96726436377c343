/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How a route names a nexthop object (include/v4via6.h, struct nh_key): in
 * the trie, a struct nexthop with ifindex V4VIA6_IFINDEX_GROUP and the
 * object's key in addr. Inline, so that the parsers and the fuzzers need
 * none of the forwarding table's modules to read or write one.
 */
#ifndef V4VIA6_NHKEY_H
#define V4VIA6_NHKEY_H

#include <stdbool.h>
#include <string.h>

#include "v4via6.h"

static inline void nh_of_key(const struct nh_key *key, struct nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = V4VIA6_IFINDEX_GROUP;
	memcpy(nh->addr, key, sizeof(*key));
}

static inline bool nh_is_group(const struct nexthop *nh)
{
	return nh->ifindex == V4VIA6_IFINDEX_GROUP;
}

/* The key a group next hop names (nh_is_group). */
static inline void nh_key_of(const struct nexthop *nh, struct nh_key *key)
{
	memcpy(key, nh->addr, sizeof(*key));
}

#endif /* V4VIA6_NHKEY_H */
