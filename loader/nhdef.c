// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nexthop objects by id and their groups (fib24.h): the nh_defs map, the
 * source of truth of the groups, and what changes when one changes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "fib24_int.h"

void nh_of_key(const struct nh_key *key, struct nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = V4VIA6_IFINDEX_GROUP;
	memcpy(nh->addr, key, sizeof(*key));
}

bool nh_is_group(const struct nexthop *nh)
{
	return nh->ifindex == V4VIA6_IFINDEX_GROUP;
}

void nh_key_of(const struct nexthop *nh, struct nh_key *key)
{
	memcpy(key, nh->addr, sizeof(*key));
}

const char *fib24_nh_invalid(struct fib24 *f, __u32 id, const struct nh_def *def)
{
	(void)f;
	(void)id;
	(void)def;
	return "not implemented yet";
}

int fib24_nh_set(struct fib24 *f, __u32 id, const struct nh_def *def, __u64 flags)
{
	(void)f;
	(void)id;
	(void)def;
	(void)flags;
	return -EOPNOTSUPP;
}

int fib24_nh_del(struct fib24 *f, __u32 id)
{
	(void)f;
	(void)id;
	return -EOPNOTSUPP;
}

int fib24_nh_get(struct fib24 *f, const struct nh_key *key, struct nh_def *def)
{
	return bpf_map_lookup_elem(f->nh_defs_fd, key, def) ? -errno : 0;
}

int fib24_nh_anon(struct fib24 *f, const struct nh_member *m, __u32 n, struct nexthop *nh)
{
	(void)f;
	(void)m;
	(void)n;
	(void)nh;
	return -EOPNOTSUPP;
}

int fib24_link_set(struct fib24 *f, __u32 ifindex, bool up)
{
	(void)f;
	(void)ifindex;
	(void)up;
	return -EOPNOTSUPP;
}

__u32 fib24_nh_slot(struct fib24 *f, const struct nh_key *key)
{
	(void)f;
	(void)key;
	return 0;
}
