// SPDX-License-Identifier: GPL-2.0-only
/*
 * routegen COUNT [GATEWAYS [LONG_EVERY]]: prints COUNT distinct IPv4 prefixes,
 * one a line, as "A.B.C.D/LEN GW" with GW in 0..GATEWAYS-1 (default 4). The
 * same table feeds v4via6's map, the kernel's FIB (ip -batch) and `v4via6 apply`.
 *
 * The mix is what a full Internet table looks like roughly: 80% /24, 8% /22,
 * 6% /20, 4% /16 and 2% shorter (/8 to /15), spread over 1.0.0.0-223.255.255.255
 * without 127/8. On top, every LONG_EVERY-th line (default 20: 5%; 0: none,
 * the bench's table before tbl8) is a route longer than /24, as an IGP's /32
 * loopbacks and /31 links are: they come LONG_PER_24 to a /24, nested inside a
 * route of the table (the /24 of an earlier line), so that each such /24 takes
 * one tbl8 block (at 1M routes: 50,000 long routes in 12,500 blocks). The first
 * N lines of a longer table are the table of N routes, so the bench grows one
 * table step by step. Deterministic: the same arguments always give the same lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "mix.h"

/* /24s in 1.0.0.0/8 .. 223.0.0.0/8 without 127/8 */
#define N24 (222ULL * 65536)
/* coprime with N24 (= 2^17 * 3 * 37), so i -> i * STRIDE mod N24 visits each /24 once */
#define STRIDE 2654435761ULL

/* long routes per /24: one /25 and three routes of /26../32, one in each other quarter */
#define LONG_PER_24 4

static unsigned int pick_len(uint32_t r)
{
	r %= 1000;
	if (r < 800)
		return 24;
	if (r < 880)
		return 22;
	if (r < 940)
		return 20;
	if (r < 980)
		return 16;
	return 8 + r % 8;
}

/* The /24 (address, host order) of table line i, whatever its length: inside its prefix. */
static uint32_t line_24(uint64_t i)
{
	uint64_t t = (i * STRIDE) % N24;
	uint32_t first = 1 + t / 65536;

	if (first >= 127)
		first++;
	return first << 24 | (uint32_t)(t % 65536) << 8;
}

/*
 * Long route number j (0, 1, ...) of a table with one every `every` lines.
 * The LONG_PER_24 routes of cluster j / LONG_PER_24 lie in the /24 of line
 * cluster * LONG_PER_24 * every: a line that is never long and comes before
 * them, so the /24 is covered by a route of every table that holds them. In
 * it: a /25 on the upper half, then routes of /26 to /32 in quarters 1, 2 and
 * 3, so that no two are the same prefix and two of them nest in the /25.
 */
static uint32_t long_route(uint64_t j, unsigned long every, unsigned int *len)
{
	uint32_t base = line_24(j / LONG_PER_24 * LONG_PER_24 * every), r = bench_mix(~(uint32_t)j);
	unsigned int k = j % LONG_PER_24;

	if (k == 0) {
		*len = 25;
		return base | 128;
	}
	*len = 26 + r % 7;
	return base | ((k * 64 + (r >> 8 & 63)) & (~0U << (32 - *len)) & 255);
}

int main(int argc, char **argv)
{
	unsigned long count, gws = 4, every = 20;
	uint8_t *seen[24] = {};
	unsigned long i;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: routegen COUNT [GATEWAYS [LONG_EVERY]]\n");
		return 2;
	}
	count = strtoul(argv[1], NULL, 0);
	if (argc >= 3)
		gws = strtoul(argv[2], NULL, 0);
	if (argc == 4)
		every = strtoul(argv[3], NULL, 0);
	if (count > N24 || !gws || every == 1) {
		fprintf(stderr,
			"routegen: bad count, gateways or LONG_EVERY (0, or 2 and up): "
			"at most %llu routes\n",
			N24);
		return 2;
	}
	/* one bit per possible prefix of each length shorter than /24: no prefix twice */
	for (i = 8; i < 24; i++) {
		seen[i] = calloc((1UL << i) / 8, 1);
		if (!seen[i]) {
			perror("routegen: calloc");
			return 1;
		}
	}
	for (i = 0; i < count; i++) {
		uint32_t addr = line_24(i), idx;
		unsigned int len = pick_len(bench_mix(i));

		if (every && i % every == every - 1) {
			addr = long_route(i / every, every, &len);
			printf("%u.%u.%u.%u/%u %lu\n", addr >> 24, addr >> 16 & 255,
			       addr >> 8 & 255, addr & 255, len, i % gws);
			continue;
		}
		if (len < 24) {
			idx = addr >> (32 - len);
			if (seen[len][idx / 8] & (1 << idx % 8))
				len = 24; /* taken: each /24 comes once, so this one is new */
			else
				seen[len][idx / 8] |= 1 << idx % 8;
		}
		addr &= ~0U << (32 - len);
		printf("%u.%u.%u.%u/%u %lu\n", addr >> 24, addr >> 16 & 255, addr >> 8 & 255,
		       addr & 255, len, i % gws);
	}
	return 0;
}
