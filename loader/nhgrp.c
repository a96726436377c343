// SPDX-License-Identifier: GPL-2.0-only
/* The buckets of a nexthop group, by weight, with the fewest moves (nhgrp.h). */
#include <errno.h>
#include <string.h>

#include "nhgrp.h"

int nhgrp_targets(const __u32 *weights, unsigned int n, unsigned int *targets)
{
	unsigned long long total = 0, rem[V4VIA6_NHGRP_MAX_SIZE];
	unsigned int i, k, given = 0, best;

	if (!n || n > V4VIA6_NHGRP_MAX_SIZE)
		return -EINVAL;
	for (i = 0; i < n; i++)
		total += weights[i];
	if (!total)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned long long share = (unsigned long long)V4VIA6_NHGRP_BUCKETS * weights[i];

		targets[i] = share / total;
		rem[i] = share % total;
		given += targets[i];
	}
	/* the rest, one each, to the largest remainders (at most n - 1 of them) */
	for (k = given; k < V4VIA6_NHGRP_BUCKETS; k++) {
		best = n;
		for (i = 0; i < n; i++)
			if (weights[i] && (best == n || rem[i] > rem[best]))
				best = i;
		targets[best]++;
		rem[best] = 0;
	}
	/* a member with a weight gets a bucket at least, from the one with the most */
	for (i = 0; i < n; i++) {
		if (!weights[i] || targets[i])
			continue;
		for (best = 0, k = 1; k < n; k++)
			if (targets[k] > targets[best])
				best = k;
		targets[best]--;
		targets[i]++;
	}
	return 0;
}

int nhgrp_rebalance(__u16 *bucket, const __u32 *weights, unsigned int n)
{
	unsigned int targets[V4VIA6_NHGRP_MAX_SIZE], have[V4VIA6_NHGRP_MAX_SIZE] = { 0 };
	unsigned int j, m = 0;
	int moved = 0, err;

	err = nhgrp_targets(weights, n, targets);
	if (err)
		return err;
	/* keep what may stay: a member keeps its first buckets up to its target */
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		if (bucket[j] < n && have[bucket[j]] < targets[bucket[j]])
			have[bucket[j]]++;
		else
			bucket[j] = NHGRP_NONE;
	}
	/* the freed buckets, in order, to the members still short of their target */
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		if (bucket[j] != NHGRP_NONE)
			continue;
		while (have[m] >= targets[m])
			m++;
		bucket[j] = m;
		have[m]++;
		moved++;
	}
	return moved;
}
