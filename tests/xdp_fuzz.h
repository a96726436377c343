/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The randomized test: valid frames, mutated (bytes flipped, lengths, TTL,
 * IHL, version, ethertype, addresses changed), run through the program and
 * compared with a reference classifier written here from the world's tables
 * (xdp_world.h) and RFC 1812, not from the program. A fixed seed is printed so
 * that a failure reproduces with `test_xdp --seed N`.
 */
#ifndef XDP_FUZZ_H
#define XDP_FUZZ_H

#include "xdp_world.h"

#define FUZZ_DEFAULT_SEED 0x5eedULL
#define FUZZ_FRAMES	  300000
/* test_xdp --frames N: make fuzz runs 10 million */
extern size_t fuzz_frames;

/*
 * Runs fuzz_frames random frames from seed through the program, the second
 * half with the default route installed, and prints the test's one line;
 * true when every frame did what the reference says.
 */
bool fuzz_run(const struct world *w, unsigned long long seed);

#endif /* XDP_FUZZ_H */
