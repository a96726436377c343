/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The buckets of a nexthop group (include/v4via6.h): which member each of
 * V4VIA6_NHGRP_BUCKETS buckets sends its flows to, in proportion to the
 * members' weights, moving as few buckets as a change allows (the kernel's
 * resilient groups, net/ipv4/nexthop.c, do the same for its own path).
 */
#ifndef V4VIA6_NHGRP_H
#define V4VIA6_NHGRP_H

#include <linux/types.h>

#include "v4via6.h"

#define NHGRP_NONE 0xffff /* a bucket with no member yet */

/*
 * How many buckets each of n members gets for its weight: floor(N * w / W),
 * the remaining ones to the largest remainders (ties: the lower index), and
 * one at least to a member with a weight (taken from the one with the most:
 * 65535:1 is 255:1). weights[i] 0 gets none. Returns 0, or -EINVAL when every weight is 0 or n is
 * out of 1..V4VIA6_NHGRP_MAX_SIZE.
 */
int nhgrp_targets(const __u32 *weights, unsigned int n, unsigned int *targets);

/*
 * bucket[] (member indexes, NHGRP_NONE for none) made to hold each member's
 * target, moving the fewest buckets. The *home* layout is the members in
 * order, each its target of buckets in a row (what a new group gets). A
 * bucket keeps its member when it is that member's home, else while the
 * member is under its target; the others go to their home member if it is
 * short, else to the first member still short. So a member removed (weight 0,
 * or an index >= n) moves only its own buckets, and when it comes back (the
 * weights as before) it gets exactly its old buckets back: every other flow
 * keeps its path both ways (a member that took buckets while it was away
 * gives back those, not its own). Returns the number of buckets that
 * changed, or -EINVAL as nhgrp_targets.
 */
int nhgrp_rebalance(__u16 *bucket, const __u32 *weights, unsigned int n);

#endif /* V4VIA6_NHGRP_H */
