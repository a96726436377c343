/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The egress array (include/v4via6.h): indexed by ifindex, an entry with MTU
 * 0 is an interface that is not attached. Every reader and writer of the
 * attached set goes through here.
 */
#ifndef V4VIA6_EGRESS_H
#define V4VIA6_EGRESS_H

#include <linux/types.h>

#include "v4via6.h"

/* 0 and *eg when ifindex is attached, -ENOENT when not, or -errno. */
int egress_get(int fd, __u32 ifindex, struct egress *eg);
/* Writes an attached interface's entry; -ERANGE when ifindex is beyond the array. */
int egress_set(int fd, __u32 ifindex, const struct egress *eg);
/* The interface is no longer attached. */
int egress_clear(int fd, __u32 ifindex);
/* The attached interfaces' ifindexes, ascending, at most max; the count or -errno. */
int egress_list(int fd, __u32 *ifindexes, int max);

#endif /* V4VIA6_EGRESS_H */
