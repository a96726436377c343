/* SPDX-License-Identifier: GPL-2.0-only */
/* The bench's one integer hash, so that routegen's table and progcost's destinations agree. */
#ifndef V4VIA6_BENCH_MIX_H
#define V4VIA6_BENCH_MIX_H

#include <stdint.h>

/*
 * One destination in BENCH_LONG_EVERY goes to a route longer than /24 (progcost's
 * frames; trafgen_cfg.py's LONG_EVERY says the same), where the table has one.
 */
#define BENCH_LONG_EVERY 20

/* A 32-bit avalanche mix (lowbias32): spreads consecutive indexes over the whole range. */
static inline uint32_t bench_mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

#endif /* V4VIA6_BENCH_MIX_H */
