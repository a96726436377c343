// SPDX-License-Identifier: GPL-2.0-only
/* The buckets of a nexthop group, by weight, with the fewest moves (nhgrp.h). */
#include <errno.h>
#include <stdbool.h>
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
	__u16 home[V4VIA6_NHGRP_BUCKETS], was[V4VIA6_NHGRP_BUCKETS];
	bool keep[V4VIA6_NHGRP_BUCKETS] = { false };
	unsigned int j, m;
	int moved = 0, err;

	err = nhgrp_targets(weights, n, targets);
	if (err)
		return err;
	/* the home layout: members in order, each its target of buckets in a row */
	for (j = 0, m = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		while (have[m] >= targets[m])
			m++;
		home[j] = m;
		have[m]++;
	}
	memset(have, 0, sizeof(have));
	memcpy(was, bucket, sizeof(was));
	/* a bucket stays with its member: first its home buckets, then others while it is short */
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
		if (bucket[j] == home[j]) {
			have[home[j]]++;
			keep[j] = true;
		}
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		m = bucket[j];
		if (keep[j] || m >= n || have[m] >= targets[m])
			continue;
		have[m]++;
		keep[j] = true;
	}
	/* the others go home when their home member is short (it came back), else to one that is */
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		if (keep[j] || have[home[j]] >= targets[home[j]])
			continue;
		bucket[j] = home[j];
		have[home[j]]++;
		keep[j] = true;
	}
	for (j = 0, m = 0; j < V4VIA6_NHGRP_BUCKETS; j++) {
		if (keep[j])
			continue;
		while (have[m] >= targets[m])
			m++;
		bucket[j] = m;
		have[m]++;
	}
	for (j = 0; j < V4VIA6_NHGRP_BUCKETS; j++)
		moved += bucket[j] != was[j];
	return moved;
}
