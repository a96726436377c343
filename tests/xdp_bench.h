/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `test_xdp --bench`: the program's cost per frame under BPF_PROG_TEST_RUN
 * with `repeat`, on a fresh load with one route. Not a test: it prints figures.
 *
 * With repeat, the kernel runs the program again and again on the same buffer
 * and never resets it, so a forwarded frame loses one TTL per run: a frame
 * with TTL 255 is forwarded 254 times and then passed (TTL 1). Forwarding is
 * therefore measured in runs of 254 repeats on fresh frames (the cost of each
 * BPF_PROG_TEST_RUN call is then spread over 254 frames instead of 500000:
 * a few ns more per frame).
 */
#ifndef XDP_BENCH_H
#define XDP_BENCH_H

#include "xdp_world.h"

/* Prints the figures, from a fresh load of the program in the namespace of full. */
void bench_run(const struct world *full);

#endif /* XDP_BENCH_H */
