// SPDX-License-Identifier: GPL-2.0-only
/*
 * routegen COUNT [GATEWAYS]: prints COUNT distinct IPv4 prefixes, one a line,
 * as "A.B.C.D/LEN GW" with GW in 0..GATEWAYS-1 (default 4). The same table
 * feeds v4via6's map, the kernel's FIB (ip -batch) and `v4via6 apply`.
 *
 * The mix is what a full Internet table looks like roughly: 80% /24, 8% /22,
 * 6% /20, 4% /16 and 2% shorter (/8 to /15), spread over 1.0.0.0-223.255.255.255
 * without 127/8. The first N lines of a longer table are the table of N
 * routes, so the bench grows one table step by step. Deterministic: the same
 * COUNT always gives the same lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "mix.h"

/* /24s in 1.0.0.0/8 .. 223.0.0.0/8 without 127/8 */
#define N24 (222ULL * 65536)
/* coprime with N24 (= 2^17 * 3 * 37), so i -> i * STRIDE mod N24 visits each /24 once */
#define STRIDE 2654435761ULL

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

int main(int argc, char **argv)
{
	unsigned long count, gws = 4;
	uint8_t *seen[24] = {};
	unsigned long i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: routegen COUNT [GATEWAYS]\n");
		return 2;
	}
	count = strtoul(argv[1], NULL, 0);
	if (argc == 3)
		gws = strtoul(argv[2], NULL, 0);
	if (count > N24 || !gws) {
		fprintf(stderr, "routegen: bad count or gateways: at most %llu routes\n", N24);
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
		uint64_t t = (i * STRIDE) % N24;
		uint32_t first = 1 + t / 65536, addr, idx;
		unsigned int len = pick_len(bench_mix(i));

		if (first >= 127)
			first++;
		addr = first << 24 | (uint32_t)(t % 65536) << 8;
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
